import Testing
@testable import GenCore

@Suite struct OpsParallelSplitTests {
    /// Inputs large enough to be split over the thread pool give exactly the results of the same kernels
    /// run on small pieces (which never split), element for element.
    static func checkSplitWork() throws {
        var random = KernelTestRandom(state: 42)
        let x = Tensor(shape: [300, 130], values: random.array(300 * 130).map { $0 * 6 })
        let bias = Tensor(shape: [130], values: random.array(130))
        let pieces = split(x, sizes: [Int](repeating: 10, count: 30), axis: 0)

        let g = gelu(x).scalars(as: Float.self)
        #expect(g == pieces.flatMap { gelu($0).scalars(as: Float.self) })
        let s = softmax(x, axis: -1).scalars(as: Float.self)
        #expect(s == pieces.flatMap { softmax($0, axis: -1).scalars(as: Float.self) })
        let sum = (x + bias).scalars(as: Float.self), xs = x.scalars(as: Float.self), bs = bias.scalars(as: Float.self)
        #expect(sum == xs.indices.map { xs[$0] + bs[$0 % 130] })
        let n = rmsNorm(x, weight: bias, eps: 1e-6).scalars(as: Float.self)
        #expect(n == pieces.flatMap { rmsNorm($0, weight: bias, eps: 1e-6).scalars(as: Float.self) })
    }

    @Test func splitWorkMatchesPieces() throws { try Self.checkSplitWork() }
}
