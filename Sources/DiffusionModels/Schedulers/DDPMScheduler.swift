#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GenCore

/// diffusers' `DDPMScheduler`: ancestral DDPM sampling with fixed variances.
public struct DDPMScheduler: Scheduler {
    public static let className = "DDPMScheduler"
    public let schedule: NoiseSchedule
    public private(set) var timesteps: [Float] = []
    public var initNoiseSigma: Float { 1 }

    let prediction: PredictionType
    let placement: TimestepPlacement
    let clipping: SampleClipping
    let varianceType: String

    /// Builds the scheduler from a config, with DDPM's defaults for fields it leaves out.
    public init(config: SchedulerConfig) throws(DiffusionModelsError) {
        schedule = try NoiseSchedule(config: config)
        prediction = try PredictionType(config.predictionType, supported: [.epsilon, .sample, .vPrediction])
        placement = try TimestepPlacement(config, defaultSpacing: .leading)
        clipping = try SampleClipping(config, enabledByDefault: true)
        varianceType = config.varianceType ?? "fixed_small"
        guard ["fixed_small", "fixed_small_log", "fixed_large"].contains(varianceType) else {
            throw .invalidSchedulerConfig(field: "variance_type",
                                          reason: "'\(varianceType)' is not supported (fixed_small, fixed_small_log, fixed_large are)")
        }
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError) {
        try TimestepSpacing.validate(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
        timesteps = placement.integerTimesteps(steps: numInferenceSteps, trainTimesteps: schedule.trainTimesteps)
    }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                              generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor {
        guard !timesteps.isEmpty else { throw .timestepsNotSet(scheduler: Self.className) }
        try requireSameShape(modelOutput, sample, "DDPMScheduler.step")
        let t = try schedule.validatedIndex(timestep)
        // The previous timestep is the next entry of the schedule (-1 after the last).
        guard let index = timesteps.firstIndex(of: timestep) else {
            throw .invalidSchedulerArgument("timestep \(timestep) is not one of this run's timesteps")
        }
        let previous = index + 1 < timesteps.count ? Int(timesteps[index + 1]) : -1
        let alphaProd = schedule.alphasCumprod[t]
        let alphaProdPrevious = schedule.alphaCumprod(previous, fallback: 1)
        let betaProd = 1 - alphaProd, betaProdPrevious = 1 - alphaProdPrevious
        let currentAlpha = alphaProd / alphaProdPrevious
        let currentBeta = 1 - currentAlpha

        let original = clipping.apply(alphaPredictedOriginal(prediction, alphaProd: alphaProd, modelOutput: modelOutput, sample: sample))
        let originalCoefficient = alphaProdPrevious.squareRoot() * currentBeta / betaProd
        let sampleCoefficient = currentAlpha.squareRoot() * betaProdPrevious / betaProd
        var previousSample = original * originalCoefficient + sample * sampleCoefficient
        if t > 0 {
            let noise = generator.randn(modelOutput.shape)
            let variance = max(betaProdPrevious / betaProd * currentBeta, 1e-20)
            let scale: Float
            switch varianceType {
            case "fixed_small_log": scale = exp(0.5 * log(variance))
            case "fixed_large": scale = currentBeta.squareRoot()
            default: scale = variance.squareRoot()
            }
            previousSample = previousSample + noise * scale
        }
        return previousSample
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor {
        try alphaAddNoise(schedule, original: original, noise: noise, timestep: timestep)
    }
}
