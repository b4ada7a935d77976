/// The shape of a Llama-family decoder (Llama, Qwen2), resolved from a config: what the weights must look like
/// and how the forward pass is wired. Kept separate from the configs so that one implementation serves both.
struct DecoderArchitecture: Sendable, Equatable {
    var vocabularySize: Int
    var hiddenSize: Int
    var intermediateSize: Int
    var layerCount: Int
    var headCount: Int
    var keyValueHeadCount: Int
    var headDim: Int
    var hiddenAct: String
    var maxPositionEmbeddings: Int
    var rmsNormEps: Double
    var rope: RoPEParameters
    var tieWordEmbeddings: Bool
    /// Bias on q/k/v projections (Llama `attention_bias`; always on in Qwen2).
    var qkvBias: Bool
    /// Bias on the attention output projection (Llama `attention_bias`; never in Qwen2).
    var outputBias: Bool
    var mlpBias: Bool

    static let supportedActivations = ["silu"]

    func validate(path: String, headDimGiven: Bool) throws {
        let checks = ConfigurationChecks(path: path)
        try checks.positive(["vocab_size": vocabularySize, "hidden_size": hiddenSize,
                             "intermediate_size": intermediateSize, "num_hidden_layers": layerCount,
                             "num_attention_heads": headCount, "num_key_value_heads": keyValueHeadCount,
                             "max_position_embeddings": maxPositionEmbeddings])
        // An explicit head_dim decouples head width from hidden_size; otherwise heads must tile the hidden state.
        if !headDimGiven { try checks.divides("num_attention_heads", headCount, "hidden_size", hiddenSize) }
        try checks.positive(["head_dim": headDim])
        try checks.divides("num_key_value_heads", keyValueHeadCount, "num_attention_heads", headCount)
        // Rotary embeddings rotate pairs of channels.
        try checks.divides("2", 2, "head_dim", headDim)
        try checks.positive("rms_norm_eps", rmsNormEps)
        guard Self.supportedActivations.contains(hiddenAct) else {
            throw checks.fail("hidden_act '\(hiddenAct)' is not supported (supported: \(Self.supportedActivations.joined(separator: ", ")))")
        }
        try rope.validate(checks)
    }
}
