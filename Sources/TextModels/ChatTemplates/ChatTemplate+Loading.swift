#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ChatTemplate {
    /// The special-token keys transformers exposes to templates (`SPECIAL_TOKENS_ATTRIBUTES`).
    static let specialTokenKeys = [
        "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
    ]

    /// Loads the chat template of a model directory from where transformers looks for it:
    /// `chat_template.jinja`, then the legacy processor file `chat_template.json` (`{"chat_template": …}`),
    /// then the `chat_template` entry of `tokenizer_config.json` (a string, or a list of
    /// `{"name", "template"}` of which the one named "default" is used). Special tokens come from
    /// `tokenizer_config.json` (plain strings or `{"content": …}` added-token dicts), with
    /// `special_tokens_map.json` filling any that are missing.
    ///
    /// - Returns: nil when the directory has no chat template.
    /// - Throws: `TextModelsError.chatTemplate` for unreadable or malformed files, or a template that
    ///   does not parse.
    public static func load(fromModelDirectory directory: URL) throws -> ChatTemplate? {
        let tokenizerConfig = try readJSONObject(directory.appending(path: "tokenizer_config.json"))
        var specialTokens = specialTokens(from: tokenizerConfig ?? JinjaObject())
        if let legacyMap = try readJSONObject(directory.appending(path: "special_tokens_map.json")) {
            for (key, value) in Self.specialTokens(from: legacyMap) where specialTokens[key] == nil {
                specialTokens[key] = value
            }
        }

        let jinjaFile = directory.appending(path: "chat_template.jinja")
        if let source = try readText(jinjaFile) {
            return try ChatTemplate(source: source, specialTokens: specialTokens)
        }
        let jsonFile = directory.appending(path: "chat_template.json")
        if let object = try readJSONObject(jsonFile) {
            guard case let .string(source)? = object["chat_template"] else {
                throw TextModelsError.chatTemplate("\(jsonFile.path): no string 'chat_template' entry")
            }
            return try ChatTemplate(source: source, specialTokens: specialTokens)
        }
        guard let entry = tokenizerConfig?["chat_template"] else { return nil }
        switch entry {
        case .none:
            return nil
        case let .string(source):
            return try ChatTemplate(source: source, specialTokens: specialTokens)
        case let .array(named):
            for case let .object(item) in named where item["name"] == .string("default") {
                guard case let .string(source)? = item["template"] else { break }
                return try ChatTemplate(source: source, specialTokens: specialTokens)
            }
            throw TextModelsError.chatTemplate(
                "tokenizer_config.json lists several chat templates but none named 'default' with a string template")
        default:
            throw TextModelsError.chatTemplate(
                "tokenizer_config.json: 'chat_template' is a \(entry.typeName), expected a string or a list")
        }
    }

    /// Special tokens from a config object: strings, or added-token dicts with a `content` string.
    static func specialTokens(from config: JinjaObject) -> [String: String] {
        var tokens: [String: String] = [:]
        for key in specialTokenKeys {
            switch config[key] {
            case let .string(token)?: tokens[key] = token
            case let .object(added)?:
                if case let .string(token)? = added["content"] { tokens[key] = token }
            default: break
            }
        }
        return tokens
    }

    private static func readText(_ url: URL) throws -> String? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TextModelsError.chatTemplate("\(url.path): cannot read file (\(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TextModelsError.chatTemplate("\(url.path): not valid UTF-8")
        }
        return text
    }

    private static func readJSONObject(_ url: URL) throws -> JinjaObject? {
        guard let text = try readText(url) else { return nil }
        let value: JinjaValue
        do {
            value = try JinjaValue(json: text)
        } catch let TextModelsError.chatTemplate(message) {
            throw TextModelsError.chatTemplate("\(url.path): \(message)")
        }
        guard case let .object(object) = value else {
            throw TextModelsError.chatTemplate("\(url.path): expected a JSON object")
        }
        return object
    }
}
