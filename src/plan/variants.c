/* Kernel variant choice: which variant each conv and depthwise step runs
 * (see plan.h, tfg_plan_choose_variants). A variant changes only a step's
 * scratch and speed, never its bytes, so the choice belongs to the planner:
 * every trial is a real plan, and a variant is kept only by what it does to
 * the arena's peak. */
#include <stdlib.h>

#include "lower/kernel_table.h"
#include "plan/plan.h"

/* Set step st's kernel variant (dw or conv), and its scratch with it. */
static void set_variant(tfg_step_t *st, int32_t v)
{
    *tfg_step_variant_field(st) = v;
    st->scratch_bytes = tfg_kernel_info(st->kernel)->scratch(st);
}

/* Step s with variant v: kept (and the plan replaced) when the new peak is
 * at most `limit`; else the step is put back. */
static tfg_status_t try_variant(const tfg_graph_t *g, tfg_program_t *pr, tfg_plan_t *plan, int s, int32_t v,
                                size_t limit, tfg_diag_t *d)
{
    tfg_step_t *st = &pr->steps[s];
    const int32_t was = tfg_step_variant(st);
    set_variant(st, v);
    tfg_plan_t trial;
    tfg_status_t rc = tfg_plan_build(g, pr, &trial, d);
    if (rc < 0) return rc;
    if (trial.peak <= limit) {
        tfg_plan_free(plan);
        *plan = trial;
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
static tfg_status_t choose_low_memory(const tfg_graph_t *g, tfg_program_t *pr, tfg_plan_t *plan,
                                      size_t budget, tfg_diag_t *d)
{
    if (budget == SIZE_MAX || (budget && plan->peak <= budget)) return TFG_OK; /* the fast kernels fit */
    const int n = pr->n_steps;
    int32_t *fast = malloc(sizeof(int32_t) * ((size_t)n + 1));
    if (!fast) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    bool any = false;
    for (int s = 0; s < n; s++) {
        tfg_step_t *st = &pr->steps[s];
        fast[s] = -1;
        if (st->kernel != TFG_K_CONV &&
            (st->kernel != TFG_K_DWCONV || !tfg_dwconv_strip_in_place_ok(&st->p.dw)))
            continue;
        const size_t was = st->scratch_bytes;
        fast[s] = tfg_step_variant(st);
        set_variant(st, st->kernel == TFG_K_CONV ? TFG_CONV_NARROW : TFG_DW_STRIP);
        if (st->scratch_bytes < was)
            any = true;
        else
            set_variant(st, fast[s]), fast[s] = -1;
    }
    tfg_plan_t trial;
    tfg_status_t rc = any ? tfg_plan_build(g, pr, &trial, d) : TFG_OK;
    if (rc == TFG_OK && any && trial.peak < plan->peak) {
        tfg_plan_free(plan);
        *plan = trial;
        const size_t limit = budget > trial.peak ? budget : trial.peak;
        for (int s = 0; s < n && rc == TFG_OK; s++)
            if (fast[s] >= 0) rc = try_variant(g, pr, plan, s, fast[s], limit, d);
    } else if (rc == TFG_OK) {
        if (any) tfg_plan_free(&trial);
        for (int s = 0; s < n; s++)
            if (fast[s] >= 0) set_variant(&pr->steps[s], fast[s]);
    }
    free(fast);
    return rc;
}

tfg_status_t tfg_plan_choose_variants(const tfg_graph_t *g, tfg_program_t *pr, tfg_plan_t *plan,
                                      const tfg_pass_opts_t *opts, tfg_diag_t *d)
{
    const tfg_dw_choice_t c = opts->dw;
    if (c == TFG_DW_ONLY_ROWS || c == TFG_DW_ONLY_PLANE || c == TFG_DW_ONLY_STRIP) {
        for (int s = 0; s < pr->n_steps; s++) {
            tfg_step_t *st = &pr->steps[s];
            if (st->kernel != TFG_K_DWCONV) continue;
            st->p.dw.variant = c == TFG_DW_ONLY_ROWS ? TFG_DW_ROWS : TFG_DW_PLANE;
            if (c == TFG_DW_ONLY_STRIP && tfg_dwconv_strip_in_place_ok(&st->p.dw))
                st->p.dw.variant = TFG_DW_STRIP;
            set_variant(st, st->p.dw.variant);
        }
        tfg_plan_free(plan);
        return tfg_plan_build(g, pr, plan, d);
    }
    tfg_status_t rc = TFG_OK;
    for (int s = 0; s < pr->n_steps && rc == TFG_OK; s++) {
        tfg_step_t *st = &pr->steps[s];
        if (st->kernel != TFG_K_DWCONV || st->p.dw.variant != TFG_DW_ROWS) continue;
        /* PLANE must lower the peak, or (preferred) keep it. */
        const bool prefer = c == TFG_DW_AUTO_MCU;
        tfg_dwconv_params_t plane = st->p.dw;
        plane.variant = TFG_DW_PLANE;
        if (!prefer && tfg_dwconv_s8_scratch_size(&plane) >= st->scratch_bytes)
            continue; /* cannot lower it */
        rc = try_variant(g, pr, plan, s, TFG_DW_PLANE, prefer ? plan->peak : plan->peak - 1, d);
    }
    return rc == TFG_OK ? choose_low_memory(g, pr, plan, opts->kernel_budget, d) : rc;
}
