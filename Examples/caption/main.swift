// swift run caption IMAGE [--model DIR] [--prefix TEXT] [--max-new-tokens N] [--json]
// Streams a caption of the image; --json prints the token ids, text and timings instead.
import ArgumentParser
import Foundation
import Multimodal

@main
struct Caption: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Caption an image with a vision-encoder-decoder (ViT-GPT-2), BLIP or LLaVA model folder.")

    @Argument(help: "A JPEG or PNG file.")
    var image: String

    @Option(help: "Hugging Face model folder (default: Examples/DefaultModels/captioner).")
    var model: String?

    @Option(help: "Text the caption continues, e.g. \"a picture of\" (BLIP captioners only).")
    var prefix: String?

    @Option(help: "Most tokens to generate (default: the model's generation_config.json).")
    var maxNewTokens: Int?

    @Flag(help: "Print one JSON object (token_ids, text, timings) instead of streaming the caption.")
    var json = false

    mutating func run() async throws {
        // Examples/ is found from this file's path so that `swift run` works from any directory.
        let succeeded = await VisionLanguageModel.runExample(
            program: "caption", imagePath: image, modelFolder: model, defaultModelName: "captioner",
            examplesFolder: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent(),
            question: nil, captionPrefix: prefix, maxNewTokens: maxNewTokens, json: json)
        if !succeeded { throw ExitCode.failure }
    }
}
