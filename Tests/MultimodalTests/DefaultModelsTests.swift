import Foundation
import GenCore
import Testing
@testable import Multimodal

/// The models bundled under Examples/DefaultModels, on the first 10 held-out scenes of Tools/scenes/evaluate.py
/// (never seen in training). `expected` is what transformers generated for each (float32, greedy, PIL-backend
/// image processors); `caption`/`answer` are the scene's true text. GenKit must say exactly what transformers
/// says. The accuracy against the true text is measured by the script over 200 scenes (and recorded in
/// Examples/DefaultModels/README.md); it is a property of the trained weights, not of this package.
struct DefaultModelsTests {
    static let fixture = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("DefaultModels")
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/DefaultModels")

    struct Expected: Decodable {
        struct Question: Decodable { let question: String, answer: String, expected: String }
        struct Case: Decodable {
            let image: String
            let caption: String
            let expectedCaption: String
            let questions: [Question]
            enum CodingKeys: String, CodingKey {
                case image, caption, questions
                case expectedCaption = "expected_caption"
            }
        }
        let cases: [Case]
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixture.appendingPathComponent("expected.json")))
    }

    @Test func captionerSaysWhatTransformersSays() throws {
        let model = try VisionLanguageModel(modelDirectory: Self.models.appendingPathComponent("captioner").path)
        let cases = try Self.expected().cases
        #expect(cases.count == 10)
        for testCase in cases {
            let image = try Image(contentsOfFile: Self.fixture.appendingPathComponent(testCase.image).path)
            let caption = try model.caption(image).trimmingCharacters(in: .whitespaces)
            #expect(caption == testCase.expectedCaption, "\(testCase.image)")
        }
    }

    @Test func vqaModelAnswersWhatTransformersAnswers() throws {
        let model = try VisionLanguageModel(modelDirectory: Self.models.appendingPathComponent("vqa").path)
        #expect(model.answersQuestions)
        var total = 0
        for testCase in try Self.expected().cases {
            let image = try Image(contentsOfFile: Self.fixture.appendingPathComponent(testCase.image).path)
            for question in testCase.questions {
                let answer = try model.answer(question.question, about: image).trimmingCharacters(in: .whitespaces)
                #expect(answer == question.expected, "\(testCase.image): \(question.question)")
                total += 1
            }
        }
        #expect(total >= 30)
    }
}
