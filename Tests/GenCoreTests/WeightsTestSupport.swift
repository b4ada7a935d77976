import Foundation
import Testing
@testable import GenCore

/// Fixture access and comparison helpers shared by the Weights*Tests suites. Fixtures and expected values
/// come from Tools/make_weight_fixtures.py (safetensors 0.8, torch, numpy).
enum WeightsFixtures {
    static func directory() throws -> String {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent("Weights").path
    }

    static func path(_ name: String) throws -> String { try directory() + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: try path(name))))
    }

    /// One tensor as recorded by Python: dtype name, shape, and raw bit patterns (floats) or values (ints).
    struct ExpectedTensor: Decodable {
        let dtype: String
        let shape: [Int]
        let bits: [Int64]
    }

    struct ExpectedFile: Decodable {
        let metadata: [String: String]?
        let tensors: [String: ExpectedTensor]
    }

    struct Expected: Decodable {
        let mixed: ExpectedFile
        let unaligned: ExpectedFile
        let sharded: ExpectedFile
        let npy: [String: ExpectedTensor]

        enum CodingKeys: String, CodingKey {
            case mixed = "mixed.safetensors", unaligned = "unaligned.safetensors", sharded, npy
        }
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(try bytes("expected.json")))
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

/// A temporary folder for files a test writes, removed when the test's suite instance goes away.
final class ScratchFolder {
    let root: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("genkit-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        root = url.path
    }

    /// A fresh empty subfolder.
    func folder() throws -> String {
        let path = root + "/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}

extension Tensor {
    /// Row-major raw bit patterns for float dtypes and values for integer dtypes, as recorded by the fixture script.
    var rawBits: [Int64] {
        let t = contiguous()
        let p = t.rawPointer
        return (0..<t.count).map { i in
            switch dtype {
            case .float32: Int64(p.load(fromByteOffset: 4 * i, as: UInt32.self))
            case .float16, .bfloat16: Int64(p.load(fromByteOffset: 2 * i, as: UInt16.self))
            case .int32: Int64(p.load(fromByteOffset: 4 * i, as: Int32.self))
            case .int64: p.load(fromByteOffset: 8 * i, as: Int64.self)
            }
        }
    }

    /// Builds a tensor from the fixture script's description.
    init(expected: WeightsFixtures.ExpectedTensor) throws {
        let dtype = try #require(DType(rawValue: expected.dtype))
        self.init(uninitialized: expected.shape, dtype: dtype)
        let p = storage.baseAddress
        for (i, value) in expected.bits.enumerated() {
            switch dtype {
            case .float32: p.storeBytes(of: UInt32(value), toByteOffset: 4 * i, as: UInt32.self)
            case .float16, .bfloat16: p.storeBytes(of: UInt16(value), toByteOffset: 2 * i, as: UInt16.self)
            case .int32: p.storeBytes(of: Int32(value), toByteOffset: 4 * i, as: Int32.self)
            case .int64: p.storeBytes(of: value, toByteOffset: 8 * i, as: Int64.self)
            }
        }
    }
}

/// Runs `body` and returns the ``GenCoreError`` it throws (recording an issue if it throws nothing or something else).
func genCoreError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> GenCoreError? {
    do {
        try body()
        Issue.record("expected a GenCoreError, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as GenCoreError {
        return error
    } catch {
        Issue.record("expected a GenCoreError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Checks that `error` is `.invalidWeightFile` for `path` with a reason containing `phrase`.
func expectInvalidWeightFile(
    _ error: GenCoreError?, path: String, mentioning phrase: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard case let .invalidWeightFile(errorPath, reason) = error else {
        Issue.record("expected .invalidWeightFile mentioning '\(phrase)', got \(String(describing: error))", sourceLocation: sourceLocation)
        return
    }
    #expect(errorPath == path, sourceLocation: sourceLocation)
    #expect(reason.contains(phrase), "reason '\(reason)' should mention '\(phrase)'", sourceLocation: sourceLocation)
}
