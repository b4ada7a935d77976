import Foundation
import GenCore
import Testing
import VisionEncoder

/// Reads `Fixtures/ImageProcessors/` (written by Tools/make_image_processor_fixtures.py from transformers 5.23's
/// PIL-backend processors and Pillow 13).
struct ImageProcessorFixtures {
    struct Case: Sendable, CustomTestStringConvertible {
        let name, image, resizedFile, sampleFile: String
        /// The case's `preprocessor_config.json` contents.
        let config: Data
        let resizedHeight, resizedWidth, sampleCount: Int
        let tensorShape: [Int]
        /// float64 sum and mean of transformers' whole tensor.
        let sum, mean: Double
        var testDescription: String { name }
    }

    /// A direct Pillow `Image.resize` of a stored image.
    struct ResizeCase: Sendable, CustomTestStringConvertible {
        let name, image, file: String
        let width, height, resample: Int
        var testDescription: String { name }
    }

    static let resizeCases: [ResizeCase] = (try? loadResizeCases()) ?? []

    static func loadResizeCases() throws -> [ResizeCase] {
        guard let list = try manifest()["resize_cases"] as? [[String: Any]] else { throw FixtureError.missing("resize_cases") }
        return try list.map { c in
            guard let name = c["name"] as? String, let image = c["image"] as? String, let width = c["width"] as? Int,
                  let height = c["height"] as? Int, let resample = c["resample"] as? Int, let file = c["file"] as? String
            else { throw FixtureError.missing("resize case fields") }
            return ResizeCase(name: name, image: image, file: file, width: width, height: height, resample: resample)
        }
    }

    static let directory: URL? = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?
        .appendingPathComponent("ImageProcessors")

    /// All cases in the manifest; empty if the manifest cannot be read (a separate test fails then).
    static let cases: [Case] = (try? loadCases()) ?? []

    static func manifest() throws -> [String: Any] {
        guard let directory else { throw FixtureError.missing("Fixtures/ImageProcessors") }
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError.missing("manifest.json object")
        }
        return json
    }

    static func loadCases() throws -> [Case] {
        guard let list = try manifest()["cases"] as? [[String: Any]] else { throw FixtureError.missing("cases") }
        return try list.map { c in
            guard let name = c["name"] as? String, let image = c["image"] as? String,
                  let config = c["config"], let resized = c["resized_file"] as? String,
                  let h = c["resized_height"] as? Int, let w = c["resized_width"] as? Int,
                  let shape = c["tensor_shape"] as? [Int], let sample = c["sample_file"] as? String,
                  let count = c["sample_count"] as? Int, let sum = c["sum"] as? Double, let mean = c["mean"] as? Double
            else { throw FixtureError.missing("case fields") }
            return Case(name: name, image: image, resizedFile: resized, sampleFile: sample,
                        config: try JSONSerialization.data(withJSONObject: config),
                        resizedHeight: h, resizedWidth: w, sampleCount: count, tensorShape: shape, sum: sum, mean: mean)
        }
    }

    static func bytes(_ file: String) throws -> [UInt8] {
        guard let directory else { throw FixtureError.missing("Fixtures/ImageProcessors") }
        return [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
    }

    static func image(named name: String) throws -> Image {
        guard let images = try manifest()["images"] as? [String: [String: Any]], let entry = images[name],
              let file = entry["file"] as? String, let width = entry["width"] as? Int,
              let height = entry["height"] as? Int, let channels = entry["channels"] as? Int
        else { throw FixtureError.missing("image \(name)") }
        return try Image(width: width, height: height, channels: channels, pixels: bytes(file))
    }

    /// Sample positions (flat indices into the tensor) and transformers' float32 values there.
    static func samples(_ c: Case) throws -> (indices: [Int], values: [Float]) {
        let raw = try bytes(c.sampleFile)
        guard raw.count == c.sampleCount * 8 else { throw FixtureError.missing("\(c.sampleFile) size") }
        var indices = [Int](), values = [Float]()
        for i in 0..<c.sampleCount {
            let idx = raw[(4 * i)..<(4 * i + 4)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
            let o = 4 * (c.sampleCount + i)
            let bits = raw[o..<(o + 4)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
            indices.append(Int(idx))
            values.append(Float(bitPattern: bits))
        }
        return (indices, values)
    }

    enum FixtureError: Error { case missing(String) }
}
