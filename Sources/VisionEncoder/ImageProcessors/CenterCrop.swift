import GenCore

extension Image {
    /// transformers' `center_crop`: a `height × width` window centred with floor division, padded with zeros
    /// where the image is smaller than the window (the image then sits at `ceil(missing / 2)` from the top/left).
    public func centerCropped(height cropHeight: Int, width cropWidth: Int) throws -> Image {
        try PILResize.checkOutputSize(width: cropWidth, height: cropHeight, what: "crop size")
        if cropHeight == height && cropWidth == width { return self }
        let rows = Self.cropWindow(source: height, crop: cropHeight)
        let cols = Self.cropWindow(source: width, crop: cropWidth)
        var out = [UInt8](repeating: 0, count: cropHeight * cropWidth * channels)
        let rowBytes = cols.count * channels
        for r in 0..<rows.count {
            let srcStart = ((rows.sourceStart + r) * width + cols.sourceStart) * channels
            let dstStart = ((rows.destinationStart + r) * cropWidth + cols.destinationStart) * channels
            out.replaceSubrange(dstStart..<(dstStart + rowBytes), with: pixels[srcStart..<(srcStart + rowBytes)])
        }
        return try Image(width: cropWidth, height: cropHeight, channels: channels, pixels: out)
    }

    /// Where along one axis the copied span starts in source and destination, and how long it is.
    private static func cropWindow(source: Int, crop: Int) -> (sourceStart: Int, destinationStart: Int, count: Int) {
        if source >= crop {
            return ((source - crop) / 2, 0, crop)  // non-negative, so Swift's division equals Python's floor division
        }
        let missing = crop - source
        return (0, (missing + 1) / 2, source)
    }
}
