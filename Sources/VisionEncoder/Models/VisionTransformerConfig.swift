/// The `config.json` fields every ViT-family image tower shares (ViT, CLIP, SigLIP), decoded with the defaults
/// of the model that owns them. The model configs embed one and forward its fields by dynamic member lookup.
public struct VisionTransformerConfig: Sendable, Equatable {
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numChannels = 3
    public var imageSize: Int
    public var patchSize: Int
    public var hiddenAct: String
    public var layerNormEps: Float

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numChannels = "num_channels", imageSize = "image_size", patchSize = "patch_size"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps"
    }

    public init(
        hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, numChannels: Int = 3,
        imageSize: Int, patchSize: Int, hiddenAct: String, layerNormEps: Float
    ) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numChannels = numChannels
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.hiddenAct = hiddenAct
        self.layerNormEps = layerNormEps
    }

    /// Reads each field present in `decoder`, keeping `defaults`' value for the absent ones.
    init(from decoder: any Decoder, defaults: VisionTransformerConfig) throws {
        self = defaults
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ field: inout T) throws {
            if let value = try c.decodeIfPresent(T.self, forKey: key) { field = value }
        }
        try read(.hiddenSize, &hiddenSize)
        try read(.intermediateSize, &intermediateSize)
        try read(.numHiddenLayers, &numHiddenLayers)
        try read(.numAttentionHeads, &numAttentionHeads)
        try read(.numChannels, &numChannels)
        try read(.imageSize, &imageSize)
        try read(.patchSize, &patchSize)
        try read(.hiddenAct, &hiddenAct)
        try read(.layerNormEps, &layerNormEps)
    }

    var geometry: EncoderGeometry {
        EncoderGeometry(hiddenSize: hiddenSize, layers: numHiddenLayers, heads: numAttentionHeads,
                        intermediateSize: intermediateSize, imageSize: imageSize, patchSize: patchSize,
                        numChannels: numChannels)
    }
}

/// A model config that embeds a ``VisionTransformerConfig`` and reads its fields as its own
/// (`config.hiddenSize` rather than `config.encoder.hiddenSize`).
@dynamicMemberLookup
public protocol VisionTransformerConfigurable: Decodable, Sendable {
    var encoder: VisionTransformerConfig { get set }
}

/// An image encoder built from a ViT-family config, which gives it its sizes.
public protocol VisionTransformerEncoder: ImageEncoder {
    associatedtype Config: VisionTransformerConfigurable
    var config: Config { get }
}

extension VisionTransformerEncoder {
    public var imageSize: ImageSize { ImageSize(height: config.imageSize, width: config.imageSize) }
    public var numChannels: Int { config.numChannels }
    public var patchSize: Int { config.patchSize }
    public var hiddenSize: Int { config.hiddenSize }
    public var layerCount: Int { config.numHiddenLayers }
}

extension VisionTransformerConfigurable {
    public subscript<T>(dynamicMember field: WritableKeyPath<VisionTransformerConfig, T>) -> T {
        get { encoder[keyPath: field] }
        set { encoder[keyPath: field] = newValue }
    }
}
