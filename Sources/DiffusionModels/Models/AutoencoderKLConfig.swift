/// The `config.json` of a diffusers `AutoencoderKL` (a pipeline's `vae/`), with diffusers' defaults for absent or
/// null fields.
public struct AutoencoderKLConfig: Decodable, Sendable, Equatable {
    public var inChannels = 3
    public var outChannels = 3
    /// Each must be `DownEncoderBlock2D`.
    public var downBlockTypes = ["DownEncoderBlock2D"]
    /// Each must be `UpDecoderBlock2D`.
    public var upBlockTypes = ["UpDecoderBlock2D"]
    public var blockOutChannels = [64]
    public var layersPerBlock = 1
    public var actFn = "silu"
    public var latentChannels = 4
    public var normNumGroups = 32
    public var sampleSize: Int?
    /// Latents are multiplied by this before the denoiser sees them (and divided by it before decoding).
    public var scalingFactor: Double = 0.18215
    /// Subtracted from latents before scaling (Stable Diffusion 3, FLUX), when present.
    public var shiftFactor: Double?
    public var useQuantConv = true
    public var usePostQuantConv = true
    public var midBlockAddAttention = true
    public var forceUpcast = true

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", downBlockTypes = "down_block_types"
        case upBlockTypes = "up_block_types", blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block", actFn = "act_fn", latentChannels = "latent_channels"
        case normNumGroups = "norm_num_groups", sampleSize = "sample_size", scalingFactor = "scaling_factor"
        case shiftFactor = "shift_factor", useQuantConv = "use_quant_conv", usePostQuantConv = "use_post_quant_conv"
        case midBlockAddAttention = "mid_block_add_attention", forceUpcast = "force_upcast"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? inChannels
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? outChannels
        downBlockTypes = try c.decodeIfPresent([String].self, forKey: .downBlockTypes) ?? downBlockTypes
        upBlockTypes = try c.decodeIfPresent([String].self, forKey: .upBlockTypes) ?? upBlockTypes
        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? blockOutChannels
        layersPerBlock = try c.decodeIfPresent(Int.self, forKey: .layersPerBlock) ?? layersPerBlock
        actFn = try c.decodeIfPresent(String.self, forKey: .actFn) ?? actFn
        latentChannels = try c.decodeIfPresent(Int.self, forKey: .latentChannels) ?? latentChannels
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? normNumGroups
        sampleSize = try? c.decodeIfPresent(Int.self, forKey: .sampleSize)
        scalingFactor = try c.decodeIfPresent(Double.self, forKey: .scalingFactor) ?? scalingFactor
        shiftFactor = try c.decodeIfPresent(Double.self, forKey: .shiftFactor)
        useQuantConv = try c.decodeIfPresent(Bool.self, forKey: .useQuantConv) ?? useQuantConv
        usePostQuantConv = try c.decodeIfPresent(Bool.self, forKey: .usePostQuantConv) ?? usePostQuantConv
        midBlockAddAttention = try c.decodeIfPresent(Bool.self, forKey: .midBlockAddAttention) ?? midBlockAddAttention
        forceUpcast = try c.decodeIfPresent(Bool.self, forKey: .forceUpcast) ?? forceUpcast
    }

    /// Checks what the network's construction relies on, so a bad file fails here with the field's name.
    func validated() throws -> AutoencoderKLConfig {
        _ = try validatedBlockTypes(downBlockTypes, field: "down_block_types", supported: ["DownEncoderBlock2D"])
        _ = try validatedBlockTypes(upBlockTypes, field: "up_block_types", supported: ["UpDecoderBlock2D"])
        try validateLevels(blockOutChannels: blockOutChannels, downBlocks: downBlockTypes.count,
                           upBlocks: upBlockTypes.count, normNumGroups: normNumGroups,
                           positive: [("in_channels", inChannels), ("out_channels", outChannels),
                                     ("latent_channels", latentChannels), ("layers_per_block", layersPerBlock),
                                     ("norm_num_groups", normNumGroups)])
        return self
    }
}
