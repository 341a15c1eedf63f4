/* .tflite writer: IR graph -> schema-v3 Model FlatBuffer (see writer.h).
 *
 * Layout choices, all valid TFLite:
 *  - Tensors keep their graph order and names, so reading the file back gives
 *    the same tensor indices (the round-trip test compares graphs exactly).
 *  - Buffer 0 is the empty sentinel and every activation refers to it; each
 *    constant tensor gets its own buffer, its data aligned to 16 bytes.
 *  - One OperatorCode per op type used, in order of first use, with the
 *    highest version any of its ops needs (TFLite's UpdateOpVersion does the
 *    same: a kernel registered at version N also runs older versions).
 *  - Every op with an options table in the schema gets one, even when all its
 *    fields are defaults (PadOptions, TransposeOptions, ...), as the
 *    converter writes them; LOGISTIC and TANH have none.
 *  - Scalars equal to their schema default are left out (FlatBuffers' rule);
 *    the builder shares identical vtables.
 * The output depends only on the graph, so writing is deterministic, and
 * writing a graph read back from our own output gives the same bytes. */
#include "tflite/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite/flatbuild.h"
#include "tflite/schema.h"

static const char *gname(const tfg_graph_t *g)
{
    return g->path ? g->path : "graph";
}

static int32_t builtin_code(tfg_op_type_t t)
{
    switch (t) {
    case TFG_OP_CONV_2D: return TFL_OP_CONV_2D;
    case TFG_OP_DEPTHWISE_CONV_2D: return TFL_OP_DEPTHWISE_CONV_2D;
    case TFG_OP_FULLY_CONNECTED: return TFL_OP_FULLY_CONNECTED;
    case TFG_OP_ADD: return TFL_OP_ADD;
    case TFG_OP_MUL: return TFL_OP_MUL;
    case TFG_OP_MINIMUM: return TFL_OP_MINIMUM;
    case TFG_OP_MAXIMUM: return TFL_OP_MAXIMUM;
    case TFG_OP_RELU: return TFL_OP_RELU;
    case TFG_OP_RELU6: return TFL_OP_RELU6;
    case TFG_OP_LEAKY_RELU: return TFL_OP_LEAKY_RELU;
    case TFG_OP_SUB: return TFL_OP_SUB;
    case TFG_OP_REDUCE_MAX: return TFL_OP_REDUCE_MAX;
    case TFG_OP_PRELU: return TFL_OP_PRELU;
    case TFG_OP_HARD_SWISH: return TFL_OP_HARD_SWISH;
    case TFG_OP_TANH: return TFL_OP_TANH;
    case TFG_OP_AVERAGE_POOL_2D: return TFL_OP_AVERAGE_POOL_2D;
    case TFG_OP_MAX_POOL_2D: return TFL_OP_MAX_POOL_2D;
    case TFG_OP_MEAN: return TFL_OP_MEAN;
    case TFG_OP_PAD: return TFL_OP_PAD;
    case TFG_OP_RESHAPE: return TFL_OP_RESHAPE;
    case TFG_OP_SQUEEZE: return TFL_OP_SQUEEZE;
    case TFG_OP_SOFTMAX: return TFL_OP_SOFTMAX;
    case TFG_OP_LOGISTIC: return TFL_OP_LOGISTIC;
    case TFG_OP_CONCATENATION: return TFL_OP_CONCATENATION;
    case TFG_OP_RESIZE_NEAREST_NEIGHBOR: return TFL_OP_RESIZE_NEAREST_NEIGHBOR;
    case TFG_OP_RESIZE_BILINEAR: return TFL_OP_RESIZE_BILINEAR;
    case TFG_OP_TRANSPOSE_CONV: return TFL_OP_TRANSPOSE_CONV;
    case TFG_OP_BATCH_MATMUL: return TFL_OP_BATCH_MATMUL;
    case TFG_OP_TRANSPOSE: return TFL_OP_TRANSPOSE;
    case TFG_OP_QUANTIZE: return TFL_OP_QUANTIZE;
    case TFG_OP_DEQUANTIZE: return TFL_OP_DEQUANTIZE;
    case TFG_OP_SHAPE: return TFL_OP_SHAPE;
    case TFG_OP_PACK: return TFL_OP_PACK;
    case TFG_OP_STRIDED_SLICE: return TFL_OP_STRIDED_SLICE;
    case TFG_OP_SLICE: return TFL_OP_SLICE;
    case TFG_OP_SPLIT: return TFL_OP_SPLIT;
    case TFG_OP_SPLIT_V: return TFL_OP_SPLIT_V;
    case TFG_OP_TILE: return TFL_OP_TILE;
    case TFG_OP_EXPAND_DIMS: return TFL_OP_EXPAND_DIMS;
    case TFG_OP_DEPTH_TO_SPACE: return TFL_OP_DEPTH_TO_SPACE;
    case TFG_OP_SPACE_TO_DEPTH: return TFL_OP_SPACE_TO_DEPTH;
    default: return -1;
    }
}

static int tfl_type(tfg_dtype_t t)
{
    switch (t) {
    case TFG_DT_FLOAT32: return TFL_TYPE_FLOAT32;
    case TFG_DT_INT8: return TFL_TYPE_INT8;
    case TFG_DT_UINT8: return TFL_TYPE_UINT8;
    case TFG_DT_INT16: return TFL_TYPE_INT16;
    case TFG_DT_INT32: return TFL_TYPE_INT32;
    case TFG_DT_INT64: return TFL_TYPE_INT64;
    case TFG_DT_BOOL: return TFL_TYPE_BOOL;
    default: return -1;
    }
}

/* dtype of op input/output slot, or TFG_DT_OTHER when absent. */
static tfg_dtype_t in_dt(const tfg_graph_t *g, const tfg_op_t *op, int i)
{
    return i < op->n_in && op->in[i] >= 0 ? g->tensors[op->in[i]].dtype : TFG_DT_OTHER;
}

static int in_rank(const tfg_graph_t *g, const tfg_op_t *op, int i)
{
    return i < op->n_in && op->in[i] >= 0 ? g->tensors[op->in[i]].rank : 0;
}

static tfg_dtype_t out_dt(const tfg_graph_t *g, const tfg_op_t *op)
{
    return op->n_out > 0 ? g->tensors[op->out[0]].dtype : TFG_DT_OTHER;
}

static float scale0(const tfg_graph_t *g, int t)
{
    return t >= 0 && g->tensors[t].n_q > 0 ? g->tensors[t].scale[0] : 0;
}

/* The version TFLite's converter would give this op: the rules of
 * GetBuiltinOperatorVersion in tensorflow/lite/tools/versioning/op_version.cc,
 * for the types this IR holds. E.g. CONV_2D and DEPTHWISE_CONV_2D with int8
 * input, weights and output are version 3; FULLY_CONNECTED int8 is 4 (5 with
 * keep_num_dims, 6 with only two inputs); most other int8 ops are 2. */
static int32_t op_version(const tfg_graph_t *g, const tfg_op_t *op)
{
    const tfg_dtype_t i0 = in_dt(g, op, 0), i1 = in_dt(g, op, 1), o0 = out_dt(g, op);
    const bool i8 = i0 == TFG_DT_INT8, i16 = i0 == TFG_DT_INT16;
    switch (op->type) {
    case TFG_OP_CONV_2D:
        if (i8 && i1 == TFG_DT_INT8 && o0 == TFG_DT_INT8) return 3;
        if (i0 == TFG_DT_FLOAT32 && i1 == TFG_DT_INT8 && o0 == TFG_DT_FLOAT32) return 2; /* hybrid */
        return 1;
    case TFG_OP_DEPTHWISE_CONV_2D:
        if (i8 && i1 == TFG_DT_INT8 && o0 == TFG_DT_INT8) return 3;
        if (i0 == TFG_DT_FLOAT32 && i1 == TFG_DT_INT8 && o0 == TFG_DT_FLOAT32) return 4; /* hybrid */
        return op->sp.dil_w != 1 || op->sp.dil_h != 1 ? 2 : 1;
    case TFG_OP_FULLY_CONNECTED:
        if (op->n_in == 2) return 6;
        if (op->keep_dims) return 5;
        if (i8 && i1 == TFG_DT_INT8 && o0 == TFG_DT_INT8) return 4;
        if (i0 == TFG_DT_FLOAT32 && i1 == TFG_DT_INT8 && o0 == TFG_DT_FLOAT32) return 3; /* hybrid */
        return 1;
    case TFG_OP_BATCH_MATMUL: return i16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_TRANSPOSE_CONV: /* inputs: output shape, weights, data, bias */
        if (op->act != TFG_ACT_NONE) return 4;
        if (op->n_in > 3 && op->in[3] >= 0) return 3;
        return i1 == TFG_DT_INT8 ? 2 : 1;
    case TFG_OP_MUL: {
        if (i16) return 4;
        const float s1 = scale0(g, op->n_in > 0 ? op->in[0] : -1),
                    s2 = scale0(g, op->n_in > 1 ? op->in[1] : -1),
                    so = scale0(g, op->n_out > 0 ? op->out[0] : -1);
        if (s1 != 0 && s2 != 0 && so != 0 && (double)s1 * s2 / so >= 1.0) return 3;
        return i8 ? 2 : 1;
    }
    case TFG_OP_ADD: return i16 && o0 == TFG_DT_INT16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_MINIMUM:
    case TFG_OP_MAXIMUM: return i16 ? 4 : i8 ? 2 : 1;
    case TFG_OP_RELU: return i16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_RELU6: return i16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_LEAKY_RELU: return i16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_SUB: return i16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_REDUCE_MAX: return i16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_PRELU: return i8 ? 2 : 1;
    case TFG_OP_HARD_SWISH: return 1; /* int8 needs no newer version */
    case TFG_OP_AVERAGE_POOL_2D:
    case TFG_OP_MAX_POOL_2D: return i16 && o0 == TFG_DT_INT16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_SOFTMAX:
    case TFG_OP_MEAN: return i16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_LOGISTIC:
    case TFG_OP_TANH:
    case TFG_OP_CONCATENATION: return i16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_PAD: return in_rank(g, op, 0) > 4 ? 4 : i16 ? 3 : i8 ? 2 : 1;
    case TFG_OP_TRANSPOSE: {
        const int r = in_rank(g, op, 0);
        return r > 5 ? 6 : i16 ? 5 : r > 4 ? 4 : i0 == TFG_DT_BOOL ? 3 : i8 ? 2 : 1;
    }
    case TFG_OP_RESIZE_NEAREST_NEIGHBOR:
        return i16 ? 4 : op->half_pixel_centers || op->align_corners ? 3 : i8 ? 2 : 1;
    case TFG_OP_RESIZE_BILINEAR: return i16 ? 4 : op->half_pixel_centers ? 3 : i8 ? 2 : 1;
    case TFG_OP_QUANTIZE: {
        const int o = op->n_out > 0 ? op->out[0] : -1;
        if (o >= 0 && g->tensors[o].n_q > 1) return 3; /* per-channel */
        return o0 == TFG_DT_INT16 ? 2 : 1;
    }
    case TFG_OP_DEQUANTIZE:
        if (i16) return 3;
        if (i8) return op->n_in > 0 && op->in[0] >= 0 && g->tensors[op->in[0]].n_q > 1 ? 5 : 2;
        return 1;
    case TFG_OP_STRIDED_SLICE:
        if (op->ellipsis_mask || op->new_axis_mask) return 6;
        return in_rank(g, op, 0) > 4 ? 4 : i0 == TFG_DT_BOOL ? 3 : i8 ? 2 : 1;
    case TFG_OP_PACK: return i8 ? 2 : i16 && o0 == TFG_DT_INT16 ? 3 : 1;
    case TFG_OP_SLICE: return in_rank(g, op, 0) > 4 ? 5 : i16 ? 4 : i8 ? 2 : 1;
    case TFG_OP_SPLIT: return i1 == TFG_DT_INT16 ? 4 : i1 == TFG_DT_INT32 ? 3 : i1 == TFG_DT_INT8 ? 2 : 1;
    case TFG_OP_SPLIT_V: return i8 ? 2 : 1;
    case TFG_OP_TILE: return i8 ? 3 : 1;
    case TFG_OP_DEPTH_TO_SPACE:
    case TFG_OP_SPACE_TO_DEPTH: return i8 ? 2 : 1;
    default: return 1; /* RESHAPE, SQUEEZE, SHAPE */
    }
}

/* TFLite's SAME padding for one axis (extra odd padding at the end). */
static void same_pads(int32_t in, int32_t k, int32_t stride, int32_t dil, int32_t *lo, int32_t *hi)
{
    *lo = *hi = 0;
    if (stride < 1 || dil < 1 || k < 1) return;
    const int64_t eff = (int64_t)(k - 1) * dil + 1, out = ((int64_t)in + stride - 1) / stride;
    int64_t total = (out - 1) * stride + eff - in;
    if (total < 0) total = 0;
    *lo = (int32_t)(total / 2);
    *hi = (int32_t)(total - total / 2);
}

/* Conv/pool explicit padding must be what the written SAME/VALID gives (or
 * all zero: not yet resolved by validation). A folded PAD breaks this. */
static bool pads_expressible(const tfg_graph_t *g, const tfg_op_t *op)
{
    const tfg_spatial_t *sp = &op->sp;
    if (!sp->pad_top && !sp->pad_left && !sp->pad_bottom && !sp->pad_right) return true;
    if (!sp->same) return false;
    if (op->n_in < 1 || op->in[0] < 0 || g->tensors[op->in[0]].rank != 4)
        return true; /* validation's business */
    const tfg_tensor_t *x = &g->tensors[op->in[0]];
    int32_t kh = sp->k_h, kw = sp->k_w, dh = sp->dil_h, dw = sp->dil_w;
    if (op->type == TFG_OP_CONV_2D || op->type == TFG_OP_DEPTHWISE_CONV_2D) {
        if (op->n_in < 2 || op->in[1] < 0 || g->tensors[op->in[1]].rank != 4) return true;
        kh = g->tensors[op->in[1]].dims[1];
        kw = g->tensors[op->in[1]].dims[2];
    } else {
        dh = dw = 1;
    }
    int32_t t, b, l, r;
    same_pads(x->dims[1], kh, sp->stride_h, dh, &t, &b);
    same_pads(x->dims[2], kw, sp->stride_w, dw, &l, &r);
    return t == sp->pad_top && b == sp->pad_bottom && l == sp->pad_left && r == sp->pad_right;
}

static uint8_t padding_enum(const tfg_op_t *op)
{
    return op->sp.same ? TFL_PADDING_SAME : TFL_PADDING_VALID;
}

/* SqueezeOptions.squeeze_dims: the size-1 input axes missing from the
 * output; empty (squeeze every size-1 axis) if the shapes do not match up. */
static int squeeze_dims(const tfg_graph_t *g, const tfg_op_t *op, int32_t *dims)
{
    if (op->n_in < 1 || op->n_out < 1 || op->in[0] < 0) return 0;
    const tfg_tensor_t *x = &g->tensors[op->in[0]], *y = &g->tensors[op->out[0]];
    int n = 0, j = 0;
    for (int i = 0; i < x->rank; i++) {
        if (j < y->rank && x->dims[i] == y->dims[j])
            j++;
        else if (x->dims[i] == 1)
            dims[n++] = i;
        else
            return 0;
    }
    return j == y->rank ? n : 0;
}

/* ReshapeOptions.new_shape: the constant shape input if there is one, else the output shape. */
static int reshape_dims(const tfg_graph_t *g, const tfg_op_t *op, int32_t *dims)
{
    if (op->n_in >= 2 && op->in[1] >= 0) {
        const tfg_tensor_t *s = &g->tensors[op->in[1]];
        const int64_t n = tfg_tensor_elems(s);
        if (s->data && (s->dtype == TFG_DT_INT32 || s->dtype == TFG_DT_INT64) && s->rank <= 1 &&
            n <= TFG_MAX_DIMS && (int64_t)s->data_bytes >= n * (int64_t)tfg_dtype_size(s->dtype)) {
            for (int64_t i = 0; i < n; i++) dims[i] = (int32_t)tfg_tensor_int(s, i);
            return (int)n;
        }
    }
    if (op->n_out < 1) return 0;
    const tfg_tensor_t *y = &g->tensors[op->out[0]];
    memcpy(dims, y->dims, sizeof(int32_t) * (size_t)y->rank);
    return y->rank;
}

/* The options table of one op; *type gets the union tag (0: none). */
static fbb_ref_t write_options(fbb_t *b, const tfg_graph_t *g, const tfg_op_t *op, uint8_t *type)
{
    const tfg_spatial_t *sp = &op->sp;
    int32_t dims[TFG_MAX_DIMS];
    fbb_ref_t vec = 0;
    *type = 0;
    /* the schema has no options table for these */
    if (op->type == TFG_OP_LOGISTIC || op->type == TFG_OP_TANH || op->type == TFG_OP_RELU ||
        op->type == TFG_OP_RELU6 || op->type == TFG_OP_PRELU)
        return 0;
    /* Vectors first: nothing can be built inside a table. */
    if (op->type == TFG_OP_RESHAPE) vec = fbb_vec_i32(b, dims, (size_t)reshape_dims(g, op, dims));
    if (op->type == TFG_OP_SQUEEZE) vec = fbb_vec_i32(b, dims, (size_t)squeeze_dims(g, op, dims));
    fbb_table_start(b);
    switch (op->type) {
    case TFG_OP_CONV_2D:
        *type = TFL_OPT_CONV2D;
        fbb_add_u8(b, TFL_CONV_PADDING, padding_enum(op), 0);
        fbb_add_i32(b, TFL_CONV_STRIDE_W, sp->stride_w, 0);
        fbb_add_i32(b, TFL_CONV_STRIDE_H, sp->stride_h, 0);
        fbb_add_u8(b, TFL_CONV_FUSED_ACT, (uint8_t)op->act, 0);
        fbb_add_i32(b, TFL_CONV_DILATION_W, sp->dil_w, 1);
        fbb_add_i32(b, TFL_CONV_DILATION_H, sp->dil_h, 1);
        break;
    case TFG_OP_BATCH_MATMUL:
        *type = TFL_OPT_BATCH_MATMUL;
        fbb_add_u8(b, TFL_BMM_ADJ_X, op->adj_x, 0);
        fbb_add_u8(b, TFL_BMM_ADJ_Y, op->adj_y, 0);
        break;
    case TFG_OP_TRANSPOSE_CONV:
        *type = TFL_OPT_TRANSPOSE_CONV;
        fbb_add_u8(b, TFL_TCONV_PADDING, padding_enum(op), 0);
        fbb_add_i32(b, TFL_TCONV_STRIDE_W, sp->stride_w, 0);
        fbb_add_i32(b, TFL_TCONV_STRIDE_H, sp->stride_h, 0);
        fbb_add_u8(b, TFL_TCONV_FUSED_ACT, (uint8_t)op->act, 0);
        break;
    case TFG_OP_DEPTHWISE_CONV_2D: /* padding and strides share Conv2DOptions' slots */
        *type = TFL_OPT_DWCONV2D;
        fbb_add_u8(b, TFL_CONV_PADDING, padding_enum(op), 0);
        fbb_add_i32(b, TFL_CONV_STRIDE_W, sp->stride_w, 0);
        fbb_add_i32(b, TFL_CONV_STRIDE_H, sp->stride_h, 0);
        fbb_add_i32(b, TFL_DWCONV_DEPTH_MULTIPLIER, sp->depth_mult, 0);
        fbb_add_u8(b, TFL_DWCONV_FUSED_ACT, (uint8_t)op->act, 0);
        fbb_add_i32(b, TFL_DWCONV_DILATION_W, sp->dil_w, 1);
        fbb_add_i32(b, TFL_DWCONV_DILATION_H, sp->dil_h, 1);
        break;
    case TFG_OP_AVERAGE_POOL_2D:
    case TFG_OP_MAX_POOL_2D:
        *type = TFL_OPT_POOL2D;
        fbb_add_u8(b, TFL_POOL_PADDING, padding_enum(op), 0);
        fbb_add_i32(b, TFL_POOL_STRIDE_W, sp->stride_w, 0);
        fbb_add_i32(b, TFL_POOL_STRIDE_H, sp->stride_h, 0);
        fbb_add_i32(b, TFL_POOL_FILTER_W, sp->k_w, 0);
        fbb_add_i32(b, TFL_POOL_FILTER_H, sp->k_h, 0);
        fbb_add_u8(b, TFL_POOL_FUSED_ACT, (uint8_t)op->act, 0);
        break;
    case TFG_OP_FULLY_CONNECTED: /* weights_format DEFAULT (0) is the default */
        *type = TFL_OPT_FC;
        fbb_add_u8(b, TFL_FC_FUSED_ACT, (uint8_t)op->act, 0);
        fbb_add_u8(b, TFL_FC_KEEP_NUM_DIMS, op->keep_dims, 0);
        break;
    case TFG_OP_ADD:
        *type = TFL_OPT_ADD;
        fbb_add_u8(b, TFL_ADD_FUSED_ACT, (uint8_t)op->act, 0);
        break;
    case TFG_OP_MUL:
        *type = TFL_OPT_MUL;
        fbb_add_u8(b, TFL_MUL_FUSED_ACT, (uint8_t)op->act, 0);
        break;
    case TFG_OP_SUB:
        *type = TFL_OPT_SUB;
        fbb_add_u8(b, TFL_SUB_FUSED_ACT, (uint8_t)op->act, 0);
        break;
    case TFG_OP_LEAKY_RELU:
        *type = TFL_OPT_LEAKY_RELU;
        fbb_add_f32(b, TFL_LEAKY_RELU_ALPHA, op->alpha, 0.0f);
        break;
    case TFG_OP_SOFTMAX:
        *type = TFL_OPT_SOFTMAX;
        fbb_add_f32(b, TFL_SOFTMAX_BETA, op->beta, 0.0f);
        break;
    case TFG_OP_CONCATENATION:
        *type = TFL_OPT_CONCAT;
        fbb_add_i32(b, TFL_CONCAT_AXIS, op->axis, 0);
        fbb_add_u8(b, TFL_CONCAT_FUSED_ACT, (uint8_t)op->act, 0);
        break;
    case TFG_OP_MEAN:
    case TFG_OP_REDUCE_MAX:
        *type = TFL_OPT_REDUCER;
        fbb_add_u8(b, TFL_REDUCER_KEEP_DIMS, op->keep_dims, 0);
        break;
    case TFG_OP_RESIZE_NEAREST_NEIGHBOR:
        *type = TFL_OPT_RESIZE_NN;
        fbb_add_u8(b, TFL_RESIZE_ALIGN_CORNERS, op->align_corners, 0);
        fbb_add_u8(b, TFL_RESIZE_HALF_PIXEL_CENTERS, op->half_pixel_centers, 0);
        break;
    case TFG_OP_RESIZE_BILINEAR:
        *type = TFL_OPT_RESIZE_BILINEAR;
        fbb_add_u8(b, TFL_RESIZE_BL_ALIGN_CORNERS, op->align_corners, 0);
        fbb_add_u8(b, TFL_RESIZE_BL_HALF_PIXEL_CENTERS, op->half_pixel_centers, 0);
        break;
    case TFG_OP_STRIDED_SLICE:
        *type = TFL_OPT_STRIDED_SLICE;
        fbb_add_i32(b, TFL_SS_BEGIN_MASK, op->begin_mask, 0);
        fbb_add_i32(b, TFL_SS_END_MASK, op->end_mask, 0);
        fbb_add_i32(b, TFL_SS_ELLIPSIS_MASK, op->ellipsis_mask, 0);
        fbb_add_i32(b, TFL_SS_NEW_AXIS_MASK, op->new_axis_mask, 0);
        fbb_add_i32(b, TFL_SS_SHRINK_AXIS_MASK, op->shrink_axis_mask, 0);
        break;
    case TFG_OP_SPLIT:
    case TFG_OP_SPLIT_V:
        *type = op->type == TFG_OP_SPLIT ? TFL_OPT_SPLIT : TFL_OPT_SPLIT_V;
        fbb_add_i32(b, TFL_SPLIT_NUM_SPLITS, op->num_splits, 0);
        break;
    case TFG_OP_DEPTH_TO_SPACE:
    case TFG_OP_SPACE_TO_DEPTH:
        *type = op->type == TFG_OP_DEPTH_TO_SPACE ? TFL_OPT_DEPTH_TO_SPACE : TFL_OPT_SPACE_TO_DEPTH;
        fbb_add_i32(b, TFL_BLOCK_SIZE, op->block_size, 0);
        break;
    case TFG_OP_PACK:
        *type = TFL_OPT_PACK;
        fbb_add_i32(b, TFL_PACK_VALUES_COUNT, op->n_in, 0);
        fbb_add_i32(b, TFL_PACK_AXIS, op->axis, 0);
        break;
    case TFG_OP_RESHAPE:
        *type = TFL_OPT_RESHAPE;
        fbb_add_ref(b, TFL_RESHAPE_NEW_SHAPE, vec);
        break;
    case TFG_OP_SQUEEZE:
        *type = TFL_OPT_SQUEEZE;
        fbb_add_ref(b, TFL_SQUEEZE_DIMS, vec);
        break;
    case TFG_OP_SHAPE: {
        const int t = op->n_out > 0 ? tfl_type(g->tensors[op->out[0]].dtype) : -1;
        *type = TFL_OPT_SHAPE;
        fbb_add_u8(b, TFL_SHAPE_OUT_TYPE, (uint8_t)(t < 0 ? TFL_TYPE_INT32 : t), 0);
        break;
    }
    case TFG_OP_PAD: *type = TFL_OPT_PAD; break;
    case TFG_OP_HARD_SWISH: *type = TFL_OPT_HARD_SWISH; break;
    case TFG_OP_SLICE: *type = TFL_OPT_SLICE; break;
    case TFG_OP_TILE: *type = TFL_OPT_TILE; break;
    case TFG_OP_EXPAND_DIMS: *type = TFL_OPT_EXPAND_DIMS; break;
    case TFG_OP_TRANSPOSE: *type = TFL_OPT_TRANSPOSE; break;
    case TFG_OP_QUANTIZE: *type = TFL_OPT_QUANTIZE; break;
    case TFG_OP_DEQUANTIZE: *type = TFL_OPT_DEQUANTIZE; break;
    default: break; /* not reached: check_graph refused unknown types */
    }
    return fbb_table_end(b);
}

/* Everything the builder relies on, checked up front so that errors name the op or tensor. */
static tfg_status_t check_graph(const tfg_graph_t *g, tfg_diag_t *d)
{
    const char *name = gname(g);
    if (g->n_tensors < 0 || g->n_ops < 0 || g->n_inputs < 0 || g->n_inputs > 16 || g->n_outputs < 0 ||
        g->n_outputs > 16)
        return tfg_diag_set(d, TFG_ERR_ARG, "%s: graph counts are out of range", name);
    uint64_t data_bytes = 0;
    for (int i = 0; i < g->n_tensors; i++) {
        const tfg_tensor_t *t = &g->tensors[i];
        const char *tn = t->name ? t->name : "";
        data_bytes += t->data ? t->data_bytes : 0;
        if (tfl_type(t->dtype) < 0)
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                                "%s: tensor %d '%s': element type %s cannot be written", name, i, tn,
                                tfg_dtype_name(t->dtype));
        if (t->rank < 0 || t->rank > TFG_MAX_DIMS)
            return tfg_diag_set(d, TFG_ERR_INVALID, "%s: tensor %d '%s': rank %d", name, i, tn, t->rank);
        if (t->n_q < 0 || (t->n_q > 0 && (!t->scale || !t->zero_point)))
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "%s: tensor %d '%s': %d quantization parameters but no arrays", name, i, tn,
                                (int)t->n_q);
    }
    /* FlatBuffers address at most 2 GiB; leave room for the tables (about 100 bytes a tensor). */
    if (data_bytes + 256 * (uint64_t)g->n_tensors + 256 * (uint64_t)g->n_ops > UINT64_C(0x7fff0000))
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                            "%s: %llu bytes of constants exceed the 2 GiB FlatBuffer limit", name,
                            (unsigned long long)data_bytes);
    for (int i = 0; i < g->n_inputs + g->n_outputs; i++) {
        const int t = i < g->n_inputs ? g->inputs[i] : g->outputs[i - g->n_inputs];
        if (t < 0 || t >= g->n_tensors)
            return tfg_diag_set(d, TFG_ERR_INVALID, "%s: graph %s %d refers to tensor %d of %d", name,
                                i < g->n_inputs ? "input" : "output", i < g->n_inputs ? i : i - g->n_inputs,
                                t, g->n_tensors);
    }
    for (int i = 0; i < g->n_ops; i++) {
        const tfg_op_t *op = &g->ops[i];
        if (op->dead) continue;
        if (builtin_code(op->type) < 0)
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                                "%s: op %d %s (type %d): no TFLite operator code for it", name,
                                op->model_index, tfg_op_name(op->type), (int)op->type);
        if (op->n_in < 0 || op->n_in > TFG_MAX_OP_INPUTS || op->n_out < 0 || op->n_out > TFG_MAX_OP_OUTPUTS)
            return tfg_diag_set(d, TFG_ERR_INVALID, "%s: op %d %s: %d inputs, %d outputs", name,
                                op->model_index, tfg_op_name(op->type), op->n_in, op->n_out);
        for (int j = 0; j < op->n_in + op->n_out; j++) {
            const bool is_in = j < op->n_in;
            const int t = is_in ? op->in[j] : op->out[j - op->n_in];
            if (t < (is_in ? -1 : 0) || t >= g->n_tensors)
                return tfg_diag_set(d, TFG_ERR_INVALID, "%s: op %d %s: %s %d refers to tensor %d of %d", name,
                                    op->model_index, tfg_op_name(op->type), is_in ? "input" : "output",
                                    is_in ? j : j - op->n_in, t, g->n_tensors);
        }
        const bool spatial = op->type == TFG_OP_CONV_2D || op->type == TFG_OP_DEPTHWISE_CONV_2D ||
                             op->type == TFG_OP_AVERAGE_POOL_2D || op->type == TFG_OP_MAX_POOL_2D;
        if (spatial && !pads_expressible(g, op))
            return tfg_diag_set(
                d, TFG_ERR_UNSUPPORTED,
                "%s: op %d %s: explicit padding %d/%d/%d/%d (top/left/bottom/right) is neither its "
                "SAME nor its VALID padding and TFLite cannot express it (a folded PAD? write the "
                "graph before tfg_fold_pad)",
                name, op->model_index, tfg_op_name(op->type), (int)op->sp.pad_top, (int)op->sp.pad_left,
                (int)op->sp.pad_bottom, (int)op->sp.pad_right);
        if (op->act < TFG_ACT_NONE || op->act > TFG_ACT_RELU6)
            return tfg_diag_set(d, TFG_ERR_INVALID, "%s: op %d %s: activation %d", name, op->model_index,
                                tfg_op_name(op->type), (int)op->act);
    }
    return TFG_OK;
}

static fbb_ref_t write_tensor(fbb_t *b, const tfg_tensor_t *t, uint32_t buffer)
{
    const fbb_ref_t shape = fbb_vec_i32(b, t->dims, (size_t)t->rank);
    const char *nm = t->name ? t->name : "";
    const fbb_ref_t name = fbb_string(b, nm, strlen(nm));
    fbb_ref_t quant = 0;
    if (t->n_q > 0) {
        int64_t *zp = malloc(sizeof(int64_t) * (size_t)t->n_q);
        if (!zp) {
            b->failed = true;
            return 0;
        }
        for (int32_t i = 0; i < t->n_q; i++) zp[i] = t->zero_point[i];
        const fbb_ref_t sc = fbb_vec_f32(b, t->scale, (size_t)t->n_q);
        const fbb_ref_t zv = fbb_vec_i64(b, zp, (size_t)t->n_q);
        free(zp);
        fbb_table_start(b);
        fbb_add_ref(b, TFL_QUANT_SCALE, sc);
        fbb_add_ref(b, TFL_QUANT_ZERO_POINT, zv);
        fbb_add_i32(b, TFL_QUANT_QUANTIZED_DIMENSION, t->q_dim, 0);
        quant = fbb_table_end(b);
    }
    fbb_table_start(b);
    fbb_add_ref(b, TFL_TENSOR_SHAPE, shape);
    fbb_add_u8(b, TFL_TENSOR_TYPE, (uint8_t)tfl_type(t->dtype), TFL_TYPE_FLOAT32);
    fbb_add_u32(b, TFL_TENSOR_BUFFER, buffer, 0);
    fbb_add_ref(b, TFL_TENSOR_NAME, name);
    fbb_add_ref(b, TFL_TENSOR_QUANTIZATION, quant);
    return fbb_table_end(b);
}

static fbb_ref_t write_operator(fbb_t *b, const tfg_graph_t *g, const tfg_op_t *op, uint32_t opcode_index)
{
    const fbb_ref_t in = fbb_vec_i32(b, op->in, (size_t)op->n_in);
    const fbb_ref_t out = fbb_vec_i32(b, op->out, (size_t)op->n_out);
    uint8_t opt_type;
    const fbb_ref_t opt = write_options(b, g, op, &opt_type);
    fbb_table_start(b);
    fbb_add_u32(b, TFL_OP_OPCODE_INDEX, opcode_index, 0);
    fbb_add_ref(b, TFL_OP_INPUTS, in);
    fbb_add_ref(b, TFL_OP_OUTPUTS, out);
    fbb_add_u8(b, TFL_OP_BUILTIN_OPTIONS_TYPE, opt_type, 0);
    fbb_add_ref(b, TFL_OP_BUILTIN_OPTIONS, opt);
    return fbb_table_end(b);
}

static void build(fbb_t *b, const tfg_graph_t *g, fbb_ref_t *refs, uint32_t *buffer_of)
{
    /* Buffers: 0 is the empty sentinel, then one per constant tensor in tensor order. */
    size_t n_bufs = 1;
    for (int i = 0; i < g->n_tensors; i++) {
        const tfg_tensor_t *t = &g->tensors[i];
        buffer_of[i] = 0;
        if (!t->data || !t->data_bytes) continue;
        const fbb_ref_t data = fbb_vec_bytes(b, t->data, t->data_bytes, 16);
        fbb_table_start(b);
        fbb_add_ref(b, TFL_BUFFER_DATA, data);
        refs[n_bufs] = fbb_table_end(b);
        buffer_of[i] = (uint32_t)n_bufs++;
    }
    fbb_table_start(b);
    refs[0] = fbb_table_end(b);
    const fbb_ref_t buffers = fbb_vec_refs(b, refs, n_bufs);

    for (int i = 0; i < g->n_tensors; i++) refs[i] = write_tensor(b, &g->tensors[i], buffer_of[i]);
    const fbb_ref_t tensors = fbb_vec_refs(b, refs, (size_t)g->n_tensors);

    /* Operator codes: one per op type, in order of first use, at the highest version needed. */
    int code_of[TFG_OP_COUNT], n_codes = 0;
    int32_t version[TFG_OP_COUNT] = {0};
    tfg_op_type_t type_of[TFG_OP_COUNT];
    for (int k = 0; k < TFG_OP_COUNT; k++) code_of[k] = -1;
    size_t n_live = 0;
    for (int i = 0; i < g->n_ops; i++) {
        const tfg_op_t *op = &g->ops[i];
        if (op->dead) continue;
        if (code_of[op->type] < 0) {
            code_of[op->type] = n_codes;
            type_of[n_codes++] = op->type;
        }
        const int32_t v = op_version(g, op);
        if (v > version[op->type]) version[op->type] = v;
        refs[n_live++] = write_operator(b, g, op, (uint32_t)code_of[op->type]);
    }
    const fbb_ref_t operators = fbb_vec_refs(b, refs, n_live);

    const fbb_ref_t ins = fbb_vec_i32(b, g->inputs, (size_t)g->n_inputs);
    const fbb_ref_t outs = fbb_vec_i32(b, g->outputs, (size_t)g->n_outputs);
    const fbb_ref_t sg_name = fbb_string(b, "main", 4);
    fbb_table_start(b);
    fbb_add_ref(b, TFL_SUBGRAPH_TENSORS, tensors);
    fbb_add_ref(b, TFL_SUBGRAPH_INPUTS, ins);
    fbb_add_ref(b, TFL_SUBGRAPH_OUTPUTS, outs);
    fbb_add_ref(b, TFL_SUBGRAPH_OPERATORS, operators);
    fbb_add_ref(b, TFL_SUBGRAPH_NAME, sg_name);
    const fbb_ref_t sg = fbb_table_end(b);
    const fbb_ref_t subgraphs = fbb_vec_refs(b, &sg, 1);

    for (int k = 0; k < n_codes; k++) {
        const int32_t code = builtin_code(type_of[k]);
        fbb_table_start(b);
        fbb_add_u8(b, TFL_OPCODE_DEPRECATED_BUILTIN_CODE,
                   (uint8_t)(code < TFL_PLACEHOLDER_FOR_GREATER_OP_CODES
                                 ? code
                                 : TFL_PLACEHOLDER_FOR_GREATER_OP_CODES),
                   0);
        fbb_add_i32(b, TFL_OPCODE_VERSION, version[type_of[k]], 1);
        fbb_add_i32(b, TFL_OPCODE_BUILTIN_CODE, code, 0);
        refs[k] = fbb_table_end(b);
    }
    const fbb_ref_t codes = fbb_vec_refs(b, refs, (size_t)n_codes);

    const fbb_ref_t desc = fbb_string(b, "tinyforge", 9);
    fbb_table_start(b);
    fbb_add_u32(b, TFL_MODEL_VERSION, 3, 0);
    fbb_add_ref(b, TFL_MODEL_OPERATOR_CODES, codes);
    fbb_add_ref(b, TFL_MODEL_SUBGRAPHS, subgraphs);
    fbb_add_ref(b, TFL_MODEL_DESCRIPTION, desc);
    fbb_add_ref(b, TFL_MODEL_BUFFERS, buffers);
    fbb_finish(b, fbb_table_end(b), "TFL3");
}

tfg_status_t tfg_tflite_write(const tfg_graph_t *g, uint8_t **bytes, size_t *len, tfg_diag_t *d)
{
    if (!g || !bytes || !len) return tfg_diag_set(d, TFG_ERR_ARG, "tfg_tflite_write: null argument");
    *bytes = NULL;
    *len = 0;
    tfg_status_t st = check_graph(g, d);
    if (st < 0) return st;
    /* refs is reused for buffers (n_tensors + 1), tensors, ops and codes. */
    size_t n_refs = (size_t)g->n_tensors + 1;
    if ((size_t)g->n_ops > n_refs) n_refs = (size_t)g->n_ops;
    if (n_refs < TFG_OP_COUNT) n_refs = TFG_OP_COUNT;
    fbb_ref_t *refs = malloc(sizeof *refs * n_refs);
    uint32_t *buffer_of = malloc(sizeof *buffer_of * ((size_t)g->n_tensors + 1));
    fbb_t b;
    fbb_init(&b);
    if (refs && buffer_of) build(&b, g, refs, buffer_of);
    size_t n = 0;
    const uint8_t *data = refs && buffer_of ? fbb_data(&b, &n) : NULL;
    if (data) {
        *bytes = malloc(n);
        if (*bytes) {
            memcpy(*bytes, data, n);
            *len = n;
        }
    }
    fbb_free(&b);
    free(refs);
    free(buffer_of);
    if (!*bytes) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory while writing the model", gname(g));
    return TFG_OK;
}

tfg_status_t tfg_tflite_write_file(const tfg_graph_t *g, const char *path, tfg_diag_t *d)
{
    if (!path) return tfg_diag_set(d, TFG_ERR_ARG, "tfg_tflite_write_file: null path");
    uint8_t *bytes;
    size_t len;
    tfg_status_t st = tfg_tflite_write(g, &bytes, &len, d);
    if (st < 0) return st;
    const size_t pl = strlen(path);
    char *tmp = malloc(pl + 5);
    if (!tmp) {
        free(bytes);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", path);
    }
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        st = tfg_diag_set(d, TFG_ERR_IO, "%s: cannot create file", tmp);
    else {
        const bool wrote = fwrite(bytes, 1, len, f) == len;
        const bool closed = fclose(f) == 0;
        if (!wrote || !closed)
            st = tfg_diag_set(d, TFG_ERR_IO, "%s: write error (disk full?)", tmp);
        else if (rename(tmp, path) != 0)
            st = tfg_diag_set(d, TFG_ERR_IO, "%s: cannot rename to %s", tmp, path);
        if (st < 0) remove(tmp);
    }
    free(tmp);
    free(bytes);
    return st;
}
