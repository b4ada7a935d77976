import Foundation
import GenCore
import Testing
@testable import DiffusionModels

/// Reference: diffusers 0.42.1 `UNet2DModel` on tiny random-weight models (Tools/make_diffusion_net_fixtures.py,
/// Fixtures/Networks/unet2d*), called with tensor timesteps 999, 37 and 10.5. `unet2d` is configured like
/// google/ddpm-cifar10-32 (flip_sin_to_cos false, freq_shift 1, one head per attention); `unet2d_heads` has
/// several heads, center_input_sample and the scale_shift time norm. Tolerance: 1e-4 × max|expected|.
struct UNet2DModelTests {
    @Test(arguments: ["unet2d", "unet2d_heads"])
    func outputsMatchDiffusersAtSeveralTimesteps(name: String) throws {
        let unet = try UNet2DModel(directory: NetworkFixtures.path(name))
        let sample = try NetworkFixtures.array("\(name)/sample.npy")
        let timesteps = try NetworkFixtures.array("\(name)/timesteps.npy").floats
        for (i, t) in timesteps.enumerated() {
            expectClose(try unet(sample, timestep: t), try NetworkFixtures.array("\(name)/output_\(i).npy"),
                        relative: 1e-4, "\(name) t=\(t)")
        }
    }

    @Test func badConfigAndInputThrowTypedErrors() throws {
        let folder = try NetworkFixtures.copy("unet2d")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try NetworkFixtures.editConfig(folder) { $0["up_block_types"] = ["AttnUpBlock2D", "SkipUpBlock2D"] }
        #expect(throws: DiffusionModelsError.unsupportedConfigValue(
            field: "up_block_types", value: "SkipUpBlock2D", supported: ["UpBlock2D", "AttnUpBlock2D"])) {
            try UNet2DModel(directory: folder)
        }
        try NetworkFixtures.editConfig(folder) {
            $0["up_block_types"] = ["AttnUpBlock2D", "UpBlock2D"]
            $0["time_embedding_type"] = "fourier"
        }
        #expect(throws: DiffusionModelsError.unsupportedConfigValue(
            field: "time_embedding_type", value: "fourier", supported: ["positional"])) {
            try UNet2DModel(directory: folder)
        }
        try NetworkFixtures.editConfig(folder) {
            $0["time_embedding_type"] = "positional"
            $0["attention_head_dim"] = 64
        }
        #expect(throws: DiffusionModelsError.self) { try UNet2DModel(directory: folder) }
        try NetworkFixtures.editConfig(folder) { $0["_class_name"] = "UNet2DConditionModel" }
        #expect(throws: DiffusionModelsError.unsupportedModel(className: "UNet2DConditionModel", supported: ["UNet2DModel"])) {
            try UNet2DModel(directory: folder)
        }

        let unet = try UNet2DModel(directory: NetworkFixtures.path("unet2d"))
        #expect(throws: DiffusionModelsError.self) { try unet(Tensor(zeros: [1, 3, 5, 6]), timestep: 1) }
        #expect(throws: DiffusionModelsError.self) { try unet(Tensor(zeros: [2, 3, 4, 4]), timesteps: [1]) }
    }

    @Test func misshapenTensorIsAGenCoreError() throws {
        let source = try SafetensorsFile(path: NetworkFixtures.path("unet2d/diffusion_pytorch_model.safetensors"))
        var config = try ModelConfigFile(path: NetworkFixtures.path("unet2d/config.json")).decode(UNet2DModelConfig.self)
        config.timeEmbeddingDim = 40
        #expect(throws: GenCoreError.shapeMismatch(name: "time_embedding.linear_1.weight", expected: [40, 12],
                                                   actual: [48, 12], path: source.path)) {
            try UNet2DModel(config: config, weights: WeightLoader(source: source))
        }
    }
}
