/* Images and image-folder datasets (src/data/image.c, folder.c, open.c).
 *
 *  - Decoding: PNG (grey, RGB, RGBA, grey+alpha, palette, 1-bit, 16-bit),
 *    PGM/PPM (binary, ASCII with comments, 16-bit maxval) written here are
 *    read back pixel for pixel; JPEG (lossy) within a small tolerance. The
 *    expected values are computed here from the definitions (BT.601 luma in
 *    double, round(v * 255 / maxval)), not by calling the library.
 *  - Resizing: identity, a 2x2 -> 4x4 and a 4x4 -> 2x2 case worked out by
 *    hand with PyTorch's half-pixel rule, and random sizes against a
 *    double-precision bilinear written here.
 *  - Folders: class names and labels, skipped files, the split convention
 *    (train/ test/ val/, one set otherwise, class folders that must agree),
 *    IDX folders, fashion-mnist converted to 32x32x3.
 *  - Broken inputs: each refused with a message naming the file and the
 *    problem (truncated and corrupt PNG and JPEG, wrong magic, unsupported
 *    format, text named .png, oversized headers, bad PNM, empty class folder,
 *    no class folders, a folder inside a class).
 *  - The input convention: float, int8 and uint8 inputs. */
#define _XOPEN_SOURCE 700 /* mkdtemp, mkdir, nftw (FTW_DEPTH, FTW_PHYS) */
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <jpeglib.h>
#include <png.h>

#include "data/data_internal.h"
#include "data/image.h"
#include "detect/frame_prepare.h"
#include "tfg_test.h"
#include "tinyforge/frame.h"

static char root[256];

static void path_of(char *out, size_t n, const char *rel)
{
    snprintf(out, n, "%s/%s", root, rel);
}

static void mkdirs(const char *rel)
{
    char p[512], q[512];
    path_of(p, sizeof p, rel);
    for (char *s = p + strlen(root) + 1; *s; s++)
        if (*s == '/') {
            memcpy(q, p, (size_t)(s - p)), q[s - p] = 0;
            mkdir(q, 0755);
        }
    mkdir(p, 0755);
}

static void write_bytes(const char *rel, const void *b, size_t n)
{
    char p[512];
    path_of(p, sizeof p, rel);
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        exit(1);
    }
    fwrite(b, 1, n, f);
    fclose(f);
}

static size_t read_bytes(const char *rel, uint8_t *b, size_t cap)
{
    char p[512];
    path_of(p, sizeof p, rel);
    FILE *f = fopen(p, "rb");
    if (!f) return 0;
    const size_t n = fread(b, 1, cap, f);
    fclose(f);
    return n;
}

/* A PNG of w x h with the given colour type and depth; samples are 8- or
 * 16-bit values in row order (16-bit given as uint16_t). */
static int png_interlace = PNG_INTERLACE_NONE; /* for the next write_png */

static void write_png(const char *rel, int w, int h, int color, int depth, const void *samples,
                      const png_color *palette, int n_palette)
{
    char p[512];
    path_of(p, sizeof p, rel);
    FILE *f = fopen(p, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (!f || !info || setjmp(png_jmpbuf(png))) {
        fprintf(stderr, "cannot write %s\n", p);
        exit(1);
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color, png_interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette) png_set_PLTE(png, info, palette, n_palette);
    png_write_info(png, info);
    const int ch = color == PNG_COLOR_TYPE_RGB         ? 3
                   : color == PNG_COLOR_TYPE_RGB_ALPHA ? 4
                   : color == PNG_COLOR_TYPE_GA        ? 2
                                                       : 1;
    if (depth == 16) png_set_swap(png); /* our uint16_t are little-endian */
    const size_t row = depth < 8 ? ((size_t)w * (size_t)depth + 7) / 8 : (size_t)w * ch * (depth / 8);
    const int passes = png_set_interlace_handling(png); /* Adam7 writes every row in 7 passes */
    for (int pass = 0; pass < passes; pass++)
        for (int y = 0; y < h; y++) png_write_row(png, (png_const_bytep)samples + (size_t)y * row);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(f);
}

static void write_jpeg(const char *rel, int w, int h, int ch, const uint8_t *px, int quality)
{
    char p[512];
    path_of(p, sizeof p, rel);
    FILE *f = fopen(p, "wb");
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = (JDIMENSION)w, ci.image_height = (JDIMENSION)h, ci.input_components = ch;
    ci.in_color_space = ch == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, quality, TRUE);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = (JSAMPROW)px + (size_t)ci.next_scanline * w * ch;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    fclose(f);
}

static int luma(const uint8_t *rgb)
{
    return (int)floor(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] + 0.5 + 1e-9);
}

/* Loads rel with c channels; expects h x w x c_out and, when want is not
 * NULL, exactly those pixels (tol 0) or within tol. */
static void expect_image(const char *what, const char *rel, int c, int h, int w, int c_out,
                         const uint8_t *want, int tol)
{
    char p[512];
    path_of(p, sizeof p, rel);
    tfg_image_t img;
    tfg_diag_t d = {{0}};
    tt_begin();
    const tfg_status_t st = tfg_image_load(p, c, &img, &d);
    TT_CHECK(st == TFG_OK);
    if (st == TFG_OK) {
        TT_CHECK(img.h == h && img.w == w && img.c == c_out);
        int worst = 0;
        for (int i = 0; want && tt_case_ok && i < h * w * c_out; i++) {
            const int e = abs((int)img.pixels[i] - (int)want[i]);
            if (e > worst) worst = e;
        }
        TT_CHECK(worst <= tol);
        if (!tt_case_ok)
            TT_LOG("%s: %dx%dx%d, worst error %d (tolerance %d)\n", what, img.h, img.w, img.c, worst, tol);
        tfg_image_free(&img);
    } else {
        TT_LOG("%s: %s\n", what, d.msg);
    }
    tt_end();
}

static uint8_t gray[6 * 5], rgb[6 * 5 * 3], rgba[6 * 5 * 4], ga[6 * 5 * 2], to_gray[6 * 5], to_rgb[6 * 5 * 3];

static void test_decode(void)
{
    for (int i = 0; i < 30; i++) {
        gray[i] = (uint8_t)(i * 37 + 11);
        for (int k = 0; k < 3; k++) rgb[3 * i + k] = (uint8_t)(i * 53 + k * 101 + 7);
        for (int k = 0; k < 3; k++) rgba[4 * i + k] = rgb[3 * i + k];
        rgba[4 * i + 3] = (uint8_t)(i * 9); /* alpha: dropped, not composited */
        ga[2 * i] = gray[i], ga[2 * i + 1] = (uint8_t)(255 - i);
        to_gray[i] = (uint8_t)luma(rgb + 3 * i);
        to_rgb[3 * i] = to_rgb[3 * i + 1] = to_rgb[3 * i + 2] = gray[i];
    }
    mkdirs("img");
    write_png("img/gray.png", 6, 5, PNG_COLOR_TYPE_GRAY, 8, gray, NULL, 0);
    write_png("img/rgb.png", 6, 5, PNG_COLOR_TYPE_RGB, 8, rgb, NULL, 0);
    write_png("img/rgba.png", 6, 5, PNG_COLOR_TYPE_RGB_ALPHA, 8, rgba, NULL, 0);
    write_png("img/ga.png", 6, 5, PNG_COLOR_TYPE_GA, 8, ga, NULL, 0);
    expect_image("grey PNG as it is", "img/gray.png", 0, 5, 6, 1, gray, 0);
    expect_image("grey PNG to RGB", "img/gray.png", 3, 5, 6, 3, to_rgb, 0);
    expect_image("RGB PNG", "img/rgb.png", 0, 5, 6, 3, rgb, 0);
    expect_image("RGB PNG to grey (BT.601)", "img/rgb.png", 1, 5, 6, 1, to_gray, 0);
    expect_image("RGBA PNG: alpha dropped", "img/rgba.png", 3, 5, 6, 3, rgb, 0);
    expect_image("RGBA PNG to grey", "img/rgba.png", 1, 5, 6, 1, to_gray, 0);
    expect_image("grey+alpha PNG", "img/ga.png", 0, 5, 6, 1, gray, 0);
    png_interlace = PNG_INTERLACE_ADAM7;
    write_png("img/adam7.png", 6, 5, PNG_COLOR_TYPE_RGB, 8, rgb, NULL, 0);
    png_interlace = PNG_INTERLACE_NONE;
    expect_image("interlaced (Adam7) RGB PNG", "img/adam7.png", 0, 5, 6, 3, rgb, 0);

    /* 16-bit: round(v * 255 / 65535), so 511 -> 2 (its high byte would be 1). */
    uint16_t g16[30];
    uint8_t g16_want[30];
    for (int i = 0; i < 30; i++) {
        g16[i] = (uint16_t)(i == 0 ? 511 : i == 1 ? 65535 : i * 2111 + 3);
        g16_want[i] = (uint8_t)floor(g16[i] * 255.0 / 65535.0 + 0.5);
    }
    write_png("img/g16.png", 6, 5, PNG_COLOR_TYPE_GRAY, 16, g16, NULL, 0);
    expect_image("16-bit grey PNG", "img/g16.png", 0, 5, 6, 1, g16_want, 0);
    uint16_t rgb16[90];
    uint8_t rgb16_want[90];
    for (int i = 0; i < 90; i++) {
        rgb16[i] = (uint16_t)(i * 727 + 129);
        rgb16_want[i] = (uint8_t)floor(rgb16[i] * 255.0 / 65535.0 + 0.5);
    }
    write_png("img/rgb16.png", 6, 5, PNG_COLOR_TYPE_RGB, 16, rgb16, NULL, 0);
    expect_image("16-bit RGB PNG", "img/rgb16.png", 3, 5, 6, 3, rgb16_want, 0);

    /* Palette: indices into four colours; 1-bit grey: 0 and 255. */
    const png_color pal[4] = {{10, 20, 30}, {200, 0, 50}, {0, 255, 0}, {90, 90, 91}};
    uint8_t idx[30], pal_want[90], bits[5], bits_want[8 * 5];
    for (int i = 0; i < 30; i++) {
        idx[i] = (uint8_t)(i * 7 % 4);
        pal_want[3 * i] = pal[idx[i]].red, pal_want[3 * i + 1] = pal[idx[i]].green;
        pal_want[3 * i + 2] = pal[idx[i]].blue;
    }
    write_png("img/pal.png", 6, 5, PNG_COLOR_TYPE_PALETTE, 8, idx, pal, 4);
    expect_image("palette PNG", "img/pal.png", 0, 5, 6, 3, pal_want, 0);
    for (int y = 0; y < 5; y++) {
        bits[y] = (uint8_t)(0xa5 ^ (y * 0x33));
        for (int x = 0; x < 8; x++) bits_want[y * 8 + x] = (bits[y] >> (7 - x) & 1) ? 255 : 0;
    }
    write_png("img/bits.png", 8, 5, PNG_COLOR_TYPE_GRAY, 1, bits, NULL, 0);
    expect_image("1-bit grey PNG", "img/bits.png", 0, 5, 8, 1, bits_want, 0);

    /* PNM: binary and ASCII (with comments), 8- and 16-bit. */
    uint8_t buf[512];
    int n = snprintf((char *)buf, sizeof buf, "P5\n# a comment\n6 5\n255\n");
    memcpy(buf + n, gray, 30);
    write_bytes("img/gray.pgm", buf, (size_t)n + 30);
    expect_image("PGM P5", "img/gray.pgm", 0, 5, 6, 1, gray, 0);
    n = snprintf((char *)buf, sizeof buf, "P6 6 5 255\n");
    memcpy(buf + n, rgb, 90);
    write_bytes("img/rgb.ppm", buf, (size_t)n + 90);
    expect_image("PPM P6", "img/rgb.ppm", 0, 5, 6, 3, rgb, 0);
    expect_image("PPM P6 to grey", "img/rgb.ppm", 1, 5, 6, 1, to_gray, 0);
    n = snprintf((char *)buf, sizeof buf, "P2\n6 5 # width height\n1023\n");
    uint8_t p2_want[30];
    for (int i = 0; i < 30; i++) {
        const int v = i * 35 + (i == 29 ? 8 : 0); /* up to 1023 */
        n += snprintf((char *)buf + n, sizeof buf - (size_t)n, "%d%c", v, i % 6 == 5 ? '\n' : ' ');
        p2_want[i] = (uint8_t)floor(v * 255.0 / 1023.0 + 0.5);
    }
    write_bytes("img/ascii.pgm", buf, (size_t)n);
    expect_image("PGM P2, maxval 1023", "img/ascii.pgm", 0, 5, 6, 1, p2_want, 0);
    n = snprintf((char *)buf, sizeof buf, "P3 2 1 15 15 0 7  1 2 3\n");
    const uint8_t p3_want[6] = {255, 0, 119, 17, 34, 51};
    write_bytes("img/ascii.ppm", buf, (size_t)n);
    expect_image("PPM P3, maxval 15", "img/ascii.ppm", 0, 1, 2, 3, p3_want, 0);
    n = snprintf((char *)buf, sizeof buf, "P5 3 1 65535\n");
    const uint8_t be16[6] = {0x01, 0xff, 0xff, 0xff, 0x80, 0x00}, be16_want[3] = {2, 255, 128};
    memcpy(buf + n, be16, 6);
    write_bytes("img/g16.pgm", buf, (size_t)n + 6);
    expect_image("PGM P5, 16-bit big-endian", "img/g16.pgm", 0, 1, 3, 1, be16_want, 0);

    /* JPEG is lossy: smooth images decode within a few levels at quality 95. */
    uint8_t jg[16 * 16], jc[16 * 16 * 3];
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++) {
            jg[y * 16 + x] = (uint8_t)(40 + 8 * x + 3 * y);
            jc[(y * 16 + x) * 3] = 200, jc[(y * 16 + x) * 3 + 1] = (uint8_t)(100 + 4 * y);
            jc[(y * 16 + x) * 3 + 2] = 50;
        }
    write_jpeg("img/gray.jpg", 16, 16, 1, jg, 95);
    write_jpeg("img/rgb.jpg", 16, 16, 3, jc, 95);
    expect_image("grey JPEG", "img/gray.jpg", 0, 16, 16, 1, jg, 4);
    expect_image("colour JPEG", "img/rgb.jpg", 0, 16, 16, 3, jc, 6);
    printf(
        "  decoding: PNG grey/RGB/RGBA/grey+alpha/interlaced/16-bit/palette/1-bit, PGM/PPM binary and ASCII, "
        "JPEG grey and colour\n");
}

/* Bilinear with half-pixel centres in double, written from the definition. */
static double ref_sample(const uint8_t *src, int sh, int sw, int c, int y, int x, int k, int dh, int dw)
{
    double sy = (y + 0.5) * sh / dh - 0.5, sx = (x + 0.5) * sw / dw - 0.5;
    if (sy < 0) sy = 0;
    if (sx < 0) sx = 0;
    int y0 = (int)sy, x0 = (int)sx;
    if (y0 > sh - 1) y0 = sh - 1;
    if (x0 > sw - 1) x0 = sw - 1;
    const int y1 = y0 < sh - 1 ? y0 + 1 : y0, x1 = x0 < sw - 1 ? x0 + 1 : x0;
    const double fy = sy - y0, fx = sx - x0;
#define P(yy, xx) ((double)src[((yy)*sw + (xx)) * c + k])
    return (1 - fy) * ((1 - fx) * P(y0, x0) + fx * P(y0, x1)) + fy * ((1 - fx) * P(y1, x0) + fx * P(y1, x1));
#undef P
}

static void test_resize(void)
{
    /* 2x2 -> 4x4 by hand: the output columns sample x = -0.25 (clamped to
     * 0), 0.25, 0.75, 1.25 (the last column repeats): weights (1, 0),
     * (.75, .25), (.25, .75), (0, 1); rows likewise. Halves round up. */
    const uint8_t s2[4] = {0, 100, 200, 50};
    const uint8_t want4[16] = {0, 25, 75, 100, 50, 59, 78, 88, 150, 128, 84, 63, 200, 163, 88, 50};
    uint8_t out[64];
    tt_begin();
    tfg_image_resize(s2, 2, 2, 1, out, 4, 4);
    TT_CHECK(!memcmp(out, want4, 16));
    /* 4x4 -> 2x2 samples x = 0.5 and 2.5: the mean of two neighbours each way. */
    const uint8_t s4[16] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150};
    const uint8_t want2[4] = {25, 45, 105, 125};
    tfg_image_resize(s4, 4, 4, 1, out, 2, 2);
    TT_CHECK(!memcmp(out, want2, 4));
    /* Identity, and the channel stride: an RGB 2x2 -> 4x4 is three grey ones. */
    tfg_image_resize(s4, 4, 4, 1, out, 4, 4);
    TT_CHECK(!memcmp(out, s4, 16));
    uint8_t s2c[12], o3[48];
    for (int i = 0; i < 4; i++)
        s2c[3 * i] = s2[i], s2c[3 * i + 1] = (uint8_t)(255 - s2[i]), s2c[3 * i + 2] = 7;
    tfg_image_resize(s2c, 2, 2, 3, o3, 4, 4);
    for (int i = 0; i < 16; i++) TT_CHECK(o3[3 * i] == want4[i] && o3[3 * i + 2] == 7);
    tt_end();

    /* Random sizes against the double reference: the float version within
     * 1e-3 on the 0..255 scale (its sampling coordinates are floats, as
     * PyTorch's are: a few ulp of a coordinate near 40 times 255), the uint8
     * version the reference's rounding wherever that is not within 1e-3 of a
     * half. */
    tt_rng_t rng = {12345};
    static uint8_t src[40 * 40 * 3], dst[70 * 70 * 3];
    static float srcf[40 * 40 * 3], dstf[70 * 70 * 3];
    double worst = 0;
    int ties = 0, cases = 0;
    tt_begin();
    for (int t = 0; t < 60; t++) {
        const int sh = tt_int(&rng, 1, 40), sw = tt_int(&rng, 1, 40);
        const int dh = tt_int(&rng, 1, 70), dw = tt_int(&rng, 1, 70);
        const int c = tt_int(&rng, 0, 1) ? 3 : 1;
        for (int i = 0; i < sh * sw * c; i++) src[i] = (uint8_t)tt_next(&rng), srcf[i] = src[i];
        tfg_image_resize(src, sh, sw, c, dst, dh, dw);
        tfg_image_resize_f32(srcf, sh, sw, c, dstf, dh, dw);
        for (int y = 0; y < dh; y++)
            for (int x = 0; x < dw; x++)
                for (int k = 0; k < c; k++) {
                    const double r = ref_sample(src, sh, sw, c, y, x, k, dh, dw);
                    const size_t o = ((size_t)y * dw + x) * c + k;
                    if (fabs(dstf[o] - r) > worst) worst = fabs(dstf[o] - r);
                    if (fabs(r - floor(r) - 0.5) < 1e-3) {
                        ties++;
                        TT_CHECK(abs((int)dst[o] - (int)floor(r + 0.5)) <= 1);
                    } else {
                        TT_CHECK(dst[o] == (uint8_t)floor(r + 0.5));
                    }
                }
        cases++;
    }
    TT_CHECK(worst < 1e-3);
    if (!tt_case_ok) TT_LOG("resize: worst float error %g\n", worst);
    tt_end();
    printf("  resize: 2x2->4x4 and 4x4->2x2 by hand, identity, %d random sizes against a double reference "
           "(worst %.1e, %d near-half values)\n",
           cases, worst, ties);
}

/* The camera input (runtime/frame.c) against the host's resize: through
 * identity tables (lut[v] = v - 128) its fixed-point bilinear is within one
 * step of tfg_image_resize everywhere, on gray and RGB frames of random
 * sizes; and its tables (tfg_frame_lut) against values known exactly: p / 255
 * quantized at scale 1/255, zero point -128, is p - 128, and the detector's
 * [-1, 1] at scale 0.02352, zero point -18 is round((2p / 255 - 1) / 0.02352)
 * - 18 wherever that is not within 1e-4 of a half. */
static void test_frame(void)
{
    tt_rng_t rng = {4242};
    static uint8_t src[40 * 40 * 3], want[70 * 70 * 3];
    static int8_t got[70 * 70 * 3], lut[3 * 256];
    for (int k = 0; k < 3; k++)
        for (int v = 0; v < 256; v++) lut[256 * k + v] = (int8_t)(v - 128);
    int worst = 0, off = 0, cases = 0;
    tt_begin();
    for (int t = 0; t < 200; t++) {
        const int sh = tt_int(&rng, 1, 40), sw = tt_int(&rng, 1, 40);
        const int dh = tt_int(&rng, 1, 70), dw = tt_int(&rng, 1, 70), c = tt_int(&rng, 0, 1) ? 3 : 1;
        for (int i = 0; i < sh * sw * c; i++) src[i] = (uint8_t)tt_next(&rng);
        tfg_image_resize(src, sh, sw, c, want, dh, dw);
        const tfg_frame_params_t p = {.format = c == 3 ? TFG_FRAME_RGB888 : TFG_FRAME_GRAY8,
                                      .fh = sh,
                                      .fw = sw,
                                      .frame_stride = sw * c,
                                      .h = dh,
                                      .w = dw,
                                      .c = c,
                                      .lut = lut};
        TT_CHECK(tfg_frame_to_input(&p, src, 0, dh, 0, dw, got, dw * c) == TFG_OK);
        for (int i = 0; i < dh * dw * c; i++) {
            const int d = abs(got[i] + 128 - want[i]);
            if (d > worst) worst = d;
            off += d != 0;
        }
        cases++;
    }
    TT_CHECK(worst <= 1);
    int8_t l01[256], det[256];
    tfg_diag_t d = {0};
    const float z = 0.0f, one = 1.0f, m1 = -1.0f;
    TT_CHECK(tfg_frame_lut(1, &z, &one, 1.0f / 255.0f, -128, l01, &d) == TFG_OK);
    TT_CHECK(tfg_frame_lut(1, &m1, &one, 0.02352f, -18, det, &d) == TFG_OK);
    int near_half = 0;
    for (int v = 0; v < 256; v++) {
        TT_CHECK(l01[v] == v - 128);
        const double q = (2.0 * v / 255.0 - 1.0) / (double)0.02352f;
        long want_q = lround(q) - 18;
        want_q = want_q < -128 ? -128 : want_q > 127 ? 127 : want_q;
        if (fabs(q - floor(q) - 0.5) < 1e-4) {
            near_half++;
            TT_CHECK(labs(det[v] - want_q) <= 1);
        } else {
            TT_CHECK(det[v] == want_q);
        }
    }
    TT_CHECK(tfg_frame_lut(2, &z, &one, 0.1f, 0, l01, &d) == TFG_ERR_INVALID && strstr(d.msg, "2 channels"));
    const tfg_frame_params_t bad = {.format = TFG_FRAME_RGB565_BE,
                                    .fh = 4,
                                    .fw = 10,
                                    .frame_stride = 19,
                                    .h = 2,
                                    .w = 2,
                                    .c = 3,
                                    .lut = lut};
    TT_CHECK(tfg_frame_check(&bad, &d) == TFG_ERR_INVALID && strstr(d.msg, "frame stride 19 B"));
    tt_end();
    printf("  camera input: %d random sizes, worst %d step from tfg_image_resize (%d values off by one); "
           "tables exact (%d near-half values)\n",
           cases, worst, off, near_half);
}

/* Expects tfg_image_load (c = 3) on rel to fail with st and a message that
 * names the file and contains want. */
static void expect_refused(const char *what, const char *rel, tfg_status_t st, const char *want)
{
    char p[512];
    path_of(p, sizeof p, rel);
    tfg_image_t img;
    tfg_diag_t d = {{0}};
    tt_begin();
    const tfg_status_t got = tfg_image_load(p, 3, &img, &d);
    TT_CHECK(got == st && strstr(d.msg, p) && strstr(d.msg, want));
    if (!tt_case_ok) TT_LOG("%s: status %d, '%s' (want %d, '%s')\n", what, got, d.msg, st, want);
    if (got == TFG_OK) tfg_image_free(&img);
    tt_end();
}

static uint8_t file[1 << 16], work[1 << 16];

static void test_broken(void)
{
    mkdirs("bad");
    size_t n = read_bytes("img/rgb.png", file, sizeof file);
    write_bytes("bad/trunc.png", file, n / 2);
    expect_refused("truncated PNG", "bad/trunc.png", TFG_ERR_FORMAT, "truncated or corrupt PNG");
    write_bytes("bad/no-iend.png", file, n - 12);
    expect_refused("PNG without IEND", "bad/no-iend.png", TFG_ERR_FORMAT, "truncated or corrupt PNG");
    memcpy(work, file, n);
    for (size_t i = 45; i < n - 20; i++) work[i] ^= 0x41; /* IDAT data: its CRC no longer matches */
    write_bytes("bad/corrupt.png", work, n);
    expect_refused("corrupt PNG", "bad/corrupt.png", TFG_ERR_FORMAT, "corrupt PNG");
    /* Width 0x7f000006 with IHDR's CRC (over type and data, bytes 12..28) redone. */
    memcpy(work, file, n), work[16] = 0x7f;
    const uLong crc = crc32(0, work + 12, 17);
    work[29] = (uint8_t)(crc >> 24), work[30] = (uint8_t)(crc >> 16), work[31] = (uint8_t)(crc >> 8);
    work[32] = (uint8_t)crc;
    write_bytes("bad/huge.png", work, n);
    expect_refused("PNG wider than the limit", "bad/huge.png", TFG_ERR_UNSUPPORTED,
                   "PNG image of 2130706438x5 pixels is larger than we read");

    n = read_bytes("img/rgb.jpg", file, sizeof file);
    write_bytes("bad/trunc.jpg", file, n / 2);
    expect_refused("truncated JPEG", "bad/trunc.jpg", TFG_ERR_FORMAT, "truncated or corrupt JPEG");
    memcpy(work, file, n);
    for (size_t i = n / 2; i < n / 2 + 40; i++) work[i] = 0xff;
    write_bytes("bad/corrupt.jpg", work, n);
    expect_refused("corrupt JPEG", "bad/corrupt.jpg", TFG_ERR_FORMAT, "corrupt JPEG");
    write_bytes("bad/soi.jpg", file, 3);
    expect_refused("JPEG of three bytes", "bad/soi.jpg", TFG_ERR_FORMAT, "JPEG");
    /* A baseline JPEG of 20000 x 20000: refused from its header (SOF0 holds
     * height then width after the precision byte). */
    memcpy(work, file, n);
    for (size_t i = 2; i + 9 < n; i++)
        if (work[i] == 0xff && work[i + 1] == 0xc0) {
            work[i + 5] = 0x4e, work[i + 6] = 0x20, work[i + 7] = 0x4e, work[i + 8] = 0x20;
            break;
        }
    write_bytes("bad/huge.jpg", work, n);
    expect_refused("JPEG larger than the limit", "bad/huge.jpg", TFG_ERR_UNSUPPORTED, "larger than we read");

    write_bytes("bad/text.png", "hello, not an image\n", 20);
    expect_refused("text named .png", "bad/text.png", TFG_ERR_FORMAT, "not an image");
    write_bytes("bad/empty.png", "", 0);
    expect_refused("empty file", "bad/empty.png", TFG_ERR_FORMAT, "not an image (0 bytes");
    write_bytes("bad/anim.png", "GIF89a\x01\x00\x01\x00\x00\x00\x00;", 14);
    expect_refused("GIF named .png", "bad/anim.png", TFG_ERR_UNSUPPORTED, "a GIF image");
    write_bytes("bad/pic.jpg", "BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00", 12);
    expect_refused("BMP named .jpg", "bad/pic.jpg", TFG_ERR_UNSUPPORTED, "a BMP image");
    write_bytes("bad/bits.pgm", "P4\n8 1\n\xa5", 9);
    expect_refused("PBM bitmap", "bad/bits.pgm", TFG_ERR_UNSUPPORTED, "a PBM/PAM image");

    write_bytes("bad/short.pgm", "P5 4 4 255\n0123456789", 21);
    expect_refused("truncated PGM", "bad/short.pgm", TFG_ERR_FORMAT, "truncated PGM: 10 bytes of samples");
    write_bytes("bad/maxval.pgm", "P5 1 1 0\n\x00", 10);
    expect_refused("PGM maxval 0", "bad/maxval.pgm", TFG_ERR_FORMAT, "maxval 0");
    write_bytes("bad/above.pgm", "P2 2 1 10 3 11\n", 15);
    expect_refused("PGM sample above maxval", "bad/above.pgm", TFG_ERR_FORMAT,
                   "sample 1 is 11, above maxval 10");
    write_bytes("bad/missing.ppm", "P3 2 1 255 1 2 3 4\n", 19);
    expect_refused("PPM missing samples", "bad/missing.ppm", TFG_ERR_FORMAT, "sample 4 of 6 is missing");
    write_bytes("bad/header.pgm", "P5 12", 5);
    expect_refused("PGM header cut", "bad/header.pgm", TFG_ERR_FORMAT, "corrupt PGM header");
    write_bytes("bad/huge.pgm", "P5 100000 100000 255\n", 21);
    expect_refused("PGM larger than the limit", "bad/huge.pgm", TFG_ERR_UNSUPPORTED, "larger than we read");
    expect_refused("missing file", "bad/none.png", TFG_ERR_IO, "cannot open");
    printf("  broken images: truncated/corrupt/oversized PNG and JPEG, text, GIF, BMP, PBM, 6 bad PNMs, "
           "missing file: refused, naming the file\n");
}

/* Loads spec/split at h x w x c; on success returns the dataset. */
static tfg_status_t open_ds(const char *rel, const char *split, int h, int w, int c, tfg_dataset_t *ds,
                            tfg_diag_t *d)
{
    char p[512];
    path_of(p, sizeof p, rel);
    return tfg_data_open(p, split, h, w, c, ds, d);
}

static void expect_open_error(const char *what, const char *rel, const char *split, const char *want_path,
                              const char *want)
{
    tfg_dataset_t ds;
    tfg_diag_t d = {{0}};
    char p[512];
    path_of(p, sizeof p, want_path);
    tt_begin();
    const tfg_status_t st = open_ds(rel, split, 8, 8, 1, &ds, &d);
    TT_CHECK(st < 0 && strstr(d.msg, p) && strstr(d.msg, want));
    if (!tt_case_ok) TT_LOG("%s: status %d, '%s' (want '%s' and '%s')\n", what, st, d.msg, p, want);
    if (st == TFG_OK) tfg_dataset_free(&ds);
    tt_end();
}

static void copy_file(const char *from, const char *to)
{
    const size_t n = read_bytes(from, file, sizeof file);
    write_bytes(to, file, n);
}

static void test_folders(void)
{
    /* zoo/: three classes, sorted bytewise ("Zebra" < "ant" < "bee"). */
    mkdirs("zoo/ant"), mkdirs("zoo/bee"), mkdirs("zoo/Zebra");
    copy_file("img/gray.png", "zoo/ant/1.png");
    copy_file("img/rgb.ppm", "zoo/ant/0.PPM"); /* read first: "0.PPM" < "1.png" */
    copy_file("img/rgba.png", "zoo/bee/x.png");
    copy_file("img/gray.pgm", "zoo/Zebra/z.pgm");
    copy_file("img/gray.jpg", "zoo/Zebra/j.jpeg");
    write_bytes("zoo/ant/.DS_Store", "junk", 4);
    write_bytes("zoo/bee/notes.txt", "not an image", 12);
    write_bytes("zoo/README", "top-level file", 14);
    tfg_dataset_t ds;
    tfg_diag_t d = {{0}};
    tt_begin();
    tfg_status_t st = open_ds("zoo", "test", 5, 6, 3, &ds, &d);
    TT_CHECK(st == TFG_OK);
    if (st == TFG_OK) {
        TT_CHECK(ds.n == 5 && ds.h == 5 && ds.w == 6 && ds.c == 3 && ds.classes == 3 && ds.skipped == 2);
        TT_CHECK(ds.class_names && !strcmp(ds.class_names[0], "Zebra") && !strcmp(ds.class_names[1], "ant") &&
                 !strcmp(ds.class_names[2], "bee"));
        const uint8_t want_labels[5] = {0, 0, 1, 1, 2};
        TT_CHECK(!memcmp(ds.labels, want_labels, 5));
        /* Zebra: j.jpeg (lossy), z.pgm; ant: 0.PPM, 1.png; bee: x.png (alpha dropped). */
        TT_CHECK(!memcmp(ds.images + 1 * 90, to_rgb, 90));
        TT_CHECK(!memcmp(ds.images + 2 * 90, rgb, 90));
        TT_CHECK(!memcmp(ds.images + 3 * 90, to_rgb, 90));
        TT_CHECK(!memcmp(ds.images + 4 * 90, rgb, 90));
        tfg_dataset_free(&ds);
    } else {
        TT_LOG("zoo: %s\n", d.msg);
    }
    tt_end();
    /* The first 3 images only: class by class; the classes stay the whole set's. */
    tt_begin();
    char zp[512];
    path_of(zp, sizeof zp, "zoo");
    st = tfg_data_open_n(zp, "test", 5, 6, 3, 3, &ds, &d);
    TT_CHECK(st == TFG_OK && ds.n == 3 && ds.classes == 3 && ds.labels[0] == 0 && ds.labels[2] == 1 &&
             !memcmp(ds.images + 2 * 90, rgb, 90));
    if (st == TFG_OK) tfg_dataset_free(&ds);
    st = tfg_data_open_n("fashion-mnist", "train", 32, 32, 1, 7, &ds, &d);
    TT_CHECK(st == TFG_OK && ds.n == 7 && ds.h == 32 && ds.classes == 10);
    if (st == TFG_OK) tfg_dataset_free(&ds);
    tt_end();
    /* Sizes left open take the first image's; a different size is then an error. */
    tt_begin();
    char p[512];
    path_of(p, sizeof p, "zoo");
    st = tfg_image_folder_load(p, 0, 0, 1, &ds, &d);
    TT_CHECK(st < 0 && strstr(d.msg, "zoo/Zebra/z.pgm: 5x6, but the first image is 16x16"));
    if (st == TFG_OK) tfg_dataset_free(&ds);
    tt_end();

    /* Splits: train/ and val/ (no test/), the same classes. */
    mkdirs("split/train/a"), mkdirs("split/train/b"), mkdirs("split/val/a"), mkdirs("split/val/b");
    copy_file("img/gray.png", "split/train/a/1.png"), copy_file("img/gray.png", "split/train/a/2.png");
    copy_file("img/rgb.png", "split/train/b/1.png");
    copy_file("img/rgb.png", "split/val/a/1.png"), copy_file("img/gray.pgm", "split/val/b/1.pgm");
    tt_begin();
    st = open_ds("split", "train", 10, 12, 1, &ds, &d);
    TT_CHECK(st == TFG_OK && ds.n == 3 && ds.classes == 2 && ds.h == 10 && ds.w == 12 && ds.labels[2] == 1);
    if (st == TFG_OK) tfg_dataset_free(&ds);
    st = open_ds("split", "test", 5, 6, 1, &ds, &d);
    TT_CHECK(st == TFG_OK && ds.n == 2 && !memcmp(ds.images, to_gray, 30) &&
             !memcmp(ds.images + 30, gray, 30));
    if (st == TFG_OK)
        tfg_dataset_free(&ds);
    else
        TT_LOG("split: %s\n", d.msg);
    /* A folder without train/test/val is one set for either split. */
    st = open_ds("zoo", "train", 5, 6, 1, &ds, &d);
    TT_CHECK(st == TFG_OK && ds.n == 5);
    if (st == TFG_OK) tfg_dataset_free(&ds);
    tt_end();
    mkdirs("split/val/c");
    copy_file("img/rgb.png", "split/val/c/1.png");
    expect_open_error("splits with different classes", "split", "test", "split/train",
                      "different class folders (only the second has 'c')");
    mkdirs("half/train/a");
    copy_file("img/rgb.png", "half/train/a/1.png");
    expect_open_error("no test split", "half", "test", "half", "no test/ or val/ folder for the test split");

    /* IDX folders: raw train files, gzip-less t10k missing its labels. */
    mkdirs("idx");
    uint8_t im[16 + 3 * 2 * 2] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2};
    uint8_t lb[8 + 3] = {0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 1};
    for (int i = 0; i < 12; i++) im[16 + i] = (uint8_t)(i * 20);
    write_bytes("idx/train-images-idx3-ubyte", im, sizeof im);
    write_bytes("idx/train-labels-idx1-ubyte", lb, sizeof lb);
    write_bytes("idx/t10k-images-idx3-ubyte", im, sizeof im);
    tt_begin();
    st = open_ds("idx", "train", 4, 4, 3, &ds, &d);
    TT_CHECK(st == TFG_OK && ds.n == 3 && ds.h == 4 && ds.c == 3 && ds.classes == 3 && ds.labels[0] == 2 &&
             ds.class_names && !strcmp(ds.class_names[2], "2"));
    /* Image 1 is [[80, 100], [120, 140]]: its top-left output is the source's. */
    TT_CHECK(st != TFG_OK || (ds.images[4 * 4 * 3] == 80 && ds.images[4 * 4 * 3 + 2] == 80));
    if (st == TFG_OK)
        tfg_dataset_free(&ds);
    else
        TT_LOG("idx: %s\n", d.msg);
    tt_end();
    expect_open_error("IDX without labels", "idx", "test", "idx", "no t10k-labels-idx1-ubyte[.gz]");

    /* Broken folders. */
    mkdirs("empty/a"), mkdirs("empty/b");
    copy_file("img/gray.png", "empty/a/1.png");
    write_bytes("empty/b/readme.txt", "x", 1);
    expect_open_error("empty class folder", "empty", "test", "empty/b", "empty class folder 'b'");
    mkdirs("flat");
    copy_file("img/gray.png", "flat/1.png");
    expect_open_error("no class folders", "flat", "test", "flat", "no class folders");
    mkdirs("nest/a/deeper");
    copy_file("img/gray.png", "nest/a/1.png");
    expect_open_error("folder inside a class", "nest", "test", "nest/a/deeper",
                      "a folder inside class folder 'a'");
    mkdirs("badimg/a");
    write_bytes("badimg/a/1.png", "text", 4);
    expect_open_error("not an image named .png", "badimg", "test", "badimg/a/1.png", "not an image");
    mkdirs("trunc/a");
    copy_file("bad/trunc.jpg", "trunc/a/1.jpg");
    expect_open_error("truncated JPEG in a folder", "trunc", "test", "trunc/a/1.jpg",
                      "truncated or corrupt JPEG");
    expect_open_error("no such folder", "nowhere", "test", "nowhere", "no such folder");
    expect_open_error("a file as spec", "img/gray.png", "test", "img/gray.png",
                      "a file, not a dataset folder");
    tt_begin();
    st = open_ds("zoo", "validation", 8, 8, 1, &ds, &d);
    TT_CHECK(st == TFG_ERR_ARG && strstr(d.msg, "'validation' is not a split"));
    st = open_ds("zoo", "test", 8, 8, 2, &ds, &d);
    TT_CHECK(st == TFG_ERR_ARG);
    tt_end();
    printf(
        "  folders: classes sorted bytewise, labels, skipped files, train/val splits, one-set folders, IDX "
        "folders, 10 broken forms refused naming the path\n");
}

static void test_fashion_mnist_converted(void)
{
    tfg_dataset_t ds, raw;
    tfg_diag_t d = {{0}};
    tt_begin();
    tfg_status_t st = tfg_data_open("fashion-mnist", "test", 32, 32, 3, &ds, &d);
    if (st < 0) TT_LOG("%s\n", d.msg);
    TT_CHECK(st == TFG_OK);
    if (st == TFG_OK && tfg_fashion_mnist_load(NULL, "test", &raw, &d) == TFG_OK) {
        TT_CHECK(ds.n == 10000 && ds.h == 32 && ds.w == 32 && ds.c == 3 && ds.classes == 10);
        TT_CHECK(!strcmp(ds.class_names[0], "T-shirt/top") && !strcmp(ds.class_names[9], "Ankle boot") &&
                 !strcmp(raw.class_names[6], "Shirt"));
        TT_CHECK(!memcmp(ds.labels, raw.labels, 10000));
        /* Grey replicated; every converted pixel is the double reference's rounding (or a near-half
         * neighbour). */
        int off = 0;
        for (int i = 0; i < 50; i++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++) {
                    const uint8_t *px = ds.images + (((size_t)i * 32 + y) * 32 + x) * 3;
                    const double r = ref_sample(raw.images + (size_t)i * 784, 28, 28, 1, y, x, 0, 32, 32);
                    off += abs((int)px[0] - (int)floor(r + 0.5)) > (fabs(r - floor(r) - 0.5) < 1e-3);
                    off += px[0] != px[1] || px[1] != px[2];
                }
        TT_CHECK(off == 0);
        tfg_dataset_free(&raw);
    }
    if (st == TFG_OK) tfg_dataset_free(&ds);
    tt_end();
    printf("  fashion-mnist -> 32x32x3: 10,000 images, names, grey replicated, resize = the reference\n");
}

static void test_input_convention(void)
{
    uint8_t px[256], out[256 * 4];
    for (int i = 0; i < 256; i++) px[i] = (uint8_t)i;
    tfg_tensor_t t;
    memset(&t, 0, sizeof t);
    float scale = 1.0f / 255.0f;
    int32_t zp = -128;
    t.name = "input", t.n_q = 1, t.scale = &scale, t.zero_point = &zp;
    tfg_diag_t d = {{0}};
    tt_begin();
    /* TFLite's usual image quantization: s = 1/255, z = -128 gives p - 128. */
    t.dtype = TFG_DT_INT8;
    TT_CHECK(tfg_data_to_input(px, 256, &t, out, &d) == TFG_OK);
    for (int i = 0; i < 256; i++) TT_CHECK((int8_t)out[i] == i - 128);
    /* uint8 with s = 1/255, z = 0 is the pixel itself. */
    t.dtype = TFG_DT_UINT8, zp = 0;
    TT_CHECK(tfg_data_to_input(px, 256, &t, out, &d) == TFG_OK);
    for (int i = 0; i < 256; i++) TT_CHECK(out[i] == i);
    /* Clamping: s = 1/510 doubles, so int8 z = 0 saturates at 127 from p = 64. */
    t.dtype = TFG_DT_INT8, scale = 1.0f / 510.0f, zp = 0;
    TT_CHECK(tfg_data_to_input(px, 256, &t, out, &d) == TFG_OK);
    for (int i = 0; i < 256; i++) TT_CHECK((int8_t)out[i] == (i < 64 ? 2 * i : 127));
    /* Half away from zero: s = 2/255 halves, so an odd p lands on k + 0.5
     * (up to float rounding; the reference rounds (float)p/255/s as TFLite). */
    scale = 2.0f / 255.0f, zp = -3;
    TT_CHECK(tfg_data_to_input(px, 256, &t, out, &d) == TFG_OK);
    for (int i = 0; i < 256; i++) {
        const int q = (int)roundf(((float)i / 255.0f) / scale) - 3;
        TT_CHECK((int8_t)out[i] == (q > 127 ? 127 : q));
        if (i % 2 == 0) TT_CHECK((int8_t)out[i] == i / 2 - 3);
    }
    /* float: p / 255. */
    t.dtype = TFG_DT_FLOAT32;
    TT_CHECK(tfg_data_to_input(px, 256, &t, out, &d) == TFG_OK);
    for (int i = 0; i < 256; i++) {
        float f;
        memcpy(&f, out + 4 * i, 4);
        TT_CHECK(f == (float)i / 255.0f);
    }
    t.dtype = TFG_DT_INT16;
    TT_CHECK(tfg_data_to_input(px, 4, &t, out, &d) == TFG_ERR_UNSUPPORTED &&
             strstr(d.msg, "'input' is int16"));
    t.dtype = TFG_DT_INT8, t.n_q = 0;
    TT_CHECK(tfg_data_to_input(px, 4, &t, out, &d) == TFG_ERR_UNSUPPORTED &&
             strstr(d.msg, "one positive scale"));
    tt_end();
    printf("  input convention: int8 (s 1/255, z -128) = p - 128, uint8 = p, clamping, half away from zero, "
           "float "
           "p/255\n");
}

/* The PNG writer: gray and RGB images with every byte value, written and read
 * back byte for byte; the range form of the input convention; refusals. */
static void test_png_writer(void)
{
    tfg_diag_t d = {{0}};
    char path[600];
    tt_begin();
    for (int c = 1; c <= 3; c += 2) {
        const int32_t h = 37, w = 53; /* odd sizes: no row padding assumed */
        tfg_image_t img = {h, w, c, malloc((size_t)h * w * c)}, back = {0};
        for (size_t i = 0; i < (size_t)h * w * c; i++) img.pixels[i] = (uint8_t)(i * 7 + i / 255);
        snprintf(path, sizeof path, "%s/written%d.png", root, c);
        TT_CHECK(tfg_image_save_png(path, &img, &d) == TFG_OK);
        TT_CHECK(tfg_image_load(path, 0, &back, &d) == TFG_OK);
        TT_CHECK(back.h == h && back.w == w && back.c == c &&
                 !memcmp(back.pixels, img.pixels, (size_t)h * w * c));
        tfg_image_free(&back);
        tfg_image_free(&img);
    }
    tfg_image_t img = {2, 2, 3, (uint8_t[12]){0}};
    snprintf(path, sizeof path, "%s/no/such/dir/x.png", root);
    TT_CHECK(tfg_image_save_png(path, &img, &d) == TFG_ERR_IO && strstr(d.msg, "cannot write") &&
             strstr(d.msg, "x.png"));
    img.c = 2;
    TT_CHECK(tfg_image_save_png(path, &img, &d) == TFG_ERR_ARG);
    /* [-1, 1]: p / 127.5 - 1 exactly (the detector's convention); [0, 1] is tfg_data_to_input. */
    uint8_t px[256];
    float out[256];
    for (int i = 0; i < 256; i++) px[i] = (uint8_t)i;
    tfg_tensor_t t;
    memset(&t, 0, sizeof t);
    t.dtype = TFG_DT_FLOAT32;
    TT_CHECK(tfg_data_to_input_range(px, 256, &t, -1.0f, 1.0f, (uint8_t *)out, &d) == TFG_OK);
    for (int i = 0; i < 256; i++) TT_CHECK(out[i] == (float)i / 127.5f - 1.0f);
    tt_end();
    printf("  PNG writer: gray and RGB round trip byte for byte, unwritable path refused; range [-1, 1]\n");
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

/* test_images --resize SH SW C DH DW: reads SH*SW*C floats (values in
 * [0, 1]) on stdin, writes tfg_image_resize_f32's DH*DW*C floats, then
 * tfg_image_resize's bytes for the pixels round(255 v), on stdout
 * (tests/resize_torch.py compares them with PyTorch). */
static int resize_filter(char **argv)
{
    const int sh = atoi(argv[2]), sw = atoi(argv[3]), c = atoi(argv[4]), dh = atoi(argv[5]),
              dw = atoi(argv[6]);
    if (sh < 1 || sw < 1 || (c != 1 && c != 3) || dh < 1 || dw < 1 || sh * sw > 1 << 20 || dh * dw > 1 << 20)
        return 2;
    const size_t ns = (size_t)sh * sw * c, nd = (size_t)dh * dw * c;
    float *s = malloc(ns * 4), *d = malloc(nd * 4);
    uint8_t *su = malloc(ns), *du = malloc(nd);
    if (!s || !d || !su || !du || fread(s, 4, ns, stdin) != ns) return 1;
    for (size_t i = 0; i < ns; i++) su[i] = (uint8_t)floor(s[i] * 255.0 + 0.5);
    tfg_image_resize_f32(s, sh, sw, c, d, dh, dw);
    tfg_image_resize(su, sh, sw, c, du, dh, dw);
    const int ok = fwrite(d, 4, nd, stdout) == nd && fwrite(du, 1, nd, stdout) == nd;
    free(s), free(d), free(su), free(du);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 7 && !strcmp(argv[1], "--resize")) return resize_filter(argv);
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/tfg-images.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        perror(root);
        return 1;
    }
    printf("images and image folders (in %s):\n", root);
    test_decode();
    test_resize();
    test_frame();
    test_broken();
    test_folders();
    test_fashion_mnist_converted();
    test_input_convention();
    test_png_writer();
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return tt_summary();
}
