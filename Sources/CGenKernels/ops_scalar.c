// Portable build of the row kernels (GK_ISA_SCALAR). Four-lane clang vectors lower to SSE2 on x86-64 and to
// plain scalar code on targets without SIMD; no target attributes, so it runs on any CPU.
#define GK_OPS_WIDTH 4
#define GK_OPS_HAS_FMA 0
#define GK_OPS_TABLE gk_ops_portable
#include "ops_kernels.h"
