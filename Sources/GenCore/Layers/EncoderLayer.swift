/// Multi-head self-attention of a transformer encoder: unmasked in ViT-family image towers, causal in CLIP's
/// text tower.
public struct EncoderSelfAttention: Sendable {
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    public let heads: Int
    /// Each token attends only to itself and earlier tokens.
    public let isCausal: Bool

    public init(query: Linear, key: Linear, value: Linear, output: Linear, heads: Int, isCausal: Bool = false) {
        self.query = query
        self.key = key
        self.value = value
        self.output = output
        self.heads = heads
        self.isCausal = isCausal
    }

    /// x: [batch, tokens, hidden] → [batch, tokens, hidden].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let qkv = linear(x, layers: [query, key, value]).map(splitHeads)
        let q = qkv[0], k = qkv[1], v = qkv[2]
        let attended = scaledDotProductAttention(query: q, key: k, value: v, isCausal: isCausal,
                                                 precision: .forActivations(withWeights: query.weight.dtype))
        return output(mergeHeads(attended))
    }

    /// [B, T, heads·D] → [B, heads, T, D] (a view).
    public func splitHeads(_ x: Tensor) -> Tensor {
        let (b, t, width) = (x.shape[0], x.shape[1], x.shape[2])
        return x.reshaped([b, t, heads, width / heads]).permuted([0, 2, 1, 3])
    }

    /// [B, heads, T, D] → [B, T, heads·D].
    public func mergeHeads(_ x: Tensor) -> Tensor {
        let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        return x.permuted([0, 2, 1, 3]).reshaped([b, t, h * d])
    }
}

/// Two linear layers around an activation.
public struct EncoderMLP: Sendable {
    public let fc1: Linear
    public let fc2: Linear
    public let activation: Activation

    public init(fc1: Linear, fc2: Linear, activation: Activation) {
        self.fc1 = fc1
        self.fc2 = fc2
        self.activation = activation
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { fc2(activation(fc1(x))) }
}

/// A pre-norm transformer encoder layer: x + attn(norm(x)), then + mlp(norm(·)).
/// ViT, CLIP (image and text towers) and SigLIP differ only in parameter names, which their loaders map, and
/// in whether attention is causal.
public struct EncoderLayer: Sendable {
    public let attentionNorm: LayerNorm
    public let attention: EncoderSelfAttention
    public let mlpNorm: LayerNorm
    public let mlp: EncoderMLP

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let h = x + attention(attentionNorm(x))
        return h + mlp(mlpNorm(h))
    }
}

/// Parameter names of one encoder layer within a checkpoint.
public struct EncoderLayerNames: Sendable {
    public var attentionNorm: String
    /// Separate query/key/value projections, or one fused projection (see ``fusedQueryKeyValue``).
    public var query: String
    public var key: String
    public var value: String
    /// One `[3·hidden, hidden]` projection holding query, key and value in that order (BLIP's `qkv`); when set,
    /// `query`, `key` and `value` are unused.
    public var fusedQueryKeyValue: String? = nil
    public var output: String
    public var mlpNorm: String
    public var fc1: String
    public var fc2: String

    /// CLIP and SigLIP (`layer_norm1`, `self_attn.q_proj`, …, `mlp.fc1`).
    public static let clip = EncoderLayerNames(
        attentionNorm: "layer_norm1", query: "self_attn.q_proj", key: "self_attn.k_proj", value: "self_attn.v_proj",
        output: "self_attn.out_proj", mlpNorm: "layer_norm2", fc1: "mlp.fc1", fc2: "mlp.fc2")
    /// ViT as published on the Hub (`attention.attention.query`, `intermediate.dense`, `output.dense`).
    public static let vit = EncoderLayerNames(
        attentionNorm: "layernorm_before", query: "attention.attention.query", key: "attention.attention.key",
        value: "attention.attention.value", output: "attention.output.dense", mlpNorm: "layernorm_after",
        fc1: "intermediate.dense", fc2: "output.dense")
    /// BLIP's vision tower: CLIP's layout with a fused `self_attn.qkv` and `self_attn.projection`.
    public static let blip = EncoderLayerNames(
        attentionNorm: "layer_norm1", query: "", key: "", value: "", fusedQueryKeyValue: "self_attn.qkv",
        output: "self_attn.projection", mlpNorm: "layer_norm2", fc1: "mlp.fc1", fc2: "mlp.fc2")
}

extension EncoderLayer {
    /// Loads one layer, checking every shape against the configuration.
    public init(
        weights w: WeightLoader, names: EncoderLayerNames, hidden: Int, intermediate: Int, heads: Int,
        activation: Activation, eps: Float, qkvBias: Bool = true, isCausal: Bool = false
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
            heads: heads, isCausal: isCausal)
        mlpNorm = try w.layerNorm(names.mlpNorm, dimension: hidden, eps: eps)
        mlp = EncoderMLP(
            fc1: try w.linear(names.fc1, inputs: hidden, outputs: intermediate),
            fc2: try w.linear(names.fc2, inputs: intermediate, outputs: hidden),
            activation: activation)
    }
}

/// A projection whose output rows stack `parts` equally wide projections (fused q/k/v), split into them.
public func splitFusedProjection(_ fused: Linear, parts: Int) -> [Linear] {
    let width = fused.outputFeatures / parts
    return (0..<parts).map { i in
        let rows = i * width..<(i + 1) * width
        return Linear(weight: fused.weight.sliced(axis: 0, rows).contiguous(),
                      bias: fused.bias.map { $0.sliced(axis: 0, rows).contiguous() })
    }
}

/// Runs the layers, collecting hidden states as transformers does when asked.
public func runEncoder(_ layers: [EncoderLayer], _ input: Tensor, collect: Bool) -> (Tensor, [Tensor]) {
    var h = input
    var states: [Tensor] = collect ? [h] : []
    for layer in layers {
        h = layer(h)
        if collect { states.append(h) }
    }
    return (h, states)
}
