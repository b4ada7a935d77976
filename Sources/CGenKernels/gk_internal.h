// Private interface between the kernel driver files and the per-instruction-set files.
// Each per-ISA file fills one gk_kernel_table; drivers fetch the active one with gk_table().
#ifndef GK_INTERNAL_H
#define GK_INTERNAL_H
#include <stdint.h>
#include "gen_kernels.h"

/// Micro-kernel: acc[mr x nr] = Σ_k a[k*mr + i] * b[k*nr + j] over packed panels, then
/// C[i,j] = alpha*acc + beta*C for i < m, j < n (beta == 0: C is write-only).
typedef void (*gk_ukernel_fn)(long kc, const float *a, const float *b, float *c, long ldc,
                              float alpha, float beta, long m, long n);

/// Dot-product rows: out[r*ldo + j] = Σ_k A[r*lda + k] * W[j*ldw + k] for r < m (m <= 4), j < nw.
/// The W element type is fixed per function (f32, f16 bits or bf16 bits).
typedef void (*gk_dot_rows_fn)(long m, long nw, long k, const float *a, long lda,
                               const void *w, long ldw, float *out, long ldo);

/// Rank-update rows for a small M with B stored [K,N]: acc[r*n + j] = Σ_k A[r*lda + k] * B[k*ldb + j]
/// for r < m (m <= 4), j < n. acc is overwritten.
typedef void (*gk_axpy_rows_fn)(long m, long n, long k, const float *a, long lda,
                                const float *b, long ldb, float *acc);

/// Transposing pack of a panel from rows of a row-major matrix (a B panel from [N, K] weights, or an A panel from
/// rows of A): dst[k*nr + c] = w[c*ldw + k] for c < cols, k < kc, and 0 for cols <= c < nr.
typedef void (*gk_pack_rows_fn)(const float *w, long ldw, long cols, long kc, long nr, float *dst);

/// Weight-rows micro-kernel (gemm.c's weight-rows path, winograd.c's products): W rows are the broadcast operand, read
/// in place, and rows of 16·vecs values `ldap` floats apart (A packed, or a plane of Winograd tiles) the vector operand.
/// For i < rows (≤ GK_WR_ROWS) and t < 16·vecs (vecs ≤ GK_WR_VECS):
/// acc[i*GK_WR_COLS + t] = (load ? acc[...] : 0) + Σ_{s<slots} W[i*ldw + slot s] · ap[s*ldap + t].
/// A slot is one float32 element of W, or on the pair table a bf16 pair (elements 2s, 2s+1, and ap holds pairs of
/// A); `half_tail` then adds slot `slots` with only its first element (the last of an odd depth), so no W row is read
/// past its end.
typedef void (*gk_wrows_fn)(int rows, int vecs, long slots, int half_tail, const float *ap, long ldap, const void *w,
                            long ldw, float *acc, int load);
enum { GK_WR_ROWS = 6, GK_WR_VECS = 4, GK_WR_COLS = 16 * GK_WR_VECS };
/// The weight-rows kernels' dispatch: one specialised tile per row count (`rows` in scope, 1…GK_WR_ROWS), so no tile
/// reads a row of W past the last one asked for.
#define GK_WR_ROW_CASES(tile, vecs, ...)                                                                              \
    switch (rows) {                                                                                                  \
    case 1: tile(1, vecs, __VA_ARGS__); break;                                                                       \
    case 2: tile(2, vecs, __VA_ARGS__); break;                                                                       \
    case 3: tile(3, vecs, __VA_ARGS__); break;                                                                       \
    case 4: tile(4, vecs, __VA_ARGS__); break;                                                                       \
    case 5: tile(5, vecs, __VA_ARGS__); break;                                                                       \
    default: tile(6, vecs, __VA_ARGS__); break;                                                                      \
    }

typedef void (*gk_cvt_from16_fn)(const uint16_t *src, float *dst, long n);
typedef void (*gk_cvt_to16_fn)(const float *src, uint16_t *dst, long n);

typedef struct {
    int mr, nr;          ///< micro-tile
    long kc, mc, nc;     ///< cache blocks (mc multiple of mr, nc multiple of nr)
    gk_ukernel_fn ukernel;
    gk_dot_rows_fn dot_f32, dot_f16, dot_bf16;
    /// bf16 W against rows of A stored paired (see gk_pair_rows); NULL where the ISA has no such kernel.
    gk_dot_rows_fn dot_bf16_paired;
    /// bf16 W against rows of A already rounded to bf16 (`a` and `lda` are then uint16_t elements), summed in float32
    /// with vdpbf16ps; set on the AVX512_BF16 pair table only.
    gk_dot_rows_fn dot_bf16_bf16a;
    gk_axpy_rows_fn axpy_rows;
    /// Weight-rows micro-kernel for the table's operand type (f32 W, or bf16 pairs on the pair table); NULL where the
    /// ISA has none (the packed paths then take every product).
    gk_wrows_fn wrows;
    /// NULL where the ISA has none: gemm.c then packs element by element.
    gk_pack_rows_fn pack_rows;
    gk_cvt_from16_fn f16_to_f32, bf16_to_f32;
    gk_cvt_to16_fn f32_to_f16, f32_to_bf16;
} gk_kernel_table;

/// Table of the active path (read once per kernel call so a concurrent gk_force_isa cannot mix paths).
const gk_kernel_table *gk_table(void);
/// The table whose micro-kernel multiplies bf16 pairs (one 32-bit slot of a packed panel holds elements k, k+1),
/// when the active path is AVX-512 and the CPU has AVX512_BF16; NULL otherwise.
const gk_kernel_table *gk_bf16_pair_table(void);

extern const gk_kernel_table gk_table_scalar;
#if defined(__x86_64__)
extern const gk_kernel_table gk_table_avx2;
extern const gk_kernel_table gk_table_avx512;
/// The AVX512_BF16 pair micro-kernel with its packers (kernels_avx512bf16.c): panels hold bf16 pairs, see
/// gk_bf16_pair_table.
extern const gk_kernel_table gk_table_avx512bf16_pairs;
// AVX2 kernels the AVX-512 table reuses where wider vectors gain nothing (memory-bound loops).
void gk_avx2_dot_f32(long m, long nw, long k, const float *a, long lda, const void *w, long ldw, float *out, long ldo);
void gk_avx2_dot_f16(long m, long nw, long k, const float *a, long lda, const void *w, long ldw, float *out, long ldo);
void gk_avx2_dot_bf16(long m, long nw, long k, const float *a, long lda, const void *w, long ldw, float *out, long ldo);
void gk_avx2_dot_bf16_paired(long m, long nw, long k, const float *a, long lda, const void *w, long ldw, float *out,
                             long ldo);
void gk_avx2_axpy_rows(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *acc);
void gk_avx2_pack_rows(const float *w, long ldw, long cols, long kc, long nr, float *dst);
void gk_avx2_f16_to_f32(const uint16_t *src, float *dst, long n);
void gk_avx2_f32_to_f16(const float *src, uint16_t *dst, long n);
void gk_avx2_bf16_to_f32(const uint16_t *src, float *dst, long n);
void gk_avx2_f32_to_bf16(const float *src, uint16_t *dst, long n);
#endif
#if defined(__aarch64__)
extern const gk_kernel_table gk_table_neon;
#endif

/// Defines a gk_dot_rows_fn from an inlined `block(R, J, ...)` that handles R <= 2 rows of A against
/// J <= 4 rows of W, called with literal R and J so each variant compiles to register-resident code.
/// `esize` is the byte size of one W element.
#define GK_DOT_ROWS_FN(linkage, name, block, esize)                                                         \
    linkage void name(long m, long nw, long k, const float *a, long lda, const void *wv, long ldw,          \
                      float *out, long ldo) {                                                               \
        const char *w = wv;                                                                                 \
        long j = 0;                                                                                         \
        for (; j + 4 <= nw; j += 4) {                                                                       \
            const char *wj = w + j * ldw * (esize);                                                         \
            long r = 0;                                                                                     \
            for (; r + 2 <= m; r += 2) block(2, 4, k, a + r * lda, lda, wj, ldw, out + r * ldo + j, ldo);   \
            if (r < m) block(1, 4, k, a + r * lda, lda, wj, ldw, out + r * ldo + j, ldo);                   \
        }                                                                                                   \
        for (; j < nw; j++) {                                                                               \
            const char *wj = w + j * ldw * (esize);                                                         \
            long r = 0;                                                                                     \
            for (; r + 2 <= m; r += 2) block(2, 1, k, a + r * lda, lda, wj, ldw, out + r * ldo + j, ldo);   \
            if (r < m) block(1, 1, k, a + r * lda, lda, wj, ldw, out + r * ldo + j, ldo);                   \
        }                                                                                                   \
    }

/// Defines a gk_dot_rows_fn over bf16 W and paired rows of A from an inlined `block(J, k, a, w, ldw, out)` that
/// dots one row of A with J <= 4 rows of W (literal J): four rows of W (L1-resident) serve every row of A.
#define GK_DOT_PAIRED_ROWS_FN(linkage, name, block)                                                        \
    linkage void name(long m, long nw, long k, const float *a, long lda, const void *wv, long ldw,          \
                      float *out, long ldo) {                                                               \
        const char *w = wv;                                                                                 \
        long j = 0;                                                                                         \
        for (; j + 4 <= nw; j += 4)                                                                         \
            for (long r = 0; r < m; r++) block(4, k, a + r * lda, w + j * ldw * 2, ldw, out + r * ldo + j); \
        for (; j < nw; j++)                                                                                 \
            for (long r = 0; r < m; r++) block(1, k, a + r * lda, w + j * ldw * 2, ldw, out + r * ldo + j); \
    }

/// Portable scalar conversions (also used for tails by the vector paths).
float gk_f16_to_f32_scalar(uint16_t h);
uint16_t gk_f32_to_f16_scalar(float f);
float gk_bf16_to_f32_scalar(uint16_t h);
uint16_t gk_f32_to_bf16_scalar(float f);

/// Scalar rank-update tail: acc[r*n + j] += Σ_{q0 <= q < k} A[r*lda + q] * B[q*ldb + j].
void gk_axpy_rows_from(long m, long n, long q0, long k, const float *a, long lda, const float *b, long ldb,
                       float *acc);

/// Applies C = alpha*acc + beta*C over an m x n tile from a row-major accumulator with row stride ldacc.
void gk_store_tile(const float *acc, long ldacc, float *c, long ldc, float alpha, float beta, long m, long n);

#endif
