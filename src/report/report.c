/* The report's data model: layouts with per-step buffer roles, the layer
 * table, the tile grid and the target budget (see report.h).
 *
 * A buffer's role at a step comes from the step's own operands: the buffer
 * holding its output is "written" (an in-place or fused step reads it too),
 * those holding its activation inputs are "read", its scratch is "scratch",
 * and every other live buffer is "kept" (a residual waiting for its ADD, the
 * image, a patch stage's output being assembled). Roles only split the live
 * bytes; they never change them. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

extern const char tfg_boards_tsv[]; /* targets/boards.tsv, embedded by cmake/embed_text.cmake */

const char *tfg_role_name(tfg_role_t r)
{
    static const char *const names[TFG_ROLES] = {"none", "kept", "read", "written", "scratch"};
    return r >= 0 && r < TFG_ROLES ? names[r] : "none";
}

int64_t tfg_graph_macs(const tfg_graph_t *g)
{
    int64_t n = 0;
    for (int i = 0; i < g->n_ops; i++) n += tfg_op_macs(g, &g->ops[i]);
    return n;
}

int64_t tfg_graph_weights_bytes(const tfg_graph_t *g)
{
    int64_t n = 0;
    bool *seen = calloc((size_t)g->n_tensors + 1, 1);
    if (!seen) return -1;
    for (int i = 0; i < g->n_ops; i++) {
        const tfg_op_t *op = &g->ops[i];
        if (op->dead) continue;
        for (int k = 0; k < op->n_in; k++) {
            const int t = op->in[k];
            if (t < 0 || seen[t] || !tfg_tensor_is_const(&g->tensors[t])) continue;
            seen[t] = true;
            n += (int64_t)g->tensors[t].data_bytes;
        }
    }
    free(seen);
    return n;
}

bool tfg_graph_float_edges(const tfg_graph_t *g)
{
    /* uint8 edges count too: --int8-io strips their QUANTIZE as well. */
    for (int i = 0; i < g->n_inputs; i++) {
        const tfg_dtype_t t = g->tensors[g->inputs[i]].dtype;
        if (t == TFG_DT_FLOAT32 || t == TFG_DT_UINT8) return true;
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const tfg_dtype_t t = g->tensors[g->outputs[i]].dtype;
        if (t == TFG_DT_FLOAT32 || t == TFG_DT_UINT8) return true;
    }
    return false;
}

/* ---- target budgets (targets/boards.tsv) ------------------------------------ */

/* Field `col` of a tab-separated line into buf ("" when absent). */
static void tsv_field(const char *line, int col, char *buf, size_t n)
{
    for (int c = 0; c < col && line; c++) {
        line = strpbrk(line, "\t\n");
        if (line && *line == '\t')
            line++;
        else
            line = NULL;
    }
    size_t len = line ? strcspn(line, "\t\n") : 0;
    if (len >= n) len = n - 1;
    if (n) memcpy(buf, line ? line : "", len), buf[len] = 0;
}

static int tsv_column(const char *header, const char *name)
{
    char f[64];
    for (int c = 0; c < 64; c++) {
        tsv_field(header, c, f, sizeof f);
        if (!f[0]) return -1;
        if (!strcmp(f, name)) return c;
    }
    return -1;
}

void tfg_target_list(char *buf, size_t n)
{
    size_t used = 0;
    if (n) buf[0] = 0;
    for (const char *line = strchr(tfg_boards_tsv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char t[32];
        tsv_field(line + 1, 0, t, sizeof t);
        if (!t[0] || used + strlen(t) + 2 > n) continue;
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? " " : "", t);
    }
}

tfg_status_t tfg_target_budget(const char *target, tfg_budget_t *b, tfg_diag_t *d)
{
    const char *header = tfg_boards_tsv;
    const int c_mcu = tsv_column(header, "mcu"), c_flash = tsv_column(header, "flash_kib"),
              c_sram = tsv_column(header, "sram_kib");
    if (c_mcu < 0 || c_flash < 0 || c_sram < 0)
        return tfg_diag_set(d, TFG_ERR_INVALID,
                            "targets/boards.tsv lacks the mcu, flash_kib or sram_kib column");
    for (const char *line = strchr(header, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char t[32], v[48];
        tsv_field(line + 1, 0, t, sizeof t);
        if (strcmp(t, target) != 0) continue;
        memset(b, 0, sizeof *b);
        snprintf(b->target, sizeof b->target, "%s", t);
        tsv_field(line + 1, c_mcu, b->mcu, sizeof b->mcu);
        tsv_field(line + 1, c_flash, v, sizeof v);
        b->flash = (size_t)strtoul(v, NULL, 10) * 1024;
        tsv_field(line + 1, c_sram, v, sizeof v);
        b->sram = (size_t)strtoul(v, NULL, 10) * 1024;
        return TFG_OK;
    }
    char list[256];
    tfg_target_list(list, sizeof list);
    return tfg_diag_set(d, TFG_ERR_ARG, "unknown target '%s' (targets with an MCU budget: %s)", target, list);
}

/* ---- layouts ------------------------------------------------------------------ */

static void layout_free(tfg_report_layout_t *l)
{
    free(l->bufs), free(l->step_live), free(l->step_top), free(l->role_bytes), free(l->role);
    memset(l, 0, sizeof *l);
}

static tfg_status_t layout_alloc(tfg_report_layout_t *l, int n_bufs, int n_steps, tfg_diag_t *d)
{
    const size_t ns = (size_t)n_steps + 1, nb = (size_t)n_bufs + 1;
    l->bufs = calloc(nb, sizeof *l->bufs);
    l->step_live = calloc(ns, sizeof(size_t));
    l->step_top = calloc(ns, sizeof(size_t));
    l->role_bytes = calloc(ns * TFG_ROLES, sizeof(size_t));
    l->role = calloc(ns * nb, 1);
    if (!l->bufs || !l->step_live || !l->step_top || !l->role_bytes || !l->role) {
        layout_free(l);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    l->n_bufs = n_bufs;
    return TFG_OK;
}

/* Copy a placed plan's figures, and set every live buffer's role. buf_of(t,
 * step) gives the buffer step `step` uses for tensor t (-1: a constant). */
typedef int (*buf_of_fn)(const void *ctx, int t, int step);

static void layout_fill(const tfg_model_t *m, const tfg_plan_t *p, const int *new_index, buf_of_fn buf_of,
                        const void *ctx, tfg_report_layout_t *l)
{
    const int ns = m->prog.n_steps;
    for (int s = 0; s < ns; s++) l->step_live[s] = p->step_live[s], l->step_top[s] = p->step_top[s];
    l->peak = p->peak;
    l->lower_bound = p->lower_bound;
    l->peak_step = p->peak == p->lower_bound ? p->lower_bound_step : p->peak_step;
    l->placement = p->strategy;
    for (int s = 0; s < ns; s++) {
        const tfg_step_t *st = &m->prog.steps[s];
        uint8_t *row = l->role + (size_t)s * (size_t)l->n_bufs;
        for (int b = 0; b < l->n_bufs; b++)
            if (l->bufs[b].first <= s && s <= l->bufs[b].last && l->bufs[b].size)
                row[b] = l->bufs[b].scratch ? (l->bufs[b].step == s ? TFG_ROLE_SCRATCH : TFG_ROLE_KEPT)
                                            : TFG_ROLE_KEPT;
        for (int k = 0; k < st->n_in; k++) {
            const int b = buf_of(ctx, st->in[k], s);
            if (b >= 0 && new_index[b] >= 0 && row[new_index[b]] != TFG_ROLE_NONE)
                row[new_index[b]] = TFG_ROLE_READ;
        }
        const int ob = buf_of(ctx, st->out, s);
        if (ob >= 0 && new_index[ob] >= 0) row[new_index[ob]] = TFG_ROLE_WRITTEN;
        for (int b = 0; b < l->n_bufs; b++) l->role_bytes[(size_t)s * TFG_ROLES + row[b]] += l->bufs[b].size;
        /* where an output is written over its input, their shared bytes count once (as the output's) */
        for (int b = 0; b < l->n_bufs; b++) {
            const int t = l->bufs[b].tie - 1;
            if (t < 0 || row[b] == TFG_ROLE_NONE || row[t] == TFG_ROLE_NONE) continue;
            l->role_bytes[(size_t)s * TFG_ROLES + row[t]] -=
                l->bufs[b].size < l->bufs[t].size ? l->bufs[b].size : l->bufs[t].size;
        }
    }
}

static void buf_name(const tfg_model_t *m, int tensor, const char *suffix, tfg_report_buf_t *b)
{
    snprintf(b->name, sizeof b->name, "%s%s", tensor >= 0 ? m->graph.tensors[tensor].name : "scratch",
             suffix);
}

static bool holds(const int *tensor_buf, int b, const int *list, int n)
{
    for (int i = 0; i < n; i++)
        if (tensor_buf[list[i]] == b) return true;
    return false;
}

static int lbl_buf_of(const void *ctx, int t, int step)
{
    (void)step;
    return ((const tfg_plan_t *)ctx)->tensor_buf[t];
}

static tfg_status_t layout_layer(const tfg_model_t *m, tfg_report_layout_t *l, tfg_diag_t *d)
{
    const tfg_plan_t *p = &m->plan;
    tfg_status_t st = layout_alloc(l, p->n_bufs, m->prog.n_steps, d);
    if (st < 0) return st;
    int *idx = malloc(sizeof(int) * ((size_t)p->n_bufs + 1));
    if (!idx) {
        layout_free(l);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    for (int b = 0; b < p->n_bufs; b++) {
        const tfg_buf_t *pb = &p->bufs[b];
        tfg_report_buf_t *rb = &l->bufs[b];
        idx[b] = b;
        buf_name(m, pb->tensor, "", rb);
        rb->tensor = pb->tensor, rb->step = pb->step, rb->scratch = pb->kind == TFG_BUF_SCRATCH;
        rb->first = pb->first, rb->last = pb->last, rb->offset = pb->offset, rb->size = pb->size;
        rb->tie = pb->tie;
        rb->image = !rb->scratch && holds(p->tensor_buf, b, m->graph.inputs, m->graph.n_inputs);
        rb->output = !rb->scratch && holds(p->tensor_buf, b, m->graph.outputs, m->graph.n_outputs);
    }
    l->valid = true;
    l->split = -1, l->ph = l->pw = 1;
    layout_fill(m, p, idx, lbl_buf_of, p, l);
    free(idx);
    return TFG_OK;
}

typedef struct {
    const tfg_model_t *m;
    const int *stage_buf, *rest_buf;
    int split;
} patched_ctx_t;

static int patched_buf_of(const void *ctx, int t, int step)
{
    const patched_ctx_t *c = ctx;
    if (c->m->plan.tensor_buf[t] < 0) return -1; /* a constant */
    return step <= c->split ? c->stage_buf[t] : c->rest_buf[t];
}

static tfg_status_t layout_patched(const tfg_model_t *m, const tfg_schedule_t *c, bool streamed,
                                   tfg_report_layout_t *l, tfg_diag_t *d)
{
    const int nt = m->graph.n_tensors;
    tfg_plan_t p;
    int *stage_buf = malloc(sizeof(int) * ((size_t)nt + 1)),
        *rest_buf = malloc(sizeof(int) * ((size_t)nt + 1));
    if (!stage_buf || !rest_buf) {
        free(stage_buf), free(rest_buf);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    tfg_status_t st = tfg_sched_layout(m, c->split, c->ph, c->pw, streamed, &p, stage_buf, rest_buf, d);
    if (st < 0) {
        free(stage_buf), free(rest_buf);
        return st;
    }
    /* Keep the buffers that take space; idx maps the scheduler's indices to ours. */
    int *idx = malloc(sizeof(int) * ((size_t)p.n_bufs + 1));
    int n = 0;
    for (int b = 0; idx && b < p.n_bufs; b++) idx[b] = p.bufs[b].size ? n++ : -1;
    if (!idx || (st = layout_alloc(l, n, m->prog.n_steps, d)) < 0) {
        if (!idx) st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
        free(idx), free(stage_buf), free(rest_buf);
        tfg_plan_free(&p);
        return st;
    }
    for (int b = 0; b < p.n_bufs; b++) {
        if (idx[b] < 0) continue;
        const tfg_buf_t *pb = &p.bufs[b];
        tfg_report_buf_t *rb = &l->bufs[idx[b]];
        rb->tensor = pb->tensor, rb->step = pb->step, rb->scratch = pb->kind == TFG_BUF_SCRATCH;
        rb->first = pb->first, rb->last = pb->last, rb->offset = pb->offset, rb->size = pb->size;
        rb->tie = pb->tie && idx[pb->tie - 1] >= 0 ? idx[pb->tie - 1] + 1 : 0;
        for (int t = 0; t < nt && !rb->scratch; t++) {
            if (stage_buf[t] == b) rb->region = true;
            if (rest_buf[t] == b && t == m->graph.inputs[0]) rb->image = true;
        }
        if (rb->region && stage_buf[tfg_report_source(m)] == b) rb->image = true; /* its tile region */
        rb->output = !rb->scratch && holds(rest_buf, b, m->graph.outputs, m->graph.n_outputs);
        const bool full = !rb->scratch && !rb->region && rest_buf[m->prog.steps[c->split].out] == b;
        buf_name(m, pb->tensor, rb->region ? " (tile region)" : full ? " (whole stage output)" : "", rb);
    }
    l->valid = true;
    l->split = c->split, l->ph = c->ph, l->pw = c->pw, l->streamed = streamed;
    const patched_ctx_t ctx = {m, stage_buf, rest_buf, c->split};
    layout_fill(m, &p, idx, patched_buf_of, &ctx, l);
    free(idx), free(stage_buf), free(rest_buf);
    tfg_plan_free(&p);
    return TFG_OK;
}

/* ---- the report --------------------------------------------------------------- */

void tfg_report_free(tfg_report_t *r)
{
    layout_free(&r->lbl);
    layout_free(&r->patched);
    tfg_sched_set_free(&r->set);
    free(r->layers);
    free(r->tiles);
    memset(r, 0, sizeof *r);
}

static size_t cand_peak(const tfg_report_t *r, const tfg_schedule_t *c)
{
    return r->o.stream && c->split >= 0 ? c->peak_streamed : c->peak;
}

/* The patched schedule the figures show: the chosen one, else the front's
 * lowest peak (fewest MACs on ties), else none (-1). */
static int patched_candidate(const tfg_report_t *r)
{
    if (r->set.c[r->chosen].split >= 0) return r->chosen;
    int best = -1;
    for (int i = 0; i < r->set.n; i++) {
        const tfg_schedule_t *c = &r->set.c[i];
        if (c->split < 0 || !r->set.front[i]) continue;
        if (best < 0 || cand_peak(r, c) < cand_peak(r, &r->set.c[best]) ||
            (cand_peak(r, c) == cand_peak(r, &r->set.c[best]) && c->macs < r->set.c[best].macs))
            best = i;
    }
    return best;
}

static tfg_status_t build_layers(tfg_report_t *r, tfg_diag_t *d)
{
    const tfg_model_t *m = r->m;
    r->n_layers = m->prog.n_steps;
    r->layers = calloc((size_t)r->n_layers + 1, sizeof *r->layers);
    if (!r->layers) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    for (int s = 0; s < r->n_layers; s++) {
        const tfg_step_t *st = &m->prog.steps[s];
        const tfg_op_t *op = &m->graph.ops[st->op];
        tfg_report_layer_t *L = &r->layers[s];
        L->step = s, L->op = op->model_index, L->type = tfg_op_name(op->type);
        snprintf(L->in_shape, sizeof L->in_shape, "-");
        if (st->n_in > 0) tfg_shape_str(&m->graph.tensors[st->in[0]], L->in_shape, sizeof L->in_shape);
        tfg_shape_str(&m->graph.tensors[st->out], L->out_shape, sizeof L->out_shape);
        L->macs = st->macs, L->scratch = st->scratch_bytes, L->in_place = op->in_place, L->insns = -1;
        for (int k = 0; k < op->n_in; k++)
            if (op->in[k] >= 0 && tfg_tensor_is_const(&m->graph.tensors[op->in[k]]))
                L->params += (int64_t)m->graph.tensors[op->in[k]].data_bytes;
    }
    return TFG_OK;
}

static tfg_status_t build_tiles(tfg_report_t *r, tfg_diag_t *d)
{
    const tfg_model_t *m = r->m;
    const tfg_report_layout_t *l = &r->patched;
    if (!l->valid) return TFG_OK;
    const tfg_tensor_t *y = &m->graph.tensors[m->prog.steps[l->split].out];
    tfg_region_t *need = malloc(sizeof(tfg_region_t) * ((size_t)m->graph.n_tensors + 1));
    r->tiles = calloc((size_t)(l->ph * l->pw), sizeof *r->tiles);
    if (!need || !r->tiles) {
        free(need);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < l->ph; i++)
        for (int j = 0; j < l->pw; j++) {
            tfg_report_tile_t *t = &r->tiles[r->n_tiles++];
            t->tile = tfg_sched_tile(y->dims[1], y->dims[2], l->ph, l->pw, i, j);
            tfg_sched_regions(m, l->split, t->tile, need);
            t->input = need[tfg_report_source(m)];
        }
    free(need);
    return TFG_OK;
}

int tfg_report_source(const tfg_model_t *m)
{
    tfg_sched_lead_t lead;
    return tfg_sched_lead(m, &lead) ? m->graph.inputs[0] : lead.src;
}

int tfg_report_lead_steps(const tfg_model_t *m)
{
    tfg_sched_lead_t lead;
    return tfg_sched_lead(m, &lead) ? 0 : lead.n_steps;
}

tfg_status_t tfg_report_build(const tfg_model_t *m, const tfg_sched_set_t *set, int chosen,
                              const tfg_report_opts_t *o, tfg_report_t *r, tfg_diag_t *d)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->o = *o;
    r->bench_stage_step = -1;
    r->patched_index = -1;
    if (o->budget) r->budget = *o->budget, r->has_budget = true;
    r->o.budget = r->has_budget ? &r->budget : NULL;
    if (set->n < 1 || chosen < 0 || chosen >= set->n)
        return tfg_diag_set(d, TFG_ERR_ARG, "no schedule to report (%d candidates, chosen %d)", set->n,
                            chosen);
    r->set.c = malloc(sizeof *r->set.c * (size_t)set->n);
    r->set.front = malloc(sizeof *r->set.front * (size_t)set->n);
    if (!r->set.c || !r->set.front) {
        tfg_report_free(r);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    memcpy(r->set.c, set->c, sizeof *r->set.c * (size_t)set->n);
    memcpy(r->set.front, set->front, sizeof *r->set.front * (size_t)set->n);
    r->set.n = set->n;
    r->chosen = chosen;
    r->macs = tfg_graph_macs(&m->graph);
    r->weights = tfg_graph_weights_bytes(&m->graph);
    tfg_status_t st = layout_layer(m, &r->lbl, d);
    r->patched_index = patched_candidate(r);
    r->patched_chosen = r->patched_index == chosen;
    if (st == TFG_OK && r->patched_index >= 0)
        st = layout_patched(m, &r->set.c[r->patched_index], o->stream && r->patched_chosen, &r->patched, d);
    if (st == TFG_OK) st = build_layers(r, d);
    if (st == TFG_OK) st = build_tiles(r, d);
    if (st < 0) tfg_report_free(r);
    return st;
}

/* ---- helpers for the renderers -------------------------------------------------- */

const tfg_report_layout_t *tfg_report_chosen_layout(const tfg_report_t *r)
{
    return r->patched_chosen ? &r->patched : &r->lbl;
}

void tfg_report_schedule_name(const tfg_report_t *r, int candidate, char *buf, size_t n)
{
    const tfg_schedule_t *c = &r->set.c[candidate];
    if (c->split < 0)
        snprintf(buf, n, "layer by layer");
    else
        snprintf(buf, n, "%dx%d@%d", c->ph, c->pw,
                 r->m->graph.ops[r->m->prog.steps[c->split].op].model_index);
}

void tfg_report_thousands(long long v, char *buf, size_t n)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
    const size_t len = strlen(digits);
    size_t j = 0;
    if (v < 0 && j + 1 < n) buf[j++] = '-';
    for (size_t i = 0; i < len && j + 2 < n; i++) {
        if (i && (len - i) % 3 == 0) buf[j++] = ',';
        buf[j++] = digits[i];
    }
    if (n) buf[j < n ? j : n - 1] = 0;
}

void tfg_report_xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            /* Control characters are not allowed in XML 1.0 text. */
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                fputc('?', f);
            else
                fputc(*s, f);
        }
    }
}

tfg_status_t tfg_report_write(const tfg_report_t *r, tfg_report_format_t fmt, tfg_report_figure_t fig,
                              FILE *f)
{
    switch (fmt) {
    case TFG_REPORT_HTML: tfg_report_html(r, f); break;
    case TFG_REPORT_JSON: tfg_report_json(r, f); break;
    case TFG_REPORT_SVG: tfg_report_svg(r, fig, f); break;
    case TFG_REPORT_MD: tfg_report_md(r, f); break;
    }
    return ferror(f) ? TFG_ERR_IO : TFG_OK;
}
