import GenCore

/// diffusers' `PNDMScheduler` in the PLMS-only form Stable Diffusion configures (`skip_prk_steps: true`): a linear
/// multistep method over the last four model outputs, with a warm-up that evaluates the first timestep twice.
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

    /// Builds the scheduler from a config, with PNDM's defaults for fields it leaves out. Throws for
    /// `skip_prk_steps: false` (the Runge-Kutta warm-up), which is not implemented.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config)
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .vPrediction])
        placement = try TimestepPlacement(config, defaultSpacing: .leading)
        finalAlphaCumprod = config.setAlphaToOne ?? false ? 1 : schedule.alphasCumprod[0]
        guard config.skipPrkSteps == true else {
            throw .invalidSchedulerConfig(field: "skip_prk_steps",
                                          reason: "only the PLMS form (skip_prk_steps: true, as Stable Diffusion uses) is supported")
        }
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        try TimestepSpacing.validate(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        inferenceSteps = numInferenceSteps
        // PLMS visits the base timesteps from the highest down, repeating the second one (the warm-up step).
        let ascending = Array(placement.integerTimesteps(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps).reversed())
        var plms = Array(ascending.dropLast())
        if ascending.count >= 2 { plms.append(ascending[ascending.count - 2]) }
        plms.append(ascending[ascending.count - 1])
        timesteps = plms.reversed()
        history = []
        warmupSample = nil
        counter = 0
    }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                              generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor {
        guard inferenceSteps > 0 else { throw .timestepsNotSet(scheduler: Self.className) }
        try requireSameShape(modelOutput, sample, "PNDMScheduler.step")
        var t = try schedule.validatedIndex(timestep)
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
