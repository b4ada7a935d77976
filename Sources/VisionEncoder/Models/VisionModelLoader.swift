import Foundation
import GenCore

/// Builds an ``ImageEncoder`` from a Hugging Face model folder (`config.json` + `*.safetensors`).
///
/// Accepts the vision-only classes (`ViTModel`, `CLIPVisionModel[WithProjection]`, `SiglipVisionModel`,
/// `BlipVisionModel`) and the checkpoints that nest an image tower under `vision_config` (`CLIPModel`, `SiglipModel`,
/// the BLIP models), whose tower is taken alone.
public enum VisionModelLoader {
    /// `model_type` values this loader understands.
    public static let supportedModelTypes = ["vit", "clip", "clip_vision_model", "siglip", "siglip_vision_model", "blip",
                                             "blip_vision_model"]

    /// Loads the image encoder in `directory`.
    public static func load(directory: String) throws -> any ImageEncoder {
        let configPath = (directory as NSString).appendingPathComponent("config.json")
        let config = try ModelConfigFile(path: configPath)
        let weights = try SafetensorsCheckpoint(directory: directory)
        return try make(config: config, weights: weights)
    }

    /// Builds the encoder that `config` describes from `weights`.
    public static func make(config: ModelConfigFile, weights: any WeightSource) throws -> any ImageEncoder {
        switch config.modelType {
        case "vit":
            let c = try config.decode(ViTConfig.self)
            return try ViTModel(config: c, weights: towerLoader(weights, marker: "embeddings.cls_token", candidates: ["", "vit"]))
        case "clip", "clip_vision_model":
            let c = try config.decode(CLIPVisionConfig.self, nestedIn: config.modelType == "clip" ? "vision_config" : nil)
            return try CLIPVisionModel(config: c, weights: towerLoader(weights, marker: "embeddings.patch_embedding.weight"),
                                       projection: WeightLoader(source: weights))
        case "siglip", "siglip_vision_model":
            let c = try config.decode(SiglipVisionConfig.self, nestedIn: config.modelType == "siglip" ? "vision_config" : nil)
            return try SiglipVisionModel(config: c, weights: towerLoader(weights, marker: "embeddings.patch_embedding.weight"))
        case "blip", "blip_vision_model":
            let c = try config.decode(BlipVisionConfig.self, nestedIn: config.modelType == "blip" ? "vision_config" : nil)
            return try BlipVisionModel(config: c, weights: towerLoader(weights, marker: "embeddings.patch_embedding.weight"))
        default:
            throw VisionEncoderError.unsupportedArchitecture(modelType: config.modelType, supported: supportedModelTypes)
        }
    }

    /// Checkpoints name the image tower differently (`vision_model.` in CLIP/SigLIP files, none in some
    /// vision-only saves, `vit.` under classification heads): find the prefix under which the tower's marker lives.
    static func towerLoader(
        _ weights: any WeightSource, marker: String,
        candidates: [String] = ["vision_model", "", "vision_tower.vision_model", "vision_tower", "model.vision_tower.vision_model",
                                 "model.vision_tower"]
    ) throws -> WeightLoader {
        for prefix in candidates {
            let loader = WeightLoader(source: weights, prefix: prefix)
            if loader.contains(marker) { return loader }
        }
        throw GenCoreError.missingTensor(
            name: candidates.map { $0.isEmpty ? marker : "\($0).\(marker)" }.joined(separator: " or "), path: weights.path)
    }
}
