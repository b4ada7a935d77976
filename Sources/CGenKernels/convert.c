// Element-type conversions: portable bit-exact scalar versions and the public entry points,
// which dispatch to the active path's vector converters.
#include "gk_internal.h"
#include <string.h>

static inline uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

float gk_f16_to_f32_scalar(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    if (exp == 0) {   // zero or subnormal: man * 2^-24 is exact in float
        float f = (float)man * u2f(0x33800000u);
        return u2f(f2u(f) | sign);
    }
    if (exp == 31) return u2f(sign | 0x7f800000u | (man << 13));   // inf, NaN (payload kept)
    return u2f(sign | ((exp + 112) << 23) | (man << 13));
}

uint16_t gk_f32_to_f16_scalar(float f) {
    uint32_t x = f2u(f), sign = (x >> 16) & 0x8000u;
    x &= 0x7fffffffu;
    if (x > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((x >> 13) & 0x3ffu));   // NaN stays NaN (quiet)
    if (x >= 0x47800000u) return (uint16_t)(sign | 0x7c00u);                        // >= 65536 and inf
    if (x < 0x38800000u) {
        // Result is subnormal or zero: adding 0.5 aligns the half's 2^-24 unit with the float's last
        // mantissa bit, so the FPU's own round-to-nearest-even does the rounding.
        float r = u2f(x) + 0.5f;
        return (uint16_t)(sign | (f2u(r) - 0x3f000000u));
    }
    // Normal: rebias, then round to nearest even on the 13 dropped bits (a carry may reach inf, as it should).
    uint32_t odd = (x >> 13) & 1u;
    x += 0xc8000fffu + odd;   // (15 - 127) << 23, plus rounding bias
    return (uint16_t)(sign | (x >> 13));
}

float gk_bf16_to_f32_scalar(uint16_t h) { return u2f((uint32_t)h << 16); }

uint16_t gk_f32_to_bf16_scalar(float f) {
    uint32_t x = f2u(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);   // quiet NaN
    return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

void gk_f16_to_f32(const uint16_t *src, float *dst, long n) { if (n > 0) gk_table()->f16_to_f32(src, dst, n); }
void gk_f32_to_f16(const float *src, uint16_t *dst, long n) { if (n > 0) gk_table()->f32_to_f16(src, dst, n); }
void gk_bf16_to_f32(const uint16_t *src, float *dst, long n) { if (n > 0) gk_table()->bf16_to_f32(src, dst, n); }
void gk_f32_to_bf16(const float *src, uint16_t *dst, long n) { if (n > 0) gk_table()->f32_to_bf16(src, dst, n); }
