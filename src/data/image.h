/* Single images: decoding PNG, JPEG and PGM/PPM into uint8 HWC pixels,
 * channel conversion and bilinear resizing.
 *
 * Decoders: Debian's libpng and libjpeg-turbo (see image.c for why not
 * stb_image), and our own PNM parser. The format is recognised by its magic
 * bytes, never by the file name. Every input is hostile: a truncated or
 * corrupt file, an unsupported format or an image larger than
 * TFG_IMAGE_MAX_SIDE / TFG_IMAGE_MAX_PIXELS is refused with a message naming
 * the file and the problem; the decoders never print and never exit (their
 * error handlers longjmp back to us). fuzz/fuzz_image.c fuzzes
 * tfg_image_decode.
 *
 * Channels: the decoded image has 1 (gray) or 3 (RGB) channels. Gray to RGB
 * replicates the value; RGB to gray is the ITU-R BT.601 luma
 * round(0.299 R + 0.587 G + 0.114 B) computed exactly in integers; alpha is
 * dropped (not composited); a palette is expanded to RGB; 16-bit samples
 * become round(v * 255 / 65535) and PNM samples round(v * 255 / maxval). */
#ifndef TFG_DATA_IMAGE_H
#define TFG_DATA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"

/* Images larger than this are refused before their pixels are allocated:
 * a side of 16384 and 2^26 pixels (an 8K photo is 2^25) bound a hostile
 * header's allocation to 256 MB at the decoders' 4 bytes a pixel. */
#define TFG_IMAGE_MAX_SIDE 16384
#define TFG_IMAGE_MAX_PIXELS ((int64_t)1 << 26)

typedef struct tfg_image_s {
    int32_t h, w, c; /* c is 1 or 3 */
    uint8_t *pixels; /* [h][w][c] */
} tfg_image_t;

/* Decodes bytes in memory (name is for messages). c: 1 or 3 to convert to
 * that many channels, 0 to keep the file's (1 for gray, 3 for colour). */
tfg_status_t tfg_image_decode(const uint8_t *bytes, size_t len, const char *name, int32_t c, tfg_image_t *img,
                              tfg_diag_t *d);
/* The same from a file. */
tfg_status_t tfg_image_load(const char *path, int32_t c, tfg_image_t *img, tfg_diag_t *d);
void tfg_image_free(tfg_image_t *img);
/* Writes img (1 or 3 channels, 8 bits) as a PNG file; a failed write
 * removes the partial file and names the path and the reason. */
tfg_status_t tfg_image_save_png(const char *path, const tfg_image_t *img, tfg_diag_t *d);

/* The name of the image format the bytes start with ("PNG", "JPEG",
 * "PNM"), of a known format we do not read ("GIF", "BMP", "WebP", "TIFF"),
 * or NULL. *readable says which. */
const char *tfg_image_format(const uint8_t *bytes, size_t len, int *readable);

/* Channel conversion of n pixels from sc to dc channels (each 1 or 3; src
 * and dst must not overlap). */
void tfg_image_channels(const uint8_t *src, int32_t sc, uint8_t *dst, int32_t dc, size_t n);

/* Bilinear resize of an sh x sw x c image to dh x dw x c with half-pixel
 * centres, as PyTorch's F.interpolate(mode="bilinear", align_corners=False,
 * antialias=False): output pixel x samples the source at
 * (x + 0.5) * sw / dw - 0.5, clamped below at 0; its left neighbour is the
 * integer part, the right one the next column (the last column repeats), and
 * the weights are the fractional part and its complement; rows likewise.
 * Shrinking therefore samples rather than averages. The float version
 * keeps the result (the trainer's path, as PyTorch resizes p / 255 in
 * float); it agrees with PyTorch 1.13 to float rounding (a few ulp: its CPU
 * kernels' operation order and FMA use vary with the build and the CPU).
 * The uint8 version rounds each result to the nearest integer (half up), so
 * it may differ by one level from rounding PyTorch's result where that lies
 * within float rounding of a half. Both are deterministic across machines.
 * Equal sizes copy. dst must not overlap src. */
void tfg_image_resize(const uint8_t *src, int32_t sh, int32_t sw, int32_t c, uint8_t *dst, int32_t dh,
                      int32_t dw);
void tfg_image_resize_f32(const float *src, int32_t sh, int32_t sw, int32_t c, float *dst, int32_t dh,
                          int32_t dw);

#endif
