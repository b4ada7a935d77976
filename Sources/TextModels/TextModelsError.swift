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
}

extension TextModelsError: LocalizedError {
    public var errorDescription: String? {
        switch self {
        case let .invalidTokenizer(path, reason): "\(path): invalid tokenizer: \(reason)"
        case let .unsupportedTokenizerComponent(kind, type): "unsupported tokenizer \(kind) '\(type)'"
        case let .chatTemplate(message): "chat template: \(message)"
        case let .invalidTokenID(id, size): "token id \(id) is outside the vocabulary (size \(size))"
        }
    }
}
