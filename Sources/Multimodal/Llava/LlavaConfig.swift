import Foundation
import GenCore

/// The `LlavaConfig` fields of `config.json` that inference needs; `vision_config` and `text_config` are
/// decoded by the vision and text loaders.
public struct LlavaConfig: Decodable, Sendable {
    /// Id of the `<image>` placeholder (`image_token_index` in older files, `image_token_id` in newer ones).
    public var imageTokenID = 32000
    /// Which vision hidden states feed the projector: one index (negative counts from the end) or several,
    /// concatenated along features.
    public var visionFeatureLayers = [-2]
    /// `"default"` drops the class token; `"full"` keeps it.
    public var visionFeatureSelectStrategy = "default"
    public var projectorHiddenAct = "gelu"
    public var multimodalProjectorBias = true

    enum CodingKeys: String, CodingKey {
        case imageTokenIndex = "image_token_index", imageTokenID = "image_token_id"
        case visionFeatureLayer = "vision_feature_layer", visionFeatureSelectStrategy = "vision_feature_select_strategy"
        case projectorHiddenAct = "projector_hidden_act", multimodalProjectorBias = "multimodal_projector_bias"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        imageTokenID = try c.decodeIfPresent(Int.self, forKey: .imageTokenID)
            ?? c.decodeIfPresent(Int.self, forKey: .imageTokenIndex) ?? imageTokenID
        if let one = try? c.decode(Int.self, forKey: .visionFeatureLayer) {
            visionFeatureLayers = [one]
        } else if let many = try c.decodeIfPresent([Int].self, forKey: .visionFeatureLayer) {
            visionFeatureLayers = many
        }
        visionFeatureSelectStrategy = try c.decodeIfPresent(String.self, forKey: .visionFeatureSelectStrategy)
            ?? visionFeatureSelectStrategy
        projectorHiddenAct = try c.decodeIfPresent(String.self, forKey: .projectorHiddenAct) ?? projectorHiddenAct
        multimodalProjectorBias = try c.decodeIfPresent(Bool.self, forKey: .multimodalProjectorBias) ?? multimodalProjectorBias
    }

    /// Checks the values a forward pass relies on.
    func validated(path: String) throws -> LlavaConfig {
        guard ["default", "full"].contains(visionFeatureSelectStrategy) else {
            throw MultimodalError.invalidConfiguration(
                path: path, reason: "vision_feature_select_strategy '\(visionFeatureSelectStrategy)' is not 'default' or 'full'")
        }
        guard !visionFeatureLayers.isEmpty else {
            throw MultimodalError.invalidConfiguration(path: path, reason: "vision_feature_layer is empty")
        }
        return self
    }
}
