import GenCore

/// What a pipeline reports after each denoising step.
public struct DiffusionStep: Sendable {
    /// 0-based index of the step just taken.
    public let index: Int
    /// How many steps this run takes.
    public let total: Int
    /// The timestep the model was evaluated at.
    public let timestep: Float
    /// Time since the denoising loop began (prompt encoding excluded).
    public let elapsed: Duration
    /// The latents after this step (for a preview, decode them with the pipeline's VAE).
    public let latents: Tensor
}

/// Called after every step; return `false` to stop the run, which then throws `CancellationError`.
public typealias DiffusionStepHandler = (DiffusionStep) -> Bool

/// The loop every pipeline shares: the scheduler scales the latents, `modelOutput` evaluates the network on them
/// (doubling the batch for classifier-free guidance where it applies: scaling is element-wise, so scaling before
/// or after doubling is the same), the scheduler steps, the progress is reported. Checks for task cancellation
/// before each model evaluation.
func denoise(
    latents initial: Tensor, timesteps: [Float], scheduler: inout any Scheduler, generator: inout TorchGenerator,
    onStep: DiffusionStepHandler?, modelOutput: (Tensor, Float) throws -> Tensor
) throws -> Tensor {
    let clock = ContinuousClock()
    let start = clock.now
    var latents = initial
    for (index, t) in timesteps.enumerated() {
        try Task.checkCancellation()
        let output = try modelOutput(scheduler.scaleModelInput(latents, timestep: t), t)
        latents = try scheduler.step(modelOutput: output, timestep: t, sample: latents, generator: &generator)
        if let onStep {
            let step = DiffusionStep(index: index, total: timesteps.count, timestep: t,
                                     elapsed: start.duration(to: clock.now), latents: latents)
            guard onStep(step) else { throw CancellationError() }
        }
    }
    return latents
}

/// The images a pipeline produced.
public struct DiffusionOutput: Sendable {
    /// [batch, 3, height, width] in about [-1, 1]: the VAE's decoding (or the UNet's sample for pixel-space models).
    public let decoded: Tensor
    /// The final latents (equal to `decoded` for pixel-space models).
    public let latents: Tensor

    /// [batch, 3, height, width] float32 in 0…1: `(decoded / 2 + 0.5).clamp(0, 1)`, diffusers' `output_type="np"`
    /// values before 8-bit quantisation.
    public var pixels: Tensor {
        var x = decoded / 2 + 0.5
        x.withUnsafeMutableBufferPointer(as: Float.self) { p in
            for i in p.indices { p[i] = min(max(p[i], 0), 1) }
        }
        return x
    }

    /// 8-bit RGB images, rounded as diffusers' `output_type="pil"` rounds.
    public func images() throws -> [Image] {
        try VaeImageProcessor.postprocess(decoded)
    }
}
