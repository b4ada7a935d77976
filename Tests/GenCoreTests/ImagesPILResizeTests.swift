import Testing
@testable import GenCore

/// `PILResize` checks that need no Pillow output: argument validation and a property every Pillow filter has.
/// The byte-for-byte comparison with Pillow 13 on photo pixels lives in VisionEncoderTests/PILResizeReferenceTests
/// beside the processor fixtures it reads.
@Suite struct ImagesPILResizeTests {
    @Test func resizeRejectsBadTargetsAndAlpha() throws {
        let rgb = try Image(width: 4, height: 4, channels: 3, pixels: [UInt8](repeating: 1, count: 48))
        #expect(throws: GenCoreError.self) { try PILResize.resize(rgb, width: 0, height: 2, filter: .bilinear) }
        let rgba = try Image(width: 4, height: 4, channels: 4, pixels: [UInt8](repeating: 1, count: 64))
        #expect(throws: GenCoreError.self) { try PILResize.resize(rgba, width: 2, height: 2, filter: .bilinear) }
    }

    /// Sizes from outside that would exhaust memory fail with a typed error instead.
    @Test func hugeOutputsAreRejected() throws {
        let tall = try Image(width: 1, height: 20_000, channels: 3, pixels: [UInt8](repeating: 0, count: 60_000))
        #expect(throws: GenCoreError.self) { try PILResize.resize(tall, width: 60_000, height: 60_000, filter: .nearest) }
    }

    @Test func constantImageStaysConstant() throws {
        // Normalised weights sum to 1 in fixed point, so a flat image must stay flat for every filter.
        let flat = try Image(width: 37, height: 23, channels: 3, pixels: [UInt8](repeating: 200, count: 37 * 23 * 3))
        for filter in PILResampling.allCases {
            for (w, h) in [(11, 7), (80, 50), (37, 9), (5, 23)] {
                let out = try PILResize.resize(flat, width: w, height: h, filter: filter)
                #expect(out.pixels.allSatisfy { $0 == 200 }, "\(filter) \(w)×\(h)")
            }
        }
    }

    @Test func sameSizeReturnsTheImage() throws {
        let image = try Image(width: 3, height: 2, channels: 1, pixels: [1, 2, 3, 4, 5, 6])
        #expect(try PILResize.resize(image, width: 3, height: 2, filter: .lanczos) == image)
    }
}
