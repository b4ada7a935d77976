import GenCore

/// diffusers' `UNet2DModel`: the unconditional denoiser of Ho et al., "Denoising Diffusion Probabilistic Models"
/// (2020), as in google/ddpm-cifar10-32. Sinusoidal time embedding → MLP; conv_in; down blocks (`DownBlock2D`,
/// `AttnDownBlock2D`) saving skip states; `UNetMidBlock2D`; up blocks (`UpBlock2D`, `AttnUpBlock2D`) consuming
/// them; GroupNorm, SiLU, conv_out. Predicts what the scheduler's `prediction_type` says (noise, usually).
public struct UNet2DModel: Sendable {
    public let config: UNet2DModelConfig
    let timeProjection: Timesteps
    let timeEmbedding: TimestepEmbedding
    let convIn: Conv2d
    let downBlocks: [DownBlock2D]
    let midBlock: UNetMidBlock2D?
    let upBlocks: [UpBlock2D]
    let convNormOut: GroupNorm
    let convOut: Conv2d
    let activation: Activation

    /// How many times the down path halves height and width; inputs must be multiples of it.
    public var downsamplingFactor: Int { 1 << (config.blockOutChannels.count - 1) }

    /// Loads a diffusers `UNet2DModel` folder (`config.json` + `diffusion_pytorch_model.safetensors`).
    public init(directory: String) throws {
        let folder = try DiffusersModelFolder(directory: directory, classNames: ["UNet2DModel"])
        try self.init(config: folder.config.decode(UNet2DModelConfig.self), weights: WeightLoader(source: folder.weights))
    }

    /// Builds the network from `weights`, whose names are those of diffusers' state dict (`conv_in.weight`, …).
    public init(config: UNet2DModelConfig, weights w: WeightLoader) throws {
        let c = try config.validated()
        self.config = c
        let channels = c.blockOutChannels, levels = channels.count
        let timeEmbedDim = c.timeEmbeddingDim ?? channels[0] * 4
        activation = try Activation(configValue: c.actFn)
        let options = ResnetOptions(
            groups: c.normNumGroups, eps: Float(c.normEps), activation: activation,
            timeEmbeddingNorm: try TimeEmbeddingNorm(configValue: c.resnetTimeScaleShift, field: "resnet_time_scale_shift"),
            tembChannels: timeEmbedDim)
        timeProjection = Timesteps(numChannels: channels[0], flipSinToCos: c.flipSinToCos,
                                   downscaleFreqShift: Float(c.freqShift))
        timeEmbedding = try TimestepEmbedding(weights: w.scoped("time_embedding"), inChannels: channels[0],
                                              timeEmbedDim: timeEmbedDim, activation: activation)
        convIn = try w.conv2d("conv_in", inputs: c.inChannels, outputs: channels[0], kernel: 3, padding: 1)
        downBlocks = try (0..<levels).map { i in
            try DownBlock2D(
                weights: w.scoped("down_blocks.\(i)"), inChannels: channels[max(i - 1, 0)], outChannels: channels[i],
                numLayers: c.layersPerBlock, options: options, addDownsample: i < levels - 1,
                downsamplePadding: c.downsamplePadding,
                attentionHeadDim: c.downBlockTypes[i] == "AttnDownBlock2D" ? c.attentionHeadDim ?? channels[i] : nil)
        }
        var midOptions = options
        midOptions.outputScaleFactor = Float(c.midBlockScaleFactor)
        midBlock = c.midBlockType == nil ? nil : try UNetMidBlock2D(
            weights: w.scoped("mid_block"), channels: channels[levels - 1], options: midOptions,
            addAttention: c.addAttention, attentionHeadDim: c.attentionHeadDim ?? channels[levels - 1],
            attnGroups: c.attnNormNumGroups)
        let reversed = Array(channels.reversed())
        upBlocks = try (0..<levels).map { i in
            try UpBlock2D(
                weights: w.scoped("up_blocks.\(i)"), inChannels: reversed[min(i + 1, levels - 1)],
                prevOutputChannels: reversed[max(i - 1, 0)], outChannels: reversed[i], numLayers: c.layersPerBlock + 1,
                options: options, addUpsample: i < levels - 1,
                attentionHeadDim: c.upBlockTypes[i] == "AttnUpBlock2D" ? c.attentionHeadDim ?? reversed[i] : nil)
        }
        convNormOut = try w.groupNorm("conv_norm_out", channels: channels[0], groups: c.normNumGroups, eps: Float(c.normEps))
        convOut = try w.conv2d("conv_out", inputs: channels[0], outputs: c.outChannels, kernel: 3, padding: 1)
    }

    /// The model output for `sample` [B, in_channels, H, W] at one `timestep` for the whole batch (fractional
    /// timesteps are used as given; diffusers truncates a Python number to an integer, but not a tensor).
    public func callAsFunction(_ sample: Tensor, timestep: Float) throws -> Tensor {
        try callAsFunction(sample, timesteps: [Float](repeating: timestep, count: max(sample.shape.first ?? 1, 1)))
    }

    /// The model output for `sample` [B, in_channels, H, W] with one timestep per batch element.
    public func callAsFunction(_ sample: Tensor, timesteps: [Float]) throws -> Tensor {
        guard sample.rank == 4, sample.shape[1] == config.inChannels, sample.shape[0] == timesteps.count,
              sample.shape[2] > 0, sample.shape[3] > 0, sample.shape[2] % downsamplingFactor == 0,
              sample.shape[3] % downsamplingFactor == 0, sample.dtype.isFloatingPoint else {
            throw DiffusionModelsError.invalidModelInput(
                "UNet2DModel: sample must be a float [B, \(config.inChannels), H, W] tensor with H and W positive "
                    + "multiples of \(downsamplingFactor) and one timestep per batch element, got \(sample.dtype) "
                    + "\(sample.shape) and \(timesteps.count) timesteps")
        }
        var x = sample.converted(to: .float32)
        if config.centerInputSample { x = 2 * x - 1 }
        let emb = timeEmbedding(timeProjection(timesteps))
        var h = convIn(x)
        var skips = [h]
        for block in downBlocks {
            let (out, saved) = block(h, temb: emb)
            h = out
            skips += saved
        }
        if let midBlock { h = midBlock(h, temb: emb) }
        for block in upBlocks {
            let used = Array(skips.suffix(block.skipCount))
            skips.removeLast(block.skipCount)
            h = block(h, skips: used, temb: emb)
        }
        return convOut(activation(convNormOut(h)))
    }
}
