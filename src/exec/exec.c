/* Host executor; see exec.h. */
#include "exec/exec.h"

#include <stdlib.h>
#include <string.h>

#include "tflite/reader.h"

/* Set step st's kernel variant (dw or conv), and its scratch with it. */
static void set_variant(tfg_step_t *st, int32_t v)
{
    if (st->kernel == TFG_K_DWCONV) {
        st->p.dw.variant = v;
        st->scratch_bytes = tfg_dwconv_s8_scratch_size(&st->p.dw);
    } else {
        st->p.conv.variant = v;
        st->scratch_bytes = tfg_conv_s8_scratch_size(&st->p.conv);
    }
}

/* Step s with variant v: kept (and the plan replaced) when the new peak is
 * at most `limit`; else the step is put back. */
static tfg_status_t try_variant(tfg_model_t *m, int s, int32_t v, size_t limit, tfg_diag_t *d)
{
    tfg_step_t *st = &m->prog.steps[s];
    const int32_t was = tfg_step_variant(st);
    set_variant(st, v);
    tfg_plan_t trial;
    tfg_status_t rc = tfg_plan_build(&m->graph, &m->prog, &trial, d);
    if (rc < 0) return rc;
    if (trial.peak <= limit) {
        tfg_plan_free(&m->plan);
        m->plan = trial;
    } else {
        tfg_plan_free(&trial);
        set_variant(st, was);
    }
    return TFG_OK;
}

/* The low-memory variants (STRIP, NARROW), as the kernel budget asks (see
 * tfg_pass_opts_t): on every layer where they need less scratch, all at
 * once, since several layers may share the peak and one at a time none
 * might lower it. If the peak drops, each layer then goes back to its fast
 * variant where the peak stays within the new peak (or the budget). */
static tfg_status_t choose_low_memory(tfg_model_t *m, tfg_diag_t *d)
{
    const size_t budget = m->opts.kernel_budget;
    if (budget == SIZE_MAX || (budget && m->plan.peak <= budget)) return TFG_OK; /* the fast kernels fit */
    const int n = m->prog.n_steps;
    int32_t *fast = malloc(sizeof(int32_t) * ((size_t)n + 1));
    if (!fast) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    bool any = false;
    for (int s = 0; s < n; s++) {
        tfg_step_t *st = &m->prog.steps[s];
        fast[s] = -1;
        if (st->kernel != TFG_K_CONV && (st->kernel != TFG_K_DWCONV || !tfg_dwconv_strip_in_place_ok(&st->p.dw)))
            continue;
        const size_t was = st->scratch_bytes;
        fast[s] = tfg_step_variant(st);
        set_variant(st, st->kernel == TFG_K_CONV ? TFG_CONV_NARROW : TFG_DW_STRIP);
        if (st->scratch_bytes < was) any = true;
        else set_variant(st, fast[s]), fast[s] = -1;
    }
    tfg_plan_t trial;
    tfg_status_t rc = any ? tfg_plan_build(&m->graph, &m->prog, &trial, d) : TFG_OK;
    if (rc == TFG_OK && any && trial.peak < m->plan.peak) {
        tfg_plan_free(&m->plan);
        m->plan = trial;
        const size_t limit = budget > trial.peak ? budget : trial.peak;
        for (int s = 0; s < n && rc == TFG_OK; s++)
            if (fast[s] >= 0) rc = try_variant(m, s, fast[s], limit, d);
    } else if (rc == TFG_OK) {
        if (any) tfg_plan_free(&trial);
        for (int s = 0; s < n; s++)
            if (fast[s] >= 0) set_variant(&m->prog.steps[s], fast[s]);
    }
    free(fast);
    return rc;
}

/* Kernel variants (see tfg_dw_choice_t and tfg_conv_variant_t). Every
 * depthwise layer starts as ROWS and is tried as PLANE, which it keeps if
 * the peak drops, or, preferring PLANE (TFG_DW_AUTO_MCU), if it does not
 * rise. Then the low-memory variants, slower, where they lower the peak:
 * STRIP for depthwise, NARROW for conv. Tests may force one depthwise
 * variant everywhere instead. */
static tfg_status_t choose_variants(tfg_model_t *m, tfg_diag_t *d)
{
    const tfg_dw_choice_t c = m->opts.dw;
    if (c == TFG_DW_ONLY_ROWS || c == TFG_DW_ONLY_PLANE || c == TFG_DW_ONLY_STRIP) {
        for (int s = 0; s < m->prog.n_steps; s++) {
            tfg_step_t *st = &m->prog.steps[s];
            if (st->kernel != TFG_K_DWCONV) continue;
            st->p.dw.variant = c == TFG_DW_ONLY_ROWS ? TFG_DW_ROWS : TFG_DW_PLANE;
            if (c == TFG_DW_ONLY_STRIP && tfg_dwconv_strip_in_place_ok(&st->p.dw)) st->p.dw.variant = TFG_DW_STRIP;
            set_variant(st, st->p.dw.variant);
        }
        tfg_plan_free(&m->plan);
        return tfg_plan_build(&m->graph, &m->prog, &m->plan, d);
    }
    tfg_status_t rc = TFG_OK;
    for (int s = 0; s < m->prog.n_steps && rc == TFG_OK; s++) {
        tfg_step_t *st = &m->prog.steps[s];
        if (st->kernel != TFG_K_DWCONV || st->p.dw.variant != TFG_DW_ROWS) continue;
        /* PLANE must lower the peak, or (preferred) keep it. */
        const bool prefer = c == TFG_DW_AUTO_MCU;
        tfg_dwconv_params_t plane = st->p.dw;
        plane.variant = TFG_DW_PLANE;
        if (!prefer && tfg_dwconv_s8_scratch_size(&plane) >= st->scratch_bytes) continue; /* cannot lower it */
        rc = try_variant(m, s, TFG_DW_PLANE, prefer ? m->plan.peak : m->plan.peak - 1, d);
    }
    return rc == TFG_OK ? choose_low_memory(m, d) : rc;
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

/* Fuse residual ADDs into the convolution that feeds them: ADD(X, conv(E))
 * (either operand order) becomes conv(E) with a residual epilogue writing
 * in place over X (runtime/conv.c), so the conv's own output is never
 * stored. In an inverted-residual block that buffer is as large as the
 * block's input; MobileNetV2's 28x28 blocks drop from X + E + Y to X + E.
 * Safe when the conv output Y feeds only the ADD, X is computed before the
 * conv and read by nothing after the ADD (nor by a view), nothing between
 * the conv and the ADD reads X, and the conv does not read X's buffer itself. `groups` is the current plan's
 * buffer of each tensor. Returns the number of fusions. */
static int fuse_residuals(tfg_model_t *m, const int *groups, tfg_diag_t *d, tfg_status_t *st)
{
    tfg_program_t *pr = &m->prog;
    const tfg_graph_t *g = &m->graph;
    int fused = 0;
    for (int a = 0; a < pr->n_steps; a++) {
        tfg_step_t *A = &pr->steps[a];
        if (A->kernel != TFG_K_ADD || A->n_in != 2 || A->in_const[0] || A->in_const[1]) continue;
        const tfg_tensor_t *yo = &g->tensors[A->out];
        if (tfg_tensor_elems(&g->tensors[A->in[0]]) != tfg_tensor_elems(yo) ||
            tfg_tensor_elems(&g->tensors[A->in[1]]) != tfg_tensor_elems(yo))
            continue;
        for (int j = 0; j < 2; j++) {
            const int y = A->in[j], x = A->in[1 - j];
            /* Who writes y and x, and how many steps read y. */
            int pstep = -1, xstep = -1, readers = 0;
            for (int k = 0; k < pr->n_steps; k++) {
                if (pr->steps[k].out == y) pstep = k;
                if (pr->steps[k].out == x) xstep = k;
                for (int q = 0; q < pr->steps[k].n_in; q++) readers += !pr->steps[k].in_const[q] && pr->steps[k].in[q] == y;
            }
            /* y feeds only the ADD, and x already holds its value when the conv runs. */
            if (pstep < 0 || pstep >= a || readers != 1 || xstep >= pstep) continue;
            tfg_step_t *P = &pr->steps[pstep];
            if (P->kernel != TFG_K_CONV || P->p.conv.res || P->n_in != 1) continue;
            /* Once the conv has overwritten x, only the ADD may have read it. */
            bool x_read = false;
            for (int k = pstep + 1; k < pr->n_steps; k++)
                for (int q = 0; q < pr->steps[k].n_in; q++)
                    x_read |= k != a && !pr->steps[k].in_const[q] && pr->steps[k].in[q] == x;
            bool io = false, view = false;
            for (int i = 0; i < g->n_inputs; i++) io |= g->inputs[i] == x;
            for (int i = 0; i < g->n_outputs; i++) io |= g->outputs[i] == x || g->outputs[i] == y;
            for (int i = 0; i < g->n_ops; i++) view |= !g->ops[i].dead && g->ops[i].alias && g->ops[i].in[0] == x;
            if (io || view || x_read || groups[x] < 0 || groups[x] == groups[P->in[0]]) continue;
            tfg_eltwise_params_t *res = tfg_graph_alloc(&m->graph, sizeof *res);
            if (!res) {
                *st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
                return fused;
            }
            *res = A->p.elt;
            P->p.conv.res = res;
            P->p.conv.res_conv_is_b = j == 1;
            P->out = A->out;
            P->in[P->n_in++] = x; /* read (and overwritten in place) by the conv */
            memmove(A, A + 1, sizeof *A * (size_t)(pr->n_steps - a - 1));
            pr->n_steps--;
            a--;
            fused++;
            break;
        }
    }
    return fused;
}

static tfg_status_t prepare(tfg_model_t *m, const tfg_pass_opts_t *opts, tfg_diag_t *d)
{
    m->opts = *opts;
    tfg_run_passes(&m->graph, opts);
    tfg_status_t st = tfg_lower(&m->graph, &m->prog, d);
    if (st == TFG_OK) st = tfg_plan_build(&m->graph, &m->prog, &m->plan, d);
    if (st == TFG_OK && !opts->no_fuse_residual && !opts->no_in_place &&
        fuse_residuals(m, m->plan.tensor_buf, d, &st) > 0 && st == TFG_OK) {
        tfg_plan_free(&m->plan);
        st = tfg_plan_build(&m->graph, &m->prog, &m->plan, d);
    }
    if (st == TFG_OK) st = choose_variants(m, d);
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
