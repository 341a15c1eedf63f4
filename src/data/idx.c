/* IDX files (MNIST's format), gzipped or raw; see dataset.h.
 *
 * Why the checks are shaped this way: a dataset file comes from outside and
 * is the first thing training reads, so every length is compared before
 * anything is indexed. Sizes are computed in 64-bit arithmetic and bounded
 * (at most 2^31 - 1 elements, as tfg_dataset_t counts in int32), so a
 * hostile header cannot make an allocation wrap. A gzip stream must end
 * exactly (Z_STREAM_END) and hold exactly the bytes the header declares. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/data_internal.h"

/* Largest file we inflate or read: the Fashion-MNIST training images are
 * 47 MB; 1 GiB leaves room for larger sets and bounds a gzip bomb. */
#define MAX_BYTES ((size_t)1 << 30)

typedef struct {
    uint8_t *p;
    size_t n;
} bytes_t;

static tfg_status_t read_all(const char *path, bytes_t *b, tfg_diag_t *d)
{
    b->p = NULL, b->n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16;
    b->p = malloc(cap);
    while (b->p) {
        b->n += fread(b->p + b->n, 1, cap - b->n, f);
        if (b->n < cap) break;
        if (cap >= MAX_BYTES) {
            fclose(f);
            free(b->p), b->p = NULL;
            return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: larger than %zu bytes", path, MAX_BYTES);
        }
        uint8_t *q = realloc(b->p, cap * 2);
        if (!q) free(b->p);
        b->p = q, cap *= 2;
    }
    const int bad = ferror(f);
    fclose(f);
    if (!b->p) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", path);
    if (bad) {
        free(b->p), b->p = NULL;
        return tfg_diag_set(d, TFG_ERR_IO, "%s: read error", path);
    }
    return TFG_OK;
}

/* Inflates a gzip stream; raw input (no gzip magic) is taken as it is. */
static tfg_status_t gunzip(const char *name, const uint8_t *in, size_t n, bytes_t *out, int *owned,
                           tfg_diag_t *d)
{
    *owned = 0;
    if (n < 2 || in[0] != 0x1f || in[1] != 0x8b) {
        out->p = (uint8_t *)in, out->n = n;
        return TFG_OK;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    size_t cap = n * 4 + 1024;
    if (cap > MAX_BYTES) cap = MAX_BYTES;
    out->p = malloc(cap), out->n = 0;
    int rc = Z_OK;
    z.next_in = (Bytef *)in;
    while (out->p && rc == Z_OK) {
        if (out->n == cap) {
            if (cap >= MAX_BYTES) break;
            uint8_t *q = realloc(out->p, cap * 2 > MAX_BYTES ? MAX_BYTES : cap * 2);
            if (!q) free(out->p);
            out->p = q, cap = cap * 2 > MAX_BYTES ? MAX_BYTES : cap * 2;
            if (!q) break;
        }
        /* zlib counts in uInt: feed and drain at most 1 GiB at a time. */
        const size_t left_in = n - (size_t)(z.next_in - in);
        z.avail_in = (uInt)(left_in > MAX_BYTES ? MAX_BYTES : left_in);
        z.next_out = out->p + out->n;
        z.avail_out = (uInt)(cap - out->n);
        rc = inflate(&z, Z_NO_FLUSH);
        out->n = cap - z.avail_out;
        if (rc == Z_BUF_ERROR && z.avail_out > 0) break; /* no progress: the input ended */
        if (rc == Z_BUF_ERROR) rc = Z_OK;                /* the output was full: grow it */
    }
    inflateEnd(&z);
    if (!out->p) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    *owned = 1;
    if (rc == Z_STREAM_END) return TFG_OK;
    free(out->p), out->p = NULL, *owned = 0;
    if (rc == Z_OK || rc == Z_BUF_ERROR)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: the gzip stream is truncated or inflates past %zu bytes",
                            name, MAX_BYTES);
    return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: corrupt gzip data (%s)", name,
                        z.msg ? z.msg : "inflate failed");
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Checks an IDX header of `rank` dimensions and the byte count; dims gets them. */
static tfg_status_t idx_header(const char *name, const bytes_t *b, int rank, uint32_t *dims, tfg_diag_t *d)
{
    if (b->n < 4 + 4 * (size_t)rank)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: %zu bytes, shorter than an IDX header of %d dimensions",
                            name, b->n, rank);
    if (b->p[0] || b->p[1])
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: not an IDX file (magic %02x %02x %02x %02x)", name,
                            b->p[0], b->p[1], b->p[2], b->p[3]);
    if (b->p[2] != 0x08)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: IDX element type 0x%02x; only unsigned bytes (0x08)",
                            name, b->p[2]);
    if (b->p[3] != rank)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: %d dimensions, expected %d (%s)", name, b->p[3], rank,
                            rank == 3 ? "images: count, rows, columns" : "labels: count");
    uint64_t elems = 1;
    for (int i = 0; i < rank; i++) {
        dims[i] = be32(b->p + 4 + 4 * i);
        if (dims[i] == 0) return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: dimension %d is 0", name, i);
        elems *= dims[i];
        if (elems > INT32_MAX)
            return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: more than 2^31 - 1 elements declared", name);
    }
    const size_t want = 4 + 4 * (size_t)rank + (size_t)elems;
    if (b->n != want)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: %zu bytes, but its header declares %zu (%s)", name, b->n,
                            want, b->n < want ? "truncated" : "trailing bytes");
    return TFG_OK;
}

tfg_status_t tfg_idx_load_mem(const uint8_t *images, size_t images_len, const char *images_name,
                              const uint8_t *labels, size_t labels_len, const char *labels_name,
                              int32_t max_classes, tfg_dataset_t *ds, tfg_diag_t *d)
{
    memset(ds, 0, sizeof *ds);
    if (max_classes <= 0 || max_classes > 256) max_classes = 256;
    bytes_t im, lb;
    int im_owned = 0, lb_owned = 0;
    uint32_t idims[3] = {0, 0, 0}, ldims[1] = {0};
    tfg_status_t st = gunzip(images_name, images, images_len, &im, &im_owned, d);
    if (st < 0) return st;
    st = gunzip(labels_name, labels, labels_len, &lb, &lb_owned, d);
    if (st == TFG_OK) st = idx_header(images_name, &im, 3, idims, d);
    if (st == TFG_OK) st = idx_header(labels_name, &lb, 1, ldims, d);
    if (st == TFG_OK && idims[0] != ldims[0])
        st = tfg_diag_set(d, TFG_ERR_FORMAT, "%s has %u images but %s has %u labels", images_name, idims[0],
                          labels_name, ldims[0]);
    for (uint32_t i = 0; st == TFG_OK && i < ldims[0]; i++)
        if (lb.p[8 + i] >= max_classes)
            st = tfg_diag_set(d, TFG_ERR_FORMAT, "%s: label %u of image %u is not a class (0..%d)",
                              labels_name, lb.p[8 + i], i, max_classes - 1);
    if (st == TFG_OK) {
        const size_t n_img = (size_t)idims[0] * idims[1] * idims[2];
        ds->images = malloc(n_img ? n_img : 1);
        ds->labels = malloc(ldims[0]);
        if (!ds->images || !ds->labels) {
            st = tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", images_name);
        } else {
            memcpy(ds->images, im.p + 16, n_img);
            memcpy(ds->labels, lb.p + 8, ldims[0]);
            ds->n = (int32_t)idims[0], ds->h = (int32_t)idims[1], ds->w = (int32_t)idims[2], ds->c = 1;
            ds->classes = 1;
            for (int32_t i = 0; i < ds->n; i++)
                if (ds->labels[i] + 1 > ds->classes) ds->classes = ds->labels[i] + 1;
        }
    }
    if (im_owned) free(im.p);
    if (lb_owned) free(lb.p);
    if (st < 0) tfg_dataset_free(ds);
    return st;
}

tfg_status_t tfg_idx_load(const char *images_path, const char *labels_path, int32_t max_classes,
                          tfg_dataset_t *ds, tfg_diag_t *d)
{
    memset(ds, 0, sizeof *ds);
    bytes_t im, lb;
    tfg_status_t st = read_all(images_path, &im, d);
    if (st < 0) return st;
    if ((st = read_all(labels_path, &lb, d)) < 0) {
        free(im.p);
        return st;
    }
    st = tfg_idx_load_mem(im.p, im.n, images_path, lb.p, lb.n, labels_path, max_classes, ds, d);
    free(im.p);
    free(lb.p);
    return st;
}

tfg_status_t tfg_fashion_mnist_load(const char *dir, const char *split, tfg_dataset_t *ds, tfg_diag_t *d)
{
    memset(ds, 0, sizeof *ds);
    if (!dir) dir = "/usr/share/datasets/fashion-mnist";
    const char *stem = !strcmp(split, "train") ? "train" : !strcmp(split, "test") ? "t10k" : NULL;
    if (!stem)
        return tfg_diag_set(d, TFG_ERR_ARG, "Fashion-MNIST has the splits 'train' and 'test', not '%s'",
                            split);
    char images[4096], labels[4096];
    snprintf(images, sizeof images, "%s/%s-images-idx3-ubyte.gz", dir, stem);
    snprintf(labels, sizeof labels, "%s/%s-labels-idx1-ubyte.gz", dir, stem);
    tfg_status_t st = tfg_idx_load(images, labels, 10, ds, d);
    if (st == TFG_OK) {
        ds->classes = 10;
        st = tfg_dataset_set_class_names(ds, tfg_fashion_mnist_classes, 10, d);
        if (st < 0) tfg_dataset_free(ds);
    }
    if (st == TFG_ERR_IO)
        snprintf(d->msg + strlen(d->msg), sizeof d->msg - strlen(d->msg),
                 " (Debian's dataset-fashion-mnist installs it; scripts/deps.sh does)");
    return st;
}
