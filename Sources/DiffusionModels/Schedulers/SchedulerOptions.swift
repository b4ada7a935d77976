import GenCore

/// `clip_sample` / `clip_sample_range` of the ᾱ-parameterised schedulers (dynamic `thresholding` is rejected).
struct SampleClipping: Sendable {
    let enabled: Bool
    let range: Float

    init(_ config: SchedulerConfig, enabledByDefault: Bool) throws(DiffusionModelsError) {
        if config.thresholding == true {
            throw .invalidSchedulerConfig(field: "thresholding", reason: "dynamic thresholding is not supported; set it to false")
        }
        enabled = config.clipSample ?? enabledByDefault
        range = Float(config.clipSampleRange ?? 1)
    }

    /// `x.clamp(-range, range)` when clipping is on.
    func apply(_ x: Tensor) -> Tensor {
        enabled ? Tensor(shape: x.shape, values: x.floats.map { min(max($0, -range), range) }) : x
    }
}

/// `timestep_spacing` with `steps_offset`.
struct TimestepPlacement: Sendable {
    let spacing: TimestepSpacing
    let stepsOffset: Int

    init(_ config: SchedulerConfig, defaultSpacing: TimestepSpacing) throws(DiffusionModelsError) {
        spacing = try TimestepSpacing(config.timestepSpacing, default: defaultSpacing)
        stepsOffset = config.stepsOffset ?? 0
    }

    /// Integer timesteps of DDPM/DDIM-style `set_timesteps`, descending.
    func integerTimesteps(steps: Int, trainTimesteps: Int) -> [Float] {
        spacing.descendingTimesteps(steps: steps, trainTimesteps: trainTimesteps, stepsOffset: stepsOffset)
            .map { Float(ScheduleMath.round($0)) }
    }

    /// Timesteps of Euler-style `set_timesteps` (float32, fractional with linspace spacing), descending.
    func floatTimesteps(steps: Int, trainTimesteps: Int) -> [Float] {
        spacing.descendingTimesteps(steps: steps, trainTimesteps: trainTimesteps, stepsOffset: stepsOffset).map { Float($0) }
    }
}

/// x̂₀ of the ᾱ-parameterised schedulers (DDPM, DDIM, LCM) from the model output.
func alphaPredictedOriginal(_ prediction: PredictionType, alphaProd: Float, modelOutput: Tensor, sample: Tensor) -> Tensor {
    let betaProd = 1 - alphaProd
    switch prediction {
    case .epsilon: return (sample - modelOutput * betaProd.squareRoot()) / alphaProd.squareRoot()
    case .sample: return modelOutput
    case .vPrediction: return sample * alphaProd.squareRoot() - modelOutput * betaProd.squareRoot()
    }
}
