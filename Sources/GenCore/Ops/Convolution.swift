import CGenKernels

/// 2-D convolution, `torch.nn.functional.conv2d`: x [N, C, H, W] float32, weight [O, C/groups, kh, kw] (any float
/// dtype, converted once), bias [O]. Computed per image and group as weight · patches(x) with GEMM, the patches
/// (im2col) gathered straight into the GEMM's packed panels; 1×1 convolutions with unit stride and no padding
/// multiply the input directly. The 3×3 "same" convolutions that dominate UNets and VAEs use Winograd's
/// F(4×4, 3×3) or F(2×2, 3×3) instead when there are enough channels and output tiles to amortise their transforms
/// (4× or 2.25× fewer multiplications; the result differs by rounding only). Convolutions with few output positions
/// and many weights run as a linear layer over the patches instead (at most 256 positions of all
/// images against a million weights or more, as at a UNet's 8×8 level: the weights are then read in place).
public func conv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    dilation: (Int, Int) = (1, 1), groups: Int = 1
) -> Tensor {
    precondition(x.dtype == .float32 && x.rank == 4 && weight.rank == 4, "conv2d needs x [N, C, H, W] float32 and weight [O, I, kh, kw], got \(x), \(weight)")
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, cg, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    precondition(groups > 0 && c % groups == 0 && o % groups == 0 && cg == c / groups,
                 "conv2d: weight \(weight.shape) does not fit \(c) input channels in \(groups) groups")
    precondition(stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0,
                 "conv2d: stride and dilation must be positive, padding non-negative")
    let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
    let ow = (w + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
    precondition(oh > 0 && ow > 0, "conv2d: kernel \(kh)×\(kw) is larger than the padded input \(h)×\(w)")
    let og = o / groups, patch = cg * kh * kw, plane = oh * ow
    let src = x.contiguous(), wt = weight.contiguousFloat32, b = bias?.contiguousFloat32
    let direct = kh == 1 && kw == 1 && stride == (1, 1) && padding == (0, 0)
    let sameThreeByThree = kh == 3 && kw == 3 && stride == (1, 1) && padding == (1, 1) && dilation == (1, 1)
        && groups == 1
    let winograd = sameThreeByThree
        ? winogradOutputTile(images: n, inputChannels: c, outputChannels: o, height: h, width: w) : nil
    if winograd == nil && usesPatchRows(groups: groups, positions: n * plane, weights: o * patch) {
        return patchRowsConv2d(src, weight: wt, bias: b, kernel: (kh, kw), stride: stride, padding: padding,
                               dilation: dilation, output: (oh, ow))
    }
    let out = Tensor(uninitialized: [n, o, oh, ow])
    withExtendedLifetime((src, wt, b)) {
        let y = out.mutableFloatBase
        // Winograd returns nonzero when it cannot allocate its buffers: the implicit GEMM then writes y.
        let done = winograd.map { gk_conv3x3_winograd_f32(n, o, c, h, w, wt.floatBase, src.floatBase, y, $0, 0) == 0 }
            ?? false
        for image in 0..<n where !done {
            for g in 0..<groups {
                let input = src.floatBase + (image * c + g * cg) * h * w
                let output = y + (image * o + g * og) * plane
                let filters = wt.floatBase + g * og * patch
                if direct {
                    gk_sgemm(0, 0, og, plane, patch, 1, filters, patch, input, plane, 0, output, plane)
                } else {
                    gk_conv2d_f32(og, filters, patch, input, cg, h, w, kh, kw, stride.0, stride.1, padding.0, padding.1,
                                  dilation.0, dilation.1, oh, ow, output, plane)
                }
            }
        }
        if let b { gk_channel_affine_f32(y, y, n, o, plane, nil, b.floatBase) }
    }
    return out
}

/// A convolution with few output positions and many weights (a UNet's 8×8 level: 128 positions of both images
/// against 1280×11520 weights) as one linear layer over the patches: im2row gives a row per output position, and the
/// weights, read in place by the linear layer's weight-rows kernel, are not packed once per image as the implicit
/// GEMM packs them (about a fifth faster on that shape). The [positions, O] product is transposed into [N, O, H, W].
/// `src` is contiguous [N, C, H, W] and `wt` contiguous float32 [O, C, kh, kw].
func patchRowsConv2d(
    _ src: Tensor, weight wt: Tensor, bias b: Tensor?, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int),
    dilation: (Int, Int), output: (Int, Int)
) -> Tensor {
    let (n, c, h, w) = (src.shape[0], src.shape[1], src.shape[2], src.shape[3])
    let o = wt.shape[0], patch = c * kernel.0 * kernel.1, plane = output.0 * output.1
    let rows = Tensor(uninitialized: [n * plane, patch])
    let product = Tensor(uninitialized: [n, plane, o])
    withExtendedLifetime((src, wt, b, rows)) {
        for image in 0..<n {
            gk_im2row_f32(src.floatBase + image * c * h * w, c, h, w, kernel.0, kernel.1, stride.0, stride.1,
                          padding.0, padding.1, dilation.0, dilation.1, output.0, output.1,
                          rows.mutableFloatBase + image * plane * patch, patch)
        }
        gk_linear_f32w(n * plane, o, patch, rows.floatBase, patch, wt.floatBase, patch, b?.floatBase,
                       product.mutableFloatBase, o)
    }
    return product.transposed(1, 2).contiguous().reshaped([n, o, output.0, output.1])
}

/// Whether conv2d takes patchRowsConv2d: one group, at most 256 output positions over all images and at least a
/// million weights. Measured on one core: 3×3, 8×8 planes of two images (128 positions), 1280 → 1280 channels,
/// 46 → 37 ms; 16×16 planes (512 positions) were slower that way.
func usesPatchRows(groups: Int, positions: Int, weights: Int) -> Bool {
    groups == 1 && positions <= 256 && weights >= 1 << 20
}

/// The Winograd output tile for a 3×3 "same" convolution, or nil for the implicit GEMM. F(4×4, 3×3) (4× fewer
/// multiplications) where there are at least 64 tiles of 4×4 outputs and its transformed filters (36·O·C floats,
/// made anew each call) stay within 256 MB; F(2×2, 3×3) (2.25× fewer, 16·O·C floats) where there are at least 128
/// tiles of 2×2; the implicit GEMM below that, and below 16 channels, where the transforms cost more than they
/// save. Measured on the UNet and VAE shapes (`Documentation/Performance.md`): with the transform buffers kept
/// between calls, F(4×4) beats F(2×2) on the UNet's 32×32 level up to 1280 → 1280 channels (226 against 339 ms on
/// one core), and only by 5 % on its 16×16 level, which has 32 tiles of 4×4 and stays on F(2×2).
func winogradOutputTile(images: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int) -> Int? {
    guard inputChannels >= 16 && outputChannels >= 16 else { return nil }
    let tiles4 = images * ((height + 3) / 4) * ((width + 3) / 4)
    if tiles4 >= 64 && 36 * inputChannels * outputChannels <= 64 << 20 { return 4 }
    return images * ((height + 1) / 2) * ((width + 1) / 2) >= 128 ? 2 : nil
}

/// Transposed 2-D convolution, `torch.nn.functional.conv_transpose2d`: x [N, C, H, W] float32,
/// weight [C, O/groups, kh, kw] (any float dtype), bias [O]. The output is
/// (H - 1)·stride - 2·padding + dilation·(kh - 1) + outputPadding + 1 high (likewise wide).
public func convTranspose2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    outputPadding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1
) -> Tensor {
    precondition(x.dtype == .float32 && x.rank == 4 && weight.rank == 4, "convTranspose2d needs x [N, C, H, W] float32 and weight [C, O/groups, kh, kw], got \(x), \(weight)")
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (og, kh, kw) = (weight.shape[1], weight.shape[2], weight.shape[3])
    precondition(groups > 0 && weight.shape[0] == c && c % groups == 0,
                 "convTranspose2d: weight \(weight.shape) does not fit \(c) input channels in \(groups) groups")
    precondition(stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0
                 && outputPadding.0 >= 0 && outputPadding.1 >= 0
                 && (outputPadding.0 < stride.0 || outputPadding.0 < dilation.0)
                 && (outputPadding.1 < stride.1 || outputPadding.1 < dilation.1),
                 "convTranspose2d: invalid stride, padding, output padding or dilation")
    let o = og * groups, cg = c / groups
    let oh = (h - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
    let ow = (w - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
    precondition(oh > 0 && ow > 0, "convTranspose2d: padding leaves no output")
    let patch = og * kh * kw, plane = h * w
    let src = x.contiguous(), wt = weight.contiguousFloat32, b = bias?.contiguousFloat32
    let out = Tensor(zeros: [n, o, oh, ow])
    var col = [Float](repeating: 0, count: patch * plane)
    withExtendedLifetime((src, wt, b)) {
        let y = out.mutableFloatBase
        col.withUnsafeMutableBufferPointer { buffer in
            guard let cols = buffer.baseAddress else { return }
            for image in 0..<n {
                for g in 0..<groups {
                    let input = src.floatBase + (image * c + g * cg) * plane
                    // col [og·kh·kw, H·W] = W_gᵀ · x_g, then every column is scattered into its output window.
                    gk_sgemm(1, 0, patch, plane, cg, 1, wt.floatBase + g * cg * patch, patch, input, plane, 0, cols, plane)
                    gk_col2im_add_f32(cols, og, h, w, kh, kw, stride.0, stride.1, padding.0, padding.1,
                                      dilation.0, dilation.1, oh, ow, y + (image * o + g * og) * oh * ow)
                }
            }
        }
        if let b { gk_channel_affine_f32(y, y, n, o, oh * ow, nil, b.floatBase) }
    }
    return out
}

/// Nearest-neighbour upsampling of x [N, C, H, W] by an integer factor (`F.interpolate(scale_factor:, mode: "nearest")`).
public func upsampleNearest2d(_ x: Tensor, scale: Int) -> Tensor {
    precondition(x.dtype == .float32 && x.rank == 4 && scale > 0, "upsampleNearest2d needs float32 [N, C, H, W] and a positive scale")
    let (h, w) = (x.shape[2], x.shape[3])
    let src = x.contiguous()
    let out = Tensor(uninitialized: [x.shape[0], x.shape[1], h * scale, w * scale])
    if out.count == 0 { return out }
    withExtendedLifetime(src) {
        gk_upsample_nearest_f32(src.floatBase, x.shape[0] * x.shape[1], h, w, scale, scale, out.mutableFloatBase)
    }
    return out
}
