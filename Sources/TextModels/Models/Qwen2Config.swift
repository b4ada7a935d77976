/// `config.json` of a Qwen2 checkpoint (`model_type: "qwen2"`), with transformers' `Qwen2Config` defaults.
///
/// The architecture is Llama's with biases on the query/key/value projections (always) and none on the output
/// projection or MLP. Sliding-window attention is only active when `use_sliding_window` is set and a layer index
/// reaches `max_window_layers`; such a model is limited here to a context of `sliding_window` tokens, where
/// windowed and full attention coincide.
public struct Qwen2Config: LlamaFamilyConfig, Equatable {
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
    /// Layers from this index on use the sliding window (when `use_sliding_window`).
    public var maxWindowLayers: Int = 28
    public var bosTokenID: Int? = nil
    public var eosTokenID: TokenIDList = []

    enum CodingKeys: String, CodingKey {
        case useSlidingWindow = "use_sliding_window", slidingWindow = "sliding_window"
        case maxWindowLayers = "max_window_layers"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        try decodeSharedFields(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        useSlidingWindow = try c.decode(.useSlidingWindow, default: useSlidingWindow)
        slidingWindow = try c.decodeAllowingNull(.slidingWindow, default: slidingWindow)
        maxWindowLayers = try c.decode(.maxWindowLayers, default: maxWindowLayers)
    }

    public func encode(to encoder: any Encoder) throws {
        try encodeSharedFields(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(useSlidingWindow, forKey: .useSlidingWindow)
        try c.encode(slidingWindow, forKey: .slidingWindow)
        try c.encode(maxWindowLayers, forKey: .maxWindowLayers)
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
        if useSlidingWindow, let window = slidingWindow, window <= 0 {
            throw ConfigurationChecks(path: path).fail("sliding_window must be positive, got \(window)")
        }
        return try makeArchitecture(path: path, contextLength: effectiveContextLength,
                                    qkvBias: true, outputBias: false, mlpBias: false)
    }

    /// Throws ``TextModelsError/invalidConfiguration(path:reason:)`` for impossible or unsupported settings.
    public func validate(path: String) throws { _ = try architecture(path: path) }
}
