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
#include "gk_internal.h"
#include "ops_table.h"
#include <stdlib.h>
#include <string.h>

/// Key panels (of mr keys) per key block, and query panels (of nr queries) per work item: with AVX2's 6 × 16
/// micro-tile that is 240 keys × 64 queries, 60 KB of scores.
enum { KEY_PANELS = 40, QUERY_PANELS = 4 };

typedef struct {
    long B, Hq, Hkv, Tq, Tk, D, Dv, qblocks;
    int causal;                      ///< query i sees keys j ≤ i + Tk - Tq (bottom-right, the KV-cache convention)
    long key_panels, value_panels;   ///< mr-row A panels over the keys (K) and over Dv (Vᵀ)
    const float *q, *k, *v;
    const long *qs, *ks, *vs;
    float scale;
    float *out;
    float *kpack, *vpack;            ///< per (batch, kv head): K as [key_panels][D][mr], Vᵀ as [value_panels][Tk][mr]
    const gk_kernel_table *kt;
    const gk_ops_table *ot;
} flash_ctx;

static long kpack_size(const flash_ctx *c) { return c->key_panels * c->D * c->kt->mr; }
static long vpack_size(const flash_ctx *c) { return c->value_panels * c->Tk * c->kt->mr; }

/// Packs K and Vᵀ of (batch, kv head) items: mr keys at a time into [D][mr] panels, and mr output features at a
/// time into [Tk][mr] panels, so a key block of Vᵀ is a contiguous slice of each panel.
static void pack_heads(void *vctx, long begin, long end) {
    flash_ctx *c = vctx;
    const long mr = c->kt->mr;
    for (long item = begin; item < end; item++) {
        long b = item / c->Hkv, h = item % c->Hkv;
        const float *k = c->k + b * c->ks[0] + h * c->ks[1];
        const float *v = c->v + b * c->vs[0] + h * c->vs[1];
        float *kp = c->kpack + item * kpack_size(c), *vp = c->vpack + item * vpack_size(c);
        for (long p = 0; p < c->key_panels; p++) {
            long j0 = p * mr, rows = c->Tk - j0 < mr ? c->Tk - j0 : mr;
            float *dst = kp + p * c->D * mr;
            if (c->kt->pack_rows) {
                c->kt->pack_rows(k + j0 * c->ks[2], c->ks[2], rows, c->D, mr, dst);
            } else {
                for (long d = 0; d < c->D; d++)
                    for (long r = 0; r < mr; r++) dst[d * mr + r] = r < rows ? k[(j0 + r) * c->ks[2] + d] : 0.0f;
            }
        }
        for (long p = 0; p < c->value_panels; p++) {
            long f0 = p * mr, cols = c->Dv - f0 < mr ? c->Dv - f0 : mr;
            float *dst = vp + p * c->Tk * mr;
            for (long j = 0; j < c->Tk; j++) {
                const float *row = v + j * c->vs[2] + f0;
                float *d = dst + j * mr;
                long f = 0;
                for (; f < cols; f++) d[f] = row[f];
                for (; f < mr; f++) d[f] = 0.0f;
            }
        }
    }
}

/// Writes NaN to the output rows of items [begin, end): what a work item leaves when it cannot get scratch.
static void fill_nan(const flash_ctx *c, long rows_per_block, long begin, long end) {
    for (long item = begin; item < end; item++) {
        long block = item % c->qblocks, bh = item / c->qblocks;
        long i0 = block * rows_per_block, rows = c->Tq - i0 < rows_per_block ? c->Tq - i0 : rows_per_block;
        float *out = c->out + (bh * c->Tq + i0) * c->Dv;
        for (long i = 0; i < rows * c->Dv; i++) out[i] = __builtin_nanf("");
    }
}

/// Work item = ((b · Hq) + h) · qblocks + block; a block is QUERY_PANELS panels of nr queries.
static void flash_range(void *vctx, long begin, long end) {
    flash_ctx *c = vctx;
    const gk_kernel_table *kt = c->kt;
    const long mr = kt->mr, nr = kt->nr, R = QUERY_PANELS * nr, KB = KEY_PANELS * mr, D = c->D, Dv = c->Dv;
    const long dv_rows = c->value_panels * mr;
    // Scratch: Qᵀ as B panels, one key block of Sᵀ per query panel, Oᵀ [dv_rows][R], and per-query statistics.
    size_t floats = (size_t)(R * D + R * KB + dv_rows * R + 3 * R);
    float *scratch = malloc(sizeof(float) * floats);
    if (!scratch) { fill_nan(c, R, begin, end); return; }
    float *qpack = scratch, *scores = qpack + R * D, *acc = scores + R * KB;
    float *run_max = acc + dv_rows * R, *run_sum = run_max + R, *corr = run_sum + R;
    const long group = c->Hq / c->Hkv;

    for (long item = begin; item < end; item++) {
        long block = item % c->qblocks, bh = item / c->qblocks;
        long b = bh / c->Hq, h = bh % c->Hq, kv = b * c->Hkv + h / group;
        long i0 = block * R, rows = c->Tq - i0 < R ? c->Tq - i0 : R, qpanels = (rows + nr - 1) / nr;
        const float *q = c->q + b * c->qs[0] + h * c->qs[1] + i0 * c->qs[2];
        const float *kp = c->kpack + kv * kpack_size(c), *vp = c->vpack + kv * vpack_size(c);

        for (long s = 0; s < qpanels; s++) {
            long cols = rows - s * nr < nr ? rows - s * nr : nr;
            float *dst = qpack + s * D * nr;
            if (kt->pack_rows) {
                kt->pack_rows(q + s * nr * c->qs[2], c->qs[2], cols, D, nr, dst);
            } else {
                for (long d = 0; d < D; d++)
                    for (long j = 0; j < nr; j++) dst[d * nr + j] = j < cols ? q[(s * nr + j) * c->qs[2] + d] : 0.0f;
            }
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
                    kt->ukernel(D, kp + (k0 / mr + p) * D * mr, qpack + s * D * nr, st + p * mr * nr, nr, c->scale,
                                0.0f, m, nr);
                }
                // Keys past a query's own horizon. A query that sees no key at all keeps an all -inf column
                // (NaN through the softmax) and a zero sum: NaN out, as torch's math path gives.
                if (c->causal && k0 + panel_keys > first + shift + 1) {
                    for (long j = 0; j < cols; j++)
                        for (long kk = first + j + shift + 1 - k0 < 0 ? 0 : first + j + shift + 1 - k0;
                             kk < panel_keys; kk++)
                            st[kk * nr + j] = -__builtin_inff();
                }
                c->ot->online_softmax_columns(st, panel_keys, nr, run_max + s * nr, run_sum + s * nr, corr + s * nr);
                // Earlier output shrinks by each query's change of max, then Oᵀ += Vᵀ Pᵀ.
                for (long f = 0; f < Dv; f++)
                    for (long j = 0; j < nr; j++) acc[f * R + s * nr + j] *= corr[s * nr + j];
                for (long p = 0; p < c->value_panels; p++) {
                    long m = Dv - p * mr < mr ? Dv - p * mr : mr;
                    kt->ukernel(panel_keys, vp + p * c->Tk * mr + k0 * mr, st, acc + p * mr * R + s * nr, R, 1.0f,
                                1.0f, m, nr);
                }
            }
        }
        // Oᵀ back to [rows][Dv], normalised. A query whose scores were all -inf gets NaN, as torch's math path does.
        float *out = c->out + ((b * c->Hq + h) * c->Tq + i0) * Dv;
        for (long i = 0; i < rows; i++) {
            float inv = run_sum[i] > 0.0f ? 1.0f / run_sum[i] : __builtin_nanf("");
            for (long f = 0; f < Dv; f++) out[i * Dv + f] = acc[f * R + i] * inv;
        }
    }
    free(scratch);
}

int gk_flash_attention_f32(const gk_ops_table *ot, long B, long Hq, long Hkv, long Tq, long Tk, long D, long Dv,
                           const float *q, const long *qs, const float *k, const long *ks, const float *v,
                           const long *vs, int causal, float scale, float *out) {
    const gk_kernel_table *kt = gk_table();
    long rows_per_block = QUERY_PANELS * kt->nr;
    flash_ctx c = {B, Hq, Hkv, Tq, Tk, D, Dv, (Tq + rows_per_block - 1) / rows_per_block, causal,
                   (Tk + kt->mr - 1) / kt->mr, (Dv + kt->mr - 1) / kt->mr, q, k, v, qs, ks, vs, scale, out,
                   NULL, NULL, kt, ot};
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
