/// diffusers' `timestep_spacing`: how inference timesteps are placed among the training timesteps.
enum TimestepSpacing: String, Sendable {
    case leading, trailing, linspace

    init(_ value: String?, default fallback: TimestepSpacing) throws(DiffusionModelsError) {
        guard let value else { self = fallback; return }
        guard let spacing = TimestepSpacing(rawValue: value) else {
            throw .invalidSchedulerConfig(field: "timestep_spacing", reason: "'\(value)' is not one of leading, trailing, linspace")
        }
        self = spacing
    }

    /// The descending timesteps of DDPM/DDIM/Euler-style `set_timesteps` (before any integer cast), as doubles.
    func descendingTimesteps(steps: Int, trainTimesteps: Int, stepsOffset: Int) -> [Double] {
        switch self {
        case .linspace:
            return ScheduleMath.linspace(0, Double(trainTimesteps - 1), steps).reversed()
        case .leading:
            let ratio = trainTimesteps / steps
            return (0..<steps).reversed().map { Double($0 * ratio + stepsOffset) }
        case .trailing:
            let ratio = Double(trainTimesteps) / Double(steps)
            return ScheduleMath.arange(Double(trainTimesteps), 0, -ratio).map { ScheduleMath.round($0) - 1 }
        }
    }

    /// Validates a step count from outside.
    static func validate(steps: Int, trainTimesteps: Int) throws(DiffusionModelsError) {
        guard steps >= 1 && steps <= trainTimesteps else {
            throw .invalidSchedulerArgument("numInferenceSteps must be in 1...\(trainTimesteps), got \(steps)")
        }
    }
}
