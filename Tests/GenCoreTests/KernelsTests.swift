import CGenKernels
import Testing
@testable import GenCore

/// Deterministic values in [-1, 1) (64-bit LCG) so failures reproduce.
struct KernelTestRandom {
    var state: UInt64
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
    }
    mutating func array(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
}

/// Kernel tests switch the process-wide path and thread count, so all of them run one at a time
/// (`.serialized` applies to the nested suites too).
@Suite(.serialized) enum KernelsTests {}

/// Runs `body` once per instruction set this CPU supports and per thread count, restoring the defaults after.
/// The suites using it are serialized; kernels called meanwhile by other suites stay correct on any path.
func forEachKernelPath(threads: [Int] = [1, 2], _ body: (InstructionSet, Int) throws -> Void) throws {
    let savedISA = Kernels.active, savedThreads = ThreadPool.threadCount
    defer {
        try? Kernels.force(savedISA)
        ThreadPool.threadCount = savedThreads
    }
    for isa in Kernels.availableInstructionSets {
        try Kernels.force(isa)
        for t in threads {
            ThreadPool.threadCount = t
            try body(isa, t)
        }
    }
}

extension KernelsTests {
    @Suite struct DispatchTests {
        @Test func detectionIsConsistent() throws {
            #expect(Kernels.isSupported(.scalar))
            #expect(Kernels.isSupported(Kernels.detected))
            #expect(Kernels.availableInstructionSets.contains(Kernels.active))
            #expect(Kernels.availableInstructionSets.first == .scalar)
            #if arch(x86_64)
            #expect(!Kernels.isSupported(.neon))
            #elseif arch(arm64)
            #expect(Kernels.detected == .neon)
            #endif
        }

        @Test func forcingAnUnsupportedPathThrowsAndKeepsTheActiveOne() throws {
            let before = Kernels.active
            for isa in InstructionSet.allCases where !Kernels.isSupported(isa) {
                #expect(throws: GenCoreError.self) { try Kernels.force(isa) }
                #expect(Kernels.active == before)
            }
            try forEachKernelPath(threads: [1]) { isa, _ in #expect(Kernels.active == isa) }
            #expect(Kernels.active == before)
        }

        @Test func threadCountIsSettableAndClamped() {
            let saved = ThreadPool.threadCount
            defer { ThreadPool.threadCount = saved }
            ThreadPool.threadCount = 3
            #expect(ThreadPool.threadCount == 3)
            ThreadPool.threadCount = 0
            #expect(ThreadPool.threadCount == 1)
        }
    }
}

extension KernelsTests {
    @Suite struct GEMMTests {
        /// C = alpha·op(A)·op(B) + beta·C against a double-precision loop. Leading dimensions are padded and the
        /// padding is checked untouched; with beta == 0, C starts as NaN to prove it is write-only.
        func checkSGEMM(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float, pad: Int,
                        rng: inout KernelTestRandom, context: String) {
            let lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad
            let a = rng.array((transA ? k : m) * lda), b = rng.array((transB ? n : k) * ldb)
            let c0 = beta == 0 ? [Float](repeating: .nan, count: m * ldc) : rng.array(m * ldc)
            var c = c0
            gk_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, &c, ldc)
            var failures = 0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let x = Double(transA ? a[p * lda + i] : a[i * lda + p])
                        let y = Double(transB ? b[j * ldb + p] : b[p * ldb + j])
                        sum += x * y
                        magnitude += abs(x * y)
                    }
                    let old = beta == 0 ? 0 : Double(beta) * Double(c0[i * ldc + j])
                    let expected = Double(alpha) * sum + old
                    let tolerance = Double(k + 2) * (abs(Double(alpha)) * magnitude + abs(old)) * Double(Float.ulpOfOne) + 1e-30
                    let got = Double(c[i * ldc + j])
                    if !(abs(got - expected) <= tolerance) {
                        failures += 1
                        if failures <= 2 {
                            Issue.record("\(context) C[\(i),\(j)] = \(got), expected \(expected) ± \(tolerance)")
                        }
                    }
                }
                for j in n..<ldc where c[i * ldc + j].bitPattern != c0[i * ldc + j].bitPattern {
                    Issue.record("\(context) padding C[\(i),\(j)] was overwritten")
                }
            }
        }

        @Test func sgemmMatchesDoubleReferenceOnOddShapes() throws {
            let shapes: [(Int, Int, Int)] = [
                (1, 1, 1), (1, 17, 33), (3, 1, 7), (7, 3, 1), (17, 33, 65), (33, 65, 17), (65, 7, 100),
                (100, 17, 3), (5, 257, 33), (1, 100, 257), (4, 65, 33), (13, 19, 300),
            ]
            try forEachKernelPath { isa, threads in
                var rng = KernelTestRandom(state: 7)
                for (index, (m, n, k)) in shapes.enumerated() {
                    for transA in [false, true] {
                        for transB in [false, true] {
                            let (alpha, beta): (Float, Float) = [(1, 0), (-0.5, 1), (2, 0.25)][(index + (transA ? 1 : 0)) % 3]
                            checkSGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
                                       pad: index % 2 == 0 ? 3 : 0, rng: &rng,
                                       context: "\(isa) t\(threads) \(m)x\(n)x\(k) tA=\(transA) tB=\(transB)")
                        }
                    }
                }
            }
        }

        /// Large enough to cross the cache blocks (K > KC, N > NR panels, M > MC) and to run on the pool.
        @Test func sgemmAcrossCacheBlocksAndThreads() throws {
            try forEachKernelPath { isa, threads in
                var rng = KernelTestRandom(state: 11)
                checkSGEMM(transA: false, transB: false, m: 157, n: 129, k: 531, alpha: 1, beta: 0.5, pad: 1,
                           rng: &rng, context: "\(isa) t\(threads) blocked")
                checkSGEMM(transA: true, transB: true, m: 150, n: 70, k: 260, alpha: 1, beta: 0, pad: 0,
                           rng: &rng, context: "\(isa) t\(threads) blocked transposed")
                // Weights-like B (transB, A not transposed): the weight-rows path on AVX-512, with alpha and beta.
                checkSGEMM(transA: false, transB: true, m: 70, n: 45, k: 300, alpha: 0.5, beta: 0.5, pad: 1,
                           rng: &rng, context: "\(isa) t\(threads) weight rows")
            }
        }

        @Test func degenerateSizesScaleOrLeaveC() {
            var c: [Float] = [1, 2, 3, 4]
            gk_sgemm(0, 0, 2, 2, 0, 1, [], 1, [], 2, 0.5, &c, 2)
            #expect(c == [0.5, 1, 1.5, 2])
            gk_sgemm(0, 0, 0, 2, 3, 1, [], 3, [1, 2, 3, 4, 5, 6], 2, 0, &c, 2)
            #expect(c == [0.5, 1, 1.5, 2])
        }
    }
}

extension KernelsTests {
    @Suite struct LinearTests {
        /// `bf16Compute`: bf16 weights through gk_linear_bf16w_bf16a, which rounds A to bf16 too.
        enum WeightType: CaseIterable { case f32, f16, bf16, bf16Compute }

        /// C = A·Wᵀ (+ bias) for W stored [N,K]; the reference uses the weights after rounding to the storage type
        /// (and A rounded to bf16 for `bf16Compute`), summed in double precision.
        func checkLinear(_ type: WeightType, m: Int, n: Int, k: Int, bias: Bool, rng: inout KernelTestRandom, context: String,
                         weightRowPadding: Int = 1) {
            let lda = k + 3, ldw = k + weightRowPadding, ldc = n + 2
            let a = rng.array(m * lda)
            var roundedA = a
            if type == .bf16Compute {
                var aBits = [UInt16](repeating: 0, count: a.count)
                gk_f32_to_bf16(a, &aBits, a.count)
                gk_bf16_to_f32(aBits, &roundedA, a.count)
            }
            var w = rng.array(n * ldw)
            var bits = [UInt16](repeating: 0, count: w.count)
            switch type {
            case .f32: break
            case .f16: gk_f32_to_f16(w, &bits, w.count); gk_f16_to_f32(bits, &w, w.count)
            case .bf16, .bf16Compute: gk_f32_to_bf16(w, &bits, w.count); gk_bf16_to_f32(bits, &w, w.count)
            }
            let b: [Float]? = bias ? rng.array(n) : nil
            var c = [Float](repeating: .nan, count: m * ldc)
            switch (type, b) {
            case (.f32, let b?): gk_linear_f32w(m, n, k, a, lda, w, ldw, b, &c, ldc)
            case (.f32, nil): gk_linear_f32w(m, n, k, a, lda, w, ldw, nil, &c, ldc)
            case (.f16, let b?): gk_linear_f16w(m, n, k, a, lda, bits, ldw, b, &c, ldc)
            case (.f16, nil): gk_linear_f16w(m, n, k, a, lda, bits, ldw, nil, &c, ldc)
            case (.bf16, let b?): gk_linear_bf16w(m, n, k, a, lda, bits, ldw, b, &c, ldc)
            case (.bf16, nil): gk_linear_bf16w(m, n, k, a, lda, bits, ldw, nil, &c, ldc)
            case (.bf16Compute, let b?): gk_linear_bf16w_bf16a(m, n, k, a, lda, bits, ldw, b, &c, ldc)
            case (.bf16Compute, nil): gk_linear_bf16w_bf16a(m, n, k, a, lda, bits, ldw, nil, &c, ldc)
            }
            var failures = 0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = Double(b?[j] ?? 0), magnitude = abs(sum)
                    for p in 0..<k {
                        let product = Double(roundedA[i * lda + p]) * Double(w[j * ldw + p])
                        sum += product
                        magnitude += abs(product)
                    }
                    let tolerance = Double(k + 2) * magnitude * Double(Float.ulpOfOne) + 1e-30
                    let got = Double(c[i * ldc + j])
                    if !(abs(got - sum) <= tolerance) {
                        failures += 1
                        if failures <= 2 { Issue.record("\(context) C[\(i),\(j)] = \(got), expected \(sum) ± \(tolerance)") }
                    }
                }
            }
        }

        @Test func linearMatchesReferenceForAllWeightTypes() throws {
            try forEachKernelPath { isa, threads in
                var rng = KernelTestRandom(state: 3)
                for type in WeightType.allCases {
                    for m in [1, 2, 3, 5, 64] {
                        for bias in [false, true] {
                            checkLinear(type, m: m, n: 37, k: 29, bias: bias, rng: &rng,
                                        context: "\(isa) t\(threads) \(type) m=\(m) bias=\(bias)")
                        }
                    }
                    checkLinear(type, m: 2, n: 300, k: 261, bias: true, rng: &rng, context: "\(isa) t\(threads) \(type) wide")
                    // The packed path: whole 8-row groups and a tail of W rows, depth crossing KC with a tail of 8.
                    checkLinear(type, m: 19, n: 45, k: 300, bias: false, rng: &rng, context: "\(isa) t\(threads) \(type) packed")
                    // The fused path (each task packs its own B panels one depth block at a time): several panels per
                    // thread, a partial last panel and row panel, three depth blocks with a tail, bias. On AVX-512,
                    // float32 weights take the weight-rows path instead, and bf16 pairs from 16 rows on.
                    checkLinear(type, m: 29, n: 300, k: 500, bias: true, rng: &rng, context: "\(isa) t\(threads) \(type) fused")
                    // Too many rows for the fused path: the blocked path, past MC in rows (the weight-rows path in two
                    // chunks of rows where it is taken).
                    checkLinear(type, m: 1100, n: 70, k: 40, bias: true, rng: &rng, context: "\(isa) t\(threads) \(type) blocked")
                    // The weight-rows path: W rows broadcast where they lie against A packed as 16-row vectors, in two
                    // tiles of 4 + 3 vectors (the last partial), a last block of one W row, three depth blocks in
                    // float32 and two with bf16 pairs, whose odd depth ends in a half pair.
                    checkLinear(type, m: 100, n: 37, k: 1101, bias: true, rng: &rng,
                                context: "\(isa) t\(threads) \(type) weight rows")
                }
                // bf16 pairs taken straight from even-length weight rows, across two depth blocks (192 pairs) and a
                // tail, with a partial last panel: the fused pair path (fewer than 16 rows)…
                checkLinear(.bf16Compute, m: 12, n: 70, k: 800, bias: true, rng: &rng,
                            context: "\(isa) t\(threads) bf16Compute even rows", weightRowPadding: 0)
                // …and the weight-rows path, from even rows too.
                checkLinear(.bf16Compute, m: 150, n: 70, k: 800, bias: true, rng: &rng,
                            context: "\(isa) t\(threads) bf16Compute even rows, weight rows", weightRowPadding: 0)
            }
        }

        /// Results of 2 MB and more, which the bf16 weight-rows path streams to memory: with a bias and without,
        /// rows of C that alternate between 16-byte aligned and not (ldc = n + 2), and a last group of columns that
        /// is (36) or is not (38) a whole number of vectors. On the detected instruction set only: the other paths
        /// store these sums as they store smaller ones, which the test above covers.
        @Test func largeBFloat16ResultsMatchReference() {
            var rng = KernelTestRandom(state: 5)
            checkLinear(.bf16Compute, m: 160, n: 3300, k: 24, bias: true, rng: &rng, context: "streamed, bias")
            checkLinear(.bf16Compute, m: 160, n: 3302, k: 24, bias: false, rng: &rng, context: "streamed")
        }
    }
}

extension KernelsTests {
    @Suite struct ConversionTests {
        /// Special values with their exact IEEE half and bfloat16 encodings (round to nearest even).
        static let cases: [(Float, UInt16, UInt16)] = [
            (0, 0x0000, 0x0000), (-0.0, 0x8000, 0x8000), (1, 0x3c00, 0x3f80), (-2, 0xc000, 0xc000),
            (65504, 0x7bff, 0x4780), (65520, 0x7c00, 0x4780), (1e10, 0x7c00, 0x5015), (.infinity, 0x7c00, 0x7f80),
            (-.infinity, 0xfc00, 0xff80), (Float(bitPattern: 0x3880_0000), 0x0400, 0x3880),  // 2^-14, smallest normal half
            (Float(bitPattern: 0x3380_0000), 0x0001, 0x3380),                                 // 2^-24, smallest subnormal half
            (Float(bitPattern: 0x3300_0000), 0x0000, 0x3300),                                 // 2^-25: tie, rounds to even 0
            (Float(bitPattern: 0x3340_0000), 0x0001, 0x3340),                                 // 1.5·2^-25 rounds up
            (1 + Float(bitPattern: 0x3a00_0000), 0x3c00, 0x3f80),                             // 1 + 2^-11: tie to even
            (Float(bitPattern: 0x3f80_8000), 0x3c04, 0x3f80),                                 // bf16 tie: stays even
            (Float(bitPattern: 0x3f81_8000), 0x3c0c, 0x3f82),                                 // bf16 tie: rounds up to even
            (Float(bitPattern: 0x3f80_8001), 0x3c04, 0x3f81),
        ]

        @Test func specialValuesConvertExactly() throws {
            try forEachKernelPath(threads: [1]) { isa, _ in
                // Repeat so the vector body (8+ wide), not only the scalar tail, sees every value.
                let values = Array(repeating: Self.cases.map(\.0), count: 3).flatMap { $0 }
                var half = [UInt16](repeating: 0, count: values.count), brain = half
                gk_f32_to_f16(values, &half, values.count)
                gk_f32_to_bf16(values, &brain, values.count)
                for (index, value) in values.enumerated() {
                    let (_, h, b) = Self.cases[index % Self.cases.count]
                    #expect(half[index] == h, "\(isa) f16(\(value)) = \(String(half[index], radix: 16))")
                    #expect(brain[index] == b, "\(isa) bf16(\(value)) = \(String(brain[index], radix: 16))")
                }
                var back = [Float](repeating: 0, count: values.count)
                gk_f16_to_f32(half, &back, half.count)
                for (index, h) in half.enumerated() {
                    let expected = Float(Float16(bitPattern: h))
                    #expect(back[index].bitPattern == expected.bitPattern, "\(isa) f16 bits \(h)")
                }
                gk_bf16_to_f32(brain, &back, brain.count)
                for (index, b) in brain.enumerated() {
                    #expect(back[index].bitPattern == UInt32(b) << 16, "\(isa) bf16 bits \(b)")
                }
            }
        }

        @Test func nanStaysNaN() throws {
            try forEachKernelPath(threads: [1]) { isa, _ in
                let values = [Float](repeating: .nan, count: 5) + [Float(bitPattern: 0x7f80_0001), -Float.nan]
                    + [Float](repeating: Float(bitPattern: 0xffc0_0001), count: 9)
                var half = [UInt16](repeating: 0, count: values.count), brain = half
                gk_f32_to_f16(values, &half, values.count)
                gk_f32_to_bf16(values, &brain, values.count)
                var back = [Float](repeating: 0, count: values.count)
                gk_f16_to_f32(half, &back, half.count)
                #expect(back.allSatisfy { $0.isNaN }, "\(isa) f16 round trip lost a NaN")
                gk_bf16_to_f32(brain, &back, brain.count)
                #expect(back.allSatisfy { $0.isNaN }, "\(isa) bf16 round trip lost a NaN")
            }
        }

        /// Every half bit pattern widens exactly like Swift's Float16 and narrows back to itself (NaNs aside).
        @Test func everyHalfRoundTrips() throws {
            try forEachKernelPath(threads: [1]) { isa, _ in
                let all = (0...UInt16.max).map { $0 }
                var wide = [Float](repeating: 0, count: all.count)
                gk_f16_to_f32(all, &wide, all.count)
                var narrow = [UInt16](repeating: 0, count: all.count)
                gk_f32_to_f16(wide, &narrow, wide.count)
                var bad = 0
                for h in all where !Float16(bitPattern: h).isNaN {
                    let i = Int(h)
                    if wide[i].bitPattern != Float(Float16(bitPattern: h)).bitPattern || narrow[i] != h { bad += 1 }
                }
                #expect(bad == 0, "\(isa): \(bad) half values did not round-trip")
            }
        }
    }
}

extension KernelsTests {
    @Suite struct WinogradTests {
        /// gk_conv3x3_winograd_f32, F(2×2, 3×3) and F(4×4, 3×3), against the implicit-GEMM convolution on each
        /// path and thread count, with chunks of 1, 7 and 40 tiles that end mid tile row and mid image, odd sizes
        /// (a partial last tile row and column) and 2 images. Within 1e-5 · max: the two differ by rounding only.
        @Test func winogradMatchesImplicitGEMMAcrossChunks() throws {
            let (n, c, h, w, o) = (2, 5, 9, 7, 6)
            var rng = KernelTestRandom(state: 23)
            let x = rng.array(n * c * h * w), weight = rng.array(o * c * 9)
            var expected = [Float](repeating: 0, count: n * o * h * w)
            for image in 0..<n {
                x.withUnsafeBufferPointer { xs in
                    expected.withUnsafeMutableBufferPointer { ys in
                        gk_conv2d_f32(o, weight, c * 9, xs.baseAddress! + image * c * h * w, c, h, w, 3, 3, 1, 1, 1, 1, 1, 1,
                                      h, w, ys.baseAddress! + image * o * h * w, h * w)
                    }
                }
            }
            let largest = expected.map(abs).max() ?? 0
            try forEachKernelPath { isa, threads in
                for tile in [2, 4] {
                    for chunk in [1, 7, 40, 0] {
                        var y = [Float](repeating: .nan, count: n * o * h * w)
                        #expect(gk_conv3x3_winograd_f32(n, o, c, h, w, weight, x, &y, tile, chunk) == 0)
                        let worst = zip(y, expected).map { abs($0 - $1) }.max() ?? .nan
                        #expect(worst <= 1e-5 * largest,
                                "\(isa) t\(threads) F(\(tile)) chunk \(chunk): \(worst) vs \(largest)")
                    }
                }
                var y = [Float](repeating: 0, count: n * o * h * w)
                #expect(gk_conv3x3_winograd_f32(n, o, c, h, w, weight, x, &y, 3, 0) == -1, "only F(2×2) and F(4×4)")
            }
        }
    }
}
