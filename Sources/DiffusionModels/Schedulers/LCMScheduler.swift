import GenCore

/// diffusers' `LCMScheduler`: multistep latent-consistency sampling (few steps, fresh noise between steps).
///
/// `step` returns the next sample; after the last step that is the denoised prediction itself.
public struct LCMScheduler: Scheduler {
    public static let className = "LCMScheduler"
    public let schedule: NoiseSchedule
    public private(set) var timesteps: [Float] = []
    public var initNoiseSigma: Float { 1 }

    let prediction: PredictionType
    let originalInferenceSteps: Int
    let clipping: SampleClipping
    let finalAlphaCumprod: Float
    let timestepScaling: Float
    private var cursor = StepCursor()

    /// Builds the scheduler from a config, with LCM's defaults (scaled-linear 0.00085…0.012) for fields it leaves out.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config, defaultBetaStart: 0.00085, defaultBetaEnd: 0.012,
                                     defaultBetaSchedule: "scaled_linear")
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .sample, .vPrediction])
        originalInferenceSteps = config.originalInferenceSteps ?? 50
        clipping = try SampleClipping(config, enabledByDefault: false)
        finalAlphaCumprod = config.setAlphaToOne ?? true ? 1 : schedule.alphasCumprod[0]
        timestepScaling = Float(config.timestepScaling ?? 10)
        guard originalInferenceSteps >= 1 && originalInferenceSteps <= schedule.trainTimesteps else {
            throw .invalidSchedulerConfig(field: "original_inference_steps",
                                          reason: "must be in 1...\(schedule.trainTimesteps), got \(originalInferenceSteps)")
        }
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        guard numInferenceSteps >= 1 && numInferenceSteps <= originalInferenceSteps else {
            throw .invalidSchedulerArgument(
                "numInferenceSteps must be in 1...\(originalInferenceSteps) (original_inference_steps), got \(numInferenceSteps)")
        }
        // The distilled model's own timesteps (k-1, 2k-1, …), visited from the top at evenly spaced indices.
        let k = schedule.trainTimesteps / originalInferenceSteps
        let origin = (1...originalInferenceSteps).map { $0 * k - 1 }.reversed().map { $0 }
        let indices = ScheduleMath.linspace(0, Double(origin.count), numInferenceSteps, endpoint: false)
            .map { Int($0.rounded(.down)) }
        timesteps = indices.map { Float(origin[$0]) }
        cursor.reset()
    }

    public mutating func setBeginIndex(_ beginIndex: Int) { cursor.beginIndex = beginIndex }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                              generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor {
        try requireSameShape(modelOutput, sample, "LCMScheduler.step")
        let index = try cursor.current(timestep, in: timesteps, scheduler: Self.className)
        let t = try schedule.validatedIndex(timestep)
        let previous = index + 1 < timesteps.count ? Int(timesteps[index + 1]) : t
        let alphaProd = schedule.alphasCumprod[t]
        let alphaProdPrevious = schedule.alphaCumprod(previous, fallback: finalAlphaCumprod)
        let betaProdPrevious = 1 - alphaProdPrevious

        // Consistency-model boundary scalings with σ_data = 0.5.
        let scaled = Float(t) * timestepScaling
        let skip = 0.25 / (scaled * scaled + 0.25)
        let out = scaled / (scaled * scaled + 0.25).squareRoot()

        let original = clipping.apply(alphaPredictedOriginal(prediction, alphaProd: alphaProd, modelOutput: modelOutput, sample: sample))
        let denoised = original * out + sample * skip
        cursor.advance()
        guard index != timesteps.count - 1 else { return denoised }
        let noise = generator.randn(modelOutput.shape)
        return denoised * alphaProdPrevious.squareRoot() + noise * betaProdPrevious.squareRoot()
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try alphaAddNoise(schedule, original: original, noise: noise, timestep: timestep)
    }
}

/// diffusers' `index_for_timestep`: the position of `timestep` in the schedule — the second occurrence when it
/// appears twice, so that a run started mid-schedule (image-to-image) does not skip a sigma.
func indexForTimestep(_ timestep: Float, in timesteps: [Float]) throws(DiffusionModelsError) -> Int {
    let matches = timesteps.indices.filter { timesteps[$0] == timestep }
    guard let first = matches.first else {
        throw .invalidSchedulerArgument("timestep \(timestep) is not one of this run's timesteps")
    }
    return matches.count > 1 ? matches[1] : first
}
