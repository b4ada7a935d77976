import GenCore

/// `BlipVisionConfig` (the `vision_config` of a `BlipConfig`), with transformers' defaults.
public struct BlipVisionConfig: VisionTransformerConfigurable {
    public var encoder = VisionTransformerConfig(
        hiddenSize: 768, intermediateSize: 3072, numHiddenLayers: 12, numAttentionHeads: 12, imageSize: 384,
        patchSize: 16, hiddenAct: "gelu", layerNormEps: 1e-5)

    public init() {}

    public init(from decoder: any Decoder) throws {
        encoder = try VisionTransformerConfig(from: decoder, defaults: encoder)
    }
}

/// BLIP's image tower (Li et al., "BLIP: Bootstrapping Language-Image Pre-training", 2022) as transformers'
/// `BlipVisionModel`: a ViT with a biased patch conv, class embedding and learned positions, pre-norm layers with
/// one fused `qkv` projection, and `post_layernorm` over the whole sequence. The captioning decoder reads that
/// normed sequence (`last_hidden_state`).
public struct BlipVisionModel: VisionTransformerEncoder, EncoderLayerStack {
    public var classTokenCount: Int { 1 }
    public let config: BlipVisionConfig
    let patchEmbedding: PatchEmbedding
    let classEmbedding: Tensor  // [1, 1, hidden]
    let positionEmbedding: Tensor  // [1, patches + 1, hidden]
    let layers: [EncoderLayer]
    let postNorm: LayerNorm

    /// `weights` is scoped at the tower (`vision_model`).
    public init(config: BlipVisionConfig, weights w: WeightLoader) throws {
        let g = try config.encoder.geometry.validated()
        self.config = config
        let activation = try Activation(configValue: config.hiddenAct)
        let h = config.hiddenSize
        let e = w.scoped("embeddings")
        patchEmbedding = try PatchEmbedding(weights: e, name: "patch_embedding", config: config.encoder, bias: true)
        classEmbedding = try e.float32("class_embedding", shape: [1, 1, h])
        positionEmbedding = try e.float32("position_embedding", shape: [1, g.patches + 1, h])
        layers = try EncoderLayer.stack(weights: w.scoped("encoder.layers"), names: .blip, config: config.encoder,
                                        activation: activation)
        postNorm = try w.layerNorm("post_layernorm", dimension: h, eps: config.layerNormEps)
    }

    /// `lastHiddenState` is the post-normed sequence (class token first); `pooledOutput` applies
    /// `post_layernorm` once more to its class token, as transformers does.
    public func encode(pixelValues: Tensor, outputHiddenStates: Bool = false) throws -> ImageEncoderOutput {
        try validate(pixelValues: pixelValues)
        let (encoded, states) = runEncoder(layers, embeddings(pixelValues), collect: outputHiddenStates)
        let sequence = postNorm(encoded)
        return ImageEncoderOutput(lastHiddenState: sequence, pooledOutput: postNorm(sequence.selecting(axis: 1, 0)),
                                  hiddenStates: states)
    }

    public func hiddenStates(pixelValues: Tensor, through last: Int) throws -> [Tensor] {
        try layerStates(pixelValues: pixelValues, through: last)
    }

    /// Class token, patches, then positions.
    func embeddings(_ pixelValues: Tensor) -> Tensor {
        let patches = patchEmbedding(pixelValues)
        let cls = classEmbedding.expanded(to: [pixelValues.shape[0], 1, config.hiddenSize])
        return concatenate([cls, patches], axis: 1) + positionEmbedding
    }
}
