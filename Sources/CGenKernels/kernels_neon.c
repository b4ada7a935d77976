// arm64 Advanced SIMD kernels (NEON is part of the arm64 baseline, so no target attribute is needed).
#if defined(__aarch64__)
#include "gk_internal.h"
#include <arm_neon.h>

enum { MR = 8, NR = 12 };

#define GK_INLINE static inline __attribute__((always_inline))

/// 8x12 tile: 24 q-register accumulators, three B vectors and two A vectors (29 of 32 registers);
/// the A values are used by lane, so no broadcasts are needed.
static void ukernel_neon(long kc, const float *a, const float *b, float *c, long ldc,
                         float alpha, float beta, long m, long n) {
    float32x4_t acc[MR][3];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(0.0f);
    for (long k = 0; k < kc; k++) {
        float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
        float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
#define GK_ROW(i, av, lane)                                        \
        acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, av, lane);       \
        acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, av, lane);       \
        acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, av, lane);
        GK_ROW(0, a0, 0) GK_ROW(1, a0, 1) GK_ROW(2, a0, 2) GK_ROW(3, a0, 3)
        GK_ROW(4, a1, 0) GK_ROW(5, a1, 1) GK_ROW(6, a1, 2) GK_ROW(7, a1, 3)
#undef GK_ROW
        a += MR;
        b += NR;
    }
    if (m == MR && n == NR) {
        float32x4_t vb = vdupq_n_f32(beta);
        for (int i = 0; i < MR; i++)
            for (int h = 0; h < 3; h++) {
                float *ci = c + i * ldc + h * 4;
                float32x4_t r = vmulq_n_f32(acc[i][h], alpha);
                if (beta == 1.0f) r = vaddq_f32(r, vld1q_f32(ci));
                else if (beta != 0.0f) r = vfmaq_f32(r, vb, vld1q_f32(ci));
                vst1q_f32(ci, r);
            }
        return;
    }
    float tmp[MR * NR];
    for (int i = 0; i < MR; i++)
        for (int h = 0; h < 3; h++) vst1q_f32(tmp + i * NR + h * 4, acc[i][h]);
    gk_store_tile(tmp, NR, c, ldc, alpha, beta, m, n);
}

GK_INLINE float32x4_t load4_f32(const void *w, long q) { return vld1q_f32((const float *)w + q); }
GK_INLINE float32x4_t load4_f16(const void *w, long q) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)w + q)));
}
GK_INLINE float32x4_t load4_bf16(const void *w, long q) {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16((const uint16_t *)w + q), 16));
}
GK_INLINE float load1_f32(const void *w, long q) { return ((const float *)w)[q]; }
GK_INLINE float load1_f16(const void *w, long q) { return gk_f16_to_f32_scalar(((const uint16_t *)w)[q]); }
GK_INLINE float load1_bf16(const void *w, long q) { return gk_bf16_to_f32_scalar(((const uint16_t *)w)[q]); }

/// R rows of A against J rows of W (R <= 2, J <= 4, literals at every call so the accumulators stay in registers).
#define GK_DOT_BLOCK_FN(name, esize, load4, load1)                                                     \
    GK_INLINE void name(int R, int J, long k, const float *a, long lda, const char *w, long ldw,       \
                        float *out, long ldo) {                                                        \
        float32x4_t acc[2][4];                                                                         \
        for (int r = 0; r < R; r++)                                                                    \
            for (int j = 0; j < J; j++) acc[r][j] = vdupq_n_f32(0.0f);                                 \
        long q = 0;                                                                                    \
        for (; q + 4 <= k; q += 4) {                                                                   \
            float32x4_t wv[4];                                                                         \
            for (int j = 0; j < J; j++) wv[j] = load4(w + j * ldw * esize, q);                         \
            for (int r = 0; r < R; r++) {                                                              \
                float32x4_t av = vld1q_f32(a + r * lda + q);                                           \
                for (int j = 0; j < J; j++) acc[r][j] = vfmaq_f32(acc[r][j], av, wv[j]);               \
            }                                                                                          \
        }                                                                                              \
        for (int r = 0; r < R; r++)                                                                    \
            for (int j = 0; j < J; j++) {                                                              \
                float s = vaddvq_f32(acc[r][j]);                                                       \
                for (long t = q; t < k; t++) s += a[r * lda + t] * load1(w + j * ldw * esize, t);      \
                out[r * ldo + j] = s;                                                                  \
            }                                                                                          \
    }


GK_DOT_BLOCK_FN(dot_block_f32, 4, load4_f32, load1_f32)
GK_DOT_BLOCK_FN(dot_block_f16, 2, load4_f16, load1_f16)
GK_DOT_BLOCK_FN(dot_block_bf16, 2, load4_bf16, load1_bf16)
GK_DOT_ROWS_FN(static, dot_f32_neon, dot_block_f32, 4)
GK_DOT_ROWS_FN(static, dot_f16_neon, dot_block_f16, 2)
GK_DOT_ROWS_FN(static, dot_bf16_neon, dot_block_bf16, 2)

/// acc[r, :] = Σ_q A[r, q] · B[q, :], four rows of B per pass.
static void axpy_rows_neon(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *acc) {
    for (long i = 0; i < m * n; i++) acc[i] = 0.0f;
    long q = 0;
    for (; q + 4 <= k; q += 4) {
        const float *b0 = b + q * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
        for (long r = 0; r < m; r++) {
            const float *ar = a + r * lda + q;
            float32x4_t s = vld1q_f32(ar);
            float *cr = acc + r * n;
            long j = 0;
            for (; j + 4 <= n; j += 4) {
                float32x4_t c = vld1q_f32(cr + j);
                c = vfmaq_laneq_f32(c, vld1q_f32(b0 + j), s, 0);
                c = vfmaq_laneq_f32(c, vld1q_f32(b1 + j), s, 1);
                c = vfmaq_laneq_f32(c, vld1q_f32(b2 + j), s, 2);
                c = vfmaq_laneq_f32(c, vld1q_f32(b3 + j), s, 3);
                vst1q_f32(cr + j, c);
            }
            for (; j < n; j++) cr[j] += ar[0] * b0[j] + ar[1] * b1[j] + ar[2] * b2[j] + ar[3] * b3[j];
        }
    }
    gk_axpy_rows_from(m, n, q, k, a, lda, b, ldb, acc);
}

static void f16_to_f32_neon(const uint16_t *s, float *d, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(d + i, load4_f16(s, i));
    for (; i < n; i++) d[i] = gk_f16_to_f32_scalar(s[i]);
}

/// FCVTN rounds with FPCR's mode, which is round-to-nearest-even unless a caller changed it.
static void f32_to_f16_neon(const float *s, uint16_t *d, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) vst1_u16(d + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(s + i))));
    for (; i < n; i++) d[i] = gk_f32_to_f16_scalar(s[i]);
}

static void bf16_to_f32_neon(const uint16_t *s, float *d, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(d + i, load4_bf16(s, i));
    for (; i < n; i++) d[i] = gk_bf16_to_f32_scalar(s[i]);
}

static void f32_to_bf16_neon(const float *s, uint16_t *d, long n) {
    const uint32x4_t one = vdupq_n_u32(1), bias = vdupq_n_u32(0x7fff), quiet = vdupq_n_u32(0x40);
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t f = vld1q_f32(s + i);
        uint32x4_t x = vreinterpretq_u32_f32(f);
        uint32x4_t rounded = vshrq_n_u32(vaddq_u32(vaddq_u32(x, bias), vandq_u32(vshrq_n_u32(x, 16), one)), 16);
        uint32x4_t qnan = vorrq_u32(vshrq_n_u32(x, 16), quiet);
        uint32x4_t is_nan = vmvnq_u32(vceqq_f32(f, f));
        vst1_u16(d + i, vmovn_u32(vbslq_u32(is_nan, qnan, rounded)));
    }
    for (; i < n; i++) d[i] = gk_f32_to_bf16_scalar(s[i]);
}

const gk_kernel_table gk_table_neon = {
    .mr = MR, .nr = NR, .kc = 256, .mc = 128, .nc = 4092,
    .ukernel = ukernel_neon,
    .dot_f32 = dot_f32_neon, .dot_f16 = dot_f16_neon, .dot_bf16 = dot_bf16_neon,
    .axpy_rows = axpy_rows_neon,
    .f16_to_f32 = f16_to_f32_neon, .bf16_to_f32 = bf16_to_f32_neon,
    .f32_to_f16 = f32_to_f16_neon, .f32_to_bf16 = f32_to_bf16_neon,
};
#endif
