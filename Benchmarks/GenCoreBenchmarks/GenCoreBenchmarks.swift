import Benchmark
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Entry point read by the benchmark harness. `GENKIT_BENCH_QUICK=1` runs every benchmark once, briefly,
/// so CI can check that the suite builds and runs.
let benchmarks: @Sendable () -> Void = {
    let quick = getenv("GENKIT_BENCH_QUICK").map { String(cString: $0) } == "1"
    Benchmark.defaultConfiguration = quick
        ? .init(metrics: [.wallClock], warmupIterations: 0, maxDuration: .milliseconds(1), maxIterations: 1)
        : .init(metrics: [.wallClock], warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 50)
    registerGEMMBenchmarks()
    registerLinearBenchmarks()
}
