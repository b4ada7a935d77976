/// Something that finds non-overlapping matches in a scalar string, as the Rust `Pattern` trait does:
/// the result covers the whole input as alternating matched / unmatched ranges, in order.
protocol SplitPattern: Sendable {
    func findMatches(in s: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)]
}

extension SplitPattern {
    /// Turns a list of matched ranges into the full covering list with the gaps between them.
    static func covering(_ matches: [Range<Int>], count: Int) -> [(range: Range<Int>, isMatch: Bool)] {
        if count == 0 { return [(0..<0, false)] }
        var result: [(range: Range<Int>, isMatch: Bool)] = []
        result.reserveCapacity(matches.count * 2 + 1)
        var previous = 0
        for m in matches {
            if previous != m.lowerBound { result.append((previous..<m.lowerBound, false)) }
            result.append((m, true))
            previous = m.upperBound
        }
        if previous != count { result.append((previous..<count, false)) }
        return result
    }
}

/// The pre-tokenization regexes of GPT-2, Llama 3 (also cl100k) and Qwen 2, scanned by hand because they are
/// applied to every byte of input and Swift `Regex` is far slower. Semantics follow Oniguruma's ordered,
/// backtracking alternation exactly (including `\s+(?!\S)` giving back one whitespace before a non-space).
struct KnownRegexPattern: SplitPattern {
    enum Flavor: Sendable {
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
        case gpt2
        /// `(?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        case llama3
        /// As llama3 but `\p{N}` one digit at a time.
        case qwen2
    }

    static let gpt2Source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Source =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Source =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    let flavor: Flavor

    /// The hand-coded scanner for `source`, or nil when it is not one of the known patterns.
    init?(source: String) {
        switch source {
        case Self.gpt2Source: flavor = .gpt2
        case Self.llama3Source: flavor = .llama3
        case Self.qwen2Source: flavor = .qwen2
        default: return nil
        }
    }

    init(flavor: Flavor) { self.flavor = flavor }

    func findMatches(in s: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        // Every scalar is matched by one of the alternatives, so the matches tile the input.
        var result: [(range: Range<Int>, isMatch: Bool)] = []
        result.reserveCapacity(s.count / 3 + 1)
        var i = 0
        while i < s.count {
            let end = flavor == .gpt2 ? gpt2MatchEnd(s, i) : llamaMatchEnd(s, i)
            result.append((i..<end, true))
            i = end
        }
        if result.isEmpty { return [(0..<0, false)] }
        return result
    }

    @inline(__always) private static func isOther(_ c: Unicode.Scalar) -> Bool {
        !ScalarClass.isWhitespace(c) && !ScalarClass.isLetter(c) && !ScalarClass.isNumber(c)
    }

    @inline(__always) private static func isNewline(_ c: Unicode.Scalar) -> Bool { c == "\r" || c == "\n" }

    /// End of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) starting at `i`, if any.
    private func contractionEnd(_ s: [Unicode.Scalar], _ i: Int, caseInsensitive: Bool) -> Int? {
        guard i + 1 < s.count else { return nil }
        func fold(_ c: Unicode.Scalar) -> Unicode.Scalar {
            guard caseInsensitive else { return c }
            if c.value >= 0x41 && c.value <= 0x5A { return Unicode.Scalar(c.value + 0x20) ?? c }
            if c.value == 0x17F { return "s" }  // LATIN SMALL LETTER LONG S case-folds to "s"
            return c
        }
        let c1 = fold(s[i + 1])
        switch c1 {
        case "s", "t", "m", "d": return i + 2
        case "r", "v":
            if i + 2 < s.count, fold(s[i + 2]) == "e" { return i + 3 }
        case "l":
            if i + 2 < s.count, fold(s[i + 2]) == "l" { return i + 3 }
        default: break
        }
        return nil
    }

    @inline(__always) private func run(_ s: [Unicode.Scalar], from start: Int, while predicate: (Unicode.Scalar) -> Bool) -> Int {
        var j = start
        while j < s.count, predicate(s[j]) { j += 1 }
        return j
    }

    /// `\s+(?!\S)|\s+` at a whitespace scalar.
    @inline(__always) private func whitespaceEnd(_ s: [Unicode.Scalar], _ i: Int, runEnd k: Int) -> Int {
        if k == s.count { return k }
        return k - i >= 2 ? k - 1 : k
    }

    private func gpt2MatchEnd(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        let c = s[i]
        if c == "'", let end = contractionEnd(s, i, caseInsensitive: false) { return end }
        let hasSpace = c == " " && i + 1 < s.count
        let first = hasSpace ? s[i + 1] : c
        if ScalarClass.isLetter(c) || (hasSpace && ScalarClass.isLetter(first)) {
            return run(s, from: hasSpace && !ScalarClass.isLetter(c) ? i + 1 : i, while: ScalarClass.isLetter)
        }
        if ScalarClass.isNumber(c) || (hasSpace && ScalarClass.isNumber(first)) {
            return run(s, from: ScalarClass.isNumber(c) ? i : i + 1, while: ScalarClass.isNumber)
        }
        if Self.isOther(c) || (hasSpace && Self.isOther(first)) {
            return run(s, from: Self.isOther(c) ? i : i + 1, while: Self.isOther)
        }
        // Only whitespace is left.
        return whitespaceEnd(s, i, runEnd: run(s, from: i, while: ScalarClass.isWhitespace))
    }

    private func llamaMatchEnd(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        let c = s[i]
        if c == "'", let end = contractionEnd(s, i, caseInsensitive: true) { return end }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if ScalarClass.isLetter(c) { return run(s, from: i + 1, while: ScalarClass.isLetter) }
        if !Self.isNewline(c), !ScalarClass.isNumber(c), i + 1 < s.count, ScalarClass.isLetter(s[i + 1]) {
            return run(s, from: i + 2, while: ScalarClass.isLetter)
        }
        // \p{N}{1,3} or \p{N}
        if ScalarClass.isNumber(c) {
            let limit = flavor == .qwen2 ? 1 : 3
            var j = i + 1
            while j < s.count, j - i < limit, ScalarClass.isNumber(s[j]) { j += 1 }
            return j
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        let otherStart = c == " " && i + 1 < s.count && Self.isOther(s[i + 1]) ? i + 1 : i
        if Self.isOther(s[otherStart]) {
            let end = run(s, from: otherStart + 1, while: Self.isOther)
            return run(s, from: end, while: Self.isNewline)
        }
        // Whitespace: \s*[\r\n]+ ends after the run's last newline; otherwise \s+(?!\S)|\s+.
        let k = run(s, from: i, while: ScalarClass.isWhitespace)
        var p = k - 1
        while p >= i {
            if Self.isNewline(s[p]) { return p + 1 }
            p -= 1
        }
        return whitespaceEnd(s, i, runEnd: k)
    }
}

/// A literal string (Split / Replace with `{"String": ...}`), matched left to right without overlap.
struct LiteralPattern: SplitPattern {
    let needle: [Unicode.Scalar]

    func matchRanges(in s: [Unicode.Scalar]) -> [Range<Int>] {
        guard !needle.isEmpty, s.count >= needle.count else { return [] }
        var ranges: [Range<Int>] = []
        var i = 0
        let first = needle[0]
        while i + needle.count <= s.count {
            if s[i] == first {
                var j = 1
                while j < needle.count, s[i + j] == needle[j] { j += 1 }
                if j == needle.count {
                    ranges.append(i..<(i + needle.count))
                    i += needle.count
                    continue
                }
            }
            i += 1
        }
        return ranges
    }

    func findMatches(in s: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        Self.covering(matchRanges(in: s), count: s.count)
    }
}

/// A per-scalar predicate: each matching scalar is its own match (Rust's `Fn(char) -> bool` pattern).
struct ScalarPredicatePattern: SplitPattern {
    let predicate: @Sendable (Unicode.Scalar) -> Bool

    func findMatches(in s: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        if s.isEmpty { return [(0..<0, false)] }
        var result: [(range: Range<Int>, isMatch: Bool)] = []
        var last = 0
        for (i, c) in s.enumerated() where predicate(c) {
            if last < i { result.append((last..<i, false)) }
            result.append((i..<(i + 1), true))
            last = i + 1
        }
        if last < s.count { result.append((last..<s.count, false)) }
        return result
    }
}

/// `\w+|[^\w\s]+` (the Whitespace pre-tokenizer), scanned by hand.
struct WordsAndSymbolsPattern: SplitPattern {
    func findMatches(in s: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        var matches: [Range<Int>] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if ScalarClass.isWordCharacter(c) {
                var j = i + 1
                while j < s.count, ScalarClass.isWordCharacter(s[j]) { j += 1 }
                matches.append(i..<j)
                i = j
            } else if !ScalarClass.isWhitespace(c) {
                var j = i + 1
                while j < s.count, !ScalarClass.isWordCharacter(s[j]), !ScalarClass.isWhitespace(s[j]) { j += 1 }
                matches.append(i..<j)
                i = j
            } else {
                i += 1
            }
        }
        return Self.covering(matches, count: s.count)
    }
}

/// The `invert` flag of Split: matches and gaps trade places.
struct InvertedPattern: SplitPattern {
    let base: any SplitPattern

    func findMatches(in s: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        base.findMatches(in: s).map { ($0.range, !$0.isMatch) }
    }
}
