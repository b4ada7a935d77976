import Foundation
import GenCore
import TextModels
import VisionEncoder

/// transformers' `VisionEncoderDecoderModel` for image captioning (e.g. nlpconnect/vit-gpt2-image-captioning):
/// an image encoder (weights under `encoder.`) whose final, layer-normed hidden states a GPT-2 decoder with
/// cross-attention (weights under `decoder.`) attends to while it writes, starting from `decoder_start_token_id`.
///
/// When the encoder and decoder widths differ and the decoder sets no `cross_attention_hidden_size`, the
/// encoder states first go through `enc_to_dec_proj`, as in transformers.
public struct VisionEncoderDecoderModel: CheckpointLoadable {
    public let encoder: any ImageEncoder
    public let decoder: GPT2LMHeadModel
    /// First decoder input (`decoder_start_token_id`, falling back to the decoder's `bos_token_id`).
    public let decoderStartTokenID: Int
    let encoderToDecoder: Linear?

    /// Model types ``load(directory:)`` understands.
    public static let supportedModelTypes = ["vision-encoder-decoder"]

    public init(config file: ModelConfigFile, weights: any WeightSource) throws {
        guard file.modelType == "vision-encoder-decoder" else {
            throw MultimodalError.unsupportedArchitecture(modelType: file.modelType, supported: Self.supportedModelTypes)
        }
        let encoderSection = try file.section("encoder")
        encoder = try VisionModelLoader.make(config: encoderSection, weights: RenamedWeightSource(weights, prefix: "encoder."))
        let decoderSection = try file.section("decoder")
        guard decoderSection.modelType == "gpt2" else {
            throw MultimodalError.unsupportedArchitecture(modelType: "decoder " + decoderSection.modelType, supported: ["gpt2"])
        }
        let decoderConfig = try decoderSection.decode(GPT2Config.self)
        guard decoderConfig.addCrossAttention else {
            throw MultimodalError.invalidConfiguration(path: file.path, reason: "the decoder needs add_cross_attention: true")
        }
        decoder = try GPT2LMHeadModel(config: decoderConfig, weights: RenamedWeightSource(weights, prefix: "decoder."))
        let start = (file.value("decoder_start_token_id") as? Int) ?? decoderConfig.bosTokenID
        guard let start, start >= 0, start < decoderConfig.vocabSize else {
            throw MultimodalError.invalidConfiguration(
                path: file.path, reason: "decoder_start_token_id is missing or outside the decoder vocabulary")
        }
        decoderStartTokenID = start
        let projects = encoder.hiddenSize != decoderConfig.nEmbd && decoderSection.value("cross_attention_hidden_size") == nil
        encoderToDecoder = projects
            ? try WeightLoader(source: weights).linear("enc_to_dec_proj", inputs: encoder.hiddenSize, outputs: decoderConfig.nEmbd)
            : nil
        if !projects && encoder.hiddenSize != decoderConfig.nEmbd {
            throw MultimodalError.invalidConfiguration(
                path: file.path, reason: "cross_attention_hidden_size differs from the decoder width, which GPT-2 does not support")
        }
    }

    /// The decoder's cross-attention keys/values for one image (`pixelValues` `[1, C, H, W]`), computed once and
    /// reused for every generated token.
    public func encode(pixelValues: Tensor) throws -> CrossAttentionCache {
        guard pixelValues.rank == 4, pixelValues.shape[0] == 1 else {
            throw GenCoreError.invalidArgument("captioning encodes one image at a time: pixel values [1, C, H, W], got \(pixelValues.shape)")
        }
        var states = try encoder.encode(pixelValues: pixelValues, outputHiddenStates: false).lastHiddenState.squeezed(0)
        if let encoderToDecoder { states = encoderToDecoder(states) }
        return try decoder.crossAttentionCache(encoderHiddenStates: states)
    }

    /// The decoder bound to one image's encoding: `generate(prompt: [decoderStartTokenID], …)` writes its caption.
    public func decoder(for image: CrossAttentionCache) -> ConditionedDecoder<GPT2LMHeadModel> {
        decoder.conditioned(on: image)
    }
}
