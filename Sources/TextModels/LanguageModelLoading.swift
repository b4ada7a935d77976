#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GenCore

/// Opens Hugging Face model folders (`config.json` + safetensors, sharded or not) as ``LanguageModel``s.
///
/// ```swift
/// let model = try LanguageModelLoading.load(directory: folder)
/// var parameters = try LanguageModelLoading.generationParameters(directory: folder)
/// parameters.maxNewTokens = 200
/// for try await piece in model.generateText(prompt: promptIDs, parameters: parameters, decode: { ids in
///     tokenizer.decode(ids)
/// }) {
///     print(piece, terminator: "")
/// }
/// ```
public enum LanguageModelLoading {
    /// `model_type` values ``load(directory:)`` understands.
    public static let supportedModelTypes = ["gpt2", "llama", "qwen2"]

    private struct ModelType: Decodable {
        let modelType: String?
        enum CodingKeys: String, CodingKey { case modelType = "model_type" }
    }

    /// Reads `config.json` in `directory`, picks the architecture from its `model_type` and loads the weights.
    ///
    /// - Throws: ``TextModelsError/unsupportedModelType(_:supported:)`` naming the supported types,
    ///   ``TextModelsError/invalidConfiguration(path:reason:)`` for a malformed config, and `GenCoreError` for
    ///   unreadable, missing or mis-shaped weights.
    public static func load(directory: URL) throws -> any LanguageModel {
        let configURL = directory.appendingPathComponent("config.json")
        let data: Data
        do { data = try Data(contentsOf: configURL) } catch {
            throw TextModelsError.invalidConfiguration(path: configURL.path, reason: "cannot read the file: \(error)")
        }
        return try make(configuration: data, path: configURL.path, weights: weights(in: directory))
    }

    /// Builds the architecture a `config.json`'s bytes describe from `weights`. Vision-language models use this
    /// with their `text_config` section and a renamed view of their checkpoint.
    public static func make(configuration data: Data, path: String, weights: any WeightSource) throws -> any LanguageModel {
        let modelType = try decodeConfiguration(ModelType.self, from: data, path: path).modelType ?? ""
        switch modelType {
        case "gpt2":
            return try GPT2LMHeadModel(config: decodeConfiguration(GPT2Config.self, from: data, path: path), weights: weights)
        case "llama":
            return try LlamaForCausalLM(config: decodeConfiguration(LlamaConfig.self, from: data, path: path), weights: weights)
        case "qwen2":
            return try Qwen2ForCausalLM(config: decodeConfiguration(Qwen2Config.self, from: data, path: path), weights: weights)
        default:
            throw TextModelsError.unsupportedModelType(modelType.isEmpty ? "(missing)" : modelType,
                                                       supported: supportedModelTypes)
        }
    }

    /// The folder's `generation_config.json` applied over `base`, or `base` (with the model's eos ids) when the
    /// folder has none.
    public static func generationParameters(
        directory: URL, base: GenerationParameters = GenerationParameters()
    ) throws -> GenerationParameters {
        let url = directory.appendingPathComponent("generation_config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return base }
        return try GenerationConfig(contentsOf: url).applied(to: base)
    }

    private static func weights(in directory: URL) throws -> any WeightSource {
        try SafetensorsCheckpoint(directory: directory.path)
    }
}
