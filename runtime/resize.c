/* RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR on NHWC int8 images. Which
 * source rows and columns an output reads depends on the shapes only, so
 * the compiler computes it once, in TFLite's own arithmetic (float for
 * nearest, 1/1024 fixed point for bilinear), and passes tables. */
#include <string.h>

#include "tinyforge/kernels.h"

void tfg_resize_nearest_s8(const tfg_resize_nearest_params_t *p, const int8_t *in, int8_t *out)
{
    const size_t c = (size_t)p->c;
    for (int32_t y = 0; y < p->out_h; y++) {
        const int8_t *src_row = in + (size_t)p->src_y[y] * (size_t)p->in_w * c;
        for (int32_t x = 0; x < p->out_w; x++) {
            memcpy(out, src_row + (size_t)p->src_x[x] * c, c);
            out += c;
        }
    }
}

/* TFLite's ResizeBilinearInteger: the four neighbours weighted in 1/1024
 * steps, the 2^20-scaled sum rounded half away from zero and divided (the
 * double-rounding build TFLM uses). The sum fits 32 bits: a weight's factors
 * are at most 1024 + 512 (a half-pixel row above the first one has fy down
 * to -512) and 1023 in magnitude, so 128 * (1536 + 1023)^2 < 2^30. */
void tfg_resize_bilinear_s8(const tfg_resize_bilinear_params_t *p, const int8_t *in, int8_t *out)
{
    const size_t c = (size_t)p->c, row = (size_t)p->in_w * c;
    for (int32_t y = 0; y < p->out_h; y++) {
        const int32_t *ty = p->y + 3 * y, fy = ty[2];
        const int8_t *r0 = in + (size_t)ty[0] * row, *r1 = in + (size_t)ty[1] * row;
        for (int32_t x = 0; x < p->out_w; x++) {
            const int32_t *tx = p->x + 3 * x, fx = tx[2];
            const int32_t w00 = (1024 - fy) * (1024 - fx), w10 = fy * (1024 - fx), w01 = (1024 - fy) * fx,
                          w11 = fy * fx;
            const int8_t *a = r0 + (size_t)tx[0] * c, *b = r1 + (size_t)tx[0] * c,
                         *d = r0 + (size_t)tx[1] * c, *e = r1 + (size_t)tx[1] * c;
            for (size_t ch = 0; ch < c; ch++) {
                const int32_t sum = a[ch] * w00 + b[ch] * w10 + d[ch] * w01 + e[ch] * w11;
                *out++ = (int8_t)((sum + (sum > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20));
            }
        }
    }
}
