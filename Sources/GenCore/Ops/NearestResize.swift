/// Nearest-neighbour resize of x [N, C, H, W] float32 to `height`×`width`
/// (`F.interpolate(x, size=(height, width), mode="nearest")`): output row i reads input row ⌊i · H/height⌋, with
/// the ratio in float32 as PyTorch computes it. For an integer factor ``upsampleNearest2d(_:scale:)`` is faster.
public func resizeNearest2d(_ x: Tensor, height: Int, width: Int) -> Tensor {
    precondition(x.dtype == .float32 && x.rank == 4 && height > 0 && width > 0, "resizeNearest2d needs float32 [N, C, H, W] and a positive size")
    let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
    let rowScale = Float(h) / Float(height), columnScale = Float(w) / Float(width)
    let rows = (0..<height).map { min(Int(Float($0) * rowScale), h - 1) }
    let columns = (0..<width).map { min(Int(Float($0) * columnScale), w - 1) }
    let src = x.contiguous()
    let out = Tensor(uninitialized: [x.shape[0], x.shape[1], height, width])
    if out.count == 0 { return out }
    withExtendedLifetime(src) {
        let s = src.floatBase, y = out.mutableFloatBase
        for p in 0..<planes {
            for (i, r) in rows.enumerated() {
                let input = s + (p * h + r) * w, output = y + (p * height + i) * width
                for (j, c) in columns.enumerated() { output[j] = input[c] }
            }
        }
    }
    return out
}
