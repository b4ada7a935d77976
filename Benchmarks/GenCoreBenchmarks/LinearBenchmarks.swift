import Benchmark
import CGenKernels
import GenCore

/// Decode-step projection with half-precision weights stored [out, in] (a 2B model's MLP up-projection):
/// memory-bound, so the figure to watch is how close it gets to streaming the weights at memory speed.
func registerLinearBenchmarks() {
    let (m, k, n) = (1, 2048, 5632)
    for threads in [1, 2] {
        for weights in ["f16", "bf16"] {
            registerKernelBenchmark(
                "linear-\(weights)w \(m)x\(k)x\(n) t\(threads)", threads: threads,
                operands: { MatrixOperands(m: m, k: k, n: n, halfWeights: true) },
                kernel: { ops in
                    if weights == "f16" {
                        gk_linear_f16w(m, n, k, ops.a, k, ops.halfB, k, nil, &ops.c, n)
                    } else {
                        gk_linear_bf16w(m, n, k, ops.a, k, ops.brainB, k, nil, &ops.c, n)
                    }
                })
        }
    }
}
