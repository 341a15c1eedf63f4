/* The backward pass (see backward.h).
 *
 * A conv with batch norm is differentiated in two passes over its output
 * gradient g. The first sums, per image, g through the activation's mask
 * and its product with the saved conv output: they give the bias (beta) and
 * gamma gradients, and the batch means that batch norm's gradient
 *   dz = gamma * invstd * (g - mean(g) - xhat * mean(g * xhat))
 * needs. The second works a group of images at a time: it computes dz into
 * a scratch that stays in cache (conv_grad), and from it the conv's
 * gradients as matrix products, dW = dZ^T X (X the input rows or im2col
 * columns) and dX = dZ W (scattered back through col2im for k x k kernels).
 * The mask and xhat are recomputed from the conv output (pre) where they
 * are needed, so no pass writes a masked or normalized gradient back. */
#include "train/backward.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nn/bigmem.h"
#include "nn/gemm.h"

static size_t img_size(const tfg_nn_layer_t *l)
{
    return (size_t)l->h * (size_t)l->w * (size_t)l->c;
}

void tfg_grad_free(tfg_grad_t *g)
{
    free(g->slab);
    for (int i = 0; i < g->n_layers; i++) {
        free(g->dw[i]);
        free(g->db[i]);
        free(g->dgamma[i]);
        free(g->dbeta[i]);
    }
    for (int th = 0; g->col && th < g->threads; th++) {
        free(g->col[th]);
        free(g->dcol[th]);
        free(g->dz[th]);
    }
    free(g->dz);
    free(g->dout);
    free(g->dw);
    free(g->db);
    free(g->dgamma);
    free(g->dbeta);
    free(g->col);
    free(g->dcol);
    free(g->wpart);
    free(g->partial);
    free(g->coef);
    free(g->dwrow);
    free(g->written);
    memset(g, 0, sizeof *g);
}

int tfg_grad_init(tfg_grad_t *g, const tfg_net_t *n, int cap, int threads)
{
    memset(g, 0, sizeof *g);
    if (cap < 1 || threads < 1) return -1;
    const size_t nl = (size_t)n->n;
    g->cap = cap, g->threads = threads;
    g->dout = calloc(nl, sizeof(float *));
    g->dw = calloc(nl, sizeof(float *));
    g->db = calloc(nl, sizeof(float *));
    g->dgamma = calloc(nl, sizeof(float *));
    g->dbeta = calloc(nl, sizeof(float *));
    g->col = calloc((size_t)threads, sizeof(float *));
    g->dcol = calloc((size_t)threads, sizeof(float *));
    g->dz = calloc((size_t)threads, sizeof(float *));
    g->written = calloc(nl, sizeof(bool));
    bool ok = g->dout && g->dw && g->db && g->dgamma && g->dbeta && g->col && g->dcol && g->dz && g->written;
    if (ok) g->n_layers = n->n;
    int widest = 1;
    size_t wmax = 0, used = 0;
    for (int i = 0; ok && i < n->n; i++) /* the output gradients are slices of one slab */
        tfg_nn_carve(NULL, &used, (size_t)cap * img_size(&n->layers[i]));
    if (ok) ok = (g->slab = tfg_nn_big_floats(used)) != NULL;
    used = 0;
    for (int i = 0; ok && i < n->n; i++) {
        const tfg_nn_layer_t *l = &n->layers[i];
        const size_t nw = tfg_nn_weight_count(n, i), nb = tfg_nn_bias_count(n, i);
        if (l->c > widest) widest = l->c;
        if (nw > wmax) wmax = nw;
        g->dout[i] = tfg_nn_carve(g->slab, &used, (size_t)cap * img_size(l));
        if (ok && nw) ok = (g->dw[i] = malloc(sizeof(float) * nw)) != NULL;
        if (ok && nb) ok = (g->db[i] = calloc(nb, sizeof(float))) != NULL;
        if (ok && tfg_nn_has_bn(l))
            ok =
                (g->dgamma[i] = malloc(sizeof(float) * l->c)) && (g->dbeta[i] = malloc(sizeof(float) * l->c));
        if ((l->kind == TFG_NN_CONV || l->kind == TFG_NN_DWCONV) &&
            (size_t)TFG_NN_GROUP * img_size(l) > g->dz_floats)
            g->dz_floats = (size_t)TFG_NN_GROUP * img_size(l);
        if (ok && l->kind == TFG_NN_CONV) {
            const tfg_nn_geom_t ge = tfg_nn_geom(n, i);
            const size_t col = tfg_nn_direct(&ge) ? 0 : (size_t)ge.oh * ge.ow * ge.k;
            if (col > g->col_floats) g->col_floats = col;
        }
        if (ok && l->kind == TFG_NN_DWCONV) {
            const tfg_nn_geom_t ge = tfg_nn_geom(n, i);
            const size_t rows = (size_t)ge.kh * ge.kw * ge.ow * ge.oc;
            if (rows > g->dwrow_floats) g->dwrow_floats = rows;
        }
    }
    for (int th = 0; ok && th < threads && g->col_floats; th++)
        ok = (g->col[th] = malloc(sizeof(float) * g->col_floats)) &&
             (g->dcol[th] = malloc(sizeof(float) * g->col_floats));
    for (int th = 0; ok && th < threads && g->dz_floats; th++)
        ok = (g->dz[th] = malloc(sizeof(float) * g->dz_floats)) != NULL;
    g->wpart_floats = wmax;
    if (ok) ok = (g->wpart = malloc(sizeof(float) * (size_t)tfg_nn_groups(cap) * (wmax ? wmax : 1))) != NULL;
    if (ok) ok = (g->partial = malloc(sizeof(float) * (size_t)cap * 2 * (size_t)widest)) != NULL;
    if (ok) ok = (g->coef = malloc(sizeof(float) * 2 * (size_t)widest)) != NULL;
    if (ok && g->dwrow_floats)
        ok = (g->dwrow = malloc(sizeof(float) * (size_t)tfg_nn_groups(cap) * g->dwrow_floats)) != NULL;
    if (!ok) {
        tfg_grad_free(g);
        return -1;
    }
    return 0;
}

int tfg_nn_logits_layer(const tfg_net_t *n)
{
    const tfg_nn_layer_t *last = &n->layers[n->n - 1];
    return last->kind == TFG_NN_SOFTMAX ? last->in : n->n - 1;
}

double tfg_nn_loss(const tfg_net_t *n, const tfg_nn_tape_t *t, tfg_grad_t *g, const uint8_t *labels,
                   float eps, int *correct)
{
    const int li = tfg_nn_logits_layer(n);
    const size_t k = img_size(&n->layers[li]);
    const double off = (double)eps / (double)k, on = 1.0 - (double)eps + off;
    double total = 0.0;
    int hits = 0;
    for (int b = 0; b < t->batch; b++) {
        const float *z = t->out[li] + (size_t)b * k;
        float *dz = g ? g->dout[li] + (size_t)b * k : NULL;
        size_t best = 0;
        for (size_t c = 1; c < k; c++) best = z[c] > z[best] ? c : best;
        hits += best == labels[b];
        double sum = 0.0;
        for (size_t c = 0; c < k; c++) sum += exp((double)z[c] - (double)z[best]);
        const double lse = (double)z[best] + log(sum);
        for (size_t c = 0; c < k; c++) {
            const double q = c == labels[b] ? on : off, p = exp((double)z[c] - lse);
            total -= q * ((double)z[c] - lse);
            if (dz) dz[c] = (float)((p - q) / (double)t->batch);
        }
    }
    if (correct) *correct = hits;
    return total / (double)t->batch;
}

typedef struct {
    const tfg_net_t *n;
    const tfg_nn_tape_t *t;
    tfg_grad_t *g;
    int i, batch;
    /* The input gradients this layer is the first to write (backward order):
     * its tasks zero their images' slices first, while they are in cache,
     * instead of a pass over every gradient before the backward pass. */
    bool fresh, fresh2;
    bool sums_in; /* the tasks also make the input layer's per-image sums (summed_by_reader) */
} job_t;

/* Zero images [b0, b1) of the input gradients this layer is the first to write. */
static void zero_inputs(const job_t *j, int b0, int b1)
{
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    for (int k = 0; k < 2; k++) {
        const int in = k ? l->in2 : l->in;
        if (!(k ? j->fresh2 : j->fresh) || in < 0) continue;
        const tfg_nn_layer_t *x = &j->n->layers[in];
        const size_t sz = (size_t)x->h * (size_t)x->w * (size_t)x->c;
        memset(j->g->dout[in] + (size_t)b0 * sz, 0, sizeof(float) * sz * (size_t)(b1 - b0));
    }
}

/* The open interval where a layer's activation has derivative 1 (0
 * outside); `masked` false: no activation, derivative 1 everywhere. With
 * batch norm the mask is read off the normalized value u before the
 * activation: lo < act(u) < hi exactly when lo < u < hi, since the
 * activations clamp to lo and hi. */
typedef struct {
    bool masked;
    float lo, hi;
} mask_t;

static mask_t act_mask(tfg_act_t a)
{
    const mask_t m = {a == TFG_ACT_RELU || a == TFG_ACT_RELU6 || a == TFG_ACT_RELU_N1_TO_1,
                      a == TFG_ACT_RELU_N1_TO_1 ? -1.0f : 0.0f,
                      a == TFG_ACT_RELU6 ? 6.0f : (a == TFG_ACT_RELU_N1_TO_1 ? 1.0f : INFINITY)};
    return m;
}

/* The per-channel sums of one image's gradient g through the mask, and
 * (bn layers) of its product with z - mean, into s and q (float: one
 * image's few hundred pixels; images are summed in double). `bn`: the
 * mask is read off the normalized conv output, else off the activated
 * output y. */
static inline void mask_sums(const float *restrict d, const float *restrict y, const float *restrict z,
                             const float *restrict gamma, const float *restrict beta,
                             const float *restrict mean, const float *restrict inv, float *restrict s,
                             float *restrict q, size_t px, size_t c, mask_t m, bool masked, bool bn)
{
    for (size_t k = 0; k < c; k++) s[k] = q[k] = 0.0f;
    for (size_t p = 0; p < px; p++)
        for (size_t k = 0; k < c; k++) {
            const size_t e = p * c + k;
            float v = d[e];
            if (masked) {
                const float a = bn ? tfg_nn_bn_value(gamma[k], z[e], mean[k], inv[k], beta[k]) : y[e];
                v = a > m.lo && a < m.hi ? v : 0.0f;
            }
            s[k] += v;
            if (bn) q[k] += v * (z[e] - mean[k]);
        }
}

/* Image b's sums for conv layer i, into partial[b]. */
TFG_NN_VECTOR static void image_sums(const tfg_net_t *n, const tfg_nn_tape_t *t, const tfg_grad_t *g, int i,
                                     int b)
{
    const tfg_nn_layer_t *l = &n->layers[i];
    const size_t c = (size_t)l->c, px = (size_t)l->h * (size_t)l->w, off = (size_t)b * px * c;
    const float *d = g->dout[i] + off;
    float *s = g->partial + (size_t)b * 2 * c, *q = s + c;
    const mask_t m = act_mask(l->act);
    if (tfg_nn_has_bn(l)) {
        const float *z = t->pre[i] + off, *mean = t->mean[i], *inv = t->invstd[i];
        const float *gamma = l->bn_params, *beta = gamma + c;
        if (m.masked)
            mask_sums(d, NULL, z, gamma, beta, mean, inv, s, q, px, c, m, true, true);
        else
            mask_sums(d, NULL, z, gamma, beta, mean, inv, s, q, px, c, m, false, true);
    } else {
        const float *y = t->out[i] + off;
        if (m.masked)
            mask_sums(d, y, NULL, NULL, NULL, NULL, NULL, s, q, px, c, m, true, false);
        else
            mask_sums(d, y, NULL, NULL, NULL, NULL, NULL, s, q, px, c, m, false, false);
    }
}

static void mask_task(void *ctx, int b, int thread)
{
    (void)thread;
    const job_t *j = ctx;
    image_sums(j->n, j->t, j->g, j->i, b);
}

/* The sole reader of layer i, or -1. */
static int sole_reader(const tfg_net_t *n, int i)
{
    int r = -1;
    for (int k = i + 1; k < n->n; k++) {
        if (n->layers[k].in != i && n->layers[k].in2 != i) continue;
        if (r >= 0) return -1;
        r = k;
    }
    return r;
}

static bool is_conv(const tfg_nn_layer_t *l)
{
    return l->kind == TFG_NN_CONV || l->kind == TFG_NN_DWCONV;
}

/* A conv read only by another conv gets its per-image sums from that
 * reader's tasks, right after they have written the image's gradient and
 * while it is in cache, instead of from a pass of their own. */
static bool summed_by_reader(const tfg_net_t *n, int i)
{
    const int r = sole_reader(n, i);
    return is_conv(&n->layers[i]) && r >= 0 && is_conv(&n->layers[r]);
}

/* Batch norm's gradient over `pixels` pixels (see the top of the file). */
static inline void bn_grad(const tfg_nn_layer_t *l, const float *restrict d, const float *restrict z,
                           const float *restrict mean, const float *restrict inv, const float *restrict gi,
                           const float *restrict nb, const float *restrict dgamma, float mm, size_t pixels,
                           mask_t m, bool masked, float *restrict o)
{
    const size_t c = (size_t)l->c;
    const float *restrict gamma = l->bn_params, *restrict beta = gamma + c;
    for (size_t p = 0; p < pixels; p++)
        for (size_t k = 0; k < c; k++) {
            const size_t e = p * c + k;
            float v = d[e];
            if (masked) {
                const float a = tfg_nn_bn_value(gamma[k], z[e], mean[k], inv[k], beta[k]);
                v = a > m.lo && a < m.hi ? v : 0.0f;
            }
            const float xhat = (z[e] - mean[k]) * inv[k];
            o[e] = gi[k] * (v - nb[k] - xhat * dgamma[k] / mm);
        }
}

/* The gradient at layer i's conv output for images [b0, b1): the output
 * gradient through the activation's mask and, with batch norm, through the
 * batch statistics (the sums of mask_task are in dbeta and dgamma). Written
 * into `o` (dz_floats), or the output gradient itself when it passes
 * unchanged. */
TFG_NN_VECTOR static const float *conv_grad(const job_t *j, int b0, int b1, float *restrict o)
{
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const size_t c = (size_t)l->c, px = (size_t)l->h * (size_t)l->w, off = (size_t)b0 * px * c;
    const size_t pixels = (size_t)(b1 - b0) * px;
    const float *restrict d = j->g->dout[j->i] + off;
    const mask_t m = act_mask(l->act);
    if (!tfg_nn_has_bn(l)) {
        if (!m.masked) return d;
        const float *restrict y = j->t->out[j->i] + off;
        for (size_t e = 0; e < pixels * c; e++) o[e] = y[e] > m.lo && y[e] < m.hi ? d[e] : 0.0f;
        return o;
    }
    const float mm = (float)((double)j->batch * (double)px);
    const float *z = j->t->pre[j->i] + off, *mean = j->t->mean[j->i], *inv = j->t->invstd[j->i];
    const float *dgamma = j->g->dgamma[j->i], *gi = j->g->coef, *nb = gi + c;
    if (m.masked)
        bn_grad(l, d, z, mean, inv, gi, nb, dgamma, mm, pixels, m, true, o);
    else
        bn_grad(l, d, z, mean, inv, gi, nb, dgamma, mm, pixels, m, false, o);
    return o;
}

/* Adds one image's column gradient back onto its input gradient. */
TFG_NN_VECTOR static void col2im_add(const tfg_nn_geom_t *ge, const float *dcol, float *din)
{
    const size_t ic = (size_t)ge->ic;
    for (int oy = 0; oy < ge->oh; oy++)
        for (int ox = 0; ox < ge->ow; ox++) {
            const float *c = dcol + ((size_t)oy * (size_t)ge->ow + (size_t)ox) * (size_t)ge->k;
            for (int ky = 0; ky < ge->kh; ky++) {
                const int iy = oy * ge->s - ge->pt + ky;
                for (int kx = 0; kx < ge->kw; kx++, c += ic) {
                    const int ix = ox * ge->s - ge->pl + kx;
                    if (iy < 0 || iy >= ge->ih || ix < 0 || ix >= ge->iw) continue;
                    float *d = din + ((size_t)iy * (size_t)ge->iw + (size_t)ix) * ic;
                    for (size_t k = 0; k < ic; k++) d[k] += c[k];
                }
            }
        }
}

/* A group of images: their weight gradient into wpart[task], their input
 * gradient added to dout[in]. */
static void conv_task(void *ctx, int task, int thread)
{
    const job_t *j = ctx;
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const tfg_nn_geom_t ge = tfg_nn_geom(j->n, j->i);
    const size_t px = (size_t)ge.oh * ge.ow, in_img = (size_t)ge.ih * ge.iw * ge.ic,
                 nw = (size_t)ge.oc * ge.k;
    const bool need_din = j->n->layers[l->in].kind != TFG_NN_INPUT;
    float *wp = j->g->wpart + (size_t)task * j->g->wpart_floats;
    float *din = j->g->dout[l->in], *xs = tfg_nn_scratch(j->t, thread, 0);
    int b0, b1;
    tfg_nn_group(task, j->batch, &b0, &b1);
    if (tfg_nn_direct(&ge)) {
        const int rows = (b1 - b0) * (int)px;
        const float *dz = conv_grad(j, b0, b1, j->g->dz[thread]);
        tfg_gemm(true, false, ge.oc, ge.ic, rows, 1.0f, dz, ge.oc, tfg_nn_acts(j->n, j->t, l->in, b0, b1, xs),
                 ge.ic, 0.0f, wp, ge.ic);
        /* the first writer of din overwrites it (beta 0) instead of zeroing it first */
        if (need_din)
            tfg_gemm(false, false, rows, ge.ic, ge.oc, 1.0f, dz, ge.oc, l->weights, ge.ic,
                     j->fresh ? 0.0f : 1.0f, din + (size_t)b0 * in_img, ge.ic);
        for (int b = b0; j->sums_in && b < b1; b++) image_sums(j->n, j->t, j->g, l->in, b);
        return;
    }
    if (need_din) zero_inputs(j, b0, b1);
    memset(wp, 0, sizeof(float) * nw);
    float *col = j->g->col[thread], *dcol = j->g->dcol[thread];
    for (int b = b0; b < b1; b++) {
        const float *dzb = conv_grad(j, b, b + 1, j->g->dz[thread]);
        tfg_nn_im2col(&ge, tfg_nn_acts(j->n, j->t, l->in, b, b + 1, xs), col);
        tfg_gemm(true, false, ge.oc, ge.k, (int)px, 1.0f, dzb, ge.oc, col, ge.k, 1.0f, wp, ge.k);
        if (!need_din) continue;
        tfg_gemm(false, false, (int)px, ge.k, ge.oc, 1.0f, dzb, ge.oc, l->weights, ge.k, 0.0f, dcol, ge.k);
        col2im_add(&ge, dcol, din + (size_t)b * in_img);
        if (j->sums_in) image_sums(j->n, j->t, j->g, l->in, b);
    }
}

/* A group of images. Stride 1 works on whole output rows as forward.c does:
 * the input gradient is one contiguous loop per tap, and the weight
 * gradient is gathered per output column (dwrow) and folded once per group. */
/* (Names differ from forward.c's: clang makes the clones' resolvers global.) */
TFG_NN_VECTOR static void bw_dwconv_task(void *ctx, int task, int thread)
{
    const job_t *j = ctx;
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const tfg_nn_geom_t ge = tfg_nn_geom(j->n, j->i);
    const size_t c = (size_t)ge.oc, in_img = (size_t)ge.ih * ge.iw * c;
    const size_t taps = (size_t)ge.kh * ge.kw, row = (size_t)ge.ow * c;
    float *wp = j->g->wpart + (size_t)task * j->g->wpart_floats;
    float *dwrow = j->g->dwrow + (size_t)task * j->g->dwrow_floats;
    memset(wp, 0, sizeof(float) * taps * c);
    if (ge.s == 1) memset(dwrow, 0, sizeof(float) * taps * row);
    int b0, b1;
    tfg_nn_group(task, j->batch, &b0, &b1);
    zero_inputs(j, b0, b1);
    for (int b = b0; b < b1; b++) {
        const float *in = tfg_nn_acts(j->n, j->t, l->in, b, b + 1, tfg_nn_scratch(j->t, thread, 0));
        float *din = j->g->dout[l->in] + (size_t)b * in_img;
        const float *dz = conv_grad(j, b, b + 1, j->g->dz[thread]);
        for (int oy = 0; oy < ge.oh; oy++)
            for (int ky = 0; ky < ge.kh; ky++) {
                const int iy = oy * ge.s - ge.pt + ky;
                if (iy < 0 || iy >= ge.ih) continue;
                for (int kx = 0; kx < ge.kw; kx++) {
                    const size_t tap = (size_t)(ky * ge.kw + kx);
                    int lo, hi;
                    tfg_nn_tap_columns(&ge, kx, &lo, &hi);
                    if (lo >= hi) continue;
                    const float *restrict d = dz + (size_t)oy * row;
                    if (ge.s == 1) {
                        const size_t len = (size_t)(hi - lo) * c,
                                     at = ((size_t)iy * ge.iw + (size_t)(lo - ge.pl + kx)) * c;
                        const float *restrict dd = d + (size_t)lo * c, *restrict x = in + at;
                        const float *restrict wr = j->t->wrow + tap * row;
                        float *restrict dx = din + at, *restrict dw = dwrow + tap * row;
                        for (size_t e = 0; e < len; e++) {
                            dw[e] += dd[e] * x[e];
                            dx[e] += dd[e] * wr[e];
                        }
                        continue;
                    }
                    const float *restrict w = l->weights + tap * c;
                    float *restrict dw = wp + tap * c;
                    for (int ox = lo; ox < hi; ox++) {
                        const size_t at = ((size_t)iy * ge.iw + (size_t)(ox * ge.s - ge.pl + kx)) * c;
                        const float *restrict dd = d + (size_t)ox * c, *restrict x = in + at;
                        float *restrict dx = din + at;
                        for (size_t k = 0; k < c; k++) {
                            dw[k] += dd[k] * x[k];
                            dx[k] += dd[k] * w[k];
                        }
                    }
                }
            }
        if (j->sums_in) image_sums(j->n, j->t, j->g, l->in, b);
    }
    if (ge.s == 1)
        for (size_t tap = 0; tap < taps; tap++)
            for (int ox = 0; ox < ge.ow; ox++)
                for (size_t k = 0; k < c; k++) wp[tap * c + k] += dwrow[tap * row + (size_t)ox * c + k];
}

/* Sum the per-group weight partials in group order. */
#define REDUCE_CHUNK 4096 /* weights per task */
static void reduce_task(void *ctx, int task, int thread)
{
    (void)thread;
    const job_t *j = ctx;
    const size_t nw = tfg_nn_weight_count(j->n, j->i), e0 = (size_t)task * REDUCE_CHUNK;
    const size_t e1 = e0 + REDUCE_CHUNK < nw ? e0 + REDUCE_CHUNK : nw;
    float *dw = j->g->dw[j->i];
    memcpy(dw + e0, j->g->wpart + e0, sizeof(float) * (e1 - e0));
    for (int t = 1; t < tfg_nn_groups(j->batch); t++) {
        const float *p = j->g->wpart + (size_t)t * j->g->wpart_floats;
        for (size_t e = e0; e < e1; e++) dw[e] += p[e];
    }
}

/* Bias (or beta) and gamma gradients of channels [16 task, 16 task + 16):
 * per-image sums in image order. */
static void channel_task(void *ctx, int task, int thread)
{
    (void)thread;
    const job_t *j = ctx;
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const size_t c = (size_t)l->c, k0 = (size_t)task * TFG_NN_CHANNELS;
    const size_t k1 = k0 + TFG_NN_CHANNELS < c ? k0 + TFG_NN_CHANNELS : c;
    for (size_t k = k0; k < k1; k++) {
        double s = 0.0, q = 0.0;
        for (int b = 0; b < j->batch; b++) {
            s += j->g->partial[(size_t)b * 2 * c + k];
            q += j->g->partial[(size_t)b * 2 * c + c + k];
        }
        if (tfg_nn_has_bn(l)) {
            const float inv = j->t->invstd[j->i][k], mm = (float)((double)j->batch * (double)l->h * l->w);
            j->g->dbeta[j->i][k] = (float)s;
            j->g->dgamma[j->i][k] = (float)(q * (double)inv);
            /* conv_grad's per-channel factors, rounded as it rounded them per element */
            j->g->coef[k] = l->bn_params[k] * inv;
            j->g->coef[c + k] = j->g->dbeta[j->i][k] / mm;
        } else {
            j->g->db[j->i][k] = (float)s;
        }
    }
}

static void conv_backward(const job_t *j, tfg_pool_t *pool)
{
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    if (!summed_by_reader(j->n, j->i)) tfg_pool_for(pool, j->batch, mask_task, (void *)j);
    tfg_pool_for(pool, tfg_nn_channel_tasks(l->c), channel_task, (void *)j);
    if (l->kind == TFG_NN_DWCONV) tfg_nn_dw_weight_rows(j->n, j->i, j->t);
    tfg_pool_for(pool, tfg_nn_groups(j->batch), l->kind == TFG_NN_CONV ? conv_task : bw_dwconv_task,
                 (void *)j);
    const size_t nw = tfg_nn_weight_count(j->n, j->i);
    tfg_pool_for(pool, (int)((nw + REDUCE_CHUNK - 1) / REDUCE_CHUNK), reduce_task, (void *)j);
}

static void fc_backward(const job_t *j)
{
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const size_t k = img_size(&j->n->layers[l->in]), o = (size_t)l->c;
    float *d = j->g->dout[j->i];
    for (int b = 0; b < j->batch; b++)
        for (size_t c = 0; c < o; c++)
            d[(size_t)b * o + c] *= tfg_nn_act_grad(j->t->out[j->i][(size_t)b * o + c], l->act);
    for (size_t c = 0; c < o; c++) {
        double s = 0.0;
        for (int b = 0; b < j->batch; b++) s += d[(size_t)b * o + c];
        j->g->db[j->i][c] = (float)s;
    }
    const bool drop = l->dropout > 0.0f && j->t->fc_in[j->i];
    const float *x = drop ? j->t->fc_in[j->i] : j->t->out[l->in];
    tfg_gemm(true, false, (int)o, (int)k, j->batch, 1.0f, d, (int)o, x, (int)k, 0.0f, j->g->dw[j->i], (int)k);
    if (j->n->layers[l->in].kind == TFG_NN_INPUT) return;
    float *din = j->g->dout[l->in];
    if (!drop) {
        tfg_gemm(false, false, j->batch, (int)k, (int)o, 1.0f, d, (int)o, l->weights, (int)k,
                 j->fresh ? 0.0f : 1.0f, din, (int)k);
        return;
    }
    zero_inputs(j, 0, j->batch);
    /* Through the dropout mask: dX = (dY W) * mask / (1 - p). */
    const float s = 1.0f / (1.0f - l->dropout);
    for (int b = 0; b < j->batch; b++)
        for (size_t e = 0; e < k; e++) {
            const size_t at = (size_t)b * k + e;
            if (!tfg_nn_dropout_keep(j->t->dropout_seed, j->i, at, l->dropout)) continue;
            float v = 0.0f;
            for (size_t c = 0; c < o; c++) v += d[(size_t)b * o + c] * l->weights[c * k + e];
            din[at] += v * s;
        }
}

/* Elementwise layers and pooling, a group of images per task. */
TFG_NN_VECTOR static void bw_elem_task(void *ctx, int task, int thread)
{
    const job_t *j = ctx;
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const tfg_nn_layer_t *x = &j->n->layers[l->in];
    const size_t size = img_size(l), xsize = img_size(x), c = (size_t)l->c;
    int b0, b1;
    tfg_nn_group(task, j->batch, &b0, &b1);
    zero_inputs(j, b0, b1);
    for (int b = b0; b < b1; b++) {
        float *d = j->g->dout[j->i] + (size_t)b * size;
        const float *y = j->t->out[j->i] + (size_t)b * size;
        float *din = j->g->dout[l->in] + (size_t)b * xsize;
        switch (l->kind) {
        case TFG_NN_ADD: {
            float *din2 = j->g->dout[l->in2] + (size_t)b * size;
            for (size_t e = 0; e < size; e++) {
                const float v = d[e] * tfg_nn_act_grad(y[e], l->act);
                din[e] += v;
                din2[e] += v;
            }
            break;
        }
        case TFG_NN_AVGPOOL: {
            const size_t px = (size_t)x->h * (size_t)x->w;
            const float inv = 1.0f / (float)px;
            for (size_t p = 0; p < px; p++)
                for (size_t k = 0; k < c; k++) din[p * c + k] += d[k] * inv;
            break;
        }
        case TFG_NN_SIGMOID:
            for (size_t e = 0; e < size; e++) din[e] += d[e] * y[e] * (1.0f - y[e]);
            break;
        case TFG_NN_MUL: {
            const tfg_nn_layer_t *gl = &j->n->layers[l->in2];
            const size_t gsize = img_size(gl);
            const float *xin = tfg_nn_acts(j->n, j->t, l->in, b, b + 1, tfg_nn_scratch(j->t, thread, 0));
            const float *gate = tfg_nn_acts(j->n, j->t, l->in2, b, b + 1, tfg_nn_scratch(j->t, thread, 1));
            float *dgate = j->g->dout[l->in2] + (size_t)b * gsize;
            for (size_t e = 0; e < size; e++) {
                const size_t ge = gsize == c ? e % c : e;
                din[e] += d[e] * gate[ge];
                dgate[ge] += d[e] * xin[e];
            }
            break;
        }
        default: break;
        }
    }
}

void tfg_nn_backward(const tfg_net_t *n, const tfg_nn_tape_t *t, tfg_grad_t *g, tfg_pool_t *pool)
{
    const int logits = tfg_nn_logits_layer(n);
    /* Every other gradient accumulates from its consumers; the first
     * consumer (in backward order) zeroes or overwrites it (job_t.fresh). */
    for (int i = 0; i < n->n; i++) g->written[i] = i >= logits;
    for (int i = logits; i > 0; i--) {
        const tfg_nn_layer_t *l = &n->layers[i];
        if (!g->written[i]) /* read by nothing: its gradient is zero */
            memset(g->dout[i], 0, sizeof(float) * (size_t)t->batch * img_size(l));
        job_t j = {n,
                   t,
                   g,
                   i,
                   t->batch,
                   l->in >= 0 && !g->written[l->in],
                   l->in2 >= 0 && l->in2 != l->in && !g->written[l->in2],
                   is_conv(l) && l->in >= 0 && summed_by_reader(n, l->in)};
        switch (l->kind) {
        case TFG_NN_CONV:
        case TFG_NN_DWCONV: conv_backward(&j, pool); break;
        case TFG_NN_FC: fc_backward(&j); break;
        case TFG_NN_INPUT:
        case TFG_NN_SOFTMAX: break; /* a softmax inside the net is not trained through */
        default: tfg_pool_for(pool, tfg_nn_groups(t->batch), bw_elem_task, &j); break;
        }
        if (l->kind != TFG_NN_SOFTMAX && l->kind != TFG_NN_INPUT) {
            if (l->in >= 0) g->written[l->in] = true;
            if (l->in2 >= 0) g->written[l->in2] = true;
        }
    }
}
