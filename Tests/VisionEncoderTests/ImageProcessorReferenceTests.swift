import Foundation
import GenCore
import Testing
import VisionEncoder

/// Compares our processors with transformers 5.23's PIL-backend processors on real photos
/// (Tools/make_image_processor_fixtures.py). Tolerances: resized bytes at most 1 level off anywhere and mean
/// absolute difference ≤ 0.01 (all current cases are bit-exact); normalised values within 1e-5 wherever the byte
/// matches; tensor mean within 1e-6 plus what the differing bytes can explain.
@Suite struct ImageProcessorReferenceTests {
    @Test func manifestListsEveryCase() throws {
        let cases = try ImageProcessorFixtures.loadCases()
        #expect(cases.count == 14)
    }

    @Test(arguments: ImageProcessorFixtures.cases)
    func matchesTransformers(_ c: ImageProcessorFixtures.Case) throws {
        let config = try ImageProcessorConfig(jsonData: c.config, path: c.name)
        let processor = try ImageProcessor(config: config)
        let input = try ImageProcessorFixtures.image(named: c.image)

        // Stage 1: the uint8 image after (pad,) resize and crop.
        let resized = try processor.resizedPixels(input)
        let expected = try ImageProcessorFixtures.bytes(c.resizedFile)
        #expect(resized.height == c.resizedHeight && resized.width == c.resizedWidth && resized.channels == 3)
        try #require(resized.pixels.count == expected.count)
        var maxDiff = 0, totalDiff = 0, differing = 0
        for (a, b) in zip(resized.pixels, expected) {
            let d = abs(Int(a) - Int(b))
            maxDiff = max(maxDiff, d)
            totalDiff += d
            if d != 0 { differing += 1 }
        }
        let meanDiff = Double(totalDiff) / Double(expected.count)
        print("[\(c.name)] resized \(c.resizedHeight)x\(c.resizedWidth): \(differing) of \(expected.count) bytes differ, "
            + "max \(maxDiff), mean \(meanDiff)\(differing == 0 ? " (bit-exact)" : "")")
        #expect(maxDiff <= 1, "\(c.name): max byte difference \(maxDiff)")
        #expect(meanDiff <= 0.01, "\(c.name): mean byte difference \(meanDiff)")

        // Stage 2: the normalised float32 tensor.
        let tensor = try processor.preprocess([input])
        #expect(tensor.shape == c.tensorShape)
        let values = tensor.floats
        let (indices, reference) = try ImageProcessorFixtures.samples(c)
        let plane = c.resizedHeight * c.resizedWidth
        var worst: Float = 0
        for (i, ref) in zip(indices, reference) {
            let channel = i / plane, y = (i % plane) / c.resizedWidth, x = i % c.resizedWidth
            let p = (y * c.resizedWidth + x) * 3 + channel
            guard resized.pixels[p] == expected[p] else { continue }
            worst = max(worst, abs(values[i] - ref))
        }
        #expect(worst <= 1e-5, "\(c.name): normalised value off by \(worst)")
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        // One byte level moves a value by at most 1/(255·min std) ≈ 0.0152.
        let allowance = 1e-6 + Double(totalDiff) * 0.0152 / Double(values.count)
        #expect(abs(mean - c.mean) <= allowance, "\(c.name): mean \(mean) vs \(c.mean)")
    }
}

/// A batch is the per-image results stacked along N (transformers processes batch images independently).
@Suite struct ImageProcessorBatchTests {
    @Test func batchStacksSingleImageResults() throws {
        let processor = try ImageProcessor(config: ImageProcessorConfig(defaultsFor: .clip))
        let a = try ImageProcessorFixtures.image(named: "chelsea_gray")
        let b = try ImageProcessorFixtures.image(named: "astronaut_rgba")
        let batch = try processor.preprocess([a, b])
        #expect(batch.shape == [2, 3, 224, 224])
        let single = try processor.preprocess([a]).floats + processor.preprocess([b]).floats
        #expect(batch.floats == single)
    }
}
