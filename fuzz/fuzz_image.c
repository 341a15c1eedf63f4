/* libFuzzer harness for the image decoders (src/data/image.c): libpng and
 * libjpeg-turbo behind our error handlers (setjmp/longjmp), and our PNM
 * parser. Each input is decoded as it is; a decoded image must have a sane
 * shape, and is then converted to the other channel count and resized to 7x5
 * (both exercised on every shape the decoders produce). A refusal must say
 * why. ASan/UBSan watch for anything read or written out of bounds, LSan for
 * what a longjmp leaves behind.
 *
 * With TFG_FUZZ_IMAGE_SEEDS=DIR the harness writes its seeds there and exits
 * (scripts/fuzz.sh does this): PNGs of every colour type, 16-bit, palette and
 * interlaced; baseline and progressive JPEGs, grey and colour; PGM and PPM,
 * binary and ASCII. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "data/image.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void seed_png(const char *dir, const char *name, int w, int h, int color, int depth, int interlace)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (!f || !info || setjmp(png_jmpbuf(png))) abort();
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color, interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    const png_color pal[3] = {{1, 2, 3}, {200, 100, 0}, {9, 255, 9}};
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_PLTE(png, info, pal, 3);
    png_write_info(png, info);
    const int passes = png_set_interlace_handling(png);
    uint8_t row[4096];
    for (int pass = 0; pass < passes; pass++)
        for (int y = 0; y < h; y++) {
            for (size_t i = 0; i < sizeof row; i++)
                row[i] =
                    (uint8_t)(color == PNG_COLOR_TYPE_PALETTE ? (i + (size_t)y) % 3 : i * 7 + (size_t)y * 3);
            png_write_row(png, row);
        }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(f);
}

static void seed_jpeg(const char *dir, const char *name, int w, int h, int ch, int progressive)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f) abort();
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = (JDIMENSION)w, ci.image_height = (JDIMENSION)h, ci.input_components = ch;
    ci.in_color_space = ch == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 80, TRUE);
    if (progressive) jpeg_simple_progression(&ci);
    jpeg_start_compress(&ci, TRUE);
    uint8_t row[64 * 3];
    while (ci.next_scanline < ci.image_height) {
        for (int i = 0; i < w * ch; i++) row[i] = (uint8_t)(i * 5 + (int)ci.next_scanline * 9);
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    fclose(f);
}

static void seed_text(const char *dir, const char *name, const char *text, size_t n)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f) abort();
    fwrite(text, 1, n, f);
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *dir = getenv("TFG_FUZZ_IMAGE_SEEDS");
    if (!dir) return 0;
    seed_png(dir, "gray.png", 5, 4, PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE);
    seed_png(dir, "gray1.png", 9, 3, PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE);
    seed_png(dir, "rgb.png", 6, 5, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7);
    seed_png(dir, "rgba16.png", 4, 4, PNG_COLOR_TYPE_RGB_ALPHA, 16, PNG_INTERLACE_NONE);
    seed_png(dir, "ga.png", 3, 7, PNG_COLOR_TYPE_GA, 8, PNG_INTERLACE_NONE);
    seed_png(dir, "pal.png", 8, 2, PNG_COLOR_TYPE_PALETTE, 2, PNG_INTERLACE_NONE);
    seed_jpeg(dir, "gray.jpg", 16, 8, 1, 0);
    seed_jpeg(dir, "rgb.jpg", 17, 9, 3, 0);
    seed_jpeg(dir, "prog.jpg", 20, 12, 3, 1);
    static const char p5[] = "P5 3 2 255\n\x00\x10\x20\x30\x40\xff";
    static const char p6[] = "P6\n# c\n2 1\n65535\n\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c";
    static const char p2[] = "P2 2 2 15\n0 3\n9 15\n";
    static const char p3[] = "P3 1 2 255 1 2 3 4 5 6\n";
    seed_text(dir, "a.pgm", p5, sizeof p5 - 1);
    seed_text(dir, "b.ppm", p6, sizeof p6 - 1);
    seed_text(dir, "c.pgm", p2, sizeof p2 - 1);
    seed_text(dir, "d.ppm", p3, sizeof p3 - 1);
    exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tfg_image_t img;
    tfg_diag_t d = {{0}};
    if (tfg_image_decode(data, size, "fuzz", 0, &img, &d) == TFG_OK) {
        if (img.h < 1 || img.w < 1 || img.h > TFG_IMAGE_MAX_SIDE || img.w > TFG_IMAGE_MAX_SIDE ||
            (img.c != 1 && img.c != 3) || !img.pixels)
            __builtin_trap();
        const int other = img.c == 1 ? 3 : 1;
        const size_t px = (size_t)img.h * (size_t)img.w;
        uint8_t *conv = malloc(px * (size_t)other), small[7 * 5 * 3];
        if (!conv) __builtin_trap();
        tfg_image_channels(img.pixels, img.c, conv, other, px);
        tfg_image_resize(conv, img.h, img.w, other, small, 7, 5);
        tfg_image_resize(img.pixels, img.h, img.w, img.c, small, 5, 7);
        free(conv);
        tfg_image_free(&img);
    } else if (!d.msg[0] || img.pixels) {
        __builtin_trap(); /* a refusal must say why and leave nothing behind */
    }
    return 0;
}
