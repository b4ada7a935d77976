import Foundation
import GenCore
import Testing
import TextModels
@testable import Multimodal

/// `LlavaProcessor` against transformers' `LlavaProcessor.apply_chat_template` + `__call__` on the tiny llava
/// fixtures (Tools/make_multimodal_fixtures.py): the prompt text and prompt ids must be identical.
struct LlavaProcessorTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    struct Expected: Decodable {
        struct Case: Decodable {
            let question: String
            let prompt: String
            let promptIDs: [Int]
            enum CodingKeys: String, CodingKey { case question, prompt, promptIDs = "prompt_ids" }
        }
        let cases: [Case]
    }

    @Test(arguments: ["llava", "llava-full-last", "llava-multi-layer"])
    func promptsMatchTransformers(fixture: String) throws {
        let folder = Self.fixtures.appendingPathComponent("Models/\(fixture)")
        let model = try LlavaForConditionalGeneration.load(directory: folder.path)
        let processor = try LlavaProcessor(modelDirectory: folder.path, model: model)
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        #expect(!expected.cases.isEmpty)
        let side = model.visionTower.imageSize
        // The processor's count must be what the model's features fill.
        #expect(processor.imageTokenCount(height: side.height, width: side.width) == model.imageFeatureCount)
        for testCase in expected.cases {
            let prompt = try processor.prompt(question: testCase.question)
            #expect(prompt == testCase.prompt)
            #expect(processor.tokenize(prompt: prompt, imageHeight: side.height, imageWidth: side.width) == testCase.promptIDs)
        }
    }

    @Test func tokenCountFollowsTheStrategy() throws {
        let folder = Self.fixtures.appendingPathComponent("Models/llava")
        let model = try LlavaForConditionalGeneration.load(directory: folder.path)
        let base = try LlavaProcessor(modelDirectory: folder.path, model: model)
        let full = LlavaProcessor(tokenizer: base.tokenizer, chatTemplate: base.chatTemplate, patchSize: 14,
                                  numAdditionalImageTokens: 1, visionFeatureSelectStrategy: "full")
        let defaultStrategy = LlavaProcessor(tokenizer: base.tokenizer, chatTemplate: base.chatTemplate, patchSize: 14)
        // llava-1.5 at 336 px: 24·24 patches, plus the class token only with "full".
        #expect(full.imageTokenCount(height: 336, width: 336) == 577)
        #expect(defaultStrategy.imageTokenCount(height: 336, width: 336) == 576)
    }

    /// Older llava-hf folders have no patch_size / num_additional_image_tokens / strategy in processor_config.json:
    /// the model's own values must still give one image token per feature.
    @Test func folderWithoutProcessorSettingsFallsBackToTheModel() throws {
        let source = Self.fixtures.appendingPathComponent("Models/llava")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("llava-legacy-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let configURL = folder.appendingPathComponent("processor_config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        for key in ["patch_size", "num_additional_image_tokens", "vision_feature_select_strategy"] { config[key] = nil }
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)

        let model = try LlavaForConditionalGeneration.load(directory: folder.path)
        let processor = try LlavaProcessor(modelDirectory: folder.path, model: model)
        let side = model.visionTower.imageSize
        #expect(processor.imageTokenCount(height: side.height, width: side.width) == model.imageFeatureCount)
    }
}
