import Foundation
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

    /// More query rows than one work item takes (causal blocks are 32 rows: nineteen, the last one partial), causal with
    /// more keys than queries (bottom-right alignment across block edges), two heads sharing one key/value head,
    /// against a direct double-precision softmax. Tolerance 2e-6 · max.
    @Test func causalAttentionAcrossQueryBlocksMatchesDirectSoftmax() {
        let (hq, tq, tk, d) = (2, 600, 613, 4)
        let q = Tensor(shape: [1, hq, tq, d], values: (0..<(hq * tq * d)).map { Float(($0 * 7919) % 211) / 105 - 1 })
        let k = Tensor(shape: [1, 1, tk, d], values: (0..<(tk * d)).map { Float(($0 * 104_729) % 97) / 48 - 1 })
        let v = Tensor(shape: [1, 1, tk, d], values: (0..<(tk * d)).map { Float(($0 * 31) % 23) / 11 - 1 })
        let out = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true).floats
        let qs = q.floats, ks = k.floats, vs = v.floats, scale = 1 / Double(d).squareRoot()
        var worst = 0.0, largest = 0.0
        for h in 0..<hq {
            for i in 0..<tq {
                let visible = i + (tk - tq) + 1
                var logits = [Double](repeating: 0, count: visible)
                for j in 0..<visible {
                    logits[j] = (0..<d).reduce(0.0) { $0 + Double(qs[(h * tq + i) * d + $1]) * Double(ks[j * d + $1]) } * scale
                }
                let top = logits.max() ?? 0
                let weights = logits.map { exp($0 - top) }, total = weights.reduce(0, +)
                for e in 0..<d {
                    let expected = (0..<visible).reduce(0.0) { $0 + weights[$1] * Double(vs[$1 * d + e]) } / total
                    worst = max(worst, abs(expected - Double(out[(h * tq + i) * d + e])))
                    largest = max(largest, abs(expected))
                }
            }
        }
        #expect(worst <= 2e-6 * largest, "\(worst) vs \(largest)")
    }

    /// Unmasked, non-causal attention long enough for the blocked online-softmax path (flash_attention.c): query
    /// blocks with a partial last one, keys across several 256-key blocks and a partial micro-panel, head sizes
    /// that are not multiples of the vector width, GQA, K/V as prefixes of a NaN-padded cache, and scores that
    /// grow along the keys so each new key block raises the running max. Against a direct double-precision
    /// softmax, within 2e-6 · max.
    static func checkBlockedAttention() {
        let shapes: [(b: Int, hq: Int, hkv: Int, tq: Int, tk: Int, d: Int, dv: Int)] = [
            (2, 6, 2, 61, 300, 40, 24), (1, 1, 1, 16, 16, 3, 5), (1, 2, 1, 100, 531, 17, 33),
        ]
        for s in shapes {
            let q = Tensor(shape: [s.b, s.hq, s.tq, s.d],
                           values: (0..<(s.b * s.hq * s.tq * s.d)).map { Float(($0 * 7919) % 211) / 70 - 1.5 })
            // Keys drift upward with their index, so later key blocks hold larger scores for positive queries.
            let k = Tensor(shape: [s.b, s.hkv, s.tk, s.d], values: (0..<(s.b * s.hkv * s.tk * s.d)).map {
                Float(($0 * 104_729) % 97) / 48 - 1 + Float(($0 / s.d) % s.tk) / Float(s.tk)
            })
            let v = Tensor(shape: [s.b, s.hkv, s.tk, s.dv],
                           values: (0..<(s.b * s.hkv * s.tk * s.dv)).map { Float(($0 * 31) % 23) / 11 - 0.5 })
            let out = scaledDotProductAttention(query: q, key: paddedLayout(k, axis: 2, extra: 7),
                                                value: paddedLayout(v, axis: 2, extra: 7)).floats
            let qs = q.floats, ks = k.floats, vs = v.floats, scale = 1 / Double(s.d).squareRoot()
            var worst = 0.0, largest = 0.0
            for b in 0..<s.b {
                for h in 0..<s.hq {
                    let kv = b * s.hkv + h / (s.hq / s.hkv)
                    for i in 0..<s.tq {
                        let qRow = ((b * s.hq + h) * s.tq + i) * s.d
                        let logits = (0..<s.tk).map { j in
                            (0..<s.d).reduce(0.0) { $0 + Double(qs[qRow + $1]) * Double(ks[(kv * s.tk + j) * s.d + $1]) } * scale
                        }
                        let top = logits.max() ?? 0
                        let weights = logits.map { exp($0 - top) }, total = weights.reduce(0, +)
                        for e in 0..<s.dv {
                            let expected = (0..<s.tk).reduce(0.0) { $0 + weights[$1] * Double(vs[(kv * s.tk + $1) * s.dv + e]) } / total
                            worst = max(worst, abs(expected - Double(out[((b * s.hq + h) * s.tq + i) * s.dv + e])))
                            largest = max(largest, abs(expected))
                        }
                    }
                }
            }
            #expect(worst <= 2e-6 * largest, "\(s): \(worst) vs \(largest)")
        }
    }

    @Test func blockedAttentionMatchesDirectSoftmax() { Self.checkBlockedAttention() }

    @Test func fullyMaskedQueryGivesNaN() {
        let q = Tensor(repeating: 1, shape: [1, 1, 3, 2]), kv = Tensor(repeating: 1, shape: [1, 1, 2, 2])
        // Three queries against two keys, causal bottom-right: query 0 sees no key.
        let out = scaledDotProductAttention(query: q, key: kv, value: kv, isCausal: true).scalars(as: Float.self)
        #expect(out[0].isNaN && out[1].isNaN)
        #expect(out[2...] == [1, 1, 1, 1])
    }
}
