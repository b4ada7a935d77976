// swift run vqa IMAGE --question "…" [--model DIR] [--max-new-tokens N] [--json]
// Streams a LLaVA model's answer to a question about the image; --json prints ids, text and timings instead.
import ArgumentParser
import Foundation
import Multimodal

@main
struct VQA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vqa", abstract: "Answer a question about an image with a LLaVA model folder.")

    @Argument(help: "A JPEG or PNG file.")
    var image: String

    @Option(help: "The question to ask about the image.")
    var question: String

    @Option(help: "Hugging Face LLaVA model folder (default: Examples/DefaultModels/vqa).")
    var model: String?

    @Option(help: "Most tokens to generate (default: the model's generation_config.json).")
    var maxNewTokens: Int?

    @Flag(help: "Print one JSON object (token_ids, text, timings) instead of streaming the answer.")
    var json = false

    mutating func run() async throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let succeeded = await VisionLanguageModel.runExample(
            program: "vqa", imagePath: image, modelFolder: model, defaultModelName: "vqa", examplesFolder: examples,
            question: question, maxNewTokens: maxNewTokens, json: json)
        if !succeeded { throw ExitCode.failure }
    }
}
