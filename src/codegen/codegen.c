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
    const char *n; /* symbol prefix of functions and objects (the --name) */
    char N[64];    /* the same in upper case: macros and constants (names are at most 63 chars) */
    const tfg_model_t *m;
    int packed; /* conv weights in the packed layout (every MCU target; see kernels.h) */
    const tfg_sched_plan_t *sp; /* a patched schedule, or NULL (layer by layer) */
    int err;
    int64_t const_bytes; /* bytes of constant arrays emitted so far (without the parameter structs) */
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_t *o, const char *fmt, ...)
{
    if (!o->f) return; /* a counting pass (constant_bytes) */
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(o->f, fmt, ap) < 0) o->err = 1;
    va_end(ap);
}

static void emit_i8(out_t *o, const char *name, const int8_t *v, size_t n)
{
    o->const_bytes += (int64_t)n;
    put(o, "static const int8_t %s[%zu] = {", name, n);
    for (size_t i = 0; i < n; i++) put(o, "%s%d%s", i % 24 ? "" : "\n    ", v[i], i + 1 < n ? "," : "");
    put(o, "\n};\n");
}

/* int8 constants the kernels read as words: a union gives them 4-byte alignment in plain C99. */
static void emit_i8_words(out_t *o, const char *name, const int8_t *v, size_t n)
{
    o->const_bytes += (int64_t)n;
    put(o, "static const union {\n    uint32_t align;\n    int8_t v[%zu];\n} %s = {.v = {", n, name);
    for (size_t i = 0; i < n; i++) put(o, "%s%d%s", i % 24 ? "" : "\n    ", v[i], i + 1 < n ? "," : "");
    put(o, "\n}};\n");
}

/* The layer's one requantization table: an entry per output channel, each
 * prepared or general (tinyforge/fixedpoint.h); nothing else about
 * requantization is emitted for the channel. */
static void emit_rq(out_t *o, const char *name, const tfg_rq_t *rq, size_t n)
{
    o->const_bytes += (int64_t)(n * sizeof(tfg_rq_t));
    put(o, "static const tfg_rq_t %s[%zu] = {", name, n);
    for (size_t i = 0; i < n; i++)
        put(o, "%s{.mult = %ld, .add = %ld, .shift = %ld}%s", i % 2 ? " " : "\n    ", (long)rq[i].mult, (long)rq[i].add,
            (long)rq[i].shift, i + 1 < n ? "," : "");
    put(o, "\n};\n");
}

static void emit_i32(out_t *o, const char *name, const int32_t *v, size_t n)
{
    o->const_bytes += (int64_t)(4 * n);
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
        "static const tfg_eltwise_params_t %s = {\n"
        "    .dims = {%d, %d, %d, %d}, .a_stride = {%d, %d, %d, %d}, .b_stride = {%d, %d, %d, %d},\n"
        "    .a_offset = %d, .b_offset = %d, .left_shift = %d, .a_mult = %d, .a_shift = %d, .b_mult = %d, .b_shift = %d,\n"
        "    .out_mult = %d, .out_shift = %d, .out_zp = %d, .act_min = %d, .act_max = %d};\n",
        name, p->dims[0], p->dims[1], p->dims[2], p->dims[3], p->a_stride[0], p->a_stride[1], p->a_stride[2],
        p->a_stride[3], p->b_stride[0], p->b_stride[1], p->b_stride[2], p->b_stride[3], p->a_offset, p->b_offset,
        p->left_shift, p->a_mult, p->a_shift, p->b_mult, p->b_shift, p->out_mult, p->out_shift, p->out_zp,
        p->act_min, p->act_max);
}

/* A list of n ints, ", "-separated, into buf. */
static const char *ints(char *buf, size_t size, const int32_t *v, int n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < n && used < size; i++) used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? ", " : "", (int)v[i]);
    return buf;
}

/* Step k's kernel variant: the patched schedule's where it sets one, else the model's. */
static int32_t step_variant(const tfg_sched_plan_t *sp, const tfg_model_t *m, int k)
{
    return sp && sp->variant[k] >= 0 ? sp->variant[k] : tfg_step_variant(&m->prog.steps[k]);
}

/* Constants of one step: weight, bias and requantization arrays and the
 * parameter struct, always with designated initializers (a field added to a
 * runtime struct can never shift the others' values). */
static void emit_params(out_t *o, int k, const tfg_step_t *s)
{
    const char *n = o->n;
    char a[96], b[96], f[96], l1[160], l2[160];
    snprintf(f, sizeof f, "%s_l%d_rq", n, k);
    snprintf(a, sizeof a, "%s_l%d_w", n, k);
    snprintf(b, sizeof b, "%s_l%d_bias", n, k);
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
        emit_rq(o, f, p->rq, (size_t)p->out_c);
        put(o,
            "static const tfg_conv_params_t %s_l%d = {\n"
            "    .in_h = %d, .in_w = %d, .in_c = %d, .out_h = %d, .out_w = %d, .out_c = %d,\n"
            "    .k_h = %d, .k_w = %d, .stride_h = %d, .stride_w = %d, .dil_h = %d, .dil_w = %d,\n"
            "    .pad_top = %d, .pad_left = %d, .in_zp = %d, .out_zp = %d, .act_min = %d, .act_max = %d,\n"
            "    .weights = %s.v, .bias = %s, .rq = %s",
            n, k, p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h, p->k_w, p->stride_h, p->stride_w,
            p->dil_h, p->dil_w, p->pad_top, p->pad_left, p->in_zp, p->out_zp, p->act_min, p->act_max, a, b, f);
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
        emit_rq(o, f, p->rq, (size_t)oc);
        put(o,
            "static const tfg_dwconv_params_t %s_l%d = {\n"
            "    .variant = %s, .in_h = %d, .in_w = %d, .in_c = %d, .out_h = %d, .out_w = %d, .depth_mult = %d,\n"
            "    .k_h = %d, .k_w = %d, .stride_h = %d, .stride_w = %d, .dil_h = %d, .dil_w = %d,\n"
            "    .pad_top = %d, .pad_left = %d, .in_zp = %d, .out_zp = %d, .act_min = %d, .act_max = %d,\n"
            "    .weights = %s, .bias = %s, .rq = %s};\n",
            n, k, dw_names[step_variant(o->sp, o->m, k)], p->in_h, p->in_w, p->in_c, p->out_h,
            p->out_w, p->depth_mult, p->k_h, p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w, p->pad_top,
            p->pad_left, p->in_zp, p->out_zp, p->act_min, p->act_max, a, b, f);
        break;
    }
    case TFG_K_FC: {
        const tfg_fc_params_t *p = &s->p.fc;
        emit_i8(o, a, p->weights, (size_t)p->out_features * (size_t)p->in_features);
        emit_i32(o, b, p->bias, (size_t)p->out_features);
        emit_rq(o, f, p->rq, (size_t)p->out_features);
        put(o,
            "static const tfg_fc_params_t %s_l%d = {\n"
            "    .batches = %d, .in_features = %d, .out_features = %d, .out_zp = %d, .act_min = %d, .act_max = %d,\n"
            "    .weights = %s, .bias = %s, .rq = %s};\n",
            n, k, p->batches, p->in_features, p->out_features, p->out_zp, p->act_min, p->act_max, a, b, f);
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
        put(o,
            "static const tfg_pool_params_t %s_l%d = {\n"
            "    .in_h = %d, .in_w = %d, .c = %d, .out_h = %d, .out_w = %d, .k_h = %d, .k_w = %d,\n"
            "    .stride_h = %d, .stride_w = %d, .pad_top = %d, .pad_left = %d, .act_min = %d, .act_max = %d};\n",
            n, k, p->in_h, p->in_w, p->c, p->out_h, p->out_w, p->k_h, p->k_w, p->stride_h, p->stride_w, p->pad_top,
            p->pad_left, p->act_min, p->act_max);
        break;
    }
    case TFG_K_MEAN: {
        static const char *const modes[] = {"TFG_MEAN_REQUANT_THEN_DIVIDE", "TFG_MEAN_DIVIDE_SAME_QUANT",
                                            "TFG_MEAN_SUM_THEN_REQUANT"};
        const tfg_mean_params_t *p = &s->p.mean;
        put(o,
            "static const tfg_mean_params_t %s_l%d = {\n"
            "    .outer = %d, .reduce = %d, .inner = %d, .mode = %s, .in_zp = %d, .out_zp = %d, .mult = %d, .shift = %d,\n"
            "    .mid = %d, .reduce2 = %d};\n",
            n, k, p->outer, p->reduce, p->inner, p->mode >= 0 && p->mode <= 2 ? modes[p->mode] : "-1", p->in_zp,
            p->out_zp, p->mult, p->shift, p->mid, p->reduce2);
        break;
    }
    case TFG_K_SOFTMAX: {
        const tfg_softmax_params_t *p = &s->p.softmax;
        put(o,
            "static const tfg_softmax_params_t %s_l%d = {\n"
            "    .outer = %d, .depth = %d, .in_mult = %d, .in_left_shift = %d, .diff_min = %d};\n",
            n, k, p->outer, p->depth, p->in_mult, p->in_left_shift, p->diff_min);
        break;
    }
    case TFG_K_LOGISTIC: {
        const tfg_logistic_params_t *p = &s->p.logistic;
        put(o,
            "static const tfg_logistic_params_t %s_l%d = {\n"
            "    .size = %d, .in_zp = %d, .in_range_radius = %d, .in_mult = %d, .in_left_shift = %d};\n",
            n, k, p->size, p->in_zp, p->in_range_radius, p->in_mult, p->in_left_shift);
        break;
    }
    case TFG_K_QUANTIZE:
    case TFG_K_DEQUANTIZE: {
        char sc[32];
        flt(sc, sizeof sc, s->p.affine.scale);
        put(o, "static const tfg_affine_params_t %s_l%d = {.size = %d, .scale = %s, .zp = %d};\n", n, k,
            s->p.affine.size, sc, s->p.affine.zp);
        break;
    }
    case TFG_K_REQUANT: {
        const tfg_requant_params_t *p = &s->p.requant;
        put(o,
            "static const tfg_requant_params_t %s_l%d = {\n"
            "    .size = %d, .in_zp = %d, .out_zp = %d, .mult = %d, .shift = %d, .in_flip = %d, .out_flip = %d};\n",
            n, k, p->size, p->in_zp, p->out_zp, p->mult, p->shift, p->in_flip, p->out_flip);
        break;
    }
    case TFG_K_GATHER: {
        const tfg_gather_params_t *p = &s->p.gather;
        put(o, "static const tfg_gather_params_t %s_l%d = {\n    .rank = %d, .dims = {%s}, .in_stride = {%s}};\n", n, k,
            p->rank, ints(l1, sizeof l1, p->dims, TFG_MAX_DIMS), ints(l2, sizeof l2, p->in_stride, TFG_MAX_DIMS));
        break;
    }
    case TFG_K_PAD: {
        const tfg_pad_params_t *p = &s->p.pad;
        char l3[160];
        put(o,
            "static const tfg_pad_params_t %s_l%d = {\n"
            "    .in_dims = {%s}, .before = {%s}, .after = {%s}, .value = %d};\n",
            n, k, ints(l1, sizeof l1, p->in_dims, 4), ints(l2, sizeof l2, p->before, 4), ints(l3, sizeof l3, p->after, 4),
            p->value);
        break;
    }
    case TFG_K_CONCAT: {
        const tfg_concat_params_t *p = &s->p.concat;
        snprintf(a, sizeof a, "%s_l%d_inner", n, k);
        emit_i32(o, a, p->inner, (size_t)p->n_inputs);
        put(o, "static const tfg_concat_params_t %s_l%d = {.outer = %d, .n_inputs = %d, .inner = %s};\n", n, k,
            p->outer, p->n_inputs, a);
        break;
    }
    case TFG_K_RESIZE: {
        const tfg_resize_nearest_params_t *p = &s->p.resize;
        snprintf(a, sizeof a, "%s_l%d_src_y", n, k);
        snprintf(b, sizeof b, "%s_l%d_src_x", n, k);
        emit_i32(o, a, p->src_y, (size_t)p->out_h);
        emit_i32(o, b, p->src_x, (size_t)p->out_w);
        put(o,
            "static const tfg_resize_nearest_params_t %s_l%d = {\n"
            "    .in_h = %d, .in_w = %d, .c = %d, .out_h = %d, .out_w = %d, .src_y = %s, .src_x = %s};\n",
            n, k, p->in_h, p->in_w, p->c, p->out_h, p->out_w, a, b);
        break;
    }
    }
}

/* Operand k of step s as a C expression. */
static void operand(out_t *o, int step, const tfg_step_t *s, int k, char *buf, size_t n)
{
    if (s->in_const[k]) snprintf(buf, n, "(const int8_t *)%s_l%d_c%d", o->n, step, k);
    else snprintf(buf, n, "(const int8_t *)(arena + %s_L%d_IN%d)", o->N, step, k);
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
    char in0[192], in1[192];
    char out[160], scratch[160];
    operand(o, k, s, 0, in0, sizeof in0);
    if (s->n_in > 1) operand(o, k, s, 1, in1, sizeof in1);
    snprintf(out, sizeof out, "(int8_t *)(arena + %s_L%d_OUT)", o->N, k);
    snprintf(scratch, sizeof scratch, "arena + %s_L%d_SCRATCH", o->N, k);
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
        put(o, "    tfg_quantize_f32_s8(&%s_l%d, (const float *)(const void *)(arena + %s_L%d_IN0), %s);\n", n, k, o->N, k,
            out);
        break;
    case TFG_K_DEQUANTIZE:
        put(o, "    tfg_dequantize_s8_f32(&%s_l%d, %s, (float *)(void *)(arena + %s_L%d_OUT));\n", n, k, in0, o->N, k);
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

/* Step k's op index in the model (`tinyforge info`'s op column). Generated
 * code numbers layers by step (L<k>, the hook's `layer`, plan's step) and
 * says each one's op index next to it, as `L3 (op 5)`. */
static int op_index(const out_t *o, int k) { return o->m->graph.ops[o->m->prog.steps[k].op].model_index; }

static void layer_comment(out_t *o, int k, const tfg_step_t *s)
{
    const tfg_graph_t *g = &o->m->graph;
    const tfg_op_t *op = &g->ops[s->op];
    char ins[48] = "-", outs[48];
    if (s->n_in > 0) tfg_shape_str(&g->tensors[s->in[0]], ins, sizeof ins);
    tfg_shape_str(&g->tensors[s->out], outs, sizeof outs);
    const bool res = s->kernel == TFG_K_CONV && s->p.conv.res;
    put(o, "    /* L%d (op %d) %s%s%s %s -> %s, %lld MACs, live %zu B */\n", k, op->model_index, tfg_op_name(op->type),
        op->in_place ? " (in place)" : "", res ? " + residual ADD (fused, in place over input 1)" : "", ins, outs,
        (long long)s->macs, o->m->plan.step_live[k]);
}

/* Start DIR/NAME<suffix> (written as .tmp, renamed by close_out). */
static tfg_status_t open_out(const tfg_model_t *m, const tfg_codegen_opts_t *co, const char *dir, const char *suffix,
                             out_t *o, char *path, size_t n, tfg_diag_t *d)
{
    memset(o, 0, sizeof *o);
    o->n = co->name;
    size_t i = 0;
    for (; co->name[i] && i + 1 < sizeof o->N; i++)
        o->N[i] = (char)(co->name[i] >= 'a' && co->name[i] <= 'z' ? co->name[i] - 'a' + 'A' : co->name[i]);
    o->N[i] = 0;
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

/* Bytes of every constant array the source holds (weights, biases,
 * requantization tables, constant operands, index tables): emit_params run
 * with no file, counting. The parameter structs (a few dozen bytes a layer,
 * pointer size dependent) are not included. */
static int64_t constant_bytes(const out_t *like)
{
    out_t c = *like;
    c.f = NULL;
    c.const_bytes = 0;
    const tfg_graph_t *g = &c.m->graph;
    for (int k = 0; k < c.m->prog.n_steps; k++) {
        const tfg_step_t *s = &c.m->prog.steps[k];
        for (int j = 0; j < s->n_in; j++)
            if (s->in_const[j]) c.const_bytes += tfg_tensor_bytes(&g->tensors[s->in[j]]);
        emit_params(&c, k, s);
    }
    return c.const_bytes;
}

int64_t tfg_codegen_constant_bytes(const tfg_model_t *m, bool packed)
{
    const out_t o = {.n = "m", .N = "M", .m = m, .packed = packed};
    return constant_bytes(&o);
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
    put(o, "/* ---- patch stage: a %dx%d grid over L%d (op %d)'s %dx%d output. Per tile, the region\n"
           " * (rows r0..r1, columns c0..c1, exclusive ends) of the input and of every layer's\n"
           " * output up to L%d: each tile's receptive field, halos included. */\n",
        ph, pw, split, op_index(o, split), y->dims[1], y->dims[2], split);
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
        (int)(x->dims[3] * (int32_t)tfg_dtype_size(x->dtype)), o->N);
    for (int k = 0; k <= split; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        const int ri = region_index(o, s->in[0]), ro = k + 1;
        const int32_t c = g->tensors[s->out].dims[3];
        layer_comment(o, k, s);
        char in0[192], in1[192], out[160], scratch[160];
        operand(o, k, s, 0, in0, sizeof in0);
        if (s->n_in > 1) operand(o, k, s, 1, in1, sizeof in1);
        snprintf(out, sizeof out, "(int8_t *)(arena + %s_L%d_OUT)", o->N, k);
        snprintf(scratch, sizeof scratch, "arena + %s_L%d_SCRATCH", o->N, k);
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
        o->N, split, (int)y->dims[2], (int)y->dims[3], nr - 1, o->N);
    put(o, "}\n\n");
}

/* The model file's base name: generated files never hold a build-machine path. */
static const char *base_name(const char *path)
{
    const char *b = path ? strrchr(path, '/') : NULL;
    return b ? b + 1 : (path ? path : "-");
}

/* Where input i and output i live in the arena (zero copy); input 0 of a
 * streamed patched schedule lives in the caller's buffer instead. */
static bool input_streamed(const out_t *o, int i) { return o->sp && o->sp->streamed && i == 0; }

static size_t input_offset(const out_t *o, int i)
{
    const tfg_graph_t *g = &o->m->graph;
    return o->sp ? o->sp->full_in_off : tfg_plan_offset(&o->m->plan, g->inputs[i]);
}

static size_t output_offset(const out_t *o, int i)
{
    const tfg_graph_t *g = &o->m->graph;
    return o->sp ? o->sp->rest_off[g->outputs[i]] : tfg_plan_offset(&o->m->plan, g->outputs[i]);
}

/* The first lines of NAME.h and NAME.c: what made them, from what (base
 * name and content hash of the model, never a path), so the same model and
 * options give the same bytes on any machine. */
static void front_matter(out_t *o, const tfg_codegen_opts_t *co)
{
    put(o, "/* %s: generated by tinyforge %s for target %s from %s (fnv1a64 %016llx).\n", co->name, TFG_VERSION,
        co->target, base_name(co->model_path), (unsigned long long)fnv1a(co->model_bytes, co->model_len));
    put(o, " * Do not edit; regenerate with: %s\n", co->command);
}

static tfg_status_t write_header(const tfg_model_t *m, const char *dir, const tfg_codegen_opts_t *co, tfg_diag_t *d)
{
    char path[4096];
    out_t o;
    tfg_status_t st = open_out(m, co, dir, ".h", &o, path, sizeof path, d);
    if (st < 0) return st;
    const tfg_graph_t *g = &m->graph;
    const char *n = co->name, *N = o.N;
    front_matter(&o, co);
    const bool streamed = o.sp && o.sp->streamed;
    put(&o, " *\n * Integration (docs/codegen.md). The caller owns one arena of %s_ARENA_SIZE bytes,\n"
            " * aligned to %s_ARENA_ALIGN; it need not survive between inferences. Either\n", N, N);
    if (streamed)
        put(&o, " *  - zero copy: keep the input image in your own buffer (it is read in place, tile\n"
                " *    by tile), call %s_invoke_streamed(image, arena), and read each output at\n"
                " *    %s_output_ptr(arena, i); or\n", n, n);
    else
        put(&o, " *  - zero copy: write each input where %s_input_ptr(arena, i) points (a camera's\n"
                " *    DMA can target it), call %s_invoke(arena), and read each output at\n"
                " *    %s_output_ptr(arena, i); or\n", n, n, n);
    put(&o, " *  - %s_run(input, output, arena), which copies the input in and the output out.\n"
            " * Opt-in pieces (define the macro to 1 where %s.c is compiled and where this header\n"
            " * is included): %s_WITH_STATIC_ARENA, an arena in .bss and %s_run_static();\n"
            " * %s_WITH_LAYER_NAMES, a table of layer names and %s_layer_name().\n"
            " * Layers are numbered by step (L0, L1, ..., the hook's `layer`, `tinyforge plan`'s\n"
            " * step); each also has its op index in the model (`tinyforge info`'s op column). */\n",
        n, n, N, n, N, n);
    put(&o, "#ifndef %s_H\n#define %s_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n#include \"tinyforge/status.h\"\n\n",
        N, N);
    put(&o, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    put(&o, "#ifndef %s_WITH_STATIC_ARENA\n#define %s_WITH_STATIC_ARENA 0\n#endif\n", N, N);
    put(&o, "#ifndef %s_WITH_LAYER_NAMES\n#define %s_WITH_LAYER_NAMES 0\n#endif\n\n", N, N);
    put(&o, "/* Working memory: activations, I/O buffers and kernel scratch. */\n"
            "#define %s_ARENA_SIZE %zuu\n"
            "/* The arena's start must be a multiple of this (int32 scratch and word loads). */\n"
            "#define %s_ARENA_ALIGN 4u\n",
        N, o.sp ? o.sp->arena_bytes : m->plan.peak, N);
    put(&o, "/* Constant arrays in flash: weights, biases, requantization, index tables\n"
            " * (the parameter structs, a few dozen bytes a layer, come on top). */\n"
            "#define %s_CONSTANT_BYTES %lldu\n",
        N, (long long)constant_bytes(&o));
    put(&o, "/* Stack: not known when compiling (it depends on the compiler and its flags);\n"
            " * `tinyforge bench` measures it on a target (stack_high_water). */\n\n");
    put(&o, "#define %s_LAYERS %d\n#define %s_INPUTS %d\n#define %s_OUTPUTS %d\n\n", N, m->prog.n_steps, N,
        g->n_inputs, N, g->n_outputs);
    if (o.sp)
        put(&o,
            "/* Patch-based schedule: L0..L%d run once per tile of a %dx%d grid over L%d (op %d)'s\n"
            " * output, the rest layer by layer.%s */\n\n",
            o.sp->cost.split, o.sp->cost.ph, o.sp->cost.pw, o.sp->cost.split, op_index(&o, o.sp->cost.split),
            o.sp->streamed ? " The input image is read tile by tile, in place, from the\n"
                             " * caller's buffer (streamed) and is not part of the arena."
                           : " The whole input image is in the arena.");
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
            put(&o, "/* %s %d: %s %s '", io ? "output" : "input", i, tfg_dtype_name(t->dtype), shape);
            for (const char *c = t->name; *c; c++) put(&o, (c[0] == '*' && c[1] == '/') ? "?" : "%c", *c);
            put(&o, "' */\n");
            put(&o, "#define %s_%s%d_SIZE %zuu\n", N, what, i, bytes);
            if (t->rank == 4 && t->dims[0] == 1)
                put(&o, "#define %s_%s%d_HEIGHT %d\n#define %s_%s%d_WIDTH %d\n#define %s_%s%d_CHANNELS %d\n", N, what,
                    i, (int)t->dims[1], N, what, i, (int)t->dims[2], N, what, i, (int)t->dims[3]);
            else {
                put(&o, "#define %s_%s%d_RANK %d\n", N, what, i, t->rank);
                for (int dd = 0; dd < t->rank; dd++) put(&o, "#define %s_%s%d_DIM%d %d\n", N, what, i, dd, (int)t->dims[dd]);
            }
            put(&o, "#define %s_%s%d_SCALE %s\n#define %s_%s%d_ZERO_POINT %d\n", N, what, i, sc, N, what, i,
                t->n_q ? (int)t->zero_point[0] : 0);
            if (!io && input_streamed(&o, i))
                put(&o, "#define %s_INPUT%d_STREAMED 1 /* read in place from the caller's buffer, not in the arena */\n",
                    N, i);
            else
                put(&o, "#define %s_%s%d_OFFSET %zuu /* in the arena */\n", N, what, i,
                    io ? output_offset(&o, i) : input_offset(&o, i));
            if (io) tout += bytes;
            else tin += bytes;
        }
    }
    put(&o, "\n/* All inputs (outputs) concatenated in subgraph order, as %s_run() takes them. */\n"
            "#define %s_INPUT_SIZE %zuu\n#define %s_OUTPUT_SIZE %zuu\n\n",
        n, N, tin, N, tout);
    /* Zero-copy pointers: static inline, so nothing links unless called. */
    for (int io = 0; io < 2; io++) {
        const int cnt = io ? g->n_outputs : g->n_inputs;
        const char *what = io ? "OUTPUT" : "INPUT";
        put(&o, "/* Where %s i lives in the arena (NULL for a bad i%s). */\n"
                "static inline int8_t *%s_%s_ptr(uint8_t *arena, int i)\n{\n",
            io ? "output" : "input", !io && o.sp && o.sp->streamed ? ", or the streamed input 0" : "", n,
            io ? "output" : "input");
        put(&o, "    (void)i;\n    if (!arena) return (int8_t *)0;\n");
        for (int i = 0; i < cnt; i++)
            if (!(!io && input_streamed(&o, i)))
                put(&o, "    if (i == %d) return (int8_t *)(arena + %s_%s%d_OFFSET);\n", i, N, what, i);
        put(&o, "    return (int8_t *)0;\n}\n\n");
    }
    put(&o,
        "/* Called after every layer (for profiling and tensor dumps): its step number\n"
        " * `layer` (L<layer> in %s.c), its op index in the model, and its output, which is\n"
        " * valid only during the call. */\n"
        "typedef void (*%s_hook_t)(void *ctx, int layer, int op, const int8_t *data, size_t bytes);\n\n",
        n, n);
    if (streamed)
        put(&o,
            "/* Zero copy: one inference reading the input image in place from `input`\n"
            " * (%s_INPUT0_SIZE bytes, read tile by tile), outputs left in the arena at\n"
            " * %s_output_ptr(). Returns TFG_OK, or TFG_ERR_ARG for a NULL pointer. */\n"
            "tfg_status_t %s_invoke_streamed(const int8_t *input, uint8_t *arena);\n"
            "tfg_status_t %s_invoke_streamed_hooked(const int8_t *input, uint8_t *arena, %s_hook_t hook, void *ctx);\n\n",
            N, n, n, n, n);
    else
        put(&o,
            "/* Zero copy: one inference on the inputs already at %s_input_ptr(arena, i); the\n"
            " * outputs are then at %s_output_ptr(arena, i). The inputs are consumed (the\n"
            " * arena is reused): write them again before the next call. Returns TFG_OK, or\n"
            " * TFG_ERR_ARG for a NULL arena. */\n"
            "tfg_status_t %s_invoke(uint8_t *arena);\n"
            "tfg_status_t %s_invoke_hooked(uint8_t *arena, %s_hook_t hook, void *ctx);\n\n",
            n, n, n, n, n);
    put(&o,
        "/* Copying convenience: input, %s_INPUT_SIZE bytes (not inside the arena); output,\n"
        " * %s_OUTPUT_SIZE bytes. Returns TFG_OK, or TFG_ERR_ARG for a NULL pointer. */\n"
        "tfg_status_t %s_run(const int8_t *input, int8_t *output, uint8_t *arena);\n"
        "tfg_status_t %s_run_hooked(const int8_t *input, int8_t *output, uint8_t *arena, %s_hook_t hook, void *ctx);\n\n",
        N, N, n, n, n);
    put(&o,
        "#if %s_WITH_STATIC_ARENA\n"
        "/* An arena of %s_ARENA_SIZE bytes in .bss, and the copying call on it. */\n"
        "uint8_t *%s_static_arena(void);\n"
        "tfg_status_t %s_run_static(const int8_t *input, int8_t *output);\n#endif\n\n",
        N, N, n, n);
    put(&o, "#if %s_WITH_LAYER_NAMES\n/* Layer `layer`'s name (its output tensor's), or NULL. */\n"
            "const char *%s_layer_name(int layer);\n#endif\n\n",
        N, n);
    put(&o, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
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
    const char *n = co->name, *N = o.N;
    int64_t macs = 0;
    for (int k = 0; k < m->prog.n_steps; k++) macs += m->prog.steps[k].macs;
    const tfg_op_t *peak_op = m->prog.n_steps ? &g->ops[m->prog.steps[p->lower_bound_step].op] : NULL;
    const bool streamed = o.sp && o.sp->streamed;

    front_matter(&o, co);
    put(&o, " *\n");
    if (o.sp)
        put(&o, " * arena:     %zu B with a patch-based schedule (%dx%d tiles over L%d (op %d)'s output, %.3fx MACs%s);\n"
                " *            %zu B layer by layer\n",
            o.sp->arena_bytes, o.sp->cost.ph, o.sp->cost.pw, o.sp->cost.split, op_index(&o, o.sp->cost.split),
            (double)o.sp->cost.macs / (double)(macs ? macs : 1), streamed ? ", input streamed" : "", p->peak);
    else
        put(&o, " * arena:     %zu B (lower bound %zu B), peak at L%d (op %d %s)\n", p->peak, p->lower_bound,
            p->lower_bound_step, peak_op ? peak_op->model_index : -1, peak_op ? tfg_op_name(peak_op->type) : "-");
    put(&o, " * constants: %lld B (weights, biases, requantization) in flash\n", (long long)constant_bytes(&o));
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
    put(&o, "/* Arena offsets (bytes) of every layer's operands, output and scratch; the model's\n"
            " * inputs and outputs are at %s_INPUTi_OFFSET / %s_OUTPUTi_OFFSET (%s.h). */\nenum {\n",
        N, N, n);
    if (o.sp) {
        put(&o, "    /* the stage output, assembled tile by tile, and one tile's input region */\n");
        put(&o, "    %s_STAGE_OUT = %zu,\n", N, o.sp->rest_off[m->prog.steps[o.sp->cost.split].out]);
        put(&o, "    %s_TILE_IN = %zu,\n", N, o.sp->stage_off[g->inputs[0]]);
    }
    for (int k = 0; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        if (o.sp && k == 0) put(&o, "    /* L0..L%d: one tile's region buffers */\n", o.sp->cost.split);
        for (int j = 0; j < s->n_in; j++)
            if (!s->in_const[j]) put(&o, "    %s_L%d_IN%d = %zu,\n", N, k, j, op_in_off(&o, k, j));
        put(&o, "    %s_L%d_OUT = %zu,\n", N, k, op_out_off(&o, k));
        put(&o, "    %s_L%d_SCRATCH = %zu,\n", N, k, o.sp || s->scratch_bytes ? op_scratch_off(&o, k) : 0);
    }
    put(&o, "    %s_END_OF_OFFSETS\n};\n\n", N);

    /* Constants and parameters, one layer at a time. */
    for (int k = 0; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        put(&o, "/* ---- L%d (op %d): %s */\n", k, op_index(&o, k), tfg_op_name(g->ops[s->op].type));
        for (int j = 0; j < s->n_in; j++)
            if (s->in_const[j]) {
                char cname[96];
                snprintf(cname, sizeof cname, "%s_l%d_c%d", n, k, j);
                emit_i8(&o, cname, (const int8_t *)s->in_const[j], (size_t)tfg_tensor_bytes(&g->tensors[s->in[j]]));
            }
        emit_params(&o, k, s);
    }

    /* Layer names: opt-in, so a firmware that never asks does not carry them. */
    put(&o, "\n#if %s_WITH_LAYER_NAMES\nstatic const char *const %s_names[%d] = {\n", N, n,
        m->prog.n_steps ? m->prog.n_steps : 1);
    for (int k = 0; k < m->prog.n_steps; k++) {
        put(&o, "    \"");
        for (const char *c = g->tensors[m->prog.steps[k].out].name; *c; c++)
            put(&o, (*c == '"' || *c == '\\') ? "\\%c" : ((unsigned char)*c < 0x20 || *c == '?') ? "\\%03o" : "%c",
                *c);
        put(&o, "\", /* L%d (op %d) */\n", k, op_index(&o, k));
    }
    if (!m->prog.n_steps) put(&o, "    \"\"\n");
    put(&o, "};\n\nconst char *%s_layer_name(int layer)\n{\n    return layer >= 0 && layer < %d ? %s_names[layer] : 0;\n}\n"
            "#endif\n\n",
        n, m->prog.n_steps, n);

    if (o.sp) emit_patch_stage(&o);

    /* The inference: one call per layer, everything in the arena (and the
     * caller's image when streamed). */
    put(&o, "static void %s_exec(uint8_t *arena%s, %s_hook_t hook, void *ctx)\n{\n", n,
        streamed ? ", const int8_t *image" : "", n);
    int first = 0;
    if (o.sp) {
        const int split = o.sp->cost.split;
        const int so = m->prog.steps[split].out;
        if (!streamed) put(&o, "    const int8_t *image = (const int8_t *)(arena + %s_INPUT0_OFFSET);\n", N);
        put(&o, "    /* L0..L%d, one tile at a time (%s_patch), assembled into L%d's output. */\n", split, n, split);
        put(&o, "    for (int t = 0; t < %d; t++) %s_patch(arena, image, %s_tiles[t]);\n", o.sp->cost.ph * o.sp->cost.pw,
            n, n);
        put(&o, "    if (hook) hook(ctx, %d, %d, (const int8_t *)(arena + %s_STAGE_OUT), %zu);\n", split,
            op_index(&o, split), N, (size_t)tfg_tensor_bytes(&g->tensors[so]));
        first = split + 1;
    }
    for (int k = first; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        layer_comment(&o, k, s);
        emit_call(&o, k, s);
        put(&o, "    if (hook) hook(ctx, %d, %d, (const int8_t *)(arena + %s_L%d_OUT), %zu);\n", k, op_index(&o, k), N, k,
            (size_t)tfg_tensor_bytes(&g->tensors[s->out]));
    }
    put(&o, "    (void)hook;\n    (void)ctx;\n}\n\n");

    /* Zero-copy entry points. */
    if (streamed) {
        put(&o, "tfg_status_t %s_invoke_streamed_hooked(const int8_t *input, uint8_t *arena, %s_hook_t hook, void *ctx)\n{\n"
                "    if (!input || !arena) return TFG_ERR_ARG;\n    %s_exec(arena, input, hook, ctx);\n    return TFG_OK;\n}\n\n",
            n, n, n);
        put(&o, "tfg_status_t %s_invoke_streamed(const int8_t *input, uint8_t *arena)\n{\n"
                "    return %s_invoke_streamed_hooked(input, arena, 0, 0);\n}\n\n", n, n);
    } else {
        put(&o, "tfg_status_t %s_invoke_hooked(uint8_t *arena, %s_hook_t hook, void *ctx)\n{\n"
                "    if (!arena) return TFG_ERR_ARG;\n    %s_exec(arena, hook, ctx);\n    return TFG_OK;\n}\n\n",
            n, n, n);
        put(&o, "tfg_status_t %s_invoke(uint8_t *arena)\n{\n    return %s_invoke_hooked(arena, 0, 0);\n}\n\n", n, n);
    }

    /* The copying convenience. */
    put(&o, "tfg_status_t %s_run_hooked(const int8_t *input, int8_t *output, uint8_t *arena, %s_hook_t hook, void *ctx)\n{\n",
        n, n);
    put(&o, "    if (!input || !output || !arena) return TFG_ERR_ARG;\n");
    size_t at = 0;
    for (int i = 0; i < g->n_inputs; i++) {
        const size_t bytes = (size_t)tfg_tensor_bytes(&g->tensors[g->inputs[i]]);
        if (!input_streamed(&o, i))
            put(&o, "    memcpy(arena + %s_INPUT%d_OFFSET, input + %zu, %s_INPUT%d_SIZE);\n", N, i, at, N, i);
        at += bytes;
    }
    put(&o, "    %s_exec(arena%s, hook, ctx);\n", n, streamed ? ", input" : "");
    at = 0;
    for (int i = 0; i < g->n_outputs; i++) {
        const size_t bytes = (size_t)tfg_tensor_bytes(&g->tensors[g->outputs[i]]);
        put(&o, "    memcpy(output + %zu, arena + %s_OUTPUT%d_OFFSET, %s_OUTPUT%d_SIZE);\n", at, N, i, N, i);
        at += bytes;
    }
    put(&o, "    return TFG_OK;\n}\n\n");
    put(&o, "tfg_status_t %s_run(const int8_t *input, int8_t *output, uint8_t *arena)\n{\n"
            "    return %s_run_hooked(input, output, arena, 0, 0);\n}\n\n", n, n);
    put(&o, "#if %s_WITH_STATIC_ARENA\n"
            "/* uint32_t members give the arena the alignment the kernels' int32 scratch needs. */\n"
            "static union {\n    uint32_t align;\n    uint8_t bytes[%s_ARENA_SIZE ? %s_ARENA_SIZE : 1];\n} %s_arena;\n\n"
            "uint8_t *%s_static_arena(void) { return %s_arena.bytes; }\n\n"
            "tfg_status_t %s_run_static(const int8_t *input, int8_t *output)\n{\n"
            "    return %s_run_hooked(input, output, %s_arena.bytes, 0, 0);\n}\n#endif\n",
        N, N, N, n, n, n, n, n, n);
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
        put(&o, "  \"schedule\": {\"split_layer\": %d, \"split_op_index\": %d, \"grid\": [%d, %d], \"streamed\": %s, \"macs\": %lld, "
                "\"layer_by_layer_arena_bytes\": %zu},\n  \"layers_and_buffers_are\": \"the layer-by-layer plan\",\n",
            o.sp->cost.split, op_index(&o, o.sp->cost.split), o.sp->cost.ph, o.sp->cost.pw, o.sp->streamed ? "true" : "false",
            (long long)o.sp->cost.macs, p->peak);
    put(&o, "  \"peak_layer\": %d,\n  \"constant_bytes\": %lld,\n", p->lower_bound_step, (long long)constant_bytes(&o));
    /* Zero copy: where each model input and output lives in the arena. */
    for (int io = 0; io < 2; io++) {
        const int cnt = io ? g->n_outputs : g->n_inputs;
        put(&o, "  \"%s\": [", io ? "outputs" : "inputs");
        for (int i = 0; i < cnt; i++) {
            const size_t bytes = (size_t)tfg_tensor_bytes(&g->tensors[io ? g->outputs[i] : g->inputs[i]]);
            if (!io && input_streamed(&o, i)) put(&o, "%s{\"bytes\": %zu, \"streamed\": true}", i ? ", " : "", bytes);
            else
                put(&o, "%s{\"bytes\": %zu, \"offset\": %zu}", i ? ", " : "", bytes,
                    io ? output_offset(&o, i) : input_offset(&o, i));
        }
        put(&o, "],\n");
    }
    put(&o, "  \"layers\": [\n");
    for (int k = 0; k < m->prog.n_steps; k++)
        put(&o, "    {\"layer\": %d, \"op_index\": %d, \"op\": \"%s\", \"live_bytes\": %zu, \"out_offset\": %zu, \"scratch_bytes\": %zu}%s\n", k,
            op_index(&o, k), tfg_op_name(g->ops[m->prog.steps[k].op].type), p->step_live[k], m->prog.steps[k].out_off,
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
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: output %d is %s; generated code gives int8 output",
                                o->model_path, i, tfg_dtype_name(m->graph.tensors[m->graph.outputs[i]].dtype));
    if (mkdir_p(out_dir) < 0) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot create directory: %s", out_dir, strerror(errno));
    tfg_status_t st = copy_runtime(m, o->sched && o->sched->cost.split >= 0 ? o->sched : NULL, out_dir, d);
    if (st == TFG_OK) st = write_header(m, out_dir, o, d);
    if (st == TFG_OK) st = write_source(m, out_dir, o, d);
    if (st == TFG_OK) st = write_mem_json(m, out_dir, o, d);
    return st;
}
