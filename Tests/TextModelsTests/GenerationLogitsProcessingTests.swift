import Testing

@testable import TextModels

/// Each processor against the row transformers' LogitsProcessor produced for the same input
/// (Tools/make_llm_fixtures.py). Filtered entries must match exactly (−∞ ⇔ nil); kept ones within 1e-5.
struct GenerationLogitsProcessingTests {
    let fixture: ModelFixtures.Processors

    init() throws { fixture = try ModelFixtures.processors() }

    func setting(_ name: String) throws -> Float { try #require(fixture.settings[name]) }

    func check(_ name: String, _ actual: [Float]) throws {
        let expected = try #require(fixture.expected[name])
        #expect(actual.count == expected.count)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            if let e {
                #expect(abs(a - e) <= 1e-5 * max(1, abs(e)), "\(name)[\(i)]: \(a) vs \(e)")
            } else {
                #expect(a == -.infinity, "\(name)[\(i)] should be filtered, is \(a)")
            }
        }
    }

    @Test func temperature() throws {
        var row = fixture.scores
        LogitsProcessing.applyTemperature(try setting("temperature"), to: &row)
        try check("temperature", row)
    }

    @Test func topK() throws {
        var row = fixture.scores
        LogitsProcessing.applyTopK(Int(try setting("top_k")), to: &row)
        try check("top_k", row)
        #expect(row.filter { $0 > -.infinity }.count == Int(try setting("top_k")))
    }

    @Test func topP() throws {
        var row = fixture.scores
        LogitsProcessing.applyTopP(try setting("top_p"), to: &row)
        try check("top_p", row)
    }

    @Test func minP() throws {
        var row = fixture.scores
        LogitsProcessing.applyMinP(try setting("min_p"), to: &row)
        try check("min_p", row)
    }

    @Test func repetitionPenalty() throws {
        var row = fixture.scores
        LogitsProcessing.applyRepetitionPenalty(
            try setting("repetition_penalty"), to: &row, seen: fixture.promptIDs + fixture.outputIDs)
        try check("repetition_penalty", row)
    }

    @Test func presenceAndFrequencyPenalties() throws {
        var row = fixture.scores
        LogitsProcessing.applyPresenceFrequencyPenalties(
            presence: try setting("presence_penalty"), frequency: try setting("frequency_penalty"),
            to: &row, generated: fixture.outputIDs)
        try check("presence_frequency", row)
    }

    /// The whole chain in transformers' order, through the public parameters.
    @Test func chainInTransformersOrder() throws {
        var parameters = GenerationParameters()
        parameters.doSample = true
        parameters.temperature = try setting("temperature")
        parameters.topK = Int(try setting("top_k"))
        parameters.topP = try setting("top_p")
        parameters.minP = try setting("min_p")
        parameters.repetitionPenalty = try setting("repetition_penalty")
        parameters.presencePenalty = try setting("presence_penalty")
        parameters.frequencyPenalty = try setting("frequency_penalty")
        var row = fixture.scores
        LogitsProcessing.apply(parameters, to: &row, promptTokens: fixture.promptIDs, generatedTokens: fixture.outputIDs)
        try check("chain", row)
        let probabilities = LogitsProcessing.softmax(row)
        let expected = try #require(fixture.expected["chain_probabilities"])
        for (p, e) in zip(probabilities, expected) { #expect(abs(p - (e ?? 0)) <= 1e-6) }
    }

    /// Greedy decoding ignores the sampling warpers but keeps the penalties (transformers' do_sample=False).
    @Test func greedyKeepsPenaltiesOnly() throws {
        var parameters = GenerationParameters()
        parameters.topK = 1
        parameters.temperature = 0.1
        parameters.repetitionPenalty = try setting("repetition_penalty")
        var row = fixture.scores
        LogitsProcessing.apply(parameters, to: &row, promptTokens: fixture.promptIDs, generatedTokens: fixture.outputIDs)
        try check("repetition_penalty", row)
    }
}

struct GenerationSamplingTests {
    /// Distinct values (37 is coprime with 50), so top-k has no ties.
    let logits: [Float] = (0..<50).map { Float(($0 * 37) % 50) / 7 }

    func sampleSequence(seed: UInt64) throws -> [Int] {
        var parameters = GenerationParameters()
        parameters.doSample = true
        parameters.temperature = 1.5
        parameters.seed = seed
        var sampler = try TokenSampler(parameters: parameters)
        return (0..<64).map { _ in sampler.next(logits: logits, promptTokens: [], generatedTokens: []) }
    }

    @Test func sameSeedSameTokens() throws {
        #expect(try sampleSequence(seed: 42) == sampleSequence(seed: 42))
        #expect(try sampleSequence(seed: 42) != sampleSequence(seed: 43))
    }

    @Test func samplesOnlyKeptTokens() throws {
        var parameters = GenerationParameters()
        parameters.doSample = true
        parameters.topK = 3
        var sampler = try TokenSampler(parameters: parameters)
        let top3 = Set(logits.indices.sorted { logits[$0] > logits[$1] }.prefix(3))
        for _ in 0..<200 {
            #expect(top3.contains(sampler.next(logits: logits, promptTokens: [], generatedTokens: [])))
        }
    }

    /// Empirical frequencies follow softmax within a few standard errors (20 000 draws).
    @Test func drawsFollowTheDistribution() throws {
        let row: [Float] = [0, 1, 2, -1]
        var parameters = GenerationParameters()
        parameters.doSample = true
        var sampler = try TokenSampler(parameters: parameters)
        var counts = [0, 0, 0, 0]
        let n = 20_000
        for _ in 0..<n { counts[sampler.next(logits: row, promptTokens: [], generatedTokens: [])] += 1 }
        for (p, c) in zip(LogitsProcessing.softmax(row), counts) {
            let sd = (Double(p) * (1 - Double(p)) / Double(n)).squareRoot()
            #expect(abs(Double(c) / Double(n) - Double(p)) < 5 * sd)
        }
    }

    @Test func greedyPicksFirstMaximum() {
        #expect(TokenSampler.argmax([1, 3, 3, 2]) == 1)
        #expect(TokenSampler.argmax([.nan, -1, -2]) == 1)
    }

    @Test func invalidParametersAreRejected() {
        var p = GenerationParameters()
        p.temperature = 0
        #expect(throws: TextModelsError.self) { try p.validate() }
        p = GenerationParameters()
        p.topP = 0
        #expect(throws: TextModelsError.self) { try p.validate() }
        p = GenerationParameters()
        p.minP = 1.5
        #expect(throws: TextModelsError.self) { try p.validate() }
        p = GenerationParameters()
        p.maxNewTokens = 0
        #expect(throws: TextModelsError.self) { try p.validate() }
        p = GenerationParameters()
        p.repetitionPenalty = 0
        #expect(throws: TextModelsError.self) { try p.validate() }
    }
}
