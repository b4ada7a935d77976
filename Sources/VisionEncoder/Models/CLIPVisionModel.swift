import GenCore

/// `CLIPVisionConfig` (the `vision_config` of a `CLIPConfig`), with transformers' defaults.
public struct CLIPVisionConfig: VisionTransformerConfigurable {
    public var encoder = VisionTransformerConfig(
        hiddenSize: 768, intermediateSize: 3072, numHiddenLayers: 12, numAttentionHeads: 12, imageSize: 224,
        patchSize: 32, hiddenAct: "quick_gelu", layerNormEps: 1e-5)
    public var projectionDim = 512

    enum CodingKeys: String, CodingKey { case projectionDim = "projection_dim" }

    public init() {}

    public init(from decoder: any Decoder) throws {
        encoder = try VisionTransformerConfig(from: decoder, defaults: encoder)
        projectionDim = try decoder.container(keyedBy: CodingKeys.self)
            .decodeIfPresent(Int.self, forKey: .projectionDim) ?? projectionDim
    }
}

/// CLIP's image tower (Radford et al., "Learning Transferable Visual Models From Natural Language
/// Supervision", 2021) as transformers' `CLIPVisionModel` / `CLIPVisionModelWithProjection`:
/// bias-free patch conv, class embedding, positions, a LayerNorm *before* the encoder, and a LayerNorm on the
/// class token only for the pooled output. LLaVA reads `hiddenStates[-2]` of this model.
public struct CLIPVisionModel: VisionTransformerEncoder, EncoderLayerStack {
    public var classTokenCount: Int { 1 }
    public let config: CLIPVisionConfig
    let patchEmbedding: PatchEmbedding
    let classEmbedding: Tensor  // [1, 1, hidden]
    let positionEmbedding: Tensor  // [1, patches + 1, hidden]
    let preNorm: LayerNorm
    let layers: [EncoderLayer]
    let postNorm: LayerNorm
    /// `visual_projection` (no bias) when loaded as `CLIPVisionModelWithProjection` or from a full `CLIPModel`.
    let projection: Linear?

    /// `weights` is scoped at the tower (`vision_model`); `projection` at the checkpoint root, if present.
    public init(config: CLIPVisionConfig, weights w: WeightLoader, projection p: WeightLoader? = nil) throws {
        let g = try config.encoder.geometry.validated()
        self.config = config
        let activation = try Activation(configValue: config.hiddenAct)
        let h = config.hiddenSize
        let e = w.scoped("embeddings")
        patchEmbedding = try PatchEmbedding(weights: e, name: "patch_embedding", config: config.encoder, bias: false)
        classEmbedding = try e.float32("class_embedding", shape: [h]).reshaped([1, 1, h])
        positionEmbedding = try e.float32("position_embedding.weight", shape: [g.patches + 1, h]).unsqueezed(0)
        preNorm = try w.layerNorm("pre_layrnorm", dimension: h, eps: config.layerNormEps)
        layers = try EncoderLayer.stack(weights: w.scoped("encoder.layers"), names: .clip, config: config.encoder,
                                        activation: activation)
        postNorm = try w.layerNorm("post_layernorm", dimension: h, eps: config.layerNormEps)
        if let p, p.contains("visual_projection.weight") {
            projection = try p.linear("visual_projection", inputs: h, outputs: config.projectionDim, bias: false)
        } else {
            projection = nil
        }
    }

    /// `pooledOutput` is the post-normed class token, or its projection (`image_embeds`) when the
    /// checkpoint has `visual_projection`.
    public func encode(pixelValues: Tensor, outputHiddenStates: Bool = false) throws -> ImageEncoderOutput {
        try validate(pixelValues: pixelValues)
        let (encoded, states) = runEncoder(layers, embeddings(pixelValues), collect: outputHiddenStates)
        let pooled = postNorm(encoded.selecting(axis: 1, 0))
        return ImageEncoderOutput(lastHiddenState: encoded, pooledOutput: projection.map { $0(pooled) } ?? pooled,
                                  hiddenStates: states)
    }

    public func hiddenStates(pixelValues: Tensor, through last: Int) throws -> [Tensor] {
        try layerStates(pixelValues: pixelValues, through: last)
    }

    /// Class token, patches, positions, then the LayerNorm CLIP puts before its encoder.
    func embeddings(_ pixelValues: Tensor) -> Tensor {
        let patches = patchEmbedding(pixelValues)
        let cls = classEmbedding.expanded(to: [pixelValues.shape[0], 1, config.hiddenSize])
        return preNorm(concatenate([cls, patches], axis: 1) + positionEmbedding)
    }
}
