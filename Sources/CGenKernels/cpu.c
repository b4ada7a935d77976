// CPU feature detection and the choice of the active kernel path.
#include "gk_internal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static gk_isa g_detected = GK_ISA_SCALAR;
static int g_has_avx2, g_has_avx512, g_has_avx512bf16;
static _Atomic int g_active = GK_ISA_SCALAR;

#if defined(__x86_64__)
static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static void detect_x86(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return;
    uint64_t xcr0 = read_xcr0();
    int os_ymm = (xcr0 & 0x6) == 0x6;            // SSE and AVX state saved by the OS
    int os_zmm = (xcr0 & 0xe6) == 0xe6;          // plus opmask, ZMM_Hi256, Hi16_ZMM
    if (__get_cpuid_max(0, 0) < 7) return;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1;
    int avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    g_has_avx2 = os_ymm && avx2 && fma && f16c;
    g_has_avx512 = g_has_avx2 && os_zmm && avx512f && avx512bw && avx512vl && avx512dq;
    if (g_has_avx512) {
        unsigned a1, b1, c1, d1;
        __cpuid_count(7, 1, a1, b1, c1, d1);
        g_has_avx512bf16 = (a1 >> 5) & 1;
    }
}
#endif

static int supported(gk_isa isa) {
    switch (isa) {
    case GK_ISA_SCALAR: return 1;
    case GK_ISA_AVX2: return g_has_avx2;
    case GK_ISA_AVX512: return g_has_avx512;
#if defined(__aarch64__)
    case GK_ISA_NEON: return 1;
#else
    case GK_ISA_NEON: return 0;
#endif
    }
    return 0;
}

static void init_once(void) {
#if defined(__x86_64__)
    detect_x86();
    g_detected = g_has_avx512 ? GK_ISA_AVX512 : g_has_avx2 ? GK_ISA_AVX2 : GK_ISA_SCALAR;
#elif defined(__aarch64__)
    g_detected = GK_ISA_NEON;
#endif
    gk_isa chosen = g_detected;
    const char *env = getenv("GENKIT_ISA");
    if (env && *env) {
        static const char *names[] = {"scalar", "avx2", "avx512", "neon"};
        int found = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(env, names[i]) == 0) found = i;
        if (found < 0)
            fprintf(stderr, "GenKit: GENKIT_ISA=%s is not one of scalar, avx2, avx512, neon; using %s\n",
                    env, names[g_detected]);
        else if (!supported((gk_isa)found))
            fprintf(stderr, "GenKit: GENKIT_ISA=%s is not supported by this CPU; using %s\n", env,
                    names[g_detected]);
        else
            chosen = (gk_isa)found;
    }
    atomic_store(&g_active, (int)chosen);
}

static inline void ensure_init(void) { pthread_once(&g_once, init_once); }

gk_isa gk_detected_isa(void) { ensure_init(); return g_detected; }
int gk_isa_supported(gk_isa isa) { ensure_init(); return supported(isa); }
gk_isa gk_active_isa(void) { ensure_init(); return (gk_isa)atomic_load_explicit(&g_active, memory_order_relaxed); }
int gk_cpu_has_avx512bf16(void) { ensure_init(); return g_has_avx512bf16; }

int gk_force_isa(gk_isa isa) {
    ensure_init();
    if (!supported(isa)) return 0;
    atomic_store(&g_active, (int)isa);
    return 1;
}

const gk_kernel_table *gk_table(void) {
    switch (gk_active_isa()) {
#if defined(__x86_64__)
    case GK_ISA_AVX2: return &gk_table_avx2;
    case GK_ISA_AVX512: return &gk_table_avx512;
#endif
#if defined(__aarch64__)
    case GK_ISA_NEON: return &gk_table_neon;
#endif
    default: return &gk_table_scalar;
    }
}

const gk_kernel_table *gk_bf16_pair_table(void) {
#if defined(__x86_64__)
    if (gk_active_isa() == GK_ISA_AVX512 && gk_cpu_has_avx512bf16()) return &gk_table_avx512bf16_pairs;
#endif
    return NULL;
}
