import Foundation
import Testing
@testable import TextModels

/// API behaviour and error handling of `Tokenizer`, on small in-memory `tokenizer.json` documents and the
/// trained fixtures (reference values for the fixtures come from Python `tokenizers` 0.23.3).
struct TokenizerAPITests {
    static func fixture(_ name: String) throws -> Tokenizer {
        let dir = try TokenizerFixtureTests.fixturesURL()
        return try Tokenizer(contentsOf: dir.appendingPathComponent("\(name).json"))
    }

    /// A tiny BPE tokenizer: vocabulary a, b, c, ab, abc with merges "a b" and "ab c".
    static let tinyBPE = """
        {"version": "1.0", "added_tokens": [{"id": 5, "content": "<eos>", "single_word": false, "lstrip": false,
          "rstrip": false, "normalized": false, "special": true}],
         "normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"}, "post_processor": null, "decoder": null,
         "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4}, "merges": [["a", "b"], "ab c"]}}
        """

    @Test func encodesAndDecodesTinyBPE() throws {
        let tokenizer = try Tokenizer(json: Data(Self.tinyBPE.utf8))
        #expect(tokenizer.encode("abc ab<eos>ca") == [4, 3, 5, 2, 0])
        #expect(tokenizer.vocabularySize == 6)
        #expect(tokenizer.tokenToID("ab") == 3)
        #expect(tokenizer.tokenToID("<eos>") == 5)
        #expect(tokenizer.tokenToID("zz") == nil)
        #expect(tokenizer.idToToken(4) == "abc")
        #expect(tokenizer.idToToken(99) == nil)
        #expect(tokenizer.specialTokens.map(\.content) == ["<eos>"])
        // No decoder: tokens joined with spaces, as in `tokenizers`.
        #expect(try tokenizer.decode([4, 5]) == "abc <eos>")
        #expect(try tokenizer.decode([4, 5], skipSpecialTokens: true) == "abc")
    }

    /// Python `tokenizers` 0.23.3 on this document: ids [4, 5, 6, 0] and [2, 6, 0, 3], id 1 has no token, 8 ids.
    /// The vocabulary is not in id order, lists "aa" twice (the later id wins), has keys too long to store inline,
    /// and merge ids that do not follow their ranks.
    @Test func bpeWithUnorderedVocabularyAndDuplicateToken() throws {
        let json = """
            {"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"},
             "post_processor": null, "decoder": null,
             "model": {"type": "BPE", "vocab": {"aaaaaaaa": 4, "a": 0, "aaaa": 2, "aa": 1, "b": 3, "ba": 5, "aa": 6,
               "bbbbbbbbba": 7, "bbbbbbbbb": 8}, "merges": ["a a", "aa aa", "b a", "aaaa aaaa"]}}
            """
        let tokenizer = try Tokenizer(json: Data(json.utf8))
        #expect(tokenizer.encode("aaaaaaaa ba aaa") == [4, 5, 6, 0])
        #expect(tokenizer.encode("aaaaaaa b") == [2, 6, 0, 3])
        #expect(tokenizer.idToToken(1) == nil)
        #expect(tokenizer.idToToken(6) == "aa")
        #expect(tokenizer.idToToken(7) == "bbbbbbbbba")
        #expect(tokenizer.tokenToID("bbbbbbbbb") == 8)
        #expect(tokenizer.vocabularySize == 8)
    }

    @Test func decodeRejectsUnknownIDs() throws {
        let tokenizer = try Tokenizer(json: Data(Self.tinyBPE.utf8))
        #expect(throws: TextModelsError.invalidTokenID(6, vocabularySize: 6)) { try tokenizer.decode([0, 6]) }
        #expect(throws: TextModelsError.invalidTokenID(-1, vocabularySize: 6)) { try tokenizer.decode([-1]) }
    }

    @Test func unsupportedComponentsAreNamed() throws {
        let json = Self.tinyBPE.replacingOccurrences(of: #"{"type": "WhitespaceSplit"}"#, with: #"{"type": "UnicodeScripts"}"#)
        do {
            _ = try Tokenizer(json: Data(json.utf8))
            Issue.record("expected an error")
        } catch let error {
            guard case .unsupportedTokenizerComponent(let kind, let type) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(kind == "pre-tokenizer")
            #expect(type.contains("UnicodeScripts") && type.contains("Metaspace"))
        }
    }

    @Test(arguments: [
        ("", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#, "'b' is not in the vocabulary"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a"]}}"#, "two tokens"),
        (#"{"model": {"type": "BPE", "vocab": {"a": -3}, "merges": []}}"#, "out of range"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "unk_token": "<unk>"}}"#, "unk_token"),
        (#"{"model": {"type": "WordPiece", "vocab": {"a": 0}}}"#, "unk_token"),
        (#"{"model": {"type": "Unigram", "vocab": [["a", "x"]], "unk_id": 0}}"#, "[piece, score]"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"id": 1}]}"#, "content"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "#, "not valid JSON"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "decoder": {"type": "Strip", "content": "ab", "start": 1, "stop": 0}}"#, "single character"),
    ])
    func malformedFilesThrowTypedErrors(json: String, fragment: String) {
        do {
            _ = try Tokenizer(json: Data(json.utf8), source: "test.json")
            Issue.record("expected an error for \(json)")
        } catch let error {
            guard case .invalidTokenizer(let path, let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == "test.json")
            #expect(reason.contains(fragment), "\(reason)")
        }
    }

    @Test func unknownModelTypeIsUnsupported() {
        #expect(throws: TextModelsError.self) {
            try Tokenizer(json: Data(#"{"model": {"type": "WordLevel", "vocab": {}}}"#.utf8))
        }
    }

    @Test func missingFileIsAnInvalidTokenizerError() {
        let url = URL(fileURLWithPath: "/nonexistent/tokenizer.json")
        #expect(throws: TextModelsError.self) { try Tokenizer(contentsOf: url) }
    }

    @Test func fixtureVocabularySizesMatchReference() throws {
        // Python: Tokenizer.from_file(...).get_vocab_size()
        #expect(try Self.fixture("gpt2_bpe").vocabularySize == 1204)
        #expect(try Self.fixture("sentencepiece_bpe").vocabularySize == 1260)
        #expect(try Self.fixture("unigram").vocabularySize == 904)
    }

    @Test func splitsEmojiByScalarsNotGraphemes() throws {
        // A ZWJ family emoji is one Character but seven scalars; byte-level BPE sees its 25 UTF-8 bytes.
        let tokenizer = try Self.fixture("gpt2_bpe")
        let ids = tokenizer.encode("👨‍👩‍👧‍👦", addSpecialTokens: false)
        #expect(!ids.isEmpty)
        #expect(try tokenizer.decode(ids) == "👨‍👩‍👧‍👦")
    }

    @Test func jsonParserHandlesEscapesAndRejectsLoneSurrogates() throws {
        let value = try JSONParser.parse(Array(#"{"k": ["\u00e9\ud83d\ude00\n\"", -1.5e2, true, null]}"#.utf8))
        let items = try #require(value["k"]?.arrayValue)
        #expect(items[0].stringValue == "é😀\n\"")
        #expect(items[1].doubleValue == -150)
        #expect(items[2].boolValue == true)
        #expect(items[3].isNull)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(#"["\ud83d"]"#.utf8)) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(String(repeating: "[", count: 10_000).utf8)) }
    }
}
