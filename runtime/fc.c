/* int8 FULLY_CONNECTED: out[b][o] = requant(bias'[o] + dot(in[b], w[o])).
 *
 * The input zero point is folded into bias' by the compiler, so the inner
 * loop is a raw int8 dot product. Two batch rows share each weight row when
 * batches > 1; for the usual batch of 1 this is one pass over the weights,
 * which is the memory-bound minimum.
 */
#include "tinyforge/dsp.h"
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

void tfg_fc_s8(const tfg_fc_params_t *p, const int8_t *in, int8_t *out)
{
    const int k = p->in_features;
    for (int b = 0; b < p->batches; b++) {
        const int8_t *x = in + (size_t)b * (size_t)k;
        int8_t *y = out + (size_t)b * (size_t)p->out_features;
        const int8_t *w = p->weights;
        for (int o = 0; o < p->out_features; o++, w += k) {
            int32_t acc = 0;
            int i = 0;
#ifdef TFG_HAVE_DSP
            for (; i + 4 <= k; i += 4) acc = tfg_dot4(tfg_ld4(x + i), tfg_ld4(w + i), acc);
#endif
            for (; i < k; i++) acc += x[i] * w[i];
            int32_t v = tfg_requant(acc + p->bias[o], p->mult[o], p->shift[o]) + p->out_zp;
            y[o] = (int8_t)tfg_clamp(v, p->act_min, p->act_max);
        }
    }
}
