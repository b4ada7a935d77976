/// Joins tensors of one dtype along `axis` (`torch.cat`); all other axes must match. The result is contiguous.
public func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
    guard let first = tensors.first else { preconditionFailure("concatenate needs at least one tensor") }
    let ax = first.axis(axis)
    var shape = first.shape
    shape[ax] = 0
    for t in tensors {
        precondition(t.dtype == first.dtype && t.rank == first.rank, "concatenate: \(t) does not match \(first)")
        for a in 0..<t.rank where a != ax {
            precondition(t.shape[a] == first.shape[a], "concatenate: shape \(t.shape) does not match \(first.shape) off axis \(ax)")
        }
        shape[ax] += t.shape[ax]
    }
    let out = Tensor(uninitialized: shape, dtype: first.dtype)
    let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
    let size = first.dtype.byteSize
    let sources = tensors.map { $0.contiguous() }
    withExtendedLifetime(sources) {
        var column = 0
        for t in sources {
            let run = t.shape[ax] * inner * size, outRun = shape[ax] * inner * size
            for o in 0..<outer where run > 0 {
                (out.storage.baseAddress + o * outRun + column).copyMemory(from: t.rawPointer + o * run, byteCount: run)
            }
            column += run
        }
    }
    return out
}

/// Splits `x` along `axis` into consecutive pieces of the given sizes (`torch.split`); the pieces are views.
public func split(_ x: Tensor, sizes: [Int], axis: Int) -> [Tensor] {
    let ax = x.axis(axis)
    precondition(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == x.shape[ax],
                 "split: sizes \(sizes) do not add up to \(x.shape[ax]) along axis \(ax)")
    var start = 0
    return sizes.map { size in
        defer { start += size }
        return x.sliced(axis: ax, start..<(start + size))
    }
}

/// Splits `x` along `axis` into `chunks` views as `torch.chunk` does: each ⌈size/chunks⌉ long, the last shorter,
/// and fewer than `chunks` pieces when the size does not allow that many.
public func chunk(_ x: Tensor, chunks: Int, axis: Int) -> [Tensor] {
    precondition(chunks > 0, "chunk: chunks must be positive")
    let ax = x.axis(axis), n = x.shape[ax]
    let step = max((n + chunks - 1) / chunks, 1)
    var sizes: [Int] = []
    var start = 0
    while start < n {
        sizes.append(min(step, n - start))
        start += step
    }
    return split(x, sizes: sizes.isEmpty ? [0] : sizes, axis: ax)
}
