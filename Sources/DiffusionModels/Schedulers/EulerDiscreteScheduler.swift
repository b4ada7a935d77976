import GenCore

/// diffusers' `EulerDiscreteScheduler`: Euler steps of the probability-flow ODE in σ (Karras et al. 2022),
/// optionally on Karras-spaced sigmas. (The `s_churn` stochasticity of diffusers' `step` is left at its default, 0.)
public struct EulerDiscreteScheduler: Scheduler {
    public static let className = "EulerDiscreteScheduler"
    public let schedule: NoiseSchedule
    private var stepper: SigmaStepper
    let prediction: PredictionType
    let useKarrasSigmas: Bool
    let sigmaRange: (min: Double?, max: Double?)
    let finalSigmaIsMinimum: Bool

    /// Builds the scheduler from a config, with Euler's defaults for fields it leaves out.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config, zeroTerminalSNR: .clamped)
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .sample, .vPrediction])
        stepper = SigmaStepper(placement: try TimestepPlacement(config, defaultSpacing: .linspace))
        useKarrasSigmas = config.useKarrasSigmas ?? false
        sigmaRange = (config.sigmaMin, config.sigmaMax)
        finalSigmaIsMinimum = try finalSigmaType(config)
        try rejectUnsupportedSigmaOptions(config, allowKarras: true)
        if let interpolation = config.interpolationType, interpolation != "linear" {
            throw .invalidSchedulerConfig(field: "interpolation_type", reason: "'\(interpolation)' is not supported (linear is)")
        }
        if let type = config.timestepType, type != "discrete" {
            throw .invalidSchedulerConfig(field: "timestep_type", reason: "'\(type)' is not supported (discrete is)")
        }
    }

    public var timesteps: [Float] { stepper.timesteps }
    public var sigmas: [Float]? { stepper.sigmas }
    public var initNoiseSigma: Float { stepper.initNoiseSigma(schedule) }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        try TimestepSpacing.validate(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        var steps = stepper.placement.floatTimesteps(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps).map(Double.init)
        let table = schedule.sigmas.map(Double.init)
        var levels = steps.map { ScheduleMath.interp($0, table) }
        if useKarrasSigmas {
            levels = ScheduleMath.karrasSigmas(sigmaMin: sigmaRange.min ?? levels[levels.count - 1],
                                               sigmaMax: sigmaRange.max ?? levels[0], count: numInferenceSteps)
            let logSigmas = schedule.sigmas.map(ScheduleMath.numpyFloatLog)
            steps = levels.map { ScheduleMath.sigmaToT($0, logSigmas: logSigmas) }
        }
        let last: Float = finalSigmaIsMinimum ? schedule.sigmas[0] : 0
        stepper.reset(timesteps: steps.map { Float($0) }, sigmas: levels.map { Float($0) } + [last])
    }

    public mutating func setBeginIndex(_ beginIndex: Int) { stepper.cursor.beginIndex = beginIndex }

    public mutating func scaleModelInput(_ sample: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try stepper.scaleModelInput(sample, timestep: timestep, scheduler: Self.className)
    }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                              generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor {
        try requireSameShape(modelOutput, sample, "EulerDiscreteScheduler.step")
        let (index, sigma) = try stepper.current(timestep, scheduler: Self.className)
        let original = sigmaPredictedOriginal(prediction, modelOutput: modelOutput, sample: sample, sigma: sigma)
        let derivative = (sample - original) / sigma
        let dt = stepper.sigmas[index + 1] - sigma
        stepper.cursor.advance()
        return sample + derivative * dt
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try stepper.addNoise(original: original, noise: noise, timestep: timestep)
    }
}

/// x̂₀ of the σ-parameterised schedulers (Euler, Euler ancestral).
func sigmaPredictedOriginal(_ prediction: PredictionType, modelOutput: Tensor, sample: Tensor, sigma: Float) -> Tensor {
    switch prediction {
    case .epsilon: return sample - modelOutput * sigma
    case .sample: return modelOutput
    case .vPrediction:
        let variance = sigma * sigma + 1
        return modelOutput * (-sigma / variance.squareRoot()) + sample / variance
    }
}

/// `final_sigmas_type`: true for "sigma_min", false for "zero".
func finalSigmaType(_ config: SchedulerConfig) throws(DiffusionModelsError) -> Bool {
    switch config.finalSigmasType ?? "zero" {
    case "zero": return false
    case "sigma_min": return true
    case let other: throw .invalidSchedulerConfig(field: "final_sigmas_type", reason: "'\(other)' is not one of zero, sigma_min")
    }
}

/// Throws for the sigma spacings we do not implement.
func rejectUnsupportedSigmaOptions(_ config: SchedulerConfig, allowKarras: Bool) throws(DiffusionModelsError) {
    let flags: [(String, Bool?)] = [("use_exponential_sigmas", config.useExponentialSigmas), ("use_beta_sigmas", config.useBetaSigmas),
                                    ("use_lu_lambdas", config.useLuLambdas), ("use_flow_sigmas", config.useFlowSigmas),
                                    ("use_karras_sigmas", allowKarras ? false : config.useKarrasSigmas)]
    for (field, value) in flags where value == true {
        throw .invalidSchedulerConfig(field: field, reason: "true is not supported by this scheduler; set it to false")
    }
}
