import GenCore

/// diffusers' `DDIMScheduler`: deterministic DDIM sampling (stochastic when ``eta`` > 0).
public struct DDIMScheduler: Scheduler {
    public static let className = "DDIMScheduler"
    public let schedule: NoiseSchedule
    public private(set) var timesteps: [Float] = []
    public var initNoiseSigma: Float { 1 }
    /// DDIM's η: 0 is deterministic DDIM, 1 matches DDPM's variance. A pipeline argument in diffusers, not config.
    public var eta: Float = 0

    let prediction: PredictionType
    let placement: TimestepPlacement
    let clipping: SampleClipping
    /// ᾱ used for the step after the last timestep (`final_alpha_cumprod`).
    let finalAlphaCumprod: Float
    private var inferenceSteps = 0

    /// Builds the scheduler from a config, with DDIM's defaults for fields it leaves out.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config)
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .sample, .vPrediction])
        placement = try TimestepPlacement(config, defaultSpacing: .leading)
        clipping = try SampleClipping(config, enabledByDefault: true)
        finalAlphaCumprod = config.setAlphaToOne ?? true ? 1 : schedule.alphasCumprod[0]
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        try TimestepSpacing.validate(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        inferenceSteps = numInferenceSteps
        timesteps = placement.integerTimesteps(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
    }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                              generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor {
        guard inferenceSteps > 0 else { throw .timestepsNotSet(scheduler: Self.className) }
        try requireSameShape(modelOutput, sample, "DDIMScheduler.step")
        let t = try schedule.validatedIndex(timestep)
        let previous = t - schedule.trainTimesteps / inferenceSteps
        let alphaProd = schedule.alphasCumprod[t]
        let alphaProdPrevious = schedule.alphaCumprod(previous, fallback: finalAlphaCumprod)
        let betaProd = 1 - alphaProd
        let unclipped = alphaPredictedOriginal(prediction, alphaProd: alphaProd, modelOutput: modelOutput, sample: sample)
        let epsilon: Tensor
        switch prediction {
        case .epsilon: epsilon = modelOutput
        case .sample: epsilon = (sample - unclipped * alphaProd.squareRoot()) / betaProd.squareRoot()
        case .vPrediction: epsilon = modelOutput * alphaProd.squareRoot() + sample * betaProd.squareRoot()
        }
        let original = clipping.apply(unclipped)
        let variance = (1 - alphaProdPrevious) / betaProd * (1 - alphaProd / alphaProdPrevious)
        let deviation = eta * variance.squareRoot()
        let direction = epsilon * (1 - alphaProdPrevious - deviation * deviation).squareRoot()
        var previousSample = original * alphaProdPrevious.squareRoot() + direction
        if eta > 0 {
            previousSample = previousSample + generator.randn(modelOutput.shape) * deviation
        }
        return previousSample
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try alphaAddNoise(schedule, original: original, noise: noise, timestep: timestep)
    }
}

/// `add_noise` of the ᾱ-parameterised schedulers: √ᾱ·x + √(1-ᾱ)·noise.
func alphaAddNoise(_ schedule: NoiseSchedule, original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
    try requireSameShape(original, noise, "addNoise")
    let alphaProd = schedule.alphasCumprod[try schedule.validatedIndex(timestep)]
    return original * alphaProd.squareRoot() + noise * (1 - alphaProd).squareRoot()
}
