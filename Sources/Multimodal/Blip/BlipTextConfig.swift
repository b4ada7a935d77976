#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `BlipTextConfig` (the `text_config` of a `BlipConfig`): the BERT-style caption decoder, with transformers'
/// defaults. `encoder_hidden_size` is not read from the file: `BlipConfig` sets it to the vision tower's width.
public struct BlipTextConfig: Decodable, Sendable, Equatable {
    public var vocabSize = 30524
    public var hiddenSize = 768
    public var intermediateSize = 3072
    public var numHiddenLayers = 12
    public var numAttentionHeads = 8
    /// Learned absolute positions: the longest prompt plus caption.
    public var maxPositionEmbeddings = 512
    public var hiddenAct = "gelu"
    public var layerNormEps = 1e-12
    /// `[DEC]`: the first decoder input, in place of the tokenizer's `[CLS]`.
    public var bosTokenID = 30522
    /// `[SEP]`: what `BlipForConditionalGeneration.generate` stops at (not `eos_token_id`).
    public var sepTokenID = 102
    public var padTokenID = 0
    /// The output projection is the word embedding (else `cls.predictions.decoder.weight`).
    public var tieWordEmbeddings = true

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings", hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps"
        case bosTokenID = "bos_token_id", sepTokenID = "sep_token_id", padTokenID = "pad_token_id"
        case tieWordEmbeddings = "tie_word_embeddings"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ field: inout T) throws {
            if let value = try c.decodeIfPresent(T.self, forKey: key) { field = value }
        }
        try read(.vocabSize, &vocabSize)
        try read(.hiddenSize, &hiddenSize)
        try read(.intermediateSize, &intermediateSize)
        try read(.numHiddenLayers, &numHiddenLayers)
        try read(.numAttentionHeads, &numAttentionHeads)
        try read(.maxPositionEmbeddings, &maxPositionEmbeddings)
        try read(.hiddenAct, &hiddenAct)
        try read(.layerNormEps, &layerNormEps)
        try read(.bosTokenID, &bosTokenID)
        try read(.sepTokenID, &sepTokenID)
        try read(.padTokenID, &padTokenID)
        try read(.tieWordEmbeddings, &tieWordEmbeddings)
    }

    /// Throws ``MultimodalError/invalidConfiguration(path:reason:)`` for sizes or token ids the decoder cannot use.
    public func validate(path: String) throws {
        func fail(_ reason: String) -> MultimodalError { .invalidConfiguration(path: path, reason: "text_config: " + reason) }
        let sizes = ["vocab_size": vocabSize, "hidden_size": hiddenSize, "intermediate_size": intermediateSize,
                     "num_hidden_layers": numHiddenLayers, "num_attention_heads": numAttentionHeads,
                     "max_position_embeddings": maxPositionEmbeddings]
        for (name, value) in sizes.sorted(by: { $0.key < $1.key }) where value <= 0 {
            throw fail("\(name) must be positive, got \(value)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw fail("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        guard layerNormEps > 0, layerNormEps.isFinite else { throw fail("layer_norm_eps must be positive, got \(layerNormEps)") }
        for (name, id) in [("bos_token_id", bosTokenID), ("sep_token_id", sepTokenID)] where !(0..<vocabSize).contains(id) {
            throw fail("\(name) \(id) is outside the vocabulary (vocab_size \(vocabSize))")
        }
    }
}
