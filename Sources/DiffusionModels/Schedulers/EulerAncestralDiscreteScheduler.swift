import GenCore

/// diffusers' `EulerAncestralDiscreteScheduler`: Euler steps to a lower σ plus fresh noise back up to the target σ.
public struct EulerAncestralDiscreteScheduler: Scheduler {
    public static let className = "EulerAncestralDiscreteScheduler"
    public let schedule: NoiseSchedule
    private var stepper: SigmaStepper
    let prediction: PredictionType

    /// Builds the scheduler from a config, with the class's defaults for fields it leaves out.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config, zeroTerminalSNR: .clamped)
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .vPrediction])
        stepper = SigmaStepper(placement: try TimestepPlacement(config, defaultSpacing: .linspace))
    }

    public var timesteps: [Float] { stepper.timesteps }
    public var sigmas: [Float]? { stepper.sigmas }
    public var initNoiseSigma: Float { stepper.initNoiseSigma(schedule) }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        try TimestepSpacing.validate(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        let steps = stepper.placement.floatTimesteps(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        let table = schedule.sigmas.map(Double.init)
        stepper.reset(timesteps: steps, sigmas: steps.map { Float(ScheduleMath.interp(Double($0), table)) } + [0])
    }

    public mutating func setBeginIndex(_ beginIndex: Int) { stepper.cursor.beginIndex = beginIndex }

    public mutating func scaleModelInput(_ sample: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try stepper.scaleModelInput(sample, timestep: timestep, scheduler: Self.className)
    }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                              generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor {
        try requireSameShape(modelOutput, sample, "EulerAncestralDiscreteScheduler.step")
        let (index, sigma) = try stepper.current(timestep, scheduler: Self.className)
        let sigmaTo = stepper.sigmas[index + 1]
        let original = sigmaPredictedOriginal(prediction, modelOutput: modelOutput, sample: sample, sigma: sigma)
        // Split the move to σ_to into a deterministic part down to σ_down and fresh noise of σ_up.
        let sigmaUp = (sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo) / (sigma * sigma)).squareRoot()
        let sigmaDown = (sigmaTo * sigmaTo - sigmaUp * sigmaUp).squareRoot()
        let derivative = (sample - original) / sigma
        let moved = sample + derivative * (sigmaDown - sigma)
        let noise = generator.randn(modelOutput.shape)
        stepper.cursor.advance()
        return moved + noise * sigmaUp
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try stepper.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
