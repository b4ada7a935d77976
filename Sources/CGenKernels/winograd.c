// 3×3 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016). Each 2×2 block of outputs comes from a 4×4 block of input ("tile") with 16 products per
// channel pair instead of 36, so the GEMM work drops 2.25×: the filters and the tiles are taken to a 4×4 transform
// domain, where the convolution becomes 16 independent GEMMs (one per transform-domain position ξ) over channels,
// and the 16 results of each tile are taken back to 2×2 outputs.
//
//   U[ξ][o][c] = (G g[o][c] Gᵀ)[ξ]      filters, O·C·16
//   V[ξ][c][t] = (Bᵀ d[c][t] B)[ξ]      input tiles, C·T·16 (t runs over the tiles of all images)
//   M[ξ]       = U[ξ] · V[ξ]            16 GEMMs of [O, C] · [C, T]
//   y[o][tile] = Aᵀ m[o][t] A           m[o][t][ξ] = M[ξ][o][t]
//
// The transforms only add and halve, so the result differs from direct convolution by rounding alone.
#include <stdlib.h>
#include <string.h>
#include "gen_kernels.h"

/// Upper bound on the transform-domain buffers (V and M, bytes each): tiles are processed in chunks below it.
enum { GK_WINOGRAD_BUFFER_BYTES = 16 << 20 };

typedef struct {
    long n, O, C, H, W, tiles_h, tiles_w, tile_begin, tile_count;
    const float *weight, *x;
    float *U, *V, *M, *y;
    volatile int failed;   ///< set by a task that could not allocate its scratch rows
} gk_winograd_ctx;

static void filter_transform_task(void *vctx, long begin, long end) {
    gk_winograd_ctx *s = vctx;
    long OC = s->O * s->C;
    for (long oc = begin; oc < end; oc++) {
        const float *g = s->weight + oc * 9;
        float t[4][3];   // G g: rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
        for (int j = 0; j < 3; j++) {
            float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
            t[0][j] = g0;
            t[1][j] = 0.5f * (g0 + g1 + g2);
            t[2][j] = 0.5f * (g0 - g1 + g2);
            t[3][j] = g2;
        }
        for (int i = 0; i < 4; i++) {   // (G g) Gᵀ, the same combination along the columns
            float a = t[i][0], b = t[i][1], c = t[i][2];
            float *u = s->U + (long)(i * 4) * OC + oc;
            u[0] = a;
            u[OC] = 0.5f * (a + b + c);
            u[2 * OC] = 0.5f * (a - b + c);
            u[3 * OC] = c;
        }
    }
}

/// Zero-padded row `r` of a plane (padding 1 on both sides): out[0] and out[W + 1] are the padding.
static void padded_row(const float *plane, long H, long W, long r, float *out) {
    out[0] = 0.0f;
    out[W + 1] = 0.0f;
    if (r < 0 || r >= H) {
        for (long q = 0; q < W; q++) out[q + 1] = 0.0f;
        return;
    }
    for (long q = 0; q < W; q++) out[q + 1] = plane[r * W + q];
}

/// Tiles are visited a tile row at a time, so that Bᵀ d is formed once per input column for the whole row (rows
/// combined along the width, contiguous) and d B tile by tile in an inner loop that writes V contiguously.
static void input_transform_task(void *vctx, long begin, long end) {
    gk_winograd_ctx *s = vctx;
    long per_image = s->tiles_h * s->tiles_w, CT = s->C * s->tile_count, W = s->W, width = W + 3;
    float *rows = malloc(sizeof(float) * 8 * (size_t)width);
    if (!rows) {   // a few KB: reported, and the caller falls back to the implicit GEMM
        s->failed = 1;
        return;
    }
    float *d[4] = {rows, rows + width, rows + 2 * width, rows + 3 * width};
    float *b[4] = {rows + 4 * width, rows + 5 * width, rows + 6 * width, rows + 7 * width};
    for (long c = begin; c < end; c++) {
        long k = 0;
        while (k < s->tile_count) {
            long t = s->tile_begin + k, image = t / per_image, ti = (t % per_image) / s->tiles_w, tj0 = t % s->tiles_w;
            long run = s->tiles_w - tj0 < s->tile_count - k ? s->tiles_w - tj0 : s->tile_count - k;
            const float *plane = s->x + (image * s->C + c) * s->H * W;
            for (int i = 0; i < 4; i++) padded_row(plane, s->H, W, 2 * ti - 1 + i, d[i]);
            // Odd widths: the last tile's fourth column lies past the padding; it only feeds outputs that are dropped.
            for (int i = 0; i < 4; i++) d[i][W + 2] = 0.0f;
            for (long q = 0; q < width; q++) {   // Bᵀ d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3
                b[0][q] = d[0][q] - d[2][q];
                b[1][q] = d[1][q] + d[2][q];
                b[2][q] = d[2][q] - d[1][q];
                b[3][q] = d[1][q] - d[3][q];
            }
            for (int i = 0; i < 4; i++) {   // (Bᵀ d) B along the columns of each tile
                const float *row = b[i];
                float *v0 = s->V + (i * 4 + 0) * CT + c * s->tile_count + k, *v1 = v0 + CT, *v2 = v1 + CT, *v3 = v2 + CT;
                for (long j = 0; j < run; j++) {
                    const float *col = row + 2 * (tj0 + j);
                    v0[j] = col[0] - col[2];
                    v1[j] = col[1] + col[2];
                    v2[j] = col[2] - col[1];
                    v3[j] = col[1] - col[3];
                }
            }
            k += run;
        }
    }
    free(rows);
}

/// A tile row at a time, like the input transform: Aᵀ m reads the 16 planes of M contiguously along the row.
static void output_transform_task(void *vctx, long begin, long end) {
    gk_winograd_ctx *s = vctx;
    long per_image = s->tiles_h * s->tiles_w, OT = s->O * s->tile_count, W = s->W;
    for (long o = begin; o < end; o++) {
        long k = 0;
        while (k < s->tile_count) {
            long t = s->tile_begin + k, image = t / per_image, ti = (t % per_image) / s->tiles_w, tj0 = t % s->tiles_w;
            long run = s->tiles_w - tj0 < s->tile_count - k ? s->tiles_w - tj0 : s->tile_count - k;
            const float *m = s->M + o * s->tile_count + k;
            float *plane = s->y + (image * s->O + o) * s->H * W;
            for (int i = 0; i < 2; i++) {
                long r = 2 * ti + i;
                if (r >= s->H) break;
                float *out = plane + r * W;
                // Row i of Aᵀ m is m0 + m1 + m2 (i = 0) or m1 - m2 - m3 (i = 1), per column j of the tile.
                const float *p0 = m, *p1 = m + 4 * OT, *p2 = m + 8 * OT, *p3 = m + 12 * OT;
                for (long j = 0; j < run; j++) {
                    float a[4];
                    for (int q = 0; q < 4; q++) {
                        float m0 = p0[q * OT + j], m1 = p1[q * OT + j], m2 = p2[q * OT + j], m3 = p3[q * OT + j];
                        a[q] = i == 0 ? m0 + m1 + m2 : m1 - m2 - m3;
                    }
                    long col = 2 * (tj0 + j);
                    out[col] = a[0] + a[1] + a[2];
                    if (col + 1 < W) out[col + 1] = a[1] - a[2] - a[3];
                }
            }
            k += run;
        }
    }
}

static long grain_for(long items, long work_per_item) {
    long grain = (64L * 1024 + work_per_item - 1) / (work_per_item > 0 ? work_per_item : 1);
    return grain < 1 ? 1 : grain > items ? items : grain;
}

int gk_conv3x3_winograd_f32(long n, long O, long C, long H, long W, const float *weight, const float *x, float *y,
                            long chunk_tiles) {
    if (n <= 0 || O <= 0 || C <= 0 || H <= 0 || W <= 0) return 0;
    long tiles_h = (H + 1) / 2, tiles_w = (W + 1) / 2, tiles = n * tiles_h * tiles_w;
    long widest = O > C ? O : C;
    long chunk = chunk_tiles;
    if (chunk <= 0) {
        chunk = GK_WINOGRAD_BUFFER_BYTES / (16 * widest * (long)sizeof(float));
        if (chunk < 256) chunk = 256;   // narrower GEMMs lose more than the cache gains
    }
    if (chunk > tiles) chunk = tiles;
    float *U = malloc(sizeof(float) * 16 * (size_t)(O * C));
    float *V = malloc(sizeof(float) * 16 * (size_t)(C * chunk));
    float *M = malloc(sizeof(float) * 16 * (size_t)(O * chunk));
    if (!U || !V || !M) {
        free(U); free(V); free(M);
        return -1;
    }
    gk_winograd_ctx s = {n, O, C, H, W, tiles_h, tiles_w, 0, 0, weight, x, U, V, M, y, 0};
    gk_parallel_for(O * C, grain_for(O * C, 100), filter_transform_task, &s);
    for (long begin = 0; begin < tiles; begin += chunk) {
        s.tile_begin = begin;
        s.tile_count = tiles - begin < chunk ? tiles - begin : chunk;
        gk_parallel_for(C, grain_for(C, 100 * s.tile_count), input_transform_task, &s);
        if (s.failed) break;
        for (int xi = 0; xi < 16; xi++)
            gk_sgemm(0, 0, O, s.tile_count, C, 1.0f, U + (long)xi * O * C, C, V + (long)xi * C * s.tile_count,
                     s.tile_count, 0.0f, M + (long)xi * O * s.tile_count, s.tile_count);
        gk_parallel_for(O, grain_for(O, 60 * s.tile_count), output_transform_task, &s);
    }
    free(U); free(V); free(M);
    return s.failed ? -1 : 0;
}
