import Testing
@testable import GenCore

@Suite struct OpsMatmulTests {
    /// torch.matmul (float32) within 2e-6 · max|expected|, for contiguous, transposed-in-memory and padded-row layouts.
    static func checkMatmul() throws {
        for c in try OpsFixtures.cases("matmul") {
            let a = try c.tensor("a"), b = try c.tensor("b"), expected = try c.tensor("expected")
            let ta = c.bool("transposeA"), tb = c.bool("transposeB")
            let layouts: [(String, Tensor, Tensor)] = [
                ("contiguous", a, b),
                ("transposed", transposedLayout(a), transposedLayout(b)),
                ("padded", paddedLayout(a, axis: -1), paddedLayout(b, axis: -1)),
            ]
            for (layout, x, y) in layouts {
                expectClose(matmul(x, y, transposeA: ta, transposeB: tb), expected, tolerance: 2e-6, "\(c.name) \(layout)")
            }
        }
    }

    /// torch.nn.functional.linear with float32/float16/bfloat16 weights within 2e-6 · max|expected|.
    static func checkLinear() throws {
        for c in try OpsFixtures.cases("linear") {
            let dtype = try #require(DType(rawValue: c.string("weightDType") ?? ""))
            let x = try c.tensor("x"), w = try c.tensor("weight").converted(to: dtype)
            let bias = c.tensors["bias"]?.converted(to: dtype)
            let expected = try c.tensor("expected")
            expectClose(linear(x, weight: w, bias: bias), expected, tolerance: 2e-6, c.name)
            expectClose(linear(paddedLayout(x, axis: -1), weight: paddedLayout(w, axis: -1), bias: bias), expected,
                        tolerance: 2e-6, "\(c.name) padded rows")
        }
    }

    @Test func matmulMatchesTorch() throws { try Self.checkMatmul() }
    @Test func linearMatchesTorch() throws { try Self.checkLinear() }

    /// `linear(_:layers:)` gives each layer exactly what `linear(_:weight:bias:)` gives it, on the grouped kernel
    /// (float32 weights; bfloat16 weights in bfloat16 compute) and on the one-by-one fallback (float16, bfloat16 in
    /// float32 compute, a decode step's rows), for odd widths, several row chunks and with and without biases.
    static func checkGroupedLinear() {
        for rows in [1, 3, 5, 17, 130, 600] { checkGroupedLinear(rows: rows) }
    }

    static func checkGroupedLinear(rows: Int) {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(rows)
        func values(_ count: Int) -> [Float] {
            (0..<count).map { _ in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int64(bitPattern: seed >> 11) % 2001 - 1000) / 1000
            }
        }
        let inFeatures = 67, widths = [64, 37, 130]
        let x = Tensor(shape: [1, rows, inFeatures], values: values(rows * inFeatures))
        for dtype in [DType.float32, .float16, .bfloat16] {
            for withBias in [false, true] {
                let layers = widths.map { n in
                    Linear(weight: Tensor(shape: [n, inFeatures], values: values(n * inFeatures)).converted(to: dtype),
                           bias: withBias ? Tensor(shape: [n], values: values(n)) : nil)
                }
                for precision in MatmulPrecision.allCases {
                    MatmulPrecision.$current.withValue(precision) {
                        let grouped = linear(x, layers: layers)
                        #expect(grouped.count == layers.count)
                        for (layer, result) in zip(layers, grouped) {
                            let alone = linear(x, weight: layer.weight, bias: layer.bias)
                            #expect(result.shape == alone.shape)
                            #expect(result.scalars(as: Float.self) == alone.scalars(as: Float.self),
                                    "\(rows) rows, \(dtype), bias \(withBias), \(precision)")
                        }
                    }
                }
            }
        }
    }


    @Test func matmulSmallExact() {
        let a = Tensor(shape: [2, 2], values: [Float]([1, 2, 3, 4]))
        let b = Tensor(shape: [2, 2], values: [Float]([5, 6, 7, 8]))
        #expect(matmul(a, b).scalars(as: Float.self) == [19, 22, 43, 50])
        #expect(matmul(a, b, transposeA: true).scalars(as: Float.self) == [26, 30, 38, 44])
        #expect(matmul(a, Tensor(zeros: [2, 0])).shape == [2, 0])
        #expect(matmul(Tensor(zeros: [2, 0]), Tensor(zeros: [0, 3])).scalars(as: Float.self) == [Float](repeating: 0, count: 6))
    }
}

extension KernelsTests {
    /// The grouped product must equal the separate ones bit for bit, so it cannot run while the serialized kernel
    /// suites switch the process-wide path between its two calls (OpsInstructionSetTests also runs it on every path).
    @Suite struct GroupedLinearTests {
        @Test func groupedLinearEqualsSeparateLinears() { OpsMatmulTests.checkGroupedLinear() }
    }
}
