import GenCore

/// The state and shared steps of the σ-parameterised discrete schedulers (Euler, Euler ancestral): the run's
/// timesteps and sigmas, the step position, input scaling and noising.
struct SigmaStepper: Sendable {
    let placement: TimestepPlacement
    var timesteps: [Float] = []
    /// One σ per timestep plus the final one.
    var sigmas: [Float] = []
    var cursor = StepCursor()

    /// `init_noise_sigma`: the largest σ, or √(σ²+1) of it with leading spacing.
    func initNoiseSigma(_ schedule: NoiseSchedule) -> Float {
        let maxSigma = sigmas.max() ?? schedule.sigmas.max() ?? 1
        return placement.spacing == .leading ? (maxSigma * maxSigma + 1).squareRoot() : maxSigma
    }

    mutating func reset(timesteps: [Float], sigmas: [Float]) {
        self.timesteps = timesteps
        self.sigmas = sigmas
        cursor.reset()
    }

    /// The current step index and its σ, found from `timestep` on first use.
    mutating func current(_ timestep: Float, scheduler: String) throws(DiffusionModelsError) -> (index: Int, sigma: Float) {
        let index = try cursor.current(timestep, in: timesteps, scheduler: scheduler)
        return (index, sigmas[index])
    }

    /// `sample / √(σ²+1)`.
    mutating func scaleModelInput(_ sample: Tensor, timestep: Float, scheduler: String) throws(DiffusionModelsError) -> Tensor {
        let sigma = try current(timestep, scheduler: scheduler).sigma
        return sample / (sigma * sigma + 1).squareRoot()
    }

    /// `add_noise`: x + σ·noise at the current (or begin, or the timestep's) step.
    func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try requireSameShape(original, noise, "addNoise")
        let index = try cursor.noiseIndex(timestep, in: timesteps)
        guard index < sigmas.count else { throw .invalidSchedulerArgument("addNoise: step index \(index) is past the schedule") }
        return original + noise * sigmas[index]
    }
}
