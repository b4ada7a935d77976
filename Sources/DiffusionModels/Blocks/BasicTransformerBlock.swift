import GenCore

/// diffusers' `BasicTransformerBlock` in the form Stable Diffusion's UNet uses (`norm_type` "layer_norm", no
/// attention biases): pre-norm self-attention (`attn1`), pre-norm cross-attention to the text states (`attn2`),
/// and a pre-norm GEGLU feed-forward (`ff`), each added to the residual stream. Dropout is the identity at inference.
struct BasicTransformerBlock: Sendable {
    let norm1: LayerNorm
    let attn1: Attention
    let norm2: LayerNorm
    let attn2: Attention
    let norm3: LayerNorm
    let feedForward: GEGLUFeedForward

    /// `dim` = heads · headDim (the width of the token stream); `crossAttentionDim` is the width of the text states.
    init(weights w: WeightLoader, dim: Int, heads: Int, headDim: Int, crossAttentionDim: Int, eps: Float = 1e-5) throws {
        norm1 = try w.layerNorm("norm1", dimension: dim, eps: eps)
        attn1 = try Attention(weights: w.scoped("attn1"), queryDim: dim, heads: heads, dimHead: headDim)
        norm2 = try w.layerNorm("norm2", dimension: dim, eps: eps)
        attn2 = try Attention(weights: w.scoped("attn2"), queryDim: dim, crossAttentionDim: crossAttentionDim,
                              heads: heads, dimHead: headDim)
        norm3 = try w.layerNorm("norm3", dimension: dim, eps: eps)
        feedForward = try GEGLUFeedForward(weights: w.scoped("ff"), dim: dim, innerDim: 4 * dim)
    }

    /// x [B, L, dim]; `encoderHiddenStates` [B, S, cross_attention_dim].
    func callAsFunction(_ x: Tensor, encoderHiddenStates: Tensor) -> Tensor {
        var h = attn1(norm1(x)) + x
        h = attn2(norm2(h), encoderHiddenStates: encoderHiddenStates) + h
        return feedForward(norm3(h)) + h
    }
}

/// diffusers' `FeedForward` with `activation_fn` "geglu" (Shazeer, "GLU Variants Improve Transformer", 2020):
/// `net.0.proj` maps dim → 2·inner, whose first half is gated by the exact GELU of its second half, then
/// `net.2` maps inner → dim.
struct GEGLUFeedForward: Sendable {
    let proj: Linear
    let out: Linear

    init(weights w: WeightLoader, dim: Int, innerDim: Int) throws {
        proj = try w.linear("net.0.proj", inputs: dim, outputs: 2 * innerDim)
        out = try w.linear("net.2", inputs: innerDim, outputs: dim)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let halves = chunk(proj(x), chunks: 2, axis: -1)
        return out(halves[0] * gelu(halves[1]))
    }
}
