// Row kernels of the tensor operations, written once with clang vector extensions and compiled once per
// instruction set: each ops_<isa>.c defines GK_OPS_WIDTH (lanes), GK_OPS_TABLE (the exported table's name)
// and GK_OPS_HAS_FMA, optionally opens a target-attribute region, then includes this file. Using one source
// keeps every path numerically the same algorithm, so the scalar and SIMD paths agree to rounding.
#include "gk_internal.h"
#include "ops_table.h"
#include <stdint.h>
#include <string.h>

#define W GK_OPS_WIDTH
typedef float vf __attribute__((ext_vector_type(W)));
typedef int32_t vi __attribute__((ext_vector_type(W)));
typedef float vf_unaligned __attribute__((ext_vector_type(W), aligned(4), may_alias));

static inline vf load(const float *p) { return *(const vf_unaligned *)p; }
static inline void store(float *p, vf v) { *(vf_unaligned *)p = v; }
static inline vf splat(float s) { return (vf)(s); }

#if GK_OPS_HAS_FMA
static inline vf fmadd(vf a, vf b, vf c) { return __builtin_elementwise_fma(a, b, c); }
#else
// Without hardware FMA a library fma per lane would be slow; a separate multiply and add is accurate enough.
static inline vf fmadd(vf a, vf b, vf c) { return a * b + c; }
#endif

/// Lanes of `a` where the mask is set, else lanes of `b`.
static inline vf select(vi mask, vf a, vf b) {
    vi r = (__builtin_bit_cast(vi, a) & mask) | (__builtin_bit_cast(vi, b) & ~mask);
    return __builtin_bit_cast(vf, r);
}
static inline vf copy_sign(vf magnitude, vf sign) {
    vi r = (__builtin_bit_cast(vi, magnitude) & 0x7fffffff) | (__builtin_bit_cast(vi, sign) & (int32_t)0x80000000);
    return __builtin_bit_cast(vf, r);
}
static inline float horizontal_sum(vf v) {
    float s = 0;
    for (int i = 0; i < W; i++) s += v[i];
    return s;
}
static inline float horizontal_max(vf v) {
    float m = v[0];
    for (int i = 1; i < W; i++) m = v[i] > m ? v[i] : m;
    return m;
}
/// 2^n for integer n in [-126, 127], built directly in the exponent field.
static inline vf pow2i(vi n) { return __builtin_bit_cast(vf, (n + 127) << 23); }

/// e^x within about 1 ulp: Cody-Waite reduction x = n·ln2 + r, |r| <= ln2/2, degree-7 Taylor polynomial for e^r
/// (truncation error below 6e-9 relative), scaled by 2^n in two steps so results down to the subnormal range
/// come out right. NaN propagates; -inf gives 0, +inf and overflow give +inf. Rounding to n uses an integer
/// conversion rather than floor() because SSE2 (the portable x86-64 path) has no vector floor instruction.
static inline vf v_exp(vf x) {
    vf xc = __builtin_elementwise_min(__builtin_elementwise_max(x, splat(-104.0f)), splat(88.72283935546875f));
    vf t = xc * 1.44269504088896341f;
    vi ni = __builtin_convertvector(t + select(t < 0.0f, splat(-0.5f), splat(0.5f)), vi);
    vf n = __builtin_convertvector(ni, vf);
    vf r = fmadd(n, splat(-0.693359375f), xc);
    r = fmadd(n, splat(2.12194440e-4f), r);
    vf p = splat(1.0f / 5040.0f);
    p = fmadd(p, r, splat(1.0f / 720.0f));
    p = fmadd(p, r, splat(1.0f / 120.0f));
    p = fmadd(p, r, splat(1.0f / 24.0f));
    p = fmadd(p, r, splat(1.0f / 6.0f));
    p = fmadd(p, r, splat(0.5f));
    p = fmadd(p, r, splat(1.0f));
    p = fmadd(p, r, splat(1.0f));
    vi half = ni >> 1;
    vf result = p * pow2i(half) * pow2i(ni - half);
    result = select(x > 88.72283935546875f, splat(__builtin_inff()), result);
    return select(x != x, x, result);
}

/// e^x for x <= 0 as softmax uses it (x minus the row's max): the same reduction and polynomial as v_exp, with
/// the rounding done by the 1.5·2^23 shift (two instructions instead of a compare, select and two conversions)
/// and one 2^n scaling. Results below e^-87.3 (under 1e-38, where v_exp goes subnormal) are 0, as is e^-inf;
/// NaN propagates. About half the instructions of v_exp, which took a quarter of blocked attention's time.
static inline vf v_exp_nonpositive(vf x) {
    const float shift = 12582912.0f;   // 1.5 · 2^23: adding it rounds t to an integer held in the low mantissa bits
    vf xc = __builtin_elementwise_max(x, splat(-87.3f));
    vf t = fmadd(xc, splat(1.44269504088896341f), splat(shift));
    vi ni = __builtin_bit_cast(vi, t) - __builtin_bit_cast(int32_t, shift);
    vf n = t - shift;
    vf r = fmadd(n, splat(-0.693359375f), xc);
    r = fmadd(n, splat(2.12194440e-4f), r);
    vf p = splat(1.0f / 5040.0f);
    p = fmadd(p, r, splat(1.0f / 720.0f));
    p = fmadd(p, r, splat(1.0f / 120.0f));
    p = fmadd(p, r, splat(1.0f / 24.0f));
    p = fmadd(p, r, splat(1.0f / 6.0f));
    p = fmadd(p, r, splat(0.5f));
    p = fmadd(p, r, splat(1.0f));
    p = fmadd(p, r, splat(1.0f));
    vf result = p * pow2i(ni);
    result = select(x >= -87.3f, result, splat(0.0f));
    return select(x != x, x, result);
}

/// tanh: an odd Taylor polynomial below |x| = 0.3 (where 1 - 2/(e^2x + 1) would cancel), else that formula.
static inline vf v_tanh(vf x) {
    vf ax = __builtin_elementwise_abs(x);
    vf e = v_exp(ax * 2.0f);
    vf large = copy_sign(1.0f - 2.0f / (e + 1.0f), x);
    vf x2 = x * x;
    vf p = splat(21844.0f / 6081075.0f);
    p = fmadd(p, x2, splat(-1382.0f / 155925.0f));
    p = fmadd(p, x2, splat(62.0f / 2835.0f));
    p = fmadd(p, x2, splat(-17.0f / 315.0f));
    p = fmadd(p, x2, splat(2.0f / 15.0f));
    p = fmadd(p, x2, splat(-1.0f / 3.0f));
    vf small = fmadd(x * x2, p, x);
    return select(ax < 0.3f, small, large);
}

static inline vf v_sigmoid(vf x) { return 1.0f / (1.0f + v_exp(-x)); }

/// erf by Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7): the approximation PyTorch's vectorised CPU
/// GELU uses, so results track torch's own rounding behaviour closely.
static inline vf v_erf(vf x) {
    vf ax = __builtin_elementwise_abs(x);
    vf t = 1.0f / fmadd(ax, splat(0.3275911f), splat(1.0f));
    vf p = splat(1.061405429f);
    p = fmadd(p, t, splat(-1.453152027f));
    p = fmadd(p, t, splat(1.421413741f));
    p = fmadd(p, t, splat(-0.284496736f));
    p = fmadd(p, t, splat(0.254829592f));
    vf y = 1.0f - p * t * v_exp(-(ax * ax));
    return copy_sign(y, x);
}

static inline vf v_unary(gk_unary_op op, vf x) {
    switch (op) {
    case GK_UNARY_EXP: return v_exp(x);
    case GK_UNARY_TANH: return v_tanh(x);
    case GK_UNARY_SQRT: return __builtin_elementwise_sqrt(x);
    case GK_UNARY_RSQRT: return 1.0f / __builtin_elementwise_sqrt(x);
    case GK_UNARY_NEG: return -x;
    case GK_UNARY_SIGMOID: return v_sigmoid(x);
    case GK_UNARY_GELU_ERF: return x * 0.5f * (1.0f + v_erf(x * 0.70710678118654752f));
    case GK_UNARY_GELU_TANH: {
        vf inner = x * 0.79788456080286536f * fmadd(x * x, splat(0.044715f), splat(1.0f));
        return x * 0.5f * (1.0f + v_tanh(inner));
    }
    case GK_UNARY_QUICK_GELU: return x * v_sigmoid(x * 1.702f);
    case GK_UNARY_SILU: return x * v_sigmoid(x);
    case GK_UNARY_RELU: return select(x > 0.0f, x, splat(0.0f));
    }
    return x;
}

// One loop per operation so the switch is decided outside the hot loop; the tail goes through a padded
// vector so it is computed exactly like the body.
#define UNARY_CASE(OP)                                                          \
    case OP: {                                                                  \
        long i = 0;                                                             \
        for (; i + W <= n; i += W) store(y + i, v_unary(OP, load(x + i)));      \
        if (i < n) {                                                            \
            float buf[W] = {0};                                                 \
            memcpy(buf, x + i, sizeof(float) * (size_t)(n - i));                \
            store(buf, v_unary(OP, load(buf)));                                 \
            memcpy(y + i, buf, sizeof(float) * (size_t)(n - i));                \
        }                                                                       \
        return;                                                                 \
    }

static void unary(gk_unary_op op, const float *x, float *y, long n) {
    switch (op) {
    UNARY_CASE(GK_UNARY_EXP)
    UNARY_CASE(GK_UNARY_TANH)
    UNARY_CASE(GK_UNARY_SQRT)
    UNARY_CASE(GK_UNARY_RSQRT)
    UNARY_CASE(GK_UNARY_NEG)
    UNARY_CASE(GK_UNARY_SIGMOID)
    UNARY_CASE(GK_UNARY_GELU_ERF)
    UNARY_CASE(GK_UNARY_GELU_TANH)
    UNARY_CASE(GK_UNARY_QUICK_GELU)
    UNARY_CASE(GK_UNARY_SILU)
    UNARY_CASE(GK_UNARY_RELU)
    }
}

static inline vf v_binary(gk_binary_op op, vf a, vf b) {
    switch (op) {
    case GK_BINARY_ADD: return a + b;
    case GK_BINARY_SUB: return a - b;
    case GK_BINARY_MUL: return a * b;
    case GK_BINARY_DIV: return a / b;
    case GK_BINARY_SILU_MUL: {
        vf silu = a * v_sigmoid(a);   // rounded here, as silu's own output is
        return silu * b;
    }
    }
    return a;
}
// a_step / b_step are 1 (a contiguous run) or 0 (one value broadcast along the run). The tail goes through
// padded vectors so it rounds exactly like the body.
#define BINARY_CASE(OP)                                                                               \
    case OP: {                                                                                        \
        long i = 0;                                                                                   \
        if (a_step && b_step)                                                                         \
            for (; i + W <= n; i += W) store(y + i, v_binary(OP, load(a + i), load(b + i)));          \
        else if (a_step)                                                                              \
            for (vf bs = splat(*b); i + W <= n; i += W) store(y + i, v_binary(OP, load(a + i), bs));  \
        else                                                                                          \
            for (vf as = splat(*a); i + W <= n; i += W) store(y + i, v_binary(OP, as, load(b + i)));  \
        if (i < n) {                                                                                  \
            float ta[W], tb[W];                                                                       \
            for (int j = 0; j < W; j++) {                                                             \
                ta[j] = i + j < n ? a[(i + j) * a_step] : 1.0f;                                       \
                tb[j] = i + j < n ? b[(i + j) * b_step] : 1.0f;                                       \
            }                                                                                         \
            store(ta, v_binary(OP, load(ta), load(tb)));                                              \
            memcpy(y + i, ta, sizeof(float) * (size_t)(n - i));                                       \
        }                                                                                             \
        return;                                                                                       \
    }

static void binary(gk_binary_op op, const float *a, long a_step, const float *b, long b_step, float *y, long n) {
    switch (op) {
    BINARY_CASE(GK_BINARY_ADD)
    BINARY_CASE(GK_BINARY_SUB)
    BINARY_CASE(GK_BINARY_MUL)
    BINARY_CASE(GK_BINARY_DIV)
    BINARY_CASE(GK_BINARY_SILU_MUL)
    }
}

static void softmax_row(const float *x, float *y, long n) {
    long i = 0;
    vf vmax = splat(-__builtin_inff());
    for (; i + W <= n; i += W) vmax = __builtin_elementwise_max(vmax, load(x + i));
    float max = horizontal_max(vmax);
    for (; i < n; i++) max = x[i] > max ? x[i] : max;
    // A row of only -inf gives NaN everywhere (as torch does): -inf - -inf is NaN and propagates through exp.
    vf vsum = splat(0.0f), m = splat(max);
    for (i = 0; i + W <= n; i += W) {
        vf e = v_exp_nonpositive(load(x + i) - m);
        store(y + i, e);
        vsum += e;
    }
    if (i < n) {
        float buf[W];
        for (int j = 0; j < W; j++) buf[j] = -__builtin_inff();
        memcpy(buf, x + i, sizeof(float) * (size_t)(n - i));
        vf e = v_exp_nonpositive(load(buf) - m);  // padding lanes give exp(-inf) = 0 (NaN when the whole row is -inf)
        vsum += e;
        store(buf, e);
        memcpy(y + i, buf, sizeof(float) * (size_t)(n - i));
    }
    float inv = 1.0f / horizontal_sum(vsum);
    vf vinv = splat(inv);
    for (i = 0; i + W <= n; i += W) store(y + i, load(y + i) * vinv);
    for (; i < n; i++) y[i] *= inv;
}

/// bfloat16 bits of non-negative e (round to nearest even, as gk_f32_to_bf16_scalar), kept in the high half of
/// each lane.
static inline vi round_to_bf16_high(vf e) {
    vi u = __builtin_bit_cast(vi, e);
    return (u + 0x7fff + ((u >> 16) & 1)) & (int32_t)0xffff0000;
}
static inline uint32_t round_to_bf16_high_scalar(float e) { return (uint32_t)gk_f32_to_bf16_scalar(e) << 16; }

/// One key block of an online softmax (flash attention), over columns: s holds `rows` keys × `cols` queries
/// (row-major, a GEMM B panel). For each query column, with its running max m and sum l over earlier key blocks,
/// replaces the scores by exp(s - m') for the new max m', updates m and l, and writes exp(m - m') to corr: the
/// factor that column's earlier output must be scaled by. Max and sum run down the columns, so every step is a
/// full vector and nothing is reduced across lanes. NaN scores propagate into l, and so into the output.
///
/// round 0: the exponentials replace s. round 1, pairs NULL: they replace s rounded to bfloat16, for a product
/// that takes bf16 operands but multiplies in float32. round 1 with pairs: s is left as it was and
/// pairs [⌈rows/2⌉][cols] gets the rounded values of rows 2r and 2r + 1 as one 32-bit slot (low half first), the
/// B-panel layout of a vdpbf16ps product; an odd last row is paired with zero. The sums are of the float32 values,
/// as PyTorch's CPU flash attention keeps them.
static inline __attribute__((always_inline)) void online_softmax_step(float *s, long rows, long cols, float *m,
                                                                      float *l, float *corr, int round,
                                                                      uint32_t *pairs) {
    long c = 0;
    for (; c + W <= cols; c += W) {
        vf block_max = splat(-__builtin_inff());
        for (long j = 0; j < rows; j++) block_max = __builtin_elementwise_max(block_max, load(s + j * cols + c));
        vf old_max = load(m + c), new_max = __builtin_elementwise_max(old_max, block_max), sum = splat(0.0f);
        vi low = (vi)(0);
        for (long j = 0; j < rows; j++) {
            vf e = v_exp_nonpositive(load(s + j * cols + c) - new_max);
            sum += e;
            if (!round) {
                store(s + j * cols + c, e);
            } else if (!pairs) {
                store(s + j * cols + c, __builtin_bit_cast(vf, round_to_bf16_high(e)));
            } else if (j % 2 == 0) {
                low = (round_to_bf16_high(e) >> 16) & 0xffff;
                if (j + 1 == rows) memcpy(pairs + (j / 2) * cols + c, &low, sizeof low);
            } else {
                vi slot = low | round_to_bf16_high(e);
                memcpy(pairs + (j / 2) * cols + c, &slot, sizeof slot);
            }
        }
        vf factor = v_exp_nonpositive(old_max - new_max);   // e^-inf = 0 on the first block
        store(l + c, load(l + c) * factor + sum);
        store(m + c, new_max);
        store(corr + c, factor);
    }
    for (; c < cols; c++) {   // columns past a multiple of the vector width (tables whose nr is not one)
        float block_max = -__builtin_inff();
        for (long j = 0; j < rows; j++) block_max = s[j * cols + c] > block_max ? s[j * cols + c] : block_max;
        float new_max = block_max > m[c] ? block_max : m[c], sum = 0.0f;
        uint32_t low = 0;
        for (long j = 0; j < rows; j++) {
            float e = __builtin_expf(s[j * cols + c] - new_max);
            sum += e;
            if (!round) {
                s[j * cols + c] = e;
            } else if (!pairs) {
                uint32_t r = round_to_bf16_high_scalar(e);
                memcpy(s + j * cols + c, &r, sizeof r);
            } else if (j % 2 == 0) {
                low = round_to_bf16_high_scalar(e) >> 16;
                if (j + 1 == rows) pairs[(j / 2) * cols + c] = low;
            } else {
                pairs[(j / 2) * cols + c] = low | round_to_bf16_high_scalar(e);
            }
        }
        corr[c] = __builtin_expf(m[c] - new_max);
        l[c] = l[c] * corr[c] + sum;
        m[c] = new_max;
    }
}

static void online_softmax_columns(float *s, long rows, long cols, float *m, float *l, float *corr) {
    online_softmax_step(s, rows, cols, m, l, corr, 0, NULL);
}

static void online_softmax_columns_bf16(float *s, long rows, long cols, float *m, float *l, float *corr,
                                        uint32_t *pairs) {
    online_softmax_step(s, rows, cols, m, l, corr, 1, pairs);
}

static float row_sum(const float *x, long n) {
    vf acc = splat(0.0f);
    long i = 0;
    for (; i + W <= n; i += W) acc += load(x + i);
    float s = horizontal_sum(acc);
    for (; i < n; i++) s += x[i];
    return s;
}
static float row_centered_square_sum(const float *x, long n, float mean) {
    vf acc = splat(0.0f), m = splat(mean);
    long i = 0;
    for (; i + W <= n; i += W) { vf d = load(x + i) - m; acc = fmadd(d, d, acc); }
    float s = horizontal_sum(acc);
    for (; i < n; i++) { float d = x[i] - mean; s += d * d; }
    return s;
}

static void layer_norm_row(const float *x, float *y, long n, const float *w, const float *b, float eps) {
    float mean = row_sum(x, n) / (float)n;
    float var = row_centered_square_sum(x, n, mean) / (float)n;
    float rstd = 1.0f / __builtin_sqrtf(var + eps);
    vf vm = splat(mean), vr = splat(rstd);
    long i = 0;
    for (; i + W <= n; i += W) {
        vf v = (load(x + i) - vm) * vr;
        if (w) v = v * load(w + i);
        if (b) v = v + load(b + i);
        store(y + i, v);
    }
    for (; i < n; i++) {
        float v = (x[i] - mean) * rstd;
        if (w) v *= w[i];
        if (b) v += b[i];
        y[i] = v;
    }
}

static void rms_norm_row(const float *x, float *y, long n, const float *w, float eps) {
    float ms = row_centered_square_sum(x, n, 0.0f) / (float)n;
    float r = 1.0f / __builtin_sqrtf(ms + eps);
    vf vr = splat(r);
    long i = 0;
    for (; i + W <= n; i += W) {
        vf v = load(x + i) * vr;
        store(y + i, w ? v * load(w + i) : v);
    }
    for (; i < n; i++) y[i] = w ? (x[i] * r) * w[i] : x[i] * r;
}

const gk_ops_table GK_OPS_TABLE = {
    .unary = unary,
    .binary = binary,
    .softmax_row = softmax_row,
    .online_softmax_columns = online_softmax_columns,
    .online_softmax_columns_bf16 = online_softmax_columns_bf16,
    .layer_norm_row = layer_norm_row,
    .rms_norm_row = rms_norm_row,
};
#undef W
