#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Errors thrown by `VisionEncoder`: preprocessor and model configurations that cannot be used as given.
public enum VisionEncoderError: Error, Equatable, Sendable {
    /// `preprocessor_config.json` is malformed or asks for something we do not implement.
    case invalidPreprocessorConfig(path: String, reason: String)
    /// A model `config.json` is malformed or describes an impossible model.
    case invalidModelConfig(String)
    /// `model_type` names an architecture this package does not implement.
    case unsupportedArchitecture(modelType: String, supported: [String])
    /// Pixel values handed to an encoder do not have the shape it was configured for.
    case invalidPixelValues(expected: [Int], actual: [Int])
    /// An input image cannot be processed as configured (channel count, mixed sizes without padding, ...).
    case unsupportedImage(reason: String)
    /// A hidden state was asked for by an index outside `0..<count` (index 0 is what enters the first layer).
    case hiddenStateOutOfRange(Int, count: Int)
}

extension VisionEncoderError: LocalizedError {
    public var errorDescription: String? {
        switch self {
        case let .invalidPreprocessorConfig(path, reason): "\(path): invalid preprocessor config: \(reason)"
        case let .invalidModelConfig(reason): "invalid model config: \(reason)"
        case let .unsupportedArchitecture(modelType, supported):
            "model_type '\(modelType)' is not supported; supported vision encoders: \(supported.joined(separator: ", "))"
        case let .invalidPixelValues(expected, actual):
            "pixel values must be float32 with shape \(expected) (-1: any batch size), got \(actual)"
        case let .unsupportedImage(reason): "unsupported image: \(reason)"
        case let .hiddenStateOutOfRange(index, count):
            "hidden state \(index) does not exist: the encoder has \(count) (0 enters the first layer, \(count - 1) leaves the last)"
        }
    }
}
