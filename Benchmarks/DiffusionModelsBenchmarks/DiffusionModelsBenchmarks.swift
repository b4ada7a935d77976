// Diffusion benchmarks (batch as Stable Diffusion's guidance runs it, random weights, 2 threads).
// Tools/bench_diffusion.py times diffusers/PyTorch on the same shapes in the same run and prints the ratios.
// GENKIT_BENCH_QUICK=1 runs each once at reduced size, so CI checks that the suite builds and runs.
// Each area registers its benchmarks from its own file; this file sets the shared configuration.
import Benchmark
import DiffusionModels
import Foundation
import GenCore

let quick = ProcessInfo.processInfo.environment["GENKIT_BENCH_QUICK"] != nil

/// GENKIT_BENCH_ONLY=a,b registers only the benchmarks whose names contain one of the comma-separated parts
/// (`swift package benchmark --filter` still builds and starts every benchmark's setup here).
let only = ProcessInfo.processInfo.environment["GENKIT_BENCH_ONLY"]?.split(separator: ",").map(String.init)

func wanted(_ name: String) -> Bool {
    only.map { parts in parts.contains { name.contains($0) } } ?? true
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], timeUnits: .milliseconds,
        warmupIterations: quick ? 0 : 1,
        maxDuration: .seconds(quick ? 1 : 60), maxIterations: quick ? 1 : 5)
    ThreadPool.threadCount = 2

    registerSchedulerBenchmarks()
    registerVAEBenchmarks()
    registerUNetBenchmarks()
}
