import CGenKernels

/// Matrix product of float32 tensors, like `torch.matmul` for rank ≥ 2:
/// a [..., M, K] · b [..., K, N] → [..., M, N], batch axes broadcast. `transposeA` / `transposeB` use the
/// transpose of the last two axes of that operand. Strided views (transposes, slices) are passed to GEMM
/// through leading dimensions when each matrix has one unit-stride axis; otherwise they are copied first.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul needs rank ≥ 2 operands, got \(a.shape) and \(b.shape)")
    precondition(a.dtype == .float32 && b.dtype == .float32, "matmul needs float32, got \(a.dtype), \(b.dtype)")
    let lhs = MatrixOperand(transposeA ? a.transposed() : a)
    let rhs = MatrixOperand(transposeB ? b.transposed() : b)
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols)
    precondition(rhs.rows == k, "matmul: inner sizes differ in \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    let batch = broadcastShape(Array(lhs.tensor.shape.dropLast(2)), Array(rhs.tensor.shape.dropLast(2)))
    let batchCount = batch.reduce(1, *)
    if k == 0 { return Tensor(zeros: batch + [m, n]) }
    let out = Tensor(uninitialized: batch + [m, n])
    if out.count == 0 { return out }
    let ea = lhs.tensor.expanded(to: batch + [m, k]), eb = rhs.tensor.expanded(to: batch + [k, n])
    let c = out.mutableFloatBase
    withExtendedLifetime((ea, eb)) {
        let pa = ea.floatBase, pb = eb.floatBase
        // One GEMM with batch folded into M when b is shared and a's batch rows are evenly spaced.
        if !lhs.transposed && batchCount > 1 && foldsIntoRows(ea, batchRank: batch.count, rowStride: lhs.leading)
            && eb.strides.prefix(batch.count).allSatisfy({ $0 == 0 }) {
            gk_sgemm(0, rhs.transposed ? 1 : 0, batchCount * m, n, k, 1, pa, lhs.leading, pb, rhs.leading, 0, c, n)
            return
        }
        for index in 0..<batchCount {
            var rem = index, offA = 0, offB = 0
            for axis in stride(from: batch.count - 1, through: 0, by: -1) {
                let i = rem % batch[axis]
                rem /= batch[axis]
                offA += i * ea.strides[axis]
                offB += i * eb.strides[axis]
            }
            gk_sgemm(lhs.transposed ? 1 : 0, rhs.transposed ? 1 : 0, m, n, k, 1, pa + offA, lhs.leading,
                     pb + offB, rhs.leading, 0, c + index * m * n, n)
        }
    }
    return out
}

/// True when the batch axes of `t` step by exactly rows·rowStride, so [batch…, M, K] is one [batch·M, K] matrix.
private func foldsIntoRows(_ t: Tensor, batchRank: Int, rowStride: Int) -> Bool {
    var expected = t.shape[batchRank] * rowStride
    for axis in stride(from: batchRank - 1, through: 0, by: -1) {
        if t.shape[axis] != 1 && t.strides[axis] != expected { return false }
        expected *= t.shape[axis]
    }
    return true
}

/// How one operand's last two axes map onto GEMM's row-major (op, leading dimension) description.
struct MatrixOperand {
    /// The operand, copied to row-major when its matrices have no unit-stride axis.
    let tensor: Tensor
    let rows: Int, cols: Int
    /// Memory holds the transpose (column-major matrices).
    let transposed: Bool
    /// Leading dimension for GEMM.
    let leading: Int

    init(_ t: Tensor) {
        let r = t.rank
        let rows = t.shape[r - 2], cols = t.shape[r - 1]
        let rs = t.strides[r - 2], cs = t.strides[r - 1]
        self.rows = rows
        self.cols = cols
        if (cs == 1 || cols == 1) && (rows == 1 || rs >= cols) {
            (tensor, transposed, leading) = (t, false, rows == 1 ? max(cols, 1) : rs)
        } else if (rs == 1 || rows == 1) && (cols == 1 || cs >= rows) {
            (tensor, transposed, leading) = (t, true, cols == 1 ? max(rows, 1) : cs)
        } else {
            (tensor, transposed, leading) = (t.contiguous(), false, max(cols, 1))
        }
    }
}
