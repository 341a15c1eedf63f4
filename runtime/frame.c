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

/* Source pixel (y, x) as c 8-bit channel values. */
static void load(const tfg_frame_params_t *p, const uint8_t *frame, int32_t y, int32_t x, int32_t v[3])
{
    const uint8_t *s = frame + (size_t)y * (size_t)p->frame_stride;
    int32_t r, g, b;
    switch (p->format) {
    case TFG_FRAME_GRAY8: v[0] = v[1] = v[2] = s[x]; return; /* its luma is itself */
    case TFG_FRAME_RGB888:
        s += 3 * (size_t)x;
        r = s[0], g = s[1], b = s[2];
        break;
    default: {
        s += 2 * (size_t)x;
        const int32_t w = p->format == TFG_FRAME_RGB565_LE ? s[0] | s[1] << 8 : s[0] << 8 | s[1];
        r = w >> 11, g = (w >> 5) & 63, b = w & 31;
        r = r << 3 | r >> 2; /* widened by bit replication: 31 -> 255, 0 -> 0 */
        g = g << 2 | g >> 4;
        b = b << 3 | b >> 2;
    }
    }
    if (p->c == 1) {
        v[0] = (299 * r + 587 * g + 114 * b + 500) / 1000;
    } else {
        v[0] = r, v[1] = g, v[2] = b;
    }
}

int32_t tfg_frame_to_input(const tfg_frame_params_t *p, const uint8_t *frame, int32_t r0, int32_t r1,
                           int32_t c0, int32_t c1, int8_t *dst, int32_t dst_row_stride)
{
    const int32_t bpp = p ? tfg_frame_pixel_bytes(p->format) : 0;
    if (!p || !frame || !dst || !p->lut || bpp == 0 || p->fh < 1 || p->fw < 1 || p->h < 1 || p->w < 1 ||
        (p->c != 1 && p->c != 3) || p->frame_stride < p->fw * bpp || r0 < 0 || r0 > r1 || r1 > p->h ||
        c0 < 0 || c0 > c1 || c1 > p->w || dst_row_stride < (c1 - c0) * p->c)
        return TFG_ERR_ARG;
    const int32_t c = p->c;
    const axis_t x_first = axis_at(c0, p->fw, p->w);
    axis_t ay = axis_at(r0, p->fh, p->h);
    for (int32_t y = r0; y < r1; y++, axis_next(&ay), dst += dst_row_stride) {
        int32_t y0, y1, fy;
        axis_taps(&ay, &y0, &y1, &fy);
        axis_t ax = x_first;
        int8_t *o = dst;
        for (int32_t x = c0; x < c1; x++, axis_next(&ax), o += c) {
            int32_t x0, x1, fx;
            axis_taps(&ax, &x0, &x1, &fx);
            int32_t v00[3], v01[3], v10[3], v11[3];
            load(p, frame, y0, x0, v00);
            load(p, frame, y0, x1, v01);
            load(p, frame, y1, x0, v10);
            load(p, frame, y1, x1, v11);
            /* weights sum to 2^22, so the sum stays below 255 * 2^22 + 2^21 < 2^31 */
            const int32_t w00 = (2048 - fx) * (2048 - fy), w01 = fx * (2048 - fy), w10 = (2048 - fx) * fy,
                          w11 = fx * fy;
            for (int32_t k = 0; k < c; k++) {
                const int32_t v =
                    (v00[k] * w00 + v01[k] * w01 + v10[k] * w10 + v11[k] * w11 + (1 << 21)) >> 22;
                o[k] = p->lut[256 * k + v];
            }
        }
    }
    return TFG_OK;
}
