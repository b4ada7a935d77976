import Foundation
import GenCore
import Testing
@testable import VisionEncoder

/// Parity of the image towers with transformers 5.23 on tiny random-weight models (Tools/make_vision_fixtures.py):
/// real photos (scikit-image's chelsea, astronaut, coffee) go in as pixel values; last hidden state, pooled output
/// and every hidden state must match within 1e-4 absolute (the issue's bound).
@Suite struct VisionEncoderModelTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("Encoders")

    struct Case: CustomStringConvertible, Sendable {
        let name: String
        var description: String { name }
    }

    static let cases = ["vit", "clip", "siglip"].map(Case.init)

    func maxAbsDiff(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.floats, b.floats).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    @Test(arguments: cases) func matchesTransformers(_ c: Case) throws {
        let dir = Self.fixtures.appendingPathComponent(c.name).path
        let encoder = try VisionModelLoader.load(directory: dir)
        let expected = try SafetensorsFile(path: dir + "/expected.safetensors")
        let pixels = try expected.tensor("pixel_values")
        let out = try encoder.encode(pixelValues: pixels, outputHiddenStates: true)

        let last = try expected.tensor("last_hidden_state")
        #expect(out.lastHiddenState.shape == last.shape)
        #expect(maxAbsDiff(out.lastHiddenState, last) <= 1e-4)

        let pooled = try expected.tensor("pooler_output")
        let ours = try #require(out.pooledOutput)
        #expect(ours.shape == pooled.shape)
        #expect(maxAbsDiff(ours, pooled) <= 1e-4)

        let layers = expected.names.filter { $0.hasPrefix("hidden_states.") }.count
        #expect(out.hiddenStates.count == layers)
        for i in 0..<min(layers, out.hiddenStates.count) {
            #expect(maxAbsDiff(out.hiddenStates[i], try expected.tensor("hidden_states.\(i)")) <= 1e-4, "hidden state \(i)")
        }
    }

    /// `hiddenStates(through:)` runs only the layers it returns, and they are the states a full pass gives.
    @Test(arguments: cases) func hiddenStatesStopAtTheLayerAskedFor(_ c: Case) throws {
        let dir = Self.fixtures.appendingPathComponent(c.name).path
        let encoder = try VisionModelLoader.load(directory: dir)
        let expected = try SafetensorsFile(path: dir + "/expected.safetensors")
        let pixels = try expected.tensor("pixel_values")
        let full = try encoder.encode(pixelValues: pixels, outputHiddenStates: true).hiddenStates
        #expect(full.count == encoder.layerCount + 1)
        for last in 0...encoder.layerCount {
            let states = try encoder.hiddenStates(pixelValues: pixels, through: last)
            #expect(states.count == last + 1)
            for (i, state) in states.enumerated() {
                // Within float32 noise, not bit for bit: the kernel suites may switch the instruction set meanwhile.
                #expect(maxAbsDiff(state, full[i]) <= 1e-5, "through \(last), state \(i)")
                #expect(maxAbsDiff(state, try expected.tensor("hidden_states.\(i)")) <= 1e-4, "through \(last), state \(i)")
            }
        }
        for bad in [-1, encoder.layerCount + 1] {
            #expect(throws: VisionEncoderError.hiddenStateOutOfRange(bad, count: encoder.layerCount + 1)) {
                _ = try encoder.hiddenStates(pixelValues: pixels, through: bad)
            }
        }
    }

    /// From the JPEG file to the embedding: our decoder, our PIL-exact processor and the encoder together,
    /// against PIL + transformers' PIL-backend processor + the model, within 1e-4.
    @Test(arguments: cases) func endToEndFromPhotoFiles(_ c: Case) throws {
        let dir = Self.fixtures.appendingPathComponent(c.name).path
        let embedder = try ImageEmbedder(modelDirectory: dir)
        let expected = try SafetensorsFile(path: dir + "/expected.safetensors")
        let photos = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../GenCoreTests/Fixtures/Images")
        for photo in ["chelsea.jpg", "astronaut.jpg", "coffee.jpg"] {
            let image = try Image(contentsOfFile: photos.appendingPathComponent(photo).path)
            let out = try embedder.embed([image])
            let last = try expected.tensor("e2e.\(photo).last_hidden_state")
            let pooled = try expected.tensor("e2e.\(photo).pooler_output")
            #expect(maxAbsDiff(out.lastHiddenState, last) <= 1e-4, "\(photo) last hidden state")
            #expect(maxAbsDiff(try #require(out.pooledOutput), pooled) <= 1e-4, "\(photo) pooled")
        }
    }

    @Test func rejectsPixelsOfTheWrongSize() throws {
        let encoder = try VisionModelLoader.load(directory: Self.fixtures.appendingPathComponent("vit").path)
        #expect(throws: VisionEncoderError.self) {
            _ = try encoder.encode(pixelValues: Tensor(zeros: [1, 3, 32, 32]), outputHiddenStates: false)
        }
    }

    @Test func unknownArchitectureIsNamed() throws {
        let config = try ModelConfigFile(data: Data(#"{"model_type": "resnet"}"#.utf8))
        #expect(throws: VisionEncoderError.unsupportedArchitecture(modelType: "resnet", supported: VisionModelLoader.supportedModelTypes)) {
            _ = try VisionModelLoader.make(config: config, weights: SafetensorsCheckpoint(directory: Self.fixtures.appendingPathComponent("vit").path))
        }
    }

    @Test func missingTensorIsReported() throws {
        // A ViT config over SigLIP weights: the loader must name what is missing, not crash.
        let dir = Self.fixtures.appendingPathComponent("siglip").path
        let config = try ModelConfigFile(data: Data(#"{"model_type": "vit", "hidden_size": 36}"#.utf8))
        #expect(throws: GenCoreError.self) {
            _ = try VisionModelLoader.make(config: config, weights: SafetensorsCheckpoint(directory: dir))
        }
    }
}
