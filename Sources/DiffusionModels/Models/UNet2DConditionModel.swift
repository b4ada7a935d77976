import Foundation
import GenCore

/// The text-conditioned denoising UNet of Stable Diffusion 1.x and 2.x (Rombach et al., "High-Resolution Image
/// Synthesis with Latent Diffusion Models", 2022), as diffusers' `UNet2DConditionModel`: the timestep becomes a
/// sinusoidal embedding and an MLP; `conv_in`; down blocks that save skip states (resnets, spatial transformers
/// cross-attending to the text states, stride-2 convolutions); a mid block; up blocks that consume the skips in
/// reverse order; then group norm, SiLU and `conv_out` back to the latent channels.
///
/// Weights may be float32, float16 or bfloat16; computation is float32 (convolution weights are converted once at
/// load, linear weights are read in place).
public struct UNet2DConditionModel: Sendable {
    public let config: UNet2DConditionConfig
    let timeProjection: Timesteps
    let timeEmbedding: TimestepEmbedding
    let timeEmbeddingActivation: Activation?
    let convIn: Conv2d
    let downBlocks: [any UNetDownBlock]
    let midBlock: (any UNetMidBlock)?
    let upBlocks: [any UNetUpBlock]
    let convNormOut: GroupNorm
    let convActivation: Activation
    let convOut: Conv2d

    /// Block types this implementation builds, as `config.json` names them.
    public static let supportedDownBlockTypes = ["CrossAttnDownBlock2D", "DownBlock2D"]
    public static let supportedMidBlockTypes = ["UNetMidBlock2DCrossAttn", "UNetMidBlock2D"]
    public static let supportedUpBlockTypes = ["CrossAttnUpBlock2D", "UpBlock2D"]

    /// Loads the UNet in `directory` (a pipeline's `unet/` folder): `config.json` and
    /// `diffusion_pytorch_model.safetensors`, or `diffusion_pytorch_model.<variant>.safetensors` when `variant` is
    /// given (`"fp16"`, as diffusers' `variant=` argument).
    public init(directory: String, variant: String? = nil) throws {
        let configFile = try ModelConfigFile(path: (directory as NSString).appendingPathComponent("config.json"))
        if let className = configFile.value("_class_name") as? String, className != "UNet2DConditionModel" {
            throw DiffusionModelsError.unsupportedModel(className: className, supported: ["UNet2DConditionModel"])
        }
        let config = try configFile.decode(UNet2DConditionConfig.self)
        try config.validate()
        let fileName = "diffusion_pytorch_model" + (variant.map { ".\($0)" } ?? "") + ".safetensors"
        let weights = try SafetensorsFile(path: (directory as NSString).appendingPathComponent(fileName))
        try self.init(config: config, weights: WeightLoader(source: weights))
    }

    /// Builds the UNet that `config` describes from checkpoint names as diffusers saves them.
    public init(config: UNet2DConditionConfig, weights w: WeightLoader) throws {
        try config.validate()
        self.config = config
        let channels = config.blockOutChannels
        let levels = channels.count
        let activation = try Self.activation(config.actFn, field: "act_fn")

        // Time: sinusoidal features of block_out_channels[0], then an MLP to the embedding every resnet reads.
        let timeEmbedDim = config.timeEmbeddingDim ?? 4 * channels[0]
        timeProjection = Timesteps(numChannels: channels[0], flipSinToCos: config.flipSinToCos,
                                   downscaleFreqShift: config.freqShift)
        timeEmbedding = try TimestepEmbedding(weights: w.scoped("time_embedding"), inChannels: channels[0],
                                              timeEmbedDim: timeEmbedDim, activation: activation,
                                              condProjDim: config.timeCondProjDim)
        timeEmbeddingActivation = try config.timeEmbeddingActFn.map { try Self.activation($0, field: "time_embedding_act_fn") }

        convIn = try w.conv2d("conv_in", inputs: config.inChannels, outputs: channels[0], kernel: config.convInKernel,
                              padding: (config.convInKernel - 1) / 2)

        let options = ResnetOptions(
            groups: config.normNumGroups ?? 32, eps: config.normEps, activation: activation,
            timeEmbeddingNorm: try TimeEmbeddingNorm(configValue: config.resnetTimeScaleShift, field: "resnet_time_scale_shift"),
            tembChannels: timeEmbedDim)
        func attention(_ level: Int) -> CrossAttentionOptions {
            CrossAttentionOptions(
                heads: config.perBlock(config.attentionHeadDim, level),
                crossAttentionDim: config.perBlock(config.crossAttentionDim, level),
                transformerLayers: config.perBlock(config.transformerLayersPerBlock, level),
                useLinearProjection: config.useLinearProjection)
        }

        downBlocks = try config.downBlockTypes.enumerated().map { i, type in
            let weights = w.scoped("down_blocks.\(i)")
            let inChannels = channels[max(i - 1, 0)], outChannels = channels[i]
            let layers = config.perBlock(config.layersPerBlock, i), isLast = i == levels - 1
            switch type {
            case "CrossAttnDownBlock2D":
                return try CrossAttnDownBlock2D(
                    weights: weights, inChannels: inChannels, outChannels: outChannels, numLayers: layers,
                    options: options, attention: attention(i), addDownsample: !isLast,
                    downsamplePadding: config.downsamplePadding)
            case "DownBlock2D":
                return try DownBlock2D(
                    weights: weights, inChannels: inChannels, outChannels: outChannels, numLayers: layers,
                    options: options, addDownsample: !isLast, downsamplePadding: config.downsamplePadding)
            default:
                throw DiffusionModelsError.unsupportedConfigValue(
                    field: "down_block_types", value: type, supported: Self.supportedDownBlockTypes)
            }
        }

        var midOptions = options
        midOptions.outputScaleFactor = config.midBlockScaleFactor
        let deepest = levels - 1
        switch config.midBlockType {
        case "UNetMidBlock2DCrossAttn":
            midBlock = try UNetMidBlock2DCrossAttn(weights: w.scoped("mid_block"), channels: channels[deepest],
                                                   options: midOptions, attention: attention(deepest))
        case "UNetMidBlock2D":
            // diffusers builds this one with a single resnet and no attention inside a UNet2DConditionModel.
            midBlock = try UNetMidBlock2D(weights: w.scoped("mid_block"), channels: channels[deepest], options: midOptions,
                                          numLayers: 0, addAttention: false, attentionHeadDim: channels[deepest])
        case nil:
            midBlock = nil
        case let type?:
            throw DiffusionModelsError.unsupportedConfigValue(
                field: "mid_block_type", value: type, supported: Self.supportedMidBlockTypes)
        }

        // The expanding path mirrors the contracting one: level i of it reads the per-block settings of down
        // block levels - 1 - i.
        var outChannels = channels[deepest]
        upBlocks = try config.upBlockTypes.enumerated().map { i, type in
            let mirrored = deepest - i
            let weights = w.scoped("up_blocks.\(i)")
            let prevOutputChannels = outChannels
            outChannels = channels[mirrored]
            let inChannels = channels[max(mirrored - 1, 0)]
            let layers = config.perBlock(config.layersPerBlock, mirrored) + 1, isLast = i == levels - 1
            switch type {
            case "CrossAttnUpBlock2D":
                return try CrossAttnUpBlock2D(
                    weights: weights, inChannels: inChannels, prevOutputChannels: prevOutputChannels,
                    outChannels: outChannels, numLayers: layers, options: options, attention: attention(mirrored),
                    addUpsample: !isLast)
            case "UpBlock2D":
                return try UpBlock2D(
                    weights: weights, inChannels: inChannels, prevOutputChannels: prevOutputChannels,
                    outChannels: outChannels, numLayers: layers, options: options, addUpsample: !isLast)
            default:
                throw DiffusionModelsError.unsupportedConfigValue(
                    field: "up_block_types", value: type, supported: Self.supportedUpBlockTypes)
            }
        }

        convNormOut = try w.groupNorm("conv_norm_out", channels: channels[0], groups: options.groups, eps: config.normEps)
        convActivation = activation
        convOut = try w.conv2d("conv_out", inputs: channels[0], outputs: config.outChannels,
                               kernel: config.convOutKernel, padding: (config.convOutKernel - 1) / 2)
    }

    /// The number of ×2 upsamplers: the latent height and width are best multiples of 2 to this power (other
    /// sizes work too, as in diffusers, by resizing to the matching skip state).
    public var downsamplingFactor: Int { 1 << max(config.blockOutChannels.count - 1, 0) }

    /// The predicted noise (or v, or sample, as the model was trained) for `sample` [B, in_channels, H, W] at
    /// `timestep`, conditioned on `encoderHiddenStates` [B, S, cross_attention_dim] (B = 2 for classifier-free
    /// guidance: unconditional and conditional rows). `timestepCond` [B, time_cond_proj_dim] is the guidance
    /// embedding of distilled (LCM) UNets. Returns [B, out_channels, H, W].
    public func callAsFunction(
        _ sample: Tensor, timestep: Float, encoderHiddenStates: Tensor, timestepCond: Tensor? = nil
    ) throws(DiffusionModelsError) -> Tensor {
        try validateInputs(sample, timestep: timestep, encoderHiddenStates: encoderHiddenStates, timestepCond: timestepCond)
        let batch = sample.shape[0]
        let context = encoderHiddenStates.converted(to: .float32).contiguous()
        var x = sample.converted(to: .float32)
        if config.centerInputSample { x = 2 * x - 1 }

        var emb = timeEmbedding(timeProjection([Float](repeating: timestep, count: batch)),
                                condition: timestepCond?.converted(to: .float32))
        if let timeEmbeddingActivation { emb = timeEmbeddingActivation(emb) }

        x = convIn(x)
        var skips = [x]
        for block in downBlocks {
            let (hidden, saved) = block(x, temb: emb, encoderHiddenStates: context)
            x = hidden
            skips += saved
        }
        if let midBlock { x = midBlock(x, temb: emb, encoderHiddenStates: context) }

        // When H or W is not a multiple of the total downsampling, each upsampler resizes to its skip's size.
        let exactSizes = sample.shape[2] % downsamplingFactor != 0 || sample.shape[3] % downsamplingFactor != 0
        for (i, block) in upBlocks.enumerated() {
            let consumed = Array(skips.suffix(block.skipCount))
            skips.removeLast(block.skipCount)
            let size = exactSizes && i < upBlocks.count - 1 ? skips.last.map { ($0.shape[2], $0.shape[3]) } : nil
            x = block(x, skips: consumed, temb: emb, encoderHiddenStates: context, upsampleSize: size)
        }
        return convOut(convActivation(convNormOut(x)))
    }

    private func validateInputs(
        _ sample: Tensor, timestep: Float, encoderHiddenStates states: Tensor, timestepCond: Tensor?
    ) throws(DiffusionModelsError) {
        guard sample.rank == 4, sample.shape[1] == config.inChannels, sample.shape[0] > 0,
              sample.shape[2] > 0, sample.shape[3] > 0, sample.dtype.isFloatingPoint else {
            throw .invalidModelInput(
                "UNet2DConditionModel: sample must be a float [batch, \(config.inChannels), height, width] tensor, got \(sample.dtype) \(sample.shape)")
        }
        let widths = Set(crossAttentionWidths)
        guard states.rank == 3, states.shape[0] == sample.shape[0], states.shape[1] > 0, states.dtype.isFloatingPoint,
              widths.isEmpty || widths == [states.shape[2]] else {
            throw .invalidModelInput(
                "UNet2DConditionModel: encoderHiddenStates must be a float [\(sample.shape[0]), sequence, \(widths.sorted().map(String.init).joined(separator: "|"))] tensor (one row per sample), got \(states.dtype) \(states.shape)")
        }
        guard timestep.isFinite else { throw .invalidModelInput("UNet2DConditionModel: timestep must be finite, got \(timestep)") }
        if let dim = config.timeCondProjDim {
            guard let cond = timestepCond, cond.shape == [sample.shape[0], dim], cond.dtype.isFloatingPoint else {
                throw .invalidModelInput(
                    "UNet2DConditionModel: this UNet (time_cond_proj_dim \(dim)) needs timestepCond [\(sample.shape[0]), \(dim)], got \(timestepCond.map { "\($0.shape)" } ?? "none")")
            }
        } else if timestepCond != nil {
            throw .invalidModelInput("UNet2DConditionModel: timestepCond given, but this UNet has no time_cond_proj_dim")
        }
    }

    /// The `cross_attention_dim` of every block that cross-attends.
    private var crossAttentionWidths: [Int] {
        let levels = config.blockOutChannels.count
        var widths: [Int] = []
        for (i, type) in config.downBlockTypes.enumerated() where type.hasPrefix("CrossAttn") {
            widths.append(config.perBlock(config.crossAttentionDim, i))
        }
        for (i, type) in config.upBlockTypes.enumerated() where type.hasPrefix("CrossAttn") {
            widths.append(config.perBlock(config.crossAttentionDim, levels - 1 - i))
        }
        if config.midBlockType == "UNetMidBlock2DCrossAttn" { widths.append(config.perBlock(config.crossAttentionDim, levels - 1)) }
        return widths
    }

    private static func activation(_ name: String, field: String) throws(DiffusionModelsError) -> Activation {
        guard let activation = try? Activation(configValue: name) else {
            throw .unsupportedConfigValue(field: field, value: name, supported: ["silu", "swish", "gelu", "relu", "tanh"])
        }
        return activation
    }
}
