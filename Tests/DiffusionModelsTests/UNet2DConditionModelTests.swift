import Foundation
import GenCore
import Testing

@testable import DiffusionModels

/// UNet2DConditionModel against diffusers 0.42.1 on the tiny random-weight UNets written by
/// Tools/make_unet_cond_fixtures.py (batch 2, as classifier-free guidance runs). Tolerance: every element within
/// 1e-4 × max|expected| of diffusers' float32 output.
@Suite struct UNet2DConditionModelTests {
    static let relativeTolerance: Float = 1e-4

    static func folder(_ name: String) throws -> String { try DiffusionFixtures.url("UNetCondition/\(name)").path }

    static func array(_ folder: String, _ file: String) throws -> Tensor {
        try NumpyArray.read(contentsOf: folder + "/" + file)
    }

    /// The largest |actual - expected| and the allowed error for `expected`.
    static func compare(_ actual: Tensor, _ expected: Tensor) -> (error: Float, allowed: Float) {
        let a = actual.contiguous().floats, e = expected.contiguous().floats
        let error = zip(a, e).map { abs($0 - $1) }.max() ?? .infinity
        return (error, relativeTolerance * (e.map { abs($0) }.max() ?? 0))
    }

    /// Runs the UNet in `name` (optionally a weight variant) at both fixture timesteps.
    func check(_ name: String, variant: String? = nil) throws {
        let folder = try Self.folder(name)
        let unet = try UNet2DConditionModel(directory: folder, variant: variant)
        let sample = try Self.array(folder, "sample.npy")
        let states = try Self.array(folder, "encoder_hidden_states.npy")
        for (timestep, tag) in [(Float(981), "981"), (37.5, "37p5")] {
            let expected = try Self.array(folder, "expected_t\(tag)\(variant.map { "_\($0)" } ?? "").npy")
            let output = try unet(sample, timestep: timestep, encoderHiddenStates: states)
            #expect(output.shape == expected.shape)
            let (error, allowed) = Self.compare(output, expected)
            #expect(error <= allowed, "\(name) \(variant ?? "fp32") t=\(timestep): max error \(error) > \(allowed)")
        }
    }

    @Test func stableDiffusion1LayoutMatchesDiffusers() throws { try check("sd1") }

    /// List of heads per block, linear projections, two transformer layers per block, freq_shift 1 and
    /// [sin, cos] order, non-square latents.
    @Test func stableDiffusion2LayoutMatchesDiffusers() throws { try check("sd2") }

    @Test func float16CheckpointMatchesDiffusers() throws { try check("sd1", variant: "fp16") }

    @Test func bfloat16CheckpointMatchesDiffusers() throws { try check("sd1", variant: "bf16") }

    /// 10×14 latents with two ×2 downsamplings: the upsamplers resize to the skip sizes, as diffusers does.
    @Test func latentsNotAMultipleOfTheDownsamplingMatchDiffusers() throws {
        let folder = try Self.folder("sd1")
        let unet = try UNet2DConditionModel(directory: folder)
        let output = try unet(try Self.array(folder, "sample_odd.npy"), timestep: 981,
                              encoderHiddenStates: try Self.array(folder, "encoder_hidden_states.npy"))
        let expected = try Self.array(folder, "expected_odd_t981.npy")
        #expect(output.shape == [2, 4, 10, 14])
        let (error, allowed) = Self.compare(output, expected)
        #expect(error <= allowed, "max error \(error) > \(allowed)")
    }

    /// The two rows of a guidance batch are independent: each equals the UNet run on that row alone.
    @Test func batchRowsAreIndependent() throws {
        let folder = try Self.folder("sd1")
        let unet = try UNet2DConditionModel(directory: folder)
        let sample = try Self.array(folder, "sample.npy"), states = try Self.array(folder, "encoder_hidden_states.npy")
        let both = try unet(sample, timestep: 981, encoderHiddenStates: states)
        let second = try unet(sample.sliced(axis: 0, 1..<2), timestep: 981, encoderHiddenStates: states.sliced(axis: 0, 1..<2))
        let (error, allowed) = Self.compare(second, both.sliced(axis: 0, 1..<2))
        #expect(error <= allowed)
    }

    // MARK: Errors

    @Test func dualCrossAttentionIsRejectedNamingTheField() throws {
        #expect(throws: DiffusionModelsError.unsupportedConfigValue(
            field: "dual_cross_attention", value: "true", supported: ["false"])) {
            try UNet2DConditionModel(directory: try Self.folder("dual_cross_attention"))
        }
    }

    /// Config fields of other UNet variants (SDXL, class-conditional, …) each produce an error that names them.
    @Test(arguments: [
        (#""addition_embed_type": "text_time""#, "addition_embed_type"),
        (#""class_embed_type": "timestep""#, "class_embed_type"),
        (#""encoder_hid_dim": 1024"#, "encoder_hid_dim"),
        (#""num_attention_heads": 8"#, "num_attention_heads"),
        (#""transformer_layers_per_block": [[1, 2], [2, 2]]"#, "transformer_layers_per_block"),
        (#""time_embedding_type": "fourier""#, "time_embedding_type"),
        (#""only_cross_attention": [true, false]"#, "only_cross_attention"),
        (#""attention_type": "gated""#, "attention_type"),
    ])
    func unsupportedFeaturesAreRejected(field json: String, name: String) throws {
        let config = try ModelConfigFile(data: Data("{\(json)}".utf8)).decode(UNet2DConditionConfig.self)
        do {
            try config.validate()
            Issue.record("\(name) was accepted")
        } catch let .unsupportedConfigValue(field, _, _) {
            #expect(field == name)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func unknownBlockTypeIsRejected() throws {
        var config = UNet2DConditionConfig()
        config.blockOutChannels = [8, 16]
        config.downBlockTypes = ["SimpleCrossAttnDownBlock2D", "DownBlock2D"]
        config.upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D"]
        config.normNumGroups = 4
        #expect(throws: DiffusionModelsError.unsupportedConfigValue(
            field: "down_block_types", value: "SimpleCrossAttnDownBlock2D",
            supported: UNet2DConditionModel.supportedDownBlockTypes)) {
            try UNet2DConditionModel(config: config, weights: WeightLoader(source: RandomWeightSource()))
        }
    }

    @Test func mismatchedBlockListsAreRejected() throws {
        var config = UNet2DConditionConfig()
        config.attentionHeadDim = [8, 8]
        #expect(throws: DiffusionModelsError.self) { try config.validate() }
    }

    @Test func badInputsThrow() throws {
        let folder = try Self.folder("sd1")
        let unet = try UNet2DConditionModel(directory: folder)
        let states = try Self.array(folder, "encoder_hidden_states.npy")  // [2, 7, 32]
        let wrongChannels = Tensor(zeros: [2, 3, 8, 8])
        let sample = Tensor(zeros: [2, 4, 8, 8])
        #expect(throws: DiffusionModelsError.self) { try unet(wrongChannels, timestep: 1, encoderHiddenStates: states) }
        #expect(throws: DiffusionModelsError.self) { try unet(sample, timestep: 1, encoderHiddenStates: Tensor(zeros: [2, 7, 16])) }
        #expect(throws: DiffusionModelsError.self) { try unet(sample, timestep: 1, encoderHiddenStates: Tensor(zeros: [1, 7, 32])) }
        #expect(throws: DiffusionModelsError.self) { try unet(sample, timestep: .nan, encoderHiddenStates: states) }
        #expect(throws: DiffusionModelsError.self) {
            try unet(sample, timestep: 1, encoderHiddenStates: states, timestepCond: Tensor(zeros: [2, 4]))
        }
    }

    @Test func missingVariantFileThrows() throws {
        #expect(throws: GenCoreError.self) { try UNet2DConditionModel(directory: try Self.folder("sd1"), variant: "fp8") }
    }

    @Test func otherModelClassIsRejected() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unet-class-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"_class_name": "UNet2DModel"}"#.utf8).write(to: directory.appendingPathComponent("config.json"))
        #expect(throws: DiffusionModelsError.unsupportedModel(className: "UNet2DModel", supported: ["UNet2DConditionModel"])) {
            try UNet2DConditionModel(directory: directory.path)
        }
    }
}
