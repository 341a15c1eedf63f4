/* int8 MEAN over the middle axis of an [outer][reduce][inner] view.
 *
 * TFLite has used three integer formulations over the years; the compiler
 * picks the one the reference kernels use for the given axes and
 * quantization (docs/numerics.md), and this kernel runs it:
 *  - REQUANT_THEN_DIVIDE: sum(x - in_zp), requantize, divide by n rounding
 *    half away from zero, add out_zp;
 *  - DIVIDE_SAME_QUANT: in/out quantization equal: sum of raw codes divided
 *    by n with C truncation (no zero-point handling, no rounding);
 *  - SUM_THEN_REQUANT: 1/n folded into (mult, shift) at compile time, so
 *    out = requant(sum(x) - in_zp * n) + out_zp.
 * Accumulation is int32: n * 255 stays far below 2^31 for any tensor the
 * validator accepts (at most 2^30 bytes). */
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

void tfg_mean_s8(const tfg_mean_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t n = p->reduce;
    for (int32_t o = 0; o < p->outer; o++) {
        const int8_t *base = in + (size_t)o * (size_t)n * (size_t)p->inner;
        for (int32_t i = 0; i < p->inner; i++) {
            int32_t sum = 0;
            for (int32_t r = 0; r < n; r++) sum += base[(size_t)r * (size_t)p->inner + (size_t)i];
            int32_t v;
            switch (p->mode) {
            case TFG_MEAN_REQUANT_THEN_DIVIDE: {
                int32_t acc = tfg_requant(sum - p->in_zp * n, p->mult, p->shift);
                acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
                v = tfg_clamp(acc + p->out_zp, -128, 127);
                break;
            }
            case TFG_MEAN_DIVIDE_SAME_QUANT: v = sum / n; break;
            default: v = tfg_clamp(tfg_requant(sum - p->in_zp * n, p->mult, p->shift) + p->out_zp, -128, 127); break;
            }
            *out++ = (int8_t)v;
        }
    }
}
