import Benchmark
import CGenKernels
import GenCore

/// Linear layers with half-precision weights stored [out, in], at a 2B model's MLP up-projection shape.
/// - Decode (M = 1) is memory-bound: the figure to watch is how close it gets to streaming the weights at memory speed.
/// - Prefill (M = 128) with bf16 weights is compute-bound: computed in float32 (the default) and in bfloat16
///   (`gk_linear_bf16w_bf16a`, A rounded to bf16; vdpbf16ps where the CPU has AVX512_BF16).
func registerLinearBenchmarks() {
    let (k, n) = (2048, 5632)
    for threads in [1, 2] {
        for weights in ["f16", "bf16"] {
            registerKernelBenchmark(
                "linear-\(weights)w 1x\(k)x\(n) t\(threads)", threads: threads,
                operands: { MatrixOperands(m: 1, k: k, n: n, halfWeights: true) },
                kernel: { ops in
                    if weights == "f16" {
                        gk_linear_f16w(1, n, k, ops.a, k, ops.halfB, k, nil, &ops.c, n)
                    } else {
                        gk_linear_bf16w(1, n, k, ops.a, k, ops.brainB, k, nil, &ops.c, n)
                    }
                })
        }
        let m = 128
        for compute in ["f32", "bf16"] {
            registerKernelBenchmark(
                "linear-bf16w \(compute)-compute \(m)x\(k)x\(n) t\(threads)", threads: threads,
                operands: { MatrixOperands(m: m, k: k, n: n, halfWeights: true) },
                kernel: { ops in
                    if compute == "f32" {
                        gk_linear_bf16w(m, n, k, ops.a, k, ops.brainB, k, nil, &ops.c, n)
                    } else {
                        gk_linear_bf16w_bf16a(m, n, k, ops.a, k, ops.brainB, k, nil, &ops.c, n)
                    }
                })
        }
    }
}
