/// The fields of a diffusers `UNet2DConditionModel` `config.json` (the `unet/` folder of a Stable Diffusion
/// pipeline), with diffusers' defaults.
///
/// Fields that diffusers accepts as one value or as one value per down block (`layers_per_block`,
/// `attention_head_dim`, `cross_attention_dim`, `transformer_layers_per_block`, `only_cross_attention`) are kept as
/// lists; a single value is a list of one, which applies to every block.
///
/// Following diffusers (see its issue 2011), `attention_head_dim` is the number of attention *heads* of each block,
/// not their width: SD 1.x's `8` means eight heads of 40, 80 and 160 channels.
///
/// Decoding accepts what the file says; ``validate()`` rejects the features this package does not implement,
/// naming the field.
public struct UNet2DConditionConfig: Decodable, Sendable, Equatable {
    public var inChannels = 4
    public var outChannels = 4
    /// `center_input_sample`: the sample is mapped to 2·x - 1 first.
    public var centerInputSample = false
    /// `flip_sin_to_cos`: the timestep embedding is [cos, sin] rather than [sin, cos].
    public var flipSinToCos = true
    /// `freq_shift`: subtracted from half the embedding width in the frequency exponent.
    public var freqShift: Float = 0
    public var downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
    /// `mid_block_type`; nil (JSON null) leaves the mid block out.
    public var midBlockType: String? = "UNetMidBlock2DCrossAttn"
    public var upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
    /// `only_cross_attention` (not supported; must be false).
    public var onlyCrossAttention = [false]
    public var blockOutChannels = [320, 640, 1280, 1280]
    public var layersPerBlock = [2]
    public var downsamplePadding = 1
    /// `mid_block_scale_factor`: the mid block's resnets divide their output by it.
    public var midBlockScaleFactor: Float = 1
    public var actFn = "silu"
    /// `norm_num_groups`: group norm groups (diffusers' null, no output norm, is not supported).
    public var normNumGroups: Int? = 32
    public var normEps: Float = 1e-5
    /// `cross_attention_dim`: width of the text encoder states.
    public var crossAttentionDim = [1280]
    public var transformerLayersPerBlock = [1]
    /// `attention_head_dim`: attention heads per block (see above).
    public var attentionHeadDim = [8]
    /// `dual_cross_attention` (not supported; must be false).
    public var dualCrossAttention = false
    /// `use_linear_projection`: the spatial transformers project with linear layers (SD 2.x) instead of 1×1 convs.
    public var useLinearProjection = false
    /// `upcast_attention`: attention in float32 for half-precision runs; this package always computes in float32.
    public var upcastAttention = false
    /// `resnet_time_scale_shift`: `default` or `scale_shift`.
    public var resnetTimeScaleShift = "default"
    /// `time_embedding_type` (only `positional` is supported).
    public var timeEmbeddingType = "positional"
    /// `time_embedding_dim`: width of the time embedding (default 4 × `block_out_channels[0]`).
    public var timeEmbeddingDim: Int?
    /// `time_embedding_act_fn`: an activation applied once to the time embedding.
    public var timeEmbeddingActFn: String?
    /// `time_cond_proj_dim`: width of the guidance embedding of distilled (LCM) UNets.
    public var timeCondProjDim: Int?
    public var convInKernel = 3
    public var convOutKernel = 3
    /// `attention_type` (only `default` is supported).
    public var attentionType = "default"
    /// Fields set to a value this package does not implement (class and addition embeddings, encoder projections,
    /// nested transformer depths, …), with the value as text; ``validate()`` reports the first.
    public var unsupportedFields: [String: String] = [:]

    /// A configuration with diffusers' defaults: the Stable Diffusion 1.x UNet but for `cross_attention_dim`,
    /// which SD 1.x sets to 768.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", centerInputSample = "center_input_sample"
        case flipSinToCos = "flip_sin_to_cos", freqShift = "freq_shift", downBlockTypes = "down_block_types"
        case midBlockType = "mid_block_type", upBlockTypes = "up_block_types"
        case onlyCrossAttention = "only_cross_attention", blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block", downsamplePadding = "downsample_padding"
        case midBlockScaleFactor = "mid_block_scale_factor", actFn = "act_fn", normNumGroups = "norm_num_groups"
        case normEps = "norm_eps", crossAttentionDim = "cross_attention_dim"
        case transformerLayersPerBlock = "transformer_layers_per_block", attentionHeadDim = "attention_head_dim"
        case dualCrossAttention = "dual_cross_attention", useLinearProjection = "use_linear_projection"
        case upcastAttention = "upcast_attention", resnetTimeScaleShift = "resnet_time_scale_shift"
        case timeEmbeddingType = "time_embedding_type", timeEmbeddingDim = "time_embedding_dim"
        case timeEmbeddingActFn = "time_embedding_act_fn", timeCondProjDim = "time_cond_proj_dim"
        case convInKernel = "conv_in_kernel", convOutKernel = "conv_out_kernel", attentionType = "attention_type"
    }

    /// Fields that only other UNet variants set (SDXL's addition embeddings, class-conditional UNets, image-prompt
    /// projections, …): any non-null value is recorded as unsupported.
    private static let unsupportedWhenSet = [
        "class_embed_type", "num_class_embeds", "addition_embed_type", "addition_time_embed_dim", "encoder_hid_dim",
        "encoder_hid_dim_type", "num_attention_heads", "reverse_transformer_layers_per_block", "timestep_post_act",
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? inChannels
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? outChannels
        centerInputSample = try c.decodeIfPresent(Bool.self, forKey: .centerInputSample) ?? centerInputSample
        flipSinToCos = try c.decodeIfPresent(Bool.self, forKey: .flipSinToCos) ?? flipSinToCos
        freqShift = try c.decodeIfPresent(Float.self, forKey: .freqShift) ?? freqShift
        downBlockTypes = try c.decodeIfPresent([String].self, forKey: .downBlockTypes) ?? downBlockTypes
        if c.contains(.midBlockType) { midBlockType = try c.decodeIfPresent(String.self, forKey: .midBlockType) }
        upBlockTypes = try c.decodeIfPresent([String].self, forKey: .upBlockTypes) ?? upBlockTypes
        onlyCrossAttention = try c.decodeOneOrMany(Bool.self, forKey: .onlyCrossAttention) ?? onlyCrossAttention
        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? blockOutChannels
        layersPerBlock = try c.decodeOneOrMany(Int.self, forKey: .layersPerBlock) ?? layersPerBlock
        downsamplePadding = try c.decodeIfPresent(Int.self, forKey: .downsamplePadding) ?? downsamplePadding
        midBlockScaleFactor = try c.decodeIfPresent(Float.self, forKey: .midBlockScaleFactor) ?? midBlockScaleFactor
        actFn = try c.decodeIfPresent(String.self, forKey: .actFn) ?? actFn
        if c.contains(.normNumGroups) { normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) }
        normEps = try c.decodeIfPresent(Float.self, forKey: .normEps) ?? normEps
        crossAttentionDim = try c.decodeOneOrMany(Int.self, forKey: .crossAttentionDim) ?? crossAttentionDim
        attentionHeadDim = try c.decodeOneOrMany(Int.self, forKey: .attentionHeadDim) ?? attentionHeadDim
        dualCrossAttention = try c.decodeIfPresent(Bool.self, forKey: .dualCrossAttention) ?? dualCrossAttention
        useLinearProjection = try c.decodeIfPresent(Bool.self, forKey: .useLinearProjection) ?? useLinearProjection
        upcastAttention = try c.decodeIfPresent(Bool.self, forKey: .upcastAttention) ?? upcastAttention
        resnetTimeScaleShift = try c.decodeIfPresent(String.self, forKey: .resnetTimeScaleShift) ?? resnetTimeScaleShift
        timeEmbeddingType = try c.decodeIfPresent(String.self, forKey: .timeEmbeddingType) ?? timeEmbeddingType
        timeEmbeddingDim = try c.decodeIfPresent(Int.self, forKey: .timeEmbeddingDim)
        timeEmbeddingActFn = try c.decodeIfPresent(String.self, forKey: .timeEmbeddingActFn)
        timeCondProjDim = try c.decodeIfPresent(Int.self, forKey: .timeCondProjDim)
        convInKernel = try c.decodeIfPresent(Int.self, forKey: .convInKernel) ?? convInKernel
        convOutKernel = try c.decodeIfPresent(Int.self, forKey: .convOutKernel) ?? convOutKernel
        attentionType = try c.decodeIfPresent(String.self, forKey: .attentionType) ?? attentionType

        // SDXL-style per-layer depths ([[1, 2], …]) are not a list of ints: recorded rather than a decoding error.
        do {
            transformerLayersPerBlock = try c.decodeOneOrMany(Int.self, forKey: .transformerLayersPerBlock)
                ?? transformerLayersPerBlock
        } catch {
            unsupportedFields["transformer_layers_per_block"] = "a list of lists"
        }
        let any = try decoder.container(keyedBy: AnyConfigKey.self)
        for name in Self.unsupportedWhenSet {
            let key = AnyConfigKey(name)
            if any.contains(key), !(try any.decodeNil(forKey: key)) {
                unsupportedFields[name] = (try? any.decode(String.self, forKey: key))
                    ?? (try? any.decode(Int.self, forKey: key)).map(String.init) ?? "a non-null value"
            }
        }
    }

    /// Throws ``DiffusionModelsError`` naming the first field whose value this package does not implement or
    /// that contradicts another field.
    public func validate() throws(DiffusionModelsError) {
        if let name = unsupportedFields.keys.sorted().first, let value = unsupportedFields[name] {
            throw .unsupportedConfigValue(field: name, value: value, supported: ["null"])
        }
        try requireValue("time_embedding_type", timeEmbeddingType, in: ["positional"])
        try requireValue("attention_type", attentionType, in: ["default"])
        try requireValue("dual_cross_attention", String(dualCrossAttention), in: ["false"])
        if onlyCrossAttention.contains(true) {
            throw .unsupportedConfigValue(field: "only_cross_attention", value: "true", supported: ["false"])
        }
        let levels = blockOutChannels.count
        guard levels > 0, blockOutChannels.allSatisfy({ $0 > 0 }) else {
            throw .invalidModelConfig(field: "block_out_channels", reason: "needs at least one positive width")
        }
        guard downBlockTypes.count == levels, upBlockTypes.count == levels else {
            throw .invalidModelConfig(field: "down_block_types", reason:
                "\(downBlockTypes.count) down and \(upBlockTypes.count) up blocks for \(levels) block_out_channels")
        }
        for (field, values) in [("layers_per_block", layersPerBlock), ("cross_attention_dim", crossAttentionDim),
                                ("transformer_layers_per_block", transformerLayersPerBlock),
                                ("attention_head_dim", attentionHeadDim)] {
            guard values.count == 1 || values.count == levels else {
                throw .invalidModelConfig(field: field, reason: "\(values.count) values for \(levels) blocks")
            }
            guard values.allSatisfy({ $0 > 0 }) else {
                throw .invalidModelConfig(field: field, reason: "values must be positive, got \(values)")
            }
        }
        guard let groups = normNumGroups, groups > 0 else {
            throw .invalidModelConfig(field: "norm_num_groups", reason: "must be a positive number of groups")
        }
        for kernel in [("conv_in_kernel", convInKernel), ("conv_out_kernel", convOutKernel)] where kernel.1 < 1 || kernel.1 % 2 == 0 {
            throw .invalidModelConfig(field: kernel.0, reason: "must be a positive odd kernel size, got \(kernel.1)")
        }
        guard inChannels > 0, outChannels > 0 else {
            throw .invalidModelConfig(field: "in_channels", reason: "in_channels and out_channels must be positive")
        }
        if let dim = timeEmbeddingDim, dim <= 0 {
            throw .invalidModelConfig(field: "time_embedding_dim", reason: "must be positive, got \(dim)")
        }
    }

    /// The value of a per-block field (one value for all blocks, or one per block) for down block `index`.
    func perBlock(_ values: [Int], _ index: Int) -> Int { values.count == 1 ? values[0] : values[index] }

    private func requireValue(_ field: String, _ value: String, in supported: [String]) throws(DiffusionModelsError) {
        guard supported.contains(value) else { throw .unsupportedConfigValue(field: field, value: value, supported: supported) }
    }
}

/// A coding key for any field name, to look at fields the typed keys do not list.
private struct AnyConfigKey: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer {
    /// A field that diffusers accepts as one value or as a list: a single value comes back as a list of one.
    /// nil when the field is absent or null.
    fileprivate func decodeOneOrMany<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> [T]? {
        guard contains(key), !(try decodeNil(forKey: key)) else { return nil }
        if let one = try? decode(T.self, forKey: key) { return [one] }
        return try decode([T].self, forKey: key)
    }
}
