import GenCore

/// Multi-head self-attention without masking, as every ViT-family encoder uses it.
struct EncoderSelfAttention: Sendable {
    let query: Linear
    let key: Linear
    let value: Linear
    let output: Linear
    let heads: Int

    /// x: [batch, tokens, hidden] → [batch, tokens, hidden].
    func callAsFunction(_ x: Tensor) -> Tensor {
        let q = splitHeads(query(x)), k = splitHeads(key(x)), v = splitHeads(value(x))
        let attended = scaledDotProductAttention(query: q, key: k, value: v)
        return output(mergeHeads(attended))
    }

    /// [B, T, heads·D] → [B, heads, T, D] (a view).
    func splitHeads(_ x: Tensor) -> Tensor {
        let (b, t, width) = (x.shape[0], x.shape[1], x.shape[2])
        return x.reshaped([b, t, heads, width / heads]).permuted([0, 2, 1, 3])
    }

    /// [B, heads, T, D] → [B, T, heads·D].
    func mergeHeads(_ x: Tensor) -> Tensor {
        let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        return x.permuted([0, 2, 1, 3]).reshaped([b, t, h * d])
    }
}

/// Two linear layers around an activation.
struct EncoderMLP: Sendable {
    let fc1: Linear
    let fc2: Linear
    let activation: Activation

    func callAsFunction(_ x: Tensor) -> Tensor { fc2(activation(fc1(x))) }
}

/// A pre-norm transformer encoder layer: x + attn(norm(x)), then + mlp(norm(·)).
/// ViT, CLIP and SigLIP differ only in parameter names, which their loaders map.
struct EncoderLayer: Sendable {
    let attentionNorm: LayerNorm
    let attention: EncoderSelfAttention
    let mlpNorm: LayerNorm
    let mlp: EncoderMLP

    func callAsFunction(_ x: Tensor) -> Tensor {
        let h = x + attention(attentionNorm(x))
        return h + mlp(mlpNorm(h))
    }
}

/// Parameter names of one encoder layer within a checkpoint.
struct EncoderLayerNames {
    var attentionNorm: String
    /// Separate query/key/value projections, or one fused projection (see ``fusedQueryKeyValue``).
    var query: String
    var key: String
    var value: String
    /// One `[3·hidden, hidden]` projection holding query, key and value in that order (BLIP's `qkv`); when set,
    /// `query`, `key` and `value` are unused.
    var fusedQueryKeyValue: String? = nil
    var output: String
    var mlpNorm: String
    var fc1: String
    var fc2: String

    /// CLIP and SigLIP (`layer_norm1`, `self_attn.q_proj`, …, `mlp.fc1`).
    static let clip = EncoderLayerNames(
        attentionNorm: "layer_norm1", query: "self_attn.q_proj", key: "self_attn.k_proj", value: "self_attn.v_proj",
        output: "self_attn.out_proj", mlpNorm: "layer_norm2", fc1: "mlp.fc1", fc2: "mlp.fc2")
    /// ViT as published on the Hub (`attention.attention.query`, `intermediate.dense`, `output.dense`).
    static let vit = EncoderLayerNames(
        attentionNorm: "layernorm_before", query: "attention.attention.query", key: "attention.attention.key",
        value: "attention.attention.value", output: "attention.output.dense", mlpNorm: "layernorm_after",
        fc1: "intermediate.dense", fc2: "output.dense")
    /// BLIP's vision tower: CLIP's layout with a fused `self_attn.qkv` and `self_attn.projection`.
    static let blip = EncoderLayerNames(
        attentionNorm: "layer_norm1", query: "", key: "", value: "", fusedQueryKeyValue: "self_attn.qkv",
        output: "self_attn.projection", mlpNorm: "layer_norm2", fc1: "mlp.fc1", fc2: "mlp.fc2")
}

extension EncoderLayer {
    /// Loads one layer, checking every shape against the configuration.
    init(
        weights w: WeightLoader, names: EncoderLayerNames, hidden: Int, intermediate: Int, heads: Int,
        activation: Activation, eps: Float, qkvBias: Bool = true
    ) throws {
        attentionNorm = try w.layerNorm(names.attentionNorm, dimension: hidden, eps: eps)
        let projections: [Linear]
        if let fused = names.fusedQueryKeyValue {
            projections = splitFusedProjection(try w.linear(fused, inputs: hidden, outputs: 3 * hidden, bias: qkvBias), parts: 3)
        } else {
            projections = try [names.query, names.key, names.value].map {
                try w.linear($0, inputs: hidden, outputs: hidden, bias: qkvBias)
            }
        }
        attention = EncoderSelfAttention(
            query: projections[0], key: projections[1], value: projections[2],
            output: try w.linear(names.output, inputs: hidden, outputs: hidden),
            heads: heads)
        mlpNorm = try w.layerNorm(names.mlpNorm, dimension: hidden, eps: eps)
        mlp = EncoderMLP(
            fc1: try w.linear(names.fc1, inputs: hidden, outputs: intermediate),
            fc2: try w.linear(names.fc2, inputs: intermediate, outputs: hidden),
            activation: activation)
    }
}

extension EncoderLayer {
    /// The encoder's `numHiddenLayers` layers, named `<weights prefix>.<index>`.
    static func stack(
        weights w: WeightLoader, names: EncoderLayerNames, config c: VisionTransformerConfig, activation: Activation,
        qkvBias: Bool = true
    ) throws -> [EncoderLayer] {
        try (0..<c.numHiddenLayers).map { i in
            try EncoderLayer(weights: w.scoped("\(i)"), names: names, hidden: c.hiddenSize, intermediate: c.intermediateSize,
                             heads: c.numAttentionHeads, activation: activation, eps: c.layerNormEps, qkvBias: qkvBias)
        }
    }
}

/// A projection whose output rows stack `parts` equally wide projections (fused q/k/v), split into them.
func splitFusedProjection(_ fused: Linear, parts: Int) -> [Linear] {
    let width = fused.outputFeatures / parts
    return (0..<parts).map { i in
        let rows = i * width..<(i + 1) * width
        return Linear(weight: fused.weight.sliced(axis: 0, rows).contiguous(),
                      bias: fused.bias.map { $0.sliced(axis: 0, rows).contiguous() })
    }
}

/// Runs the layers, collecting hidden states as transformers does when asked.
func runEncoder(_ layers: [EncoderLayer], _ input: Tensor, collect: Bool) -> (Tensor, [Tensor]) {
    var h = input
    var states: [Tensor] = collect ? [h] : []
    for layer in layers {
        h = layer(h)
        if collect { states.append(h) }
    }
    return (h, states)
}

/// The patch embedding: a convolution with stride = kernel = patch size, flattened to one token per patch.
struct PatchEmbedding: Sendable {
    let weight: Tensor  // [hidden, channels, patch, patch], float32
    let bias: Tensor?
    let patchSize: Int

    /// Loads `name.weight` (and `name.bias` when `bias`) with the shapes `config` implies.
    init(weights w: WeightLoader, name: String, config c: VisionTransformerConfig, bias: Bool) throws {
        let scope = w.scoped(name)
        weight = try scope.tensor("weight", shape: [c.hiddenSize, c.numChannels, c.patchSize, c.patchSize]).converted(to: .float32)
        self.bias = bias ? try scope.float32("bias", shape: [c.hiddenSize]) : nil
        patchSize = c.patchSize
    }

    /// pixels [B, C, H, W] → [B, patches, hidden] (flatten(2).transpose(1, 2) in PyTorch).
    func callAsFunction(_ pixels: Tensor) -> Tensor {
        let conv = conv2d(pixels, weight: weight, bias: bias, stride: (patchSize, patchSize))
        let (b, c) = (conv.shape[0], conv.shape[1])
        return conv.reshaped([b, c, -1]).transposed(1, 2).contiguous()
    }
}
