// Portable kernels: the reference path and the fallback on CPUs without a vector path.
#include "gk_internal.h"

enum { SC_MR = 4, SC_NR = 8 };

static void ukernel_scalar(long kc, const float *a, const float *b, float *c, long ldc,
                           float alpha, float beta, long m, long n) {
    float acc[SC_MR * SC_NR] = {0};
    for (long k = 0; k < kc; k++, a += SC_MR, b += SC_NR)
        for (int i = 0; i < SC_MR; i++)
            for (int j = 0; j < SC_NR; j++) acc[i * SC_NR + j] += a[i] * b[j];
    gk_store_tile(acc, SC_NR, c, ldc, alpha, beta, m, n);
}

#define GK_DOT_ROWS_SCALAR(name, type, load)                                                  \
    static void name(long m, long nw, long k, const float *a, long lda, const void *wv,    \
                     long ldw, float *out, long ldo) {                                        \
        const type *w = wv;                                                                   \
        for (long j = 0; j < nw; j++) {                                                       \
            const type *wj = w + j * ldw;                                                     \
            for (long r = 0; r < m; r++) {                                                    \
                const float *ar = a + r * lda;                                                \
                float s = 0.0f;                                                               \
                for (long q = 0; q < k; q++) s += ar[q] * load(wj[q]);                        \
                out[r * ldo + j] = s;                                                         \
            }                                                                                 \
        }                                                                                     \
    }

#define GK_LOAD_F32(x) (x)
GK_DOT_ROWS_SCALAR(dot_f32_scalar, float, GK_LOAD_F32)
GK_DOT_ROWS_SCALAR(dot_f16_scalar, uint16_t, gk_f16_to_f32_scalar)
GK_DOT_ROWS_SCALAR(dot_bf16_scalar, uint16_t, gk_bf16_to_f32_scalar)

void gk_axpy_rows_from(long m, long n, long q0, long k, const float *a, long lda, const float *b, long ldb,
                       float *acc) {
    for (long q = q0; q < k; q++) {
        const float *bq = b + q * ldb;
        for (long r = 0; r < m; r++) {
            float s = a[r * lda + q];
            float *ar = acc + r * n;
            for (long j = 0; j < n; j++) ar[j] += s * bq[j];
        }
    }
}

static void axpy_rows_scalar(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                             float *acc) {
    for (long i = 0; i < m * n; i++) acc[i] = 0.0f;
    gk_axpy_rows_from(m, n, 0, k, a, lda, b, ldb, acc);
}

static void f16_to_f32_scalar(const uint16_t *s, float *d, long n) { for (long i = 0; i < n; i++) d[i] = gk_f16_to_f32_scalar(s[i]); }
static void f32_to_f16_scalar(const float *s, uint16_t *d, long n) { for (long i = 0; i < n; i++) d[i] = gk_f32_to_f16_scalar(s[i]); }
static void bf16_to_f32_scalar(const uint16_t *s, float *d, long n) { for (long i = 0; i < n; i++) d[i] = gk_bf16_to_f32_scalar(s[i]); }
static void f32_to_bf16_scalar(const float *s, uint16_t *d, long n) { for (long i = 0; i < n; i++) d[i] = gk_f32_to_bf16_scalar(s[i]); }

const gk_kernel_table gk_table_scalar = {
    .mr = SC_MR, .nr = SC_NR, .kc = 256, .mc = 64, .nc = 2048,
    .ukernel = ukernel_scalar,
    .dot_f32 = dot_f32_scalar, .dot_f16 = dot_f16_scalar, .dot_bf16 = dot_bf16_scalar,
    .axpy_rows = axpy_rows_scalar,
    .f16_to_f32 = f16_to_f32_scalar, .bf16_to_f32 = bf16_to_f32_scalar,
    .f32_to_f16 = f32_to_f16_scalar, .f32_to_bf16 = f32_to_bf16_scalar,
};
