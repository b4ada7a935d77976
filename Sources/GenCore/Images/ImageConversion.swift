extension Image {
    /// The image with `channels` channels, converted the way PIL's `Image.convert` does between
    /// "L" (1), "LA" (2), "RGB" (3) and "RGBA" (4):
    /// dropping alpha keeps the colour as stored (no compositing), gray is replicated into R, G and B, colour
    /// becomes gray with ITU-R 601 luma `(19595·R + 38470·G + 7471·B + 32768) >> 16`, and added alpha is 255.
    /// `converted(toChannels: 3)` is therefore transformers' `image.convert("RGB")`.
    /// - Throws: ``GenCoreError/invalidArgument(_:)`` unless `channels` is 1…4.
    public func converted(toChannels target: Int) throws -> Image {
        guard (1...4).contains(target) else {
            throw GenCoreError.invalidArgument("an image has 1–4 channels, asked to convert to \(target)")
        }
        if target == channels { return self }
        let (sourceC, pixelCount) = (channels, width * height)
        let sourceHasColor = sourceC >= 3, sourceHasAlpha = sourceC == 2 || sourceC == 4
        var out = [UInt8](repeating: 255, count: pixelCount * target)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<pixelCount {
                    let s = i * sourceC, d = i * target
                    let alpha = sourceHasAlpha ? src[s + sourceC - 1] : 255
                    switch target {
                    case 1, 2:
                        dst[d] = sourceHasColor ? Image.luma(src[s], src[s + 1], src[s + 2]) : src[s]
                        if target == 2 { dst[d + 1] = alpha }
                    default:
                        for k in 0..<3 { dst[d + k] = sourceHasColor ? src[s + k] : src[s] }
                        if target == 4 { dst[d + 3] = alpha }
                    }
                }
            }
        }
        return Image(validatedWidth: width, height: height, channels: target, pixels: out)
    }

    /// PIL's RGB → L (its `L24` macro): fixed-point 0.299 R + 0.587 G + 0.114 B, rounded.
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (Int(r) * 19595 + Int(g) * 38470 + Int(b) * 7471 + 0x8000) >> 16)
    }
}
