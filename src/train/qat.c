/* Quantization-aware training's forward pass: the int8 engine (see
 * train.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "model/model.h"
#include "train/eval.h"
#include "train/train_internal.h"
#include "zoo/zoo.h"

struct tfg_qat_state {
    float *mins, *maxs; /* [layer] */
    float ema;
    long delay;
    tfg_nn_tape_t ftape; /* float forward for the ranges */
    float *bmin, *bmax;  /* [layer] this batch's */
    int threads;
    uint8_t **arena; /* [thread] */
    size_t arena_cap;
    int8_t **in; /* [thread] the quantized image */
    tfg_status_t st;
    char error[512];
};

void tfg_qat_free(tfg_qat_state_t *q)
{
    if (!q) return;
    for (int th = 0; q->arena && th < q->threads; th++) {
        free(q->arena[th]);
        free(q->in[th]);
    }
    free(q->arena);
    free(q->in);
    free(q->mins);
    free(q->maxs);
    free(q->bmin);
    free(q->bmax);
    tfg_nn_tape_free(&q->ftape);
    free(q);
}

tfg_status_t tfg_trainer_start_qat(tfg_trainer_t *t, const float *mins, const float *maxs,
                                   const tfg_qat_opts_t *o, tfg_diag_t *d)
{
    for (int i = 0; i < t->net->n; i++)
        if (t->net->layers[i].bn_params)
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "%s: QAT trains a folded net; layer %s still has batch norm", t->net->name,
                                t->net->layers[i].name);
    tfg_qat_state_t *q = calloc(1, sizeof *q);
    const size_t n = (size_t)t->net->n, isz = (size_t)t->train->h * t->train->w * t->train->c;
    const int threads = tfg_pool_threads(t->pool);
    if (!q) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    q->threads = threads;
    q->ema = o && o->ema > 0.0f ? o->ema : 0.99f;
    q->delay = o ? o->delay : 0;
    q->mins = malloc(sizeof(float) * n), q->maxs = malloc(sizeof(float) * n);
    q->bmin = malloc(sizeof(float) * n), q->bmax = malloc(sizeof(float) * n);
    q->arena = calloc((size_t)threads, sizeof(uint8_t *));
    q->in = calloc((size_t)threads, sizeof(int8_t *));
    bool ok = q->mins && q->maxs && q->bmin && q->bmax && q->arena && q->in;
    for (int th = 0; ok && th < threads; th++) ok = (q->in[th] = malloc(isz + 1)) != NULL;
    if (ok) ok = tfg_nn_tape_init(&q->ftape, t->net, t->o.batch, threads, false) == 0;
    if (!ok) {
        tfg_qat_free(q);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory for QAT");
    }
    /* The engine runs the net as exported: no dropout. */
    for (int i = 0; i < t->net->n; i++) t->net->layers[i].dropout = 0.0f;
    memcpy(q->mins, mins, sizeof(float) * n);
    memcpy(q->maxs, maxs, sizeof(float) * n);
    tfg_qat_free(t->qat);
    t->qat = q;
    return TFG_OK;
}

float *tfg_trainer_qat_ranges(tfg_trainer_t *t, float **maxs)
{
    if (!t->qat) return NULL;
    *maxs = t->qat->maxs;
    return t->qat->mins;
}

const char *tfg_trainer_error(const tfg_trainer_t *t)
{
    return t->qat && t->qat->st != TFG_OK ? t->qat->error : NULL;
}

tfg_status_t tfg_trainer_qat_graph(const tfg_trainer_t *t, bool float_io, tfg_graph_t *g, tfg_diag_t *d)
{
    if (!t->qat) return tfg_diag_set(d, TFG_ERR_ARG, "QAT has not started");
    return tfg_zoo_quantize_trained(t->net, t->qat->mins, t->qat->maxs, float_io, g, d);
}

/* ---- the engine's forward pass ---- */

typedef struct {
    const tfg_model_t *m;
    tfg_trainer_t *t;
    const int *layer_of; /* [tensor] the net layer it is the output of, or -1 */
    const float *x;
    uint8_t *out; /* NULL during training; else the output bytes of each image */
    size_t out_bytes;
} run_t;

typedef struct {
    const run_t *r;
    int b, thread;
} hook_t;

static void dequantize_into(const run_t *r, int tensor, const uint8_t *arena, int b)
{
    const int l = r->layer_of[tensor];
    if (l < 0) return;
    const tfg_tensor_t *x = &r->m->graph.tensors[tensor];
    const tfg_nn_layer_t *ly = &r->t->net->layers[l];
    const size_t n = (size_t)ly->h * ly->w * ly->c;
    const int8_t *q = (const int8_t *)tfg_model_tensor_ptr(r->m, arena, tensor);
    float *dst = r->t->tape.out[l] + (size_t)b * n;
    const float s = x->scale[0];
    const int32_t z = x->zero_point[0];
    for (size_t e = 0; e < n; e++) dst[e] = (float)((int32_t)q[e] - z) * s;
}

static void after_step(void *ctx, int step)
{
    const hook_t *h = ctx;
    dequantize_into(h->r, h->r->m->prog.steps[step].out, h->r->t->qat->arena[h->thread], h->b);
}

static void engine_task(void *ctx, int b, int thread)
{
    const run_t *r = ctx;
    const tfg_model_t *m = r->m;
    tfg_qat_state_t *q = r->t->qat;
    const tfg_tensor_t *ti = &m->graph.tensors[m->graph.inputs[0]];
    const tfg_nn_layer_t *in = &r->t->net->layers[0];
    const size_t isz = (size_t)in->h * in->w * in->c;
    /* The input as TFLite's QUANTIZE makes it (tfg_data_to_input's rule). */
    const tfg_affine_params_t qa = {(int32_t)isz, ti->scale[0], ti->zero_point[0]};
    tfg_quantize_f32_s8(&qa, r->x + (size_t)b * isz, q->in[thread]);
    uint8_t *arena = q->arena[thread];
    tfg_model_set_inputs(m, arena, (const uint8_t *)q->in[thread]);
    if (!r->out) dequantize_into(r, m->graph.inputs[0], arena, b);
    hook_t h = {r, b, thread};
    if (r->out) {
        tfg_model_invoke(m, arena);
        tfg_model_get_outputs(m, arena, r->out + (size_t)b * r->out_bytes);
    } else {
        tfg_model_invoke_hooked(m, arena, after_step, &h);
    }
}

/* Quantize, prepare and run the engine over n images of x. */
static tfg_status_t run_engine(tfg_trainer_t *t, const float *x, int n, uint8_t *out, tfg_diag_t *d)
{
    tfg_qat_state_t *q = t->qat;
    tfg_graph_t g;
    tfg_model_t m;
    /* Residual ADDs stay steps of their own so that every layer's output is
     * seen; the bytes are the same as with the ADD fused (the passes keep
     * every result bit for bit). */
    const tfg_pass_opts_t po = {.no_fuse_residual = true};
    tfg_status_t st = tfg_zoo_quantize_trained(t->net, q->mins, q->maxs, false, &g, d);
    if (st == TFG_OK) st = tfg_model_prepare(&m, &g, &po, d);
    if (st < 0) return st;
    int *layer_of = malloc(sizeof(int) * (size_t)(m.graph.n_tensors + 1));
    if (!layer_of) {
        tfg_model_free(&m);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < m.graph.n_tensors; k++) {
        layer_of[k] = -1;
        const char *name = m.graph.tensors[k].name;
        if (!name || m.graph.tensors[k].dtype != TFG_DT_INT8) continue;
        for (int i = 0; i < t->net->n; i++)
            if (!strcmp(name, t->net->layers[i].name)) layer_of[k] = i;
    }
    if (m.plan.peak + 1 > q->arena_cap) {
        for (int th = 0; th < q->threads; th++) {
            free(q->arena[th]);
            q->arena[th] = calloc(m.plan.peak + 1, 1);
            if (!q->arena[th]) st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
        }
        q->arena_cap = st == TFG_OK ? m.plan.peak + 1 : 0;
    }
    if (st == TFG_OK) {
        run_t r = {&m, t, layer_of, x, out, tfg_model_output_bytes(&m)};
        tfg_pool_for(t->pool, n, engine_task, &r);
    }
    free(layer_of);
    tfg_model_free(&m);
    return st;
}

/* The ranges' moving average from a float forward pass over the batch. */
static void track_ranges(tfg_trainer_t *t, int batch)
{
    tfg_qat_state_t *q = t->qat;
    const tfg_net_t *n = t->net;
    for (int i = 0; i < n->n; i++) q->bmin[i] = q->bmax[i] = 0.0f;
    tfg_nn_forward(n, &q->ftape, t->pool, t->x, batch, false, 0);
    for (int i = 0; i < n->n; i++) {
        const tfg_nn_layer_t *l = &n->layers[i];
        const float *v = q->ftape.out[i];
        float lo = 0.0f, hi = 0.0f;
        for (size_t e = 0; e < (size_t)batch * l->h * l->w * l->c; e++) {
            lo = v[e] < lo ? v[e] : lo;
            hi = v[e] > hi ? v[e] : hi;
        }
        if (l->kind == TFG_NN_INPUT) continue; /* the image's range is fixed */
        q->mins[i] = q->ema * q->mins[i] + (1.0f - q->ema) * lo;
        q->maxs[i] = q->ema * q->maxs[i] + (1.0f - q->ema) * hi;
    }
}

void tfg_qat_forward(tfg_trainer_t *t, int batch, long qat_step)
{
    tfg_qat_state_t *q = t->qat;
    if (qat_step < q->delay) {
        /* Before the engine takes over: float, the ranges moving. */
        tfg_nn_forward(t->net, &t->tape, t->pool, t->x, batch, true, 0);
        track_ranges(t, batch);
        t->tape.batch = batch;
        return;
    }
    tfg_diag_t d = {{0}};
    t->tape.batch = batch;
    const tfg_status_t st = run_engine(t, t->x, batch, NULL, &d);
    if (st < 0 && q->st == TFG_OK) {
        q->st = st;
        snprintf(q->error, sizeof q->error, "%s", d.msg);
    }
    track_ranges(t, batch);
}

tfg_status_t tfg_trainer_qat_outputs(tfg_trainer_t *t, const float *x, int n, uint8_t *out, tfg_diag_t *d)
{
    if (!t->qat) return tfg_diag_set(d, TFG_ERR_ARG, "QAT has not started");
    return run_engine(t, x, n, out, d);
}

double tfg_qat_val_accuracy(tfg_trainer_t *t)
{
    tfg_diag_t d = {{0}};
    tfg_graph_t g;
    tfg_model_t m;
    tfg_eval_t ev;
    const tfg_pass_opts_t po = {0};
    tfg_status_t st = tfg_trainer_qat_graph(t, false, &g, &d);
    if (st == TFG_OK) st = tfg_model_prepare(&m, &g, &po, &d);
    if (st == TFG_OK) {
        st = tfg_eval_model(&m, NULL, t->val, t->val->n, t->pool, NULL, NULL, &ev, &d);
        tfg_model_free(&m);
    }
    if (st < 0) {
        if (t->qat->st == TFG_OK) t->qat->st = st, snprintf(t->qat->error, sizeof t->qat->error, "%s", d.msg);
        return -1.0;
    }
    const double acc = (double)ev.correct / (double)ev.total;
    tfg_eval_free(&ev);
    return acc;
}
