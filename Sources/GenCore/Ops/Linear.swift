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
    // Rows of the weight may be strided as long as each row is itself contiguous (x's: see rowAddressable).
    let (input, lda) = rowAddressable(x)
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

/// Several linear layers applied to one input, as a transformer block applies its query, key and value projections
/// or its gate and up projections: for each layer, exactly what ``linear(_:weight:bias:)`` gives. Where the
/// weight-rows GEMM path takes the layers (float32 weights, or bfloat16 weights under ``MatmulPrecision/bfloat16``,
/// on AVX-512, for more rows than a decode step's), x is packed once for all of them and their rows go out to the
/// thread pool as one job: one pack of x and one wait for the slowest thread instead of one per layer.
public func linear(_ x: Tensor, layers: [Linear]) -> [Tensor] {
    guard layers.count > 1 else { return layers.map { linear(x, weight: $0.weight, bias: $0.bias) } }
    // A strided view (attention over a feature map's pixels) is copied once here rather than once per layer.
    let input = x.rank >= 1 ? rowAddressable(x).input : x
    return groupedLinear(input, layers) ?? layers.map { linear(input, weight: $0.weight, bias: $0.bias) }
}

/// x itself when it is a matrix whose rows are each contiguous and do not overlap, else a contiguous copy; and the
/// distance between its rows (x has rank ≥ 1).
private func rowAddressable(_ x: Tensor) -> (input: Tensor, lda: Int) {
    let inFeatures = x.shape[x.rank - 1]
    let input = x.rank == 2 && x.strides[1] == 1 && x.strides[0] >= inFeatures ? x : x.contiguous()
    return (input, input.rank == 2 ? input.strides[0] : inFeatures)
}

/// The grouped kernel's results, or nil when it does not take these layers (the caller then runs them one by one,
/// which also reports any mismatch between x and a layer).
private func groupedLinear(_ x: Tensor, _ layers: [Linear]) -> [Tensor]? {
    guard layers.count <= 4, x.dtype == .float32, x.rank >= 1, x.shape[x.rank - 1] > 0 else { return nil }
    let inFeatures = x.shape[x.rank - 1], rows = x.count / inFeatures
    guard rows > 4 else { return nil }   // a decode step: the matrix-vector path, one weight at a time
    let dtype = layers[0].weight.dtype
    let pairs = dtype == .bfloat16 && MatmulPrecision.current == .bfloat16
    guard dtype == .float32 || pairs else { return nil }
    for layer in layers {
        let w = layer.weight
        guard w.dtype == dtype, w.rank == 2, w.shape[0] > 0, w.shape[1] == inFeatures, w.strides[1] == 1,
              w.strides[0] >= inFeatures, layer.bias.map({ $0.count == w.shape[0] }) ?? true else { return nil }
    }
    let (input, lda) = rowAddressable(x)
    let biases = layers.map { $0.bias?.contiguousFloat32 }
    let outputs = layers.map { Tensor(uninitialized: Array(x.shape.dropLast()) + [$0.weight.shape[0]]) }
    let count = Int32(layers.count)
    let n = layers.map { $0.weight.shape[0] }, ldw = layers.map { $0.weight.strides[0] }, ldc = n
    let done = withExtendedLifetime((input, layers, biases, outputs)) { () -> Int32 in
        let b: [UnsafePointer<Float>?] = biases.map { $0?.floatBase }
        let c: [UnsafeMutablePointer<Float>?] = outputs.map { $0.mutableFloatBase }
        if pairs {
            let w: [UnsafePointer<UInt16>?] = layers.map { $0.weight.rawPointer.assumingMemoryBound(to: UInt16.self) }
            return gk_linear_group_bf16w_bf16a(count, rows, inFeatures, input.floatBase, lda, w, n, ldw, b, c, ldc)
        }
        let w: [UnsafePointer<Float>?] = layers.map { $0.weight.floatBase }
        return gk_linear_group_f32w(count, rows, inFeatures, input.floatBase, lda, w, n, ldw, b, c, ldc)
    }
    return done == 1 ? outputs : nil
}
