#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `config.json` of a GPT-2 checkpoint (`model_type: "gpt2"`), with transformers' `GPT2Config` defaults.
public struct GPT2Config: Codable, Sendable, Equatable {
    public var vocabSize: Int = 50257
    /// Learned absolute positions: the longest context.
    public var nPositions: Int = 1024
    public var nEmbd: Int = 768
    public var nLayer: Int = 12
    public var nHead: Int = 12
    /// MLP width; `nil` means 4 × `n_embd`.
    public var nInner: Int? = nil
    /// `gelu_new` (tanh approximation) in every released GPT-2.
    public var activationFunction: String = "gelu_new"
    public var layerNormEpsilon: Double = 1e-5
    /// Divide attention scores by √head_dim.
    public var scaleAttnWeights: Bool = true
    /// Also divide scores by (layer index + 1) (Mistral's GPT-2 variants).
    public var scaleAttnByInverseLayerIdx: Bool = false
    /// Only changes float16 numerics in PyTorch; computing in float32 here makes it a no-op.
    public var reorderAndUpcastAttn: Bool = false
    /// Every block also attends to an encoder's hidden states (`ln_cross_attn`, `crossattention.*` weights), as the
    /// decoder of a `VisionEncoderDecoderModel`.
    public var addCrossAttention: Bool = false
    public var tieWordEmbeddings: Bool = true
    public var bosTokenID: Int? = 50256
    public var eosTokenID: TokenIDList = [50256]

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", nPositions = "n_positions", nEmbd = "n_embd", nLayer = "n_layer"
        case nHead = "n_head", nInner = "n_inner", activationFunction = "activation_function"
        case layerNormEpsilon = "layer_norm_epsilon", scaleAttnWeights = "scale_attn_weights"
        case scaleAttnByInverseLayerIdx = "scale_attn_by_inverse_layer_idx"
        case reorderAndUpcastAttn = "reorder_and_upcast_attn", addCrossAttention = "add_cross_attention"
        case tieWordEmbeddings = "tie_word_embeddings", bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(.vocabSize, default: vocabSize)
        nPositions = try c.decode(.nPositions, default: nPositions)
        nEmbd = try c.decode(.nEmbd, default: nEmbd)
        nLayer = try c.decode(.nLayer, default: nLayer)
        nHead = try c.decode(.nHead, default: nHead)
        nInner = try c.decodeAllowingNull(.nInner, default: nInner)
        activationFunction = try c.decode(.activationFunction, default: activationFunction)
        layerNormEpsilon = try c.decode(.layerNormEpsilon, default: layerNormEpsilon)
        scaleAttnWeights = try c.decode(.scaleAttnWeights, default: scaleAttnWeights)
        scaleAttnByInverseLayerIdx = try c.decode(.scaleAttnByInverseLayerIdx, default: scaleAttnByInverseLayerIdx)
        reorderAndUpcastAttn = try c.decode(.reorderAndUpcastAttn, default: reorderAndUpcastAttn)
        addCrossAttention = try c.decode(.addCrossAttention, default: addCrossAttention)
        tieWordEmbeddings = try c.decode(.tieWordEmbeddings, default: tieWordEmbeddings)
        bosTokenID = try c.decodeAllowingNull(.bosTokenID, default: bosTokenID)
        eosTokenID = try c.decodeAllowingNull(.eosTokenID, default: eosTokenID) ?? []
    }

    /// The MLP width actually used.
    public var innerSize: Int { nInner ?? 4 * nEmbd }

    /// Activations transformers' `ACT2FN` maps these names to, among those GPT-2 checkpoints use.
    static let supportedActivations = ["gelu_new", "gelu_pytorch_tanh", "gelu", "quick_gelu", "relu", "silu", "swish"]

    /// Throws ``TextModelsError/invalidConfiguration(path:reason:)`` for impossible or unsupported settings.
    public func validate(path: String) throws {
        let checks = ConfigurationChecks(path: path)
        try checks.positive(["vocab_size": vocabSize, "n_positions": nPositions, "n_embd": nEmbd,
                             "n_layer": nLayer, "n_head": nHead, "n_inner": innerSize])
        try checks.divides("n_head", nHead, "n_embd", nEmbd)
        try checks.positive("layer_norm_epsilon", layerNormEpsilon)
        guard Self.supportedActivations.contains(activationFunction) else {
            throw checks.fail("activation_function '\(activationFunction)' is not supported (supported: \(Self.supportedActivations.joined(separator: ", ")))")
        }
    }
}
