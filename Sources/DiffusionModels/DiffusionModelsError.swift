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
    /// A model `config.json` names a `_class_name` this loader does not build.
    case unsupportedModel(className: String, supported: [String])
    /// A model configuration field names a block type or mode we do not implement.
    case unsupportedConfigValue(field: String, value: String, supported: [String])
    /// A model configuration field is missing, inconsistent with another or out of range.
    case invalidModelConfig(field: String, reason: String)
    /// An input passed to a model has the wrong shape or values.
    case invalidModelInput(String)
    /// A pipeline folder lacks a file or folder it needs (`model_index.json`, `unet/`, `scheduler/scheduler_config.json`, …).
    case missingPipelineFile(path: String)
    /// A generation request cannot be run as given (size, step count, strength, latents, prompt).
    case invalidPipelineArgument(String)
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
        case let .unsupportedModel(className, supported):
            "model class '\(className)' is not supported here; supported classes: \(supported.joined(separator: ", "))"
        case let .unsupportedConfigValue(field, value, supported):
            "model config field '\(field)': '\(value)' is not supported; supported: \(supported.joined(separator: ", "))"
        case let .invalidModelConfig(field, reason): "model config field '\(field)': \(reason)"
        case let .invalidModelInput(message): message
        case let .missingPipelineFile(path): "\(path) is missing: a diffusers pipeline folder needs it"
        case let .invalidPipelineArgument(message): message
        }
    }
}
