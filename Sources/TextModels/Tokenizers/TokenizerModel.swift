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

/// Vocabulary storage shared by BPE and WordPiece: exact UTF-8 keys (Swift `String` equality is canonical
/// equivalence, which would merge distinct tokens such as "é" and "e\u{301}") and an id → token table.
struct Vocabulary: Sendable {
    private(set) var table: ByteStringTable
    /// Where the token of each id is stored in the table (nil for unused ids).
    private var spanOfID: [ByteStringTable.KeySpan?]
    /// Fast path for single-scalar tokens below U+0200 (all byte-level characters and ASCII).
    private var lowScalarIDs = [Int](repeating: -1, count: 0x200)

    /// Ids above this are rejected so a corrupt file cannot make us allocate a huge table.
    static let maximumID = 4_000_000

    /// Reads the `{"token": id, ...}` object at `range` of the document without building Strings.
    init(document: [UInt8], range: Range<Int>, reader: ConfigReader) throws(TextModelsError) {
        var keys = ByteStringTable.Keys(reservingCapacity: range.count / 12)
        var ids: [Int] = []
        ids.reserveCapacity(range.count / 12)
        var badID: Int?
        do {
            try JSONParser.forEachIntegerMember(document, range: range) { key, id in
                guard id >= 0, id <= Self.maximumID else { badID = id; return }
                keys.append(key)
                ids.append(id)
            }
        } catch {
            throw reader.fail("'model.vocab' at byte \(error.offset): \(error.reason)")
        }
        if let badID { throw reader.fail("vocabulary id \(badID) is out of range") }
        let idCount = (ids.max() ?? -1) + 1
        if zip(ids, ids.dropFirst()).contains(where: { $0 > $1 }) {
            // Lay the keys out in id order (as `tokenizers` writes them; a file sorted by token is not): merges
            // are resolved by id, so the bytes they compare against are then read front to back.
            let order = SlotOrder.stableOrder(count: ids.count, buckets: idCount) { ids[$0] }
            keys = keys.permuted(order)
            ids = order.map { ids[$0] }
        }
        var spanOfID = [ByteStringTable.KeySpan?](repeating: nil, count: idCount)
        for (index, id) in ids.enumerated() { spanOfID[id] = keys.span(at: index) }
        let table = ByteStringTable(keys: keys, values: ids)
        if table.overwrites > 0 {
            // A token listed twice keeps its later id only (as in `tokenizers`): the earlier id has no token.
            for id in spanOfID.indices {
                if let span = spanOfID[id], table.find(keyOf: span) != id { spanOfID[id] = nil }
            }
        }
        self.table = table
        self.spanOfID = spanOfID
        for c in 0..<0x200 {
            guard let scalar = Unicode.Scalar(c) else { continue }
            var bytes: [UInt8] = []
            appendUTF8(scalar, to: &bytes)
            lowScalarIDs[c] = table.find(bytes) ?? -1
        }
    }

    @inline(__always) func id(bytes: UnsafeBufferPointer<UInt8>) -> Int? { table.find(bytes) }

    /// The id of `bytes` when it is likely `guess`: one comparison instead of a hash probe when the guess is right.
    /// Exact either way: a right guess is only taken when no token is listed twice, so that the key has no other id.
    @inline(__always) func id(bytes: UnsafeBufferPointer<UInt8>, guess: Int) -> Int? {
        if guess >= 0, guess < spanOfID.count, table.overwrites == 0, let span = spanOfID[guess],
           table.span(span, holds: bytes) {
            return guess
        }
        return table.find(bytes)
    }

    func id(_ token: [Unicode.Scalar]) -> Int? {
        withUTF8(token) { table.find($0) }
    }

    @inline(__always) func id(scalar: Unicode.Scalar) -> Int? {
        if scalar.value < 0x200 {
            let id = lowScalarIDs[Int(scalar.value)]
            return id >= 0 ? id : nil
        }
        return id([scalar])
    }

    func string(_ id: Int) -> String? {
        guard id >= 0, id < spanOfID.count, let span = spanOfID[id] else { return nil }
        return table.keyString(span)
    }

    var count: Int { table.count }

    /// Ids of the `<0xXX>` byte tokens (nil where the vocabulary lacks one).
    func byteFallbackIDs() -> [Int?] {
        (0..<256).map { b in table.find(Array(byteTokenName(UInt8(b)).utf8)) }
    }
}

/// Calls `body` with the UTF-8 encoding of `scalars`, on the stack for short inputs.
@inline(__always) func withUTF8<R>(_ scalars: [Unicode.Scalar], _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    let capacity = scalars.count * 4
    if capacity <= 512 {
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(capacity, 1)) { buffer in
            var n = 0
            for c in scalars {
                if let encoded = UTF8.encode(c) {
                    for b in encoded { buffer[n] = b; n += 1 }
                }
            }
            return body(UnsafeBufferPointer(rebasing: buffer[0..<n]))
        }
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(capacity)
    for c in scalars { appendUTF8(c, to: &bytes) }
    return bytes.withUnsafeBufferPointer(body)
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
