/// Open-addressing map from a token-id pair (packed in a UInt64) to its merge (rank << 32 | merged id). Lookups
/// sit in BPE's inner loop and 150k inserts in loading, where Swift's `Dictionary` is several times slower.
///
/// Keys and values are interleaved (`entries[2 * slot]`, `entries[2 * slot + 1]`): one cache miss per probe.
struct PairTable: Sendable {
    private var entries: [UInt64]
    private var mask: Int
    private(set) var count = 0
    /// Marks an empty slot; no real pair has it (ids are below 2^31).
    private static let empty = UInt64.max

    /// The table mapping `keys[i]` to `values[i]`; a later duplicate key wins, as in `tokenizers`. Entries are
    /// placed in slot order (`SlotOrder`): 150k merges make a table of several MB.
    init(keys: [UInt64], values: [UInt64]) {
        var size = 16
        while size < keys.count * 2 { size <<= 1 }
        entries = Self.emptyEntries(size)
        mask = size - 1
        let mask = mask
        for i in SlotOrder.indices(count: keys.count, slotCount: size, home: { Self.slot(keys[$0], mask) }) {
            insert(keys[i], values[i])
        }
    }

    private static func emptyEntries(_ slots: Int) -> [UInt64] {
        var entries = [UInt64](repeating: 0, count: 2 * slots)
        for slot in 0..<slots { entries[2 * slot] = empty }
        return entries
    }

    @inline(__always) private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 31
        return Int(truncatingIfNeeded: h) & mask
    }

    @inline(__always) subscript(key: UInt64) -> UInt64? {
        var slot = Self.slot(key, mask)
        while true {
            let k = entries[2 * slot]
            if k == key { return entries[2 * slot + 1] }
            if k == Self.empty { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// Inserts or overwrites (a later duplicate merge wins). The table is sized in `init` for all its keys.
    private mutating func insert(_ key: UInt64, _ value: UInt64) {
        var slot = Self.slot(key, mask)
        while true {
            let k = entries[2 * slot]
            if k == key { entries[2 * slot + 1] = value; return }
            if k == Self.empty { break }
            slot = (slot + 1) & mask
        }
        entries[2 * slot] = key
        entries[2 * slot + 1] = value
        count += 1
    }
}
