/// Average pooling of x [N, C, H, W] float32 over non-overlapping `kernel`×`kernel` windows
/// (`torch.nn.functional.avg_pool2d(x, kernel, stride=kernel)`, no padding; a partial last window is dropped).
public func avgPool2d(_ x: Tensor, kernel: Int) -> Tensor {
    precondition(x.dtype == .float32 && x.rank == 4 && kernel > 0, "avgPool2d needs float32 [N, C, H, W] and a positive kernel")
    let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = (h / kernel, w / kernel)
    let src = x.contiguous()
    let out = Tensor(uninitialized: [x.shape[0], x.shape[1], oh, ow])
    if out.count == 0 { return out }
    let divisor = Float(kernel * kernel)
    withExtendedLifetime(src) {
        let s = src.floatBase, y = out.mutableFloatBase
        for p in 0..<planes {
            for i in 0..<oh {
                for j in 0..<ow {
                    var total: Float = 0
                    for di in 0..<kernel {
                        let row = s + p * h * w + (i * kernel + di) * w + j * kernel
                        for dj in 0..<kernel { total += row[dj] }
                    }
                    y[(p * oh + i) * ow + j] = total / divisor
                }
            }
        }
    }
    return out
}
