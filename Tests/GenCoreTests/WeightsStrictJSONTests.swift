import Testing
@testable import GenCore

/// The header JSON parser and the serde_json-compatible string quoting. Reference: RFC 8259 and the
/// escapes serde_json writes (checked against safetensors 0.8 output in the writer tests).
@Suite struct WeightsStrictJSONTests {
    private func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test func parsesValuesExactly() throws {
        #expect(try parse(#" [0, -7, 9223372036854775807, -9223372036854775808, 1.5, 2e3, true, false, null] "#) == .array([
            .integer(0), .integer(-7), .integer(.max), .integer(.min), .number(1.5), .number(2000), .bool(true), .bool(false), .null,
        ]))
        #expect(try parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\né😀"))
        #expect(try parse(#"{"k":{"x":[]},"é":"plain"}"#) == .object([("k", .object([("x", .array([]))])), ("é", .string("plain"))]))
    }

    @Test func rejectsWhatStrictJSONRejects() {
        for bad in ["", "01", "1.", "-", "+1", "9223372036854775808", "-9223372036854775809", "[1,]", "{\"a\" 1}",
                    "{\"a\":1,\"a\":1}", "\"\\ud800\"", "\"\\x\"", "\"a\nb\"", "tru", "[1] [2]", "\u{FEFF}{}", "'a'"] {
            #expect(throws: JSONSyntaxError.self, "\(bad.debugDescription) should be rejected") { try parse(bad) }
        }
    }

    @Test func quotesLikeSerdeJSON() {
        #expect(JSONValue.quoted("a/é\"\\\n\t\u{1}\u{7F}") == #""a/é\"\\\n\t\u0001"# + "\u{7F}\"")
    }
}
