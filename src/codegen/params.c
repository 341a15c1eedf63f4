/* Each layer's constants: weight, bias and requantization arrays and the
 * parameter struct, always with designated initializers; and the byte count
 * of those arrays (the header's CONSTANT_BYTES, the cost API's flash). */
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen_internal.h"

/* int8 constants the kernels read as words: a union gives them 4-byte alignment in plain C99. */
static void emit_i8_words(out_t *o, const char *name, const int8_t *v, size_t n)
{
    o->const_bytes += (int64_t)n;
    tfg_cg_put(o, "static const union {\n    uint32_t align;\n    int8_t v[%zu];\n} %s = {.v = {", n, name);
    for (size_t i = 0; i < n; i++)
        tfg_cg_put(o, "%s%d%s", i % 24 ? "" : "\n    ", v[i], i + 1 < n ? "," : "");
    tfg_cg_put(o, "\n}};\n");
}

/* The layer's one requantization table: an entry per output channel, each
 * prepared or general (tinyforge/fixedpoint.h); nothing else about
 * requantization is emitted for the channel. */
static void emit_rq(out_t *o, const char *name, const tfg_rq_t *rq, size_t n)
{
    o->const_bytes += (int64_t)(n * sizeof(tfg_rq_t));
    tfg_cg_put(o, "static const tfg_rq_t %s[%zu] = {", name, n);
    for (size_t i = 0; i < n; i++)
        tfg_cg_put(o, "%s{.mult = %ld, .add = %ld, .shift = %ld}%s", i % 2 ? " " : "\n    ", (long)rq[i].mult,
                   (long)rq[i].add, (long)rq[i].shift, i + 1 < n ? "," : "");
    tfg_cg_put(o, "\n};\n");
}

static void emit_i32(out_t *o, const char *name, const int32_t *v, size_t n)
{
    o->const_bytes += (int64_t)(4 * n);
    tfg_cg_put(o, "static const int32_t %s[%zu] = {", name, n);
    /* INT32_MIN (a multiplier of a negative weight scale can be -2^31) is
     * spelled as an int expression: the literal 2147483648 is not an int. */
    for (size_t i = 0; i < n; i++)
        if (v[i] == INT32_MIN)
            tfg_cg_put(o, "%s(-2147483647 - 1)%s", i % 8 ? " " : "\n    ", i + 1 < n ? "," : "");
        else
            tfg_cg_put(o, "%s%ld%s", i % 8 ? " " : "\n    ", (long)v[i], i + 1 < n ? "," : "");
    tfg_cg_put(o, "\n};\n");
}

static void emit_eltwise(out_t *o, const char *name, const tfg_eltwise_params_t *p)
{
    tfg_cg_put(o,
               "static const tfg_eltwise_params_t %s = {\n"
               "    .dims = {%d, %d, %d, %d}, .a_stride = {%d, %d, %d, %d}, .b_stride = {%d, %d, %d, %d},\n"
               "    .a_offset = %d, .b_offset = %d, .left_shift = %d, .a_mult = %d, .a_shift = %d, .b_mult = "
               "%d, .b_shift = %d,\n"
               "    .out_mult = %d, .out_shift = %d, .out_zp = %d, .act_min = %d, .act_max = %d};\n",
               name, p->dims[0], p->dims[1], p->dims[2], p->dims[3], p->a_stride[0], p->a_stride[1],
               p->a_stride[2], p->a_stride[3], p->b_stride[0], p->b_stride[1], p->b_stride[2], p->b_stride[3],
               p->a_offset, p->b_offset, p->left_shift, p->a_mult, p->a_shift, p->b_mult, p->b_shift,
               p->out_mult, p->out_shift, p->out_zp, p->act_min, p->act_max);
}

/* A list of n ints, ", "-separated, into buf. */
static const char *ints(char *buf, size_t size, const int32_t *v, int n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? ", " : "", (int)v[i]);
    return buf;
}

/* Constants of one step: weight, bias and requantization arrays and the
 * parameter struct, always with designated initializers (a field added to a
 * runtime struct can never shift the others' values). */
void tfg_cg_emit_params(out_t *o, int k, const tfg_step_t *s)
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
            tfg_cg_put(
                o,
                "/* the residual ADD fused into this convolution's output (in place over its input 1) */\n");
            emit_eltwise(o, rn, p->res);
        }
        if (o->packed) {
            int8_t *packed = malloc(tfg_conv_packed_bytes(p));
            if (!packed) {
                o->err = 1;
                break;
            }
            tfg_conv_pack_weights(p, s->conv_ohwi, packed);
            tfg_cg_put(
                o, "/* weights packed for the kernel: channel pairs, 4-byte chunks (runtime/conv.c) */\n");
            emit_i8_words(o, a, packed, tfg_conv_packed_bytes(p));
            free(packed);
        } else {
            emit_i8_words(o, a, s->conv_ohwi, (size_t)p->out_c * (size_t)(p->k_h * p->k_w * p->in_c));
        }
        emit_i32(o, b, p->bias, (size_t)p->out_c);
        emit_rq(o, f, p->rq, (size_t)p->out_c);
        tfg_cg_put(
            o,
            "static const tfg_conv_params_t %s_l%d = {\n"
            "    .in_h = %d, .in_w = %d, .in_c = %d, .out_h = %d, .out_w = %d, .out_c = %d,\n"
            "    .k_h = %d, .k_w = %d, .stride_h = %d, .stride_w = %d, .dil_h = %d, .dil_w = %d,\n"
            "    .pad_top = %d, .pad_left = %d, .in_zp = %d, .out_zp = %d, .act_min = %d, .act_max = %d,\n"
            "    .weights = %s.v, .bias = %s, .rq = %s",
            n, k, p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h, p->k_w, p->stride_h,
            p->stride_w, p->dil_h, p->dil_w, p->pad_top, p->pad_left, p->in_zp, p->out_zp, p->act_min,
            p->act_max, a, b, f);
        if (p->res)
            tfg_cg_put(o, ",\n    .res = &%s_l%d_res, .res_conv_is_b = %d", n, k, (int)p->res_conv_is_b);
        if (tfg_cg_step_variant(o->sp, o->m, k) == TFG_CONV_NARROW)
            tfg_cg_put(
                o,
                ",\n    .variant = TFG_CONV_NARROW /* int8 columns: the least scratch, at the arena peak */");
        if (p->in_place) tfg_cg_put(o, ",\n    .in_place = 1 /* the output is written over the input */");
        tfg_cg_put(o, "};\n");
        break;
    }
    case TFG_K_DWCONV: {
        static const char *const dw_names[] = {"TFG_DW_ROWS", "TFG_DW_PLANE", "TFG_DW_STRIP"};
        const tfg_dwconv_params_t *p = &s->p.dw;
        const int oc = p->in_c * p->depth_mult;
        tfg_cg_emit_i8(o, a, p->weights, (size_t)(p->k_h * p->k_w) * (size_t)oc);
        emit_i32(o, b, p->bias, (size_t)oc);
        emit_rq(o, f, p->rq, (size_t)oc);
        tfg_cg_put(
            o,
            "static const tfg_dwconv_params_t %s_l%d = {\n"
            "    .variant = %s, .in_h = %d, .in_w = %d, .in_c = %d, .out_h = %d, .out_w = %d, .depth_mult = "
            "%d,\n"
            "    .k_h = %d, .k_w = %d, .stride_h = %d, .stride_w = %d, .dil_h = %d, .dil_w = %d,\n"
            "    .pad_top = %d, .pad_left = %d, .in_zp = %d, .out_zp = %d, .act_min = %d, .act_max = %d,\n"
            "    .weights = %s, .bias = %s, .rq = %s};\n",
            n, k, dw_names[tfg_cg_step_variant(o->sp, o->m, k)], p->in_h, p->in_w, p->in_c, p->out_h,
            p->out_w, p->depth_mult, p->k_h, p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w, p->pad_top,
            p->pad_left, p->in_zp, p->out_zp, p->act_min, p->act_max, a, b, f);
        break;
    }
    case TFG_K_FC: {
        const tfg_fc_params_t *p = &s->p.fc;
        tfg_cg_emit_i8(o, a, p->weights, (size_t)p->out_features * (size_t)p->in_features);
        emit_i32(o, b, p->bias, (size_t)p->out_features);
        emit_rq(o, f, p->rq, (size_t)p->out_features);
        tfg_cg_put(o,
                   "static const tfg_fc_params_t %s_l%d = {\n"
                   "    .batches = %d, .in_features = %d, .out_features = %d, .out_zp = %d, .act_min = %d, "
                   ".act_max = %d,\n"
                   "    .weights = %s, .bias = %s, .rq = %s};\n",
                   n, k, p->batches, p->in_features, p->out_features, p->out_zp, p->act_min, p->act_max, a, b,
                   f);
        break;
    }
    case TFG_K_BATCH_MATMUL: {
        const tfg_batch_matmul_params_t *p = &s->p.bmm;
        if (p->bias) emit_i32(o, b, p->bias, (size_t)p->cols);
        tfg_cg_put(
            o,
            "static const tfg_batch_matmul_params_t %s_l%d = {\n"
            "    .batch = {%d, %d, %d}, .lhs_batch = {%d, %d, %d}, .rhs_batch = {%d, %d, %d},\n"
            "    .rows = %d, .cols = %d, .depth = %d, .lhs_row = %d, .lhs_depth = %d, .rhs_depth = %d, "
            ".rhs_col = %d,\n"
            "    .lhs_zp = %d, .rhs_zp = %d, .out_zp = %d, .act_min = %d, .act_max = %d, .bias = %s,\n"
            "    .rq = {.mult = %ld, .add = %ld, .shift = %ld}};\n",
            n, k, p->batch[0], p->batch[1], p->batch[2], p->lhs_batch[0], p->lhs_batch[1], p->lhs_batch[2],
            p->rhs_batch[0], p->rhs_batch[1], p->rhs_batch[2], p->rows, p->cols, p->depth, p->lhs_row,
            p->lhs_depth, p->rhs_depth, p->rhs_col, p->lhs_zp, p->rhs_zp, p->out_zp, p->act_min, p->act_max,
            p->bias ? b : "NULL", (long)p->rq.mult, (long)p->rq.add, (long)p->rq.shift);
        break;
    }
    case TFG_K_TRANSPOSE_CONV: {
        const tfg_transpose_conv_params_t *p = &s->p.tconv;
        tfg_cg_emit_i8(o, a, p->weights,
                       (size_t)p->out_c * (size_t)p->k_h * (size_t)p->k_w * (size_t)p->in_c);
        emit_i32(o, b, p->bias, (size_t)p->out_c);
        emit_rq(o, f, p->rq, (size_t)p->out_c);
        tfg_cg_put(
            o,
            "static const tfg_transpose_conv_params_t %s_l%d = {\n"
            "    .in_h = %d, .in_w = %d, .in_c = %d, .out_h = %d, .out_w = %d, .out_c = %d,\n"
            "    .k_h = %d, .k_w = %d, .stride_h = %d, .stride_w = %d, .pad_top = %d, .pad_left = %d,\n"
            "    .in_zp = %d, .out_zp = %d, .act_min = %d, .act_max = %d, .weights = %s, .bias = %s, "
            ".rq = %s};\n",
            n, k, p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h, p->k_w, p->stride_h,
            p->stride_w, p->pad_top, p->pad_left, p->in_zp, p->out_zp, p->act_min, p->act_max, a, b, f);
        break;
    }
    case TFG_K_ADD:
    case TFG_K_SUB:
    case TFG_K_MUL:
    case TFG_K_MINIMUM:
    case TFG_K_MAXIMUM: {
        char en[96];
        snprintf(en, sizeof en, "%s_l%d", n, k);
        emit_eltwise(o, en, &s->p.elt);
        break;
    }
    case TFG_K_AVGPOOL:
    case TFG_K_MAXPOOL: {
        const tfg_pool_params_t *p = &s->p.pool;
        tfg_cg_put(o,
                   "static const tfg_pool_params_t %s_l%d = {\n"
                   "    .in_h = %d, .in_w = %d, .c = %d, .out_h = %d, .out_w = %d, .k_h = %d, .k_w = %d,\n"
                   "    .stride_h = %d, .stride_w = %d, .pad_top = %d, .pad_left = %d, .act_min = %d, "
                   ".act_max = %d,\n    .pad_fill = %d, .pad_value = %d};\n",
                   n, k, p->in_h, p->in_w, p->c, p->out_h, p->out_w, p->k_h, p->k_w, p->stride_h, p->stride_w,
                   p->pad_top, p->pad_left, p->act_min, p->act_max, p->pad_fill, p->pad_value);
        break;
    }
    case TFG_K_MEAN:
    case TFG_K_REDUCE_MAX: {
        static const char *const modes[] = {"TFG_MEAN_REQUANT_THEN_DIVIDE", "TFG_MEAN_DIVIDE_SAME_QUANT",
                                            "TFG_MEAN_SUM_THEN_REQUANT"};
        const tfg_mean_params_t *p = &s->p.mean;
        tfg_cg_put(o,
                   "static const tfg_mean_params_t %s_l%d = {\n"
                   "    .outer = %d, .reduce = %d, .inner = %d, .mode = %s, .in_zp = %d, .out_zp = %d, .mult "
                   "= %d, .shift = %d,\n"
                   "    .mid = %d, .reduce2 = %d};\n",
                   n, k, p->outer, p->reduce, p->inner, p->mode >= 0 && p->mode <= 2 ? modes[p->mode] : "-1",
                   p->in_zp, p->out_zp, p->mult, p->shift, p->mid, p->reduce2);
        break;
    }
    case TFG_K_SOFTMAX: {
        const tfg_softmax_params_t *p = &s->p.softmax;
        tfg_cg_put(o,
                   "static const tfg_softmax_params_t %s_l%d = {\n"
                   "    .outer = %d, .depth = %d, .in_mult = %d, .in_left_shift = %d, .diff_min = %d};\n",
                   n, k, p->outer, p->depth, p->in_mult, p->in_left_shift, p->diff_min);
        break;
    }
    case TFG_K_RELU: {
        const tfg_relu_params_t *p = &s->p.relu;
        tfg_cg_put(
            o,
            "static const tfg_relu_params_t %s_l%d = {\n"
            "    .size = %d, .in_zp = %d, .out_zp = %d, .requant = %d, .mult = %d, .shift = %d, .lo = %d, "
            ".hi = %d};\n",
            n, k, p->size, p->in_zp, p->out_zp, p->requant, p->mult, p->shift, p->lo, p->hi);
        break;
    }
    case TFG_K_PRELU: {
        const tfg_prelu_params_t *p = &s->p.prelu;
        tfg_cg_put(
            o,
            "static const tfg_prelu_params_t %s_l%d = {\n"
            "    .dims = {%d, %d, %d, %d}, .in_stride = {%d, %d, %d, %d}, .alpha_stride = {%d, %d, %d, %d},\n"
            "    .in_offset = %d, .alpha_offset = %d, .out_zp = %d, .mult1 = %d, .shift1 = %d, .mult2 = %d, "
            ".shift2 = %d};\n",
            n, k, p->dims[0], p->dims[1], p->dims[2], p->dims[3], p->in_stride[0], p->in_stride[1],
            p->in_stride[2], p->in_stride[3], p->alpha_stride[0], p->alpha_stride[1], p->alpha_stride[2],
            p->alpha_stride[3], p->in_offset, p->alpha_offset, p->out_zp, p->mult1, p->shift1, p->mult2,
            p->shift2);
        break;
    }
    case TFG_K_LEAKY_RELU: {
        const tfg_leaky_relu_params_t *p = &s->p.leaky;
        tfg_cg_put(
            o,
            "static const tfg_leaky_relu_params_t %s_l%d = {\n"
            "    .size = %d, .in_zp = %d, .out_zp = %d, .id_mult = %d, .id_shift = %d, .alpha_mult = %d, "
            ".alpha_shift = %d};\n",
            n, k, p->size, p->in_zp, p->out_zp, p->id_mult, p->id_shift, p->alpha_mult, p->alpha_shift);
        break;
    }
    case TFG_K_HARD_SWISH: {
        const tfg_hard_swish_params_t *p = &s->p.hswish;
        tfg_cg_put(
            o,
            "static const tfg_hard_swish_params_t %s_l%d = {\n"
            "    .size = %d, .in_zp = %d, .out_zp = %d, .out_mult = %d, .out_shift = %d, .relu_mult = %d, "
            ".relu_shift = %d};\n",
            n, k, p->size, p->in_zp, p->out_zp, p->out_mult, p->out_shift, p->relu_mult, p->relu_shift);
        break;
    }
    case TFG_K_TANH: {
        const tfg_tanh_params_t *p = &s->p.tanh;
        tfg_cg_put(
            o,
            "static const tfg_tanh_params_t %s_l%d = {\n"
            "    .size = %d, .in_zp = %d, .in_range_radius = %d, .in_mult = %d, .in_left_shift = %d};\n",
            n, k, p->size, p->in_zp, p->in_range_radius, p->in_mult, p->in_left_shift);
        break;
    }
    case TFG_K_LOGISTIC: {
        const tfg_logistic_params_t *p = &s->p.logistic;
        tfg_cg_put(
            o,
            "static const tfg_logistic_params_t %s_l%d = {\n"
            "    .size = %d, .in_zp = %d, .in_range_radius = %d, .in_mult = %d, .in_left_shift = %d};\n",
            n, k, p->size, p->in_zp, p->in_range_radius, p->in_mult, p->in_left_shift);
        break;
    }
    case TFG_K_QUANTIZE:
    case TFG_K_DEQUANTIZE: {
        char sc[32];
        tfg_cg_flt(sc, sizeof sc, s->p.affine.scale);
        tfg_cg_put(o, "static const tfg_affine_params_t %s_l%d = {.size = %d, .scale = %s, .zp = %d};\n", n,
                   k, s->p.affine.size, sc, s->p.affine.zp);
        break;
    }
    case TFG_K_REQUANT: {
        const tfg_requant_params_t *p = &s->p.requant;
        tfg_cg_put(o,
                   "static const tfg_requant_params_t %s_l%d = {\n"
                   "    .size = %d, .in_zp = %d, .out_zp = %d, .mult = %d, .shift = %d, .in_flip = %d, "
                   ".out_flip = %d};\n",
                   n, k, p->size, p->in_zp, p->out_zp, p->mult, p->shift, p->in_flip, p->out_flip);
        break;
    }
    case TFG_K_GATHER: {
        const tfg_gather_params_t *p = &s->p.gather;
        tfg_cg_put(o,
                   "static const tfg_gather_params_t %s_l%d = {\n    .rank = %d, .offset = %d, .dims = {%s}, "
                   ".in_stride = {%s}};\n",
                   n, k, p->rank, p->offset, ints(l1, sizeof l1, p->dims, TFG_MAX_DIMS),
                   ints(l2, sizeof l2, p->in_stride, TFG_MAX_DIMS));
        break;
    }
    case TFG_K_PAD: {
        const tfg_pad_params_t *p = &s->p.pad;
        char l3[160];
        tfg_cg_put(o,
                   "static const tfg_pad_params_t %s_l%d = {\n"
                   "    .in_dims = {%s}, .before = {%s}, .after = {%s}, .value = %d};\n",
                   n, k, ints(l1, sizeof l1, p->in_dims, 4), ints(l2, sizeof l2, p->before, 4),
                   ints(l3, sizeof l3, p->after, 4), p->value);
        break;
    }
    case TFG_K_CONCAT: {
        const tfg_concat_params_t *p = &s->p.concat;
        snprintf(a, sizeof a, "%s_l%d_inner", n, k);
        emit_i32(o, a, p->inner, (size_t)p->n_inputs);
        tfg_cg_put(o,
                   "static const tfg_concat_params_t %s_l%d = {.outer = %d, .n_inputs = %d, .inner = %s};\n",
                   n, k, p->outer, p->n_inputs, a);
        break;
    }
    case TFG_K_RESIZE: {
        const tfg_resize_nearest_params_t *p = &s->p.resize;
        snprintf(a, sizeof a, "%s_l%d_src_y", n, k);
        snprintf(b, sizeof b, "%s_l%d_src_x", n, k);
        emit_i32(o, a, p->src_y, (size_t)p->out_h);
        emit_i32(o, b, p->src_x, (size_t)p->out_w);
        tfg_cg_put(
            o,
            "static const tfg_resize_nearest_params_t %s_l%d = {\n"
            "    .in_h = %d, .in_w = %d, .c = %d, .out_h = %d, .out_w = %d, .src_y = %s, .src_x = %s};\n",
            n, k, p->in_h, p->in_w, p->c, p->out_h, p->out_w, a, b);
        break;
    }
    case TFG_K_RESIZE_BILINEAR: {
        const tfg_resize_bilinear_params_t *p = &s->p.bilinear;
        snprintf(a, sizeof a, "%s_l%d_y", n, k);
        snprintf(b, sizeof b, "%s_l%d_x", n, k);
        emit_i32(o, a, p->y, 3 * (size_t)p->out_h);
        emit_i32(o, b, p->x, 3 * (size_t)p->out_w);
        tfg_cg_put(o,
                   "static const tfg_resize_bilinear_params_t %s_l%d = {\n"
                   "    .in_h = %d, .in_w = %d, .c = %d, .out_h = %d, .out_w = %d, .y = %s, .x = %s};\n",
                   n, k, p->in_h, p->in_w, p->c, p->out_h, p->out_w, a, b);
        break;
    }
    }
}

/* Bytes of every constant array the source holds (weights, biases,
 * requantization tables, constant operands, index tables): emit_params run
 * with no file, counting. The parameter structs (a few dozen bytes a layer,
 * pointer size dependent) are not included. */
int64_t tfg_cg_constant_bytes(const out_t *like)
{
    out_t c = *like;
    c.f = NULL;
    c.const_bytes = 0;
    const tfg_graph_t *g = &c.m->graph;
    for (int k = 0; k < c.m->prog.n_steps; k++) {
        const tfg_step_t *s = &c.m->prog.steps[k];
        for (int j = 0; j < s->n_in; j++)
            if (s->in_const[j]) c.const_bytes += tfg_tensor_bytes(&g->tensors[s->in[j]]);
        tfg_cg_emit_params(&c, k, s);
    }
    if (c.det) tfg_cg_emit_detect_tables(&c); /* frame and decoder tables (--postprocess) */
    return c.const_bytes;
}

int64_t tfg_codegen_constant_bytes(const tfg_model_t *m, bool packed)
{
    const out_t o = {.n = "m", .N = "M", .m = m, .packed = packed};
    return tfg_cg_constant_bytes(&o);
}
