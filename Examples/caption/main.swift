// swift run caption IMAGE... [--model DIR] [--prefix TEXT] [--max-new-tokens N] [--json]
// Streams a caption of each image; --json prints one line per image with the token ids, text and timings.
import ArgumentParser
import ExampleSupport
import Foundation
import GenCore

@main
struct Caption: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Caption images with a vision-encoder-decoder (ViT-GPT-2), BLIP or LLaVA model folder.")

    @Argument(help: "JPEG or PNG files; the model is loaded once for all of them.")
    var images: [String]

    @Option(help: "Hugging Face model folder (default: Examples/DefaultModels/captioner).")
    var model: String?

    @Option(help: "Text the caption continues, e.g. \"a picture of\" (BLIP captioners only).")
    var prefix: String?

    @Option(help: "Most tokens to generate (default: the model's generation_config.json).")
    var maxNewTokens: Int?

    @Flag(help: "Print one JSON object per image (token_ids, text, timings) instead of streaming the caption.")
    var json = false

    @Option(help: "Precision of products with bfloat16 weights: float32 (exact, as transformers computes in float32) or bfloat16 (inputs rounded to bf16, as PyTorch computes a bf16 model; about twice as fast on CPUs with AVX512_BF16).")
    var matmulPrecision: MatmulPrecision = .float32

    mutating func run() async throws {
        do {
            let folder = try BundledModels(filePath: #filePath).folder(model, defaultName: "captioner")
            try await MatmulPrecision.$current.withValue(matmulPrecision) {
                try await runVisionLanguageJobs(
                    images.map { VisionLanguageJob(image: $0, question: nil, captionPrefix: prefix) },
                    modelFolder: folder, maxNewTokens: maxNewTokens, json: json)
            }
        } catch {
            reportFailure(error, program: "caption")
            throw ExitCode.failure
        }
    }
}

/// `--matmul-precision float32|bfloat16`.
extension MatmulPrecision: ExpressibleByArgument {}
