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

    /// A 600-token causal prefill over several query blocks of the blocked path, with more keys than queries
    /// (bottom-right alignment across block edges) and two heads sharing one key/value head, against a direct
    /// double-precision softmax. Tolerance 2e-6 · max.
    @Test func causalAttentionAcrossQueryBlocksMatchesDirectSoftmax() {
        let s: Shape = (1, 2, 1, 600, 613, 4, 4, true)
        let q = Tensor(shape: [1, s.hq, s.tq, s.d], values: (0..<(s.hq * s.tq * s.d)).map { Float(($0 * 7919) % 211) / 105 - 1 })
        let k = Tensor(shape: [1, 1, s.tk, s.d], values: (0..<(s.tk * s.d)).map { Float(($0 * 104_729) % 97) / 48 - 1 })
        let v = Tensor(shape: [1, 1, s.tk, s.dv], values: (0..<(s.tk * s.dv)).map { Float(($0 * 31) % 23) / 11 - 1 })
        let out = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true).floats
        let expected = Self.referenceAttention(s, q: q.floats.map(Double.init), k: k.floats.map(Double.init),
                                               v: v.floats.map(Double.init))
        let (worst, largest, misplacedNaNs) = Self.compare(out, expected, dv: s.dv)
        #expect(worst <= 2e-6 * largest, "\(worst) vs \(largest)")
        #expect(misplacedNaNs == 0)
    }

    typealias Shape = (b: Int, hq: Int, hkv: Int, tq: Int, tk: Int, d: Int, dv: Int, causal: Bool)

    /// Direct double-precision attention of flat row-major q [B, Hq, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv]
    /// (GQA, causal aligned bottom-right): one output row per (b, h, i), nil for a query that sees no key. `weight`
    /// turns each exponential e^(s - max) into the weight that multiplies v; the divisor is the exponentials' sum.
    static func referenceAttention(_ s: Shape, q: [Double], k: [Double], v: [Double],
                                   weight: (Double) -> Double = { $0 }) -> [[Double]?] {
        let scale = 1 / Double(s.d).squareRoot()
        var rows: [[Double]?] = []
        for b in 0..<s.b {
            for h in 0..<s.hq {
                let kv = b * s.hkv + h / (s.hq / s.hkv)
                for i in 0..<s.tq {
                    let qRow = ((b * s.hq + h) * s.tq + i) * s.d
                    let visible = s.causal ? min(s.tk, max(0, i + s.tk - s.tq + 1)) : s.tk
                    if visible == 0 {
                        rows.append(nil)
                        continue
                    }
                    let logits = (0..<visible).map { j in
                        (0..<s.d).reduce(0.0) { $0 + q[qRow + $1] * k[(kv * s.tk + j) * s.d + $1] } * scale
                    }
                    let top = logits.max() ?? 0
                    let exponentials = logits.map { exp($0 - top) }, total = exponentials.reduce(0, +)
                    let weights = exponentials.map(weight)
                    rows.append((0..<s.dv).map { e in
                        (0..<visible).reduce(0.0) { $0 + weights[$1] * v[(kv * s.tk + $1) * s.dv + e] } / total
                    })
                }
            }
        }
        return rows
    }

    /// The largest |expected - got| (infinite for a non-finite output), the largest |expected|, and how many outputs
    /// of queries that see no key are not NaN.
    static func compare(_ got: [Float], _ expected: [[Double]?], dv: Int) -> (worst: Double, largest: Double, misplacedNaNs: Int) {
        var worst = 0.0, largest = 0.0, misplacedNaNs = 0
        for (row, values) in expected.enumerated() {
            let out = got[(row * dv)..<((row + 1) * dv)]
            guard let values else {
                misplacedNaNs += out.filter { !$0.isNaN }.count
                continue
            }
            for (e, g) in zip(values, out) {
                worst = max(worst, g.isFinite ? abs(e - Double(g)) : .infinity)
                largest = max(largest, abs(e))
            }
        }
        return (worst, largest, misplacedNaNs)
    }

    /// Unmasked attention long enough for the blocked online-softmax path (flash_attention.c): query blocks with a
    /// partial last one, keys across several key blocks (480 keys with AVX-512's 12-row panels, 240 with AVX2's)
    /// and a partial micro-panel, head sizes that are not multiples of the vector width, GQA, K/V as prefixes of a
    /// NaN-padded cache, and scores that grow along the keys so each new key block raises the running max.
    /// Causal cases (bottom-right): more keys than queries with the horizon crossing a key block inside a query
    /// panel, a square prefill over several query blocks, and more queries than keys, whose first rows see no key
    /// and must be NaN. Against a direct double-precision softmax, within 2e-6 · max.
    static func checkBlockedAttention() {
        let shapes: [Shape] = [
            (2, 6, 2, 61, 300, 40, 24, false), (1, 1, 1, 16, 16, 3, 5, false), (1, 2, 1, 100, 531, 17, 33, false),
            (1, 4, 2, 100, 531, 17, 33, true), (1, 2, 1, 520, 520, 20, 12, true), (1, 3, 1, 70, 50, 8, 8, true),
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
                                                value: paddedLayout(v, axis: 2, extra: 7), isCausal: s.causal).floats
            let expected = referenceAttention(s, q: q.floats.map(Double.init), k: k.floats.map(Double.init),
                                              v: v.floats.map(Double.init))
            let (worst, largest, misplacedNaNs) = compare(out, expected, dv: s.dv)
            #expect(worst <= 2e-6 * largest, "\(s): \(worst) vs \(largest)")
            #expect(misplacedNaNs == 0, "\(s): \(misplacedNaNs) outputs of queries that see no key are not NaN")
        }
    }

    @Test func blockedAttentionMatchesDirectSoftmax() { Self.checkBlockedAttention() }

    /// The blocked path in bfloat16 (`precision: .bfloat16`, as PyTorch's CPU flash attention computes a bf16
    /// model): against a double-precision reference whose q, k and v are rounded to bf16, and whose softmax weights
    /// are the exponentials e^(s - max) rounded to bf16, divided by the sum of the unrounded ones. Keys stay within
    /// one key block, so the running max the kernel rounds against is the row's max. Shapes with an odd head size
    /// (a pair padded with zero), an odd number of keys, GQA, a causal prefill with more keys than queries and
    /// one with more queries than keys (NaN rows). Within 2e-5 · max, while the same inputs in float32 differ by
    /// more than 1e-3 · max: a missing rounding of any operand fails it.
    static func checkBlockedAttentionInBFloat16() {
        let shapes: [Shape] = [
            (1, 4, 2, 61, 200, 40, 24, false), (1, 1, 1, 16, 17, 3, 5, false), (2, 2, 1, 100, 151, 17, 33, true),
            (1, 3, 1, 70, 50, 8, 8, true),
        ]
        func bf16(_ x: Float) -> Double {
            let bits = x.bitPattern
            return Double(Float(bitPattern: (bits &+ 0x7fff &+ ((bits >> 16) & 1)) & 0xffff_0000))
        }
        var worstRatio = 0.0, float32Ratio = Double.infinity
        for s in shapes {
            let q = Tensor(shape: [s.b, s.hq, s.tq, s.d],
                           values: (0..<(s.b * s.hq * s.tq * s.d)).map { Float(($0 * 7919) % 211) / 73.3 - 1.4 })
            let k = Tensor(shape: [s.b, s.hkv, s.tk, s.d],
                           values: (0..<(s.b * s.hkv * s.tk * s.d)).map { Float(($0 * 104_729) % 97) / 41.7 - 1.1 })
            let v = Tensor(shape: [s.b, s.hkv, s.tk, s.dv],
                           values: (0..<(s.b * s.hkv * s.tk * s.dv)).map { Float(($0 * 31) % 23) / 10.3 - 0.9 })
            let kPadded = paddedLayout(k, axis: 2, extra: 7), vPadded = paddedLayout(v, axis: 2, extra: 7)
            let out = scaledDotProductAttention(query: q, key: kPadded, value: vPadded, isCausal: s.causal,
                                                precision: .bfloat16).floats
            let float32 = scaledDotProductAttention(query: q, key: kPadded, value: vPadded, isCausal: s.causal).floats
            let expected = referenceAttention(s, q: q.floats.map(bf16), k: k.floats.map(bf16), v: v.floats.map(bf16),
                                              weight: { bf16(Float($0)) })
            let (worst, largest, misplacedNaNs) = compare(out, expected, dv: s.dv)
            #expect(worst <= 2e-5 * largest, "\(s): \(worst) vs \(largest)")
            #expect(misplacedNaNs == 0, "\(s): \(misplacedNaNs) outputs of queries that see no key are not NaN")
            worstRatio = max(worstRatio, worst / largest)
            float32Ratio = min(float32Ratio, compare(float32, expected, dv: s.dv).worst / largest)
        }
        #expect(float32Ratio > 1e-3, "float32 attention is within \(float32Ratio) of the bf16 reference")
        print("blocked attention in bf16: worst \(worstRatio) of max; float32 differs by at least \(float32Ratio)")
    }

    @Test func blockedAttentionInBFloat16MatchesRoundedReference() { Self.checkBlockedAttentionInBFloat16() }

    @Test func fullyMaskedQueryGivesNaN() {
        let q = Tensor(repeating: 1, shape: [1, 1, 3, 2]), kv = Tensor(repeating: 1, shape: [1, 1, 2, 2])
        // Three queries against two keys, causal bottom-right: query 0 sees no key.
        let out = scaledDotProductAttention(query: q, key: kv, value: kv, isCausal: true).scalars(as: Float.self)
        #expect(out[0].isNaN && out[1].isNaN)
        #expect(out[2...] == [1, 1, 1, 1])
    }
}
