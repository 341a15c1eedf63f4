/* The model pipeline; see model.h. */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

#include "tflite/reader.h"

/* Record each step's operand locations from the final plan. */
static void bind_steps(tfg_model_t *m)
{
    for (int b = 0; b < m->plan.n_bufs; b++)
        if (m->plan.bufs[b].kind == TFG_BUF_SCRATCH)
            m->prog.steps[m->plan.bufs[b].step].scratch_off = m->plan.bufs[b].offset;
    for (int s = 0; s < m->prog.n_steps; s++) {
        tfg_step_t *st = &m->prog.steps[s];
        for (int k = 0; k < st->n_in; k++) {
            const tfg_tensor_t *t = &m->graph.tensors[st->in[k]];
            st->in_const[k] = t->data;
            st->in_off[k] = t->data ? 0 : tfg_plan_offset(&m->plan, st->in[k]);
        }
        st->out_off = tfg_plan_offset(&m->plan, st->out);
    }
}

/* The pipeline: passes, lowering, a first plan, residual fusion (which the
 * plan's buffer groups decide) and a new plan, kernel variants (which only
 * real plans can judge), then each step's operand offsets. */
static tfg_status_t prepare(tfg_model_t *m, const tfg_pass_opts_t *opts, tfg_diag_t *d)
{
    m->opts = *opts;
    tfg_run_passes(&m->graph, opts);
    tfg_status_t st = tfg_lower(&m->graph, &m->prog, d);
    if (st == TFG_OK) st = tfg_plan_build(&m->graph, &m->prog, &m->plan, d);
    if (st == TFG_OK && !opts->no_fuse_residual && !opts->no_in_place &&
        tfg_fuse_residuals(&m->graph, &m->prog, m->plan.tensor_buf, d, &st) > 0 && st == TFG_OK) {
        tfg_plan_free(&m->plan);
        st = tfg_plan_build(&m->graph, &m->prog, &m->plan, d);
    }
    if (st == TFG_OK) st = tfg_plan_choose_variants(&m->graph, &m->prog, &m->plan, opts, d);
    if (st == TFG_OK) bind_steps(m);
    if (st < 0) tfg_model_free(m);
    return st;
}

tfg_status_t tfg_model_load(const char *path, const tfg_pass_opts_t *opts, tfg_model_t *m, tfg_diag_t *d)
{
    memset(m, 0, sizeof *m);
    tfg_status_t st = tfg_tflite_load(path, &m->graph, d);
    return st < 0 ? st : prepare(m, opts, d);
}

tfg_status_t tfg_model_prepare(tfg_model_t *m, tfg_graph_t *g, const tfg_pass_opts_t *opts, tfg_diag_t *d)
{
    memset(m, 0, sizeof *m);
    m->graph = *g;
    memset(g, 0, sizeof *g);
    tfg_status_t st = tfg_graph_validate(&m->graph, d);
    if (st < 0) {
        tfg_model_free(m);
        return st;
    }
    return prepare(m, opts, d);
}

tfg_status_t tfg_model_load_mem(const uint8_t *bytes, size_t len, const char *name,
                                const tfg_pass_opts_t *opts, tfg_model_t *m, tfg_diag_t *d)
{
    memset(m, 0, sizeof *m);
    tfg_status_t st = tfg_tflite_load_mem(bytes, len, name, &m->graph, d);
    return st < 0 ? st : prepare(m, opts, d);
}

void tfg_model_free(tfg_model_t *m)
{
    tfg_plan_free(&m->plan);
    tfg_program_free(&m->prog);
    tfg_graph_free(&m->graph);
}

size_t tfg_model_input_bytes(const tfg_model_t *m)
{
    size_t n = 0;
    for (int i = 0; i < m->graph.n_inputs; i++)
        n += (size_t)tfg_tensor_bytes(&m->graph.tensors[m->graph.inputs[i]]);
    return n;
}

size_t tfg_model_output_bytes(const tfg_model_t *m)
{
    size_t n = 0;
    for (int i = 0; i < m->graph.n_outputs; i++)
        n += (size_t)tfg_tensor_bytes(&m->graph.tensors[m->graph.outputs[i]]);
    return n;
}
