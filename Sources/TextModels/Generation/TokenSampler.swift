/// Picks the next token from one row of logits: processors first (``LogitsProcessing``), then the arg-max
/// (greedy) or a draw from the softmax with a seeded generator.
public struct TokenSampler: Sendable {
    public let parameters: GenerationParameters
    private var generator: SeededRandomNumberGenerator

    /// Validates `parameters` and seeds the generator from `parameters.seed`.
    public init(parameters: GenerationParameters) throws {
        try parameters.validate()
        self.parameters = parameters
        generator = SeededRandomNumberGenerator(seed: parameters.seed)
    }

    /// The next token given the model's `logits` for it and the tokens so far.
    public mutating func next(logits: [Float], promptTokens: [Int], generatedTokens: [Int]) -> Int {
        var processed = logits
        LogitsProcessing.apply(parameters, to: &processed, promptTokens: promptTokens, generatedTokens: generatedTokens)
        return parameters.doSample ? draw(from: processed) : Self.argmax(processed)
    }

    /// Index of the largest value (the first one on ties, like `torch.argmax`); NaN never wins.
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for (i, v) in values.enumerated() where v > bestValue {
            best = i
            bestValue = v
        }
        return best
    }

    /// Inverse-CDF draw from softmax(`logits`), accumulating in Double so the last bucket is reached.
    private mutating func draw(from logits: [Float]) -> Int {
        let probabilities = LogitsProcessing.softmax(logits)
        let u = generator.nextUnitInterval()
        var cumulative = 0.0
        var last = Self.argmax(logits)
        for (i, p) in probabilities.enumerated() where p > 0 {
            cumulative += Double(p)
            last = i
            if u < cumulative { return i }
        }
        // Rounding left the total just under 1 and u above it: the last possible token.
        return last
    }
}
