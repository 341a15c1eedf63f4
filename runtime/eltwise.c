/* int8 ADD and MUL with 4-D broadcasting.
 *
 * Arithmetic is TFLite's: ADD lifts both inputs by left_shift bits of
 * headroom, rescales each to a common scale, sums and rescales to the output;
 * MUL requantizes the product of the offset inputs. The loop walks the output
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

/* One loop nest for both ops; `is_mul` is a constant at each call site, so
 * the compiler specializes the inner loop. */
static inline void eltwise(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out,
                           int is_mul)
{
    const int32_t *d = p->dims, *as = p->a_stride, *bs = p->b_stride;
    for (int i0 = 0; i0 < d[0]; i0++)
        for (int i1 = 0; i1 < d[1]; i1++)
            for (int i2 = 0; i2 < d[2]; i2++) {
                const int8_t *pa = a + (size_t)i0 * as[0] + (size_t)i1 * as[1] + (size_t)i2 * as[2];
                const int8_t *pb = b + (size_t)i0 * bs[0] + (size_t)i1 * bs[1] + (size_t)i2 * bs[2];
                for (int i3 = 0; i3 < d[3]; i3++) {
                    const int32_t x = pa[(size_t)i3 * as[3]], y = pb[(size_t)i3 * bs[3]];
                    *out++ = is_mul ? mul_one(p, x, y) : tfg_add_one_s8(p, x, y);
                }
            }
}

#ifdef TFG_HAVE_DSP
/* An ADD input's rescale, tfg_requant(x, mult, shift) for shift in [-22, 0],
 * in the prepared form of tinyforge/fixedpoint.h; a shift of 0 (the input
 * with the larger scale has multiplier 1/2 exactly) needs no rounding step,
 * so its sign term is masked off. */
typedef struct {
    int32_t mult, add, shift, sign_mask;
} in_scale_t;

static int in_scale_make(int32_t mult, int32_t shift, in_scale_t *s)
{
    if (mult < 0 || shift > 0 || shift < -22) return 0;
    s->mult = mult;
    s->shift = -shift;
    s->add = shift ? INT32_C(1) << (-shift - 1) : 0;
    s->sign_mask = shift ? -1 : 0;
    return 1;
}

static inline int32_t in_scale2(int32_t x2, const in_scale_t *s)
{
    return (tfg_smmlar(x2, s->mult, s->add) + ((x2 >> 31) & s->sign_mask)) >> s->shift;
}

/* Dense ADD (no broadcast): each input's (x + offset) << left_shift is below
 * 2^28 in magnitude and the sum of the two rescaled values below 2^29,
 * inside the prepared form's |x| < 2^30. The shift goes one bit further to
 * hand over the doubled value. `clamp` is a constant in each call below. */
static inline __attribute__((always_inline)) void add_dense_dsp(const tfg_eltwise_params_t *p, const in_scale_t *qa,
                                                                 const in_scale_t *qb, const tfg_rq_t *qo,
                                                                 const int8_t *a, const int8_t *b, int8_t *out,
                                                                 size_t n, const int clamp)
{
    const in_scale_t ra = *qa, rb = *qb;
    const tfg_rq_t ro = *qo;
    const int32_t ao = p->a_offset, bo = p->b_offset, ls = p->left_shift + 1, lo = p->act_min, hi = p->act_max;
    for (size_t i = 0; i < n; i++) {
        const int32_t sa = in_scale2((int32_t)((uint32_t)(a[i] + ao) << ls), &ra);
        const int32_t sb = in_scale2((int32_t)((uint32_t)(b[i] + bo) << ls), &rb);
        const int32_t v = __ssat(tfg_rq_apply(sa + sb, &ro), 8);
        out[i] = (int8_t)(clamp ? tfg_clamp(v, lo, hi) : v);
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
    in_scale_t qa, qb;
    tfg_rq_t qo;
    if (dense(p) && p->left_shift <= 20 && in_scale_make(p->a_mult, p->a_shift, &qa) &&
        in_scale_make(p->b_mult, p->b_shift, &qb) && tfg_rq_make(p->out_mult, p->out_shift, p->out_zp, &qo)) {
        if (p->act_min == -128 && p->act_max == 127) add_dense_dsp(p, &qa, &qb, &qo, a, b, out, n, 0);
        else add_dense_dsp(p, &qa, &qb, &qo, a, b, out, n, 1);
        return;
    }
#endif
    eltwise(p, a, b, out, 0);
}

void tfg_mul_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    eltwise(p, a, b, out, 1);
}
