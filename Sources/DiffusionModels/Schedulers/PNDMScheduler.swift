import GenCore

/// diffusers' `PNDMScheduler`: a linear multistep (PLMS) method over the last four model outputs. With
/// `skip_prk_steps: true` (as Stable Diffusion configures it) the warm-up evaluates the second timestep twice;
/// otherwise (diffusers' default) three Runge-Kutta steps of four evaluations each start the history.
public struct PNDMScheduler: Scheduler {
    public static let className = "PNDMScheduler"
    public let schedule: NoiseSchedule
    public private(set) var timesteps: [Float] = []
    public var initNoiseSigma: Float { 1 }

    let prediction: PredictionType
    let placement: TimestepPlacement
    let finalAlphaCumprod: Float
    private var inferenceSteps = 0
    public var inferenceStepCount: Int { inferenceSteps }
    /// Model outputs of past steps (diffusers' `ets`), the warm-up's first sample, and the step counter.
    private var history: [Tensor] = []
    private var warmupSample: Tensor?
    private var counter = 0
    let skipRungeKutta: Bool
    /// The Runge-Kutta warm-up's timesteps (empty with `skip_prk_steps`) and its running weighted model output.
    private var rungeKuttaTimesteps: [Int] = []
    private var rungeKuttaSum: Tensor?

    /// Builds the scheduler from a config, with PNDM's defaults for fields it leaves out.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config, zeroTerminalSNR: .ignored)
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .vPrediction])
        placement = try TimestepPlacement(config, defaultSpacing: .leading)
        finalAlphaCumprod = config.setAlphaToOne ?? false ? 1 : schedule.alphasCumprod[0]
        skipRungeKutta = config.skipPrkSteps ?? false
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        try TimestepSpacing.validate(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        inferenceSteps = numInferenceSteps
        let ascending = Array(placement.integerTimesteps(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
            .reversed().map { Int($0) })
        if skipRungeKutta {
            // PLMS visits the base timesteps from the highest down, repeating the second one (the warm-up step).
            var plms = Array(ascending.dropLast())
            if ascending.count >= 2 { plms.append(ascending[ascending.count - 2]) }
            plms.append(ascending[ascending.count - 1])
            rungeKuttaTimesteps = []
            timesteps = plms.reversed().map { Float($0) }
        } else {
            guard ascending.count >= 4 else {
                throw .invalidSchedulerArgument("PNDMScheduler with skip_prk_steps: false needs at least 4 steps, got \(numInferenceSteps)")
            }
            // Each of the top four timesteps t is paired with t + half a step; the Runge-Kutta steps visit
            // t+h/2 twice between t values (diffusers' repeat/tile/slice construction).
            let half = schedule.trainTimesteps / numInferenceSteps / 2
            let pairs = ascending.suffix(4).flatMap { [$0, $0 + half] }
            let doubled = pairs.dropLast().flatMap { [$0, $0] }
            rungeKuttaTimesteps = Array(doubled.dropFirst().dropLast().reversed())
            timesteps = (rungeKuttaTimesteps + ascending.dropLast(3).reversed()).map { Float($0) }
        }
        history = []
        warmupSample = nil
        rungeKuttaSum = nil
        counter = 0
    }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                              generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor {
        guard inferenceSteps > 0 else { throw .timestepsNotSet(scheduler: Self.className) }
        try requireSameShape(modelOutput, sample, "PNDMScheduler.step")
        var t = try schedule.validatedIndex(timestep)
        if counter < rungeKuttaTimesteps.count { return rungeKuttaStep(modelOutput: modelOutput, t: t, sample: sample) }
        let stride = schedule.trainTimesteps / inferenceSteps
        var previous = t - stride
        if counter != 1 {
            history = Array(history.suffix(3))
            history.append(modelOutput)
        } else {
            previous = t
            t += stride
        }
        var current = sample
        let output: Tensor
        switch (history.count, counter) {
        case (1, 0):
            output = modelOutput
            warmupSample = sample
        case (1, 1):
            output = (modelOutput + history[0]) / 2
            current = warmupSample ?? sample
            warmupSample = nil
        case (2, _):
            output = (history[1] * 3 - history[0]) / 2
        case (3, _):
            output = (history[2] * 23 - history[1] * 16 + history[0] * 5) / 12
        default:
            let e = history.suffix(4).map { $0 }
            output = (e[3] * 55 - e[2] * 59 + e[1] * 37 - e[0] * 9) * Float(1.0 / 24.0)
        }
        counter += 1
        guard t < schedule.trainTimesteps else {
            throw .invalidSchedulerArgument("timestep \(timestep) is not one of this run's timesteps")
        }
        return previousSample(current, t, previous, output)
    }

    /// One evaluation of the Runge-Kutta warm-up (diffusers' `step_prk`): four evaluations per step, weighted
    /// 1/6, 1/3, 1/3, 1/6, each advancing from the step's first sample.
    private mutating func rungeKuttaStep(modelOutput: Tensor, t: Int, sample: Tensor) -> Tensor {
        let previous = t - (counter % 2 == 1 ? 0 : schedule.trainTimesteps / inferenceSteps / 2)
        let stepTimestep = rungeKuttaTimesteps[counter / 4 * 4]
        var output = modelOutput
        switch counter % 4 {
        case 0:
            rungeKuttaSum = modelOutput * Float(1.0 / 6.0)
            history.append(modelOutput)
            warmupSample = sample
        case 1, 2:
            rungeKuttaSum = (rungeKuttaSum ?? Tensor(zeros: modelOutput.shape)) + modelOutput * Float(1.0 / 3.0)
        default:
            output = (rungeKuttaSum ?? Tensor(zeros: modelOutput.shape)) + modelOutput * Float(1.0 / 6.0)
            rungeKuttaSum = nil
        }
        counter += 1
        return previousSample(warmupSample ?? sample, stepTimestep, previous, output)
    }

    /// PNDM's `_get_prev_sample` (formula (9) of the PNDM paper).
    private func previousSample(_ sample: Tensor, _ t: Int, _ previous: Int, _ modelOutput: Tensor) -> Tensor {
        let alphaProd = schedule.alphasCumprod[t]
        let alphaProdPrevious = schedule.alphaCumprod(previous, fallback: finalAlphaCumprod)
        let betaProd = 1 - alphaProd, betaProdPrevious = 1 - alphaProdPrevious
        var epsilon = modelOutput
        if prediction == .vPrediction {
            epsilon = modelOutput * alphaProd.squareRoot() + sample * betaProd.squareRoot()
        }
        let sampleCoefficient = (alphaProdPrevious / alphaProd).squareRoot()
        let denominator = alphaProd * betaProdPrevious.squareRoot() + (alphaProd * betaProd * alphaProdPrevious).squareRoot()
        return sample * sampleCoefficient - epsilon * (alphaProdPrevious - alphaProd) / denominator
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try alphaAddNoise(schedule, original: original, noise: noise, timestep: timestep)
    }
}
