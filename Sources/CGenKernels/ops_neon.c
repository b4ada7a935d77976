// Advanced SIMD build of the row kernels: NEON is part of the arm64 baseline, so no target attribute is
// needed; eight lanes (two q-registers) give the exp polynomials more independent work per iteration.
#if defined(__aarch64__)
#define GK_OPS_WIDTH 8
#define GK_OPS_HAS_FMA 1
#define GK_OPS_TABLE gk_ops_neon
#include "ops_kernels.h"
#endif
