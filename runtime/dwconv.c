/* int8 DEPTHWISE_CONV_2D, NHWC, per-channel requantization, optionally in place.
 *
 * Channel at a time: input channel c is gathered from the NHWC tensor into a
 * zero-point-padded plane in scratch, then each of its depth_mult output
 * channels is computed from that plane and scattered back to NHWC.
 *
 * Why this shape: it makes the kernel run in place (out == in) when
 * depth_mult == 1 with only one plane of scratch. Output channel c is written
 * only to bytes whose index is c modulo the channel count, and in the input
 * those bytes belong to channel c alone, which was copied out before any
 * write. The padded plane also removes every bounds check from the inner
 * loop; padded cells hold in_zp, which the folded bias cancels exactly.
 */
#include <string.h>

#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

/* Extent of the padded plane: exactly what the output grid reads. */
static void plane_dims(const tfg_dwconv_params_t *p, int *ph, int *pw)
{
    *ph = (p->out_h - 1) * p->stride_h + (p->k_h - 1) * p->dil_h + 1;
    *pw = (p->out_w - 1) * p->stride_w + (p->k_w - 1) * p->dil_w + 1;
}

size_t tfg_dwconv_s8_scratch_size(const tfg_dwconv_params_t *p)
{
    int ph, pw;
    plane_dims(p, &ph, &pw);
    size_t plane = ((size_t)ph * (size_t)pw + 3) & ~(size_t)3;
    return plane + sizeof(int32_t) * (size_t)p->k_h * (size_t)p->k_w;
}

static void gather_plane(const tfg_dwconv_params_t *p, const int8_t *in, int c, int8_t *plane, int ph,
                         int pw)
{
    const size_t cs = (size_t)p->in_c;
    for (int y = 0; y < ph; y++) {
        int8_t *row = plane + (size_t)y * (size_t)pw;
        const int iy = y - p->pad_top;
        if (iy < 0 || iy >= p->in_h) {
            memset(row, p->in_zp, (size_t)pw);
            continue;
        }
        const int8_t *src = in + (size_t)iy * (size_t)p->in_w * cs + (size_t)c;
        for (int x = 0; x < pw; x++) {
            const int ix = x - p->pad_left;
            row[x] = (ix < 0 || ix >= p->in_w) ? (int8_t)p->in_zp : src[(size_t)ix * cs];
        }
    }
}

static void conv_plane(const tfg_dwconv_params_t *p, const int8_t *plane, int pw, const int32_t *wk,
                       int oc, int8_t *out)
{
    const int out_c = p->in_c * p->depth_mult;
    const int32_t bias = p->bias[oc], mult = p->mult[oc], shift = p->shift[oc];
    const int kh = p->k_h, kw = p->k_w;
    const size_t row_step = (size_t)pw * (size_t)p->dil_h;
    int8_t *o = out + oc;
    for (int oy = 0; oy < p->out_h; oy++) {
        const int8_t *base = plane + (size_t)oy * (size_t)p->stride_h * (size_t)pw;
        for (int ox = 0; ox < p->out_w; ox++) {
            const int8_t *r = base + (size_t)ox * (size_t)p->stride_w;
            int32_t acc = bias;
            const int32_t *w = wk;
            for (int ky = 0; ky < kh; ky++, r += row_step, w += kw)
                for (int kx = 0; kx < kw; kx++) acc += r[kx * p->dil_w] * w[kx];
            int32_t v = tfg_requant(acc, mult, shift) + p->out_zp;
            *o = (int8_t)tfg_clamp(v, p->act_min, p->act_max);
            o += out_c;
        }
    }
}

void tfg_dwconv_s8(const tfg_dwconv_params_t *p, const int8_t *in, int8_t *out, void *scratch)
{
    int ph, pw;
    plane_dims(p, &ph, &pw);
    int8_t *plane = (int8_t *)scratch;
    int32_t *wk = (int32_t *)(void *)(plane + (((size_t)ph * (size_t)pw + 3) & ~(size_t)3));
    const int out_c = p->in_c * p->depth_mult;
    const int taps = p->k_h * p->k_w;

    for (int c = 0; c < p->in_c; c++) {
        gather_plane(p, in, c, plane, ph, pw);
        for (int m = 0; m < p->depth_mult; m++) {
            const int oc = c * p->depth_mult + m;
            for (int t = 0; t < taps; t++) wk[t] = p->weights[(size_t)t * (size_t)out_c + (size_t)oc];
            conv_plane(p, plane, pw, wk, oc, out);
        }
    }
}
