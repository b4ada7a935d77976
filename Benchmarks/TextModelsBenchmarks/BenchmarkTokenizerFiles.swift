// Makes the tokenizer benchmark's inputs deterministically, so no large file is committed: a GPT-2-style
// byte-level BPE tokenizer.json with 150k entries and 1 MB of English prose mixed with Swift source.
// Tools/bench_tokenizer.py reads the same two files after running this target.
import Foundation

enum BenchmarkTokenizerFiles {
    /// Where the files go: the system temporary folder, under names Tools/bench_tokenizer.py knows.
    static func make(quick: Bool) throws -> (tokenizer: URL, text: URL) {
        let folder = FileManager.default.temporaryDirectory
        let suffix = quick ? "-quick" : ""
        let tokenizerURL = folder.appendingPathComponent("genkit-bench-tokenizer-150k\(suffix).json")
        let textURL = folder.appendingPathComponent("genkit-bench-text-1mb\(suffix).txt")
        let text = mixedText(bytes: quick ? 50_000 : 1_000_000)
        try Data(text.utf8).write(to: textURL)
        try tokenizerJSON(vocabularySize: quick ? 5_000 : 150_000, trainingText: text).write(to: tokenizerURL)
        return (tokenizerURL, textURL)
    }

    /// xorshift64: the same sequence on every platform.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
    }

    /// Half English-like prose (a fixed word list), half slices of this package's Swift sources.
    static func mixedText(bytes: Int) -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/TextModels")
        var code = ""
        let files = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".swift") }.sorted()
        for file in files { code += (try? String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)) ?? "" }
        let codeScalars = Array(code.unicodeScalars.filter(\.isASCII))
        let words = """
            the of and to in is was that for it with as his on be at by had are but from not have this they which \
            one you were her all she there would their we him been has when who will more no if out so said what up \
            its about into than them can only other new some could time these two may then do first any my now such \
            like our over man me even most made after also did many before must through back years where much your way \
            well down should because each just those people how too little state good very make world still own see \
            men work long get here between both life being under never day same another know while last might us great \
            old year off come since against go came right used take three tokenizer generation model weights café naïve
            """.split(whereSeparator: { $0 == " " || $0 == "\n" })
        var rng = Generator(state: 7)
        var out = ""
        out.reserveCapacity(bytes + 4096)
        while out.utf8.count < bytes {
            if rng.next(2) == 0, codeScalars.count > 2100 {
                let start = rng.next(codeScalars.count - 2000)
                out.unicodeScalars.append(contentsOf: codeScalars[start..<(start + 200 + rng.next(1800))])
            } else {
                let count = 50 + rng.next(250)
                out += (0..<count).map { _ in String(words[rng.next(words.count)]) }.joined(separator: " ") + ".\n"
            }
        }
        var utf8 = Array(out.utf8.prefix(bytes))
        while String(validating: utf8, as: UTF8.self) == nil { utf8.removeLast() }  // do not cut a character
        return String(decoding: utf8, as: UTF8.self)
    }

    /// GPT-2's byte → printable character table.
    static let byteCharacters: [Character] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var table = [Int](repeating: 0, count: 256)
        for b in printable { table[b] = b }
        var extra = 0
        for b in 0..<256 where !printable.contains(b) {
            table[b] = 256 + extra
            extra += 1
        }
        return table.map { Character(Unicode.Scalar(UInt32($0))!) }
    }()

    /// Merges that spell the training text's words (most frequent first) one character at a time, then
    /// pseudo-random merges of existing tokens until the vocabulary has `vocabularySize` entries.
    static func tokenizerJSON(vocabularySize: Int, trainingText: String) throws -> Data {
        var vocab = byteCharacters.map { String($0) }
        var known = Set(vocab)
        var merges: [[String]] = []
        func add(_ left: String, _ right: String) {
            let token = left + right
            guard !known.contains(token), vocab.count < vocabularySize else { return }
            known.insert(token)
            vocab.append(token)
            merges.append([left, right])
        }
        var counts: [String: Int] = [:]
        var word = ""
        for byte in trainingText.utf8 {
            let isWordByte = (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7a) || byte >= 0x80
            if isWordByte {
                word.append(byteCharacters[Int(byte)])
            } else {
                if word.count > 1 { counts[word, default: 0] += 1 }
                word = byte == 0x20 ? "Ġ" : ""
            }
        }
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        for w in ranked where w.count > 1 {
            let characters = Array(w)
            var prefix = String(characters[0])
            for c in characters.dropFirst() {
                add(prefix, String(c))
                prefix.append(c)
            }
        }
        var rng = Generator(state: 11)
        while vocab.count < vocabularySize {
            // Mostly short tokens on either side, as real merge lists have.
            let a = vocab[rng.next(min(vocab.count, 256 + rng.next(vocab.count)))]
            let b = vocab[rng.next(min(vocab.count, 256 + rng.next(2000)))]
            add(a, b)
        }
        let json: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": [["id": vocab.count, "content": "<|endoftext|>", "single_word": false, "lstrip": false,
                              "rstrip": false, "normalized": false, "special": true]],
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            "post_processor": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": Dictionary(uniqueKeysWithValues: vocab.enumerated().map { ($1, $0) }), "merges": merges,
            ] as [String: Any],
        ]
        return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
    }
}
