// swift run vqa IMAGE --question "…" [--model DIR] [--max-new-tokens N] [--json]
// Streams a LLaVA model's answer to a question about the image; --json prints ids, text and timings instead.
import ArgumentParser
import Foundation
import GenCore
import Multimodal

@main
struct VQA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vqa", abstract: "Answer a question about an image with a LLaVA model folder.")

    @Argument(help: "A JPEG or PNG file.")
    var image: String

    @Option(help: "The question to ask about the image.")
    var question: String

    @Option(help: "Hugging Face model folder (default: Examples/DefaultModels/vqa).")
    var model: String?

    @Option(help: "Most tokens to generate (default: the model's generation_config.json).")
    var maxNewTokens: Int?

    @Flag(help: "Print one JSON object (token_ids, text, timings) instead of streaming text.")
    var json = false

    mutating func run() async throws {
        do {
            let folder = try model ?? VisionLanguageModel.bundledExampleModel("vqa", examplesFolder: Self.examplesFolder)
            try await VisionLanguageModel.runExample(
                imagePath: image, modelFolder: folder, question: question, maxNewTokens: maxNewTokens, json: json)
        } catch {
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            FileHandle.standardError.write(Data("vqa: \(message)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// Examples/, found from this file's path so that `swift run` works from any directory.
    static let examplesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
}
