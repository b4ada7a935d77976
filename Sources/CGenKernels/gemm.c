// SGEMM driver: BLIS-style blocking (NC columns of B, KC depth, MC rows of A) around the active
// path's micro-kernel, with packed operands and work split over the thread pool. Small M goes to the
// streaming matrix-vector kernels instead, since packing would double the memory traffic there. Weights
// stored [N,K] in the type the table's weight-rows kernel reads take the weight-rows path: W unpacked, as
// the broadcast operand, against A packed once.
#include "gk_internal.h"
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

enum { GK_SRC_F32 = 0, GK_SRC_F16 = 1, GK_SRC_BF16 = 2, GK_SRC_PATCHES = 3,
       /// bf16 weights [N,K] read as pairs of elements (k, k+1) in one 32-bit slot, for the pair micro-kernel.
       GK_SRC_BF16_PAIRS = 4,
       /// float32 rows of A rounded to bf16 while packing, paired like GK_SRC_BF16_PAIRS.
       GK_SRC_F32_ROUNDED_PAIRS = 5 };

/// A convolution's input seen as the im2col matrix [channels·kh·kw, out_h·out_w] without building it
/// (operand type GK_SRC_PATCHES, `p` points here): element (k, j) is pixel (c, iy, ix) of x [channels, h, w]
/// with c, ki, kj from k and oy, ox from j, or zero in the padding.
typedef struct {
    const float *x;
    long h, w, kh, kw, sh, sw, ph, pw, dh, dw, out_w;
} gk_patches;

static inline float patch_element(const gk_patches *g, long k, long j) {
    long kj = k % g->kw, ki = k / g->kw % g->kh, c = k / (g->kw * g->kh);
    long iy = j / g->out_w * g->sh - g->ph + ki * g->dh, ix = j % g->out_w * g->sw - g->pw + kj * g->dw;
    return iy >= 0 && iy < g->h && ix >= 0 && ix < g->w ? g->x[(c * g->h + iy) * g->w + ix] : 0.0f;
}

/// Packs rows pc..pc+kc of the patch matrix for panels p0..p1 (NR columns each, from column jc): the im2col
/// gather done straight into the cache-sized packed panel, on the pool, instead of into a full unfolded copy.
static void pack_patches(const gk_patches *g, float *bpack, long nr, long kc, long pc, long jc, long N,
                         long p0, long p1) {
    long j_begin = jc + p0 * nr, j_end = jc + p1 * nr < N ? jc + p1 * nr : N;
    for (long k = 0; k < kc; k++) {
        long kk = pc + k;
        long kj = kk % g->kw, ki = kk / g->kw % g->kh, c = kk / (g->kw * g->kh);
        const float *plane = g->x + c * g->h * g->w;
        long oy = j_begin / g->out_w, ox = j_begin % g->out_w;
        for (long j = j_begin; j < j_end;) {
            // One output row at a time: iy is fixed and ix steps by the stride.
            long iy = oy * g->sh - g->ph + ki * g->dh;
            long run_end = j + (g->out_w - ox) < j_end ? j + (g->out_w - ox) : j_end;
            int row_inside = iy >= 0 && iy < g->h;
            const float *row = plane + (row_inside ? iy : 0) * g->w;
            long ix = ox * g->sw - g->pw + kj * g->dw;
            long col = (j - jc) % nr;
            float *dst = bpack + (j - jc) / nr * nr * kc + k * nr;
            for (; j < run_end; j++, ix += g->sw) {
                dst[col] = row_inside && ix >= 0 && ix < g->w ? row[ix] : 0.0f;
                if (++col == nr) { col = 0; dst += nr * kc; }
            }
            oy++;
            ox = 0;
        }
        // Columns past N in the last panel are zero.
        for (long j = j_end; j < jc + p1 * nr; j++) {
            long p = (j - jc) / nr, col = (j - jc) % nr;
            bpack[p * nr * kc + k * nr + col] = 0.0f;
        }
    }
}
enum { GK_SMALL_M = 4, GK_PACK_GROUP = 8 };
/// Below this many multiply-adds the pool's dispatch costs more than it saves.
#define GK_PARALLEL_MIN_FMAS (96L * 96L * 96L)

/// Matrix operand: element (r, c) of op(X) is X[c*ld + r] when trans, else X[r*ld + c].
typedef struct {
    const void *p;
    long ld;
    int trans, type;
    long elements;  ///< pair operands: the depth in elements (the driver's K counts pairs; an odd one ends in a 0)
} gk_operand;

typedef struct {
    const gk_kernel_table *t;
    gk_operand A, B;
    long M, N, K;
    float alpha, beta;
    float *C;
    long ldc;
    // Current block.
    long jc, nc, pc, kc, mc;
    float beta_block;
    float *apack, *bpack;
    long mblocks, nsplit, npanels;
} gk_gemm_ctx;

void gk_store_tile(const float *acc, long ldacc, float *c, long ldc, float alpha, float beta, long m, long n) {
    for (long i = 0; i < m; i++) {
        const float *a = acc + i * ldacc;
        float *ci = c + i * ldc;
        if (beta == 0.0f)
            for (long j = 0; j < n; j++) ci[j] = alpha * a[j];
        else if (beta == 1.0f)
            for (long j = 0; j < n; j++) ci[j] += alpha * a[j];
        else
            for (long j = 0; j < n; j++) ci[j] = alpha * a[j] + beta * ci[j];
    }
}

static void scale_c(float *c, long ldc, long m, long n, float beta) {
    for (long i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        if (beta == 0.0f) memset(ci, 0, sizeof(float) * (size_t)n);
        else if (beta != 1.0f)
            for (long j = 0; j < n; j++) ci[j] *= beta;
    }
}

/// Bytes for `count` floats, whole 64-byte lines (never 0).
static size_t float_bytes(long count) {
    size_t bytes = ((size_t)count * sizeof(float) + 63) & ~(size_t)63;
    return bytes ? bytes : 64;
}

static void *alloc_floats(long count) { return aligned_alloc(64, float_bytes(count)); }

/// Packed panels that every call of a shape allocates again: from the block cache (gk_memory.h), so a forward pass
/// reuses warm pages; freed with free_panels and the same count.
static float *alloc_panels(long count) { return gk_block_alloc(float_bytes(count)); }
static void free_panels(float *p, long count) { gk_block_free(p, float_bytes(count)); }

// MARK: Packing

/// Bound on a pair panel's slots (mr or nr times kc; 32 × 192 on the AVX512_BF16 table), for the packers' stack buffers.
enum { GK_PAIR_SLOTS = 32 * 192 };

/// Rows of float32 A rounded to bf16 (round to nearest even) and packed as pairs: slot (k, r) of the panel holds
/// elements e0 + 2k and e0 + 2k + 1 of row r, zero past `elements`.
static void pack_rounded_pairs(const gk_kernel_table *t, const float *a, long lda, long rows, long e0, long elements,
                               long kc, long mr, float *dst) {
    uint32_t buf[GK_PAIR_SLOTS];
    uint16_t *half = (uint16_t *)buf;
    long have = elements - e0 < 2 * kc ? elements - e0 : 2 * kc;
    for (long r = 0; r < rows; r++) {
        t->f32_to_bf16(a + r * lda + e0, half + r * 2 * kc, have);
        for (long e = have; e < 2 * kc; e++) half[r * 2 * kc + e] = 0;
    }
    t->pack_rows((const float *)buf, kc, rows, kc, mr, dst);
}

/// A B panel from bf16 weights W [N,K] as pairs: slot (k, c) holds elements e0 + 2k, e0 + 2k + 1 of W row c. Whole
/// pairs are moved as 32-bit values straight from W when the rows allow it, else through a zero-padded copy.
static void pack_weight_pairs(const gk_kernel_table *t, const uint16_t *w, long ldw, long cols, long e0, long elements,
                              long kc, long nr, float *dst) {
    long have = elements - e0 < 2 * kc ? elements - e0 : 2 * kc;
    const uint16_t *start = w + e0;
    if (have == 2 * kc && ldw % 2 == 0 && ((uintptr_t)start & 3) == 0) {
        t->pack_rows((const float *)start, ldw / 2, cols, kc, nr, dst);
        return;
    }
    uint32_t buf[GK_PAIR_SLOTS];
    uint16_t *half = (uint16_t *)buf;
    for (long c = 0; c < cols; c++) {
        memcpy(half + c * 2 * kc, start + c * ldw, sizeof(uint16_t) * (size_t)have);
        for (long e = have; e < 2 * kc; e++) half[c * 2 * kc + e] = 0;
    }
    t->pack_rows((const float *)buf, kc, cols, kc, nr, dst);
}

/// A panel p of MR rows: dst[k*MR + r] = op(A)[i0 + p*MR + r, pc + k], zero beyond M.
static void pack_a_task(void *vctx, long begin, long end) {
    gk_gemm_ctx *g = vctx;
    const long mr = g->t->mr, kc = g->kc, pc = g->pc, lda = g->A.ld;
    const float *A = g->A.p;
    for (long p = begin; p < end; p++) {
        float *dst = g->apack + p * mr * kc;
        long i0 = p * mr, rows = g->M - i0 < mr ? g->M - i0 : mr;
        if (g->A.type == GK_SRC_F32_ROUNDED_PAIRS) {
            pack_rounded_pairs(g->t, A + i0 * lda, lda, rows, 2 * pc, g->A.elements, kc, mr, dst);
        } else if (g->A.trans) {
            for (long k = 0; k < kc; k++) {
                const float *src = A + (pc + k) * lda + i0;
                float *d = dst + k * mr;
                long r = 0;
                for (; r < rows; r++) d[r] = src[r];
                for (; r < mr; r++) d[r] = 0.0f;
            }
        } else if (g->t->pack_rows) {
            g->t->pack_rows(A + i0 * lda + pc, lda, rows, kc, mr, dst);
        } else {
            for (long r = 0; r < rows; r++) {
                const float *src = A + (i0 + r) * lda + pc;
                for (long k = 0; k < kc; k++) dst[k * mr + r] = src[k];
            }
            for (long r = rows; r < mr; r++)
                for (long k = 0; k < kc; k++) dst[k * mr + r] = 0.0f;
        }
    }
}

/// One B panel from weights stored [N,K] (op(B) = Wᵀ): dst[k*NR + c] = W[j0 + c, pc + k] for k < kc, zero for columns
/// beyond N.
static void pack_b_panel(const gk_gemm_ctx *g, long j0, long pc, long kc, float *dst) {
    const long nr = g->t->nr, ldb = g->B.ld;
    long cols = g->N - j0 < nr ? g->N - j0 : nr;
    if (g->B.type == GK_SRC_BF16_PAIRS) {
        pack_weight_pairs(g->t, (const uint16_t *)g->B.p + j0 * ldb, ldb, cols, 2 * pc, g->B.elements, kc, nr, dst);
        return;
    }
    if (g->t->pack_rows && g->B.type == GK_SRC_F32) {
        g->t->pack_rows((const float *)g->B.p + j0 * ldb + pc, ldb, cols, kc, nr, dst);
        return;
    }
    float rows[8192];  // the panel's widened 16-bit rows (nr × kc ≤ 32 × 256)
    if (g->t->pack_rows && cols * kc <= (long)(sizeof(rows) / sizeof(float))) {
        // 16-bit weights: widen the panel's row segments into a block, then pack that like f32 rows.
        for (long c = 0; c < cols; c++) {
            const uint16_t *src = (const uint16_t *)g->B.p + (j0 + c) * ldb + pc;
            if (g->B.type == GK_SRC_F16) g->t->f16_to_f32(src, rows + c * kc, kc);
            else g->t->bf16_to_f32(src, rows + c * kc, kc);
        }
        g->t->pack_rows(rows, kc, cols, kc, nr, dst);
        return;
    }
    for (long c = 0; c < cols; c++) {
        const float *row;
        if (g->B.type == GK_SRC_F32) {
            row = (const float *)g->B.p + (j0 + c) * ldb + pc;
        } else {
            // Widen the 16-bit row segment with the vector converter, then scatter into the panel.
            const uint16_t *src = (const uint16_t *)g->B.p + (j0 + c) * ldb + pc;
            if (g->B.type == GK_SRC_F16) g->t->f16_to_f32(src, rows, kc);
            else g->t->bf16_to_f32(src, rows, kc);
            row = rows;
        }
        for (long k = 0; k < kc; k++) dst[k * nr + c] = row[k];
    }
    for (long c = cols; c < nr; c++)
        for (long k = 0; k < kc; k++) dst[k * nr + c] = 0.0f;
}

/// B panels p of NR columns: dst[k*NR + c] = op(B)[pc + k, jc + p*NR + c], zero beyond N.
static void pack_b_task(void *vctx, long begin, long end) {
    gk_gemm_ctx *g = vctx;
    const long nr = g->t->nr, kc = g->kc, pc = g->pc, ldb = g->B.ld;
    if (g->B.type == GK_SRC_PATCHES) {
        pack_patches(g->B.p, g->bpack, nr, kc, pc, g->jc, g->N, begin, end);
        return;
    }
    if (!g->B.trans) {
        // Row by row over a group of panels: each row of B is read as one contiguous run; walking a single
        // panel down K would touch a new page every row.
        const float *B = g->B.p;
        for (long p0 = begin; p0 < end; p0 += GK_PACK_GROUP) {
            long p1 = p0 + GK_PACK_GROUP < end ? p0 + GK_PACK_GROUP : end;
            for (long k = 0; k < kc; k++) {
                const float *row = B + (pc + k) * ldb;
                for (long p = p0; p < p1; p++) {
                    long j0 = g->jc + p * nr, cols = g->N - j0 < nr ? g->N - j0 : nr;
                    float *d = g->bpack + p * nr * kc + k * nr;
                    long c = 0;
                    for (; c < cols; c++) d[c] = row[j0 + c];
                    for (; c < nr; c++) d[c] = 0.0f;
                }
            }
        }
        return;
    }
    for (long p = begin; p < end; p++) pack_b_panel(g, g->jc + p * nr, pc, kc, g->bpack + p * nr * kc);
}

// MARK: Macro-kernel

/// Task t covers row block t / nsplit and a contiguous share (t % nsplit) of the B panels.
static void compute_task(void *vctx, long begin, long end) {
    gk_gemm_ctx *g = vctx;
    const long mr = g->t->mr, nr = g->t->nr, kc = g->kc;
    for (long t = begin; t < end; t++) {
        long mb = t / g->nsplit, ns = t % g->nsplit;
        long p0 = ns * g->npanels / g->nsplit, p1 = (ns + 1) * g->npanels / g->nsplit;
        long i_begin = mb * g->mc, i_end = i_begin + g->mc < g->M ? i_begin + g->mc : g->M;
        for (long p = p0; p < p1; p++) {
            long j = g->jc + p * nr, n = g->N - j < nr ? g->N - j : nr;
            const float *bp = g->bpack + p * nr * kc;
            for (long i = i_begin; i < i_end; i += mr) {
                long m = i_end - i < mr ? i_end - i : mr;
                g->t->ukernel(kc, g->apack + (i / mr) * mr * kc, bp, g->C + i * g->ldc + j, g->ldc,
                              g->alpha, g->beta_block, m, n);
            }
        }
    }
}

static void run(long n, long grain, int parallel, gk_range_fn fn, void *ctx) {
    if (parallel) gk_parallel_for(n, grain, fn, ctx);
    else if (n > 0) fn(ctx, 0, n);
}

/// Block size for `total` split into equal blocks of at most `limit`, rounded up to a multiple of `unit`
/// (limit is a multiple of unit, so the result never exceeds it).
static long even_block(long total, long limit, long unit) {
    long blocks = (total + limit - 1) / limit;
    return ((total + blocks - 1) / blocks + unit - 1) / unit * unit;
}

/// Bound on one B panel (nr × kc floats; 32 × 192 on the AVX-512 tables) for the fused path's per-task buffer, and
/// on a depth block of all of A (mpad × kc floats, 768 KB) for taking that path at all: every B panel walks the whole
/// block, so it must stay in L2. Measured on Zen 4 (1 MB L2) with float32 weights, the fused path against the blocked
/// one: 0.80–0.86× the time for 577 rows (CLIP-L/14-336), 0.93–1.01× at 1024 rows, 1.0–1.15× at 4096.
enum { GK_LOCAL_PANEL = 32 * 256, GK_FUSED_A_BLOCK = 1024 * 192 };

/// Where a B panel's depth block lies in weights stored [N,K]: `rows` rows `stride` bytes apart, each starting at
/// `start + row * stride` and spanning `lines_per_row` cache lines; the fused path prefetches it.
typedef struct {
    const char *start;
    long stride, rows, lines_per_row;
} gk_source_block;

static gk_source_block source_block(const gk_gemm_ctx *g, long j0, long pc) {
    long kc = g->K - pc < g->kc ? g->K - pc : g->kc, rows = g->N - j0 < g->t->nr ? g->N - j0 : g->t->nr;
    // Bytes per element of the row, and per step of the depth (a pair operand steps two elements at a time).
    long esize = g->B.type == GK_SRC_F32 ? 4 : 2, step = g->B.type == GK_SRC_BF16_PAIRS ? 2 * esize : esize;
    const char *start = (const char *)g->B.p + (j0 * g->B.ld) * esize + pc * step;
    long offset = (long)((uintptr_t)start & 63);
    return (gk_source_block){start - offset, g->B.ld * esize, rows, (offset + kc * step + 63) / 64};
}

/// Fused path, task over B panels [begin, end): each panel is packed one depth block at a time into this task's own
/// buffer, which stays in L1, and multiplied at once by every A panel (A packed beforehand for the whole depth, block
/// by block at `apack + block * mpad * kc`). The shared packed B of the blocked path, the pass between its phases
/// and the round trip of B through the last-level cache all go away.
static void fused_task(void *vctx, long begin, long end) {
    gk_gemm_ctx *g = vctx;
    const long mr = g->t->mr, nr = g->t->nr, mpad = (g->M + mr - 1) / mr * mr, apanels = mpad / mr;
    float panel[GK_LOCAL_PANEL] __attribute__((aligned(64)));
    for (long p = begin; p < end; p++) {
        long j = p * nr, n = g->N - j < nr ? g->N - j : nr;
        for (long pc = 0, block = 0; pc < g->K; pc += g->kc, block++) {
            long kc = g->K - pc < g->kc ? g->K - pc : g->kc;
            pack_b_panel(g, j, pc, kc, panel);
            // The next block's source rows are fetched while this one is multiplied, a share before each A panel.
            gk_source_block next = {0};
            if (pc + kc < g->K) next = source_block(g, j, pc + kc);
            else if (p + 1 < end) next = source_block(g, j + nr, 0);
            long lines = next.rows * next.lines_per_row, per_panel = (lines + apanels - 1) / apanels, row = 0, line = 0;
            const float *ablock = g->apack + block * mpad * g->kc;
            float beta = pc == 0 ? g->beta : 1.0f;
            for (long a = 0; a < apanels; a++) {
                for (long l = 0; l < per_panel && row < next.rows; l++) {
                    __builtin_prefetch(next.start + row * next.stride + line * 64, 0, 2);
                    if (++line == next.lines_per_row) { line = 0; row++; }
                }
                long i = a * mr, m = g->M - i < mr ? g->M - i : mr;
                g->t->ukernel(kc, ablock + a * mr * kc, panel, g->C + i * g->ldc + j, g->ldc, g->alpha, beta, m, n);
            }
        }
    }
}

/// Packs A panel (t % panels) of depth block (t / panels) for the fused path.
static void fused_pack_a_task(void *vctx, long begin, long end) {
    const gk_gemm_ctx *g = vctx;
    const long mr = g->t->mr, mpad = (g->M + mr - 1) / mr * mr, panels = mpad / mr;
    for (long t = begin; t < end; t++) {
        gk_gemm_ctx block = *g;
        long b = t / panels;
        block.pc = b * g->kc;
        block.kc = g->K - block.pc < g->kc ? g->K - block.pc : g->kc;
        block.apack = g->apack + b * mpad * g->kc;
        pack_a_task(&block, t % panels, t % panels + 1);
    }
}

/// The fused path (see fused_task; gemm_packed takes it while a depth block of all of A fits in L2, a prompt's
/// prefill or an image encoder's tokens): every B panel is used by one task only, so packing B into a shared buffer
/// first buys nothing. Returns 0 (having done nothing) when it cannot allocate A's panels.
static int gemm_fused(const gk_kernel_table *t, gk_operand A, gk_operand B, long M, long N, long K, float alpha,
                      float beta, float *C, long ldc, int parallel) {
    gk_gemm_ctx g = {.t = t, .A = A, .B = B, .M = M, .N = N, .K = K, .alpha = alpha, .beta = beta, .C = C, .ldc = ldc};
    g.kc = even_block(K, t->kc, 8);   // whole 8×8 transposes in the panel packers
    long mpad = (M + t->mr - 1) / t->mr * t->mr, blocks = (K + g.kc - 1) / g.kc;
    g.apack = alloc_panels(blocks * mpad * g.kc);
    if (!g.apack) return 0;
    run(blocks * (mpad / t->mr), 8, parallel, fused_pack_a_task, &g);
    run((N + t->nr - 1) / t->nr, 1, parallel, fused_task, &g);
    free_panels(g.apack, blocks * mpad * g.kc);
    return 1;
}

// MARK: Weight-rows path

/// The weight-rows path (gemm_weight_rows) takes at most GK_WR_MAX_M rows of A at a time (more rows in even chunks,
/// each reading W again: on the UNet's 4096-row shapes chunks of 512 rows took 0.92–0.95× the time of chunks of 1024,
/// whose depth blocks must be shallower to stay in L2), and with bf16 pairs at least GK_WR_MIN_PAIR_M: below
/// that the packed path is up to 9 % faster (8 rows), while in float32 the weight-rows path wins from 5 rows on
/// (0.78× the time at 8 rows, 0.65× at 16; same-run A/B on Zen 4, TinyLlama-shape layers).
enum { GK_WR_MIN_PAIR_M = 16, GK_WR_MAX_M = 512, GK_WR_MAX_TILES = (GK_WR_MAX_M / 16 + GK_WR_VECS - 1) / GK_WR_VECS };

typedef struct {
    const gk_kernel_table *t;
    gk_operand A, B;
    long M, N, K;              ///< K in slots (pairs on the pair table)
    float alpha, beta;
    const float *bias;         ///< [N] added to each row of the sums as they are stored (alpha 1, beta 0), or NULL
    float *C;
    long ldc;
    long tiles, kc, vec0[GK_WR_MAX_TILES + 1];   ///< tile t holds A's 16-row vectors vec0[t] ..< vec0[t + 1]
    float *apack;              ///< tile t at apack + 16·vec0[t]·K, laid out [slot][16·vecs]
} gk_wrows_ctx;

/// Depth pieces of a tile that wrows_pack_task packs as separate work items: a 600-row prompt has five tiles, which
/// two threads split 3 : 2; in pieces they finish together.
enum { GK_WR_PACK_PIECES = 4 };

/// Packs work item `piece` = tile · GK_WR_PACK_PIECES + part: a quarter of tile t's depth, its rows transposed so
/// each slot's 16·vecs values lie together (rows past M are zero); pair operands are rounded to bf16 on the way, a
/// stack-sized depth chunk at a time.
static void wrows_pack_task(void *vctx, long begin, long end) {
    const gk_wrows_ctx *g = vctx;
    for (long piece = begin; piece < end; piece++) {
        long t = piece / GK_WR_PACK_PIECES, part = piece % GK_WR_PACK_PIECES;
        long width = 16 * (g->vec0[t + 1] - g->vec0[t]), i0 = 16 * g->vec0[t];
        long rows = g->M - i0 < width ? g->M - i0 : width;
        long k0 = g->K * part / GK_WR_PACK_PIECES, k1 = g->K * (part + 1) / GK_WR_PACK_PIECES;
        if (k1 <= k0) continue;
        float *dst = g->apack + i0 * g->K;
        const float *a = (const float *)g->A.p + i0 * g->A.ld;
        if (g->A.type != GK_SRC_F32_ROUNDED_PAIRS) {
            g->t->pack_rows(a + k0, g->A.ld, rows, k1 - k0, width, dst + k0 * width);
            continue;
        }
        long chunk = GK_PAIR_SLOTS / width;
        for (long s0 = k0; s0 < k1; s0 += chunk) {
            long slots = k1 - s0 < chunk ? k1 - s0 : chunk;
            pack_rounded_pairs(g->t, a, g->A.ld, rows, 2 * s0, g->A.elements, slots, width, dst + s0 * width);
        }
    }
}

#if defined(__SSE2__)
/// store_transposed's groups of four tokens for a whole block of GK_WR_ROWS = 6 rows with alpha 1 and beta 0 or 1
/// (`add`): rows 0–3 through a 4×4 SSE transpose and rows 4–5 as pairs of floats, half the loads and stores of the
/// scalar loop, which took about 4 % of a UNet step. Sums are the scalar loop's, bit for bit. Returns the tokens
/// stored (a multiple of four); the scalar loop stores the rest. With `bias` (and beta 0) the block's six biases are
/// added instead of C's old values.
static long store_transposed6(const float *acc, long tokens, float *c, long ldc, int add, const float *bias) {
    __m128 bias03 = _mm_setzero_ps(), bias45 = _mm_setzero_ps();
    if (bias) {
        bias03 = _mm_loadu_ps(bias);
        bias45 = _mm_setr_ps(bias[4], bias[5], bias[4], bias[5]);
    }
    long i = 0;
    for (; i + 4 <= tokens; i += 4) {
        __m128 r0 = _mm_loadu_ps(acc + i), r1 = _mm_loadu_ps(acc + GK_WR_COLS + i);
        __m128 r2 = _mm_loadu_ps(acc + 2 * GK_WR_COLS + i), r3 = _mm_loadu_ps(acc + 3 * GK_WR_COLS + i);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);   // r0 holds token i's rows 0–3, r1 token i + 1's, …
        __m128 r4 = _mm_loadu_ps(acc + 4 * GK_WR_COLS + i), r5 = _mm_loadu_ps(acc + 5 * GK_WR_COLS + i);
        __m128 lo = _mm_unpacklo_ps(r4, r5), hi = _mm_unpackhi_ps(r4, r5);   // rows 4–5 of tokens i, i+1 / i+2, i+3
        float *c0 = c + i * ldc, *c1 = c0 + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
        if (add) {
            r0 = _mm_add_ps(_mm_loadu_ps(c0), r0);
            r1 = _mm_add_ps(_mm_loadu_ps(c1), r1);
            r2 = _mm_add_ps(_mm_loadu_ps(c2), r2);
            r3 = _mm_add_ps(_mm_loadu_ps(c3), r3);
            __m128 old_lo = _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(c0 + 4)), (const __m64 *)(c1 + 4));
            __m128 old_hi = _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(c2 + 4)), (const __m64 *)(c3 + 4));
            lo = _mm_add_ps(old_lo, lo);
            hi = _mm_add_ps(old_hi, hi);
        } else if (bias) {
            r0 = _mm_add_ps(r0, bias03);
            r1 = _mm_add_ps(r1, bias03);
            r2 = _mm_add_ps(r2, bias03);
            r3 = _mm_add_ps(r3, bias03);
            lo = _mm_add_ps(lo, bias45);
            hi = _mm_add_ps(hi, bias45);
        }
        _mm_storeu_ps(c0, r0);
        _mm_storel_pi((__m64 *)(c0 + 4), lo);
        _mm_storeu_ps(c1, r1);
        _mm_storeh_pi((__m64 *)(c1 + 4), lo);
        _mm_storeu_ps(c2, r2);
        _mm_storel_pi((__m64 *)(c2 + 4), hi);
        _mm_storeu_ps(c3, r3);
        _mm_storeh_pi((__m64 *)(c3 + 4), hi);
    }
    return i;
}
#endif

/// C[i, r] = alpha·acc[r, i] + beta·C[i, r] for r < rows, i < tokens (acc rows GK_WR_COLS apart), or with `bias`
/// (alpha 1, beta 0) C[i, r] = acc[r, i] + bias[r]: the sum C would hold had it been filled with the bias first and
/// added to, without writing C twice and reading it back. The arguments are locals, so the stores into C (floats,
/// which could alias a context's fields) do not force reloads.
static void store_transposed(const float *acc, long rows, long tokens, float *c, long ldc, float alpha, float beta,
                             const float *bias) {
#if defined(__SSE2__)
    if (rows == GK_WR_ROWS && alpha == 1.0f && (beta == 0.0f || beta == 1.0f)) {
        long done = store_transposed6(acc, tokens, c, ldc, beta == 1.0f, bias);
        acc += done;
        c += done * ldc;
        tokens -= done;
    }
#endif
    if (bias) {
        for (long i = 0; i < tokens; i++, c += ldc)
            for (long r = 0; r < rows; r++) c[r] = acc[r * GK_WR_COLS + i] + bias[r];
    } else if (alpha == 1.0f && beta == 0.0f) {
        for (long i = 0; i < tokens; i++, c += ldc)
            for (long r = 0; r < rows; r++) c[r] = acc[r * GK_WR_COLS + i];
    } else if (alpha == 1.0f && beta == 1.0f) {
        for (long i = 0; i < tokens; i++, c += ldc)
            for (long r = 0; r < rows; r++) c[r] += acc[r * GK_WR_COLS + i];
    } else if (beta == 0.0f) {   // C is write-only: whatever it held (NaN too) is not read
        for (long i = 0; i < tokens; i++, c += ldc)
            for (long r = 0; r < rows; r++) c[r] = alpha * acc[r * GK_WR_COLS + i];
    } else {
        for (long i = 0; i < tokens; i++, c += ldc)
            for (long r = 0; r < rows; r++) c[r] = alpha * acc[r * GK_WR_COLS + i] + beta * c[r];
    }
}

/// Rows [6·block, 6·block + 6) of W against all of A: each depth block of those rows is read from W once, from DRAM,
/// then from L1 by every tile of A, whose packed depth block stays in L2. The sums stay in `acc` across depth blocks
/// and are stored transposed at the end: C[i, r] = alpha·sum + beta·C[i, r] (or sum + bias[r]) for token i, row r
/// of the block, into `c` (the block's first column, rows `ldc` apart).
static void wrows_block(const gk_wrows_ctx *g, long block, float (*acc)[GK_WR_ROWS * GK_WR_COLS], float *c, long ldc,
                        float alpha, float beta, const float *bias) {
    int pairs = g->B.type == GK_SRC_BF16_PAIRS;
    long full = pairs ? g->B.elements / 2 : g->K;   // slots with both elements inside the row
    size_t esize = pairs ? 2 : 4;
    long n0 = block * GK_WR_ROWS, rows = g->N - n0 < GK_WR_ROWS ? g->N - n0 : GK_WR_ROWS;
    for (long s0 = 0; s0 < g->K; s0 += g->kc) {
        long slots = g->K - s0 < g->kc ? g->K - s0 : g->kc;
        int half = s0 + slots > full;   // the last slot of an odd depth
        const char *w = (const char *)g->B.p + ((size_t)n0 * (size_t)g->B.ld + (size_t)s0 * (pairs ? 2 : 1)) * esize;
        for (long t = 0; t < g->tiles; t++) {
            long vecs = g->vec0[t + 1] - g->vec0[t];
            g->t->wrows((int)rows, (int)vecs, slots - half, half, g->apack + 16 * g->vec0[t] * g->K + s0 * 16 * vecs,
                        16 * vecs, w, g->B.ld, acc[t], s0 > 0);
        }
    }
    for (long t = 0; t < g->tiles; t++) {
        long i0 = 16 * g->vec0[t], i1 = 16 * g->vec0[t + 1] < g->M ? 16 * g->vec0[t + 1] : g->M;
        store_transposed(acc[t], rows, i1 - i0, c + i0 * ldc, ldc, alpha, beta, bias);
    }
}

/// Blocks whose sums are staged together before they go to C: 48 columns, three cache lines of each token's row.
enum { GK_WR_STAGED = 8 };

/// Results of at least this many floats (2 MB, a core's L2) are streamed to memory by wrows_range.
enum { GK_STREAM_MIN_FLOATS = 512 * 1024 };

/// Blocks begin ..< end of g. A block's 6 columns are a piece of a cache line in every one of the M rows of C, and
/// between two blocks that share those lines the whole of A streams through L2 and evicts them, so storing each
/// block into C fetched every line of C again for each of the two or three blocks that write it. Instead the blocks
/// of each group of GK_WR_STAGED go to `stage` (M rows of 48 floats, which stay in L2), and then the group's columns
/// go to C one token's three whole lines at a time. The sums are the same. Same-run A/B of CLIP-L/14-336 in bf16
/// compute: these stores went from 8.6 % to 4.9 % of the samples, the tower from 1.29 to 1.23 s.
static void wrows_range(const gk_wrows_ctx *g, long begin, long end, float (*acc)[GK_WR_ROWS * GK_WR_COLS],
                        float *stage) {
    enum { width = GK_WR_STAGED * GK_WR_ROWS };
    if (!stage) {
        for (long block = begin; block < end; block++)
            wrows_block(g, block, acc, g->C + block * GK_WR_ROWS, g->ldc, g->alpha, g->beta,
                        g->bias ? g->bias + block * GK_WR_ROWS : NULL);
        return;
    }
    // A result larger than a core's L2 is streamed to memory (non-temporal stores of whole lines, after the sums
    // are complete): C's lines are not read for ownership first. With a smaller one the next operation finds C in
    // cache. Same-run alternating A/B on Zen 4: a 1.1B prefill of 600 tokens 3.06 → 2.95 s, CLIP-L/14-336 in bf16
    // 1.150 → 1.135 s.
    const int large = g->M * g->N >= GK_STREAM_MIN_FLOATS;
    for (long b0 = begin; b0 < end;) {
        long b1 = (b0 / GK_WR_STAGED + 1) * GK_WR_STAGED;
        if (b1 > end) b1 = end;
        for (long block = b0; block < b1; block++)
            wrows_block(g, block, acc, stage + (block - b0) * GK_WR_ROWS, width, 1.0f, 0.0f, NULL);
        long n0 = b0 * GK_WR_ROWS, n1 = b1 * GK_WR_ROWS < g->N ? b1 * GK_WR_ROWS : g->N, cols = n1 - n0;
        float alpha = g->alpha, beta = g->beta;
        const float *bias = g->bias ? g->bias + n0 : NULL;
        int stream = large && (bias || (alpha == 1.0f && beta == 0.0f)) && cols % 4 == 0;
        for (long i = 0; i < g->M; i++) {
            const float *src = stage + i * width;
            float *dst = g->C + i * g->ldc + n0;
#if defined(__SSE2__)
            if (stream && ((uintptr_t)dst & 15) == 0) {
                if (bias)
                    for (long j = 0; j < cols; j += 4)
                        _mm_stream_ps(dst + j, _mm_add_ps(_mm_loadu_ps(src + j), _mm_loadu_ps(bias + j)));
                else
                    for (long j = 0; j < cols; j += 4) _mm_stream_ps(dst + j, _mm_loadu_ps(src + j));
                continue;
            }
#endif
            if (bias) for (long j = 0; j < cols; j++) dst[j] = src[j] + bias[j];
            else if (alpha == 1.0f && beta == 0.0f) memcpy(dst, src, sizeof(float) * (size_t)cols);
            else if (alpha == 1.0f && beta == 1.0f) for (long j = 0; j < cols; j++) dst[j] += src[j];
            else if (beta == 0.0f) for (long j = 0; j < cols; j++) dst[j] = alpha * src[j];   // C is write-only
            else for (long j = 0; j < cols; j++) dst[j] = alpha * src[j] + beta * dst[j];
        }
        b0 = b1;
    }
#if defined(__SSE2__)
    _mm_sfence();
#endif
}

/// The staging buffer of wrows_range for M rows of g, or NULL: the blocks then store into C. Only the bf16 pair
/// path stages. Its blocks take half the time of float32 ones, so the stores weigh twice as much; float32 weight
/// rows measured no gain (the SD 1.5 UNet step, alternating runs: 7.76 s staged against 7.36 s unstaged, medians of
/// 12 steps, about this machine's noise).
static float *alloc_stage(const gk_wrows_ctx *g) {
    return g->B.type == GK_SRC_BF16_PAIRS ? alloc_panels(g->M * GK_WR_STAGED * GK_WR_ROWS) : NULL;
}
static void free_stage(float *stage, const gk_wrows_ctx *g) {
    if (stage) free_panels(stage, g->M * GK_WR_STAGED * GK_WR_ROWS);
}

static void wrows_task(void *vctx, long begin, long end) {
    const gk_wrows_ctx *g = vctx;
    float acc[GK_WR_MAX_TILES][GK_WR_ROWS * GK_WR_COLS];
    float *stage = alloc_stage(g);
    wrows_range(g, begin, end, acc, stage);
    free_stage(stage, g);
}

/// Lays out g->M rows of A as tiles for the weight-rows path and picks the depth block; returns the floats A's
/// panels take.
static long wrows_layout(gk_wrows_ctx *g) {
    // Vectors of 16 rows, spread evenly over the fewest tiles of at most GK_WR_VECS (197 rows: 4+3+3+3, not 4+4+4+1).
    long vecs = (g->M + 15) / 16;
    g->tiles = (vecs + GK_WR_VECS - 1) / GK_WR_VECS;
    for (long i = 0; i <= g->tiles; i++) g->vec0[i] = vecs * i / g->tiles;
    // A depth block of all tiles in half of L2 (512 KB), at most 512 slots (six W row segments of 2 KB stay in L1).
    long limit = 128L * 1024 / (16 * vecs);
    g->kc = even_block(g->K, limit < 64 ? 64 : limit > 512 ? 512 : limit, 8);
    return 16 * vecs * g->K;
}

/// Whether weights B stored [N,K] take the weight-rows path of table t against M rows of A: float32 on the float32
/// tables, bf16 pairs against at least GK_WR_MIN_PAIR_M rows of A rounded to pairs on the pair table.
static int takes_weight_rows(const gk_kernel_table *t, gk_operand A, gk_operand B, long M) {
    return t->wrows && B.trans && !A.trans &&
           (B.type == GK_SRC_BF16_PAIRS ? A.type == GK_SRC_F32_ROUNDED_PAIRS && M >= GK_WR_MIN_PAIR_M
                                        : B.type == GK_SRC_F32 && A.type == GK_SRC_F32);
}

/// C = alpha·A·Wᵀ + beta·C for weights W [N,K] (f32, or bf16 pairs on the pair table) and a prompt's or an image's
/// rows of A: W is the broadcast operand, read where it lies, so it is never packed; only A is (once, as 16-row
/// vectors). Returns 0 (having done nothing) when A's panels cannot be allocated. Same-run A/B on Zen 4 against the
/// packed paths: a TinyLlama-shape 128-token prefill's layers in 0.82–0.89× the time with bf16 pairs and 0.88× in
/// float32; 577 rows (CLIP-L/14-336) 0.87–0.95× in float32 and 0.95–1.0× with bf16 pairs; the UNet's 4096-row linear
/// layers 0.5–0.9×.
static int gemm_weight_rows(const gk_kernel_table *t, gk_operand A, gk_operand B, long M, long N, long K, float alpha,
                            float beta, const float *bias, float *C, long ldc, int parallel) {
    gk_wrows_ctx g = {.t = t, .A = A, .B = B, .M = M, .N = N, .K = K, .alpha = alpha, .beta = beta, .bias = bias,
                      .C = C, .ldc = ldc};
    long panels = wrows_layout(&g);
    g.apack = alloc_panels(panels);
    if (!g.apack) return 0;
    run(g.tiles * GK_WR_PACK_PIECES, 1, parallel, wrows_pack_task, &g);
    run((N + GK_WR_ROWS - 1) / GK_WR_ROWS, 1, parallel, wrows_task, &g);
    free_panels(g.apack, panels);
    return 1;
}

/// C = alpha·op(A)·op(B) + beta·C by plain loops (double sums): what gemm_packed does when it cannot allocate its
/// panels. Pair operands are walked element by element, A rounded to bf16 as the pair path rounds it.
static void naive_product(gk_operand A, gk_operand B, long M, long N, long K, float alpha, float beta, float *C,
                          long ldc) {
    int pairs = B.type == GK_SRC_BF16_PAIRS;
    long depth = pairs ? B.elements : K;
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++) {
            double s = 0;
            for (long k = 0; k < depth; k++) {
                float a = A.trans ? ((const float *)A.p)[k * A.ld + i] : ((const float *)A.p)[i * A.ld + k];
                if (pairs) a = gk_bf16_to_f32_scalar(gk_f32_to_bf16_scalar(a));
                float b;
                long bi = B.trans ? j * B.ld + k : k * B.ld + j;
                if (B.type == GK_SRC_PATCHES) b = patch_element(B.p, k, j);
                else if (B.type == GK_SRC_F32) b = ((const float *)B.p)[bi];
                else if (B.type == GK_SRC_F16) b = gk_f16_to_f32_scalar(((const uint16_t *)B.p)[bi]);
                else b = gk_bf16_to_f32_scalar(((const uint16_t *)B.p)[bi]);
                s += (double)a * b;
            }
            float *c = C + i * ldc + j;
            *c = alpha * (float)s + (beta == 0.0f ? 0.0f : beta * *c);
        }
}

/// gemm_weight_rows over all M rows of A, in chunks of at most GK_WR_MAX_M rows: C = alpha·A·Wᵀ + beta·C, or
/// A·Wᵀ + bias (alpha 1, beta 0). Returns the rows done: M, or fewer when A's panels could not be allocated.
static long weight_rows_chunks(const gk_kernel_table *t, gk_operand A, gk_operand B, long M, long N, long K,
                               float alpha, float beta, const float *bias, float *C, long ldc) {
    int parallel = gk_get_num_threads() > 1 && M * N * K >= GK_PARALLEL_MIN_FMAS;
    long chunk = even_block(M, GK_WR_MAX_M, 16);
    for (long done = 0; done < M; done += chunk) {
        long rows = M - done < chunk ? M - done : chunk;
        gk_operand part = A;
        part.p = (const float *)A.p + done * A.ld;
        if (!gemm_weight_rows(t, part, B, rows, N, K, alpha, beta, bias, C + done * ldc, ldc, parallel)) return done;
    }
    return M;
}

static void gemm_packed(const gk_kernel_table *t, gk_operand A, gk_operand B, long M, long N, long K,
                        float alpha, float beta, float *C, long ldc) {
    gk_gemm_ctx g = {.t = t, .A = A, .B = B, .M = M, .N = N, .K = K, .alpha = alpha, .beta = beta,
                     .C = C, .ldc = ldc};
    int threads = gk_get_num_threads();
    int parallel = threads > 1 && M * N * K >= GK_PARALLEL_MIN_FMAS;
    // Weights stored [N,K] whose rows the table's weight-rows kernel reads as they are (float32 on the float32
    // tables, bf16 pairs on the pair table): the weight-rows path, in chunks of at most GK_WR_MAX_M rows of A.
    if (takes_weight_rows(t, A, B, M)) {
        long done = weight_rows_chunks(t, A, B, M, N, K, alpha, beta, NULL, C, ldc);
        if (done == M) return;
        // Out of memory for A's panels: the rows not done yet go on below.
        A.p = (const float *)A.p + done * A.ld;
        C += done * ldc;
        M -= done;
        g.A = A; g.C = C; g.M = M;
    }
    // Weights stored [N,K], few enough rows that a depth block of all of A stays in L2, and B panels enough to keep
    // every thread busy (the fused path splits only the columns): the fused path.
    long mpad = (M + t->mr - 1) / t->mr * t->mr, panels = (N + t->nr - 1) / t->nr;
    if (B.trans && B.type != GK_SRC_PATCHES && mpad * t->kc <= GK_FUSED_A_BLOCK && t->nr * t->kc <= GK_LOCAL_PANEL &&
        (!parallel || panels >= 2L * threads) &&
        gemm_fused(t, A, B, M, N, K, alpha, beta, C, ldc, parallel))
        return;
    long kc_max = K < t->kc ? K : t->kc;
    long nc_max = N < t->nc ? N : t->nc;
    long npad = (nc_max + t->nr - 1) / t->nr * t->nr;
    g.apack = alloc_panels(mpad * kc_max);
    g.bpack = alloc_panels(npad * kc_max);
    if (!g.apack || !g.bpack) {   // out of memory: fall back to unpacked scalar loops rather than crash
        free_panels(g.apack, mpad * kc_max); free_panels(g.bpack, npad * kc_max);
        naive_product(A, B, M, N, K, alpha, beta, C, ldc);
        return;
    }
    // Even out the blocks so the last one is not a sliver (8192 columns as 2x4096, not 4080+4080+32).
    long mc = even_block(M, t->mc, t->mr), nc = even_block(N, t->nc, t->nr), kc = even_block(K, t->kc, 1);
    g.mc = mc;
    g.mblocks = (M + mc - 1) / mc;

    for (g.jc = 0; g.jc < N; g.jc += nc) {
        g.nc = N - g.jc < nc ? N - g.jc : nc;
        g.npanels = (g.nc + t->nr - 1) / t->nr;
        g.nsplit = 1;
        if (parallel && g.mblocks < 2L * threads) {
            g.nsplit = (2L * threads + g.mblocks - 1) / g.mblocks;
            if (g.nsplit > g.npanels) g.nsplit = g.npanels;
        }
        for (g.pc = 0; g.pc < K; g.pc += kc) {
            g.kc = K - g.pc < kc ? K - g.pc : kc;
            g.beta_block = g.pc == 0 ? beta : 1.0f;
            run(g.npanels, 4, parallel, pack_b_task, &g);
            run(mpad / t->mr, 8, parallel, pack_a_task, &g);
            run(g.mblocks * g.nsplit, 1, parallel, compute_task, &g);
        }
    }
    free_panels(g.apack, mpad * kc_max);
    free_panels(g.bpack, npad * kc_max);
}

// MARK: Convolution

void gk_conv2d_f32(long M, const float *W, long ldw, const float *x, long channels, long h, long w, long kh, long kw,
                   long stride_h, long stride_w, long pad_h, long pad_w, long dil_h, long dil_w, long out_h, long out_w,
                   float *C, long ldc) {
    long N = out_h * out_w, K = channels * kh * kw;
    if (M <= 0 || N <= 0) return;
    if (K <= 0) { scale_c(C, ldc, M, N, 0.0f); return; }
    gk_patches patches = {x, h, w, kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, out_w};
    gk_operand opA = {W, ldw, 0, GK_SRC_F32};
    gk_operand opB = {&patches, 0, 0, GK_SRC_PATCHES};
    gemm_packed(gk_table(), opA, opB, M, N, K, 1.0f, 0.0f, C, ldc);
}

// MARK: Small M (matrix-vector)

typedef struct {
    const gk_kernel_table *t;
    long M, N, K;
    const float *A;
    long lda;
    gk_operand B;
    float alpha, beta;
    const float *bias;  ///< linear only: added after the product
    float *C;
    long ldc;
    gk_dot_rows_fn dot;  ///< W stored [N,K]: the kernel for its element type (and A's layout)
} gk_small_ctx;

enum { GK_DOT_BLOCK = 64, GK_AXPY_BLOCK = 4096 };

/// W stored [N,K] (op(B) = Wᵀ): each row of W is read once and dotted with all M rows of A.
static void small_dot_task(void *vctx, long begin, long end) {
    gk_small_ctx *s = vctx;
    gk_dot_rows_fn dot = s->dot;
    size_t esize = s->B.type == GK_SRC_F32 ? 4 : 2;
    float acc[GK_SMALL_M * GK_DOT_BLOCK];
    for (long j = begin; j < end; j += GK_DOT_BLOCK) {
        long nw = end - j < GK_DOT_BLOCK ? end - j : GK_DOT_BLOCK;
        const void *w = (const char *)s->B.p + (size_t)j * (size_t)s->B.ld * esize;
        dot(s->M, nw, s->K, s->A, s->lda, w, s->B.ld, acc, GK_DOT_BLOCK);
        if (s->bias) {
            for (long r = 0; r < s->M; r++)
                for (long c = 0; c < nw; c++) s->C[r * s->ldc + j + c] = acc[r * GK_DOT_BLOCK + c] + s->bias[j + c];
        } else {
            gk_store_tile(acc, GK_DOT_BLOCK, s->C + j, s->ldc, s->alpha, s->beta, s->M, nw);
        }
    }
}

/// B stored [K,N]: rows of B are streamed once, each scaled into the M accumulator rows. The column block
/// is wide so every row of B is read as one long contiguous run (short runs at a large stride defeat the
/// hardware prefetcher and the TLB).
static void small_axpy_task(void *vctx, long begin, long end) {
    gk_small_ctx *s = vctx;
    long width = end - begin < GK_AXPY_BLOCK ? end - begin : GK_AXPY_BLOCK;
    float *acc = alloc_floats(s->M * width);
    if (!acc) {   // out of memory: fall back to a small stack block
        float small[GK_SMALL_M * 64];
        for (long j = begin; j < end; j += 64) {
            long n = end - j < 64 ? end - j : 64;
            s->t->axpy_rows(s->M, n, s->K, s->A, s->lda, (const float *)s->B.p + j, s->B.ld, small);
            gk_store_tile(small, n, s->C + j, s->ldc, s->alpha, s->beta, s->M, n);
        }
        return;
    }
    for (long j = begin; j < end; j += width) {
        long n = end - j < width ? end - j : width;
        s->t->axpy_rows(s->M, n, s->K, s->A, s->lda, (const float *)s->B.p + j, s->B.ld, acc);
        gk_store_tile(acc, n, s->C + j, s->ldc, s->alpha, s->beta, s->M, n);
    }
    free(acc);
}

/// The rows of A rearranged for dot_bf16_paired: each full block of 16 becomes its 8 even-indexed elements
/// followed by its 8 odd-indexed ones; the tail (k % 16) stays in order. O(M*K), negligible next to W.
static float *pair_rows(const float *a, long lda, long m, long k) {
    float *p = alloc_floats(m * k);
    if (!p) return NULL;
    long k16 = k / 16 * 16;
    for (long r = 0; r < m; r++) {
        const float *src = a + r * lda;
        float *dst = p + r * k;
        for (long q = 0; q < k16; q += 16)
            for (int i = 0; i < 8; i++) {
                dst[q + i] = src[q + 2 * i];
                dst[q + 8 + i] = src[q + 2 * i + 1];
            }
        for (long q = k16; q < k; q++) dst[q] = src[q];
    }
    return p;
}

static void gemm_small_m(gk_small_ctx *s) {
    int parallel = gk_get_num_threads() > 1 && s->N * s->K >= 64L * 1024;
    if (s->B.trans) {
        long grain = (16384 + s->K - 1) / s->K;   // about 64 KB of f32 weights per chunk
        grain = (grain + GK_DOT_BLOCK - 1) / GK_DOT_BLOCK * GK_DOT_BLOCK;
        float *paired = NULL;
        if (s->dot) {
            // chosen by the caller (A in another form: gk_linear_bf16w_bf16a's bf16 rows)
        } else if (s->B.type == GK_SRC_BF16 && s->t->dot_bf16_paired &&
                   (paired = pair_rows(s->A, s->lda, s->M, s->K))) {
            s->A = paired;
            s->lda = s->K;
            s->dot = s->t->dot_bf16_paired;
        } else {
            s->dot = s->B.type == GK_SRC_F32 ? s->t->dot_f32 : s->B.type == GK_SRC_F16 ? s->t->dot_f16 : s->t->dot_bf16;
        }
        run(s->N, grain, parallel, small_dot_task, s);
        free(paired);
    } else {
        // Two column ranges per thread: long contiguous runs of each row of B, yet spare chunks for the
        // threads that are running when others are descheduled.
        int threads = gk_get_num_threads();
        long grain = (s->N + 2 * threads - 1) / (2 * threads);
        run(s->N, grain < 256 ? 256 : grain, parallel, small_axpy_task, s);
    }
}

// MARK: Entry points

void gk_sgemm(int transA, int transB, long M, long N, long K, float alpha,
              const float *A, long lda, const float *B, long ldb,
              float beta, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) { scale_c(C, ldc, M, N, beta); return; }
    const gk_kernel_table *t = gk_table();
    gk_operand opB = {B, ldb, transB != 0, GK_SRC_F32};
    if (M <= GK_SMALL_M) {
        float *abuf = NULL;
        const float *a = A;
        long la = lda;
        if (transA) {   // gather the few columns of A into rows; O(M*K), negligible next to B
            abuf = alloc_floats(M * K);
            if (abuf) {
                for (long i = 0; i < M; i++)
                    for (long k = 0; k < K; k++) abuf[i * K + k] = A[k * lda + i];
                a = abuf;
                la = K;
            }
        }
        if (!transA || abuf) {
            gk_small_ctx s = {t, M, N, K, a, la, opB, alpha, beta, NULL, C, ldc, NULL};
            gemm_small_m(&s);
            free(abuf);
            return;
        }
    }
    gk_operand opA = {A, lda, transA != 0, GK_SRC_F32};
    gemm_packed(t, opA, opB, M, N, K, alpha, beta, C, ldc);
}

/// C = A·Wᵀ + bias on the weight-rows path (K in slots). The bias is added as each block's sums are stored, the
/// same sums as filling C with it and adding (bit for bit), without writing C twice and reading it back. Returns the
/// rows done: 0 when the path does not apply, fewer than M when A's panels could not be allocated.
static long weight_rows_linear(const gk_kernel_table *t, gk_operand A, gk_operand B, long M, long N, long K,
                               const float *bias, float *C, long ldc) {
    return takes_weight_rows(t, A, B, M) ? weight_rows_chunks(t, A, B, M, N, K, 1.0f, 0.0f, bias, C, ldc) : 0;
}

static void linear(long M, long N, long K, const float *A, long lda, const void *W, long ldw, int type,
                   const float *bias, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    const gk_kernel_table *t = gk_table();
    gk_operand opB = {W, ldw, 1, type};
    if (K <= 0) {
        for (long i = 0; i < M; i++)
            for (long j = 0; j < N; j++) C[i * ldc + j] = bias ? bias[j] : 0.0f;
        return;
    }
    if (M <= GK_SMALL_M) {
        gk_small_ctx s = {t, M, N, K, A, lda, opB, 1.0f, 0.0f, bias, C, ldc, NULL};
        gemm_small_m(&s);
        return;
    }
    long done = weight_rows_linear(t, (gk_operand){A, lda, 0, GK_SRC_F32}, opB, M, N, K, bias, C, ldc);
    if (done == M) return;
    A += done * lda;
    C += done * ldc;
    M -= done;
    float beta = 0.0f;
    if (bias) {
        for (long i = 0; i < M; i++) memcpy(C + i * ldc, bias, sizeof(float) * (size_t)N);
        beta = 1.0f;
    }
    gk_operand opA = {A, lda, 0, GK_SRC_F32};
    gemm_packed(t, opA, opB, M, N, K, 1.0f, beta, C, ldc);
}

void gk_linear_f32w(long M, long N, long K, const float *A, long lda, const float *W, long ldw,
                    const float *bias, float *C, long ldc) {
    linear(M, N, K, A, lda, W, ldw, GK_SRC_F32, bias, C, ldc);
}
void gk_linear_f16w(long M, long N, long K, const float *A, long lda, const uint16_t *W, long ldw,
                    const float *bias, float *C, long ldc) {
    linear(M, N, K, A, lda, W, ldw, GK_SRC_F16, bias, C, ldc);
}
void gk_linear_bf16w(long M, long N, long K, const float *A, long lda, const uint16_t *W, long ldw,
                     const float *bias, float *C, long ldc) {
    linear(M, N, K, A, lda, W, ldw, GK_SRC_BF16, bias, C, ldc);
}

/// The bf16 pair table (AVX512_BF16) when its panels fit the packers' pair buffers, else NULL.
static const gk_kernel_table *pair_table(void) {
    const gk_kernel_table *pairs = gk_bf16_pair_table();
    return pairs && pairs->nr * pairs->kc <= GK_PAIR_SLOTS && pairs->mr * pairs->kc <= GK_PAIR_SLOTS ? pairs : NULL;
}

/// Rows of A rounded to bf16 values and kept as float32 ([m, k], row stride k), for the paths that multiply in
/// float32; NULL when out of memory.
static float *rounded_rows(const gk_kernel_table *t, const float *a, long lda, long m, long k) {
    float *out = alloc_floats(m * k);
    if (!out) return NULL;
    uint16_t half[1024];
    for (long r = 0; r < m; r++)
        for (long q = 0; q < k; q += 1024) {
            long n = k - q < 1024 ? k - q : 1024;
            t->f32_to_bf16(a + r * lda + q, half, n);
            t->bf16_to_f32(half, out + r * k + q, n);
        }
    return out;
}

void gk_linear_bf16w_bf16a(long M, long N, long K, const float *A, long lda, const uint16_t *W, long ldw,
                           const float *bias, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) { linear(M, N, K, A, lda, W, ldw, GK_SRC_BF16, bias, C, ldc); return; }
    const gk_kernel_table *pairs = pair_table();
    gk_operand opA = {A, lda, 0, GK_SRC_F32_ROUNDED_PAIRS, K};
    gk_operand opB = {W, ldw, 1, GK_SRC_BF16_PAIRS, K};
    float beta = 0.0f;
    if (pairs && M <= GK_SMALL_M && pairs->dot_bf16_bf16a) {
        // A decode step: the rows of A rounded to bf16 once, then the vdpbf16ps matrix-vector kernel.
        uint16_t *a16 = malloc(sizeof(uint16_t) * (size_t)(M * K));
        if (a16) {
            for (long i = 0; i < M; i++) pairs->f32_to_bf16(A + i * lda, a16 + i * K, K);
            gk_small_ctx s = {pairs, M, N, K, (const float *)a16, K, {W, ldw, 1, GK_SRC_BF16}, 1.0f, 0.0f, bias, C,
                              ldc, pairs->dot_bf16_bf16a};
            gemm_small_m(&s);
            free(a16);
            return;
        }
    }
    if (pairs && M > GK_SMALL_M) {
        long done = weight_rows_linear(pairs, opA, opB, M, N, (K + 1) / 2, bias, C, ldc);
        if (done == M) return;
        opA.p = A + done * lda;
        C += done * ldc;
        M -= done;
        if (bias) {
            for (long i = 0; i < M; i++) memcpy(C + i * ldc, bias, sizeof(float) * (size_t)N);
            beta = 1.0f;
        }
        gemm_packed(pairs, opA, opB, M, N, (K + 1) / 2, 1.0f, beta, C, ldc);
        return;
    }
    // Without AVX512_BF16, and for the few rows of a decode step (bound by reading W, not by multiplying): the same
    // rounding of A, then the float32 path, which gives the same products summed in another order.
    float *rounded = rounded_rows(gk_table(), A, lda, M, K);
    if (rounded) {
        linear(M, N, K, rounded, K, W, ldw, GK_SRC_BF16, bias, C, ldc);
        free(rounded);
        return;
    }
    if (bias) {
        for (long i = 0; i < M; i++) memcpy(C + i * ldc, bias, sizeof(float) * (size_t)N);
        beta = 1.0f;
    }
    naive_product(opA, opB, M, N, K, 1.0f, beta, C, ldc);
}

// MARK: Grouped linear layers

enum { GK_GROUP_MAX = 4 };

/// Several weights against one packed A: part p (its own W, N, C) owns blocks first[p] ..< first[p + 1] of one job.
typedef struct {
    gk_wrows_ctx part[GK_GROUP_MAX];
    long first[GK_GROUP_MAX + 1];
} gk_wrows_group;

static void wrows_group_task(void *vctx, long begin, long end) {
    const gk_wrows_group *g = vctx;
    float acc[GK_WR_MAX_TILES][GK_WR_ROWS * GK_WR_COLS];
    float *stage = alloc_stage(&g->part[0]);
    for (int p = 0; begin < end; p++) {
        if (begin >= g->first[p + 1]) continue;
        long stop = end < g->first[p + 1] ? end : g->first[p + 1];
        wrows_range(&g->part[p], begin - g->first[p], stop - g->first[p], acc, stage);
        begin = stop;
    }
    free_stage(stage, &g->part[0]);
}

/// C[p] = A·W[p]ᵀ (+ bias[p]) for `count` weights of B's type, each [N[p], K] (K in slots), on the weight-rows
/// path of table t: A is packed once per chunk of rows, and every weight's row blocks go out as one job. Each result
/// is what gemm_weight_rows gives for that weight alone (the same tiles, depth blocks and sums). Returns 0, having
/// written nothing, when that path does not apply or A's panels cannot be allocated.
static int linear_group(const gk_kernel_table *t, int count, long M, long K, gk_operand A, gk_operand B,
                        const void *const *W, const long *N, const long *ldw, const float *const *bias,
                        float *const *C, const long *ldc) {
    if (!t || count < 1 || count > GK_GROUP_MAX || M <= GK_SMALL_M || K <= 0 || !takes_weight_rows(t, A, B, M))
        return 0;
    long columns = 0;
    for (int p = 0; p < count; p++) {
        if (N[p] <= 0) return 0;
        columns += N[p];
    }
    long chunk = even_block(M, GK_WR_MAX_M, 16);
    gk_wrows_group g;
    g.part[0] = (gk_wrows_ctx){.M = chunk, .K = K};
    long panels = wrows_layout(&g.part[0]);
    float *apack = alloc_panels(panels);   // the largest chunk's panels, reused by every chunk
    if (!apack) return 0;
    int parallel = gk_get_num_threads() > 1 && M * columns * K >= GK_PARALLEL_MIN_FMAS;
    for (long done = 0; done < M; done += chunk) {
        long rows = M - done < chunk ? M - done : chunk;
        gk_operand part = A;
        part.p = (const float *)A.p + done * A.ld;
        g.first[0] = 0;
        for (int p = 0; p < count; p++) {
            gk_operand w = B;
            w.p = W[p];
            w.ld = ldw[p];
            g.part[p] = (gk_wrows_ctx){.t = t, .A = part, .B = w, .M = rows, .N = N[p], .K = K, .alpha = 1.0f,
                                       .beta = 0.0f, .bias = bias[p], .C = C[p] + done * ldc[p], .ldc = ldc[p],
                                       .apack = apack};
            wrows_layout(&g.part[p]);
            g.first[p + 1] = g.first[p] + (N[p] + GK_WR_ROWS - 1) / GK_WR_ROWS;
        }
        run(g.part[0].tiles * GK_WR_PACK_PIECES, 1, parallel, wrows_pack_task, &g.part[0]);
        run(g.first[count], 1, parallel, wrows_group_task, &g);
    }
    free_panels(apack, panels);
    return 1;
}

int gk_linear_group_f32w(int count, long M, long K, const float *A, long lda, const float *const *W, const long *N,
                         const long *ldw, const float *const *bias, float *const *C, const long *ldc) {
    gk_operand opA = {A, lda, 0, GK_SRC_F32, K}, opB = {NULL, 0, 1, GK_SRC_F32, K};
    return linear_group(gk_table(), count, M, K, opA, opB, (const void *const *)W, N, ldw, bias, C, ldc);
}

int gk_linear_group_bf16w_bf16a(int count, long M, long K, const float *A, long lda, const uint16_t *const *W,
                                const long *N, const long *ldw, const float *const *bias, float *const *C,
                                const long *ldc) {
    const gk_kernel_table *pairs = pair_table();
    if (!pairs) return 0;
    gk_operand opA = {A, lda, 0, GK_SRC_F32_ROUNDED_PAIRS, K}, opB = {NULL, 0, 1, GK_SRC_BF16_PAIRS, K};
    return linear_group(pairs, count, M, (K + 1) / 2, opA, opB, (const void *const *)W, N, ldw, bias, C, ldc);
}
