import Foundation
import Testing
@testable import GenCore

/// Reading and writing `.safetensors`. Reference: files written by safetensors 0.8 (torch `save_file`), with
/// element bit patterns recorded by Python. Tolerance: exact (bitwise) everywhere.
@Suite struct WeightsSafetensorsTests {
    private let scratch: ScratchFolder
    init() throws { scratch = try ScratchFolder() }
    @Test func readsEveryDTypeBitExactly() throws {
        let expected = try WeightsFixtures.expected().mixed
        let file = try SafetensorsFile(path: try WeightsFixtures.path("mixed.safetensors"))
        #expect(file.names == expected.tensors.keys.sorted())
        #expect(file.metadata == expected.metadata)
        for (name, want) in expected.tensors {
            let tensor = try file.tensor(name)
            #expect(tensor.dtype.rawValue == want.dtype, "\(name)")
            #expect(tensor.shape == want.shape, "\(name)")
            #expect(tensor.rawBits == want.bits, "\(name)")
        }
        #expect(try file.tensor("scale").shape == [])
        #expect(try file.tensor("scale").floats == [0.125])
        #expect(try file.tensor("empty").count == 0)
    }

    @Test func alignedTensorsAreZeroCopyAndWritesDoNotReachTheFile() throws {
        let path = try WeightsFixtures.path("mixed.safetensors")
        let before = try WeightsFixtures.bytes("mixed.safetensors")
        var tensor: Tensor
        do {
            let file = try SafetensorsFile(path: path)
            tensor = try file.tensor("model.embed.weight")
            for name in file.names { #expect(try file.tensor(name).storage.isReadOnly, "\(name) should view the mapping") }
        }
        // The file object is gone; the tensor keeps the mapping alive.
        let original = tensor.scalars(as: Float.self)
        let shared = tensor
        tensor.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 1234 }
        #expect(!tensor.storage.isReadOnly)
        #expect(tensor.scalars(as: Float.self)[0] == 1234)
        #expect(shared.scalars(as: Float.self) == original)
        #expect(try SafetensorsFile(path: path).tensor("model.embed.weight").scalars(as: Float.self) == original)
        #expect(try WeightsFixtures.bytes("mixed.safetensors") == before)
    }

    @Test func misalignedDataIsCopied() throws {
        let expected = try WeightsFixtures.expected().unaligned
        let file = try SafetensorsFile(path: try WeightsFixtures.path("unaligned.safetensors"))
        let tensor = try file.tensor("w")
        #expect(!tensor.storage.isReadOnly)
        #expect(tensor.rawBits == expected.tensors["w"]?.bits)
    }

    @Test func unsupportedDTypesListButDoNotLoad() throws {
        let path = try WeightsFixtures.path("other_dtypes.safetensors")
        let file = try SafetensorsFile(path: path)
        #expect(file.names == ["double", "flags", "ok"])
        #expect(try file.info(for: "double").dtype == .f64)
        #expect(try file.info(for: "flags").shape == [2])
        #expect(genCoreError { _ = try file.tensor("double") } == .unsupportedDType(path: path, tensor: "double", dtype: "F64"))
        #expect(genCoreError { _ = try file.tensor("flags") } == .unsupportedDType(path: path, tensor: "flags", dtype: "BOOL"))
        #expect(try file.tensor("ok").floats == [1, 1])
    }

    @Test func missingTensorAndShapeMismatch() throws {
        let path = try WeightsFixtures.path("mixed.safetensors")
        let file = try SafetensorsFile(path: path)
        #expect(genCoreError { _ = try file.tensor("nope") } == .missingTensor(name: "nope", path: path))
        #expect(genCoreError { _ = try file.info(for: "nope") } == .missingTensor(name: "nope", path: path))
        #expect(genCoreError { _ = try file.tensor("positions", expectedShape: [3, 4]) }
            == .shapeMismatch(name: "positions", expected: [3, 4], actual: [4, 3], path: path))
        #expect(try file.tensor("positions", expectedShape: [4, 3]).shape == [4, 3])
        #expect(file.contains("scale") && !file.contains("nope"))
    }

    @Test func writerMatchesTheReferenceByteForByte() throws {
        let expected = try WeightsFixtures.expected().mixed
        let tensors = try expected.tensors.mapValues { try Tensor(expected: $0) }
        let reference = try WeightsFixtures.bytes("mixed.safetensors")
        #expect(try SafetensorsWriter.serialized(tensors, metadata: expected.metadata) == reference)

        let out = try scratch.folder() + "/written.safetensors"
        try SafetensorsWriter.write(tensors, metadata: expected.metadata, to: out)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: out))) == reference)
    }

    @Test func writerRoundTripsViewsAndMetadata() throws {
        let base = Tensor(shape: [2, 3], values: [Float](arrayLiteral: 1, 2, 3, 4, 5, 6))
        let tensors: [String: Tensor] = [
            "t": base.transposed(),
            "half": base.converted(to: .float16),
            "ids": Tensor(shape: [3], values: [Int64](arrayLiteral: 7, -8, 1 << 40)),
        ]
        let metadata = ["b": "line\nbreak \"quoted\" / é", "a": "\u{1}"]
        let out = try scratch.folder() + "/roundtrip.safetensors"
        try SafetensorsWriter.write(tensors, metadata: metadata, to: out)
        let file = try SafetensorsFile(path: out)
        #expect(file.metadata == metadata)
        #expect(try file.tensor("t").shape == [3, 2])
        #expect(try file.tensor("t").scalars(as: Float.self) == [1, 4, 2, 5, 3, 6])
        #expect(try file.tensor("half").rawBits == tensors["half"]?.rawBits)
        #expect(try file.tensor("ids").scalars(as: Int64.self) == [7, -8, 1 << 40])
        #expect(genCoreError { _ = try SafetensorsWriter.serialized(["__metadata__": base]) } != nil)
    }
}
