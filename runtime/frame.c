/* Camera frames into a model's int8 input (tinyforge/frame.h). */
#include "tinyforge/frame.h"

#include <stddef.h>

int32_t tfg_frame_pixel_bytes(int32_t format)
{
    switch (format) {
    case TFG_FRAME_GRAY8: return 1;
    case TFG_FRAME_RGB888: return 3;
    case TFG_FRAME_RGB565_LE:
    case TFG_FRAME_RGB565_BE: return 2;
    default: return 0;
    }
}

/* One axis of the resampling: output index o samples source i0 with weight
 * 2048 - f and i1 with weight f. pos = floor(num / size) - 1024 with
 * num = (2 o + 1) * fsize * 1024, stepped by 2 * fsize * 1024 per output
 * index as a quotient and a remainder, so that only the first index
 * divides. */
typedef struct {
    int32_t q, r;           /* num / size and num % size */
    int32_t step_q, step_r; /* the step's */
    int32_t size, last;     /* output size, fsize - 1 */
} axis_t;

static axis_t axis_at(int32_t o, int32_t fsize, int32_t size)
{
    const int64_t num = (2 * (int64_t)o + 1) * fsize * 1024, step = (int64_t)fsize * 2048;
    axis_t a;
    a.q = (int32_t)(num / size);
    a.r = (int32_t)(num % size);
    a.step_q = (int32_t)(step / size);
    a.step_r = (int32_t)(step % size);
    a.size = size;
    a.last = fsize - 1;
    return a;
}

static void axis_next(axis_t *a)
{
    a->q += a->step_q;
    a->r += a->step_r;
    if (a->r >= a->size) {
        a->r -= a->size;
        a->q++;
    }
}

/* The two source indices and the second one's weight at the axis's place. */
static void axis_taps(const axis_t *a, int32_t *i0, int32_t *i1, int32_t *f)
{
    const int32_t pos = a->q < 1024 ? 0 : a->q - 1024;
    *i0 = pos >> 11;
    *i1 = *i0 < a->last ? *i0 + 1 : a->last;
    *f = pos & 2047;
}

/* The four taps (rows s0 and s1, byte offsets a0 and a1: 00, 01, 10, 11) of
 * an RGB888 or RGB565 frame unpacked to 8-bit R, G, B, v[channel][tap]; one
 * branch on the format per output pixel, not one per tap. RGB565's 5- and
 * 6-bit fields are widened by bit replication (31 -> 255, 0 -> 0). */
static void unpack4(int32_t format, const uint8_t *s0, const uint8_t *s1, int32_t a0, int32_t a1,
                    int32_t v[3][4])
{
    const uint8_t *const q[4] = {s0 + a0, s0 + a1, s1 + a0, s1 + a1};
    if (format == TFG_FRAME_RGB888) {
        for (int t = 0; t < 4; t++) v[0][t] = q[t][0], v[1][t] = q[t][1], v[2][t] = q[t][2];
        return;
    }
    const int le = format == TFG_FRAME_RGB565_LE;
    for (int t = 0; t < 4; t++) {
        const int32_t w = le ? q[t][0] | q[t][1] << 8 : q[t][0] << 8 | q[t][1];
        const int32_t r = w >> 11, g = (w >> 5) & 63, b = w & 31;
        v[0][t] = r << 3 | r >> 2, v[1][t] = g << 2 | g >> 4, v[2][t] = b << 3 | b >> 2;
    }
}

/* The bilinear value of four 8-bit taps, second-tap weights fx and fy of
 * 2048: (v00 (2048 - fx)(2048 - fy) + v01 fx (2048 - fy) + v10 (2048 - fx) fy
 * + v11 fx fy + 2^21) >> 22, computed in its separable form, which equals it
 * exactly in integers with three multiplies instead of eight. Every term
 * stays below 2^31. */
static int32_t blend(int32_t v00, int32_t v01, int32_t v10, int32_t v11, int32_t fx, int32_t fy)
{
    const int32_t top = (v00 << 11) + (v01 - v00) * fx, bot = (v10 << 11) + (v11 - v10) * fx;
    return ((top << 11) + (bot - top) * fy + (1 << 21)) >> 22;
}

int32_t tfg_frame_to_input(const tfg_frame_params_t *p, const uint8_t *frame, int32_t r0, int32_t r1,
                           int32_t c0, int32_t c1, int8_t *dst, int32_t dst_row_stride)
{
    const int32_t bpp = p ? tfg_frame_pixel_bytes(p->format) : 0;
    if (!p || !frame || !dst || !p->lut || bpp == 0 || p->fh < 1 || p->fw < 1 || p->h < 1 || p->w < 1 ||
        (p->c != 1 && p->c != 3) || p->frame_stride < p->fw * bpp || r0 < 0 || r0 > r1 || r1 > p->h ||
        c0 < 0 || c0 > c1 || c1 > p->w || dst_row_stride < (c1 - c0) * p->c)
        return TFG_ERR_ARG;
    const int32_t c = p->c, format = p->format;
    const int8_t *const lut = p->lut;
    const axis_t x_first = axis_at(c0, p->fw, p->w);
    axis_t ay = axis_at(r0, p->fh, p->h);
    for (int32_t y = r0; y < r1; y++, axis_next(&ay), dst += dst_row_stride) {
        int32_t y0, y1, fy;
        axis_taps(&ay, &y0, &y1, &fy);
        const uint8_t *const s0 = frame + (size_t)y0 * (size_t)p->frame_stride,
                             *const s1 = frame + (size_t)y1 * (size_t)p->frame_stride;
        axis_t ax = x_first;
        int8_t *o = dst;
        for (int32_t x = c0; x < c1; x++, axis_next(&ax), o += c) {
            int32_t x0, x1, fx;
            axis_taps(&ax, &x0, &x1, &fx);
            if (format == TFG_FRAME_GRAY8) {
                /* R = G = B, and its luma is itself: one value for every channel */
                const int32_t g = blend(s0[x0], s0[x1], s1[x0], s1[x1], fx, fy);
                for (int32_t k = 0; k < c; k++) o[k] = lut[256 * k + g];
            } else if (format == TFG_FRAME_RGB888 && c == 3) { /* the common case: straight from the bytes */
                const uint8_t *const q00 = s0 + 3 * x0, *const q01 = s0 + 3 * x1, *const q10 = s1 + 3 * x0,
                                     *const q11 = s1 + 3 * x1;
                for (int32_t k = 0; k < 3; k++)
                    o[k] = lut[256 * k + blend(q00[k], q01[k], q10[k], q11[k], fx, fy)];
            } else {
                int32_t v[3][4]; /* [channel][tap] */
                unpack4(format, s0, s1, x0 * bpp, x1 * bpp, v);
                if (c == 1) /* BT.601 luma per tap, then the blend: as the host's image reader */
                    for (int t = 0; t < 4; t++)
                        v[0][t] = (299 * v[0][t] + 587 * v[1][t] + 114 * v[2][t] + 500) / 1000;
                for (int32_t k = 0; k < c; k++)
                    o[k] = lut[256 * k + blend(v[k][0], v[k][1], v[k][2], v[k][3], fx, fy)];
            }
        }
    }
    return TFG_OK;
}
