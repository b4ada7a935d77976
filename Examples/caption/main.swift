// swift run caption IMAGE [--model DIR] [--max-new-tokens N] [--json]
// Streams a caption of the image; --json prints the token ids, text and timings instead.
import ArgumentParser
import Foundation
import GenCore
import Multimodal

@main
struct Caption: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Caption an image with a vision-encoder-decoder (ViT-GPT-2) or LLaVA model folder.")

    @Argument(help: "A JPEG or PNG file.")
    var image: String

    @Option(help: "Hugging Face model folder (default: Examples/DefaultModels/captioner).")
    var model: String?

    @Option(help: "Most tokens to generate (default: the model's generation_config.json).")
    var maxNewTokens: Int?

    @Flag(help: "Print one JSON object (token_ids, text, timings) instead of streaming text.")
    var json = false

    mutating func run() async throws {
        do {
            let folder = try model ?? VisionLanguageModel.bundledExampleModel("captioner", examplesFolder: Self.examplesFolder)
            try await VisionLanguageModel.runExample(
                imagePath: image, modelFolder: folder, question: nil, maxNewTokens: maxNewTokens, json: json)
        } catch {
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            FileHandle.standardError.write(Data("caption: \(message)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// Examples/, found from this file's path so that `swift run` works from any directory.
    static let examplesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
}
