// Internal: the per-instruction-set row kernels behind gk_ops.h (one table per ops_<isa>.c).
#ifndef GK_OPS_TABLE_H
#define GK_OPS_TABLE_H
#include "gk_ops.h"
#include <stdint.h>

typedef struct {
    void (*unary)(gk_unary_op op, const float *x, float *y, long n);
    /// y[i] = a[i·a_step] op b[i·b_step]; each step is 0 or 1, not both 0.
    void (*binary)(gk_binary_op op, const float *a, long a_step, const float *b, long b_step, float *y, long n);
    void (*softmax_row)(const float *x, float *y, long n);
    void (*online_softmax_columns)(float *s, long rows, long cols, float *m, float *l, float *corr);
    /// online_softmax_columns with the exponentials rounded to bfloat16: in place as floats, or as bf16 pairs of
    /// rows into `pairs` when it is not NULL (see online_softmax_step).
    void (*online_softmax_columns_bf16)(float *s, long rows, long cols, float *m, float *l, float *corr,
                                        uint32_t *pairs);
    void (*layer_norm_row)(const float *x, float *y, long n, const float *w, const float *b, float eps);
    void (*rms_norm_row)(const float *x, float *y, long n, const float *w, float eps);
} gk_ops_table;

/// Unmasked attention in query × key blocks with an online softmax (flash_attention.c); same contract as
/// gk_attention_f32 otherwise. Returns -1, having written nothing, when its packed K/V buffers cannot be
/// allocated.
int gk_flash_attention_f32(const gk_ops_table *ot, long B, long Hq, long Hkv, long Tq, long Tk, long D, long Dv,
                           const float *q, const long *qs, const float *k, const long *ks, const float *v,
                           const long *vs, int causal, int bf16, float scale, float *out, const long *os);

extern const gk_ops_table gk_ops_portable;
#if defined(__x86_64__) || defined(_M_X64)
extern const gk_ops_table gk_ops_avx2;
extern const gk_ops_table gk_ops_avx512;
#endif
#if defined(__aarch64__)
extern const gk_ops_table gk_ops_neon;
#endif

#endif
