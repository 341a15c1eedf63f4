/* Quantization kernels at the model edges: float32 <-> int8, and int8
 * requantization between two scales.
 *
 * Float is confined to these edge kernels. Dequantize multiplies in float:
 * TFLite computes scale * (x - zp) in double and casts to float, but the
 * double product of a float and a 9-bit integer is exact, so its one rounding
 * to float equals the single-precision product; the results are identical. */
#include <math.h>

#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

void tfg_quantize_f32_s8(const tfg_affine_params_t *p, const float *in, int8_t *out)
{
    for (int32_t i = 0; i < p->size; i++) {
        /* roundf rounds half away from zero, like TFLite's TfLiteRound. The
         * clamp happens in float so huge or non-finite inputs cannot overflow
         * the int conversion; NaN maps to the zero point. */
        float q = roundf(in[i] / p->scale);
        int32_t v;
        if (q != q)
            v = p->zp;
        else if (q < -1000.0f)
            v = -128;
        else if (q > 1000.0f)
            v = 127;
        else
            v = (int32_t)q + p->zp;
        out[i] = (int8_t)tfg_clamp(v, -128, 127);
    }
}

void tfg_dequantize_s8_f32(const tfg_affine_params_t *p, const int8_t *in, float *out)
{
    for (int32_t i = 0; i < p->size; i++) out[i] = p->scale * (float)((int32_t)in[i] - p->zp);
}

void tfg_requantize_s8(const tfg_requant_params_t *p, const int8_t *in, int8_t *out)
{
    if (p->in_flip | p->out_flip) {
        /* A uint8 side (see tfg_requant_params_t): same arithmetic on the
         * int8 view of the bytes. */
        const uint8_t *u = (const uint8_t *)in;
        for (int32_t i = 0; i < p->size; i++) {
            const int32_t x = (int8_t)(uint8_t)(u[i] ^ (uint32_t)p->in_flip);
            const int32_t v = tfg_clamp(tfg_requant(x - p->in_zp, p->mult, p->shift) + p->out_zp, -128, 127);
            out[i] = (int8_t)(uint8_t)((uint32_t)(uint8_t)v ^ (uint32_t)p->out_flip);
        }
        return;
    }
    for (int32_t i = 0; i < p->size; i++) {
        int32_t v = tfg_requant((int32_t)in[i] - p->in_zp, p->mult, p->shift) + p->out_zp;
        out[i] = (int8_t)tfg_clamp(v, -128, 127);
    }
}
