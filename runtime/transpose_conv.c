/* TRANSPOSE_CONV as a gather. TFLite's reference scatters every input
 * pixel's products into an int32 buffer the size of the output and
 * requantizes at the end; the sums are the same whichever way they are
 * collected (int32, no overflow: the compiler bounds every channel), so here
 * each output pixel collects its own taps and is requantized at once, and
 * the output-sized scratch goes away. */
#include "tinyforge/kernels.h"

/* The taps of output row (or column) o along one axis: kernel positions f
 * with o + pad - f = stride * i for an input index i in [0, n). They are
 * f0, f0 + stride, ... reading inputs i0, i0 - 1, ...; returns how many. */
static int32_t taps_of(int32_t o, int32_t pad, int32_t stride, int32_t k, int32_t n, int32_t *f0, int32_t *i0)
{
    const int32_t t = o + pad; /* >= 0: o and pad are */
    int32_t f = t % stride, i = t / stride;
    if (i > n - 1) { /* the first taps read past the input's end */
        f += (i - (n - 1)) * stride;
        i = n - 1;
    }
    *f0 = f;
    *i0 = i;
    if (f >= k) return 0;
    const int32_t cnt = (k - 1 - f) / stride + 1;
    return cnt < i + 1 ? cnt : i + 1;
}

void tfg_transpose_conv_s8(const tfg_transpose_conv_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t in_c = p->in_c, zp = p->in_zp;
    const size_t w_row = (size_t)p->k_w * (size_t)in_c, w_oc = (size_t)p->k_h * w_row;
    for (int32_t oy = 0; oy < p->out_h; oy++) {
        int32_t fy0, iy0;
        const int32_t ny = taps_of(oy, p->pad_top, p->stride_h, p->k_h, p->in_h, &fy0, &iy0);
        for (int32_t ox = 0; ox < p->out_w; ox++) {
            int32_t fx0, ix0;
            const int32_t nx = taps_of(ox, p->pad_left, p->stride_w, p->k_w, p->in_w, &fx0, &ix0);
            for (int32_t oc = 0; oc < p->out_c; oc++) {
                const int8_t *w_c = p->weights + (size_t)oc * w_oc;
                int32_t acc = p->bias[oc];
                for (int32_t ty = 0; ty < ny; ty++) {
                    const int32_t fy = fy0 + ty * p->stride_h, iy = iy0 - ty;
                    for (int32_t tx = 0; tx < nx; tx++) {
                        const int32_t fx = fx0 + tx * p->stride_w, ix = ix0 - tx;
                        const int8_t *x = in + ((size_t)iy * (size_t)p->in_w + (size_t)ix) * (size_t)in_c;
                        const int8_t *w = w_c + (size_t)fy * w_row + (size_t)fx * (size_t)in_c;
                        for (int32_t ic = 0; ic < in_c; ic++) acc += (x[ic] - zp) * w[ic];
                    }
                }
                *out++ = (int8_t)tfg_clamp(tfg_rq_out(acc, &p->rq[oc], p->out_zp), p->act_min, p->act_max);
            }
        }
    }
}
