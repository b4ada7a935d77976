import Foundation
import Testing
@testable import TextModels

/// The hand-written scanners for the GPT-2 / Llama 3 / Qwen 2 pre-tokenization regexes against Swift `Regex`
/// running the same pattern strings in Unicode-scalar mode (reference), on every shared fixture string.
/// (End-to-end agreement with Oniguruma is covered by the fixture tests.) Tolerance: identical match ranges.
struct TokenizerSplitPatternTests {
    @Test(arguments: [KnownRegexPattern.gpt2Source, KnownRegexPattern.llama3Source, KnownRegexPattern.qwen2Source])
    func knownScannerAgreesWithSwiftRegex(source: String) throws {
        let scanner = try #require(KnownRegexPattern(source: source))
        let reference = try SwiftRegexPattern(source: source)
        let extra = ["'S 'LL 'rE", "x'sy", "  \n\n  a", "a \t\n b", "123456789", "٣٤٥٦", "  !!\n\r\nx", " ", "\n", "\u{017F}"]
        for s in try TokenizerFixtureTests.strings() + extra where s.unicodeScalars.count < 2000 {
            let scalars = Array(s.unicodeScalars)
            let got = scanner.findMatches(in: scalars).filter(\.isMatch).map(\.range)
            let expected = reference.matchRanges(in: scalars)
            #expect(got == expected, "\(TokenizerFixtureTests.describe(s))")
            if got != expected { return }
        }
    }

    @Test func splitBehaviorsMatchTokenizersDefinitions() {
        // "a-b--c" split on "-" (every dash is its own match).
        let matches = ScalarPredicatePattern { $0 == "-" }.findMatches(in: Array("a-b--c".unicodeScalars))
        func texts(_ b: SplitDelimiterBehavior) -> [String] {
            let s = Array("a-b--c".unicodeScalars)
            return b.apply(matches).map { makeString(s[$0]) }
        }
        #expect(texts(.removed) == ["a", "b", "c"])
        #expect(texts(.isolated) == ["a", "-", "b", "-", "-", "c"])
        #expect(texts(.mergedWithPrevious) == ["a-", "b-", "-", "c"])
        #expect(texts(.mergedWithNext) == ["a", "-b", "-", "-c"])
        #expect(texts(.contiguous) == ["a", "-", "b", "--", "c"])
    }
}
