import CGenKernels

/// A fully connected layer, `torch.nn.functional.linear`: x [..., in] · weightᵀ + bias → [..., out].
/// `weight` is [out, in] in float32, float16 or bfloat16 and is read in place (no converted copy);
/// `bias` is [out] in any float dtype. x and the result are float32. With bfloat16 weights, x is rounded to
/// bfloat16 first when ``MatmulPrecision/current`` is ``MatmulPrecision/bfloat16``.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    precondition(x.dtype == .float32 && x.rank >= 1, "linear needs a float32 input, got \(x)")
    precondition(weight.rank == 2 && weight.dtype.isFloatingPoint, "linear needs a float [out, in] weight, got \(weight)")
    let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
    precondition(x.shape[x.rank - 1] == inFeatures, "linear: input \(x.shape) does not match weight \(weight.shape)")
    if let bias { precondition(bias.count == outFeatures, "linear: bias \(bias.shape) does not match \(outFeatures) outputs") }
    let rows = inFeatures == 0 ? x.count : x.count / inFeatures
    let out = Tensor(uninitialized: Array(x.shape.dropLast()) + [outFeatures])
    if out.count == 0 { return out }
    if inFeatures == 0 {
        let b = bias?.contiguousFloat32 ?? Tensor(zeros: [outFeatures])
        return Tensor(zeros: out.shape) + b
    }
    // Rows of x and of the weight may be strided as long as each row is itself contiguous.
    let input = x.rank == 2 && x.strides[1] == 1 && x.strides[0] >= inFeatures ? x : x.contiguous()
    let lda = input.rank == 2 ? input.strides[0] : inFeatures
    let w = weight.strides[1] == 1 && weight.strides[0] >= inFeatures ? weight : weight.contiguous()
    let ldw = outFeatures == 1 ? inFeatures : w.strides[0]
    let b = bias?.contiguousFloat32
    withExtendedLifetime((input, w, b)) {
        let a = input.floatBase, c = out.mutableFloatBase, pb = b?.floatBase
        switch w.dtype {
        case .float16:
            gk_linear_f16w(rows, outFeatures, inFeatures, a, lda, w.rawPointer.assumingMemoryBound(to: UInt16.self), ldw, pb, c, outFeatures)
        case .bfloat16 where MatmulPrecision.current == .bfloat16:
            gk_linear_bf16w_bf16a(rows, outFeatures, inFeatures, a, lda, w.rawPointer.assumingMemoryBound(to: UInt16.self), ldw, pb, c, outFeatures)
        case .bfloat16:
            gk_linear_bf16w(rows, outFeatures, inFeatures, a, lda, w.rawPointer.assumingMemoryBound(to: UInt16.self), ldw, pb, c, outFeatures)
        default:
            gk_linear_f32w(rows, outFeatures, inFeatures, a, lda, w.floatBase, ldw, pb, c, outFeatures)
        }
    }
    return out
}
