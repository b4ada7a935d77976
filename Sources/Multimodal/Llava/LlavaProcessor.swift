import Foundation
import GenCore
import TextModels
import VisionEncoder

/// transformers' `LlavaProcessor` text side: the chat template turns a question into a prompt with one image
/// placeholder, which is expanded to as many image tokens as the vision tower gives features, then tokenized.
///
/// The expansion follows the processor: (H / patch_size)·(W / patch_size) + `num_additional_image_tokens`, less
/// one when `vision_feature_select_strategy` is `"default"` (the class token is dropped).
public struct LlavaProcessor: Sendable {
    public let tokenizer: Tokenizer
    public let chatTemplate: ChatTemplate
    /// The placeholder text in the template's output (`<image>`).
    public let imageToken: String
    public let patchSize: Int
    public let numAdditionalImageTokens: Int
    public let visionFeatureSelectStrategy: String

    struct Config: Decodable {
        var imageToken: String?
        var patchSize: Int?
        var numAdditionalImageTokens: Int?
        var visionFeatureSelectStrategy: String?
        enum CodingKeys: String, CodingKey {
            case imageToken = "image_token", patchSize = "patch_size"
            case numAdditionalImageTokens = "num_additional_image_tokens"
            case visionFeatureSelectStrategy = "vision_feature_select_strategy"
        }
    }

    public init(tokenizer: Tokenizer, chatTemplate: ChatTemplate, imageToken: String = "<image>", patchSize: Int,
                numAdditionalImageTokens: Int = 1, visionFeatureSelectStrategy: String = "default") {
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        self.imageToken = imageToken
        self.patchSize = patchSize
        self.numAdditionalImageTokens = numAdditionalImageTokens
        self.visionFeatureSelectStrategy = visionFeatureSelectStrategy
    }

    /// Reads `tokenizer.json`, the chat template and `processor_config.json` of a llava-hf folder. Values the
    /// processor config lacks (older folders, which left the expansion to the model) come from `model`: its
    /// tower's patch size, its strategy, and one additional token when the tower has a class token (CLIP) —
    /// so the prompt always has as many image tokens as the model gives features.
    public init(modelDirectory directory: String, model: LlavaForConditionalGeneration) throws {
        let folder = URL(fileURLWithPath: directory)
        let tokenizerURL = folder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw MultimodalError.missingFile(path: tokenizerURL.path, purpose: "tokenizing the prompt")
        }
        let tokenizer = try Tokenizer(contentsOf: tokenizerURL)
        guard let template = try ChatTemplate.load(fromModelDirectory: folder) else {
            throw MultimodalError.missingFile(path: folder.appendingPathComponent("chat_template.jinja").path,
                                              purpose: "building the prompt (no chat template in the folder)")
        }
        var config = Config()
        let configURL = folder.appendingPathComponent("processor_config.json")
        if FileManager.default.fileExists(atPath: configURL.path) {
            do { config = try JSONDecoder().decode(Config.self, from: Data(contentsOf: configURL)) } catch {
                throw MultimodalError.invalidConfiguration(path: configURL.path, reason: "\(error)")
            }
        }
        let patchSize = config.patchSize ?? model.patchSize
        guard patchSize > 0, (config.numAdditionalImageTokens ?? 0) >= 0 else {
            throw MultimodalError.invalidConfiguration(
                path: configURL.path, reason: "patch_size must be positive and num_additional_image_tokens not negative")
        }
        self.init(tokenizer: tokenizer, chatTemplate: template, imageToken: config.imageToken ?? "<image>",
                  patchSize: patchSize,
                  numAdditionalImageTokens: config.numAdditionalImageTokens ?? (model.visionTower is CLIPVisionModel ? 1 : 0),
                  visionFeatureSelectStrategy: config.visionFeatureSelectStrategy ?? model.config.visionFeatureSelectStrategy)
    }

    /// Image tokens one image of `height`×`width` processed pixels expands to.
    public func imageTokenCount(height: Int, width: Int) -> Int {
        (height / patchSize) * (width / patchSize) + numAdditionalImageTokens
            - (visionFeatureSelectStrategy == "default" ? 1 : 0)
    }

    /// The chat-templated prompt for one image and `question`, before image-token expansion
    /// (`apply_chat_template(…, add_generation_prompt=True)`).
    public func prompt(question: String) throws -> String {
        let message = ChatMessage(role: "user", content: .parts([.image, .text(question)]))
        return try chatTemplate.render(messages: [message], addGenerationPrompt: true)
    }

    /// `prompt` with every image placeholder expanded and tokenized with special tokens, as the processor's
    /// `__call__` does (`add_special_tokens=True`).
    public func tokenize(prompt: String, imageHeight: Int, imageWidth: Int) -> [Int] {
        let count = imageTokenCount(height: imageHeight, width: imageWidth)
        let expanded = prompt.replacingOccurrences(of: imageToken, with: String(repeating: imageToken, count: count))
        return tokenizer.encode(expanded, addSpecialTokens: true)
    }
}
