/* Dataset readers (src/data): the real Fashion-MNIST from Debian's package,
 * and every way an IDX file can be broken.
 *
 *  - Fashion-MNIST: 60,000 training and 10,000 test images of 28x28, ten
 *    classes, balanced by construction (6,000 and 1,000 images a class): the
 *    histogram is checked, not just the counts, and the training pixels'
 *    mean is the published 0.2860 (on the [0, 1] scale).
 *  - Files built here, raw and gzipped (zlib's deflate with a gzip wrapper):
 *    the same dataset from both, byte for byte.
 *  - Broken files: each must be refused with a message naming the file and
 *    the problem (wrong magic, element type, rank, truncation, trailing
 *    bytes, count mismatch, a label that is not a class, a truncated or
 *    corrupt gzip stream, a missing file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/dataset.h"
#include "tfg_test.h"

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* An IDX file of n images h x w (pixel (i, k) = i * 7 + k) or n labels (i % classes). */
static size_t make_images(uint8_t *buf, uint32_t n, uint32_t h, uint32_t w)
{
    buf[0] = buf[1] = 0, buf[2] = 0x08, buf[3] = 3;
    put32(buf + 4, n), put32(buf + 8, h), put32(buf + 12, w);
    for (uint32_t i = 0; i < n * h * w; i++) buf[16 + i] = (uint8_t)(i / (h * w) * 7 + i % (h * w));
    return 16 + (size_t)n * h * w;
}

static size_t make_labels(uint8_t *buf, uint32_t n, uint32_t classes)
{
    buf[0] = buf[1] = 0, buf[2] = 0x08, buf[3] = 1;
    put32(buf + 4, n);
    for (uint32_t i = 0; i < n; i++) buf[8 + i] = (uint8_t)(i % classes);
    return 8 + (size_t)n;
}

/* gzip of in (zlib's deflate with the gzip wrapper: windowBits 16 + 15). */
static size_t gzip_of(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    z.next_in = (Bytef *)in, z.avail_in = (uInt)n, z.next_out = out, z.avail_out = (uInt)cap;
    const int rc = deflate(&z, Z_FINISH);
    const size_t got = cap - z.avail_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? got : 0;
}

static void test_fashion_mnist(void)
{
    static const struct {
        const char *split;
        int32_t n, per_class;
    } splits[] = {{"train", 60000, 6000}, {"test", 10000, 1000}};
    for (size_t s = 0; s < 2; s++) {
        tfg_dataset_t ds;
        tfg_diag_t d = {{0}};
        tt_begin();
        const tfg_status_t st = tfg_fashion_mnist_load(NULL, splits[s].split, &ds, &d);
        if (st < 0) TT_LOG("%s\n", d.msg);
        TT_CHECK(st == TFG_OK);
        if (st == TFG_OK) {
            TT_CHECK(ds.n == splits[s].n && ds.h == 28 && ds.w == 28 && ds.c == 1 && ds.classes == 10);
            int32_t hist[10] = {0};
            int64_t ink = 0;
            for (int32_t i = 0; i < ds.n; i++) hist[ds.labels[i]]++;
            for (int32_t i = 0; i < ds.n * 28 * 28; i++) ink += ds.images[i];
            for (int k = 0; k < 10; k++) TT_CHECK(hist[k] == splits[s].per_class);
            /* Fashion-MNIST's published pixel mean (the normalisation constant
             * 0.2860 of the [0, 1] scale) for the training split. */
            const double mean = (double)ink / ((double)ds.n * 784 * 255);
            TT_CHECK(s != 0 || (mean > 0.2855 && mean < 0.2865));
            printf("  fashion-mnist %-5s %5d images 28x28, 10 classes of %d, mean pixel %.1f\n",
                   splits[s].split, ds.n, splits[s].per_class, (double)ink / ((double)ds.n * 784));
            tfg_dataset_free(&ds);
        }
        tt_end();
    }
    tfg_dataset_t ds;
    tfg_diag_t d = {{0}};
    tt_begin();
    TT_CHECK(tfg_fashion_mnist_load(NULL, "validation", &ds, &d) == TFG_ERR_ARG &&
             strstr(d.msg, "'validation'"));
    TT_CHECK(tfg_fashion_mnist_load("/nonexistent", "test", &ds, &d) == TFG_ERR_IO &&
             strstr(d.msg, "/nonexistent/t10k-images-idx3-ubyte.gz") &&
             strstr(d.msg, "dataset-fashion-mnist"));
    tt_end();
}

static uint8_t img[16 + 5 * 4 * 3 + 64], lab[8 + 5 + 64], gz_img[4096], gz_lab[4096], work[4096];

/* Loads (images, labels) and expects st; the message must contain `want`. */
static void expect(const char *what, const uint8_t *im, size_t im_n, const uint8_t *lb, size_t lb_n,
                   tfg_status_t st, const char *want)
{
    tfg_dataset_t ds;
    tfg_diag_t d = {{0}};
    tt_begin();
    const tfg_status_t got = tfg_idx_load_mem(im, im_n, "im.idx", lb, lb_n, "lb.idx", 10, &ds, &d);
    TT_CHECK(got == st);
    if (want) TT_CHECK(strstr(d.msg, want) != NULL);
    if (!tt_case_ok)
        TT_LOG("%s: status %d, message '%s' (want %d, '%s')\n", what, got, d.msg, st, want ? want : "");
    if (got == TFG_OK) tfg_dataset_free(&ds);
    tt_end();
}

static void test_built_and_broken(void)
{
    const size_t ni = make_images(img, 5, 4, 3), nl = make_labels(lab, 5, 3);
    const size_t gi = gzip_of(img, ni, gz_img, sizeof gz_img), gl = gzip_of(lab, nl, gz_lab, sizeof gz_lab);
    /* Raw and gzipped give the same dataset. */
    tfg_dataset_t a, b;
    tfg_diag_t d = {{0}};
    tt_begin();
    TT_CHECK(gi > 0 && gl > 0);
    TT_CHECK(tfg_idx_load_mem(img, ni, "im", lab, nl, "lb", 0, &a, &d) == TFG_OK);
    TT_CHECK(tfg_idx_load_mem(gz_img, gi, "im.gz", gz_lab, gl, "lb.gz", 0, &b, &d) == TFG_OK);
    if (tt_case_ok) {
        TT_CHECK(a.n == 5 && a.h == 4 && a.w == 3 && a.c == 1 && a.classes == 3);
        TT_CHECK(!memcmp(a.images, img + 16, 60) && !memcmp(a.labels, lab + 8, 5));
        TT_CHECK(b.n == a.n && !memcmp(a.images, b.images, 60) && !memcmp(a.labels, b.labels, 5));
        tfg_dataset_free(&a), tfg_dataset_free(&b);
    }
    tt_end();

    memcpy(work, img, ni), work[0] = 0x1f, work[1] = 0x7f;
    expect("magic", work, ni, lab, nl, TFG_ERR_FORMAT, "im.idx: not an IDX file");
    memcpy(work, img, ni), work[2] = 0x0d;
    expect("float elements", work, ni, lab, nl, TFG_ERR_UNSUPPORTED, "element type 0x0d");
    const size_t nl20 = make_labels(work, 20, 3);
    expect("labels given as images", work, nl20, lab, nl, TFG_ERR_FORMAT, "1 dimensions, expected 3");
    expect("truncated images", img, ni - 1, lab, nl, TFG_ERR_FORMAT, "truncated");
    memcpy(work, img, ni), work[ni] = 0;
    expect("trailing bytes", work, ni + 1, lab, nl, TFG_ERR_FORMAT, "trailing bytes");
    expect("header only", img, 10, lab, nl, TFG_ERR_FORMAT, "shorter than an IDX header");
    expect("empty", img, 0, lab, nl, TFG_ERR_FORMAT, "shorter than an IDX header");
    memcpy(work, img, ni), put32(work + 4, 0);
    expect("zero images", work, 16, lab, nl, TFG_ERR_FORMAT, "dimension 0 is 0");
    memcpy(work, img, ni), put32(work + 4, 0xffffffffu);
    expect("huge count", work, ni, lab, nl, TFG_ERR_FORMAT, "more than 2^31 - 1");
    const size_t nl4 = make_labels(work, 4, 3);
    expect("count mismatch", img, ni, work, nl4, TFG_ERR_FORMAT,
           "im.idx has 5 images but lb.idx has 4 labels");
    make_labels(work, 5, 3), work[8 + 2] = 10;
    expect("label not a class", img, ni, work, nl, TFG_ERR_FORMAT,
           "label 10 of image 2 is not a class (0..9)");
    expect("truncated gzip", gz_img, gi / 2, lab, nl, TFG_ERR_FORMAT, "im.idx: the gzip stream is truncated");
    memcpy(work, gz_img, gi);
    for (size_t i = 12; i < gi - 8; i++) work[i] ^= 0x5a;
    expect("corrupt gzip", work, gi, lab, nl, TFG_ERR_FORMAT, "im.idx: corrupt gzip data");
    tfg_dataset_t ds;
    tt_begin();
    TT_CHECK(tfg_idx_load("/nonexistent/im.gz", "/nonexistent/lb.gz", 0, &ds, &d) == TFG_ERR_IO &&
             strstr(d.msg, "/nonexistent/im.gz: cannot open"));
    tt_end();
    printf("  built IDX files: raw = gzip, 13 broken forms refused with the file and the problem named\n");
}

int main(void)
{
    printf("datasets:\n");
    test_fashion_mnist();
    test_built_and_broken();
    return tt_summary();
}
