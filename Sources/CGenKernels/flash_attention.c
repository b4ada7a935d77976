// Attention without a score matrix in memory (FlashAttention's blocking, on the CPU): for a block of queries,
// walk the keys a block at a time, keep each query's running max and sum (online softmax), and accumulate the
// output straight away. With a head dimension of 40 (Stable Diffusion) the materialised path moved about as many
// bytes as it did flops: 4 MB of scores per 256 query rows written, read by softmax, packed and read again.
//
// Everything is computed transposed, so that no score is ever repacked: Sᵀ = K Qᵀ comes out of the GEMM
// micro-kernel as [keys][queries] with a query panel's width, which is exactly the B-panel layout the second
// product Oᵀ += Vᵀ Pᵀ reads. K and Vᵀ are packed once per head as A panels; the softmax runs down the key axis,
// one vector of queries at a time; only the final Oᵀ is transposed into the output.
//
// Causal attention (a decoder's prefill) walks each query panel's keys only up to its last query's horizon and
// hides the keys past each query's own with -inf in the last block it reaches: the masked triangle costs at most
// one panel of queries per key, and K and V are packed once per key/value head instead of once per 32 query rows
// and query head as the materialised path did.
//
// In bfloat16 (MatmulPrecision.bfloat16, as PyTorch's CPU flash attention computes a bf16 model) both products
// take operands rounded to bf16 and sum in float32: Q, K and V are rounded as they are packed, and the
// exponentials as the softmax writes them (relative to the running max, the sums kept in float32). With
// AVX512_BF16 the panels hold bf16 pairs along the depth (D for Sᵀ, the keys for Oᵀ) for vdpbf16ps, twice the
// multiply-adds of an FMA; elsewhere they hold the rounded values as floats for the float32 micro-kernel.
#include "gk_internal.h"
#include "ops_table.h"
#include <stdlib.h>
#include <string.h>

/// Key panels (of mr keys) per key block, and query panels (of nr queries) per work item: with AVX2's 6 × 16
/// micro-tile that is 240 keys × 64 queries, 60 KB of scores. A key block is an even number of keys, so bf16 pairs
/// of keys never straddle two blocks.
enum { KEY_PANELS = 40, QUERY_PANELS = 4 };

typedef struct {
    long B, Hq, Hkv, Tq, Tk, D, Dv, qblocks;
    int causal;                      ///< query i sees keys j ≤ i + Tk - Tq (bottom-right, the KV-cache convention)
    int bf16;                        ///< products of operands rounded to bfloat16
    int pairs;                       ///< ... multiplied as bf16 pairs (kt is the AVX512_BF16 pair table)
    long depth;                      ///< 32-bit slots along D in the K and Qᵀ panels: D, or ⌈D/2⌉ pairs
    long key_slots;                  ///< slots along the keys in the Vᵀ panels: Tk, or ⌈Tk/2⌉ pairs
    long key_panels, value_panels;   ///< mr-row A panels over the keys (K) and over Dv (Vᵀ)
    const float *q, *k, *v;
    const long *qs, *ks, *vs;
    float scale;
    float *out;
    const long *os;                  ///< out's element strides over [B, Hq, Tq] (its rows are unit-stride)
    /// Per (batch, kv head): K as [key_panels][depth][mr], Vᵀ as [value_panels][key_slots][mr].
    float *kpack, *vpack;
    const gk_kernel_table *kt;
    const gk_ops_table *ot;
} flash_ctx;

static long kpack_size(const flash_ctx *c) { return c->key_panels * c->depth * c->kt->mr; }
static long vpack_size(const flash_ctx *c) { return c->value_panels * c->key_slots * c->kt->mr; }

static float rounded_to_bf16(float x) { return gk_bf16_to_f32_scalar(gk_f32_to_bf16_scalar(x)); }

/// `rows` rows of D elements (row stride ld) as one panel `width` wide, [depth][width] slots, zero past `rows`:
/// float32 values, rounded to bf16 in bf16 mode, or bf16 pairs of adjacent elements (row_buf holds D + 1 halves).
static void pack_panel(const flash_ctx *c, const float *x, long ld, long rows, long width, float *dst,
                       uint16_t *row_buf) {
    const long D = c->D;
    if (c->pairs) {
        uint32_t *slots = (uint32_t *)dst;
        row_buf[D] = 0;
        for (long r = 0; r < width; r++) {
            if (r >= rows) {
                for (long d = 0; d < c->depth; d++) slots[d * width + r] = 0;
                continue;
            }
            c->kt->f32_to_bf16(x + r * ld, row_buf, D);
            for (long d = 0; d < c->depth; d++)
                slots[d * width + r] = (uint32_t)row_buf[2 * d] | (uint32_t)row_buf[2 * d + 1] << 16;
        }
        return;
    }
    if (c->kt->pack_rows) {
        c->kt->pack_rows(x, ld, rows, D, width, dst);
    } else {
        for (long d = 0; d < D; d++)
            for (long r = 0; r < width; r++) dst[d * width + r] = r < rows ? x[r * ld + d] : 0.0f;
    }
    if (c->bf16)
        for (long i = 0; i < D * width; i++) dst[i] = rounded_to_bf16(dst[i]);
}

/// Packs K and Vᵀ of (batch, kv head) items: mr keys at a time into [depth][mr] panels, and mr output features at
/// a time into [key_slots][mr] panels, so a key block of Vᵀ is a contiguous slice of each panel.
static void pack_heads(void *vctx, long begin, long end) {
    flash_ctx *c = vctx;
    const long mr = c->kt->mr;
    // One row of K (D + 1 halves, see pack_panel) or two rows of a Vᵀ panel (2 · mr halves).
    uint16_t *row_buf = malloc(sizeof(uint16_t) * (size_t)(c->D + 1 > 2 * mr ? c->D + 1 : 2 * mr));
    if (!row_buf) {   // NaN keys make every score, and so every output of these heads, NaN
        for (long item = begin; item < end; item++)
            for (long i = 0; i < kpack_size(c); i++) c->kpack[item * kpack_size(c) + i] = __builtin_nanf("");
        return;
    }
    for (long item = begin; item < end; item++) {
        long b = item / c->Hkv, h = item % c->Hkv;
        const float *k = c->k + b * c->ks[0] + h * c->ks[1];
        const float *v = c->v + b * c->vs[0] + h * c->vs[1];
        float *kp = c->kpack + item * kpack_size(c), *vp = c->vpack + item * vpack_size(c);
        for (long p = 0; p < c->key_panels; p++) {
            long j0 = p * mr, rows = c->Tk - j0 < mr ? c->Tk - j0 : mr;
            pack_panel(c, k + j0 * c->ks[2], c->ks[2], rows, mr, kp + p * c->depth * mr, row_buf);
        }
        for (long p = 0; p < c->value_panels; p++) {
            long f0 = p * mr, cols = c->Dv - f0 < mr ? c->Dv - f0 : mr;
            float *dst = vp + p * c->key_slots * mr;
            if (c->pairs) {
                // Slot (j, f) holds keys 2j and 2j + 1 of feature f; an odd last key is paired with zero.
                uint32_t *slots = (uint32_t *)dst;
                uint16_t *half0 = row_buf, *half1 = row_buf + mr;
                for (long j = 0; j < c->key_slots; j++) {
                    const float *row0 = v + 2 * j * c->vs[2] + f0;
                    c->kt->f32_to_bf16(row0, half0, cols);
                    if (2 * j + 1 < c->Tk) c->kt->f32_to_bf16(row0 + c->vs[2], half1, cols);
                    else memset(half1, 0, sizeof(uint16_t) * (size_t)cols);
                    for (long f = 0; f < mr; f++)
                        slots[j * mr + f] = f < cols ? (uint32_t)half0[f] | (uint32_t)half1[f] << 16 : 0;
                }
                continue;
            }
            for (long j = 0; j < c->Tk; j++) {
                const float *row = v + j * c->vs[2] + f0;
                float *d = dst + j * mr;
                long f = 0;
                for (; f < cols; f++) d[f] = c->bf16 ? rounded_to_bf16(row[f]) : row[f];
                for (; f < mr; f++) d[f] = 0.0f;
            }
        }
    }
    free(row_buf);
}

/// Writes NaN to the output rows of items [begin, end): what a work item leaves when it cannot get scratch.
static void fill_nan(const flash_ctx *c, long rows_per_block, long begin, long end) {
    for (long item = begin; item < end; item++) {
        long block = item % c->qblocks, bh = item / c->qblocks, b = bh / c->Hq, h = bh % c->Hq;
        long i0 = block * rows_per_block, rows = c->Tq - i0 < rows_per_block ? c->Tq - i0 : rows_per_block;
        float *out = c->out + b * c->os[0] + h * c->os[1] + i0 * c->os[2];
        for (long i = 0; i < rows; i++)
            for (long f = 0; f < c->Dv; f++) out[i * c->os[2] + f] = __builtin_nanf("");
    }
}

/// Work item = ((b · Hq) + h) · qblocks + block; a block is QUERY_PANELS panels of nr queries.
static void flash_range(void *vctx, long begin, long end) {
    flash_ctx *c = vctx;
    const gk_kernel_table *kt = c->kt;
    const long mr = kt->mr, nr = kt->nr, R = QUERY_PANELS * nr, KB = KEY_PANELS * mr, D = c->D, Dv = c->Dv;
    const long dv_rows = c->value_panels * mr, depth = c->depth;
    // Scratch: Qᵀ as B panels, one key block of Sᵀ per query panel (and of Pᵀ as bf16 pairs), Oᵀ [dv_rows][R],
    // per-query statistics, and one row of halves for the pair packer.
    size_t floats = (size_t)(R * depth + R * KB + (c->pairs ? KB / 2 * nr : 0) + dv_rows * R + 3 * R + D / 2 + 1);
    float *scratch = malloc(sizeof(float) * floats);
    if (!scratch) { fill_nan(c, R, begin, end); return; }
    float *qpack = scratch, *scores = qpack + R * depth, *pair_scores = scores + R * KB;
    float *acc = pair_scores + (c->pairs ? KB / 2 * nr : 0);
    float *run_max = acc + dv_rows * R, *run_sum = run_max + R, *corr = run_sum + R;
    uint16_t *row_buf = (uint16_t *)(corr + R);
    const long group = c->Hq / c->Hkv;

    for (long item = begin; item < end; item++) {
        long block = item % c->qblocks, bh = item / c->qblocks;
        long b = bh / c->Hq, h = bh % c->Hq, kv = b * c->Hkv + h / group;
        long i0 = block * R, rows = c->Tq - i0 < R ? c->Tq - i0 : R, qpanels = (rows + nr - 1) / nr;
        const float *q = c->q + b * c->qs[0] + h * c->qs[1] + i0 * c->qs[2];
        const float *kp = c->kpack + kv * kpack_size(c), *vp = c->vpack + kv * vpack_size(c);

        for (long s = 0; s < qpanels; s++) {
            long cols = rows - s * nr < nr ? rows - s * nr : nr;
            pack_panel(c, q + s * nr * c->qs[2], c->qs[2], cols, nr, qpack + s * depth * nr, row_buf);
        }
        memset(acc, 0, sizeof(float) * (size_t)(dv_rows * R));
        for (long j = 0; j < R; j++) { run_max[j] = -__builtin_inff(); run_sum[j] = 0.0f; }

        // Past the last query's horizon no key is seen: Tk, or under a causal mask that query's own horizon.
        const long shift = c->Tk - c->Tq;
        long horizon = c->causal ? i0 + rows + shift : c->Tk;
        if (horizon > c->Tk) horizon = c->Tk;
        for (long k0 = 0; k0 < horizon; k0 += KB) {
            long keys = horizon - k0 < KB ? horizon - k0 : KB;
            for (long s = 0; s < qpanels; s++) {
                long first = i0 + s * nr, cols = rows - s * nr < nr ? rows - s * nr : nr, panel_keys = keys;
                if (c->causal) {
                    long seen = first + cols + shift - k0;   // keys of this block the panel's last query sees
                    if (seen <= 0) continue;                 // nothing left for this panel: earlier blocks held all
                    if (seen < panel_keys) panel_keys = seen;
                }
                float *st = scores + s * KB * nr;
                // Sᵀ = scale · K Qᵀ for this key block: [keys][nr], a B panel for the product below. Padding
                // queries (past the last row) see zero queries: finite scores, never written out.
                for (long p = 0; p * mr < panel_keys; p++) {
                    long m = panel_keys - p * mr < mr ? panel_keys - p * mr : mr;
                    kt->ukernel(depth, kp + (k0 / mr + p) * depth * mr, qpack + s * depth * nr, st + p * mr * nr, nr,
                                c->scale, 0.0f, m, nr);
                }
                // Keys past a query's own horizon. A query that sees no key at all keeps an all -inf column
                // (NaN through the softmax) and a zero sum: NaN out, as torch's math path gives.
                if (c->causal && k0 + panel_keys > first + shift + 1) {
                    for (long j = 0; j < cols; j++)
                        for (long kk = first + j + shift + 1 - k0 < 0 ? 0 : first + j + shift + 1 - k0;
                             kk < panel_keys; kk++)
                            st[kk * nr + j] = -__builtin_inff();
                }
                if (c->bf16)
                    c->ot->online_softmax_columns_bf16(st, panel_keys, nr, run_max + s * nr, run_sum + s * nr,
                                                       corr + s * nr, c->pairs ? (uint32_t *)pair_scores : NULL);
                else
                    c->ot->online_softmax_columns(st, panel_keys, nr, run_max + s * nr, run_sum + s * nr,
                                                  corr + s * nr);
                // Earlier output shrinks by each query's change of max, then Oᵀ += Vᵀ Pᵀ.
                for (long f = 0; f < Dv; f++)
                    for (long j = 0; j < nr; j++) acc[f * R + s * nr + j] *= corr[s * nr + j];
                for (long p = 0; p < c->value_panels; p++) {
                    long m = Dv - p * mr < mr ? Dv - p * mr : mr;
                    float *o = acc + p * mr * R + s * nr;
                    if (c->pairs)
                        kt->ukernel((panel_keys + 1) / 2, vp + p * c->key_slots * mr + k0 / 2 * mr, pair_scores, o,
                                    R, 1.0f, 1.0f, m, nr);
                    else
                        kt->ukernel(panel_keys, vp + p * c->Tk * mr + k0 * mr, st, o, R, 1.0f, 1.0f, m, nr);
                }
            }
        }
        // Oᵀ back to [rows][Dv], normalised. A query whose scores were all -inf gets NaN, as torch's math path does.
        float *out = c->out + b * c->os[0] + h * c->os[1] + i0 * c->os[2];
        for (long i = 0; i < rows; i++) {
            float inv = run_sum[i] > 0.0f ? 1.0f / run_sum[i] : __builtin_nanf("");
            for (long f = 0; f < Dv; f++) out[i * c->os[2] + f] = acc[f * R + i] * inv;
        }
    }
    free(scratch);
}

int gk_flash_attention_f32(const gk_ops_table *ot, long B, long Hq, long Hkv, long Tq, long Tk, long D, long Dv,
                           const float *q, const long *qs, const float *k, const long *ks, const float *v,
                           const long *vs, int causal, int bf16, float scale, float *out, const long *os) {
    const gk_kernel_table *pair_table = bf16 ? gk_bf16_pair_table() : NULL;
    const gk_kernel_table *kt = pair_table ? pair_table : gk_table();
    int pairs = pair_table != NULL;
    long rows_per_block = QUERY_PANELS * kt->nr;
    flash_ctx c = {B, Hq, Hkv, Tq, Tk, D, Dv, (Tq + rows_per_block - 1) / rows_per_block, causal, bf16 != 0, pairs,
                   pairs ? (D + 1) / 2 : D, pairs ? (Tk + 1) / 2 : Tk, (Tk + kt->mr - 1) / kt->mr,
                   (Dv + kt->mr - 1) / kt->mr, q, k, v, qs, ks, vs, scale, out, os, NULL, NULL, kt, ot};
    // From the block cache (gk_memory.h): every layer of a model packs the same sizes.
    size_t kbytes = sizeof(float) * (size_t)(B * Hkv * kpack_size(&c));
    size_t vbytes = sizeof(float) * (size_t)(B * Hkv * vpack_size(&c));
    c.kpack = gk_block_alloc(kbytes);
    c.vpack = gk_block_alloc(vbytes);
    if (!c.kpack || !c.vpack) {
        gk_block_free(c.kpack, kbytes); gk_block_free(c.vpack, vbytes);
        return -1;
    }
    gk_parallel_for(B * Hkv, 1, pack_heads, &c);
    gk_parallel_for(B * Hq * c.qblocks, 1, flash_range, &c);
    gk_block_free(c.kpack, kbytes);
    gk_block_free(c.vpack, vbytes);
    return 0;
}
