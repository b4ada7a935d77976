// TEMPORARY scalar placeholders so the package builds while the real kernels are written.
// Replaced by cpu.c, threads.c, gemm_*.c, convert.c.
#include "gen_kernels.h"
#include <math.h>
#include <string.h>

gk_isa gk_detected_isa(void) { return GK_ISA_SCALAR; }
int gk_isa_supported(gk_isa isa) { return isa == GK_ISA_SCALAR; }
gk_isa gk_active_isa(void) { return GK_ISA_SCALAR; }
int gk_force_isa(gk_isa isa) { return isa == GK_ISA_SCALAR; }
int gk_cpu_has_avx512bf16(void) { return 0; }

static int g_threads = 1;
int gk_get_num_threads(void) { return g_threads; }
void gk_set_num_threads(int n) { g_threads = n < 1 ? 1 : n; }
void gk_parallel_for(long n, long grain, gk_range_fn fn, void *ctx) { (void)grain; if (n > 0) fn(ctx, 0, n); }

void gk_sgemm(int transA, int transB, long M, long N, long K, float alpha,
              const float *A, long lda, const float *B, long ldb, float beta, float *C, long ldc) {
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++) {
            float s = 0;
            for (long k = 0; k < K; k++) {
                float a = transA ? A[k * lda + i] : A[i * lda + k];
                float b = transB ? B[j * ldb + k] : B[k * ldb + j];
                s += a * b;
            }
            C[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * C[i * ldc + j]);
        }
}

static float h2f(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { float f = ldexpf((float)man, -24); memcpy(&bits, &f, 4); bits |= sign; }
    } else if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
    else bits = sign | ((exp + 112) << 23) | (man << 13);
    float f; memcpy(&f, &bits, 4); return f;
}
void gk_f16_to_f32(const uint16_t *s, float *d, long n) { for (long i = 0; i < n; i++) d[i] = h2f(s[i]); }
void gk_f32_to_f16(const float *s, uint16_t *d, long n) { for (long i = 0; i < n; i++) { _Float16 h = (_Float16)s[i]; memcpy(&d[i], &h, 2); } }
void gk_bf16_to_f32(const uint16_t *s, float *d, long n) {
    for (long i = 0; i < n; i++) { uint32_t b = (uint32_t)s[i] << 16; memcpy(&d[i], &b, 4); }
}
void gk_f32_to_bf16(const float *s, uint16_t *d, long n) {
    for (long i = 0; i < n; i++) { uint32_t b; memcpy(&b, &s[i], 4);
        if ((b & 0x7fffffffu) > 0x7f800000u) d[i] = (uint16_t)((b >> 16) | 0x40);
        else d[i] = (uint16_t)((b + 0x7fffu + ((b >> 16) & 1)) >> 16); }
}
static void linear_generic(long M, long N, long K, const float *A, long lda, const float *W, long ldw,
                           const float *bias, float *C, long ldc) {
    gk_sgemm(0, 1, M, N, K, 1.0f, A, lda, W, ldw, 0.0f, C, ldc);
    if (bias) for (long i = 0; i < M; i++) for (long j = 0; j < N; j++) C[i * ldc + j] += bias[j];
}
void gk_linear_f32w(long M, long N, long K, const float *A, long lda, const float *W, long ldw,
                    const float *bias, float *C, long ldc) { linear_generic(M, N, K, A, lda, W, ldw, bias, C, ldc); }
#include <stdlib.h>
void gk_linear_f16w(long M, long N, long K, const float *A, long lda, const uint16_t *W, long ldw,
                    const float *bias, float *C, long ldc) {
    float *w = malloc(sizeof(float) * N * K);
    for (long j = 0; j < N; j++) gk_f16_to_f32(W + j * ldw, w + j * K, K);
    linear_generic(M, N, K, A, lda, w, K, bias, C, ldc); free(w);
}
void gk_linear_bf16w(long M, long N, long K, const float *A, long lda, const uint16_t *W, long ldw,
                     const float *bias, float *C, long ldc) {
    float *w = malloc(sizeof(float) * N * K);
    for (long j = 0; j < N; j++) gk_bf16_to_f32(W + j * ldw, w + j * K, K);
    linear_generic(M, N, K, A, lda, w, K, bias, C, ldc); free(w);
}
