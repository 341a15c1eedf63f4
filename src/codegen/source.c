/* NAME.c: the constants, one kernel call per layer (printed from the kernel
 * table) with the arena offsets as named constants, and the run functions. */
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen_internal.h"
#include "lower/kernel_table.h"

/* Where step k's operands live: the patched plan's buffers (region buffers
 * inside the stage, the full stage output after it), or the model's plan. */
static size_t op_in_off(const out_t *o, int k, int j)
{
    const tfg_step_t *s = &o->m->prog.steps[k];
    if (!o->sp) return s->in_off[j];
    return k <= o->sp->cost.split ? o->sp->stage_off[s->in[j]] : o->sp->rest_off[s->in[j]];
}

static size_t op_out_off(const out_t *o, int k)
{
    const tfg_step_t *s = &o->m->prog.steps[k];
    if (!o->sp) return s->out_off;
    return k <= o->sp->cost.split ? o->sp->stage_off[s->out] : o->sp->rest_off[s->out];
}

static size_t op_scratch_off(const out_t *o, int k)
{
    const tfg_step_t *s = &o->m->prog.steps[k];
    return o->sp ? o->sp->scratch_off[k] : s->scratch_off;
}

/* Step k's kernel call, in the form the kernel table gives for it. */
static void emit_call(out_t *o, int k, const tfg_step_t *s)
{
    const tfg_kernel_info_t *info = tfg_kernel_info(s->kernel);
    const char *n = o->n;
    char in0[192], in1[192];
    char out[160], scratch[160];
    tfg_cg_operand(o, k, s, 0, in0, sizeof in0);
    if (s->n_in > 1) tfg_cg_operand(o, k, s, 1, in1, sizeof in1);
    snprintf(out, sizeof out, "(int8_t *)(arena + %s_L%d_OUT)", o->N, k);
    snprintf(scratch, sizeof scratch, "arena + %s_L%d_SCRATCH", o->N, k);
    switch (info->call) {
    case TFG_CALL_IN_OUT: tfg_cg_put(o, "    %s(&%s_l%d, %s, %s);\n", info->fn, n, k, in0, out); break;
    case TFG_CALL_IN_OUT_SCRATCH:
        tfg_cg_put(o, "    %s(&%s_l%d, %s, %s, %s);\n", info->fn, n, k, in0, out, scratch);
        break;
    case TFG_CALL_IN2_OUT:
        tfg_cg_put(o, "    %s(&%s_l%d, %s, %s, %s);\n", info->fn, n, k, in0, in1, out);
        break;
    case TFG_CALL_F32_IN:
        tfg_cg_put(o, "    %s(&%s_l%d, (const float *)(const void *)(arena + %s_L%d_IN0), %s);\n", info->fn,
                   n, k, o->N, k, out);
        break;
    case TFG_CALL_F32_OUT:
        tfg_cg_put(o, "    %s(&%s_l%d, %s, (float *)(void *)(arena + %s_L%d_OUT));\n", info->fn, n, k, in0,
                   o->N, k);
        break;
    case TFG_CALL_INS_OUT:
        tfg_cg_put(o, "    {\n        const int8_t *ins[%d];\n", s->n_in);
        for (int j = 0; j < s->n_in; j++) {
            tfg_cg_operand(o, k, s, j, in0, sizeof in0);
            tfg_cg_put(o, "        ins[%d] = %s;\n", j, in0);
        }
        tfg_cg_put(o, "        %s(&%s_l%d, ins, %s);\n    }\n", info->fn, n, k, out);
        break;
    }
}

void tfg_cg_layer_comment(out_t *o, int k, const tfg_step_t *s)
{
    const tfg_graph_t *g = &o->m->graph;
    const tfg_op_t *op = &g->ops[s->op];
    char ins[48] = "-", outs[48];
    if (s->n_in > 0) tfg_shape_str(&g->tensors[s->in[0]], ins, sizeof ins);
    tfg_shape_str(&g->tensors[s->out], outs, sizeof outs);
    const bool res = s->kernel == TFG_K_CONV && s->p.conv.res;
    tfg_cg_put(o, "    /* L%d (op %d) %s%s%s %s -> %s, %lld MACs, live %zu B */\n", k, op->model_index,
               tfg_op_name(op->type), op->in_place ? " (in place)" : "",
               res ? " + residual ADD (fused, in place over input 1)" : "", ins, outs, (long long)s->macs,
               o->m->plan.step_live[k]);
}

tfg_status_t tfg_cg_write_source(const tfg_model_t *m, const char *dir, const tfg_codegen_opts_t *co,
                                 tfg_diag_t *d)
{
    char path[4096];
    out_t o;
    tfg_status_t st = tfg_cg_open_out(m, co, dir, ".c", &o, path, sizeof path, d);
    if (st < 0) return st;
    const tfg_graph_t *g = &m->graph;
    const tfg_plan_t *p = &m->plan;
    const char *n = co->name, *N = o.N;
    int64_t macs = 0;
    for (int k = 0; k < m->prog.n_steps; k++) macs += m->prog.steps[k].macs;
    const tfg_op_t *peak_op = m->prog.n_steps ? &g->ops[m->prog.steps[p->lower_bound_step].op] : NULL;
    const bool streamed = o.sp && o.sp->streamed;

    tfg_cg_front_matter(&o, co);
    tfg_cg_put(&o, " *\n");
    if (o.sp)
        tfg_cg_put(&o,
                   " * arena:     %zu B with a patch-based schedule (%dx%d tiles over L%d (op %d)'s output, "
                   "%.3fx MACs%s);\n"
                   " *            %zu B layer by layer\n",
                   o.arena, o.sp->cost.ph, o.sp->cost.pw, o.sp->cost.split,
                   tfg_cg_op_index(&o, o.sp->cost.split), (double)o.sp->cost.macs / (double)(macs ? macs : 1),
                   streamed ? ", input streamed" : "", p->peak);
    else
        tfg_cg_put(&o, " * arena:     %zu B (lower bound %zu B), peak at L%d (op %d %s)\n", o.arena,
                   p->lower_bound, p->lower_bound_step, peak_op ? peak_op->model_index : -1,
                   peak_op ? tfg_op_name(peak_op->type) : "-");
    tfg_cg_put(&o, " * constants: %lld B (weights, biases, requantization) in flash\n",
               (long long)tfg_cg_constant_bytes(&o));
    tfg_cg_put(&o, " * work:      %lld MACs in %d layers\n */\n", (long long)macs, m->prog.n_steps);
    tfg_cg_put(&o, "#include \"%s.h\"\n\n#include <string.h>\n\n%s#include \"tinyforge/kernels.h\"\n\n", n,
               o.det ? "#include \"tinyforge/frame.h\"\n" : "");
    tfg_cg_put(&o,
               "/* The convolution weights below are laid out for a runtime built with\n"
               " * TFG_CONV_PACKED %d (tinyforge/kernels.h: %s). Built the other way, this\n"
               " * line stops the compile instead of computing garbage. */\n"
               "typedef char %s_conv_weight_layout_matches_runtime[TFG_CONV_PACKED == %d ? 1 : -1];\n\n",
               o.packed,
               o.packed ? "every 32-bit target"
                        : "the default on 64-bit hosts; -DTFG_CONV_PACKED=0 elsewhere",
               n, o.packed);

    /* Arena offsets. */
    tfg_cg_put(&o,
               "/* Arena offsets (bytes) of every layer's operands, output and scratch; the model's\n"
               " * inputs and outputs are at %s_INPUTi_OFFSET / %s_OUTPUTi_OFFSET (%s.h). */\nenum {\n",
               N, N, n);
    if (o.sp) {
        tfg_cg_put(&o, "    /* the stage output, assembled tile by tile, and one tile's input region */\n");
        tfg_cg_put(&o, "    %s_STAGE_OUT = %zu,\n", N, o.sp->rest_off[m->prog.steps[o.sp->cost.split].out]);
        tfg_cg_put(&o, "    %s_TILE_IN = %zu,\n", N, o.sp->stage_off[o.lead.src]);
    }
    for (int k = 0; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        if (o.sp && k == 0)
            tfg_cg_put(&o, "    /* L0..L%d: one tile's region buffers */\n", o.sp->cost.split);
        for (int j = 0; j < s->n_in; j++)
            if (!s->in_const[j]) tfg_cg_put(&o, "    %s_L%d_IN%d = %zu,\n", N, k, j, op_in_off(&o, k, j));
        tfg_cg_put(&o, "    %s_L%d_OUT = %zu,\n", N, k, op_out_off(&o, k));
        tfg_cg_put(&o, "    %s_L%d_SCRATCH = %zu,\n", N, k,
                   o.sp || s->scratch_bytes ? op_scratch_off(&o, k) : 0);
    }
    tfg_cg_put(&o, "    %s_END_OF_OFFSETS\n};\n\n", N);

    /* Constants and parameters, one layer at a time. */
    for (int k = 0; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        tfg_cg_put(&o, "/* ---- L%d (op %d): %s */\n", k, tfg_cg_op_index(&o, k),
                   tfg_op_name(g->ops[s->op].type));
        if (o.sp && k < o.lead.n_steps) { /* folded into the tiles' read: nothing runs */
            tfg_cg_put(&o, "/* folded into each tile's read of the image (%s_view) */\n", n);
            continue;
        }
        for (int j = 0; j < s->n_in; j++)
            if (s->in_const[j]) {
                char cname[96];
                snprintf(cname, sizeof cname, "%s_l%d_c%d", n, k, j);
                tfg_cg_emit_i8(&o, cname, (const int8_t *)s->in_const[j],
                               (size_t)tfg_tensor_bytes(&g->tensors[s->in[j]]));
            }
        tfg_cg_emit_params(&o, k, s);
    }

    /* Layer names: opt-in, so a firmware that never asks does not carry them. */
    tfg_cg_put(&o, "\n#if %s_WITH_LAYER_NAMES\nstatic const char *const %s_names[%d] = {\n", N, n,
               m->prog.n_steps ? m->prog.n_steps : 1);
    for (int k = 0; k < m->prog.n_steps; k++) {
        tfg_cg_put(&o, "    \"");
        for (const char *c = g->tensors[m->prog.steps[k].out].name; *c; c++)
            tfg_cg_put(&o,
                       (*c == '"' || *c == '\\')                 ? "\\%c"
                       : ((unsigned char)*c < 0x20 || *c == '?') ? "\\%03o"
                                                                 : "%c",
                       *c);
        tfg_cg_put(&o, "\", /* L%d (op %d) */\n", k, tfg_cg_op_index(&o, k));
    }
    if (!m->prog.n_steps) tfg_cg_put(&o, "    \"\"\n");
    tfg_cg_put(&o,
               "};\n\nconst char *%s_layer_name(int layer)\n{\n    return layer >= 0 && layer < %d ? "
               "%s_names[layer] : 0;\n}\n"
               "#endif\n\n",
               n, m->prog.n_steps, n);

    if (o.det) tfg_cg_emit_detect_tables(&o);
    if (o.sp) tfg_cg_emit_patch_stage(&o);

    /* The inference: one call per layer, everything in the arena (and the
     * caller's image when streamed; or, with --postprocess, the camera frame
     * whose regions the tiles convert when `frame` is not NULL). */
    tfg_cg_put(&o, "static void %s_exec(uint8_t *arena%s%s, %s_hook_t hook, void *ctx)\n{\n", n,
               streamed ? ", const int8_t *image" : "", o.frame_tiles ? ", const uint8_t *frame" : "", n);
    int first = 0;
    if (o.sp) {
        const int split = o.sp->cost.split;
        const int so = m->prog.steps[split].out;
        if (!streamed)
            tfg_cg_put(&o, "    const int8_t *image = (const int8_t *)(arena + %s_INPUT0_OFFSET);\n", N);
        tfg_cg_put(&o, "    /* L0..L%d, one tile at a time (%s_patch), assembled into L%d's output. */\n",
                   split, n, split);
        tfg_cg_put(&o, "    for (int t = 0; t < %d; t++) %s_patch(arena, image%s, %s_tiles[t]);\n",
                   o.sp->cost.ph * o.sp->cost.pw, n, o.frame_tiles ? ", frame" : "", n);
        tfg_cg_put(&o, "    if (hook) hook(ctx, %d, %d, (const int8_t *)(arena + %s_STAGE_OUT), %zu);\n",
                   split, tfg_cg_op_index(&o, split), N, (size_t)tfg_tensor_bytes(&g->tensors[so]));
        first = split + 1;
    }
    for (int k = first; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        tfg_cg_layer_comment(&o, k, s);
        emit_call(&o, k, s);
        tfg_cg_put(&o, "    if (hook) hook(ctx, %d, %d, (const int8_t *)(arena + %s_L%d_OUT), %zu);\n", k,
                   tfg_cg_op_index(&o, k), N, k, (size_t)tfg_tensor_bytes(&g->tensors[s->out]));
    }
    tfg_cg_put(&o, "    (void)hook;\n    (void)ctx;\n}\n\n");

    /* Zero-copy entry points. */
    if (streamed) {
        tfg_cg_put(
            &o,
            "tfg_status_t %s_invoke_streamed_hooked(const int8_t *input, uint8_t *arena, %s_hook_t "
            "hook, void *ctx)\n{\n"
            "    if (!input || !arena) return TFG_ERR_ARG;\n    %s_exec(arena, input%s, hook, ctx);\n   "
            " return TFG_OK;\n}\n\n",
            n, n, n, o.frame_tiles ? ", 0" : "");
        tfg_cg_put(&o,
                   "tfg_status_t %s_invoke_streamed(const int8_t *input, uint8_t *arena)\n{\n"
                   "    return %s_invoke_streamed_hooked(input, arena, 0, 0);\n}\n\n",
                   n, n);
    } else {
        tfg_cg_put(
            &o,
            "tfg_status_t %s_invoke_hooked(uint8_t *arena, %s_hook_t hook, void *ctx)\n{\n"
            "    if (!arena) return TFG_ERR_ARG;\n    %s_exec(arena, hook, ctx);\n    return TFG_OK;\n}\n\n",
            n, n, n);
        tfg_cg_put(
            &o, "tfg_status_t %s_invoke(uint8_t *arena)\n{\n    return %s_invoke_hooked(arena, 0, 0);\n}\n\n",
            n, n);
    }

    if (o.det) tfg_cg_emit_detect_source(&o);

    /* The copying convenience. */
    tfg_cg_put(&o,
               "tfg_status_t %s_run_hooked(const int8_t *input, int8_t *output, uint8_t *arena, %s_hook_t "
               "hook, void *ctx)\n{\n",
               n, n);
    tfg_cg_put(&o, "    if (!input || !output || !arena) return TFG_ERR_ARG;\n");
    size_t at = 0;
    for (int i = 0; i < g->n_inputs; i++) {
        const size_t bytes = (size_t)tfg_tensor_bytes(&g->tensors[g->inputs[i]]);
        if (!tfg_cg_input_streamed(&o, i))
            tfg_cg_put(&o, "    memcpy(arena + %s_INPUT%d_OFFSET, input + %zu, %s_INPUT%d_SIZE);\n", N, i, at,
                       N, i);
        at += bytes;
    }
    tfg_cg_put(&o, "    %s_exec(arena%s%s, hook, ctx);\n", n, streamed ? ", input" : "",
               o.frame_tiles ? ", 0" : "");
    at = 0;
    for (int i = 0; i < g->n_outputs; i++) {
        const size_t bytes = (size_t)tfg_tensor_bytes(&g->tensors[g->outputs[i]]);
        tfg_cg_put(&o, "    memcpy(output + %zu, arena + %s_OUTPUT%d_OFFSET, %s_OUTPUT%d_SIZE);\n", at, N, i,
                   N, i);
        at += bytes;
    }
    tfg_cg_put(&o, "    return TFG_OK;\n}\n\n");
    tfg_cg_put(&o,
               "tfg_status_t %s_run(const int8_t *input, int8_t *output, uint8_t *arena)\n{\n"
               "    return %s_run_hooked(input, output, arena, 0, 0);\n}\n\n",
               n, n);
    tfg_cg_put(&o,
               "#if %s_WITH_STATIC_ARENA\n"
               "/* uint32_t members give the arena the alignment the kernels' int32 scratch needs. */\n"
               "static union {\n    uint32_t align;\n    uint8_t bytes[%s_ARENA_SIZE ? %s_ARENA_SIZE : "
               "1];\n} %s_arena;\n\n"
               "uint8_t *%s_static_arena(void) { return %s_arena.bytes; }\n\n"
               "tfg_status_t %s_run_static(const int8_t *input, int8_t *output)\n{\n"
               "    return %s_run_hooked(input, output, %s_arena.bytes, 0, 0);\n}\n#endif\n",
               N, N, N, n, n, n, n, n, n);
    return tfg_cg_close_out(&o, path, d);
}
