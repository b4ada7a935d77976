import Foundation
import GenCore

/// A diffusers model folder (`unet/`, `vae/`, …) as `save_pretrained` writes it: `config.json` naming the class in
/// `_class_name`, and the weights in `diffusion_pytorch_model.safetensors`, its `.fp16` variant, or either one
/// sharded with a `.safetensors.index.json` (as large models are saved).
struct DiffusersModelFolder {
    let config: ModelConfigFile
    let weights: any WeightSource

    /// The weight file stems tried in order; a folder may hold both precisions, and only one is read.
    static let weightStems = ["diffusion_pytorch_model", "diffusion_pytorch_model.fp16"]

    /// Opens `directory`, checking that `_class_name` (when the file has one) is one of `classNames`.
    init(directory: String, classNames: [String]) throws {
        config = try ModelConfigFile(path: directory + "/config.json")
        if let className = config.value("_class_name") as? String, !classNames.contains(className) {
            throw DiffusionModelsError.unsupportedModel(className: className, supported: classNames)
        }
        guard let stem = Self.weightStems.first(where: { SafetensorsCheckpoint.exists(directory: directory, stem: $0) })
        else {
            throw GenCoreError.io(
                path: directory,
                reason: "no weights: expected \(Self.weightStems.map { $0 + ".safetensors" }.joined(separator: " or ")) "
                    + "(or a sharded .safetensors.index.json of either)")
        }
        weights = try SafetensorsCheckpoint(directory: directory, stem: stem)
    }
}

/// Checks the fields a diffusers UNet or VAE sizes its levels with: one `block_out_channels` entry per down and up
/// block, each a positive multiple of `norm_num_groups`, and the `positive` counts above zero.
func validateLevels(
    blockOutChannels: [Int], downBlocks: Int, upBlocks: Int, normNumGroups: Int, positive: [(String, Int)]
) throws {
    guard !blockOutChannels.isEmpty, downBlocks == blockOutChannels.count, upBlocks == blockOutChannels.count else {
        throw DiffusionModelsError.invalidModelConfig(
            field: "block_out_channels",
            reason: "needs one entry per down and up block (\(blockOutChannels.count) channels, \(downBlocks) down, "
                + "\(upBlocks) up)")
    }
    for (field, value) in positive where value <= 0 {
        throw DiffusionModelsError.invalidModelConfig(field: field, reason: "must be positive, got \(value)")
    }
    if let bad = blockOutChannels.first(where: { $0 <= 0 || $0 % normNumGroups != 0 }) {
        throw DiffusionModelsError.invalidModelConfig(
            field: "block_out_channels", reason: "\(bad) is not a positive multiple of norm_num_groups \(normNumGroups)")
    }
}

/// Decodes a JSON array of block type names and checks each against `supported`.
func validatedBlockTypes(_ types: [String], field: String, supported: [String]) throws -> [String] {
    if let bad = types.first(where: { !supported.contains($0) }) {
        throw DiffusionModelsError.unsupportedConfigValue(field: field, value: bad, supported: supported)
    }
    return types
}
