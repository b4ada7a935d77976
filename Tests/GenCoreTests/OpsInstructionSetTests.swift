import CGenKernels
import Testing
@testable import GenCore

/// Runs every fixture comparison once per instruction-set path this CPU supports (scalar, AVX2, AVX-512, NEON),
/// restoring the automatically chosen path afterwards.
@Suite(.serialized) struct OpsInstructionSetTests {
    static let checks: [(String, @Sendable () throws -> Void)] = [
        ("matmul", OpsMatmulTests.checkMatmul), ("linear", OpsMatmulTests.checkLinear),
        ("binary", OpsElementwiseTests.checkBinary), ("unary", OpsElementwiseTests.checkUnary),
        ("softmax", OpsNormalizationTests.checkSoftmax), ("norms", OpsNormalizationTests.checkNorms),
        ("convolution", OpsConvolutionTests.checkConvolutions), ("embedding", OpsIndexingTests.checkEmbedding),
        ("rotary", OpsRotaryEmbeddingTests.checkRotary), ("attention", OpsAttentionTests.checkAttention),
        ("reductions", OpsReductionTests.checkReductions),
    ]

    @Test(arguments: [GK_ISA_SCALAR, GK_ISA_AVX2, GK_ISA_AVX512, GK_ISA_NEON].map(\.rawValue))
    func everyOpOnPath(_ isa: UInt32) throws {
        let path = gk_isa(rawValue: isa)
        guard gk_isa_supported(path) != 0 else { return }
        let previous = gk_active_isa()
        #expect(gk_force_isa(path) != 0)
        defer { _ = gk_force_isa(previous) }
        for (_, check) in Self.checks { try check() }
    }
}
