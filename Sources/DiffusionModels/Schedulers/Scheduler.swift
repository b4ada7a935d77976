import GenCore

/// A diffusers-compatible noise scheduler: it places the denoising timesteps, scales model inputs, advances the
/// sample one step from a model output, and noises clean samples for image-to-image.
///
/// Schedulers are value types with mutable stepping state (step index, multistep history): call
/// ``setTimesteps(_:)`` once per generation, then ``scaleModelInput(_:timestep:)`` and
/// ``step(modelOutput:timestep:sample:generator:)`` for each of ``timesteps`` in order. Copy a scheduler to run
/// independent generations. Stochastic schedulers draw their noise from the ``TorchGenerator`` passed to `step`,
/// exactly as diffusers draws it from a `torch.Generator`, so a run seeded the same way reproduces diffusers.
public protocol Scheduler: Sendable {
    /// The diffusers class this scheduler reproduces, e.g. `"EulerDiscreteScheduler"`.
    static var className: String { get }
    /// The training noise schedule.
    var schedule: NoiseSchedule { get }
    /// The timesteps of the current run, in the order they are visited. Discrete schedulers hold whole numbers.
    var timesteps: [Float] { get }
    /// The standard deviation of the initial noise (`init_noise_sigma`); scale `randn` latents by it.
    var initNoiseSigma: Float { get }
    /// How many model evaluations each entry of ``timesteps`` stands for (diffusers' `order`; 1 for all here).
    var order: Int { get }
    /// The noise levels per timestep plus a final one, for sigma-based schedulers; nil otherwise.
    var sigmas: [Float]? { get }
    /// The step count last passed to ``setTimesteps(_:)`` (PNDM visits one timestep more than this).
    var inferenceStepCount: Int { get }

    /// Places `numInferenceSteps` timesteps and resets the stepping state.
    mutating func setTimesteps(_ numInferenceSteps: Int) throws(DiffusionModelsError)
    /// Starts stepping at index `beginIndex` of ``timesteps`` (image-to-image); see ``img2imgTimesteps(strength:)``.
    mutating func setBeginIndex(_ beginIndex: Int)
    /// The model input for `sample` at `timestep` (identity for most schedulers).
    mutating func scaleModelInput(_ sample: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor
    /// The previous (less noisy) sample given the model output at `timestep`.
    mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor,
                       generator: inout TorchGenerator) throws(DiffusionModelsError) -> Tensor
    /// `original` noised to the level of `timestep` with `noise` (diffusers' `add_noise` for one timestep).
    func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor
}

extension Scheduler {
    /// 1: every scheduler here evaluates the model once per timestep.
    public var order: Int { 1 }
    public var sigmas: [Float]? { nil }
    public var inferenceStepCount: Int { timesteps.count / order }
    public mutating func setBeginIndex(_ beginIndex: Int) {}
    public mutating func scaleModelInput(_ sample: Tensor, timestep: Float) throws(DiffusionModelsError) -> Tensor { sample }

    /// The timesteps an image-to-image run visits for `strength` in [0, 1], as diffusers'
    /// `StableDiffusionImg2ImgPipeline.get_timesteps` computes them; also sets the begin index as that pipeline
    /// does. Noise the encoded image to the first returned timestep with ``addNoise(original:noise:timestep:)``.
    public mutating func img2imgTimesteps(strength: Double) throws(DiffusionModelsError) -> [Float] {
        guard strength >= 0 && strength <= 1 else {
            throw .invalidSchedulerArgument("strength must be in [0, 1], got \(strength)")
        }
        guard !timesteps.isEmpty else { throw .timestepsNotSet(scheduler: Self.className) }
        let steps = inferenceStepCount
        let initTimestep = min(Int(Double(steps) * strength), steps)
        let start = max(steps - initTimestep, 0) * order
        setBeginIndex(start)
        return Array(timesteps[start...])
    }
}

/// Checks the shapes handed to `step` / `addNoise` from outside.
func requireSameShape(_ a: Tensor, _ b: Tensor, _ what: String) throws(DiffusionModelsError) {
    guard a.shape == b.shape, a.dtype == .float32, b.dtype == .float32 else {
        throw .invalidSchedulerArgument("\(what): expected two float32 tensors of one shape, got \(a) and \(b)")
    }
}

/// The `prediction_type` values a scheduler class accepts.
enum PredictionType: String, Sendable {
    case epsilon, sample
    case vPrediction = "v_prediction"

    init(_ value: String?, supported: [PredictionType]) throws(DiffusionModelsError) {
        let raw = value ?? "epsilon"
        guard let type = PredictionType(rawValue: raw == "original_sample" ? "sample" : raw), supported.contains(type) else {
            throw .invalidSchedulerConfig(field: "prediction_type",
                                          reason: "'\(raw)' is not supported here (\(supported.map(\.rawValue).joined(separator: ", ")) are)")
        }
        self = type
    }
}
