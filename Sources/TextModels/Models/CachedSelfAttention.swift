import GenCore

/// Causal multi-head self-attention over the new positions of a request, reading past keys/values from a
/// ``KVCache`` — the part GPT-2 and the Llama family share.
///
/// Inputs are the projected rows `[T, heads·headDim]`; rotary embeddings (when given) are applied to queries and
/// keys before the keys are cached, so the cache holds rotated keys as transformers' cache does. Attention is
/// causal aligned bottom-right: new position i sees every cached position and the new ones up to itself.
/// Package-visible so that decoders defined with their vision models (BLIP's text decoder) use the same code.
package struct CachedSelfAttention {
    package let headCount: Int
    package let keyValueHeadCount: Int
    package let headDim: Int
    package let scale: Float

    package init(headCount: Int, keyValueHeadCount: Int, headDim: Int, scale: Float) {
        self.headCount = headCount
        self.keyValueHeadCount = keyValueHeadCount
        self.headDim = headDim
        self.scale = scale
    }

    /// Rotation tables for the new positions.
    package struct Rotary {
        let cos: Tensor
        let sin: Tensor
    }

    /// Returns the attended values `[Q, headCount·headDim]` and stores this layer's keys/values in `cache`.
    ///
    /// `key` and `value` hold every new position (`[T, …]`); `query` holds all of them or only the last `Q`, which
    /// then attend as those last positions (a prefill whose last layer only the last position's output needs).
    /// `precision` is the attention products' (see GenCore's `scaledDotProductAttention`).
    package func callAsFunction(
        query: Tensor, key: Tensor, value: Tensor, rotary: Rotary?, layer: Int, cache: inout KVCache,
        precision: MatmulPrecision
    ) -> Tensor {
        let newPositions = key.shape[0], queryRows = query.shape[0]
        var q = Self.splitHeads(query, count: headCount, headDim: headDim)
        var k = Self.splitHeads(key, count: keyValueHeadCount, headDim: headDim)
        let v = Self.splitHeads(value, count: keyValueHeadCount, headDim: headDim)
        if let rotary {
            let queryAngles = (newPositions - queryRows)..<newPositions
            q = applyRotaryEmbedding(q, cos: rotary.cos.sliced(axis: 0, queryAngles),
                                     sin: rotary.sin.sliced(axis: 0, queryAngles), layout: .halfRotation)
            k = applyRotaryEmbedding(k, cos: rotary.cos, sin: rotary.sin, layout: .halfRotation)
        }
        cache.store(layer: layer, key: k, value: v)
        let length = cache.count + newPositions
        let attended = scaledDotProductAttention(
            query: q, key: cache.keys(layer: layer, length: length), value: cache.values(layer: layer, length: length),
            isCausal: true, scale: scale, precision: precision)
        // [1, H, Q, D] → [Q, H·D]
        return attended.squeezed(0).permuted([1, 0, 2]).reshaped([queryRows, headCount * headDim])
    }

    /// `[T, H·D]` → `[1, H, T, D]` (a view).
    package static func splitHeads(_ x: Tensor, count: Int, headDim: Int) -> Tensor {
        x.reshaped([x.shape[0], count, headDim]).permuted([1, 0, 2]).unsqueezed(0)
    }
}
