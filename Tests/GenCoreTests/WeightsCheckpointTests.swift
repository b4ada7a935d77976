import Foundation
import Testing
@testable import GenCore

/// Sharded and single-file checkpoint folders. Reference: a 2-shard checkpoint written by safetensors 0.8
/// with a Hugging Face style `model.safetensors.index.json`; values compared bitwise.
@Suite struct WeightsCheckpointTests {
    private let scratch: ScratchFolder
    init() throws { scratch = try ScratchFolder() }
    private func copyFixtureFolder() throws -> String {
        let directory = try scratch.folder()
        let source = try WeightsFixtures.path("sharded")
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: directory + "/" + name)
        }
        return directory
    }

    private func writeIndex(_ weightMap: [String: String], in directory: String) throws {
        let data = try JSONSerialization.data(withJSONObject: ["weight_map": weightMap])
        try data.write(to: URL(fileURLWithPath: directory + "/" + SafetensorsCheckpoint.indexFileName))
    }

    @Test func readsAShardedCheckpointThroughItsIndex() throws {
        let expected = try WeightsFixtures.expected().sharded
        let checkpoint = try SafetensorsCheckpoint(directory: try WeightsFixtures.path("sharded"))
        #expect(checkpoint.names == expected.tensors.keys.sorted())
        #expect(checkpoint.files.count == 2)
        for (name, want) in expected.tensors {
            let tensor = try checkpoint.tensor(name)
            #expect(tensor.shape == want.shape && tensor.dtype.rawValue == want.dtype, "\(name)")
            #expect(tensor.rawBits == want.bits, "\(name)")
        }
        #expect(genCoreError { _ = try checkpoint.tensor("c.weight") } == .missingTensor(name: "c.weight", path: checkpoint.path))
        #expect(genCoreError { _ = try checkpoint.tensor("a.bias", expectedShape: [5]) }
            == .shapeMismatch(name: "a.bias", expected: [5], actual: [4], path: checkpoint.path))
    }

    @Test func missingShardIsRejected() throws {
        let directory = try copyFixtureFolder()
        try FileManager.default.removeItem(atPath: directory + "/model-00002-of-00002.safetensors")
        let error = genCoreError { _ = try SafetensorsCheckpoint(directory: directory) }
        expectInvalidWeightFile(error, path: directory + "/" + SafetensorsCheckpoint.indexFileName, mentioning: "model-00002-of-00002")
    }

    @Test func indexMustNotEscapeTheFolderOrLie() throws {
        let directory = try copyFixtureFolder()
        let indexPath = directory + "/" + SafetensorsCheckpoint.indexFileName
        for shard in ["../model-00001-of-00002.safetensors", "/etc/passwd", "a/../../b.safetensors", ""] {
            try writeIndex(["a.weight": shard], in: directory)
            expectInvalidWeightFile(genCoreError { _ = try SafetensorsCheckpoint(directory: directory) }, path: indexPath, mentioning: "not a plain file name")
        }
        try writeIndex(["a.weight": "model-00002-of-00002.safetensors"], in: directory)
        expectInvalidWeightFile(genCoreError { _ = try SafetensorsCheckpoint(directory: directory) }, path: indexPath, mentioning: "does not contain it")
        try Data("{\"weight_map\": [1]}".utf8).write(to: URL(fileURLWithPath: indexPath))
        expectInvalidWeightFile(genCoreError { _ = try SafetensorsCheckpoint(directory: directory) }, path: indexPath, mentioning: "must be an object")
        try Data("{\"metadata\": {}}".utf8).write(to: URL(fileURLWithPath: indexPath))
        expectInvalidWeightFile(genCoreError { _ = try SafetensorsCheckpoint(directory: directory) }, path: indexPath, mentioning: "missing \"weight_map\"")
    }

    @Test func singleFileAndUnindexedFolders() throws {
        let directory = try scratch.folder()
        try FileManager.default.copyItem(atPath: try WeightsFixtures.path("mixed.safetensors"), toPath: directory + "/model.safetensors")
        let single = try SafetensorsCheckpoint(directory: directory)
        #expect(single.names == (try SafetensorsFile(path: directory + "/model.safetensors")).names)

        // Without index or model.safetensors, every *.safetensors file is used; a duplicated name is an error.
        let loose = try copyFixtureFolder()
        try FileManager.default.removeItem(atPath: loose + "/" + SafetensorsCheckpoint.indexFileName)
        #expect(try SafetensorsCheckpoint(directory: loose).names == ["a.bias", "a.weight", "b.weight"])
        try FileManager.default.copyItem(atPath: loose + "/model-00002-of-00002.safetensors", toPath: loose + "/copy.safetensors")
        expectInvalidWeightFile(genCoreError { _ = try SafetensorsCheckpoint(directory: loose) }, path: loose, mentioning: "'b.weight' is in both")

        let empty = try scratch.folder()
        guard case .io(let path, _) = genCoreError({ _ = try SafetensorsCheckpoint(directory: empty) }) else {
            Issue.record("expected .io for a folder without weights"); return
        }
        #expect(path == empty)
    }
}
