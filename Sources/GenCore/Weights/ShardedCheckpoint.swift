#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The weights of a model folder, possibly split across several safetensors files.
///
/// Opening looks, in order, for `model.safetensors.index.json` (a Hugging Face sharded checkpoint whose
/// `weight_map` names the shard of every tensor), then `model.safetensors`, then any `*.safetensors` files.
/// Other file stems (diffusers' `diffusion_pytorch_model`, variants such as `model.fp16`) are opened with
/// ``init(directory:stem:)``. Every shard is opened and validated up front, and a tensor name may live in only one
/// shard.
public final class SafetensorsCheckpoint: WeightSource {
    /// The folder.
    public let path: String
    /// The opened files, sorted by file name.
    public let files: [SafetensorsFile]
    /// Every tensor name across all files, sorted.
    public let names: [String]
    private let fileForTensor: [String: SafetensorsFile]

    /// The index file name Hugging Face uses for sharded safetensors checkpoints.
    public static let indexFileName = "model.safetensors.index.json"

    /// Opens the checkpoint in `directory`. Throws ``GenCoreError/io(path:reason:)`` when the folder or a file
    /// cannot be read and ``GenCoreError/invalidWeightFile(path:reason:)`` when the index or a shard is malformed.
    public convenience init(directory: String) throws(GenCoreError) {
        try self.init(directory: directory, stem: "model", anyFileAsFallback: true)
    }

    /// Opens the checkpoint stored under one file stem: `STEM.safetensors.index.json` with its shards, or the single
    /// file `STEM.safetensors` (e.g. `diffusion_pytorch_model` or `diffusion_pytorch_model.fp16`). Throws
    /// ``GenCoreError/io(path:reason:)`` when neither exists.
    public convenience init(directory: String, stem: String) throws(GenCoreError) {
        try self.init(directory: directory, stem: stem, anyFileAsFallback: false)
    }

    /// Whether `directory` holds a checkpoint under `stem` (its index file or its single file).
    public static func exists(directory: String, stem: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/" + stem + ".safetensors.index.json")
            || FileManager.default.fileExists(atPath: directory + "/" + stem + ".safetensors")
    }

    private init(directory: String, stem: String, anyFileAsFallback: Bool) throws(GenCoreError) {
        path = directory
        let indexPath = directory + "/" + stem + ".safetensors.index.json"
        var indexMap: [String: String]?
        let shardNames: [String]
        if FileManager.default.fileExists(atPath: indexPath) {
            let map = try Self.readWeightMap(indexPath: indexPath)
            indexMap = map
            shardNames = Set(map.values).sorted()
        } else if FileManager.default.fileExists(atPath: directory + "/" + stem + ".safetensors") {
            shardNames = [stem + ".safetensors"]
        } else if !anyFileAsFallback {
            throw GenCoreError.io(path: directory, reason: "no \(stem).safetensors.index.json and no \(stem).safetensors")
        } else {
            let entries: [String]
            do { entries = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
                throw GenCoreError.io(path: directory, reason: "cannot list the folder: \(error)")
            }
            shardNames = entries.filter { $0.hasSuffix(".safetensors") }.sorted()
            guard !shardNames.isEmpty else {
                throw GenCoreError.io(path: directory, reason: "no \(Self.indexFileName) and no .safetensors files in this folder")
            }
        }

        var files: [SafetensorsFile] = []
        var fileForTensor: [String: SafetensorsFile] = [:]
        for shard in shardNames {
            let shardPath = directory + "/" + shard
            guard FileManager.default.fileExists(atPath: shardPath) else {
                throw GenCoreError.invalidWeightFile(path: indexPath, reason: "weight_map refers to shard '\(shard)', which is not in \(directory)")
            }
            let file = try SafetensorsFile(path: shardPath)
            for name in file.names {
                if let other = fileForTensor[name] {
                    throw GenCoreError.invalidWeightFile(path: directory, reason:
                        "tensor '\(name)' is in both \(other.path) and \(shardPath); a checkpoint must store each tensor once")
                }
                fileForTensor[name] = file
            }
            files.append(file)
        }
        if let indexMap {
            for (name, shard) in indexMap.sorted(by: { $0.key < $1.key }) where fileForTensor[name]?.path != directory + "/" + shard {
                throw GenCoreError.invalidWeightFile(path: indexPath, reason: "weight_map puts '\(name)' in '\(shard)', but that shard does not contain it")
            }
        }
        self.files = files
        self.fileForTensor = fileForTensor
        names = fileForTensor.keys.sorted()
    }

    public func info(for name: String) throws(GenCoreError) -> SafetensorsTensorInfo {
        guard let file = fileForTensor[name] else { throw GenCoreError.missingTensor(name: name, path: path) }
        return try file.info(for: name)
    }

    public func tensor(_ name: String) throws(GenCoreError) -> Tensor {
        guard let file = fileForTensor[name] else { throw GenCoreError.missingTensor(name: name, path: path) }
        return try file.tensor(name)
    }

    /// Reads `weight_map` from an index file, rejecting shard names that could point outside the folder.
    private static func readWeightMap(indexPath: String) throws(GenCoreError) -> [String: String] {
        let mapping = try MemoryMappedFile(path: indexPath)
        func invalid(_ reason: String) -> GenCoreError { .invalidWeightFile(path: indexPath, reason: reason) }
        let root: JSONValue
        do { root = try JSONValue.parse(mapping.bytes) } catch { throw invalid("not valid JSON: \(error.description)") }
        guard case let .object(members) = root else { throw invalid("must be a JSON object, found \(root.kindName)") }
        guard let weightMap = members.first(where: { $0.key == "weight_map" })?.value else { throw invalid("missing \"weight_map\"") }
        guard case let .object(entries) = weightMap else { throw invalid("\"weight_map\" must be an object, found \(weightMap.kindName)") }
        var map: [String: String] = [:]
        for (name, value) in entries {
            guard case let .string(shard) = value else {
                throw invalid("weight_map[\"\(name)\"] must be a file name string, found \(value.kindName)")
            }
            let components = shard.split(separator: "/", omittingEmptySubsequences: false)
            guard !shard.hasPrefix("/"), !shard.contains("\\"), !shard.contains("\0"),
                  components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
                throw invalid("weight_map[\"\(name)\"] = '\(shard)' is not a plain file name inside the checkpoint folder")
            }
            map[name] = shard
        }
        return map
    }
}
