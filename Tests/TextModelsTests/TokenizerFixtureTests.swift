import Foundation
import Testing
@testable import TextModels

/// Reference: Python `tokenizers` 0.23.3, fixtures written by Tools/make_tokenizer_fixtures.py (tokenizers
/// trained locally). Tolerance: none — ids and decoded strings must be identical for every test string.
struct TokenizerFixtureTests {
    struct Expected: Decodable {
        var ids: [[Int]]
        var ids_no_special: [[Int]]
        var decode: [String]
        var decode_skip: [String?]
    }

    static let names = ["gpt2_bpe", "llama3_bpe", "qwen2_bpe", "sentencepiece_bpe", "metaspace_bpe", "clip_bpe",
                        "bert_wordpiece", "wordpiece_digits", "unigram", "bytelevel_variants", "unigram_byte_fallback"]

    static func fixturesURL() throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("Tokenizers")
    }

    static func strings() throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: fixturesURL().appendingPathComponent("strings.json")))
    }

    /// A short, escaped form of a test string for failure messages.
    static func describe(_ s: String) -> String {
        let head = s.unicodeScalars.prefix(80).map { $0.escaped(asASCII: true) }.joined()
        return "\"\(head)\"" + (s.unicodeScalars.count > 80 ? "… (\(s.unicodeScalars.count) scalars)" : "")
    }

    @Test(arguments: names)
    func matchesReferenceEncodeAndDecode(name: String) throws {
        let dir = try Self.fixturesURL()
        let tokenizer = try Tokenizer(contentsOf: dir.appendingPathComponent("\(name).json"))
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent("expected_\(name).json")))
        let strings = try Self.strings()
        #expect(strings.count >= 300)
        try #require(expected.ids.count == strings.count)
        var failures = 0
        for (i, s) in strings.enumerated() {
            let ids = tokenizer.encode(s)
            let plain = tokenizer.encode(s, addSpecialTokens: false)
            let decoded = try tokenizer.decode(expected.ids[i])
            let skipped = try tokenizer.decode(expected.ids[i], skipSpecialTokens: true)
            let expectedSkipped = expected.decode_skip[i] ?? expected.decode[i]
            guard ids == expected.ids[i], plain == expected.ids_no_special[i], decoded == expected.decode[i],
                  skipped == expectedSkipped else {
                failures += 1
                if failures <= 3 {
                    Issue.record("""
                        \(name): difference #\(failures) at string #\(i) \(Self.describe(s))
                          ids      \(ids == expected.ids[i] ? "ok" : "got \(ids.prefix(40)) expected \(expected.ids[i].prefix(40))")
                          no-spec  \(plain == expected.ids_no_special[i] ? "ok" : "got \(plain.prefix(40)) expected \(expected.ids_no_special[i].prefix(40))")
                          decode   \(decoded == expected.decode[i] ? "ok" : "got \(Self.describe(decoded)) expected \(Self.describe(expected.decode[i]))")
                          skip     \(skipped == expectedSkipped ? "ok" : "got \(Self.describe(skipped)) expected \(Self.describe(expectedSkipped))")
                        """)
                }
                continue
            }
        }
        #expect(failures == 0, "\(name): \(failures) of \(strings.count) strings differ")
    }
}
