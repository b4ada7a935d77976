/// The `config.json` fields Llama and Qwen2 share (same names, different defaults), read and written in one
/// place. Each config supplies its defaults through `init()` and adds its own fields.
protocol LlamaFamilyConfig: Codable, Sendable {
    init()
    var vocabSize: Int { get set }
    var hiddenSize: Int { get set }
    var intermediateSize: Int { get set }
    var numHiddenLayers: Int { get set }
    var numAttentionHeads: Int { get set }
    var numKeyValueHeads: Int? { get set }
    var headDim: Int? { get set }
    var hiddenAct: String { get set }
    var maxPositionEmbeddings: Int { get set }
    var rmsNormEps: Double { get set }
    var ropeParameters: RoPEParameters { get set }
    var tieWordEmbeddings: Bool { get set }
    var bosTokenID: Int? { get set }
    var eosTokenID: TokenIDList { get set }
}

enum LlamaFamilyCodingKeys: String, CodingKey {
    case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
    case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
    case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", hiddenAct = "hidden_act"
    case maxPositionEmbeddings = "max_position_embeddings", rmsNormEps = "rms_norm_eps"
    case ropeParameters = "rope_parameters", tieWordEmbeddings = "tie_word_embeddings"
    case bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
}

extension LlamaFamilyConfig {
    /// Reads the shared fields; absent (or `null`) ones keep `init()`'s defaults, except token ids, where an
    /// explicit `null` means none.
    mutating func decodeSharedFields(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: LlamaFamilyCodingKeys.self)
        vocabSize = try c.decode(.vocabSize, default: vocabSize)
        hiddenSize = try c.decode(.hiddenSize, default: hiddenSize)
        intermediateSize = try c.decode(.intermediateSize, default: intermediateSize)
        numHiddenLayers = try c.decode(.numHiddenLayers, default: numHiddenLayers)
        numAttentionHeads = try c.decode(.numAttentionHeads, default: numAttentionHeads)
        numKeyValueHeads = try c.decodeAllowingNull(.numKeyValueHeads, default: numKeyValueHeads)
        headDim = try c.decodeAllowingNull(.headDim, default: headDim)
        hiddenAct = try c.decode(.hiddenAct, default: hiddenAct)
        maxPositionEmbeddings = try c.decode(.maxPositionEmbeddings, default: maxPositionEmbeddings)
        rmsNormEps = try c.decode(.rmsNormEps, default: rmsNormEps)
        ropeParameters = try RoPEParameters.resolve(
            from: decoder, parametersKey: LlamaFamilyCodingKeys.ropeParameters,
            maxPositionEmbeddings: maxPositionEmbeddings)
        tieWordEmbeddings = try c.decode(.tieWordEmbeddings, default: tieWordEmbeddings)
        bosTokenID = try c.decodeAllowingNull(.bosTokenID, default: bosTokenID)
        eosTokenID = try c.decodeAllowingNull(.eosTokenID, default: eosTokenID) ?? []
    }

    /// Writes the shared fields (RoPE in the transformers 5 `rope_parameters` form).
    func encodeSharedFields(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: LlamaFamilyCodingKeys.self)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encodeIfPresent(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encodeIfPresent(headDim, forKey: .headDim)
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(ropeParameters, forKey: .ropeParameters)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(bosTokenID, forKey: .bosTokenID)
        try c.encode(eosTokenID, forKey: .eosTokenID)
    }

    /// The checked decoder shape, with the per-family choices of context length and biases.
    func makeArchitecture(
        path: String, contextLength: Int, qkvBias: Bool, outputBias: Bool, mlpBias: Bool
    ) throws -> DecoderArchitecture {
        let architecture = DecoderArchitecture(
            vocabularySize: vocabSize, hiddenSize: hiddenSize, intermediateSize: intermediateSize,
            layerCount: numHiddenLayers, headCount: numAttentionHeads,
            keyValueHeadCount: numKeyValueHeads ?? numAttentionHeads,
            headDim: headDim ?? hiddenSize / max(numAttentionHeads, 1), hiddenAct: hiddenAct,
            maxPositionEmbeddings: contextLength, rmsNormEps: rmsNormEps, rope: ropeParameters,
            tieWordEmbeddings: tieWordEmbeddings, qkvBias: qkvBias, outputBias: outputBias, mlpBias: mlpBias)
        try architecture.validate(path: path, headDimGiven: headDim != nil)
        return architecture
    }
}
