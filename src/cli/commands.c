/* info, run and plan: the host-side subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

/* Step index of an op, or -1 if it has none (folded, view). */
static int step_of(const tfg_model_t *m, int op)
{
    for (int s = 0; s < m->prog.n_steps; s++)
        if (m->prog.steps[s].op == op) return s;
    return -1;
}

static const char INFO_HELP[] =
    "usage: tinyforge info MODEL [--int8-io] [--no-in-place]\n"
    "\n"
    "Prints one row per operator of the model: its type, input and output shapes,\n"
    "multiply-accumulates, parameter bytes, and the bytes of activations and scratch\n"
    "that must be live in SRAM while it runs. Folded ops (PAD merged into a\n"
    "convolution, constant shape arithmetic) and views (RESHAPE) are marked.\n";

int cli_info(int argc, char **argv)
{
    tfg_pass_opts_t o = {0};
    const char *path;
    const int r = cli_parse_args(argc, argv, "info", INFO_HELP, &o, NULL, NULL, &path);
    if (r >= 0) return r;
    if (!path) {
        fprintf(stderr, "tinyforge: info needs a MODEL\n%s", INFO_HELP);
        return 2;
    }
    tfg_model_t m;
    if (cli_load(path, &o, &m)) return 1;
    const tfg_graph_t *g = &m.graph;
    printf("%s: %d ops, %d tensors\n\n", path, g->n_ops, g->n_tensors);
    printf("%4s  %-30s %-16s %-16s %12s %10s %10s\n", "op", "type", "input", "output", "MACs", "params",
           "live B");
    int64_t macs = 0, params = 0;
    for (int i = 0; i < g->n_ops; i++) {
        const tfg_op_t *op = &g->ops[i];
        char ins[40] = "-", outs[40] = "-";
        const int xi = op->n_in > tfg_op_data_slot(op) ? op->in[tfg_op_data_slot(op)] : -1;
        if (xi >= 0) tfg_shape_str(&g->tensors[xi], ins, sizeof ins);
        if (op->n_out > 0) tfg_shape_str(&g->tensors[op->out[0]], outs, sizeof outs);
        int64_t p = 0;
        for (int k = 1; k < op->n_in; k++)
            if (op->in[k] >= 0 && tfg_tensor_is_const(&g->tensors[op->in[k]]) &&
                (op->type == TFG_OP_CONV_2D || op->type == TFG_OP_DEPTHWISE_CONV_2D ||
                 op->type == TFG_OP_FULLY_CONNECTED || op->type == TFG_OP_TRANSPOSE_CONV))
                p += (int64_t)g->tensors[op->in[k]].data_bytes;
        const int64_t mc = tfg_op_macs(g, op);
        macs += mc;
        params += p;
        const int s = step_of(&m, i);
        char live[24];
        if (s >= 0)
            snprintf(live, sizeof live, "%zu", m.plan.step_live[s]);
        else
            snprintf(live, sizeof live, op->alias ? "(view)" : "(folded)");
        char type[40];
        snprintf(type, sizeof type, "%s%s", tfg_op_name(op->type), op->in_place ? " [in-place]" : "");
        printf("%4d  %-30s %-16s %-16s %12lld %10lld %10s\n", op->model_index, type, ins, outs, (long long)mc,
               (long long)p, live);
    }
    printf("\ntotal: %lld MACs, %lld parameter bytes, %lld constant bytes in all; arena %zu B (lower bound "
           "%zu B)\n",
           (long long)macs, (long long)params, (long long)tfg_graph_weights_bytes(g), m.plan.peak,
           m.plan.lower_bound);
    tfg_model_free(&m);
    return 0;
}

static const char RUN_HELP[] =
    "usage: tinyforge run MODEL -i IN.bin -o OUT.bin [--repeat N] [--int8-io]\n"
    "                     [--schedule S] [--sram LIMIT] [--max-overhead X] [--stream-input]\n"
    "\n"
    "Runs the model on the host with the same kernels that ship to the MCU.\n"
    "IN.bin holds the raw little-endian bytes of the model's inputs in their own types\n"
    "(float32, int8 or uint8), several inputs concatenated in subgraph order. OUT.bin\n"
    "gets the outputs the same way. --repeat N runs the inference N times (for profiling).\n"
    "With --int8-io a float or uint8 model takes and gives int8 bytes instead: the\n"
    "int8 tensors after the input QUANTIZE and before the output DEQUANTIZE (or\n"
    "uint8 QUANTIZE), in their quantization (for a uint8 input with the converter's\n"
    "zero point - 128, that is the uint8 bytes XOR 0x80).\n"
    "--schedule runs a patch-based schedule instead of layer by layer: layer (the\n"
    "default), auto (the choice of 'tinyforge plan' under --sram / --max-overhead) or\n"
    "PhxPw@OP; the output bytes are the same. --stream-input reads the input image tile\n"
    "by tile from outside the arena (patched schedules only).\n";

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "tinyforge: error: cannot open '%s': %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 1 << 16;
    *len = 0;
    *buf = malloc(cap);
    for (;;) {
        if (!*buf) {
            fclose(f);
            fprintf(stderr, "tinyforge: error: out of memory reading '%s'\n", path);
            return 1;
        }
        size_t r = fread(*buf + *len, 1, cap - *len, f);
        *len += r;
        if (r == 0) break;
        if (*len == cap) {
            cap *= 2;
            uint8_t *nb = realloc(*buf, cap);
            if (!nb) free(*buf);
            *buf = nb;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(*buf);
        fprintf(stderr, "tinyforge: error: reading '%s' failed\n", path);
        return 1;
    }
    return 0;
}

int cli_run(int argc, char **argv)
{
    tfg_pass_opts_t o = {0};
    const char *path = NULL, *in_path = NULL, *out_path = NULL;
    long repeat = 1;
    cli_sched_opts_t so = {.schedule = "layer"};
    const char *repeat_arg = NULL;
    const cli_opt_t opts[] = {{.name = "-i", .value = &in_path},
                              {.name = "-o", .value = &out_path},
                              {.name = "--repeat", .value = &repeat_arg},
                              {.name = NULL}};
    const int r = cli_parse_args(argc, argv, "run", RUN_HELP, &o, &so, opts, &path);
    if (r >= 0) return r;
    if (repeat_arg) {
        char *end;
        repeat = strtol(repeat_arg, &end, 10);
        if (*end || repeat < 1 || repeat > 1000000) {
            fprintf(stderr, "tinyforge: --repeat takes a count from 1 to 1000000\n");
            return 2;
        }
    }
    if (!path || !in_path || !out_path) {
        fprintf(stderr, "tinyforge: run needs MODEL, -i IN.bin and -o OUT.bin\n%s", RUN_HELP);
        return 2;
    }
    tfg_model_t m;
    if (cli_load(path, &o, &m)) return 1;
    uint8_t *in = NULL;
    size_t in_len = 0;
    int rc = 1;
    uint8_t *arena = NULL, *out = NULL;
    if (read_file(in_path, &in, &in_len)) goto done;
    if (in_len != tfg_model_input_bytes(&m)) {
        fprintf(stderr, "tinyforge: error: '%s' has %zu bytes but the model's inputs take %zu\n", in_path,
                in_len, tfg_model_input_bytes(&m));
        goto done;
    }
    /* The schedule: layer by layer unless asked otherwise. */
    tfg_sched_plan_t sp;
    bool patched = false;
    if (cli_schedule_plan(&m, &so, &sp, &patched)) goto done;
    arena = calloc(patched ? sp.arena_bytes + 1 : (m.plan.peak ? m.plan.peak : 1), 1);
    out = malloc(tfg_model_output_bytes(&m) + 1);
    if (!arena || !out) {
        fprintf(stderr, "tinyforge: error: out of memory\n");
        tfg_sched_plan_free(&sp);
        goto done;
    }
    for (long r = 0; r < repeat; r++) {
        if (patched) {
            tfg_sched_run(&m, &sp, arena, in, out);
            continue;
        }
        tfg_model_set_inputs(&m, arena, in);
        tfg_model_invoke(&m, arena);
    }
    if (!patched) tfg_model_get_outputs(&m, arena, out);
    tfg_sched_plan_free(&sp);
    /* Write to a temporary name first so a failure never leaves a truncated OUT. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "tinyforge: error: cannot write '%s': %s\n", tmp, strerror(errno));
        goto done;
    }
    size_t n = tfg_model_output_bytes(&m);
    int ok = fwrite(out, 1, n, f) == n;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, out_path) != 0) {
        fprintf(stderr, "tinyforge: error: writing '%s' failed\n", out_path);
        remove(tmp);
        goto done;
    }
    rc = 0;
done:
    free(in);
    free(arena);
    free(out);
    tfg_model_free(&m);
    return rc;
}

static const char PLAN_HELP[] =
    "usage: tinyforge plan MODEL [--json] [--int8-io] [--no-in-place]\n"
    "                            [--sram LIMIT] [--max-overhead X] [--schedule S] [--max-grid N]\n"
    "                            [--stream-input]\n"
    "\n"
    "Plans the model's memory: every activation, I/O buffer and kernel scratch buffer\n"
    "gets an offset in one arena. Prints the arena size (the SRAM the model needs for\n"
    "data), the lower bound for the same execution order (the most bytes that must be\n"
    "live at any one step) and, when they differ, where and why. For a model with float\n"
    "inputs or outputs it also gives the figure with int8 I/O (--int8-io).\n"
    "The figures are the least memory: a layer at the peak runs a low-memory kernel\n"
    "variant (conv NARROW, depthwise STRIP: the kernel column) where that lowers the\n"
    "arena; compile and bench use the fastest kernels unless their --sram needs less.\n"
    "--json prints peak_bytes, lower_bound_bytes, macs, weights_bytes, the per-step\n"
    "live bytes (steps) and every buffer's placement (buffers).\n"
    "\n"
    "Patch-based inference (MCUNetV2): the first stage of the network can run one\n"
    "spatial tile at a time, which cuts the peak for some recomputed MACs. plan tries\n"
    "every split op and every grid up to --max-grid (default 8) x 8, costs each exactly\n"
    "(the same planner; MACs with the overlapping halos) and prints the Pareto front of\n"
    "(peak, MACs). The chosen schedule is marked:\n"
    "  --sram LIMIT       the fewest MACs whose peak fits LIMIT (bytes; 256K, 1M work);\n"
    "                     an impossible limit is an error that names the smallest peak\n"
    "  --max-overhead X   otherwise: the lowest peak within X times the layer-by-layer\n"
    "                     MACs and X times its Cortex-M4 instructions as the latency\n"
    "                     model predicts them, per-tile setup and region copies\n"
    "                     included (column 'instr x'; default 1.2)\n"
    "  --schedule S       force one: layer, auto, or PhxPw@OP (a Ph x Pw grid over the\n"
    "                     output of op OP, the op numbers of the table above)\n"
    "Peaks are given with the input image in the arena and without it (streamed in\n"
    "patch by patch, as MCUNetV2 reports); --stream-input makes the choice compare the\n"
    "streamed peaks. --json adds \"schedule\" and \"candidates\".\n";

/* The kernel variant a conv or depthwise step runs, for the plan table. */
static const char *kernel_variant(const tfg_step_t *st)
{
    static const char *const dw[] = {"ROWS", "PLANE", "STRIP"}, *const conv[] = {"WIDE", "NARROW"};
    const int32_t v = tfg_step_variant(st);
    if (st->kernel == TFG_K_DWCONV && v >= 0 && v < 3) return dw[v];
    if (st->kernel == TFG_K_CONV && v >= 0 && v < 2) return conv[v];
    return "-";
}

int cli_plan(int argc, char **argv)
{
    tfg_pass_opts_t o = {0};
    const char *path;
    bool json = false;
    cli_sched_opts_t so = {.schedule = NULL};
    const cli_opt_t opts[] = {{.name = "--json", .flag = &json}, {.name = NULL}};
    const int r = cli_parse_args(argc, argv, "plan", PLAN_HELP, &o, &so, opts, &path);
    if (r >= 0) return r;
    if (!path) {
        fprintf(stderr, "tinyforge: plan needs a MODEL\n%s", PLAN_HELP);
        return 2;
    }
    tfg_model_t m;
    tfg_sched_set_t set;
    int chosen = 0;
    double secs = 0;
    if (cli_load_scheduled(path, &o, &so, &m, &set, &chosen, &secs)) return 1;
    const tfg_graph_t *g = &m.graph;
    size_t int8_peak = 0, int8_lb = 0;
    const bool other = !o.int8_io && tfg_graph_float_edges(g);
    if (other) {
        tfg_pass_opts_t o2 = o;
        o2.int8_io = true;
        tfg_model_t m2;
        if (cli_load(path, &o2, &m2)) {
            tfg_model_free(&m);
            return 1;
        }
        int8_peak = m2.plan.peak;
        int8_lb = m2.plan.lower_bound;
        tfg_model_free(&m2);
    }
    char why[1024];
    tfg_plan_explain(g, &m.prog, &m.plan, why, sizeof why);
    if (json) {
        printf("{\n  \"model\": ");
        cli_json_str(stdout, path);
        printf(",\n  \"peak_bytes\": %zu,\n  \"lower_bound_bytes\": %zu,\n  \"macs\": %lld,\n  "
               "\"weights_bytes\": %lld,\n",
               m.plan.peak, m.plan.lower_bound, (long long)tfg_graph_macs(g),
               (long long)tfg_graph_weights_bytes(g));
        if (other)
            printf("  \"int8_io_peak_bytes\": %zu,\n  \"int8_io_lower_bound_bytes\": %zu,\n", int8_peak,
                   int8_lb);
        cli_schedule_print(&m, &so, &set, chosen, secs, true);
        printf("  \"placement\": ");
        cli_json_str(stdout, m.plan.strategy ? m.plan.strategy : "");
        printf(",\n  \"explanation\": ");
        cli_json_str(stdout, why);
        printf(",\n  \"steps\": [\n");
        for (int s = 0; s < m.prog.n_steps; s++) {
            const tfg_op_t *op = &g->ops[m.prog.steps[s].op];
            printf(
                "    {\"step\": %d, \"op\": %d, \"type\": \"%s\", \"live_bytes\": %zu, \"top_bytes\": %zu, "
                "\"scratch_bytes\": %zu, \"in_place\": %s}%s\n",
                s, op->model_index, tfg_op_name(op->type), m.plan.step_live[s], m.plan.step_top[s],
                m.prog.steps[s].scratch_bytes, op->in_place ? "true" : "false",
                s + 1 < m.prog.n_steps ? "," : "");
        }
        printf("  ],\n  \"buffers\": [\n");
        for (int b = 0; b < m.plan.n_bufs; b++) {
            const tfg_buf_t *bf = &m.plan.bufs[b];
            printf("    {\"kind\": \"%s\", \"name\": ",
                   bf->kind == TFG_BUF_SCRATCH ? "scratch" : "activation");
            cli_json_str(stdout, bf->tensor >= 0 ? g->tensors[bf->tensor].name : "scratch");
            printf(", \"offset\": %zu, \"bytes\": %zu, \"first_step\": %d, \"last_step\": %d}%s\n",
                   bf->offset, bf->size, bf->first, bf->last, b + 1 < m.plan.n_bufs ? "," : "");
        }
        printf("  ]\n}\n");
    } else {
        printf("%s\n", path);
        printf("  arena (peak)   %10zu B  (%.1f KiB)\n", m.plan.peak, m.plan.peak / 1024.0);
        printf("  lower bound    %10zu B  (%.1f KiB)\n", m.plan.lower_bound, m.plan.lower_bound / 1024.0);
        if (other) printf("  with int8 I/O  %10zu B  (lower bound %zu B)\n", int8_peak, int8_lb);
        printf("  MACs           %10lld\n  weights        %10lld B\n", (long long)tfg_graph_macs(g),
               (long long)tfg_graph_weights_bytes(g));
        printf("  placement: %s\n  %s\n\n", m.plan.strategy ? m.plan.strategy : "-", why);
        printf("%5s %4s  %-24s %10s %10s %10s  %s\n", "step", "op", "type", "live B", "top B", "scratch B",
               "kernel");
        for (int s = 0; s < m.prog.n_steps; s++) {
            const tfg_step_t *st = &m.prog.steps[s];
            const tfg_op_t *op = &g->ops[st->op];
            const bool most = s == m.plan.lower_bound_step;
            printf("%5d %4d  %-24s %10zu %10zu %10zu  %-*s%s\n", s, op->model_index, tfg_op_name(op->type),
                   m.plan.step_live[s], m.plan.step_top[s], st->scratch_bytes, most ? 6 : 0,
                   kernel_variant(st), most ? "  <- most live" : "");
        }
        printf(
            "\n  kernel: the variant of a conv (WIDE, or NARROW: least scratch) or depthwise layer (ROWS,\n"
            "  PLANE, or STRIP: least scratch); the low-memory ones only where they lower the arena.\n");
        cli_schedule_print(&m, &so, &set, chosen, secs, false);
    }
    tfg_sched_set_free(&set);
    tfg_model_free(&m);
    return 0;
}
