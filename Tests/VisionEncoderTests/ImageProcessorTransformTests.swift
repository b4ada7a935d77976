import GenCore
import Testing
import VisionEncoder

/// Geometry and colour steps checked against hand-derived expectations of transformers / Pillow behaviour.
@Suite struct ImageProcessorTransformTests {
    @Test func shortestEdgeTruncatesLikeTransformers() {
        // get_resize_output_image_size: int(224 * 451 / 300) = int(336.7466…) = 336.
        #expect(ImageProcessorSize.shortestEdge(224).outputSize(height: 300, width: 451) == (224, 336))
        #expect(ImageProcessorSize.shortestEdge(224).outputSize(height: 451, width: 300) == (336, 224))
        #expect(ImageProcessorSize.shortestEdge(224).outputSize(height: 100, width: 100) == (224, 224))
        // get_size_with_aspect_ratio: 800·(1333/800) > 1000 → raw = 1000·800/1333 = 600.15 → 600 × int(600.15·1333/800)=1000.
        #expect(ImageProcessorSize.shortestEdgeBounded(shortestEdge: 800, longestEdge: 1000)
            .outputSize(height: 800, width: 1333) == (600, 1000))
        #expect(ImageProcessorSize.fitting(maxHeight: 50, maxWidth: 50).outputSize(height: 100, width: 200) == (25, 50))
    }

    @Test func rgbaCompositesOverWhite() throws {
        // Pillow's alpha_composite over opaque white: alpha 0 → white, 255 → unchanged, 128 on 0 → 127.
        let rgba = try Image(width: 3, height: 1, channels: 4, pixels: [10, 20, 30, 0, 10, 20, 30, 255, 0, 0, 0, 128])
        let rgb = try rgba.convertedToRGB()
        #expect(rgb.pixels == [255, 255, 255, 10, 20, 30, 127, 127, 127])
        let la = try Image(width: 1, height: 1, channels: 2, pixels: [200, 64])
        #expect(try la.convertedToRGB().pixels == [241, 241, 241])  // PIL: LA→RGBA, composite → 241
        let gray = try Image(width: 2, height: 1, channels: 1, pixels: [7, 9])
        #expect(try gray.convertedToRGB().pixels == [7, 7, 7, 9, 9, 9])
    }

    @Test func centerCropPadsSmallImages() throws {
        // 1×3 image cropped to 3×2: rows padded ceil(2/2)=1 on top; columns start at floor((3-2)/2)=0.
        let image = try Image(width: 3, height: 1, channels: 1, pixels: [1, 2, 3])
        let cropped = try image.centerCropped(height: 3, width: 2)
        #expect(cropped.pixels == [0, 0, 1, 2, 0, 0])
        #expect(throws: GenCoreError.self) { try image.centerCropped(height: 0, width: 2) }
    }

    @Test func padToSquareCentresWithBackground() throws {
        let image = try Image(width: 1, height: 3, channels: 1, pixels: [1, 2, 3])
        #expect(try image.paddedToSquare(background: [9]).pixels == [9, 1, 9, 9, 2, 9, 9, 3, 9])
    }

    @Test func batchOfMixedSizesNeedsCropOrPad() throws {
        var config = ImageProcessorConfig(defaultsFor: .vit)
        config.size = .shortestEdge(8)
        let a = try Image(width: 16, height: 8, channels: 3, pixels: [UInt8](repeating: 0, count: 16 * 8 * 3))
        let b = try Image(width: 8, height: 8, channels: 3, pixels: [UInt8](repeating: 0, count: 8 * 8 * 3))
        #expect(throws: VisionEncoderError.self) { try ImageProcessor(config: config).preprocess([a, b]) }
        config.doPad = true
        let padded = try ImageProcessor(config: config).preprocess([a, b])
        #expect(padded.shape == [2, 3, 8, 16])
        // Padding is zero in normalised units; real pixels (0 → (0 − 0.5)/0.5) are −1.
        let v = padded.floats
        #expect(v[3 * 8 * 16 + 15] == 0 && v[3 * 8 * 16] == -1)
        let gray = try Image(width: 8, height: 8, channels: 1, pixels: [UInt8](repeating: 0, count: 64))
        #expect(throws: VisionEncoderError.self) { try ImageProcessor(config: config).preprocess([gray]) }
    }
}

/// Sizes from outside that would exhaust memory fail with typed errors instead.
@Suite struct ImageProcessorLimitTests {
    @Test func hugeOutputsAreRejected() throws {
        let tall = try Image(width: 1, height: 20_000, channels: 3, pixels: [UInt8](repeating: 0, count: 60_000))
        #expect(throws: GenCoreError.self) { try tall.paddedToSquare(background: [0, 0, 0]) }
        #expect(throws: GenCoreError.self) { try tall.centerCropped(height: 60_000, width: 60_000) }
    }
}
