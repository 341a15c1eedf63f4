/* Float networks: construction, synthetic weights and the forward pass.
 * See net.h for layouts. Convolutions use SAME padding with TFLite's rule
 * (the odd extra pad goes bottom/right), so float and int8 graphs agree on
 * every shape. Loops keep channels innermost so compilers vectorize them. */
#include "nn/net.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t tfg_rng_next(tfg_rng_t *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

float tfg_rng_uniform(tfg_rng_t *r)
{
    return (float)(tfg_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

float tfg_rng_normal(tfg_rng_t *r)
{
    /* Box-Muller; u1 is kept away from 0 so the log is finite. */
    const double u1 = ((double)(tfg_rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    const double u2 = (double)(tfg_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void tfg_net_init(tfg_net_t *n, const char *name)
{
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s", name);
}

void tfg_net_free(tfg_net_t *n)
{
    for (int i = 0; i < n->n; i++) {
        free(n->layers[i].weights);
        free(n->layers[i].bias);
    }
    free(n->layers);
    memset(n, 0, sizeof *n);
}

static tfg_nn_layer_t *push(tfg_net_t *n, tfg_nn_kind_t kind, int in, const char *name)
{
    if (n->n == n->cap) {
        int cap = n->cap ? 2 * n->cap : 64;
        tfg_nn_layer_t *l = realloc(n->layers, sizeof *l * (size_t)cap);
        if (!l) return NULL;
        n->layers = l;
        n->cap = cap;
    }
    tfg_nn_layer_t *l = &n->layers[n->n];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->in = in;
    l->in2 = -1;
    l->k_h = l->k_w = l->stride = 1;
    snprintf(l->name, sizeof l->name, "%s", name ? name : "");
    return l;
}

/* Allocate weights and bias for the layer just pushed; -1 on failure. */
static int finish(tfg_net_t *n)
{
    tfg_nn_layer_t *l = &n->layers[n->n];
    const size_t nw = tfg_nn_weight_count(n, n->n), nb = tfg_nn_bias_count(n, n->n);
    if (nw) l->weights = calloc(nw, sizeof(float));
    if (nb) l->bias = calloc(nb, sizeof(float));
    if ((nw && !l->weights) || (nb && !l->bias)) {
        free(l->weights);
        free(l->bias);
        return -1;
    }
    return n->n++;
}

int tfg_net_input(tfg_net_t *n, int h, int w, int c)
{
    if (h < 1 || w < 1 || c < 1) return -1;
    tfg_nn_layer_t *l = push(n, TFG_NN_INPUT, -1, "input");
    if (!l) return -1;
    l->h = h, l->w = w, l->c = c;
    return finish(n);
}

static int same_out(int in, int stride)
{
    return (in + stride - 1) / stride;
}

int tfg_net_conv_hw(tfg_net_t *n, int in, int out_c, int k_h, int k_w, int stride, tfg_act_t act,
                    const char *name)
{
    if (in < 0 || in >= n->n || out_c < 1 || k_h < 1 || k_w < 1 || stride < 1) return -1;
    const tfg_nn_layer_t x = n->layers[in];
    tfg_nn_layer_t *l = push(n, TFG_NN_CONV, in, name);
    if (!l) return -1;
    l->h = same_out(x.h, stride), l->w = same_out(x.w, stride), l->c = out_c;
    l->k_h = k_h, l->k_w = k_w, l->stride = stride, l->act = act;
    return finish(n);
}

int tfg_net_conv(tfg_net_t *n, int in, int out_c, int k, int stride, tfg_act_t act, const char *name)
{
    return tfg_net_conv_hw(n, in, out_c, k, k, stride, act, name);
}

int tfg_net_dwconv(tfg_net_t *n, int in, int k, int stride, tfg_act_t act, const char *name)
{
    if (in < 0 || in >= n->n || k < 1 || stride < 1) return -1;
    const tfg_nn_layer_t x = n->layers[in];
    tfg_nn_layer_t *l = push(n, TFG_NN_DWCONV, in, name);
    if (!l) return -1;
    l->h = same_out(x.h, stride), l->w = same_out(x.w, stride), l->c = x.c;
    l->k_h = l->k_w = k, l->stride = stride, l->act = act;
    return finish(n);
}

int tfg_net_fc(tfg_net_t *n, int in, int out, const char *name)
{
    if (in < 0 || in >= n->n || out < 1) return -1;
    tfg_nn_layer_t *l = push(n, TFG_NN_FC, in, name);
    if (!l) return -1;
    l->h = l->w = 1, l->c = out;
    return finish(n);
}

int tfg_net_add(tfg_net_t *n, int a, int b, tfg_act_t act, const char *name)
{
    if (a < 0 || b < 0 || a >= n->n || b >= n->n) return -1;
    const tfg_nn_layer_t x = n->layers[a], y = n->layers[b];
    if (x.h != y.h || x.w != y.w || x.c != y.c) return -1;
    tfg_nn_layer_t *l = push(n, TFG_NN_ADD, a, name);
    if (!l) return -1;
    l->in2 = b;
    l->h = x.h, l->w = x.w, l->c = x.c, l->act = act;
    return finish(n);
}

int tfg_net_avgpool(tfg_net_t *n, int in, const char *name)
{
    if (in < 0 || in >= n->n) return -1;
    const int c = n->layers[in].c;
    tfg_nn_layer_t *l = push(n, TFG_NN_AVGPOOL, in, name);
    if (!l) return -1;
    l->h = l->w = 1, l->c = c;
    return finish(n);
}

int tfg_net_softmax(tfg_net_t *n, int in)
{
    if (in < 0 || in >= n->n) return -1;
    const tfg_nn_layer_t x = n->layers[in];
    tfg_nn_layer_t *l = push(n, TFG_NN_SOFTMAX, in, "softmax");
    if (!l) return -1;
    l->h = x.h, l->w = x.w, l->c = x.c;
    return finish(n);
}

int tfg_net_sigmoid(tfg_net_t *n, int in, const char *name)
{
    if (in < 0 || in >= n->n) return -1;
    const tfg_nn_layer_t x = n->layers[in];
    tfg_nn_layer_t *l = push(n, TFG_NN_SIGMOID, in, name);
    if (!l) return -1;
    l->h = x.h, l->w = x.w, l->c = x.c;
    return finish(n);
}

int tfg_net_mul(tfg_net_t *n, int a, int b, const char *name)
{
    if (a < 0 || b < 0 || a >= n->n || b >= n->n) return -1;
    const tfg_nn_layer_t x = n->layers[a], y = n->layers[b];
    const bool bcast = y.h == 1 && y.w == 1;
    if (y.c != x.c || (!bcast && (y.h != x.h || y.w != x.w))) return -1;
    tfg_nn_layer_t *l = push(n, TFG_NN_MUL, a, name);
    if (!l) return -1;
    l->in2 = b;
    l->h = x.h, l->w = x.w, l->c = x.c;
    return finish(n);
}

static size_t in_elems(const tfg_net_t *n, int i)
{
    const tfg_nn_layer_t *x = &n->layers[n->layers[i].in];
    return (size_t)x->h * (size_t)x->w * (size_t)x->c;
}

size_t tfg_nn_weight_count(const tfg_net_t *n, int i)
{
    const tfg_nn_layer_t *l = &n->layers[i];
    switch (l->kind) {
    case TFG_NN_CONV: return (size_t)l->c * (size_t)l->k_h * (size_t)l->k_w * (size_t)n->layers[l->in].c;
    case TFG_NN_DWCONV: return (size_t)l->k_h * (size_t)l->k_w * (size_t)l->c;
    case TFG_NN_FC: return (size_t)l->c * in_elems(n, i);
    default: return 0;
    }
}

size_t tfg_nn_bias_count(const tfg_net_t *n, int i)
{
    const tfg_nn_kind_t k = n->layers[i].kind;
    return (k == TFG_NN_CONV || k == TFG_NN_DWCONV || k == TFG_NN_FC) ? (size_t)n->layers[i].c : 0;
}

int64_t tfg_nn_macs(const tfg_net_t *n, int i)
{
    const tfg_nn_layer_t *l = &n->layers[i];
    switch (l->kind) {
    case TFG_NN_CONV:
    case TFG_NN_DWCONV: return (int64_t)l->h * l->w * (int64_t)(tfg_nn_weight_count(n, i));
    case TFG_NN_FC: return (int64_t)tfg_nn_weight_count(n, i);
    default: return 0;
    }
}

void tfg_net_init_weights(tfg_net_t *n, uint64_t seed)
{
    for (int i = 0; i < n->n; i++) {
        tfg_nn_layer_t *l = &n->layers[i];
        const size_t nw = tfg_nn_weight_count(n, i);
        if (!nw) continue;
        /* One stream per layer, so a layer's weights do not depend on others. */
        tfg_rng_t r = {seed * UINT64_C(0x100000001B3) + (uint64_t)i};
        const size_t fan_in = nw / (size_t)l->c; /* k*k*in_c, k*k or in */
        const float std = l->kind == TFG_NN_FC ? sqrtf(1.0f / (float)fan_in) : sqrtf(2.0f / (float)fan_in);
        for (size_t j = 0; j < nw; j++) l->weights[j] = std * tfg_rng_normal(&r);
        if (l->kind == TFG_NN_FC) {
            for (int c = 0; c < l->c; c++) l->bias[c] = 0.01f * tfg_rng_normal(&r);
            continue;
        }
        /* Batch norm folded: w' = w * g / sqrt(v + eps), b' = beta - m * g / sqrt(v + eps). */
        for (int c = 0; c < l->c; c++) {
            const float gamma = 0.5f + tfg_rng_uniform(&r), beta = 0.1f * tfg_rng_normal(&r);
            const float mean = 0.1f * tfg_rng_normal(&r), var = 0.5f + tfg_rng_uniform(&r);
            const float f = gamma / sqrtf(var + 1e-5f);
            if (l->kind == TFG_NN_CONV) {
                const size_t per = nw / (size_t)l->c;
                for (size_t j = 0; j < per; j++) l->weights[(size_t)c * per + j] *= f;
            } else {
                for (int t = 0; t < l->k_h * l->k_w; t++)
                    l->weights[(size_t)t * (size_t)l->c + (size_t)c] *= f;
            }
            l->bias[c] = beta - mean * f;
        }
    }
}

static float act(float v, tfg_act_t a)
{
    if (a == TFG_ACT_RELU || a == TFG_ACT_RELU6) v = v > 0.0f ? v : 0.0f;
    if (a == TFG_ACT_RELU6) v = v < 6.0f ? v : 6.0f;
    if (a == TFG_ACT_RELU_N1_TO_1) v = v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);
    return v;
}

/* TFLite SAME padding: leading pad for one axis. */
static int pad_lead(int in, int out, int k, int stride)
{
    int total = (out - 1) * stride + k - in;
    return total > 0 ? total / 2 : 0;
}

static void fwd_conv(const tfg_nn_layer_t *l, const tfg_nn_layer_t *x, const float *in, float *out)
{
    const int ic = x->c, kh = l->k_h, kw = l->k_w, s = l->stride;
    const int pt = pad_lead(x->h, l->h, kh, s), pl = pad_lead(x->w, l->w, kw, s);
    for (int oy = 0; oy < l->h; oy++)
        for (int ox = 0; ox < l->w; ox++) {
            float *o = out + ((size_t)oy * (size_t)l->w + (size_t)ox) * (size_t)l->c;
            for (int oc = 0; oc < l->c; oc++) {
                float acc = l->bias[oc];
                const float *w = l->weights + (size_t)oc * (size_t)(kh * kw * ic);
                for (int ky = 0; ky < kh; ky++) {
                    const int iy = oy * s - pt + ky;
                    if (iy < 0 || iy >= x->h) continue;
                    for (int kx = 0; kx < kw; kx++) {
                        const int ix = ox * s - pl + kx;
                        if (ix < 0 || ix >= x->w) continue;
                        const float *xi = in + ((size_t)iy * (size_t)x->w + (size_t)ix) * (size_t)ic;
                        const float *wi = w + (size_t)(ky * kw + kx) * (size_t)ic;
                        for (int c = 0; c < ic; c++) acc += xi[c] * wi[c];
                    }
                }
                o[oc] = act(acc, l->act);
            }
        }
}

static void fwd_dwconv(const tfg_nn_layer_t *l, const tfg_nn_layer_t *x, const float *in, float *out)
{
    const int cn = l->c, k = l->k_h, s = l->stride; /* square */
    const int pt = pad_lead(x->h, l->h, k, s), pl = pad_lead(x->w, l->w, k, s);
    for (int oy = 0; oy < l->h; oy++)
        for (int ox = 0; ox < l->w; ox++) {
            float *o = out + ((size_t)oy * (size_t)l->w + (size_t)ox) * (size_t)cn;
            for (int c = 0; c < cn; c++) o[c] = l->bias[c];
            for (int ky = 0; ky < k; ky++) {
                const int iy = oy * s - pt + ky;
                if (iy < 0 || iy >= x->h) continue;
                for (int kx = 0; kx < k; kx++) {
                    const int ix = ox * s - pl + kx;
                    if (ix < 0 || ix >= x->w) continue;
                    const float *xi = in + ((size_t)iy * (size_t)x->w + (size_t)ix) * (size_t)cn;
                    const float *wi = l->weights + (size_t)(ky * k + kx) * (size_t)cn;
                    for (int c = 0; c < cn; c++) o[c] += xi[c] * wi[c];
                }
            }
            for (int c = 0; c < cn; c++) o[c] = act(o[c], l->act);
        }
}

int tfg_net_forward(const tfg_net_t *n, const float *input, float **acts)
{
    for (int i = 0; i < n->n; i++) acts[i] = NULL;
    for (int i = 0; i < n->n; i++) {
        const tfg_nn_layer_t *l = &n->layers[i];
        const size_t size = (size_t)l->h * (size_t)l->w * (size_t)l->c;
        float *out = malloc(sizeof(float) * size);
        if (!out) {
            tfg_net_free_acts(n, acts);
            return -1;
        }
        acts[i] = out;
        const tfg_nn_layer_t *x = l->in >= 0 ? &n->layers[l->in] : NULL;
        const float *in = l->in >= 0 ? acts[l->in] : NULL;
        switch (l->kind) {
        case TFG_NN_INPUT: memcpy(out, input, sizeof(float) * size); break;
        case TFG_NN_CONV: fwd_conv(l, x, in, out); break;
        case TFG_NN_DWCONV: fwd_dwconv(l, x, in, out); break;
        case TFG_NN_FC: {
            const size_t k = (size_t)x->h * (size_t)x->w * (size_t)x->c;
            for (int o = 0; o < l->c; o++) {
                float acc = l->bias[o];
                const float *w = l->weights + (size_t)o * k;
                for (size_t j = 0; j < k; j++) acc += in[j] * w[j];
                out[o] = act(acc, l->act);
            }
            break;
        }
        case TFG_NN_ADD: {
            const float *b = acts[l->in2];
            for (size_t j = 0; j < size; j++) out[j] = act(in[j] + b[j], l->act);
            break;
        }
        case TFG_NN_AVGPOOL: {
            const size_t hw = (size_t)x->h * (size_t)x->w;
            for (int c = 0; c < l->c; c++) {
                double sum = 0.0;
                for (size_t p = 0; p < hw; p++) sum += in[p * (size_t)l->c + (size_t)c];
                out[c] = (float)(sum / (double)hw);
            }
            break;
        }
        case TFG_NN_SIGMOID:
            for (size_t j = 0; j < size; j++) out[j] = (float)(1.0 / (1.0 + exp(-(double)in[j])));
            break;
        case TFG_NN_MUL: {
            const tfg_nn_layer_t *y = &n->layers[l->in2];
            const float *b = acts[l->in2];
            const size_t c = (size_t)l->c, b_size = (size_t)y->h * (size_t)y->w * c;
            for (size_t j = 0; j < size; j++) out[j] = in[j] * b[b_size == c ? j % c : j];
            break;
        }
        case TFG_NN_SOFTMAX: {
            float mx = in[0];
            for (size_t j = 1; j < size; j++) mx = in[j] > mx ? in[j] : mx;
            double sum = 0.0;
            for (size_t j = 0; j < size; j++) sum += exp((double)(in[j] - mx));
            for (size_t j = 0; j < size; j++) out[j] = (float)(exp((double)(in[j] - mx)) / sum);
            break;
        }
        }
    }
    return 0;
}

void tfg_net_free_acts(const tfg_net_t *n, float **acts)
{
    for (int i = 0; i < n->n; i++) {
        free(acts[i]);
        acts[i] = NULL;
    }
}
