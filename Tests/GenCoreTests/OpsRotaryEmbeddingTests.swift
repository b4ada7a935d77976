import Testing
@testable import GenCore

@Suite struct OpsRotaryEmbeddingTests {
    /// rotaryCosSin against transformers' construction (within 2e-7) and applyRotaryEmbedding against
    /// rotate_half / rotate_every_two with full and partial rotary dimensions (within 1e-6 · max|expected|).
    static func checkRotary() throws {
        for c in try OpsFixtures.cases("rope") {
            let layout = try #require(RoPELayout(rawValue: c.string("layout") ?? ""))
            let positions = try #require(c.ints("positions"))
            let inverse = try c.tensor("inverseFrequencies").scalars(as: Float.self)
            let (cos, sin) = rotaryCosSin(positions: positions, inverseFrequencies: inverse, layout: layout)
            expectClose(cos, try c.tensor("cos"), tolerance: 0, absoluteFloor: 2e-7, "\(c.name) cos")
            expectClose(sin, try c.tensor("sin"), tolerance: 0, absoluteFloor: 2e-7, "\(c.name) sin")
            let x = try c.tensor("x"), expected = try c.tensor("expected")
            expectClose(applyRotaryEmbedding(x, cos: try c.tensor("cos"), sin: try c.tensor("sin"), layout: layout),
                        expected, tolerance: 1e-6, c.name)
            // [B, T, H, D] storage viewed as [B, H, T, D], as attention layers produce it.
            let strided = x.transposed(1, 2).contiguous().transposed(1, 2)
            expectClose(applyRotaryEmbedding(strided, cos: cos, sin: sin, layout: layout), expected, tolerance: 1e-6,
                        "\(c.name) strided, own tables")
        }
    }

    @Test func rotaryMatchesTransformers() throws { try Self.checkRotary() }

    /// Enough rows that the thread pool splits them (two heads of 3000 positions): bit for bit what slices of 100
    /// positions, each below one chunk, give.
    @Test func rowsSplitAcrossThreadsEqualTheirSlices() {
        var random = KernelTestRandom(state: 11)
        let (t, d) = (3000, 64)
        let x = Tensor(shape: [1, 2, t, d], values: random.array(2 * t * d))
        let inverse = (0..<(d / 2)).map { Float(1) / Float(10_000).squareRoot() * Float($0 + 1) / Float(d) }
        for layout in [RoPELayout.halfRotation, .interleaved] {
            let table = rotaryCosSin(positions: Array(0..<t), inverseFrequencies: inverse, layout: layout)
            let whole = applyRotaryEmbedding(x, cos: table.cos, sin: table.sin, layout: layout)
            let slices = stride(from: 0, to: t, by: 100).map { start in
                applyRotaryEmbedding(x.sliced(axis: 2, start..<(start + 100)), cos: table.cos.sliced(axis: 0, start..<(start + 100)),
                                     sin: table.sin.sliced(axis: 0, start..<(start + 100)), layout: layout)
            }
            #expect(whole.scalars(as: Float.self) == concatenate(slices, axis: 2).scalars(as: Float.self), "\(layout)")
        }
    }

    /// Per-sequence tables [B, T, r] (viewed as [B, 1, T, r]) rotate each batch entry by its own positions,
    /// exactly as applying each entry's [T, r] table separately.
    @Test func batchedTablesRotateEachSequence() {
        var random = KernelTestRandom(state: 7)
        let x = Tensor(shape: [2, 3, 4, 8], values: random.array(2 * 3 * 4 * 8))
        let inverse: [Float] = [1, 0.1, 0.01]
        for layout in [RoPELayout.halfRotation, .interleaved] {
            let first = rotaryCosSin(positions: [0, 1, 2, 3], inverseFrequencies: inverse, layout: layout)
            let second = rotaryCosSin(positions: [5, 6, 7, 8], inverseFrequencies: inverse, layout: layout)
            let cos = concatenate([first.cos.unsqueezed(0), second.cos.unsqueezed(0)], axis: 0).unsqueezed(1)
            let sin = concatenate([first.sin.unsqueezed(0), second.sin.unsqueezed(0)], axis: 0).unsqueezed(1)
            let got = applyRotaryEmbedding(x, cos: cos, sin: sin, layout: layout)
            let expected = concatenate([
                applyRotaryEmbedding(x.sliced(axis: 0, 0..<1), cos: first.cos, sin: first.sin, layout: layout),
                applyRotaryEmbedding(x.sliced(axis: 0, 1..<2), cos: second.cos, sin: second.sin, layout: layout),
            ], axis: 0)
            #expect(got.scalars(as: Float.self) == expected.scalars(as: Float.self))
            #expect(got.scalars(as: Float.self) != applyRotaryEmbedding(x, cos: first.cos, sin: first.sin, layout: layout).scalars(as: Float.self))
        }
    }
}
