import Foundation
import GenCore

/// A diffusers model folder (`unet/`, `vae/`, …) as `save_pretrained` writes it: `config.json` naming the class in
/// `_class_name`, and the weights in `diffusion_pytorch_model.safetensors` (or its `.fp16` variant).
struct DiffusersModelFolder {
    let config: ModelConfigFile
    let weights: any WeightSource

    /// The weight files tried in order; a folder may hold both precisions, and only one is read.
    static let weightFileNames = ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"]

    /// Opens `directory`, checking that `_class_name` (when the file has one) is one of `classNames`.
    init(directory: String, classNames: [String]) throws {
        config = try ModelConfigFile(path: directory + "/config.json")
        if let className = config.value("_class_name") as? String, !classNames.contains(className) {
            throw DiffusionModelsError.unsupportedModel(className: className, supported: classNames)
        }
        guard let file = Self.weightFileNames.first(where: { FileManager.default.fileExists(atPath: directory + "/" + $0) })
        else {
            throw GenCoreError.io(
                path: directory, reason: "no weights: expected \(Self.weightFileNames.joined(separator: " or "))")
        }
        weights = try SafetensorsFile(path: directory + "/" + file)
    }
}

/// Decodes a JSON array of block type names and checks each against `supported`.
func validatedBlockTypes(_ types: [String], field: String, supported: [String]) throws -> [String] {
    if let bad = types.first(where: { !supported.contains($0) }) {
        throw DiffusionModelsError.unsupportedConfigValue(field: field, value: bad, supported: supported)
    }
    return types
}
