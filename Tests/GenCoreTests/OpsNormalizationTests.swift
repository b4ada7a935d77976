import Testing
@testable import GenCore

@Suite struct OpsNormalizationTests {
    /// torch.softmax within 1e-6 (values are ≤ 1); rows with -inf entries give exact zeros there.
    static func checkSoftmax() throws {
        for c in try OpsFixtures.cases("softmax") {
            let x = try c.tensor("x"), axis = c.int("axis") ?? -1
            expectClose(softmax(x, axis: axis), try c.tensor("expected"), tolerance: 1e-6, c.name)
            expectClose(softmax(transposedLayout(x), axis: axis), try c.tensor("expected"), tolerance: 1e-6, "\(c.name) strided")
        }
    }

    /// layer_norm, Llama RMSNorm and group_norm within 2e-6 · max|expected|; float16 affine parameters are
    /// converted once and give the same result as their float32 values.
    static func checkNorms() throws {
        for c in try OpsFixtures.cases("layerNorm") {
            let eps = try #require(c.float("eps"))
            let got = layerNorm(try c.tensor("x"), weight: c.tensors["weight"], bias: c.tensors["bias"], eps: eps)
            expectClose(got, try c.tensor("expected"), tolerance: 2e-6, c.name)
        }
        for c in try OpsFixtures.cases("rmsNorm") {
            let eps = try #require(c.float("eps"))
            expectClose(rmsNorm(try c.tensor("x"), weight: c.tensors["weight"], eps: eps), try c.tensor("expected"),
                        tolerance: 2e-6, c.name)
        }
        for c in try OpsFixtures.cases("groupNorm") {
            let eps = try #require(c.float("eps")), groups = try #require(c.int("groups"))
            let got = groupNorm(try c.tensor("x"), groups: groups, weight: c.tensors["weight"], bias: c.tensors["bias"], eps: eps)
            expectClose(got, try c.tensor("expected"), tolerance: 2e-6, c.name)
        }
    }

    @Test func softmaxMatchesTorch() throws { try Self.checkSoftmax() }
    @Test func normsMatchTorch() throws { try Self.checkNorms() }

    @Test func halfPrecisionNormWeightsAreConverted() {
        let x = Tensor(shape: [2, 4], values: [Float]([1, 2, 3, 4, -1, 0, 1, 5]))
        let w = Tensor(shape: [4], values: [Float]([0.5, 1, 2, -1]))
        let reference = rmsNorm(x, weight: w, eps: 1e-6).scalars(as: Float.self)
        #expect(rmsNorm(x, weight: w.converted(to: .float16), eps: 1e-6).scalars(as: Float.self) == reference)
        #expect(rmsNorm(x, weight: w.converted(to: .bfloat16), eps: 1e-6).scalars(as: Float.self) == reference)
    }
}
