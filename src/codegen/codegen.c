/* Code generator: the driver (see codegen.h for the output layout, and
 * codegen_internal.h for how the generator is split).
 *
 * Everything comes from the lowered program and the plan that the host
 * executor runs: the same parameter structs (printed as static const data),
 * the same kernels, the same arena offsets (printed as named constants). The
 * generated code therefore computes exactly what the executor computes, and
 * tests compare the two byte for byte. */
#define _POSIX_C_SOURCE 200809L /* mkdir */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codegen/codegen_internal.h"
#include "codegen/embedded.h"
#include "lower/kernel_table.h"

const char *const tfg_codegen_targets[] = {"host",       "cortex-m0plus", "cortex-m3",
                                           "cortex-m4",  "cortex-m7",     "cortex-m33",
                                           "cortex-m55", "riscv32",       NULL};

static int mkdir_p(const char *dir)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    return (mkdir(buf, 0777) != 0 && errno != EEXIST) ? -1 : 0;
}

static tfg_status_t write_mem_json(const tfg_model_t *m, const char *dir, const tfg_codegen_opts_t *co,
                                   tfg_diag_t *d)
{
    char path[4096];
    out_t o;
    tfg_status_t st = tfg_cg_open_out(m, co, dir, ".mem.json", &o, path, sizeof path, d);
    if (st < 0) return st;
    const tfg_plan_t *p = &m->plan;
    const tfg_graph_t *g = &m->graph;
    tfg_cg_put(&o,
               "{\n  \"name\": \"%s\",\n  \"target\": \"%s\",\n  \"arena_bytes\": %zu,\n  "
               "\"lower_bound_bytes\": %zu,\n",
               co->name, co->target, o.arena, p->lower_bound);
    if (o.sp)
        tfg_cg_put(&o,
                   "  \"schedule\": {\"split_layer\": %d, \"split_op_index\": %d, \"grid\": [%d, %d], "
                   "\"streamed\": %s, \"macs\": %lld, "
                   "\"layer_by_layer_arena_bytes\": %zu},\n  \"layers_and_buffers_are\": \"the "
                   "layer-by-layer plan\",\n",
                   o.sp->cost.split, tfg_cg_op_index(&o, o.sp->cost.split), o.sp->cost.ph, o.sp->cost.pw,
                   o.sp->streamed ? "true" : "false", (long long)o.sp->cost.macs, p->peak);
    if (o.det) {
        const size_t net = o.sp ? o.sp->arena_bytes : p->peak;
        tfg_cg_put(&o,
                   "  \"postprocess\": {\"kind\": \"yolo\", \"scratch_offset\": %zu, \"scratch_bytes\": %zu, "
                   "\"max_candidates\": %d, \"network_arena_bytes\": %zu, \"arena_grown_bytes\": %zu, "
                   "\"frame\": {\"width\": %d, \"height\": %d, \"format\": %d, \"bytes\": %lld}},\n",
                   o.scratch_off, tfg_yolo_scratch_size(o.det->max_candidates), (int)o.det->max_candidates,
                   net, o.arena - net, (int)o.det->frame.fw, (int)o.det->frame.fh, (int)o.det->frame.format,
                   (long long)o.det->frame.frame_stride * o.det->frame.fh);
    }
    tfg_cg_put(&o, "  \"peak_layer\": %d,\n  \"constant_bytes\": %lld,\n", p->lower_bound_step,
               (long long)tfg_cg_constant_bytes(&o));
    /* Zero copy: where each model input and output lives in the arena. */
    for (int io = 0; io < 2; io++) {
        const int cnt = io ? g->n_outputs : g->n_inputs;
        tfg_cg_put(&o, "  \"%s\": [", io ? "outputs" : "inputs");
        for (int i = 0; i < cnt; i++) {
            const size_t bytes = (size_t)tfg_tensor_bytes(&g->tensors[io ? g->outputs[i] : g->inputs[i]]);
            if (!io && tfg_cg_input_streamed(&o, i))
                tfg_cg_put(&o, "%s{\"bytes\": %zu, \"streamed\": true}", i ? ", " : "", bytes);
            else
                tfg_cg_put(&o, "%s{\"bytes\": %zu, \"offset\": %zu}", i ? ", " : "", bytes,
                           io ? tfg_cg_output_offset(&o, i) : tfg_cg_input_offset(&o, i));
        }
        tfg_cg_put(&o, "],\n");
    }
    tfg_cg_put(&o, "  \"layers\": [\n");
    for (int k = 0; k < m->prog.n_steps; k++)
        tfg_cg_put(&o,
                   "    {\"layer\": %d, \"op_index\": %d, \"op\": \"%s\", \"live_bytes\": %zu, "
                   "\"out_offset\": %zu, \"scratch_bytes\": %zu}%s\n",
                   k, tfg_cg_op_index(&o, k), tfg_op_name(g->ops[m->prog.steps[k].op].type), p->step_live[k],
                   m->prog.steps[k].out_off, m->prog.steps[k].scratch_bytes,
                   k + 1 < m->prog.n_steps ? "," : "");
    tfg_cg_put(&o, "  ],\n  \"buffers\": [\n");
    for (int b = 0; b < p->n_bufs; b++) {
        const tfg_buf_t *bf = &p->bufs[b];
        tfg_cg_put(&o, "    {\"kind\": \"%s\", \"name\": \"",
                   bf->kind == TFG_BUF_SCRATCH ? "scratch" : "activation");
        for (const char *c = bf->tensor >= 0 ? g->tensors[bf->tensor].name : "scratch"; *c; c++)
            tfg_cg_put(&o, (*c == '"' || *c == '\\') ? "\\%c" : ((unsigned char)*c < 0x20 ? "?" : "%c"), *c);
        tfg_cg_put(&o, "\", \"offset\": %zu, \"bytes\": %zu, \"first_layer\": %d, \"last_layer\": %d}%s\n",
                   bf->offset, bf->size, bf->first, bf->last, b + 1 < p->n_bufs ? "," : "");
    }
    tfg_cg_put(&o, "  ]\n}\n");
    return tfg_cg_close_out(&o, path, d);
}

/* tinyforge/config.h for this model: only the optional kernel variants it runs. */
static tfg_status_t write_config(const tfg_model_t *m, const tfg_sched_plan_t *sp, const char *path,
                                 tfg_diag_t *d)
{
    bool strip = false, narrow = false;
    for (int k = 0; k < m->prog.n_steps; k++) {
        const int kernel = m->prog.steps[k].kernel;
        strip |= kernel == TFG_K_DWCONV && tfg_cg_step_variant(sp, m, k) == TFG_DW_STRIP;
        narrow |= kernel == TFG_K_CONV && tfg_cg_step_variant(sp, m, k) == TFG_CONV_NARROW;
    }
    FILE *f = fopen(path, "wb");
    if (!f) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    fprintf(f,
            "/* Generated by tinyforge for this model: the optional kernel variants it runs\n"
            " * (the library's own copy of this file enables them all). */\n"
            "#ifndef TINYFORGE_CONFIG_H\n#define TINYFORGE_CONFIG_H\n\n"
            "#define TFG_WITH_DW_STRIP %d    /* depthwise STRIP (runtime/dwconv.c) */\n"
            "#define TFG_WITH_CONV_NARROW %d /* conv NARROW (runtime/conv.c) */\n\n#endif\n",
            strip, narrow);
    return fclose(f) != 0 ? tfg_diag_set(d, TFG_ERR_IO, "%s: write failed", path) : TFG_OK;
}

static tfg_status_t copy_runtime(const tfg_model_t *m, const tfg_sched_plan_t *sp, bool detect,
                                 const char *dir, tfg_diag_t *d)
{
    const bool patched = sp != NULL;
    tfg_status_t st;
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/runtime", dir);
    if (mkdir_p(sub) < 0) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot create directory", sub);
    snprintf(sub, sizeof sub, "%s/tinyforge", dir);
    if (mkdir_p(sub) < 0) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot create directory", sub);
    for (int i = 0; i < tfg_embedded_count; i++) {
        const tfg_embedded_file_t *e = &tfg_embedded_files[i];
        char path[4096];
        if (!strcmp(e->path, "include/tinyforge/config.h")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->path + 8);
            if ((st = write_config(m, sp, path, d)) < 0) return st;
            continue;
        }
        if (!strncmp(e->path, "include/", 8)) {
            snprintf(path, sizeof path, "%s/%s", dir, e->path + 8);
        } else {
            /* Only the kernels this model calls (status.c always: tfg_status_str). */
            bool used =
                !strcmp(e->path, "runtime/status.c") || (patched && !strcmp(e->path, "runtime/patch.c")) ||
                (detect && (!strcmp(e->path, "runtime/yolo.c") || !strcmp(e->path, "runtime/frame.c")));
            for (int k = 0; k < m->prog.n_steps && !used; k++)
                used = !strcmp(tfg_kernel_info(m->prog.steps[k].kernel)->file, e->path);
            if (!used) continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->path);
        }
        FILE *f = fopen(path, "wb");
        if (!f) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        const int ok = fwrite(e->data, 1, e->size, f) == e->size;
        if ((fclose(f) != 0) | !ok) return tfg_diag_set(d, TFG_ERR_IO, "%s: write failed", path);
    }
    return TFG_OK;
}

tfg_status_t tfg_codegen(const tfg_model_t *m, const char *out_dir, const tfg_codegen_opts_t *o,
                         tfg_diag_t *d)
{
    const char *n = o->name;
    if (strlen(n) > 63) return tfg_diag_set(d, TFG_ERR_ARG, "name '%s' is longer than 63 characters", n);
    if (!n[0] || !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') || n[0] == '_'))
        return tfg_diag_set(d, TFG_ERR_ARG, "name '%s' is not a C identifier", n);
    for (const char *c = n; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return tfg_diag_set(d, TFG_ERR_ARG, "name '%s' is not a C identifier", n);
    for (int i = 0; i < m->graph.n_inputs; i++)
        if (m->graph.tensors[m->graph.inputs[i]].dtype != TFG_DT_INT8)
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: input %d is %s; generated code takes int8 input",
                                o->model_path, i, tfg_dtype_name(m->graph.tensors[m->graph.inputs[i]].dtype));
    for (int i = 0; i < m->graph.n_outputs; i++)
        if (m->graph.tensors[m->graph.outputs[i]].dtype != TFG_DT_INT8)
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                                "%s: output %d is %s; generated code gives int8 output", o->model_path, i,
                                tfg_dtype_name(m->graph.tensors[m->graph.outputs[i]].dtype));
    if (mkdir_p(out_dir) < 0)
        return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot create directory: %s", out_dir, strerror(errno));
    if (o->detect && o->sched && o->sched->cost.split >= 0 && o->sched->streamed) {
        /* Streamed, each tile converts its region of the frame into the tile's
         * input (tfg_frame_to_input's rectangles): the input must be read as
         * the model has it, with no layout op folded into the read. */
        tfg_sched_lead_t lead;
        if (tfg_sched_lead(m, &lead) || !lead.plain)
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                                "--postprocess yolo with --stream-input converts each tile's region of the "
                                "camera frame into the model's input; this model's input goes through layout "
                                "ops first (drop --stream-input)");
    }
    if (o->detect && (m->graph.n_inputs != 1 || o->detect->max_candidates < 1))
        return tfg_diag_set(d, TFG_ERR_ARG,
                            "--postprocess yolo needs one image input and max_candidates >= 1");
    tfg_status_t st = copy_runtime(m, o->sched && o->sched->cost.split >= 0 ? o->sched : NULL,
                                   o->detect != NULL, out_dir, d);
    if (st == TFG_OK) st = tfg_cg_write_header(m, out_dir, o, d);
    if (st == TFG_OK) st = tfg_cg_write_source(m, out_dir, o, d);
    if (st == TFG_OK) st = write_mem_json(m, out_dir, o, d);
    return st;
}
