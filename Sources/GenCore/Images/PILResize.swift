/// Pillow-exact `Image.resize((width, height), resample=filter)` for 8-bit images with 1 or 3 channels.
///
/// Convolution filters run Pillow's two separable passes with its 22-bit fixed-point weights. Pillow 13 runs the
/// vertical pass first when the height shrinks by more than twice as many pixels as the width does, otherwise the
/// horizontal pass first; the byte rounding between passes makes that order visible in the output, so it is kept.
/// An axis whose size does not change is not resampled at all. `nearest` follows Pillow's affine scale path, which
/// steps through source coordinates by repeated addition. Pillow's `box` and `reducing_gap` are not offered:
/// transformers' image processors and diffusers' `VaeImageProcessor` (by default) never pass them.
public enum PILResize {
    /// Resizes `image` to `width × height` with `filter`.
    ///
    /// Throws ``GenCoreError/invalidArgument(_:)`` for target sizes outside `1...65536` per side or above 2²⁷
    /// pixels, and for images with an alpha channel (Pillow resizes those in premultiplied form, which this
    /// implementation does not reproduce; convert to RGB first).
    public static func resize(_ image: Image, width: Int, height: Int, filter: PILResampling) throws -> Image {
        try checkOutputSize(width: width, height: height, what: "resize target")
        guard image.channels == 1 || image.channels == 3 else {
            throw GenCoreError.invalidArgument(
                "PIL-exact resize takes gray or RGB images; this one has \(image.channels) channels "
                    + "(Pillow premultiplies alpha before resizing — convert to RGB first)")
        }
        if width == image.width && height == image.height { return image }
        let pixels: [UInt8]
        if filter == .nearest {
            pixels = nearest(image, width: width, height: height)
        } else {
            pixels = convolve(image, width: width, height: height, filter: filter)
        }
        return try Image(width: width, height: height, channels: image.channels, pixels: pixels)
    }

    /// Largest output side we accept; keeps coefficient tables and buffers within reason.
    package static let maxDimension = 1 << 16
    /// Largest output area we accept (about 400 MB as RGB), so a hostile size fails cleanly instead of exhausting
    /// memory.
    static let maxPixels = 1 << 27

    /// Throws unless `width × height` is a size we are willing to allocate for an output.
    package static func checkOutputSize(width: Int, height: Int, what: String) throws {
        guard width > 0, height > 0, width <= maxDimension, height <= maxDimension, width * height <= maxPixels else {
            throw GenCoreError.invalidArgument(
                "\(what) \(width)×\(height) must be at least 1×1, at most \(maxDimension) per side and "
                    + "\(maxPixels) pixels in all")
        }
    }

    // MARK: Convolution filters

    private static func convolve(_ image: Image, width: Int, height: Int, filter: PILResampling) -> [UInt8] {
        let needHorizontal = width != image.width
        let needVertical = height != image.height
        let shrinkY = image.height - height
        let horizontalFirst = !(shrinkY > 0 && shrinkY > (image.width - width) * 2)
        let channels = image.channels

        if horizontalFirst {
            guard needHorizontal else {
                let v = PILResampleCoefficients(inSize: image.height, outSize: height, filter: filter)
                return verticalPass(image.pixels, rowLength: image.width * channels, rowOffset: 0, coefficients: v)
            }
            let h = PILResampleCoefficients(inSize: image.width, outSize: width, filter: filter)
            guard needVertical else {
                return horizontalPass(image.pixels, width: image.width, channels: channels,
                                      rows: 0..<image.height, coefficients: h)
            }
            let v = PILResampleCoefficients(inSize: image.height, outSize: height, filter: filter)
            // Only the source rows the vertical pass will read need the horizontal pass.
            let firstRow = v.start[0]
            let lastRow = v.start[height - 1] + v.count[height - 1]
            let temp = horizontalPass(image.pixels, width: image.width, channels: channels,
                                      rows: firstRow..<lastRow, coefficients: h)
            return verticalPass(temp, rowLength: width * channels, rowOffset: firstRow, coefficients: v)
        } else {
            // needVertical is implied: the height shrinks.
            let v = PILResampleCoefficients(inSize: image.height, outSize: height, filter: filter)
            let temp = verticalPass(image.pixels, rowLength: image.width * channels, rowOffset: 0, coefficients: v)
            guard needHorizontal else { return temp }
            let h = PILResampleCoefficients(inSize: image.width, outSize: width, filter: filter)
            return horizontalPass(temp, width: image.width, channels: channels, rows: 0..<height, coefficients: h)
        }
    }

    /// Resamples each row in `rows` of an interleaved `width × channels` image along x.
    ///
    /// Each row is first split into one `Int16` plane per channel (zero-padded past the end) so that every output
    /// sample is a contiguous dot product, computed on the split weights so the compiler can use 16-bit SIMD
    /// multiply-adds; the result equals Pillow's 32-bit integer sum exactly.
    private static func horizontalPass(
        _ source: [UInt8], width: Int, channels: Int, rows: Range<Int>, coefficients: PILResampleCoefficients
    ) -> [UInt8] {
        let outWidth = coefficients.start.count
        let stride = coefficients.stride
        let planeLength = width + stride
        var output = [UInt8](repeating: 0, count: rows.count * outWidth * channels)
        var planes = [Int16](repeating: 0, count: planeLength * channels)
        source.withUnsafeBufferPointer { src in
        output.withUnsafeMutableBufferPointer { dst in
        planes.withUnsafeMutableBufferPointer { planeBuffer in
        coefficients.weightsHigh.withUnsafeBufferPointer { high in
        coefficients.weightsLow.withUnsafeBufferPointer { low in
        coefficients.start.withUnsafeBufferPointer { start in
        coefficients.paddedCount.withUnsafeBufferPointer { count in
            guard let srcBase = src.baseAddress, let dstBase = dst.baseAddress, let planeBase = planeBuffer.baseAddress,
                  let highBase = high.baseAddress, let lowBase = low.baseAddress
            else { return }
            for (outRow, row) in rows.enumerated() {
                let line = srcBase + row * width * channels
                if channels == 3 {
                    // One pass over the row: the compiler turns the stride-3 loads into vector shuffles.
                    let p0 = planeBase, p1 = planeBase + planeLength, p2 = planeBase + 2 * planeLength
                    for x in 0..<width {
                        p0[x] = Int16(line[3 * x])
                        p1[x] = Int16(line[3 * x + 1])
                        p2[x] = Int16(line[3 * x + 2])
                    }
                } else {
                    for c in 0..<channels {
                        let plane = planeBase + c * planeLength
                        for x in 0..<width { plane[x] = Int16(line[x * channels + c]) }
                    }
                }
                let outLine = dstBase + outRow * outWidth * channels
                for c in 0..<channels {
                    let plane = UnsafePointer(planeBase + c * planeLength)
                    for x in 0..<outWidth {
                        let sum = splitDot(plane + start[x], highBase + x * stride, lowBase + x * stride, count: count[x])
                        outLine[x * channels + c] = PILResampleCoefficients.clip8(
                            sum &+ PILResampleCoefficients.roundingHalf)
                    }
                }
            }
        }}}}}}}
        return output
    }

    /// `Σ a·(high·2¹¹ + low)` over `count` samples with wrapping 32-bit arithmetic, like Pillow's C `int` sum.
    @inline(__always)
    private static func splitDot(
        _ a: UnsafePointer<Int16>, _ high: UnsafePointer<Int16>, _ low: UnsafePointer<Int16>, count: Int
    ) -> Int32 {
        var sumHigh: Int32 = 0
        var sumLow: Int32 = 0
        for i in 0..<count {
            let v = Int32(a[i])
            sumHigh &+= v &* Int32(high[i])
            sumLow &+= v &* Int32(low[i])
        }
        return sumHigh &<< PILResampleCoefficients.splitBits &+ sumLow
    }

    /// Resamples along y. `rowOffset` is the source row that `source`'s first row stands for (the horizontal pass
    /// may have produced only the rows this pass reads).
    private static func verticalPass(
        _ source: [UInt8], rowLength: Int, rowOffset: Int, coefficients: PILResampleCoefficients
    ) -> [UInt8] {
        let outHeight = coefficients.start.count
        var output = [UInt8](repeating: 0, count: outHeight * rowLength)
        var accumulator = [Int32](repeating: 0, count: rowLength)
        source.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                accumulator.withUnsafeMutableBufferPointer { acc in
                    guard let srcBase = src.baseAddress, let dstBase = dst.baseAddress, let accBase = acc.baseAddress
                    else { return }
                    for y in 0..<outHeight {
                        accBase.update(repeating: PILResampleCoefficients.roundingHalf, count: rowLength)
                        let first = coefficients.start[y] - rowOffset
                        for t in 0..<coefficients.count[y] {
                            let w = coefficients.weights[y * coefficients.stride + t]
                            let line = srcBase + (first + t) * rowLength
                            for i in 0..<rowLength { accBase[i] &+= Int32(line[i]) &* w }
                        }
                        let outLine = dstBase + y * rowLength
                        for i in 0..<rowLength { outLine[i] = PILResampleCoefficients.clip8(accBase[i]) }
                    }
                }
            }
        }
        return output
    }

    // MARK: Nearest

    /// Pillow's NEAREST resize: an affine scale whose source coordinate starts at half a step and advances by
    /// repeated double-precision addition, truncated to an index. Samples that land outside the image are zero.
    private static func nearest(_ image: Image, width: Int, height: Int) -> [UInt8] {
        let channels = image.channels
        let xs = nearestIndices(inSize: image.width, outSize: width)
        let ys = nearestIndices(inSize: image.height, outSize: height)
        var output = [UInt8](repeating: 0, count: width * height * channels)
        image.pixels.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                guard let srcBase = src.baseAddress, let dstBase = dst.baseAddress else { return }
                for (y, sy) in ys.enumerated() where sy >= 0 {
                    let line = srcBase + sy * image.width * channels
                    let outLine = dstBase + y * width * channels
                    for (x, sx) in xs.enumerated() where sx >= 0 {
                        for c in 0..<channels { outLine[x * channels + c] = line[sx * channels + c] }
                    }
                }
            }
        }
        return output
    }

    /// Source index per output index, or -1 where Pillow would leave the pixel at zero.
    private static func nearestIndices(inSize: Int, outSize: Int) -> [Int] {
        let step = Double(Float(inSize)) / Double(outSize)
        var position = step * 0.5
        var indices = [Int](repeating: -1, count: outSize)
        for i in 0..<outSize {
            let index = position < 0 ? -1 : Int(position)
            if index >= 0 && index < inSize { indices[i] = index }
            position += step
        }
        return indices
    }
}
