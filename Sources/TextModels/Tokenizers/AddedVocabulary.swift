/// One entry of `added_tokens` in `tokenizer.json`.
public struct AddedToken: Sendable, Equatable {
    /// The token text.
    public var content: String
    /// Its id.
    public var id: Int
    /// Only match when not inside a word (no `\w` character just before or after).
    public var singleWord: Bool
    /// Absorb whitespace on the left.
    public var lstrip: Bool
    /// Absorb whitespace on the right.
    public var rstrip: Bool
    /// Match against the normalized text instead of the raw input.
    public var normalized: Bool
    /// Special tokens are dropped by `decode(_:skipSpecialTokens: true)`.
    public var special: Bool
}

/// Finds added tokens in text the way `tokenizers`' AddedVocabulary does: leftmost-longest, non-overlapping
/// matches first, then the single_word / lstrip / rstrip rules on each match.
struct AddedTokenMatcher: Sendable {
    private struct Pattern: Sendable {
        var scalars: [Unicode.Scalar]
        var token: AddedToken
    }
    /// Candidate patterns by first scalar, longest first.
    private let byFirstScalar: [Unicode.Scalar: [Pattern]]
    /// Which ASCII scalars start a pattern, and whether any non-ASCII one does: the scan visits every input
    /// scalar, and most never start an added token, so this avoids a dictionary lookup per scalar.
    private let asciiStarts: [Bool]
    private let hasNonASCIIStart: Bool

    init(_ tokens: [AddedToken], normalizer: (any Normalizer)?) {
        var table: [Unicode.Scalar: [Pattern]] = [:]
        for token in tokens {
            var scalars = Array(token.content.unicodeScalars)
            if token.normalized, let normalizer { scalars = normalizer.normalize(scalars) }
            guard let first = scalars.first else { continue }
            table[first, default: []].append(Pattern(scalars: scalars, token: token))
        }
        for key in table.keys { table[key]?.sort { $0.scalars.count > $1.scalars.count } }
        byFirstScalar = table
        asciiStarts = (0..<128).map { table[Unicode.Scalar(UInt8($0))] != nil }
        hasNonASCIIStart = table.keys.contains { $0.value >= 128 }
    }

    var isEmpty: Bool { byFirstScalar.isEmpty }

    /// Splits `piece` into added-token pieces (with ids) and the text between them.
    func split(_ piece: TextPiece, into out: inout [TextPiece]) {
        let s = piece.scalars
        var matches: [(range: Range<Int>, token: AddedToken)] = []
        var i = 0
        while i < s.count {
            var matched = false
            let c = s[i]
            let mayStart = c.value < 128 ? asciiStarts[Int(c.value)] : hasNonASCIIStart
            if mayStart, let candidates = byFirstScalar[c] {
                for p in candidates where i + p.scalars.count <= s.count && s[i..<(i + p.scalars.count)].elementsEqual(p.scalars) {
                    matches.append((i..<(i + p.scalars.count), p.token))
                    i += p.scalars.count
                    matched = true
                    break
                }
            }
            if !matched { i += 1 }
        }
        if matches.isEmpty {
            if !s.isEmpty { out.append(piece) }
            return
        }
        var startOffset = 0
        for m in matches {
            var start = m.range.lowerBound, stop = m.range.upperBound
            if m.token.singleWord {
                let startSpace = start == 0 || !ScalarClass.isWordCharacter(s[start - 1])
                let stopSpace = stop == s.count || !ScalarClass.isWordCharacter(s[stop])
                if !startSpace || !stopSpace { continue }
            }
            if m.token.lstrip {
                var newStart = start
                while newStart > 0, ScalarClass.isWhitespace(s[newStart - 1]) { newStart -= 1 }
                start = max(newStart, startOffset)
            }
            if m.token.rstrip {
                while stop < s.count, ScalarClass.isWhitespace(s[stop]) { stop += 1 }
            }
            if startOffset < start {
                out.append(TextPiece(scalars: Array(s[startOffset..<start]), tokenID: nil,
                                     startsText: piece.startsText && startOffset == 0))
            }
            out.append(TextPiece(scalars: Array(s[start..<stop]), tokenID: m.token.id, startsText: false))
            startOffset = stop
        }
        if startOffset < s.count {
            out.append(TextPiece(scalars: Array(s[startOffset...]), tokenID: nil, startsText: piece.startsText && startOffset == 0))
        }
    }
}
