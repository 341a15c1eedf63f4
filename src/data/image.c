/* Image decoding, channel conversion and resizing; see image.h.
 *
 * Why libpng and libjpeg-turbo rather than stb_image (also packaged, as
 * libstb-dev): they are the reference decoders that Debian's security team
 * patches (stb_image has a long list of open CVEs and asks not to be used on
 * untrusted files), libpng checks every chunk's CRC and reports truncation,
 * and libjpeg-turbo is the decoder PIL uses, so a JPEG gives the pixels a
 * Python training script sees (stb_image's IDCT and chroma upsampling differ
 * by a few levels). Both report errors through callbacks that longjmp back
 * here; neither is allowed to print (the library never prints) or exit.
 *
 * What counts as an error: anything either library reports as an error, and
 * every libjpeg warning (a warning there means corrupt or truncated data
 * that it would paper over with grey). libpng warnings (an ancillary chunk
 * with a bad CRC, say) do not affect the pixels and are ignored.
 *
 * PNM is parsed here: P5/P6 (binary) and P2/P3 (ASCII), maxval 1..65535,
 * 16-bit samples big-endian. Trailing bytes after the first image are
 * ignored (a PNM file may hold several images). */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE and size_t */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "data/image.h"
#include "tinyforge/kernels.h"

/* Image files larger than this are refused before reading (a 2^26-pixel
 * PPM is 192 MB). */
#define MAX_FILE_BYTES ((size_t)256 << 20)

/* More progressive scans than this is a hostile JPEG (each scan re-reads the
 * whole coefficient buffer; libjpeg-turbo's own fuzzers stop at 500). */
#define MAX_JPEG_SCANS 500

void tfg_image_free(tfg_image_t *img)
{
    free(img->pixels);
    memset(img, 0, sizeof *img);
}

const char *tfg_image_format(const uint8_t *b, size_t n, int *readable)
{
    static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    *readable = 1;
    if (n >= 8 && !memcmp(b, png_magic, 8)) return "PNG";
    if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) return "JPEG";
    if (n >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7' &&
        (b[2] == ' ' || b[2] == '\t' || b[2] == '\n' || b[2] == '\r' || b[2] == '#'))
        return b[1] == '2' || b[1] == '3' || b[1] == '5' || b[1] == '6' ? "PNM" : (*readable = 0, "PBM/PAM");
    *readable = 0;
    if (n >= 4 && !memcmp(b, "GIF8", 4)) return "GIF";
    if (n >= 2 && b[0] == 'B' && b[1] == 'M') return "BMP";
    if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4)) return "WebP";
    if (n >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4))) return "TIFF";
    return NULL;
}

static tfg_status_t check_size(const char *name, const char *fmt, uint64_t w, uint64_t h, tfg_diag_t *d)
{
    if (w == 0 || h == 0)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: %s image of %llux%llu pixels", name, fmt,
                            (unsigned long long)w, (unsigned long long)h);
    if (w > TFG_IMAGE_MAX_SIDE || h > TFG_IMAGE_MAX_SIDE || w * h > (uint64_t)TFG_IMAGE_MAX_PIXELS)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                            "%s: %s image of %llux%llu pixels is larger than we read (a side of at most %d, "
                            "at most %lld pixels)",
                            name, fmt, (unsigned long long)w, (unsigned long long)h, TFG_IMAGE_MAX_SIDE,
                            (long long)TFG_IMAGE_MAX_PIXELS);
    return TFG_OK;
}

void tfg_image_channels(const uint8_t *src, int32_t sc, uint8_t *dst, int32_t dc, size_t n)
{
    if (sc == dc) {
        memcpy(dst, src, n * (size_t)sc);
    } else if (sc == 1) {
        for (size_t i = 0; i < n; i++) dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = src[i];
    } else {
        /* BT.601 luma in integers: 299 + 587 + 114 = 1000, so the sum is at
         * most 255000 and + 500 rounds half up exactly. */
        for (size_t i = 0; i < n; i++)
            dst[i] =
                (uint8_t)((299u * src[3 * i] + 587u * src[3 * i + 1] + 114u * src[3 * i + 2] + 500u) / 1000u);
    }
}

/* Replaces img's pixels (img->c channels) by c channels (0: keep). */
static tfg_status_t to_channels(tfg_image_t *img, int32_t c, const char *name, tfg_diag_t *d)
{
    if (c == 0 || c == img->c) return TFG_OK;
    const size_t n = (size_t)img->h * (size_t)img->w;
    uint8_t *p = malloc(n * (size_t)c);
    if (!p) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    tfg_image_channels(img->pixels, img->c, p, c, n);
    free(img->pixels);
    img->pixels = p, img->c = c;
    return TFG_OK;
}

/* ---- PNG ---------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t n, at;
    char msg[200];
    uint8_t *pixels; /* owned until returned; freed after a longjmp */
    png_bytep *rows;
} png_ctx_t;

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_ctx_t *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png, (void)msg; /* ancillary problems; the pixels are unaffected */
}

static void png_read_mem(png_structp png, png_bytep out, png_size_t n)
{
    png_ctx_t *c = png_get_io_ptr(png);
    if (n > c->n - c->at) png_error(png, "the file ends early (truncated)");
    memcpy(out, c->p + c->at, n);
    c->at += n;
}

static tfg_status_t decode_png(const uint8_t *bytes, size_t len, const char *name, tfg_image_t *img,
                               tfg_diag_t *d)
{
    png_ctx_t ctx = {.p = bytes, .n = len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    }
    /* Written only after setjmp returns 0; read after a longjmp: volatile. */
    volatile tfg_status_t st = TFG_ERR_FORMAT;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(ctx.pixels);
        free(ctx.rows);
        if (st == TFG_ERR_FORMAT)
            return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: truncated or corrupt PNG (%s)", name, ctx.msg);
        return st; /* message already set */
    }
    png_set_read_fn(png, &ctx, png_read_mem);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* The fuzzer cannot forge CRCs: let mutated chunks through to the decoder. */
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#endif
    /* libpng's own limit (a million pixels a side) would refuse first, as a
     * corrupt file; lift it so that check_size refuses, saying why. */
    png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu);
    png_read_info(png, info);
    png_uint_32 w, h;
    int depth, color, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, NULL, NULL);
    if (check_size(name, "PNG", w, h, d) < 0) {
        st = TFG_ERR_UNSUPPORTED;
        png_longjmp(png, 1);
    }
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_scale_16(png); /* round(v * 255 / 65535), not the high byte */
    if (color & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    /* A tRNS chunk is left alone: without png_set_tRNS_to_alpha it adds no channel. */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    const int ch = png_get_channels(png, info);
    if ((ch != 1 && ch != 3) || png_get_rowbytes(png, info) != (size_t)w * (size_t)ch) {
        snprintf(ctx.msg, sizeof ctx.msg, "unexpected layout after conversion: %d channels", ch);
        png_longjmp(png, 1);
    }
    ctx.pixels = malloc((size_t)w * h * (size_t)ch);
    ctx.rows = malloc(sizeof *ctx.rows * h);
    if (!ctx.pixels || !ctx.rows) {
        st = tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory for a %ux%u image", name, (unsigned)w,
                          (unsigned)h);
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < h; y++) ctx.rows[y] = ctx.pixels + (size_t)y * w * (size_t)ch;
    png_read_image(png, ctx.rows);
    png_read_end(png, NULL); /* the rest of the file: a missing IEND is truncation */
    png_destroy_read_struct(&png, &info, NULL);
    free(ctx.rows);
    img->h = (int32_t)h, img->w = (int32_t)w, img->c = ch, img->pixels = ctx.pixels;
    return TFG_OK;
}

/* ---- JPEG --------------------------------------------------------------- */

typedef struct {
    struct jpeg_error_mgr pub; /* first: libjpeg casts cinfo->err to it */
    struct jpeg_progress_mgr progress;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
    uint8_t *pixels;
} jpeg_ctx_t;

static void jpeg_on_error(j_common_ptr ci)
{
    jpeg_ctx_t *c = (jpeg_ctx_t *)ci->err;
    ci->err->format_message(ci, c->msg);
    longjmp(c->jb, 1);
}

/* Level -1 is a warning (corrupt data libjpeg would decode as grey): an
 * error for us. Trace messages (level >= 0) are dropped. */
static void jpeg_on_message(j_common_ptr ci, int level)
{
    if (level < 0) jpeg_on_error(ci);
}

static void jpeg_on_output(j_common_ptr ci)
{
    (void)ci; /* never print */
}

static void jpeg_on_progress(j_common_ptr ci)
{
    if (ci->is_decompressor && ((j_decompress_ptr)ci)->input_scan_number > MAX_JPEG_SCANS) {
        jpeg_ctx_t *c = (jpeg_ctx_t *)ci->err;
        snprintf(c->msg, sizeof c->msg, "more than %d progressive scans", MAX_JPEG_SCANS);
        longjmp(c->jb, 1);
    }
}

static tfg_status_t decode_jpeg(const uint8_t *bytes, size_t len, const char *name, tfg_image_t *img,
                                tfg_diag_t *d)
{
    struct jpeg_decompress_struct ci;
    jpeg_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ci.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = jpeg_on_error;
    ctx.pub.emit_message = jpeg_on_message;
    ctx.pub.output_message = jpeg_on_output;
    ctx.progress.progress_monitor = jpeg_on_progress;
    /* jpeg_mem_src takes an unsigned long length. */
    const unsigned long src_len = (unsigned long)(len > MAX_FILE_BYTES ? MAX_FILE_BYTES : len);
    volatile tfg_status_t st = TFG_ERR_FORMAT;
    if (setjmp(ctx.jb)) {
        jpeg_destroy_decompress(&ci);
        free(ctx.pixels);
        if (st == TFG_ERR_FORMAT)
            return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: truncated or corrupt JPEG (%s)", name, ctx.msg);
        return st;
    }
    jpeg_create_decompress(&ci);
    ci.progress = &ctx.progress;
    jpeg_mem_src(&ci, bytes, src_len);
    jpeg_read_header(&ci, TRUE);
    if (check_size(name, "JPEG", ci.image_width, ci.image_height, d) < 0) {
        st = TFG_ERR_UNSUPPORTED;
        longjmp(ctx.jb, 1);
    }
    if (ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK) {
        st = tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: a CMYK JPEG; only grey and colour (YCbCr, RGB) JPEGs",
                          name);
        longjmp(ctx.jb, 1);
    }
    /* Colour always decodes to RGB, and grey conversion is ours (BT.601
     * on the decoded RGB), the same for every format. */
    ci.out_color_space = ci.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&ci);
    const int ch = ci.output_components;
    if (ch != 1 && ch != 3) {
        snprintf(ctx.msg, sizeof ctx.msg, "%d output components", ch);
        longjmp(ctx.jb, 1);
    }
    const size_t stride = (size_t)ci.output_width * (size_t)ch;
    ctx.pixels = malloc(stride * ci.output_height);
    if (!ctx.pixels) {
        st = tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
        longjmp(ctx.jb, 1);
    }
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = ctx.pixels + stride * ci.output_scanline;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    img->h = (int32_t)ci.output_height, img->w = (int32_t)ci.output_width, img->c = ch;
    img->pixels = ctx.pixels;
    jpeg_destroy_decompress(&ci);
    return TFG_OK;
}

/* ---- PNM ---------------------------------------------------------------- */

static int pnm_space(uint8_t b)
{
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f';
}

/* The next decimal number, skipping whitespace and # comments; -1 when
 * there is none (or it exceeds 2^31 - 1). */
static int64_t pnm_number(const uint8_t *p, size_t n, size_t *at)
{
    for (;;) {
        while (*at < n && pnm_space(p[*at])) (*at)++;
        if (*at < n && p[*at] == '#') {
            while (*at < n && p[*at] != '\n' && p[*at] != '\r') (*at)++;
            continue;
        }
        break;
    }
    if (*at >= n || p[*at] < '0' || p[*at] > '9') return -1;
    int64_t v = 0;
    while (*at < n && p[*at] >= '0' && p[*at] <= '9') {
        v = v * 10 + (p[(*at)++] - '0');
        if (v > INT32_MAX) return -1;
    }
    return v;
}

static tfg_status_t decode_pnm(const uint8_t *p, size_t n, const char *name, tfg_image_t *img, tfg_diag_t *d)
{
    const int kind = p[1] - '0', binary = kind >= 5, ch = kind == 3 || kind == 6 ? 3 : 1;
    const char *what = ch == 3 ? "PPM" : "PGM";
    size_t at = 2;
    const int64_t w = pnm_number(p, n, &at), h = pnm_number(p, n, &at), maxval = pnm_number(p, n, &at);
    if (w < 0 || h < 0 || maxval < 0)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: truncated or corrupt %s header (width, height, maxval)",
                            name, what);
    if (maxval < 1 || maxval > 65535)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: %s maxval %lld; it must be 1..65535", name, what,
                            (long long)maxval);
    tfg_status_t st = check_size(name, what, (uint64_t)w, (uint64_t)h, d);
    if (st < 0) return st;
    const size_t count = (size_t)w * (size_t)h * (size_t)ch, bps = maxval > 255 ? 2 : 1;
    if (binary) {
        /* Exactly one whitespace byte separates maxval from the samples. */
        if (at >= n || !pnm_space(p[at]))
            return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: %s header does not end in whitespace", name, what);
        at++;
        if (n - at < count * bps)
            return tfg_diag_set(d, TFG_ERR_FORMAT,
                                "%s: truncated %s: %zu bytes of samples, %zux%zu needs %zu", name, what,
                                n - at, (size_t)w, (size_t)h, count * bps);
    }
    img->pixels = malloc(count);
    if (!img->pixels) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    const uint32_t mv = (uint32_t)maxval;
    for (size_t i = 0; i < count; i++) {
        int64_t v;
        if (binary) {
            v = bps == 2 ? (int64_t)p[at] << 8 | p[at + 1] : p[at];
            at += bps;
        } else if ((v = pnm_number(p, n, &at)) < 0) {
            tfg_image_free(img);
            return tfg_diag_set(d, TFG_ERR_FORMAT,
                                "%s: truncated or corrupt %s: sample %zu of %zu is missing", name, what, i,
                                count);
        }
        if (v > (int64_t)mv) {
            tfg_image_free(img);
            return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: %s sample %zu is %lld, above maxval %u", name, what,
                                i, (long long)v, mv);
        }
        /* round(v * 255 / maxval), half up, in integers. */
        img->pixels[i] = (uint8_t)(((uint32_t)v * 510u + mv) / (2u * mv));
    }
    img->h = (int32_t)h, img->w = (int32_t)w, img->c = ch;
    return TFG_OK;
}

/* ---- entry points ------------------------------------------------------- */

tfg_status_t tfg_image_decode(const uint8_t *bytes, size_t len, const char *name, int32_t c, tfg_image_t *img,
                              tfg_diag_t *d)
{
    memset(img, 0, sizeof *img);
    if (c != 0 && c != 1 && c != 3)
        return tfg_diag_set(d, TFG_ERR_ARG, "%s: %d channels asked; images convert to 1 (grey) or 3 (RGB)",
                            name, c);
    int readable;
    const char *fmt = tfg_image_format(bytes, len, &readable);
    if (!fmt)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: not an image (%zu bytes; PNG, JPEG, PGM or PPM expected)",
                            name, len);
    if (!readable)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: a %s image; only PNG, JPEG, PGM and PPM are read",
                            name, fmt);
    tfg_status_t st;
    if (!strcmp(fmt, "PNG"))
        st = decode_png(bytes, len, name, img, d);
    else if (!strcmp(fmt, "JPEG"))
        st = decode_jpeg(bytes, len, name, img, d);
    else
        st = decode_pnm(bytes, len, name, img, d);
    if (st == TFG_OK) st = to_channels(img, c, name, d);
    if (st < 0) tfg_image_free(img);
    return st;
}

tfg_status_t tfg_image_load(const char *path, int32_t c, tfg_image_t *img, tfg_diag_t *d)
{
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (!f) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot read (not a regular file?)", path);
    }
    if ((unsigned long)size > MAX_FILE_BYTES) {
        fclose(f);
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: %ld bytes, more than the %zu we read for an image",
                            path, size, MAX_FILE_BYTES);
    }
    uint8_t *buf = malloc(size ? (size_t)size : 1);
    if (!buf) {
        fclose(f);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", path);
    }
    const size_t got = fread(buf, 1, (size_t)size, f);
    const int bad = ferror(f);
    fclose(f);
    if (bad || got != (size_t)size) {
        free(buf);
        return tfg_diag_set(d, TFG_ERR_IO, "%s: read error", path);
    }
    const tfg_status_t st = tfg_image_decode(buf, got, path, c, img, d);
    free(buf);
    return st;
}

/* ---- PNG writer ---------------------------------------------------------- */

/* libpng reports write errors (a full disk: fwrite fails inside png_write_*)
 * through the same error callback as the reader; it longjmps back here. */
tfg_status_t tfg_image_save_png(const char *path, const tfg_image_t *img, tfg_diag_t *d)
{
    if (!img->pixels || (img->c != 1 && img->c != 3) || img->h < 1 || img->w < 1)
        return tfg_diag_set(d, TFG_ERR_ARG, "%s: nothing to write (an image needs pixels, 1 or 3 channels)",
                            path);
    FILE *f = fopen(path, "wb");
    if (!f) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    png_ctx_t ctx = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        fclose(f);
        remove(path);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(ctx.rows);
        fclose(f);
        remove(path); /* no half-written file left behind */
        return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot write PNG (%s)", path, ctx.msg);
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h, 8,
                 img->c == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    ctx.rows = malloc(sizeof *ctx.rows * (size_t)img->h);
    if (!ctx.rows) {
        snprintf(ctx.msg, sizeof ctx.msg, "out of memory");
        png_longjmp(png, 1);
    }
    for (int32_t y = 0; y < img->h; y++)
        ctx.rows[y] = img->pixels + (size_t)y * (size_t)img->w * (size_t)img->c;
    png_write_info(png, info);
    png_write_image(png, ctx.rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(ctx.rows);
    if (ferror(f) | fclose(f)) {
        remove(path);
        return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    return TFG_OK;
}

/* ---- resizing ----------------------------------------------------------- */

/* No fused multiply-adds: the results must not depend on the compiler or
 * the CPU (gcc in ISO C mode does not contract and does not know the pragma;
 * clang would contract on targets with FMA). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* The two source indices and weights of output index i, as PyTorch computes
 * them (area_pixel_compute_source_index, then the linear weights): the
 * scale in float, the source coordinate clamped at 0, the weight the
 * fractional part as a float difference. */
typedef struct {
    int32_t i0, i1;
    float l0, l1;
} tap_t;

static tap_t tap(int32_t i, int32_t in_size, int32_t out_size)
{
    const float scale = (float)in_size / (float)out_size;
    float x = (float)((double)scale * ((double)i + 0.5) - 0.5);
    if (x < 0) x = 0;
    tap_t t;
    t.i0 = (int32_t)x;
    if (t.i0 > in_size - 1) t.i0 = in_size - 1;
    t.i1 = t.i0 + (t.i0 < in_size - 1);
    float l = x - (float)t.i0;
    t.l1 = l < 0 ? 0 : l > 1 ? 1 : l;
    t.l0 = 1.0f - t.l1;
    return t;
}

void tfg_image_resize(const uint8_t *src, int32_t sh, int32_t sw, int32_t c, uint8_t *dst, int32_t dh,
                      int32_t dw)
{
    if (sh == dh && sw == dw) {
        memcpy(dst, src, (size_t)sh * (size_t)sw * (size_t)c);
        return;
    }
    for (int32_t y = 0; y < dh; y++) {
        const tap_t ty = tap(y, sh, dh);
        const uint8_t *r0 = src + (size_t)ty.i0 * sw * c, *r1 = src + (size_t)ty.i1 * sw * c;
        for (int32_t x = 0; x < dw; x++) {
            const tap_t tx = tap(x, sw, dw);
            for (int32_t k = 0; k < c; k++) {
                const float a = (float)r0[tx.i0 * c + k] * tx.l0 + (float)r0[tx.i1 * c + k] * tx.l1;
                const float b = (float)r1[tx.i0 * c + k] * tx.l0 + (float)r1[tx.i1 * c + k] * tx.l1;
                const float v = a * ty.l0 + b * ty.l1 + 0.5f;
                dst[((size_t)y * dw + x) * c + k] = (uint8_t)(v < 0 ? 0 : v >= 255 ? 255 : (int)v);
            }
        }
    }
}

void tfg_image_resize_f32(const float *src, int32_t sh, int32_t sw, int32_t c, float *dst, int32_t dh,
                          int32_t dw)
{
    for (int32_t y = 0; y < dh; y++) {
        const tap_t ty = tap(y, sh, dh);
        const float *r0 = src + (size_t)ty.i0 * sw * c, *r1 = src + (size_t)ty.i1 * sw * c;
        for (int32_t x = 0; x < dw; x++) {
            const tap_t tx = tap(x, sw, dw);
            for (int32_t k = 0; k < c; k++) {
                const float a = r0[tx.i0 * c + k] * tx.l0 + r0[tx.i1 * c + k] * tx.l1;
                const float b = r1[tx.i0 * c + k] * tx.l0 + r1[tx.i1 * c + k] * tx.l1;
                dst[((size_t)y * dw + x) * c + k] = a * ty.l0 + b * ty.l1;
            }
        }
    }
}
