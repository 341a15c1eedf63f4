/* Camera frames into a model's int8 input, on the MCU.
 *
 * A camera delivers 8-bit grayscale, RGB888 or RGB565 (either byte order) at
 * its own size; a model wants h x w x c int8 values (c = 1 or 3) scaled and
 * quantized its own way. tfg_frame_to_input does the whole conversion in one
 * pass over the output, writing straight into the arena's input buffer (no
 * copy of the frame, no scratch), and can produce any rectangle of the input,
 * so a patched schedule that streams its input can build it tile by tile.
 *
 * Per output pixel (y, x):
 *   1. Each source pixel is unpacked to 8-bit R, G, B: RGB565's 5- and 6-bit
 *      fields are widened by bit replication (r5 -> r5 << 3 | r5 >> 2,
 *      g6 -> g6 << 2 | g6 >> 4), as camera pipelines do; gray is R = G = B.
 *      For c = 1 the pixel then becomes its BT.601 luma,
 *      (299 R + 587 G + 114 B + 500) / 1000, as the host's image reader
 *      computes it (src/data/image.h); c = 3 keeps R, G, B.
 *   2. Bilinear resampling with half-pixel centres in 1/2048 steps. Along an
 *      axis of fsize source and size output pixels, output index o samples
 *      pos = floor((2 o + 1) * fsize * 1024 / size) - 1024, clamped below at
 *      0; i0 = pos >> 11, the weight of i1 = min(i0 + 1, fsize - 1) is
 *      f = pos & 2047 (of 2048). The value is
 *      (v00 (2048 - fx)(2048 - fy) + v01 fx (2048 - fy) + v10 (2048 - fx) fy
 *       + v11 fx fy + 2^21) >> 22, an 8-bit value. This is the rule of the
 *      host's tfg_image_resize (PyTorch's bilinear, align_corners=False) in
 *      fixed point: they differ by at most one step of 8 bits (the position
 *      is off by less than 1/2048, the value by less than 1/8 before
 *      rounding).
 *   3. lut[channel][value] gives the int8 input: the model's scaling of the
 *      pixel and its input quantization folded into 256 entries per channel
 *      at compile time (src/detect/frame_prepare.h), so the MCU does no
 *      float arithmetic here.
 * The positions are stepped exactly (quotient and remainder), so a rectangle
 * costs two 64-bit divisions per axis, not one per pixel, and gives the same
 * bytes as the whole image.
 *
 * C99, no malloc, no stdio, no globals. */
#ifndef TINYFORGE_FRAME_H
#define TINYFORGE_FRAME_H

#include <stdint.h>

#include "tinyforge/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TFG_FRAME_GRAY8 = 0,     /* one byte per pixel */
    TFG_FRAME_RGB888 = 1,    /* R, G, B bytes */
    TFG_FRAME_RGB565_LE = 2, /* 16-bit rrrrrggg gggbbbbb, low byte first */
    TFG_FRAME_RGB565_BE = 3  /* the same, high byte first (as many sensors send it) */
} tfg_frame_format_t;

typedef struct {
    int32_t format;       /* tfg_frame_format_t */
    int32_t fh, fw;       /* frame size in pixels */
    int32_t frame_stride; /* bytes from one frame row to the next (>= fw x bytes per pixel) */
    int32_t h, w, c;      /* the model's input, NHWC with batch 1; c is 1 or 3 */
    const int8_t *lut;    /* [c][256]: the int8 input for each 8-bit value of each channel */
} tfg_frame_params_t;

/* Bytes per frame pixel of a format, 0 for an unknown one. */
int32_t tfg_frame_pixel_bytes(int32_t format);

/* Rows [r0, r1) and columns [c0, c1) of the model input, written at dst (the
 * input's pixel (r0, c0)) with dst_row_stride bytes from one row to the next
 * and c bytes per pixel. TFG_ERR_ARG for a null pointer, an unknown format,
 * sizes below 1, c other than 1 or 3, a frame stride too small, or a
 * rectangle outside the input; TFG_OK otherwise. */
int32_t tfg_frame_to_input(const tfg_frame_params_t *p, const uint8_t *frame, int32_t r0, int32_t r1,
                           int32_t c0, int32_t c1, int8_t *dst, int32_t dst_row_stride);

#ifdef __cplusplus
}
#endif

#endif
