import Foundation
import GenCore

/// Pixel-space unconditional generation as diffusers' `DDPMPipeline` and `DDIMPipeline` run it: Gaussian noise of
/// the UNet's sample size from a seeded generator, denoised by a `UNet2DModel` with the folder's scheduler.
public struct UnconditionalDiffusionPipeline: Sendable {
    /// The `model_index.json` classes this pipeline loads.
    public static let supportedClassNames = ["DDPMPipeline", "DDIMPipeline"]

    public let unet: UNet2DModel
    /// Stepped on a copy per run; replace it to sample with another scheduler.
    public var scheduler: any Scheduler

    /// Loads a `DDPMPipeline` / `DDIMPipeline` folder. A `DDIMPipeline` turns the folder's scheduler into a
    /// `DDIMScheduler` as diffusers does; `schedulerClassName` picks another class built from the same config.
    public init(directory: URL, schedulerClassName: String? = nil) throws {
        let folder = try DiffusionPipelineFolder(directory: directory)
        guard Self.supportedClassNames.contains(folder.className) else {
            throw DiffusionModelsError.unsupportedModel(className: folder.className, supported: Self.supportedClassNames)
        }
        unet = try UNet2DModel(directory: folder.componentDirectory("unet", requiredFile: "config.json").path)
        let converted = folder.className == "DDIMPipeline" ? DDIMScheduler.className : nil
        scheduler = try folder.scheduler(className: schedulerClassName ?? converted)
    }

    /// Generates `batchSize` images of the UNet's `sample_size`.
    ///
    /// - Parameters:
    ///   - steps: the scheduler's `num_inference_steps`.
    ///   - seed: seeds the `torch.Generator` equivalent that draws the initial noise and any step noise.
    ///   - eta: DDIM's noise weight (ignored by other schedulers), as `DDIMPipeline(eta=)`.
    public func generate(
        batchSize: Int = 1, steps: Int, seed: UInt64, eta: Float = 0, onStep: DiffusionStepHandler? = nil
    ) throws -> DiffusionOutput {
        guard batchSize > 0 else { throw DiffusionModelsError.invalidPipelineArgument("batch size must be positive, got \(batchSize)") }
        guard let size = unet.config.sampleSize, size > 0 else {
            throw DiffusionModelsError.invalidModelConfig(field: "sample_size", reason: "the UNet config must give one square sample size")
        }
        var scheduler = self.scheduler
        if var ddim = scheduler as? DDIMScheduler {
            ddim.eta = eta
            scheduler = ddim
        }
        try scheduler.setTimesteps(steps)
        var generator = TorchGenerator(seed: seed)
        let noise = generator.randn([batchSize, unet.config.inChannels, size, size]) * scheduler.initNoiseSigma
        let sample = try denoise(latents: noise, timesteps: scheduler.timesteps, scheduler: &scheduler,
                                 generator: &generator, onStep: onStep) { x, t in
            try unet(x, timestep: t)
        }
        return DiffusionOutput(decoded: sample, latents: sample)
    }
}
