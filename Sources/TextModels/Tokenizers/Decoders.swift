/// A `tokenizer.json` decoder step: rewrites the list of token strings (`decode_chain` in `tokenizers`).
/// The final text is the concatenation of the last step's output.
protocol TokenDecoder: Sendable {
    func decodeChain(_ tokens: [String]) -> [String]
}

/// Builds a String from scalars.
@inline(__always) func makeString(_ scalars: some Sequence<Unicode.Scalar>) -> String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
}

/// ByteLevel: byte-level characters back to bytes, then UTF-8 with U+FFFD for invalid sequences.
/// A token holding any other character contributes its own UTF-8 bytes.
struct ByteLevelDecoder: TokenDecoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        var bytes: [UInt8] = []
        for token in tokens {
            let start = bytes.count
            var ok = true
            for c in token.unicodeScalars {
                guard let b = ByteLevelAlphabet.scalarToByte[c.value] else { ok = false; break }
                bytes.append(b)
            }
            if !ok {
                bytes.removeSubrange(start...)
                bytes.append(contentsOf: token.utf8)
            }
        }
        return [String(decoding: bytes, as: UTF8.self)]
    }
}

/// Metaspace: "▁" back to spaces, dropping it in the first token unless the prepend scheme is `never`.
struct MetaspaceDecoder: TokenDecoder {
    let replacement: Unicode.Scalar
    let prependScheme: PrependScheme

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in
            var out = String.UnicodeScalarView()
            for c in token.unicodeScalars {
                if c == replacement {
                    if i == 0 && prependScheme != .never { continue }
                    out.append(" ")
                } else {
                    out.append(c)
                }
            }
            return String(out)
        }
    }
}

/// WordPiece: joins with spaces except before `##` continuations; optional English clean-up.
struct WordPieceDecoder: TokenDecoder {
    let prefix: String
    let cleanup: Bool

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in
            var t = token
            if i != 0 {
                if t.utf8.starts(with: prefix.utf8) {
                    t = replacingFirst(prefix, with: "", in: t)
                } else {
                    t = " " + t
                }
            }
            return cleanup ? Self.cleanUp(t) : t
        }
    }

    /// `tokenizers`' clean-up of spaces before punctuation and English contractions.
    static func cleanUp(_ s: String) -> String {
        var t = s
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            t = replacingAll(from, with: to, in: t)
        }
        return t
    }
}

/// Byte-exact substring replacement (Swift's own string search compares by canonical equivalence).
func replacingAll(_ needle: String, with replacement: String, in s: String, limit: Int = .max) -> String {
    let n = Array(needle.utf8)
    guard !n.isEmpty else { return s }
    let h = Array(s.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(h.count)
    var i = 0, count = 0
    while i < h.count {
        if count < limit, h[i] == n[0], i + n.count <= h.count, Array(h[i..<(i + n.count)]) == n {
            out.append(contentsOf: replacement.utf8)
            i += n.count
            count += 1
        } else {
            out.append(h[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

func replacingFirst(_ needle: String, with replacement: String, in s: String) -> String {
    replacingAll(needle, with: replacement, in: s, limit: 1)
}

/// ByteFallback: runs of `<0xXX>` tokens become the UTF-8 text they spell, or one U+FFFD per byte if invalid.
struct ByteFallbackDecoder: TokenDecoder {
    static func byteValue(_ token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == UInt8(ascii: "<"), u[1] == UInt8(ascii: "0"), u[2] == UInt8(ascii: "x"),
              u[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        var out: [String] = []
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if let s = String(validating: pending, as: UTF8.self) {
                out.append(s)
            } else {
                out.append(contentsOf: repeatElement("\u{FFFD}", count: pending.count))
            }
            pending.removeAll()
        }
        for token in tokens {
            if let b = Self.byteValue(token) {
                pending.append(b)
            } else {
                flush()
                out.append(token)
            }
        }
        flush()
        return out
    }
}

/// Fuse: all tokens into one string.
struct FuseDecoder: TokenDecoder {
    func decodeChain(_ tokens: [String]) -> [String] { [tokens.joined()] }
}

/// Strip: removes up to `start` leading and `stop` trailing `content` characters from every token.
struct StripDecoder: TokenDecoder {
    let content: Unicode.Scalar
    let start: Int
    let stop: Int

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            let chars = Array(token.unicodeScalars)
            var startCut = 0
            for i in 0..<min(start, chars.count) {
                guard chars[i] == content else { break }
                startCut = i + 1
            }
            var stopCut = chars.count
            for i in 0..<min(stop, chars.count) {
                let index = chars.count - i - 1
                guard chars[index] == content else { break }
                stopCut = index
            }
            // `tokenizers` panics when the two cuts cross; an empty token is the sensible result.
            return startCut < stopCut ? makeString(chars[startCut..<stopCut]) : ""
        }
    }
}

/// Replace: every match of a literal or regex in each token.
struct ReplaceDecoder: TokenDecoder {
    let matcher: any SplitPattern
    let content: [Unicode.Scalar]

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { makeString(ReplaceNormalizer.replace(Array($0.unicodeScalars), matcher, content)) }
    }
}

/// BPEDecoder: the end-of-word suffix becomes a space, or nothing in the last token.
struct BPESuffixDecoder: TokenDecoder {
    let suffix: String
    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in replacingAll(suffix, with: i == tokens.count - 1 ? "" : " ", in: token) }
    }
}

struct SequenceDecoder: TokenDecoder {
    let decoders: [any TokenDecoder]
    func decodeChain(_ tokens: [String]) -> [String] {
        var out = tokens
        for d in decoders { out = d.decodeChain(out) }
        return out
    }
}

enum DecoderFactory {
    static let supported = "ByteLevel, Metaspace, WordPiece, ByteFallback, Fuse, Strip, Replace, BPEDecoder, Sequence"

    static func make(_ json: JSONValue, _ reader: ConfigReader, path: String = "decoder") throws(TextModelsError) -> any TokenDecoder {
        let type = try reader.type(json, in: path)
        switch type {
        case "ByteLevel": return ByteLevelDecoder()
        case "Metaspace":
            return MetaspaceDecoder(replacement: try reader.scalar(json, "replacement", in: path),
                                    prependScheme: try reader.prependScheme(json, in: path))
        case "WordPiece":
            return WordPieceDecoder(prefix: try reader.optionalString(json, "prefix", in: path) ?? "##",
                                    cleanup: try reader.bool(json, "cleanup", in: path, default: true))
        case "ByteFallback": return ByteFallbackDecoder()
        case "Fuse": return FuseDecoder()
        case "Strip":
            guard let start = json["start"]?.intValue, let stop = json["stop"]?.intValue, start >= 0, stop >= 0 else {
                throw reader.fail("'\(path).start' and '.stop' must be non-negative integers")
            }
            return StripDecoder(content: try reader.scalar(json, "content", in: path), start: start, stop: stop)
        case "Replace":
            return ReplaceDecoder(matcher: try makeSplitPattern(try reader.pattern(json, in: path)),
                                  content: Array(try reader.string(json, "content", in: path).unicodeScalars))
        case "BPEDecoder":
            return BPESuffixDecoder(suffix: try reader.optionalString(json, "suffix", in: path) ?? "</w>")
        case "Sequence":
            return SequenceDecoder(decoders: try reader.components(json, "decoders", in: path) {
                (item, itemPath) throws(TextModelsError) in try make(item, reader, path: itemPath)
            })
        default:
            throw .unsupportedTokenizerComponent(kind: "decoder", type: "\(type) (supported: \(supported))")
        }
    }
}
