// Row-wise and element-wise float32 kernels used by the tensor operations.
// Every kernel dispatches on gk_active_isa() and splits large work over the thread pool.
// Pointers are to float32 elements; "rows" are contiguous runs of `n` elements unless strides are given.
#ifndef GK_OPS_H
#define GK_OPS_H
#ifdef __cplusplus
extern "C" {
#endif

/// Element-wise functions of one argument.
typedef enum {
    GK_UNARY_EXP = 0,
    GK_UNARY_TANH = 1,
    GK_UNARY_SQRT = 2,
    GK_UNARY_RSQRT = 3,        ///< 1 / sqrt(x), correctly rounded division (not the hardware estimate)
    GK_UNARY_NEG = 4,
    GK_UNARY_SIGMOID = 5,
    GK_UNARY_GELU_ERF = 6,     ///< x/2 · (1 + erf(x/√2)), erf approximated as torch's vectorised CPU kernel does
    GK_UNARY_GELU_TANH = 7,    ///< x/2 · (1 + tanh(√(2/π)(x + 0.044715x³)))
    GK_UNARY_QUICK_GELU = 8,   ///< x · sigmoid(1.702x)
    GK_UNARY_SILU = 9,         ///< x · sigmoid(x)
    GK_UNARY_RELU = 10,
} gk_unary_op;

/// y[i] = op(x[i]) for i in [0, n). y may equal x.
void gk_unary_f32(gk_unary_op op, const float *x, float *y, long n);

/// Element-wise functions of two arguments.
typedef enum {
    GK_BINARY_ADD = 0,
    GK_BINARY_SUB = 1,
    GK_BINARY_MUL = 2,
    GK_BINARY_DIV = 3,
    GK_BINARY_SILU_MUL = 4,   ///< silu(a) · b, rounded as silu then the product (a SwiGLU gate in one pass)
} gk_binary_op;

/// Maximum rank gk_binary_f32 accepts (callers merge adjacent axes first).
#define GK_BINARY_MAX_RANK 8

/// out = a op b over `shape` (rank 1...GK_BINARY_MAX_RANK). `a` and `b` are read through element strides
/// (0 broadcasts an axis); `out` is written row-major and must not overlap a or b unless it equals one of them
/// with the same row-major layout.
void gk_binary_f32(gk_binary_op op, int rank, const long *shape,
                   const float *a, const long *a_strides, const float *b, const long *b_strides, float *out);

/// Numerically stable softmax of each of `rows` contiguous rows of length n. y may equal x.
void gk_softmax_rows_f32(const float *x, float *y, long rows, long n);

/// Layer normalisation of each row: (x - mean) / sqrt(var + eps) · weight + bias (weight, bias may be NULL).
/// Variance is the biased (population) variance, as torch computes it.
void gk_layer_norm_rows_f32(const float *x, float *y, long rows, long n,
                            const float *weight, const float *bias, float eps);

/// RMS normalisation of each row: x / sqrt(mean(x²) + eps) · weight (weight may be NULL).
void gk_rms_norm_rows_f32(const float *x, float *y, long rows, long n, const float *weight, float eps);

/// y[b, c, s] = x[b, c, s] · weight[c] + bias[c] over [batches, channels, spatial] (weight, bias may be NULL).
void gk_channel_affine_f32(const float *x, float *y, long batches, long channels, long spatial,
                           const float *weight, const float *bias);

/// Rotary position embedding on `rows` rows of length d (contiguous), each of length `rotary` (even, <= d) in the
/// cos/sin tables. Row r uses table row (r / rows_per_batch) · positions + r % positions when batched_tables != 0
/// (tables [B, positions, rotary], one per leading index), else row r % positions (tables [positions, rotary]).
/// Elements past `rotary` are copied unchanged.
/// interleaved == 0: pairs (i, i + rotary/2) rotate (GPT-NeoX / Llama "rotate_half");
/// interleaved == 1: pairs (2i, 2i + 1) rotate (GPT-J).
void gk_rope_f32(const float *x, float *y, long rows, long d, long positions, long rotary,
                 const float *cos, const float *sin, int interleaved, int batched_tables, long rows_per_batch);

/// Unfolds one image x [channels, height, width] for convolution (zero padding): writes the band of output rows
/// [out_row_begin, out_row_begin + out_rows) as col [channels·kh·kw, out_rows·out_w]. Bands let callers bound
/// the buffer for large images.
void gk_im2col_f32(const float *x, long channels, long height, long width, long kh, long kw,
                   long stride_h, long stride_w, long pad_h, long pad_w, long dil_h, long dil_w,
                   long out_row_begin, long out_rows, long out_w, float *col);

/// The transpose of gk_im2col_f32's columns for one whole image: row p of `rows` (stride ldr) is output position p's
/// patch, [channels·kh·kw] in the order of a weight [O, channels, kh, kw] row. Multithreaded over positions.
void gk_im2row_f32(const float *x, long channels, long height, long width, long kh, long kw,
                   long stride_h, long stride_w, long pad_h, long pad_w, long dil_h, long dil_w,
                   long out_h, long out_w, float *rows, long ldr);

/// Inverse of gk_im2col_f32 with accumulation: adds col [channels·kh·kw, in_h·in_w] into
/// y [channels, out_h, out_w] (transposed convolution; y must be initialised).
void gk_col2im_add_f32(const float *col, long channels, long in_h, long in_w, long kh, long kw,
                       long stride_h, long stride_w, long pad_h, long pad_w, long dil_h, long dil_w,
                       long out_h, long out_w, float *y);

/// Nearest-neighbour upsampling of planes [planes, h, w] by integer factors into [planes, h·sh, w·sw].
void gk_upsample_nearest_f32(const float *x, long planes, long h, long w, long scale_h, long scale_w, float *y);

/// Scaled dot-product attention.
/// q [B, Hq, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv] read through element strides (the last stride of each
/// must be 1); Hq is a multiple of Hkv and query head h reads key/value head h / (Hq / Hkv).
/// mask (may be NULL) is added to the scores through strides over [B, Hq, Tq, Tk] (0 broadcasts).
/// causal != 0 hides key j from query i when j > i + Tk - Tq (aligned bottom-right).
/// bf16 != 0 computes both products of the blocked path (no mask, 16 or more queries and keys) from operands
/// rounded to bfloat16, summed in float32 (see flash_attention.c); shorter runs and masked attention stay float32.
/// out [B, Hq, Tq, Dv] is written through element strides over its first three axes (out_strides, 3 values; rows
/// unit-stride), so that it may be laid out [B, Tq, Hq, Dv], the heads already merged. A query row that sees no key
/// yields NaN, as torch's math path does.
void gk_attention_f32(long B, long Hq, long Hkv, long Tq, long Tk, long D, long Dv,
                      const float *q, const long *q_strides, const float *k, const long *k_strides,
                      const float *v, const long *v_strides, const float *mask, const long *mask_strides,
                      int causal, int bf16, float scale, float *out, const long *out_strides);

#ifdef __cplusplus
}
#endif
#endif
