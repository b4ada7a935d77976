import Foundation
import Testing

@testable import TextModels

/// A byte-level decode: token i is byte i, and invalid UTF-8 becomes U+FFFD (as tokenizers' decode does).
let byteDecode: @Sendable ([Int]) -> String = { ids in String(decoding: ids.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self) }

struct GenerationStreamingTests {
    @Test func detokenizerNeverSplitsACharacter() {
        let text = "añ€😀z"
        let bytes = Array(text.utf8).map(Int.init)
        var detokenizer = IncrementalDetokenizer(decode: byteDecode)
        var pieces: [String] = []
        for b in bytes {
            let piece = detokenizer.append(b)
            if !piece.isEmpty { pieces.append(piece) }
        }
        pieces.append(detokenizer.flush())
        #expect(pieces.joined() == text)
        #expect(!pieces.contains { $0.contains("\u{FFFD}") })
        #expect(pieces.filter { !$0.isEmpty } == ["a", "ñ", "€", "😀", "z"])
    }

    /// A SentencePiece-style decode drops the space that starts the text; pieces must still join to the full text.
    @Test func detokenizerWithLeadingSpaceCleanup() {
        let words = ["▁The", "▁cat", "s", "▁sat", "."]
        let decode: @Sendable ([Int]) -> String = { ids in
            let text = ids.map { words[$0] }.joined().replacingOccurrences(of: "▁", with: " ")
            return text.hasPrefix(" ") ? String(text.dropFirst()) : text
        }
        var detokenizer = IncrementalDetokenizer(decode: decode)
        var streamed = ""
        for id in words.indices { streamed += detokenizer.append(id) }
        streamed += detokenizer.flush()
        #expect(streamed == "The cats sat.")
    }

    @Test func stopMatcherHoldsBackPossibleStops() {
        var matcher = StopStringMatcher(stopStrings: ["END", "xy"])
        #expect(matcher.feed("hello E") == ("hello ", false))
        #expect(matcher.feed("N") == ("", false))
        #expect(matcher.feed("Dafter") == ("", true))
        var other = StopStringMatcher(stopStrings: ["END"])
        #expect(other.feed("EN") == ("", false))
        #expect(other.feed("X") == ("ENX", false))
        #expect(other.flush() == "")
    }

    @Test func stopMatcherFindsStopInsideOnePiece() {
        var matcher = StopStringMatcher(stopStrings: ["\n\n"])
        #expect(matcher.feed("a\n\nb") == ("a", true))
    }

    @Test func seededGeneratorIsDeterministic() {
        var a = SeededRandomNumberGenerator(seed: 7), b = SeededRandomNumberGenerator(seed: 7)
        var c = SeededRandomNumberGenerator(seed: 8)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        for _ in 0..<1000 {
            let u = a.nextUnitInterval()
            #expect(u >= 0 && u < 1)
        }
    }
}
