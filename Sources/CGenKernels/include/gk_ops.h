// Row-wise and element-wise float32 kernels used by the tensor operations.
#ifndef GK_OPS_H
#define GK_OPS_H
#ifdef __cplusplus
extern "C" {
#endif

// (Owned by the ops work: softmax, norms, activations, elementwise arithmetic, attention helpers.)

#ifdef __cplusplus
}
#endif
#endif
