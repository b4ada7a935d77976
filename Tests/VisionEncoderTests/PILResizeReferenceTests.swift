import GenCore
import Testing
import VisionEncoder

/// `PILResize` against Pillow 13's `Image.resize` on real photo pixels (gray and RGB), every filter including
/// box and hamming, shrinking and overshooting upscales. Tolerance: at most 1 level off and mean |diff| ≤ 0.01;
/// all cases are currently bit-exact.
@Suite struct PILResizeReferenceTests {
    @Test func manifestListsEveryResizeCase() throws {
        #expect(try ImageProcessorFixtures.loadResizeCases().count == 10)
    }

    @Test(arguments: ImageProcessorFixtures.resizeCases)
    func matchesPillow(_ c: ImageProcessorFixtures.ResizeCase) throws {
        let filter = try #require(PILResampling(rawValue: c.resample))
        let source = try ImageProcessorFixtures.image(named: c.image)
        let out = try PILResize.resize(source, width: c.width, height: c.height, filter: filter)
        let expected = try ImageProcessorFixtures.bytes(c.file)
        #expect(out.width == c.width && out.height == c.height && out.channels == source.channels)
        try #require(out.pixels.count == expected.count)
        let diffs = zip(out.pixels, expected).map { abs(Int($0) - Int($1)) }
        let maxDiff = diffs.max() ?? 0
        let meanDiff = Double(diffs.reduce(0, +)) / Double(diffs.count)
        print("[\(c.name)] \(filter) \(c.width)x\(c.height): max \(maxDiff), mean \(meanDiff)\(maxDiff == 0 ? " (bit-exact)" : "")")
        #expect(maxDiff <= 1 && meanDiff <= 0.01, "\(c.name): max \(maxDiff), mean \(meanDiff)")
    }
}
