#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GenCore

/// diffusers' `EulerDiscreteScheduler`: Euler steps of the probability-flow ODE in σ (Karras et al. 2022),
/// optionally on Karras-spaced sigmas. (The `s_churn` stochasticity of diffusers' `step` is left at its default, 0.)
public struct EulerDiscreteScheduler: Scheduler {
    public static let className = "EulerDiscreteScheduler"
    public let schedule: NoiseSchedule
    public private(set) var timesteps: [Float] = []
    public private(set) var sigmaValues: [Float] = []
    public var sigmas: [Float]? { sigmaValues }

    let prediction: PredictionType
    let spacing: TimestepSpacing
    let stepsOffset: Int
    let useKarrasSigmas: Bool
    let sigmaMin: Double?
    let sigmaMax: Double?
    let finalSigmaIsMinimum: Bool
    private var cursor = StepCursor()

    /// Builds the scheduler from a config, with Euler's defaults for fields it leaves out.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config)
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .sample, .vPrediction])
        spacing = try TimestepSpacing(config.timestepSpacing, default: .linspace)
        stepsOffset = config.stepsOffset ?? 0
        useKarrasSigmas = config.useKarrasSigmas ?? false
        sigmaMin = config.sigmaMin
        sigmaMax = config.sigmaMax
        finalSigmaIsMinimum = try finalSigmaType(config)
        try rejectUnsupportedSigmaOptions(config, allowKarras: true)
        if let interpolation = config.interpolationType, interpolation != "linear" {
            throw .invalidSchedulerConfig(field: "interpolation_type", reason: "'\(interpolation)' is not supported (linear is)")
        }
        if let type = config.timestepType, type != "discrete" {
            throw .invalidSchedulerConfig(field: "timestep_type", reason: "'\(type)' is not supported (discrete is)")
        }
    }

    public var initNoiseSigma: Float {
        let maxSigma = sigmaValues.max() ?? schedule.sigmas.max() ?? 1
        return spacing == .leading ? (maxSigma * maxSigma + 1).squareRoot() : maxSigma
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        try TimestepSpacing.validate(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        var steps = spacing.descendingTimesteps(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps,
                                                stepsOffset: stepsOffset).map { Double(Float($0)) }
        let table = schedule.sigmas.map(Double.init)
        var levels = steps.map { ScheduleMath.interp($0, table) }
        if useKarrasSigmas {
            levels = ScheduleMath.karrasSigmas(sigmaMin: sigmaMin ?? levels[levels.count - 1], sigmaMax: sigmaMax ?? levels[0],
                                               count: numInferenceSteps)
            let logSigmas = schedule.sigmas.map(ScheduleMath.numpyFloatLog)
            steps = levels.map { ScheduleMath.sigmaToT($0, logSigmas: logSigmas) }
        }
        let last: Float = finalSigmaIsMinimum ? schedule.sigmas[0] : 0
        sigmaValues = levels.map { Float($0) } + [last]
        timesteps = steps.map { Float($0) }
        cursor.reset()
    }

    public mutating func setBeginIndex(_ beginIndex: Int) { cursor.beginIndex = beginIndex }

    public mutating func scaleModelInput(_ sample: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        let index = try cursor.current(timestep, in: timesteps, scheduler: Self.className)
        let sigma = sigmaValues[index]
        return sample / (sigma * sigma + 1).squareRoot()
    }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                              generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor {
        try requireSameShape(modelOutput, sample, "EulerDiscreteScheduler.step")
        let index = try cursor.current(timestep, in: timesteps, scheduler: Self.className)
        let sigma = sigmaValues[index]
        let original = predictedOriginal(prediction, modelOutput: modelOutput, sample: sample, sigma: sigma)
        let derivative = (sample - original) / sigma
        let dt = sigmaValues[index + 1] - sigma
        cursor.advance()
        return sample + derivative * dt
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try sigmaAddNoise(original: original, noise: noise, sigmas: sigmaValues,
                          index: cursor.noiseIndex(timestep, in: timesteps))
    }
}

/// x̂₀ of the σ-parameterised schedulers (Euler, Euler ancestral).
func predictedOriginal(_ prediction: PredictionType, modelOutput: Tensor, sample: Tensor, sigma: Float) -> Tensor {
    switch prediction {
    case .epsilon: return sample - modelOutput * sigma
    case .sample: return modelOutput
    case .vPrediction:
        let variance = sigma * sigma + 1
        return modelOutput * (-sigma / variance.squareRoot()) + sample / variance
    }
}

/// `add_noise` of the σ-parameterised schedulers: x + σ·noise.
func sigmaAddNoise(original: Tensor, noise: Tensor, sigmas: [Float], index: Int) throws(DiffusionModelsError) -> Tensor {
    try requireSameShape(original, noise, "addNoise")
    guard index < sigmas.count else { throw .invalidSchedulerArgument("addNoise: step index \(index) is past the schedule") }
    return original + noise * sigmas[index]
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
