import Foundation
import GenCore

extension ImageProcessor {
    /// The image processor of a model folder, found where transformers looks: `preprocessor_config.json`, or the
    /// `image_processor` section of `processor_config.json` (what `ProcessorMixin.save_pretrained` writes in v5).
    public init(modelDirectory directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        let standalone = folder.appendingPathComponent("preprocessor_config.json")
        if FileManager.default.fileExists(atPath: standalone.path) {
            try self.init(contentsOf: standalone)
            return
        }
        let combined = folder.appendingPathComponent("processor_config.json")
        guard FileManager.default.fileExists(atPath: combined.path) else {
            throw GenCoreError.io(path: standalone.path,
                                  reason: "no preprocessor_config.json (nor processor_config.json) in the model folder")
        }
        let section = try ModelConfigFile(path: combined.path).value("image_processor")
        guard let section = section as? [String: Any], let data = try? JSONSerialization.data(withJSONObject: section) else {
            throw VisionEncoderError.invalidPreprocessorConfig(path: combined.path, reason: "no \"image_processor\" object")
        }
        try self.init(config: ImageProcessorConfig(jsonData: data, path: combined.path))
    }
}
