import Testing
@testable import GenCore

extension KernelsTests {
    /// Runs every ops fixture comparison once per instruction-set path this CPU supports (scalar, AVX2, AVX-512,
    /// NEON) and with one and two threads. Nested in the serialized kernel suites because it switches the
    /// process-wide path.
    @Suite struct OpsInstructionSetTests {
        static let checks: [(String, @Sendable () throws -> Void)] = [
            ("matmul", OpsMatmulTests.checkMatmul), ("linear", OpsMatmulTests.checkLinear),
            ("grouped linear", OpsMatmulTests.checkGroupedLinear), ("silu times", OpsElementwiseTests.checkSiluTimes),
            ("binary", OpsElementwiseTests.checkBinary), ("unary", OpsElementwiseTests.checkUnary),
            ("softmax", OpsNormalizationTests.checkSoftmax), ("norms", OpsNormalizationTests.checkNorms),
            ("convolution", OpsConvolutionTests.checkConvolutions), ("embedding", OpsIndexingTests.checkEmbedding),
            ("rotary", OpsRotaryEmbeddingTests.checkRotary), ("attention", OpsAttentionTests.checkAttention),
            ("blocked attention", OpsAttentionTests.checkBlockedAttention),
            ("blocked attention in bf16", OpsAttentionTests.checkBlockedAttentionInBFloat16),
            ("reductions", OpsReductionTests.checkReductions), ("parallel split", OpsParallelSplitTests.checkSplitWork),
        ]

        @Test func everyOpOnEveryPath() throws {
            var paths: [InstructionSet] = []
            try forEachKernelPath { isa, _ in
                paths.append(isa)
                for (_, check) in Self.checks { try check() }
            }
            #expect(paths.contains(.scalar))
        }
    }
}
