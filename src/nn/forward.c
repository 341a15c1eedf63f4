/* The batched float forward pass (see forward.h).
 *
 * Convolutions are matrix products: a 1x1 stride-1 conv multiplies the
 * input rows of a group of images by the weight rows directly; other convs
 * gather each image's columns first (im2col). Depthwise convs are direct
 * loops with channels innermost, so they vectorize. A layer with batch norm
 * computes its conv into `pre`, gathers per-image channel sums on the way
 * (while the image is in cache), then normalizes and activates. */
#include "nn/forward.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/bigmem.h"
#include "nn/gemm.h"

static size_t img_size(const tfg_nn_layer_t *l)
{
    return (size_t)l->h * (size_t)l->w * (size_t)l->c;
}

/* TFLite SAME padding: leading pad for one axis (the odd extra pad goes
 * bottom/right), so float and int8 graphs agree on every shape. */
static int pad_lead(int in, int out, int k, int stride)
{
    const int total = (out - 1) * stride + k - in;
    return total > 0 ? total / 2 : 0;
}

tfg_nn_geom_t tfg_nn_geom(const tfg_net_t *n, int i)
{
    const tfg_nn_layer_t *l = &n->layers[i], *x = &n->layers[l->in];
    tfg_nn_geom_t g = {x->h, x->w, x->c, l->h, l->w, l->c, l->k_h, l->k_w, l->stride, 0, 0, 0};
    g.pt = pad_lead(x->h, l->h, l->k_h, l->stride);
    g.pl = pad_lead(x->w, l->w, l->k_w, l->stride);
    g.k = l->k_h * l->k_w * x->c;
    return g;
}

void tfg_nn_im2col(const tfg_nn_geom_t *g, const float *in, float *col)
{
    const size_t ic = (size_t)g->ic;
    for (int oy = 0; oy < g->oh; oy++)
        for (int ox = 0; ox < g->ow; ox++) {
            float *restrict c = col + ((size_t)oy * (size_t)g->ow + (size_t)ox) * (size_t)g->k;
            for (int ky = 0; ky < g->kh; ky++) {
                const int iy = oy * g->s - g->pt + ky;
                for (int kx = 0; kx < g->kw; kx++, c += ic) {
                    const int ix = ox * g->s - g->pl + kx;
                    const bool inside = iy >= 0 && iy < g->ih && ix >= 0 && ix < g->iw;
                    const float *restrict x =
                        inside ? in + ((size_t)iy * (size_t)g->iw + (size_t)ix) * ic : NULL;
                    /* a loop, not memcpy: a stem's few channels made every tap a library call */
                    for (size_t k = 0; k < ic; k++) c[k] = inside ? x[k] : 0.0f;
                }
            }
        }
}

tfg_nn_pad_t tfg_nn_padded(const tfg_nn_geom_t *g)
{
    tfg_nn_pad_t p = {(size_t)(g->oh - 1) * g->s + g->kh, (size_t)(g->ow - 1) * g->s + g->kw};
    /* rows and columns the kernel never reads still hold the image */
    if (p.h < (size_t)g->ih + g->pt) p.h = (size_t)g->ih + g->pt;
    if (p.w < (size_t)g->iw + g->pl) p.w = (size_t)g->iw + g->pl;
    return p;
}

void tfg_nn_pad_copy(const float *src, size_t h, size_t w, size_t c, float *dst, size_t pw, size_t top,
                     size_t left)
{
    for (size_t y = 0; y < h; y++)
        memcpy(dst + ((y + top) * pw + left) * c, src + y * w * c, sizeof(float) * w * c);
}

size_t tfg_nn_few_floats(const tfg_nn_geom_t *g)
{
    const tfg_nn_pad_t p = tfg_nn_padded(g);
    return p.h * p.w * (size_t)g->ic + (size_t)g->k * (size_t)g->oc;
}

void tfg_nn_few_weights(const tfg_nn_geom_t *g, const float *w, float *wt)
{
    for (size_t o = 0; o < (size_t)g->oc; o++)
        for (size_t e = 0; e < (size_t)g->k; e++) wt[e * (size_t)g->oc + o] = w[o * (size_t)g->k + e];
}

void tfg_nn_tape_free(tfg_nn_tape_t *t)
{
    for (int i = 0; i < t->n_layers; i++) {
        if (t->mean) free(t->mean[i]);
        if (t->invstd) free(t->invstd[i]);
    }
    if (!t->slab_kept) free(t->slab);
    for (int th = 0; t->col && th < t->threads; th++) free(t->col[th]);
    for (int th = 0; t->xs && th < t->threads; th++) free(t->xs[th]);
    free(t->xs);
    free(t->out);
    free(t->pre);
    free(t->mean);
    free(t->invstd);
    free(t->fc_in);
    free(t->col);
    free(t->partial);
    memset(t, 0, sizeof *t);
}

/* Layer i is recomputed by its readers (see tfg_nn_tape_init): a training
 * tape, batch norm, and every reader a conv or an elementwise layer (an FC
 * or the loss reads the whole batch at once). */
static bool recomputed(const tfg_net_t *n, int i, bool train)
{
    if (!train || !tfg_nn_has_bn(&n->layers[i])) return false;
    int readers = 0;
    for (int r = i + 1; r < n->n; r++) {
        const tfg_nn_layer_t *l = &n->layers[r];
        if (l->in != i && l->in2 != i) continue;
        readers++;
        if (l->kind == TFG_NN_FC || l->kind == TFG_NN_SOFTMAX) return false;
    }
    return readers > 0;
}

int tfg_nn_tape_init(tfg_nn_tape_t *t, const tfg_net_t *n, int cap, int threads, bool train)
{
    return tfg_nn_tape_init_in(t, n, cap, threads, train, NULL);
}

int tfg_nn_tape_init_in(tfg_nn_tape_t *t, const tfg_net_t *n, int cap, int threads, bool train,
                        tfg_nn_keep_t *keep)
{
    memset(t, 0, sizeof *t);
    if (cap < 1 || threads < 1) return -1;
    t->cap = cap, t->train = train, t->threads = threads, t->n_layers = n->n;
    const size_t nl = (size_t)n->n;
    t->out = calloc(nl, sizeof(float *));
    t->pre = calloc(nl, sizeof(float *));
    t->mean = calloc(nl, sizeof(float *));
    t->invstd = calloc(nl, sizeof(float *));
    t->fc_in = calloc(nl, sizeof(float *));
    t->col = calloc((size_t)threads, sizeof(float *));
    t->xs = calloc((size_t)threads, sizeof(float *));
    bool ok = t->out && t->pre && t->mean && t->invstd && t->fc_in && t->col && t->xs;
    /* The batch buffers are slices of one slab: a first pass counts. */
    size_t used = 0;
    for (int pass = 0; ok && pass < 2; pass++) {
        if (pass == 1) {
            t->slab = tfg_nn_keep_floats(keep, used);
            t->slab_kept = keep != NULL;
            ok = t->slab != NULL, used = 0;
        }
        for (int i = 0; ok && i < n->n; i++) {
            const tfg_nn_layer_t *l = &n->layers[i];
            const size_t size = (size_t)cap * img_size(l);
            if (l->c > t->widest) t->widest = l->c;
            if (recomputed(n, i, train)) {
                const size_t group = (size_t)TFG_NN_GROUP * img_size(l);
                if (group > t->xs_floats) t->xs_floats = group;
            } else {
                t->out[i] = tfg_nn_carve(t->slab, &used, size);
            }
            if (l->kind == TFG_NN_CONV || l->kind == TFG_NN_DWCONV) {
                const tfg_nn_geom_t g = tfg_nn_geom(n, i);
                size_t col = l->kind == TFG_NN_CONV && !tfg_nn_direct(&g) ? (size_t)g.oh * g.ow * g.k : 0;
                if (l->kind == TFG_NN_CONV && tfg_nn_few_inputs(&g)) col = tfg_nn_few_floats(&g);
                if (col > t->col_floats) t->col_floats = col;
                if (train && tfg_nn_has_bn(l)) {
                    t->pre[i] = tfg_nn_carve(t->slab, &used, size);
                    if (pass == 1)
                        ok = (t->mean[i] = malloc(sizeof(float) * l->c)) &&
                             (t->invstd[i] = malloc(sizeof(float) * l->c));
                }
            }
            if (train && l->kind == TFG_NN_FC && l->dropout > 0.0f)
                t->fc_in[i] = tfg_nn_carve(t->slab, &used, (size_t)cap * img_size(&n->layers[l->in]));
        }
    }
    for (int th = 0; ok && th < threads && t->col_floats; th++)
        ok = (t->col[th] = malloc(sizeof(float) * t->col_floats)) != NULL;
    for (int th = 0; ok && th < threads && t->xs_floats; th++)
        ok = (t->xs[th] = malloc(sizeof(float) * 2 * t->xs_floats)) != NULL;
    if (ok) ok = (t->partial = malloc(sizeof(float) * (size_t)cap * 2 * (size_t)t->widest)) != NULL;
    if (!ok) {
        tfg_nn_tape_free(t);
        return -1;
    }
    return 0;
}

typedef struct {
    const tfg_net_t *n;
    tfg_nn_tape_t *t;
    int i, batch;
    bool train;
    uint64_t seed;
    float *scale, *shift; /* evaluation-mode batch norm per channel */
} job_t;

/* One image's mean and sum of squared deviations of channels [k0, k0 + w)
 * (tfg_nn_block). */
static TFG_NN_INLINE void image_stats(const float *restrict z, size_t px, size_t c, size_t k0, size_t w,
                                      float *restrict mean, float *restrict sq)
{
    float m[TFG_NN_BLOCK_MAX], q[TFG_NN_BLOCK_MAX];
    for (size_t k = 0; k < w; k++) m[k] = q[k] = 0.0f;
    for (size_t p = 0; p < px; p++)
        for (size_t k = 0; k < w; k++) m[k] += z[p * c + k0 + k];
    for (size_t k = 0; k < w; k++) m[k] /= (float)px;
    for (size_t p = 0; p < px; p++)
        for (size_t k = 0; k < w; k++) {
            const float e = z[p * c + k0 + k] - m[k];
            q[k] += e * e;
        }
    for (size_t k = 0; k < w; k++) mean[k0 + k] = m[k], sq[k0 + k] = q[k];
}

/* After image b's conv output is in dst: bias and activation (no batch
 * norm), running-statistics batch norm and activation (evaluation), or
 * per-image channel sums for the batch statistics (training). */
TFG_NN_VECTOR static void conv_epilogue(const job_t *j, int b)
{
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const size_t c = (size_t)l->c, px = (size_t)l->h * (size_t)l->w;
    float *o = j->train && tfg_nn_has_bn(l) ? NULL : j->t->out[j->i] + (size_t)b * px * c;
    if (!tfg_nn_has_bn(l)) {
        for (size_t p = 0; p < px; p++)
            for (size_t k = 0; k < c; k++) o[p * c + k] = tfg_nn_act(o[p * c + k] + l->bias[k], l->act);
    } else if (!j->train) {
        for (size_t p = 0; p < px; p++)
            for (size_t k = 0; k < c; k++)
                o[p * c + k] = tfg_nn_act(o[p * c + k] * j->scale[k] + j->shift[k], l->act);
    } else {
        /* Two passes over the image while it is in cache: its mean, then its
         * squared deviations; batch_stats combines images exactly (Chan et
         * al.), which keeps the variance accurate when |mean| >> std. */
        const float *z = j->t->pre[j->i] + (size_t)b * px * c;
        float *m = j->t->partial + (size_t)b * 2 * c, *q = m + c;
        for (size_t k0 = 0; k0 < c;) {
            const size_t w = tfg_nn_block(c - k0);
            switch (w) {
            case 16: image_stats(z, px, c, k0, 16, m, q); break;
            case 8: image_stats(z, px, c, k0, 8, m, q); break;
            default: image_stats(z, px, c, k0, 1, m, q); break;
            }
            k0 += w;
        }
    }
}

static float *conv_dst(const job_t *j)
{
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    return tfg_nn_has_bn(l) && j->train ? j->t->pre[j->i] : j->t->out[j->i];
}

/* Output pixel (oy, ox) of a conv on few input channels, output channels
 * [o0, o0 + 8 nv): xp is the pixel's first tap in the padded input. */
static TFG_NN_INLINE void few_pixel(const tfg_nn_geom_t *g, const float *restrict xp, size_t pw,
                                    const float *restrict wt, size_t o0, size_t nv, float *restrict out)
{
    const size_t ic = (size_t)g->ic, oc = (size_t)g->oc;
    tfg_v8 acc[2] = {{0}, {0}}, w;
    const float *restrict f = wt + o0;
    for (size_t ky = 0; ky < (size_t)g->kh; ky++)
        for (size_t e = 0; e < (size_t)g->kw * ic; e++, f += oc) {
            const float x = xp[ky * pw * ic + e];
            for (size_t v = 0; v < nv; v++) {
                TFG_V8_LOAD(w, f + 8 * v);
                acc[v] += x * w;
            }
        }
    for (size_t v = 0; v < nv; v++) TFG_V8_STORE(out + o0 + 8 * v, acc[v]);
}

/* One image of a conv on few input channels (tfg_nn_few_inputs); scratch
 * holds tfg_nn_few_floats. */
TFG_NN_VECTOR static void few_conv(const tfg_nn_geom_t *g, const float *in, const float *weights,
                                   float *scratch, float *out)
{
    const tfg_nn_pad_t p = tfg_nn_padded(g);
    const size_t ic = (size_t)g->ic, oc = (size_t)g->oc, s = (size_t)g->s;
    float *xp = scratch, *wt = scratch + p.h * p.w * ic;
    memset(xp, 0, sizeof(float) * p.h * p.w * ic);
    tfg_nn_pad_copy(in, (size_t)g->ih, (size_t)g->iw, ic, xp, p.w, (size_t)g->pt, (size_t)g->pl);
    tfg_nn_few_weights(g, weights, wt);
    for (size_t oy = 0; oy < (size_t)g->oh; oy++)
        for (size_t ox = 0; ox < (size_t)g->ow; ox++) {
            const float *x = xp + (oy * s * p.w + ox * s) * ic;
            float *o = out + (oy * (size_t)g->ow + ox) * oc;
            size_t o0 = 0;
            for (; o0 + 16 <= oc; o0 += 16) few_pixel(g, x, p.w, wt, o0, 2, o);
            for (; o0 + 8 <= oc; o0 += 8) few_pixel(g, x, p.w, wt, o0, 1, o);
            for (; o0 < oc; o0++) { /* channels left over from the vectors */
                float acc = 0.0f;
                for (size_t ky = 0; ky < (size_t)g->kh; ky++)
                    for (size_t e = 0; e < (size_t)g->kw * ic; e++)
                        acc += x[ky * p.w * ic + e] * wt[(ky * (size_t)g->kw * ic + e) * oc + o0];
                o[o0] = acc;
            }
        }
}

static void conv_task(void *ctx, int task, int thread)
{
    const job_t *j = ctx;
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const tfg_nn_geom_t g = tfg_nn_geom(j->n, j->i);
    float *dst = conv_dst(j);
    const size_t px = (size_t)g.oh * (size_t)g.ow;
    int b0 = task, b1 = task + 1;
    if (tfg_nn_direct(&g)) {
        tfg_nn_group(task, j->batch, &b0, &b1);
        const float *in = tfg_nn_acts(j->n, j->t, l->in, b0, b1, tfg_nn_scratch(j->t, thread, 0));
        tfg_gemm(false, true, (b1 - b0) * (int)px, g.oc, g.ic, 1.0f, in, g.ic, l->weights, g.ic, 0.0f,
                 dst + (size_t)b0 * px * g.oc, g.oc);
    } else if (tfg_nn_few_inputs(&g)) {
        few_conv(&g, tfg_nn_acts(j->n, j->t, l->in, b0, b1, tfg_nn_scratch(j->t, thread, 0)), l->weights,
                 j->t->col[thread], dst + (size_t)b0 * px * g.oc);
    } else {
        float *col = j->t->col[thread];
        tfg_nn_im2col(&g, tfg_nn_acts(j->n, j->t, l->in, b0, b1, tfg_nn_scratch(j->t, thread, 0)), col);
        tfg_gemm(false, true, (int)px, g.oc, g.k, 1.0f, col, g.k, l->weights, g.k, 0.0f,
                 dst + (size_t)b0 * px * g.oc, g.oc);
    }
    for (int b = b0; b < b1; b++) conv_epilogue(j, b);
}

/* One output pixel of a depthwise conv, channels [k0, k0 + w)
 * (tfg_nn_block): its ny x nx taps inside the image, kernel rows then
 * columns, summed in registers. in and wt point at the first such tap's
 * input pixel and weights. */
static TFG_NN_INLINE void dw_pixel(const float *restrict in, const float *restrict wt, size_t c, size_t iw,
                                   size_t kw, int ny, int nx, size_t k0, size_t w, float *restrict out)
{
    float acc[TFG_NN_BLOCK_MAX];
    for (size_t k = 0; k < w; k++) acc[k] = 0.0f;
    for (int ky = 0; ky < ny; ky++)
        for (int kx = 0; kx < nx; kx++) {
            const float *restrict x = in + ((size_t)ky * iw + (size_t)kx) * c + k0;
            const float *restrict f = wt + ((size_t)ky * kw + (size_t)kx) * c + k0;
            for (size_t k = 0; k < w; k++) acc[k] += x[k] * f[k];
        }
    for (size_t k = 0; k < w; k++) out[k0 + k] = acc[k];
}

/* One image. Each output pixel keeps its sums in registers while it runs
 * over its taps (a loop per tap over whole rows kept them in memory, a load
 * and a store per tap); the taps come in the same order, so the sums are
 * the same to the bit. */
TFG_NN_VECTOR static void dwconv_task(void *ctx, int b, int thread)
{
    const job_t *j = ctx;
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const tfg_nn_geom_t g = tfg_nn_geom(j->n, j->i);
    const size_t c = (size_t)g.oc;
    const float *in = tfg_nn_acts(j->n, j->t, l->in, b, b + 1, tfg_nn_scratch(j->t, thread, 0));
    float *o = conv_dst(j) + (size_t)b * g.oh * g.ow * c;
    for (int oy = 0; oy < g.oh; oy++) {
        const int iy = oy * g.s - g.pt; /* the kernel's top row */
        const int ky0 = iy < 0 ? -iy : 0, ky1 = g.ih - iy < g.kh ? g.ih - iy : g.kh;
        for (int ox = 0; ox < g.ow; ox++) {
            const int ix = ox * g.s - g.pl;
            const int kx0 = ix < 0 ? -ix : 0, kx1 = g.iw - ix < g.kw ? g.iw - ix : g.kw;
            const float *x = in + ((size_t)(iy + ky0) * g.iw + (size_t)(ix + kx0)) * c;
            const float *f = l->weights + ((size_t)ky0 * g.kw + (size_t)kx0) * c;
            const int ny = ky1 - ky0, nx = kx1 - kx0;
            const size_t iw = (size_t)g.iw, kw = (size_t)g.kw;
            float *out = o + ((size_t)oy * g.ow + (size_t)ox) * c;
            for (size_t k0 = 0; k0 < c;) {
                const size_t w = tfg_nn_block(c - k0);
                switch (w) {
                case 16: dw_pixel(x, f, c, iw, kw, ny, nx, k0, 16, out); break;
                case 8: dw_pixel(x, f, c, iw, kw, ny, nx, k0, 8, out); break;
                default: dw_pixel(x, f, c, iw, kw, ny, nx, k0, 1, out); break;
                }
                k0 += w;
            }
        }
    }
    conv_epilogue(j, b);
}

/* Training: layer i's batch norm (batch statistics) and activation over
 * `pixels` pixels of pre from z on. */
TFG_NN_VECTOR static void bn_apply(const tfg_nn_layer_t *l, const float *restrict z, const float *zlim,
                                   const float *restrict mean, const float *restrict inv, size_t pixels,
                                   float *restrict o)
{
    const size_t c = (size_t)l->c;
    const float *gamma = l->bn_params, *beta = l->bn_params + c;
    for (size_t p = 0; p < pixels; p++) {
        tfg_nn_prefetch(z + p * c, zlim, c);
        for (size_t k = 0; k < c; k++)
            o[p * c + k] =
                tfg_nn_act(tfg_nn_bn_value(gamma[k], z[p * c + k], mean[k], inv[k], beta[k]), l->act);
    }
}

/* Training, a stored layer: normalize and activate a group of images. */
static void bn_task(void *ctx, int task, int thread)
{
    (void)thread;
    const job_t *j = ctx;
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const size_t size = img_size(l);
    int b0, b1;
    tfg_nn_group(task, j->batch, &b0, &b1);
    bn_apply(l, j->t->pre[j->i] + (size_t)b0 * size, j->t->pre[j->i] + (size_t)j->t->cap * size,
             j->t->mean[j->i], j->t->invstd[j->i], (size_t)(b1 - b0) * l->h * l->w,
             j->t->out[j->i] + (size_t)b0 * size);
}

const float *tfg_nn_acts(const tfg_net_t *n, const tfg_nn_tape_t *t, int i, int b0, int b1, float *scratch)
{
    const tfg_nn_layer_t *l = &n->layers[i];
    const size_t size = img_size(l);
    if (t->out[i]) return t->out[i] + (size_t)b0 * size;
    bn_apply(l, t->pre[i] + (size_t)b0 * size, t->pre[i] + (size_t)t->cap * size, t->mean[i], t->invstd[i],
             (size_t)(b1 - b0) * l->h * l->w, scratch);
    return scratch;
}

void tfg_nn_acts_padded(const tfg_net_t *n, const tfg_nn_tape_t *t, int i, int b, float *dst, size_t pw,
                        size_t top, size_t left)
{
    const tfg_nn_layer_t *l = &n->layers[i];
    const size_t size = img_size(l), row = (size_t)l->w * (size_t)l->c;
    if (t->out[i]) {
        tfg_nn_pad_copy(t->out[i] + (size_t)b * size, (size_t)l->h, (size_t)l->w, (size_t)l->c, dst, pw, top,
                        left);
        return;
    }
    const float *z = t->pre[i] + (size_t)b * size, *lim = t->pre[i] + (size_t)t->cap * size;
    for (size_t y = 0; y < (size_t)l->h; y++)
        bn_apply(l, z + y * row, lim, t->mean[i], t->invstd[i], (size_t)l->w,
                 dst + ((y + top) * pw + left) * (size_t)l->c);
}

/* The batch statistics of channels [16 task, 16 task + 16). */
static void batch_stats_task(void *ctx, int task, int thread)
{
    (void)thread;
    const job_t *j = ctx;
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const size_t c = (size_t)l->c, k0 = (size_t)task * TFG_NN_CHANNELS;
    const size_t k1 = k0 + TFG_NN_CHANNELS < c ? k0 + TFG_NN_CHANNELS : c;
    const double px = (double)l->h * l->w;
    for (size_t k = k0; k < k1; k++) {
        /* Chan, Golub and LeVeque's pairwise update, image by image. */
        double count = 0.0, mean = 0.0, m2 = 0.0;
        for (int b = 0; b < j->batch; b++) {
            const double mb = j->t->partial[(size_t)b * 2 * c + k],
                         qb = j->t->partial[(size_t)b * 2 * c + c + k];
            const double delta = mb - mean, total = count + px;
            mean += delta * px / total;
            m2 += qb + delta * delta * count * px / total;
            count = total;
        }
        j->t->mean[j->i][k] = (float)mean;
        j->t->invstd[j->i][k] = (float)(1.0 / sqrt(m2 / count + (double)TFG_NN_BN_EPS));
    }
}

/* Elementwise layers and pooling, a group of images per task. */
TFG_NN_VECTOR static void elem_task(void *ctx, int task, int thread)
{
    const job_t *j = ctx;
    const tfg_net_t *n = j->n;
    const tfg_nn_layer_t *l = &n->layers[j->i];
    const tfg_nn_layer_t *x = &n->layers[l->in];
    int b0, b1;
    tfg_nn_group(task, j->batch, &b0, &b1);
    const size_t size = img_size(l), c = (size_t)l->c;
    const float *in0 = tfg_nn_acts(n, j->t, l->in, b0, b1, tfg_nn_scratch(j->t, thread, 0));
    const float *in2 =
        l->in2 < 0 ? NULL : tfg_nn_acts(n, j->t, l->in2, b0, b1, tfg_nn_scratch(j->t, thread, 1));
    for (int b = b0; b < b1; b++) {
        const float *in = in0 + (size_t)(b - b0) * img_size(x);
        float *out = j->t->out[j->i] + (size_t)b * size;
        switch (l->kind) {
        case TFG_NN_ADD: {
            const float *o2 = in2 + (size_t)(b - b0) * size;
            for (size_t e = 0; e < size; e++) out[e] = tfg_nn_act(in[e] + o2[e], l->act);
            break;
        }
        case TFG_NN_AVGPOOL: {
            const size_t px = (size_t)x->h * (size_t)x->w;
            for (size_t k = 0; k < c; k++) out[k] = 0.0f;
            for (size_t p = 0; p < px; p++)
                for (size_t k = 0; k < c; k++) out[k] += in[p * c + k];
            for (size_t k = 0; k < c; k++) out[k] /= (float)px;
            break;
        }
        case TFG_NN_SIGMOID:
            for (size_t e = 0; e < size; e++) out[e] = 1.0f / (1.0f + expf(-in[e]));
            break;
        case TFG_NN_MUL: {
            const tfg_nn_layer_t *y = &n->layers[l->in2];
            const size_t ysize = img_size(y);
            const float *g = in2 + (size_t)(b - b0) * ysize;
            for (size_t e = 0; e < size; e++) out[e] = in[e] * g[ysize == c ? e % c : e];
            break;
        }
        case TFG_NN_SOFTMAX:
            /* over the last axis, as TFLite */
            for (size_t p = 0; p < size; p += c) {
                float mx = in[p];
                for (size_t k = 1; k < c; k++) mx = in[p + k] > mx ? in[p + k] : mx;
                double sum = 0.0;
                for (size_t k = 0; k < c; k++) sum += exp((double)(in[p + k] - mx));
                for (size_t k = 0; k < c; k++) out[p + k] = (float)(exp((double)(in[p + k] - mx)) / sum);
            }
            break;
        default: break;
        }
    }
}

bool tfg_nn_dropout_keep(uint64_t seed, int i, size_t e, float p)
{
    tfg_rng_t r = {seed ^ ((uint64_t)i << 48) ^ (uint64_t)e * UINT64_C(0x9E3779B97F4A7C15)};
    return tfg_rng_uniform(&r) >= p;
}

static void fc_forward(const job_t *j)
{
    const tfg_nn_layer_t *l = &j->n->layers[j->i];
    const size_t k = img_size(&j->n->layers[l->in]), o = (size_t)l->c;
    const float *in = j->t->out[l->in];
    if (j->train && l->dropout > 0.0f) {
        float *m = j->t->fc_in[j->i];
        const float s = 1.0f / (1.0f - l->dropout);
        for (size_t e = 0; e < (size_t)j->batch * k; e++)
            m[e] = tfg_nn_dropout_keep(j->seed, j->i, e, l->dropout) ? in[e] * s : 0.0f;
        in = m;
    }
    float *out = j->t->out[j->i];
    tfg_gemm(false, true, j->batch, (int)o, (int)k, 1.0f, in, (int)k, l->weights, (int)k, 0.0f, out, (int)o);
    for (int b = 0; b < j->batch; b++)
        for (size_t c = 0; c < o; c++)
            out[(size_t)b * o + c] = tfg_nn_act(out[(size_t)b * o + c] + l->bias[c], l->act);
}

void tfg_nn_forward(const tfg_net_t *n, tfg_nn_tape_t *t, tfg_pool_t *pool, const float *input, int batch,
                    bool train, uint64_t dropout_seed)
{
    t->batch = batch;
    t->dropout_seed = dropout_seed;
    float *bn_scale = (float *)t->partial, *bn_shift = bn_scale + t->widest; /* evaluation only */
    for (int i = 0; i < n->n; i++) {
        const tfg_nn_layer_t *l = &n->layers[i];
        job_t j = {n, t, i, batch, train && t->train, dropout_seed, bn_scale, bn_shift};
        switch (l->kind) {
        case TFG_NN_INPUT: memcpy(t->out[i], input, sizeof(float) * (size_t)batch * img_size(l)); break;
        case TFG_NN_CONV:
        case TFG_NN_DWCONV: {
            if (tfg_nn_has_bn(l) && !j.train) {
                const float *gm = l->bn_params, *bt = gm + l->c, *mu = bt + l->c, *var = mu + l->c;
                for (int k = 0; k < l->c; k++) {
                    bn_scale[k] = gm[k] / sqrtf(var[k] + TFG_NN_BN_EPS);
                    bn_shift[k] = bt[k] + (l->bias[k] - mu[k]) * bn_scale[k];
                }
            }
            const tfg_nn_geom_t g = tfg_nn_geom(n, i);
            if (l->kind == TFG_NN_DWCONV) {
                tfg_pool_for(pool, batch, dwconv_task, &j);
            } else
                tfg_pool_for(pool, tfg_nn_direct(&g) ? tfg_nn_groups(batch) : batch, conv_task, &j);
            if (tfg_nn_has_bn(l) && j.train) {
                tfg_pool_for(pool, tfg_nn_channel_tasks(l->c), batch_stats_task, &j);
                if (t->out[i]) tfg_pool_for(pool, tfg_nn_groups(batch), bn_task, &j);
            }
            break;
        }
        case TFG_NN_FC: fc_forward(&j); break;
        default: tfg_pool_for(pool, tfg_nn_groups(batch), elem_task, &j); break;
        }
    }
}

void tfg_nn_update_running(tfg_net_t *n, const tfg_nn_tape_t *t, float m)
{
    for (int i = 0; i < n->n; i++) {
        tfg_nn_layer_t *l = &n->layers[i];
        if (!tfg_nn_has_bn(l) || !t->mean[i]) continue;
        const double count = (double)t->batch * l->h * l->w;
        float *mu = l->bn_params + 2 * l->c, *var = mu + l->c;
        for (int k = 0; k < l->c; k++) {
            const double inv = t->invstd[i][k];
            double v = 1.0 / (inv * inv) - (double)TFG_NN_BN_EPS;
            if (v < 0.0) v = 0.0;
            if (count > 1.0) v *= count / (count - 1.0);
            mu[k] = (1.0f - m) * mu[k] + m * t->mean[i][k];
            var[k] = (1.0f - m) * var[k] + m * (float)v;
        }
    }
}

int tfg_nn_ranges(const tfg_net_t *n, const float *x, int count, tfg_pool_t *pool, float *mins, float *maxs)
{
    const int cap = count < 64 ? count : 64;
    if (cap < 1) return 0;
    tfg_nn_tape_t t;
    if (tfg_nn_tape_init(&t, n, cap, tfg_pool_threads(pool), false) < 0) return -1;
    const size_t isz = img_size(&n->layers[0]);
    for (int first = 0; first < count; first += cap) {
        const int batch = first + cap <= count ? cap : count - first;
        tfg_nn_forward(n, &t, pool, x + (size_t)first * isz, batch, false, 0);
        for (int i = 0; i < n->n; i++) {
            const float *v = t.out[i];
            float lo = mins[i], hi = maxs[i];
            for (size_t e = 0; e < (size_t)batch * img_size(&n->layers[i]); e++) {
                lo = v[e] < lo ? v[e] : lo;
                hi = v[e] > hi ? v[e] : hi;
            }
            mins[i] = lo, maxs[i] = hi;
        }
    }
    tfg_nn_tape_free(&t);
    return 0;
}
