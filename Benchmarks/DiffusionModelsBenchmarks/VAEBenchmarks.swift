import Benchmark
import DiffusionModels
import GenCore

/// Stable Diffusion 1.5's VAE (block_out_channels 128/256/512/512, two layers per block, 32 groups) with random
/// weights, decoding one 1×4×64×64 latent to a 512×512 image; quick mode decodes 1×4×8×8 with a 32/32-channel
/// stand-in. Tools/bench_diffusion.py times diffusers on the same shape.
func registerVAEBenchmarks() {
    let name = "AutoencoderKL decode, SD-1.5 VAE, 1x4x64x64 latent"
    guard wanted(name) else { return }
    Benchmark(name) { benchmark in
        var config = AutoencoderKLConfig()
        config.blockOutChannels = quick ? [32, 32] : [128, 256, 512, 512]
        config.downBlockTypes = Array(repeating: "DownEncoderBlock2D", count: config.blockOutChannels.count)
        config.upBlockTypes = Array(repeating: "UpDecoderBlock2D", count: config.blockOutChannels.count)
        config.layersPerBlock = 2
        let vae = try AutoencoderKL(config: config, weights: WeightLoader(source: RandomWeightSource(seed: 5)))
        var generator = TorchGenerator(seed: 0)
        let side = quick ? 8 : 64
        let latents = generator.randn([1, 4, side, side])
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try vae.decode(latents))
        }
        benchmark.stopMeasurement()
    }
}
