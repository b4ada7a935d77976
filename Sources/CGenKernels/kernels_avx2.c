// x86-64 AVX2 + FMA + F16C kernels. Compiled for that target function by function (no global flags),
// and only called after cpu.c has confirmed the CPU and OS support it.
#if defined(__x86_64__)
#include "gk_internal.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

enum { MR = 6, NR = 16 };

#define GK_INLINE static inline __attribute__((always_inline))

GK_INLINE __m256 store_mix(__m256 acc, float *c, __m256 va, __m256 vb, float beta) {
    if (beta == 0.0f) return _mm256_mul_ps(acc, va);
    if (beta == 1.0f) return _mm256_fmadd_ps(acc, va, _mm256_loadu_ps(c));
    return _mm256_fmadd_ps(acc, va, _mm256_mul_ps(vb, _mm256_loadu_ps(c)));
}

/// 6x16 tile: 12 accumulators, two B vectors and one broadcast A value fill the 16 ymm registers.
static void ukernel_avx2(long kc, const float *a, const float *b, float *c, long ldc,
                         float alpha, float beta, long m, long n) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (long i = 0; i < m; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
#pragma clang loop unroll(disable)
    for (long k = 0; k < kc; k++) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), av;
        _mm_prefetch((const char *)(a + 64), _MM_HINT_T0);
        av = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);
        av = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);
        av = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);
        av = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);
        av = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);
        av = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);
        a += MR;
        b += NR;
    }
    __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    if (m == MR && n == NR) {
        __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
        for (int i = 0; i < MR; i++) {
            float *ci = c + i * ldc;
            __m256 r0 = store_mix(acc[i][0], ci, va, vb, beta);
            __m256 r1 = store_mix(acc[i][1], ci + 8, va, vb, beta);
            _mm256_storeu_ps(ci, r0);
            _mm256_storeu_ps(ci + 8, r1);
        }
        return;
    }
    float tmp[MR * NR];
    for (int i = 0; i < MR; i++) {
        _mm256_storeu_ps(tmp + i * NR, acc[i][0]);
        _mm256_storeu_ps(tmp + i * NR + 8, acc[i][1]);
    }
    gk_store_tile(tmp, NR, c, ldc, alpha, beta, m, n);
}

GK_INLINE float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

GK_INLINE __m256 load8_f32(const void *w, long q) { return _mm256_loadu_ps((const float *)w + q); }
GK_INLINE __m256 load8_f16(const void *w, long q) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)w + q)));
}
GK_INLINE __m256 load8_bf16(const void *w, long q) {
    __m256i x = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)((const uint16_t *)w + q)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(x, 16));
}
GK_INLINE float load1_f32(const void *w, long q) { return ((const float *)w)[q]; }
GK_INLINE float load1_f16(const void *w, long q) { return gk_f16_to_f32_scalar(((const uint16_t *)w)[q]); }
GK_INLINE float load1_bf16(const void *w, long q) { return gk_bf16_to_f32_scalar(((const uint16_t *)w)[q]); }

/// R rows of A against J rows of W; R*J accumulators. R and J are literals at every call, so the
/// loops over them unroll and the accumulators stay in registers. While these rows stream, the same line of the
/// next J rows is prefetched into L2: a decode step reads each row of W once from DRAM, rows are 4–8 KB, and the
/// hardware prefetcher stops at every 4 KB page, so without it each row began with misses (one core streaming
/// 1.1B-shape rows: f32 19 → 22 GB/s, bf16 17 → 21.5 GB/s against 25 GB/s for a plain read).
#define GK_DOT_BLOCK_FN(name, esize, load8, load1)                                                       \
    GK_INLINE void name(int R, int J, long k, const float *a, long lda, const char *w, long ldw,         \
                        float *out, long ldo) {                                                          \
        __m256 acc[2][4];                                                                                \
        for (int r = 0; r < R; r++)                                                                      \
            for (int j = 0; j < J; j++) acc[r][j] = _mm256_setzero_ps();                                 \
        long q = 0;                                                                                      \
        for (; q + 8 <= k; q += 8) {                                                                     \
            __m256 wv[4];                                                                                \
            for (int j = 0; j < J; j++) wv[j] = load8(w + j * ldw * esize, q);                           \
            for (int j = 0; j < J; j++) _mm_prefetch(w + ((J + j) * ldw + q) * esize, _MM_HINT_T2);      \
            for (int r = 0; r < R; r++) {                                                                \
                __m256 av = _mm256_loadu_ps(a + r * lda + q);                                            \
                for (int j = 0; j < J; j++) acc[r][j] = _mm256_fmadd_ps(av, wv[j], acc[r][j]);           \
            }                                                                                            \
        }                                                                                                \
        for (int r = 0; r < R; r++)                                                                      \
            for (int j = 0; j < J; j++) {                                                                \
                float s = hsum(acc[r][j]);                                                               \
                for (long t = q; t < k; t++) s += a[r * lda + t] * load1(w + j * ldw * esize, t);        \
                out[r * ldo + j] = s;                                                                    \
            }                                                                                            \
    }


GK_DOT_BLOCK_FN(dot_block_f32, 4, load8_f32, load1_f32)
GK_DOT_BLOCK_FN(dot_block_f16, 2, load8_f16, load1_f16)
GK_DOT_BLOCK_FN(dot_block_bf16, 2, load8_bf16, load1_bf16)
GK_DOT_ROWS_FN(, gk_avx2_dot_f32, dot_block_f32, 4)
GK_DOT_ROWS_FN(, gk_avx2_dot_f16, dot_block_f16, 2)
GK_DOT_ROWS_FN(, gk_avx2_dot_bf16, dot_block_bf16, 2)

/// bf16 weights against paired rows of A (gk_pair_rows: each 16-element block holds its 8 even elements, then
/// its 8 odd ones). A 32-bit lane of 16 loaded weights holds an even weight in its low half and an odd one in its
/// high half, so one AND gives the odd weights as floats and one byte shuffle the even ones: two cheap ops per 16
/// weights instead of a widening and a shift per 8, which left the loop bound by those ops instead of memory.
GK_INLINE void dot_block_bf16_paired(int J, long k, const float *a, const char *w, long ldw, float *out) {
    const __m256i high = _mm256_set1_epi32((int)0xFFFF0000u);
    const __m256i low_to_high = _mm256_setr_epi8(-1, -1, 0, 1, -1, -1, 4, 5, -1, -1, 8, 9, -1, -1, 12, 13,
                                                 -1, -1, 0, 1, -1, -1, 4, 5, -1, -1, 8, 9, -1, -1, 12, 13);
    __m256 even[4], odd[4];
    for (int j = 0; j < J; j++) even[j] = odd[j] = _mm256_setzero_ps();
    long q = 0;
    for (; q + 16 <= k; q += 16) {
        __m256 ae = _mm256_loadu_ps(a + q), ao = _mm256_loadu_ps(a + q + 8);
        for (int j = 0; j < J; j++) {
            __m256i wv = _mm256_loadu_si256((const __m256i *)(w + (j * ldw + q) * 2));
            _mm_prefetch(w + ((J + j) * ldw + q) * 2, _MM_HINT_T2);   // see GK_DOT_BLOCK_FN
            even[j] = _mm256_fmadd_ps(ae, _mm256_castsi256_ps(_mm256_shuffle_epi8(wv, low_to_high)), even[j]);
            odd[j] = _mm256_fmadd_ps(ao, _mm256_castsi256_ps(_mm256_and_si256(wv, high)), odd[j]);
        }
    }
    for (int j = 0; j < J; j++) {
        float s = hsum(_mm256_add_ps(even[j], odd[j]));
        for (long t = q; t < k; t++) s += a[t] * load1_bf16(w + j * ldw * 2, t);   // the tail is in order
        out[j] = s;
    }
}

GK_DOT_PAIRED_ROWS_FN(, gk_avx2_dot_bf16_paired, dot_block_bf16_paired)

/// acc[r, :] = Σ_q A[r, q] · B[q, :], eight rows of B per pass so each accumulator load/store serves 8 FMAs.
void gk_avx2_axpy_rows(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                       float *acc) {
    for (long i = 0; i < m * n; i++) acc[i] = 0.0f;
    long q = 0;
    for (; q + 8 <= k; q += 8) {
        const float *bq = b + q * ldb;
        for (long r = 0; r < m; r++) {
            const float *ar = a + r * lda + q;
            __m256 s[8];
            for (int u = 0; u < 8; u++) s[u] = _mm256_set1_ps(ar[u]);
            float *cr = acc + r * n;
            long j = 0;
            for (; j + 8 <= n; j += 8) {
                __m256 c0 = _mm256_loadu_ps(cr + j);
                __m256 c1 = _mm256_mul_ps(s[1], _mm256_loadu_ps(bq + ldb + j));
                c0 = _mm256_fmadd_ps(s[0], _mm256_loadu_ps(bq + j), c0);
                for (int u = 2; u < 8; u += 2) {
                    c0 = _mm256_fmadd_ps(s[u], _mm256_loadu_ps(bq + u * ldb + j), c0);
                    c1 = _mm256_fmadd_ps(s[u + 1], _mm256_loadu_ps(bq + (u + 1) * ldb + j), c1);
                }
                _mm256_storeu_ps(cr + j, _mm256_add_ps(c0, c1));
            }
            for (; j < n; j++) {
                float t = cr[j];
                for (int u = 0; u < 8; u++) t += ar[u] * bq[u * ldb + j];
                cr[j] = t;
            }
        }
    }
    gk_axpy_rows_from(m, n, q, k, a, lda, b, ldb, acc);
}

void gk_avx2_f16_to_f32(const uint16_t *s, float *d, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s + i))));
    for (; i < n; i++) d[i] = gk_f16_to_f32_scalar(s[i]);
}

void gk_avx2_f32_to_f16(const float *s, uint16_t *d, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(d + i), _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; i++) d[i] = gk_f32_to_f16_scalar(s[i]);
}

void gk_avx2_bf16_to_f32(const uint16_t *s, float *d, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(d + i, load8_bf16(s, i));
    for (; i < n; i++) d[i] = gk_bf16_to_f32_scalar(s[i]);
}

/// Round to nearest even by adding 0x7fff plus the kept LSB; NaNs instead get the quiet bit so they stay NaN.
void gk_avx2_f32_to_bf16(const float *s, uint16_t *d, long n) {
    const __m256i one = _mm256_set1_epi32(1), bias = _mm256_set1_epi32(0x7fff);
    const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
    const __m256i quiet = _mm256_set1_epi32(0x40);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i x = _mm256_castps_si256(_mm256_loadu_ps(s + i));
        __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(x, 16), one);
        __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(x, bias), lsb), 16);
        __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(x, abs_mask), inf);
        __m256i qnan = _mm256_or_si256(_mm256_srli_epi32(x, 16), quiet);
        __m256i r = _mm256_blendv_epi8(rounded, qnan, nan);
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
        _mm_storeu_si128((__m128i *)(d + i), _mm256_castsi256_si128(packed));
    }
    for (; i < n; i++) d[i] = gk_f32_to_bf16_scalar(s[i]);
}


/// 8×8 transpose in registers: r[i] holds row i (8 consecutive k of one W row) and ends up holding column i.
GK_INLINE void transpose8(__m256 r[8]) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20); r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20); r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31); r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31); r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/// Stores the first `width` (1…8) lanes of v. Pieces of 4, 2 and 1 lanes rather than a masked store, which is
/// slow on AMD cores.
GK_INLINE void store_lanes(float *d, __m256 v, long width) {
    if (width == 8) { _mm256_storeu_ps(d, v); return; }
    __m128 part = _mm256_castps256_ps128(v);
    if (width >= 4) {
        _mm_storeu_ps(d, part);
        part = _mm256_extractf128_ps(v, 1);
        d += 4; width -= 4;
    }
    if (width >= 2) {
        _mm_storel_pi((__m64 *)d, part);
        part = _mm_movehl_ps(part, part);
        d += 2; width -= 2;
    }
    if (width) _mm_store_ss(d, part);
}

/// Packs rows of a row-major matrix (W rows into a B panel, or rows of A into an A panel) 8 rows × 8 depths at a
/// time through register transposes, instead of one strided store per element (the element loop cost a third of
/// the GEMM time of a 128-token prefill, and packing A that way a fifth of a UNet step's).
void gk_avx2_pack_rows(const float *w, long ldw, long cols, long kc, long nr, float *dst) {
    long c0 = 0;
    for (; c0 + 8 <= cols; c0 += 8) {
        const float *rows = w + c0 * ldw;
        long k = 0;
        for (; k + 8 <= kc; k += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(rows + i * ldw + k);
            transpose8(r);
            for (int i = 0; i < 8; i++) _mm256_storeu_ps(dst + (k + i) * nr + c0, r[i]);
        }
        for (; k < kc; k++)
            for (long c = 0; c < 8; c++) dst[k * nr + c0 + c] = rows[c * ldw + k];
    }
    if (c0 < cols && nr - c0 <= 8) {
        // The last rows and the zero padding after them fit in one 8-lane group (an A panel of 6 rows, or
        // the tail of a B panel): transpose with zero rows in place of the missing ones, store `width` lanes.
        const float *rows = w + c0 * ldw;
        long have = cols - c0, width = nr - c0, k = 0;
        for (; k + 8 <= kc; k += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = i < have ? _mm256_loadu_ps(rows + i * ldw + k) : _mm256_setzero_ps();
            transpose8(r);
            for (int i = 0; i < 8; i++) store_lanes(dst + (k + i) * nr + c0, r[i], width);
        }
        for (; k < kc; k++)
            for (long c = 0; c < width; c++) dst[k * nr + c0 + c] = c < have ? rows[c * ldw + k] : 0.0f;
        return;
    }
    for (long c = c0; c < cols; c++)
        for (long k = 0; k < kc; k++) dst[k * nr + c] = w[c * ldw + k];
    for (long c = cols; c < nr; c++)
        for (long k = 0; k < kc; k++) dst[k * nr + c] = 0.0f;
}

#pragma clang attribute pop

const gk_kernel_table gk_table_avx2 = {
    .mr = MR, .nr = NR, .kc = 256, .mc = 144, .nc = 4080,
    .ukernel = ukernel_avx2,
    .dot_f32 = gk_avx2_dot_f32, .dot_f16 = gk_avx2_dot_f16, .dot_bf16 = gk_avx2_dot_bf16,
    .dot_bf16_paired = gk_avx2_dot_bf16_paired,
    .axpy_rows = gk_avx2_axpy_rows,
    .pack_rows = gk_avx2_pack_rows,
    .f16_to_f32 = gk_avx2_f16_to_f32, .bf16_to_f32 = gk_avx2_bf16_to_f32,
    .f32_to_f16 = gk_avx2_f32_to_f16, .f32_to_bf16 = gk_avx2_f32_to_bf16,
};
#endif
