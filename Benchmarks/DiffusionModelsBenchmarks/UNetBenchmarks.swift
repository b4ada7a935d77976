import Benchmark
import DiffusionModels
import GenCore

/// The Stable Diffusion 1.5 UNet shape (block_out_channels 320/640/1280/1280, 2 layers per block, 8 heads,
/// cross_attention_dim 768), or a two-level stand-in in quick mode.
func stableDiffusionUNetConfig() -> UNet2DConditionConfig {
    var config = UNet2DConditionConfig()
    config.crossAttentionDim = [768]
    if quick {
        config.blockOutChannels = [32, 64]
        config.downBlockTypes = ["CrossAttnDownBlock2D", "DownBlock2D"]
        config.upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D"]
        config.attentionHeadDim = [2]
        config.crossAttentionDim = [64]
    }
    return config
}

/// One denoising step as a guided Stable Diffusion run takes it: batch 2 (unconditional and conditional rows),
/// 4×64×64 latents (512×512 images), 77 text tokens; random float32 weights. Tools/bench_unet.py times
/// diffusers' UNet2DConditionModel on the same shape.
func registerUNetBenchmarks() {
    let name = "UNet2DCondition SD1.5 step, batch 2, 64x64 latents"
    guard wanted(name) else { return }
    Benchmark(
        name,
        configuration: .init(
            metrics: [.wallClock, .throughput], timeUnits: .milliseconds, warmupIterations: quick ? 0 : 1,
            maxDuration: .seconds(quick ? 1 : 120), maxIterations: quick ? 1 : 3)
    ) { benchmark in
        let config = stableDiffusionUNetConfig()
        let unet = try UNet2DConditionModel(config: config, weights: WeightLoader(source: RandomWeightSource(seed: 3)))
        var generator = TorchGenerator(seed: 0)
        let size = quick ? 16 : 64
        let latents = generator.randn([2, 4, size, size])
        let text = generator.randn([2, 77, config.crossAttentionDim[0]])
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try unet(latents, timestep: 981, encoderHiddenStates: text))
        }
        benchmark.stopMeasurement()
    }
}
