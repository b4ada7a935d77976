// x86-64 AVX-512 (F/BW/VL/DQ) kernels: the GEMM micro-kernel. The memory-bound matrix-vector and
// conversion loops reuse the AVX2 versions, which already saturate memory bandwidth.
#if defined(__x86_64__)
#include "gk_internal.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c"))), apply_to = function)

enum { MR = 12, NR = 32 };

/// 12x32 tile: 24 zmm accumulators, two B vectors and a broadcast A value (27 of 32 registers).
static void ukernel_avx512(long kc, const float *a, const float *b, float *c, long ldc,
                           float alpha, float beta, long m, long n) {
    __m512 acc[MR][2];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (long i = 0; i < m; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
    for (long k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        for (int i = 0; i < MR; i++) {
            __m512 av = _mm512_set1_ps(a[i]);
            acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
        }
        a += MR;
        b += NR;
    }
    if (m == MR && n == NR) {
        __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
        for (int i = 0; i < MR; i++)
            for (int h = 0; h < 2; h++) {
                float *ci = c + i * ldc + h * 16;
                __m512 r;
                if (beta == 0.0f) r = _mm512_mul_ps(acc[i][h], va);
                else if (beta == 1.0f) r = _mm512_fmadd_ps(acc[i][h], va, _mm512_loadu_ps(ci));
                else r = _mm512_fmadd_ps(acc[i][h], va, _mm512_mul_ps(vb, _mm512_loadu_ps(ci)));
                _mm512_storeu_ps(ci, r);
            }
        return;
    }
    float tmp[MR * NR];
    for (int i = 0; i < MR; i++) {
        _mm512_storeu_ps(tmp + i * NR, acc[i][0]);
        _mm512_storeu_ps(tmp + i * NR + 16, acc[i][1]);
    }
    gk_store_tile(tmp, NR, c, ldc, alpha, beta, m, n);
}

#pragma clang attribute pop

const gk_kernel_table gk_table_avx512 = {
    .mr = MR, .nr = NR, .kc = 192, .mc = 144, .nc = 4096,
    .ukernel = ukernel_avx512,
    .dot_f32 = gk_avx2_dot_f32, .dot_f16 = gk_avx2_dot_f16, .dot_bf16 = gk_avx2_dot_bf16,
    .dot_bf16_paired = gk_avx2_dot_bf16_paired,
    .axpy_rows = gk_avx2_axpy_rows,
    .pack_rows = gk_avx2_pack_rows,
    .f16_to_f32 = gk_avx2_f16_to_f32, .bf16_to_f32 = gk_avx2_bf16_to_f32,
    .f32_to_f16 = gk_avx2_f32_to_f16, .f32_to_bf16 = gk_avx2_f32_to_bf16,
};
#endif
