import Foundation
import GenCore
import TextModels
import VisionEncoder

/// LLaVA (Liu et al., "Visual Instruction Tuning", 2023; "Improved Baselines with Visual Instruction Tuning",
/// 2023 for 1.5) as transformers' `LlavaForConditionalGeneration`: a CLIP (or SigLIP) image tower whose chosen hidden
/// states go through a two-layer projector and replace the `<image>` placeholder tokens of the prompt; the
/// language model then runs on the joined embeddings.
public struct LlavaForConditionalGeneration: CheckpointLoadable {
    public let config: LlavaConfig
    public let visionTower: any ImageEncoder
    public let languageModel: any LanguageModel
    /// `vision_feature_layer` as indices into the tower's hidden states, checked at load.
    let featureStateIndices: [Int]
    let projectorIn: Linear
    let projectorActivation: Activation
    let projectorOut: Linear

    /// Model types ``load(directory:)`` understands.
    public static let supportedModelTypes = ["llava"]

    public init(config file: ModelConfigFile, weights: any WeightSource) throws {
        guard file.modelType == "llava" else {
            throw MultimodalError.unsupportedArchitecture(modelType: file.modelType, supported: Self.supportedModelTypes)
        }
        let config = try file.decode(LlavaConfig.self).validated(path: file.path)
        self.config = config
        visionTower = try VisionModelLoader.make(config: file.section("vision_config"), weights: weights)
        // The decoder lives under `language_model.` in llava-hf files (`language_model.model.layers…`,
        // `language_model.lm_head.weight`); transformers 5 in memory uses `model.language_model.…` + `lm_head`.
        let nested = weights.contains("language_model.lm_head.weight") || weights.contains("language_model.model.embed_tokens.weight")
        let text: any WeightSource = nested
            ? RenamedWeightSource(weights, prefix: "language_model.")
            : RenamedWeightSource(weights) { $0.hasPrefix("model.") ? "model.language_model." + $0.dropFirst(6) : $0 }
        let textSection = try file.section("text_config")
        languageModel = try LanguageModelLoading.make(configuration: textSection.jsonData(), path: textSection.path, weights: text)

        featureStateIndices = try Self.hiddenStateIndices(config.visionFeatureLayers,
                                                          stateCount: visionTower.layerCount + 1, path: file.path)
        let visionWidth = visionTower.hiddenSize * config.visionFeatureLayers.count
        let projector = WeightLoader(source: weights, prefix: weights.contains("multi_modal_projector.linear_1.weight")
                                         ? "multi_modal_projector" : "model.multi_modal_projector")
        projectorIn = try projector.linear("linear_1", inputs: visionWidth, outputs: languageModel.hiddenSize,
                                           bias: config.multimodalProjectorBias)
        projectorActivation = try Activation(configValue: config.projectorHiddenAct)
        projectorOut = try projector.linear("linear_2", inputs: languageModel.hiddenSize, outputs: languageModel.hiddenSize,
                                            bias: config.multimodalProjectorBias)
    }

    /// How many features one image gives (what the prompt's image token expands to): the tower's sequence (one
    /// token per patch, plus its class token if it has one), less its first token under the "default" strategy.
    public var imageFeatureCount: Int {
        let side = visionTower.imageSize.height / patchSize
        let sequence = side * side + visionTower.classTokenCount
        return config.visionFeatureSelectStrategy == "default" ? sequence - 1 : sequence
    }

    /// The vision tower's patch side.
    var patchSize: Int { visionTower.patchSize }

    /// Image features in the language model's embedding space: `[images · imageFeatureCount, hidden]`.
    public func imageFeatures(pixelValues: Tensor) throws -> Tensor {
        // The tower stops at the deepest layer read: LLaVA-1.5 skips its last layer and final norm.
        let states = try visionTower.hiddenStates(pixelValues: pixelValues, through: featureStateIndices.max() ?? 0)
        let selected = featureStateIndices.map { index -> Tensor in
            let s = states[index]
            // "default" drops the class token, which the projector was not trained on.
            return config.visionFeatureSelectStrategy == "default" ? s.sliced(axis: 1, 1..<s.shape[1]) : s
        }
        let features = selected.count == 1 ? selected[0] : concatenate(selected, axis: -1)
        let projected = projectorOut(projectorActivation(projectorIn(features)))
        return projected.reshaped([-1, languageModel.hiddenSize])
    }

    /// `vision_feature_layer` entries as indices into the tower's hidden states (negative ones count from the end,
    /// as Python's indexing does).
    static func hiddenStateIndices(_ layers: [Int], stateCount: Int, path: String) throws -> [Int] {
        try layers.map { layer in
            let index = layer < 0 ? stateCount + layer : layer
            guard (0..<stateCount).contains(index) else {
                throw MultimodalError.invalidConfiguration(
                    path: path, reason: "vision_feature_layer \(layer) is outside the \(stateCount) hidden states")
            }
            return index
        }
    }

    /// The prompt's token embeddings with each image token's row replaced, in order, by the image features.
    public func promptEmbeddings(tokens: [Int], imageFeatures: Tensor) throws -> Tensor {
        let positions = tokens.indices.filter { tokens[$0] == config.imageTokenID }
        guard positions.count == imageFeatures.shape[0] else {
            throw MultimodalError.imageTokenMismatch(imageTokens: positions.count, imageFeatures: imageFeatures.shape[0])
        }
        // The image token id may lie outside the text vocabulary: embed a stand-in there, overwritten below.
        let textTokens = tokens.map { $0 == config.imageTokenID ? 0 : $0 }
        var embeddings = try languageModel.embed(tokens: textTokens).contiguous()
        let width = languageModel.hiddenSize
        let features = imageFeatures.contiguous()
        features.withUnsafeBufferPointer(as: Float.self) { src in
            embeddings.withUnsafeMutableBufferPointer(as: Float.self) { dst in
                for (row, position) in positions.enumerated() {
                    for j in 0..<width { dst[position * width + j] = src[row * width + j] }
                }
            }
        }
        return embeddings
    }
}
