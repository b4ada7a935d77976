// swift run vqa IMAGE --question "…" [--model DIR] [--max-new-tokens N] [--json]
// swift run vqa --batch JOBS.jsonl [--model DIR] [--json]
// Streams a LLaVA model's answer to a question about the image; --json prints ids, text and timings instead.
import ArgumentParser
import ExampleSupport
import Foundation
import GenCore

@main
struct VQA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vqa", abstract: "Answer a question about an image with a LLaVA model folder.")

    @Argument(help: "A JPEG or PNG file.")
    var image: String?

    @Option(help: "The question to ask about the image.")
    var question: String?

    @Option(help: "A JSON Lines file of {\"image\": …, \"question\": …} objects, answered in order with one model load.")
    var batch: String?

    @Option(help: "Hugging Face LLaVA model folder (default: Examples/DefaultModels/vqa).")
    var model: String?

    @Option(help: "Most tokens to generate (default: the model's generation_config.json).")
    var maxNewTokens: Int?

    @Flag(help: "Print one JSON object per answer (token_ids, text, timings) instead of streaming it.")
    var json = false

    @Option(help: "Precision of products with bfloat16 weights: float32 (exact, as transformers computes in float32) or bfloat16 (inputs rounded to bf16, as PyTorch computes a bf16 model; about twice as fast on CPUs with AVX512_BF16).")
    var matmulPrecision: MatmulPrecision = .float32

    func validate() throws {
        guard (image != nil && question != nil) != (batch != nil) else {
            throw ValidationError("give either IMAGE with --question, or --batch FILE")
        }
    }

    mutating func run() async throws {
        do {
            let folder = try BundledModels(filePath: #filePath).folder(model, defaultName: "vqa")
            let jobs = try batch.map(VisionLanguageJob.read(batchFile:))
                ?? [VisionLanguageJob(image: image ?? "", question: question)]
            try await MatmulPrecision.$current.withValue(matmulPrecision) {
                try await runVisionLanguageJobs(jobs, modelFolder: folder, maxNewTokens: maxNewTokens, json: json)
            }
        } catch {
            reportFailure(error, program: "vqa")
            throw ExitCode.failure
        }
    }
}

/// `--matmul-precision float32|bfloat16`.
extension MatmulPrecision: ExpressibleByArgument {}
