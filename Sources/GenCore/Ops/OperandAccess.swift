// Internal helpers shared by the tensor operations: raw float32 pointers for the C kernels and shape checks.

extension Tensor {
    /// First float32 element of this view. The caller keeps the tensor alive while the pointer is used
    /// (`withExtendedLifetime`).
    var floatBase: UnsafePointer<Float> {
        precondition(dtype == .float32, "expected a float32 tensor, got \(dtype)")
        return rawPointer.assumingMemoryBound(to: Float.self)
    }

    /// First element of a freshly allocated float32 tensor (offset 0, owned storage) for a kernel to write.
    var mutableFloatBase: UnsafeMutablePointer<Float> {
        precondition(dtype == .float32 && !storage.isReadOnly, "expected a writable float32 tensor")
        return (storage.baseAddress + offset * 4).assumingMemoryBound(to: Float.self)
    }

    /// A contiguous float32 tensor with these elements (converting half-precision or integer storage once).
    var contiguousFloat32: Tensor {
        converted(to: .float32).contiguous()
    }
}

/// NumPy broadcasting: shapes align on the right; each pair of sizes must be equal or contain a 1.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        precondition(x == y || x == 1 || y == 1, "shapes \(a) and \(b) do not broadcast")
        result[i] = x == 1 ? y : x
    }
    return result
}
