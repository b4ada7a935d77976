/// Word → ids cache used during one `encode` call (words repeat a lot in real text).
typealias WordCache = [[Unicode.Scalar]: [Int]]

/// A `tokenizer.json` model (BPE, WordPiece, Unigram): turns one pre-tokenized word into ids.
protocol TokenizerModel: Sendable {
    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int], cache: inout WordCache)
    func id(for token: [Unicode.Scalar]) -> Int?
    func token(for id: Int) -> String?
    /// Number of ids the model defines (ignoring added tokens).
    var vocabularySize: Int { get }
}

/// Vocabulary storage shared by the models: scalar-array keys (Swift `String` equality is canonical
/// equivalence, which would merge distinct tokens such as "é" and "e\u{301}") and an id → string table.
struct Vocabulary: Sendable {
    private(set) var ids: [[Unicode.Scalar]: Int] = [:]
    private(set) var strings: [String?] = []
    /// Fast path for single-scalar tokens below U+0200 (all byte-level characters and ASCII).
    private(set) var lowScalarIDs = [Int](repeating: -1, count: 0x200)

    /// Ids above this are rejected so a corrupt file cannot make us allocate a huge table.
    static let maximumID = 50_000_000

    init(entries: [(String, Int)], reader: ConfigReader) throws(TextModelsError) {
        ids.reserveCapacity(entries.count)
        var maxID = -1
        for (_, id) in entries {
            guard id >= 0, id <= Self.maximumID else { throw reader.fail("vocabulary id \(id) is out of range") }
            maxID = max(maxID, id)
        }
        strings = [String?](repeating: nil, count: maxID + 1)
        for (token, id) in entries {
            let scalars = Array(token.unicodeScalars)
            ids[scalars] = id
            strings[id] = token
            if scalars.count == 1, scalars[0].value < 0x200 { lowScalarIDs[Int(scalars[0].value)] = id }
        }
    }

    @inline(__always) func id(_ token: [Unicode.Scalar]) -> Int? { ids[token] }

    @inline(__always) func id(scalar: Unicode.Scalar) -> Int? {
        if scalar.value < 0x200 {
            let id = lowScalarIDs[Int(scalar.value)]
            return id >= 0 ? id : nil
        }
        return ids[[scalar]]
    }

    func string(_ id: Int) -> String? { id >= 0 && id < strings.count ? strings[id] : nil }

    var count: Int { ids.count }

    /// Ids of the `<0xXX>` byte tokens (nil where the vocabulary lacks one).
    func byteFallbackIDs() -> [Int?] {
        (0..<256).map { b in id(Array(byteTokenName(UInt8(b)).unicodeScalars)) }
    }
}

/// SentencePiece's name for a raw byte token, e.g. `<0x0A>`.
func byteTokenName(_ b: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return "<0x\(digits[Int(b >> 4)])\(digits[Int(b & 15)])>"
}

/// Appends the UTF-8 encoding of `c`.
@inline(__always) func appendUTF8(_ c: Unicode.Scalar, to bytes: inout [UInt8]) {
    if let encoded = UTF8.encode(c) { bytes.append(contentsOf: encoded) }
}
