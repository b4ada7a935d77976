import GenCore

extension Image {
    /// This image as 3-channel RGB, the way transformers' `convert_to_rgb` treats a PIL image.
    ///
    /// Gray is replicated into R, G and B (PIL `convert("RGB")`). Images with alpha (gray+alpha, RGBA) are not
    /// simply stripped: transformers alpha-composites them over opaque white with `PIL.Image.alpha_composite` and
    /// then drops alpha, so transparent regions become white. Pillow's integer compositing (7 extra fraction bits,
    /// divisions by 255 done with shifts) is reproduced exactly; over an opaque background it reduces to the
    /// closed form below.
    public func convertedToRGB() throws -> Image {
        if channels == 3 { return self }
        let count = width * height
        var out = [UInt8](repeating: 0, count: count * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                switch channels {
                case 1:
                    for i in 0..<count {
                        let v = src[i]
                        dst[3 * i] = v; dst[3 * i + 1] = v; dst[3 * i + 2] = v
                    }
                case 2:
                    for i in 0..<count {
                        let v = Self.overWhite(src[2 * i], alpha: src[2 * i + 1])
                        dst[3 * i] = v; dst[3 * i + 1] = v; dst[3 * i + 2] = v
                    }
                default:
                    for i in 0..<count {
                        let a = src[4 * i + 3]
                        for c in 0..<3 { dst[3 * i + c] = Self.overWhite(src[4 * i + c], alpha: a) }
                    }
                }
            }
        }
        return try Image(width: width, height: height, channels: 3, pixels: out)
    }

    /// One channel of Pillow's `alpha_composite(white, pixel)`.
    ///
    /// With an opaque destination Pillow's blend weights become `alpha·128` and `(255 − alpha)·128` (7-bit
    /// fixed point), and its rounded division by 255 is `((v >> 8) + v) >> 8` after adding half.
    @inline(__always)
    static func overWhite(_ value: UInt8, alpha: UInt8) -> UInt8 {
        if alpha == 0 { return 255 }
        let a = UInt32(alpha)
        let blended = (UInt32(value) * a + 255 * (255 - a)) << 7 + (0x80 << 7)
        return UInt8(truncatingIfNeeded: ((((blended >> 8) + blended) >> 8) >> 7))
    }
}
