/* Graph equality; see compare.h for what counts. The first difference found
 * is reported with the tensor or op it concerns, so a failing round-trip test
 * points at the field the writer or reader got wrong. */
#include "ir/compare.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool differ(char *why, size_t n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static bool differ(char *why, size_t n, const char *fmt, ...)
{
    if (why && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool same_f32(float x, float y)
{
    return memcmp(&x, &y, sizeof x) == 0;
}

static bool tensor_equal(const tfg_tensor_t *a, const tfg_tensor_t *b, int i, char *why, size_t n)
{
    const char *na = a->name ? a->name : "", *nb = b->name ? b->name : "";
    if (strcmp(na, nb) != 0) return differ(why, n, "tensor %d: name '%s' vs '%s'", i, na, nb);
    if (a->dtype != b->dtype)
        return differ(why, n, "tensor %d '%s': dtype %s vs %s", i, na, tfg_dtype_name(a->dtype),
                      tfg_dtype_name(b->dtype));
    if (a->rank != b->rank ||
        memcmp(a->dims, b->dims, sizeof(int32_t) * (size_t)(a->rank > 0 ? a->rank : 0)) != 0) {
        char sa[96], sb[96];
        tfg_shape_str(a, sa, sizeof sa);
        tfg_shape_str(b, sb, sizeof sb);
        return differ(why, n, "tensor %d '%s': shape %s vs %s", i, na, sa, sb);
    }
    if (a->n_q != b->n_q)
        return differ(why, n, "tensor %d '%s': %d vs %d quantization parameters", i, na, (int)a->n_q,
                      (int)b->n_q);
    for (int32_t k = 0; k < a->n_q; k++) {
        if (!same_f32(a->scale[k], b->scale[k]))
            return differ(why, n, "tensor %d '%s': scale[%d] %.9g vs %.9g", i, na, (int)k,
                          (double)a->scale[k], (double)b->scale[k]);
        if (a->zero_point[k] != b->zero_point[k])
            return differ(why, n, "tensor %d '%s': zero_point[%d] %d vs %d", i, na, (int)k,
                          (int)a->zero_point[k], (int)b->zero_point[k]);
    }
    if (a->n_q > 0 && a->q_dim != b->q_dim)
        return differ(why, n, "tensor %d '%s': quantized dimension %d vs %d", i, na, (int)a->q_dim,
                      (int)b->q_dim);
    if (tfg_tensor_is_const(a) != tfg_tensor_is_const(b))
        return differ(why, n, "tensor %d '%s': %s vs %s", i, na, a->data ? "constant" : "activation",
                      b->data ? "constant" : "activation");
    if (a->data) {
        if (a->data_bytes != b->data_bytes)
            return differ(why, n, "tensor %d '%s': %zu vs %zu data bytes", i, na, a->data_bytes,
                          b->data_bytes);
        for (size_t k = 0; k < a->data_bytes; k++)
            if (a->data[k] != b->data[k])
                return differ(why, n, "tensor %d '%s': data byte %zu is %u vs %u", i, na, k, a->data[k],
                              b->data[k]);
    }
    return true;
}

/* Compare one field; `what` names it in the message. */
#define FIELD(expr, what)                                                                                    \
    do {                                                                                                     \
        if ((long long)(x->expr) != (long long)(y->expr))                                                    \
            return differ(why, n, "live op %d (%d vs %d) %s: %s %lld vs %lld", k, ia, ib,                    \
                          tfg_op_name(x->type), what, (long long)(x->expr), (long long)(y->expr));           \
    } while (0)

static bool op_equal(const tfg_op_t *x, const tfg_op_t *y, int k, int ia, int ib, char *why, size_t n)
{
    if (x->type != y->type)
        return differ(why, n, "live op %d (%d vs %d): type %s vs %s", k, ia, ib, tfg_op_name(x->type),
                      tfg_op_name(y->type));
    FIELD(n_in, "input count");
    FIELD(n_out, "output count");
    for (int j = 0; j < x->n_in && j < TFG_MAX_OP_INPUTS; j++) FIELD(in[j], "input tensor");
    for (int j = 0; j < x->n_out && j < TFG_MAX_OP_OUTPUTS; j++) FIELD(out[j], "output tensor");
    /* Options that the op's type gives a meaning to. */
    switch (x->type) {
    case TFG_OP_BATCH_MATMUL:
        FIELD(adj_x, "adj_x");
        FIELD(adj_y, "adj_y");
        break;
    case TFG_OP_TRANSPOSE_CONV:
        FIELD(sp.same, "SAME padding");
        FIELD(sp.stride_h, "stride h");
        FIELD(sp.stride_w, "stride w");
        FIELD(act, "fused activation");
        break;
    case TFG_OP_DEPTHWISE_CONV_2D: FIELD(sp.depth_mult, "depth multiplier"); /* fall through */
    case TFG_OP_CONV_2D:
        FIELD(sp.dil_h, "dilation h");
        FIELD(sp.dil_w, "dilation w");
        /* fall through */
    case TFG_OP_AVERAGE_POOL_2D:
    case TFG_OP_MAX_POOL_2D:
        FIELD(sp.same, "SAME padding");
        FIELD(sp.stride_h, "stride h");
        FIELD(sp.stride_w, "stride w");
        FIELD(sp.k_h, "window h");
        FIELD(sp.k_w, "window w");
        FIELD(sp.pad_top, "pad top");
        FIELD(sp.pad_left, "pad left");
        FIELD(sp.pad_bottom, "pad bottom");
        FIELD(sp.pad_right, "pad right");
        FIELD(act, "fused activation");
        break;
    case TFG_OP_FULLY_CONNECTED:
        FIELD(act, "fused activation");
        FIELD(keep_dims, "keep_num_dims");
        break;
    case TFG_OP_ADD:
    case TFG_OP_SUB:
    case TFG_OP_MUL: FIELD(act, "fused activation"); break;
    case TFG_OP_CONCATENATION:
        FIELD(act, "fused activation");
        FIELD(axis, "axis");
        break;
    case TFG_OP_PACK: FIELD(axis, "axis"); break;
    case TFG_OP_SPLIT:
    case TFG_OP_SPLIT_V: FIELD(num_splits, "num_splits"); break;
    case TFG_OP_DEPTH_TO_SPACE:
    case TFG_OP_SPACE_TO_DEPTH: FIELD(block_size, "block_size"); break;
    case TFG_OP_MEAN:
    case TFG_OP_REDUCE_MAX: FIELD(keep_dims, "keep_dims"); break;
    case TFG_OP_LEAKY_RELU:
        if (!same_f32(x->alpha, y->alpha))
            return differ(why, n, "live op %d (%d vs %d) LEAKY_RELU: alpha %.9g vs %.9g", k, ia, ib,
                          (double)x->alpha, (double)y->alpha);
        break;
    case TFG_OP_SOFTMAX:
        if (!same_f32(x->beta, y->beta))
            return differ(why, n, "live op %d (%d vs %d) SOFTMAX: beta %.9g vs %.9g", k, ia, ib,
                          (double)x->beta, (double)y->beta);
        break;
    case TFG_OP_RESIZE_NEAREST_NEIGHBOR:
    case TFG_OP_RESIZE_BILINEAR:
        FIELD(align_corners, "align_corners");
        FIELD(half_pixel_centers, "half_pixel_centers");
        break;
    case TFG_OP_STRIDED_SLICE:
        FIELD(begin_mask, "begin_mask");
        FIELD(end_mask, "end_mask");
        FIELD(ellipsis_mask, "ellipsis_mask");
        FIELD(new_axis_mask, "new_axis_mask");
        FIELD(shrink_axis_mask, "shrink_axis_mask");
        break;
    default: break;
    }
    FIELD(alias, "alias mark");
    FIELD(in_place, "in-place mark");
    if (x->in_place) FIELD(in_place_slot, "in-place slot");
    return true;
}

#undef FIELD

static int next_live(const tfg_graph_t *g, int i)
{
    while (i < g->n_ops && g->ops[i].dead) i++;
    return i;
}

bool tfg_graph_equal(const tfg_graph_t *a, const tfg_graph_t *b, char *why, size_t why_len)
{
    if (why && why_len) why[0] = 0;
    if (a->n_tensors != b->n_tensors)
        return differ(why, why_len, "%d vs %d tensors", a->n_tensors, b->n_tensors);
    for (int i = 0; i < a->n_tensors; i++)
        if (!tensor_equal(&a->tensors[i], &b->tensors[i], i, why, why_len)) return false;
    if (a->n_inputs != b->n_inputs)
        return differ(why, why_len, "%d vs %d graph inputs", a->n_inputs, b->n_inputs);
    for (int i = 0; i < a->n_inputs; i++)
        if (a->inputs[i] != b->inputs[i])
            return differ(why, why_len, "graph input %d: tensor %d vs %d", i, a->inputs[i], b->inputs[i]);
    if (a->n_outputs != b->n_outputs)
        return differ(why, why_len, "%d vs %d graph outputs", a->n_outputs, b->n_outputs);
    for (int i = 0; i < a->n_outputs; i++)
        if (a->outputs[i] != b->outputs[i])
            return differ(why, why_len, "graph output %d: tensor %d vs %d", i, a->outputs[i], b->outputs[i]);
    int ia = next_live(a, 0), ib = next_live(b, 0), k = 0;
    for (; ia < a->n_ops && ib < b->n_ops; ia = next_live(a, ia + 1), ib = next_live(b, ib + 1), k++)
        if (!op_equal(&a->ops[ia], &b->ops[ib], k, ia, ib, why, why_len)) return false;
    if (ia < a->n_ops || ib < b->n_ops) {
        int la = k, lb = k;
        for (; ia < a->n_ops; ia = next_live(a, ia + 1)) la++;
        for (; ib < b->n_ops; ib = next_live(b, ib + 1)) lb++;
        return differ(why, why_len, "%d vs %d live ops", la, lb);
    }
    return true;
}
