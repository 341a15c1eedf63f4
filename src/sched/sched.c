/* Patch-based inference: receptive fields, candidate costs, the front. */
#include "sched/sched.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower/kernel_table.h"
#include "plan/plan.h"
#include "sched/latency.h"

/* ---- step geometry -------------------------------------------------------- */

typedef enum { G_NONE, G_WINDOW, G_POINTWISE } geo_kind_t;

typedef struct {
    geo_kind_t kind;
    int32_t k_h, k_w, s_h, s_w, d_h, d_w, pad_top, pad_left;
} geo_t;

static const tfg_tensor_t *T(const tfg_model_t *m, int t)
{
    return &m->graph.tensors[t];
}

static bool is_nhwc1(const tfg_tensor_t *t)
{
    return t->rank == 4 && t->dims[0] == 1;
}

static bool same_hw(const tfg_tensor_t *a, const tfg_tensor_t *b)
{
    return is_nhwc1(a) && is_nhwc1(b) && a->dims[1] == b->dims[1] && a->dims[2] == b->dims[2];
}

/* How a step maps output regions to input regions (G_NONE: not patchable). */
static geo_t step_geo(const tfg_model_t *m, const tfg_step_t *s)
{
    geo_t g = {G_NONE, 1, 1, 1, 1, 1, 1, 0, 0};
    const tfg_tensor_t *y = T(m, s->out);
    if (!is_nhwc1(y)) return g;
    const tfg_kernel_info_t *info = tfg_kernel_info(s->kernel);
    tfg_window_t w;
    switch (info->patch) {
    case TFG_PATCH_WINDOW:
        if (!info->window(s, &w)) return g;
        g = (geo_t){G_WINDOW, w.k_h, w.k_w, w.s_h, w.s_w, w.d_h, w.d_w, w.pad_top, w.pad_left};
        break;
    case TFG_PATCH_ELTWISE:
    case TFG_PATCH_SIZE: g.kind = G_POINTWISE; break;
    case TFG_PATCH_NONE: return g;
    }
    for (int k = 0; k < s->n_in; k++) {
        if (s->in_const[k]) continue;
        if (!is_nhwc1(T(m, s->in[k]))) return (geo_t){G_NONE, 1, 1, 1, 1, 1, 1, 0, 0};
        /* Pointwise ops read the same pixel of every input (no spatial broadcast). */
        if (g.kind == G_POINTWISE && !same_hw(T(m, s->in[k]), y))
            return (geo_t){G_NONE, 1, 1, 1, 1, 1, 1, 0, 0};
    }
    return g;
}

static bool region_empty(tfg_region_t r)
{
    return r.r1 <= r.r0 || r.c1 <= r.c0;
}

static tfg_region_t region_union(tfg_region_t a, tfg_region_t b)
{
    if (region_empty(a)) return b;
    if (region_empty(b)) return a;
    tfg_region_t u = {a.r0 < b.r0 ? a.r0 : b.r0, a.r1 > b.r1 ? a.r1 : b.r1, a.c0 < b.c0 ? a.c0 : b.c0,
                      a.c1 > b.c1 ? a.c1 : b.c1};
    return u;
}

/* Input region a window op reads for output region o, clipped to the input. */
static tfg_region_t window_input(const geo_t *g, tfg_region_t o, int32_t in_h, int32_t in_w)
{
    tfg_region_t r;
    r.r0 = o.r0 * g->s_h - g->pad_top;
    r.r1 = (o.r1 - 1) * g->s_h - g->pad_top + (g->k_h - 1) * g->d_h + 1;
    r.c0 = o.c0 * g->s_w - g->pad_left;
    r.c1 = (o.c1 - 1) * g->s_w - g->pad_left + (g->k_w - 1) * g->d_w + 1;
    if (r.r0 < 0) r.r0 = 0;
    if (r.c0 < 0) r.c0 = 0;
    if (r.r1 > in_h) r.r1 = in_h;
    if (r.c1 > in_w) r.c1 = in_w;
    return r;
}

/* The region step s (of geometry g) needs of its activation input k for
 * output region o. */
static tfg_region_t demand(const geo_t *g, const tfg_model_t *m, const tfg_step_t *s, int k, tfg_region_t o)
{
    const tfg_tensor_t *x = T(m, s->in[k]);
    /* A fused residual (in[1] of a conv) is read pixel for pixel, in place. */
    if (g->kind == G_WINDOW && k == 0) return window_input(g, o, x->dims[1], x->dims[2]);
    return o;
}

tfg_region_t tfg_sched_tile(int32_t h, int32_t w, int ph, int pw, int i, int j)
{
    tfg_region_t r = {(int32_t)((int64_t)h * i / ph), (int32_t)((int64_t)h * (i + 1) / ph),
                      (int32_t)((int64_t)w * j / pw), (int32_t)((int64_t)w * (j + 1) / pw)};
    return r;
}

/* tfg_sched_regions with each step's geometry given (geos[k]) or found;
 * steps before `first` are the lead (folded into the read of the source). */
static void regions(const tfg_model_t *m, const geo_t *geos, int first, int split, tfg_region_t tile,
                    tfg_region_t *need)
{
    for (int t = 0; t < m->graph.n_tensors; t++) need[t] = (tfg_region_t){0, 0, 0, 0};
    need[m->prog.steps[split].out] = tile;
    for (int k = split; k >= first; k--) {
        const tfg_step_t *s = &m->prog.steps[k];
        const tfg_region_t o = need[s->out];
        if (region_empty(o)) continue;
        const geo_t g = geos ? geos[k] : step_geo(m, s);
        for (int j = 0; j < s->n_in; j++)
            if (!s->in_const[j]) need[s->in[j]] = region_union(need[s->in[j]], demand(&g, m, s, j, o));
    }
}

void tfg_sched_regions(const tfg_model_t *m, int split, tfg_region_t tile, tfg_region_t *need)
{
    tfg_sched_lead_t lead;
    tfg_sched_lead(m, &lead);
    regions(m, NULL, lead.n_steps, split, tile, need);
}

/* ---- the lead: layout ops folded into the tiles' input read ---------------- */

static bool in_chain(const tfg_sched_lead_t *l, int t)
{
    for (int i = 0; i < l->n_chain; i++)
        if (l->chain[i] == t) return true;
    return false;
}

const char *tfg_sched_lead(const tfg_model_t *m, tfg_sched_lead_t *l)
{
    const tfg_graph_t *g = &m->graph;
    const tfg_program_t *pr = &m->prog;
    memset(l, 0, sizeof *l);
    l->src = -1;
    if (g->n_inputs != 1) return "the model does not have one NHWC image input";
    int cur = g->inputs[0];
    l->chain[l->n_chain++] = cur;
    /* Views of the input (no steps): the same bytes, another shape. */
    for (int i = 0; i < g->n_ops && l->n_chain < TFG_SCHED_MAX_LEAD; i++) {
        const tfg_op_t *op = &g->ops[i];
        if (op->dead) continue;
        if (!op->alias || op->in[0] != cur) break;
        l->chain[l->n_chain++] = cur = op->out[0];
    }
    const tfg_tensor_t *x = T(m, cur);
    int32_t row = 0, col = 0, chan = 1;
    if (is_nhwc1(x)) row = x->dims[2] * x->dims[3], col = x->dims[3];
    /* Then one TRANSPOSE of the 4-D tensor: its strides become the view's. */
    const tfg_step_t *s0 = pr->n_steps ? &pr->steps[0] : NULL;
    if (s0 && g->ops[s0->op].type == TFG_OP_TRANSPOSE && s0->in[0] == cur && s0->p.gather.rank == 4 &&
        is_nhwc1(T(m, s0->out)) && l->n_chain < TFG_SCHED_MAX_LEAD) {
        const tfg_gather_params_t *p = &s0->p.gather;
        l->n_steps = 1;
        row = p->in_stride[1], col = p->in_stride[2], chan = p->in_stride[3];
        l->chain[l->n_chain++] = cur = s0->out;
        x = T(m, cur);
    }
    if (!is_nhwc1(x)) return "the model does not have one NHWC image input";
    /* Only the lead reads the image and its views: the tiles read the source. */
    for (int k = l->n_steps; k < pr->n_steps; k++)
        for (int j = 0; j < pr->steps[k].n_in; j++)
            if (!pr->steps[k].in_const[j] && pr->steps[k].in[j] != cur && in_chain(l, pr->steps[k].in[j]))
                return "the model input is read by more than its first layers";
    for (int i = 0; i < g->n_outputs; i++)
        if (in_chain(l, g->outputs[i])) return "the model input is also a model output";
    l->src = cur;
    l->view = (tfg_image_view_t){row, col, chan, x->dims[3], (int32_t)tfg_dtype_size(x->dtype)};
    l->plain = l->n_steps == 0;
    return NULL;
}

/* ---- which splits can be patched ------------------------------------------ */

const char *tfg_sched_split_problem(const tfg_model_t *m, int split)
{
    const tfg_program_t *pr = &m->prog;
    const tfg_graph_t *g = &m->graph;
    if (split < 0 || split >= pr->n_steps) return "no such step";
    tfg_sched_lead_t lead;
    const char *no_source = tfg_sched_lead(m, &lead);
    if (no_source) return no_source;
    if (split < lead.n_steps) return "the stage would hold only the layout ops folded into its input read";
    if (split == pr->n_steps - 1) return "the stage would be the whole model (nothing after the split)";
    for (int k = lead.n_steps; k <= split; k++) {
        const tfg_step_t *s = &pr->steps[k];
        if (step_geo(m, s).kind == G_NONE) return "a step in the stage is not spatially local";
        if (g->ops[s->op].alias) return "a view (reshape) in the stage";
    }
    const int out = pr->steps[split].out;
    const tfg_tensor_t *y = T(m, out);
    if (y->dims[1] < 2 && y->dims[2] < 2) return "the stage output is a single pixel";
    /* Only the stage output may cross the split, and the image only feeds the stage. */
    for (int k = split + 1; k < pr->n_steps; k++) {
        const tfg_step_t *s = &pr->steps[k];
        for (int j = 0; j < s->n_in; j++) {
            const int t = s->in[j];
            if (s->in_const[j] || t == out) continue;
            if (in_chain(&lead, t)) return "the model input is also read after the split";
            for (int q = 0; q <= split; q++)
                if (pr->steps[q].out == t) return "another stage tensor is read after the split";
        }
    }
    for (int i = 0; i < g->n_outputs; i++)
        for (int q = 0; q <= split; q++)
            if (pr->steps[q].out == g->outputs[i] && g->outputs[i] != out)
                return "a model output is inside the stage";
    return NULL;
}

void tfg_sched_explain_none(const tfg_model_t *m, char *buf, size_t n)
{
    const tfg_program_t *pr = &m->prog;
    const char *first = NULL;
    tfg_sched_lead_t lead;
    const char *no_source = tfg_sched_lead(m, &lead);
    if (no_source) {
        /* A first op that is no layout op says more (an FC on a flat input). */
        const tfg_op_t *op = pr->n_steps ? &m->graph.ops[pr->steps[0].op] : NULL;
        if (op && step_geo(m, &pr->steps[0]).kind == G_NONE && op->type != TFG_OP_TRANSPOSE)
            snprintf(buf, n, "step 0 (op %d %s) is not spatially local, and every stage would include it",
                     op->model_index, tfg_op_name(op->type));
        else
            snprintf(buf, n, "%s", no_source);
        return;
    }
    for (int k = lead.n_steps; k < pr->n_steps; k++) {
        const char *why = tfg_sched_split_problem(m, k);
        if (!why) {
            /* A split that can be patched, yet no grid over it was kept. */
            tfg_schedule_t c;
            tfg_diag_t d = {{0}};
            const tfg_tensor_t *y = T(m, pr->steps[k].out);
            if (tfg_sched_eval(m, k, y->dims[1] > 1 ? 2 : 1, y->dims[1] > 1 ? 1 : 2, &c, &d) < 0)
                snprintf(buf, n, "%s", d.msg);
            else
                snprintf(buf, n, "splits from step %d on can be patched", k);
            return;
        }
        if (step_geo(m, &pr->steps[k]).kind == G_NONE) {
            /* Every stage from here on would include this step. */
            const tfg_op_t *op = &m->graph.ops[pr->steps[k].op];
            snprintf(buf, n, "step %d (op %d %s) is not spatially local, and every stage would include it", k,
                     op->model_index, tfg_op_name(op->type));
            return;
        }
        if (!first) first = why;
    }
    snprintf(buf, n, "%s", first ? first : "the model has no steps");
}

/* ---- per-patch kernel parameters ------------------------------------------ */

/* Kernel variants step s can run in: tfg_dw_variant_t or tfg_conv_variant_t
 * values 0..n-1 (1 for kernels without variants). */
enum { MAX_VARIANTS = 3 };
static int n_variants(const tfg_step_t *s)
{
    return tfg_kernel_info(s->kernel)->n_variants;
}

/* Scratch of step s in variant v, run on region `o` of its output from
 * region `in` of its first input (NULL regions: the whole layer, with its
 * own parameters: a pointwise conv written over its input keeps that, which
 * a patch's parameters drop); SIZE_MAX where v cannot run. */
static size_t patch_scratch(const tfg_step_t *s, const tfg_region_t *in, const tfg_region_t *o, int32_t v)
{
    const tfg_kernel_info_t *info = tfg_kernel_info(s->kernel);
    if (!info->scratch) return s->scratch_bytes;
    tfg_step_t p = *s;
    if (in && info->patch == TFG_PATCH_WINDOW) info->patch_window(&p, in, o);
    int32_t *variant = tfg_step_variant_field(&p);
    if (variant) *variant = v;
    return info->scratch(&p);
}

/* ---- cost of a candidate --------------------------------------------------- */

static size_t align4(size_t n)
{
    return (n + TFG_ALIGN - 1) & ~(size_t)(TFG_ALIGN - 1);
}

/* What a window's per-patch parameters depend on along one axis: the
 * runtime's patch functions (runtime/patch.c) set the padding from
 * in.r0 - out.r0 * stride and the lengths from the two regions, rows and
 * columns apart. Two tile rows (columns) with the same key give the same
 * parameters along that axis. */
typedef struct {
    int32_t shift, in, out;
} axis_t;

/* Everything one evaluation needs, allocated once. */
typedef struct {
    size_t *tsize;      /* [n_tensors] largest region bytes over the tiles (stage tensors) */
    size_t *scratch;    /* [n_steps] scratch of the variant in use */
    size_t *vscratch;   /* [n_steps * MAX_VARIANTS] scratch of each variant (largest over the tiles) */
    int *producer;      /* [n_tensors] step writing the tensor, -1 */
    int *last_use;      /* [n_tensors] last step reading it (n_steps - 1 for outputs) */
    int32_t *variant;   /* [n_steps] kernel variant the schedule uses, -1 for kernels without */
    tfg_region_t *rows; /* [max tiles per side][n_tensors] regions for a tile row over all columns */
    tfg_region_t *cols; /* [max tiles per side][n_tensors] regions for a tile column over all rows */
    int max_side;       /* tiles per side rows and cols have room for */
    axis_t *keys;       /* [2 * max_side] distinct row, then column, patch keys of one step (tile_scratch) */
    int *reps;          /* [2 * max_side] a tile row (column) with each key */
    size_t *bpp;        /* [n_tensors] bytes per pixel of 4-D tensors */
    geo_t *geo;         /* [n_steps] each step's geometry */
    size_t *whole;      /* [n_steps * MAX_VARIANTS] scratch of each variant on the whole layer */
    tfg_sched_lead_t lead; /* lead.src < 0: no source, so no split can be patched */
    double *lat;           /* [n_steps] predicted M4 instructions of each whole layer (sched/latency.h) */
} work_t;

static void work_free(work_t *w)
{
    free(w->tsize), free(w->scratch), free(w->vscratch), free(w->producer), free(w->last_use);
    free(w->variant), free(w->rows), free(w->cols), free(w->bpp), free(w->geo), free(w->whole);
    free(w->keys), free(w->reps), free(w->lat);
    memset(w, 0, sizeof *w);
}

static tfg_status_t work_init(const tfg_model_t *m, work_t *w, tfg_diag_t *d)
{
    memset(w, 0, sizeof *w);
    const size_t nt = (size_t)m->graph.n_tensors + 1, ns = (size_t)m->prog.n_steps + 1;
    w->tsize = malloc(sizeof(size_t) * nt);
    w->scratch = malloc(sizeof(size_t) * ns);
    w->vscratch = malloc(sizeof(size_t) * ns * MAX_VARIANTS);
    w->variant = malloc(sizeof(int32_t) * ns);
    w->producer = malloc(sizeof(int) * nt);
    w->last_use = malloc(sizeof(int) * nt);
    w->bpp = malloc(sizeof(size_t) * nt);
    w->geo = malloc(sizeof(geo_t) * ns);
    w->whole = malloc(sizeof(size_t) * ns * MAX_VARIANTS);
    w->lat = malloc(sizeof(double) * ns);
    if (!w->geo || !w->whole || !w->lat || !w->tsize || !w->scratch || !w->vscratch || !w->producer ||
        !w->last_use || !w->variant || !w->bpp) {
        work_free(w);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    for (int t = 0; t < m->graph.n_tensors; t++) {
        const tfg_tensor_t *x = T(m, t);
        w->producer[t] = w->last_use[t] = -1;
        w->bpp[t] = x->rank == 4 && tfg_tensor_elems(x) > 0
                        ? (size_t)tfg_tensor_bytes(x) / (size_t)tfg_tensor_elems(x) * (size_t)x->dims[3]
                        : 0;
    }
    tfg_sched_lead(m, &w->lead);
    for (int k = 0; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        w->geo[k] = step_geo(m, s);
        w->lat[k] = tfg_latency_layer(m, s, -1);
        for (int v = 0; v < MAX_VARIANTS; v++)
            w->whole[(size_t)k * MAX_VARIANTS + v] = v < n_variants(s) ? patch_scratch(s, NULL, NULL, v) : 0;
        w->producer[s->out] = k;
        for (int j = 0; j < s->n_in; j++)
            if (!s->in_const[j]) w->last_use[s->in[j]] = k;
    }
    for (int i = 0; i < m->graph.n_outputs; i++) w->last_use[m->graph.outputs[i]] = m->prog.n_steps - 1;
    return TFG_OK;
}

/* Which arena buffer every tensor and scratch uses in a patched plan. */
typedef struct {
    int *stage_buf;   /* [n_tensors] region buffer of stage tensors, else -1 */
    int *rest_buf;    /* [n_tensors] buffer outside the stage, else -1 */
    int *scratch_buf; /* [n_steps] */
    int full_in_buf;  /* -1 when streamed */
} bufmap_t;

/* Lay out the patched buffers (p->bufs, p->n_bufs; no offsets yet);
 * `streamed` leaves the full input out. With map, records where each tensor
 * lives. */
static tfg_status_t lay_buffers(const tfg_model_t *m, int split, const work_t *w, bool streamed,
                                tfg_plan_t *p, bufmap_t *map, tfg_diag_t *d)
{
    const tfg_plan_t *lp = &m->plan;
    const int ns = m->prog.n_steps, nt = m->graph.n_tensors, input = m->graph.inputs[0];
    const int out = m->prog.steps[split].out;
    memset(p, 0, sizeof *p);
    p->bufs = calloc((size_t)(lp->n_bufs + ns + 4), sizeof(tfg_buf_t));
    if (!p->bufs) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    if (map) {
        for (int t = 0; t < nt; t++) map->stage_buf[t] = map->rest_buf[t] = -1;
        for (int k = 0; k < ns; k++) map->scratch_buf[k] = -1;
        map->full_in_buf = -1;
    }
    /* One buffer per layer-by-layer buffer. A group holding stage tensors
     * (or the input's region copy) gets their largest region and a lifetime
     * inside the stage. Only the stage output's group can also hold tensors
     * of later steps (in-place ops and views after the split): those share
     * the full stage output, assembled tile by tile from step 0 on. Other
     * groups keep their size and lifetime. */
    size_t full_size = align4((size_t)tfg_tensor_bytes(T(m, out)));
    int full_last = split;
    const int full_buf = lp->n_bufs; /* index the full stage output gets below (after the groups) */
    int n = 0;
    for (int b = 0; b < lp->n_bufs; b++) {
        const tfg_buf_t *ob = &lp->bufs[b];
        if (ob->kind != TFG_BUF_ACT) continue;
        bool stage = false;
        size_t size = 0;
        int first = ns, last = -1;
        for (int t = 0; t < nt; t++) {
            if (lp->tensor_buf[t] != b) continue;
            const bool st = in_chain(&w->lead, t) || (w->producer[t] >= 0 && w->producer[t] <= split);
            if (!st || t == out) {
                if (t == out || b == lp->tensor_buf[out]) { /* lives on in the full stage output */
                    const size_t sz = align4((size_t)tfg_tensor_bytes(T(m, t)));
                    if (sz > full_size) full_size = sz;
                    if (w->last_use[t] > full_last) full_last = w->last_use[t];
                    if (map) map->rest_buf[t] = full_buf;
                } else if (map) {
                    map->rest_buf[t] = n;
                }
                if (t != out) continue;
            }
            stage = true;
            if (map) map->stage_buf[t] = n;
            if (w->tsize[t] > size) size = w->tsize[t];
            const int f = w->producer[t] < 0 ? 0 : w->producer[t];
            const int l = t == out || w->last_use[t] > split || w->last_use[t] < 0 ? split : w->last_use[t];
            if (f < first) first = f;
            if (l > last) last = l;
        }
        tfg_buf_t *nb = &p->bufs[n++];
        *nb = *ob;
        if (stage) nb->size = align4(size), nb->first = first, nb->last = last < first ? first : last;
        if (stage) nb->tie = -1; /* marks the stage's buffers for the loop below */
    }
    /* A tie (an op writing over its input) holds for the whole layer's
     * geometry, not a tile's. A step after the stage that writes over the
     * stage output writes over the full stage output it reads (full_buf);
     * where the other side is any other stage region, the op runs out of
     * place (tiles get their own buffers, and tfg_patch_conv drops the mark). */
    const int out_group = lp->tensor_buf[out];
    for (int b = 0; b < n; b++) {
        const int t = p->bufs[b].tie - 1;
        if (t >= 0 && p->bufs[t].tie < 0) p->bufs[b].tie = t == out_group ? full_buf + 1 : 0;
    }
    for (int b = 0; b < n; b++)
        if (p->bufs[b].tie < 0) p->bufs[b].tie = 0;
    /* Slots n..full_buf-1 stay as empty placeholders so full_buf is fixed. */
    for (; n < full_buf; n++) p->bufs[n] = (tfg_buf_t){TFG_BUF_ACT, -1, -1, 0, 0, 0, 0, 0};
    p->bufs[n++] = (tfg_buf_t){TFG_BUF_ACT, out, -1, 0, full_last, full_size, 0, 0};
    if (!streamed) {
        if (map) map->full_in_buf = n;
        p->bufs[n++] = (tfg_buf_t){
            TFG_BUF_ACT, input, -1, 0, split, align4((size_t)tfg_tensor_bytes(T(m, input))), 0, 0};
    }
    for (int k = 0; k < ns; k++) {
        const size_t sc = w->scratch[k];
        if (!sc) continue;
        if (map) map->scratch_buf[k] = n;
        p->bufs[n++] = (tfg_buf_t){TFG_BUF_SCRATCH, -1, k, k, k, align4(sc), 0, 0};
    }
    p->n_bufs = n;
    return TFG_OK;
}

/* lay_buffers, then place them. */
static tfg_status_t place_patched(const tfg_model_t *m, int split, const work_t *w, bool streamed,
                                  tfg_plan_t *p, bufmap_t *map, tfg_diag_t *d)
{
    const tfg_status_t st = lay_buffers(m, split, w, streamed, p, map, d);
    return st < 0 ? st : tfg_plan_place(p, m->prog.n_steps, d);
}

/* Room for the per-row and per-column walks of a ph x pw grid. */
static tfg_status_t work_sides(const tfg_model_t *m, work_t *w, int side, tfg_diag_t *d)
{
    if (side <= w->max_side) return TFG_OK;
    const size_t n = (size_t)side * ((size_t)m->graph.n_tensors + 1);
    tfg_region_t *r = realloc(w->rows, sizeof *r * n), *c = r ? realloc(w->cols, sizeof *c * n) : NULL;
    if (r) w->rows = r;
    if (c) w->cols = c;
    axis_t *k = c ? realloc(w->keys, sizeof *k * 2 * (size_t)side) : NULL;
    if (k) w->keys = k;
    int *reps = k ? realloc(w->reps, sizeof *reps * 2 * (size_t)side) : NULL;
    if (reps) w->reps = reps;
    if (!reps) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    w->max_side = side;
    return TFG_OK;
}

static int32_t rows_of(tfg_region_t r)
{
    return region_empty(r) ? 0 : r.r1 - r.r0;
}
static int32_t cols_of(tfg_region_t r)
{
    return region_empty(r) ? 0 : r.c1 - r.c0;
}

/* Index i's key is added to set (n entries, reps their tile indices) unless
 * an equal one is there; returns the new count. */
static int axis_add(axis_t *set, int *reps, int n, axis_t a, int i)
{
    for (int k = 0; k < n; k++)
        if (set[k].shift == a.shift && set[k].in == a.in && set[k].out == a.out) return n;
    set[n] = a, reps[n] = i;
    return n + 1;
}

/* The largest scratch of step s over the tiles, per variant, into vs
 * (which holds the running maxima). A step's scratch depends on its patched
 * parameters only, so one tile stands for every tile with the same row key
 * and the same column key: a grid has a handful (border and inner tiles, of
 * one or two sizes). Those are evaluated through patch_scratch, the kernel
 * table's scratch rule, instead of every tile. */
static void tile_scratch(const tfg_step_t *s, const geo_t *g, int ph, int pw, const work_t *w, int nt,
                         size_t *vs)
{
    axis_t *ra = w->keys, *ca = w->keys + w->max_side;
    int *rr = w->reps, *rc = w->reps + w->max_side, nr = 0, nc = 0;
    for (int i = 0; i < ph; i++) {
        const tfg_region_t o = w->rows[(size_t)i * nt + s->out], in = w->rows[(size_t)i * nt + s->in[0]];
        if (rows_of(o))
            nr = axis_add(ra, rr, nr, (axis_t){in.r0 - o.r0 * g->s_h, rows_of(in), rows_of(o)}, i);
    }
    for (int j = 0; j < pw; j++) {
        const tfg_region_t o = w->cols[(size_t)j * nt + s->out], in = w->cols[(size_t)j * nt + s->in[0]];
        if (cols_of(o))
            nc = axis_add(ca, rc, nc, (axis_t){in.c0 - o.c0 * g->s_w, cols_of(in), cols_of(o)}, j);
    }
    for (int i = 0; i < nr; i++)
        for (int j = 0; j < nc; j++) {
            const tfg_region_t *ri = &w->rows[(size_t)rr[i] * nt], *cj = &w->cols[(size_t)rc[j] * nt];
            const tfg_region_t o = {ri[s->out].r0, ri[s->out].r1, cj[s->out].c0, cj[s->out].c1};
            const tfg_region_t in = {ri[s->in[0]].r0, ri[s->in[0]].r1, cj[s->in[0]].c0, cj[s->in[0]].c1};
            for (int v = 0; v < n_variants(s); v++) {
                const size_t sc = patch_scratch(s, &in, &o, v);
                if (sc > vs[v]) vs[v] = sc;
            }
        }
}

/* Region sizes, scratch and MACs of a candidate over all its tiles.
 *
 * Regions are separable: a window maps output rows to input rows and output
 * columns to input columns independently, clipping is per axis, and the
 * union of two regions is their bounding box, again per axis. So tile
 * (i, j)'s region of every tensor has the rows the walk from tile row i
 * (over all columns) finds and the columns the walk from tile column j
 * finds: ph + pw walks describe all ph x pw tiles. The largest region is the
 * most rows times the most columns, the MACs are each step's MACs per pixel
 * times its summed rows times its summed columns, and the halo check holds
 * for a tile exactly when it holds for its rows and for its columns.
 *
 * walk() does the walks, the MACs and the halo check (cheap: a search can
 * drop a candidate over its MAC cap there); sizes() then finds the region
 * and scratch sizes and each step's variant of least scratch. */
#define ROW(i, t) w->rows[(size_t)(i) * (size_t)m->graph.n_tensors + (size_t)(t)]
#define COL(j, t) w->cols[(size_t)(j) * (size_t)m->graph.n_tensors + (size_t)(t)]

/* Predicted M4 instructions of the candidate whose walks are in w (each
 * step in the model's kernel variant): tfg_latency_m4's sum over every tile,
 * in ph + pw terms. Its features are linear in a step's output pixels, and a
 * tile's region is the rows of its tile row times the columns of its tile
 * column, so over all tiles a step produces (sum of rows) x (sum of columns)
 * pixels in ph x pw calls. */
static double sum_rows(const tfg_model_t *m, const work_t *w, int ph, int t)
{
    double n = 0;
    for (int i = 0; i < ph; i++) n += rows_of(ROW(i, t));
    return n;
}
static double sum_cols(const tfg_model_t *m, const work_t *w, int pw, int t)
{
    double n = 0;
    for (int j = 0; j < pw; j++) n += cols_of(COL(j, t));
    return n;
}
static double predict(const tfg_model_t *m, int split, int ph, int pw, const work_t *w)
{
    const double tiles = (double)ph * pw;
    double t = 0;
    for (int k = w->lead.n_steps; k <= split; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        t += tfg_latency_stage_step(m, s, -1, sum_rows(m, w, ph, s->out) * sum_cols(m, w, pw, s->out));
    }
    t += tfg_latency_stage_calls(tiles * (split + 1 - w->lead.n_steps));
    for (int k = split + 1; k < m->prog.n_steps; k++) t += w->lat[k];
    return t;
}
static tfg_status_t walk(const tfg_model_t *m, int split, int ph, int pw, work_t *w, int64_t *macs_out,
                         double *insns_out, tfg_diag_t *d)
{
    const char *why = tfg_sched_split_problem(m, split);
    if (why) return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "cannot patch up to step %d: %s", split, why);
    const tfg_tensor_t *y = T(m, m->prog.steps[split].out);
    if (ph < 1 || pw < 1 || ph > y->dims[1] || pw > y->dims[2])
        return tfg_diag_set(d, TFG_ERR_ARG, "a %dx%d grid does not fit the %dx%d stage output", ph, pw,
                            y->dims[1], y->dims[2]);
    tfg_status_t st = work_sides(m, w, ph > pw ? ph : pw, d);
    if (st < 0) return st;
    /* Tile row i is tile (i, 0) of a ph x 1 grid: the same rows as in the
     * ph x pw grid, every column (and likewise for columns). */
    for (int i = 0; i < ph; i++)
        regions(m, w->geo, w->lead.n_steps, split, tfg_sched_tile(y->dims[1], y->dims[2], ph, 1, i, 0),
                &ROW(i, 0));
    for (int j = 0; j < pw; j++)
        regions(m, w->geo, w->lead.n_steps, split, tfg_sched_tile(y->dims[1], y->dims[2], 1, pw, 0, j),
                &COL(j, 0));
    int64_t macs = 0;
    for (int k = split + 1; k < m->prog.n_steps; k++) macs += m->prog.steps[k].macs;
    for (int k = w->lead.n_steps; k <= split; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        const tfg_tensor_t *x = T(m, s->out);
        int64_t rows = 0, cols = 0;
        for (int i = 0; i < ph; i++) rows += rows_of(ROW(i, s->out));
        for (int j = 0; j < pw; j++) cols += cols_of(COL(j, s->out));
        if (rows == 0 || cols == 0) continue; /* no tile needs this step */
        macs += s->macs / ((int64_t)x->dims[1] * x->dims[2]) * rows * cols;
        /* Window ops and single-input pointwise ops must get exactly the
         * region they need: a larger one (another reader wanted more) would
         * need a strided read. Two-input elementwise ops read strided. */
        if (tfg_kernel_info(s->kernel)->patch == TFG_PATCH_ELTWISE) continue;
        bool same = true;
        for (int i = 0; i < ph && same; i++) {
            if (!rows_of(ROW(i, s->out))) continue;
            const tfg_region_t want = demand(&w->geo[k], m, s, 0, ROW(i, s->out)), got = ROW(i, s->in[0]);
            same = want.r0 == got.r0 && want.r1 == got.r1;
        }
        for (int j = 0; j < pw && same; j++) {
            if (!cols_of(COL(j, s->out))) continue;
            const tfg_region_t want = demand(&w->geo[k], m, s, 0, COL(j, s->out)), got = COL(j, s->in[0]);
            same = want.c0 == got.c0 && want.c1 == got.c1;
        }
        if (!same)
            return tfg_diag_set(
                d, TFG_ERR_UNSUPPORTED,
                "cannot patch up to step %d: step %d's input is also read with a larger halo by "
                "another step",
                split, k);
    }
    *macs_out = macs;
    *insns_out = predict(m, split, ph, pw, w);
    return TFG_OK;
}

static void sizes(const tfg_model_t *m, int split, int ph, int pw, work_t *w)
{
    for (int t = 0; t < m->graph.n_tensors; t++) {
        int32_t r = 0, c = 0;
        for (int i = 0; i < ph; i++) r = rows_of(ROW(i, t)) > r ? rows_of(ROW(i, t)) : r;
        for (int j = 0; j < pw; j++) c = cols_of(COL(j, t)) > c ? cols_of(COL(j, t)) : c;
        w->tsize[t] = (size_t)r * (size_t)c * w->bpp[t];
    }
    /* The scratch of every kernel variant, as the largest over the tiles
     * (after the split: of the whole layer, which the layer-by-layer peak no
     * longer constrains). */
    for (int k = 0; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        size_t *vs = &w->vscratch[(size_t)k * MAX_VARIANTS];
        for (int v = 0; v < MAX_VARIANTS; v++) vs[v] = 0;
        if (k > split) {
            for (int v = 0; v < n_variants(s); v++) vs[v] = w->whole[(size_t)k * MAX_VARIANTS + v];
        } else if (k >= w->lead.n_steps) { /* the lead does not run: no scratch */
            tile_scratch(s, &w->geo[k], ph, pw, w, m->graph.n_tensors, vs);
        }
    }
    /* The cost is the least peak: each step in its variant with the least
     * scratch (the first on a tie). Faster ones come back where the peak
     * allows (relax_variants). */
    for (int k = 0; k < m->prog.n_steps; k++) {
        const size_t *vs = &w->vscratch[(size_t)k * MAX_VARIANTS];
        int best = 0;
        for (int v = 1; v < n_variants(&m->prog.steps[k]); v++)
            if (vs[v] < vs[best]) best = v;
        w->variant[k] = n_variants(&m->prog.steps[k]) > 1 ? best : -1;
        w->scratch[k] = vs[best];
    }
}
#undef ROW
#undef COL

static tfg_status_t measure(const tfg_model_t *m, int split, int ph, int pw, work_t *w, int64_t *macs_out,
                            double *insns_out, tfg_diag_t *d)
{
    const tfg_status_t st = walk(m, split, ph, pw, w, macs_out, insns_out, d);
    if (st == TFG_OK) sizes(m, split, ph, pw, w);
    return st;
}

/* Tries step k in variant v: kept if the peak stays within limit. */
static tfg_status_t try_relax(const tfg_model_t *m, int split, work_t *w, bool streamed, int k, int32_t v,
                              size_t limit, bool *kept, tfg_diag_t *d)
{
    const size_t *vs = &w->vscratch[(size_t)k * MAX_VARIANTS];
    const int32_t was = w->variant[k];
    *kept = false;
    if (v == was || vs[v] == SIZE_MAX) return TFG_OK;
    w->variant[k] = v, w->scratch[k] = vs[v];
    tfg_plan_t p;
    const tfg_status_t st = place_patched(m, split, w, streamed, &p, NULL, d);
    if (st < 0) return st;
    *kept = p.peak <= limit;
    if (!*kept) w->variant[k] = was, w->scratch[k] = vs[was];
    tfg_plan_free(&p);
    return TFG_OK;
}

/* The variants of least scratch that measure() chose, traded for faster ones
 * wherever the peak of this placement (streamed or not) stays within the
 * model's kernel budget (tfg_pass_opts_t): the least peak (0), anything
 * (SIZE_MAX), or the budget. Fastest first: WIDE for conv; for depthwise the
 * model's preference (PLANE on MCUs, ROWS on the host), then the other of
 * the two, then STRIP. */
static tfg_status_t relax_variants(const tfg_model_t *m, int split, work_t *w, bool streamed, tfg_diag_t *d)
{
    tfg_plan_t p;
    tfg_status_t st = place_patched(m, split, w, streamed, &p, NULL, d);
    if (st < 0) return st;
    const size_t budget = m->opts.kernel_budget;
    const size_t limit = budget > p.peak ? budget : p.peak;
    tfg_plan_free(&p);
    const int32_t dw_fast = m->opts.dw == TFG_DW_AUTO_MCU ? TFG_DW_PLANE : TFG_DW_ROWS;
    for (int k = 0; k < m->prog.n_steps && st == TFG_OK; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        bool kept = false;
        if (s->kernel == TFG_K_CONV) {
            st = try_relax(m, split, w, streamed, k, TFG_CONV_WIDE, limit, &kept, d);
        } else if (s->kernel == TFG_K_DWCONV) {
            st = try_relax(m, split, w, streamed, k, dw_fast, limit, &kept, d);
            if (st == TFG_OK && !kept && w->variant[k] == TFG_DW_STRIP)
                st = try_relax(m, split, w, streamed, k, TFG_DW_PLANE + TFG_DW_ROWS - dw_fast, limit, &kept,
                               d);
        }
    }
    return st;
}

/* Measure a candidate and place it both ways (image in the arena, streamed). */
static tfg_status_t cost(const tfg_model_t *m, int split, int ph, int pw, work_t *w, tfg_schedule_t *out,
                         tfg_diag_t *d)
{
    int64_t macs = 0;
    double insns = 0;
    tfg_status_t st = measure(m, split, ph, pw, w, &macs, &insns, d);
    if (st < 0) return st;
    out->split = split, out->ph = ph, out->pw = pw, out->macs = macs, out->insns = insns;
    tfg_plan_t p;
    if ((st = place_patched(m, split, w, false, &p, NULL, d)) < 0) return st;
    out->peak = p.peak;
    out->peak_step = p.lower_bound_step;
    tfg_plan_free(&p);
    if ((st = place_patched(m, split, w, true, &p, NULL, d)) < 0) return st;
    out->peak_streamed = p.peak;
    tfg_plan_free(&p);
    return TFG_OK;
}

tfg_status_t tfg_sched_eval(const tfg_model_t *m, int split, int ph, int pw, tfg_schedule_t *out,
                            tfg_diag_t *d)
{
    work_t w;
    tfg_status_t st = work_init(m, &w, d);
    if (st < 0) return st;
    st = cost(m, split, ph, pw, &w, out, d);
    work_free(&w);
    return st;
}

void tfg_sched_plan_free(tfg_sched_plan_t *sp)
{
    free(sp->stage_off), free(sp->rest_off), free(sp->scratch_off), free(sp->variant);
    memset(sp, 0, sizeof *sp);
}

/* A patched candidate as it runs: its cost, the kernel variants relaxed
 * where the budget allows, and the placement with every tensor's buffer.
 * tfg_sched_plan and tfg_sched_layout share it, so both see one arena. */
static tfg_status_t lay_out(const tfg_model_t *m, int split, int ph, int pw, bool streamed, work_t *w,
                            tfg_schedule_t *c, tfg_plan_t *p, bufmap_t *map, tfg_diag_t *d)
{
    tfg_status_t st = cost(m, split, ph, pw, w, c, d);
    if (st == TFG_OK) st = relax_variants(m, split, w, streamed, d);
    if (st == TFG_OK) st = place_patched(m, split, w, streamed, p, map, d);
    return st;
}

tfg_status_t tfg_sched_plan(const tfg_model_t *m, int split, int ph, int pw, bool streamed,
                            tfg_sched_plan_t *sp, tfg_diag_t *d)
{
    memset(sp, 0, sizeof *sp);
    const int nt = m->graph.n_tensors, ns = m->prog.n_steps;
    sp->stage_off = calloc((size_t)nt + 1, sizeof(size_t));
    sp->rest_off = calloc((size_t)nt + 1, sizeof(size_t));
    sp->scratch_off = calloc((size_t)ns + 1, sizeof(size_t));
    sp->variant = malloc(sizeof(int32_t) * ((size_t)ns + 1));
    if (!sp->stage_off || !sp->rest_off || !sp->scratch_off || !sp->variant) {
        tfg_sched_plan_free(sp);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    sp->streamed = streamed;
    tfg_status_t st = TFG_OK;
    if (split < 0) { /* layer by layer: the model's own plan */
        if (streamed) {
            tfg_sched_plan_free(sp);
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "a streamed input needs a patched schedule");
        }
        st = tfg_sched_layer(m, &sp->cost, d);
        for (int t = 0; t < nt; t++)
            if (m->plan.tensor_buf[t] >= 0) sp->rest_off[t] = tfg_plan_offset(&m->plan, t);
        for (int k = 0; k < ns; k++) sp->scratch_off[k] = m->prog.steps[k].scratch_off, sp->variant[k] = -1;
        sp->full_in_off = tfg_plan_offset(&m->plan, m->graph.inputs[0]);
        sp->arena_bytes = m->plan.peak;
        if (st < 0) tfg_sched_plan_free(sp);
        return st;
    }
    work_t w;
    if ((st = work_init(m, &w, d)) < 0) {
        tfg_sched_plan_free(sp);
        return st;
    }
    bufmap_t map = {malloc(sizeof(int) * ((size_t)nt + 1)), malloc(sizeof(int) * ((size_t)nt + 1)),
                    malloc(sizeof(int) * ((size_t)ns + 1)), -1};
    tfg_plan_t p;
    memset(&p, 0, sizeof p);
    if (!map.stage_buf || !map.rest_buf || !map.scratch_buf)
        st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    if (st == TFG_OK) st = lay_out(m, split, ph, pw, streamed, &w, &sp->cost, &p, &map, d);
    if (st == TFG_OK) {
        for (int t = 0; t < nt; t++) {
            if (map.stage_buf[t] >= 0) sp->stage_off[t] = p.bufs[map.stage_buf[t]].offset;
            if (map.rest_buf[t] >= 0) sp->rest_off[t] = p.bufs[map.rest_buf[t]].offset;
        }
        for (int k = 0; k < ns; k++) {
            if (map.scratch_buf[k] >= 0) sp->scratch_off[k] = p.bufs[map.scratch_buf[k]].offset;
            sp->variant[k] = w.variant[k];
        }
        if (map.full_in_buf >= 0) sp->full_in_off = p.bufs[map.full_in_buf].offset;
        sp->arena_bytes = p.peak;
        tfg_plan_free(&p);
    }
    free(map.stage_buf), free(map.rest_buf), free(map.scratch_buf);
    work_free(&w);
    if (st < 0) tfg_sched_plan_free(sp);
    return st;
}

/* ---- running a patched schedule ---------------------------------------- */

/* Step k of the stage for one tile: its parameters for the regions. */
static void patch_step(const tfg_model_t *m, const tfg_sched_plan_t *sp, const tfg_step_t *s, int k,
                       const tfg_region_t *need, tfg_step_t *ps)
{
    *ps = *s;
    const tfg_region_t o = need[s->out], in = need[s->in[0]];
    ps->out_off = sp->stage_off[s->out];
    ps->scratch_off = sp->scratch_off[k];
    for (int j = 0; j < s->n_in; j++)
        if (!s->in_const[j]) ps->in_off[j] = sp->stage_off[s->in[j]];
    const int32_t c = T(m, s->out)->dims[3];
    const tfg_kernel_info_t *info = tfg_kernel_info(s->kernel);
    int32_t *variant = tfg_step_variant_field(ps);
    if (variant && sp->variant[k] >= 0) *variant = sp->variant[k];
    switch (info->patch) {
    case TFG_PATCH_WINDOW:
        info->patch_window(ps, &in, &o);
        /* A fused residual is read from its own region, in place. */
        if (s->kernel == TFG_K_CONV && s->p.conv.res) tfg_patch_residual(&ps->p.conv, &need[s->in[1]], &o);
        break;
    case TFG_PATCH_ELTWISE: {
        size_t ao, bo;
        tfg_patch_eltwise(&ps->p.elt, s->in_const[0] ? NULL : &need[s->in[0]],
                          s->in_const[1] ? NULL : &need[s->in[1]], &o, c, &ao, &bo);
        ps->in_off[0] += ao, ps->in_off[1] += bo;
        break;
    }
    case TFG_PATCH_SIZE: info->patch_size(ps, (int32_t)tfg_region_elems(&o, c)); break;
    case TFG_PATCH_NONE: break;
    }
}

void tfg_sched_run(const tfg_model_t *m, const tfg_sched_plan_t *sp, uint8_t *arena, const uint8_t *in,
                   uint8_t *out)
{
    const tfg_graph_t *g = &m->graph;
    const int split = sp->cost.split, ns = m->prog.n_steps, input = g->inputs[0];
    tfg_sched_lead_t lead;
    if (split < 0) {
        tfg_model_set_inputs(m, arena, in);
        tfg_model_invoke(m, arena);
        tfg_model_get_outputs(m, arena, out);
        return;
    }
    tfg_sched_lead(m, &lead); /* found: the split was planned */
    const tfg_tensor_t *x = T(m, input), *y = T(m, m->prog.steps[split].out);
    const uint8_t *image = in;
    if (!sp->streamed) {
        memcpy(arena + sp->full_in_off, in, (size_t)tfg_tensor_bytes(x));
        image = arena + sp->full_in_off;
    }
    tfg_region_t *need = malloc(sizeof(tfg_region_t) * (size_t)g->n_tensors);
    if (!need) return;
    for (int i = 0; i < sp->cost.ph; i++)
        for (int j = 0; j < sp->cost.pw; j++) {
            const tfg_region_t tile = tfg_sched_tile(y->dims[1], y->dims[2], sp->cost.ph, sp->cost.pw, i, j);
            tfg_sched_regions(m, split, tile, need);
            /* The tile's region of the source, through the lead's layout ops. */
            int8_t *dst = (int8_t *)(arena + sp->stage_off[lead.src]);
            if (lead.plain) /* whole rows at once */
                tfg_copy_region((const int8_t *)image, T(m, lead.src)->dims[2],
                                lead.view.channels * lead.view.elem, &need[lead.src], dst);
            else
                tfg_read_region(&lead.view, (const int8_t *)image, &need[lead.src], dst);
            for (int k = lead.n_steps; k <= split; k++) {
                tfg_step_t ps;
                patch_step(m, sp, &m->prog.steps[k], k, need, &ps);
                tfg_step_run(arena, &ps);
            }
            const int so = m->prog.steps[split].out;
            tfg_paste_region((const int8_t *)(arena + sp->stage_off[so]), y->dims[2], y->dims[3], &tile,
                             (int8_t *)(arena + sp->rest_off[so]));
        }
    free(need);
    for (int k = split + 1; k < ns; k++) {
        tfg_step_t ps = m->prog.steps[k];
        if (ps.kernel == TFG_K_DWCONV && sp->variant[k] >= 0) ps.p.dw.variant = sp->variant[k];
        if (ps.kernel == TFG_K_CONV && sp->variant[k] >= 0) ps.p.conv.variant = sp->variant[k];
        ps.out_off = sp->rest_off[ps.out];
        ps.scratch_off = sp->scratch_off[k];
        for (int j = 0; j < ps.n_in; j++)
            if (!ps.in_const[j]) ps.in_off[j] = sp->rest_off[ps.in[j]];
        tfg_step_run(arena, &ps);
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const int t = g->outputs[i];
        const size_t n = (size_t)tfg_tensor_bytes(T(m, t));
        memcpy(out, T(m, t)->data ? T(m, t)->data : arena + sp->rest_off[t], n);
        out += n;
    }
}

tfg_status_t tfg_sched_layer(const tfg_model_t *m, tfg_schedule_t *out, tfg_diag_t *d)
{
    out->split = -1, out->ph = out->pw = 1;
    out->macs = 0;
    for (int k = 0; k < m->prog.n_steps; k++) out->macs += m->prog.steps[k].macs;
    out->peak = m->plan.peak;
    out->peak_step = m->plan.lower_bound_step;
    out->insns = 0;
    for (int k = 0; k < m->prog.n_steps; k++) out->insns += tfg_latency_layer(m, &m->prog.steps[k], -1);
    /* Streamed: the same buffers without the model inputs. */
    const tfg_plan_t *lp = &m->plan;
    tfg_plan_t p;
    memset(&p, 0, sizeof p);
    p.bufs = calloc((size_t)lp->n_bufs + 1, sizeof(tfg_buf_t));
    int *moved = calloc((size_t)lp->n_bufs + 1, sizeof(int)); /* 1 + new index, 0: dropped */
    if (!p.bufs || !moved) {
        free(p.bufs), free(moved);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    for (int b = 0; b < lp->n_bufs; b++) {
        bool is_input = false;
        for (int i = 0; i < m->graph.n_inputs; i++)
            if (lp->bufs[b].kind == TFG_BUF_ACT && lp->tensor_buf[m->graph.inputs[i]] == b) is_input = true;
        if (!is_input) moved[b] = p.n_bufs + 1, p.bufs[p.n_bufs++] = lp->bufs[b];
    }
    /* ties follow their buffers; one written over a dropped input is untied */
    for (int b = 0; b < p.n_bufs; b++)
        if (p.bufs[b].tie) p.bufs[b].tie = moved[p.bufs[b].tie - 1];
    free(moved);
    tfg_status_t st = tfg_plan_place(&p, m->prog.n_steps, d);
    if (st < 0) return st;
    out->peak_streamed = p.peak;
    tfg_plan_free(&p);
    return TFG_OK;
}

/* ---- the candidate set and its front --------------------------------------- */

void tfg_sched_set_free(tfg_sched_set_t *set)
{
    free(set->c);
    free(set->front);
    memset(set, 0, sizeof *set);
}

static tfg_status_t set_push(tfg_sched_set_t *set, int *cap, const tfg_schedule_t *c, tfg_diag_t *d)
{
    if (set->n == *cap) {
        const int nc = *cap ? *cap * 2 : 64;
        tfg_schedule_t *n = realloc(set->c, sizeof *n * (size_t)nc);
        if (!n) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
        set->c = n;
        *cap = nc;
    }
    set->c[set->n++] = *c;
    return TFG_OK;
}

/* The patched candidates in enumeration order: each patchable split, and
 * for it each grid up to max_grid per side, rows outer (tiles of at least
 * one row and column; 1x1 is layer by layer). Start with k = -1; false
 * after the last. */
static bool next_candidate(const tfg_model_t *m, const work_t *w, int max_grid, int *k, int *ph, int *pw)
{
    while (*k < m->prog.n_steps) {
        if (*k >= 0) {
            const tfg_tensor_t *y = T(m, m->prog.steps[*k].out);
            if (*pw < max_grid && *pw < y->dims[2]) return ++*pw, true;
            if (*ph < max_grid && *ph < y->dims[1]) return ++*ph, *pw = 1, true;
        }
        /* The next patchable split. Past the first op that cannot be
         * patched (the lead's layout ops aside) no later split can be. */
        for (;;) {
            if (++*k >= m->prog.n_steps || w->lead.src < 0) return false;
            if (!tfg_sched_split_problem(m, *k)) break;
            if (*k >= w->lead.n_steps && w->geo[*k].kind == G_NONE) return *k = m->prog.n_steps, false;
        }
        *ph = *pw = 1;
    }
    return false;
}

tfg_status_t tfg_sched_enumerate(const tfg_model_t *m, int max_grid, tfg_sched_set_t *set, tfg_diag_t *d)
{
    memset(set, 0, sizeof *set);
    int cap = 0;
    tfg_schedule_t c;
    work_t w;
    tfg_status_t st = work_init(m, &w, d);
    if (st < 0) return st;
    st = tfg_sched_layer(m, &c, d);
    if (st == TFG_OK) st = set_push(set, &cap, &c, d);
    for (int k = -1, ph = 1, pw = 1; st == TFG_OK && next_candidate(m, &w, max_grid, &k, &ph, &pw);) {
        tfg_diag_t dd = {{0}};
        const tfg_status_t rc = cost(m, k, ph, pw, &w, &c, &dd);
        if (rc == TFG_OK)
            st = set_push(set, &cap, &c, d);
        else if (rc == TFG_ERR_NOMEM)
            st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    work_free(&w);
    if (st == TFG_OK) {
        set->front = calloc((size_t)set->n + 1, sizeof(bool));
        if (!set->front) st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    if (st < 0) {
        tfg_sched_set_free(set);
        return st;
    }
    /* On the front: nothing is at least as good in both and better in one,
     * and no earlier (simpler: layer by layer first, then fewer tiles) one
     * has the same point. */
    for (int i = 0; i < set->n; i++) {
        bool dominated = false;
        for (int j = 0; j < set->n && !dominated; j++) {
            const tfg_schedule_t *a = &set->c[j], *b = &set->c[i];
            const bool le = a->peak <= b->peak && a->macs <= b->macs;
            dominated =
                le && ((a->peak < b->peak || a->macs < b->macs) ||
                       (j != i && a->peak == b->peak && a->macs == b->macs &&
                        (a->ph * a->pw < b->ph * b->pw || (a->ph * a->pw == b->ph * b->pw && j < i))));
        }
        set->front[i] = !dominated;
    }
    return TFG_OK;
}

/* The most predicted instructions a patched candidate may have: max_overhead
 * times layer by layer's. A model so small that the fitted intercepts make
 * its prediction meaningless (not positive) is bounded by its MACs alone. */
static double insns_limit(double layer_insns, double max_overhead)
{
    return layer_insns > 0 ? max_overhead * layer_insns : HUGE_VAL;
}

int tfg_sched_choose(const tfg_sched_set_t *set, size_t sram_limit, double max_overhead, bool streamed)
{
    if (set->n == 0) return -1;
    const int64_t base = set->c[0].macs;
    const double insns_cap = insns_limit(set->c[0].insns, max_overhead);
    int best = -1;
#define PEAK(c) (streamed && (c)->split >= 0 ? (c)->peak_streamed : (c)->peak)
    for (int i = 0; i < set->n; i++) {
        const tfg_schedule_t *c = &set->c[i];
        if (sram_limit > 0) {
            if (PEAK(c) > sram_limit) continue;
            if (best < 0 || c->macs < set->c[best].macs ||
                (c->macs == set->c[best].macs && PEAK(c) < PEAK(&set->c[best])))
                best = i;
        } else {
            if (c->split >= 0 && ((double)c->macs > max_overhead * (double)base || c->insns > insns_cap))
                continue;
            if (best < 0 || PEAK(c) < PEAK(&set->c[best]) ||
                (PEAK(c) == PEAK(&set->c[best]) && c->macs < set->c[best].macs))
                best = i;
        }
    }
#undef PEAK
    return best;
}

/* tfg_sched_choose over tfg_sched_enumerate's candidates, without placing
 * the candidates that cannot be chosen: one over the MAC cap (no SRAM
 * limit) or with more MACs than the best so far (SRAM limit), and one whose
 * lower bound already exceeds the best peak or the limit (a placement never
 * beats its lower bound). Candidates are visited in the enumeration's order
 * and compared by the same rule, ties included, so the choice is the same. */
tfg_status_t tfg_sched_best(const tfg_model_t *m, int max_grid, size_t sram_limit, double max_overhead,
                            bool streamed, tfg_schedule_t *best, int *n_costed, tfg_diag_t *d)
{
    tfg_schedule_t c;
    tfg_status_t st = tfg_sched_layer(m, &c, d);
    if (st < 0) return st;
    const int64_t base = c.macs;
    const double insns_cap = insns_limit(c.insns, max_overhead);
    bool have = false;
    int costed = 1;
#define PEAK(x) (streamed && (x).split >= 0 ? (x).peak_streamed : (x).peak)
    /* Would a candidate with these MACs and this peak replace the best? */
#define BETTER(macs, peak)                                                                                   \
    (!have || (sram_limit > 0 ? (macs) < best->macs || ((macs) == best->macs && (peak) < PEAK(*best))        \
                              : (peak) < PEAK(*best) || ((peak) == PEAK(*best) && (macs) < best->macs)))
#define WITHIN_CAP(macs, insns) ((double)(macs) <= max_overhead * (double)base && (insns) <= insns_cap)
#define ALLOWED(macs, insns, peak) (sram_limit > 0 ? (peak) <= sram_limit : WITHIN_CAP(macs, insns))
    if (sram_limit == 0 || PEAK(c) <= sram_limit) *best = c, have = true; /* layer by layer: no overhead */
    work_t w;
    if ((st = work_init(m, &w, d)) < 0) return st;
    for (int k = -1, ph = 1, pw = 1; st == TFG_OK && next_candidate(m, &w, max_grid, &k, &ph, &pw);) {
        tfg_diag_t dd = {{0}};
        int64_t macs;
        double insns;
        const tfg_status_t rc = walk(m, k, ph, pw, &w, &macs, &insns, &dd);
        if (rc == TFG_ERR_NOMEM) st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
        if (rc < 0) continue;
        costed++;
        /* With a limit, only the MACs decide unless they tie; without, the caps. */
        if (sram_limit > 0 ? have && macs > best->macs : !WITHIN_CAP(macs, insns)) continue;
        sizes(m, k, ph, pw, &w);
        tfg_plan_t p;
        if ((st = lay_buffers(m, k, &w, streamed, &p, NULL, d)) < 0) break;
        const size_t bound = tfg_plan_bound(p.bufs, p.n_bufs, m->prog.n_steps);
        if ((sram_limit > 0 && bound > sram_limit) || !BETTER(macs, bound)) {
            tfg_plan_free(&p);
            continue;
        }
        if ((st = tfg_plan_place(&p, m->prog.n_steps, d)) < 0) break;
        const tfg_schedule_t cand = {.split = k,
                                     .ph = ph,
                                     .pw = pw,
                                     .peak = p.peak,
                                     .peak_streamed = p.peak,
                                     .macs = macs,
                                     .insns = insns,
                                     .peak_step = p.lower_bound_step};
        tfg_plan_free(&p);
        if (ALLOWED(macs, insns, cand.peak) && BETTER(macs, cand.peak)) *best = cand, have = true;
    }
#undef PEAK
#undef BETTER
#undef WITHIN_CAP
#undef ALLOWED
    /* The winner's other peak (image in the arena, or streamed). */
    if (st == TFG_OK && have && best->split >= 0) st = cost(m, best->split, best->ph, best->pw, &w, best, d);
    work_free(&w);
    if (st < 0) return st;
    if (n_costed) *n_costed = costed;
    if (!have)
        return sram_limit > 0 ? tfg_diag_set(d, TFG_ERR_BUDGET, "no schedule fits %zu B", sram_limit)
                              : tfg_diag_set(d, TFG_ERR_ARG, "no schedule within %gx the layer-by-layer MACs",
                                             max_overhead);
    return TFG_OK;
}

tfg_status_t tfg_sched_layout(const tfg_model_t *m, int split, int ph, int pw, bool streamed, tfg_plan_t *p,
                              int *stage_buf, int *rest_buf, tfg_diag_t *d)
{
    const int nt = m->graph.n_tensors, ns = m->prog.n_steps;
    memset(p, 0, sizeof *p);
    work_t w;
    tfg_status_t st = work_init(m, &w, d);
    if (st < 0) return st;
    bufmap_t map = {malloc(sizeof(int) * ((size_t)nt + 1)), malloc(sizeof(int) * ((size_t)nt + 1)),
                    malloc(sizeof(int) * ((size_t)ns + 1)), -1};
    tfg_schedule_t c;
    if (!map.stage_buf || !map.rest_buf || !map.scratch_buf)
        st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    if (st == TFG_OK) st = lay_out(m, split, ph, pw, streamed, &w, &c, p, &map, d);
    if (st == TFG_OK) {
        if (stage_buf) memcpy(stage_buf, map.stage_buf, sizeof(int) * (size_t)nt);
        if (rest_buf) memcpy(rest_buf, map.rest_buf, sizeof(int) * (size_t)nt);
        if (rest_buf && map.full_in_buf >= 0) rest_buf[m->graph.inputs[0]] = map.full_in_buf;
    }
    free(map.stage_buf), free(map.rest_buf), free(map.scratch_buf);
    work_free(&w);
    return st;
}
