import Foundation

/// CLIP's tokenizer as Stable Diffusion pipelines use it: transformers' `CLIPTokenizer` loaded from a
/// `tokenizer/` folder, called as diffusers calls it — `tokenizer(prompt, padding="max_length",
/// max_length=tokenizer.model_max_length, truncation=True)`.
///
/// The folder holds either `tokenizer.json`, or the `vocab.json` + `merges.txt` pair from which transformers
/// builds the same pipeline (NFC, whitespace collapse and lowercasing; CLIP's split pattern; byte-level BPE with
/// the `</w>` end-of-word suffix; BOS/EOS added around the text). `tokenizer_config.json` and
/// `special_tokens_map.json`, when present, name the special tokens and `model_max_length`; the special tokens
/// are registered as added tokens as transformers does, so SD 2.x's pad token `!` is matched as a whole token.
public struct CLIPTokenizer: Sendable {
    /// The underlying tokenizer (special tokens registered).
    public let tokenizer: Tokenizer
    /// The length every encoded prompt is padded or truncated to (77 for every released CLIP).
    public let modelMaxLength: Int
    public let bosTokenID: Int
    public let eosTokenID: Int
    /// `<|endoftext|>` in SD 1.x folders, `!` in SD 2.x folders.
    public let padTokenID: Int

    /// CLIP's context length, used when `tokenizer_config.json` does not give `model_max_length`.
    public static let defaultModelMaxLength = 77

    /// Loads a `tokenizer/` folder.
    ///
    /// - Throws: ``TextModelsError/invalidTokenizer(path:reason:)`` when neither `tokenizer.json` nor
    ///   `vocab.json` + `merges.txt` is there, a file is malformed, or a special token is not in the vocabulary.
    public init(directory: URL) throws(TextModelsError) {
        let settings = try SpecialTokenSettings(directory: directory)
        let fast = directory.appendingPathComponent("tokenizer.json")
        let vocab = directory.appendingPathComponent("vocab.json")
        let merges = directory.appendingPathComponent("merges.txt")
        let manager = FileManager.default
        let document: Data, source: String
        if manager.fileExists(atPath: fast.path) {
            document = try readFile(fast)
            source = fast.path
        } else if manager.fileExists(atPath: vocab.path), manager.fileExists(atPath: merges.path) {
            document = try CLIPTokenizerFiles.tokenizerJSON(vocab: vocab, merges: merges, settings: settings)
            source = directory.path
        } else {
            throw .invalidTokenizer(
                path: directory.path, reason: "no tokenizer.json, nor vocab.json and merges.txt, in the folder")
        }
        try self.init(tokenizer: Tokenizer(json: document, source: source, registering: settings.tokensToRegister),
                      settings: settings, source: source)
    }

    private init(tokenizer: Tokenizer, settings: SpecialTokenSettings, source: String) throws(TextModelsError) {
        func id(_ token: String, _ role: String) throws(TextModelsError) -> Int {
            guard let id = tokenizer.tokenToID(token) else {
                throw .invalidTokenizer(path: source, reason: "the \(role) token '\(token)' is not in the vocabulary")
            }
            return id
        }
        self.tokenizer = tokenizer
        bosTokenID = try id(settings.bos, "bos")
        eosTokenID = try id(settings.eos, "eos")
        padTokenID = try id(settings.pad, "pad")
        guard settings.modelMaxLength >= 2 else {
            throw .invalidTokenizer(path: source, reason: "model_max_length \(settings.modelMaxLength) leaves no room for BOS and EOS")
        }
        modelMaxLength = settings.modelMaxLength
    }

    /// Ids of exactly `modelMaxLength` tokens: BOS, the prompt's tokens (cut to fit), EOS, then pad tokens.
    public func encodePadded(_ prompt: String) -> [Int] {
        let ids = tokenizer.encode(prompt, maxLength: modelMaxLength)
        return ids + Array(repeating: padTokenID, count: max(0, modelMaxLength - ids.count))
    }
}

/// The special tokens and length limit from `tokenizer_config.json` and `special_tokens_map.json`, with
/// `CLIPTokenizer`'s defaults.
struct SpecialTokenSettings {
    var bos = "<|startoftext|>"
    var eos = "<|endoftext|>"
    var unk = "<|endoftext|>"
    var pad = "<|endoftext|>"
    var modelMaxLength = CLIPTokenizer.defaultModelMaxLength
    /// `added_tokens_decoder` entries of `tokenizer_config.json`.
    var declared: [AddedToken] = []

    init(directory: URL) throws(TextModelsError) {
        for name in ["special_tokens_map.json", "tokenizer_config.json"] {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let object: [String: Any]
            do {
                guard let parsed = try JSONSerialization.jsonObject(with: readFile(url)) as? [String: Any] else {
                    throw TextModelsError.invalidTokenizer(path: url.path, reason: "the document must be a JSON object")
                }
                object = parsed
            } catch let error as TextModelsError {
                throw error
            } catch {
                throw .invalidTokenizer(path: url.path, reason: "not valid JSON: \(error.localizedDescription)")
            }
            try read(object, path: url.path)
        }
    }

    private mutating func read(_ object: [String: Any], path: String) throws(TextModelsError) {
        func token(_ key: String) throws(TextModelsError) -> String? {
            switch object[key] {
            case nil, is NSNull: return nil
            case let s as String: return s
            case let d as [String: Any]:
                guard let content = d["content"] as? String else {
                    throw .invalidTokenizer(path: path, reason: "'\(key).content' must be a string")
                }
                return content
            default: throw .invalidTokenizer(path: path, reason: "'\(key)' must be a string or an AddedToken object")
            }
        }
        bos = try token("bos_token") ?? bos
        eos = try token("eos_token") ?? eos
        unk = try token("unk_token") ?? unk
        pad = try token("pad_token") ?? pad
        if let value = object["model_max_length"] {
            // transformers writes a huge float (1e30) for "no limit"; CLIP folders always give 77.
            guard let length = value as? Int, length > 0 else {
                throw .invalidTokenizer(path: path, reason: "'model_max_length' must be a positive integer, got \(value)")
            }
            modelMaxLength = length
        }
        if let entries = object["added_tokens_decoder"] as? [String: Any] {
            for (key, value) in entries {
                guard let id = Int(key), id >= 0, let d = value as? [String: Any], let content = d["content"] as? String else {
                    throw .invalidTokenizer(path: path, reason: "'added_tokens_decoder.\(key)' must map an id to a token with 'content'")
                }
                func flag(_ name: String, _ fallback: Bool) -> Bool { d[name] as? Bool ?? fallback }
                let special = flag("special", false)
                declared.append(AddedToken(
                    content: content, id: id, singleWord: flag("single_word", false), lstrip: flag("lstrip", false),
                    rstrip: flag("rstrip", false), normalized: flag("normalized", !special), special: special))
            }
            declared.sort { $0.id < $1.id }
        }
    }

    /// Declared tokens first (they carry their ids and flags), then the special tokens by role.
    var tokensToRegister: [AddedToken] {
        declared + [bos, eos, unk, pad].map {
            AddedToken(content: $0, id: -1, singleWord: false, lstrip: false, rstrip: false, normalized: false, special: true)
        }
    }
}

private func readFile(_ url: URL) throws(TextModelsError) -> Data {
    do {
        return try Data(contentsOf: url)
    } catch {
        throw .invalidTokenizer(path: url.path, reason: "cannot read the file: \(error.localizedDescription)")
    }
}

/// Builds the `tokenizer.json` document transformers' `CLIPTokenizer` constructs from `vocab.json` and
/// `merges.txt` (models/clip/tokenization_clip.py), so both folder forms run through one ``Tokenizer``.
enum CLIPTokenizerFiles {
    static func tokenizerJSON(vocab: URL, merges: URL, settings: SpecialTokenSettings) throws(TextModelsError) -> Data {
        let vocabulary: [String: Int]
        do {
            vocabulary = try JSONDecoder().decode([String: Int].self, from: readFile(vocab))
        } catch let error as TextModelsError {
            throw error
        } catch {
            throw .invalidTokenizer(path: vocab.path, reason: "must be a JSON object of token → id: \(error.localizedDescription)")
        }
        guard let text = String(data: try readFile(merges), encoding: .utf8) else {
            throw .invalidTokenizer(path: merges.path, reason: "not valid UTF-8")
        }
        // The first line is a `#version` header; blank lines (the trailing newline) carry no merge.
        var mergeLines: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.isEmpty || (index == 0 && line.hasPrefix("#version")) { continue }
            guard line.split(separator: " ", omittingEmptySubsequences: false).count == 2 else {
                throw .invalidTokenizer(path: merges.path, reason: "line \(index + 1) is not a pair of tokens: '\(line)'")
            }
            mergeLines.append(String(line))
        }
        func vocabID(_ token: String, _ role: String) throws(TextModelsError) -> Int {
            guard let id = vocabulary[token] else {
                throw .invalidTokenizer(path: vocab.path, reason: "the \(role) token '\(token)' is not in the vocabulary")
            }
            return id
        }
        let model: [String: Any] = [
            "type": "BPE", "vocab": vocabulary, "merges": mergeLines, "unk_token": settings.unk,
            "continuing_subword_prefix": "", "end_of_word_suffix": "</w>", "fuse_unk": false, "byte_fallback": false,
        ]
        let document: [String: Any] = [
            "model": model,
            "normalizer": ["type": "Sequence", "normalizers": [
                ["type": "NFC"], ["type": "Replace", "pattern": ["Regex": #"\s+"#], "content": " "], ["type": "Lowercase"],
            ]],
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": splitPattern], "behavior": "Removed", "invert": true],
                ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            ]],
            "post_processor": [
                "type": "RobertaProcessing", "sep": [settings.eos, try vocabID(settings.eos, "eos")],
                "cls": [settings.bos, try vocabID(settings.bos, "bos")], "trim_offsets": false, "add_prefix_space": false,
            ],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "added_tokens": [Any](),
        ]
        do {
            return try JSONSerialization.data(withJSONObject: document, options: [.withoutEscapingSlashes])
        } catch {
            throw .invalidTokenizer(path: vocab.path, reason: "cannot assemble the tokenizer: \(error.localizedDescription)")
        }
    }

    /// CLIP's pre-tokenizer pattern: its special tokens, English contractions, letter runs, single digits, and
    /// runs of other non-space characters.
    static let splitPattern = #"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"#
}
