// Persistent worker pool. One job at a time: callers take `g_use` with trylock and run inline when another
// caller holds the pool, so many Swift threads can call kernels without waiting on each other.
// Workers spin briefly on the job generation (low latency for back-to-back kernels), then sleep on a condvar.
// The caller waits for chunks, never for workers: on a busy machine a woken worker may get no CPU for
// milliseconds, and by then the caller has done its share. Chunks are claimed by compare-and-swap on a word
// that also holds the job's sequence number and chunk count, so a worker that wakes late cannot claim a chunk
// of a finished job, and a successful claim keeps the job (and its fields) alive until that chunk is done.
#include "gk_internal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define GK_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define GK_PAUSE() __asm__ volatile("yield")
#else
#define GK_PAUSE() ((void)0)
#endif

enum { GK_MAX_THREADS = 256, GK_SPIN_ITERS = 20000 };

typedef struct {
    gk_range_fn fn;
    void *ctx;
    long n, nchunks;
} gk_job;

static pthread_once_t g_pool_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_use = PTHREAD_MUTEX_INITIALIZER;    // held by the one caller using the pool
static pthread_mutex_t g_sleep = PTHREAD_MUTEX_INITIALIZER;  // guards sleeping and the generation bump
static pthread_cond_t g_wake = PTHREAD_COND_INITIALIZER;
static _Atomic int g_num_threads = 1;
static int g_num_workers;          // started workers (caller is not one); guarded by g_use
// Job word: (sequence << 16) | participants. Workers with index < participants take part; carrying the count in
// the same word keeps a late worker from reading the count of a newer job.
static _Atomic unsigned long g_generation;
static int g_sleepers;             // guarded by g_sleep
static gk_job g_job;
// Claim word: (sequence << 32) | (chunk count << 16) | next unclaimed chunk.
static _Atomic uint64_t g_claim;
static _Atomic long g_done;        // chunks of the current job finished
static unsigned long g_start_generation[GK_MAX_THREADS];  // job word current when each worker was started
static _Thread_local int t_inside;  // set on workers and on a caller while it runs a job

static void chunk_bounds(const gk_job *job, long c, long *begin, long *end) {
    long base = job->n / job->nchunks, extra = job->n % job->nchunks;
    *begin = c * base + (c < extra ? c : extra);
    *end = *begin + base + (c < extra ? 1 : 0);
}

/// Claims and runs chunks of job `seq` until none is left or a newer job has replaced it.
static void run_chunks(uint64_t seq) {
    uint64_t word = atomic_load_explicit(&g_claim, memory_order_acquire);
    for (;;) {
        if ((word >> 32) != (seq & 0xffffffffu)) return;
        uint64_t next = word & 0xffff, count = (word >> 16) & 0xffff;
        if (next >= count) return;
        if (!atomic_compare_exchange_weak_explicit(&g_claim, &word, word + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        long b, e;
        chunk_bounds(&g_job, (long)next, &b, &e);
        g_job.fn(g_job.ctx, b, e);
        atomic_fetch_add_explicit(&g_done, 1, memory_order_release);
        word = atomic_load_explicit(&g_claim, memory_order_acquire);
    }
}

static void *worker_main(void *arg) {
    int index = (int)(long)arg;
    t_inside = 1;
    unsigned long seen = g_start_generation[index];
    for (;;) {
        unsigned long gen = seen;
        for (int spin = 0; spin < GK_SPIN_ITERS; spin++) {
            gen = atomic_load_explicit(&g_generation, memory_order_acquire);
            if (gen != seen) break;
            GK_PAUSE();
        }
        if (gen == seen) {
            pthread_mutex_lock(&g_sleep);
            while ((gen = atomic_load_explicit(&g_generation, memory_order_acquire)) == seen) {
                g_sleepers++;
                pthread_cond_wait(&g_wake, &g_sleep);
                g_sleepers--;
            }
            pthread_mutex_unlock(&g_sleep);
        }
        seen = gen;
        if (index < (int)(gen & 0xffff)) run_chunks(gen >> 16);
    }
    return NULL;
}

static void pool_init(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("GENKIT_NUM_THREADS");
    if (env && *env) {
        long v = strtol(env, NULL, 10);
        if (v >= 1) n = v;
    }
    if (n < 1) n = 1;
    if (n > GK_MAX_THREADS) n = GK_MAX_THREADS;
    atomic_store(&g_num_threads, (int)n);
}

int gk_get_num_threads(void) {
    pthread_once(&g_pool_once, pool_init);
    return atomic_load_explicit(&g_num_threads, memory_order_relaxed);
}

void gk_set_num_threads(int n) {
    pthread_once(&g_pool_once, pool_init);
    if (n < 1) n = 1;
    if (n > GK_MAX_THREADS) n = GK_MAX_THREADS;
    atomic_store(&g_num_threads, n);
}

// Starts workers up to `wanted`; called with g_use held. Returns how many exist.
static int ensure_workers(int wanted) {
    while (g_num_workers < wanted) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        g_start_generation[g_num_workers] = atomic_load_explicit(&g_generation, memory_order_relaxed);
        int rc = pthread_create(&t, &attr, worker_main, (void *)(long)g_num_workers);
        pthread_attr_destroy(&attr);
        if (rc != 0) break;   // fewer threads than asked: the job still completes on those that exist
        g_num_workers++;
    }
    return g_num_workers;
}

void gk_parallel_for(long n, long grain, gk_range_fn fn, void *ctx) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    int threads = gk_get_num_threads();
    if (threads <= 1 || n <= grain || t_inside) { fn(ctx, 0, n); return; }
    if (pthread_mutex_trylock(&g_use) != 0) { fn(ctx, 0, n); return; }

    long nchunks = (n + grain - 1) / grain;
    if (nchunks > 4L * threads) nchunks = 4L * threads;
    int participants = (int)(nchunks < threads ? nchunks : threads) - 1;
    int started = ensure_workers(participants);
    if (participants > started) participants = started;

    unsigned long seq = (atomic_load_explicit(&g_generation, memory_order_relaxed) >> 16) + 1;
    g_job.fn = fn;
    g_job.ctx = ctx;
    g_job.n = n;
    g_job.nchunks = nchunks;
    atomic_store_explicit(&g_done, 0, memory_order_relaxed);
    atomic_store_explicit(&g_claim, ((uint64_t)(seq & 0xffffffffu) << 32) | ((uint64_t)nchunks << 16),
                          memory_order_release);

    pthread_mutex_lock(&g_sleep);
    atomic_store_explicit(&g_generation, (seq << 16) | (unsigned long)participants, memory_order_release);
    if (g_sleepers > 0) pthread_cond_broadcast(&g_wake);
    pthread_mutex_unlock(&g_sleep);

    t_inside = 1;
    run_chunks(seq);
    t_inside = 0;
    for (long spin = 0; atomic_load_explicit(&g_done, memory_order_acquire) < nchunks; spin++) {
        if (spin < GK_SPIN_ITERS) GK_PAUSE();
        else sched_yield();
    }
    pthread_mutex_unlock(&g_use);
}
