import Foundation
import Testing
@testable import GenCore

/// Malformed `.safetensors` files, built here from a valid one or from a hand-written header. Each must be
/// rejected with the specific typed error naming the file. The cases the reference library (safetensors 0.8)
/// also rejects: gaps, overlaps, trailing bytes, non-integer or negative dims, unknown dtypes, short files.
@Suite struct WeightsMalformedSafetensorsTests {
    private let scratch: ScratchFolder
    init() throws { scratch = try ScratchFolder() }
    /// Writes `bytes` to a temporary file, tries to open it and returns the error with the file's path.
    private func openError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> (GenCoreError?, String) {
        let path = try scratch.folder() + "/bad.safetensors"
        try WeightsFixtures.write(bytes, to: path)
        return (genCoreError({ _ = try SafetensorsFile(path: path) }, sourceLocation: sourceLocation), path)
    }

    private func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        file(headerBytes: Array(header.utf8), data: data, declaredLength: declaredLength)
    }

    private func file(headerBytes: [UInt8], data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let length = declaredLength ?? UInt64(headerBytes.count)
        return withUnsafeBytes(of: length.littleEndian) { Array($0) } + headerBytes + data
    }

    private func expectRejected(
        header: String, data: [UInt8], mentioning phrase: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let (error, path) = try openError(file(header: header, data: data), sourceLocation: sourceLocation)
        expectInvalidWeightFile(error, path: path, mentioning: phrase, sourceLocation: sourceLocation)
    }

    @Test func truncatedFilesAreRejected() throws {
        let valid = try WeightsFixtures.bytes("mixed.safetensors")
        let headerLength = Int(valid[0]) | Int(valid[1]) << 8
        let cases: [(Int, String)] = [
            (0, "shorter than the 8-byte"), (5, "shorter than the 8-byte"),
            (8, "runs past the end"), (8 + headerLength / 2, "runs past the end"),
            (8 + headerLength + 1, "past the data section"), (valid.count - 3, "past the data section"),
        ]
        for (length, phrase) in cases {
            let (error, path) = try openError(Array(valid.prefix(length)))
            expectInvalidWeightFile(error, path: path, mentioning: phrase)
        }
    }

    @Test func headerLengthBeyondFileOrLimitIsRejected() throws {
        let valid = try WeightsFixtures.bytes("mixed.safetensors")
        for (length, phrase) in [(UInt64(valid.count), "runs past the end"), (1 << 40, "exceeds"), (UInt64.max, "exceeds")] {
            let (error, path) = try openError(withUnsafeBytes(of: length.littleEndian) { Array($0) } + valid.dropFirst(8))
            expectInvalidWeightFile(error, path: path, mentioning: phrase)
        }
    }

    @Test func badJSONIsRejected() throws {
        try expectRejected(header: "{\"a\":", data: [], mentioning: "not valid JSON")
        try expectRejected(header: "[]", data: [], mentioning: "must be a JSON object")
        try expectRejected(header: "{} x", data: [], mentioning: "not valid JSON")
        try expectRejected(header: "{\"a\":1,\"a\":2}", data: [], mentioning: "duplicate key")
        try expectRejected(header: String(repeating: "[", count: 10_000), data: [], mentioning: "nesting")
        try expectRejected(header: "{\"__metadata__\":{\"k\":1}}", data: [], mentioning: "__metadata__")
        let (error, path) = try openError(file(headerBytes: [UInt8(ascii: "{"), 0xFF, UInt8(ascii: "}")]))
        expectInvalidWeightFile(error, path: path, mentioning: "UTF-8")
    }

    @Test func badTensorEntriesAreRejected() throws {
        let four = [UInt8](repeating: 0, count: 4)
        try expectRejected(header: #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, data: four, mentioning: "missing \"dtype\"")
        try expectRejected(header: #"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, data: four, mentioning: "missing \"shape\"")
        try expectRejected(header: #"{"a":{"dtype":"F32","shape":[1]}}"#, data: four, mentioning: "missing \"data_offsets\"")
        try expectRejected(header: #"{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}"#, data: four, mentioning: "\"dtype\" must be a string")
        try expectRejected(header: #"{"a":[1]}"#, data: four, mentioning: "entry must be an object")
        try expectRejected(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: four, mentioning: "negative")
        try expectRejected(header: #"{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, data: four, mentioning: "must hold integers")
        try expectRejected(header: #"{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}"#, data: four, mentioning: "must be an array")
        try expectRejected(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, data: four, mentioning: "[begin, end]")
        try expectRejected(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: four, mentioning: "is after end")
        try expectRejected(
            header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, data: four, mentioning: "too many elements")
        try expectRejected(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,4]}}"#, data: four, mentioning: "needs 12")
        try expectRejected(header: #"{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}}"#, data: four, mentioning: "out of range")
    }

    @Test func unknownDTypeIsRejected() throws {
        let (error, path) = try openError(file(header: #"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        #expect(error == .unsupportedDType(path: path, tensor: "a", dtype: "Q4"))
    }

    @Test func dataLayoutMustTileTheDataSection() throws {
        let eight = [UInt8](repeating: 0, count: 8), twelve = [UInt8](repeating: 0, count: 12)
        try expectRejected(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0], mentioning: "past the data section")
        try expectRejected(
            header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
            data: eight, mentioning: "overlaps")
        try expectRejected(
            header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
            data: twelve, mentioning: "gap")
        try expectRejected(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: eight, mentioning: "trailing bytes")
    }

    @Test func acceptsWhatTheReferenceAccepts() throws {
        // Leading whitespace, unknown extra fields, a zero-size tensor at the end, and an empty header.
        let path = try scratch.folder() + "/ok.safetensors"
        try WeightsFixtures.write(
            file(header: #" {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":[1]},"z":{"dtype":"I64","shape":[0,2],"data_offsets":[4,4]}}"#,
                 data: [0, 0, 0x80, 0x3F]), to: path)
        let file = try SafetensorsFile(path: path)
        #expect(try file.tensor("a").floats == [1])
        #expect(try file.tensor("z").shape == [0, 2])
        try WeightsFixtures.write(self.file(header: "{}"), to: path)
        #expect(try SafetensorsFile(path: path).names.isEmpty)
    }

    @Test func unreadablePathsAreIOErrors() throws {
        let directory = try scratch.folder()
        guard case .io(let path, _) = genCoreError({ _ = try SafetensorsFile(path: directory + "/absent.safetensors") }) else {
            Issue.record("expected .io"); return
        }
        #expect(path == directory + "/absent.safetensors")
        guard case .io = genCoreError({ _ = try SafetensorsFile(path: directory) }) else { Issue.record("expected .io for a folder"); return }
    }
}
