/// One piece of input on its way through the pipeline. Pieces matched as added tokens already carry their id
/// and skip the normalizer, pre-tokenizer and model.
struct TextPiece: Sendable {
    var scalars: [Unicode.Scalar]
    var tokenID: Int?
    /// Whether the piece begins at the start of the original text (Metaspace `prepend_scheme: first`).
    var startsText: Bool
}

/// A `tokenizer.json` pre-tokenizer: splits pieces into the words the model tokenizes.
protocol PreTokenizer: Sendable {
    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece]
}

extension PreTokenizer {
    /// Replaces each untokenized piece by the non-empty pieces `split` makes of it.
    func splitEach(_ pieces: [TextPiece], _ split: ([Unicode.Scalar], Bool) -> [[Unicode.Scalar]]) -> [TextPiece] {
        var out: [TextPiece] = []
        out.reserveCapacity(pieces.count * 4)
        for piece in pieces {
            if piece.tokenID != nil { out.append(piece); continue }
            var first = true
            for part in split(piece.scalars, piece.startsText) where !part.isEmpty {
                out.append(TextPiece(scalars: part, tokenID: nil, startsText: piece.startsText && first))
                first = false
            }
        }
        return out
    }

    /// Splits every untokenized piece with `pattern` and `behavior`.
    func split(_ pieces: [TextPiece], _ pattern: any SplitPattern, _ behavior: SplitDelimiterBehavior) -> [TextPiece] {
        var out: [TextPiece] = []
        out.reserveCapacity(pieces.count * 4)
        for piece in pieces {
            if piece.tokenID != nil { out.append(piece); continue }
            for range in behavior.apply(pattern.findMatches(in: piece.scalars)) where !range.isEmpty {
                out.append(TextPiece(scalars: Array(piece.scalars[range]), tokenID: nil,
                                     startsText: piece.startsText && range.lowerBound == 0))
            }
        }
        return out
    }
}

/// GPT-2's byte-to-character table: printable Latin-1 bytes map to themselves, the rest to U+0100 onwards,
/// so every byte string becomes visible text.
enum ByteLevelAlphabet {
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    /// The byte each byte-level character stands for (used by the ByteLevel decoder).
    static let scalarToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for b in 0..<256 { map[byteToScalar[b].value] = UInt8(b) }
        return map
    }()

    /// The UTF-8 bytes of `s`, each written as its byte-level character.
    static func encode(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count + s.count / 2)
        for c in s {
            if c.value < 0x80 {
                out.append(byteToScalar[Int(c.value)])
            } else {
                if let encoded = UTF8.encode(c) { for b in encoded { out.append(byteToScalar[Int(b)]) } }
            }
        }
        return out
    }
}

/// ByteLevel: optional leading space, the GPT-2 regex split, then bytes → visible characters.
struct ByteLevelPreTokenizer: PreTokenizer {
    let addPrefixSpace: Bool
    let useRegex: Bool
    private static let gpt2 = KnownRegexPattern(flavor: .gpt2)

    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece] {
        var out: [TextPiece] = []
        out.reserveCapacity(pieces.count * 4)
        for piece in pieces {
            if piece.tokenID != nil { out.append(piece); continue }
            var s = piece.scalars
            if addPrefixSpace, s.first != " " { s.insert(" ", at: 0) }
            if useRegex {
                for m in Self.gpt2.findMatches(in: s) where !m.range.isEmpty {
                    out.append(TextPiece(scalars: ByteLevelAlphabet.encode(Array(s[m.range])), tokenID: nil,
                                         startsText: piece.startsText && m.range.lowerBound == 0))
                }
            } else if !s.isEmpty {
                out.append(TextPiece(scalars: ByteLevelAlphabet.encode(s), tokenID: nil, startsText: piece.startsText))
            }
        }
        return out
    }
}

/// Split: a literal or regex pattern with a delimiter behavior, optionally inverted.
struct SplitPreTokenizer: PreTokenizer {
    let pattern: any SplitPattern
    let behavior: SplitDelimiterBehavior
    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece] { split(pieces, pattern, behavior) }
}

/// When Metaspace adds the replacement character in front of a piece.
enum PrependScheme: String, Sendable {
    case always, never, first
}

/// Metaspace (SentencePiece): spaces become "▁", a leading "▁" per `prependScheme`, optional split before each "▁".
struct MetaspacePreTokenizer: PreTokenizer {
    let replacement: Unicode.Scalar
    let prependScheme: PrependScheme
    let splitWords: Bool

    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece] {
        let marker = replacement
        let pattern = ScalarPredicatePattern { $0 == marker }
        return splitEach(pieces) { scalars, startsText in
            var s = scalars.map { $0 == " " ? marker : $0 }
            let shouldPrepend = switch prependScheme {
            case .always: true
            case .first: startsText
            case .never: false
            }
            if shouldPrepend, s.first != marker { s.insert(marker, at: 0) }
            guard splitWords else { return [s] }
            return SplitDelimiterBehavior.mergedWithNext.apply(pattern.findMatches(in: s)).map { Array(s[$0]) }
        }
    }
}

/// Whitespace: `\w+|[^\w\s]+`, dropping the whitespace.
struct WhitespacePreTokenizer: PreTokenizer {
    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece] {
        split(pieces, InvertedPattern(base: WordsAndSymbolsPattern()), .removed)
    }
}

/// WhitespaceSplit: split on whitespace characters, dropping them.
struct WhitespaceSplitPreTokenizer: PreTokenizer {
    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece] {
        split(pieces, ScalarPredicatePattern { ScalarClass.isWhitespace($0) }, .removed)
    }
}

/// BertPreTokenizer: split on whitespace, then isolate each punctuation character.
struct BertPreTokenizer: PreTokenizer {
    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece] {
        let words = split(pieces, ScalarPredicatePattern { ScalarClass.isWhitespace($0) }, .removed)
        return split(words, ScalarPredicatePattern { ScalarClass.isPunctuation($0) }, .isolated)
    }
}

/// Punctuation: split around punctuation characters with the given behavior.
struct PunctuationPreTokenizer: PreTokenizer {
    let behavior: SplitDelimiterBehavior
    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece] {
        split(pieces, ScalarPredicatePattern { ScalarClass.isPunctuation($0) }, behavior)
    }
}

/// Digits: isolate numbers, one digit per piece when `individualDigits`.
struct DigitsPreTokenizer: PreTokenizer {
    let individualDigits: Bool
    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece] {
        split(pieces, ScalarPredicatePattern { ScalarClass.isNumber($0) }, individualDigits ? .isolated : .contiguous)
    }
}

/// Applies pre-tokenizers in order.
struct SequencePreTokenizer: PreTokenizer {
    let preTokenizers: [any PreTokenizer]
    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece] {
        var out = pieces
        for p in preTokenizers { out = p.preTokenize(out) }
        return out
    }
}

enum PreTokenizerFactory {
    static let supported = "ByteLevel, Split, Metaspace, Whitespace, WhitespaceSplit, BertPreTokenizer, Punctuation, Digits, Sequence"

    static func behavior(_ json: JSONValue, _ reader: ConfigReader, path: String, default fallback: SplitDelimiterBehavior)
        throws(TextModelsError) -> SplitDelimiterBehavior {
        guard let name = try reader.optionalString(json, "behavior", in: path) else { return fallback }
        guard let behavior = SplitDelimiterBehavior(rawValue: name) else {
            throw reader.fail("'\(path).behavior' \(name) is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous")
        }
        return behavior
    }

    static func make(_ json: JSONValue, _ reader: ConfigReader, path: String = "pre_tokenizer") throws(TextModelsError) -> any PreTokenizer {
        let type = try reader.type(json, in: path)
        switch type {
        case "ByteLevel":
            return ByteLevelPreTokenizer(addPrefixSpace: try reader.bool(json, "add_prefix_space", in: path, default: true),
                                         useRegex: try reader.bool(json, "use_regex", in: path, default: true))
        case "Split":
            var pattern = try makeSplitPattern(try reader.pattern(json, in: path))
            if try reader.bool(json, "invert", in: path, default: false) { pattern = InvertedPattern(base: pattern) }
            return SplitPreTokenizer(pattern: pattern, behavior: try behavior(json, reader, path: path, default: .isolated))
        case "Metaspace":
            return MetaspacePreTokenizer(replacement: try reader.scalar(json, "replacement", in: path),
                                         prependScheme: try reader.prependScheme(json, in: path),
                                         splitWords: try reader.bool(json, "split", in: path, default: true))
        case "Whitespace": return WhitespacePreTokenizer()
        case "WhitespaceSplit": return WhitespaceSplitPreTokenizer()
        case "BertPreTokenizer": return BertPreTokenizer()
        case "Punctuation": return PunctuationPreTokenizer(behavior: try behavior(json, reader, path: path, default: .isolated))
        case "Digits": return DigitsPreTokenizer(individualDigits: try reader.bool(json, "individual_digits", in: path, default: false))
        case "Sequence":
            return SequencePreTokenizer(preTokenizers: try reader.components(json, "pretokenizers", in: path) {
                (item, itemPath) throws(TextModelsError) in try make(item, reader, path: itemPath)
            })
        default:
            throw .unsupportedTokenizerComponent(kind: "pre-tokenizer", type: "\(type) (supported: \(supported))")
        }
    }
}
