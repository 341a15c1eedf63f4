/* int8 CONV_2D, NHWC, per-channel requantization.
 *
 * Shape of the computation: every output pixel is a dot product of a K-long
 * input column (K = k_h * k_w * in_c, in the same kh/kw/c order as the OHWI
 * weight rows) with each of the out_c weight rows. Columns come from:
 *  - the input itself, when the kernel is 1x1 without padding (any stride):
 *    the pixel's channels are already contiguous, so no copy at all;
 *  - an im2col copy into scratch otherwise, where padded taps are filled
 *    with in_zp. Because the bias has -in_zp * sum(w) folded in, a padded
 *    tap then contributes exactly zero, as in TFLite where it is skipped.
 * Work is blocked as two output pixels by four output channels: each column
 * byte is loaded once for four weight rows and each weight byte once for two
 * pixels, and the eight dot products vectorize along K.
 */
#include <string.h>

#include "tinyforge/dsp.h"
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

static int conv_is_pointwise(const tfg_conv_params_t *p)
{
    return p->k_h == 1 && p->k_w == 1 && p->pad_top == 0 && p->pad_left == 0;
}

size_t tfg_conv_s8_scratch_size(const tfg_conv_params_t *p)
{
    if (conv_is_pointwise(p)) return 0;
    size_t k = (size_t)p->k_h * (size_t)p->k_w * (size_t)p->in_c;
    return 2 * ((k + 3) & ~(size_t)3);
}

/* Copy the receptive field of output pixel (oy, ox) into col. */
static void im2col_pixel(const tfg_conv_params_t *p, const int8_t *in, int oy, int ox, int8_t *col)
{
    const int iy0 = oy * p->stride_h - p->pad_top;
    const int ix0 = ox * p->stride_w - p->pad_left;
    const size_t c = (size_t)p->in_c;
    /* With dilation 1, a kernel row inside the image is one contiguous run. */
    const int row_inside = p->dil_w == 1 && ix0 >= 0 && ix0 + p->k_w <= p->in_w;
    for (int ky = 0; ky < p->k_h; ky++) {
        const int iy = iy0 + ky * p->dil_h;
        if (row_inside && iy >= 0 && iy < p->in_h) {
            const size_t n = (size_t)p->k_w * c;
            memcpy(col, in + ((size_t)iy * (size_t)p->in_w + (size_t)ix0) * c, n);
            col += n;
            continue;
        }
        for (int kx = 0; kx < p->k_w; kx++) {
            const int ix = ix0 + kx * p->dil_w;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
                memset(col, p->in_zp, c);
            else
                memcpy(col, in + ((size_t)iy * (size_t)p->in_w + (size_t)ix) * c, c);
            col += c;
        }
    }
}

static const int8_t *column(const tfg_conv_params_t *p, const int8_t *in, int pix, int8_t *buf)
{
    const int oy = pix / p->out_w, ox = pix % p->out_w;
    if (conv_is_pointwise(p)) {
        size_t iy = (size_t)oy * (size_t)p->stride_h, ix = (size_t)ox * (size_t)p->stride_w;
        return in + (iy * (size_t)p->in_w + ix) * (size_t)p->in_c;
    }
    im2col_pixel(p, in, oy, ox, buf);
    return buf;
}

/* The output side of a layer, copied out of the parameter struct: int8 stores
 * may alias the struct (int8_t is a character type), so reading through p
 * would reload every field after every output byte. */
typedef struct {
    const int32_t *bias, *mult, *shift;
    int32_t out_zp, lo, hi;
} out_side_t;

static inline int8_t requant_out(const out_side_t *q, int32_t acc, int oc)
{
    const int32_t v = tfg_requant(acc + q->bias[oc], q->mult[oc], q->shift[oc]) + q->out_zp;
    return (int8_t)tfg_clamp(v, q->lo, q->hi);
}

#ifdef TFG_HAVE_DSP
/* Armv7E-M: the 2x4 block with SXTB16/SMLAD (see tinyforge/dsp.h), as two
 * 2x2 passes: four accumulators, two split input words and the weight word
 * fit the 13 usable registers, where eight accumulators would spill to the
 * stack on every SMLAD. Returns how many taps it did (a multiple of 4); the
 * caller finishes the rest. */
static inline int dot4_dsp(const int8_t *restrict c0, const int8_t *restrict c1, const int8_t *restrict w, int k,
                           int32_t acc[2][4])
{
    const int k4 = k & ~3;
    for (int j = 0; j < 4; j += 2) {
        const int8_t *restrict wa = w + j * k, *restrict wb = wa + k;
        int32_t a0 = 0, a1 = 0, b0 = 0, b1 = 0;
        for (int i = 0; i < k4; i += 4) {
            const uint32_t x0 = tfg_ld4(c0 + i), x1 = tfg_ld4(c1 + i);
            const int16x2_t x0e = __sxtb16(x0), x0o = tfg_sxtb16_ror8(x0);
            const int16x2_t x1e = __sxtb16(x1), x1o = tfg_sxtb16_ror8(x1);
            const uint32_t va = tfg_ld4(wa + i), vb = tfg_ld4(wb + i);
            const int16x2_t ae = __sxtb16(va), ao = tfg_sxtb16_ror8(va);
            const int16x2_t be = __sxtb16(vb), bo = tfg_sxtb16_ror8(vb);
            a0 = __smlad(x0o, ao, __smlad(x0e, ae, a0));
            a1 = __smlad(x1o, ao, __smlad(x1e, ae, a1));
            b0 = __smlad(x0o, bo, __smlad(x0e, be, b0));
            b1 = __smlad(x1o, bo, __smlad(x1e, be, b1));
        }
        acc[0][j] = a0, acc[1][j] = a1, acc[0][j + 1] = b0, acc[1][j + 1] = b1;
    }
    return k4;
}
#endif

/* acc[j][i] = dot(col_j, w_i) for two columns and four weight rows. */
static inline void dot_2x4(const int8_t *restrict c0, const int8_t *restrict c1, const int8_t *restrict w, int k,
                           int32_t acc[2][4])
{
    const int8_t *restrict w0 = w, *restrict w1 = w + k, *restrict w2 = w + 2 * k, *restrict w3 = w + 3 * k;
    int32_t a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
    int i = 0;
#ifdef TFG_HAVE_DSP
    i = dot4_dsp(c0, c1, w, k, acc);
    a00 = acc[0][0], a01 = acc[0][1], a02 = acc[0][2], a03 = acc[0][3];
    a10 = acc[1][0], a11 = acc[1][1], a12 = acc[1][2], a13 = acc[1][3];
#endif
    for (; i < k; i++) {
        const int32_t x0 = c0[i], x1 = c1[i];
        a00 += x0 * w0[i];
        a01 += x0 * w1[i];
        a02 += x0 * w2[i];
        a03 += x0 * w3[i];
        a10 += x1 * w0[i];
        a11 += x1 * w1[i];
        a12 += x1 * w2[i];
        a13 += x1 * w3[i];
    }
    acc[0][0] = a00, acc[0][1] = a01, acc[0][2] = a02, acc[0][3] = a03;
    acc[1][0] = a10, acc[1][1] = a11, acc[1][2] = a12, acc[1][3] = a13;
}

/* Two output pixels against every weight row: four rows at a time, then the rest. */
static void conv_pair(const tfg_conv_params_t *p, const int8_t *restrict c0, const int8_t *restrict c1, int k,
                      int8_t *o0, int8_t *o1)
{
    const out_side_t q = {p->bias, p->mult, p->shift, p->out_zp, p->act_min, p->act_max};
    const int oc_n = p->out_c;
    const int8_t *w = p->weights;
    int oc = 0;
    for (; oc + 4 <= oc_n; oc += 4, w += 4 * k) {
        int32_t acc[2][4];
        dot_2x4(c0, c1, w, k, acc);
        for (int j = 0; j < 4; j++) {
            const int8_t r0 = requant_out(&q, acc[0][j], oc + j), r1 = requant_out(&q, acc[1][j], oc + j);
            o0[oc + j] = r0;
            o1[oc + j] = r1;
        }
    }
    for (; oc < oc_n; oc++, w += k) {
        int32_t a0 = 0, a1 = 0;
        for (int i = 0; i < k; i++) {
            const int32_t wv = w[i];
            a0 += c0[i] * wv;
            a1 += c1[i] * wv;
        }
        o0[oc] = requant_out(&q, a0, oc);
        o1[oc] = requant_out(&q, a1, oc);
    }
}

void tfg_conv_s8(const tfg_conv_params_t *p, const int8_t *in, int8_t *out, void *scratch)
{
    const int k = p->k_h * p->k_w * p->in_c;
    const int n_pix = p->out_h * p->out_w;
    const int oc_n = p->out_c;
    int8_t *buf0 = (int8_t *)scratch;
    int8_t *buf1 = buf0 ? buf0 + ((k + 3) & ~3) : NULL;

    int pix = 0;
    for (; pix + 1 < n_pix; pix += 2) {
        const int8_t *c0 = column(p, in, pix, buf0);
        const int8_t *c1 = column(p, in, pix + 1, buf1);
        int8_t *o0 = out + (size_t)pix * (size_t)oc_n;
        conv_pair(p, c0, c1, k, o0, o0 + oc_n);
    }
    if (pix < n_pix) {
        /* Odd pixel count: pair the last pixel with itself. */
        const int8_t *c0 = column(p, in, pix, buf0);
        int8_t *o0 = out + (size_t)pix * (size_t)oc_n;
        conv_pair(p, c0, c0, k, o0, o0);
    }
}
