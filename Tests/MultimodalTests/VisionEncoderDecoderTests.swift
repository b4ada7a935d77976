import Foundation
import GenCore
import Testing
import TextModels
@testable import Multimodal

/// Parity with transformers' `VisionEncoderDecoderModel.generate` (greedy) on the tiny random vit-gpt2 fixture made by
/// Tools/make_multimodal_fixtures.py: the same ids, and every step's logits within 1e-4 × max|logit|.
struct VisionEncoderDecoderTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    static let folder = fixtures.appendingPathComponent("Models/vit-gpt2")

    struct Expected: Decodable {
        struct Case: Decodable {
            let generatedIDs: [Int]
            enum CodingKeys: String, CodingKey { case generatedIDs = "generated_ids" }
        }
        let cases: [Case]
    }

    @Test func greedyCaptionsMatchTransformers() throws {
        let model = try VisionEncoderDecoderModel.load(directory: Self.folder.path)
        #expect(model.decoderStartTokenID == 0)
        let expected = try JSONDecoder().decode(
            Expected.self, from: Data(contentsOf: Self.folder.appendingPathComponent("expected.json")))
        let reference = try SafetensorsFile(path: Self.folder.appendingPathComponent("expected.safetensors").path)
        for (i, testCase) in expected.cases.enumerated() {
            let pixels = try reference.tensor("pixel_values.\(i)").unsqueezed(0)
            let decoder = model.decoder(for: try model.encode(pixelValues: pixels))
            var parameters = GenerationParameters()
            parameters.maxNewTokens = testCase.generatedIDs.count
            parameters.eosTokenIDs = [-1]  // the reference ran its full length (no eos in its output)
            let output = try decoder.generate(prompt: [model.decoderStartTokenID], parameters: parameters)
            #expect(output.tokens == testCase.generatedIDs, "case \(i)")

            // Teacher-forced logits of every step along the reference ids.
            var cache = try decoder.makeCache(capacity: testCase.generatedIDs.count)
            let inputs = [model.decoderStartTokenID] + testCase.generatedIDs.dropLast()
            let logits = try decoder.forward(tokens: inputs, cache: &cache, logits: .all).floats
            let want = try reference.tensor("logits.\(i)").floats
            #expect(logits.count == want.count)
            let scale = want.map(abs).max() ?? 1
            let worst = zip(logits, want).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-4 * scale, "case \(i): max |Δlogit| \(worst) vs max |logit| \(scale)")
        }
    }

    @Test func rejectsAModelWithoutCrossAttention() throws {
        let config = try ModelConfigFile(data: Data(#"{"model_type": "llava"}"#.utf8))
        #expect(throws: MultimodalError.self) {
            _ = try VisionEncoderDecoderModel(config: config, weights: RandomWeightSource())
        }
    }
}
