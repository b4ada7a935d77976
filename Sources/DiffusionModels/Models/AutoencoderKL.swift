import GenCore

/// The latent distribution an ``AutoencoderKL`` encodes an image into (diffusers' `DiagonalGaussianDistribution`):
/// a per-element Gaussian with `mean` and `logvar` (clamped to [-30, 20]), both [B, latent_channels, h, w].
public struct DiagonalGaussianDistribution: Sendable {
    public let mean: Tensor
    public let logvar: Tensor
    /// exp(logvar / 2).
    public let std: Tensor

    /// Splits `parameters` [B, 2·latent, h, w] into mean and log-variance along the channels.
    public init(parameters: Tensor) {
        let half = parameters.shape[1] / 2
        mean = parameters.sliced(axis: 1, 0..<half).contiguous()
        var clamped = parameters.sliced(axis: 1, half..<(2 * half)).contiguous()
        clamped.withUnsafeMutableBufferPointer(as: Float.self) { p in
            for i in p.indices { p[i] = min(max(p[i], -30), 20) }
        }
        logvar = clamped
        std = exp(0.5 * clamped)
    }

    /// mean + std · ε with ε = `torch.randn(mean.shape, generator=generator)`: the latents diffusers'
    /// `latent_dist.sample(generator)` gives for a generator in the same state.
    public func sample(generator: inout TorchGenerator) -> Tensor {
        mean + std * generator.randn(mean.shape)
    }

    /// The most likely latents: the mean.
    public func mode() -> Tensor { mean }
}

/// diffusers' `AutoencoderKL` (Kingma & Welling's VAE with the KL-regularised latent space of Rombach et al.,
/// "High-Resolution Image Synthesis with Latent Diffusion Models", 2022): the image ↔ latent codec of Stable
/// Diffusion. Images are [B, in_channels, H, W] in [-1, 1] (see ``VaeImageProcessor``); latents are
/// [B, latent_channels, H/2ⁿ, W/2ⁿ] for n = len(block_out_channels) - 1.
///
/// Latents straight from ``encode(_:)`` are unscaled: a pipeline multiplies them by ``scalingFactor`` (after
/// subtracting ``shiftFactor`` when present) before denoising, and undoes that before ``decode(_:)``.
public struct AutoencoderKL: Sendable {
    public let config: AutoencoderKLConfig
    let encoder: VAEEncoder
    let decoder: VAEDecoder
    let quantConv: Conv2d?
    let postQuantConv: Conv2d?

    /// `config.scaling_factor`.
    public var scalingFactor: Float { Float(config.scalingFactor) }
    /// `config.shift_factor`, or nil.
    public var shiftFactor: Float? { config.shiftFactor.map(Float.init) }
    /// How many times the encoder halves height and width.
    public var downsamplingFactor: Int { 1 << (config.blockOutChannels.count - 1) }

    /// Loads a diffusers `vae/` folder (`config.json` + `diffusion_pytorch_model.safetensors`, float32, float16 or
    /// bfloat16 weights; computation is float32).
    public init(directory: String) throws {
        let folder = try DiffusersModelFolder(directory: directory, classNames: ["AutoencoderKL"])
        try self.init(config: folder.config.decode(AutoencoderKLConfig.self), weights: WeightLoader(source: folder.weights))
    }

    /// Builds the network from `weights`, whose names are those of diffusers' state dict (`encoder.conv_in.weight`, …).
    public init(config: AutoencoderKLConfig, weights w: WeightLoader) throws {
        self.config = try config.validated()
        let latent2 = 2 * config.latentChannels
        encoder = try VAEEncoder(config: config, weights: w.scoped("encoder"))
        decoder = try VAEDecoder(config: config, weights: w.scoped("decoder"))
        quantConv = config.useQuantConv
            ? try w.conv2d("quant_conv", inputs: latent2, outputs: latent2, kernel: 1) : nil
        postQuantConv = config.usePostQuantConv
            ? try w.conv2d("post_quant_conv", inputs: config.latentChannels, outputs: config.latentChannels, kernel: 1)
            : nil
    }

    /// The latent distribution of `image` [B, in_channels, H, W] (float32, values in [-1, 1]); H and W must be
    /// multiples of ``downsamplingFactor``.
    public func encode(_ image: Tensor) throws -> DiagonalGaussianDistribution {
        try validate(image, channels: config.inChannels, multiple: downsamplingFactor, what: "image")
        let moments = encoder(image.converted(to: .float32))
        return DiagonalGaussianDistribution(parameters: quantConv.map { $0(moments) } ?? moments)
    }

    /// The image [B, out_channels, h·2ⁿ, w·2ⁿ] (about [-1, 1]) decoded from unscaled `latents` [B, latent_channels, h, w].
    public func decode(_ latents: Tensor) throws -> Tensor {
        try validate(latents, channels: config.latentChannels, multiple: 1, what: "latents")
        let z = latents.converted(to: .float32)
        return decoder(postQuantConv.map { $0(z) } ?? z)
    }

    /// Encodes and decodes `image` through the distribution's mode: what the autoencoder preserves of it.
    public func reconstruct(_ image: Tensor) throws -> Tensor {
        try decode(encode(image).mode())
    }

    /// ``reconstruct(_:)`` for an 8-bit image (its RGB channels; alpha is dropped).
    public func reconstruct(_ image: Image) throws -> Image {
        let pixels = try VaeImageProcessor.preprocess([image])
        return try VaeImageProcessor.postprocess(reconstruct(pixels))[0]
    }

    private func validate(_ x: Tensor, channels: Int, multiple: Int, what: String) throws {
        guard x.rank == 4, x.shape[1] == channels, x.shape[0] > 0, x.shape[2] > 0, x.shape[3] > 0,
              x.shape[2] % multiple == 0, x.shape[3] % multiple == 0, x.dtype.isFloatingPoint else {
            throw DiffusionModelsError.invalidModelInput(
                "AutoencoderKL: \(what) must be a float [B, \(channels), H, W] tensor with H and W positive multiples of "
                    + "\(multiple), got \(x.dtype) \(x.shape)")
        }
    }
}

/// diffusers' VAE `Encoder`: conv_in, DownEncoderBlock2D levels (the last without downsampling), a mid block,
/// GroupNorm, SiLU, conv_out to 2·latent_channels (mean and log-variance).
struct VAEEncoder: Sendable {
    let convIn: Conv2d
    let downBlocks: [DownBlock2D]
    let midBlock: UNetMidBlock2D
    let convNormOut: GroupNorm
    let convOut: Conv2d
    let activation: Activation

    init(config c: AutoencoderKLConfig, weights w: WeightLoader) throws {
        let channels = c.blockOutChannels, top = channels[channels.count - 1]
        activation = try Activation(configValue: c.actFn)
        let options = ResnetOptions(groups: c.normNumGroups, eps: 1e-6, activation: activation)
        convIn = try w.conv2d("conv_in", inputs: c.inChannels, outputs: channels[0], kernel: 3, padding: 1)
        downBlocks = try channels.indices.map { i in
            try DownBlock2D(weights: w.scoped("down_blocks.\(i)"), inChannels: channels[max(i - 1, 0)],
                            outChannels: channels[i], numLayers: c.layersPerBlock, options: options,
                            addDownsample: i < channels.count - 1, downsamplePadding: 0)
        }
        midBlock = try UNetMidBlock2D(weights: w.scoped("mid_block"), channels: top, options: options,
                                      addAttention: c.midBlockAddAttention, attentionHeadDim: top)
        convNormOut = try w.groupNorm("conv_norm_out", channels: top, groups: c.normNumGroups, eps: 1e-6)
        convOut = try w.conv2d("conv_out", inputs: top, outputs: 2 * c.latentChannels, kernel: 3, padding: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = convIn(x)
        for block in downBlocks { h = block(h, temb: nil).hidden }
        h = midBlock(h, temb: nil)
        return convOut(activation(convNormOut(h)))
    }
}

/// diffusers' VAE `Decoder`: conv_in, a mid block, UpDecoderBlock2D levels (layers_per_block + 1 resnets each,
/// the last without upsampling), GroupNorm, SiLU, conv_out.
struct VAEDecoder: Sendable {
    let convIn: Conv2d
    let midBlock: UNetMidBlock2D
    let upBlocks: [UpDecoderBlock2D]
    let convNormOut: GroupNorm
    let convOut: Conv2d
    let activation: Activation

    init(config c: AutoencoderKLConfig, weights w: WeightLoader) throws {
        let reversed = Array(c.blockOutChannels.reversed()), top = reversed[0]
        activation = try Activation(configValue: c.actFn)
        let options = ResnetOptions(groups: c.normNumGroups, eps: 1e-6, activation: activation)
        convIn = try w.conv2d("conv_in", inputs: c.latentChannels, outputs: top, kernel: 3, padding: 1)
        midBlock = try UNetMidBlock2D(weights: w.scoped("mid_block"), channels: top, options: options,
                                      addAttention: c.midBlockAddAttention, attentionHeadDim: top)
        upBlocks = try reversed.indices.map { i in
            try UpDecoderBlock2D(weights: w.scoped("up_blocks.\(i)"), inChannels: reversed[max(i - 1, 0)],
                                 outChannels: reversed[i], numLayers: c.layersPerBlock + 1, options: options,
                                 addUpsample: i < reversed.count - 1)
        }
        let bottom = c.blockOutChannels[0]
        convNormOut = try w.groupNorm("conv_norm_out", channels: bottom, groups: c.normNumGroups, eps: 1e-6)
        convOut = try w.conv2d("conv_out", inputs: bottom, outputs: c.outChannels, kernel: 3, padding: 1)
    }

    func callAsFunction(_ z: Tensor) -> Tensor {
        var h = midBlock(convIn(z), temb: nil)
        for block in upBlocks { h = block(h) }
        return convOut(activation(convNormOut(h)))
    }
}
