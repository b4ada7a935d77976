#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Errors thrown by `TextModels`: tokenizer files, model configurations, prompts and generation requests
/// that cannot be used as given. Each case says what is wrong and where.
public enum TextModelsError: Error, Equatable, Sendable {
    /// `tokenizer.json` (or a related file) is malformed or uses a component we do not implement.
    case invalidTokenizer(path: String, reason: String)
    /// A tokenizer component type is not supported.
    case unsupportedTokenizerComponent(kind: String, type: String)
    /// A chat template could not be parsed or uses a feature we do not support.
    case chatTemplate(String)
    /// A token id outside the vocabulary.
    case invalidTokenID(Int, vocabularySize: Int)
    /// A model's `config.json` (or `generation_config.json`) is malformed or describes an impossible model.
    case invalidConfiguration(path: String, reason: String)
    /// `config.json` names a `model_type` (or a setting) that no decoder here implements.
    case unsupportedModelType(String, supported: [String])
    /// The prompt plus the tokens to generate do not fit in the model's context or the cache's capacity.
    case contextOverflow(needed: Int, available: Int)
    /// A generation setting (temperature, top-p, …) is outside its valid range.
    case invalidGenerationParameter(name: String, reason: String)
    /// Input handed to a model's forward pass does not fit it (ragged batch, empty input).
    case invalidModelInput(String)
}

extension TextModelsError: LocalizedError {
    public var errorDescription: String? {
        switch self {
        case let .invalidTokenizer(path, reason): "\(path): invalid tokenizer: \(reason)"
        case let .unsupportedTokenizerComponent(kind, type): "unsupported tokenizer \(kind) '\(type)'"
        case let .chatTemplate(message): "chat template: \(message)"
        case let .invalidTokenID(id, size): "token id \(id) is outside the vocabulary (size \(size))"
        case let .invalidConfiguration(path, reason): "\(path): invalid model configuration: \(reason)"
        case let .unsupportedModelType(type, supported):
            "model_type '\(type)' is not supported (supported: \(supported.joined(separator: ", ")))"
        case let .contextOverflow(needed, available):
            "\(needed) positions are needed but only \(available) fit in the context; shorten the prompt or lower max new tokens"
        case let .invalidGenerationParameter(name, reason): "generation parameter \(name): \(reason)"
        case let .invalidModelInput(message): message
        }
    }
}
