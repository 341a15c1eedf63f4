/* The report as JSON: every number the figures are drawn from.
 *
 * The top-level figures and the "schedule", "candidates" and "steps" members
 * use the names and meanings of `tinyforge plan --json`, so the two can be
 * compared key by key (tests/report.sh does); the rest adds what only the
 * report has: per-role live bytes, both layouts' buffers, the tile grid, the
 * target budget and bench counts. */
#include "report/report.h"

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned)(unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static const char *jbool(bool b)
{
    return b ? "true" : "false";
}

static void region(FILE *f, tfg_region_t g)
{
    fprintf(f, "[%d, %d, %d, %d]", g.r0, g.r1, g.c0, g.c1);
}

static int split_op(const tfg_report_t *r, int split)
{
    return split < 0 ? -1 : r->layers[split].op;
}

static void candidate(const tfg_report_t *r, int i, FILE *f)
{
    const tfg_schedule_t *c = &r->set.c[i];
    char nm[64];
    tfg_report_schedule_name(r, i, nm, sizeof nm);
    fprintf(f, "{\"name\": ");
    jstr(f, nm);
    fprintf(f,
            ", \"split_step\": %d, \"split_op\": %d, \"grid\": [%d, %d], \"peak_bytes\": %zu, "
            "\"peak_bytes_streamed_input\": %zu, \"macs\": %lld, \"m4_instructions_predicted\": %.0f",
            c->split, split_op(r, c->split), c->ph, c->pw, c->peak, c->peak_streamed, (long long)c->macs,
            c->insns);
}

static const char *buf_kind(const tfg_report_buf_t *b)
{
    if (b->scratch) return "scratch";
    if (b->region) return "tile_region";
    if (b->image) return "model_input";
    if (b->output) return "model_output";
    return "activation";
}

static void layout(const tfg_report_t *r, const tfg_report_layout_t *l, FILE *f)
{
    const int ns = r->m->prog.n_steps;
    if (!l->valid) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\n      \"split_step\": %d, \"split_op\": %d, \"grid\": [%d, %d], \"streamed_input\": %s,\n",
            l->split, split_op(r, l->split), l->ph, l->pw, jbool(l->streamed));
    fprintf(f, "      \"peak_bytes\": %zu, \"lower_bound_bytes\": %zu, \"peak_step\": %d, \"placement\": ",
            l->peak, l->lower_bound, l->peak_step);
    jstr(f, l->placement ? l->placement : "");
    fputs(",\n      \"step_live_bytes\": [", f);
    for (int s = 0; s < ns; s++) fprintf(f, "%s%zu", s ? ", " : "", l->step_live[s]);
    fputs("],\n      \"step_top_bytes\": [", f);
    for (int s = 0; s < ns; s++) fprintf(f, "%s%zu", s ? ", " : "", l->step_top[s]);
    fputs("],\n      \"step_live_by_role\": [", f);
    for (int s = 0; s < ns; s++) {
        const size_t *rb = l->role_bytes + (size_t)s * TFG_ROLES;
        fprintf(f, "%s\n        {", s ? "," : "");
        for (int k = TFG_ROLE_KEPT; k < TFG_ROLES; k++)
            fprintf(f, "%s\"%s\": %zu", k > TFG_ROLE_KEPT ? ", " : "", tfg_role_name((tfg_role_t)k), rb[k]);
        fputc('}', f);
    }
    fputs("\n      ],\n      \"buffers\": [", f);
    for (int b = 0; b < l->n_bufs; b++) {
        const tfg_report_buf_t *B = &l->bufs[b];
        fprintf(f, "%s\n        {\"name\": ", b ? "," : "");
        jstr(f, B->name);
        fprintf(f,
                ", \"kind\": \"%s\", \"offset\": %zu, \"bytes\": %zu, \"first_step\": %d, \"last_step\": %d",
                buf_kind(B), B->offset, B->size, B->first, B->last);
        if (B->scratch) fprintf(f, ", \"step\": %d", B->step);
        if (B->tie) fprintf(f, ", \"written_over\": %d", B->tie - 1);
        fputc('}', f);
    }
    fputs("\n      ]\n    }", f);
}

void tfg_report_json(const tfg_report_t *r, FILE *f)
{
    const tfg_model_t *m = r->m;
    const tfg_report_layout_t *L = &r->lbl, *C = tfg_report_chosen_layout(r);
    const int ns = m->prog.n_steps;
    fputs("{\n  \"model\": ", f);
    jstr(f, r->o.model);
    fprintf(f,
            ",\n  \"peak_bytes\": %zu,\n  \"lower_bound_bytes\": %zu,\n  \"macs\": %lld,\n  "
            "\"weights_bytes\": %lld,\n",
            L->peak, L->lower_bound, (long long)r->macs, (long long)r->weights);
    if (ns > 0) {
        fprintf(f, "  \"peak_step\": %d,\n  \"peak_op\": %d,\n  \"peak_type\": ", L->peak_step,
                r->layers[L->peak_step].op);
        jstr(f, r->layers[L->peak_step].type);
        fputs(",\n", f);
    }
    /* Target and verdict. */
    if (r->has_budget) {
        fputs("  \"target\": {\"name\": ", f);
        jstr(f, r->budget.target);
        fputs(", \"mcu\": ", f);
        jstr(f, r->budget.mcu);
        fprintf(f, ", \"sram_bytes\": %zu, \"flash_bytes\": %zu},\n", r->budget.sram, r->budget.flash);
    } else {
        fputs("  \"target\": null,\n", f);
    }
    if (r->o.sram_limit) {
        fprintf(f, "  \"sram_limit_bytes\": %zu,\n  \"sram_limit_from\": ", r->o.sram_limit);
        jstr(f, r->o.sram_from ? r->o.sram_from : "");
        fputs(",\n", f);
    } else {
        fputs("  \"sram_limit_bytes\": null,\n  \"sram_limit_from\": null,\n", f);
    }
    fprintf(f, "  \"arena_bytes\": %zu,\n  \"fits\": {\"sram\": %s, \"flash\": %s},\n", C->peak,
            r->o.sram_limit ? jbool(C->peak <= r->o.sram_limit) : "null",
            r->has_budget ? jbool(r->weights >= 0 && (size_t)r->weights <= r->budget.flash) : "null");
    /* The choice and the candidates, as plan --json gives them. */
    const tfg_schedule_t *ch = &r->set.c[r->chosen];
    fputs("  \"schedule\": ", f);
    candidate(r, r->chosen, f);
    fprintf(f,
            ", \"mac_overhead\": %.4f, \"instruction_overhead_predicted\": %.4f, \"streamed_input\": %s, "
            "\"arena_bytes\": %zu},\n  \"choice\": ",
            (double)ch->macs / (double)r->set.c[0].macs,
            ch->insns / (r->set.c[0].insns > 0 ? r->set.c[0].insns : 1), jbool(r->o.stream && ch->split >= 0),
            C->peak);
    jstr(f, r->o.choice ? r->o.choice : "");
    fputs(",\n  \"candidates\": [\n", f);
    for (int i = 0; i < r->set.n; i++) {
        fputs("    ", f);
        candidate(r, i, f);
        fprintf(f, ", \"on_front\": %s, \"chosen\": %s}%s\n", jbool(r->set.front[i]), jbool(i == r->chosen),
                i + 1 < r->set.n ? "," : "");
    }
    /* One row per step: plan's fields, then the layer table's. */
    fputs("  ],\n  \"steps\": [\n", f);
    for (int s = 0; s < ns; s++) {
        const tfg_report_layer_t *Y = &r->layers[s];
        fprintf(f,
                "    {\"step\": %d, \"op\": %d, \"type\": \"%s\", \"live_bytes\": %zu, \"top_bytes\": %zu, "
                "\"scratch_bytes\": %zu, \"in_place\": %s, \"input\": ",
                s, Y->op, Y->type, L->step_live[s], L->step_top[s], Y->scratch, jbool(Y->in_place));
        jstr(f, Y->in_shape);
        fputs(", \"output\": ", f);
        jstr(f, Y->out_shape);
        fprintf(f, ", \"macs\": %lld, \"params_bytes\": %lld", (long long)Y->macs, (long long)Y->params);
        if (r->patched.valid) fprintf(f, ", \"patched_live_bytes\": %zu", r->patched.step_live[s]);
        if (Y->insns >= 0) fprintf(f, ", \"instructions\": %lld", Y->insns);
        fprintf(f, "}%s\n", s + 1 < ns ? "," : "");
    }
    fputs("  ],\n  \"layouts\": {\n    \"layer_by_layer\": ", f);
    layout(r, L, f);
    fputs(",\n    \"patched\": ", f);
    layout(r, &r->patched, f);
    fprintf(f, ",\n    \"patched_is_chosen\": %s\n  },\n  \"patch_grid\": ", jbool(r->patched_chosen));
    if (r->patched.valid) {
        const tfg_tensor_t *x = &m->graph.tensors[tfg_report_source(m)];
        const tfg_tensor_t *y = &m->graph.tensors[m->prog.steps[r->patched.split].out];
        fprintf(f,
                "{\"grid\": [%d, %d], \"split_step\": %d, \"input_hw\": [%d, %d], \"stage_output_hw\": [%d, "
                "%d], \"tiles\": [",
                r->patched.ph, r->patched.pw, r->patched.split, x->dims[1], x->dims[2], y->dims[1],
                y->dims[2]);
        for (int k = 0; k < r->n_tiles; k++) {
            fprintf(f, "%s\n    {\"row\": %d, \"col\": %d, \"tile\": ", k ? "," : "", k / r->patched.pw,
                    k % r->patched.pw);
            region(f, r->tiles[k].tile);
            fputs(", \"input_region\": ", f);
            region(f, r->tiles[k].input);
            fputc('}', f);
        }
        fputs("]}", f);
    } else {
        fputs("null", f);
    }
    fputs(",\n  \"bench\": ", f);
    if (r->has_bench) {
        fputs("{\"target\": ", f);
        jstr(f, r->bench_target);
        fprintf(f, ", \"instructions\": %lld, \"stage_step\": %d}", r->bench_insns, r->bench_stage_step);
    } else {
        fputs("null", f);
    }
    fputs("\n}\n", f);
}
