#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GenCore

/// `config.json` of a CLIP text tower (`model_type: "clip_text_model"`, or the `text_config` of a `CLIPConfig`),
/// with transformers' `CLIPTextConfig` defaults.
public struct CLIPTextConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int = 49408
    public var hiddenSize: Int = 512
    public var intermediateSize: Int = 2048
    /// Width of `text_projection` (`CLIPTextModelWithProjection`).
    public var projectionDim: Int = 512
    public var numHiddenLayers: Int = 12
    public var numAttentionHeads: Int = 8
    /// Learned absolute positions: the longest prompt in tokens (77 in every released CLIP).
    public var maxPositionEmbeddings: Int = 77
    public var hiddenAct: String = "quick_gelu"
    public var layerNormEps: Double = 1e-5
    public var bosTokenID: Int? = 49406
    /// Where the pooled output is read. The value 2 (checkpoints written before transformers PR #24773) selects
    /// the legacy rule: the position of the largest token id, which is EOS in CLIP's vocabulary.
    public var eosTokenID: TokenIDList = [49407]
    public var padTokenID: Int? = 1

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case projectionDim = "projection_dim", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", maxPositionEmbeddings = "max_position_embeddings"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps", bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id", padTokenID = "pad_token_id"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(.vocabSize, default: vocabSize)
        hiddenSize = try c.decode(.hiddenSize, default: hiddenSize)
        intermediateSize = try c.decode(.intermediateSize, default: intermediateSize)
        projectionDim = try c.decode(.projectionDim, default: projectionDim)
        numHiddenLayers = try c.decode(.numHiddenLayers, default: numHiddenLayers)
        numAttentionHeads = try c.decode(.numAttentionHeads, default: numAttentionHeads)
        maxPositionEmbeddings = try c.decode(.maxPositionEmbeddings, default: maxPositionEmbeddings)
        hiddenAct = try c.decode(.hiddenAct, default: hiddenAct)
        layerNormEps = try c.decode(.layerNormEps, default: layerNormEps)
        bosTokenID = try c.decodeAllowingNull(.bosTokenID, default: bosTokenID)
        eosTokenID = try c.decode(.eosTokenID, default: eosTokenID)
        padTokenID = try c.decodeAllowingNull(.padTokenID, default: padTokenID)
    }

    /// Checks what the forward pass relies on; `path` names the file in errors.
    func validated(path: String) throws -> CLIPTextConfig {
        let check = ConfigurationChecks(path: path)
        try check.positive([
            "vocab_size": vocabSize, "hidden_size": hiddenSize, "intermediate_size": intermediateSize,
            "projection_dim": projectionDim, "num_hidden_layers": numHiddenLayers,
            "num_attention_heads": numAttentionHeads, "max_position_embeddings": maxPositionEmbeddings,
        ])
        try check.divides("num_attention_heads", numAttentionHeads, "hidden_size", hiddenSize)
        try check.positive("layer_norm_eps", layerNormEps)
        guard eosTokenID.ids.count == 1 else {
            throw check.fail("eos_token_id must be one token id (the pooled output is read at it), got \(eosTokenID.ids)")
        }
        _ = try Activation(configValue: hiddenAct)
        return self
    }
}
