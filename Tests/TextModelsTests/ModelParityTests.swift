import Foundation
import GenCore
import Testing

@testable import TextModels

/// Logits and greedy continuations against transformers 5.23 on the tiny random-weight checkpoints of
/// Tools/make_llm_fixtures.py (reference computed in float32 from the stored weights, half ones included).
/// Tolerance: max |Δlogit| ≤ 1e-4 × max |logit|; greedy ids identical (the fixtures' top-2 gaps are ≥ 3e-3).
struct ModelParityTests {
    static let names = ["gpt2", "llama_gqa", "llama_tied_bias", "qwen2_bf16"]

    static func load(_ name: String) throws -> any LanguageModel {
        try LanguageModelLoading.load(directory: ModelFixtures.directory(name))
    }

    static func maxAbsDifference(_ actual: [Float], _ expected: [[Float]]) -> Float {
        zip(actual, expected.flatMap { $0 }).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test(arguments: names)
    func promptLogitsMatchTransformers(name: String) throws {
        let model = try Self.load(name)
        let expected = try ModelFixtures.expected(name)
        var cache = try model.makeCache(capacity: expected.prompt.count)
        let logits = try model.forward(tokens: expected.prompt, cache: &cache, logits: .all)
        #expect(logits.shape == [expected.prompt.count, model.vocabularySize])
        let difference = Self.maxAbsDifference(logits.floats, expected.logits)
        print("\(name): max |Δlogit| = \(difference), max |logit| = \(expected.maxAbsLogit)")
        #expect(difference <= 1e-4 * expected.maxAbsLogit)
    }

    /// `MatmulPrecision.bfloat16` against transformers with every Linear's input rounded to bfloat16 (forward
    /// pre-hooks in the fixture script): same tolerance. The float32-precision logits must be further off than that,
    /// or the scope changed nothing.
    @Test func bfloat16ComputeMatchesTransformersWithRoundedInputs() throws {
        let name = "llama_bf16_compute"
        let model = try Self.load(name)
        let reference = try ModelFixtures.bfloat16Compute(name)
        func promptLogits() throws -> [Float] {
            var cache = try model.makeCache(capacity: reference.prompt.count)
            return try model.forward(tokens: reference.prompt, cache: &cache, logits: .all).floats
        }
        let rounded = try MatmulPrecision.$current.withValue(.bfloat16) { try promptLogits() }
        let difference = Self.maxAbsDifference(rounded, reference.logits)
        let float32Difference = Self.maxAbsDifference(try promptLogits(), reference.logits)
        print("\(name), bfloat16 compute: max |Δlogit| = \(difference) (float32 compute: \(float32Difference))")
        #expect(difference <= 1e-4 * reference.maxAbsLogit)
        #expect(float32Difference > 1e-3 * reference.maxAbsLogit)
    }

    @Test(arguments: names)
    func greedyContinuationMatchesTransformers(name: String) throws {
        let model = try Self.load(name)
        let expected = try ModelFixtures.expected(name)
        var parameters = GenerationParameters()
        parameters.maxNewTokens = expected.greedy.count
        parameters.eosTokenIDs = [-1]  // transformers ran with eos stopping off
        let output = try model.generate(prompt: expected.prompt, parameters: parameters)
        #expect(output.tokens == expected.greedy)
        #expect(output.finishReason == .maxNewTokens)
    }

    /// The whole pipeline with a logits processor: greedy under transformers' repetition penalty 1.5.
    @Test(arguments: names)
    func greedyWithRepetitionPenaltyMatchesTransformers(name: String) throws {
        let model = try Self.load(name)
        let expected = try ModelFixtures.expected(name)
        var parameters = GenerationParameters()
        parameters.maxNewTokens = expected.greedyRepetitionPenalty.count
        parameters.eosTokenIDs = [-1]
        parameters.repetitionPenalty = 1.5
        let output = try model.generate(prompt: expected.prompt, parameters: parameters)
        #expect(output.tokens == expected.greedyRepetitionPenalty)
        #expect(output.tokens != expected.greedy)
    }

    /// Feeding the prompt in pieces and then one token at a time through the cache gives the logits of one
    /// full pass over the whole sequence (within float32 reassociation noise).
    @Test(arguments: ["gpt2", "llama_gqa", "qwen2_bf16"])
    func cachedDecodingEqualsFullRecompute(name: String) throws {
        let model = try Self.load(name)
        let expected = try ModelFixtures.expected(name)
        let sequence = expected.prompt + expected.greedy.prefix(8)
        var full = try model.makeCache(capacity: sequence.count)
        let reference = try model.forward(tokens: sequence, cache: &full, logits: .all).floats

        var cache = try model.makeCache(capacity: sequence.count)
        var incremental = try model.forward(tokens: Array(sequence.prefix(5)), cache: &cache, logits: .all).floats
        incremental += try model.forward(tokens: Array(sequence[5..<12]), cache: &cache, logits: .all).floats
        for token in sequence.dropFirst(12) {
            incremental += try model.forward(tokens: [token], cache: &cache, logits: .last).floats
        }
        #expect(cache.count == sequence.count)
        let difference = zip(incremental, reference).map { abs($0 - $1) }.max() ?? .infinity
        #expect(incremental.count == reference.count)
        #expect(difference <= 1e-5 * expected.maxAbsLogit)
    }

    /// A prompt run for its last logits only (the Llama family's last layer then skips the other positions'
    /// queries, output projection and MLP) gives the full pass's last row and fills the cache the same way.
    @Test(arguments: names)
    func lastLogitsOfAPromptEqualTheFullPass(name: String) throws {
        let model = try Self.load(name)
        let expected = try ModelFixtures.expected(name)
        let prompt = expected.prompt, next = Array(expected.greedy.prefix(3))
        var full = try model.makeCache(capacity: prompt.count + next.count)
        var last = try model.makeCache(capacity: prompt.count + next.count)
        let all = try model.forward(tokens: prompt, cache: &full, logits: .all)
        let lastOnly = try model.forward(tokens: prompt, cache: &last, logits: .last)
        #expect(lastOnly.shape == [1, model.vocabularySize])
        let tolerance = 1e-5 * expected.maxAbsLogit
        let lastRow = all.selecting(axis: 0, prompt.count - 1).floats
        #expect((zip(lastOnly.floats, lastRow).map { abs($0 - $1) }.max() ?? .infinity) <= tolerance)
        #expect(last.count == full.count)
        // Within float32 noise rather than bit for bit: the serialized kernel suites may switch the process-wide
        // instruction set between the two passes.
        func maxDifference(_ a: Tensor, _ b: Tensor) -> Float { zip(a.floats, b.floats).map { abs($0 - $1) }.max() ?? 0 }
        for layer in 0..<full.layerCount {
            #expect(maxDifference(last.keys(layer: layer, length: prompt.count), full.keys(layer: layer, length: prompt.count)) <= 1e-5)
            #expect(maxDifference(last.values(layer: layer, length: prompt.count), full.values(layer: layer, length: prompt.count)) <= 1e-5)
        }
        for token in next {
            let a = try model.forward(tokens: [token], cache: &full, logits: .last)
            let b = try model.forward(tokens: [token], cache: &last, logits: .last)
            #expect(maxDifference(a, b) <= tolerance)
        }
    }

    static func promptLogitsDifference(_ model: any LanguageModel, _ expected: ModelFixtures.Expected) throws -> Float {
        var cache = try model.makeCache(capacity: expected.prompt.count)
        return maxAbsDifference(try model.forward(tokens: expected.prompt, cache: &cache).floats, expected.logits)
    }

    /// The same weights split over three shards with model.safetensors.index.json.
    @Test func shardedCheckpointLoads() throws {
        let model = try LanguageModelLoading.load(directory: ModelFixtures.directory("llama_tied_bias_sharded"))
        let expected = try ModelFixtures.expected("llama_tied_bias")
        #expect(try Self.promptLogitsDifference(model, expected) <= 1e-4 * expected.maxAbsLogit)
    }

    /// Original GPT-2 files name tensors without the `transformer.` prefix (`h.0.attn.c_attn.weight`).
    @Test func gpt2WithoutPrefixLoads() throws {
        let source = try SafetensorsCheckpoint(directory: ModelFixtures.directory("gpt2").path)
        var renamed: [String: Tensor] = [:]
        for name in source.names {
            let bare = name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name
            renamed[bare] = try source.tensor(name)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genkit-gpt2-bare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try SafetensorsWriter.write(renamed, to: directory.appendingPathComponent("model.safetensors").path)
        try FileManager.default.copyItem(
            at: ModelFixtures.directory("gpt2").appendingPathComponent("config.json"),
            to: directory.appendingPathComponent("config.json"))
        let model = try LanguageModelLoading.load(directory: directory)
        let expected = try ModelFixtures.expected("gpt2")
        #expect(try Self.promptLogitsDifference(model, expected) <= 1e-4 * expected.maxAbsLogit)
    }

    /// Decoding writes into the storage allocated by makeCache: no copy-on-write reallocation per token.
    @Test func cacheStorageIsAllocatedOnce() throws {
        let model = try Self.load("llama_gqa")
        var cache = try model.makeCache(capacity: 16)
        // Only the address is kept: holding the storage itself would make the cache's copy non-unique.
        let before = cache.keys(layer: 1, length: 1).storage.baseAddress
        _ = try model.forward(tokens: [1, 2, 3], cache: &cache, logits: .last)
        _ = try model.forward(tokens: [4], cache: &cache, logits: .last)
        #expect(cache.keys(layer: 1, length: 1).storage.baseAddress == before)
        #expect(cache.count == 4)
    }

    @Test func generationConfigEosIDsAreRead() throws {
        let parameters = try LanguageModelLoading.generationParameters(directory: ModelFixtures.directory("qwen2_bf16"))
        #expect(parameters.eosTokenIDs == [4, 5])
        #expect(try Self.load("qwen2_bf16").eosTokenIDs == [4, 5])
    }

    /// With eos stopping on, generation ends at the first eos id of the greedy continuation and includes it.
    @Test func stopsAtEndOfSequence() throws {
        let model = try Self.load("llama_gqa")
        let expected = try ModelFixtures.expected("llama_gqa")
        var parameters = GenerationParameters()
        parameters.maxNewTokens = 32
        parameters.eosTokenIDs = [expected.greedy[5]]
        let output = try model.generate(prompt: expected.prompt, parameters: parameters)
        let firstEos = try #require(expected.greedy.firstIndex(of: expected.greedy[5]))
        #expect(output.tokens == Array(expected.greedy.prefix(firstEos + 1)))
        #expect(output.finishReason == .endOfSequence)
    }

    @Test func seededSamplingIsReproducible() throws {
        let model = try Self.load("qwen2_bf16")
        var parameters = GenerationParameters()
        parameters.doSample = true
        parameters.temperature = 1.3
        parameters.topP = 0.95
        parameters.maxNewTokens = 12
        parameters.eosTokenIDs = [-1]
        parameters.seed = 1234
        let prompt = try ModelFixtures.expected("qwen2_bf16").prompt
        let first = try model.generate(prompt: prompt, parameters: parameters)
        #expect(try model.generate(prompt: prompt, parameters: parameters) == first)
        parameters.seed = 99
        #expect(try model.generate(prompt: prompt, parameters: parameters).tokens != first.tokens)
    }
}
