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

@Suite("Stable Diffusion pipeline against diffusers")
struct StableDiffusionPipelineTests {
    static func request(_ run: PipelineFixtures.Run) throws -> StableDiffusionRequest {
        var request = StableDiffusionRequest(prompt: try #require(run.prompt))
        request.negativePrompt = run.negativePrompt
        request.steps = try #require(run.numInferenceSteps)
        request.guidanceScale = try #require(run.guidanceScale)
        request.seed = run.seed
        request.width = run.width
        request.height = run.height
        if let latents = run.latents { request.latents = try NumpyArray.read(contentsOf: PipelineFixtures.url(latents).path) }
        if let image = run.initImage { request.initImage = try Image(contentsOfFile: PipelineFixtures.url(image).path) }
        if let strength = run.strength { request.strength = strength }
        return request
    }

    /// Reference: diffusers' StableDiffusionPipeline / StableDiffusionImg2ImgPipeline on the same folder, prompts
    /// and seeds (PNDM with guidance and a negative prompt, Euler without guidance, Euler ancestral, DPM++ from
    /// given latents, DDIM image-to-image at strength 0.6, and at 0.7 from a 27×17 init image that diffusers resizes
    /// with Lanczos to 26×16); final image in 0…1, max abs difference ≤ 2e-3.
    @Test("images match diffusers", arguments: [
        "sd_pndm_cfg_negative", "sd_euler_no_cfg", "sd_euler_ancestral_cfg", "sd_dpm_given_latents", "sd_img2img_ddim",
        "sd_img2img_resized",
    ])
    func matchesReference(name: String) throws {
        let run = try PipelineFixtures.run(name)
        let pipeline = try StableDiffusionPipeline(directory: PipelineFixtures.url(run.folder), schedulerClassName: run.scheduler)
        var steps = 0
        let output = try pipeline.generate(Self.request(run)) { step in
            steps += 1
            return true
        }
        #expect(steps > 0)
        let expected = try PipelineFixtures.expectedPixels(name)
        #expect(output.pixels.shape == expected.shape)
        let diff = maxAbsDifference(output.pixels, expected)
        #expect(diff <= 2e-3, "\(name): max abs difference \(diff)")
    }

    @Test("clip skip 0 equals the last layer; bad sizes, latents and strengths are typed errors")
    func argumentChecks() throws {
        let pipeline = try StableDiffusionPipeline(directory: PipelineFixtures.url("sd"))
        var request = StableDiffusionRequest(prompt: "a cat")
        let plain = try pipeline.promptEmbeddings(request, guided: false)
        request.clipSkip = 0
        #expect(maxAbsDifference(try pipeline.promptEmbeddings(request, guided: false), plain) < 1e-6)
        request.clipSkip = 1
        #expect(maxAbsDifference(try pipeline.promptEmbeddings(request, guided: false), plain) > 1e-3)
        request.clipSkip = nil
        request.steps = 1
        request.width = 20
        #expect(throws: DiffusionModelsError.self) { try pipeline.generate(request) }
        request.width = 16
        request.latents = Tensor(shape: [1, 4, 4, 4], values: [Float](repeating: 0, count: 64))
        #expect(throws: DiffusionModelsError.self) { try pipeline.generate(request) }
        request.latents = nil
        // An init image below one VAE scale-factor block (2 pixels here) in a side cannot be resized down to one.
        request.steps = 2
        request.initImage = try Image(width: 1, height: 5, channels: 3, pixels: [UInt8](repeating: 9, count: 15))
        let tooSmall = #expect(throws: DiffusionModelsError.self) { try pipeline.generate(request) }
        if case .invalidModelInput = tooSmall {} else { Issue.record("unexpected error \(String(describing: tooSmall))") }
        request.steps = 1
        request.initImage = try Image(width: 16, height: 16, channels: 3, pixels: [UInt8](repeating: 9, count: 768))
        #expect(throws: DiffusionModelsError.self) { try pipeline.generate(request) }  // 1 step × 0.8 keeps none
        request.strength = 1.5
        #expect(throws: DiffusionModelsError.self) { try pipeline.generate(request) }
        request.strength = 0.1
        #expect(throws: DiffusionModelsError.self) { try pipeline.generate(request) }
        request.steps = 0
        #expect(throws: DiffusionModelsError.self) { try pipeline.generate(request) }
    }
}
