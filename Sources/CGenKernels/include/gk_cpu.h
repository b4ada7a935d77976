// CPU feature detection and instruction-set dispatch.
#ifndef GK_CPU_H
#define GK_CPU_H
#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set paths the kernels are built for. Exactly one is active at a time.
typedef enum {
    GK_ISA_SCALAR = 0,   ///< Portable C, any CPU.
    GK_ISA_AVX2 = 1,     ///< x86-64 AVX2 + FMA (+ F16C).
    GK_ISA_AVX512 = 2,   ///< x86-64 AVX-512 F/BW/VL (+ BF16 where present).
    GK_ISA_NEON = 3,     ///< arm64 Advanced SIMD.
} gk_isa;

/// Best path this CPU supports.
gk_isa gk_detected_isa(void);
/// 1 if the path can run on this CPU.
int gk_isa_supported(gk_isa isa);
/// Path currently used by every kernel. Chosen once at start-up (GENKIT_ISA=scalar|avx2|avx512|neon overrides).
gk_isa gk_active_isa(void);
/// Forces a path (tests, benchmarks). Returns 0 and changes nothing if the CPU cannot run it.
int gk_force_isa(gk_isa isa);
/// 1 if the CPU has AVX512_BF16 (vdpbf16ps).
int gk_cpu_has_avx512bf16(void);

#ifdef __cplusplus
}
#endif
#endif
