import Foundation
import GenCore

/// A diffusers pipeline folder as `save_pretrained` writes it: `model_index.json` names the pipeline class and its
/// components, each in a subfolder of the same name (`unet/`, `vae/`, `text_encoder/`, `tokenizer/`,
/// `scheduler/`).
public struct DiffusionPipelineFolder: Sendable {
    public let directory: URL
    /// `_class_name` of `model_index.json`, e.g. `"StableDiffusionPipeline"`.
    public let className: String
    /// Component name → the class `model_index.json` gives for it (`"unet"` → `"UNet2DConditionModel"`); components
    /// written as `[null, null]` (no safety checker) are left out.
    public let components: [String: String]

    /// Reads `model_index.json` in `directory`.
    ///
    /// - Throws: ``DiffusionModelsError/missingPipelineFile(path:)`` when the file is absent and
    ///   ``DiffusionModelsError/invalidModelConfig(field:reason:)`` when it is not a pipeline index.
    public init(directory: URL) throws {
        self.directory = directory
        let index = directory.appendingPathComponent("model_index.json")
        guard FileManager.default.fileExists(atPath: index.path) else {
            throw DiffusionModelsError.missingPipelineFile(path: index.path)
        }
        let file = try ModelConfigFile(path: index.path)
        guard let name = file.value("_class_name") as? String else {
            throw DiffusionModelsError.invalidModelConfig(field: "_class_name", reason: "\(index.path) does not name a pipeline class")
        }
        className = name
        var components: [String: String] = [:]
        for key in ["unet", "vae", "text_encoder", "tokenizer", "scheduler"] {
            if let pair = file.value(key) as? [Any], pair.count == 2, let type = pair[1] as? String {
                components[key] = type
            }
        }
        self.components = components
    }

    /// The subfolder of `component`, which must exist and hold `requiredFile` when given.
    public func componentDirectory(_ component: String, requiredFile: String? = nil) throws -> URL {
        let folder = directory.appendingPathComponent(component)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DiffusionModelsError.missingPipelineFile(path: folder.path + "/")
        }
        if let requiredFile {
            let file = folder.appendingPathComponent(requiredFile)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw DiffusionModelsError.missingPipelineFile(path: file.path)
            }
        }
        return folder
    }

    /// The scheduler of `scheduler/scheduler_config.json`, or the class `className` built from the same
    /// configuration (diffusers' `OtherScheduler.from_config(pipe.scheduler.config)`).
    public func scheduler(className: String? = nil) throws -> any Scheduler {
        let folder = try componentDirectory("scheduler", requiredFile: "scheduler_config.json")
        var config = try SchedulerConfig(contentsOf: folder.appendingPathComponent("scheduler_config.json").path)
        if let className { config.className = className }
        return try SchedulerFactory.makeScheduler(config: config)
    }
}
