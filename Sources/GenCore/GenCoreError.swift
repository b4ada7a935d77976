#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Errors thrown by `GenCore` when data from outside (files, buffers, arguments) is not what it must be.
/// Every case names the file or argument and says what is wrong in words a user can act on.
public enum GenCoreError: Error, Equatable, Sendable {
    /// A file could not be opened, read, mapped or written.
    case io(path: String, reason: String)
    /// A weight file (safetensors, npy, index JSON) is malformed.
    case invalidWeightFile(path: String, reason: String)
    /// A dtype string in a weight file is not one we read.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor a model needs is not in its checkpoint.
    case missingTensor(name: String, path: String)
    /// A tensor exists but its shape differs from what the model expects.
    case shapeMismatch(name: String, expected: [Int], actual: [Int], path: String)
    /// An image file could not be decoded or encoded.
    case invalidImage(path: String, reason: String)
    /// An image is larger than the configured pixel limit (decompression-bomb guard).
    case imageTooLarge(path: String, width: Int, height: Int, limit: Int)
    /// An argument to a public API is out of its valid range.
    case invalidArgument(String)
    /// A JSON configuration file (`config.json`, …) is malformed or has a field of the wrong type.
    case invalidConfig(path: String, reason: String)
}

extension GenCoreError: LocalizedError {
    public var errorDescription: String? {
        switch self {
        case let .io(path, reason): "\(path): \(reason)"
        case let .invalidWeightFile(path, reason): "\(path): not a valid weight file: \(reason)"
        case let .unsupportedDType(path, tensor, dtype):
            "\(path): tensor '\(tensor)' has dtype \(dtype), which is not supported (F32, F16, BF16, I32, I64 are)"
        case let .missingTensor(name, path): "\(path): tensor '\(name)' is missing from the checkpoint"
        case let .shapeMismatch(name, expected, actual, path):
            "\(path): tensor '\(name)' has shape \(actual), expected \(expected)"
        case let .invalidImage(path, reason): "\(path): cannot read image: \(reason)"
        case let .imageTooLarge(path, width, height, limit):
            "\(path): image is \(width)×\(height) = \(width * height) pixels, above the limit of \(limit)"
        case let .invalidArgument(message): message
        case let .invalidConfig(path, reason): "\(path): invalid configuration: \(reason)"
        }
    }
}
