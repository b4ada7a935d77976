import CGenKernels

/// A family of vector instructions the kernels are written for. Exactly one is active at a time.
public enum InstructionSet: String, CaseIterable, Sendable {
    /// Portable C; runs on any CPU.
    case scalar
    /// x86-64 AVX2 with FMA and F16C.
    case avx2
    /// x86-64 AVX-512 F/BW/VL/DQ.
    case avx512
    /// arm64 Advanced SIMD.
    case neon

    init(_ isa: gk_isa) {
        switch isa {
        case GK_ISA_AVX2: self = .avx2
        case GK_ISA_AVX512: self = .avx512
        case GK_ISA_NEON: self = .neon
        default: self = .scalar
        }
    }

    var cValue: gk_isa {
        switch self {
        case .scalar: GK_ISA_SCALAR
        case .avx2: GK_ISA_AVX2
        case .avx512: GK_ISA_AVX512
        case .neon: GK_ISA_NEON
        }
    }
}
