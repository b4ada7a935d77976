import CGenImageCodecs
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Image {
    /// The largest `width × height` that ``decode(_:path:pixelLimit:)`` accepts by default: 178,956,970 pixels,
    /// PIL's decompression-bomb error threshold (`2 × Image.MAX_IMAGE_PIXELS`, which PIL raises above rather
    /// than merely warning). Pass a larger `pixelLimit` to read bigger images on purpose.
    public static let defaultPixelLimit = 2 * 89_478_485

    /// Decodes a JPEG or PNG (chosen by its magic bytes) into the pixels PIL gives for the same file after
    /// `ImageOps.exif_transpose`, which transformers' `load_image` applies.
    ///
    /// Channels follow the file: gray → 1, gray+alpha → 2, RGB/YCbCr/CMYK → 3, RGBA → 4, palette → 3, or 4 when it
    /// has transparency. Values equal PIL's exactly: JPEG uses the islow IDCT with fancy upsampling, CMYK JPEGs are
    /// read with Adobe (inverted) polarity and converted with PIL's CMYK→RGB formula, 16-bit PNGs keep the high
    /// byte except 16-bit gray, which PIL clips to 255. Use ``converted(toChannels:)`` for `convert("RGB")`.
    /// The EXIF orientation (JPEG APP1, PNG eXIf) or, without one, an XMP `tiff:Orientation` is applied.
    ///
    /// Known differences from PIL, all on damaged or unusual files: a PNG whose IDAT CRC is wrong is refused (PIL
    /// reads it), and EXIF hidden in a PNG "Raw profile type exif" text chunk is not looked at.
    ///
    /// - Parameters:
    ///   - path: names the source in error messages.
    ///   - pixelLimit: images with more than this many pixels are refused after reading the header, before any
    ///     pixel memory is allocated.
    /// - Throws: ``GenCoreError/invalidImage(path:reason:)`` for data that is not a complete JPEG or PNG
    ///   (truncated files included: PIL raises "image file is truncated" for those too),
    ///   ``GenCoreError/imageTooLarge(path:width:height:limit:)`` above `pixelLimit`,
    ///   ``GenCoreError/invalidArgument(_:)`` for a negative `pixelLimit`.
    public static func decode(
        _ bytes: [UInt8], path: String = "<memory>", pixelLimit: Int = defaultPixelLimit
    ) throws -> Image {
        try bytes.withUnsafeBytes { try decode(buffer: $0, path: path, pixelLimit: pixelLimit) }
    }

    /// Decodes a JPEG or PNG held in `data`, like the `[UInt8]` overload of `decode`.
    public static func decode(
        _ data: Data, path: String = "<memory>", pixelLimit: Int = defaultPixelLimit
    ) throws -> Image {
        try data.withUnsafeBytes { try decode(buffer: $0, path: path, pixelLimit: pixelLimit) }
    }

    /// Reads and decodes a JPEG or PNG file, like the `[UInt8]` overload of `decode`.
    /// - Throws: ``GenCoreError/io(path:reason:)`` when the file cannot be read, else as `decode`.
    public init(contentsOfFile path: String, pixelLimit: Int = Image.defaultPixelLimit) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path)
                ? "cannot read the file (\(error))" : "no such file"
            throw GenCoreError.io(path: path, reason: reason)
        }
        self = try Image.decode(data, path: path, pixelLimit: pixelLimit)
    }

    private static func decode(buffer: UnsafeRawBufferPointer, path: String, pixelLimit: Int) throws -> Image {
        guard pixelLimit >= 0 else {
            throw GenCoreError.invalidArgument("pixelLimit must be ≥ 0, got \(pixelLimit)")
        }
        let bytes = buffer.bindMemory(to: UInt8.self)
        let decoder: (UnsafePointer<UInt8>?, Int, UInt64, UnsafeMutablePointer<gk_image>?) -> gk_image_status
        switch ImageFormat(magic: bytes) {
        case .jpeg: decoder = gk_jpeg_decode
        case .png: decoder = gk_png_decode
        case .unsupported(let what):
            throw GenCoreError.invalidImage(path: path, reason: "not a JPEG or PNG (\(what))")
        }
        var raw = gk_image()
        defer { gk_image_free(&raw) }
        let status = decoder(bytes.baseAddress, bytes.count, UInt64(pixelLimit), &raw)
        switch status {
        case GK_IMAGE_OK: break
        case GK_IMAGE_TOO_LARGE:
            throw GenCoreError.imageTooLarge(path: path, width: Int(raw.width), height: Int(raw.height), limit: pixelLimit)
        default:
            throw GenCoreError.invalidImage(path: path, reason: codecMessage(raw.message))
        }
        let count = Int(raw.width) * Int(raw.height) * Int(raw.channels)
        let pixels = Array(UnsafeBufferPointer(start: raw.pixels, count: count))
        let image = try Image(width: Int(raw.width), height: Int(raw.height), channels: Int(raw.channels), pixels: pixels)
        let exif = Array(UnsafeBufferPointer(start: raw.exif, count: raw.exif_size))
        let xmp = Array(UnsafeBufferPointer(start: raw.xmp, count: raw.xmp_size))
        return image.transposed(for: ExifOrientation(exif: exif, xmp: xmp))
    }
}

/// The message a C codec wrote into its fixed-size, NUL-terminated buffer.
func codecMessage<T>(_ buffer: T) -> String {
    withUnsafeBytes(of: buffer) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}

/// Which decoder a byte stream needs, from its first bytes.
enum ImageFormat: Equatable {
    case jpeg, png
    /// Not decodable; the payload says what it looks like, for the error message.
    case unsupported(String)

    init(magic bytes: UnsafeBufferPointer<UInt8>) {
        func starts(_ prefix: [UInt8]) -> Bool { bytes.count >= prefix.count && zip(bytes, prefix).allSatisfy { $0 == $1 } }
        if starts([0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if bytes.isEmpty {
            self = .unsupported("the data is empty")
        } else if starts(Array("GIF8".utf8)) {
            self = .unsupported("it is a GIF; convert it to PNG")
        } else if starts(Array("RIFF".utf8)), bytes.count >= 12, Array(bytes[8..<12]) == Array("WEBP".utf8) {
            self = .unsupported("it is a WebP; convert it to PNG or JPEG")
        } else if starts(Array("BM".utf8)) {
            self = .unsupported("it looks like a BMP; convert it to PNG")
        } else if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) {
            self = .unsupported("it is a TIFF; convert it to PNG")
        } else {
            self = .unsupported("unrecognised leading bytes")
        }
    }
}
