import Benchmark
import DiffusionModels
import GenCore

/// A whole 25-step DPM-Solver++ 2M run over SD-sized latents (1×4×64×64) with a stand-in model output:
/// the scheduler's own cost per image, which should stay negligible next to the UNet.
func registerSchedulerBenchmarks() {
    let name = "DPM-Solver++ 2M, 25 steps, 4x64x64 latents"
    guard wanted(name) else { return }
    Benchmark(name) { benchmark in
        let config = SchedulerConfig(className: DPMSolverMultistepScheduler.className)
        var generator = TorchGenerator(seed: 0)
        let latents = generator.randn([1, 4, 64, 64])
        let output = latents * 0.5
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var scheduler = try SchedulerFactory.makeScheduler(config: config)
            try scheduler.setTimesteps(25)
            var sample = latents
            for t in scheduler.timesteps {
                sample = try scheduler.step(modelOutput: output, timestep: t, sample: sample, generator: &generator)
            }
            blackHole(sample)
        }
        benchmark.stopMeasurement()
    }
}
