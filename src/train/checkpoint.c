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
                                 const tfg_ckpt_state_t *cs, tfg_diag_t *d)
{
    buf_t b = {0};
    put(&b, MAGIC, 8);
    put32(&b, VERSION);
    put64(&b, cs->fingerprint);
    put32(&b, (uint32_t)cs->next_epoch);
    put32(&b, cs->mins ? (uint32_t)net->n : 0u);
    put32(&b, (uint32_t)cs->n_hist);
    putd(&b, cs->float_test);
    putd(&b, cs->ptq_test);
    for (int e = 0; e < cs->n_hist; e++) {
        const tfg_epoch_log_t *h = &cs->hist[e];
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
    if (cs->mins) {
        putf(&b, cs->mins, (size_t)net->n);
        putf(&b, cs->maxs, (size_t)net->n);
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

typedef struct {
    uint64_t fingerprint;
    uint32_t next_epoch, ranges, n_hist;
    double float_test, ptq_test;
} header_t;

/* Magic, CRC, version and the fixed header; the reader is left after it. */
static tfg_status_t open_checked(const uint8_t *bytes, size_t len, const char *name, rd_t *r, header_t *h,
                                 tfg_diag_t *d)
{
    if (len < 8 + 4 + 8 + 4 * 5 + 16 || memcmp(bytes, MAGIC, 8) != 0)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: not a tinyforge checkpoint (no %s header)", name, MAGIC);
    rd_t tail = {bytes + len - 4, 4, 0, false};
    if ((uint32_t)crc32(0L, bytes, (uInt)(len - 4)) != get32(&tail))
        return tfg_diag_set(d, TFG_ERR_FORMAT,
                            "%s: checkpoint is damaged (CRC mismatch): truncated or overwritten", name);
    *r = (rd_t){bytes, len - 4, 8, false};
    const uint32_t version = get32(r);
    if (version != VERSION)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: checkpoint version %u, this tinyforge reads %u", name,
                            version, VERSION);
    h->fingerprint = get64(r);
    h->next_epoch = get32(r);
    h->ranges = get32(r);
    h->n_hist = get32(r);
    h->float_test = getd(r);
    h->ptq_test = getd(r);
    return TFG_OK;
}

/* The history after the header (allocated, at least one entry). */
static tfg_status_t read_history(rd_t *r, const header_t *hd, const char *name, tfg_epoch_log_t **out,
                                 tfg_diag_t *d)
{
    if (hd->n_hist > 1000000 || (size_t)hd->n_hist * TFG_EPOCH_FIELDS * 8 > r->n - r->at)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: history of %u epochs does not fit the file", name,
                            hd->n_hist);
    tfg_epoch_log_t *h = calloc(hd->n_hist ? hd->n_hist : 1, sizeof *h);
    if (!h) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    for (uint32_t e = 0; e < hd->n_hist; e++) {
        double f[TFG_EPOCH_FIELDS];
        for (int k = 0; k < TFG_EPOCH_FIELDS; k++) f[k] = getd(r);
        h[e] = (tfg_epoch_log_t){f[0], f[1], f[2], f[3], f[4], f[5], f[6]};
    }
    *out = h;
    return TFG_OK;
}

/* weights_only: the net's tensors alone, whatever run wrote them (the
 * fingerprint, the momentum and the ranges are not read). */
static tfg_status_t load(const uint8_t *bytes, size_t len, const char *name, tfg_net_t *net, tfg_params_t *ps,
                         tfg_ckpt_state_t *cs, bool weights_only, tfg_diag_t *d)
{
    cs->hist = NULL, cs->n_hist = 0;
    rd_t r;
    header_t hd;
    tfg_status_t st = open_checked(bytes, len, name, &r, &hd, d);
    if (st < 0) return st;
    if (weights_only) {
        cs->fingerprint = hd.fingerprint;
        hd.ranges = 0;
    }
    if (hd.fingerprint != cs->fingerprint)
        return tfg_diag_set(
            d, TFG_ERR_INVALID,
            "%s: the checkpoint is from a run with other options (architecture, data, epochs, "
            "batch, learning rate, seed, augmentation or limits differ): resume with the same "
            "options, or train into a new folder",
            name);
    if (hd.ranges != (cs->mins ? (uint32_t)net->n : 0u))
        return tfg_diag_set(d, TFG_ERR_INVALID, "%s: the checkpoint is from the %s phase, not the %s one",
                            name, hd.ranges ? "QAT" : "float training", cs->mins ? "QAT" : "float training");
    tfg_epoch_log_t *h;
    if ((st = read_history(&r, &hd, name, &h, d)) < 0) return st;
    const int np = parts(net, NULL);
    part_t *pt = malloc(sizeof(part_t) * (size_t)(np ? np : 1));
    if (!pt) st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    if (st == TFG_OK) parts(net, pt);
    if (st == TFG_OK && get32(&r) != (uint32_t)np)
        st = tfg_diag_set(d, TFG_ERR_INVALID, "%s: the checkpoint's net has another number of tensors", name);
    /* Values go to scratch copies first: a bad file must not half-overwrite the net. */
    const int nk = np + ps->n + 1;
    float **keep = st == TFG_OK ? calloc((size_t)nk, sizeof(float *)) : NULL;
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
    for (int k = 0; st == TFG_OK && !weights_only && k < ps->n; k++) {
        if (get64(&r) != ps->p[k].n || r.short_read) {
            st = tfg_diag_set(d, TFG_ERR_INVALID, "%s: momentum buffer %d does not match the net", name, k);
            break;
        }
        if (!(keep[np + k] = malloc(sizeof(float) * ps->p[k].n)))
            st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
        else
            getf(&r, keep[np + k], ps->p[k].n);
    }
    if (st == TFG_OK && hd.ranges) {
        if (!(keep[nk - 1] = malloc(sizeof(float) * 2 * hd.ranges)))
            st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
        else
            getf(&r, keep[nk - 1], 2 * (size_t)hd.ranges);
    }
    if (weights_only && st == TFG_OK && !r.short_read) r.at = r.n; /* the rest is not the net's */
    if (st == TFG_OK && (r.short_read || r.at != r.n))
        st = tfg_diag_set(d, TFG_ERR_FORMAT, "%s: checkpoint %s", name,
                          r.short_read ? "is truncated" : "has trailing bytes");
    if (st == TFG_OK) {
        for (int k = 0; k < np; k++) memcpy(pt[k].v, keep[k], sizeof(float) * pt[k].n);
        for (int k = 0; k < ps->n; k++) memcpy(ps->p[k].v, keep[np + k], sizeof(float) * ps->p[k].n);
        if (hd.ranges) {
            memcpy(cs->mins, keep[nk - 1], sizeof(float) * hd.ranges);
            memcpy(cs->maxs, keep[nk - 1] + hd.ranges, sizeof(float) * hd.ranges);
        }
        cs->next_epoch = (int)hd.next_epoch;
        cs->float_test = hd.float_test, cs->ptq_test = hd.ptq_test;
        cs->hist = h, cs->n_hist = (int)hd.n_hist;
        h = NULL;
    }
    for (int k = 0; keep && k < nk; k++) free(keep[k]);
    free(keep);
    free(pt);
    free(h);
    return st;
}

tfg_status_t tfg_checkpoint_load_mem(const uint8_t *bytes, size_t len, const char *name, tfg_net_t *net,
                                     tfg_params_t *ps, tfg_ckpt_state_t *cs, tfg_diag_t *d)
{
    return load(bytes, len, name, net, ps, cs, false, d);
}

static tfg_status_t slurp(const char *path, uint8_t **out, size_t *len, tfg_diag_t *d)
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
    if (err) {
        free(bytes);
        return tfg_diag_set(d, TFG_ERR_IO, "%s: read error", path);
    }
    *out = bytes, *len = n;
    return TFG_OK;
}

tfg_status_t tfg_checkpoint_load(const char *path, tfg_net_t *net, tfg_params_t *ps, tfg_ckpt_state_t *cs,
                                 tfg_diag_t *d)
{
    uint8_t *bytes;
    size_t n;
    tfg_status_t st = slurp(path, &bytes, &n, d);
    if (st < 0) return st;
    st = tfg_checkpoint_load_mem(bytes, n, path, net, ps, cs, d);
    free(bytes);
    return st;
}

tfg_status_t tfg_checkpoint_load_weights(const char *path, tfg_net_t *net, tfg_diag_t *d)
{
    uint8_t *bytes;
    size_t n;
    tfg_status_t st = slurp(path, &bytes, &n, d);
    if (st < 0) return st;
    tfg_params_t none = {0};
    tfg_ckpt_state_t cs = {0};
    st = load(bytes, n, path, net, &none, &cs, true, d);
    free(cs.hist);
    free(bytes);
    return st;
}

/* The header of a whole, undamaged checkpoint, and its history when hist is given. */
static tfg_status_t read_head(const char *path, header_t *h, tfg_epoch_log_t **hist, tfg_diag_t *d)
{
    uint8_t *bytes;
    size_t n;
    tfg_status_t st = slurp(path, &bytes, &n, d);
    if (st < 0) return st;
    rd_t r;
    st = open_checked(bytes, n, path, &r, h, d);
    if (st == TFG_OK && hist) st = read_history(&r, h, path, hist, d);
    free(bytes);
    return st;
}

tfg_status_t tfg_checkpoint_peek(const char *path, int *next_epoch, bool *qat, tfg_diag_t *d)
{
    header_t h;
    const tfg_status_t st = read_head(path, &h, NULL, d);
    if (st == TFG_OK) *next_epoch = (int)h.next_epoch, *qat = h.ranges != 0;
    return st;
}

tfg_status_t tfg_checkpoint_history(const char *path, tfg_epoch_log_t **hist, int *n, tfg_diag_t *d)
{
    *hist = NULL, *n = 0;
    header_t h;
    const tfg_status_t st = read_head(path, &h, hist, d);
    if (st == TFG_OK) *n = (int)h.n_hist;
    return st;
}
