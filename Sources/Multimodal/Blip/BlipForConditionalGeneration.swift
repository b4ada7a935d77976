import Foundation
import GenCore
import TextModels
import VisionEncoder

/// transformers' `BlipForConditionalGeneration`, BLIP's captioner (Salesforce/blip-image-captioning-base and
/// -large): a ``BlipVisionModel`` (weights under `vision_model.`) whose post-normed sequence the
/// ``BlipTextLMHeadModel`` (weights under `text_decoder.`) reads through cross-attention while it writes.
///
/// Captions start from `[DEC]` (`text_config.bos_token_id`), optionally followed by a text prefix such as
/// "a picture of" (conditional captioning), and end at `[SEP]` (`text_config.sep_token_id`), as
/// `BlipForConditionalGeneration.generate` does.
public struct BlipForConditionalGeneration: CheckpointLoadable {
    public let visionModel: BlipVisionModel
    public let textDecoder: BlipTextLMHeadModel

    /// Model types ``init(config:weights:)`` understands.
    public static let supportedModelTypes = ["blip"]
    /// The BLIP heads in `architectures` that this type does not implement, and what they are for.
    static let otherHeads = ["BlipForQuestionAnswering": "visual question answering",
                             "BlipForImageTextRetrieval": "image-text retrieval", "BlipModel": "image-text embeddings"]

    /// Throws ``MultimodalError/unsupportedArchitecture(modelType:supported:)`` for other model types and for BLIP
    /// checkpoints of another head (question answering, retrieval), ``MultimodalError/invalidConfiguration(path:reason:)``
    /// for impossible sizes, and the weight loader's errors for missing or misshapen tensors.
    public init(config file: ModelConfigFile, weights: any WeightSource) throws {
        guard file.modelType == "blip" else {
            throw MultimodalError.unsupportedArchitecture(modelType: file.modelType, supported: Self.supportedModelTypes)
        }
        if let architectures = file.value("architectures") as? [String], !architectures.isEmpty,
           !architectures.contains("BlipForConditionalGeneration") {
            let heads = architectures.map { name in Self.otherHeads[name].map { "\(name) (\($0))" } ?? name }
            throw MultimodalError.unsupportedArchitecture(
                modelType: "blip with \(heads.joined(separator: ", ")); only BlipForConditionalGeneration (captioning) is implemented",
                supported: ["blip (BlipForConditionalGeneration)"])
        }
        let visionConfig = try file.decode(BlipVisionConfig.self, nestedIn: "vision_config")
        visionModel = try BlipVisionModel(config: visionConfig, weights: WeightLoader(source: weights, prefix: "vision_model"))
        let textConfig = try file.decode(BlipTextConfig.self, nestedIn: "text_config")
        textDecoder = try BlipTextLMHeadModel(
            config: textConfig, encoderHiddenSize: visionConfig.hiddenSize,
            weights: WeightLoader(source: weights, prefix: "text_decoder"), path: file.path)
    }

    /// The decoder's cross-attention keys/values for one image (`pixelValues` `[1, C, H, W]`), computed once and
    /// reused for every generated token.
    public func encode(pixelValues: Tensor) throws -> CrossAttentionCache {
        guard pixelValues.rank == 4, pixelValues.shape[0] == 1 else {
            throw GenCoreError.invalidArgument("captioning encodes one image at a time: pixel values [1, C, H, W], got \(pixelValues.shape)")
        }
        let embeds = try visionModel.encode(pixelValues: pixelValues, outputHiddenStates: false).lastHiddenState
        return try textDecoder.crossAttentionCache(imageEmbeds: embeds.squeezed(0))
    }

    /// The decoder bound to one image's encoding: `generate(prompt: promptIDs(…), …)` writes its caption.
    public func decoder(for image: CrossAttentionCache) -> ConditionedDecoder<BlipTextLMHeadModel> {
        textDecoder.conditioned(on: image)
    }

    /// The decoder's first inputs, as `generate` builds them: `[DEC]` alone, or for a text prefix the processor's
    /// ids (`[CLS] prefix [SEP]`) with `[CLS]` replaced by `[DEC]` and the last id (`[SEP]`) dropped.
    public func promptIDs(prefix: String?, tokenizer: Tokenizer) throws -> [Int] {
        let bos = textDecoder.config.bosTokenID
        guard let prefix else { return [bos] }
        let ids = tokenizer.encode(prefix, addSpecialTokens: true)
        guard ids.count >= 2 else {
            throw GenCoreError.invalidArgument(
                "the caption prefix \"\(prefix)\" tokenizes to \(ids.count) ids; BLIP needs [CLS] … [SEP] (use a non-empty prefix)")
        }
        return [bos] + ids[1..<(ids.count - 1)]
    }
}
