import Foundation

/// A Hugging Face tokenizer loaded straight from `tokenizer.json`, producing the same ids and decoded text as
/// the Python `tokenizers` library (0.23): added tokens are split out first, then normalizer, pre-tokenizer,
/// model (BPE, WordPiece or Unigram) and post-processor; decoding runs the decoder chain.
///
/// Padding and truncation settings in the file are ignored; offsets are not computed.
public struct Tokenizer: Sendable {
    private let model: any TokenizerModel
    private let normalizer: (any Normalizer)?
    private let preTokenizer: (any PreTokenizer)?
    private let postProcessor: (any PostProcessor)?
    private let decoder: (any TokenDecoder)?
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let addedByID: [Int: AddedToken]
    /// Token strings of added ids: `tokenizers` reports normalized added tokens in their normalized form.
    private let addedStrings: [Int: String]
    private let addedByContent: [[Unicode.Scalar]: Int]
    private let specialContents: Set<[Unicode.Scalar]>

    /// The `added_tokens` of the file, in file order.
    public let addedTokens: [AddedToken]
    /// Number of distinct ids: the model vocabulary plus added tokens outside it.
    public let vocabularySize: Int

    /// The added tokens marked special (BOS/EOS, chat markers, …).
    public var specialTokens: [AddedToken] { addedTokens.filter(\.special) }

    static let supportedModels = "BPE, WordPiece, Unigram"

    /// Loads `tokenizer.json` from a file.
    public init(contentsOf url: URL) throws(TextModelsError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .invalidTokenizer(path: url.path, reason: "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(json: data, source: url.path)
    }

    /// Parses the contents of a `tokenizer.json`; `source` names it in error messages.
    public init(json data: Data, source: String = "tokenizer.json") throws(TextModelsError) {
        try self.init(json: data, source: source, registering: [])
    }

    /// As ``init(json:source:)``, then registers `extra` tokens whose content the file does not already list,
    /// as transformers does with the special tokens named in `tokenizer_config.json`. An `id` below zero means
    /// "the vocabulary's id for the content, or the next free id".
    init(json data: Data, source: String, registering extra: [AddedToken]) throws(TextModelsError) {
        let reader = ConfigReader(source: source)
        let root: JSONValue
        let document = [UInt8](data)
        do {
            // The vocabulary and merges (most of the file) are read later by dedicated scanners.
            root = try JSONParser.parse(document, deferredKeys: ["vocab", "merges"])
        } catch {
            throw reader.fail("not valid JSON at byte \(error.offset): \(error.reason)")
        }
        guard case .object = root else { throw reader.fail("the document must be a JSON object") }
        let modelJSON = try reader.object(root["model"], "model")

        var modelType = try reader.optionalString(modelJSON, "type", in: "model")
        if modelType == nil {
            // Old files omit the model type; infer it the way serde's untagged enum does.
            if modelJSON["merges"] != nil { modelType = "BPE" }
            else if case .deferred(let r) = modelJSON["vocab"], r.lowerBound < document.count, document[r.lowerBound] == UInt8(ascii: "[") {
                modelType = "Unigram"
            }
            else if modelJSON["vocab"] != nil { modelType = "WordPiece" }
        }
        switch modelType {
        case "BPE": model = try BPEModel(modelJSON, document: document, reader)
        case "WordPiece": model = try WordPieceModel(modelJSON, document: document, reader)
        case "Unigram": model = try UnigramModel(modelJSON, document: document, reader)
        default:
            throw .unsupportedTokenizerComponent(kind: "model", type: "\(modelType ?? "unknown") (supported: \(Self.supportedModels))")
        }

        func optional<T>(_ key: String, _ make: (JSONValue) throws(TextModelsError) -> T) throws(TextModelsError) -> T? {
            guard let value = root[key], !value.isNull else { return nil }
            return try make(value)
        }
        normalizer = try optional("normalizer") { (j) throws(TextModelsError) in try NormalizerFactory.make(j, reader) }
        preTokenizer = try optional("pre_tokenizer") { (j) throws(TextModelsError) in try PreTokenizerFactory.make(j, reader) }
        postProcessor = try optional("post_processor") { (j) throws(TextModelsError) in try PostProcessorFactory.make(j, reader) }
        decoder = try optional("decoder") { (j) throws(TextModelsError) in try DecoderFactory.make(j, reader) }

        var added: [AddedToken] = []
        if let list = root["added_tokens"], !list.isNull {
            guard let items = list.arrayValue else { throw reader.fail("'added_tokens' must be an array") }
            for (i, item) in items.enumerated() {
                let path = "added_tokens[\(i)]"
                let id = try reader.int(item, "id", in: path)
                guard id >= 0, id <= Vocabulary.maximumID else { throw reader.fail("'\(path).id' \(id) is out of range") }
                let special = try reader.bool(item, "special", in: path, default: false)
                added.append(AddedToken(
                    content: try reader.string(item, "content", in: path), id: id,
                    singleWord: try reader.bool(item, "single_word", in: path, default: false),
                    lstrip: try reader.bool(item, "lstrip", in: path, default: false),
                    rstrip: try reader.bool(item, "rstrip", in: path, default: false),
                    normalized: try reader.bool(item, "normalized", in: path, default: !special),
                    special: special))
            }
        }
        var nextID = max(model.vocabularySize, (added.map(\.id).max() ?? -1) + 1)
        for var token in extra where !added.contains(where: { $0.content == token.content }) {
            if token.id < 0 {
                if let id = model.id(for: Array(token.content.unicodeScalars)) {
                    token.id = id
                } else {
                    token.id = nextID
                    nextID += 1
                }
            }
            added.append(token)
        }
        addedTokens = added
        var byID: [Int: AddedToken] = [:], byContent: [[Unicode.Scalar]: Int] = [:], strings: [Int: String] = [:]
        var extra = 0
        for token in added {
            byID[token.id] = token
            if token.normalized, let normalizer {
                strings[token.id] = makeString(normalizer.normalize(Array(token.content.unicodeScalars)))
            } else {
                strings[token.id] = token.content
            }
            byContent[Array(token.content.unicodeScalars)] = token.id
            if model.token(for: token.id) == nil { extra += 1 }
        }
        addedByID = byID
        addedStrings = strings
        addedByContent = byContent
        specialContents = Set(added.filter(\.special).map { Array($0.content.unicodeScalars) })
        vocabularySize = model.vocabularySize + extra
        // Special tokens are matched before added tokens in `tokenizers`; with leftmost-longest matching the
        // order only matters for identical contents, where the first wins.
        let ordered = added.filter(\.special) + added.filter { !$0.special }
        rawMatcher = AddedTokenMatcher(ordered.filter { !$0.normalized }, normalizer: nil)
        normalizedMatcher = AddedTokenMatcher(ordered.filter(\.normalized), normalizer: normalizer)
    }

    /// Token ids for `text`; with `addSpecialTokens` the post-processor adds BOS/CLS/SEP-style tokens.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int] = []
        var cache = WordCache()
        for piece in preTokenizedPieces(text) {
            if let id = piece.tokenID {
                ids.append(id)
            } else {
                model.tokenize(piece.scalars, into: &ids, cache: &cache)
            }
        }
        return postProcessor?.process(ids, addSpecialTokens: addSpecialTokens) ?? ids
    }

    /// Token ids for `text` cut to at most `maxLength` tokens, as `tokenizer(text, truncation=True,
    /// max_length=maxLength)` does: the text's own tokens are cut from the end first, so that the special tokens
    /// the post-processor adds (BOS/EOS) are kept.
    public func encode(_ text: String, addSpecialTokens: Bool = true, maxLength: Int) -> [Int] {
        let content = encode(text, addSpecialTokens: false)
        let added = addSpecialTokens ? (postProcessor?.process([], addSpecialTokens: true).count ?? 0) : 0
        let kept = Array(content.prefix(max(0, maxLength - added)))
        return postProcessor?.process(kept, addSpecialTokens: addSpecialTokens) ?? kept
    }

    /// The pieces the model sees (added tokens already resolved to ids).
    func preTokenizedPieces(_ text: String) -> [TextPiece] {
        let scalars = Array(text.unicodeScalars)
        if scalars.isEmpty { return [] }
        var pieces: [TextPiece] = []
        rawMatcher.split(TextPiece(scalars: scalars, tokenID: nil, startsText: true), into: &pieces)
        var normalized: [TextPiece] = []
        normalized.reserveCapacity(pieces.count)
        for var piece in pieces {
            if piece.tokenID != nil { normalized.append(piece); continue }
            if let normalizer { piece.scalars = normalizer.normalize(piece.scalars) }
            if normalizedMatcher.isEmpty {
                if !piece.scalars.isEmpty { normalized.append(piece) }
            } else {
                normalizedMatcher.split(piece, into: &normalized)
            }
        }
        return preTokenizer?.preTokenize(normalized) ?? normalized
    }

    /// Text for `ids`. Throws `TextModelsError.invalidTokenID` for an id that is neither in the model nor added.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) throws(TextModelsError) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = idToToken(id) else { throw .invalidTokenID(id, vocabularySize: vocabularySize) }
            if skipSpecialTokens, addedByID[id]?.special == true || specialContents.contains(Array(token.unicodeScalars)) {
                continue
            }
            tokens.append(token)
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decodeChain(tokens).joined()
    }

    /// The id of a token string (added tokens first, then the model vocabulary).
    public func tokenToID(_ token: String) -> Int? {
        let scalars = Array(token.unicodeScalars)
        return addedByContent[scalars] ?? model.id(for: scalars)
    }

    /// The token string of an id, or nil when the id is unknown.
    public func idToToken(_ id: Int) -> String? {
        addedStrings[id] ?? model.token(for: id)
    }
}
