import GenCore

/// diffusers' `Attention` with its default processor (`AttnProcessor2_0`): optional group norm, `to_q`/`to_k`/`to_v`
/// projections, multi-head scaled dot-product attention (scale 1/√dim_head), `to_out.0`, then an optional residual
/// and a division by `rescale_output_factor`.
///
/// Used as self-attention over the pixels of a feature map (VAE and UNet2DModel blocks: [B, C, H, W] in and out,
/// with group norm and residual) and, by transformer blocks, over sequences [B, L, C] with optional cross-attention
/// to `encoderHiddenStates` [B, S, cross_attention_dim].
///
/// Checkpoints saved before diffusers 0.14 name the projections `query`, `key`, `value` and `proj_attn`; diffusers
/// renames them on load, and so does this initializer.
struct Attention: Sendable {
    let heads: Int
    let headDim: Int
    let groupNorm: GroupNorm?
    let toQ: Linear
    let toK: Linear
    let toV: Linear
    let toOut: Linear
    let residualConnection: Bool
    let rescaleOutputFactor: Float

    /// - Parameters mirror diffusers' constructor: `queryDim`, `crossAttentionDim` (nil: self-attention), `heads`,
    ///   `dimHead`, `bias` (q/k/v), `outBias`, `normNumGroups` (nil: no group norm), `eps` (group norm),
    ///   `residualConnection`, `rescaleOutputFactor`, `outDim` (default `queryDim`).
    init(
        weights w: WeightLoader, queryDim: Int, crossAttentionDim: Int? = nil, heads: Int, dimHead: Int,
        bias: Bool = false, outBias: Bool = true, normNumGroups: Int? = nil, eps: Float = 1e-5,
        residualConnection: Bool = false, rescaleOutputFactor: Float = 1, outDim: Int? = nil
    ) throws {
        self.heads = heads
        headDim = dimHead
        let inner = heads * dimHead, keyDim = crossAttentionDim ?? queryDim
        groupNorm = try normNumGroups.map { try w.groupNorm("group_norm", channels: queryDim, groups: $0, eps: eps) }
        let legacy = !w.contains("to_q.weight") && w.contains("query.weight")
        toQ = try w.linear(legacy ? "query" : "to_q", inputs: queryDim, outputs: inner, bias: bias)
        toK = try w.linear(legacy ? "key" : "to_k", inputs: keyDim, outputs: inner, bias: bias)
        toV = try w.linear(legacy ? "value" : "to_v", inputs: keyDim, outputs: inner, bias: bias)
        toOut = try w.linear(legacy ? "proj_attn" : "to_out.0", inputs: inner, outputs: outDim ?? queryDim, bias: outBias)
        self.residualConnection = residualConnection
        self.rescaleOutputFactor = rescaleOutputFactor
    }

    /// `x` is [B, C, H, W] (attention over the H·W positions; the result has the same shape) or [B, L, C].
    /// `encoderHiddenStates` [B, S, cross_attention_dim] supplies keys and values for cross-attention.
    func callAsFunction(_ x: Tensor, encoderHiddenStates: Tensor? = nil) -> Tensor {
        let spatial = x.rank == 4
        let batch = x.shape[0]
        var h = x
        if let groupNorm { h = groupNorm(spatial ? h : h.transposed(1, 2)) }
        // Group norm runs on [B, C, positions]; the projections want [B, positions, C].
        if spatial {
            h = h.reshaped([batch, x.shape[1], x.shape[2] * x.shape[3]]).transposed(1, 2)
        } else if groupNorm != nil {
            h = h.transposed(1, 2)
        }
        // Projections that read the same input run as one grouped product (see GenCore's `linear(_:layers:)`).
        let qkv = encoderHiddenStates.map { [toQ(h)] + linear($0, layers: [toK, toV]) }
            ?? linear(h, layers: [toQ, toK, toV])
        let q = splitHeads(qkv[0]), k = splitHeads(qkv[1]), v = splitHeads(qkv[2])
        let attended = scaledDotProductAttention(query: q, key: k, value: v,
                                                 precision: .forActivations(withWeights: toQ.weight.dtype))
        var out = toOut(attended.permuted([0, 2, 1, 3]).reshaped([batch, -1, heads * headDim]))
        if spatial { out = out.transposed(1, 2).reshaped(x.shape) }
        if residualConnection { out = out + x }
        return rescaleOutputFactor == 1 ? out : out / rescaleOutputFactor
    }

    /// [B, L, heads·dim] → [B, heads, L, dim] as a view.
    private func splitHeads(_ t: Tensor) -> Tensor {
        t.reshaped([t.shape[0], t.shape[1], heads, headDim]).permuted([0, 2, 1, 3])
    }
}
