import GenCore

/// diffusers' `Upsample2D` (interpolating form): nearest-neighbour ×2 — or to an explicit size, which a UNet passes
/// when its input was not a multiple of the total downsampling — then a 3×3 convolution when built with one.
struct Upsample2D: Sendable {
    let conv: Conv2d?

    init(weights w: WeightLoader, channels: Int, useConv: Bool, outChannels: Int? = nil) throws {
        conv = useConv ? try w.conv2d("conv", inputs: channels, outputs: outChannels ?? channels, kernel: 3, padding: 1) : nil
    }

    /// x [B, C, H, W]; `outputSize` (height, width) overrides the factor of 2.
    func callAsFunction(_ x: Tensor, outputSize: (height: Int, width: Int)? = nil) -> Tensor {
        let up: Tensor
        if let size = outputSize, size != (x.shape[2] * 2, x.shape[3] * 2) {
            up = resizeNearest2d(x, height: size.height, width: size.width)
        } else {
            up = upsampleNearest2d(x, scale: 2)
        }
        return conv.map { $0(up) } ?? up
    }
}
