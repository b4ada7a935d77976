// x86-64 AVX512_BF16 kernels for matrix products computed in bfloat16 (gk_linear_bf16w_bf16a): the packed micro-kernel,
// the weight-rows tile and the decode matrix-vector kernel.
// vdpbf16ps multiplies pairs of bf16 values and adds both products to a float32 lane: twice the multiply-adds of
// an FMA per instruction (measured on Zen 4: 230 against 115 GFLOP/s per core). Operands come packed as pairs:
// one 32-bit slot holds elements k and k+1 of a row, so the packed panels have the f32 layout with half the depth.
#if defined(__x86_64__)
#include "gk_internal.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma"))), \
                             apply_to = function)

enum { MR = 12, NR = 32 };

/// rows×32 tile over `kp` pairs (rows ≤ 12, a constant once inlined): up to 24 zmm accumulators, two B vectors
/// (16 columns × one pair each) and a broadcast pair of A. The panels are passed as float pointers (the driver's type)
/// but hold bf16 pairs; A comes as 12-row panels and a shorter tile reads the first `rows` of each 12.
static inline __attribute__((always_inline)) void tile_avx512bf16(const int rows, long kp, const float *a,
                                                                  const float *b, float *c, long ldc, float alpha,
                                                                  float beta, long m, long n) {
    __m512 acc[MR][2];
    for (int i = 0; i < rows; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (long i = 0; i < m; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
    const uint32_t *pa = (const uint32_t *)a;
    for (long k = 0; k < kp; k++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_ps(b), b1 = (__m512bh)_mm512_loadu_ps(b + 16);
        for (int i = 0; i < rows; i++) {
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)pa[i]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], av, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], av, b1);
        }
        pa += MR;
        b += NR;
    }
    if (m == rows && n == NR && alpha == 1.0f && (beta == 0.0f || beta == 1.0f)) {
        for (int i = 0; i < rows; i++)
            for (int h = 0; h < 2; h++) {
                float *ci = c + i * ldc + h * 16;
                _mm512_storeu_ps(ci, beta == 0.0f ? acc[i][h] : _mm512_add_ps(acc[i][h], _mm512_loadu_ps(ci)));
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

/// A last panel of fewer than 12 rows runs a shorter tile instead of multiplying its zero padding.
static void ukernel_avx512bf16(long kp, const float *a, const float *b, float *c, long ldc, float alpha, float beta,
                               long m, long n) {
    if (m <= 4) tile_avx512bf16(4, kp, a, b, c, ldc, alpha, beta, m, n);
    else if (m <= 8) tile_avx512bf16(8, kp, a, b, c, ldc, alpha, beta, m, n);
    else tile_avx512bf16(MR, kp, a, b, c, ldc, alpha, beta, m, n);
}

/// A decode step in bf16 (gk_linear_bf16w_bf16a with m ≤ 4 rows): bf16 rows of W against rows of A already rounded
/// to bf16, one vdpbf16ps per 32 weights and four rows of W in flight, the next four prefetched into L2 as the float32
/// decode kernels do. Against that kernel (a shift, an AND and two FMAs per 32 weights) it streams 5–8 % more bytes a
/// second on Zen 4 at the same DRAM bandwidth: fewer instructions per load let more loads be in flight.
static inline __attribute__((always_inline)) void dot_block_bf16a(int J, long k, const uint16_t *a, const uint16_t *w,
                                                                  long ldw, float *out) {
    __m512 acc[4];
    for (int j = 0; j < J; j++) acc[j] = _mm512_setzero_ps();
    long q = 0;
    for (; q + 32 <= k; q += 32) {
        __m512bh av = (__m512bh)_mm512_loadu_si512((const void *)(a + q));
        for (int j = 0; j < J; j++) {
            _mm_prefetch((const char *)(w + (J + j) * ldw + q), _MM_HINT_T2);
            acc[j] = _mm512_dpbf16_ps(acc[j], av, (__m512bh)_mm512_loadu_si512((const void *)(w + j * ldw + q)));
        }
    }
    if (q < k) {   // the last k % 32 elements, zero beyond k
        __mmask32 mask = (__mmask32)((1ull << (k - q)) - 1);
        __m512bh av = (__m512bh)_mm512_maskz_loadu_epi16(mask, a + q);
        for (int j = 0; j < J; j++)
            acc[j] = _mm512_dpbf16_ps(acc[j], av, (__m512bh)_mm512_maskz_loadu_epi16(mask, w + j * ldw + q));
    }
    for (int j = 0; j < J; j++) out[j] = _mm512_reduce_add_ps(acc[j]);
}

static void dot_bf16_bf16a(long m, long nw, long k, const float *a, long lda, const void *wv, long ldw, float *out,
                           long ldo) {
    const uint16_t *a16 = (const uint16_t *)a, *w = wv;
    long j = 0;
    for (; j + 4 <= nw; j += 4)
        for (long r = 0; r < m; r++) dot_block_bf16a(4, k, a16 + r * lda, w + j * ldw, ldw, out + r * ldo + j);
    for (; j < nw; j++)
        for (long r = 0; r < m; r++) dot_block_bf16a(1, k, a16 + r * lda, w + j * ldw, ldw, out + r * ldo + j);
}

/// A 32-bit pair of bf16 elements at any 2-byte boundary of a weight row.
typedef float __attribute__((aligned(2), may_alias)) gk_unaligned_pair;

/// One step of the weight-rows tile on bf16 pairs: each row's pair broadcast against the A vectors. `w` is NULL for
/// the half pair that ends an odd depth: `last[i]` then holds row i's element alone.
static inline __attribute__((always_inline)) void wrows_step_bf16(const int rows, const int vecs, const float *ap,
                                                                  const uint16_t *w, long ldw, const uint32_t *last,
                                                                  __m512 c[][GK_WR_VECS]) {
    __m512bh b[GK_WR_VECS];
    for (int h = 0; h < vecs; h++) b[h] = (__m512bh)_mm512_loadu_ps(ap + 16 * h);
    for (int i = 0; i < rows; i++) {
        // Broadcast as a float straight from memory (a load only; clang turns an integer broadcast into a move to a
        // general register and a vpbroadcastd from there, which takes a vector port). The bits pass unchanged.
        __m512bh wv = (__m512bh)(w ? _mm512_set1_ps(*(const gk_unaligned_pair *)(w + i * ldw))
                                   : _mm512_castsi512_ps(_mm512_set1_epi32((int)last[i])));
        for (int h = 0; h < vecs; h++) c[i][h] = _mm512_dpbf16_ps(c[i][h], wv, b[h]);
    }
}

/// Weight-rows tile on bf16 pairs (gk_wrows_fn; the shape of wrows_tile_f32 in kernels_avx512.c): each step
/// broadcasts a 32-bit pair of elements from each W row, unaligned, straight from the weights.
static inline __attribute__((always_inline)) void wrows_tile_bf16(const int rows, const int vecs, long slots,
                                                                  int half_tail, const float *ap, long ldap,
                                                                  const uint16_t *w, long ldw, float *acc, int load) {
    __m512 c[GK_WR_ROWS][GK_WR_VECS];
    for (int i = 0; i < rows; i++)
        for (int h = 0; h < vecs; h++) c[i][h] = load ? _mm512_loadu_ps(acc + i * GK_WR_COLS + 16 * h) : _mm512_setzero_ps();
    for (long s = 0; s < slots; s++) {
        wrows_step_bf16(rows, vecs, ap, w + 2 * s, ldw, NULL, c);
        ap += ldap;
    }
    if (half_tail) {   // element 2·slots alone, zero beside it
        uint32_t last[GK_WR_ROWS];
        for (int i = 0; i < rows; i++) last[i] = w[i * ldw + 2 * slots];
        wrows_step_bf16(rows, vecs, ap, NULL, ldw, last, c);
    }
    for (int i = 0; i < rows; i++)
        for (int h = 0; h < vecs; h++) _mm512_storeu_ps(acc + i * GK_WR_COLS + 16 * h, c[i][h]);
}

static void wrows_avx512bf16(int rows, int vecs, long slots, int half_tail, const float *ap, long ldap, const void *wv,
                             long ldw, float *acc, int load) {
    const uint16_t *w = wv;
    switch (vecs) {
    case 1: GK_WR_ROW_CASES(wrows_tile_bf16, 1, slots, half_tail, ap, ldap, w, ldw, acc, load) break;
    case 2: GK_WR_ROW_CASES(wrows_tile_bf16, 2, slots, half_tail, ap, ldap, w, ldw, acc, load) break;
    case 3: GK_WR_ROW_CASES(wrows_tile_bf16, 3, slots, half_tail, ap, ldap, w, ldw, acc, load) break;
    default: GK_WR_ROW_CASES(wrows_tile_bf16, 4, slots, half_tail, ap, ldap, w, ldw, acc, load) break;
    }
}

#pragma clang attribute pop

/// The AVX-512 table with the pair micro-kernel in place of the f32 one: same tile and packers, a depth block of
/// 192 pairs (384 elements; a B panel is 24 KB, inside L1).
const gk_kernel_table gk_table_avx512bf16_pairs = {
    .mr = MR, .nr = NR, .kc = 192, .mc = 144, .nc = 4096,
    .ukernel = ukernel_avx512bf16,
    .dot_bf16_bf16a = dot_bf16_bf16a,
    .wrows = wrows_avx512bf16,
    .pack_rows = gk_avx2_pack_rows,
    .f32_to_bf16 = gk_avx2_f32_to_bf16,
};
#endif
