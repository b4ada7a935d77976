import Foundation
import Testing
@testable import GenCore

/// Reference: PIL 13 `Image.open` → `ImageOps.exif_transpose` → `convert(mode)` (transformers' load_image path),
/// digests in Fixtures/Images/manifest.json. Tolerance: none — every byte must match.
@Suite struct ImagesDecodingTests {
    @Test func everyFixtureDecodesToPILsPixels() throws {
        let manifest = try ImageFixtures.manifest()
        #expect(manifest.files.count == 36)
        for entry in manifest.files {
            let image = try Image(contentsOfFile: ImageFixtures.path(entry.file))
            #expect(
                [image.width, image.height, image.channels] as [Int] == [entry.width, entry.height, entry.channels],
                "\(entry.file) (\(entry.note)) geometry")
            #expect(channelSums(image) == entry.natural.channelSums, "\(entry.file) (\(entry.note)) channel sums")
            #expect(sha256Hex(image.pixels) == entry.natural.sha256, "\(entry.file) (\(entry.note)) pixels")

            if image.channels == 3 {  // converted(toChannels: 3) is the identity; PIL's RGB must be the same bytes
                #expect(entry.rgb.sha256 == entry.natural.sha256, "\(entry.file) convert(\"RGB\") pixels")
            } else {
                let rgb = try image.converted(toChannels: 3)
                #expect(channelSums(rgb) == entry.rgb.channelSums, "\(entry.file) convert(\"RGB\") channel sums")
                #expect(sha256Hex(rgb.pixels) == entry.rgb.sha256, "\(entry.file) convert(\"RGB\") pixels")
            }
            let gray = try image.converted(toChannels: 1)
            #expect(sha256Hex(gray.pixels) == entry.gray.sha256, "\(entry.file) convert(\"L\") pixels")
        }
    }

    /// The raw references say where a mismatch is, which a digest cannot.
    @Test func rawReferencesMatchPixelForPixel() throws {
        let raws = try ImageFixtures.manifest().files.filter { $0.raw != nil }
        #expect(raws.count == 3)
        for entry in raws {
            let image = try Image.decode(ImageFixtures.bytes(entry.file), path: entry.file)
            let expected = try ImageFixtures.bytes(entry.raw ?? "")
            try #require(image.pixels.count == expected.count, "\(entry.file) size")
            if let i = expected.indices.first(where: { image.pixels[$0] != expected[$0] }) {
                let c = entry.channels, x = (i / c) % entry.width, y = i / c / entry.width
                Issue.record("\(entry.file): first difference at x=\(x) y=\(y) channel \(i % c): got \(image.pixels[i]), PIL \(expected[i])")
            }
        }
    }

    @Test func dataAndArrayOverloadsAgree() throws {
        let bytes = try ImageFixtures.bytes("chelsea_exif6.jpg")
        let fromData = try Image.decode(Data(bytes))
        let fromArray = try Image.decode(bytes)
        #expect(fromData == fromArray)
    }

    @Test func orientationParsing() {
        // Big-endian TIFF, Orientation as SHORT 8.
        let mm: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(ExifOrientation.tiffOrientation(mm) == 8)
        #expect(ExifOrientation.tiffOrientation(Array("Exif\0\0".utf8) + mm) == 8)
        // Little-endian, Orientation written as LONG 6.
        let ii: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 4, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]
        #expect(ExifOrientation.tiffOrientation(ii) == 6)
        // IFD offset past the end, truncated entry, wrong magic: no orientation, no crash.
        #expect(ExifOrientation.tiffOrientation([0x49, 0x49, 42, 0, 0xFF, 0xFF, 0, 0]) == nil)
        #expect(ExifOrientation.tiffOrientation(Array(ii.prefix(14))) == nil)
        #expect(ExifOrientation.tiffOrientation([0x49, 0x49, 43, 0, 8, 0, 0, 0]) == nil)
        #expect(ExifOrientation(exif: ii, xmp: []) == .rotate270)
        // XMP, both spellings PIL's regex accepts; an EXIF entry takes precedence.
        #expect(ExifOrientation.xmpOrientation(Array("<r tiff:Orientation=\"3\"/>".utf8)) == 3)
        #expect(ExifOrientation.xmpOrientation(Array("<tiff:Orientation>5</tiff:Orientation>".utf8)) == 5)
        #expect(ExifOrientation.xmpOrientation(Array("tiff:Orientation=".utf8)) == nil)
        #expect(ExifOrientation(exif: mm, xmp: Array("tiff:Orientation=\"3\"".utf8)) == .rotate90)
        #expect(ExifOrientation(exif: [], xmp: Array("tiff:Orientation=\"9\"".utf8)) == .up)
    }

    @Test func conversionsFollowPIL() throws {
        let la = try Image(width: 2, height: 1, channels: 2, pixels: [10, 20, 200, 0])
        #expect(try la.converted(toChannels: 3).pixels == [10, 10, 10, 200, 200, 200])
        #expect(try la.converted(toChannels: 4).pixels == [10, 10, 10, 20, 200, 200, 200, 0])
        let rgba = try Image(width: 1, height: 1, channels: 4, pixels: [255, 0, 0, 7])
        #expect(try rgba.converted(toChannels: 3).pixels == [255, 0, 0])
        #expect(try rgba.converted(toChannels: 2).pixels == [76, 7])  // PIL: Image.new("RGBA",(1,1),(255,0,0,7)).convert("LA")
        #expect(throws: GenCoreError.self) { try rgba.converted(toChannels: 5) }
    }
}
