/// `config.json` of a Llama checkpoint (`model_type: "llama"`), with transformers' `LlamaConfig` defaults.
///
/// RoPE settings are read from either `rope_parameters` (transformers 5) or `rope_theta` + `rope_scaling`
/// (transformers 4); they are written back in the 5.x form.
public struct LlamaConfig: LlamaFamilyConfig, Equatable {
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
    /// Biases on the q/k/v and output projections.
    public var attentionBias: Bool = false
    /// Biases on the MLP projections.
    public var mlpBias: Bool = false
    public var bosTokenID: Int? = 1
    public var eosTokenID: TokenIDList = [2]

    enum CodingKeys: String, CodingKey {
        case attentionBias = "attention_bias", mlpBias = "mlp_bias"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        try decodeSharedFields(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        attentionBias = try c.decode(.attentionBias, default: attentionBias)
        mlpBias = try c.decode(.mlpBias, default: mlpBias)
    }

    public func encode(to encoder: any Encoder) throws {
        try encodeSharedFields(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encode(mlpBias, forKey: .mlpBias)
    }

    /// The decoder shape this config describes, after checking it.
    func architecture(path: String) throws -> DecoderArchitecture {
        try makeArchitecture(path: path, contextLength: maxPositionEmbeddings,
                             qkvBias: attentionBias, outputBias: attentionBias, mlpBias: mlpBias)
    }

    /// Throws ``TextModelsError/invalidConfiguration(path:reason:)`` for impossible or unsupported settings.
    public func validate(path: String) throws { _ = try architecture(path: path) }
}
