/* int8 AVERAGE_POOL_2D and MAX_POOL_2D, NHWC, optionally in place.
 *
 * Windows are clipped to the image (padding is never averaged in), as in
 * TFLite; the average divides by the clipped tap count and rounds half away
 * from zero. Channels are the inner loop so reads are contiguous.
 *
 * In place, the output is written densely from the input's start. Output
 * pixels go in raster order, and pixel P's channel c is written after its
 * window's channel c is read, at P*c_n + c; the window's first byte of that
 * channel is at (y0*in_w + x0)*c_n + c. So writing never overtakes what a
 * later window reads as long as y0*in_w + x0 >= P for every pixel, which
 * tfg_pool_in_place_ok checks (strided pools such as a stem's 3x3/2 pass;
 * a stride-1 SAME pool does not).
 */
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

/* Clip the window of output (oy, ox) to the image: [y0,y1) x [x0,x1). */
static void window(const tfg_pool_params_t *p, int oy, int ox, int *y0, int *y1, int *x0, int *x1)
{
    const int iy = oy * p->stride_h - p->pad_top, ix = ox * p->stride_w - p->pad_left;
    *y0 = iy < 0 ? 0 : iy;
    *x0 = ix < 0 ? 0 : ix;
    *y1 = iy + p->k_h > p->in_h ? p->in_h : iy + p->k_h;
    *x1 = ix + p->k_w > p->in_w ? p->in_w : ix + p->k_w;
}

int tfg_pool_in_place_ok(const tfg_pool_params_t *p)
{
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++) {
            int y0, y1, x0, x1;
            window(p, oy, ox, &y0, &y1, &x0, &x1);
            if (y0 < y1 && x0 < x1 && (int64_t)y0 * p->in_w + x0 < (int64_t)oy * p->out_w + ox) return 0;
        }
    return 1;
}

void tfg_avgpool_s8(const tfg_pool_params_t *p, const int8_t *in, int8_t *out)
{
    const int c_n = p->c;
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++) {
            int y0, y1, x0, x1;
            window(p, oy, ox, &y0, &y1, &x0, &x1);
            const int32_t count = (y1 - y0) * (x1 - x0);
            for (int c = 0; c < c_n; c++) {
                int32_t sum = 0;
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++)
                        sum += in[((size_t)y * (size_t)p->in_w + (size_t)x) * (size_t)c_n + (size_t)c];
                int32_t avg = 0;
                if (count > 0) avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                *out++ = (int8_t)tfg_clamp(avg, p->act_min, p->act_max);
            }
        }
}

void tfg_maxpool_s8(const tfg_pool_params_t *p, const int8_t *in, int8_t *out)
{
    const int c_n = p->c;
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++) {
            int y0, y1, x0, x1;
            window(p, oy, ox, &y0, &y1, &x0, &x1);
            /* a window that leaves the image (or lies wholly in the padding) reads padding cells:
             * with pad_fill they hold pad_value */
            const int clipped = y1 - y0 < p->k_h || x1 - x0 < p->k_w;
            const int32_t start = p->pad_fill && clipped ? p->pad_value : -128;
            for (int c = 0; c < c_n; c++) {
                int32_t m = start;
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++) {
                        int32_t v = in[((size_t)y * (size_t)p->in_w + (size_t)x) * (size_t)c_n + (size_t)c];
                        m = v > m ? v : m;
                    }
                *out++ = (int8_t)tfg_clamp(m, p->act_min, p->act_max);
            }
        }
}
