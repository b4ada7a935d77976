#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GenCore

/// diffusers' `DPMSolverMultistepScheduler` with `algorithm_type: "dpmsolver++"` and `solver_order` 1 or 2
/// ("DPM++ 2M", optionally on Karras sigmas): each step turns the model output into a data prediction and
/// combines it with the previous one in log-SNR time.
public struct DPMSolverMultistepScheduler: Scheduler {
    public static let className = "DPMSolverMultistepScheduler"
    public let schedule: NoiseSchedule
    public private(set) var timesteps: [Float] = []
    private var sigmaValues: [Float] = []
    public var sigmas: [Float]? { sigmaValues }
    public var initNoiseSigma: Float { 1 }

    let prediction: PredictionType
    let placement: TimestepPlacement
    let solverOrder: Int
    let heunSolver: Bool
    let lowerOrderFinal: Bool
    let eulerAtFinal: Bool
    let useKarrasSigmas: Bool
    let roundKarrasTimesteps: Bool
    let sigmaMin: Double?
    let sigmaMax: Double?
    let finalSigmaIsMinimum: Bool
    let lambdaMinClipped: Double
    private var cursor = StepCursor()
    /// Data predictions of the last `solverOrder` steps (newest last) and how many steps have run.
    private var dataPredictions: [Tensor] = []
    private var lowerOrderCount = 0

    /// Builds the scheduler from a config, with the class's defaults for fields it leaves out.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config, zeroTerminalSNR: .clamped)
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .sample, .vPrediction])
        placement = try TimestepPlacement(config, defaultSpacing: .linspace)
        solverOrder = config.solverOrder ?? 2
        guard solverOrder == 1 || solverOrder == 2 else {
            throw .invalidSchedulerConfig(field: "solver_order", reason: "\(solverOrder) is not supported (1 and 2 are)")
        }
        let algorithm = config.algorithmType ?? "dpmsolver++"
        guard algorithm == "dpmsolver++" || algorithm == "deis" else {
            throw .invalidSchedulerConfig(field: "algorithm_type", reason: "'\(algorithm)' is not supported (dpmsolver++ is)")
        }
        switch config.solverType ?? "midpoint" {
        case "midpoint", "logrho", "bh1", "bh2": heunSolver = false
        case "heun": heunSolver = true
        case let other: throw .invalidSchedulerConfig(field: "solver_type", reason: "'\(other)' is not one of midpoint, heun")
        }
        lowerOrderFinal = config.lowerOrderFinal ?? true
        eulerAtFinal = config.eulerAtFinal ?? false
        useKarrasSigmas = config.useKarrasSigmas ?? false
        roundKarrasTimesteps = (config.betaSchedule ?? "linear") != "squaredcos_cap_v2"
        sigmaMin = config.sigmaMin
        sigmaMax = config.sigmaMax
        finalSigmaIsMinimum = try finalSigmaType(config)
        lambdaMinClipped = config.lambdaMinClipped ?? -Double.infinity
        try rejectUnsupportedSigmaOptions(config, allowKarras: true)
        if config.thresholding == true {
            throw .invalidSchedulerConfig(field: "thresholding", reason: "dynamic thresholding is not supported; set it to false")
        }
        if config.varianceType != nil {
            throw .invalidSchedulerConfig(field: "variance_type", reason: "learned variances are not supported; remove the field")
        }
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        try TimestepSpacing.validate(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        let n = numInferenceSteps, train = schedule.trainTimesteps
        let last = train - clippedCount()
        var steps: [Double]
        switch placement.spacing {
        case .linspace:
            steps = Array(ScheduleMath.linspace(0, Double(last - 1), n + 1).map(ScheduleMath.round).reversed().dropLast())
        case .leading:
            let ratio = last / (n + 1)
            steps = (0...n).reversed().dropLast().map { Double($0 * ratio + placement.stepsOffset) }
        case .trailing:
            steps = ScheduleMath.arange(Double(last), 0, -Double(train) / Double(n)).map { ScheduleMath.round($0) - 1 }
        }
        let table = schedule.sigmas
        var levels: [Double]
        if useKarrasSigmas {
            levels = ScheduleMath.karrasSigmas(sigmaMin: sigmaMin ?? Double(table[0]), sigmaMax: sigmaMax ?? Double(table[table.count - 1]),
                                               count: n)
            let logSigmas = table.map(ScheduleMath.numpyFloatLog)
            steps = levels.map { ScheduleMath.sigmaToT($0, logSigmas: logSigmas) }
            if roundKarrasTimesteps { steps = steps.map(ScheduleMath.round) }
        } else {
            let doubles = table.map(Double.init)
            levels = steps.map { ScheduleMath.interp($0, doubles) }
        }
        let final: Float = finalSigmaIsMinimum ? table[0] : 0
        sigmaValues = levels.map { Float($0) } + [final]
        // Timesteps are int64 in diffusers: the cast truncates fractional (cosine-schedule Karras) values.
        timesteps = steps.map { Float($0.rounded(.towardZero)) }
        cursor.reset()
        dataPredictions = []
        lowerOrderCount = 0
    }

    /// diffusers' `searchsorted(flip(lambda_t), lambda_min_clipped)`: training timesteps cut off at the low-SNR end.
    private func clippedCount() -> Int {
        guard lambdaMinClipped > -Double.infinity else { return 0 }
        let lambdas = schedule.alphasCumprod.map { logf($0.squareRoot()) - logf((1 - $0).squareRoot()) }.reversed()
        return lambdas.prefix { Double($0) < lambdaMinClipped }.count
    }

    public mutating func setBeginIndex(_ beginIndex: Int) { cursor.beginIndex = beginIndex }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                              generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor {
        try requireSameShape(modelOutput, sample, "DPMSolverMultistepScheduler.step")
        let index = try cursor.current(timestep, in: timesteps, scheduler: Self.className, lookup: Self.lookup)
        let count = timesteps.count
        let finalStep = index == count - 1 && (eulerAtFinal || (lowerOrderFinal && count < 15) || !finalSigmaIsMinimum)

        let (alpha, sigma) = Self.alphaSigma(sigmaValues[index])
        let data: Tensor
        switch prediction {
        case .epsilon: data = (sample - modelOutput * sigma) / alpha
        case .sample: data = modelOutput
        case .vPrediction: data = sample * alpha - modelOutput * sigma
        }
        dataPredictions = Array((dataPredictions + [data]).suffix(solverOrder))

        let (alphaT, sigmaT) = Self.alphaSigma(sigmaValues[index + 1])
        let lambdaT = logf(alphaT) - logf(sigmaT)
        let lambdaS0 = logf(alpha) - logf(sigma)
        let h = lambdaT - lambdaS0
        let decay = alphaT * (expf(-h) - 1)
        var result = sample * (sigmaT / sigma) - data * decay
        if solverOrder == 2 && lowerOrderCount >= 1 && !finalStep && dataPredictions.count == 2 {
            let (alphaS1, sigmaS1) = Self.alphaSigma(sigmaValues[index - 1])
            let lambdaS1 = logf(alphaS1) - logf(sigmaS1)
            let r0 = (lambdaS0 - lambdaS1) / h
            let d1 = (data - dataPredictions[0]) * (1 / r0)
            if heunSolver {
                result = result + d1 * (alphaT * ((expf(-h) - 1) / h + 1))
            } else {
                result = result - d1 * (0.5 * decay)
            }
        }
        if lowerOrderCount < solverOrder { lowerOrderCount += 1 }
        cursor.advance()
        return result
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try requireSameShape(original, noise, "addNoise")
        let index = try cursor.noiseIndex(timestep, in: timesteps, lookup: Self.lookup)
        guard index < sigmaValues.count else { throw .invalidSchedulerArgument("addNoise: step index \(index) is past the schedule") }
        let (alpha, sigma) = Self.alphaSigma(sigmaValues[index])
        return original * alpha + noise * sigma
    }

    /// α_t = 1/√(σ²+1) and σ_t = σ·α_t of a Karras σ.
    private static func alphaSigma(_ sigma: Float) -> (Float, Float) {
        let alpha = 1 / (sigma * sigma + 1).squareRoot()
        return (alpha, sigma * alpha)
    }

    /// This class's `index_for_timestep`: an unknown timestep maps to the last step.
    private static func lookup(_ timestep: Float, _ timesteps: [Float]) throws(DiffusionModelsError) -> Int {
        let matches = timesteps.indices.filter { timesteps[$0] == timestep }
        if matches.isEmpty { return timesteps.count - 1 }
        return matches.count > 1 ? matches[1] : matches[0]
    }
}
