import Foundation
import GenCore
import Testing

@testable import TextModels

/// Fixtures written by Tools/make_clip_text_fixtures.py (transformers 5.23 `CLIPTokenizer`, `CLIPTextModel`,
/// `CLIPTextModelWithProjection`).
enum CLIPTextFixtures {
    static var root: URL {
        get throws {
            try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("CLIPText")
        }
    }

    static func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: root.appendingPathComponent(name)))
    }

    static func array(_ name: String) throws -> Tensor {
        try NumpyArray.read(contentsOf: root.appendingPathComponent(name).path)
    }
}

/// Largest |a − b| over all elements, and largest |b|.
func maxDifference(_ a: Tensor, _ b: Tensor) -> (diff: Float, scale: Float) {
    let x = a.contiguous().converted(to: .float32), y = b.contiguous().converted(to: .float32)
    var diff: Float = 0, scale: Float = 0
    x.withUnsafeBufferPointer(as: Float.self) { p in
        y.withUnsafeBufferPointer(as: Float.self) { q in
            for i in p.indices {
                diff = max(diff, abs(p[i] - q[i]))
                scale = max(scale, abs(q[i]))
            }
        }
    }
    return (diff, scale)
}

@Suite("CLIP tokenizer padding and truncation")
struct CLIPTokenizerTests {
    /// Reference: transformers' CLIPTokenizer, `tokenizer(s, padding="max_length", max_length=77, truncation=True)`,
    /// on ~106 strings (empty, > 77 tokens, special-token text, non-Latin scripts, emoji). Exact equality.
    @Test("ids equal transformers' for every string", arguments: ["tokenizer_fast", "tokenizer_slow_sd1", "tokenizer_slow_sd2"])
    func paddedIDsMatchReference(folder: String) throws {
        let strings = try CLIPTextFixtures.json("tokenizer_strings.json", as: [String].self)
        let expected = try CLIPTextFixtures.json("expected_tokens_\(folder).json", as: [[Int]].self)
        let tokenizer = try CLIPTokenizer(directory: CLIPTextFixtures.root.appendingPathComponent(folder))
        #expect(tokenizer.modelMaxLength == 77)
        #expect(strings.count == expected.count && strings.count > 100)
        for (string, ids) in zip(strings, expected) {
            #expect(tokenizer.encodePadded(string) == ids, "\(string.debugDescription)")
        }
    }

    @Test("SD 2.x pad token '!' is id 0 and long prompts keep EOS last")
    func padAndTruncation() throws {
        let sd2 = try CLIPTokenizer(directory: CLIPTextFixtures.root.appendingPathComponent("tokenizer_slow_sd2"))
        #expect(sd2.padTokenID == 0)
        let ids = sd2.encodePadded(String(repeating: "astronaut ", count: 200))
        #expect(ids.count == 77 && ids.first == sd2.bosTokenID && ids.last == sd2.eosTokenID)
        #expect(sd2.encodePadded("") == [sd2.bosTokenID, sd2.eosTokenID] + Array(repeating: 0, count: 75))
    }

    @Test("a folder without tokenizer files is a typed error naming it")
    func missingFiles() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("clip-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: TextModelsError.invalidTokenizer(
            path: empty.path, reason: "no tokenizer.json, nor vocab.json and merges.txt, in the folder")) {
            try CLIPTokenizer(directory: empty)
        }
        let bad = empty.appendingPathComponent("tokenizer_config.json")
        try Data(#"{"pad_token": 3}"#.utf8).write(to: bad)
        #expect(throws: TextModelsError.self) { try CLIPTokenizer(directory: empty) }
    }
}

@Suite("CLIPTextModel parity")
struct CLIPTextModelTests {
    /// Reference: transformers 5.23 on the same ids; tolerance 1e-4 × max|expected| on last_hidden_state,
    /// hidden_states[-2] and the pooled output (`text_embeds` for the projection model).
    @Test("outputs match transformers", arguments: ["text_encoder_quick_gelu", "text_encoder_gelu_f16"])
    func matchesReference(name: String) throws {
        let model = try CLIPTextModel(directory: CLIPTextFixtures.root.appendingPathComponent(name))
        let idsTensor = try CLIPTextFixtures.array("\(name)_input_ids.npy")
        let ids: [[Int]] = idsTensor.withUnsafeBufferPointer(as: Float.self) { p in
            (0..<idsTensor.shape[0]).map { r in (0..<idsTensor.shape[1]).map { Int(p[r * idsTensor.shape[1] + $0]) } }
        }
        let out = try model(inputIDs: ids, outputHiddenStates: true)
        #expect(out.hiddenStates.count == model.config.numHiddenLayers + 1)
        let pooled = try #require(name.contains("f16") ? out.textEmbeds : out.pooledOutput)
        for (actual, file) in [(out.lastHiddenState, "last_hidden_state"),
                               (out.hiddenStates[out.hiddenStates.count - 2], "penultimate"), (pooled, "pooled")] {
            let expected = try CLIPTextFixtures.array("\(name)_\(file).npy")
            #expect(actual.shape == expected.shape)
            let (diff, scale) = maxDifference(actual, expected)
            #expect(diff <= 1e-4 * scale, "\(name) \(file): max diff \(diff), max |expected| \(scale)")
        }
    }

    @Test("pooling position: legacy largest-id rule versus the first eos_token_id")
    func poolingPosition() throws {
        let legacy = try CLIPTextModel(directory: CLIPTextFixtures.root.appendingPathComponent("text_encoder_gelu_f16"))
        #expect(legacy.poolingPosition([490, 5, 491, 0, 491]) == 2)
        let modern = try CLIPTextModel(directory: CLIPTextFixtures.root.appendingPathComponent("text_encoder_quick_gelu"))
        #expect(modern.poolingPosition([490, 491, 491]) == 1)
        #expect(modern.poolingPosition([490, 5, 6]) == 0)
    }

    @Test("bad input and configurations are typed errors")
    func errors() throws {
        let model = try CLIPTextModel(directory: CLIPTextFixtures.root.appendingPathComponent("text_encoder_quick_gelu"))
        #expect(throws: TextModelsError.invalidTokenID(492, vocabularySize: 492)) { try model(inputIDs: [[490, 492]]) }
        #expect(throws: TextModelsError.contextOverflow(needed: 78, available: 77)) {
            try model(inputIDs: [Array(repeating: 1, count: 78)])
        }
        #expect(throws: TextModelsError.self) { try model(inputIDs: [[1, 2], [1]]) }
        #expect(throws: TextModelsError.self) { try model(inputIDs: []) }
        let weights = try SafetensorsCheckpoint(
            directory: CLIPTextFixtures.root.appendingPathComponent("text_encoder_quick_gelu").path)
        var config = model.config
        config.numAttentionHeads = 5
        #expect(throws: TextModelsError.self) { try CLIPTextModel(config: config, weights: weights) }
        config = model.config
        config.hiddenAct = "swiglu"
        #expect(throws: GenCoreError.self) { try CLIPTextModel(config: config, weights: weights) }
        config = model.config
        config.eosTokenID = [1, 2]
        #expect(throws: TextModelsError.self) { try CLIPTextModel(config: config, weights: weights) }
        config = model.config
        config.hiddenSize = 64
        config.numAttentionHeads = 4
        #expect(throws: GenCoreError.self) { try CLIPTextModel(config: config, weights: weights) }
    }
}
