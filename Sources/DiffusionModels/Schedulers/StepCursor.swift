/// The position of a stateful scheduler within its timesteps (diffusers' `_step_index` and `_begin_index`).
struct StepCursor: Sendable {
    private(set) var stepIndex: Int?
    var beginIndex: Int?

    mutating func reset() {
        stepIndex = nil
        beginIndex = nil
    }

    /// The index of the step at `timestep`, found on first use from the begin index or the timestep itself.
    mutating func current(_ timestep: Float, in timesteps: [Float], scheduler: String,
                          lookup: (Float, [Float]) throws(DiffusionModelsError) -> Int = indexForTimestep) throws(DiffusionModelsError) -> Int {
        guard !timesteps.isEmpty else { throw .timestepsNotSet(scheduler: scheduler) }
        if stepIndex == nil {
            if let beginIndex { stepIndex = beginIndex } else { stepIndex = try lookup(timestep, timesteps) }
        }
        guard let index = stepIndex, index < timesteps.count else {
            throw .invalidSchedulerArgument("\(scheduler): stepped past the last timestep; call setTimesteps(_:) again")
        }
        return index
    }

    /// Moves to the next step.
    mutating func advance() { stepIndex = (stepIndex ?? 0) + 1 }

    /// The step whose noise level `add_noise` uses: the current step, else the begin index, else the timestep's.
    func noiseIndex(_ timestep: Float, in timesteps: [Float],
                    lookup: (Float, [Float]) throws(DiffusionModelsError) -> Int = indexForTimestep) throws(DiffusionModelsError) -> Int {
        if let index = stepIndex ?? beginIndex { return index }
        return try lookup(timestep, timesteps)
    }
}
