/* Float net -> int8 IR graph, quantized the way TFLite's converter does it.
 *
 *  - Activations: per-tensor asymmetric int8 from the calibrated [min, max]
 *    (widened to include 0), with TFLite's zero-point choice: take the zero
 *    point implied by the end with the smaller error, round it, clamp it.
 *  - Weights: per-output-channel symmetric int8, scale = max|w| / 127;
 *    fully connected weights per tensor (TFLite's default).
 *  - Bias: int32 with scale s_in * s_w.
 *  - Average pool keeps its input's quantization; softmax and sigmoid output
 *    1/256, -128 (as TFLite requires).
 * The graph has int8 input and output, as an MCU fed by a sensor uses it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/forward.h"
#include "zoo/zoo.h"

typedef struct {
    float scale;
    int32_t zp;
} qparams_t;

/* TFLite's ChooseQuantizationParams for int8. */
static qparams_t choose_qparams(double rmin, double rmax)
{
    if (rmin > 0.0) rmin = 0.0;
    if (rmax < 0.0) rmax = 0.0;
    if (rmax - rmin < 1e-6) rmax = rmin + 1e-6;
    const double scale = (rmax - rmin) / 255.0;
    const double zp_min = -128.0 - rmin / scale, zp_max = 127.0 - rmax / scale;
    const double err_min = 128.0 + fabs(rmin / scale), err_max = 127.0 + fabs(rmax / scale);
    double zp = round(err_min < err_max ? zp_min : zp_max);
    zp = zp < -128.0 ? -128.0 : (zp > 127.0 ? 127.0 : zp);
    return (qparams_t){(float)scale, (int32_t)zp};
}

typedef struct {
    tfg_graph_t *g;
    tfg_diag_t *d;
    const char *spec;
} qctx_t;

static int new_tensor(qctx_t *c, const char *name, tfg_dtype_t dt, int rank, const int32_t *dims, int n_q)
{
    const int t = tfg_graph_add_tensor(c->g, name);
    if (t < 0) return -1;
    tfg_tensor_t *x = &c->g->tensors[t];
    x->dtype = dt;
    x->rank = rank;
    memcpy(x->dims, dims, sizeof(int32_t) * (size_t)rank);
    if (n_q > 0) {
        x->n_q = n_q;
        x->scale = calloc((size_t)n_q, sizeof(float));
        x->zero_point = calloc((size_t)n_q, sizeof(int32_t));
        if (!x->scale || !x->zero_point) return -1;
    }
    return t;
}

static int act_tensor(qctx_t *c, const tfg_nn_layer_t *l, qparams_t q)
{
    int32_t dims[4] = {1, l->h, l->w, l->c};
    const int rank = (l->kind == TFG_NN_FC || l->kind == TFG_NN_SOFTMAX) ? 2 : 4;
    if (rank == 2) dims[1] = l->c;
    const int t = new_tensor(c, l->name, TFG_DT_INT8, rank, dims, 1);
    if (t >= 0) c->g->tensors[t].scale[0] = q.scale, c->g->tensors[t].zero_point[0] = q.zp;
    return t;
}

static tfg_op_t *new_op(qctx_t *c, tfg_op_type_t type)
{
    tfg_graph_t *g = c->g;
    if (g->n_ops == g->cap_ops) {
        int cap = g->cap_ops ? 2 * g->cap_ops : 64;
        tfg_op_t *o = realloc(g->ops, sizeof *o * (size_t)cap);
        if (!o) return NULL;
        g->ops = o;
        g->cap_ops = cap;
    }
    tfg_op_t *op = &g->ops[g->n_ops];
    memset(op, 0, sizeof *op);
    op->type = type;
    op->model_index = g->n_ops++;
    op->sp.stride_h = op->sp.stride_w = op->sp.dil_h = op->sp.dil_w = 1;
    op->sp.k_h = op->sp.k_w = op->sp.depth_mult = 1;
    return op;
}

/* Weights (int8, per channel along `qdim` unless per_tensor) and int32 bias. */
static int weights_and_bias(qctx_t *c, const tfg_nn_layer_t *l, float in_scale, int rank, const int32_t *dims,
                            int qdim, bool per_tensor, size_t nw, int *bias_t)
{
    char name[64];
    const int oc = l->c;
    const size_t per = nw / (size_t)oc;
    snprintf(name, sizeof name, "%s/weights", l->name);
    const int wt = new_tensor(c, name, TFG_DT_INT8, rank, dims, per_tensor ? 1 : oc);
    snprintf(name, sizeof name, "%s/bias", l->name);
    const int32_t bdims[1] = {oc};
    const int bt = wt >= 0 ? new_tensor(c, name, TFG_DT_INT32, 1, bdims, oc) : -1;
    if (bt < 0) return -1;
    tfg_tensor_t *w = &c->g->tensors[wt], *b = &c->g->tensors[bt];
    int8_t *wq = tfg_graph_alloc(c->g, nw);
    int32_t *bq = tfg_graph_alloc(c->g, sizeof(int32_t) * (size_t)oc);
    if (!wq || !bq) return -1;
    w->q_dim = qdim;
    /* Channel oc's weights: depthwise [k][k][C] strides by C, others are contiguous rows. */
    const bool dw = l->kind == TFG_NN_DWCONV;
    float tensor_max = 0.0f;
    for (size_t j = 0; j < nw; j++) tensor_max = fmaxf(tensor_max, fabsf(l->weights[j]));
    for (int o = 0; o < oc; o++) {
        float mx = 0.0f;
        for (size_t j = 0; j < per; j++)
            mx = fmaxf(mx, fabsf(l->weights[dw ? j * (size_t)oc + (size_t)o : (size_t)o * per + j]));
        if (per_tensor) mx = tensor_max;
        const float s = mx > 0.0f ? mx / 127.0f : 1.0f;
        if (!per_tensor || o == 0) w->scale[per_tensor ? 0 : o] = s;
        for (size_t j = 0; j < per; j++) {
            const size_t at = dw ? j * (size_t)oc + (size_t)o : (size_t)o * per + j;
            float q = roundf(l->weights[at] / s);
            wq[at] = (int8_t)(q > 127.0f ? 127 : (q < -127.0f ? -127 : q));
        }
        const float bs = in_scale * s; /* TFLite forms the bias scale as a float product */
        b->scale[o] = bs;
        const double qb = round((double)l->bias[o] / (double)bs);
        bq[o] = (int32_t)(qb > 2147483647.0 ? 2147483647.0 : (qb < -2147483648.0 ? -2147483648.0 : qb));
    }
    w->data = (const uint8_t *)wq;
    w->data_bytes = nw;
    b->data = (const uint8_t *)bq;
    b->data_bytes = sizeof(int32_t) * (size_t)oc;
    *bias_t = bt;
    return wt;
}

/* Activation ranges from float forward passes over inputs uniform in [-1, 1]. */
static tfg_status_t calibrate(qctx_t *c, const tfg_net_t *net, uint64_t seed, int passes, float *mins,
                              float *maxs)
{
    const tfg_nn_layer_t *in = &net->layers[0];
    const size_t n_in = (size_t)in->h * (size_t)in->w * (size_t)in->c;
    float *x = malloc(sizeof(float) * n_in * (size_t)passes);
    if (!x) return tfg_diag_set(c->d, TFG_ERR_NOMEM, "%s: out of memory", c->spec);
    tfg_rng_t r = {seed ^ UINT64_C(0xC0FFEE)};
    for (size_t j = 0; j < n_in * (size_t)passes; j++) x[j] = 2.0f * tfg_rng_uniform(&r) - 1.0f;
    for (int i = 0; i < net->n; i++) mins[i] = 0.0f, maxs[i] = 0.0f;
    const int st = tfg_nn_ranges(net, x, passes, NULL, mins, maxs);
    free(x);
    return st < 0 ? tfg_diag_set(c->d, TFG_ERR_NOMEM, "%s: out of memory in calibration", c->spec) : TFG_OK;
}

/* The graph. trained: the input's range is mins[0]..maxs[0] (else the
 * synthetic [-1, 1]); float_io: QUANTIZE and DEQUANTIZE at the edges. */
/* Float I/O: a float32 tensor of the int8 tensor t's shape and the op
 * between them (QUANTIZE into the input, DEQUANTIZE out of the output),
 * which becomes the graph's input or output. */
static tfg_op_t *float_edge(qctx_t *c, const tfg_nn_layer_t *l, int t, bool input)
{
    char name[64];
    snprintf(name, sizeof name, "%s_float", l->name);
    const tfg_tensor_t *x = &c->g->tensors[t];
    int32_t dims[4];
    const int rank = x->rank;
    memcpy(dims, x->dims, sizeof(int32_t) * (size_t)rank);
    const int f = new_tensor(c, name, TFG_DT_FLOAT32, rank, dims, 0);
    tfg_op_t *op = f >= 0 ? new_op(c, input ? TFG_OP_QUANTIZE : TFG_OP_DEQUANTIZE) : NULL;
    if (!op) return NULL;
    op->n_in = 1, op->in[0] = input ? f : t;
    op->n_out = 1, op->out[0] = input ? t : f;
    if (input)
        c->g->inputs[c->g->n_inputs++] = f;
    else
        c->g->outputs[c->g->n_outputs++] = f;
    return op;
}

static tfg_status_t emit(qctx_t *c, const tfg_net_t *net, const float *mins, const float *maxs,
                         bool shapes_only, bool trained, bool float_io)
{
    int *tensor_of = calloc((size_t)net->n, sizeof(int));
    qparams_t *q = calloc((size_t)net->n, sizeof(qparams_t));
    if (!tensor_of || !q) {
        free(tensor_of);
        free(q);
        return tfg_diag_set(c->d, TFG_ERR_NOMEM, "%s: out of memory", c->spec);
    }
    tfg_status_t st = TFG_OK;
    for (int i = 0; i < net->n && st == TFG_OK; i++) {
        const tfg_nn_layer_t *l = &net->layers[i];
        const tfg_nn_layer_t *x = l->in >= 0 ? &net->layers[l->in] : NULL;
        /* Output quantization. */
        if (l->kind == TFG_NN_INPUT)
            q[i] = trained ? choose_qparams(mins[i], maxs[i]) : choose_qparams(-1.0, 1.0);
        else if (l->kind == TFG_NN_AVGPOOL)
            q[i] = q[l->in];
        else if (l->kind == TFG_NN_SOFTMAX || l->kind == TFG_NN_SIGMOID)
            q[i] = (qparams_t){1.0f / 256.0f, -128};
        else if (shapes_only)
            q[i] = choose_qparams(-1.0, 1.0);
        else
            q[i] = choose_qparams(mins[i], maxs[i]);
        const int t = tensor_of[i] = act_tensor(c, l, q[i]);
        if (t < 0) break;
        const int in_t = l->in >= 0 ? tensor_of[l->in] : -1;
        tfg_op_t *op = NULL;
        int wt, bt;
        switch (l->kind) {
        case TFG_NN_INPUT:
            if (!float_io) {
                c->g->inputs[c->g->n_inputs++] = t;
                break;
            }
            op = float_edge(c, l, t, true);
            break;
        case TFG_NN_CONV:
        case TFG_NN_DWCONV: {
            const bool dw = l->kind == TFG_NN_DWCONV;
            const int32_t dims[4] = {dw ? 1 : l->c, l->k_h, l->k_w, dw ? l->c : x->c};
            wt = weights_and_bias(c, l, q[l->in].scale, 4, dims, dw ? 3 : 0, false,
                                  tfg_nn_weight_count(net, i), &bt);
            op = wt >= 0 ? new_op(c, dw ? TFG_OP_DEPTHWISE_CONV_2D : TFG_OP_CONV_2D) : NULL;
            if (!op) break;
            op->n_in = 3, op->in[0] = in_t, op->in[1] = wt, op->in[2] = bt;
            op->sp.stride_h = op->sp.stride_w = l->stride;
            op->sp.same = true;
            op->act = l->act;
            break;
        }
        case TFG_NN_FC: {
            const int32_t dims[2] = {l->c, (int32_t)(tfg_nn_weight_count(net, i) / (size_t)l->c)};
            wt = weights_and_bias(c, l, q[l->in].scale, 2, dims, 0, true, tfg_nn_weight_count(net, i), &bt);
            op = wt >= 0 ? new_op(c, TFG_OP_FULLY_CONNECTED) : NULL;
            if (!op) break;
            op->n_in = 3, op->in[0] = in_t, op->in[1] = wt, op->in[2] = bt;
            op->act = l->act;
            break;
        }
        case TFG_NN_ADD:
            op = new_op(c, TFG_OP_ADD);
            if (!op) break;
            op->n_in = 2, op->in[0] = in_t, op->in[1] = tensor_of[l->in2];
            op->act = l->act;
            break;
        case TFG_NN_AVGPOOL:
            op = new_op(c, TFG_OP_AVERAGE_POOL_2D);
            if (!op) break;
            op->n_in = 1, op->in[0] = in_t;
            op->sp.k_h = x->h, op->sp.k_w = x->w;
            break;
        case TFG_NN_SIGMOID:
            op = new_op(c, TFG_OP_LOGISTIC);
            if (!op) break;
            op->n_in = 1, op->in[0] = in_t;
            break;
        case TFG_NN_MUL:
            op = new_op(c, TFG_OP_MUL);
            if (!op) break;
            op->n_in = 2, op->in[0] = in_t, op->in[1] = tensor_of[l->in2];
            break;
        case TFG_NN_SOFTMAX:
            op = new_op(c, TFG_OP_SOFTMAX);
            if (!op) break;
            op->n_in = 1, op->in[0] = in_t;
            op->beta = 1.0f;
            break;
        }
        if (l->kind != TFG_NN_INPUT || float_io) {
            if (!op)
                st = tfg_diag_set(c->d, TFG_ERR_NOMEM, "%s: out of memory", c->spec);
            else if (l->kind != TFG_NN_INPUT)
                op->n_out = 1, op->out[0] = t;
        }
    }
    if (st == TFG_OK && c->g->n_tensors < net->n)
        st = tfg_diag_set(c->d, TFG_ERR_NOMEM, "%s: out of memory", c->spec);
    if (st == TFG_OK && !float_io) c->g->outputs[c->g->n_outputs++] = tensor_of[net->n - 1];
    if (st == TFG_OK && float_io && !float_edge(c, &net->layers[net->n - 1], tensor_of[net->n - 1], false))
        st = tfg_diag_set(c->d, TFG_ERR_NOMEM, "%s: out of memory", c->spec);
    free(tensor_of);
    free(q);
    return st;
}

tfg_status_t tfg_zoo_quantize_placeholder(const tfg_net_t *net, tfg_graph_t *g, tfg_diag_t *d)
{
    const tfg_build_opts_t o = {.shapes_only = true};
    /* shapes_only neither initialises nor calibrates: the net is only read. */
    return tfg_zoo_quantize((tfg_net_t *)net, &o, g, d);
}

tfg_status_t tfg_zoo_quantize(tfg_net_t *net, const tfg_build_opts_t *o, tfg_graph_t *g, tfg_diag_t *d)
{
    memset(g, 0, sizeof *g);
    qctx_t c = {g, d, net->name};
    if (net->n < 2 || net->layers[0].kind != TFG_NN_INPUT)
        return tfg_diag_set(d, TFG_ERR_INVALID, "%s: a network starts with its input", net->name);
    g->path = malloc(strlen(net->name) + 1);
    if (!g->path) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    memcpy(g->path, net->name, strlen(net->name) + 1);
    float *mins = calloc((size_t)net->n, sizeof(float)), *maxs = calloc((size_t)net->n, sizeof(float));
    tfg_status_t st = (mins && maxs) ? TFG_OK : tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    if (st == TFG_OK && !o->shapes_only) {
        tfg_net_init_weights(net, o->seed);
        st = calibrate(&c, net, o->seed, o->calib_inputs > 0 ? o->calib_inputs : 2, mins, maxs);
    }
    if (st == TFG_OK) st = emit(&c, net, mins, maxs, o->shapes_only, false, false);
    if (st == TFG_OK) st = tfg_graph_validate(g, d);
    free(mins);
    free(maxs);
    if (st < 0) tfg_graph_free(g);
    return st;
}

tfg_status_t tfg_zoo_quantize_trained(const tfg_net_t *net, const float *mins, const float *maxs,
                                      bool float_io, tfg_graph_t *g, tfg_diag_t *d)
{
    memset(g, 0, sizeof *g);
    qctx_t c = {g, d, net->name};
    if (net->n < 2 || net->layers[0].kind != TFG_NN_INPUT)
        return tfg_diag_set(d, TFG_ERR_INVALID, "%s: a network starts with its input", net->name);
    for (int i = 0; i < net->n; i++)
        if (net->layers[i].bn_params)
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "%s: layer %s still has batch norm: fold it into the conv before quantizing",
                                net->name, net->layers[i].name);
    g->path = malloc(strlen(net->name) + 1);
    if (!g->path) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    memcpy(g->path, net->name, strlen(net->name) + 1);
    tfg_status_t st = emit(&c, net, mins, maxs, false, true, float_io);
    if (st == TFG_OK) st = tfg_graph_validate(g, d);
    if (st < 0) tfg_graph_free(g);
    return st;
}

tfg_status_t tfg_zoo_build(const char *spec, const tfg_build_opts_t *o, tfg_graph_t *g, tfg_diag_t *d)
{
    tfg_net_t net;
    memset(g, 0, sizeof *g);
    tfg_status_t st = tfg_zoo_net(spec, &net, d);
    if (st < 0) return st;
    st = tfg_zoo_quantize(&net, o, g, d);
    tfg_net_free(&net);
    return st;
}
