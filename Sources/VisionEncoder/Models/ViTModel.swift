import GenCore

/// `ViTConfig` fields of `config.json` that inference needs, with transformers' defaults.
public struct ViTConfig: VisionTransformerConfigurable {
    public var encoder = VisionTransformerConfig(
        hiddenSize: 768, intermediateSize: 3072, numHiddenLayers: 12, numAttentionHeads: 12, imageSize: 224,
        patchSize: 16, hiddenAct: "gelu", layerNormEps: 1e-12)
    public var qkvBias = true
    /// Width of the pooler's output (`nil`: the hidden size).
    public var poolerOutputSize: Int?
    public var poolerAct = "tanh"

    enum CodingKeys: String, CodingKey {
        case qkvBias = "qkv_bias", poolerOutputSize = "pooler_output_size", poolerAct = "pooler_act"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        encoder = try VisionTransformerConfig(from: decoder, defaults: encoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        qkvBias = try c.decodeIfPresent(Bool.self, forKey: .qkvBias) ?? qkvBias
        poolerOutputSize = try c.decodeIfPresent(Int.self, forKey: .poolerOutputSize)
        poolerAct = try c.decodeIfPresent(String.self, forKey: .poolerAct) ?? poolerAct
    }
}

/// ViT (Dosovitskiy et al., "An Image is Worth 16x16 Words", 2020) as transformers' `ViTModel`:
/// patch embedding + [CLS] + learned positions, pre-norm encoder, final LayerNorm, and a tanh pooler on [CLS].
public struct ViTModel: VisionTransformerEncoder, EncoderLayerStack {
    public var classTokenCount: Int { 1 }
    public let config: ViTConfig
    let patchEmbedding: PatchEmbedding
    let classToken: Tensor  // [1, 1, hidden]
    let positionEmbeddings: Tensor  // [1, patches + 1, hidden]
    let layers: [EncoderLayer]
    let finalNorm: LayerNorm
    let pooler: Linear?
    let poolerActivation: Activation

    /// Loads from checkpoint names as `ViTModel` saves them (an optional `vit.` prefix is handled by the caller).
    public init(config: ViTConfig, weights w: WeightLoader) throws {
        let g = try config.encoder.geometry.validated()
        self.config = config
        let activation = try Activation(configValue: config.hiddenAct)
        let h = config.hiddenSize
        let e = w.scoped("embeddings")
        patchEmbedding = try PatchEmbedding(weights: e, name: "patch_embeddings.projection", config: config.encoder, bias: true)
        classToken = try e.float32("cls_token", shape: [1, 1, h])
        positionEmbeddings = try e.float32("position_embeddings", shape: [1, g.patches + 1, h])
        layers = try EncoderLayer.stack(weights: w.scoped("encoder.layer"), names: .vit, config: config.encoder,
                                        activation: activation, qkvBias: config.qkvBias)
        finalNorm = try w.layerNorm("layernorm", dimension: h, eps: config.layerNormEps)
        pooler = w.contains("pooler.dense.weight")
            ? try w.linear("pooler.dense", inputs: h, outputs: config.poolerOutputSize ?? h) : nil
        poolerActivation = try Activation(configValue: config.poolerAct)
    }

    public func encode(pixelValues: Tensor, outputHiddenStates: Bool = false) throws -> ImageEncoderOutput {
        try validate(pixelValues: pixelValues)
        let (encoded, states) = runEncoder(layers, embeddings(pixelValues), collect: outputHiddenStates)
        let sequence = finalNorm(encoded)
        // The pooler reads the normed [CLS] token.
        let pooled = pooler.map { poolerActivation($0(sequence.selecting(axis: 1, 0))) }
        return ImageEncoderOutput(lastHiddenState: sequence, pooledOutput: pooled, hiddenStates: states)
    }

    public func hiddenStates(pixelValues: Tensor, through last: Int) throws -> [Tensor] {
        try layerStates(pixelValues: pixelValues, through: last)
    }

    /// Patches, then [CLS] in front, then learned absolute positions.
    func embeddings(_ pixelValues: Tensor) -> Tensor {
        let patches = patchEmbedding(pixelValues)
        let cls = classToken.expanded(to: [pixelValues.shape[0], 1, config.hiddenSize])
        return concatenate([cls, patches], axis: 1) + positionEmbeddings
    }
}
