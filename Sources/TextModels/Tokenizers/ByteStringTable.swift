/// An open-addressing hash table from byte strings to ids, all keys in one arena. Vocabularies are keyed by
/// exact UTF-8 bytes (token identity in `tokenizers`), and building one from 150k entries must take a few
/// milliseconds, which per-key `[Unicode.Scalar]` arrays in a `Dictionary` do not.
///
/// Loading is bound by cache misses, so each 16-byte slot holds everything a lookup needs: hash tag, value and
/// the key itself when it is at most 7 bytes (most tokens), otherwise its place in the arena.
struct ByteStringTable: Sendable {
    /// Where a key is: `inlineFlag | length << 56 | bytes` for short keys, else `arenaOffset << 24 | length`.
    typealias KeySpan = UInt64

    private struct Slot: Sendable {
        /// Hash tag (high 32 bits) | (value + 1); 0 marks an empty slot.
        var meta: UInt64
        var span: KeySpan
    }

    private var arena: [UInt8] = []
    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0
    private static let inlineFlag: UInt64 = 1 << 63

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(meta: 0, span: 0), count: size)
        mask = size - 1
        arena.reserveCapacity(capacity * 8)
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

    @inline(__always) private func keyEquals(_ span: KeySpan, _ key: UnsafeBufferPointer<UInt8>, inline: KeySpan?) -> Bool {
        if span & Self.inlineFlag != 0 { return inline == span }
        let length = Int(span & 0xFF_FFFF), start = Int(span >> 24)
        guard length == key.count else { return false }
        return arena.withUnsafeBufferPointer { a in
            for i in 0..<length where a[start + i] != key[i] { return false }
            return true
        }
    }

    /// The value for `key`, or nil.
    @inline(__always) func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        let hash = Self.hash(key)
        let tag = Self.tag(hash)
        let inline = Self.inlineSpan(key)
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

    /// The key at `span` as a String (invalid UTF-8 repaired with U+FFFD).
    func keyString(_ span: KeySpan) -> String {
        if span & Self.inlineFlag != 0 {
            let length = Int((span >> 56) & 0x7F)
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: span >> (8 * UInt64($0))) }
            return String(decoding: bytes, as: UTF8.self)
        }
        let length = Int(span & 0xFF_FFFF), start = Int(span >> 24)
        return arena.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<(start + length)]), as: UTF8.self) }
    }

    /// Inserts or overwrites (a later duplicate key wins, as in a Rust `HashMap` built by `collect`).
    /// Returns where the key is stored, for `keyString`. Keys longer than 16 MB are truncated in the span.
    @discardableResult
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int) -> KeySpan {
        if (count + 1) * 2 > slots.count { grow() }
        let hash = Self.hash(key)
        let tag = Self.tag(hash)
        let inline = Self.inlineSpan(key)
        let meta = tag | UInt64(UInt32(truncatingIfNeeded: value + 1))
        var slot = hash & mask
        while true {
            let s = slots[slot]
            if s.meta == 0 { break }
            if s.meta & 0xFFFF_FFFF_0000_0000 == tag, keyEquals(s.span, key, inline: inline) {
                slots[slot].meta = meta
                return s.span
            }
            slot = (slot + 1) & mask
        }
        let span: KeySpan
        if let inline {
            span = inline
        } else {
            span = UInt64(arena.count) << 24 | UInt64(min(key.count, 0xFF_FFFF))
            arena.append(contentsOf: key)
        }
        slots[slot] = Slot(meta: meta, span: span)
        count += 1
        return span
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(meta: 0, span: 0), count: max(16, old.count * 2))
        mask = slots.count - 1
        for s in old where s.meta != 0 {
            var slot = Int(truncatingIfNeeded: rehash(s.span)) & mask
            while slots[slot].meta != 0 { slot = (slot + 1) & mask }
            slots[slot] = s
        }
    }

    /// The hash of the key stored at `span` (its tag alone is not enough to place it).
    private func rehash(_ span: KeySpan) -> Int {
        if span & Self.inlineFlag != 0 {
            let length = Int((span >> 56) & 0x7F)
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: span >> (8 * UInt64($0))) }
            return bytes.withUnsafeBufferPointer { Self.hash($0) }
        }
        let length = Int(span & 0xFF_FFFF), start = Int(span >> 24)
        return arena.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start..<(start + length)])) }
    }
}
