import GenCore

/// diffusers' `Downsample2D`: halves height and width with a 3×3 stride-2 convolution (`conv`), or with 2×2
/// average pooling when built without one. With `padding` 0 (the VAE encoder) the input is first padded by one
/// zero row at the bottom and one zero column at the right, as diffusers does, so the windows start at the top-left.
struct Downsample2D: Sendable {
    let conv: Conv2d?
    let padding: Int

    init(weights w: WeightLoader, channels: Int, useConv: Bool, outChannels: Int? = nil, padding: Int = 1) throws {
        self.padding = padding
        conv = useConv
            ? try w.conv2d("conv", inputs: channels, outputs: outChannels ?? channels, kernel: 3, stride: 2, padding: padding)
            : nil
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        guard let conv else { return avgPool2d(x, kernel: 2) }
        return conv(padding == 0 ? padBottomRight(x) : x)
    }

    /// `F.pad(x, (0, 1, 0, 1))`.
    private func padBottomRight(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let taller = concatenate([x, Tensor(zeros: [n, c, 1, w])], axis: 2)
        return concatenate([taller, Tensor(zeros: [n, c, h + 1, 1])], axis: 3)
    }
}
