/* Code generator; see codegen.h for the output layout.
 *
 * Everything comes from the lowered program and the plan that the host
 * executor runs: the same parameter structs (printed as static const data),
 * the same kernels, the same arena offsets (printed as named constants). The
 * generated code therefore computes exactly what the executor computes, and
 * tests compare the two byte for byte. */
#define _POSIX_C_SOURCE 200809L /* mkdir */

#include "codegen/codegen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codegen/embedded.h"

const char *const tfg_codegen_targets[] = {"host",       "cortex-m0plus", "cortex-m3",  "cortex-m4",
                                           "cortex-m7",  "cortex-m33",    "cortex-m55", "riscv32",
                                           NULL};

typedef struct {
    FILE *f;
    const char *n; /* symbol prefix */
    const tfg_model_t *m;
    int packed; /* conv weights in the packed layout (every MCU target; see kernels.h) */
    const tfg_sched_plan_t *sp; /* a patched schedule, or NULL (layer by layer) */
    int err;
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(o->f, fmt, ap) < 0) o->err = 1;
    va_end(ap);
}

static void emit_i8(out_t *o, const char *name, const int8_t *v, size_t n)
{
    put(o, "static const int8_t %s[%zu] = {", name, n);
    for (size_t i = 0; i < n; i++) put(o, "%s%d%s", i % 24 ? "" : "\n    ", v[i], i + 1 < n ? "," : "");
    put(o, "\n};\n");
}

/* int8 constants the kernels read as words: a union gives them 4-byte alignment in plain C99. */
static void emit_i8_words(out_t *o, const char *name, const int8_t *v, size_t n)
{
    put(o, "static const union {\n    uint32_t align;\n    int8_t v[%zu];\n} %s = {.v = {", n, name);
    for (size_t i = 0; i < n; i++) put(o, "%s%d%s", i % 24 ? "" : "\n    ", v[i], i + 1 < n ? "," : "");
    put(o, "\n}};\n");
}

/* Prepared requantization per channel (mult, add, shift), or nothing when the layer has none. */
static void emit_rq(out_t *o, const char *name, const tfg_rq_t *rq, size_t n, char *ref, size_t ref_n)
{
    if (!rq) {
        snprintf(ref, ref_n, "0");
        return;
    }
    snprintf(ref, ref_n, "%s", name);
    put(o, "static const tfg_rq_t %s[%zu] = {", name, n);
    for (size_t i = 0; i < n; i++)
        put(o, "%s{%ld, %ld, %ld}%s", i % 4 ? " " : "\n    ", (long)rq[i].mult, (long)rq[i].add, (long)rq[i].shift,
            i + 1 < n ? "," : "");
    put(o, "\n};\n");
}

static void emit_i32(out_t *o, const char *name, const int32_t *v, size_t n)
{
    put(o, "static const int32_t %s[%zu] = {", name, n);
    /* INT32_MIN (a multiplier of a negative weight scale can be -2^31) is
     * spelled as an int expression: the literal 2147483648 is not an int. */
    for (size_t i = 0; i < n; i++)
        if (v[i] == INT32_MIN) put(o, "%s(-2147483647 - 1)%s", i % 8 ? " " : "\n    ", i + 1 < n ? "," : "");
        else put(o, "%s%ld%s", i % 8 ? " " : "\n    ", (long)v[i], i + 1 < n ? "," : "");
    put(o, "\n};\n");
}

/* A float constant that round-trips exactly. */
static void flt(char *buf, size_t n, float v) { snprintf(buf, n, "%.9gf", (double)v); }

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * UINT64_C(1099511628211);
    return h;
}

static void emit_eltwise(out_t *o, const char *name, const tfg_eltwise_params_t *p)
{
    put(o,
        "static const tfg_eltwise_params_t %s = {{%d, %d, %d, %d}, {%d, %d, %d, %d}, {%d, %d, %d, %d},\n"
        "    %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d};\n",
        name, p->dims[0], p->dims[1], p->dims[2], p->dims[3], p->a_stride[0], p->a_stride[1], p->a_stride[2],
        p->a_stride[3], p->b_stride[0], p->b_stride[1], p->b_stride[2], p->b_stride[3], p->a_offset, p->b_offset,
        p->left_shift, p->a_mult, p->a_shift, p->b_mult, p->b_shift, p->out_mult, p->out_shift, p->out_zp,
        p->act_min, p->act_max);
}

/* Step k's kernel variant: the patched schedule's where it sets one, else the model's. */
static int32_t step_variant(const tfg_sched_plan_t *sp, const tfg_model_t *m, int k)
{
    return sp && sp->variant[k] >= 0 ? sp->variant[k] : tfg_step_variant(&m->prog.steps[k]);
}

/* Constants of one step: weight/bias/multiplier arrays and the parameter struct. */
static void emit_params(out_t *o, int k, const tfg_step_t *s)
{
    const char *n = o->n;
    char a[96], b[96], c[96], e[96], f[96], rq[96];
    snprintf(f, sizeof f, "%s_l%d_rq", n, k);
    snprintf(a, sizeof a, "%s_l%d_w", n, k);
    snprintf(b, sizeof b, "%s_l%d_bias", n, k);
    snprintf(c, sizeof c, "%s_l%d_mult", n, k);
    snprintf(e, sizeof e, "%s_l%d_shift", n, k);
    switch (s->kernel) {
    case TFG_K_CONV: {
        const tfg_conv_params_t *p = &s->p.conv;
        if (p->res) {
            char rn[96];
            snprintf(rn, sizeof rn, "%s_l%d_res", n, k);
            put(o, "/* the residual ADD fused into this convolution's output (in place over its input 1) */\n");
            emit_eltwise(o, rn, p->res);
        }
        if (o->packed) {
            int8_t *packed = malloc(tfg_conv_packed_bytes(p));
            if (!packed) {
                o->err = 1;
                break;
            }
            tfg_conv_pack_weights(p, s->conv_ohwi, packed);
            put(o, "/* weights packed for the kernel: channel pairs, 4-byte chunks (runtime/conv.c) */\n");
            emit_i8_words(o, a, packed, tfg_conv_packed_bytes(p));
            free(packed);
        } else {
            emit_i8_words(o, a, s->conv_ohwi, (size_t)p->out_c * (size_t)(p->k_h * p->k_w * p->in_c));
        }
        emit_i32(o, b, p->bias, (size_t)p->out_c);
        emit_i32(o, c, p->mult, (size_t)p->out_c);
        emit_i32(o, e, p->shift, (size_t)p->out_c);
        emit_rq(o, f, p->rq, (size_t)p->out_c, rq, sizeof rq);
        put(o,
            "static const tfg_conv_params_t %s_l%d = {\n"
            "    .in_h = %d, .in_w = %d, .in_c = %d, .out_h = %d, .out_w = %d, .out_c = %d,\n"
            "    .k_h = %d, .k_w = %d, .stride_h = %d, .stride_w = %d, .dil_h = %d, .dil_w = %d,\n"
            "    .pad_top = %d, .pad_left = %d, .in_zp = %d, .out_zp = %d, .act_min = %d, .act_max = %d,\n"
            "    .weights = %s.v, .bias = %s, .mult = %s, .shift = %s, .rq = %s",
            n, k, p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h, p->k_w, p->stride_h, p->stride_w,
            p->dil_h, p->dil_w, p->pad_top, p->pad_left, p->in_zp, p->out_zp, p->act_min, p->act_max, a, b, c, e, rq);
        if (p->res) put(o, ",\n    .res = &%s_l%d_res, .res_conv_is_b = %d", n, k, (int)p->res_conv_is_b);
        if (step_variant(o->sp, o->m, k) == TFG_CONV_NARROW)
            put(o, ",\n    .variant = TFG_CONV_NARROW /* int8 columns: the least scratch, at the arena peak */");
        put(o, "};\n");
        break;
    }
    case TFG_K_DWCONV: {
        static const char *const dw_names[] = {"TFG_DW_ROWS", "TFG_DW_PLANE", "TFG_DW_STRIP"};
        const tfg_dwconv_params_t *p = &s->p.dw;
        const int oc = p->in_c * p->depth_mult;
        emit_i8(o, a, p->weights, (size_t)(p->k_h * p->k_w) * (size_t)oc);
        emit_i32(o, b, p->bias, (size_t)oc);
        emit_i32(o, c, p->mult, (size_t)oc);
        emit_i32(o, e, p->shift, (size_t)oc);
        emit_rq(o, f, p->rq, (size_t)oc, rq, sizeof rq);
        put(o,
            "static const tfg_dwconv_params_t %s_l%d = {\n"
            "    .variant = %s, .in_h = %d, .in_w = %d, .in_c = %d, .out_h = %d, .out_w = %d, .depth_mult = %d,\n"
            "    .k_h = %d, .k_w = %d, .stride_h = %d, .stride_w = %d, .dil_h = %d, .dil_w = %d,\n"
            "    .pad_top = %d, .pad_left = %d, .in_zp = %d, .out_zp = %d, .act_min = %d, .act_max = %d,\n"
            "    .weights = %s, .bias = %s, .mult = %s, .shift = %s, .rq = %s};\n",
            n, k, dw_names[step_variant(o->sp, o->m, k)], p->in_h, p->in_w, p->in_c, p->out_h,
            p->out_w, p->depth_mult, p->k_h, p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w, p->pad_top,
            p->pad_left, p->in_zp, p->out_zp, p->act_min, p->act_max, a, b, c, e, rq);
        break;
    }
    case TFG_K_FC: {
        const tfg_fc_params_t *p = &s->p.fc;
        emit_i8(o, a, p->weights, (size_t)p->out_features * (size_t)p->in_features);
        emit_i32(o, b, p->bias, (size_t)p->out_features);
        emit_i32(o, c, p->mult, (size_t)p->out_features);
        emit_i32(o, e, p->shift, (size_t)p->out_features);
        emit_rq(o, f, p->rq, (size_t)p->out_features, rq, sizeof rq);
        put(o,
            "static const tfg_fc_params_t %s_l%d = {\n"
            "    .batches = %d, .in_features = %d, .out_features = %d, .out_zp = %d, .act_min = %d, .act_max = %d,\n"
            "    .weights = %s, .bias = %s, .mult = %s, .shift = %s, .rq = %s};\n",
            n, k, p->batches, p->in_features, p->out_features, p->out_zp, p->act_min, p->act_max, a, b, c, e, rq);
        break;
    }
    case TFG_K_ADD:
    case TFG_K_MUL: {
        char en[96];
        snprintf(en, sizeof en, "%s_l%d", n, k);
        emit_eltwise(o, en, &s->p.elt);
        break;
    }
    case TFG_K_AVGPOOL:
    case TFG_K_MAXPOOL: {
        const tfg_pool_params_t *p = &s->p.pool;
        put(o, "static const tfg_pool_params_t %s_l%d = {%d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d};\n", n,
            k, p->in_h, p->in_w, p->c, p->out_h, p->out_w, p->k_h, p->k_w, p->stride_h, p->stride_w, p->pad_top,
            p->pad_left, p->act_min, p->act_max);
        break;
    }
    case TFG_K_MEAN: {
        const tfg_mean_params_t *p = &s->p.mean;
        put(o, "static const tfg_mean_params_t %s_l%d = {%d, %d, %d, %d, %d, %d, %d, %d, %d, %d};\n", n, k, p->outer,
            p->reduce, p->inner, p->mode, p->in_zp, p->out_zp, p->mult, p->shift, p->mid, p->reduce2);
        break;
    }
    case TFG_K_SOFTMAX: {
        const tfg_softmax_params_t *p = &s->p.softmax;
        put(o, "static const tfg_softmax_params_t %s_l%d = {%d, %d, %d, %d, %d};\n", n, k, p->outer, p->depth,
            p->in_mult, p->in_left_shift, p->diff_min);
        break;
    }
    case TFG_K_LOGISTIC: {
        const tfg_logistic_params_t *p = &s->p.logistic;
        put(o, "static const tfg_logistic_params_t %s_l%d = {%d, %d, %d, %d, %d};\n", n, k, p->size, p->in_zp,
            p->in_range_radius, p->in_mult, p->in_left_shift);
        break;
    }
    case TFG_K_QUANTIZE:
    case TFG_K_DEQUANTIZE: {
        char sc[32];
        flt(sc, sizeof sc, s->p.affine.scale);
        put(o, "static const tfg_affine_params_t %s_l%d = {%d, %s, %d};\n", n, k, s->p.affine.size, sc, s->p.affine.zp);
        break;
    }
    case TFG_K_REQUANT: {
        const tfg_requant_params_t *p = &s->p.requant;
        put(o, "static const tfg_requant_params_t %s_l%d = {%d, %d, %d, %d, %d, %d, %d};\n", n, k, p->size, p->in_zp,
            p->out_zp, p->mult, p->shift, p->in_flip, p->out_flip);
        break;
    }
    case TFG_K_GATHER: {
        const tfg_gather_params_t *p = &s->p.gather;
        put(o, "static const tfg_gather_params_t %s_l%d = {%d, {", n, k, p->rank);
        for (int i = 0; i < TFG_MAX_DIMS; i++) put(o, "%d%s", p->dims[i], i + 1 < TFG_MAX_DIMS ? ", " : "}, {");
        for (int i = 0; i < TFG_MAX_DIMS; i++) put(o, "%d%s", p->in_stride[i], i + 1 < TFG_MAX_DIMS ? ", " : "}};\n");
        break;
    }
    case TFG_K_PAD: {
        const tfg_pad_params_t *p = &s->p.pad;
        put(o,
            "static const tfg_pad_params_t %s_l%d = {{%d, %d, %d, %d}, {%d, %d, %d, %d}, {%d, %d, %d, %d}, %d};\n", n,
            k, p->in_dims[0], p->in_dims[1], p->in_dims[2], p->in_dims[3], p->before[0], p->before[1], p->before[2],
            p->before[3], p->after[0], p->after[1], p->after[2], p->after[3], p->value);
        break;
    }
    case TFG_K_CONCAT: {
        const tfg_concat_params_t *p = &s->p.concat;
        snprintf(a, sizeof a, "%s_l%d_inner", n, k);
        emit_i32(o, a, p->inner, (size_t)p->n_inputs);
        put(o, "static const tfg_concat_params_t %s_l%d = {%d, %d, %s};\n", n, k, p->outer, p->n_inputs, a);
        break;
    }
    case TFG_K_RESIZE: {
        const tfg_resize_nearest_params_t *p = &s->p.resize;
        snprintf(a, sizeof a, "%s_l%d_src_y", n, k);
        snprintf(b, sizeof b, "%s_l%d_src_x", n, k);
        emit_i32(o, a, p->src_y, (size_t)p->out_h);
        emit_i32(o, b, p->src_x, (size_t)p->out_w);
        put(o, "static const tfg_resize_nearest_params_t %s_l%d = {%d, %d, %d, %d, %d, %s, %s};\n", n, k, p->in_h,
            p->in_w, p->c, p->out_h, p->out_w, a, b);
        break;
    }
    }
}

/* Operand k of step s as a C expression. */
static void operand(out_t *o, int step, const tfg_step_t *s, int k, char *buf, size_t n)
{
    if (s->in_const[k]) snprintf(buf, n, "(const int8_t *)%s_l%d_c%d", o->n, step, k);
    else snprintf(buf, n, "(const int8_t *)(arena + %s_L%d_IN%d)", o->n, step, k);
}

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

/* Index of a stage tensor in the per-tile region table: 0 the input, k + 1 step k's output. */
static int region_index(const out_t *o, int t)
{
    if (t == o->m->graph.inputs[0]) return 0;
    for (int k = 0; k <= o->sp->cost.split; k++)
        if (o->m->prog.steps[k].out == t) return k + 1;
    return -1;
}

static const char *kernel_file(tfg_kernel_t k)
{
    switch (k) {
    case TFG_K_CONV: return "runtime/conv.c";
    case TFG_K_DWCONV: return "runtime/dwconv.c";
    case TFG_K_FC: return "runtime/fc.c";
    case TFG_K_ADD:
    case TFG_K_MUL: return "runtime/eltwise.c";
    case TFG_K_AVGPOOL:
    case TFG_K_MAXPOOL: return "runtime/pool.c";
    case TFG_K_MEAN: return "runtime/mean.c";
    case TFG_K_SOFTMAX:
    case TFG_K_LOGISTIC: return "runtime/activations.c";
    case TFG_K_QUANTIZE:
    case TFG_K_DEQUANTIZE:
    case TFG_K_REQUANT: return "runtime/quantize.c";
    default: return "runtime/movement.c";
    }
}

static void emit_call(out_t *o, int k, const tfg_step_t *s)
{
    const char *n = o->n;
    char in0[128], in1[128];
    char out[96], scratch[96];
    operand(o, k, s, 0, in0, sizeof in0);
    if (s->n_in > 1) operand(o, k, s, 1, in1, sizeof in1);
    snprintf(out, sizeof out, "(int8_t *)(arena + %s_L%d_OUT)", n, k);
    snprintf(scratch, sizeof scratch, "arena + %s_L%d_SCRATCH", n, k);
    switch (s->kernel) {
    case TFG_K_CONV: put(o, "    tfg_conv_s8(&%s_l%d, %s, %s, %s);\n", n, k, in0, out, scratch); break;
    case TFG_K_DWCONV: put(o, "    tfg_dwconv_s8(&%s_l%d, %s, %s, %s);\n", n, k, in0, out, scratch); break;
    case TFG_K_FC: put(o, "    tfg_fc_s8(&%s_l%d, %s, %s);\n", n, k, in0, out); break;
    case TFG_K_ADD: put(o, "    tfg_add_s8(&%s_l%d, %s, %s, %s);\n", n, k, in0, in1, out); break;
    case TFG_K_MUL: put(o, "    tfg_mul_s8(&%s_l%d, %s, %s, %s);\n", n, k, in0, in1, out); break;
    case TFG_K_AVGPOOL: put(o, "    tfg_avgpool_s8(&%s_l%d, %s, %s);\n", n, k, in0, out); break;
    case TFG_K_MAXPOOL: put(o, "    tfg_maxpool_s8(&%s_l%d, %s, %s);\n", n, k, in0, out); break;
    case TFG_K_MEAN: put(o, "    tfg_mean_s8(&%s_l%d, %s, %s);\n", n, k, in0, out); break;
    case TFG_K_SOFTMAX: put(o, "    tfg_softmax_s8(&%s_l%d, %s, %s);\n", n, k, in0, out); break;
    case TFG_K_LOGISTIC: put(o, "    tfg_logistic_s8(&%s_l%d, %s, %s);\n", n, k, in0, out); break;
    case TFG_K_QUANTIZE:
        put(o, "    tfg_quantize_f32_s8(&%s_l%d, (const float *)(const void *)(arena + %s_L%d_IN0), %s);\n", n, k, n, k,
            out);
        break;
    case TFG_K_DEQUANTIZE:
        put(o, "    tfg_dequantize_s8_f32(&%s_l%d, %s, (float *)(void *)(arena + %s_L%d_OUT));\n", n, k, in0, n, k);
        break;
    case TFG_K_REQUANT: put(o, "    tfg_requantize_s8(&%s_l%d, %s, %s);\n", n, k, in0, out); break;
    case TFG_K_GATHER: put(o, "    tfg_gather_s8(&%s_l%d, %s, %s);\n", n, k, in0, out); break;
    case TFG_K_PAD: put(o, "    tfg_pad_s8(&%s_l%d, %s, %s);\n", n, k, in0, out); break;
    case TFG_K_RESIZE: put(o, "    tfg_resize_nearest_s8(&%s_l%d, %s, %s);\n", n, k, in0, out); break;
    case TFG_K_CONCAT: {
        put(o, "    {\n        const int8_t *ins[%d];\n", s->n_in);
        for (int j = 0; j < s->n_in; j++) {
            operand(o, k, s, j, in0, sizeof in0);
            put(o, "        ins[%d] = %s;\n", j, in0);
        }
        put(o, "        tfg_concat_s8(&%s_l%d, ins, %s);\n    }\n", n, k, out);
        break;
    }
    }
}

static void layer_comment(out_t *o, int k, const tfg_step_t *s)
{
    const tfg_graph_t *g = &o->m->graph;
    const tfg_op_t *op = &g->ops[s->op];
    char ins[48] = "-", outs[48];
    if (s->n_in > 0) tfg_shape_str(&g->tensors[s->in[0]], ins, sizeof ins);
    tfg_shape_str(&g->tensors[s->out], outs, sizeof outs);
    const bool res = s->kernel == TFG_K_CONV && s->p.conv.res;
    put(o, "    /* L%d %s%s%s %s -> %s, %lld MACs, live %zu B */\n", k, tfg_op_name(op->type),
        op->in_place ? " (in place)" : "", res ? " + residual ADD (fused, in place over input 1)" : "", ins, outs,
        (long long)s->macs, o->m->plan.step_live[k]);
}

/* Start DIR/NAME<suffix> (written as .tmp, renamed by close_out). */
static tfg_status_t open_out(const tfg_model_t *m, const tfg_codegen_opts_t *co, const char *dir, const char *suffix,
                             out_t *o, char *path, size_t n, tfg_diag_t *d)
{
    memset(o, 0, sizeof *o);
    o->n = co->name;
    o->packed = strcmp(co->target, "host") != 0;
    o->sp = co->sched && co->sched->cost.split >= 0 ? co->sched : NULL;
    o->m = m;
    snprintf(path, n, "%s/%s%s.tmp", dir, co->name, suffix);
    o->f = fopen(path, "w");
    if (!o->f) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return TFG_OK;
}

/* Close and move the .tmp into place, so a failed run leaves no partial file. */
static tfg_status_t close_out(out_t *o, const char *path_tmp, tfg_diag_t *d)
{
    int bad = o->err | (fclose(o->f) != 0);
    char final[4096];
    snprintf(final, sizeof final, "%s", path_tmp);
    final[strlen(final) - 4] = 0;
    if (bad || rename(path_tmp, final) != 0) {
        remove(path_tmp);
        return tfg_diag_set(d, TFG_ERR_IO, "%s: write failed", final);
    }
    return TFG_OK;
}

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

/* The patch stage: the per-tile region table and the function that runs
 * layers 0..split on one tile with every layer's parameters patched for it. */
static void emit_patch_stage(out_t *o)
{
    const char *n = o->n;
    const tfg_model_t *m = o->m;
    const tfg_graph_t *g = &m->graph;
    const int split = o->sp->cost.split, ph = o->sp->cost.ph, pw = o->sp->cost.pw, nr = split + 2;
    const tfg_tensor_t *x = &g->tensors[g->inputs[0]], *y = &g->tensors[m->prog.steps[split].out];
    tfg_region_t *need = malloc(sizeof(tfg_region_t) * (size_t)g->n_tensors);
    if (!need) {
        o->err = 1;
        return;
    }
    put(o, "/* ---- patch stage: a %dx%d grid over layer %d's %dx%d output. Per tile, the region\n"
           " * (rows r0..r1, columns c0..c1, exclusive ends) of the input and of every layer's\n"
           " * output up to layer %d: each tile's receptive field, halos included. */\n",
        ph, pw, split, y->dims[1], y->dims[2], split);
    put(o, "static const int16_t %s_tiles[%d][%d][4] = {\n", n, ph * pw, nr);
    for (int i = 0; i < ph; i++)
        for (int j = 0; j < pw; j++) {
            tfg_sched_regions(m, split, tfg_sched_tile(y->dims[1], y->dims[2], ph, pw, i, j), need);
            put(o, "    {");
            for (int r = 0; r < nr; r++) {
                const int t = r == 0 ? g->inputs[0] : m->prog.steps[r - 1].out;
                put(o, "%s{%d, %d, %d, %d}", r ? ", " : "", (int)need[t].r0, (int)need[t].r1, (int)need[t].c0,
                    (int)need[t].c1);
            }
            put(o, "}%s\n", i * pw + j + 1 < ph * pw ? "," : "");
        }
    put(o, "};\n\n");
    free(need);
    put(o, "static void %s_patch(uint8_t *arena, const int8_t *image, const int16_t (*tile)[4])\n{\n", n);
    put(o, "    tfg_region_t r[%d];\n", nr);
    put(o, "    for (int i = 0; i < %d; i++) r[i].r0 = tile[i][0], r[i].r1 = tile[i][1], r[i].c0 = tile[i][2], "
           "r[i].c1 = tile[i][3];\n", nr);
    /* Bytes per pixel: channels times the element size (the input is int8
     * here, as generated code takes int8 input; kept general like the executor). */
    put(o, "    tfg_copy_region(image, %d, %d, &r[0], (int8_t *)(arena + %s_TILE_IN));\n", (int)x->dims[2],
        (int)(x->dims[3] * (int32_t)tfg_dtype_size(x->dtype)), n);
    for (int k = 0; k <= split; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        const int ri = region_index(o, s->in[0]), ro = k + 1;
        const int32_t c = g->tensors[s->out].dims[3];
        layer_comment(o, k, s);
        char in0[128], in1[128], out[96], scratch[96];
        operand(o, k, s, 0, in0, sizeof in0);
        if (s->n_in > 1) operand(o, k, s, 1, in1, sizeof in1);
        snprintf(out, sizeof out, "(int8_t *)(arena + %s_L%d_OUT)", n, k);
        snprintf(scratch, sizeof scratch, "arena + %s_L%d_SCRATCH", n, k);
        switch (s->kernel) {
        case TFG_K_CONV:
            put(o, "    {\n        tfg_conv_params_t p = %s_l%d;\n        tfg_patch_conv(&p, &r[%d], &r[%d]);\n", n, k,
                ri, ro);
            if (s->p.conv.res) put(o, "        tfg_patch_residual(&p, &r[%d], &r[%d]);\n", region_index(o, s->in[1]), ro);
            put(o, "        tfg_conv_s8(&p, %s, %s, %s);\n    }\n", in0, out, scratch);
            break;
        case TFG_K_DWCONV:
            put(o, "    {\n        tfg_dwconv_params_t p = %s_l%d;\n        tfg_patch_dwconv(&p, &r[%d], &r[%d]);\n"
                   "        tfg_dwconv_s8(&p, %s, %s, %s);\n    }\n", n, k, ri, ro, in0, out, scratch);
            break;
        case TFG_K_AVGPOOL:
        case TFG_K_MAXPOOL:
            put(o, "    {\n        tfg_pool_params_t p = %s_l%d;\n        tfg_patch_pool(&p, &r[%d], &r[%d]);\n"
                   "        tfg_%spool_s8(&p, %s, %s);\n    }\n", n, k, ri, ro,
                s->kernel == TFG_K_AVGPOOL ? "avg" : "max", in0, out);
            break;
        case TFG_K_ADD:
        case TFG_K_MUL:
            put(o, "    {\n        tfg_eltwise_params_t p = %s_l%d;\n        size_t a, b;\n"
                   "        tfg_patch_eltwise(&p, &r[%d], &r[%d], &r[%d], %d, &a, &b);\n"
                   "        tfg_%s_s8(&p, %s + a, %s + b, %s);\n    }\n", n, k, region_index(o, s->in[0]),
                region_index(o, s->in[1]), ro, (int)c, s->kernel == TFG_K_ADD ? "add" : "mul", in0, in1, out);
            break;
        case TFG_K_PAD:
            put(o, "    {\n        tfg_pad_params_t p = %s_l%d;\n        tfg_patch_pad(&p, &r[%d], &r[%d]);\n"
                   "        tfg_pad_s8(&p, %s, %s);\n    }\n", n, k, ri, ro, in0, out);
            break;
        case TFG_K_REQUANT:
            put(o, "    {\n        tfg_requant_params_t p = %s_l%d;\n        p.size = (int32_t)tfg_region_elems(&r[%d], %d);\n"
                   "        tfg_requantize_s8(&p, %s, %s);\n    }\n", n, k, ro, (int)c, in0, out);
            break;
        case TFG_K_LOGISTIC:
            put(o, "    {\n        tfg_logistic_params_t p = %s_l%d;\n        p.size = (int32_t)tfg_region_elems(&r[%d], %d);\n"
                   "        tfg_logistic_s8(&p, %s, %s);\n    }\n", n, k, ro, (int)c, in0, out);
            break;
        /* A float QUANTIZE (which the scheduler admits) never gets here:
         * generated code takes int8 input, so compile strips it first. */
        default: o->err = 1; break; /* the scheduler admits only the kernels above */
        }
    }
    put(o, "    tfg_paste_region((const int8_t *)(arena + %s_L%d_OUT), %d, %d, &r[%d], (int8_t *)(arena + %s_STAGE_OUT));\n",
        n, split, (int)y->dims[2], (int)y->dims[3], nr - 1, n);
    put(o, "}\n\n");
}

static tfg_status_t write_header(const tfg_model_t *m, const char *dir, const tfg_codegen_opts_t *co, tfg_diag_t *d)
{
    char path[4096];
    out_t o;
    tfg_status_t st = open_out(m, co, dir, ".h", &o, path, sizeof path, d);
    if (st < 0) return st;
    const tfg_graph_t *g = &m->graph;
    const char *n = co->name;
    put(&o, "/* %s: generated by tinyforge %s. Do not edit; regenerate with: %s */\n", n, TFG_VERSION, co->command);
    put(&o, "#ifndef %s_H\n#define %s_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n#include \"tinyforge/status.h\"\n\n", n, n);
    put(&o, "/* Bytes of working memory %s_run() needs: activations, I/O and kernel scratch. */\n", n);
    put(&o, "#define %s_ARENA_SIZE %zuu\n\n", n, o.sp ? o.sp->arena_bytes : m->plan.peak);
    if (o.sp)
        put(&o,
            "/* Patch-based schedule: layers 0..%d run once per tile of a %dx%d grid over layer\n"
            " * %d's output, the rest layer by layer.%s */\n\n",
            o.sp->cost.split, o.sp->cost.ph, o.sp->cost.pw, o.sp->cost.split,
            o.sp->streamed ? " The input image is read tile by tile from the caller's\n * buffer and is not "
                             "part of the arena."
                           : "");
    size_t tin = 0, tout = 0;
    for (int io = 0; io < 2; io++) {
        const int cnt = io ? g->n_outputs : g->n_inputs;
        const char *what = io ? "OUTPUT" : "INPUT";
        for (int i = 0; i < cnt; i++) {
            const tfg_tensor_t *t = &g->tensors[io ? g->outputs[i] : g->inputs[i]];
            char shape[64], sc[32];
            tfg_shape_str(t, shape, sizeof shape);
            flt(sc, sizeof sc, t->n_q ? t->scale[0] : 1.0f);
            const size_t bytes = (size_t)tfg_tensor_bytes(t);
            put(&o, "/* %s %d: %s %s '%s' */\n", io ? "output" : "input", i, tfg_dtype_name(t->dtype), shape, t->name);
            put(&o, "#define %s_%s%d_SIZE %zuu\n#define %s_%s%d_SCALE %s\n#define %s_%s%d_ZERO_POINT %d\n", n, what, i, bytes,
                n, what, i, sc, n, what, i, t->n_q ? (int)t->zero_point[0] : 0);
            if (io) tout += bytes;
            else tin += bytes;
        }
    }
    put(&o, "/* All inputs (outputs) concatenated in subgraph order. */\n#define %s_INPUT_SIZE %zuu\n#define %s_OUTPUT_SIZE %zuu\n\n",
        n, tin, n, tout);
    put(&o,
        "/* Run one inference. input: %s_INPUT_SIZE bytes; output: %s_OUTPUT_SIZE bytes; arena:\n"
        " * %s_ARENA_SIZE bytes, 4-byte aligned, owned by the caller (its contents do not need to\n"
        " * survive between calls). Returns TFG_OK, or TFG_ERR_ARG for a NULL pointer. */\n"
        "tfg_status_t %s_run(const int8_t *input, int8_t *output, uint8_t *arena);\n\n",
        n, n, n, n);
    put(&o, "/* The same with a static arena inside the library (%s_ARENA_SIZE bytes of .bss). */\n"
            "tfg_status_t %s_run_static(const int8_t *input, int8_t *output);\n\n", n, n);
    put(&o,
        "/* Called after every layer with its index, name and output (for profiling and\n"
        " * tensor dumps). The output pointer is valid only during the call. */\n"
        "typedef void (*%s_hook_t)(void *ctx, int layer, const char *name, const int8_t *data, size_t bytes);\n"
        "tfg_status_t %s_run_hooked(const int8_t *input, int8_t *output, uint8_t *arena, %s_hook_t hook, void *ctx);\n\n",
        n, n, n);
    put(&o, "#define %s_LAYERS %d\n\n#endif\n", n, m->prog.n_steps);
    return close_out(&o, path, d);
}

static tfg_status_t write_source(const tfg_model_t *m, const char *dir, const tfg_codegen_opts_t *co, tfg_diag_t *d)
{
    char path[4096];
    out_t o;
    tfg_status_t st = open_out(m, co, dir, ".c", &o, path, sizeof path, d);
    if (st < 0) return st;
    const tfg_graph_t *g = &m->graph;
    const tfg_plan_t *p = &m->plan;
    const char *n = co->name;
    int64_t macs = 0;
    for (int k = 0; k < m->prog.n_steps; k++) macs += m->prog.steps[k].macs;
    const tfg_op_t *peak_op = m->prog.n_steps ? &g->ops[m->prog.steps[p->lower_bound_step].op] : NULL;

    put(&o, "/* %s: generated by tinyforge %s for target %s. Do not edit.\n *\n", n, TFG_VERSION, co->target);
    put(&o, " * command:   %s\n * model:     %s (fnv1a64 %016llx)\n", co->command, co->model_path,
        (unsigned long long)fnv1a(co->model_bytes, co->model_len));
    if (o.sp)
        put(&o, " * arena:     %zu B with a patch-based schedule (%dx%d tiles over layer %d's output, %.3fx MACs%s);\n"
                " *            %zu B layer by layer\n",
            o.sp->arena_bytes, o.sp->cost.ph, o.sp->cost.pw, o.sp->cost.split,
            (double)o.sp->cost.macs / (double)(macs ? macs : 1), o.sp->streamed ? ", input streamed" : "", p->peak);
    else
        put(&o, " * arena:     %zu B (lower bound %zu B), peak at layer %d (%s)\n", p->peak, p->lower_bound,
            p->lower_bound_step, peak_op ? tfg_op_name(peak_op->type) : "-");
    put(&o, " * constants: %lld B (weights, biases, multipliers) in flash\n", (long long)tfg_program_constant_bytes(&m->prog, o.packed));
    put(&o, " * work:      %lld MACs in %d layers\n */\n", (long long)macs, m->prog.n_steps);
    put(&o, "#include \"%s.h\"\n\n#include <string.h>\n\n#include \"tinyforge/kernels.h\"\n\n", n);
    put(&o,
        "/* The convolution weights below are laid out for a runtime built with\n"
        " * TFG_CONV_PACKED %d (tinyforge/kernels.h: %s). Built the other way, this\n"
        " * line stops the compile instead of computing garbage. */\n"
        "typedef char %s_conv_weight_layout_matches_runtime[TFG_CONV_PACKED == %d ? 1 : -1];\n\n",
        o.packed, o.packed ? "every 32-bit target" : "the default on 64-bit hosts; -DTFG_CONV_PACKED=0 elsewhere", n,
        o.packed);

    /* Arena offsets. */
    put(&o, "/* Arena offsets (bytes) of every layer's operands, output and scratch. */\nenum {\n");
    if (o.sp) {
        put(&o, "    /* the whole input image%s, and the stage output assembled tile by tile */\n",
            o.sp->streamed ? " stays in the caller's buffer (streamed)" : "");
        if (!o.sp->streamed) put(&o, "    %s_IN0 = %zu,\n", n, o.sp->full_in_off);
        put(&o, "    %s_STAGE_OUT = %zu,\n", n, o.sp->rest_off[m->prog.steps[o.sp->cost.split].out]);
        put(&o, "    %s_TILE_IN = %zu,\n", n, o.sp->stage_off[g->inputs[0]]);
        for (int i = 0; i < g->n_outputs; i++) put(&o, "    %s_OUT%d = %zu,\n", n, i, o.sp->rest_off[g->outputs[i]]);
    } else {
        for (int i = 0; i < g->n_inputs; i++) put(&o, "    %s_IN%d = %zu,\n", n, i, tfg_plan_offset(p, g->inputs[i]));
        for (int i = 0; i < g->n_outputs; i++) put(&o, "    %s_OUT%d = %zu,\n", n, i, tfg_plan_offset(p, g->outputs[i]));
    }
    for (int k = 0; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        if (o.sp && k == 0) put(&o, "    /* layers 0..%d: one tile's region buffers */\n", o.sp->cost.split);
        for (int j = 0; j < s->n_in; j++)
            if (!s->in_const[j]) put(&o, "    %s_L%d_IN%d = %zu,\n", n, k, j, op_in_off(&o, k, j));
        put(&o, "    %s_L%d_OUT = %zu,\n", n, k, op_out_off(&o, k));
        put(&o, "    %s_L%d_SCRATCH = %zu,\n", n, k, o.sp || s->scratch_bytes ? op_scratch_off(&o, k) : 0);
    }
    put(&o, "    %s_END_OF_OFFSETS\n};\n\n", n);

    /* Constants and parameters, one layer at a time. */
    for (int k = 0; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        put(&o, "/* ---- layer %d: %s */\n", k, tfg_op_name(g->ops[s->op].type));
        for (int j = 0; j < s->n_in; j++)
            if (s->in_const[j]) {
                char cname[96];
                snprintf(cname, sizeof cname, "%s_l%d_c%d", n, k, j);
                emit_i8(&o, cname, (const int8_t *)s->in_const[j], (size_t)tfg_tensor_bytes(&g->tensors[s->in[j]]));
            }
        emit_params(&o, k, s);
    }

    /* Layer names for the hook. */
    put(&o, "\nstatic const char *const %s_names[%d] = {\n", n, m->prog.n_steps ? m->prog.n_steps : 1);
    for (int k = 0; k < m->prog.n_steps; k++) {
        put(&o, "    \"");
        for (const char *c = g->tensors[m->prog.steps[k].out].name; *c; c++)
            put(&o, (*c == '"' || *c == '\\') ? "\\%c" : "%c", *c);
        put(&o, "\",\n");
    }
    if (!m->prog.n_steps) put(&o, "    \"\"\n");
    put(&o, "};\n\n");

    if (o.sp) emit_patch_stage(&o);

    /* The inference: one call per layer. */
    put(&o, "tfg_status_t %s_run_hooked(const int8_t *input, int8_t *output, uint8_t *arena, %s_hook_t hook, void *ctx)\n{\n",
        n, n);
    put(&o, "    if (!input || !output || !arena) return TFG_ERR_ARG;\n");
    size_t at = 0;
    int first = 0;
    if (o.sp) {
        const int split = o.sp->cost.split;
        const int so = m->prog.steps[split].out;
        if (o.sp->streamed) {
            put(&o, "    const int8_t *image = input; /* read tile by tile, never copied whole */\n");
        } else {
            put(&o, "    memcpy(arena + %s_IN0, input, %zu);\n", n, (size_t)tfg_tensor_bytes(&g->tensors[g->inputs[0]]));
            put(&o, "    const int8_t *image = (const int8_t *)(arena + %s_IN0);\n", n);
        }
        put(&o, "    /* Layers 0..%d, one tile at a time (%s_patch), assembled into layer %d's output. */\n", split, n,
            split);
        put(&o, "    for (int t = 0; t < %d; t++) %s_patch(arena, image, %s_tiles[t]);\n", o.sp->cost.ph * o.sp->cost.pw,
            n, n);
        put(&o, "    if (hook) hook(ctx, %d, %s_names[%d], (const int8_t *)(arena + %s_STAGE_OUT), %zu);\n", split, n,
            split, n, (size_t)tfg_tensor_bytes(&g->tensors[so]));
        first = split + 1;
    } else {
        for (int i = 0; i < g->n_inputs; i++) {
            const size_t bytes = (size_t)tfg_tensor_bytes(&g->tensors[g->inputs[i]]);
            put(&o, "    memcpy(arena + %s_IN%d, input + %zu, %zu);\n", n, i, at, bytes);
            at += bytes;
        }
    }
    for (int k = first; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        layer_comment(&o, k, s);
        emit_call(&o, k, s);
        put(&o, "    if (hook) hook(ctx, %d, %s_names[%d], (const int8_t *)(arena + %s_L%d_OUT), %zu);\n", k, n, k, n, k,
            (size_t)tfg_tensor_bytes(&g->tensors[s->out]));
    }
    at = 0;
    for (int i = 0; i < g->n_outputs; i++) {
        const size_t bytes = (size_t)tfg_tensor_bytes(&g->tensors[g->outputs[i]]);
        put(&o, "    memcpy(output + %zu, arena + %s_OUT%d, %zu);\n", at, n, i, bytes);
        at += bytes;
    }
    put(&o, "    (void)%s_names;\n    return TFG_OK;\n}\n\n", n);
    put(&o, "tfg_status_t %s_run(const int8_t *input, int8_t *output, uint8_t *arena)\n{\n"
            "    return %s_run_hooked(input, output, arena, 0, 0);\n}\n\n", n, n);
    put(&o, "/* uint32_t members give the arena the alignment the kernels' int32 scratch needs. */\n"
            "static union {\n    uint32_t align;\n    uint8_t bytes[%s_ARENA_SIZE ? %s_ARENA_SIZE : 1];\n} %s_arena;\n\n",
        n, n, n);
    put(&o, "tfg_status_t %s_run_static(const int8_t *input, int8_t *output)\n{\n"
            "    return %s_run_hooked(input, output, %s_arena.bytes, 0, 0);\n}\n", n, n, n);
    return close_out(&o, path, d);
}

static tfg_status_t write_mem_json(const tfg_model_t *m, const char *dir, const tfg_codegen_opts_t *co, tfg_diag_t *d)
{
    char path[4096];
    out_t o;
    tfg_status_t st = open_out(m, co, dir, ".mem.json", &o, path, sizeof path, d);
    if (st < 0) return st;
    const tfg_plan_t *p = &m->plan;
    const tfg_graph_t *g = &m->graph;
    put(&o, "{\n  \"name\": \"%s\",\n  \"target\": \"%s\",\n  \"arena_bytes\": %zu,\n  \"lower_bound_bytes\": %zu,\n", co->name,
        co->target, o.sp ? o.sp->arena_bytes : p->peak, p->lower_bound);
    if (o.sp)
        put(&o, "  \"schedule\": {\"split_layer\": %d, \"grid\": [%d, %d], \"streamed\": %s, \"macs\": %lld, "
                "\"layer_by_layer_arena_bytes\": %zu},\n  \"layers_and_buffers_are\": \"the layer-by-layer plan\",\n",
            o.sp->cost.split, o.sp->cost.ph, o.sp->cost.pw, o.sp->streamed ? "true" : "false",
            (long long)o.sp->cost.macs, p->peak);
    put(&o, "  \"peak_layer\": %d,\n  \"constant_bytes\": %lld,\n  \"layers\": [\n", p->lower_bound_step,
        (long long)tfg_program_constant_bytes(&m->prog, o.packed));
    for (int k = 0; k < m->prog.n_steps; k++)
        put(&o, "    {\"layer\": %d, \"op\": \"%s\", \"live_bytes\": %zu, \"out_offset\": %zu, \"scratch_bytes\": %zu}%s\n", k,
            tfg_op_name(g->ops[m->prog.steps[k].op].type), p->step_live[k], m->prog.steps[k].out_off,
            m->prog.steps[k].scratch_bytes, k + 1 < m->prog.n_steps ? "," : "");
    put(&o, "  ],\n  \"buffers\": [\n");
    for (int b = 0; b < p->n_bufs; b++) {
        const tfg_buf_t *bf = &p->bufs[b];
        put(&o, "    {\"kind\": \"%s\", \"name\": \"", bf->kind == TFG_BUF_SCRATCH ? "scratch" : "activation");
        for (const char *c = bf->tensor >= 0 ? g->tensors[bf->tensor].name : "scratch"; *c; c++)
            put(&o, (*c == '"' || *c == '\\') ? "\\%c" : ((unsigned char)*c < 0x20 ? "?" : "%c"), *c);
        put(&o, "\", \"offset\": %zu, \"bytes\": %zu, \"first_layer\": %d, \"last_layer\": %d}%s\n", bf->offset, bf->size,
            bf->first, bf->last, b + 1 < p->n_bufs ? "," : "");
    }
    put(&o, "  ]\n}\n");
    return close_out(&o, path, d);
}

/* tinyforge/config.h for this model: only the optional kernel variants it runs. */
static tfg_status_t write_config(const tfg_model_t *m, const tfg_sched_plan_t *sp, const char *path, tfg_diag_t *d)
{
    bool strip = false, narrow = false;
    for (int k = 0; k < m->prog.n_steps; k++) {
        const int kernel = m->prog.steps[k].kernel;
        strip |= kernel == TFG_K_DWCONV && step_variant(sp, m, k) == TFG_DW_STRIP;
        narrow |= kernel == TFG_K_CONV && step_variant(sp, m, k) == TFG_CONV_NARROW;
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

static tfg_status_t copy_runtime(const tfg_model_t *m, const tfg_sched_plan_t *sp, const char *dir, tfg_diag_t *d)
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
            bool used = !strcmp(e->path, "runtime/status.c") || (patched && !strcmp(e->path, "runtime/patch.c"));
            for (int k = 0; k < m->prog.n_steps && !used; k++) used = !strcmp(kernel_file(m->prog.steps[k].kernel), e->path);
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

tfg_status_t tfg_codegen(const tfg_model_t *m, const char *out_dir, const tfg_codegen_opts_t *o, tfg_diag_t *d)
{
    const char *n = o->name;
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
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: output %d is %s; generated code gives int8 output",
                                o->model_path, i, tfg_dtype_name(m->graph.tensors[m->graph.outputs[i]].dtype));
    if (mkdir_p(out_dir) < 0) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot create directory: %s", out_dir, strerror(errno));
    tfg_status_t st = copy_runtime(m, o->sched && o->sched->cost.split >= 0 ? o->sched : NULL, out_dir, d);
    if (st == TFG_OK) st = write_header(m, out_dir, o, d);
    if (st == TFG_OK) st = write_source(m, out_dir, o, d);
    if (st == TFG_OK) st = write_mem_json(m, out_dir, o, d);
    return st;
}
