import CGenKernels

/// Softmax along `axis` (negative counts from the end): exp(x - max) / Σ exp(x - max), float32.
/// A slice whose elements are all -inf yields NaN, as in torch.
public func softmax(_ x: Tensor, axis: Int = -1) -> Tensor {
    precondition(x.dtype == .float32, "softmax needs float32, got \(x.dtype)")
    let ax = x.axis(axis)
    if ax == x.rank - 1 { return lastAxisSoftmax(x) }
    // Move the axis last, normalise rows, and move it back.
    var order = Array(0..<x.rank)
    order.remove(at: ax)
    order.append(ax)
    var inverse = [Int](repeating: 0, count: x.rank)
    for (i, a) in order.enumerated() { inverse[a] = i }
    return lastAxisSoftmax(x.permuted(order)).permuted(inverse).contiguous()
}

private func lastAxisSoftmax(_ x: Tensor) -> Tensor {
    let src = x.contiguous()
    let out = Tensor(uninitialized: src.shape)
    let n = src.shape.last ?? 1
    if out.count == 0 { return out }
    withExtendedLifetime(src) { gk_softmax_rows_f32(src.floatBase, out.mutableFloatBase, src.count / n, n) }
    return out
}
