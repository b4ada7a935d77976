// AVX-512 build of the row kernels (sixteen lanes), selected only when the CPU reports AVX-512 F/BW/VL.
#if defined(__x86_64__) || defined(_M_X64)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"))), apply_to = function)
#define GK_OPS_WIDTH 16
#define GK_OPS_HAS_FMA 1
#define GK_OPS_TABLE gk_ops_avx512
#include "ops_kernels.h"
#pragma clang attribute pop
#endif
