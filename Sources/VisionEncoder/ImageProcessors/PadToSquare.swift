import GenCore

extension Image {
    /// LLaVA's `pad_to_square`: centres the image on a square canvas as wide as its longer side, filled with
    /// `background` (one value per channel). The offset is `(longer − shorter) / 2`, rounded down.
    public func paddedToSquare(background: [UInt8]) throws -> Image {
        guard background.count == channels else {
            throw VisionEncoderError.unsupportedImage(
                reason: "pad-to-square background has \(background.count) values for a \(channels)-channel image")
        }
        if width == height { return self }
        let side = Swift.max(width, height)
        try PILResize.checkOutputSize(width: side, height: side, what: "padded square")
        var out = [UInt8](repeating: 0, count: side * side * channels)
        for i in 0..<(side * side) {
            for c in 0..<channels { out[i * channels + c] = background[c] }
        }
        let top = (side - height) / 2
        let left = (side - width) / 2
        let rowBytes = width * channels
        for r in 0..<height {
            let dst = ((top + r) * side + left) * channels
            out.replaceSubrange(dst..<(dst + rowBytes), with: pixels[(r * rowBytes)..<((r + 1) * rowBytes)])
        }
        return try Image(width: side, height: side, channels: channels, pixels: out)
    }
}
