#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Errors thrown by `Multimodal`: model folders, prompts and images that cannot be joined as given.
public enum MultimodalError: Error, Equatable, Sendable {
    /// `model_type` names a vision-language architecture this package does not implement.
    case unsupportedArchitecture(modelType: String, supported: [String])
    /// A configuration value is missing or impossible.
    case invalidConfiguration(path: String, reason: String)
    /// The prompt's image placeholder tokens do not match the image features to put there.
    case imageTokenMismatch(imageTokens: Int, imageFeatures: Int)
    /// A model folder lacks a file the model needs.
    case missingFile(path: String, purpose: String)
    /// A captioning-only model was asked a question.
    case questionsNotSupported(modelType: String)
    /// A caption prefix (conditional captioning) was given to a model that only captions from scratch.
    case promptPrefixNotSupported(modelType: String)
}

extension MultimodalError: LocalizedError {
    public var errorDescription: String? {
        switch self {
        case let .unsupportedArchitecture(modelType, supported):
            "model_type '\(modelType)' is not a supported vision-language model (supported: \(supported.joined(separator: ", ")))"
        case let .invalidConfiguration(path, reason): "\(path): invalid configuration: \(reason)"
        case let .imageTokenMismatch(tokens, features):
            "the prompt has \(tokens) image tokens but the image gives \(features) features; "
                + "expand the image token as the model's processor does (or use the model's prompt builder)"
        case let .missingFile(path, purpose): "\(path) is missing (needed for \(purpose))"
        case let .questionsNotSupported(modelType) where modelType == "blip":
            "this BLIP folder is a captioner (BlipForConditionalGeneration) and answers no questions; BLIP's question "
                + "answering model (BlipForQuestionAnswering) is not supported; use a LLaVA model folder to ask questions"
        case let .questionsNotSupported(modelType):
            "a '\(modelType)' model only writes captions; use a LLaVA model folder to ask questions"
        case let .promptPrefixNotSupported(modelType):
            "a '\(modelType)' model does not continue caption prefixes; conditional captioning needs a BLIP captioner"
        }
    }
}
