#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Errors thrown by `VisionEncoder`: preprocessor and model configurations that cannot be used as given.
public enum VisionEncoderError: Error, Equatable, Sendable {
    /// `preprocessor_config.json` is malformed or asks for something we do not implement.
    case invalidPreprocessorConfig(path: String, reason: String)
    /// An input image cannot be processed as configured (channel count, mixed sizes without padding, ...).
    case unsupportedImage(reason: String)
    /// A resize or crop target is out of range (non-positive, or larger than we allocate).
    case invalidResizeTarget(reason: String)
}

extension VisionEncoderError: LocalizedError {
    public var errorDescription: String? {
        switch self {
        case let .invalidPreprocessorConfig(path, reason): "\(path): invalid preprocessor config: \(reason)"
        case let .unsupportedImage(reason): "unsupported image: \(reason)"
        case let .invalidResizeTarget(reason): "invalid resize target: \(reason)"
        }
    }
}
