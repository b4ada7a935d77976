// Working memory for tensors and kernels: 64-byte-aligned blocks, large ones kept for reuse.
#ifndef GK_MEMORY_H
#define GK_MEMORY_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

/// A 64-byte-aligned block of `bytes` (uninitialised), or NULL when memory runs out. A block of the same size freed
/// earlier with gk_block_free is handed back when one is kept (blocks of 64 KB and more, up to 256 of them and 1 GB
/// in all), so a forward pass that allocates the same sizes layer after layer reuses warm pages instead of faulting
/// fresh ones in. Thread-safe.
void *gk_block_alloc(size_t bytes);
/// Frees a block from gk_block_alloc (`bytes` as allocated), keeping it for reuse when it is large. NULL is ignored.
void gk_block_free(void *p, size_t bytes);
/// Gives every kept block back to the system; returns the bytes released.
size_t gk_block_cache_release(void);

#ifdef __cplusplus
}
#endif
#endif
