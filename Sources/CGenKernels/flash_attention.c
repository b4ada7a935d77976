// Attention without a score matrix in memory (FlashAttention's blocking, on the CPU): for a block of query rows,
// walk the keys a block at a time, keep each row's running max and sum (online softmax), and accumulate P·V into
// the output straight away. Scores of one query block × key block stay in L1/L2, the scores are written in the
// GEMM micro-kernel's own panel layout, and K and V are packed once per head instead of once per query block.
// With a head dimension of 40 (Stable Diffusion), the materialised path moved about as many bytes as it did
// flops: 4 MB of scores per 256 query rows written, read by softmax, packed and read again.
#include "gk_internal.h"
#include "ops_table.h"
#include <stdlib.h>
#include <string.h>

enum { KEY_BLOCK = 256, QUERY_PANELS = 8 };

typedef struct {
    long B, Hq, Hkv, Tq, Tk, D, Dv, qblocks, qrows;
    long key_panels, value_panels;   ///< nr-wide panels over the keys (for K) and over Dv (for V)
    const float *q, *k, *v;
    const long *qs, *ks, *vs;
    float scale;
    float *out;
    float *kpack, *vpack;            ///< per (batch, kv head): K as B panels [key_panels][D][nr], V as [value_panels][Tk][nr]
    const gk_kernel_table *kt;
    const gk_ops_table *ot;
} flash_ctx;

static long kpack_size(const flash_ctx *c) { return c->key_panels * c->D * c->kt->nr; }
static long vpack_size(const flash_ctx *c) { return c->value_panels * c->Tk * c->kt->nr; }

/// Packs K and V of (batch, kv head) items: K's rows (one per key) into panels of nr keys, V's columns into
/// panels of nr output features with a row per key, so a key block of V is a contiguous slice of each panel.
static void pack_heads(void *vctx, long begin, long end) {
    flash_ctx *c = vctx;
    const long nr = c->kt->nr;
    for (long item = begin; item < end; item++) {
        long b = item / c->Hkv, h = item % c->Hkv;
        const float *k = c->k + b * c->ks[0] + h * c->ks[1];
        const float *v = c->v + b * c->vs[0] + h * c->vs[1];
        float *kp = c->kpack + item * kpack_size(c), *vp = c->vpack + item * vpack_size(c);
        for (long p = 0; p < c->key_panels; p++) {
            long j0 = p * nr, cols = c->Tk - j0 < nr ? c->Tk - j0 : nr;
            float *dst = kp + p * c->D * nr;
            if (c->kt->pack_rows) {
                c->kt->pack_rows(k + j0 * c->ks[2], c->ks[2], cols, c->D, nr, dst);
            } else {
                for (long d = 0; d < c->D; d++)
                    for (long j = 0; j < nr; j++) dst[d * nr + j] = j < cols ? k[(j0 + j) * c->ks[2] + d] : 0.0f;
            }
        }
        for (long p = 0; p < c->value_panels; p++) {
            long f0 = p * nr, cols = c->Dv - f0 < nr ? c->Dv - f0 : nr;
            float *dst = vp + p * c->Tk * nr;
            for (long j = 0; j < c->Tk; j++) {
                const float *row = v + j * c->vs[2] + f0;
                float *d = dst + j * nr;
                long f = 0;
                for (; f < cols; f++) d[f] = row[f];
                for (; f < nr; f++) d[f] = 0.0f;
            }
        }
    }
}

/// Query blocks of qrows rows (QUERY_PANELS micro-panels); item = ((b · Hq) + h) · qblocks + block.
static void flash_range(void *vctx, long begin, long end) {
    flash_ctx *c = vctx;
    const gk_kernel_table *kt = c->kt;
    const long mr = kt->mr, nr = kt->nr, R = c->qrows, D = c->D, Dv = c->Dv;
    // Scratch: the query block as A panels, one key block of scores, the same as A panels of P, row statistics.
    size_t floats = (size_t)(R * D + 2 * R * KEY_BLOCK + 2 * R);
    float *scratch = malloc(sizeof(float) * floats);
    if (!scratch) {   // out of memory: NaN rows, which the caller's output cannot mistake for a result
        for (long item = begin; item < end; item++) {
            long block = item % c->qblocks, bh = item / c->qblocks;
            long i0 = block * R, rows = c->Tq - i0 < R ? c->Tq - i0 : R;
            float *out = c->out + (bh * c->Tq + i0) * Dv;
            for (long i = 0; i < rows * Dv; i++) out[i] = __builtin_nanf("");
        }
        return;
    }
    float *qpack = scratch, *scores = qpack + R * D, *ppack = scores + R * KEY_BLOCK;
    float *row_max = ppack + R * KEY_BLOCK, *row_sum = row_max + R;
    const long group = c->Hq / c->Hkv;

    for (long item = begin; item < end; item++) {
        long block = item % c->qblocks, bh = item / c->qblocks;
        long b = bh / c->Hq, h = bh % c->Hq, kv = b * c->Hkv + h / group;
        long i0 = block * R, rows = c->Tq - i0 < R ? c->Tq - i0 : R, panels = (rows + mr - 1) / mr;
        const float *q = c->q + b * c->qs[0] + h * c->qs[1] + i0 * c->qs[2];
        const float *kp = c->kpack + kv * kpack_size(c), *vp = c->vpack + kv * vpack_size(c);
        float *out = c->out + ((b * c->Hq + h) * c->Tq + i0) * Dv;

        for (long p = 0; p < panels; p++) {
            long m = rows - p * mr < mr ? rows - p * mr : mr;
            float *dst = qpack + p * mr * D;
            if (kt->pack_rows) {
                kt->pack_rows(q + p * mr * c->qs[2], c->qs[2], m, D, mr, dst);
            } else {
                for (long d = 0; d < D; d++)
                    for (long r = 0; r < mr; r++) dst[d * mr + r] = r < m ? q[(p * mr + r) * c->qs[2] + d] : 0.0f;
            }
        }
        memset(out, 0, sizeof(float) * (size_t)(rows * Dv));
        for (long r = 0; r < rows; r++) { row_max[r] = -__builtin_inff(); row_sum[r] = 0.0f; }

        for (long k0 = 0; k0 < c->Tk; k0 += KEY_BLOCK) {
            long keys = c->Tk - k0 < KEY_BLOCK ? c->Tk - k0 : KEY_BLOCK;
            // S = scale · Q Kᵀ for this key block, rows at a stride of KEY_BLOCK.
            for (long p = 0; p < panels; p++) {
                long m = rows - p * mr < mr ? rows - p * mr : mr;
                for (long j = 0; j < keys; j += nr) {
                    long n = keys - j < nr ? keys - j : nr;
                    kt->ukernel(D, qpack + p * mr * D, kp + ((k0 + j) / nr) * D * nr, scores + p * mr * KEY_BLOCK + j,
                                KEY_BLOCK, c->scale, 0.0f, m, n);
                }
            }
            // Online softmax: P = exp(S - running max); earlier output rows shrink by the change of max.
            for (long r = 0; r < rows; r++) {
                float correction = c->ot->online_softmax_row(scores + r * KEY_BLOCK, keys, &row_max[r], &row_sum[r]);
                if (correction != 1.0f)
                    for (long f = 0; f < Dv; f++) out[r * Dv + f] *= correction;
            }
            // O += P V: P repacked into A panels (in cache), V's key block is a slice of each V panel.
            for (long p = 0; p < panels; p++) {
                long m = rows - p * mr < mr ? rows - p * mr : mr;
                float *pp = ppack + p * mr * KEY_BLOCK;
                if (kt->pack_rows) {
                    kt->pack_rows(scores + p * mr * KEY_BLOCK, KEY_BLOCK, m, keys, mr, pp);
                } else {
                    for (long j = 0; j < keys; j++)
                        for (long r = 0; r < mr; r++) pp[j * mr + r] = r < m ? scores[(p * mr + r) * KEY_BLOCK + j] : 0.0f;
                }
                for (long f = 0; f < Dv; f += nr) {
                    long n = Dv - f < nr ? Dv - f : nr;
                    kt->ukernel(keys, pp, vp + (f / nr) * c->Tk * nr + k0 * nr, out + p * mr * Dv + f, Dv, 1.0f, 1.0f,
                                m, n);
                }
            }
        }
        // Normalise; a row whose scores were all -inf has sum 0 and gives NaN, as torch's math path does.
        for (long r = 0; r < rows; r++) {
            float inv = 1.0f / row_sum[r];
            for (long f = 0; f < Dv; f++) out[r * Dv + f] = row_sum[r] > 0.0f ? out[r * Dv + f] * inv : __builtin_nanf("");
        }
    }
    free(scratch);
}

int gk_flash_attention_f32(const gk_ops_table *ot, long B, long Hq, long Hkv, long Tq, long Tk, long D, long Dv,
                           const float *q, const long *qs, const float *k, const long *ks, const float *v,
                           const long *vs, float scale, float *out) {
    const gk_kernel_table *kt = gk_table();
    flash_ctx c = {B, Hq, Hkv, Tq, Tk, D, Dv, 0, QUERY_PANELS * kt->mr, (Tk + kt->nr - 1) / kt->nr,
                   (Dv + kt->nr - 1) / kt->nr, q, k, v, qs, ks, vs, scale, out, NULL, NULL, kt, ot};
    c.qblocks = (Tq + c.qrows - 1) / c.qrows;
    c.kpack = malloc(sizeof(float) * (size_t)(B * Hkv * kpack_size(&c)));
    c.vpack = malloc(sizeof(float) * (size_t)(B * Hkv * vpack_size(&c)));
    if (!c.kpack || !c.vpack) {
        free(c.kpack); free(c.vpack);
        return -1;
    }
    gk_parallel_for(B * Hkv, 1, pack_heads, &c);
    gk_parallel_for(B * Hq * c.qblocks, 1, flash_range, &c);
    free(c.kpack);
    free(c.vpack);
    return 0;
}
