// 3×3 convolution by Winograd's minimal filtering F(m×m, 3×3), m = 2 or 4 (Lavin & Gray, "Fast Algorithms
// for Convolutional Neural Networks", 2016). Each m×m block of outputs comes from an α×α block of input ("tile"),
// α = m + 2, with α² products per channel pair instead of 9·m²: F(2×2, 3×3) does 16 instead of 36 (2.25× fewer),
// F(4×4, 3×3) 36 instead of 144 (4× fewer). The filters and the tiles are taken to an α×α transform domain, where
// the convolution becomes α² independent GEMMs (one per transform-domain position ξ) over channels, and the α²
// results of each tile are taken back to m×m outputs.
//
//   U[ξ][o][c] = (G g[o][c] Gᵀ)[ξ]      filters, O·C·α²
//   V[ξ][c][t] = (Bᵀ d[c][t] B)[ξ]      input tiles, C·T·α² (t runs over the tiles of all images)
//   M[ξ]       = U[ξ] · V[ξ]            α² GEMMs of [O, C] · [C, T]
//   y[o][tile] = Aᵀ m[o][t] A           m[o][t][ξ] = M[ξ][o][t]
//
// F(2×2, 3×3) interpolates at 0, ±1, ∞ and its transforms only add and halve. F(4×4, 3×3) interpolates at
// 0, ±1, ±2, ∞: its transforms scale by up to 8, so its rounding error is larger (about 1e-5 of the largest
// output on Stable Diffusion's shapes, against 5e-7) but still far below what a float32 model notices.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "gk_internal.h"

/// Upper bound on the transform-domain buffers (V and M, bytes each): tiles are processed in chunks below it.
enum { GK_WINOGRAD_BUFFER_BYTES = 16 << 20 };

typedef struct {
    long n, O, C, H, W, tiles_h, tiles_w, tile_begin, tile_count;
    const float *weight, *x;
    float *U, *V, *M, *y;
    volatile int failed;   ///< set by a task that could not allocate its scratch rows
} gk_winograd_ctx;

// MARK: - The three transforms of each F(m×m, 3×3), applied to one vector

/// G v for F(2×2, 3×3): v0, (v0 + v1 + v2)/2, (v0 - v1 + v2)/2, v2.
static inline void filter_vector2(const float v[3], float r[4]) {
    r[0] = v[0];
    r[1] = 0.5f * (v[0] + v[1] + v[2]);
    r[2] = 0.5f * (v[0] - v[1] + v[2]);
    r[3] = v[2];
}

/// G v for F(4×4, 3×3): the filter polynomial at 0, -1, 1, -2, 2 and ∞, scaled by the interpolation weights.
static inline void filter_vector4(const float v[3], float r[6]) {
    const float sixth = 1.0f / 6.0f;   // a multiplication: a division would dominate this transform
    float even = v[0] + v[2], even4 = 0.25f * v[0] + v[2];
    r[0] = 0.25f * v[0];
    r[1] = -(even + v[1]) * sixth;
    r[2] = -(even - v[1]) * sixth;
    r[3] = (even4 + 0.5f * v[1]) * sixth;
    r[4] = (even4 - 0.5f * v[1]) * sixth;
    r[5] = v[2];
}

/// Bᵀ d for F(2×2, 3×3).
static inline void input_vector2(const float d[4], float r[4]) {
    r[0] = d[0] - d[2];
    r[1] = d[1] + d[2];
    r[2] = d[2] - d[1];
    r[3] = d[1] - d[3];
}

/// Bᵀ d for F(4×4, 3×3).
static inline void input_vector4(const float d[6], float r[6]) {
    float a = d[4] - 4.0f * d[2], b = d[3] - 4.0f * d[1], c = d[4] - d[2], e = 2.0f * (d[3] - d[1]);
    r[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    r[1] = a + b;
    r[2] = a - b;
    r[3] = c + e;
    r[4] = c - e;
    r[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

/// Aᵀ v for F(2×2, 3×3).
static inline void output_vector2(const float v[4], float r[2]) {
    r[0] = v[0] + v[1] + v[2];
    r[1] = v[1] - v[2] - v[3];
}

/// Aᵀ v for F(4×4, 3×3).
static inline void output_vector4(const float v[6], float r[4]) {
    float s12 = v[1] + v[2], d12 = v[1] - v[2], s34 = v[3] + v[4], d34 = v[3] - v[4];
    r[0] = v[0] + s12 + s34;
    r[1] = d12 + 2.0f * d34;
    r[2] = s12 + 4.0f * s34;
    r[3] = d12 + 8.0f * d34 + v[5];
}

static inline void filter_vector(long m, const float *v, float *r) {
    if (m == 2) filter_vector2(v, r); else filter_vector4(v, r);
}

static inline void input_vector(long m, const float *d, float *r) {
    if (m == 2) input_vector2(d, r); else input_vector4(d, r);
}

static inline void output_vector(long m, const float *v, float *r) {
    if (m == 2) output_vector2(v, r); else output_vector4(v, r);
}

// MARK: - Tasks
//
// Each task body takes the tile size as a constant argument and is inlined into one task per tile size, so the
// small loops over α unroll and the vectors above stay in registers.

#define GK_WINOGRAD_BODY static inline __attribute__((always_inline))

/// Filters are transformed 16 at a time into a small block, then stored as α² runs of 16: storing each filter's α²
/// values straight into the α² planes (each O·C floats apart) touched a page per value.
GK_WINOGRAD_BODY void filter_transform(gk_winograd_ctx *s, long begin, long end, const long m) {
    enum { BLOCK = 16 };
    const long alpha = m + 2;
    long OC = s->O * s->C;
    float block[36][BLOCK];
    for (long first = begin; first < end; first += BLOCK) {
        long count = end - first < BLOCK ? end - first : BLOCK;
        for (long f = 0; f < count; f++) {
            const float *g = s->weight + (first + f) * 9;
            float t[6][3];   // G g, column by column
            for (int j = 0; j < 3; j++) {
                float column[3] = {g[j], g[3 + j], g[6 + j]}, r[6];
                filter_vector(m, column, r);
                for (long i = 0; i < alpha; i++) t[i][j] = r[i];
            }
            for (long i = 0; i < alpha; i++) {   // (G g) Gᵀ: the same combination along each row
                float r[6];
                filter_vector(m, t[i], r);
                for (long k = 0; k < alpha; k++) block[i * alpha + k][f] = r[k];
            }
        }
        for (long xi = 0; xi < alpha * alpha; xi++)
            memcpy(s->U + xi * OC + first, block[xi], sizeof(float) * (size_t)count);
    }
}

/// Tiles are visited a tile row at a time, so that Bᵀ d is formed once per input column for the whole row (rows
/// combined along the width, contiguous, straight from the input planes) and d B tile by tile in an inner loop that
/// writes V contiguously. Rows above and below the plane read a zero row; the padding columns of Bᵀ d are zero.
GK_WINOGRAD_BODY void input_transform(gk_winograd_ctx *s, long begin, long end, const long m) {
    const long alpha = m + 2;
    long per_image = s->tiles_h * s->tiles_w, CT = s->C * s->tile_count, H = s->H, W = s->W;
    long width = m * s->tiles_w + 2;   // the last tile's right columns may lie past the padding: zeros
    float *scratch = malloc(sizeof(float) * (size_t)(alpha * width + W));
    if (!scratch) {   // a few KB: reported, and the caller falls back to the implicit GEMM
        s->failed = 1;
        return;
    }
    float *b = scratch, *zeros = scratch + alpha * width;   // Bᵀ d for the tile row, then a zero input row
    memset(zeros, 0, sizeof(float) * (size_t)W);
    for (long i = 0; i < alpha; i++)
        for (long q = 0; q < width; q++) b[i * width + q] = 0.0f;
    for (long c = begin; c < end; c++) {
        long k = 0;
        while (k < s->tile_count) {
            long t = s->tile_begin + k, image = t / per_image, ti = (t % per_image) / s->tiles_w, tj0 = t % s->tiles_w;
            long run = s->tiles_w - tj0 < s->tile_count - k ? s->tiles_w - tj0 : s->tile_count - k;
            const float *plane = s->x + (image * s->C + c) * H * W, *row[6];
            for (long i = 0; i < alpha; i++) {
                long r = m * ti - 1 + i;
                row[i] = r >= 0 && r < H ? plane + r * W : zeros;
            }
            for (long x = 0; x < W; x++) {   // Bᵀ d down each column; b's column x + 1 is input column x
                float d[6], r[6];
                for (long i = 0; i < alpha; i++) d[i] = row[i][x];
                input_vector(m, d, r);
                for (long i = 0; i < alpha; i++) b[i * width + 1 + x] = r[i];
            }
            for (long i = 0; i < alpha; i++) {   // (Bᵀ d) B along the columns of each tile
                float *v = s->V + (i * alpha) * CT + c * s->tile_count + k;
                for (long j = 0; j < run; j++) {
                    float r[6];
                    input_vector(m, b + i * width + m * (tj0 + j), r);
                    for (long q = 0; q < alpha; q++) v[q * CT + j] = r[q];
                }
            }
            k += run;
        }
    }
    free(scratch);
}

/// A tile row at a time, like the input transform: each tile gathers its α² values from the planes of M, which
/// are contiguous along the row.
GK_WINOGRAD_BODY void output_transform(gk_winograd_ctx *s, long begin, long end, const long m) {
    const long alpha = m + 2;
    long per_image = s->tiles_h * s->tiles_w, OT = s->O * s->tile_count, W = s->W;
    for (long o = begin; o < end; o++) {
        long k = 0;
        while (k < s->tile_count) {
            long t = s->tile_begin + k, image = t / per_image, ti = (t % per_image) / s->tiles_w, tj0 = t % s->tiles_w;
            long run = s->tiles_w - tj0 < s->tile_count - k ? s->tiles_w - tj0 : s->tile_count - k;
            const float *planes = s->M + o * s->tile_count + k;
            float *out = s->y + (image * s->O + o) * s->H * W;
            long rows = s->H - m * ti < m ? s->H - m * ti : m;
            for (long j = 0; j < run; j++) {
                float rowsum[4][6];   // Aᵀ m: the tile's m output rows, still α wide
                for (long q = 0; q < alpha; q++) {
                    float column[6], r[4];
                    for (long i = 0; i < alpha; i++) column[i] = planes[(i * alpha + q) * OT + j];
                    output_vector(m, column, r);
                    for (long i = 0; i < m; i++) rowsum[i][q] = r[i];
                }
                long col = m * (tj0 + j), cols = W - col < m ? W - col : m;
                for (long i = 0; i < rows; i++) {   // (Aᵀ m) A along each output row
                    float r[4];
                    output_vector(m, rowsum[i], r);
                    float *dst = out + (m * ti + i) * W + col;
                    for (long q = 0; q < cols; q++) dst[q] = r[q];
                }
            }
            k += run;
        }
    }
}

static void filter_transform2(void *s, long begin, long end) { filter_transform(s, begin, end, 2); }
static void filter_transform4(void *s, long begin, long end) { filter_transform(s, begin, end, 4); }
static void input_transform2(void *s, long begin, long end) { input_transform(s, begin, end, 2); }
static void input_transform4(void *s, long begin, long end) { input_transform(s, begin, end, 4); }
static void output_transform2(void *s, long begin, long end) { output_transform(s, begin, end, 2); }
static void output_transform4(void *s, long begin, long end) { output_transform(s, begin, end, 4); }

/// The transform-domain buffers of one call, kept by the calling thread for its next call: freshly mapped pages
/// cost a fault and a clear each, about a tenth of a 64×64 UNet convolution when the buffers came anew every call.
/// The block is freed instead when it is larger than GK_WINOGRAD_KEEP_BYTES, and when the thread exits (a
/// thread-specific key with a destructor: dispatch threads come and go). 512 MB: the SD 1.5 UNet's 16×16 up blocks
/// take 150–260 MB of F(2×2) buffers each, and below that bound they were mapped afresh at every call (500k page
/// faults a step).
enum { GK_WINOGRAD_KEEP_BYTES = 512 << 20 };
typedef struct {
    float *block;
    long floats;
} gk_kept_scratch;
static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;
static int kept_key_ok;

static void free_kept(void *kept) {
    if (!kept) return;
    free(((gk_kept_scratch *)kept)->block);
    free(kept);
}

static void make_kept_key(void) { kept_key_ok = pthread_key_create(&kept_key, free_kept) == 0; }

/// The calling thread's kept block when it holds at least `floats`, else a new one (NULL when out of memory);
/// `capacity` receives the block's size in floats.
static float *scratch_floats(long floats, long *capacity) {
    pthread_once(&kept_once, make_kept_key);
    gk_kept_scratch *kept = kept_key_ok ? pthread_getspecific(kept_key) : NULL;
    if (kept && kept->block && kept->floats >= floats) {
        float *block = kept->block;
        *capacity = kept->floats;
        kept->block = NULL;
        return block;
    }
    if (kept) {   // too small: a larger one replaces it
        free(kept->block);
        kept->block = NULL;
    }
    *capacity = floats;
    return malloc(sizeof(float) * (size_t)floats);
}

/// Keeps `block` (`floats` long) for the calling thread's next call, or frees it.
static void scratch_release(float *block, long floats) {
    gk_kept_scratch *kept = kept_key_ok ? pthread_getspecific(kept_key) : NULL;
    if (kept_key_ok && !kept) {   // the thread's first call: its record, freed with the thread
        kept = calloc(1, sizeof *kept);
        if (kept && pthread_setspecific(kept_key, kept) != 0) {
            free(kept);
            kept = NULL;
        }
    }
    if (!kept || kept->block || floats * (long)sizeof(float) > GK_WINOGRAD_KEEP_BYTES) {
        free(block);
        return;
    }
    kept->block = block;
    kept->floats = floats;
}

/// M[ξ] = U[ξ] · V[ξ] by the weight-rows kernel, where the table has one: six rows of U (contiguous over C, read in
/// place) against 64 tiles of V at a time, V's rows of T tiles being the kernel's vector rows as they lie, so neither
/// operand is packed. A last group of fewer than 16 tiles reads past its row's end into the next row (or into the
/// slack after V's last plane), lanes whose sums are not stored.
static void product_plane(const gk_kernel_table *t, const float *U, const float *V, float *M, long O, long C, long T) {
    float acc[GK_WR_ROWS * GK_WR_COLS];
    for (long t0 = 0; t0 < T; t0 += GK_WR_COLS) {
        long cols = T - t0 < GK_WR_COLS ? T - t0 : GK_WR_COLS;
        for (long o0 = 0; o0 < O; o0 += GK_WR_ROWS) {
            long rows = O - o0 < GK_WR_ROWS ? O - o0 : GK_WR_ROWS;
            t->wrows((int)rows, (int)((cols + 15) / 16), C, 0, V + t0, T, U + o0 * C, C, acc, 0);
            for (long r = 0; r < rows; r++) memcpy(M + (o0 + r) * T + t0, acc + r * GK_WR_COLS, sizeof(float) * (size_t)cols);
        }
    }
}

/// The α² products M[ξ] = U[ξ] · V[ξ], one plane per task: each GEMM then runs on one thread without the pool's
/// hand-offs, and α² (16 or 36) planes divide evenly enough between the cores.
static void product_task(void *vctx, long begin, long end) {
    gk_winograd_ctx *s = vctx;
    long O = s->O, C = s->C, T = s->tile_count;
    const gk_kernel_table *t = gk_table();
    for (long xi = begin; xi < end; xi++) {
        if (t->wrows) product_plane(t, s->U + xi * O * C, s->V + xi * C * T, s->M + xi * O * T, O, C, T);
        else gk_sgemm(0, 0, O, T, C, 1.0f, s->U + xi * O * C, C, s->V + xi * C * T, T, 0.0f, s->M + xi * O * T, T);
    }
}

static long grain_for(long items, long work_per_item) {
    long grain = (64L * 1024 + work_per_item - 1) / (work_per_item > 0 ? work_per_item : 1);
    return grain < 1 ? 1 : grain > items ? items : grain;
}

int gk_conv3x3_winograd_f32(long n, long O, long C, long H, long W, const float *weight, const float *x, float *y,
                            long output_tile, long chunk_tiles) {
    if (output_tile != 2 && output_tile != 4) return -1;
    if (n <= 0 || O <= 0 || C <= 0 || H <= 0 || W <= 0) return 0;
    long m = output_tile, alpha = m + 2, planes = alpha * alpha;
    long tiles_h = (H + m - 1) / m, tiles_w = (W + m - 1) / m, tiles = n * tiles_h * tiles_w;
    long widest = O > C ? O : C;
    long chunk = chunk_tiles;
    if (chunk <= 0) {
        chunk = GK_WINOGRAD_BUFFER_BYTES / (planes * widest * (long)sizeof(float));
        long narrowest = m == 2 ? 256 : 128;   // narrower GEMMs lose more than the cache gains
        if (chunk < narrowest) chunk = narrowest;
    }
    if (chunk > tiles) chunk = tiles;
    long chunks = (tiles + chunk - 1) / chunk;
    chunk = (tiles + chunks - 1) / chunks;   // equal chunks: no narrow last GEMM
    long capacity;
    // GK_WR_COLS floats of slack after M: product_plane's last vector of V's last plane may run past V (into M, and
    // M's own end into the slack), into lanes it does not store.
    float *U = scratch_floats(planes * (O * C + C * chunk + O * chunk) + GK_WR_COLS, &capacity);
    if (!U) return -1;
    float *V = U + planes * O * C, *M = V + planes * C * chunk;
    gk_winograd_ctx s = {n, O, C, H, W, tiles_h, tiles_w, 0, 0, weight, x, U, V, M, y, 0};
    gk_range_fn filters = m == 2 ? filter_transform2 : filter_transform4;
    gk_range_fn inputs = m == 2 ? input_transform2 : input_transform4;
    gk_range_fn outputs = m == 2 ? output_transform2 : output_transform4;
    gk_parallel_for(O * C, grain_for(O * C, 8 * planes), filters, &s);
    for (long begin = 0; begin < tiles; begin += chunk) {
        s.tile_begin = begin;
        s.tile_count = tiles - begin < chunk ? tiles - begin : chunk;
        gk_parallel_for(C, grain_for(C, 6 * planes * s.tile_count), inputs, &s);
        if (s.failed) break;
        gk_parallel_for(planes, 1, product_task, &s);
        gk_parallel_for(O, grain_for(O, 4 * planes * s.tile_count), outputs, &s);
    }
    scratch_release(U, capacity);
    return s.failed ? -1 : 0;
}
