// x86-64 AVX-512 (F/BW/VL/DQ) kernels: the GEMM micro-kernel, the weight-rows tile and the f32 and bf16
// matrix-vector kernels. The other memory-bound matrix-vector and conversion loops reuse the AVX2 versions.
#if defined(__x86_64__)
#include "gk_internal.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c"))), apply_to = function)

enum { MR = 12, NR = 32 };

/// rows×32 tile (rows ≤ 12, a constant once inlined): up to 24 zmm accumulators, two B vectors and a broadcast A value
/// (27 of 32 registers). A comes as 12-row panels; a shorter tile reads the first `rows` of each 12.
static inline __attribute__((always_inline)) void tile_avx512(const int rows, long kc, const float *a, const float *b,
                                                              float *c, long ldc, float alpha, float beta, long m,
                                                              long n) {
    __m512 acc[MR][2];
    for (int i = 0; i < rows; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (long i = 0; i < m; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
    for (long k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        for (int i = 0; i < rows; i++) {
            __m512 av = _mm512_set1_ps(a[i]);
            acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
        }
        a += MR;
        b += NR;
    }
    if (m == rows && n == NR) {
        __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
        for (int i = 0; i < rows; i++)
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
    for (int i = 0; i < rows; i++) {
        _mm512_storeu_ps(tmp + i * NR, acc[i][0]);
        _mm512_storeu_ps(tmp + i * NR + 16, acc[i][1]);
    }
    gk_store_tile(tmp, NR, c, ldc, alpha, beta, m, n);
}

/// The last panel of a row count that is not a multiple of 12 (128 prompt tokens: 10 panels and 8 rows) runs a
/// shorter tile instead of multiplying its zero padding.
static void ukernel_avx512(long kc, const float *a, const float *b, float *c, long ldc,
                           float alpha, float beta, long m, long n) {
    if (m <= 4) tile_avx512(4, kc, a, b, c, ldc, alpha, beta, m, n);
    else if (m <= 8) tile_avx512(8, kc, a, b, c, ldc, alpha, beta, m, n);
    else tile_avx512(MR, kc, a, b, c, ldc, alpha, beta, m, n);
}

/// bf16 weights against rows of A paired in blocks of 16 (gk_pair_rows: 8 even-indexed elements, then the 8 odd
/// ones), 32 weights per load: a 32-bit lane holds an even weight in its low half and the next odd one in its high
/// half, so one AND gives 16 odd weights as floats and one shift the 16 even ones. The lanes span two pairing
/// blocks, so the matching A vectors join the first halves (evens) and the second halves (odds) of two blocks;
/// built once per step, they serve all J rows of W. Half the instructions per weight of the AVX2 kernel: faster on
/// one core while the weights sit in cache (1×2048×5632 from L3: 0.89–1.19 ms against 1.27 ms on Zen 4); a decode
/// step that streams weights from DRAM is as fast with either.
#define GK_JOIN(lo, hi) _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(lo)), _mm256_loadu_ps(hi), 1)
static inline __attribute__((always_inline)) void dot_block_bf16_paired_512(int J, long k, const float *a,
                                                                           const char *w, long ldw, float *out) {
    const __m512i high = _mm512_set1_epi32((int)0xFFFF0000u);
    __m512 even[4], odd[4];
    for (int j = 0; j < J; j++) even[j] = odd[j] = _mm512_setzero_ps();
    long q = 0;
    for (; q + 32 <= k; q += 32) {
        __m512 ae = GK_JOIN(a + q, a + q + 16), ao = GK_JOIN(a + q + 8, a + q + 24);
        for (int j = 0; j < J; j++) {
            __m512i wv = _mm512_loadu_si512((const void *)(w + (j * ldw + q) * 2));
            _mm_prefetch(w + ((J + j) * ldw + q) * 2, _MM_HINT_T2);   // see GK_DOT_BLOCK_FN in kernels_avx2.c
            even[j] = _mm512_fmadd_ps(ae, _mm512_castsi512_ps(_mm512_slli_epi32(wv, 16)), even[j]);
            odd[j] = _mm512_fmadd_ps(ao, _mm512_castsi512_ps(_mm512_and_si512(wv, high)), odd[j]);
        }
    }
    float rest[4];
    if (q < k) gk_avx2_dot_bf16_paired(1, J, k - q, a + q, 0, w + q * 2, ldw, rest, 0);  // a last block and the tail
    for (int j = 0; j < J; j++) out[j] = _mm512_reduce_add_ps(_mm512_add_ps(even[j], odd[j])) + (q < k ? rest[j] : 0.0f);
}
#undef GK_JOIN

GK_DOT_PAIRED_ROWS_FN(static, dot_bf16_paired_avx512, dot_block_bf16_paired_512)

/// float32 weights: R ≤ 2 rows of A against J ≤ 4 rows of W, 16 weights per load. Half the instructions per weight
/// streamed of the AVX2 kernel (one load, one FMA and one prefetch per cache line instead of two each), which lets
/// more loads be in flight (the bf16 kernels gained 5–8 % that way); over a 1.1B f32 decode's layers it measured
/// 1–3 % ahead of the AVX2 kernel at the same DRAM bandwidth, in alternating runs.
static inline __attribute__((always_inline)) void dot_block_f32_512(int R, int J, long k, const float *a, long lda,
                                                                    const char *wc, long ldw, float *out, long ldo) {
    const float *w = (const float *)wc;
    __m512 acc[2][4];
    for (int r = 0; r < R; r++)
        for (int j = 0; j < J; j++) acc[r][j] = _mm512_setzero_ps();
    long q = 0;
    for (; q + 16 <= k; q += 16) {
        __m512 wv[4];
        for (int j = 0; j < J; j++) {
            wv[j] = _mm512_loadu_ps(w + j * ldw + q);
            _mm_prefetch((const char *)(w + (J + j) * ldw + q), _MM_HINT_T2);   // see GK_DOT_BLOCK_FN
        }
        for (int r = 0; r < R; r++) {
            __m512 av = _mm512_loadu_ps(a + r * lda + q);
            for (int j = 0; j < J; j++) acc[r][j] = _mm512_fmadd_ps(av, wv[j], acc[r][j]);
        }
    }
    if (q < k) {   // the last k % 16 elements, zero beyond k
        __mmask16 mask = (__mmask16)((1u << (k - q)) - 1);
        __m512 wv[4];
        for (int j = 0; j < J; j++) wv[j] = _mm512_maskz_loadu_ps(mask, w + j * ldw + q);
        for (int r = 0; r < R; r++) {
            __m512 av = _mm512_maskz_loadu_ps(mask, a + r * lda + q);
            for (int j = 0; j < J; j++) acc[r][j] = _mm512_fmadd_ps(av, wv[j], acc[r][j]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int j = 0; j < J; j++) out[r * ldo + j] = _mm512_reduce_add_ps(acc[r][j]);
}

GK_DOT_ROWS_FN(static, dot_f32_avx512, dot_block_f32_512, 4)

/// Weight-rows tile (gk_wrows_fn): `rows` weight rows broadcast one element at a time straight from W against
/// `vecs` vectors of 16 packed rows of A; up to 24 accumulators, four A vectors and a broadcast. Six rows at a time
/// because rows of 2048 or 4096 floats lie a multiple of 4 KB apart, in the same set of the 8-way L1: twelve such rows
/// would evict each other at every step.
static inline __attribute__((always_inline)) void wrows_tile_f32(const int rows, const int vecs, long slots,
                                                                 const float *ap, long ldap, const float *w, long ldw,
                                                                 float *acc, int load) {
    __m512 c[GK_WR_ROWS][GK_WR_VECS];
    for (int i = 0; i < rows; i++)
        for (int h = 0; h < vecs; h++) c[i][h] = load ? _mm512_loadu_ps(acc + i * GK_WR_COLS + 16 * h) : _mm512_setzero_ps();
    for (long s = 0; s < slots; s++) {
        __m512 b[GK_WR_VECS];
        for (int h = 0; h < vecs; h++) b[h] = _mm512_loadu_ps(ap + 16 * h);
        for (int i = 0; i < rows; i++) {
            __m512 wv = _mm512_set1_ps(w[i * ldw + s]);
            for (int h = 0; h < vecs; h++) c[i][h] = _mm512_fmadd_ps(wv, b[h], c[i][h]);
        }
        ap += ldap;
    }
    for (int i = 0; i < rows; i++)
        for (int h = 0; h < vecs; h++) _mm512_storeu_ps(acc + i * GK_WR_COLS + 16 * h, c[i][h]);
}

static void wrows_avx512(int rows, int vecs, long slots, int half_tail, const float *ap, long ldap, const void *wv,
                         long ldw, float *acc, int load) {
    (void)half_tail;   // float32 slots are whole elements
    const float *w = wv;
    switch (vecs) {
    case 1: GK_WR_ROW_CASES(wrows_tile_f32, 1, slots, ap, ldap, w, ldw, acc, load) break;
    case 2: GK_WR_ROW_CASES(wrows_tile_f32, 2, slots, ap, ldap, w, ldw, acc, load) break;
    case 3: GK_WR_ROW_CASES(wrows_tile_f32, 3, slots, ap, ldap, w, ldw, acc, load) break;
    default: GK_WR_ROW_CASES(wrows_tile_f32, 4, slots, ap, ldap, w, ldw, acc, load) break;
    }
}

#pragma clang attribute pop

const gk_kernel_table gk_table_avx512 = {
    .mr = MR, .nr = NR, .kc = 192, .mc = 144, .nc = 4096,
    .ukernel = ukernel_avx512,
    .dot_f32 = dot_f32_avx512, .dot_f16 = gk_avx2_dot_f16, .dot_bf16 = gk_avx2_dot_bf16,
    .dot_bf16_paired = dot_bf16_paired_avx512,
    .axpy_rows = gk_avx2_axpy_rows,
    .wrows = wrows_avx512,
    .pack_rows = gk_avx2_pack_rows,
    .f16_to_f32 = gk_avx2_f16_to_f32, .bf16_to_f32 = gk_avx2_bf16_to_f32,
    .f32_to_f16 = gk_avx2_f32_to_f16, .f32_to_bf16 = gk_avx2_f32_to_bf16,
};
#endif
