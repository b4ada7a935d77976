// A persistent worker pool sized to the cores; every parallel kernel runs on it.
#ifndef GK_THREADS_H
#define GK_THREADS_H
#ifdef __cplusplus
extern "C" {
#endif

/// Work item: processes indices [begin, end). `ctx` is passed through untouched.
typedef void (*gk_range_fn)(void *ctx, long begin, long end);

/// Threads used by parallel kernels (defaults to the online core count, or GENKIT_NUM_THREADS).
int gk_get_num_threads(void);
/// Sets the thread count (>= 1). Takes effect for the next parallel call.
void gk_set_num_threads(int n);
/// Splits [0, n) into contiguous chunks of at least `grain` indices and runs them on the pool;
/// returns when all are done. Runs inline when n is small or when called from a worker.
void gk_parallel_for(long n, long grain, gk_range_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
