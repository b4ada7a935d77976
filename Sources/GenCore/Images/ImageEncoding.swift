import CGenImageCodecs

extension Image {
    /// The image as a PNG file (8-bit, non-interlaced, all channels kept). Decoding it gives identical pixels.
    /// - Throws: ``GenCoreError/invalidImage(path:reason:)`` if libpng fails (e.g. out of memory).
    public func pngData() throws -> [UInt8] {
        try encode { pixels, out in gk_png_encode(pixels, Int32(width), Int32(height), Int32(channels), out) }
    }

    /// The image as a baseline JPEG (4:2:0 chroma for colour, libjpeg's standard tables scaled by `quality`).
    /// JPEG has no alpha: gray+alpha is written as gray and RGBA as RGB, with the alpha dropped, not composited.
    /// - Parameter quality: 1…100, as in PIL's `save(..., quality=)`; PIL's default is 75.
    /// - Throws: ``GenCoreError/invalidArgument(_:)`` for a quality outside 1…100,
    ///   ``GenCoreError/invalidImage(path:reason:)`` if libjpeg fails.
    public func jpegData(quality: Int = 75) throws -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw GenCoreError.invalidArgument("JPEG quality must be 1…100, got \(quality)")
        }
        let opaque = try converted(toChannels: channels >= 3 ? 3 : 1)
        return try opaque.encode { pixels, out in
            gk_jpeg_encode(pixels, Int32(width), Int32(height), Int32(opaque.channels), Int32(quality), out)
        }
    }

    private func encode(
        _ body: (UnsafePointer<UInt8>?, UnsafeMutablePointer<gk_encoded>) -> gk_image_status
    ) throws -> [UInt8] {
        guard width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw GenCoreError.invalidArgument("image \(width)×\(height) is too large to encode")
        }
        var encoded = gk_encoded()
        defer { gk_encoded_free(&encoded) }
        let status = pixels.withUnsafeBufferPointer { body($0.baseAddress, &encoded) }
        guard status == GK_IMAGE_OK else {
            throw GenCoreError.invalidImage(path: "<encoder>", reason: codecMessage(encoded.message))
        }
        return Array(UnsafeBufferPointer(start: encoded.data, count: encoded.size))
    }
}
