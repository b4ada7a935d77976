import GenCore

/// `SiglipVisionConfig` (the `vision_config` of a `SiglipConfig`), with transformers' defaults.
public struct SiglipVisionConfig: VisionTransformerConfigurable {
    public var encoder = VisionTransformerConfig(
        hiddenSize: 768, intermediateSize: 3072, numHiddenLayers: 12, numAttentionHeads: 12, imageSize: 224,
        patchSize: 16, hiddenAct: "gelu_pytorch_tanh", layerNormEps: 1e-6)
    /// Whether the attention-pooling head exists.
    public var visionUseHead = true

    enum CodingKeys: String, CodingKey { case visionUseHead = "vision_use_head" }

    public init() {}

    public init(from decoder: any Decoder) throws {
        encoder = try VisionTransformerConfig(from: decoder, defaults: encoder)
        visionUseHead = try decoder.container(keyedBy: CodingKeys.self)
            .decodeIfPresent(Bool.self, forKey: .visionUseHead) ?? visionUseHead
    }
}

/// SigLIP's image tower (Zhai et al., "Sigmoid Loss for Language Image Pre-Training", 2023) as transformers'
/// `SiglipVisionModel`: no class token, a LayerNorm after the encoder, and a multi-head attention-pooling head
/// in which one learned probe attends over all patches.
public struct SiglipVisionModel: VisionTransformerEncoder, EncoderLayerStack {
    public var classTokenCount: Int { 0 }
    public let config: SiglipVisionConfig
    let patchEmbedding: PatchEmbedding
    let positionEmbedding: Tensor  // [1, patches, hidden]
    let layers: [EncoderLayer]
    let postNorm: LayerNorm
    let head: AttentionPoolingHead?

    /// `weights` is scoped at the tower (`vision_model`).
    public init(config: SiglipVisionConfig, weights w: WeightLoader) throws {
        let g = try config.encoder.geometry.validated()
        self.config = config
        let activation = try Activation(configValue: config.hiddenAct)
        let h = config.hiddenSize
        let e = w.scoped("embeddings")
        patchEmbedding = try PatchEmbedding(weights: e, name: "patch_embedding", config: config.encoder, bias: true)
        positionEmbedding = try e.float32("position_embedding.weight", shape: [g.patches, h]).unsqueezed(0)
        layers = try EncoderLayer.stack(weights: w.scoped("encoder.layers"), names: .clip, config: config.encoder,
                                        activation: activation)
        postNorm = try w.layerNorm("post_layernorm", dimension: h, eps: config.layerNormEps)
        head = config.visionUseHead
            ? try AttentionPoolingHead(weights: w.scoped("head"), hidden: h, intermediate: config.intermediateSize,
                                       heads: config.numAttentionHeads, activation: activation, eps: config.layerNormEps)
            : nil
    }

    public func encode(pixelValues: Tensor, outputHiddenStates: Bool = false) throws -> ImageEncoderOutput {
        try validate(pixelValues: pixelValues)
        let (encoded, states) = runEncoder(layers, embeddings(pixelValues), collect: outputHiddenStates)
        let sequence = postNorm(encoded)
        return ImageEncoderOutput(lastHiddenState: sequence, pooledOutput: head.map { $0(sequence) }, hiddenStates: states)
    }

    public func hiddenStates(pixelValues: Tensor, through last: Int) throws -> [Tensor] {
        try layerStates(pixelValues: pixelValues, through: last)
    }

    /// Patches plus positions (SigLIP has no class token).
    func embeddings(_ pixelValues: Tensor) -> Tensor { patchEmbedding(pixelValues) + positionEmbedding }
}

/// SigLIP's pooling head: a learned probe queries the sequence through `nn.MultiheadAttention`
/// (packed `in_proj` weights), then a residual MLP; the probe's output is the image embedding.
struct AttentionPoolingHead: Sendable {
    let probe: Tensor  // [1, 1, hidden]
    let attention: EncoderSelfAttention  // query/key/value sliced from in_proj
    let norm: LayerNorm
    let mlp: EncoderMLP

    init(weights w: WeightLoader, hidden h: Int, intermediate: Int, heads: Int, activation: Activation, eps: Float) throws {
        probe = try w.float32("probe", shape: [1, 1, h])
        // in_proj_weight stacks Wq, Wk, Wv along the output axis.
        let inProjection = Linear(weight: try w.tensor("attention.in_proj_weight", shape: [3 * h, h]),
                                  bias: try w.float32("attention.in_proj_bias", shape: [3 * h]))
        let part = splitFusedProjection(inProjection, parts: 3)
        attention = EncoderSelfAttention(query: part[0], key: part[1], value: part[2],
                                         output: try w.linear("attention.out_proj", inputs: h, outputs: h), heads: heads)
        norm = try w.layerNorm("layernorm", dimension: h, eps: eps)
        mlp = EncoderMLP(fc1: try w.linear("mlp.fc1", inputs: h, outputs: intermediate),
                         fc2: try w.linear("mlp.fc2", inputs: intermediate, outputs: h), activation: activation)
    }

    /// sequence: [B, T, hidden] → [B, hidden].
    func callAsFunction(_ sequence: Tensor) -> Tensor {
        let batch = sequence.shape[0], h = sequence.shape[2]
        let q = attention.splitHeads(attention.query(probe.expanded(to: [batch, 1, h]).contiguous()))
        let k = attention.splitHeads(attention.key(sequence)), v = attention.splitHeads(attention.value(sequence))
        let precision = MatmulPrecision.forActivations(withWeights: attention.query.weight.dtype)
        let attended = attention.output(attention.mergeHeads(scaledDotProductAttention(query: q, key: k, value: v,
                                                                                       precision: precision)))
        let pooled = attended + mlp(norm(attended))
        return pooled.selecting(axis: 1, 0)
    }
}
