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
    let spacing: TimestepSpacing
    let stepsOffset: Int
    let clipSample: Bool
    let clipSampleRange: Float
    /// ᾱ used for the step after the last timestep (`final_alpha_cumprod`).
    let finalAlphaCumprod: Float
    private var inferenceSteps = 0

    /// Builds the scheduler from a config, with DDIM's defaults for fields it leaves out.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config)
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .sample, .vPrediction])
        spacing = try TimestepSpacing(config.timestepSpacing, default: .leading)
        stepsOffset = config.stepsOffset ?? 0
        clipSample = config.clipSample ?? true
        clipSampleRange = Float(config.clipSampleRange ?? 1)
        finalAlphaCumprod = config.setAlphaToOne ?? true ? 1 : schedule.alphasCumprod[0]
        if config.thresholding == true {
            throw .invalidSchedulerConfig(field: "thresholding", reason: "dynamic thresholding is not supported; set it to false")
        }
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        try TimestepSpacing.validate(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        inferenceSteps = numInferenceSteps
        timesteps = discreteTimesteps(spacing, steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps, stepsOffset: stepsOffset)
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
        var original: Tensor, epsilon: Tensor
        switch prediction {
        case .epsilon:
            original = (sample - modelOutput * betaProd.squareRoot()) / alphaProd.squareRoot()
            epsilon = modelOutput
        case .sample:
            original = modelOutput
            epsilon = (sample - original * alphaProd.squareRoot()) / betaProd.squareRoot()
        case .vPrediction:
            original = sample * alphaProd.squareRoot() - modelOutput * betaProd.squareRoot()
            epsilon = modelOutput * alphaProd.squareRoot() + sample * betaProd.squareRoot()
        }
        if clipSample { original = clamped(original, clipSampleRange) }
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

/// Integer timesteps of DDPM/DDIM `set_timesteps`.
func discreteTimesteps(_ spacing: TimestepSpacing, steps: Int, trainTimesteps: Int, stepsOffset: Int) -> [Float] {
    spacing.descendingTimesteps(steps: steps, trainTimesteps: trainTimesteps, stepsOffset: stepsOffset)
        .map { Float(ScheduleMath.round($0)) }
}

/// `add_noise` of the ᾱ-parameterised schedulers: √ᾱ·x + √(1-ᾱ)·noise.
func alphaAddNoise(_ schedule: NoiseSchedule, original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
    try requireSameShape(original, noise, "addNoise")
    let alphaProd = schedule.alphasCumprod[try schedule.validatedIndex(timestep)]
    return original * alphaProd.squareRoot() + noise * (1 - alphaProd).squareRoot()
}
