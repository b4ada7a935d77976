// swift run diffuse "PROMPT" [--negative TEXT] [--steps N] [--guidance G] [--seed S] [--scheduler NAME]
//     [--width W --height H] [--init-image FILE --strength X] [--latents FILE.npy] [--model DIR] -o OUT.png
// Generates an image with a diffusers pipeline folder: Stable Diffusion (text-to-image, or image-to-image with
// --init-image) or an unconditional DDPM/DDIM model (no prompt).
import ArgumentParser
import DiffusionModels
import Foundation
import GenCore

@main
struct Diffuse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate an image with a diffusers pipeline folder (Stable Diffusion, DDPM or DDIM).")

    @Argument(help: "What to draw (Stable Diffusion folders; unconditional folders take none).")
    var prompt: String?

    @Option(help: "What to steer away from (needs --guidance above 1).")
    var negative: String?

    @Option(help: "Denoising steps.")
    var steps = 50

    @Option(help: "Classifier-free guidance scale; 1 or less turns guidance off.")
    var guidance: Float = 7.5

    @Option(help: "Random seed (default: a random one, printed).")
    var seed: UInt64?

    @Option(help: "Scheduler: ddpm, ddim, pndm, euler, euler-a, dpm++, lcm or a diffusers class name (default: the folder's).")
    var scheduler: String?

    @Option(help: "Text-to-image output width in pixels, a multiple of 8 (default: the model's).")
    var width: Int?

    @Option(help: "Text-to-image output height in pixels, a multiple of 8 (default: the model's).")
    var height: Int?

    @Option(help: "A JPEG or PNG to start from (image-to-image), any size: as diffusers does, it is resized (Lanczos) down to multiples of the VAE scale factor (8 for Stable Diffusion), the output's size.")
    var initImage: String?

    @Option(help: "Image-to-image: how much of the schedule to run, 0...1.")
    var strength: Double?

    @Option(help: "Initial latents as a .npy file [1, 4, height/8, width/8] instead of seeded noise.")
    var latents: String?

    @Option(help: "A diffusers pipeline folder (default: Examples/DefaultModels/diffusion).")
    var model: String?

    @Option(name: .shortAndLong, help: "Where to write the PNG.")
    var output: String

    static let schedulerAliases = [
        "ddpm": "DDPMScheduler", "ddim": "DDIMScheduler", "pndm": "PNDMScheduler", "euler": "EulerDiscreteScheduler",
        "euler-a": "EulerAncestralDiscreteScheduler", "dpm++": "DPMSolverMultistepScheduler",
        "dpm": "DPMSolverMultistepScheduler", "lcm": "LCMScheduler",
    ]

    mutating func run() throws {
        do {
            try generate()
        } catch {
            let message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
            FileHandle.standardError.write(Data("diffuse: \(message)\n".utf8))
            throw ExitCode.failure
        }
    }

    func generate() throws {
        let outputFolder = URL(fileURLWithPath: output).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: outputFolder) else {
            throw ValidationError("cannot write \(output): the folder \(outputFolder) does not exist")
        }
        let folder = try modelFolder()
        let className = try DiffusionPipelineFolder(directory: folder).className
        let schedulerClass = scheduler.map { Self.schedulerAliases[$0.lowercased()] ?? $0 }
        let seed = self.seed ?? UInt64.random(in: 0..<(1 << 32))
        if self.seed == nil { FileHandle.standardError.write(Data("seed \(seed)\n".utf8)) }
        let progress = ProgressReporter()
        let output: DiffusionOutput
        if UnconditionalDiffusionPipeline.supportedClassNames.contains(className) {
            guard prompt == nil, negative == nil, initImage == nil, latents == nil, width == nil, height == nil else {
                throw ValidationError("\(className) folders generate unconditionally: drop the prompt, --negative, --init-image, --latents and sizes")
            }
            let pipeline = try UnconditionalDiffusionPipeline(directory: folder, schedulerClassName: schedulerClass)
            output = try pipeline.generate(steps: steps, seed: seed, onStep: progress.report)
        } else {
            guard let prompt else { throw ValidationError("give a prompt: \(className) folders are text-conditioned") }
            guard strength == nil || initImage != nil else { throw ValidationError("--strength needs --init-image") }
            guard initImage == nil || (width == nil && height == nil) else {
                throw ValidationError("--width and --height are for text-to-image: image-to-image takes the init image's size")
            }
            let pipeline = try StableDiffusionPipeline(directory: folder, schedulerClassName: schedulerClass)
            var request = StableDiffusionRequest(prompt: prompt)
            request.negativePrompt = negative
            request.steps = steps
            request.guidanceScale = guidance
            request.seed = seed
            request.width = width
            request.height = height
            if let latents { request.latents = try NumpyArray.read(contentsOf: latents) }
            if let initImage { request.initImage = try Image(contentsOfFile: initImage) }
            if let strength { request.strength = strength }
            output = try pipeline.generate(request, onStep: progress.report)
        }
        progress.finish()
        guard let image = try output.images().first else { throw ValidationError("the pipeline returned no image") }
        do {
            try Data(try image.pngData()).write(to: URL(fileURLWithPath: self.output))
        } catch let error as GenCoreError {
            throw error
        } catch {
            throw ValidationError("cannot write \(self.output): \(error.localizedDescription)")
        }
        FileHandle.standardError.write(Data("wrote \(self.output) (\(image.width)×\(image.height))\n".utf8))
    }

    /// --model, or the bundled default found from this file's path so that `swift run` works from any directory.
    func modelFolder() throws -> URL {
        if let model { return URL(fileURLWithPath: model) }
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let folder = examples.appendingPathComponent("DefaultModels/diffusion")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model_index.json").path) else {
            throw ValidationError("no default model at \(folder.path) yet: pass --model DIR (a diffusers pipeline folder)")
        }
        return folder
    }
}

/// A progress bar on a terminal, one line per step otherwise (logs, pipes).
final class ProgressReporter {
    let isTerminal = isatty(STDERR_FILENO) != 0

    func report(_ step: DiffusionStep) -> Bool {
        let done = step.index + 1
        let seconds = Double(step.elapsed.components.seconds) + Double(step.elapsed.components.attoseconds) / 1e18
        let perStep = seconds / Double(done)
        let eta = perStep * Double(step.total - done)
        let timing = String(format: "%.2f s/step, ETA %.0f s", perStep, eta)
        if isTerminal {
            let width = 30, filled = width * done / max(step.total, 1)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(step.total)  \(timing) ".utf8))
        } else {
            FileHandle.standardError.write(Data("step \(done)/\(step.total) t=\(step.timestep) \(timing)\n".utf8))
        }
        return true
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
