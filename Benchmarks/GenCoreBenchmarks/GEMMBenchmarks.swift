import Benchmark
import CGenKernels
import GenCore

/// Throughput of a kernel call, recorded per iteration next to the wall clock (GFLOP/s × 1000, since
/// custom metrics are integers).
let mflops = BenchmarkMetric.custom("MFLOP/s", polarity: .prefersLarger, useScalingFactor: false)

/// Operands of one benchmark, allocated and filled once in the setup hook, outside the measurement.
final class MatrixOperands: @unchecked Sendable {
    let m: Int, k: Int, n: Int
    let a: [Float], b: [Float]
    var c: [Float]
    var halfB: [UInt16], brainB: [UInt16]

    init(m: Int, k: Int, n: Int, halfWeights: Bool = false) {
        self.m = m
        self.k = k
        self.n = n
        // Deterministic values in [-1, 1]: their size, not their randomness, is what matters for speed.
        a = (0..<(m * k)).map { Float(($0 &* 2_654_435_761) % 2001) / 1000 - 1 }
        b = (0..<(k * n)).map { Float(($0 &* 40_503) % 2001) / 1000 - 1 }
        c = [Float](repeating: 0, count: m * n)
        halfB = []
        brainB = []
        if halfWeights {
            halfB = [UInt16](repeating: 0, count: b.count)
            brainB = halfB
            gk_f32_to_f16(b, &halfB, b.count)
            gk_f32_to_bf16(b, &brainB, b.count)
        }
    }

    var flops: Double { 2 * Double(m) * Double(k) * Double(n) }
}

/// Times `body` between explicit start/stop marks and records its throughput.
func measureThroughput(_ benchmark: Benchmark, flops: Double, _ body: () -> Void) {
    let clock = ContinuousClock()
    benchmark.startMeasurement()
    let elapsed = clock.measure(body)
    benchmark.stopMeasurement()
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    if seconds > 0 { benchmark.measurement(mflops, Int(flops / seconds / 1e6)) }
}

/// Shapes as M×K×N: square ones for peak throughput, 1×K×N for decode (matrix-vector), and the
/// projection sizes of a ViT-B (197 tokens) and a 2B-parameter language model prefill.
let gemmShapes: [(m: Int, k: Int, n: Int)] = [
    (256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048),
    (1, 768, 3072), (1, 4096, 4096), (197, 768, 3072), (128, 2048, 8192),
]

/// Registers one kernel benchmark: operands built once by `operands`, `kernel` timed per iteration on
/// `threads` pool threads, throughput recorded next to the wall clock.
func registerKernelBenchmark(_ name: String, threads: Int, operands: @escaping () -> MatrixOperands,
                             kernel: @escaping (MatrixOperands) -> Void) {
    Benchmark(
        name,
        configuration: .init(metrics: Benchmark.defaultConfiguration.metrics + [mflops]),
        closure: { benchmark, ops in
            ThreadPool.threadCount = threads
            measureThroughput(benchmark, flops: ops.flops) { kernel(ops) }
        },
        setup: operands)
}

func registerGEMMBenchmarks() {
    for shape in gemmShapes {
        for threads in [1, 2] {
            registerKernelBenchmark(
                "SGEMM \(shape.m)x\(shape.k)x\(shape.n) t\(threads)", threads: threads,
                operands: { MatrixOperands(m: shape.m, k: shape.k, n: shape.n) },
                kernel: { ops in
                    gk_sgemm(0, 0, ops.m, ops.n, ops.k, 1, ops.a, ops.k, ops.b, ops.n, 0, &ops.c, ops.n)
                })
        }
    }
}
