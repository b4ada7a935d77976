import CGenKernels

/// Scaled dot-product attention, `torch.nn.functional.scaled_dot_product_attention` in float32:
/// softmax(q·kᵀ · scale + mask) · v.
///
/// - query [B, Hq, Tq, D]; key [B, Hkv, Tk, D]; value [B, Hkv, Tk, Dv]. Hq must be a multiple of Hkv: query head h
///   uses key/value head h / (Hq / Hkv) (grouped-query attention) without copying k or v.
/// - key and value may be strided views (for example prefixes of a preallocated [B, H, maxT, D] cache).
/// - mask: additive float mask broadcastable to [B, Hq, Tq, Tk] (-inf hides a key).
/// - isCausal: query i sees keys j ≤ i + Tk - Tq (aligned bottom-right, the KV-cache convention).
/// - scale: defaults to 1/√D.
/// - precision: ``MatmulPrecision/bfloat16`` computes both products from operands rounded to bfloat16 (q, k and v,
///   and the softmax's exponentials), summed in float32, as PyTorch's CPU flash attention computes a bf16 model:
///   on the blocked path, which takes unmasked attention of 16 or more queries and keys (a prompt's prefill, an
///   image encoder). Masked attention and shorter query runs (a decode step, bound by reading the cache rather
///   than by its products) stay float32. Layers pass ``MatmulPrecision/forActivations(withWeights:)``.
/// A query row that can see no key gives NaN, as torch's reference implementation does.
/// Returns [B, Hq, Tq, Dv] laid out as [B, Tq, Hq, Dv] in memory (a permuted view), so that merging the heads
/// (`permuted([0, 2, 1, 3]).reshaped([B, Tq, Hq·Dv])`) needs no copy.
public func scaledDotProductAttention(
    query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil, isCausal: Bool = false, scale: Float? = nil,
    precision: MatmulPrecision = .float32
) -> Tensor {
    precondition(query.rank == 4 && key.rank == 4 && value.rank == 4, "attention needs rank-4 q, k, v, got \(query.shape), \(key.shape), \(value.shape)")
    precondition(query.dtype == .float32 && key.dtype == .float32 && value.dtype == .float32, "attention needs float32 q, k, v")
    let (b, hq, tq, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
    let (hkv, tk, dv) = (key.shape[1], key.shape[2], value.shape[3])
    precondition(key.shape[0] == b && value.shape[0] == b && key.shape[3] == d && value.shape[1] == hkv && value.shape[2] == tk,
                 "attention: q \(query.shape), k \(key.shape), v \(value.shape) do not fit together")
    precondition(hkv > 0 && hq % hkv == 0, "attention: \(hq) query heads are not a multiple of \(hkv) key/value heads")
    // Written [B, Tq, Hq, Dv] and returned as a [B, Hq, Tq, Dv] view of that: every caller merges the heads back
    // into [B, Tq, Hq·Dv] next, which is then a view instead of a copy.
    let merged = Tensor(uninitialized: [b, tq, hq, dv])
    let out = merged.permuted([0, 2, 1, 3])
    if out.count == 0 { return out }
    let q = rowAddressable(query), k = rowAddressable(key), v = rowAddressable(value)
    let m = mask.map { $0.converted(to: .float32).expanded(to: [b, hq, tq, tk]) }
    let factor = scale ?? 1 / Float(d).squareRoot()
    withExtendedLifetime((q, k, v, m)) {
        gk_attention_f32(b, hq, hkv, tq, tk, d, dv, q.floatBase, q.strides, k.floatBase, k.strides, v.floatBase, v.strides,
                         m?.floatBase, m?.strides, isCausal ? 1 : 0, precision == .bfloat16 ? 1 : 0, factor,
                         merged.mutableFloatBase, out.strides)
    }
    return out
}

/// `t` itself when each [T, D] matrix has unit-stride, non-overlapping rows (what GEMM needs), else a copy.
private func rowAddressable(_ t: Tensor) -> Tensor {
    let rowsOK = t.shape[2] <= 1 || t.strides[2] >= t.shape[3]
    return (t.strides[3] == 1 || t.shape[3] == 1) && rowsOK ? t : t.contiguous()
}
