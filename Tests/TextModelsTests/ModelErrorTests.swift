import Foundation
import GenCore
import Testing

@testable import TextModels

/// Bad input from outside is a typed error, never a crash.
struct ModelErrorTests {
    @Test func promptLongerThanContext() throws {
        let model = try ModelParityTests.load("gpt2")  // n_positions 64
        let prompt = [Int](repeating: 3, count: model.maxContextLength + 1)
        #expect(throws: TextModelsError.contextOverflow(needed: 65, available: 64)) {
            try model.generate(prompt: prompt)
        }
        #expect(throws: TextModelsError.self) { try model.makeCache(capacity: 65) }
        var cache = try model.makeCache(capacity: 4)
        #expect(throws: TextModelsError.contextOverflow(needed: 5, available: 4)) {
            try model.forward(tokens: [1, 2, 3, 4, 5], cache: &cache)
        }
        #expect(cache.count == 0)
    }

    /// Generation stops cleanly when the context fills before maxNewTokens.
    @Test func generationStopsWhenContextIsFull() throws {
        let model = try ModelParityTests.load("gpt2")
        var parameters = GenerationParameters()
        parameters.maxNewTokens = 100
        parameters.eosTokenIDs = [-1]
        let output = try model.generate(prompt: [5, 6, 7, 8], parameters: parameters)
        #expect(output.finishReason == .contextFull)
        #expect(output.tokens.count == model.maxContextLength - 4 + 1)
    }

    @Test func badTokenIDs() throws {
        let model = try ModelParityTests.load("llama_gqa")
        #expect(throws: TextModelsError.invalidTokenID(160, vocabularySize: 160)) { try model.embed(tokens: [1, 160]) }
        #expect(throws: TextModelsError.invalidTokenID(-1, vocabularySize: 160)) { try model.generate(prompt: [-1]) }
        #expect(throws: GenCoreError.self) { try model.generate(prompt: []) }
    }

    @Test func wrongEmbeddingShape() throws {
        let model = try ModelParityTests.load("llama_gqa")
        var cache = try model.makeCache(capacity: 8)
        #expect(throws: GenCoreError.self) {
            try model.forward(embeddings: Tensor(zeros: [2, 47]), cache: &cache, logits: .all)
        }
        var foreign = try ModelParityTests.load("gpt2").makeCache(capacity: 8)
        #expect(throws: GenCoreError.self) {
            try model.forward(tokens: [1, 2], cache: &foreign)
        }
    }

    /// A copy of a fixture folder whose config.json (or weights) the test then breaks.
    func scratchCopy(of name: String) throws -> URL {
        let destination = FileManager.default.temporaryDirectory
            .appendingPathComponent("genkit-llm-\(name)-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ModelFixtures.directory(name), to: destination)
        return destination
    }

    func rewriteConfig(_ directory: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = directory.appendingPathComponent("config.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    @Test func unknownModelTypeListsSupportedOnes() throws {
        let directory = try scratchCopy(of: "llama_gqa")
        defer { try? FileManager.default.removeItem(at: directory) }
        try rewriteConfig(directory) { $0["model_type"] = "mamba" }
        #expect(throws: TextModelsError.unsupportedModelType("mamba", supported: ["gpt2", "llama", "qwen2"])) {
            try LanguageModelLoading.load(directory: directory)
        }
    }

    /// Untied Llama whose checkpoint lacks lm_head.weight: the missing tensor is named.
    @Test func missingTensor() throws {
        let directory = try scratchCopy(of: "llama_tied_bias")
        defer { try? FileManager.default.removeItem(at: directory) }
        try rewriteConfig(directory) { $0["tie_word_embeddings"] = false }
        #expect {
            try LanguageModelLoading.load(directory: directory)
        } throws: { error in
            guard case let GenCoreError.missingTensor(name, _) = error else { return false }
            return name == "lm_head.weight"
        }
    }

    /// A config whose sizes disagree with the stored tensors: the first mismatching tensor is reported.
    @Test func shapeMismatch() throws {
        let directory = try scratchCopy(of: "qwen2_bf16")
        defer { try? FileManager.default.removeItem(at: directory) }
        try rewriteConfig(directory) { $0["intermediate_size"] = 48 }
        #expect {
            try LanguageModelLoading.load(directory: directory)
        } throws: { error in
            guard case let GenCoreError.shapeMismatch(name, expected, actual, _) = error else { return false }
            return name == "model.layers.0.mlp.gate_proj.weight" && expected == [48, 32] && actual == [64, 32]
        }
    }

    @Test func malformedConfig() throws {
        let directory = try scratchCopy(of: "gpt2")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("{\"model_type\": \"gpt2\", \"n_head\": ".utf8).write(to: directory.appendingPathComponent("config.json"))
        #expect(throws: TextModelsError.self) { try LanguageModelLoading.load(directory: directory) }
    }

    @Test func stopStringsNeedADecoder() throws {
        let model = try ModelParityTests.load("gpt2")
        var parameters = GenerationParameters()
        parameters.stopStrings = ["x"]
        #expect(throws: TextModelsError.self) { try model.generate(prompt: [1, 2], parameters: parameters) }
    }
}
