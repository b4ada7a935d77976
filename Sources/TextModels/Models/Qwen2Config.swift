#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `config.json` of a Qwen2 checkpoint (`model_type: "qwen2"`), with transformers' `Qwen2Config` defaults.
///
/// The architecture is Llama's with biases on the query/key/value projections (always) and none on the output
/// projection or MLP. Sliding-window attention is only active when `use_sliding_window` is set and a layer index
/// reaches `max_window_layers`; such a model is limited here to a context of `sliding_window` tokens, where
/// windowed and full attention coincide.
public struct Qwen2Config: Codable, Sendable, Equatable {
    public var vocabSize: Int = 151936
    public var hiddenSize: Int = 4096
    public var intermediateSize: Int = 22016
    public var numHiddenLayers: Int = 32
    public var numAttentionHeads: Int = 32
    public var numKeyValueHeads: Int? = 32
    /// Not a `Qwen2Config` field, but transformers' attention honours it when a config.json carries it.
    public var headDim: Int? = nil
    public var hiddenAct: String = "silu"
    public var maxPositionEmbeddings: Int = 32768
    public var rmsNormEps: Double = 1e-6
    public var ropeParameters: RoPEParameters = RoPEParameters()
    public var tieWordEmbeddings: Bool = false
    public var useSlidingWindow: Bool = false
    public var slidingWindow: Int? = 4096
    public var maxWindowLayers: Int = 28
    public var bosTokenID: Int? = nil
    public var eosTokenID: TokenIDList = []

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", hiddenAct = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings", rmsNormEps = "rms_norm_eps"
        case ropeParameters = "rope_parameters", tieWordEmbeddings = "tie_word_embeddings"
        case useSlidingWindow = "use_sliding_window", slidingWindow = "sliding_window"
        case maxWindowLayers = "max_window_layers", bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Qwen2Config()
        vocabSize = try c.decode(.vocabSize, default: d.vocabSize)
        hiddenSize = try c.decode(.hiddenSize, default: d.hiddenSize)
        intermediateSize = try c.decode(.intermediateSize, default: d.intermediateSize)
        numHiddenLayers = try c.decode(.numHiddenLayers, default: d.numHiddenLayers)
        numAttentionHeads = try c.decode(.numAttentionHeads, default: d.numAttentionHeads)
        numKeyValueHeads = try c.decode(.numKeyValueHeads, default: d.numKeyValueHeads ?? numAttentionHeads)
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim)
        hiddenAct = try c.decode(.hiddenAct, default: d.hiddenAct)
        maxPositionEmbeddings = try c.decode(.maxPositionEmbeddings, default: d.maxPositionEmbeddings)
        rmsNormEps = try c.decode(.rmsNormEps, default: d.rmsNormEps)
        ropeParameters = try RoPEParameters.resolve(
            from: decoder, parametersKey: CodingKeys.ropeParameters, maxPositionEmbeddings: maxPositionEmbeddings)
        tieWordEmbeddings = try c.decode(.tieWordEmbeddings, default: d.tieWordEmbeddings)
        useSlidingWindow = try c.decode(.useSlidingWindow, default: d.useSlidingWindow)
        slidingWindow = try c.decodeIfPresent(Int.self, forKey: .slidingWindow)
        maxWindowLayers = try c.decode(.maxWindowLayers, default: d.maxWindowLayers)
        bosTokenID = try c.decodeAllowingNull(.bosTokenID, default: d.bosTokenID)
        eosTokenID = try c.decodeAllowingNull(.eosTokenID, default: d.eosTokenID) ?? []
    }

    /// The longest context served exactly: windowed layers see everything only while the context fits the window.
    var effectiveContextLength: Int {
        if useSlidingWindow, let slidingWindow, maxWindowLayers < numHiddenLayers {
            return min(maxPositionEmbeddings, slidingWindow)
        }
        return maxPositionEmbeddings
    }

    /// The decoder shape this config describes, after checking it.
    func architecture(path: String) throws -> DecoderArchitecture {
        let architecture = DecoderArchitecture(
            vocabularySize: vocabSize, hiddenSize: hiddenSize, intermediateSize: intermediateSize,
            layerCount: numHiddenLayers, headCount: numAttentionHeads,
            keyValueHeadCount: numKeyValueHeads ?? numAttentionHeads,
            headDim: headDim ?? hiddenSize / max(numAttentionHeads, 1), hiddenAct: hiddenAct,
            maxPositionEmbeddings: effectiveContextLength, rmsNormEps: rmsNormEps, rope: ropeParameters,
            tieWordEmbeddings: tieWordEmbeddings, qkvBias: true, outputBias: false, mlpBias: false)
        try architecture.validate(path: path, headDimGiven: headDim != nil)
        if useSlidingWindow, let window = slidingWindow, window <= 0 {
            throw ConfigurationChecks(path: path).fail("sliding_window must be positive, got \(window)")
        }
        return architecture
    }

    /// Throws ``TextModelsError/invalidConfiguration(path:reason:)`` for impossible or unsupported settings.
    public func validate(path: String) throws { _ = try architecture(path: path) }
}
