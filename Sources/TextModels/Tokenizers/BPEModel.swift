import Foundation

/// Byte-pair encoding as in Hugging Face `tokenizers`: characters (with optional continuing-subword prefix and
/// end-of-word suffix), unknown handling (byte fallback, fused unk), then merges applied lowest rank first.
struct BPEModel: TokenizerModel {
    let vocabulary: Vocabulary
    /// (left id << 32 | right id) → (rank << 32 | merged id).
    let merges: PairTable
    let unkID: Int?
    let continuingSubwordPrefix: [Unicode.Scalar]?
    let endOfWordSuffix: [Unicode.Scalar]?
    let fuseUnk: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool
    private let byteIDs: [Int?]

    init(_ json: JSONValue, document: [UInt8], _ reader: ConfigReader) throws(TextModelsError) {
        let path = "model"
        guard case .deferred(let vocabRange) = json["vocab"] else { throw reader.fail("'model.vocab' must be an object") }
        let mergesRange: Range<Int>? = if case .deferred(let range) = json["merges"] { range } else { nil }
        // The vocabulary and the merges are separate parts of the document: parse them on two threads (a large
        // tokenizer's load is mostly this parsing and the table building).
        let (vocabularyResult, mergeTokens) = concurrently({
            Result { () throws(TextModelsError) in try Vocabulary(document: document, range: vocabRange, reader: reader) }
        }, {
            mergesRange.map { range in Result { () throws(TextModelsError) in try Self.mergeTokens(document, range, reader) } }
        })
        let vocabulary = try vocabularyResult.get()
        self.vocabulary = vocabulary
        let prefix = try reader.optionalString(json, "continuing_subword_prefix", in: path)
        continuingSubwordPrefix = prefix.map { Array($0.unicodeScalars) }
        endOfWordSuffix = try reader.optionalString(json, "end_of_word_suffix", in: path).map { Array($0.unicodeScalars) }
        fuseUnk = try reader.bool(json, "fuse_unk", in: path, default: false)
        byteFallback = try reader.bool(json, "byte_fallback", in: path, default: false)
        ignoreMerges = try reader.bool(json, "ignore_merges", in: path, default: false)
        if let dropout = json["dropout"]?.doubleValue, dropout > 0 {
            throw .unsupportedTokenizerComponent(kind: "model option", type: "BPE dropout \(dropout) (only deterministic BPE is supported)")
        }
        if let unk = try reader.optionalString(json, "unk_token", in: path) {
            guard let id = vocabulary.id(Array(unk.unicodeScalars)) else { throw reader.fail("BPE unk_token '\(unk)' is not in the vocabulary") }
            unkID = id
        } else {
            unkID = nil
        }
        byteIDs = vocabulary.byteFallbackIDs()
        guard let tokens = mergeTokens else { throw reader.fail("'model.merges' must be an array") }
        let (lefts, rights) = try tokens.get()
        merges = try Self.readMerges(lefts, rights, vocabulary, prefixByteCount: prefix?.utf8.count ?? 0, reader)
    }

    /// The two tokens of every merge in the merges array: `"a b"` strings or `["a", "b"]` pairs.
    private static func mergeTokens(_ document: [UInt8], _ range: Range<Int>,
                                    _ reader: ConfigReader) throws(TextModelsError) -> (ByteStringTable.Keys, ByteStringTable.Keys) {
        var lefts = ByteStringTable.Keys(reservingCapacity: range.count / 12)
        var rights = ByteStringTable.Keys(reservingCapacity: range.count / 12)
        do {
            try JSONParser.forEachMerge(document, range: range) { _, left, right in
                lefts.append(left)
                rights.append(right)
            }
        } catch {
            throw reader.fail("'model.merges' at byte \(error.offset): \(error.reason)")
        }
        return (lefts, rights)
    }

    /// Merge table from the merges array: each pair's ids → (rank, id of the concatenation). The right token's
    /// first `prefixByteCount` bytes (the continuing-subword prefix) are dropped from the concatenation.
    ///
    /// In passes, because a large tokenizer's tables do not fit in the cache: every merge's two tokens (gathered by
    /// `mergeTokens`) are looked up in slot order, left and right tokens on two threads, then the concatenations are
    /// resolved and the table is built in bulk.
    private static func readMerges(_ lefts: ByteStringTable.Keys, _ rights: ByteStringTable.Keys, _ vocabulary: Vocabulary,
                                   prefixByteCount: Int, _ reader: ConfigReader) throws(TextModelsError) -> PairTable {
        let (leftIDs, rightIDs) = concurrently({ vocabulary.table.find(all: lefts) }, { vocabulary.table.find(all: rights) })

        var keys: [UInt64] = [], values: [UInt64] = []
        keys.reserveCapacity(lefts.count)
        values.reserveCapacity(lefts.count)
        var merged: [UInt8] = []
        // Vocabularies trained with their merges give the token of merge `rank` the id `rank + offset` (256 in
        // GPT-2's); guessing it saves a hash probe, a cache miss, on most of the merges of a large tokenizer.
        var offset = 0
        var failure: String?
        for rank in 0..<lefts.count {
            guard let leftID = leftIDs[rank] else {
                failure = "merge \(rank + 1): '\(lefts.withKey(rank) { String(decoding: $0, as: UTF8.self) })' is not in the vocabulary"
                break
            }
            guard let rightID = rightIDs[rank] else {
                failure = "merge \(rank + 1): '\(rights.withKey(rank) { String(decoding: $0, as: UTF8.self) })' is not in the vocabulary"
                break
            }
            merged.removeAll(keepingCapacity: true)
            lefts.withKey(rank) { merged.append(contentsOf: $0) }
            rights.withKey(rank) { merged.append(contentsOf: $0.dropFirst(prefixByteCount)) }
            guard let mergedID = merged.withUnsafeBufferPointer({ vocabulary.id(bytes: $0, guess: rank + offset) }) else {
                failure = "merge \(rank + 1): '\(String(decoding: merged, as: UTF8.self))' is not in the vocabulary"
                break
            }
            keys.append(UInt64(leftID) << 32 | UInt64(rightID))
            values.append(UInt64(rank) << 32 | UInt64(mergedID))
            offset = mergedID - rank
        }
        if let failure { throw reader.fail(failure) }
        return PairTable(keys: keys, values: values)
    }

    var vocabularySize: Int { vocabulary.count }
    func id(for token: [Unicode.Scalar]) -> Int? { vocabulary.id(token) }
    func token(for id: Int) -> String? { vocabulary.string(id) }

    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int], cache: inout WordCache) {
        if word.isEmpty { return }
        if ignoreMerges, let id = vocabulary.id(word) {
            ids.append(id)
            return
        }
        if let cached = cache[word] {
            ids.append(contentsOf: cached)
            return
        }
        let result = mergeWord(word)
        if cache.count < 100_000 { cache[word] = result }
        ids.append(contentsOf: result)
    }

    /// The id of character `i` of `word`, with the prefix (not first) and suffix (last) attached.
    private func characterID(_ word: [Unicode.Scalar], _ i: Int, affixed: inout [Unicode.Scalar]) -> Int? {
        let needsPrefix = i > 0 && continuingSubwordPrefix != nil
        let needsSuffix = i == word.count - 1 && endOfWordSuffix != nil
        if !needsPrefix && !needsSuffix { return vocabulary.id(scalar: word[i]) }
        affixed.removeAll(keepingCapacity: true)
        if needsPrefix, let p = continuingSubwordPrefix { affixed.append(contentsOf: p) }
        affixed.append(word[i])
        if needsSuffix, let s = endOfWordSuffix { affixed.append(contentsOf: s) }
        return vocabulary.id(affixed)
    }

    private func mergeWord(_ word: [Unicode.Scalar]) -> [Int] {
        var symbols: [Int] = []
        symbols.reserveCapacity(word.count)
        var pendingUnk = false
        var affixed: [Unicode.Scalar] = []
        for i in 0..<word.count {
            if let id = characterID(word, i, affixed: &affixed) {
                if pendingUnk, let unkID { symbols.append(unkID) }
                pendingUnk = false
                symbols.append(id)
                continue
            }
            if byteFallback {
                // Rust falls back on the bytes of the affixed character, pending unk tokens staying pending.
                let bytes = Self.utf8(affixedCharacter(word, i))
                var byteTokenIDs: [Int] = []
                for b in bytes {
                    guard let id = byteIDs[Int(b)] else { break }
                    byteTokenIDs.append(id)
                }
                if byteTokenIDs.count == bytes.count {
                    symbols.append(contentsOf: byteTokenIDs)
                    continue
                }
            }
            if let unkID {
                if pendingUnk && !fuseUnk { symbols.append(unkID) }
                pendingUnk = true
            }
        }
        if pendingUnk, let unkID { symbols.append(unkID) }
        return Self.applyMerges(symbols, merges)
    }

    /// Character `i` with its prefix / suffix, as the Rust model spells it before looking it up.
    private func affixedCharacter(_ word: [Unicode.Scalar], _ i: Int) -> [Unicode.Scalar] {
        var s: [Unicode.Scalar] = []
        if i > 0, let p = continuingSubwordPrefix { s.append(contentsOf: p) }
        s.append(word[i])
        if i == word.count - 1, let x = endOfWordSuffix { s.append(contentsOf: x) }
        return s
    }

    private static func utf8(_ s: [Unicode.Scalar]) -> [UInt8] {
        var bytes: [UInt8] = []
        for c in s { appendUTF8(c, to: &bytes) }
        return bytes
    }

    /// Applies merges with a priority queue ordered by (rank, position), skipping stale entries, exactly as
    /// `tokenizers`' `Word::merge_all` does (its tie-breaking decides results for overlapping pairs).
    static func applyMerges(_ initial: [Int], _ merges: PairTable) -> [Int] {
        let n = initial.count
        if n < 2 { return initial }
        var ids = initial
        var prev = [Int](0..<n).map { $0 - 1 }
        var next = [Int](1...n)
        next[n - 1] = -1
        var alive = [Bool](repeating: true, count: n)
        var heap = MergeHeap()
        for i in 0..<(n - 1) {
            if let m = merges[UInt64(ids[i]) << 32 | UInt64(ids[i + 1])] {
                heap.push(rank: UInt32(m >> 32), position: UInt32(i), newID: UInt32(truncatingIfNeeded: m))
            }
        }
        while let top = heap.pop() {
            let pos = Int(top.position)
            guard alive[pos], next[pos] >= 0 else { continue }
            let right = next[pos]
            guard let current = merges[UInt64(ids[pos]) << 32 | UInt64(ids[right])],
                  UInt32(truncatingIfNeeded: current) == top.newID else { continue }
            ids[pos] = Int(top.newID)
            alive[right] = false
            next[pos] = next[right]
            if next[pos] >= 0 { prev[next[pos]] = pos }
            if prev[pos] >= 0, let m = merges[UInt64(ids[prev[pos]]) << 32 | UInt64(ids[pos])] {
                heap.push(rank: UInt32(m >> 32), position: UInt32(prev[pos]), newID: UInt32(truncatingIfNeeded: m))
            }
            if next[pos] >= 0, let m = merges[UInt64(ids[pos]) << 32 | UInt64(ids[next[pos]])] {
                heap.push(rank: UInt32(m >> 32), position: UInt32(pos), newID: UInt32(truncatingIfNeeded: m))
            }
        }
        var result: [Int] = []
        result.reserveCapacity(n)
        var i = 0
        while i >= 0 {
            result.append(ids[i])
            i = next[i]
        }
        return result
    }
}

/// Binary min-heap of pending merges keyed by (rank, position).
struct MergeHeap {
    private var keys: [UInt64] = []
    private var newIDs: [UInt32] = []

    mutating func push(rank: UInt32, position: UInt32, newID: UInt32) {
        keys.append(UInt64(rank) << 32 | UInt64(position))
        newIDs.append(newID)
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if keys[parent] <= keys[child] { break }
            keys.swapAt(parent, child)
            newIDs.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> (position: UInt32, newID: UInt32)? {
        guard let first = keys.first else { return nil }
        let result = (UInt32(truncatingIfNeeded: first), newIDs[0])
        let lastKey = keys.removeLast(), lastID = newIDs.removeLast()
        if !keys.isEmpty {
            keys[0] = lastKey
            newIDs[0] = lastID
            var parent = 0
            while true {
                let left = 2 * parent + 1
                if left >= keys.count { break }
                var smallest = left
                if left + 1 < keys.count, keys[left + 1] < keys[left] { smallest = left + 1 }
                if keys[parent] <= keys[smallest] { break }
                keys.swapAt(parent, smallest)
                newIDs.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return result
    }
}

/// Runs `first` and `second` on two threads and returns both results (a large tokenizer's load has independent
/// halves: vocabulary and merges, left and right tokens).
private func concurrently<A, B>(_ first: @Sendable () -> A, _ second: @Sendable () -> B) -> (A, B) {
    let slots = ResultSlots<A, B>()
    DispatchQueue.concurrentPerform(iterations: 2) { part in
        if part == 0 { slots.first = first() } else { slots.second = second() }
    }
    // Both iterations have run when concurrentPerform returns: the slots are filled.
    return (slots.first!, slots.second!)
}

/// Where `concurrently`'s two threads leave their results: each slot is written by one of them only, and read after
/// both have finished.
private final class ResultSlots<A, B>: @unchecked Sendable {
    var first: A?
    var second: B?
}
