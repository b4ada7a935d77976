// AVX2 + FMA build of the row kernels (eight lanes). Function-level target attributes keep the rest of the
// package baseline x86-64; the dispatcher only selects this table when the CPU reports AVX2 and FMA.
#if defined(__x86_64__) || defined(_M_X64)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define GK_OPS_WIDTH 8
#define GK_OPS_HAS_FMA 1
#define GK_OPS_TABLE gk_ops_avx2
#include "ops_kernels.h"
#pragma clang attribute pop
#endif
