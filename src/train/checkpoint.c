/* Checkpoints (see checkpoint.h). */
#define _POSIX_C_SOURCE 200809L /* fsync, fileno */
#include "train/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define MAGIC "TFGCKPT1"
#define VERSION 1u

uint64_t tfg_fingerprint(uint64_t h, const char *s)
{
    if (!h) h = UINT64_C(0xcbf29ce484222325);
    for (; s && *s; s++) h = (h ^ (uint8_t)*s) * UINT64_C(0x100000001b3);
    return (h ^ 0xff) * UINT64_C(0x100000001b3); /* a separator, so "ab","c" != "a","bc" */
}

/* ---- writing: a growing buffer ---- */
typedef struct {
    uint8_t *p;
    size_t n, cap;
    bool oom;
} buf_t;

static void put(buf_t *b, const void *v, size_t n)
{
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->n, v, n);
    b->n += n;
}
static void put32(buf_t *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}
static void put64(buf_t *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}
static void putf(buf_t *b, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        put32(b, u);
    }
}
static void putd(buf_t *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put64(b, u);
}

/* The tensors of a net, in file order: (layer, part, values, count). */
typedef struct {
    int layer, part;
    float *v;
    size_t n;
} part_t;

static int parts(const tfg_net_t *net, part_t *out)
{
    int k = 0;
    for (int i = 0; i < net->n; i++) {
        const tfg_nn_layer_t *l = &net->layers[i];
        const size_t nw = tfg_nn_weight_count(net, i), nb = tfg_nn_bias_count(net, i);
        if (nw) {
            if (out) out[k] = (part_t){i, 0, l->weights, nw};
            k++;
        }
        if (nb) {
            if (out) out[k] = (part_t){i, 1, l->bias, nb};
            k++;
        }
        if (l->bn_params) {
            if (out) out[k] = (part_t){i, 2, l->bn_params, 4 * (size_t)l->c};
            k++;
        }
    }
    return k;
}

tfg_status_t tfg_checkpoint_save(const char *path, const tfg_net_t *net, const tfg_params_t *ps,
                                 uint64_t fingerprint, int next_epoch, const tfg_epoch_log_t *hist,
                                 int n_hist, tfg_diag_t *d)
{
    buf_t b = {0};
    put(&b, MAGIC, 8);
    put32(&b, VERSION);
    put64(&b, fingerprint);
    put32(&b, (uint32_t)next_epoch);
    put32(&b, (uint32_t)n_hist);
    for (int e = 0; e < n_hist; e++) {
        const tfg_epoch_log_t *h = &hist[e];
        const double f[TFG_EPOCH_FIELDS] = {h->loss, h->accuracy, h->val_loss,     h->val_accuracy,
                                            h->lr,   h->seconds,  h->samples_per_s};
        for (int k = 0; k < TFG_EPOCH_FIELDS; k++) putd(&b, f[k]);
    }
    const int np = parts(net, NULL);
    part_t *pt = malloc(sizeof(part_t) * (size_t)(np ? np : 1));
    if (!pt)
        b.oom = true;
    else
        parts(net, pt);
    put32(&b, (uint32_t)np);
    for (int k = 0; pt && k < np; k++) {
        put32(&b, (uint32_t)pt[k].layer);
        put32(&b, (uint32_t)pt[k].part);
        put64(&b, pt[k].n);
        putf(&b, pt[k].v, pt[k].n);
    }
    free(pt);
    for (int k = 0; k < ps->n; k++) {
        put64(&b, ps->p[k].n);
        putf(&b, ps->p[k].v, ps->p[k].n);
    }
    if (!b.oom) put32(&b, (uint32_t)crc32(0L, b.p, (uInt)b.n));
    if (b.oom) {
        free(b.p);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory writing the checkpoint", path);
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(b.p, 1, b.n, f) == b.n && fflush(f) == 0 && fsync(fileno(f)) == 0;
    const int err = errno;
    if (f && fclose(f) != 0) ok = false;
    free(b.p);
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot write the checkpoint (%s)", path,
                            strerror(err ? err : errno));
    }
    return TFG_OK;
}

/* ---- reading ---- */
typedef struct {
    const uint8_t *p;
    size_t n, at;
    bool short_read;
} rd_t;

static bool take(rd_t *r, void *v, size_t n)
{
    if (r->short_read || n > r->n - r->at) {
        r->short_read = true;
        return false;
    }
    memcpy(v, r->p + r->at, n);
    r->at += n;
    return true;
}
static uint32_t get32(rd_t *r)
{
    uint8_t x[4] = {0};
    take(r, x, 4);
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}
static uint64_t get64(rd_t *r)
{
    const uint64_t lo = get32(r);
    return lo | (uint64_t)get32(r) << 32;
}
static void getf(rd_t *r, float *v, size_t n)
{
    for (size_t i = 0; i < n && !r->short_read; i++) {
        const uint32_t u = get32(r);
        memcpy(&v[i], &u, 4);
    }
}
static double getd(rd_t *r)
{
    const uint64_t u = get64(r);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

tfg_status_t tfg_checkpoint_load_mem(const uint8_t *bytes, size_t len, const char *name, tfg_net_t *net,
                                     tfg_params_t *ps, uint64_t fingerprint, int *next_epoch,
                                     tfg_epoch_log_t **hist, int *n_hist, tfg_diag_t *d)
{
    *hist = NULL, *n_hist = 0;
    if (len < 8 + 4 + 8 + 4 + 4 + 4 + 4 || memcmp(bytes, MAGIC, 8) != 0)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: not a tinyforge checkpoint (no %s header)", name, MAGIC);
    uint32_t stored;
    memcpy(&stored, bytes + len - 4, 4); /* little-endian hosts only: checked below */
    rd_t tail = {bytes + len - 4, 4, 0, false};
    stored = get32(&tail);
    if ((uint32_t)crc32(0L, bytes, (uInt)(len - 4)) != stored)
        return tfg_diag_set(d, TFG_ERR_FORMAT,
                            "%s: checkpoint is damaged (CRC mismatch): truncated or overwritten", name);
    rd_t r = {bytes, len - 4, 8, false};
    const uint32_t version = get32(&r);
    if (version != VERSION)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: checkpoint version %u, this tinyforge reads %u", name,
                            version, VERSION);
    if (get64(&r) != fingerprint)
        return tfg_diag_set(
            d, TFG_ERR_INVALID,
            "%s: the checkpoint is from a run with other options (architecture, data, epochs, "
            "batch, learning rate, seed, augmentation or limits differ): resume with the same "
            "options, or train into a new folder",
            name);
    const uint32_t epoch = get32(&r), nh = get32(&r);
    if (nh > 1000000 || (size_t)nh * TFG_EPOCH_FIELDS * 8 > r.n - r.at)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: history of %u epochs does not fit the file", name, nh);
    tfg_epoch_log_t *h = calloc(nh ? nh : 1, sizeof *h);
    if (!h) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    for (uint32_t e = 0; e < nh; e++) {
        double f[TFG_EPOCH_FIELDS];
        for (int k = 0; k < TFG_EPOCH_FIELDS; k++) f[k] = getd(&r);
        h[e] = (tfg_epoch_log_t){f[0], f[1], f[2], f[3], f[4], f[5], f[6]};
    }
    const int np = parts(net, NULL);
    part_t *pt = malloc(sizeof(part_t) * (size_t)(np ? np : 1));
    tfg_status_t st = pt ? TFG_OK : tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    if (st == TFG_OK) parts(net, pt);
    if (st == TFG_OK && get32(&r) != (uint32_t)np)
        st = tfg_diag_set(d, TFG_ERR_INVALID, "%s: the checkpoint's net has another number of tensors", name);
    /* Values go to a scratch copy first: a bad file must not half-overwrite the net. */
    float **keep = st == TFG_OK ? calloc((size_t)(np + ps->n + 1), sizeof(float *)) : NULL;
    if (st == TFG_OK && !keep) st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    for (int k = 0; st == TFG_OK && k < np; k++) {
        const uint32_t layer = get32(&r), part = get32(&r);
        const uint64_t n = get64(&r);
        if (r.short_read || layer != (uint32_t)pt[k].layer || part != (uint32_t)pt[k].part || n != pt[k].n) {
            st = tfg_diag_set(d, TFG_ERR_INVALID, "%s: tensor %d does not match the net (layer %s)", name, k,
                              net->layers[pt[k].layer].name);
            break;
        }
        if (!(keep[k] = malloc(sizeof(float) * pt[k].n)))
            st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
        else
            getf(&r, keep[k], pt[k].n);
    }
    for (int k = 0; st == TFG_OK && k < ps->n; k++) {
        if (get64(&r) != ps->p[k].n || r.short_read) {
            st = tfg_diag_set(d, TFG_ERR_INVALID, "%s: momentum buffer %d does not match the net", name, k);
            break;
        }
        if (!(keep[np + k] = malloc(sizeof(float) * ps->p[k].n)))
            st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
        else
            getf(&r, keep[np + k], ps->p[k].n);
    }
    if (st == TFG_OK && (r.short_read || r.at != r.n))
        st = tfg_diag_set(d, TFG_ERR_FORMAT, "%s: checkpoint %s", name,
                          r.short_read ? "is truncated" : "has trailing bytes");
    if (st == TFG_OK) {
        for (int k = 0; k < np; k++) memcpy(pt[k].v, keep[k], sizeof(float) * pt[k].n);
        for (int k = 0; k < ps->n; k++) memcpy(ps->p[k].v, keep[np + k], sizeof(float) * ps->p[k].n);
        *next_epoch = (int)epoch;
        *hist = h, *n_hist = (int)nh;
        h = NULL;
    }
    for (int k = 0; keep && k < np + ps->n; k++) free(keep[k]);
    free(keep);
    free(pt);
    free(h);
    return st;
}

tfg_status_t tfg_checkpoint_load(const char *path, tfg_net_t *net, tfg_params_t *ps, uint64_t fingerprint,
                                 int *next_epoch, tfg_epoch_log_t **hist, int *n_hist, tfg_diag_t *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot open the checkpoint (%s)", path, strerror(errno));
    uint8_t *bytes = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1 << 20;
            uint8_t *q = cap > ((size_t)1 << 31) ? NULL : realloc(bytes, cap);
            if (!q) {
                free(bytes);
                fclose(f);
                return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: checkpoint too large", path);
            }
            bytes = q;
        }
        const size_t got = fread(bytes + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    const bool err = ferror(f);
    fclose(f);
    tfg_status_t st =
        err ? tfg_diag_set(d, TFG_ERR_IO, "%s: read error", path)
            : tfg_checkpoint_load_mem(bytes, n, path, net, ps, fingerprint, next_epoch, hist, n_hist, d);
    free(bytes);
    return st;
}
