/* Host side of the camera input: tables and checks (see frame_prepare.h). */
#include "detect/frame_prepare.h"

#include <math.h>

#include "tinyforge/kernels.h"

tfg_status_t tfg_frame_lut(int32_t c, const float *lo, const float *hi, float scale, int32_t zero_point,
                           int8_t *lut, tfg_diag_t *d)
{
    if (c != 1 && c != 3)
        return tfg_diag_set(d, TFG_ERR_INVALID, "camera input: %d channels (1 or 3 supported)", c);
    if (!(scale > 0.0f) || !isfinite(scale) || zero_point < -128 || zero_point > 127)
        return tfg_diag_set(
            d, TFG_ERR_INVALID,
            "camera input: input quantization scale %g, zero point %d (a positive scale and an "
            "int8 zero point needed)",
            (double)scale, zero_point);
    for (int32_t k = 0; k < c; k++) {
        if (!isfinite(lo[k]) || !isfinite(hi[k]))
            return tfg_diag_set(d, TFG_ERR_INVALID, "camera input: channel %d's range is not finite", k);
        float real[256];
        for (int v = 0; v < 256; v++) real[v] = (float)((double)lo[k] + v * ((double)hi[k] - lo[k]) / 255.0);
        const tfg_affine_params_t q = {.size = 256, .scale = scale, .zp = zero_point};
        tfg_quantize_f32_s8(&q, real, lut + 256 * k); /* the model's own QUANTIZE */
    }
    return TFG_OK;
}

tfg_status_t tfg_frame_check(const tfg_frame_params_t *p, tfg_diag_t *d)
{
    const int32_t bpp = tfg_frame_pixel_bytes(p->format);
    if (bpp == 0) return tfg_diag_set(d, TFG_ERR_INVALID, "camera input: unknown frame format %d", p->format);
    if (p->fh < 1 || p->fw < 1)
        return tfg_diag_set(d, TFG_ERR_INVALID, "camera input: frame %d x %d (both sides must be positive)",
                            p->fw, p->fh);
    if (p->h < 1 || p->w < 1 || (p->c != 1 && p->c != 3))
        return tfg_diag_set(d, TFG_ERR_INVALID,
                            "camera input: model input %d x %d x %d (positive sides, 1 or 3 channels needed)",
                            p->h, p->w, p->c);
    if ((int64_t)p->frame_stride < (int64_t)p->fw * bpp)
        return tfg_diag_set(d, TFG_ERR_INVALID,
                            "camera input: frame stride %d B is less than a row of %d pixels (%d B)",
                            p->frame_stride, p->fw, p->fw * bpp);
    if (!p->lut) return tfg_diag_set(d, TFG_ERR_INVALID, "camera input: no tables");
    return TFG_OK;
}
