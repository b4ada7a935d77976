import Foundation
import GenCore
import Testing
import TextModels
import VisionEncoder
@testable import Multimodal

/// Parity of BLIP captioning with transformers 5.23 (`BlipForConditionalGeneration.generate`, greedy, with and
/// without the text prefix "a picture of") on the tiny random-weight model made by Tools/make_blip_fixtures.py from
/// the real photos: vision embeddings within 1e-4 relative, the logits of every generated position within
/// 1e-4 × max|logit|, identical generated ids, and the same decoded captions.
@Suite struct BlipTests {
    static let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("Models/blip")
    /// The photos live with the image-codec fixtures; the reference decoded the same files with PIL.
    static let photos = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GenCoreTests/Fixtures/Images")

    struct Expected: Decodable {
        struct Case: Decodable {
            let photo: String
            let text: String?
            let prompt_ids: [Int]
            let generated_ids: [Int]
            let caption: String
        }
        let cases: [Case]
    }

    static func expected() throws -> (Expected, SafetensorsFile) {
        let cases = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        return (cases, try SafetensorsFile(path: folder.appendingPathComponent("expected.safetensors").path))
    }

    /// Greedy with the reference's max_new_tokens, stopping at the model's [SEP] as the reference did.
    static var parameters: GenerationParameters {
        var parameters = GenerationParameters()
        parameters.maxNewTokens = 12
        return parameters
    }

    /// Largest |a − b| relative to max |b|.
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count, !b.isEmpty else { return .infinity }
        let scale = b.map(abs).max() ?? 1
        return (zip(a, b).map { abs($0 - $1) }.max() ?? .infinity) / scale
    }

    @Test func greedyCaptionsMatchTransformers() throws {
        let model = try BlipForConditionalGeneration.load(directory: Self.folder.path)
        let tokenizer = try Tokenizer(contentsOf: Self.folder.appendingPathComponent("tokenizer.json"))
        let (expected, reference) = try Self.expected()
        #expect(expected.cases.count == 6)
        // At least one caption ends at [SEP] (id 3) before the limit, so the stop is compared too.
        #expect(expected.cases.contains { $0.generated_ids.last == 3 && $0.generated_ids.count < 12 })
        for (i, c) in expected.cases.enumerated() {
            let label = "\(c.photo) \(c.text ?? "unconditional")"
            let prompt = try model.promptIDs(prefix: c.text, tokenizer: tokenizer)
            #expect(prompt == c.prompt_ids, "\(label)")
            let decoder = model.decoder(for: try model.encode(pixelValues: try reference.tensor("pixel_values.\(i)").unsqueezed(0)))
            let output = try decoder.generate(prompt: prompt, parameters: Self.parameters)
            #expect(output.tokens == c.generated_ids, "\(label)")

            // Teacher-forced along the reference ids: the rows that predicted each generated token.
            var cache = try decoder.makeCache(capacity: prompt.count + c.generated_ids.count)
            let logits = try decoder.forward(tokens: prompt + c.generated_ids.dropLast(), cache: &cache, logits: .all)
            let generatedRows = logits.sliced(axis: 0, (prompt.count - 1)..<logits.shape[0]).contiguous().floats
            let error = Self.relativeError(generatedRows, try reference.tensor("logits.\(i)").floats)
            #expect(error <= 1e-4, "\(label): max |Δlogit| / max |logit| = \(error)")
        }
    }

    @Test func visionEncoderMatchesTransformers() throws {
        let (expected, reference) = try Self.expected()
        // Through the generic loader: a BLIP folder's image tower as an ImageEncoder.
        let encoder = try VisionModelLoader.load(directory: Self.folder.path)
        #expect(encoder is BlipVisionModel)
        for i in expected.cases.indices {
            let output = try encoder.encode(pixelValues: try reference.tensor("pixel_values.\(i)").unsqueezed(0),
                                            outputHiddenStates: true)
            #expect(output.hiddenStates.count == 3)
            let embeds = Self.relativeError(output.lastHiddenState.floats, try reference.tensor("image_embeds.\(i)").floats)
            #expect(embeds <= 1e-4, "case \(i): image_embeds relative error \(embeds)")
            let pooled = Self.relativeError(output.pooledOutput?.floats ?? [], try reference.tensor("pooler_output.\(i)").floats)
            #expect(pooled <= 1e-4, "case \(i): pooler_output relative error \(pooled)")
        }
    }

    @Test func endToEndFromJPEGMatchesTransformers() throws {
        let model = try VisionLanguageModel(modelDirectory: Self.folder.path)
        #expect(!model.answersQuestions && model.continuesCaptionPrefixes)
        // generation_config.json says eos_token_id 2, but BLIP's generate stops at [SEP].
        #expect(model.defaultParameters.eosTokenIDs == [3])
        let (expected, reference) = try Self.expected()
        for (i, c) in expected.cases.enumerated() {
            let label = "\(c.photo) \(c.text ?? "unconditional")"
            let image = try Image(contentsOfFile: Self.photos.appendingPathComponent("\(c.photo).jpg").path)
            // Preprocessing: PIL-exact bicubic resize, so only float rounding separates the pixel values.
            let pixels = try model.imageProcessor.preprocess([image]).floats
            let want = try reference.tensor("pixel_values.\(i)").floats
            #expect(pixels.count == want.count)
            #expect((zip(pixels, want).map { abs($0 - $1) }.max() ?? .infinity) <= 1e-5, "\(label)")

            var parameters = model.defaultParameters
            parameters.maxNewTokens = 12
            let output = try model.generate(image: image, question: nil, captionPrefix: c.text, parameters: parameters)
            #expect(output.tokenIDs == c.generated_ids, "\(label)")
            // transformers decodes the whole sequence ([DEC], prefix, caption) skipping special tokens.
            let caption = try c.text.map { try model.caption(image, prefix: $0, parameters: parameters) } ?? output.text
            #expect(caption == c.caption, "\(label)")
        }
    }

    @Test func streamingGivesTheSameCaption() async throws {
        let model = try VisionLanguageModel(modelDirectory: Self.folder.path)
        let image = try Image(contentsOfFile: Self.photos.appendingPathComponent("astronaut.jpg").path)
        var parameters = model.defaultParameters
        parameters.maxNewTokens = 12
        let whole = try model.caption(image, parameters: parameters)
        var streamed = ""
        for try await piece in model.captionStream(image, parameters: parameters) { streamed += piece }
        #expect(streamed == whole)
        #expect(!whole.isEmpty)
    }

    /// Our config defaults against `BlipConfig()` as transformers 5.23 saves it (Fixtures/Configs).
    @Test func configDefaultsMatchTransformers() throws {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
            .appendingPathComponent("Configs/blip_default_config.json")
        let saved = try ModelConfigFile(path: url.path)
        let empty = try ModelConfigFile(data: Data(#"{"model_type": "blip", "text_config": {}, "vision_config": {}}"#.utf8))
        #expect(try saved.decode(BlipTextConfig.self, nestedIn: "text_config") == BlipTextConfig())
        #expect(try empty.decode(BlipTextConfig.self, nestedIn: "text_config") == BlipTextConfig())
        #expect(try saved.decode(BlipVisionConfig.self, nestedIn: "vision_config").encoder == BlipVisionConfig().encoder)
        #expect(BlipTextConfig().numAttentionHeads == 8 && BlipVisionConfig().imageSize == 384)
    }

    @Test func captionerRejectsQuestionsAndOtherBlipHeads() throws {
        let model = try VisionLanguageModel(modelDirectory: Self.folder.path)
        let image = try Image(width: 8, height: 8, channels: 3, pixels: Array(repeating: 128, count: 192))
        #expect(throws: MultimodalError.questionsNotSupported(modelType: "blip")) {
            _ = try model.answer("what is this?", about: image)
        }
        let message = MultimodalError.questionsNotSupported(modelType: "blip").errorDescription ?? ""
        #expect(message.contains("BlipForQuestionAnswering"))

        let vqa = try ModelConfigFile(data: Data(#"{"model_type": "blip", "architectures": ["BlipForQuestionAnswering"]}"#.utf8))
        #expect(throws: MultimodalError.self) {
            _ = try BlipForConditionalGeneration(config: vqa, weights: RandomWeightSource())
        }
        let vit = try VisionLanguageModel(modelDirectory: Self.folder.deletingLastPathComponent().appendingPathComponent("vit-gpt2").path)
        #expect(throws: MultimodalError.promptPrefixNotSupported(modelType: "vision-encoder-decoder")) {
            _ = try vit.caption(image, prefix: "a picture of")
        }
    }

    @Test func badConfigurationsAreTypedErrors() throws {
        func config(text: String, vision: String = "{}") throws -> ModelConfigFile {
            try ModelConfigFile(data: Data(#"{"model_type": "blip", "text_config": \#(text), "vision_config": \#(vision)}"#.utf8))
        }
        let small = #"{"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1, "num_attention_heads": 4, "image_size": 32, "patch_size": 8}"#
        // 30 is not a multiple of 4 heads.
        #expect(throws: MultimodalError.self) {
            _ = try BlipForConditionalGeneration(
                config: config(text: #"{"hidden_size": 30, "num_attention_heads": 4, "vocab_size": 10}"#, vision: small),
                weights: RandomWeightSource())
        }
        // [DEC] must be inside the vocabulary.
        #expect(throws: MultimodalError.self) {
            _ = try BlipForConditionalGeneration(
                config: config(text: #"{"hidden_size": 8, "num_attention_heads": 2, "vocab_size": 10, "bos_token_id": 10}"#, vision: small),
                weights: RandomWeightSource())
        }
        // The vision tower's image size must be a multiple of its patch size.
        #expect(throws: VisionEncoderError.self) {
            _ = try BlipForConditionalGeneration(
                config: config(text: "{}", vision: #"{"image_size": 30, "patch_size": 8}"#), weights: RandomWeightSource())
        }
        // A checkpoint without the text decoder's tensors names the first one missing.
        let weights = try SafetensorsCheckpoint(directory: Self.folder.path)
        let renamed = RenamedWeightSource(weights) { $0.replacingOccurrences(of: "cls.predictions.transform", with: "missing") }
        #expect(throws: GenCoreError.self) {
            _ = try BlipForConditionalGeneration(config: ModelConfigFile(path: Self.folder.appendingPathComponent("config.json").path),
                                                 weights: renamed)
        }
        // Token ids outside the vocabulary.
        let model = try BlipForConditionalGeneration.load(directory: Self.folder.path)
        let decoder = model.decoder(for: try model.encode(pixelValues: Tensor(zeros: [1, 3, 32, 32])))
        #expect(throws: TextModelsError.self) { _ = try decoder.generate(prompt: [model.textDecoder.vocabularySize]) }
        #expect(throws: GenCoreError.self) { _ = try model.encode(pixelValues: Tensor(zeros: [2, 3, 32, 32])) }
        // The decoder alone has no image to attend to.
        var cache = try model.textDecoder.makeCache(capacity: 4)
        #expect(throws: GenCoreError.self) { _ = try model.textDecoder.forward(tokens: [1], cache: &cache) }
        // Image embeddings of the wrong width.
        #expect(throws: GenCoreError.self) { _ = try model.textDecoder.crossAttentionCache(imageEmbeds: Tensor(zeros: [17, 24])) }
    }
}
