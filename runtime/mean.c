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

/* The output value of one mean from its sum over n values. */
static int8_t mean_out(const tfg_mean_params_t *p, int32_t sum, int32_t n)
{
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
    return (int8_t)v;
}

/* Two reduced groups: [outer][reduce][mid][reduce2][inner]. The sum is an
 * exact integer, so its order does not matter. */
static void mean_two_groups(const tfg_mean_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t n = p->reduce * p->reduce2;
    const size_t s_r2 = (size_t)p->inner, s_m = s_r2 * (size_t)p->reduce2, s_r = s_m * (size_t)p->mid,
                 s_o = s_r * (size_t)p->reduce;
    for (int32_t o = 0; o < p->outer; o++)
        for (int32_t m = 0; m < p->mid; m++)
            for (int32_t i = 0; i < p->inner; i++) {
                int32_t sum = 0;
                for (int32_t r = 0; r < p->reduce; r++)
                    for (int32_t r2 = 0; r2 < p->reduce2; r2++)
                        sum += in[(size_t)o * s_o + (size_t)r * s_r + (size_t)m * s_m + (size_t)r2 * s_r2 +
                                  (size_t)i];
                *out++ = mean_out(p, sum, n);
            }
}

void tfg_reduce_max_s8(const tfg_mean_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t r2n = p->reduce2 > 1 ? p->reduce2 : 1, mid = p->reduce2 > 1 ? p->mid : 1;
    const size_t s_r2 = (size_t)p->inner, s_m = s_r2 * (size_t)r2n, s_r = s_m * (size_t)mid,
                 s_o = s_r * (size_t)p->reduce;
    for (int32_t o = 0; o < p->outer; o++)
        for (int32_t m = 0; m < mid; m++)
            for (int32_t i = 0; i < p->inner; i++) {
                int32_t v = -128;
                for (int32_t r = 0; r < p->reduce; r++)
                    for (int32_t r2 = 0; r2 < r2n; r2++) {
                        const int32_t x = in[(size_t)o * s_o + (size_t)r * s_r + (size_t)m * s_m +
                                             (size_t)r2 * s_r2 + (size_t)i];
                        v = x > v ? x : v;
                    }
                *out++ = (int8_t)v;
            }
}

void tfg_mean_s8(const tfg_mean_params_t *p, const int8_t *in, int8_t *out)
{
    if (p->reduce2 > 1) {
        mean_two_groups(p, in, out);
        return;
    }
    const int32_t n = p->reduce;
    for (int32_t o = 0; o < p->outer; o++) {
        const int8_t *base = in + (size_t)o * (size_t)n * (size_t)p->inner;
        for (int32_t i = 0; i < p->inner; i++) {
            int32_t sum = 0;
            for (int32_t r = 0; r < n; r++) sum += base[(size_t)r * (size_t)p->inner + (size_t)i];
            *out++ = mean_out(p, sum, n);
        }
    }
}
