/* int8 FULLY_CONNECTED: out[b][o] = requant(bias'[o] + dot(in[b], w[o])).
 *
 * The input zero point is folded into bias' by the compiler, so the inner
 * loop is a raw int8 dot product: one pass over the weights per batch row,
 * the memory-bound minimum for the usual batch of 1. With the DSP extension
 * four weight rows (then two, then one) share each pass over the input, so
 * every input word is loaded and split once per four rows.
 */
#include "tinyforge/dsp.h"
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

#ifdef TFG_HAVE_DSP
/* Four weight rows per pass over the input: each input word is loaded and
 * split (SXTB16) once for all four, so a 4-byte chunk of the four rows is
 * 5 loads, 10 SXTB16 and 8 SMLADs (16 MACs). */
static void fc_rows4_dsp(const int8_t *x, const int8_t *w, int k, int32_t a[4])
{
    const int8_t *w0 = w, *w1 = w + k, *w2 = w1 + k, *w3 = w2 + k;
    int32_t s0 = a[0], s1 = a[1], s2 = a[2], s3 = a[3];
    int i = 0;
    for (; i + 4 <= k; i += 4) {
        const uint32_t xv = tfg_ld4(x + i);
        const int16x2_t xe = __sxtb16(xv), xo = tfg_sxtb16_ror8(xv);
        uint32_t v = tfg_ld4(w0 + i);
        s0 = __smlad(xo, tfg_sxtb16_ror8(v), __smlad(xe, __sxtb16(v), s0));
        v = tfg_ld4(w1 + i);
        s1 = __smlad(xo, tfg_sxtb16_ror8(v), __smlad(xe, __sxtb16(v), s1));
        v = tfg_ld4(w2 + i);
        s2 = __smlad(xo, tfg_sxtb16_ror8(v), __smlad(xe, __sxtb16(v), s2));
        v = tfg_ld4(w3 + i);
        s3 = __smlad(xo, tfg_sxtb16_ror8(v), __smlad(xe, __sxtb16(v), s3));
    }
    for (; i < k; i++) s0 += x[i] * w0[i], s1 += x[i] * w1[i], s2 += x[i] * w2[i], s3 += x[i] * w3[i];
    a[0] = s0, a[1] = s1, a[2] = s2, a[3] = s3;
}

/* Two weight rows per pass over the input: each input word is loaded and
 * split (SXTB16) once for both rows. */
static void fc_rows2_dsp(const int8_t *x, const int8_t *w0, const int8_t *w1, int k, int32_t *a0, int32_t *a1)
{
    int32_t s0 = *a0, s1 = *a1;
    int i = 0;
    for (; i + 4 <= k; i += 4) {
        const uint32_t xv = tfg_ld4(x + i), v0 = tfg_ld4(w0 + i), v1 = tfg_ld4(w1 + i);
        const int16x2_t xe = __sxtb16(xv), xo = tfg_sxtb16_ror8(xv);
        s0 = __smlad(xo, tfg_sxtb16_ror8(v0), __smlad(xe, __sxtb16(v0), s0));
        s1 = __smlad(xo, tfg_sxtb16_ror8(v1), __smlad(xe, __sxtb16(v1), s1));
    }
    for (; i < k; i++) s0 += x[i] * w0[i], s1 += x[i] * w1[i];
    *a0 = s0, *a1 = s1;
}
#endif

static inline int8_t fc_out(const tfg_fc_params_t *p, int32_t acc, int o)
{
#ifdef TFG_HAVE_DSP
    if (p->rq[o].shift)
        return (int8_t)tfg_clamp(__ssat(tfg_rq_apply(acc, &p->rq[o]), 8), p->act_min, p->act_max);
#endif
    return (int8_t)tfg_clamp(tfg_rq_out(acc, &p->rq[o], p->out_zp), p->act_min, p->act_max);
}

void tfg_fc_s8(const tfg_fc_params_t *p, const int8_t *in, int8_t *out)
{
    const int k = p->in_features, n = p->out_features;
    for (int b = 0; b < p->batches; b++) {
        const int8_t *x = in + (size_t)b * (size_t)k;
        int8_t *y = out + (size_t)b * (size_t)n;
        const int8_t *w = p->weights;
        int o = 0;
#ifdef TFG_HAVE_DSP
        for (; o + 4 <= n; o += 4, w += 4 * k) {
            int32_t a[4] = {p->bias[o], p->bias[o + 1], p->bias[o + 2], p->bias[o + 3]};
            fc_rows4_dsp(x, w, k, a);
            const int8_t r0 = fc_out(p, a[0], o), r1 = fc_out(p, a[1], o + 1);
            const int8_t r2 = fc_out(p, a[2], o + 2), r3 = fc_out(p, a[3], o + 3);
            y[o] = r0, y[o + 1] = r1, y[o + 2] = r2, y[o + 3] = r3;
        }
        for (; o + 2 <= n; o += 2, w += 2 * k) {
            int32_t a0 = p->bias[o], a1 = p->bias[o + 1];
            fc_rows2_dsp(x, w, w + k, k, &a0, &a1);
            const int8_t r0 = fc_out(p, a0, o), r1 = fc_out(p, a1, o + 1);
            y[o] = r0, y[o + 1] = r1;
        }
#endif
        for (; o < n; o++, w += k) {
            int32_t acc = p->bias[o];
            for (int i = 0; i < k; i++) acc += x[i] * w[i];
            y[o] = fc_out(p, acc, o);
        }
    }
}
