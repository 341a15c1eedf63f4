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
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

static inline int8_t add_one(const tfg_eltwise_params_t *p, int32_t a, int32_t b)
{
    const int32_t sa = tfg_requant((int32_t)((uint32_t)(a + p->a_offset) << p->left_shift), p->a_mult, p->a_shift);
    const int32_t sb = tfg_requant((int32_t)((uint32_t)(b + p->b_offset) << p->left_shift), p->b_mult, p->b_shift);
    const int32_t v = tfg_requant(sa + sb, p->out_mult, p->out_shift) + p->out_zp;
    return (int8_t)tfg_clamp(v, p->act_min, p->act_max);
}

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
                    *out++ = is_mul ? mul_one(p, x, y) : add_one(p, x, y);
                }
            }
}

void tfg_add_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    eltwise(p, a, b, out, 0);
}

void tfg_mul_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    eltwise(p, a, b, out, 1);
}
