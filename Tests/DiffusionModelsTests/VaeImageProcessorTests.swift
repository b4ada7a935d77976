import GenCore
import Testing
@testable import DiffusionModels

/// diffusers 0.42.1 `VaeImageProcessor` (vae_scale_factor, do_resize=True, resample="lanczos") by hand-derived
/// expectations; the resize itself is Pillow-exact `PILResize` (checked against Pillow in GenCore's and
/// VisionEncoder's tests) and the whole path against diffusers in PipelineTests' `sd_img2img_resized`.
struct VaeImageProcessorTests {
    static func noise(width: Int, height: Int, channels: Int = 3) throws -> Image {
        let pixels = (0..<(width * height * channels)).map { (i: Int) -> UInt8 in UInt8((i * 73 + i / 7) % 256) }
        return try Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    @Test func mapsBytesToUnitRangeAndBack() throws {
        let image = try Image(width: 2, height: 1, channels: 3, pixels: [0, 128, 255, 10, 20, 30])
        let pixels = try VaeImageProcessor.preprocess([image])
        #expect(pixels.shape == [1, 3, 1, 2])
        #expect(pixels.floats[0] == -1 && pixels.floats[4] == 1)
        #expect(try VaeImageProcessor.postprocess(pixels) == [image])
    }

    /// get_default_height_width: `x - x % vae_scale_factor` per side.
    @Test func sidesRoundDownToTheScaleFactor() throws {
        #expect(VaeImageProcessor.defaultHeightWidth(of: try Self.noise(width: 70, height: 61), vaeScaleFactor: 8)
            == (56, 64))
        #expect(VaeImageProcessor.defaultHeightWidth(of: try Self.noise(width: 64, height: 16), vaeScaleFactor: 8)
            == (16, 64))
        #expect(VaeImageProcessor.defaultHeightWidth(of: try Self.noise(width: 7, height: 9), vaeScaleFactor: 8)
            == (8, 0))
    }

    @Test func anySizeIsResizedWithLanczos() throws {
        let image = try Self.noise(width: 70, height: 61)
        let pixels = try VaeImageProcessor.preprocess([image], vaeScaleFactor: 8)
        #expect(pixels.shape == [1, 3, 56, 64])
        let resized = try PILResize.resize(image, width: 64, height: 56, filter: .lanczos)
        #expect(pixels.floats == (try VaeImageProcessor.preprocess([resized]).floats))
        // A size that is already a multiple is left alone, as Pillow's resize returns a copy.
        #expect(try VaeImageProcessor.preprocess([resized], vaeScaleFactor: 8).floats
            == VaeImageProcessor.preprocess([resized]).floats)
        // Later images of a batch take the first image's size, as diffusers resizes them all to it.
        let batch = try VaeImageProcessor.preprocess([image, Self.noise(width: 20, height: 30)], vaeScaleFactor: 8)
        #expect(batch.shape == [2, 3, 56, 64])
    }

    @Test func grayResizesLikeItsRGBCopy() throws {
        let gray = try Self.noise(width: 27, height: 17, channels: 1)
        let fromGray = try VaeImageProcessor.preprocess([gray], vaeScaleFactor: 2)
        #expect(fromGray.shape == [1, 3, 16, 26])
        let fromRGB = try VaeImageProcessor.preprocess([gray.converted(toChannels: 3)], vaeScaleFactor: 2)
        #expect(fromGray.floats == fromRGB.floats)
    }

    @Test func imagesSmallerThanOneBlockThrow() throws {
        for (w, h) in [(7, 64), (64, 7), (1, 1)] {
            #expect(throws: DiffusionModelsError.self) {
                try VaeImageProcessor.preprocess([Self.noise(width: w, height: h)], vaeScaleFactor: 8)
            }
        }
        #expect(throws: DiffusionModelsError.self) { try VaeImageProcessor.preprocess([], vaeScaleFactor: 8) }
        // Without resizing, a batch must already share one size.
        #expect(throws: DiffusionModelsError.self) {
            try VaeImageProcessor.preprocess([Self.noise(width: 8, height: 8), Self.noise(width: 16, height: 8)])
        }
    }
}
