import Foundation

/// A `tokenizer.json` normalizer: rewrites the text of one piece (between added tokens) before splitting.
protocol Normalizer: Sendable {
    func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar]
}

/// Unicode normalization forms, through Foundation (NFC/NFD/NFKC/NFKD).
struct UnicodeNormalizer: Normalizer {
    enum Form: String, Sendable { case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD" }
    let form: Form

    func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // ASCII is invariant under every form; skip the round trip through Foundation.
        if s.allSatisfy({ $0.value < 0x80 }) { return s }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: s)
        let string = String(view)
        let result: String
        switch form {
        case .nfc: result = string.precomposedStringWithCanonicalMapping
        case .nfd: result = string.decomposedStringWithCanonicalMapping
        case .nfkc: result = string.precomposedStringWithCompatibilityMapping
        case .nfkd: result = string.decomposedStringWithCompatibilityMapping
        }
        return Array(result.unicodeScalars)
    }
}

/// Per-scalar full lowercase mapping (Rust `char::to_lowercase`: context-free, may yield several scalars).
struct LowercaseNormalizer: Normalizer {
    func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] { Self.lowercase(s) }

    static func lowercase(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for c in s {
            if c.value < 0x80 {
                out.append(c.value >= 0x41 && c.value <= 0x5A ? Unicode.Scalar(UInt8(c.value + 0x20)) : c)
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }
}

/// Removes combining marks (meant to follow NFD/NFKD).
struct StripAccentsNormalizer: Normalizer {
    func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] { s.filter { !ScalarClass.isMark($0) } }
}

/// Replaces every match of a literal or regex with `content`.
struct ReplaceNormalizer: Normalizer {
    let pattern: PatternSpec
    let matcher: any SplitPattern
    let content: [Unicode.Scalar]

    init(pattern: PatternSpec, content: String) throws(TextModelsError) {
        self.pattern = pattern
        self.matcher = try makeSplitPattern(pattern)
        self.content = Array(content.unicodeScalars)
    }

    func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] { Self.replace(s, matcher, content) }

    static func replace(_ s: [Unicode.Scalar], _ matcher: any SplitPattern, _ content: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for m in matcher.findMatches(in: s) {
            if m.isMatch { out.append(contentsOf: content) } else { out.append(contentsOf: s[m.range]) }
        }
        return out
    }
}

/// Prepends a string to non-empty text (Llama 2's "▁").
struct PrependNormalizer: Normalizer {
    let prefix: [Unicode.Scalar]
    func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] { s.isEmpty ? s : prefix + s }
}

/// Strips whitespace on the left and/or right.
struct StripNormalizer: Normalizer {
    let left: Bool
    let right: Bool
    func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var lower = 0, upper = s.count
        if left { while lower < upper, ScalarClass.isWhitespace(s[lower]) { lower += 1 } }
        if right { while upper > lower, ScalarClass.isWhitespace(s[upper - 1]) { upper -= 1 } }
        return Array(s[lower..<upper])
    }
}

/// BERT's normalizer: drop control characters, map whitespace to spaces, space out CJK ideographs,
/// optionally strip accents (NFD then remove marks) and lowercase.
struct BertNormalizer: Normalizer {
    let cleanText: Bool
    let handleChineseChars: Bool
    let stripAccents: Bool
    let lowercase: Bool

    func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out = s
        if cleanText {
            out = out.compactMap { c in
                if c.value == 0 || c.value == 0xFFFD || ScalarClass.isBertControl(c) { return nil }
                return ScalarClass.isWhitespace(c) ? " " : c
            }
        }
        if handleChineseChars, out.contains(where: ScalarClass.isChineseCharacter) {
            var spaced: [Unicode.Scalar] = []
            spaced.reserveCapacity(out.count + 16)
            for c in out {
                if ScalarClass.isChineseCharacter(c) { spaced.append(" "); spaced.append(c); spaced.append(" ") } else { spaced.append(c) }
            }
            out = spaced
        }
        if stripAccents {
            // BERT removes only nonspacing marks (Mn), unlike StripAccents which removes every mark.
            out = UnicodeNormalizer(form: .nfd).normalize(out).filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase { out = LowercaseNormalizer.lowercase(out) }
        return out
    }
}

/// Applies normalizers in order.
struct SequenceNormalizer: Normalizer {
    let normalizers: [any Normalizer]
    func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out = s
        for n in normalizers { out = n.normalize(out) }
        return out
    }
}

enum NormalizerFactory {
    static let supported = "NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Replace, Prepend, Strip, BertNormalizer, Sequence"

    static func make(_ json: JSONValue, _ reader: ConfigReader, path: String = "normalizer") throws(TextModelsError) -> any Normalizer {
        let type = try reader.type(json, in: path)
        switch type {
        case "NFC", "NFD", "NFKC", "NFKD":
            return UnicodeNormalizer(form: UnicodeNormalizer.Form(rawValue: type) ?? .nfc)
        case "Lowercase": return LowercaseNormalizer()
        case "StripAccents": return StripAccentsNormalizer()
        case "Replace":
            return try ReplaceNormalizer(pattern: reader.pattern(json, in: path), content: reader.string(json, "content", in: path))
        case "Prepend": return PrependNormalizer(prefix: Array(try reader.string(json, "prepend", in: path).unicodeScalars))
        case "Strip":
            return StripNormalizer(left: try reader.bool(json, "strip_left", in: path, default: true),
                                   right: try reader.bool(json, "strip_right", in: path, default: true))
        case "BertNormalizer":
            let lowercase = try reader.bool(json, "lowercase", in: path, default: true)
            return BertNormalizer(
                cleanText: try reader.bool(json, "clean_text", in: path, default: true),
                handleChineseChars: try reader.bool(json, "handle_chinese_chars", in: path, default: true),
                stripAccents: try reader.bool(json, "strip_accents", in: path, default: lowercase),
                lowercase: lowercase)
        case "Sequence":
            return SequenceNormalizer(normalizers: try reader.components(json, "normalizers", in: path) {
                (item, itemPath) throws(TextModelsError) in try make(item, reader, path: itemPath)
            })
        default:
            throw .unsupportedTokenizerComponent(kind: "normalizer", type: "\(type) (supported: \(supported))")
        }
    }
}
