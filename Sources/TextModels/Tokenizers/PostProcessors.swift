/// A `tokenizer.json` post-processor: adds special tokens around an encoded sequence.
protocol PostProcessor: Sendable {
    func process(_ ids: [Int], addSpecialTokens: Bool) -> [Int]
}

/// TemplateProcessing: the `single` template, e.g. `[CLS] $A [SEP]`.
struct TemplatePostProcessor: PostProcessor {
    enum Piece: Sendable {
        case sequence
        case special([Int])
    }
    let single: [Piece]

    init(_ json: JSONValue, _ reader: ConfigReader, path: String) throws(TextModelsError) {
        var specials: [String: [Int]] = [:]
        if let members = json["special_tokens"]?.objectValue {
            for member in members {
                guard let ids = member.value["ids"]?.arrayValue else { throw reader.fail("'\(path).special_tokens.\(member.key).ids' must be an array") }
                var list: [Int] = []
                for id in ids {
                    guard let i = id.intValue, i >= 0 else { throw reader.fail("'\(path).special_tokens.\(member.key).ids' must hold token ids") }
                    list.append(i)
                }
                specials[member.key] = list
            }
        }
        var single: [Piece] = []
        for (i, item) in try reader.array(json, "single", in: path).enumerated() {
            if let special = item["SpecialToken"] {
                guard let name = special["id"]?.stringValue else { throw reader.fail("'\(path).single[\(i)].SpecialToken.id' must be a string") }
                guard let ids = specials[name] else { throw reader.fail("'\(path)': template token '\(name)' is not in special_tokens") }
                single.append(.special(ids))
            } else if let sequence = item["Sequence"] {
                // A single-sequence template can only refer to the first sequence.
                if sequence["id"]?.stringValue == "A" { single.append(.sequence) }
            } else {
                throw reader.fail("'\(path).single[\(i)]' must be a SpecialToken or a Sequence")
            }
        }
        self.single = single
    }

    func process(_ ids: [Int], addSpecialTokens: Bool) -> [Int] {
        guard addSpecialTokens else { return ids }
        var out: [Int] = []
        out.reserveCapacity(ids.count + 4)
        for piece in single {
            switch piece {
            case .sequence: out.append(contentsOf: ids)
            case .special(let s): out.append(contentsOf: s)
            }
        }
        return out
    }
}

/// BertProcessing and RobertaProcessing: `cls` + sequence + `sep` for one sequence.
struct ClassifierPostProcessor: PostProcessor {
    let cls: Int
    let sep: Int

    init(_ json: JSONValue, _ reader: ConfigReader, path: String) throws(TextModelsError) {
        func id(_ key: String) throws(TextModelsError) -> Int {
            guard let pair = json[key]?.arrayValue, pair.count == 2, let id = pair[1].intValue, id >= 0 else {
                throw reader.fail("'\(path).\(key)' must be [token, id]")
            }
            return id
        }
        cls = try id("cls")
        sep = try id("sep")
    }

    func process(_ ids: [Int], addSpecialTokens: Bool) -> [Int] {
        addSpecialTokens ? [cls] + ids + [sep] : ids
    }
}

/// Post-processors that only adjust offsets (ByteLevel): ids pass through.
struct PassThroughPostProcessor: PostProcessor {
    func process(_ ids: [Int], addSpecialTokens: Bool) -> [Int] { ids }
}

struct SequencePostProcessor: PostProcessor {
    let processors: [any PostProcessor]
    func process(_ ids: [Int], addSpecialTokens: Bool) -> [Int] {
        var out = ids
        for p in processors { out = p.process(out, addSpecialTokens: addSpecialTokens) }
        return out
    }
}

enum PostProcessorFactory {
    static let supported = "TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence"

    static func make(_ json: JSONValue, _ reader: ConfigReader, path: String = "post_processor") throws(TextModelsError) -> any PostProcessor {
        let type = try reader.type(json, in: path)
        switch type {
        case "TemplateProcessing": return try TemplatePostProcessor(json, reader, path: path)
        case "BertProcessing", "RobertaProcessing": return try ClassifierPostProcessor(json, reader, path: path)
        case "ByteLevel": return PassThroughPostProcessor()
        case "Sequence":
            return SequencePostProcessor(processors: try reader.components(json, "processors", in: path) {
                (item, itemPath) throws(TextModelsError) in try make(item, reader, path: itemPath)
            })
        default:
            throw .unsupportedTokenizerComponent(kind: "post-processor", type: "\(type) (supported: \(supported))")
        }
    }
}
