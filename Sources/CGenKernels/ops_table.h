// Internal: the per-instruction-set row kernels behind gk_ops.h (one table per ops_<isa>.c).
#ifndef GK_OPS_TABLE_H
#define GK_OPS_TABLE_H
#include "gk_ops.h"

typedef struct {
    void (*unary)(gk_unary_op op, const float *x, float *y, long n);
    /// y[i] = a[i·a_step] op b[i·b_step]; each step is 0 or 1, not both 0.
    void (*binary)(gk_binary_op op, const float *a, long a_step, const float *b, long b_step, float *y, long n);
    void (*softmax_row)(const float *x, float *y, long n);
    void (*layer_norm_row)(const float *x, float *y, long n, const float *w, const float *b, float eps);
    void (*rms_norm_row)(const float *x, float *y, long n, const float *w, float eps);
} gk_ops_table;

extern const gk_ops_table gk_ops_portable;
#if defined(__x86_64__) || defined(_M_X64)
extern const gk_ops_table gk_ops_avx2;
extern const gk_ops_table gk_ops_avx512;
#endif
#if defined(__aarch64__)
extern const gk_ops_table gk_ops_neon;
#endif

#endif
