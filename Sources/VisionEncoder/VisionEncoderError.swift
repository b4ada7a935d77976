#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Errors thrown by `VisionEncoder`: preprocessor and model configurations that cannot be used as given.
public enum VisionEncoderError: Error, Equatable, Sendable {
    /// `preprocessor_config.json` is malformed or asks for something we do not implement.
    case invalidPreprocessorConfig(path: String, reason: String)
}

extension VisionEncoderError: LocalizedError {
    public var errorDescription: String? {
        switch self {
        case let .invalidPreprocessorConfig(path, reason): "\(path): invalid preprocessor config: \(reason)"
        }
    }
}
