/// An open-addressing hash table from byte strings to ids, all keys in one arena. Vocabularies are keyed by
/// exact UTF-8 bytes (token identity in `tokenizers`), and building one from 150k entries must take a few
/// milliseconds, which per-key `[Unicode.Scalar]` arrays in a `Dictionary` do not.
///
/// Loading is bound by cache misses, so each 16-byte slot holds everything a lookup needs: hash tag, value and
/// the key itself when it is at most 7 bytes (most tokens), otherwise its place in the arena. The table is built,
/// and searched in bulk, in slot order (`SlotOrder`): a 150k-entry table is several MB, and visiting its slots in
/// key order would miss the cache on almost every key.
struct ByteStringTable: Sendable {
    /// Where a key is: `inlineFlag | length << 56 | bytes` for short keys, else `arenaOffset << 24 | length`.
    typealias KeySpan = UInt64

    private struct Slot: Sendable {
        /// Hash tag (high 32 bits) | (value + 1); 0 marks an empty slot.
        var meta: UInt64
        var span: KeySpan
    }

    /// Byte strings gathered before a build or a bulk lookup: bytes copied once, hashes computed once.
    struct Keys: Sendable {
        fileprivate var arena: [UInt8] = []
        fileprivate var spans: [KeySpan] = []
        fileprivate var hashes: [Int] = []

        init(reservingCapacity count: Int = 0) {
            spans.reserveCapacity(count)
            hashes.reserveCapacity(count)
        }

        var count: Int { spans.count }

        mutating func append(_ key: UnsafeBufferPointer<UInt8>) {
            hashes.append(ByteStringTable.hash(key))
            if let inline = ByteStringTable.inlineSpan(key) {
                spans.append(inline)
            } else {
                spans.append(UInt64(arena.count) << 24 | UInt64(min(key.count, 0xFF_FFFF)))
                arena.append(contentsOf: key)
            }
        }

        /// The same keys in the order `order` lists them, their bytes laid out in that order too.
        func permuted(_ order: [Int]) -> Keys {
            var result = Keys(reservingCapacity: order.count)
            result.hashes = order.map { hashes[$0] }
            var newSpans = [KeySpan](repeating: 0, count: order.count)
            var newArena = [UInt8](repeating: 0, count: arena.count)
            var end = 0
            arena.withUnsafeBufferPointer { source in
                newArena.withUnsafeMutableBufferPointer { target in
                    for (position, i) in order.enumerated() {
                        let span = spans[i]
                        guard span & ByteStringTable.inlineFlag == 0 else { newSpans[position] = span; continue }
                        let length = Int(span & 0xFF_FFFF), start = Int(span >> 24)
                        newSpans[position] = UInt64(end) << 24 | UInt64(length)
                        for k in 0..<length { target[end + k] = source[start + k] }
                        end += length
                    }
                }
            }
            result.spans = newSpans
            result.arena = newArena
            return result
        }

        /// Where key `index` is stored; after a build, the table's `keyString` and `span(_:holds:)` accept it.
        func span(at index: Int) -> KeySpan { spans[index] }

        /// Calls `body` with the bytes of key `index`.
        func withKey<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            ByteStringTable.withBytes(of: spans[index], in: arena, body)
        }
    }

    private var arena: [UInt8]
    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0
    /// How many keys repeated one already present (a vocabulary listing a token twice): the later one's value won.
    private(set) var overwrites = 0
    private static let inlineFlag: UInt64 = 1 << 63

    /// The table mapping `keys[i]` to `values[i]` (at most 2^32 - 2); a later duplicate key wins, as in a Rust
    /// `HashMap` built by `collect`. The keys' spans (`Keys.span(at:)`) address the table's arena.
    init(keys: Keys, values: [Int]) {
        var size = 16
        while size < keys.count * 2 { size <<= 1 }
        arena = keys.arena
        slots = [Slot](repeating: Slot(meta: 0, span: 0), count: size)
        mask = size - 1
        let mask = mask
        // Equal keys share a home slot, and the order is stable within it, so "later wins" still holds.
        for i in SlotOrder.indices(count: keys.count, slotCount: size, home: { keys.hashes[$0] & mask }) {
            place(hash: keys.hashes[i], span: keys.spans[i], value: values[i])
        }
    }

    private mutating func place(hash: Int, span: KeySpan, value: Int) {
        let tag = Self.tag(hash)
        let meta = tag | UInt64(UInt32(truncatingIfNeeded: value + 1))
        var slot = hash & mask
        while true {
            let s = slots[slot]
            if s.meta == 0 { break }
            if s.meta & 0xFFFF_FFFF_0000_0000 == tag, sameKey(s.span, span) {
                slots[slot].meta = meta
                overwrites += 1
                return
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Slot(meta: meta, span: span)
        count += 1
    }

    @inline(__always) static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        // FNV-1a with a final avalanche: short keys, no need for a keyed hash (inputs are our own vocabulary).
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }

    @inline(__always) private static func tag(_ hash: Int) -> UInt64 { UInt64(truncatingIfNeeded: hash) & 0xFFFF_FFFF_0000_0000 }

    /// The inline span of a key of at most 7 bytes.
    @inline(__always) private static func inlineSpan(_ key: UnsafeBufferPointer<UInt8>) -> KeySpan? {
        guard key.count <= 7 else { return nil }
        var packed: UInt64 = 0
        for (i, b) in key.enumerated() { packed |= UInt64(b) << (8 * UInt64(i)) }
        return inlineFlag | UInt64(key.count) << 56 | packed
    }

    @inline(__always) private static func withBytes<R>(of span: KeySpan, in arena: [UInt8],
                                                       _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if span & inlineFlag != 0 {
            var packed = span & 0x00FF_FFFF_FFFF_FFFF
            let length = Int((span >> 56) & 0x7F)
            return withUnsafeBytes(of: &packed) { body(UnsafeBufferPointer(rebasing: $0.bindMemory(to: UInt8.self)[..<length])) }
        }
        let length = Int(span & 0xFF_FFFF), start = Int(span >> 24)
        return arena.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<(start + length)])) }
    }

    @inline(__always) private func keyEquals(_ span: KeySpan, _ key: UnsafeBufferPointer<UInt8>, inline: KeySpan?) -> Bool {
        if span & Self.inlineFlag != 0 { return inline == span }
        let length = Int(span & 0xFF_FFFF), start = Int(span >> 24)
        guard length == key.count else { return false }
        return arena.withUnsafeBufferPointer { a in
            for i in 0..<length where a[start + i] != key[i] { return false }
            return true
        }
    }

    /// Whether two spans of this table's arena hold the same key.
    private func sameKey(_ a: KeySpan, _ b: KeySpan) -> Bool {
        if a & Self.inlineFlag != 0 || b & Self.inlineFlag != 0 { return a == b }
        return Self.withBytes(of: b, in: arena) { keyEquals(a, $0, inline: nil) }
    }

    /// The value for `key`, or nil.
    @inline(__always) func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        find(key, hash: Self.hash(key), inline: Self.inlineSpan(key))
    }

    @inline(__always) private func find(_ key: UnsafeBufferPointer<UInt8>, hash: Int, inline: KeySpan?) -> Int? {
        let tag = Self.tag(hash)
        var slot = hash & mask
        while true {
            let s = slots[slot]
            if s.meta == 0 { return nil }
            if s.meta & 0xFFFF_FFFF_0000_0000 == tag, keyEquals(s.span, key, inline: inline) {
                return Int(s.meta & 0xFFFF_FFFF) - 1
            }
            slot = (slot + 1) & mask
        }
    }

    func find(_ key: [UInt8]) -> Int? { key.withUnsafeBufferPointer { find($0) } }

    /// The value of the key stored at `span`.
    func find(keyOf span: KeySpan) -> Int? { Self.withBytes(of: span, in: arena) { find($0) } }

    /// The values of all `queries` (nil where absent), looked up in slot order.
    func find(all queries: Keys) -> [Int?] {
        var found = [Int?](repeating: nil, count: queries.count)
        let mask = mask
        for i in SlotOrder.indices(count: queries.count, slotCount: slots.count, home: { queries.hashes[$0] & mask }) {
            let span = queries.spans[i]
            found[i] = queries.withKey(i) { find($0, hash: queries.hashes[i], inline: span & Self.inlineFlag != 0 ? span : nil) }
        }
        return found
    }

    /// Whether the key stored at `span` is `key`: a check without hashing or probing.
    @inline(__always) func span(_ span: KeySpan, holds key: UnsafeBufferPointer<UInt8>) -> Bool {
        keyEquals(span, key, inline: Self.inlineSpan(key))
    }

    /// The key at `span` as a String (invalid UTF-8 repaired with U+FFFD).
    func keyString(_ span: KeySpan) -> String {
        Self.withBytes(of: span, in: arena) { String(decoding: $0, as: UTF8.self) }
    }
}

/// Visiting orders for bulk work on open-addressing tables (`ByteStringTable`, `PairTable`).
enum SlotOrder {
    /// Indices 0..<count sorted by home slot, stably, on the slot's high bits: the table is then walked front to back
    /// (a few KB at a time) instead of at random. Equal keys share a home slot, so "a later duplicate wins" holds.
    static func indices(count: Int, slotCount: Int, home: (Int) -> Int) -> [Int] {
        // Buckets of 64 slots: 1 KB of a 16-byte-slot table, in cache while its entries are placed.
        stableOrder(count: count, buckets: max(1, slotCount >> 6)) { home($0) >> 6 }
    }

    /// Indices 0..<count sorted stably by `bucket(i)`, which must lie in 0..<buckets (a counting sort).
    static func stableOrder(count: Int, buckets: Int, bucket: (Int) -> Int) -> [Int] {
        var starts = [Int](repeating: 0, count: buckets + 1)
        var keys = [Int](repeating: 0, count: count)
        for i in 0..<count {
            keys[i] = bucket(i)
            starts[keys[i] + 1] += 1
        }
        for b in 0..<buckets { starts[b + 1] += starts[b] }
        var order = [Int](repeating: 0, count: count)
        for i in 0..<count {
            order[starts[keys[i]]] = i
            starts[keys[i]] += 1
        }
        return order
    }
}
