import Testing
@testable import GenCore

@Suite struct OpsIndexingTests {
    /// Embedding rows from float32/float16/bfloat16 tables equal the table rows exactly.
    static func checkEmbedding() throws {
        for c in try OpsFixtures.cases("embedding") {
            let ids = try #require(c.ints("ids")), dtype = try #require(DType(rawValue: c.string("tableDType") ?? ""))
            let table = try c.tensor("table").converted(to: dtype)
            expectClose(embedding(ids, table: table), try c.tensor("expected"), tolerance: 0, c.name)
        }
    }

    @Test func embeddingMatchesTorch() throws { try Self.checkEmbedding() }

    @Test func concatenateSplitChunk() {
        let a = Tensor(shape: [2, 2], values: [Float]([1, 2, 3, 4]))
        let b = Tensor(shape: [2, 1], values: [Float]([5, 6]))
        let joined = concatenate([a, b], axis: 1)
        #expect(joined.shape == [2, 3])
        #expect(joined.scalars(as: Float.self) == [1, 2, 5, 3, 4, 6])
        #expect(concatenate([a, a.transposed()], axis: 0).scalars(as: Float.self) == [1, 2, 3, 4, 1, 3, 2, 4])
        let ints = concatenate([Tensor(shape: [2], values: [Int32(7), 8]), Tensor(shape: [1], values: [Int32(9)])], axis: 0)
        #expect(ints.scalars(as: Int32.self) == [7, 8, 9])

        let parts = split(joined, sizes: [1, 2], axis: -1)
        #expect(parts.map(\.shape) == [[2, 1], [2, 2]])
        #expect(parts[1].scalars(as: Float.self) == [2, 5, 4, 6])
        #expect(parts[1].storage === joined.storage)

        let x = Tensor(shape: [7], values: (0..<7).map(Float.init))
        #expect(chunk(x, chunks: 3, axis: 0).map(\.shape) == [[3], [3], [1]])
        #expect(chunk(Tensor(zeros: [6]), chunks: 4, axis: 0).map(\.shape) == [[2], [2], [2]])
    }
}
