/* Memory planner; see plan.h for the model of buffers and lifetimes.
 *
 * Placement is a greedy first fit: buffers are taken in some order and each
 * goes at the lowest offset where it collides with no placed buffer whose
 * lifetime overlaps its own. No single order is best for every graph, so a
 * few orders are tried (largest first, longest-lived first, earliest first,
 * largest area first) and the smallest arena wins. Graphs here have at most a
 * few hundred buffers, so the quadratic cost is negligible. */
#include "plan/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t align_up(size_t v)
{
    return (v + TFG_ALIGN - 1) & ~(size_t)(TFG_ALIGN - 1);
}

/* Union-find over tensors: aliases and in-place outputs share storage. */
static int find(int *parent, int x)
{
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
}

static void unite(int *parent, int a, int b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a != b) parent[b] = a;
}

static bool overlaps_in_time(const tfg_buf_t *a, const tfg_buf_t *b)
{
    return a->first <= b->last && b->first <= a->last;
}

/* Placement orders: each compares buffers a and b, negative when a goes first. */
typedef int (*order_fn)(const tfg_buf_t *a, const tfg_buf_t *b);

static int by_size(const tfg_buf_t *a, const tfg_buf_t *b)
{
    if (a->size != b->size) return a->size < b->size ? 1 : -1;
    return a->first - b->first;
}

static int by_lifetime(const tfg_buf_t *a, const tfg_buf_t *b)
{
    int la = a->last - a->first, lb = b->last - b->first;
    return la != lb ? lb - la : by_size(a, b);
}

static int by_start(const tfg_buf_t *a, const tfg_buf_t *b)
{
    return a->first != b->first ? a->first - b->first : by_size(a, b);
}

static int by_area(const tfg_buf_t *a, const tfg_buf_t *b)
{
    double aa = (double)a->size * (a->last - a->first + 1), ab = (double)b->size * (b->last - b->first + 1);
    if (aa != ab) return aa < ab ? 1 : -1;
    return by_size(a, b);
}

/* Stable insertion sort of buffer indices (n is a few hundred at most; qsort
 * would need the buffers through a global, as it takes no context). */
static void sort_order(int *order, int n, const tfg_buf_t *bufs, order_fn cmp)
{
    for (int i = 1; i < n; i++) {
        const int v = order[i];
        int j = i - 1;
        while (j >= 0 && cmp(&bufs[order[j]], &bufs[v]) > 0) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = v;
    }
}

/* The first buffer of b's chain of ties (b itself when untied). */
static int tie_root(const tfg_buf_t *bufs, int b)
{
    while (bufs[b].tie) b = bufs[b].tie - 1;
    return b;
}

/* Bytes two tied buffers share at one step where both are live: the
 * smaller is written over the larger's start. Subtracted from the bytes live
 * at each step they overlap (the lower bound and step_live). */
static size_t tie_overlap(const tfg_buf_t *bufs, int b, int *first, int *last)
{
    const tfg_buf_t *x = &bufs[b], *y = &bufs[x->tie - 1];
    *first = x->first > y->first ? x->first : y->first;
    *last = x->last < y->last ? x->last : y->last;
    return x->size < y->size ? x->size : y->size;
}

/* A chain of tied buffers goes in at one offset: the lowest candidate where
 * no member collides with a placed buffer live at the same time as it
 * (members never collide with each other: they overlap only where one is
 * written over the other). Returns the offset; SIZE_MAX without memory. */
static size_t place_tied(tfg_buf_t *bufs, int n, int root, const size_t *offsets, const int *placed_idx,
                         int n_placed, size_t *cand)
{
    int nc = 0;
    cand[nc++] = 0;
    for (int m = 0; m < n; m++) {
        if (tie_root(bufs, m) != root) continue;
        for (int j = 0; j < n_placed; j++)
            if (overlaps_in_time(&bufs[m], &bufs[placed_idx[j]]))
                cand[nc++] = offsets[placed_idx[j]] + bufs[placed_idx[j]].size;
    }
    size_t best = SIZE_MAX;
    for (int c = 0; c < nc; c++) {
        const size_t off = cand[c];
        bool ok = off < best;
        for (int m = 0; m < n && ok; m++) {
            if (tie_root(bufs, m) != root || bufs[m].size == 0) continue;
            for (int j = 0; j < n_placed && ok; j++) {
                const tfg_buf_t *o = &bufs[placed_idx[j]];
                const size_t oo = offsets[placed_idx[j]];
                if (overlaps_in_time(&bufs[m], o) && off < oo + o->size && oo < off + bufs[m].size)
                    ok = false;
            }
        }
        if (ok) best = off;
    }
    return best;
}

/* First-fit placement in the given order; returns the arena size. The
 * candidate offsets for a buffer are 0 and the ends of the placed buffers
 * live at the same time (the only ones it can collide with, so only those
 * are checked). Empty buffers take no space. Tied buffers go in together,
 * when the first of them comes in the order. */
static size_t place(tfg_buf_t *bufs, int n, const int *order, size_t *offsets, int *placed_idx)
{
    size_t peak = 0;
    int n_placed = 0;
    bool tied = false;
    for (int i = 0; i < n; i++) tied |= bufs[i].tie != 0;
    /* candidates: 0 and one per placed buffer per group member */
    size_t *cand = malloc(sizeof(size_t) * (size_t)(n + 1) * (size_t)(tied ? n + 1 : 1));
    int *live = malloc(sizeof(int) * (size_t)(n + 1));
    bool *done = calloc((size_t)n + 1, sizeof(bool));
    if (!cand || !live || !done) {
        free(cand), free(live), free(done);
        return SIZE_MAX;
    }
    for (int k = 0; k < n; k++) {
        tfg_buf_t *b = &bufs[order[k]];
        if (done[order[k]]) continue;
        if (tied) {
            const int root = tie_root(bufs, order[k]);
            bool chain = root != order[k];
            for (int m = 0; m < n && !chain; m++) chain = bufs[m].tie && tie_root(bufs, m) == root;
            if (chain) {
                const size_t off = place_tied(bufs, n, root, offsets, placed_idx, n_placed, cand);
                for (int m = 0; m < n; m++) {
                    if (tie_root(bufs, m) != root) continue;
                    offsets[m] = off;
                    done[m] = true;
                    placed_idx[n_placed++] = m;
                    if (off + bufs[m].size > peak) peak = off + bufs[m].size;
                }
                continue;
            }
        }
        done[order[k]] = true;
        if (b->size == 0) {
            offsets[order[k]] = 0;
            continue;
        }
        int nc = 0, nl = 0;
        cand[nc++] = 0;
        for (int j = 0; j < n_placed; j++) {
            const int o = placed_idx[j];
            if (!overlaps_in_time(b, &bufs[o])) continue;
            live[nl++] = o;
            cand[nc++] = offsets[o] + bufs[o].size;
        }
        size_t best = SIZE_MAX;
        for (int c = 0; c < nc; c++) {
            const size_t off = cand[c];
            if (off >= best) continue;
            bool ok = true;
            for (int j = 0; j < nl && ok; j++) {
                const size_t oo = offsets[live[j]];
                if (off < oo + bufs[live[j]].size && oo < off + b->size) ok = false;
            }
            if (ok) best = off;
        }
        offsets[order[k]] = best;
        placed_idx[n_placed++] = order[k];
        if (best + b->size > peak) peak = best + b->size;
    }
    free(cand), free(live), free(done);
    return peak;
}

/* An in-place op whose output differs in size from its input (a strided
 * pool, a pointwise conv that changes the channel count) gets a buffer of
 * its own tied to the input's (tfg_buf_t.tie); the others share the input's. */
static bool tied_in_place(const tfg_op_t *op)
{
    return op->in_place && (op->type == TFG_OP_MAX_POOL_2D || op->type == TFG_OP_AVERAGE_POOL_2D ||
                            op->type == TFG_OP_CONV_2D);
}

static tfg_status_t collect_buffers(const tfg_graph_t *g, const tfg_program_t *prog, tfg_plan_t *plan,
                                    tfg_diag_t *d)
{
    const int nt = g->n_tensors, ns = prog->n_steps;
    int *parent = malloc(sizeof(int) * (size_t)(nt ? nt : 1));
    int *root_buf = malloc(sizeof(int) * (size_t)(nt ? nt : 1));
    plan->tensor_buf = malloc(sizeof(int) * (size_t)(nt ? nt : 1));
    plan->bufs = calloc((size_t)(nt + ns + 1), sizeof(tfg_buf_t));
    if (!parent || !root_buf || !plan->tensor_buf || !plan->bufs) {
        free(parent);
        free(root_buf);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < nt; i++) parent[i] = i, root_buf[i] = -1, plan->tensor_buf[i] = -1;
    for (int i = 0; i < g->n_ops; i++) {
        const tfg_op_t *op = &g->ops[i];
        if (op->dead) continue;
        if (op->alias)
            unite(parent, op->in[0], op->out[0]);
        else if (op->in_place && !tied_in_place(op))
            unite(parent, op->in[op->in_place_slot], op->out[0]);
    }
    /* A conv with a fused residual ADD writes over the ADD's other input. */
    for (int s = 0; s < prog->n_steps; s++)
        if (prog->steps[s].kernel == TFG_K_CONV && prog->steps[s].p.conv.res)
            unite(parent, prog->steps[s].in[1], prog->steps[s].out);
    /* Which tensors need storage: graph I/O and every step's data inputs and output. */
    bool *used = calloc((size_t)(nt ? nt : 1), sizeof(bool));
    if (!used) {
        free(parent);
        free(root_buf);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < g->n_inputs; i++) used[g->inputs[i]] = true;
    for (int i = 0; i < g->n_outputs; i++) used[g->outputs[i]] = true;
    for (int s = 0; s < ns; s++) {
        used[prog->steps[s].out] = true;
        for (int k = 0; k < prog->steps[s].n_in; k++) used[prog->steps[s].in[k]] = true;
    }
    for (int i = 0; i < g->n_ops; i++)
        if (!g->ops[i].dead && g->ops[i].alias) used[g->ops[i].in[0]] = used[g->ops[i].out[0]] = true;

    for (int t = 0; t < nt; t++) {
        if (!used[t] || tfg_tensor_is_const(&g->tensors[t])) continue;
        const int r = find(parent, t);
        if (root_buf[r] < 0) {
            tfg_buf_t *b = &plan->bufs[plan->n_bufs];
            b->kind = TFG_BUF_ACT;
            b->tensor = r;
            b->step = -1;
            b->first = ns;
            b->last = -1;
            root_buf[r] = plan->n_bufs++;
        }
        tfg_buf_t *b = &plan->bufs[root_buf[r]];
        const size_t sz = align_up((size_t)tfg_tensor_bytes(&g->tensors[t]));
        if (sz > b->size) b->size = sz;
        plan->tensor_buf[t] = root_buf[r];
    }
    free(used);
    free(parent);
    free(root_buf);
    for (int i = 0; i < g->n_ops; i++) {
        const tfg_op_t *op = &g->ops[i];
        if (op->dead || !tied_in_place(op)) continue;
        const int ib = plan->tensor_buf[op->in[op->in_place_slot]], ob = plan->tensor_buf[op->out[0]];
        /* (one tie per buffer: a second would leave the op out of place, which is always correct) */
        if (ib >= 0 && ob >= 0 && ib != ob && !plan->bufs[ob].tie) plan->bufs[ob].tie = ib + 1;
    }

    /* Lifetimes in step indices. */
    for (int i = 0; i < g->n_inputs; i++) {
        tfg_buf_t *b = &plan->bufs[plan->tensor_buf[g->inputs[i]]];
        b->first = 0;
    }
    for (int s = 0; s < ns; s++) {
        const tfg_step_t *st = &prog->steps[s];
        tfg_buf_t *o = &plan->bufs[plan->tensor_buf[st->out]];
        if (s < o->first) o->first = s;
        if (s > o->last) o->last = s;
        for (int k = 0; k < st->n_in; k++) {
            const int bi = plan->tensor_buf[st->in[k]];
            if (bi < 0) continue; /* constant operand */
            if (s > plan->bufs[bi].last) plan->bufs[bi].last = s;
            if (s < plan->bufs[bi].first) plan->bufs[bi].first = s;
        }
    }
    for (int i = 0; i < g->n_outputs; i++) {
        tfg_buf_t *b = &plan->bufs[plan->tensor_buf[g->outputs[i]]];
        b->last = ns > 0 ? ns - 1 : 0;
        if (b->first > b->last) b->first = b->last;
    }
    for (int i = 0; i < plan->n_bufs; i++) {
        tfg_buf_t *b = &plan->bufs[i];
        if (b->last < b->first) b->last = b->first; /* graph input nobody reads */
        if (b->first >= ns && ns > 0) b->first = b->last = ns - 1;
    }
    for (int s = 0; s < ns; s++) {
        if (prog->steps[s].scratch_bytes == 0) continue;
        tfg_buf_t *b = &plan->bufs[plan->n_bufs++];
        b->kind = TFG_BUF_SCRATCH;
        b->tensor = -1;
        b->step = s;
        b->first = b->last = s;
        b->size = align_up(prog->steps[s].scratch_bytes);
    }
    return TFG_OK;
}

tfg_status_t tfg_plan_build(const tfg_graph_t *g, const tfg_program_t *prog, tfg_plan_t *plan, tfg_diag_t *d)
{
    memset(plan, 0, sizeof *plan);
    tfg_status_t st = collect_buffers(g, prog, plan, d);
    if (st < 0) {
        tfg_plan_free(plan);
        return st;
    }
    return tfg_plan_place(plan, prog->n_steps, d);
}

size_t tfg_plan_bound(const tfg_buf_t *bufs, int n_bufs, int n_steps)
{
    /* Bytes live at each step as a running sum of starts and ends: linear in
     * buffers plus steps (the search calls this for every candidate). */
    int64_t *delta = calloc((size_t)n_steps + 1, sizeof *delta);
    size_t bound = 0;
    if (!delta) { /* the same figure, step by step */
        for (int s = 0; s < n_steps; s++) {
            size_t live = 0;
            for (int i = 0; i < n_bufs; i++)
                if (bufs[i].first <= s && s <= bufs[i].last) live += bufs[i].size;
            if (live > bound) bound = live;
        }
        return bound;
    }
    for (int i = 0; i < n_bufs; i++) {
        const int first = bufs[i].first < 0 ? 0 : bufs[i].first, last = bufs[i].last;
        if (first > last || first >= n_steps) continue;
        delta[first] += (int64_t)bufs[i].size;
        delta[last + 1 < n_steps ? last + 1 : n_steps] -= (int64_t)bufs[i].size;
        if (!bufs[i].tie) continue;
        int f, l;
        const size_t shared = tie_overlap(bufs, i, &f, &l);
        if (f < 0) f = 0;
        if (f > l || f >= n_steps) continue;
        delta[f] -= (int64_t)shared;
        delta[l + 1 < n_steps ? l + 1 : n_steps] += (int64_t)shared;
    }
    int64_t live = 0;
    for (int s = 0; s < n_steps; s++) {
        live += delta[s];
        if ((size_t)live > bound) bound = (size_t)live;
    }
    free(delta);
    return bound;
}

tfg_status_t tfg_plan_place(tfg_plan_t *plan, int n_steps, tfg_diag_t *d)
{
    const int n = plan->n_bufs, ns = n_steps > 0 ? n_steps : 1;
    plan->n_steps = n_steps;
    plan->step_live = calloc((size_t)ns, sizeof(size_t));
    plan->step_top = calloc((size_t)ns, sizeof(size_t));
    int *order = malloc(sizeof(int) * (size_t)(n ? n : 1));
    int *placed = malloc(sizeof(int) * (size_t)(n ? n : 1));
    size_t *offs = malloc(sizeof(size_t) * (size_t)(n ? n : 1));
    size_t *best_offs = malloc(sizeof(size_t) * (size_t)(n ? n : 1));
    if (!plan->step_live || !plan->step_top || !order || !placed || !offs || !best_offs) {
        free(order), free(placed), free(offs), free(best_offs);
        tfg_plan_free(plan);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    }
    static const struct {
        const char *name;
        order_fn fn;
    } strategies[] = {
        {"largest first", by_size},
        {"longest-lived first", by_lifetime},
        {"earliest first", by_start},
        {"largest area first", by_area},
    };
    /* No placement beats the lower bound: stop at the first that reaches it
     * (a later strategy could only tie, and ties keep the earlier one). */
    const size_t bound = tfg_plan_bound(plan->bufs, n, n_steps);
    size_t best = SIZE_MAX;
    /* Ties are a permission, not a duty: an op may always run out of place.
     * Where the tied placements leave holes above the bound, the untied
     * ones are tried too (pinning two buffers to one offset can fragment a
     * first fit), and the ties of the winner are kept. */
    int *ties = malloc(sizeof(int) * (size_t)(n ? n : 1));
    bool any_tie = false;
    for (int i = 0; ties && i < n; i++) ties[i] = plan->bufs[i].tie, any_tie |= ties[i] != 0;
    bool untied = false;
    for (int pass = 0; pass < (any_tie && ties ? 2 : 1) && best > bound; pass++) {
        if (pass == 1)
            for (int i = 0; i < n; i++) plan->bufs[i].tie = 0;
        for (size_t k = 0; k < sizeof strategies / sizeof strategies[0] && best > bound; k++) {
            for (int i = 0; i < n; i++) order[i] = i;
            sort_order(order, n, plan->bufs, strategies[k].fn);
            size_t peak = place(plan->bufs, n, order, offs, placed);
            if (peak < best) {
                best = peak;
                memcpy(best_offs, offs, sizeof(size_t) * (size_t)n);
                plan->strategy = strategies[k].name;
                untied = pass == 1;
            }
        }
    }
    for (int i = 0; ties && i < n; i++) plan->bufs[i].tie = untied ? 0 : ties[i];
    free(ties);
    for (int i = 0; i < n; i++) plan->bufs[i].offset = best_offs[i];
    plan->peak = n ? best : 0;
    free(order), free(placed), free(offs), free(best_offs);

    for (int i = 0; i < n; i++) {
        const tfg_buf_t *b = &plan->bufs[i];
        for (int s = b->first; s <= b->last && s < ns; s++) {
            plan->step_live[s] += b->size;
            if (b->offset + b->size > plan->step_top[s]) plan->step_top[s] = b->offset + b->size;
        }
        int f = 0, l = -1;
        const size_t shared = b->tie ? tie_overlap(plan->bufs, i, &f, &l) : 0;
        for (int s = f < 0 ? 0 : f; shared && s <= l && s < ns; s++) plan->step_live[s] -= shared;
    }
    for (int s = 0; s < ns; s++) {
        if (plan->step_live[s] > plan->lower_bound) {
            plan->lower_bound = plan->step_live[s];
            plan->lower_bound_step = s;
        }
        if (plan->step_top[s] > plan->step_top[plan->peak_step]) plan->peak_step = s;
    }
    return TFG_OK;
}

size_t tfg_plan_offset(const tfg_plan_t *plan, int tensor)
{
    return plan->bufs[plan->tensor_buf[tensor]].offset;
}

void tfg_plan_explain(const tfg_graph_t *g, const tfg_program_t *prog, const tfg_plan_t *plan, char *buf,
                      size_t n)
{
    if (plan->n_steps == 0) {
        snprintf(buf, n, "no steps; the arena only holds the model's inputs and outputs");
        return;
    }
    const tfg_op_t *lb_op = &g->ops[prog->steps[plan->lower_bound_step].op];
    if (plan->peak == plan->lower_bound) {
        snprintf(buf, n, "arena = lower bound: %zu B are live at step %d (op %d %s)", plan->lower_bound,
                 plan->lower_bound_step, lb_op->model_index, tfg_op_name(lb_op->type));
        return;
    }
    const int s = plan->peak_step;
    const tfg_op_t *op = &g->ops[prog->steps[s].op];
    snprintf(
        buf, n,
        "arena %zu B exceeds the lower bound %zu B (step %d, op %d %s) by %zu B: at step %d (op %d %s) the "
        "arena top is %zu B but only %zu B are live there; the %zu B between are holes left where buffers "
        "of other steps are placed (fragmentation of a first-fit placement)",
        plan->peak, plan->lower_bound, plan->lower_bound_step, lb_op->model_index, tfg_op_name(lb_op->type),
        plan->peak - plan->lower_bound, s, op->model_index, tfg_op_name(op->type), plan->step_top[s],
        plan->step_live[s], plan->step_top[s] - plan->step_live[s]);
}

void tfg_plan_free(tfg_plan_t *plan)
{
    free(plan->bufs);
    free(plan->tensor_buf);
    free(plan->step_live);
    free(plan->step_top);
    memset(plan, 0, sizeof *plan);
}
