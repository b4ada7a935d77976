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
}
