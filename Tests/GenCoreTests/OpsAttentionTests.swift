import Testing
@testable import GenCore

@Suite struct OpsAttentionTests {
    /// scaled_dot_product_attention against torch (k/v repeated for GQA, explicit bottom-right causal mask)
    /// within 2e-6 · max|expected|; also with k/v as prefixes of a larger cache and q from [B, T, H, D] storage.
    static func checkAttention() throws {
        for c in try OpsFixtures.cases("attention") {
            let q = try c.tensor("q"), k = try c.tensor("k"), v = try c.tensor("v"), expected = try c.tensor("expected")
            let mask = c.tensors["mask"], causal = c.bool("causal"), scale = c.float("scale")
            expectClose(scaledDotProductAttention(query: q, key: k, value: v, mask: mask, isCausal: causal, scale: scale),
                        expected, tolerance: 2e-6, c.name)
            let cacheK = paddedLayout(k, axis: 2, extra: 5), cacheV = paddedLayout(v, axis: 2, extra: 5)
            let stridedQ = q.transposed(1, 2).contiguous().transposed(1, 2)
            expectClose(scaledDotProductAttention(query: stridedQ, key: cacheK, value: cacheV, mask: mask, isCausal: causal, scale: scale),
                        expected, tolerance: 2e-6, "\(c.name) cache views")
        }
    }

    @Test func attentionMatchesTorch() throws { try Self.checkAttention() }

    @Test func fullyMaskedQueryGivesNaN() {
        let q = Tensor(repeating: 1, shape: [1, 1, 3, 2]), kv = Tensor(repeating: 1, shape: [1, 1, 2, 2])
        // Three queries against two keys, causal bottom-right: query 0 sees no key.
        let out = scaledDotProductAttention(query: q, key: kv, value: kv, isCausal: true).scalars(as: Float.self)
        #expect(out[0].isNaN && out[1].isNaN)
        #expect(out[2...] == [1, 1, 1, 1])
    }
}
