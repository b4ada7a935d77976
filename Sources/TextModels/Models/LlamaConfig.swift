#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `config.json` of a Llama checkpoint (`model_type: "llama"`), with transformers' `LlamaConfig` defaults.
///
/// RoPE settings are read from either `rope_parameters` (transformers 5) or `rope_theta` + `rope_scaling`
/// (transformers 4); they are written back in the 5.x form.
public struct LlamaConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int = 32000
    public var hiddenSize: Int = 4096
    public var intermediateSize: Int = 11008
    public var numHiddenLayers: Int = 32
    public var numAttentionHeads: Int = 32
    /// Grouped-query attention: `nil` means one key/value head per query head.
    public var numKeyValueHeads: Int? = nil
    /// `nil` means `hidden_size / num_attention_heads`.
    public var headDim: Int? = nil
    public var hiddenAct: String = "silu"
    public var maxPositionEmbeddings: Int = 2048
    public var rmsNormEps: Double = 1e-6
    public var ropeParameters: RoPEParameters = RoPEParameters()
    public var tieWordEmbeddings: Bool = false
    public var attentionBias: Bool = false
    public var mlpBias: Bool = false
    public var bosTokenID: Int? = 1
    public var eosTokenID: TokenIDList = [2]

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", hiddenAct = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings", rmsNormEps = "rms_norm_eps"
        case ropeParameters = "rope_parameters", tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias", mlpBias = "mlp_bias"
        case bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LlamaConfig()
        vocabSize = try c.decode(.vocabSize, default: d.vocabSize)
        hiddenSize = try c.decode(.hiddenSize, default: d.hiddenSize)
        intermediateSize = try c.decode(.intermediateSize, default: d.intermediateSize)
        numHiddenLayers = try c.decode(.numHiddenLayers, default: d.numHiddenLayers)
        numAttentionHeads = try c.decode(.numAttentionHeads, default: d.numAttentionHeads)
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads)
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim)
        hiddenAct = try c.decode(.hiddenAct, default: d.hiddenAct)
        maxPositionEmbeddings = try c.decode(.maxPositionEmbeddings, default: d.maxPositionEmbeddings)
        rmsNormEps = try c.decode(.rmsNormEps, default: d.rmsNormEps)
        ropeParameters = try RoPEParameters.resolve(
            from: decoder, parametersKey: CodingKeys.ropeParameters, maxPositionEmbeddings: maxPositionEmbeddings)
        tieWordEmbeddings = try c.decode(.tieWordEmbeddings, default: d.tieWordEmbeddings)
        attentionBias = try c.decode(.attentionBias, default: d.attentionBias)
        mlpBias = try c.decode(.mlpBias, default: d.mlpBias)
        bosTokenID = try c.decodeAllowingNull(.bosTokenID, default: d.bosTokenID)
        eosTokenID = try c.decodeAllowingNull(.eosTokenID, default: d.eosTokenID) ?? []
    }

    /// The decoder shape this config describes, after checking it.
    func architecture(path: String) throws -> DecoderArchitecture {
        let architecture = DecoderArchitecture(
            vocabularySize: vocabSize, hiddenSize: hiddenSize, intermediateSize: intermediateSize,
            layerCount: numHiddenLayers, headCount: numAttentionHeads,
            keyValueHeadCount: numKeyValueHeads ?? numAttentionHeads,
            headDim: headDim ?? hiddenSize / max(numAttentionHeads, 1), hiddenAct: hiddenAct,
            maxPositionEmbeddings: maxPositionEmbeddings, rmsNormEps: rmsNormEps, rope: ropeParameters,
            tieWordEmbeddings: tieWordEmbeddings, qkvBias: attentionBias, outputBias: attentionBias, mlpBias: mlpBias)
        try architecture.validate(path: path, headDimGiven: headDim != nil)
        return architecture
    }

    /// Throws ``TextModelsError/invalidConfiguration(path:reason:)`` for impossible or unsupported settings.
    public func validate(path: String) throws { _ = try architecture(path: path) }
}
