import Testing
@testable import GenCore

@Suite struct OpsReductionTests {
    /// sum / mean within 1e-6 · max|expected|; argmax and topk indices and values exactly as torch (no ties).
    static func checkReductions() throws {
        for c in try OpsFixtures.cases("reductions") {
            let x = try c.tensor("x")
            expectClose(sum(x, axis: 1), try c.tensor("sum1"), tolerance: 1e-6, "\(c.name) sum")
            expectClose(mean(transposedLayout(x), axis: 2), try c.tensor("mean2"), tolerance: 1e-6, "\(c.name) mean")
            expectClose(mean(x, axis: 0, keepDims: true), try c.tensor("meanKeep0"), tolerance: 1e-6, "\(c.name) keepDims")
        }
        for c in try OpsFixtures.cases("topk") {
            let x = try c.tensor("x"), k = try #require(c.int("k"))
            let (values, indices) = topK(x, k: k)
            expectClose(values, try c.tensor("values"), tolerance: 0, "\(c.name) values")
            #expect(indices.flatMap { $0 } == (try c.tensor("indices")).floats.map { Int($0) })
            #expect(argmax(x) == (try c.tensor("argmax")).floats.map { Int($0) })
            #expect(argmax(x, axis: 0) == (try c.tensor("argmax0")).floats.map { Int($0) })
        }
    }

    @Test func reductionsMatchTorch() throws { try Self.checkReductions() }

    @Test func tiesAndNaN() {
        let x = Tensor(shape: [6], values: [Float]([3, 1, 3, 2, 1, 3]))
        let (values, indices) = topK(x, k: 4)
        #expect(values.scalars(as: Float.self) == [3, 3, 3, 2])
        #expect(indices == [[0, 2, 5, 3]])
        #expect(argmax(x) == [0])
        #expect(argmax(Tensor(shape: [3], values: [Float]([1, .nan, 5]))) == [1])
    }
}
