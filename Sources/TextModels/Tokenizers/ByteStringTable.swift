/// An open-addressing hash table from byte strings to ids, all keys in one arena. Vocabularies are keyed by
/// exact UTF-8 bytes (token identity in `tokenizers`), and building one from 150k entries must take a few
/// milliseconds, which per-key `[Unicode.Scalar]` arrays in a `Dictionary` do not.
struct ByteStringTable: Sendable {
    private var arena: [UInt8] = []
    /// Per entry: arena offset << 32 | key length.
    private var keySpans: [UInt64] = []
    private var values: [Int32] = []
    /// Per slot: high 32 bits of the key's hash << 32 | (entry index + 1); 0 is empty. Comparing the stored hash
    /// bits first means a probe touches the arena only on a true match (lookups are memory-bound).
    private var slots: [UInt64] = []
    private var mask = 0

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        keySpans.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
        arena.reserveCapacity(capacity * 8)
    }

    var count: Int { values.count }

    @inline(__always) static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        // FNV-1a with a final avalanche: short keys, no need for a keyed hash (inputs are our own vocabulary).
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }

    @inline(__always) private func span(_ entry: Int) -> (start: Int, length: Int) {
        let s = keySpans[entry]
        return (Int(s >> 32), Int(s & 0xFFFF_FFFF))
    }

    @inline(__always) private static func tag(_ hash: Int) -> UInt64 { UInt64(truncatingIfNeeded: hash) & 0xFFFF_FFFF_0000_0000 }

    @inline(__always) private func keyEquals(_ entry: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let (start, length) = span(entry)
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
        var slot = hash & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { return nil }
            if stored & 0xFFFF_FFFF_0000_0000 == tag {
                let entry = Int(stored & 0xFFFF_FFFF) - 1
                if keyEquals(entry, key) { return Int(values[entry]) }
            }
            slot = (slot + 1) & mask
        }
    }

    func find(_ key: [UInt8]) -> Int? { key.withUnsafeBufferPointer { find($0) } }

    /// The key of entry `entry` (insertion index) as a String (invalid UTF-8 repaired with U+FFFD).
    func keyString(entry: Int) -> String {
        let (start, length) = span(entry)
        return arena.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<(start + length)]), as: UTF8.self) }
    }

    /// Inserts or overwrites (a later duplicate key wins, as in a Rust `HashMap` built by `collect`).
    /// Returns the entry index of the key.
    @discardableResult
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int) -> Int {
        if (values.count + 1) * 2 > slots.count { grow() }
        let hash = Self.hash(key)
        let tag = Self.tag(hash)
        var slot = hash & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { break }
            if stored & 0xFFFF_FFFF_0000_0000 == tag {
                let entry = Int(stored & 0xFFFF_FFFF) - 1
                if keyEquals(entry, key) {
                    values[entry] = Int32(truncatingIfNeeded: value)
                    return entry
                }
            }
            slot = (slot + 1) & mask
        }
        keySpans.append(UInt64(arena.count) << 32 | UInt64(key.count))
        arena.append(contentsOf: key)
        values.append(Int32(truncatingIfNeeded: value))
        slots[slot] = tag | UInt64(values.count)
        return values.count - 1
    }

    private mutating func grow() {
        let size = max(16, slots.count * 2)
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for entry in 0..<values.count {
            let (start, length) = span(entry)
            let hash = arena.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start..<(start + length)])) }
            var slot = hash & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Self.tag(hash) | UInt64(entry + 1)
        }
    }

    /// Calls `body(key, value)` for every entry in insertion order.
    func forEach(_ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        arena.withUnsafeBufferPointer { a in
            for entry in 0..<values.count {
                let (start, length) = span(entry)
                body(UnsafeBufferPointer(rebasing: a[start..<(start + length)]), Int(values[entry]))
            }
        }
    }
}
