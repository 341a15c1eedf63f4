/* Host executor; see exec.h. */
#include "exec/exec.h"

#include <string.h>

#include "tflite/reader.h"

/* Depthwise variants (see tfg_dw_choice_t): every layer starts as ROWS; each
 * is tried as PLANE and kept there if the peak drops, or, preferring PLANE
 * (TFG_DW_AUTO_MCU), if it does not rise. Either way the final peak is the
 * same. Tests may force one variant everywhere instead. */
static tfg_status_t choose_dw_variants(tfg_model_t *m, tfg_diag_t *d)
{
    if (m->opts.dw == TFG_DW_ONLY_ROWS || m->opts.dw == TFG_DW_ONLY_PLANE) {
        for (int s = 0; s < m->prog.n_steps; s++) {
            tfg_step_t *st = &m->prog.steps[s];
            if (st->kernel != TFG_K_DWCONV) continue;
            st->p.dw.variant = m->opts.dw == TFG_DW_ONLY_ROWS ? TFG_DW_ROWS : TFG_DW_PLANE;
            st->scratch_bytes = tfg_dwconv_s8_scratch_size(&st->p.dw);
        }
        tfg_plan_free(&m->plan);
        return tfg_plan_build(&m->graph, &m->prog, &m->plan, d);
    }
    const bool prefer_plane = m->opts.dw == TFG_DW_AUTO_MCU;
    for (int s = 0; s < m->prog.n_steps; s++) {
        tfg_step_t *st = &m->prog.steps[s];
        if (st->kernel != TFG_K_DWCONV || st->p.dw.variant != TFG_DW_ROWS) continue;
        const size_t rows = st->scratch_bytes;
        st->p.dw.variant = TFG_DW_PLANE;
        st->scratch_bytes = tfg_dwconv_s8_scratch_size(&st->p.dw);
        if (!prefer_plane && st->scratch_bytes >= rows) { /* cannot lower the peak */
            st->p.dw.variant = TFG_DW_ROWS;
            st->scratch_bytes = rows;
            continue;
        }
        tfg_plan_t trial;
        tfg_status_t rc = tfg_plan_build(&m->graph, &m->prog, &trial, d);
        if (rc < 0) return rc;
        if (trial.peak < m->plan.peak || (prefer_plane && trial.peak == m->plan.peak)) {
            tfg_plan_free(&m->plan);
            m->plan = trial;
        } else {
            tfg_plan_free(&trial);
            st->p.dw.variant = TFG_DW_ROWS;
            st->scratch_bytes = rows;
        }
    }
    return TFG_OK;
}

/* Record each step's operand locations from the final plan. */
static void bind_steps(tfg_model_t *m)
{
    for (int b = 0; b < m->plan.n_bufs; b++)
        if (m->plan.bufs[b].kind == TFG_BUF_SCRATCH) m->prog.steps[m->plan.bufs[b].step].scratch_off = m->plan.bufs[b].offset;
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

static tfg_status_t prepare(tfg_model_t *m, const tfg_pass_opts_t *opts, tfg_diag_t *d)
{
    m->opts = *opts;
    tfg_run_passes(&m->graph, opts);
    tfg_status_t st = tfg_lower(&m->graph, &m->prog, d);
    if (st == TFG_OK) st = tfg_plan_build(&m->graph, &m->prog, &m->plan, d);
    if (st == TFG_OK) st = choose_dw_variants(m, d);
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

tfg_status_t tfg_model_load_mem(const uint8_t *bytes, size_t len, const char *name, const tfg_pass_opts_t *opts,
                                tfg_model_t *m, tfg_diag_t *d)
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
    for (int i = 0; i < m->graph.n_inputs; i++) n += (size_t)tfg_tensor_bytes(&m->graph.tensors[m->graph.inputs[i]]);
    return n;
}

size_t tfg_model_output_bytes(const tfg_model_t *m)
{
    size_t n = 0;
    for (int i = 0; i < m->graph.n_outputs; i++)
        n += (size_t)tfg_tensor_bytes(&m->graph.tensors[m->graph.outputs[i]]);
    return n;
}

const uint8_t *tfg_model_tensor_ptr(const tfg_model_t *m, const uint8_t *arena, int t)
{
    const tfg_tensor_t *x = &m->graph.tensors[t];
    if (x->data) return x->data;
    return arena + tfg_plan_offset(&m->plan, t);
}

void tfg_model_set_inputs(const tfg_model_t *m, uint8_t *arena, const uint8_t *in)
{
    for (int i = 0; i < m->graph.n_inputs; i++) {
        const int t = m->graph.inputs[i];
        const size_t n = (size_t)tfg_tensor_bytes(&m->graph.tensors[t]);
        memcpy(arena + tfg_plan_offset(&m->plan, t), in, n);
        in += n;
    }
}

void tfg_model_get_outputs(const tfg_model_t *m, const uint8_t *arena, uint8_t *out)
{
    for (int i = 0; i < m->graph.n_outputs; i++) {
        const int t = m->graph.outputs[i];
        const size_t n = (size_t)tfg_tensor_bytes(&m->graph.tensors[t]);
        memcpy(out, tfg_model_tensor_ptr(m, arena, t), n);
        out += n;
    }
}

void tfg_step_run(uint8_t *arena, const tfg_step_t *s)
{
#define IN(k) ((const int8_t *)(s->in_const[k] ? s->in_const[k] : arena + s->in_off[k]))
    int8_t *out = (int8_t *)(arena + s->out_off);
    void *scratch = s->scratch_bytes ? arena + s->scratch_off : NULL;
    switch (s->kernel) {
    case TFG_K_CONV: tfg_conv_s8(&s->p.conv, IN(0), out, scratch); break;
    case TFG_K_DWCONV: tfg_dwconv_s8(&s->p.dw, IN(0), out, scratch); break;
    case TFG_K_FC: tfg_fc_s8(&s->p.fc, IN(0), out); break;
    case TFG_K_ADD: tfg_add_s8(&s->p.elt, IN(0), IN(1), out); break;
    case TFG_K_MUL: tfg_mul_s8(&s->p.elt, IN(0), IN(1), out); break;
    case TFG_K_AVGPOOL: tfg_avgpool_s8(&s->p.pool, IN(0), out); break;
    case TFG_K_MAXPOOL: tfg_maxpool_s8(&s->p.pool, IN(0), out); break;
    case TFG_K_MEAN: tfg_mean_s8(&s->p.mean, IN(0), out); break;
    case TFG_K_SOFTMAX: tfg_softmax_s8(&s->p.softmax, IN(0), out); break;
    case TFG_K_LOGISTIC: tfg_logistic_s8(&s->p.logistic, IN(0), out); break;
    case TFG_K_QUANTIZE:
        tfg_quantize_f32_s8(&s->p.affine, (const float *)(const void *)IN(0), out);
        break;
    case TFG_K_DEQUANTIZE: tfg_dequantize_s8_f32(&s->p.affine, IN(0), (float *)(void *)out); break;
    case TFG_K_REQUANT: tfg_requantize_s8(&s->p.requant, IN(0), out); break;
    case TFG_K_GATHER: tfg_gather_s8(&s->p.gather, IN(0), out); break;
    case TFG_K_PAD: tfg_pad_s8(&s->p.pad, IN(0), out); break;
    case TFG_K_CONCAT: {
        const int8_t *ins[TFG_MAX_OP_INPUTS];
        for (int k = 0; k < s->n_in; k++) ins[k] = IN(k);
        tfg_concat_s8(&s->p.concat, ins, out);
        break;
    }
    case TFG_K_RESIZE: tfg_resize_nearest_s8(&s->p.resize, IN(0), out); break;
    }
#undef IN
}

void tfg_model_invoke(const tfg_model_t *m, uint8_t *arena)
{
    for (int i = 0; i < m->prog.n_steps; i++) tfg_step_run(arena, &m->prog.steps[i]);
}

void tfg_model_invoke_hooked(const tfg_model_t *m, uint8_t *arena, tfg_step_hook_t hook, void *ctx)
{
    for (int i = 0; i < m->prog.n_steps; i++) {
        tfg_step_run(arena, &m->prog.steps[i]);
        hook(ctx, i);
    }
}
