/// The `config.json` of a diffusers `UNet2DModel` (unconditional image diffusion, e.g. google/ddpm-cifar10-32),
/// with diffusers' defaults for absent or null fields.
public struct UNet2DModelConfig: Decodable, Sendable, Equatable {
    public var sampleSize: Int?
    public var inChannels = 3
    public var outChannels = 3
    /// Map the input from [0, 1] to [-1, 1] first.
    public var centerInputSample = false
    /// Only `positional` (sinusoidal) is supported.
    public var timeEmbeddingType = "positional"
    /// Width of the time embedding (default 4 × block_out_channels[0]).
    public var timeEmbeddingDim: Int?
    public var freqShift: Double = 0
    public var flipSinToCos = true
    /// `DownBlock2D` or `AttnDownBlock2D` each.
    public var downBlockTypes = ["DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"]
    /// `UNetMidBlock2D` or nil (no mid block).
    public var midBlockType: String? = "UNetMidBlock2D"
    /// `UpBlock2D` or `AttnUpBlock2D` each.
    public var upBlockTypes = ["AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"]
    public var blockOutChannels = [224, 448, 672, 896]
    public var layersPerBlock = 2
    public var midBlockScaleFactor: Double = 1
    public var downsamplePadding = 1
    public var downsampleType = "conv"
    public var upsampleType = "conv"
    public var actFn = "silu"
    /// Channels per attention head; nil means one head over all of a block's channels.
    public var attentionHeadDim: Int? = 8
    public var normNumGroups = 32
    public var attnNormNumGroups: Int?
    public var normEps: Double = 1e-5
    /// `default` or `scale_shift`.
    public var resnetTimeScaleShift = "default"
    public var addAttention = true
    /// Class conditioning is not supported; must be null.
    public var classEmbedType: String?
    /// Class conditioning is not supported; must be null.
    public var numClassEmbeds: Int?

    enum CodingKeys: String, CodingKey {
        case sampleSize = "sample_size", inChannels = "in_channels", outChannels = "out_channels"
        case centerInputSample = "center_input_sample", timeEmbeddingType = "time_embedding_type"
        case timeEmbeddingDim = "time_embedding_dim", freqShift = "freq_shift", flipSinToCos = "flip_sin_to_cos"
        case downBlockTypes = "down_block_types", midBlockType = "mid_block_type", upBlockTypes = "up_block_types"
        case blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block"
        case midBlockScaleFactor = "mid_block_scale_factor", downsamplePadding = "downsample_padding"
        case downsampleType = "downsample_type", upsampleType = "upsample_type", actFn = "act_fn"
        case attentionHeadDim = "attention_head_dim", normNumGroups = "norm_num_groups"
        case attnNormNumGroups = "attn_norm_num_groups", normEps = "norm_eps"
        case resnetTimeScaleShift = "resnet_time_scale_shift", addAttention = "add_attention"
        case classEmbedType = "class_embed_type", numClassEmbeds = "num_class_embeds"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sampleSize = try? c.decodeIfPresent(Int.self, forKey: .sampleSize)
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? inChannels
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? outChannels
        centerInputSample = try c.decodeIfPresent(Bool.self, forKey: .centerInputSample) ?? centerInputSample
        timeEmbeddingType = try c.decodeIfPresent(String.self, forKey: .timeEmbeddingType) ?? timeEmbeddingType
        timeEmbeddingDim = try c.decodeIfPresent(Int.self, forKey: .timeEmbeddingDim)
        freqShift = try c.decodeIfPresent(Double.self, forKey: .freqShift) ?? freqShift
        flipSinToCos = try c.decodeIfPresent(Bool.self, forKey: .flipSinToCos) ?? flipSinToCos
        downBlockTypes = try c.decodeIfPresent([String].self, forKey: .downBlockTypes) ?? downBlockTypes
        // An explicit null means "no mid block", unlike an absent key.
        midBlockType = c.contains(.midBlockType)
            ? try c.decodeIfPresent(String.self, forKey: .midBlockType) : midBlockType
        upBlockTypes = try c.decodeIfPresent([String].self, forKey: .upBlockTypes) ?? upBlockTypes
        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? blockOutChannels
        layersPerBlock = try c.decodeIfPresent(Int.self, forKey: .layersPerBlock) ?? layersPerBlock
        midBlockScaleFactor = try c.decodeIfPresent(Double.self, forKey: .midBlockScaleFactor) ?? midBlockScaleFactor
        downsamplePadding = try c.decodeIfPresent(Int.self, forKey: .downsamplePadding) ?? downsamplePadding
        downsampleType = try c.decodeIfPresent(String.self, forKey: .downsampleType) ?? downsampleType
        upsampleType = try c.decodeIfPresent(String.self, forKey: .upsampleType) ?? upsampleType
        actFn = try c.decodeIfPresent(String.self, forKey: .actFn) ?? actFn
        attentionHeadDim = c.contains(.attentionHeadDim)
            ? try c.decodeIfPresent(Int.self, forKey: .attentionHeadDim) : attentionHeadDim
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? normNumGroups
        attnNormNumGroups = try c.decodeIfPresent(Int.self, forKey: .attnNormNumGroups)
        normEps = try c.decodeIfPresent(Double.self, forKey: .normEps) ?? normEps
        resnetTimeScaleShift = try c.decodeIfPresent(String.self, forKey: .resnetTimeScaleShift) ?? resnetTimeScaleShift
        addAttention = try c.decodeIfPresent(Bool.self, forKey: .addAttention) ?? addAttention
        classEmbedType = try c.decodeIfPresent(String.self, forKey: .classEmbedType)
        numClassEmbeds = try c.decodeIfPresent(Int.self, forKey: .numClassEmbeds)
    }

    /// Checks what the network's construction relies on, so a bad file fails here with the field's name.
    func validated() throws -> UNet2DModelConfig {
        _ = try validatedBlockTypes(downBlockTypes, field: "down_block_types", supported: ["DownBlock2D", "AttnDownBlock2D"])
        _ = try validatedBlockTypes(upBlockTypes, field: "up_block_types", supported: ["UpBlock2D", "AttnUpBlock2D"])
        if let mid = midBlockType { _ = try validatedBlockTypes([mid], field: "mid_block_type", supported: ["UNetMidBlock2D"]) }
        for (field, value, supported) in [("time_embedding_type", timeEmbeddingType, ["positional"]),
                                          ("downsample_type", downsampleType, ["conv"]),
                                          ("upsample_type", upsampleType, ["conv"])] where !supported.contains(value) {
            throw DiffusionModelsError.unsupportedConfigValue(field: field, value: value, supported: supported)
        }
        if classEmbedType != nil || numClassEmbeds != nil {
            throw DiffusionModelsError.unsupportedConfigValue(
                field: "class_embed_type", value: classEmbedType ?? "num_class_embeds \(numClassEmbeds ?? 0)",
                supported: ["null (class conditioning is not supported)"])
        }
        try validateLevels(blockOutChannels: blockOutChannels, downBlocks: downBlockTypes.count,
                           upBlocks: upBlockTypes.count, normNumGroups: normNumGroups,
                           positive: [("in_channels", inChannels), ("out_channels", outChannels),
                                     ("layers_per_block", layersPerBlock), ("norm_num_groups", normNumGroups),
                                     ("time_embedding_dim", timeEmbeddingDim ?? 1)])
        return self
    }
}
