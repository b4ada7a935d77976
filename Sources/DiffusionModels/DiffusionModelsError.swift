#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Errors thrown by `DiffusionModels` when a configuration, argument or call order cannot be used as given.
/// Each case says what is wrong and how to fix it.
public enum DiffusionModelsError: Error, Equatable, Sendable {
    /// `scheduler_config.json` names a scheduler class we do not implement.
    case unsupportedScheduler(className: String, supported: [String])
    /// A scheduler configuration field has a value we do not support or that is out of range.
    case invalidSchedulerConfig(field: String, reason: String)
    /// An argument to a scheduler call is out of range (step counts, strengths, timesteps, shapes).
    case invalidSchedulerArgument(String)
    /// A scheduler method was called before `setTimesteps(_:)`.
    case timestepsNotSet(scheduler: String)
}

extension DiffusionModelsError: LocalizedError {
    /// A message that says what is wrong and how to fix it.
    public var errorDescription: String? {
        switch self {
        case let .unsupportedScheduler(className, supported):
            "scheduler class '\(className)' is not supported; supported classes: \(supported.joined(separator: ", "))"
        case let .invalidSchedulerConfig(field, reason): "scheduler config field '\(field)': \(reason)"
        case let .invalidSchedulerArgument(message): message
        case let .timestepsNotSet(scheduler): "\(scheduler): call setTimesteps(_:) before stepping or adding noise"
        }
    }
}
