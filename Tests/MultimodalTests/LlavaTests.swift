import Foundation
import GenCore
import Testing
import TextModels
@testable import Multimodal

/// Parity of LLaVA with transformers 5.23 (`LlavaForConditionalGeneration.generate`, greedy) on tiny random-weight
/// models made by Tools/make_multimodal_fixtures.py from the real photos: the logits of every generated position
/// within 1e-4 × max|logit| and identical generated ids.
@Suite struct LlavaTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("Models")

    struct Expected: Decodable {
        struct Case: Decodable {
            let prompt_ids: [Int]
            let generated_ids: [Int]
        }
        let cases: [Case]
    }

    @Test(arguments: ["llava", "llava-full-last", "llava-multi-layer"]) func greedyGenerationMatchesTransformers(_ name: String) throws {
        let dir = Self.fixtures.appendingPathComponent(name)
        let model = try LlavaForConditionalGeneration.load(directory: dir.path)
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent("expected.json")))
        let tensors = try SafetensorsFile(path: dir.appendingPathComponent("expected.safetensors").path)
        for (i, c) in expected.cases.enumerated() {
            let pixels = try tensors.tensor("pixel_values.\(i)").unsqueezed(0)
            let features = try model.imageFeatures(pixelValues: pixels)
            let embeddings = try model.promptEmbeddings(tokens: c.prompt_ids, imageFeatures: features)

            // Step by step with the cache, comparing each position's logits with transformers'.
            let reference = try tensors.tensor("logits.\(i)")
            var cache = try model.languageModel.makeCache(capacity: c.prompt_ids.count + c.generated_ids.count)
            var logits = try model.languageModel.forward(embeddings: embeddings, cache: &cache, logits: .last)
            for (step, token) in c.generated_ids.enumerated() {
                let ours = logits.floats, theirs = reference.selecting(axis: 0, step).floats
                let scale = theirs.map(abs).max() ?? 1
                let diff = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
                #expect(diff <= 1e-4 * scale, "case \(i) step \(step): max diff \(diff), scale \(scale)")
                #expect(argmax(logits).first == token, "case \(i) step \(step)")
                logits = try model.languageModel.forward(tokens: [token], cache: &cache, logits: .last)
            }

            // And through the generation API.
            var parameters = GenerationParameters()
            parameters.maxNewTokens = c.generated_ids.count
            parameters.eosTokenIDs = [-1]
            let output = try model.languageModel.generate(prompt: c.prompt_ids, promptEmbeddings: embeddings, parameters: parameters)
            #expect(output.tokens == c.generated_ids)
        }
    }

    /// A `vision_feature_layer` the tower does not have is refused when the model loads, not at the first image.
    @Test(arguments: [-5, 4, 99]) func visionFeatureLayerOutsideTheTowerIsRefused(_ layer: Int) throws {
        let source = Self.fixtures.appendingPathComponent("llava")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("llava-layer-\(layer)-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let configURL = dir.appendingPathComponent("config.json")
        let config = try String(contentsOf: configURL, encoding: .utf8)
        #expect(config.contains(#""vision_feature_layer": -2"#))
        try config.replacingOccurrences(of: #""vision_feature_layer": -2"#, with: #""vision_feature_layer": \#(layer)"#)
            .write(to: configURL, atomically: true, encoding: .utf8)
        #expect(throws: MultimodalError.self) { _ = try LlavaForConditionalGeneration.load(directory: dir.path) }
    }

    @Test func imageTokenCountMustMatchFeatures() throws {
        let model = try LlavaForConditionalGeneration.load(directory: Self.fixtures.appendingPathComponent("llava").path)
        let features = Tensor(zeros: [model.imageFeatureCount, model.languageModel.hiddenSize])
        #expect(throws: MultimodalError.imageTokenMismatch(imageTokens: 1, imageFeatures: model.imageFeatureCount)) {
            _ = try model.promptEmbeddings(tokens: [5, model.config.imageTokenID, 6], imageFeatures: features)
        }
    }
}
