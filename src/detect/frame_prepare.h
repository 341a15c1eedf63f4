/* Host side of the camera input (runtime/frame.c): the per-channel tables
 * that fold a model's input scaling and quantization into 256 entries, and
 * the check of a frame's parameters, both run once when a model is compiled. */
#ifndef TFG_DETECT_FRAME_PREPARE_H
#define TFG_DETECT_FRAME_PREPARE_H

#include <stdint.h>

#include "ir/ir.h"
#include "tinyforge/frame.h"

/* lut[256 * k + v], for each of the c channels k and 8-bit values v: the
 * real input lo[k] + v * (hi[k] - lo[k]) / 255 (in double, then rounded to
 * float, as a float model input would hold it), quantized by the runtime's
 * own QUANTIZE kernel with the input's scale and zero point. lo = 0, hi = 1
 * is p / 255; lo = -1, hi = 1 is MCUNet's detector's [-1, 1]; per-channel
 * values give a mean and deviation normalization. */
tfg_status_t tfg_frame_lut(int32_t c, const float *lo, const float *hi, float scale, int32_t zero_point,
                           int8_t *lut, tfg_diag_t *d);

/* Checks p for tfg_frame_to_input; the message names the unmet constraint. */
tfg_status_t tfg_frame_check(const tfg_frame_params_t *p, tfg_diag_t *d);

/* The camera input of a model input t, which must be an int8 [1, H, W, 1 or 3]
 * tensor with one scale (a model loaded with int8_io): p for a frame of
 * fw x fh pixels in `format` with rows packed (stride fw x bytes per pixel),
 * writing the whole input, with lut filled for pixels mapped to [lo, hi] on
 * every channel; then tfg_frame_check. The generated detector, `bench` and
 * `detect --frame-path` all set the frame up here, so they agree. */
tfg_status_t tfg_frame_setup(const tfg_tensor_t *t, int32_t format, int32_t fw, int32_t fh, float lo,
                             float hi, tfg_frame_params_t *p, int8_t lut[3 * 256], tfg_diag_t *d);

#endif
