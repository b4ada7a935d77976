import CGenKernels

/// Rows of an embedding table: table [vocab, dim] in float32, float16 or bfloat16 → [ids.count, dim] float32.
///
/// Precondition: every id is in 0..<vocab. Token ids come from tokenizers and callers, which validate them
/// against the vocabulary at that boundary (an out-of-range id here is a programming error and traps).
public func embedding(_ ids: [Int], table: Tensor) -> Tensor {
    precondition(table.rank == 2 && table.dtype.isFloatingPoint, "embedding needs a float [vocab, dim] table, got \(table)")
    let vocab = table.shape[0], dim = table.shape[1]
    let rows = table.strides[1] == 1 ? table : table.contiguous()
    let out = Tensor(uninitialized: [ids.count, dim])
    if out.count == 0 { return out }
    withExtendedLifetime(rows) {
        let y = out.mutableFloatBase, rowStride = rows.strides[0]
        for (i, id) in ids.enumerated() {
            precondition(id >= 0 && id < vocab, "embedding: id \(id) outside the vocabulary of \(vocab)")
            let dst = y + i * dim
            switch rows.dtype {
            case .float16:
                gk_f16_to_f32(rows.rawPointer.assumingMemoryBound(to: UInt16.self) + id * rowStride, dst, dim)
            case .bfloat16:
                gk_bf16_to_f32(rows.rawPointer.assumingMemoryBound(to: UInt16.self) + id * rowStride, dst, dim)
            default:
                dst.update(from: rows.floatBase + id * rowStride, count: dim)
            }
        }
    }
    return out
}
