/* The engine's accuracy over a dataset (see eval.h). */
#include "train/eval.h"

#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"

int tfg_eval_argmax(const uint8_t *p, int64_t n, tfg_dtype_t t)
{
    int best = -1;
    double bv = 0;
    for (int64_t i = 0; i < n; i++) {
        double v;
        switch (t) {
        case TFG_DT_INT8: v = (int8_t)p[i]; break;
        case TFG_DT_UINT8: v = p[i]; break;
        case TFG_DT_INT16: {
            int16_t x;
            memcpy(&x, p + 2 * i, 2);
            v = x;
            break;
        }
        case TFG_DT_INT32: {
            int32_t x;
            memcpy(&x, p + 4 * i, 4);
            v = x;
            break;
        }
        default: {
            float x;
            memcpy(&x, p + 4 * i, 4);
            v = x;
            break;
        }
        }
        if (v == v && (best < 0 || v > bv)) best = (int)i, bv = v;
    }
    return best < 0 ? 0 : best;
}

/* Images per task: enough to amortize a task, few enough to show progress. */
#define CHUNK 64

typedef struct {
    const tfg_model_t *m;
    const tfg_sched_plan_t *sp;
    const tfg_dataset_t *ds;
    int32_t first, total;
    uint8_t **arena, **in, **out; /* [thread] */
    uint8_t *pred;
    tfg_status_t st;
    tfg_diag_t *d;
} job_t;

static void eval_task(void *ctx, int task, int thread)
{
    job_t *j = ctx;
    const tfg_graph_t *g = &j->m->graph;
    const tfg_tensor_t *ti = &g->tensors[g->inputs[0]], *to = &g->tensors[g->outputs[0]];
    const size_t px = (size_t)j->ds->h * j->ds->w * j->ds->c;
    const int32_t b0 = j->first + task * CHUNK, b1 = b0 + CHUNK < j->total ? b0 + CHUNK : j->total;
    for (int32_t i = b0; i < b1; i++) {
        tfg_diag_t d = {{0}};
        if (tfg_data_to_input(j->ds->images + (size_t)i * px, px, ti, j->in[thread], &d) < 0) {
            j->st = TFG_ERR_INVALID; /* the same for every image: the input tensor's type */
            if (thread == 0) *j->d = d;
            return;
        }
        if (j->sp) {
            tfg_sched_run(j->m, j->sp, j->arena[thread], j->in[thread], j->out[thread]);
        } else {
            tfg_model_set_inputs(j->m, j->arena[thread], j->in[thread]);
            tfg_model_invoke(j->m, j->arena[thread]);
            tfg_model_get_outputs(j->m, j->arena[thread], j->out[thread]);
        }
        j->pred[i] = (uint8_t)tfg_eval_argmax(j->out[thread], tfg_tensor_elems(to), to->dtype);
    }
}

void tfg_eval_free(tfg_eval_t *r)
{
    free(r->confusion);
    free(r->pred);
    memset(r, 0, sizeof *r);
}

tfg_status_t tfg_eval_model(const tfg_model_t *m, const tfg_sched_plan_t *sp, const tfg_dataset_t *ds,
                            int32_t total, tfg_pool_t *pool,
                            void (*progress)(void *ctx, int32_t done, int32_t correct), void *ctx,
                            tfg_eval_t *r, tfg_diag_t *d)
{
    memset(r, 0, sizeof *r);
    const tfg_graph_t *g = &m->graph;
    const tfg_tensor_t *ti = &g->tensors[g->inputs[0]], *to = &g->tensors[g->outputs[0]];
    if (total > ds->n || total < 0) total = ds->n;
    if (g->n_inputs != 1 || g->n_outputs != 1 || ti->rank != 4 || ti->dims[1] != ds->h ||
        ti->dims[2] != ds->w || ti->dims[3] != ds->c)
        return tfg_diag_set(d, TFG_ERR_INVALID,
                            "%s: evaluation feeds one %dx%dx%d image input and reads one output",
                            g->path ? g->path : "model", ds->h, ds->w, ds->c);
    if (tfg_tensor_elems(to) != ds->classes)
        return tfg_diag_set(d, TFG_ERR_INVALID, "%s has %lld outputs but the dataset has %d classes",
                            g->path ? g->path : "the model", (long long)tfg_tensor_elems(to), ds->classes);
    const int threads = tfg_pool_threads(pool);
    const size_t arena = sp ? sp->arena_bytes : m->plan.peak;
    job_t j = {m, sp, ds, 0, total, NULL, NULL, NULL, NULL, TFG_OK, d};
    j.arena = calloc((size_t)threads, sizeof(uint8_t *));
    j.in = calloc((size_t)threads, sizeof(uint8_t *));
    j.out = calloc((size_t)threads, sizeof(uint8_t *));
    r->pred = calloc((size_t)total + 1, 1);
    r->confusion = calloc((size_t)ds->classes * (size_t)ds->classes, sizeof(int64_t));
    bool ok = j.arena && j.in && j.out && r->pred && r->confusion;
    for (int t = 0; ok && t < threads; t++)
        ok = (j.arena[t] = calloc(arena + 1, 1)) && (j.in[t] = malloc(tfg_model_input_bytes(m) + 1)) &&
             (j.out[t] = malloc(tfg_model_output_bytes(m) + 1));
    tfg_status_t st = ok ? TFG_OK : tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory for evaluation");
    j.pred = r->pred;
    r->total = total, r->classes = ds->classes;
    /* Blocks of a few chunks, so the caller sees progress between them. */
    const int32_t block = CHUNK * 4 * threads;
    for (int32_t first = 0; st == TFG_OK && first < total; first += block) {
        j.first = first;
        j.total = first + block < total ? first + block : total;
        tfg_pool_for(pool, (j.total - first + CHUNK - 1) / CHUNK, eval_task, &j);
        st = j.st;
        for (int32_t i = first; st == TFG_OK && i < j.total; i++) r->correct += r->pred[i] == ds->labels[i];
        if (progress && st == TFG_OK) progress(ctx, j.total, r->correct);
    }
    for (int32_t i = 0; st == TFG_OK && i < total; i++)
        r->confusion[(size_t)ds->labels[i] * (size_t)ds->classes + r->pred[i]]++;
    for (int t = 0; j.arena && t < threads; t++) {
        free(j.arena[t]);
        if (j.in) free(j.in[t]);
        if (j.out) free(j.out[t]);
    }
    free(j.arena);
    free(j.in);
    free(j.out);
    if (st != TFG_OK) tfg_eval_free(r);
    return st;
}
