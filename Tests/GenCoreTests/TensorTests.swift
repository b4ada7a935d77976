import Testing
@testable import GenCore

@Suite struct TensorTests {
    @Test func viewsShareStorageAndCopyOnWrite() {
        let a = Tensor(shape: [2, 3], values: [Float]([1, 2, 3, 4, 5, 6]))
        let t = a.transposed()
        #expect(t.shape == [3, 2])
        #expect(!t.isContiguous)
        #expect(t.scalars(as: Float.self) == [1, 4, 2, 5, 3, 6])
        var b = a
        b.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 42 }
        #expect(a.scalars(as: Float.self)[0] == 1)
        #expect(b.scalars(as: Float.self)[0] == 42)
    }

    @Test func sliceExpandReshape() {
        let a = Tensor(shape: [2, 3], values: [Float]([1, 2, 3, 4, 5, 6]))
        #expect(a.sliced(axis: 1, 1..<3).scalars(as: Float.self) == [2, 3, 5, 6])
        #expect(a.selecting(axis: 0, 1).scalars(as: Float.self) == [4, 5, 6])
        let row = Tensor(shape: [1, 3], values: [Float]([7, 8, 9]))
        #expect(row.expanded(to: [2, 3]).scalars(as: Float.self) == [7, 8, 9, 7, 8, 9])
        #expect(a.transposed().reshaped([-1]).scalars(as: Float.self) == [1, 4, 2, 5, 3, 6])
    }

    @Test func halfConversionsRoundTrip() {
        let a = Tensor(shape: [4], values: [Float]([1, -2.5, 65504, 1e-3]))
        #expect(a.converted(to: .float16).converted(to: .float32).scalars(as: Float.self)[0...2] == [1, -2.5, 65504])
        #expect(a.converted(to: .bfloat16).floats[0...1] == [1, -2.5])
    }

    /// A large block a tensor frees comes back to the next allocation of its size (the kernels' block cache), a
    /// zero-initialised tensor that reuses one is still all zeros, and releasing the cache gives the block back.
    /// Tests run in parallel and may evict the block in between, so each check gets three tries.
    @Test func largeStorageIsReusedZeroedAndReleased() {
        let count = 262_147   // a size (1 MB and 12 bytes) no other test allocates
        var reused = false, released = false
        for _ in 0..<3 where !(reused && released) {
            var address: UnsafeMutableRawPointer?
            do {
                let ones = Tensor(shape: [count], values: [Float](repeating: 1, count: count))
                address = ones.storage.baseAddress
            }
            do {
                let zeros = Tensor(zeros: [count])
                #expect(zeros.scalars(as: Float.self).allSatisfy { $0 == 0 })
                reused = reused || zeros.storage.baseAddress == address
            }
            released = released || TensorStorage.releaseCachedMemory() >= count * 4
        }
        #expect(reused)
        #expect(released)
    }
}
