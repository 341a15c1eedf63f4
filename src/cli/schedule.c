/* The schedule options and report shared by the commands (see cli.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_parse_bytes(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    const double v = strtod(s, &end);
    if (end == s || errno || v < 0) return -1;
    double mul = 1;
    if (!strcmp(end, "") || !strcmp(end, "B"))
        mul = 1;
    else if (!strcmp(end, "K") || !strcmp(end, "k") || !strcmp(end, "KB") || !strcmp(end, "kB") ||
             !strcmp(end, "KiB"))
        mul = 1024;
    else if (!strcmp(end, "M") || !strcmp(end, "MB") || !strcmp(end, "MiB"))
        mul = 1024.0 * 1024.0;
    else
        return -1;
    if (v * mul > 1e15) return -1;
    *out = (size_t)(v * mul);
    return 0;
}

int cli_schedule_option(int argc, char **argv, int *i, cli_sched_opts_t *so)
{
    const char *a = argv[*i];
    const bool has = *i + 1 < argc;
    if (!strcmp(a, "--stream-input")) {
        so->stream = true;
        return 1;
    }
    if (!strcmp(a, "--sram") || !strcmp(a, "--max-overhead") || !strcmp(a, "--schedule") ||
        !strcmp(a, "--max-grid")) {
        if (!has) {
            fprintf(stderr, "tinyforge: option '%s' needs a value\n", a);
            return -1;
        }
        const char *v = argv[++*i];
        if (!strcmp(a, "--sram")) {
            if (cli_parse_bytes(v, &so->sram) || so->sram == 0) {
                fprintf(stderr, "tinyforge: --sram wants a size in bytes (e.g. 262144, 256K, 1M), not '%s'\n",
                        v);
                return -1;
            }
        } else if (!strcmp(a, "--max-overhead")) {
            char *end;
            so->max_overhead = strtod(v, &end);
            if (*end || !(so->max_overhead >= 1.0) || so->max_overhead > 100) {
                fprintf(stderr, "tinyforge: --max-overhead wants a MAC ratio >= 1 (e.g. 1.2), not '%s'\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--max-grid")) {
            char *end;
            const long g = strtol(v, &end, 10);
            if (*end || g < 1 || g > 32) {
                fprintf(stderr, "tinyforge: --max-grid wants 1..32, not '%s'\n", v);
                return -1;
            }
            so->max_grid = (int)g;
        } else {
            so->schedule = v;
            int ph, pw, op, n = 0;
            if (strcmp(v, "layer") && strcmp(v, "auto") &&
                (sscanf(v, "%dx%d@%d%n", &ph, &pw, &op, &n) != 3 || v[n] || ph < 1 || pw < 1 || op < 0)) {
                fprintf(stderr,
                        "tinyforge: --schedule wants layer, auto or PhxPw@OP (e.g. 4x4@12), not '%s'\n", v);
                return -1;
            }
        }
        return 1;
    }
    return 0;
}

/* The step whose op has model index `op`, or -1. An ADD fused into the
 * convolution before it is found at that convolution's step, which writes
 * the ADD's output. */
static int step_of_op(const tfg_model_t *m, int op)
{
    for (int k = 0; k < m->prog.n_steps; k++)
        if (m->graph.ops[m->prog.steps[k].op].model_index == op) return k;
    for (int i = 0; i < m->graph.n_ops; i++)
        if (m->graph.ops[i].model_index == op && m->graph.ops[i].n_out > 0)
            for (int k = 0; k < m->prog.n_steps; k++)
                if (m->prog.steps[k].out == m->graph.ops[i].out[0]) return k;
    return -1;
}

static void describe_split(const tfg_model_t *m, const tfg_schedule_t *c, char *buf, size_t n)
{
    if (c->split < 0) {
        snprintf(buf, n, "layer by layer");
        return;
    }
    const tfg_step_t *s = &m->prog.steps[c->split];
    const tfg_op_t *op = &m->graph.ops[s->op];
    char shape[48];
    tfg_shape_str(&m->graph.tensors[s->out], shape, sizeof shape);
    snprintf(buf, n, "%dx%d@%d %s -> %s", c->ph, c->pw, op->model_index, tfg_op_name(op->type), shape);
}

int cli_schedule_resolve(const tfg_model_t *m, const cli_sched_opts_t *so, tfg_sched_set_t *set, int *chosen,
                         double *seconds)
{
    tfg_diag_t d = {{0}};
    const double t0 = cli_now();
    if (tfg_sched_enumerate(m, so->max_grid ? so->max_grid : 8, set, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    *seconds = cli_now() - t0;
    const char *s = so->schedule ? so->schedule : "auto";
    if (!strcmp(s, "layer")) {
        *chosen = 0;
        return 0;
    }
    if (strcmp(s, "auto") != 0) {
        int ph = 0, pw = 0, op = -1;
        sscanf(s, "%dx%d@%d", &ph, &pw, &op);
        const int k = step_of_op(m, op);
        if (k < 0) {
            fprintf(stderr,
                    "tinyforge: error: --schedule %s: the model has no executed op %d (see tinyforge plan)\n",
                    s, op);
            return 1;
        }
        for (int i = 0; i < set->n; i++)
            if (set->c[i].split == k && set->c[i].ph == ph && set->c[i].pw == pw) {
                *chosen = i;
                return 0;
            }
        tfg_schedule_t c;
        if (tfg_sched_eval(m, k, ph, pw, &c, &d) < 0) {
            fprintf(stderr, "tinyforge: error: --schedule %s: %s\n", s, d.msg);
            return 1;
        }
        /* A valid grid beyond --max-grid: add it to the set. */
        tfg_schedule_t *nc = realloc(set->c, sizeof *nc * (size_t)(set->n + 1));
        if (nc) set->c = nc;
        bool *nf = nc ? realloc(set->front, sizeof *nf * (size_t)(set->n + 1)) : NULL;
        if (nf) set->front = nf;
        if (!nc || !nf) {
            fprintf(stderr, "tinyforge: error: out of memory\n");
            return 1;
        }
        set->c[set->n] = c;
        set->front[set->n] = false;
        *chosen = set->n++;
        return 0;
    }
    const double cap = so->max_overhead > 0 ? so->max_overhead : 1.2;
    *chosen = tfg_sched_choose(set, so->sram, cap, so->stream);
    if (*chosen < 0) {
        size_t best = SIZE_MAX;
        for (int i = 0; i < set->n; i++) {
            const size_t pk = so->stream && set->c[i].split >= 0 ? set->c[i].peak_streamed : set->c[i].peak;
            if (pk < best) best = pk;
        }
        fprintf(stderr,
                "tinyforge: error: no schedule fits --sram %zu B: the smallest achievable peak is %zu B "
                "(%.1f KiB, "
                "%s)\n",
                so->sram, best, best / 1024.0,
                so->stream ? "with the input image streamed" : "with the input image in the arena");
        return 1;
    }
    return 0;
}

const char *cli_schedule_rule(const cli_sched_opts_t *so)
{
    return so->schedule && strcmp(so->schedule, "auto") ? "forced by --schedule"
           : so->sram                                   ? "fewest MACs that fit --sram"
                                                        : "lowest peak within --max-overhead in MACs and "
                                                          "predicted M4 instructions";
}

int cli_load_scheduled(const char *path, const tfg_pass_opts_t *o, const cli_sched_opts_t *so, tfg_model_t *m,
                       tfg_sched_set_t *set, int *chosen, double *seconds)
{
    if (cli_load(path, o, m)) return 1;
    if (cli_schedule_resolve(m, so, set, chosen, seconds)) {
        tfg_model_free(m);
        return 1;
    }
    return 0;
}

void cli_schedule_print(const tfg_model_t *m, const cli_sched_opts_t *so, const tfg_sched_set_t *set,
                        int chosen, double seconds, bool json)
{
    const int64_t base = set->c[0].macs;
    const double base_insns = set->c[0].insns > 0 ? set->c[0].insns : 1;
    char what[160];
    if (json) {
        printf(
            "  \"schedule\": {\"split_step\": %d, \"split_op\": %d, \"grid\": [%d, %d], \"peak_bytes\": %zu, "
            "\"peak_bytes_streamed_input\": %zu, \"macs\": %lld, \"mac_overhead\": %.4f, "
            "\"m4_instructions_predicted\": %.0f, \"instruction_overhead_predicted\": %.4f},\n",
            set->c[chosen].split,
            set->c[chosen].split < 0 ? -1 : m->graph.ops[m->prog.steps[set->c[chosen].split].op].model_index,
            set->c[chosen].ph, set->c[chosen].pw, set->c[chosen].peak, set->c[chosen].peak_streamed,
            (long long)set->c[chosen].macs, (double)set->c[chosen].macs / (double)base, set->c[chosen].insns,
            set->c[chosen].insns / base_insns);
        printf("  \"search_seconds\": %.4f,\n  \"candidates\": [\n", seconds);
        for (int i = 0; i < set->n; i++) {
            const tfg_schedule_t *c = &set->c[i];
            printf("    {\"split_step\": %d, \"split_op\": %d, \"grid\": [%d, %d], \"peak_bytes\": %zu, "
                   "\"peak_bytes_streamed_input\": %zu, \"macs\": %lld, \"m4_instructions_predicted\": %.0f, "
                   "\"on_front\": %s, \"chosen\": %s}%s\n",
                   c->split, c->split < 0 ? -1 : m->graph.ops[m->prog.steps[c->split].op].model_index, c->ph,
                   c->pw, c->peak, c->peak_streamed, (long long)c->macs, c->insns,
                   set->front[i] ? "true" : "false", i == chosen ? "true" : "false",
                   i + 1 < set->n ? "," : "");
        }
        printf("  ],\n");
        if (set->n == 1) {
            char why[256];
            tfg_sched_explain_none(m, why, sizeof why);
            printf("  \"no_patched_schedule_because\": \"");
            for (const char *c = why; *c; c++) printf(*c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
            printf("\",\n");
        }
        return;
    }
    int n_front = 0;
    for (int i = 0; i < set->n; i++) n_front += set->front[i];
    printf("\nSchedules: layer by layer and %d patched candidates (split x grid up to %dx%d), searched in "
           "%.3f s.\n",
           set->n - 1, so->max_grid ? so->max_grid : 8, so->max_grid ? so->max_grid : 8, seconds);
    if (set->n == 1) {
        char why[256];
        tfg_sched_explain_none(m, why, sizeof why);
        printf("No patched schedule: %s.\n", why);
    }
    printf("Pareto front of (peak, MACs), %d schedules; * = chosen (%s):\n\n", n_front,
           cli_schedule_rule(so));
    printf("  %-40s %12s %14s %14s %9s %9s\n", "schedule (grid@op, stage output)", "peak B", "no-input B",
           "MACs", "MACs x", "instr x");
    for (int i = 0; i < set->n; i++) {
        if (!set->front[i] && i != chosen) continue;
        const tfg_schedule_t *c = &set->c[i];
        describe_split(m, c, what, sizeof what);
        char ix[16] = "-"; /* a model too small for the latency model to price */
        if (set->c[0].insns > 0) snprintf(ix, sizeof ix, "%.3f", c->insns / base_insns);
        printf("%c %-40s %12zu %14zu %14lld %9.3f %9s%s\n", i == chosen ? '*' : ' ', what, c->peak,
               c->peak_streamed, (long long)c->macs, (double)c->macs / (double)base, ix,
               set->front[i] ? "" : "  (not on the front)");
    }
    printf("\n  peak: arena with the input image in it; no-input: the input read patch by patch from\n"
           "  outside the arena (as MCUNetV2 reports its figures). instr x: Cortex-M4 instructions as\n"
           "  the latency model predicts them (src/sched/latency.c: per-tile setup and region copies\n"
           "  included), against layer by layer; --max-overhead bounds both ratios.\n");
}

int cli_schedule_plan(const tfg_model_t *m, const cli_sched_opts_t *so, tfg_sched_plan_t *sp, bool *patched)
{
    const bool stream = so->stream;
    memset(sp, 0, sizeof *sp);
    *patched = false;
    if (!stream && (!so->schedule || !strcmp(so->schedule, "layer"))) return 0;
    tfg_sched_set_t set;
    int chosen = 0;
    double secs;
    if (cli_schedule_resolve(m, so, &set, &chosen, &secs)) return 1;
    const tfg_schedule_t c = set.c[chosen];
    const int64_t base_macs = set.c[0].macs; /* candidate 0 is layer by layer */
    const double base_insns = set.c[0].insns > 0 ? set.c[0].insns : 1;
    const int n_candidates = set.n;
    tfg_sched_set_free(&set);
    if (c.split < 0 && n_candidates == 1 && !stream) {
        /* Never a silent fallback: say what stopped the search. */
        char why[256];
        tfg_sched_explain_none(m, why, sizeof why);
        fprintf(stderr, "tinyforge: no patched schedule (%s): running layer by layer\n", why);
    }
    if (c.split < 0) {
        if (!stream) return 0; /* auto chose layer by layer */
        char why[256] = "";
        if (n_candidates == 1) tfg_sched_explain_none(m, why, sizeof why);
        fprintf(stderr,
                "tinyforge: error: --stream-input needs a patched schedule, and this model has none that "
                "%s%s%s\n",
                so->sram ? "fits --sram" : "helps (see tinyforge plan)", *why ? ": " : "", why);
        return 1;
    }
    tfg_diag_t d = {{0}};
    if (tfg_sched_plan(m, c.split, c.ph, c.pw, stream, sp, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    *patched = true;
    fprintf(stderr,
            "tinyforge: schedule %dx%d@%d: arena %zu B (layer by layer %zu B), %.3fx MACs, %.3fx M4 "
            "instructions predicted%s\n",
            c.ph, c.pw, m->graph.ops[m->prog.steps[c.split].op].model_index, sp->arena_bytes, m->plan.peak,
            (double)c.macs / (double)(base_macs ? base_macs : 1), c.insns / base_insns,
            stream ? ", input streamed" : "");
    return 0;
}
