import GenCore

/// One GPT-2 block's attention to encoder states (transformers' `GPT2Attention(is_cross_attention=True)` with its
/// pre-norm `ln_cross_attn`): queries from the decoder, keys/values from the encoder, no causal mask.
struct GPT2CrossAttention {
    let normWeight: Tensor, normBias: Tensor
    /// `q_attn` `[n_embd, n_embd]`.
    let queryWeight: Tensor, queryBias: Tensor
    /// `c_attn` `[2·n_embd, n_embd]`: keys then values.
    let keyValueWeight: Tensor, keyValueBias: Tensor
    let outputWeight: Tensor, outputBias: Tensor

    init(checkpoint: CheckpointTensors, block p: String, width e: Int) throws {
        // Conv1D stores [in, out]; linear wants [out, in].
        func conv1D(_ name: String, out outputs: Int) throws -> Tensor {
            try checkpoint.weight(p + name, shape: [e, outputs]).transposed().contiguous()
        }
        normWeight = try checkpoint.float32(p + "ln_cross_attn.weight", shape: [e])
        normBias = try checkpoint.float32(p + "ln_cross_attn.bias", shape: [e])
        queryWeight = try conv1D("crossattention.q_attn.weight", out: e)
        queryBias = try checkpoint.float32(p + "crossattention.q_attn.bias", shape: [e])
        keyValueWeight = try conv1D("crossattention.c_attn.weight", out: 2 * e)
        keyValueBias = try checkpoint.float32(p + "crossattention.c_attn.bias", shape: [2 * e])
        outputWeight = try conv1D("crossattention.c_proj.weight", out: e)
        outputBias = try checkpoint.float32(p + "crossattention.c_proj.bias", shape: [e])
    }

    /// Encoder states `[S, n_embd]` → keys and values `[1, heads, S, headDim]` (contiguous, reused every step).
    func keysAndValues(_ states: Tensor, headCount: Int) -> (keys: Tensor, values: Tensor) {
        let e = normWeight.shape[0]
        let kv = split(linear(states, weight: keyValueWeight, bias: keyValueBias), sizes: [e, e], axis: 1)
        let headDim = e / headCount
        return (CachedSelfAttention.splitHeads(kv[0], count: headCount, headDim: headDim).contiguous(),
                CachedSelfAttention.splitHeads(kv[1], count: headCount, headDim: headDim).contiguous())
    }

    /// The block's residual update for `hidden` `[T, n_embd]`.
    func callAsFunction(_ hidden: Tensor, keys: Tensor, values: Tensor, headCount: Int, scale: Float, eps: Float) -> Tensor {
        let e = normWeight.shape[0], headDim = e / headCount, positions = hidden.shape[0]
        let query = linear(layerNorm(hidden, weight: normWeight, bias: normBias, eps: eps), weight: queryWeight, bias: queryBias)
        let attended = scaledDotProductAttention(
            query: CachedSelfAttention.splitHeads(query, count: headCount, headDim: headDim), key: keys, value: values,
            isCausal: false, scale: scale, precision: .forActivations(withWeights: queryWeight.dtype))
        let merged = attended.squeezed(0).permuted([1, 0, 2]).reshaped([positions, e])
        return linear(merged, weight: outputWeight, bias: outputBias)
    }
}

/// The cross-attention keys/values of a GPT-2 decoder (the name this type had before BLIP shared it).
public typealias GPT2CrossAttentionCache = CrossAttentionCache

/// A cross-attention GPT-2 with one encoder input bound (the name this type had before BLIP shared it).
public typealias GPT2ConditionedDecoder = ConditionedDecoder<GPT2LMHeadModel>
