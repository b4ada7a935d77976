import Foundation
import GenCore
import Testing
@testable import DiffusionModels

/// Reference: diffusers 0.42.1 `AutoencoderKL` on tiny random-weight models (Tools/make_diffusion_net_fixtures.py,
/// Fixtures/Networks/vae*): posterior mean/log-variance, `latent_dist.sample(generator)` with
/// `torch.Generator().manual_seed(1234)`, and decode. Tolerance: 1e-4 × max|expected| (float32 sums in another
/// order; both sides compute in float32).
struct AutoencoderKLTests {
    static let tolerance: Float = 1e-4

    @Test(arguments: ["vae", "vae_fp16"])
    func encodeSampleAndDecodeMatchDiffusers(name: String) throws {
        let vae = try AutoencoderKL(directory: NetworkFixtures.path(name))
        let posterior = try vae.encode(NetworkFixtures.array("\(name)/image.npy"))
        expectClose(posterior.mean, try NetworkFixtures.array("\(name)/posterior_mean.npy"), relative: Self.tolerance, "\(name) mean")
        expectClose(posterior.logvar, try NetworkFixtures.array("\(name)/posterior_logvar.npy"), relative: Self.tolerance, "\(name) logvar")
        var generator = TorchGenerator(seed: 1234)
        expectClose(posterior.sample(generator: &generator), try NetworkFixtures.array("\(name)/posterior_sample.npy"),
                    relative: Self.tolerance, "\(name) sample")
        #expect(posterior.mode().shape == posterior.mean.shape)
        let decoded = try vae.decode(NetworkFixtures.array("\(name)/latents.npy"))
        expectClose(decoded, try NetworkFixtures.array("\(name)/decoded.npy"), relative: Self.tolerance, "\(name) decoded")
    }

    @Test func configFieldsAreExposed() throws {
        let vae = try AutoencoderKL(directory: NetworkFixtures.path("vae"))
        #expect(vae.scalingFactor == 0.18215)
        #expect(vae.shiftFactor == nil)
        #expect(vae.downsamplingFactor == 2)
        let half = try AutoencoderKL(directory: NetworkFixtures.path("vae_fp16"))
        #expect(half.shiftFactor == Float(0.0609))
        #expect(!half.config.useQuantConv && !half.config.midBlockAddAttention)
    }

    @Test func imageRoundTripKeepsSizeAndIsDeterministic() throws {
        let vae = try AutoencoderKL(directory: NetworkFixtures.path("vae"))
        let pixels = (0..<(6 * 4 * 3)).map { UInt8(($0 * 37) % 256) }
        let image = try Image(width: 6, height: 4, channels: 3, pixels: pixels)
        let once = try vae.reconstruct(image), twice = try vae.reconstruct(image)
        #expect(once.width == 6 && once.height == 4 && once.channels == 3)
        #expect(once == twice)
    }

    @Test func badInputsThrowTypedErrors() throws {
        let vae = try AutoencoderKL(directory: NetworkFixtures.path("vae"))
        #expect(throws: DiffusionModelsError.self) { try vae.encode(Tensor(zeros: [1, 3, 5, 4])) }
        #expect(throws: DiffusionModelsError.self) { try vae.encode(Tensor(zeros: [1, 4, 4, 4])) }
        #expect(throws: DiffusionModelsError.self) { try vae.decode(Tensor(zeros: [1, 3, 2, 2])) }
    }

    @Test func wrongClassOrBlockTypeIsRejected() throws {
        let folder = try NetworkFixtures.copy("vae")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try NetworkFixtures.editConfig(folder) { $0["_class_name"] = "VQModel" }
        #expect(throws: DiffusionModelsError.unsupportedModel(className: "VQModel", supported: ["AutoencoderKL"])) {
            try AutoencoderKL(directory: folder)
        }
        try NetworkFixtures.editConfig(folder) {
            $0["_class_name"] = "AutoencoderKL"
            $0["down_block_types"] = ["DownEncoderBlock2D", "AttnDownEncoderBlock2D"]
        }
        #expect(throws: DiffusionModelsError.unsupportedConfigValue(
            field: "down_block_types", value: "AttnDownEncoderBlock2D", supported: ["DownEncoderBlock2D"])) {
            try AutoencoderKL(directory: folder)
        }
        try NetworkFixtures.editConfig(folder) {
            $0["down_block_types"] = ["DownEncoderBlock2D", "DownEncoderBlock2D"]
            $0["norm_num_groups"] = 5
        }
        #expect(throws: DiffusionModelsError.self) { try AutoencoderKL(directory: folder) }
    }

    /// diffusers saves large models as `diffusion_pytorch_model.safetensors.index.json` plus shards: the same weights
    /// split in two must decode exactly as the single file does, and a folder with no weights names what it expected.
    @Test func shardedWeightsLoadLikeTheSingleFile() throws {
        let folder = try NetworkFixtures.copy("vae")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let single = folder + "/diffusion_pytorch_model.safetensors"
        let source = try SafetensorsFile(path: single)
        let names = source.names
        #expect(names.count > 2)
        let halves = [Array(names.prefix(names.count / 2)), Array(names.dropFirst(names.count / 2))]
        var weightMap: [String: String] = [:]
        for (index, half) in halves.enumerated() {
            let shard = "diffusion_pytorch_model-0000\(index + 1)-of-00002.safetensors"
            try SafetensorsWriter.write(Dictionary(uniqueKeysWithValues: try half.map { ($0, try source.tensor($0)) }),
                                        to: folder + "/" + shard)
            for name in half { weightMap[name] = shard }
        }
        let index = try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": weightMap])
        try index.write(to: URL(fileURLWithPath: folder + "/diffusion_pytorch_model.safetensors.index.json"))
        try FileManager.default.removeItem(atPath: single)

        let latents = try NetworkFixtures.array("vae/latents.npy")
        let sharded = try AutoencoderKL(directory: folder).decode(latents)
        let reference = try AutoencoderKL(directory: NetworkFixtures.path("vae")).decode(latents)
        #expect(sharded.floats == reference.floats)

        try FileManager.default.removeItem(atPath: folder + "/diffusion_pytorch_model.safetensors.index.json")
        #expect(throws: GenCoreError.self) { try AutoencoderKL(directory: folder) }
    }

    @Test func missingOrMisshapenTensorIsAGenCoreError() throws {
        let source = try SafetensorsFile(path: NetworkFixtures.path("vae/diffusion_pytorch_model.safetensors"))
        let config = try ModelConfigFile(path: NetworkFixtures.path("vae/config.json")).decode(AutoencoderKLConfig.self)
        let missing = RenamedWeightSource(source) { $0 == "decoder.conv_out.bias" ? "absent" : $0 }
        #expect(throws: GenCoreError.missingTensor(name: "absent", path: source.path)) {
            try AutoencoderKL(config: config, weights: WeightLoader(source: missing))
        }
        var wider = config
        wider.latentChannels = 5
        #expect(throws: GenCoreError.self) { try AutoencoderKL(config: wider, weights: WeightLoader(source: source)) }
    }
}
