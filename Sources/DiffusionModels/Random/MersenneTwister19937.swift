/// The 32-bit Mersenne Twister (MT19937) as PyTorch's CPU generator runs it: seeded from the low 32 bits of a
/// 64-bit seed with the reference `init_genrand` recurrence, tempered output, state regenerated 624 words at a time.
struct MersenneTwister19937: Sendable {
    private static let stateSize = 624
    private static let shift = 397
    private static let matrixA: UInt32 = 0x9908_b0df

    private var state: [UInt32]
    private var index: Int

    init(seed: UInt64) {
        var words = [UInt32](repeating: 0, count: Self.stateSize)
        words[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<Self.stateSize {
            let previous = words[j - 1]
            words[j] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(j)
        }
        state = words
        // Start exhausted so that the first draw regenerates the state, as the reference does.
        index = Self.stateSize
    }

    /// The next tempered 32-bit output.
    mutating func next() -> UInt32 {
        if index >= Self.stateSize { regenerate() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    private mutating func regenerate() {
        let n = Self.stateSize, m = Self.shift
        state.withUnsafeMutableBufferPointer { s in
            for k in 0..<n {
                let mixed = (s[k] & 0x8000_0000) | (s[(k + 1) % n] & 0x7fff_ffff)
                let twisted = (mixed >> 1) ^ (s[(k + 1) % n] & 1 == 0 ? 0 : Self.matrixA)
                s[k] = s[(k + m) % n] ^ twisted
            }
        }
        index = 0
    }
}
