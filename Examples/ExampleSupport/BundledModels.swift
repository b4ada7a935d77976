import Foundation

/// The models bundled with the examples, under `Examples/DefaultModels/<name>`, found from a source file's
/// `#filePath` so that `swift run` works from any directory.
public struct BundledModels: Sendable {
    /// The `Examples` folder.
    public let examplesFolder: URL

    /// - Parameter filePath: `#filePath` of an example's `main.swift` (`Examples/<program>/main.swift`).
    public init(filePath: String) {
        examplesFolder = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `folder` when given, else the bundled model `name` when it is there, else an error asking for `--model`.
    public func folder(_ folder: String?, defaultName name: String) throws -> String {
        if let folder { return folder }
        let bundled = examplesFolder.appendingPathComponent("DefaultModels/\(name)")
        guard FileManager.default.fileExists(atPath: bundled.path) else {
            throw ExampleError("the default model \(bundled.path) is missing; pass --model DIR with a model folder")
        }
        return bundled.path
    }
}

/// A one-line failure the examples print on standard error before exiting non-zero.
public struct ExampleError: Error, LocalizedError, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var errorDescription: String? { message }
}

/// Writes `program: message` for `error` on standard error.
public func reportFailure(_ error: any Error, program: String) {
    let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
    FileHandle.standardError.write(Data("\(program): \(message)\n".utf8))
}
