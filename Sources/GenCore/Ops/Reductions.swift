/// Index of the largest element along `axis` for every position of the other axes, in row-major order of
/// those axes (so a [1, vocab] logits tensor gives one index). Ties give the first index, as torch.argmax
/// documents; NaN counts as larger than any number.
public func argmax(_ x: Tensor, axis: Int = -1) -> [Int] {
    let (rows, lanes) = reductionLayout(x, axis: axis)
    return lanes.withFloats { values in
        (0..<rows.outer * rows.inner).map { r in
            let base = (r / rows.inner) * rows.size * rows.inner + r % rows.inner
            var best = 0, bestValue = values[base]
            for i in 1..<max(rows.size, 1) {
                let v = values[base + i * rows.inner]
                if bestValue.isNaN { break }
                if v > bestValue || v.isNaN { (best, bestValue) = (i, v) }
            }
            return best
        }
    }
}

/// The `k` largest elements along the last axis, largest first: values [..., k] float32 and, per row (row-major
/// over the leading axes), their indices. Equal values are ordered by lower index first; torch leaves the
/// order of ties unspecified.
public func topK(_ x: Tensor, k: Int) -> (values: Tensor, indices: [[Int]]) {
    precondition(x.dtype == .float32 && x.rank >= 1, "topK needs a float32 tensor, got \(x)")
    let n = x.shape[x.rank - 1]
    precondition(k >= 0 && k <= n, "topK: k = \(k) outside 0...\(n)")
    let rowCount = n == 0 ? 0 : x.count / n
    var values: [Float] = []
    values.reserveCapacity(rowCount * k)
    var indices: [[Int]] = []
    x.contiguous().withUnsafeBufferPointer(as: Float.self) { data in
        for r in 0..<rowCount {
            // A sorted window of the best k so far; most elements lose one comparison against its smallest.
            var best: [(value: Float, index: Int)] = []
            best.reserveCapacity(k + 1)
            for i in 0..<n where k > 0 {
                let v = data[r * n + i]
                if best.count == k, let last = best.last, !ranksAbove(v, last.value) { continue }
                var lo = 0, hi = best.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if ranksAbove(v, best[mid].value) { hi = mid } else { lo = mid + 1 }
                }
                best.insert((v, i), at: lo)
                if best.count > k { best.removeLast() }
            }
            values += best.map(\.value)
            indices.append(best.map(\.index))
        }
    }
    return (Tensor(shape: Array(x.shape.dropLast()) + [k], values: values), indices)
}

/// Strictly greater, with NaN above every number (torch's ordering for topk).
private func ranksAbove(_ a: Float, _ b: Float) -> Bool {
    if a.isNaN { return !b.isNaN }
    return a > b
}

/// Sum along `axis` (accumulated in double), dropping the axis unless `keepDims`.
public func sum(_ x: Tensor, axis: Int, keepDims: Bool = false) -> Tensor {
    reduce(x, axis: axis, keepDims: keepDims, divideByCount: false)
}

/// Arithmetic mean along `axis` (accumulated in double), dropping the axis unless `keepDims`.
public func mean(_ x: Tensor, axis: Int, keepDims: Bool = false) -> Tensor {
    reduce(x, axis: axis, keepDims: keepDims, divideByCount: true)
}

private func reduce(_ x: Tensor, axis: Int, keepDims: Bool, divideByCount: Bool) -> Tensor {
    let (rows, lanes) = reductionLayout(x, axis: axis)
    let ax = x.axis(axis)
    var shape = x.shape
    if keepDims { shape[ax] = 1 } else { shape.remove(at: ax) }
    let results: [Float] = lanes.withFloats { values in
        (0..<rows.outer * rows.inner).map { r in
            let base = (r / rows.inner) * rows.size * rows.inner + r % rows.inner
            var total = 0.0
            for i in 0..<rows.size { total += Double(values[base + i * rows.inner]) }
            return Float(divideByCount ? total / Double(rows.size) : total)
        }
    }
    return Tensor(shape: shape, values: results)
}

/// A reduction seen as [outer, size, inner] over a contiguous float32 copy.
private struct ReductionRows { let outer: Int, size: Int, inner: Int }

private struct ContiguousFloats {
    let tensor: Tensor
    func withFloats<R>(_ body: (UnsafeBufferPointer<Float>) -> R) -> R { tensor.withUnsafeBufferPointer(as: Float.self, body) }
}

private func reductionLayout(_ x: Tensor, axis: Int) -> (ReductionRows, ContiguousFloats) {
    precondition(x.dtype == .float32, "reductions need float32, got \(x.dtype)")
    let ax = x.axis(axis)
    let rows = ReductionRows(outer: x.shape[..<ax].reduce(1, *), size: x.shape[ax], inner: x.shape[(ax + 1)...].reduce(1, *))
    precondition(rows.size > 0 || rows.outer * rows.inner == 0, "cannot reduce an empty axis")
    return (rows, ContiguousFloats(tensor: x.contiguous()))
}
