import GenCore

/// diffusers' `EulerAncestralDiscreteScheduler`: Euler steps to a lower σ plus fresh noise back up to the target σ.
public struct EulerAncestralDiscreteScheduler: Scheduler {
    public static let className = "EulerAncestralDiscreteScheduler"
    public let schedule: NoiseSchedule
    public private(set) var timesteps: [Float] = []
    public private(set) var sigmaValues: [Float] = []
    public var sigmas: [Float]? { sigmaValues }

    let prediction: PredictionType
    let spacing: TimestepSpacing
    let stepsOffset: Int
    private var cursor = StepCursor()

    /// Builds the scheduler from a config, with the class's defaults for fields it leaves out.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config)
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .vPrediction])
        spacing = try TimestepSpacing(config.timestepSpacing, default: .linspace)
        stepsOffset = config.stepsOffset ?? 0
    }

    public var initNoiseSigma: Float {
        let maxSigma = sigmaValues.max() ?? schedule.sigmas.max() ?? 1
        return spacing == .leading ? (maxSigma * maxSigma + 1).squareRoot() : maxSigma
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        try TimestepSpacing.validate(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        let steps = spacing.descendingTimesteps(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps,
                                                stepsOffset: stepsOffset).map { Float($0) }
        let table = schedule.sigmas.map(Double.init)
        sigmaValues = steps.map { Float(ScheduleMath.interp(Double($0), table)) } + [0]
        timesteps = steps
        cursor.reset()
    }

    public mutating func setBeginIndex(_ beginIndex: Int) { cursor.beginIndex = beginIndex }

    public mutating func scaleModelInput(_ sample: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        let sigma = sigmaValues[try cursor.current(timestep, in: timesteps, scheduler: Self.className)]
        return sample / (sigma * sigma + 1).squareRoot()
    }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                              generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor {
        try requireSameShape(modelOutput, sample, "EulerAncestralDiscreteScheduler.step")
        let index = try cursor.current(timestep, in: timesteps, scheduler: Self.className)
        let sigma = sigmaValues[index], sigmaTo = sigmaValues[index + 1]
        let original = predictedOriginal(prediction, modelOutput: modelOutput, sample: sample, sigma: sigma)
        // Split the move to σ_to into a deterministic part down to σ_down and fresh noise of σ_up.
        let sigmaUp = (sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo) / (sigma * sigma)).squareRoot()
        let sigmaDown = (sigmaTo * sigmaTo - sigmaUp * sigmaUp).squareRoot()
        let derivative = (sample - original) / sigma
        let moved = sample + derivative * (sigmaDown - sigma)
        let noise = generator.randn(modelOutput.shape)
        cursor.advance()
        return moved + noise * sigmaUp
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try sigmaAddNoise(original: original, noise: noise, sigmas: sigmaValues,
                          index: cursor.noiseIndex(timestep, in: timesteps))
    }
}
