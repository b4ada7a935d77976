import Foundation
import GenCore
import Testing
import TextModels
@testable import Multimodal

/// The whole path, JPEG file → ImageProcessor → encoder → prompt → greedy decoding, against transformers with its
/// PIL-backend image processors on the same JPEGs (Tools/make_multimodal_fixtures.py).
struct VisionLanguageModelTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    /// The photos live with the image-codec fixtures; the reference decoded the same files with PIL.
    static let photos = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GenCoreTests/Fixtures/Images")
    static let photoNames = ["chelsea", "astronaut", "coffee"]

    struct Expected: Decodable {
        struct Case: Decodable {
            let question: String?
            let promptIDs: [Int]?
            let generatedIDs: [Int]
            enum CodingKeys: String, CodingKey { case question, promptIDs = "prompt_ids", generatedIDs = "generated_ids" }
        }
        let cases: [Case]
    }

    /// Greedy for exactly the reference's length (it ran with min_new_tokens = max_new_tokens, so no eos stop).
    static func parameters(_ count: Int) -> GenerationParameters {
        var parameters = GenerationParameters()
        parameters.maxNewTokens = count
        parameters.eosTokenIDs = [-1]
        return parameters
    }

    @Test(arguments: ["llava", "llava-full-last", "llava-multi-layer", "vit-gpt2"])
    func endToEndFromJPEGMatchesTransformers(fixture: String) throws {
        let folder = Self.fixtures.appendingPathComponent("Models/\(fixture)")
        let model = try VisionLanguageModel(modelDirectory: folder.path)
        #expect(model.answersQuestions == fixture.hasPrefix("llava"))
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        let reference = try SafetensorsFile(path: folder.appendingPathComponent("expected.safetensors").path)
        #expect(expected.cases.count == Self.photoNames.count)
        for (i, testCase) in expected.cases.enumerated() {
            let image = try Image(contentsOfFile: Self.photos.appendingPathComponent("\(Self.photoNames[i]).jpg").path)
            // Preprocessing: PIL-exact resize, so only float rounding separates the pixel values.
            let pixels = try model.imageProcessor.preprocess([image]).floats
            let want = try reference.tensor("pixel_values.\(i)").floats
            #expect(pixels.count == want.count)
            let worstPixel = zip(pixels, want).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worstPixel <= 1e-5, "\(fixture) case \(i): max |Δpixel| \(worstPixel)")

            let request = try model.prepare(image: image, question: testCase.question)
            if let promptIDs = testCase.promptIDs { #expect(request.prompt == promptIDs, "\(fixture) case \(i)") }
            let output = try model.generate(image: image, question: testCase.question,
                                            parameters: Self.parameters(testCase.generatedIDs.count))
            #expect(output.tokenIDs == testCase.generatedIDs, "\(fixture) case \(i)")
            #expect(output.timings.decodeSteps == testCase.generatedIDs.count - 1)
        }
    }

    @Test func streamingGivesTheSameText() async throws {
        let folder = Self.fixtures.appendingPathComponent("Models/llava")
        let model = try VisionLanguageModel(modelDirectory: folder.path)
        let image = try Image(contentsOfFile: Self.photos.appendingPathComponent("coffee.jpg").path)
        let parameters = Self.parameters(8)
        let whole = try model.answer("where is the cup?", about: image, parameters: parameters)
        var streamed = ""
        for try await piece in model.answerStream("where is the cup?", about: image, parameters: parameters) { streamed += piece }
        #expect(streamed == whole)
        #expect(!whole.isEmpty)
    }

    @Test func captionerRejectsQuestions() async throws {
        let model = try VisionLanguageModel(modelDirectory: Self.fixtures.appendingPathComponent("Models/vit-gpt2").path)
        let image = try Image(width: 8, height: 8, channels: 3, pixels: Array(repeating: 128, count: 192))
        #expect(throws: MultimodalError.questionsNotSupported(modelType: "vision-encoder-decoder")) {
            _ = try model.answer("what is this?", about: image)
        }
        // The streaming variant reports the same error through the stream.
        await #expect(throws: MultimodalError.questionsNotSupported(modelType: "vision-encoder-decoder")) {
            for try await _ in model.answerStream("what is this?", about: image) {}
        }
    }

    @Test func folderProblemsAreTypedErrors() throws {
        #expect(throws: MultimodalError.self) { _ = try VisionLanguageModel(modelDirectory: "/nonexistent/model") }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("vlm-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: MultimodalError.missingFile(path: empty.appendingPathComponent("config.json").path,
                                                    purpose: "the model configuration")) {
            _ = try VisionLanguageModel(modelDirectory: empty.path)
        }
        try Data(#"{"model_type": "git"}"#.utf8).write(to: empty.appendingPathComponent("config.json"))
        #expect(throws: MultimodalError.unsupportedArchitecture(modelType: "git", supported: VisionLanguageModel.supportedModelTypes)) {
            _ = try VisionLanguageModel(modelDirectory: empty.path)
        }
    }
}
