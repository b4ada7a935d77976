// Matrix multiplication kernels (row-major, float32 compute).
#ifndef GK_GEMM_H
#define GK_GEMM_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/// C[M,N] = alpha * op(A) · op(B) + beta * C, row-major with leading dimensions.
/// op(A) is A[M,K] (lda >= K) or, with transA, Aᵀ where A is [K,M] (lda >= M); likewise B.
/// beta == 0 means C is write-only (NaNs in C are ignored). Multithreaded on the pool.
void gk_sgemm(int transA, int transB, long M, long N, long K, float alpha,
              const float *A, long lda, const float *B, long ldb,
              float beta, float *C, long ldc);

/// Linear layer with half-precision weights read directly: C[M,N] = A[M,K] · Wᵀ (+ bias[N] when non-NULL),
/// W stored [N,K] (PyTorch's [out, in]) as IEEE float16 bits. C is overwritten.
void gk_linear_f16w(long M, long N, long K, const float *A, long lda,
                    const uint16_t *W, long ldw, const float *bias, float *C, long ldc);
/// As gk_linear_f16w with bfloat16 weights.
void gk_linear_bf16w(long M, long N, long K, const float *A, long lda,
                     const uint16_t *W, long ldw, const float *bias, float *C, long ldc);
/// As gk_linear_bf16w, computed in bfloat16 as PyTorch and llama.cpp compute a bfloat16 model: each element of A is
/// rounded to bf16 (to nearest even) and the products are summed in float32. On CPUs with AVX512_BF16 (when the
/// AVX-512 path is active) both the packed GEMM and a decode step's matrix-vector products use vdpbf16ps (twice the
/// multiply-adds per cycle of float32 FMA, and fewer instructions per weight streamed), which also treats bf16
/// subnormals as zero; elsewhere the rounded A goes through the float32 path.
void gk_linear_bf16w_bf16a(long M, long N, long K, const float *A, long lda,
                           const uint16_t *W, long ldw, const float *bias, float *C, long ldc);
/// As gk_linear_f16w with float32 weights (W [N,K]); uses the matrix-vector path when M is small.
void gk_linear_f32w(long M, long N, long K, const float *A, long lda,
                    const float *W, long ldw, const float *bias, float *C, long ldc);

/// Several linear layers that read the same input (a transformer block's query, key and value projections, or its
/// gate and up projections): C[p][M, N[p]] = A[M,K] · W[p]ᵀ (+ bias[p] when non-NULL) for p < count (at most 4),
/// each exactly what gk_linear_f32w / gk_linear_bf16w_bf16a gives for that weight alone. On the weight-rows path
/// (AVX-512 tables, more than a decode step's rows) A is packed once for all of them and every weight's rows go out
/// to the pool as one job: one pack and one wait for the slowest thread instead of one per weight. Returns 1 when
/// done, or 0 having written nothing when that path does not apply or memory runs out: then call the single-weight
/// function for each weight.
int gk_linear_group_f32w(int count, long M, long K, const float *A, long lda, const float *const *W, const long *N,
                         const long *ldw, const float *const *bias, float *const *C, const long *ldc);
/// As gk_linear_group_f32w with bfloat16 weights computed as gk_linear_bf16w_bf16a computes them.
int gk_linear_group_bf16w_bf16a(int count, long M, long K, const float *A, long lda, const uint16_t *const *W,
                                const long *N, const long *ldw, const float *const *bias, float *const *C,
                                const long *ldc);

/// 2-D convolution of one image as an implicit GEMM: C[M, out_h·out_w] = W[M, channels·kh·kw] · patches(x), where
/// x is [channels, h, w] and patches(x) its im2col matrix (zero padding), gathered straight into the GEMM's packed
/// panels rather than unfolded in memory. C is overwritten. Multithreaded on the pool.
void gk_conv2d_f32(long M, const float *W, long ldw, const float *x, long channels, long h, long w, long kh, long kw,
                   long stride_h, long stride_w, long pad_h, long pad_w, long dil_h, long dil_w, long out_h, long out_w,
                   float *C, long ldc);

/// 3×3 convolution with stride 1, padding 1 and dilation 1 of n images x [n, C, H, W] with weight [O, C, 3, 3]
/// into y [n, O, H, W] (no bias), by Winograd F(m×m, 3×3) with m = `output_tile`, 2 or 4: 2.25× or 4× fewer
/// multiplications than the implicit GEMM, results equal up to rounding (F(4×4, 3×3) rounds a little more).
/// Multithreaded on the pool. Tiles (m×m output blocks, across all images) are transformed `chunk_tiles` at a
/// time, or a cache-sized number when chunk_tiles <= 0. The calling thread keeps its transform-domain buffers (up
/// to 512 MB, freed when the thread exits) for its next call, as fresh pages cost a tenth of a large convolution.
/// Returns 0, or -1 when output_tile is neither 2 nor 4 or its buffers cannot be allocated (y then holds nothing
/// useful: fall back to gk_conv2d_f32, which overwrites it).
int gk_conv3x3_winograd_f32(long n, long O, long C, long H, long W, const float *weight, const float *x, float *y,
                            long output_tile, long chunk_tiles);

#ifdef __cplusplus
}
#endif
#endif
