import Foundation
import Testing
@testable import GenCore

/// `.npy` reading and writing. Reference: files written by numpy 2.4 `np.save` / `format.write_array`, values
/// recorded by Python; compared bitwise. Writer output must equal `np.save`'s bytes.
@Suite struct WeightsNumpyTests {
    private let scratch: ScratchFolder
    init() throws { scratch = try ScratchFolder() }
    @Test func readsEveryFixtureBitExactly() throws {
        let expected = try WeightsFixtures.expected().npy
        for (name, want) in expected {
            let tensor = try NumpyArray.read(contentsOf: try WeightsFixtures.path(name))
            #expect(tensor.dtype.rawValue == want.dtype, "\(name)")
            #expect(tensor.shape == want.shape, "\(name)")
            #expect(tensor.rawBits == want.bits, "\(name)")
        }
        for version in ["v2_f32.npy", "v3_f32.npy"] {
            #expect(try NumpyArray.read(contentsOf: try WeightsFixtures.path(version)).rawBits == expected["f32.npy"]?.bits, "\(version)")
        }
        #expect(try NumpyArray.read(contentsOf: try WeightsFixtures.path("f32.npy")).storage.isReadOnly, "aligned data should be mapped, not copied")
    }

    @Test func writerMatchesNumpySave() throws {
        let expected = try WeightsFixtures.expected().npy
        for name in ["f32.npy", "f16.npy", "i32.npy", "i64.npy", "scalar_f32.npy", "empty_i64.npy"] {
            let want = try #require(expected[name])
            let tensor = try Tensor(expected: want)
            #expect(try NumpyArray.serialized(tensor) == WeightsFixtures.bytes(name), "\(name)")
            let out = try scratch.folder() + "/" + name
            try NumpyArray.write(tensor, to: out)
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: out))) == WeightsFixtures.bytes(name), "\(name)")
        }
        let transposed = Tensor(shape: [2, 3], values: [Float](arrayLiteral: 1, 2, 3, 4, 5, 6)).transposed()
        let out = try scratch.folder() + "/t.npy"
        try NumpyArray.write(transposed, to: out)
        #expect(try NumpyArray.read(contentsOf: out).scalars(as: Float.self) == [1, 4, 2, 5, 3, 6])
        guard case .invalidArgument = genCoreError({ _ = try NumpyArray.serialized(transposed.converted(to: .bfloat16)) }) else {
            Issue.record("bfloat16 must be refused"); return
        }
    }

    @Test func unsupportedElementTypesAreRejected() throws {
        for (name, descr) in [("bool.npy", "|b1"), ("f64.npy", "<f8")] {
            let path = try WeightsFixtures.path(name)
            #expect(genCoreError { _ = try NumpyArray.read(contentsOf: path) } == .unsupportedDType(path: path, tensor: "array", dtype: descr))
        }
        let path = try WeightsFixtures.path("big_endian_f32.npy")
        expectInvalidWeightFile(genCoreError { _ = try NumpyArray.read(contentsOf: path) }, path: path, mentioning: "big-endian")
    }

    @Test func malformedFilesAreRejected() throws {
        let valid = try WeightsFixtures.bytes("f32.npy")
        let path = try scratch.folder() + "/bad.npy"
        func rejects(_ bytes: [UInt8], mentioning phrase: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try WeightsFixtures.write(bytes, to: path)
            expectInvalidWeightFile(genCoreError({ _ = try NumpyArray.read(contentsOf: path) }, sourceLocation: sourceLocation),
                                    path: path, mentioning: phrase, sourceLocation: sourceLocation)
        }
        func withHeader(_ dict: String) -> [UInt8] {
            var text = Array(dict.utf8)
            text += [UInt8](repeating: UInt8(ascii: " "), count: 117 - text.count) + [UInt8(ascii: "\n")]
            return Array(valid.prefix(8)) + [UInt8(text.count), 0] + text + valid.suffix(48)
        }
        try rejects([], mentioning: "magic")
        try rejects(Array(valid.prefix(9)), mentioning: "header length")
        try rejects(Array("PK\u{3}\u{4}NUMPY".utf8), mentioning: "magic")
        try rejects(Array(valid.prefix(60)), mentioning: "runs past the end")
        try rejects(Array(valid.dropLast()), mentioning: "needs 48 data bytes but the file has 47")
        try rejects(valid + [0], mentioning: "needs 48 data bytes but the file has 49")
        var version = valid
        version[6] = 4
        try rejects(version, mentioning: "version 4.0")
        // Sanity check of the header builder, then broken headers.
        try WeightsFixtures.write(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"), to: path)
        #expect(try NumpyArray.read(contentsOf: path).shape == [3, 4])
        try rejects(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -4), }"), mentioning: "non-negative")
        try rejects(withHeader("{'descr': '<f4', 'fortran_order': 0, 'shape': (3, 4), }"), mentioning: "True or False")
        try rejects(withHeader("{'descr': '<f4', 'shape': (3, 4), }"), mentioning: "must have")
        try rejects(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'x': 1}"), mentioning: "unexpected key")
        try rejects(withHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3, 4), }"), mentioning: "structured")
        try rejects(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)"), mentioning: "expected")
        try rejects(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 16), }"), mentioning: "needs 192 data bytes")
        try rejects(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"), mentioning: "too many elements")
    }
}
