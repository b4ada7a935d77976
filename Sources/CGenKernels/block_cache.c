// A small cache of large freed blocks, handed back to the next allocation of the same size. A model's forward pass
// allocates the same activation sizes layer after layer; freed to glibc, blocks of megabytes go back to the kernel
// (trimmed or unmapped) and come back as fresh pages whose faults and zeroing cost several percent of a prefill.
#include "gen_kernels.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/// Blocks below GK_CACHE_MIN_BYTES stay with malloc, which keeps them itself; at most GK_CACHE_SLOTS blocks and
/// GK_CACHE_MAX_BYTES are kept, the oldest given back first. 1 GB and 256 blocks: a Stable Diffusion UNet step frees
/// 40–85 MB blocks at every transformer block of its 64×64 level among many smaller ones, and with 256 MB and 64
/// blocks they were evicted before their next use (some 180k page faults a step).
enum { GK_CACHE_SLOTS = 256 };
#define GK_CACHE_MIN_BYTES ((size_t)64 << 10)
#define GK_CACHE_MAX_BYTES ((size_t)1024 << 20)

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { void *p; size_t bytes; } g_slots[GK_CACHE_SLOTS];   ///< oldest first
static int g_count;
static size_t g_cached;

void *gk_block_alloc(size_t bytes) {
    if (bytes >= GK_CACHE_MIN_BYTES) {
        pthread_mutex_lock(&g_lock);
        for (int i = g_count - 1; i >= 0; i--) {   // newest first: the likeliest to be in cache
            if (g_slots[i].bytes != bytes) continue;
            void *p = g_slots[i].p;
            memmove(g_slots + i, g_slots + i + 1, sizeof g_slots[0] * (size_t)(g_count - i - 1));
            g_count--;
            g_cached -= bytes;
            pthread_mutex_unlock(&g_lock);
            return p;
        }
        pthread_mutex_unlock(&g_lock);
    }
    void *p = NULL;
    return posix_memalign(&p, 64, bytes ? bytes : 1) == 0 ? p : NULL;
}

void gk_block_free(void *p, size_t bytes) {
    if (!p) return;
    if (bytes < GK_CACHE_MIN_BYTES || bytes > GK_CACHE_MAX_BYTES) {
        free(p);
        return;
    }
    pthread_mutex_lock(&g_lock);
    while (g_count > 0 && (g_count == GK_CACHE_SLOTS || g_cached + bytes > GK_CACHE_MAX_BYTES)) {
        free(g_slots[0].p);
        g_cached -= g_slots[0].bytes;
        g_count--;
        memmove(g_slots, g_slots + 1, sizeof g_slots[0] * (size_t)g_count);
    }
    g_slots[g_count].p = p;
    g_slots[g_count].bytes = bytes;
    g_count++;
    g_cached += bytes;
    pthread_mutex_unlock(&g_lock);
}

size_t gk_block_cache_release(void) {
    pthread_mutex_lock(&g_lock);
    size_t released = g_cached;
    for (int i = 0; i < g_count; i++) free(g_slots[i].p);
    g_count = 0;
    g_cached = 0;
    pthread_mutex_unlock(&g_lock);
    return released;
}
