// Public entry points of gk_ops.h: pick the row-kernel table for the active instruction set, split work
// over the thread pool, and hold the layout loops (broadcasting, im2col, rotary, attention blocking) that
// need no SIMD of their own.
#include "gen_kernels.h"
#include "ops_table.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const gk_ops_table *ops(void) {
    switch (gk_active_isa()) {
#if defined(__x86_64__) || defined(_M_X64)
    case GK_ISA_AVX2: return &gk_ops_avx2;
    case GK_ISA_AVX512: return &gk_ops_avx512;
#endif
#if defined(__aarch64__)
    case GK_ISA_NEON: return &gk_ops_neon;
#endif
    default: return &gk_ops_portable;
    }
}

/// Work items are split so each chunk carries at least this many elements; below it threads cost more than they save.
static const long kElementsPerTask = 16384;

static long grain_for(long elements_per_item) {
    long g = kElementsPerTask / (elements_per_item > 0 ? elements_per_item : 1);
    return g > 0 ? g : 1;
}

// MARK: Element-wise

typedef struct { const gk_ops_table *t; gk_unary_op op; const float *x; float *y; long n; } unary_ctx;

static void unary_range(void *p, long begin, long end) {
    unary_ctx *c = p;
    long lo = begin * kElementsPerTask, hi = end * kElementsPerTask;
    if (hi > c->n) hi = c->n;
    c->t->unary(c->op, c->x + lo, c->y + lo, hi - lo);
}

void gk_unary_f32(gk_unary_op op, const float *x, float *y, long n) {
    if (n <= 0) return;
    unary_ctx c = {ops(), op, x, y, n};
    gk_parallel_for((n + kElementsPerTask - 1) / kElementsPerTask, 1, unary_range, &c);
}

typedef struct {
    const gk_ops_table *t;
    gk_binary_op op;
    int rank;
    const long *shape, *as, *bs;
    const float *a, *b;
    float *out;
} binary_ctx;

// Each work item is one row along the last axis; the outer index is decoded into a and b offsets.
static void binary_range(void *p, long begin, long end) {
    binary_ctx *c = p;
    int r = c->rank;
    long n = c->shape[r - 1], sa = c->as[r - 1], sb = c->bs[r - 1];
    for (long row = begin; row < end; row++) {
        long rem = row, ao = 0, bo = 0;
        for (int axis = r - 2; axis >= 0; axis--) {
            long i = rem % c->shape[axis];
            rem /= c->shape[axis];
            ao += i * c->as[axis];
            bo += i * c->bs[axis];
        }
        const float *a = c->a + ao, *b = c->b + bo;
        float *y = c->out + row * n;
        if ((sa == 0 || sa == 1) && (sb == 0 || sb == 1) && (sa | sb)) {
            c->t->binary(c->op, a, sa, b, sb, y, n);
        } else {
            // Strided or doubly broadcast rows: gather both operands into contiguous runs first.
            float *ga = malloc(sizeof(float) * (size_t)n * 2);
            if (!ga) return;
            float *gb = ga + n;
            for (long i = 0; i < n; i++) { ga[i] = a[i * sa]; gb[i] = b[i * sb]; }
            c->t->binary(c->op, ga, 1, gb, 1, y, n);
            free(ga);
        }
    }
}

/// One run of the whole output (same-shape contiguous operands, or one against a scalar, merge into a single
/// axis): work items are chunks of kElementsPerTask elements of it.
static void binary_run_range(void *p, long begin, long end) {
    binary_ctx *c = p;
    long n = c->shape[0], sa = c->as[0], sb = c->bs[0];
    long lo = begin * kElementsPerTask, hi = end * kElementsPerTask < n ? end * kElementsPerTask : n;
    c->t->binary(c->op, c->a + lo * sa, sa, c->b + lo * sb, sb, c->out + lo, hi - lo);
}

void gk_binary_f32(gk_binary_op op, int rank, const long *shape,
                   const float *a, const long *a_strides, const float *b, const long *b_strides, float *out) {
    if (rank < 1 || rank > GK_BINARY_MAX_RANK) return;
    long rows = 1;
    for (int i = 0; i < rank - 1; i++) rows *= shape[i];
    long n = shape[rank - 1];
    if (rows <= 0 || n <= 0) return;
    binary_ctx c = {ops(), op, rank, shape, a_strides, b_strides, a, b, out};
    long sa = a_strides[rank - 1], sb = b_strides[rank - 1];
    if (rank == 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1) && (sa | sb)) {
        // A residual add of a whole activation is one such run: split it, or one thread does it all.
        gk_parallel_for((n + kElementsPerTask - 1) / kElementsPerTask, 1, binary_run_range, &c);
        return;
    }
    gk_parallel_for(rows, grain_for(n), binary_range, &c);
}

// MARK: Row normalisations

typedef struct {
    const gk_ops_table *t;
    const float *x, *w, *b;
    float *y;
    long n;
    float eps;
    int kind;  // 0 softmax, 1 layer norm, 2 rms norm
} rows_ctx;

static void rows_range(void *p, long begin, long end) {
    rows_ctx *c = p;
    for (long r = begin; r < end; r++) {
        const float *x = c->x + r * c->n;
        float *y = c->y + r * c->n;
        switch (c->kind) {
        case 0: c->t->softmax_row(x, y, c->n); break;
        case 1: c->t->layer_norm_row(x, y, c->n, c->w, c->b, c->eps); break;
        default: c->t->rms_norm_row(x, y, c->n, c->w, c->eps); break;
        }
    }
}

static void run_rows(int kind, const float *x, float *y, long rows, long n, const float *w, const float *b, float eps) {
    if (rows <= 0 || n <= 0) return;
    rows_ctx c = {ops(), x, w, b, y, n, eps, kind};
    gk_parallel_for(rows, grain_for(n), rows_range, &c);
}

void gk_softmax_rows_f32(const float *x, float *y, long rows, long n) { run_rows(0, x, y, rows, n, NULL, NULL, 0); }

void gk_layer_norm_rows_f32(const float *x, float *y, long rows, long n, const float *weight, const float *bias, float eps) {
    run_rows(1, x, y, rows, n, weight, bias, eps);
}

void gk_rms_norm_rows_f32(const float *x, float *y, long rows, long n, const float *weight, float eps) {
    run_rows(2, x, y, rows, n, weight, NULL, eps);
}

void gk_channel_affine_f32(const float *x, float *y, long batches, long channels, long spatial,
                           const float *weight, const float *bias) {
    for (long b = 0; b < batches; b++)
        for (long c = 0; c < channels; c++) {
            const float *src = x + (b * channels + c) * spatial;
            float *dst = y + (b * channels + c) * spatial;
            float w = weight ? weight[c] : 1.0f, o = bias ? bias[c] : 0.0f;
            for (long s = 0; s < spatial; s++) dst[s] = src[s] * w + o;
        }
}

// MARK: Rotary embedding

typedef struct {
    const float *x, *cos, *sin;
    float *y;
    long d, positions, rotary, rows_per_batch;
    int interleaved, batched_tables;
} rope_ctx;

static void rope_range(void *p, long begin, long end) {
    const rope_ctx *c = p;
    long d = c->d, rotary = c->rotary, half = rotary / 2;
    for (long r = begin; r < end; r++) {
        long table_row = r % c->positions + (c->batched_tables ? r / c->rows_per_batch * c->positions : 0);
        const float *xr = c->x + r * d, *cs = c->cos + table_row * rotary, *sn = c->sin + table_row * rotary;
        float *yr = c->y + r * d;
        if (c->interleaved) {
            for (long i = 0; i < half; i++) {
                float a = xr[2 * i], b = xr[2 * i + 1];
                yr[2 * i] = a * cs[2 * i] - b * sn[2 * i];
                yr[2 * i + 1] = b * cs[2 * i + 1] + a * sn[2 * i + 1];
            }
        } else {
            for (long i = 0; i < half; i++) {
                float a = xr[i], b = xr[i + half];
                yr[i] = a * cs[i] - b * sn[i];
                yr[i + half] = b * cs[i + half] + a * sn[i + half];
            }
        }
        if (c->y != c->x && d > rotary) memcpy(yr + rotary, xr + rotary, sizeof(float) * (size_t)(d - rotary));
    }
}

void gk_rope_f32(const float *x, float *y, long rows, long d, long positions, long rotary,
                 const float *cos, const float *sin, int interleaved, int batched_tables, long rows_per_batch) {
    if (rows <= 0) return;
    rope_ctx c = {x, cos, sin, y, d, positions, rotary, rows_per_batch, interleaved, batched_tables};
    gk_parallel_for(rows, grain_for(d), rope_range, &c);
}

// MARK: Convolution layout

/// Walks every (channel, kernel offset, column position) of a convolution's unfolded matrix col
/// [channels·kh·kw, col_h·col_w] (output rows from row_begin on) and the image pixel [channels, img_h, img_w]
/// it stands for:
/// gather (im2col) copies the pixel in (zero outside the image), scatter (col2im) adds the column value back.
static void walk_patches(float *img, long img_h, long img_w, float *col, long row_begin, long col_h, long col_w,
                         long channels, long kh, long kw, long stride_h, long stride_w, long pad_h, long pad_w,
                         long dil_h, long dil_w, int scatter) {
    for (long c = 0; c < channels; c++)
        for (long ki = 0; ki < kh; ki++)
            for (long kj = 0; kj < kw; kj++) {
                float *cols = col + ((c * kh + ki) * kw + kj) * col_h * col_w;
                for (long r = 0; r < col_h; r++) {
                    long iy = (row_begin + r) * stride_h - pad_h + ki * dil_h;
                    float *row = cols + r * col_w;
                    int inside_rows = iy >= 0 && iy < img_h;
                    float *pixels = img + (c * img_h + (inside_rows ? iy : 0)) * img_w;
                    for (long q = 0; q < col_w; q++) {
                        long ix = q * stride_w - pad_w + kj * dil_w;
                        int inside = inside_rows && ix >= 0 && ix < img_w;
                        if (scatter) { if (inside) pixels[ix] += row[q]; }
                        else row[q] = inside ? pixels[ix] : 0.0f;
                    }
                }
            }
}

void gk_im2col_f32(const float *x, long channels, long height, long width, long kh, long kw,
                   long stride_h, long stride_w, long pad_h, long pad_w, long dil_h, long dil_w,
                   long out_row_begin, long out_rows, long out_w, float *col) {
    // The gather direction only reads the image.
    walk_patches((float *)x, height, width, col, out_row_begin, out_rows, out_w, channels, kh, kw, stride_h, stride_w, pad_h, pad_w,
                 dil_h, dil_w, 0);
}

typedef struct {
    const float *x;
    long channels, height, width, kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, out_w, ldr;
    float *rows;
} im2row_ctx;

static void im2row_range(void *vctx, long begin, long end) {
    const im2row_ctx *c = vctx;
    for (long p = begin; p < end; p++) {
        long oy = p / c->out_w, ox = p % c->out_w;
        float *row = c->rows + p * c->ldr;
        for (long ch = 0; ch < c->channels; ch++) {
            const float *plane = c->x + ch * c->height * c->width;
            for (long ky = 0; ky < c->kh; ky++) {
                long iy = oy * c->stride_h - c->pad_h + ky * c->dil_h;
                for (long kx = 0; kx < c->kw; kx++) {
                    long ix = ox * c->stride_w - c->pad_w + kx * c->dil_w;
                    *row++ = iy >= 0 && iy < c->height && ix >= 0 && ix < c->width ? plane[iy * c->width + ix] : 0.0f;
                }
            }
        }
    }
}

void gk_im2row_f32(const float *x, long channels, long height, long width, long kh, long kw,
                   long stride_h, long stride_w, long pad_h, long pad_w, long dil_h, long dil_w,
                   long out_h, long out_w, float *rows, long ldr) {
    im2row_ctx c = {x, channels, height, width, kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, out_w, ldr, rows};
    gk_parallel_for(out_h * out_w, grain_for(channels * kh * kw), im2row_range, &c);
}

void gk_col2im_add_f32(const float *col, long channels, long in_h, long in_w, long kh, long kw,
                       long stride_h, long stride_w, long pad_h, long pad_w, long dil_h, long dil_w,
                       long out_h, long out_w, float *y) {
    // The scatter direction only reads the columns.
    walk_patches(y, out_h, out_w, (float *)col, 0, in_h, in_w, channels, kh, kw, stride_h, stride_w, pad_h, pad_w,
                 dil_h, dil_w, 1);
}

void gk_upsample_nearest_f32(const float *x, long planes, long h, long w, long scale_h, long scale_w, float *y) {
    long ow = w * scale_w;
    for (long p = 0; p < planes; p++)
        for (long iy = 0; iy < h; iy++) {
            const float *src = x + (p * h + iy) * w;
            float *row = y + (p * h + iy) * scale_h * ow;
            for (long ix = 0; ix < w; ix++)
                for (long k = 0; k < scale_w; k++) row[ix * scale_w + k] = src[ix];
            for (long k = 1; k < scale_h; k++) memcpy(row + k * ow, row, sizeof(float) * (size_t)ow);
        }
}

// MARK: Attention

/// Query rows per work item. Each item packs K and V for its GEMMs, so taller blocks amortise that packing (with
/// a head dimension of 40, as in Stable Diffusion, 64-row blocks spent more time packing than multiplying); the
/// score scratch, rows × Tk floats per worker, is kept near 4 MB.
static long query_block(long Tk) {
    long rows = (1L << 20) / (Tk > 0 ? Tk : 1);
    return rows > 256 ? 256 : rows < 16 ? 16 : rows;
}

typedef struct {
    long B, Hq, Hkv, Tq, Tk, D, Dv, rows_per_block, blocks;
    const float *q, *k, *v, *mask;
    const long *qs, *ks, *vs, *ms;
    int causal;
    float scale;
    float *out;
    const long *os;
    const gk_ops_table *t;
} attention_ctx;

static void attention_range(void *p, long begin, long end) {
    attention_ctx *c = p;
    long block_rows = c->rows_per_block;
    float *scores = malloc(sizeof(float) * (size_t)(block_rows * (c->Tk > 0 ? c->Tk : 1)));
    if (!scores) return;
    long group = c->Hq / c->Hkv;
    for (long item = begin; item < end; item++) {
        long block = item % c->blocks, bh = item / c->blocks;
        long b = bh / c->Hq, h = bh % c->Hq, kvh = h / group;
        long i0 = block * block_rows, i1 = i0 + block_rows < c->Tq ? i0 + block_rows : c->Tq, rows = i1 - i0;
        const float *q = c->q + b * c->qs[0] + h * c->qs[1] + i0 * c->qs[2];
        const float *k = c->k + b * c->ks[0] + kvh * c->ks[1];
        const float *v = c->v + b * c->vs[0] + kvh * c->vs[1];
        float *out = c->out + b * c->os[0] + h * c->os[1] + i0 * c->os[2];
        // With a causal mask only keys up to the last row's horizon can contribute.
        long shift = c->Tk - c->Tq, keys = c->Tk;
        if (c->causal) {
            long horizon = i1 - 1 + shift + 1;
            keys = horizon < keys ? horizon : keys;
        }
        long ldo = rows > 1 ? c->os[2] : c->Dv;
        if (keys <= 0) {
            for (long i = 0; i < rows; i++)
                for (long f = 0; f < c->Dv; f++) out[i * ldo + f] = NAN;
            continue;
        }
        long lda = rows > 1 ? c->qs[2] : c->D, ldk = keys > 1 ? c->ks[2] : c->D, ldv = keys > 1 ? c->vs[2] : c->Dv;
        gk_sgemm(0, 1, rows, keys, c->D, c->scale, q, lda, k, ldk, 0.0f, scores, keys);
        for (long r = 0; r < rows; r++) {
            float *s = scores + r * keys;
            long i = i0 + r;
            if (c->mask) {
                const float *m = c->mask + b * c->ms[0] + h * c->ms[1] + i * c->ms[2];
                long step = c->ms[3];
                for (long j = 0; j < keys; j++) s[j] += m[j * step];
            }
            if (c->causal)
                for (long j = i + shift + 1 < 0 ? 0 : i + shift + 1; j < keys; j++) s[j] = -INFINITY;
            c->t->softmax_row(s, s, keys);
        }
        gk_sgemm(0, 0, rows, c->Dv, keys, 1.0f, scores, keys, v, ldv, 0.0f, out, ldo);
    }
    free(scores);
}

void gk_attention_f32(long B, long Hq, long Hkv, long Tq, long Tk, long D, long Dv,
                      const float *q, const long *q_strides, const float *k, const long *k_strides,
                      const float *v, const long *v_strides, const float *mask, const long *mask_strides,
                      int causal, int bf16, float scale, float *out, const long *out_strides) {
    if (B <= 0 || Hq <= 0 || Hkv <= 0 || Tq <= 0 || Dv <= 0 || Hq % Hkv != 0) return;
    // Long unmasked sequences (image encoders, UNet and VAE attention, a decoder's causal prefill) go through the
    // blocked online softmax; additive masks and short query runs (decode) keep the materialised scores.
    if (!mask && Tq >= 16 && Tk >= 16 && D > 0 &&
        gk_flash_attention_f32(ops(), B, Hq, Hkv, Tq, Tk, D, Dv, q, q_strides, k, k_strides, v, v_strides, causal,
                               bf16, scale, out, out_strides) == 0)
        return;
    // Causal (when the blocked path could not get its buffers, or few rows): blocks of 32 rows, each multiplying
    // only the keys up to its own last row, so little of the masked triangle is computed.
    long rows = causal && query_block(Tk) > 32 ? 32 : query_block(Tk);
    attention_ctx c = {B, Hq, Hkv, Tq, Tk, D, Dv, rows, (Tq + rows - 1) / rows,
                       q, k, v, mask, q_strides, k_strides, v_strides, mask_strides, causal, scale, out, out_strides,
                       ops()};
    gk_parallel_for(B * Hq * c.blocks, 1, attention_range, &c);
}
