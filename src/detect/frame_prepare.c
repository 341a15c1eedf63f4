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

tfg_status_t tfg_frame_setup(const tfg_tensor_t *t, int32_t format, int32_t fw, int32_t fh, float lo,
                             float hi, tfg_frame_params_t *p, int8_t lut[3 * 256], tfg_diag_t *d)
{
    if (t->dtype != TFG_DT_INT8 || t->rank != 4 || t->dims[0] != 1 || (t->dims[3] != 1 && t->dims[3] != 3) ||
        t->n_q != 1)
        return tfg_diag_set(d, TFG_ERR_INVALID,
                            "camera input: the model input '%s' is not an int8 [1, H, W, 1 or 3] image with "
                            "one scale",
                            t->name ? t->name : "?");
    const int32_t bpp = tfg_frame_pixel_bytes(format);
    if (bpp == 0) return tfg_diag_set(d, TFG_ERR_INVALID, "camera input: unknown frame format %d", format);
    if (fw < 1 || fh < 1 || (int64_t)fw * bpp > INT32_MAX)
        return tfg_diag_set(d, TFG_ERR_INVALID, "camera input: frame %d x %d (positive sides needed)", fw,
                            fh);
    const float los[3] = {lo, lo, lo}, his[3] = {hi, hi, hi};
    const tfg_status_t st = tfg_frame_lut(t->dims[3], los, his, t->scale[0], t->zero_point[0], lut, d);
    if (st < 0) return st;
    *p = (tfg_frame_params_t){.format = format,
                              .fh = fh,
                              .fw = fw,
                              .frame_stride = fw * bpp,
                              .h = t->dims[1],
                              .w = t->dims[2],
                              .c = t->dims[3],
                              .lut = lut};
    return tfg_frame_check(p, d);
}
