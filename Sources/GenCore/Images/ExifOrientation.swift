/// The EXIF orientation tag (0x0112): how a stored image must be flipped/rotated for display.
/// Raw values follow EXIF; each maps to the `PIL.Image.Transpose` that `ImageOps.exif_transpose` applies.
enum ExifOrientation: Int, Sendable {
    case up = 1, flipLeftRight, rotate180, flipTopBottom, transpose, rotate270, transverse, rotate90

    /// Finds the orientation like PIL's `Image.getexif()`: the IFD0 Orientation entry of the EXIF block (TIFF
    /// data, optionally prefixed by "Exif\0\0"); when the block has no such entry, the first
    /// `tiff:Orientation="N"` or `<tiff:Orientation>N` in the XMP packet. Malformed data or values outside 1…8
    /// mean `.up`, which leaves the image alone, as PIL does for unknown values.
    init(exif: [UInt8], xmp: [UInt8]) {
        let value = ExifOrientation.tiffOrientation(exif) ?? ExifOrientation.xmpOrientation(xmp) ?? 1
        self = ExifOrientation(rawValue: value) ?? .up
    }

    /// IFD0's Orientation value, or nil when the TIFF structure or the entry is absent or malformed.
    static func tiffOrientation(_ block: [UInt8]) -> Int? {
        let tiff = block.starts(with: Array("Exif\0\0".utf8)) ? Array(block.dropFirst(6)) : block
        guard tiff.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func read(_ offset: Int, _ size: Int) -> Int? {
            guard offset >= 0, size <= tiff.count, offset <= tiff.count - size else { return nil }
            var value = 0
            for i in 0..<size {
                let byte = Int(tiff[offset + (littleEndian ? size - 1 - i : i)])
                value = value << 8 | byte
            }
            return value
        }
        guard read(2, 2) == 42, let ifd = read(4, 4), let count = read(ifd, 2) else { return nil }
        for index in 0..<count {
            let entry = ifd + 2 + 12 * index
            guard let tag = read(entry, 2), let type = read(entry + 2, 2) else { return nil }
            guard tag == 0x0112 else { continue }
            switch type {
            case 3: return read(entry + 8, 2)  // SHORT, the type EXIF prescribes
            case 4: return read(entry + 8, 4)  // LONG, written by some tools
            default: return nil
            }
        }
        return nil
    }

    /// The digit after the first `tiff:Orientation="` or `tiff:Orientation>` (PIL's regex
    /// `tiff:Orientation(="|>)([0-9])`).
    static func xmpOrientation(_ xmp: [UInt8]) -> Int? {
        let key = Array("tiff:Orientation".utf8)
        guard xmp.count > key.count else { return nil }
        var start = 0
        while start + key.count < xmp.count {
            defer { start += 1 }
            guard xmp[start..<start + key.count].elementsEqual(key) else { continue }
            var i = start + key.count
            if xmp[i] == UInt8(ascii: "=") {
                i += 1
                guard i < xmp.count, xmp[i] == UInt8(ascii: "\"") else { continue }
            } else if xmp[i] != UInt8(ascii: ">") {
                continue
            }
            i += 1
            guard i < xmp.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(xmp[i]) else { continue }
            return Int(xmp[i] - UInt8(ascii: "0"))
        }
        return nil
    }
}

extension Image {
    /// The image as displayed under `orientation`: the same pixel moves as PIL's `Image.transpose`.
    func transposed(for orientation: ExifOrientation) -> Image {
        let (w, h) = (width, height)
        // Output pixel (x, y) comes from input pixel index `origin + x·stepX + y·stepY`.
        let (origin, stepX, stepY): (Int, Int, Int)
        switch orientation {
        case .up: return self
        case .flipLeftRight: (origin, stepX, stepY) = (w - 1, -1, w)
        case .rotate180: (origin, stepX, stepY) = ((h - 1) * w + w - 1, -1, -w)
        case .flipTopBottom: (origin, stepX, stepY) = ((h - 1) * w, 1, -w)
        case .transpose: (origin, stepX, stepY) = (0, w, 1)
        case .rotate270: (origin, stepX, stepY) = ((h - 1) * w, -w, 1)
        case .transverse: (origin, stepX, stepY) = ((h - 1) * w + w - 1, -w, -1)
        case .rotate90: (origin, stepX, stepY) = (w - 1, w, -1)
        }
        let swapsAxes = orientation.rawValue >= ExifOrientation.transpose.rawValue
        let (outW, outH) = swapsAxes ? (h, w) : (w, h)
        let c = channels
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var d = 0
                for y in 0..<outH {
                    var s = origin + y * stepY
                    for _ in 0..<outW {
                        for k in 0..<c { dst[d + k] = src[s * c + k] }
                        d += c
                        s += stepX
                    }
                }
            }
        }
        return Image(validatedWidth: outW, height: outH, channels: c, pixels: out)
    }

    /// Wraps pixels whose geometry the caller has already established (internal transforms of a valid image).
    init(validatedWidth width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && (1...4).contains(channels) && pixels.count == width * height * channels)
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}
