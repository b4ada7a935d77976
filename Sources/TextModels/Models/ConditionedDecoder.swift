import GenCore

/// Every cross-attention layer's keys and values for one encoder input (one image), `[1, heads, S, headDim]`
/// per layer: projected once, then read unchanged at every generated token.
public struct CrossAttentionCache: Sendable {
    package let keys: [Tensor]
    package let values: [Tensor]

    package init(keys: [Tensor], values: [Tensor]) {
        self.keys = keys
        self.values = values
    }

    /// Encoder positions attended to.
    public var length: Int { keys.first?.shape[2] ?? 0 }
}

/// A decoder whose layers also attend to an encoder's output (GPT-2 with `add_cross_attention`, BLIP's text
/// decoder): its forward pass takes the projected encoder keys/values besides the token embeddings.
public protocol CrossAttentionLanguageModel: LanguageModel {
    /// Runs the decoder as ``LanguageModel/forward(embeddings:cache:logits:)`` does while every layer attends to
    /// `crossAttention` (nil: no encoder input, where the architecture allows it).
    func forward(
        embeddings: Tensor, cache: inout KVCache, crossAttention: CrossAttentionCache?, logits: LogitsSelection
    ) throws -> Tensor
}

extension CrossAttentionLanguageModel {
    /// This decoder with `crossAttention` bound: a plain ``LanguageModel`` for `generate`/`generateText`.
    public func conditioned(on crossAttention: CrossAttentionCache) -> ConditionedDecoder<Self> {
        ConditionedDecoder(decoder: self, crossAttention: crossAttention)
    }
}

/// A cross-attention decoder with one encoder input bound, so that the ``LanguageModel`` machinery (caches,
/// `generate`, `generateText`) drives it like a causal LM. Made by ``CrossAttentionLanguageModel/conditioned(on:)``.
public struct ConditionedDecoder<Decoder: CrossAttentionLanguageModel>: LanguageModel {
    public let decoder: Decoder
    public let crossAttention: CrossAttentionCache

    public var vocabularySize: Int { decoder.vocabularySize }
    public var maxContextLength: Int { decoder.maxContextLength }
    public var hiddenSize: Int { decoder.hiddenSize }
    public var eosTokenIDs: [Int] { decoder.eosTokenIDs }

    public func embed(tokens: [Int]) throws -> Tensor { try decoder.embed(tokens: tokens) }
    public func makeCache(capacity: Int) throws -> KVCache { try decoder.makeCache(capacity: capacity) }
    public func forward(embeddings: Tensor, cache: inout KVCache, logits: LogitsSelection) throws -> Tensor {
        try decoder.forward(embeddings: embeddings, cache: &cache, crossAttention: crossAttention, logits: logits)
    }
}
