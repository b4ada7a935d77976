import Foundation
import GenCore
import Testing

@testable import DiffusionModels

/// Pipeline folders, inputs and final images written by Tools/make_pipeline_fixtures.py (diffusers 0.42.1).
enum PipelineFixtures {
    struct Run: Decodable {
        var folder: String
        var seed: UInt64
        var steps: Int?
        var numInferenceSteps: Int?
        var scheduler: String?
        var prompt: String?
        var negativePrompt: String?
        var guidanceScale: Float?
        var height: Int?
        var width: Int?
        var latents: String?
        var strength: Double?
        var initImage: String?

        enum CodingKeys: String, CodingKey {
            case folder, seed, steps, scheduler, prompt, height, width, latents, strength
            case numInferenceSteps = "num_inference_steps", negativePrompt = "negative_prompt"
            case guidanceScale = "guidance_scale", initImage = "init_image"
        }
    }

    static func url(_ name: String) throws -> URL { try DiffusionFixtures.url("Pipelines/" + name) }

    static func run(_ name: String) throws -> Run {
        let runs = try JSONDecoder().decode([String: Run].self, from: Data(contentsOf: url("runs.json")))
        return try #require(runs[name])
    }

    /// diffusers' output_type="np" image [1, H, W, 3] as [1, 3, H, W].
    static func expectedPixels(_ name: String) throws -> Tensor {
        try NumpyArray.read(contentsOf: url(name + ".npy").path).permuted([0, 3, 1, 2]).contiguous()
    }
}

/// Largest absolute difference, for values in 0…1.
func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.contiguous().floats, b.contiguous().floats).map { abs($0 - $1) }.max() ?? .infinity
}

@Suite("Unconditional pipelines against diffusers")
struct UnconditionalPipelineTests {
    /// Reference: diffusers' DDPMPipeline (5 steps) and DDIMPipeline (4 steps, eta 0) on the same folder and seed;
    /// final image in 0…1, max abs difference ≤ 2e-3.
    @Test("DDPM and DDIM images match diffusers", arguments: ["ddpm_5_steps", "ddim_4_steps"])
    func matchesReference(name: String) throws {
        let run = try PipelineFixtures.run(name)
        let pipeline = try UnconditionalDiffusionPipeline(directory: PipelineFixtures.url(run.folder),
                                                          schedulerClassName: run.scheduler)
        var reported: [Int] = []
        let output = try pipeline.generate(steps: try #require(run.steps), seed: run.seed) { step in
            reported.append(step.index)
            #expect(step.total == run.steps && step.latents.shape == [1, 3, 8, 8])
            return true
        }
        #expect(reported == Array(0..<(run.steps ?? 0)))
        let expected = try PipelineFixtures.expectedPixels(name)
        #expect(output.pixels.shape == expected.shape)
        let diff = maxAbsDifference(output.pixels, expected)
        #expect(diff <= 2e-3, "\(name): max abs difference \(diff)")
        #expect(try output.images().first?.width == 8)
    }

    @Test("a callback returning false stops the run")
    func cancellation() throws {
        let pipeline = try UnconditionalDiffusionPipeline(directory: PipelineFixtures.url("ddpm"))
        var calls = 0
        #expect(throws: CancellationError.self) {
            _ = try pipeline.generate(steps: 5, seed: 1) { _ in
                calls += 1
                return calls < 2
            }
        }
        #expect(calls == 2)
    }

    @Test("missing folders and files are typed errors naming them")
    func missingFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("genkit-pipe-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: PipelineFixtures.url("ddpm"), to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("scheduler/scheduler_config.json"))
        #expect(throws: DiffusionModelsError.missingPipelineFile(
            path: folder.appendingPathComponent("scheduler/scheduler_config.json").path)) {
            try UnconditionalDiffusionPipeline(directory: folder)
        }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("unet"))
        #expect(throws: DiffusionModelsError.missingPipelineFile(path: folder.appendingPathComponent("unet").path + "/")) {
            try UnconditionalDiffusionPipeline(directory: folder)
        }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model_index.json"))
        #expect(throws: DiffusionModelsError.missingPipelineFile(path: folder.appendingPathComponent("model_index.json").path)) {
            try UnconditionalDiffusionPipeline(directory: folder)
        }
        #expect(throws: DiffusionModelsError.unsupportedModel(
            className: "StableDiffusionPipeline", supported: UnconditionalDiffusionPipeline.supportedClassNames)) {
            try UnconditionalDiffusionPipeline(directory: PipelineFixtures.url("sd"))
        }
    }
}
