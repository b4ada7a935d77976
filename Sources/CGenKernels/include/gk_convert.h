// Element-type conversions.
#ifndef GK_CONVERT_H
#define GK_CONVERT_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

void gk_f16_to_f32(const uint16_t *src, float *dst, long n);
void gk_f32_to_f16(const float *src, uint16_t *dst, long n);   ///< round to nearest even
void gk_bf16_to_f32(const uint16_t *src, float *dst, long n);
void gk_f32_to_bf16(const float *src, uint16_t *dst, long n);  ///< round to nearest even, NaN kept NaN

#ifdef __cplusplus
}
#endif
#endif
