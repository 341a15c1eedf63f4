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

/* Depthwise backward works on zero-padded copies of one image's input x
 * and output gradient dz (pad_geom), so that no loop tests an edge: output
 * pixel (oy, ox)'s tap (ky, kx) reads xp[oy s + ky][ox s + kx], and, at
 * stride 1, input pixel (iy, ix) gathers its gradient from
 * dp[iy + kh-1 - ky][ix + kw-1 - kx]. A pass handles one kernel row and a
 * block of channels, its taps' sums (or weights) in registers; the padding
 * contributes exact zeros. */
typedef struct {
    size_t xw, xh;  /* padded input (tfg_nn_padded) */
    size_t dw_, dh; /* stride 1: padded output gradient, dz at (kh-1 - pt, kw-1 - pl) */
    size_t floats;  /* the larger of the two, per channel */
} pad_geom_t;

static pad_geom_t pad_geom(const tfg_nn_geom_t *ge)
{
    const tfg_nn_pad_t x = tfg_nn_padded(ge);
    pad_geom_t p = {x.w, x.h, (size_t)ge->ow + ge->kw - 1, (size_t)ge->oh + ge->kh - 1, 0};
    p.floats = p.xh * p.xw > p.dh * p.dw_ ? p.xh * p.xw : p.dh * p.dw_;
    return p;
}

void tfg_grad_free(tfg_grad_t *g)
{
    if (!g->slab_kept) free(g->slab);
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
    for (int th = 0; g->pad && th < g->threads; th++) free(g->pad[th]);
    free(g->pad);
    free(g->written);
    memset(g, 0, sizeof *g);
}

int tfg_grad_init(tfg_grad_t *g, const tfg_net_t *n, int cap, int threads)
{
    return tfg_grad_init_in(g, n, cap, threads, NULL);
}

int tfg_grad_init_in(tfg_grad_t *g, const tfg_net_t *n, int cap, int threads, tfg_nn_keep_t *keep)
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
    g->pad = calloc((size_t)threads, sizeof(float *));
    g->written = calloc(nl, sizeof(bool));
    bool ok = g->dout && g->dw && g->db && g->dgamma && g->dbeta && g->col && g->dcol && g->dz && g->pad &&
              g->written;
    if (ok) g->n_layers = n->n;
    int widest = 1;
    size_t wmax = 0, used = 0;
    for (int i = 0; ok && i < n->n; i++) /* the output gradients are slices of one slab */
        tfg_nn_carve(NULL, &used, (size_t)cap * img_size(&n->layers[i]));
    if (ok) {
        g->slab = tfg_nn_keep_floats(keep, used);
        g->slab_kept = keep != NULL;
        ok = g->slab != NULL;
    }
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
            size_t col = tfg_nn_direct(&ge) ? 0 : (size_t)ge.oh * ge.ow * ge.k;
            if (tfg_nn_few_inputs(&ge) && tfg_nn_few_floats(&ge) > col) col = tfg_nn_few_floats(&ge);
            if (col > g->col_floats) g->col_floats = col;
        }
        if (ok && l->kind == TFG_NN_DWCONV) {
            const tfg_nn_geom_t ge = tfg_nn_geom(n, i);
            const size_t pad = pad_geom(&ge).floats * (size_t)ge.oc;
            if (pad > g->pad_floats) g->pad_floats = pad;
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
    if (ok) ok = (g->coef = malloc(sizeof(float) * 3 * (size_t)widest)) != NULL;
    for (int th = 0; ok && th < threads && g->pad_floats; th++)
        ok = (g->pad[th] = malloc(sizeof(float) * 2 * g->pad_floats)) != NULL;
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

/* Softmax cross-entropy against per-image target distributions: q(b, c)
 * from `targets` (batch x classes) when given, else label smoothing's
 * (1 - eps + eps / classes on the label, eps / classes elsewhere). */
static double cross_entropy(const tfg_net_t *n, const tfg_nn_tape_t *t, tfg_grad_t *g, const uint8_t *labels,
                            float eps, const float *targets, int *correct)
{
    const int li = tfg_nn_logits_layer(n);
    const size_t k = img_size(&n->layers[li]);
    const double off = (double)eps / (double)k, on = 1.0 - (double)eps + off;
    double total = 0.0;
    int hits = 0;
    for (int b = 0; b < t->batch; b++) {
        const float *z = t->out[li] + (size_t)b * k;
        float *dz = g ? g->dout[li] + (size_t)b * k : NULL;
        const float *tq = targets ? targets + (size_t)b * k : NULL;
        size_t best = 0;
        for (size_t c = 1; c < k; c++) best = z[c] > z[best] ? c : best;
        hits += best == labels[b];
        double sum = 0.0;
        for (size_t c = 0; c < k; c++) sum += exp((double)z[c] - (double)z[best]);
        const double lse = (double)z[best] + log(sum);
        for (size_t c = 0; c < k; c++) {
            const double q = tq ? (double)tq[c] : c == labels[b] ? on : off, p = exp((double)z[c] - lse);
            total -= q * ((double)z[c] - lse);
            if (dz) dz[c] = (float)((p - q) / (double)t->batch);
        }
    }
    if (correct) *correct = hits;
    return total / (double)t->batch;
}

double tfg_nn_loss(const tfg_net_t *n, const tfg_nn_tape_t *t, tfg_grad_t *g, const uint8_t *labels,
                   float eps, int *correct)
{
    return cross_entropy(n, t, g, labels, eps, NULL, correct);
}

double tfg_nn_loss_soft(const tfg_net_t *n, const tfg_nn_tape_t *t, tfg_grad_t *g, const float *targets,
                        const uint8_t *labels, int *correct)
{
    return cross_entropy(n, t, g, labels, 0.0f, targets, correct);
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

/* Batch norm's gradient over `pixels` pixels (see the top of the file),
 * with the per-channel factors of channel_task: gi = gamma invstd,
 * nb = mean(g), ng = mean(g xhat). */
static inline void bn_grad(const tfg_nn_layer_t *l, const float *restrict d, const float *restrict z,
                           const float *restrict mean, const float *restrict inv, const float *restrict gi,
                           const float *restrict nb, const float *restrict ng, size_t pixels, mask_t m,
                           bool masked, float *restrict o)
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
            o[e] = gi[k] * (v - nb[k] - xhat * ng[k]);
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
    const float *z = j->t->pre[j->i] + off, *mean = j->t->mean[j->i], *inv = j->t->invstd[j->i];
    const float *gi = j->g->coef, *nb = gi + c, *ng = nb + c;
    if (m.masked)
        bn_grad(l, d, z, mean, inv, gi, nb, ng, pixels, m, true, o);
    else
        bn_grad(l, d, z, mean, inv, gi, nb, ng, pixels, m, false, o);
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

/* Tap e's weight gradient of a conv on few input channels, output
 * channels [o0, o0 + 8 nv), summed over the image's pixels. */
static TFG_NN_INLINE void few_wgrad_tap(const tfg_nn_geom_t *ge, const tfg_nn_pad_t *p,
                                        const float *restrict dz, const float *restrict xp, size_t e,
                                        size_t o0, size_t nv, float *restrict wp)
{
    const size_t ic = (size_t)ge->ic, oc = (size_t)ge->oc, s = (size_t)ge->s, k = (size_t)ge->k;
    const size_t ky = e / ((size_t)ge->kw * ic), kxi = e % ((size_t)ge->kw * ic); /* kx * ic + i */
    tfg_v8 acc[2] = {{0}, {0}}, d;
    for (size_t oy = 0; oy < (size_t)ge->oh; oy++) {
        const float *restrict x = xp + (oy * s + ky) * p->w * ic + kxi;
        const float *restrict dr = dz + oy * (size_t)ge->ow * oc + o0;
        for (size_t ox = 0; ox < (size_t)ge->ow; ox++)
            for (size_t v = 0; v < nv; v++) {
                TFG_V8_LOAD(d, dr + ox * oc + 8 * v);
                acc[v] += x[ox * s * ic] * d;
            }
    }
    for (size_t v = 0; v < nv; v++)
        for (size_t o = 0; o < 8; o++) wp[(o0 + 8 * v + o) * k + e] += acc[v][o];
}

/* One image's weight gradient of a conv on few input channels
 * (tfg_nn_few_inputs), from its padded input xp. */
TFG_NN_VECTOR static void few_wgrad(const tfg_nn_geom_t *ge, const tfg_nn_pad_t *p, const float *dz,
                                    const float *xp, float *wp)
{
    const size_t ic = (size_t)ge->ic, oc = (size_t)ge->oc, s = (size_t)ge->s, k = (size_t)ge->k;
    for (size_t e = 0; e < k; e++) {
        size_t o0 = 0;
        for (; o0 + 16 <= oc; o0 += 16) few_wgrad_tap(ge, p, dz, xp, e, o0, 2, wp);
        for (; o0 + 8 <= oc; o0 += 8) few_wgrad_tap(ge, p, dz, xp, e, o0, 1, wp);
        const size_t ky = e / ((size_t)ge->kw * ic), kxi = e % ((size_t)ge->kw * ic);
        for (; o0 < oc; o0++) { /* channels left over from the vectors */
            float acc = 0.0f;
            for (size_t oy = 0; oy < (size_t)ge->oh; oy++)
                for (size_t ox = 0; ox < (size_t)ge->ow; ox++)
                    acc += dz[(oy * (size_t)ge->ow + ox) * oc + o0] *
                           xp[((oy * s + ky) * p->w + ox * s) * ic + kxi];
            wp[o0 * k + e] += acc;
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
    if (tfg_nn_few_inputs(&ge) && !need_din) { /* a stem on the image: the forward pass's direct form */
        const tfg_nn_pad_t p = tfg_nn_padded(&ge);
        float *xp = j->g->col[thread];
        memset(xp, 0, sizeof(float) * p.h * p.w * (size_t)ge.ic);
        for (int b = b0; b < b1; b++) {
            tfg_nn_acts_padded(j->n, j->t, l->in, b, xp, p.w, (size_t)ge.pt, (size_t)ge.pl);
            few_wgrad(&ge, &p, conv_grad(j, b, b + 1, j->g->dz[thread]), xp, wp);
        }
        return;
    }
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

/* The row passes below keep their sums in vector registers (tfg_v8). A
 * pass runs over one kernel row (kw taps, kw a constant in each instance)
 * and nv vectors of channels. */
#define DW_KW_MAX 7 /* widest kernel row kept in registers; wider rows go a tap at a time */

/* Weight gradient of kernel row ky, channels [k0, k0 + 8 nv): kw sums per
 * channel over the image's output pixels. */
static TFG_NN_INLINE void dw_wgrad_row(const tfg_nn_geom_t *ge, const pad_geom_t *pg,
                                       const float *restrict dz, const float *restrict xp, int ky, size_t kw,
                                       size_t k0, size_t nv, float *restrict wp)
{
    const size_t c = (size_t)ge->oc, s = (size_t)ge->s;
    tfg_v8 acc[DW_KW_MAX][2];
    for (size_t kx = 0; kx < kw; kx++)
        for (size_t v = 0; v < nv; v++) acc[kx][v] = (tfg_v8){0};
    for (size_t oy = 0; oy < (size_t)ge->oh; oy++) {
        const float *restrict xr = xp + (oy * s + (size_t)ky) * pg->xw * c + k0;
        const float *restrict dr = dz + oy * (size_t)ge->ow * c + k0;
        for (size_t ox = 0; ox < (size_t)ge->ow; ox++)
            for (size_t v = 0; v < nv; v++) {
                tfg_v8 d, x;
                TFG_V8_LOAD(d, dr + ox * c + 8 * v);
                for (size_t kx = 0; kx < kw; kx++) {
                    TFG_V8_LOAD(x, xr + (ox * s + kx) * c + 8 * v);
                    acc[kx][v] += d * x;
                }
            }
    }
    for (size_t kx = 0; kx < kw; kx++)
        for (size_t v = 0; v < nv; v++) {
            float *o = wp + ((size_t)ky * kw + kx) * c + k0 + 8 * v;
            tfg_v8 sum;
            TFG_V8_LOAD(sum, o);
            sum += acc[kx][v];
            TFG_V8_STORE(o, sum);
        }
}

/* Kernel row ky's weights, channels [k0, k0 + 8 nv), into registers. */
static TFG_NN_INLINE void row_weights(const float *wt, size_t c, int ky, size_t kw, size_t k0, size_t nv,
                                      tfg_v8 f[DW_KW_MAX][2])
{
    for (size_t kx = 0; kx < kw; kx++)
        for (size_t v = 0; v < nv; v++) TFG_V8_LOAD(f[kx][v], wt + ((size_t)ky * kw + kx) * c + k0 + 8 * v);
}

/* Stride 1: kernel row ky's part of the input gradient, channels
 * [k0, k0 + 8 nv), gathered per input pixel with the row's weights in
 * registers. */
static TFG_NN_INLINE void dw_xgather_row(const tfg_nn_geom_t *ge, const pad_geom_t *pg,
                                         const float *restrict dp, const float *restrict wt, int ky,
                                         size_t kw, size_t k0, size_t nv, float *restrict din)
{
    const size_t c = (size_t)ge->oc, iw = (size_t)ge->iw;
    tfg_v8 f[DW_KW_MAX][2];
    row_weights(wt, c, ky, kw, k0, nv, f);
    for (size_t iy = 0; iy < (size_t)ge->ih; iy++) {
        const float *restrict dr = dp + (iy + (size_t)ge->kh - 1 - (size_t)ky) * pg->dw_ * c + k0;
        float *restrict o = din + iy * iw * c + k0;
        for (size_t ix = 0; ix < iw; ix++)
            for (size_t v = 0; v < nv; v++) {
                tfg_v8 acc, d;
                TFG_V8_LOAD(acc, o + ix * c + 8 * v);
                for (size_t kx = 0; kx < kw; kx++) {
                    TFG_V8_LOAD(d, dr + (ix + kw - 1 - kx) * c + 8 * v);
                    acc += d * f[kx][v];
                }
                TFG_V8_STORE(o + ix * c + 8 * v, acc);
            }
    }
}

/* Stride > 1: kernel row ky's part of the input gradient, channels
 * [k0, k0 + 8 nv), scattered from each output pixel into the padded buffer
 * xg (xp's geometry). */
static TFG_NN_INLINE void dw_xscatter_row(const tfg_nn_geom_t *ge, const pad_geom_t *pg,
                                          const float *restrict dz, const float *restrict wt, int ky,
                                          size_t kw, size_t k0, size_t nv, float *restrict xg)
{
    const size_t c = (size_t)ge->oc, s = (size_t)ge->s;
    tfg_v8 f[DW_KW_MAX][2];
    row_weights(wt, c, ky, kw, k0, nv, f);
    for (size_t oy = 0; oy < (size_t)ge->oh; oy++) {
        float *restrict xr = xg + (oy * s + (size_t)ky) * pg->xw * c + k0;
        const float *restrict dr = dz + oy * (size_t)ge->ow * c + k0;
        for (size_t ox = 0; ox < (size_t)ge->ow; ox++)
            for (size_t v = 0; v < nv; v++) {
                tfg_v8 d, x;
                TFG_V8_LOAD(d, dr + ox * c + 8 * v);
                for (size_t kx = 0; kx < kw; kx++) {
                    float *at = xr + (ox * s + kx) * c + 8 * v;
                    TFG_V8_LOAD(x, at);
                    x += d * f[kx][v];
                    TFG_V8_STORE(at, x);
                }
            }
    }
}

typedef enum { DW_WGRAD, DW_XGATHER, DW_XSCATTER } dw_pass_t;

/* The same three passes for one tap (ky, kx) and any channels [k0, k1):
 * kernel rows wider than DW_KW_MAX and channels left over from the vector
 * blocks. */
static void dw_tap(dw_pass_t pass, const tfg_nn_geom_t *ge, const pad_geom_t *pg, const float *restrict a,
                   const float *restrict b, int ky, int kx, size_t k0, size_t k1, float *restrict o)
{
    const size_t c = (size_t)ge->oc, s = (size_t)ge->s, tap = ((size_t)ky * ge->kw + (size_t)kx) * c;
    if (pass == DW_XGATHER) {
        for (size_t iy = 0; iy < (size_t)ge->ih; iy++)
            for (size_t ix = 0; ix < (size_t)ge->iw; ix++) {
                const float *d =
                    a + ((iy + (size_t)(ge->kh - 1 - ky)) * pg->dw_ + ix + (size_t)(ge->kw - 1 - kx)) * c;
                float *x = o + (iy * (size_t)ge->iw + ix) * c;
                for (size_t k = k0; k < k1; k++) x[k] += d[k] * b[tap + k];
            }
        return;
    }
    for (size_t oy = 0; oy < (size_t)ge->oh; oy++)
        for (size_t ox = 0; ox < (size_t)ge->ow; ox++) {
            const float *d = a + (oy * (size_t)ge->ow + ox) * c;
            const size_t at = ((oy * s + (size_t)ky) * pg->xw + ox * s + (size_t)kx) * c;
            for (size_t k = k0; k < k1; k++) {
                if (pass == DW_WGRAD)
                    o[tap + k] += d[k] * b[at + k];
                else
                    o[at + k] += d[k] * b[tap + k];
            }
        }
}

static TFG_NN_INLINE void dw_row(dw_pass_t pass, const tfg_nn_geom_t *ge, const pad_geom_t *pg,
                                 const float *a, const float *b, int ky, size_t kw, size_t k0, size_t nv,
                                 float *o)
{
    switch (pass) {
    case DW_WGRAD: dw_wgrad_row(ge, pg, a, b, ky, kw, k0, nv, o); break;
    case DW_XGATHER: dw_xgather_row(ge, pg, a, b, ky, kw, k0, nv, o); break;
    case DW_XSCATTER: dw_xscatter_row(ge, pg, a, b, ky, kw, k0, nv, o); break;
    }
}

/* One pass over every kernel row and channel: blocks of 16 channels (8 for
 * 7-wide rows, whose 14 sums would not leave registers to spare), the
 * kernel width a constant in each call. */
TFG_NN_VECTOR static void dw_passes(dw_pass_t pass, const tfg_nn_geom_t *ge, const pad_geom_t *pg,
                                    const float *a, const float *b, float *o)
{
    const size_t c = (size_t)ge->oc, kw = (size_t)ge->kw;
    const bool fast = kw == 1 || kw == 3 || kw == 5 || kw == 7;
    for (int ky = 0; ky < ge->kh; ky++) {
        size_t k0 = 0;
        for (; fast && k0 + 8 <= c;) {
            const size_t nv = k0 + 16 <= c && kw < 7 ? 2 : 1;
            switch (kw * 2 + nv) {
            case 3: dw_row(pass, ge, pg, a, b, ky, 1, k0, 1, o); break;
            case 4: dw_row(pass, ge, pg, a, b, ky, 1, k0, 2, o); break;
            case 7: dw_row(pass, ge, pg, a, b, ky, 3, k0, 1, o); break;
            case 8: dw_row(pass, ge, pg, a, b, ky, 3, k0, 2, o); break;
            case 11: dw_row(pass, ge, pg, a, b, ky, 5, k0, 1, o); break;
            case 12: dw_row(pass, ge, pg, a, b, ky, 5, k0, 2, o); break;
            default: dw_row(pass, ge, pg, a, b, ky, 7, k0, 1, o); break;
            }
            k0 += 8 * nv;
        }
        if (k0 < c)
            for (int kx = 0; kx < ge->kw; kx++) dw_tap(pass, ge, pg, a, b, ky, kx, k0, c, o);
    }
}

/* A group of images: their weight gradient into wpart[task], their input
 * gradient added to dout[in]. */
/* (Names differ from forward.c's: clang makes the clones' resolvers global.) */
static void bw_dwconv_task(void *ctx, int task, int thread)
{
    const job_t *j = ctx;
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const tfg_nn_geom_t ge = tfg_nn_geom(j->n, j->i);
    const pad_geom_t pg = pad_geom(&ge);
    const size_t c = (size_t)ge.oc, in_img = (size_t)ge.ih * ge.iw * c;
    float *wp = j->g->wpart + (size_t)task * j->g->wpart_floats;
    float *xp = j->g->pad[thread], *gp = xp + j->g->pad_floats; /* gp: dp (stride 1) or the scatter buffer */
    memset(wp, 0, sizeof(float) * (size_t)ge.kh * ge.kw * c);
    memset(xp, 0, sizeof(float) * pg.xh * pg.xw * c);
    if (ge.s == 1) memset(gp, 0, sizeof(float) * pg.dh * pg.dw_ * c);
    int b0, b1;
    tfg_nn_group(task, j->batch, &b0, &b1);
    for (int b = b0; b < b1; b++) {
        zero_inputs(j, b, b + 1); /* an image at a time: it stays in cache for the passes */
        float *din = j->g->dout[l->in] + (size_t)b * in_img;
        const float *dz = conv_grad(j, b, b + 1, j->g->dz[thread]);
        tfg_nn_acts_padded(j->n, j->t, l->in, b, xp, pg.xw, (size_t)ge.pt, (size_t)ge.pl);
        dw_passes(DW_WGRAD, &ge, &pg, dz, xp, wp);
        if (ge.s == 1) {
            tfg_nn_pad_copy(dz, (size_t)ge.oh, (size_t)ge.ow, c, gp, pg.dw_, (size_t)(ge.kh - 1 - ge.pt),
                            (size_t)(ge.kw - 1 - ge.pl));
            dw_passes(DW_XGATHER, &ge, &pg, gp, l->weights, din);
        } else {
            memset(gp, 0, sizeof(float) * pg.xh * pg.xw * c);
            dw_passes(DW_XSCATTER, &ge, &pg, dz, l->weights, gp);
            for (int y = 0; y < ge.ih; y++) {
                const float *src = gp + (((size_t)y + ge.pt) * pg.xw + (size_t)ge.pl) * c;
                float *dst = din + (size_t)y * ge.iw * c;
                for (size_t e = 0; e < (size_t)ge.iw * c; e++) dst[e] += src[e];
            }
        }
        if (j->sums_in) image_sums(j->n, j->t, j->g, l->in, b);
    }
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
            /* conv_grad's per-channel factors */
            j->g->coef[k] = l->bn_params[k] * inv;
            j->g->coef[c + k] = j->g->dbeta[j->i][k] / mm;
            j->g->coef[2 * c + k] = j->g->dgamma[j->i][k] / mm;
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
