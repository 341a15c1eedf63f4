/* Patch-based inference support: a layer's parameters for one spatial
 * patch, and moving regions between whole images and dense patch buffers.
 *
 * A patch runs a layer on region `out` of its output from region `in` of
 * its input, each held densely (rows of the region's width). The kernel
 * sees an image of the input region's size whose padding is shifted so that
 * output row o - out.r0 reads input row o * stride - pad - in.r0: zero
 * padding (in_zp) then falls exactly where the window leaves the true
 * image, and nowhere between patches, because `in` holds every row and
 * column the windows of `out` reach inside the image (the compiler's
 * receptive-field walk guarantees it). */
#include <string.h>

#include "tinyforge/kernels.h"

#define PATCH_WINDOW(P, IN, OUT)                                                                             \
    do {                                                                                                     \
        (P)->pad_top = (IN)->r0 + (P)->pad_top - (OUT)->r0 * (P)->stride_h;                                  \
        (P)->pad_left = (IN)->c0 + (P)->pad_left - (OUT)->c0 * (P)->stride_w;                                \
        (P)->in_h = (IN)->r1 - (IN)->r0, (P)->in_w = (IN)->c1 - (IN)->c0;                                    \
        (P)->out_h = (OUT)->r1 - (OUT)->r0, (P)->out_w = (OUT)->c1 - (OUT)->c0;                              \
    } while (0)

void tfg_patch_conv(tfg_conv_params_t *p, const tfg_region_t *in, const tfg_region_t *out)
{
    PATCH_WINDOW(p, in, out);
    p->in_place = 0; /* a patch's input and output regions are buffers of their own */
}

/* A fused residual read from region res (wider than out when another layer
 * needed a halo of it), in the same buffer the output is written to. */
void tfg_patch_residual(tfg_conv_params_t *p, const tfg_region_t *res, const tfg_region_t *out)
{
    p->res_row = res->c1 - res->c0;
    p->res_off = (out->r0 - res->r0) * p->res_row + (out->c0 - res->c0);
}

void tfg_patch_dwconv(tfg_dwconv_params_t *p, const tfg_region_t *in, const tfg_region_t *out)
{
    PATCH_WINDOW(p, in, out);
}

void tfg_patch_pool(tfg_pool_params_t *p, const tfg_region_t *in, const tfg_region_t *out)
{
    PATCH_WINDOW(p, in, out);
}

/* PAD as a 1x1 window: the spatial pads shift like a window's padding. */
void tfg_patch_pad(tfg_pad_params_t *p, const tfg_region_t *in, const tfg_region_t *out)
{
    const int32_t ih = in->r1 - in->r0, iw = in->c1 - in->c0, oh = out->r1 - out->r0, ow = out->c1 - out->c0;
    p->before[1] = in->r0 + p->before[1] - out->r0;
    p->before[2] = in->c0 + p->before[2] - out->c0;
    p->in_dims[1] = ih, p->in_dims[2] = iw;
    p->after[1] = oh - ih - p->before[1];
    p->after[2] = ow - iw - p->before[2];
}

/* Each input region may be larger than the output's (another reader needed
 * a wider halo): it is read through strides from the output region's corner.
 * A NULL region is a constant input, held whole: it keeps the layer's
 * strides (0 where it is broadcast, as a per-channel scale is) and is read
 * from the output region's corner in it. */
void tfg_patch_eltwise(tfg_eltwise_params_t *p, const tfg_region_t *a, const tfg_region_t *b,
                       const tfg_region_t *out, int32_t c, size_t *a_off, size_t *b_off)
{
    p->dims[0] = 1, p->dims[1] = out->r1 - out->r0, p->dims[2] = out->c1 - out->c0, p->dims[3] = c;
    const tfg_region_t *r[2] = {a, b};
    int32_t *st[2] = {p->a_stride, p->b_stride};
    size_t *off[2] = {a_off, b_off};
    for (int j = 0; j < 2; j++) {
        if (!r[j]) {
            *off[j] = (size_t)(out->r0 * st[j][1] + out->c0 * st[j][2]);
            continue;
        }
        const int32_t w = r[j]->c1 - r[j]->c0;
        st[j][0] = 0, st[j][1] = w * c, st[j][2] = c, st[j][3] = 1;
        *off[j] = ((size_t)(out->r0 - r[j]->r0) * (size_t)w + (size_t)(out->c0 - r[j]->c0)) * (size_t)c;
    }
}

size_t tfg_region_elems(const tfg_region_t *r, int32_t c)
{
    return (size_t)(r->r1 - r->r0) * (size_t)(r->c1 - r->c0) * (size_t)c;
}

void tfg_copy_region(const int8_t *img, int32_t w, int32_t c, const tfg_region_t *r, int8_t *dst)
{
    const size_t row = (size_t)(r->c1 - r->c0) * (size_t)c;
    for (int32_t y = r->r0; y < r->r1; y++, dst += row)
        memcpy(dst, img + ((size_t)y * (size_t)w + (size_t)r->c0) * (size_t)c, row);
}

void tfg_paste_region(const int8_t *src, int32_t w, int32_t c, const tfg_region_t *r, int8_t *img)
{
    const size_t row = (size_t)(r->c1 - r->c0) * (size_t)c;
    for (int32_t y = r->r0; y < r->r1; y++, src += row)
        memcpy(img + ((size_t)y * (size_t)w + (size_t)r->c0) * (size_t)c, src, row);
}

void tfg_read_region(const tfg_image_view_t *v, const int8_t *img, const tfg_region_t *r, int8_t *dst)
{
    const size_t e = (size_t)v->elem, px = (size_t)v->channels * e, step = (size_t)v->col * e;
    for (int32_t y = r->r0; y < r->r1; y++) {
        const int8_t *s = img + ((size_t)y * (size_t)v->row + (size_t)r->c0 * (size_t)v->col) * e;
        if (px == 1) { /* one byte a pixel (a spectrogram): no call per pixel */
            for (int32_t x = r->c0; x < r->c1; x++, s += step) *dst++ = *s;
        } else if (v->chan == 1) { /* a pixel's channels lie together */
            for (int32_t x = r->c0; x < r->c1; x++, s += step, dst += px) memcpy(dst, s, px);
        } else {
            for (int32_t x = r->c0; x < r->c1; x++, s += step, dst += px)
                for (int32_t ch = 0; ch < v->channels; ch++)
                    memcpy(dst + (size_t)ch * e, s + (size_t)ch * (size_t)v->chan * e, e);
        }
    }
}
