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

    @Test func matmulSmallExact() {
        let a = Tensor(shape: [2, 2], values: [Float]([1, 2, 3, 4]))
        let b = Tensor(shape: [2, 2], values: [Float]([5, 6, 7, 8]))
        #expect(matmul(a, b).scalars(as: Float.self) == [19, 22, 43, 50])
        #expect(matmul(a, b, transposeA: true).scalars(as: Float.self) == [26, 30, 38, 44])
        #expect(matmul(a, Tensor(zeros: [2, 0])).shape == [2, 0])
        #expect(matmul(Tensor(zeros: [2, 0]), Tensor(zeros: [0, 3])).scalars(as: Float.self) == [Float](repeating: 0, count: 6))
    }
}
