import CGenKernels

/// Layer normalisation over the last axis (torch.nn.functional.layer_norm with normalized_shape = [last]):
/// (x - mean) / √(var + eps) · weight + bias, with the biased variance. `weight` and `bias` have the size of
/// the last axis and may be float32, float16 or bfloat16; computation is float32.
public func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float) -> Tensor {
    let n = lastAxisSize(x, weight, bias, op: "layerNorm")
    let src = x.contiguous(), w = weight?.contiguousFloat32, b = bias?.contiguousFloat32
    let out = Tensor(uninitialized: x.shape)
    if out.count == 0 { return out }
    withExtendedLifetime((src, w, b)) {
        gk_layer_norm_rows_f32(src.floatBase, out.mutableFloatBase, src.count / n, n, w?.floatBase, b?.floatBase, eps)
    }
    return out
}

/// Root-mean-square normalisation over the last axis, as Llama's `LlamaRMSNorm` in float32:
/// x · 1/√(mean(x²) + eps) · weight. `weight` may be float32, float16 or bfloat16.
public func rmsNorm(_ x: Tensor, weight: Tensor?, eps: Float) -> Tensor {
    let n = lastAxisSize(x, weight, nil, op: "rmsNorm")
    let src = x.contiguous(), w = weight?.contiguousFloat32
    let out = Tensor(uninitialized: x.shape)
    if out.count == 0 { return out }
    withExtendedLifetime((src, w)) {
        gk_rms_norm_rows_f32(src.floatBase, out.mutableFloatBase, src.count / n, n, w?.floatBase, eps)
    }
    return out
}

/// Group normalisation of x [N, C, *] (torch.nn.functional.group_norm): channels split into `groups`
/// consecutive groups, each normalised over its channels and all spatial positions, then scaled and shifted
/// per channel by `weight` and `bias` ([C], any float dtype).
public func groupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float) -> Tensor {
    precondition(x.dtype == .float32 && x.rank >= 2, "groupNorm needs float32 [N, C, *], got \(x)")
    let batches = x.shape[0], channels = x.shape[1]
    precondition(groups > 0 && channels % groups == 0, "groupNorm: \(channels) channels do not split into \(groups) groups")
    for t in [weight, bias].compactMap({ $0 }) {
        precondition(t.count == channels, "groupNorm: affine parameter \(t) does not match \(channels) channels")
    }
    let spatial = x.shape.dropFirst(2).reduce(1, *)
    let src = x.contiguous(), w = weight?.contiguousFloat32, b = bias?.contiguousFloat32
    let out = Tensor(uninitialized: x.shape)
    if out.count == 0 { return out }
    let groupSize = channels / groups * spatial
    withExtendedLifetime((src, w, b)) {
        let y = out.mutableFloatBase
        gk_layer_norm_rows_f32(src.floatBase, y, batches * groups, groupSize, nil, nil, eps)
        if w != nil || b != nil { gk_channel_affine_f32(y, y, batches, channels, spatial, w?.floatBase, b?.floatBase) }
    }
    return out
}

private func lastAxisSize(_ x: Tensor, _ weight: Tensor?, _ bias: Tensor?, op: String) -> Int {
    precondition(x.dtype == .float32 && x.rank >= 1, "\(op) needs a float32 tensor, got \(x)")
    let n = x.shape[x.rank - 1]
    for t in [weight, bias].compactMap({ $0 }) {
        precondition(t.count == n, "\(op): parameter \(t) does not match the last axis of \(x)")
    }
    return n
}
