/// Any other regex from a `tokenizer.json`, run with Swift `Regex` in Unicode-scalar mode (Rust's `char`
/// semantics, not grapheme clusters). Correct but slower than `KnownRegexPattern`.
struct SwiftRegexPattern: SplitPattern, @unchecked Sendable {
    // `Regex` is an immutable value; it is only read after construction.
    private let regex: Regex<AnyRegexOutput>
    let source: String

    init(source: String) throws(TextModelsError) {
        do {
            regex = try Regex(source).matchingSemantics(.unicodeScalar)
        } catch {
            throw .unsupportedTokenizerComponent(
                kind: "regex", type: "\(source) (not understood by Swift Regex: \(error))")
        }
        self.source = source
    }

    /// Scalar ranges of all non-empty, non-overlapping matches.
    func matchRanges(in s: [Unicode.Scalar]) -> [Range<Int>] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: s)
        let string = String(view)
        var ranges: [Range<Int>] = []
        var cursor = string.startIndex
        var cursorOffset = 0
        for match in string.matches(of: regex) {
            let lower = string.unicodeScalars.distance(from: cursor, to: match.range.lowerBound) + cursorOffset
            let upper = string.unicodeScalars.distance(from: match.range.lowerBound, to: match.range.upperBound) + lower
            cursor = match.range.upperBound
            cursorOffset = upper
            if upper > lower { ranges.append(lower..<upper) }
        }
        return ranges
    }

    func findMatches(in s: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        Self.covering(matchRanges(in: s), count: s.count)
    }
}

/// Builds the matcher for a pattern spec: literal, a known fast regex, or Swift `Regex`.
func makeSplitPattern(_ spec: PatternSpec) throws(TextModelsError) -> any SplitPattern {
    switch spec {
    case .literal(let s): return LiteralPattern(needle: Array(s.unicodeScalars))
    case .regex(let source):
        if let known = KnownRegexPattern(source: source) { return known }
        return try SwiftRegexPattern(source: source)
    }
}

/// How a split treats the delimiters it finds (Hugging Face `SplitDelimiterBehavior`).
enum SplitDelimiterBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    /// The ranges to keep after applying this behavior to a covering match list.
    func apply(_ matches: [(range: Range<Int>, isMatch: Bool)]) -> [Range<Int>] {
        switch self {
        case .isolated:
            return matches.map(\.range)
        case .removed:
            return matches.filter { !$0.isMatch }.map(\.range)
        case .contiguous:
            var result: [Range<Int>] = []
            var previousMatch = false
            for m in matches {
                if m.isMatch == previousMatch, let last = result.last {
                    result[result.count - 1] = last.lowerBound..<m.range.upperBound
                } else {
                    result.append(m.range)
                }
                previousMatch = m.isMatch
            }
            return result
        case .mergedWithPrevious:
            var result: [Range<Int>] = []
            var previousMatch = false
            for m in matches {
                if m.isMatch, !previousMatch, let last = result.last {
                    result[result.count - 1] = last.lowerBound..<m.range.upperBound
                } else {
                    result.append(m.range)
                }
                previousMatch = m.isMatch
            }
            return result
        case .mergedWithNext:
            var result: [Range<Int>] = []
            var previousMatch = false
            for m in matches.reversed() {
                if m.isMatch, !previousMatch, let last = result.last {
                    result[result.count - 1] = m.range.lowerBound..<last.upperBound
                } else {
                    result.append(m.range)
                }
                previousMatch = m.isMatch
            }
            return result.reversed()
        }
    }
}
