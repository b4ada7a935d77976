import Testing
@testable import GenCore

@Suite struct ImagesEncodingTests {
    /// PNG is lossless: encode → decode must give back every byte, for each channel count.
    @Test func pngRoundTripIsExact() throws {
        for name in ["chelsea_gray.png", "chelsea_la.png", "chelsea_exif6.jpg", "chelsea_rgba.png"] {
            let image = try Image(contentsOfFile: ImageFixtures.path(name))
            let png = try image.pngData()
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(try Image.decode(png) == image, "\(name)")
        }
    }

    /// JPEG is lossy. Reference: the original pixels; tolerance PSNR > 30 dB at quality 90 (a broken encoder,
    /// e.g. swapped channels or wrong stride, lands far below 20 dB).
    @Test func jpegRoundTripIsClose() throws {
        for name in ["chelsea.jpg", "chelsea_gray.png", "chelsea_rgba.png"] {
            let image = try Image(contentsOfFile: ImageFixtures.path(name))
            let decoded = try Image.decode(image.jpegData(quality: 90))
            let opaque = try image.converted(toChannels: image.channels >= 3 ? 3 : 1)
            #expect([decoded.width, decoded.height, decoded.channels] as [Int] == [opaque.width, opaque.height, opaque.channels])
            let quality = psnr(decoded, opaque)
            #expect(quality > 30, "\(name): \(quality) dB")
        }
        let tiny = try Image(contentsOfFile: ImageFixtures.path("chelsea_exif8.jpg"))
        #expect(throws: GenCoreError.self) { try tiny.jpegData(quality: 0) }
        #expect(throws: GenCoreError.self) { try tiny.jpegData(quality: 101) }
    }
}
