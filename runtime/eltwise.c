/* int8 ADD, SUB, MUL, MINIMUM and MAXIMUM with 4-D broadcasting.
 *
 * Arithmetic is TFLite's: ADD lifts both inputs by left_shift bits of
 * headroom, rescales each to a common scale, sums and rescales to the output;
 * SUB is ADD with the rescaled second input subtracted (TFLM prepares it as ADD);
 * MUL requantizes the product of the offset inputs; MINIMUM and MAXIMUM
 * compare the raw values (TFLM does not requantize them). The loop walks the output
 * densely and each input through its own strides (0 on broadcast axes), so
 * one routine covers equal shapes, per-channel broadcast ([1,1,1,C] against
 * [1,H,W,C], as in squeeze-excite) and the general case. Writing out[i] only
 * after reading both inputs at i makes out == a safe when a is not broadcast.
 */
#include "tinyforge/dsp.h"
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

static inline int8_t mul_one(const tfg_eltwise_params_t *p, int32_t a, int32_t b)
{
    const int32_t prod = (a + p->a_offset) * (b + p->b_offset);
    const int32_t v = tfg_requant(prod, p->out_mult, p->out_shift) + p->out_zp;
    return (int8_t)tfg_clamp(v, p->act_min, p->act_max);
}

enum { ELT_ADD, ELT_MUL, ELT_MIN, ELT_MAX, ELT_SUB };

static inline int8_t sub_one(const tfg_eltwise_params_t *p, int32_t a, int32_t b)
{
    const int32_t sa = tfg_elt_scaled(p, a, p->a_offset, p->a_mult, p->a_shift);
    const int32_t sb = tfg_elt_scaled(p, b, p->b_offset, p->b_mult, p->b_shift);
    const int32_t v = tfg_requant(sa - sb, p->out_mult, p->out_shift) + p->out_zp;
    return (int8_t)tfg_clamp(v, p->act_min, p->act_max);
}

static inline int8_t one(const tfg_eltwise_params_t *p, int32_t x, int32_t y, int op)
{
    switch (op) {
    case ELT_MUL: return mul_one(p, x, y);
    case ELT_SUB: return sub_one(p, x, y);
    case ELT_MIN: return (int8_t)(x < y ? x : y);
    case ELT_MAX: return (int8_t)(x > y ? x : y);
    default: return tfg_add_one_s8(p, x, y);
    }
}

/* One loop nest for all the ops; `op` is a constant at each call site, so
 * the compiler specializes the inner loop. */
static inline void eltwise(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out,
                           int op)
{
    const int32_t *d = p->dims, *as = p->a_stride, *bs = p->b_stride;
    for (int i0 = 0; i0 < d[0]; i0++)
        for (int i1 = 0; i1 < d[1]; i1++)
            for (int i2 = 0; i2 < d[2]; i2++) {
                const int8_t *pa = a + (size_t)i0 * as[0] + (size_t)i1 * as[1] + (size_t)i2 * as[2];
                const int8_t *pb = b + (size_t)i0 * bs[0] + (size_t)i1 * bs[1] + (size_t)i2 * bs[2];
                for (int i3 = 0; i3 < d[3]; i3++) {
                    const int32_t x = pa[(size_t)i3 * as[3]], y = pb[(size_t)i3 * bs[3]];
                    *out++ = one(p, x, y, op);
                }
            }
}

#ifdef TFG_HAVE_DSP
/* Dense ADD (no broadcast) in the prepared form (tfg_add_prepared), with
 * SSAT for the int8 range; `clamp` is a constant in each call below. */
static inline __attribute__((always_inline)) void add_dense_dsp(const tfg_add_prep_t *qp, const int8_t *a,
                                                                const int8_t *b, int8_t *out, size_t n,
                                                                const int clamp)
{
    const tfg_add_prep_t q = *qp;
    for (size_t i = 0; i < n; i++) {
        const int32_t sa = tfg_in_scale2((int32_t)((uint32_t)(a[i] + q.a_offset) << q.shift2), &q.a);
        const int32_t sb = tfg_in_scale2((int32_t)((uint32_t)(b[i] + q.b_offset) << q.shift2), &q.b);
        const int32_t v = __ssat(tfg_rq_apply(sa + sb, &q.out), 8);
        out[i] = (int8_t)(clamp ? tfg_clamp(v, q.lo, q.hi) : v);
    }
}

/* True when a and b are both read densely in output order (no broadcast). */
static int dense(const tfg_eltwise_params_t *p)
{
    int32_t want = 1;
    for (int i = 3; i >= 0; i--) {
        if (p->dims[i] > 1 && (p->a_stride[i] != want || p->b_stride[i] != want)) return 0;
        want *= p->dims[i];
    }
    return 1;
}
#endif

void tfg_add_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
#ifdef TFG_HAVE_DSP
    const int32_t *d = p->dims;
    const size_t n = (size_t)d[0] * (size_t)d[1] * (size_t)d[2] * (size_t)d[3];
    tfg_add_prep_t q;
    if (dense(p) && tfg_add_prepare(p, &q)) {
        if (p->act_min == -128 && p->act_max == 127)
            add_dense_dsp(&q, a, b, out, n, 0);
        else
            add_dense_dsp(&q, a, b, out, n, 1);
        return;
    }
#endif
    eltwise(p, a, b, out, ELT_ADD);
}

void tfg_mul_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    eltwise(p, a, b, out, ELT_MUL);
}

void tfg_sub_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    eltwise(p, a, b, out, ELT_SUB);
}

void tfg_minimum_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    eltwise(p, a, b, out, ELT_MIN);
}

void tfg_maximum_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    eltwise(p, a, b, out, ELT_MAX);
}
