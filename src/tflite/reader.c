/* .tflite reader: decodes Model/SubGraph/Tensor/Operator tables into the IR.
 *
 * Field ids and enum values are facts of TFLite's schema.fbs (v3); they are
 * collected in schema.h. Every read goes through flatbuf.c, so a corrupt file
 * ends here with TFG_ERR_FORMAT naming what was being read. */
#include "tflite/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite/flatbuf.h"
#include "tflite/schema.h"

#define FB_TRY(expr, what)                                                                                   \
    do {                                                                                                     \
        if ((expr) == FB_BAD)                                                                                \
            return tfg_diag_set(d, TFG_ERR_FORMAT,                                                           \
                                "%s: corrupt flatbuffer at %s (an offset or length points outside the "      \
                                "%zu-byte file: truncated or damaged)",                                      \
                                name, what, fb_len);                                                         \
    } while (0)

static tfg_dtype_t map_dtype(uint8_t t)
{
    switch (t) {
    case TFL_TYPE_FLOAT32: return TFG_DT_FLOAT32;
    case TFL_TYPE_INT8: return TFG_DT_INT8;
    case TFL_TYPE_UINT8: return TFG_DT_UINT8;
    case TFL_TYPE_INT16: return TFG_DT_INT16;
    case TFL_TYPE_INT32: return TFG_DT_INT32;
    case TFL_TYPE_INT64: return TFG_DT_INT64;
    case TFL_TYPE_BOOL: return TFG_DT_BOOL;
    default: return TFG_DT_OTHER;
    }
}

static int map_op(int32_t code, tfg_op_type_t *out)
{
    static const struct {
        int32_t code;
        tfg_op_type_t type;
    } table[] = {
        {TFL_OP_CONV_2D, TFG_OP_CONV_2D},
        {TFL_OP_DEPTHWISE_CONV_2D, TFG_OP_DEPTHWISE_CONV_2D},
        {TFL_OP_FULLY_CONNECTED, TFG_OP_FULLY_CONNECTED},
        {TFL_OP_ADD, TFG_OP_ADD},
        {TFL_OP_MUL, TFG_OP_MUL},
        {TFL_OP_MINIMUM, TFG_OP_MINIMUM},
        {TFL_OP_MAXIMUM, TFG_OP_MAXIMUM},
        {TFL_OP_RELU, TFG_OP_RELU},
        {TFL_OP_RELU6, TFG_OP_RELU6},
        {TFL_OP_LEAKY_RELU, TFG_OP_LEAKY_RELU},
        {TFL_OP_SUB, TFG_OP_SUB},
        {TFL_OP_REDUCE_MAX, TFG_OP_REDUCE_MAX},
        {TFL_OP_PRELU, TFG_OP_PRELU},
        {TFL_OP_HARD_SWISH, TFG_OP_HARD_SWISH},
        {TFL_OP_TANH, TFG_OP_TANH},
        {TFL_OP_AVERAGE_POOL_2D, TFG_OP_AVERAGE_POOL_2D},
        {TFL_OP_MAX_POOL_2D, TFG_OP_MAX_POOL_2D},
        {TFL_OP_MEAN, TFG_OP_MEAN},
        {TFL_OP_PAD, TFG_OP_PAD},
        {TFL_OP_RESHAPE, TFG_OP_RESHAPE},
        {TFL_OP_SQUEEZE, TFG_OP_SQUEEZE},
        {TFL_OP_SOFTMAX, TFG_OP_SOFTMAX},
        {TFL_OP_LOGISTIC, TFG_OP_LOGISTIC},
        {TFL_OP_CONCATENATION, TFG_OP_CONCATENATION},
        {TFL_OP_RESIZE_NEAREST_NEIGHBOR, TFG_OP_RESIZE_NEAREST_NEIGHBOR},
        {TFL_OP_RESIZE_BILINEAR, TFG_OP_RESIZE_BILINEAR},
        {TFL_OP_TRANSPOSE_CONV, TFG_OP_TRANSPOSE_CONV},
        {TFL_OP_BATCH_MATMUL, TFG_OP_BATCH_MATMUL},
        {TFL_OP_TRANSPOSE, TFG_OP_TRANSPOSE},
        {TFL_OP_QUANTIZE, TFG_OP_QUANTIZE},
        {TFL_OP_DEQUANTIZE, TFG_OP_DEQUANTIZE},
        {TFL_OP_SHAPE, TFG_OP_SHAPE},
        {TFL_OP_PACK, TFG_OP_PACK},
        {TFL_OP_STRIDED_SLICE, TFG_OP_STRIDED_SLICE},
        {TFL_OP_SLICE, TFG_OP_SLICE},
        {TFL_OP_SPLIT, TFG_OP_SPLIT},
        {TFL_OP_SPLIT_V, TFG_OP_SPLIT_V},
        {TFL_OP_TILE, TFG_OP_TILE},
        {TFL_OP_EXPAND_DIMS, TFG_OP_EXPAND_DIMS},
        {TFL_OP_DEPTH_TO_SPACE, TFG_OP_DEPTH_TO_SPACE},
        {TFL_OP_SPACE_TO_DEPTH, TFG_OP_SPACE_TO_DEPTH},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].code == code) {
            *out = table[i].type;
            return 1;
        }
    return 0;
}

static char *dup_str(const char *s, uint32_t len)
{
    char *r = malloc((size_t)len + 1);
    if (!r) return NULL;
    memcpy(r, s, len);
    r[len] = 0;
    /* Keep names printable: a hostile file must not inject control bytes into diagnostics. */
    for (uint32_t i = 0; i < len; i++)
        if ((unsigned char)r[i] < 0x20 || (unsigned char)r[i] == 0x7f) r[i] = '?';
    return r;
}

typedef struct {
    const uint8_t *data;
    size_t bytes;
} buffer_ref_t;

static tfg_status_t read_buffers(const fb_table_t *model, const char *name, buffer_ref_t **out,
                                 uint32_t *n_out, tfg_diag_t *d)
{
    const size_t fb_len = model->fb->len; /* for FB_TRY messages */
    fb_vec_t bufs;
    *out = NULL;
    *n_out = 0;
    FB_TRY(fb_vector(model, TFL_MODEL_BUFFERS, 4, &bufs), "Model.buffers");
    if (bufs.n == 0) return TFG_OK;
    buffer_ref_t *refs = calloc(bufs.n, sizeof *refs);
    if (!refs) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    *out = refs;
    *n_out = bufs.n;
    const fb_buf_t *fb = model->fb;
    for (uint32_t i = 0; i < bufs.n; i++) {
        fb_table_t b;
        fb_vec_t data;
        uint64_t off = 0, size = 0;
        FB_TRY(fb_vec_table(&bufs, i, &b), "Model.buffers[]");
        FB_TRY(fb_vector(&b, TFL_BUFFER_DATA, 1, &data), "Buffer.data");
        FB_TRY(fb_u64(&b, TFL_BUFFER_OFFSET, 0, &off), "Buffer.offset");
        FB_TRY(fb_u64(&b, TFL_BUFFER_SIZE, 0, &size), "Buffer.size");
        if (data.n > 0) {
            refs[i].data = fb->buf + data.pos;
            refs[i].bytes = data.n;
        } else if (off > 1) {
            /* Large-model layout: data stored after the flatbuffer, by file offset. */
            if (off > fb->len || size > fb->len - off)
                return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: buffer %u points outside the file", name, i);
            refs[i].data = fb->buf + off;
            refs[i].bytes = (size_t)size;
        }
    }
    return TFG_OK;
}

static tfg_status_t read_tensor(tfg_graph_t *g, const fb_table_t *tt, int index, const buffer_ref_t *bufs,
                                uint32_t n_bufs, tfg_diag_t *d)
{
    const size_t fb_len = g->file_len; /* for FB_TRY messages */
    const char *name = g->path;
    const char *tname;
    uint32_t tname_len;
    fb_vec_t shape, qscale, qzp;
    fb_table_t q, sparsity;
    uint8_t type = 0, is_var = 0;
    uint32_t buffer = 0;
    int32_t qdim = 0;

    FB_TRY(fb_string(tt, TFL_TENSOR_NAME, &tname, &tname_len), "Tensor.name");
    FB_TRY(fb_vector(tt, TFL_TENSOR_SHAPE, 4, &shape), "Tensor.shape");
    FB_TRY(fb_u8(tt, TFL_TENSOR_TYPE, 0, &type), "Tensor.type");
    FB_TRY(fb_u32(tt, TFL_TENSOR_BUFFER, 0, &buffer), "Tensor.buffer");
    FB_TRY(fb_u8(tt, TFL_TENSOR_IS_VARIABLE, 0, &is_var), "Tensor.is_variable");
    FB_TRY(fb_table(tt, TFL_TENSOR_SPARSITY, &sparsity), "Tensor.sparsity");
    FB_TRY(fb_table(tt, TFL_TENSOR_QUANTIZATION, &q), "Tensor.quantization");
    FB_TRY(fb_vector(&q, TFL_QUANT_SCALE, 4, &qscale), "QuantizationParameters.scale");
    FB_TRY(fb_vector(&q, TFL_QUANT_ZERO_POINT, 8, &qzp), "QuantizationParameters.zero_point");
    FB_TRY(fb_i32(&q, TFL_QUANT_QUANTIZED_DIMENSION, 0, &qdim), "QuantizationParameters.quantized_dimension");

    int ti = tfg_graph_add_tensor(g, "");
    if (ti < 0) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    tfg_tensor_t *t = &g->tensors[ti];
    free(t->name);
    t->name = dup_str(tname, tname_len);
    if (!t->name) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    t->model_index = index;
    t->dtype = map_dtype(type);
    if (t->dtype == TFG_DT_OTHER)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: tensor %d '%s': element type %u not supported", name,
                            index, t->name, type);
    if (is_var)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: tensor %d '%s': variable tensors not supported",
                            name, index, t->name);
    if (sparsity.fb)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: tensor %d '%s': sparse tensors not supported", name,
                            index, t->name);
    if (shape.n > TFG_MAX_DIMS)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: tensor %d '%s': rank %u exceeds %d", name, index,
                            t->name, shape.n, TFG_MAX_DIMS);
    t->rank = (int)shape.n;
    for (uint32_t i = 0; i < shape.n; i++) {
        int32_t dim = fb_vec_i32(&shape, i);
        if (dim < 0)
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                                "%s: tensor %d '%s': dimension %u is %d (dynamic shapes not supported)", name,
                                index, t->name, i, dim);
        t->dims[i] = dim;
    }
    if (qscale.n > 0) {
        if (qzp.n != qscale.n && qzp.n != 0)
            return tfg_diag_set(d, TFG_ERR_INVALID, "%s: tensor %d '%s': %u scales but %u zero points", name,
                                index, t->name, qscale.n, qzp.n);
        t->n_q = (int32_t)qscale.n;
        t->scale = malloc(sizeof(float) * qscale.n);
        t->zero_point = calloc(qscale.n, sizeof(int32_t));
        if (!t->scale || !t->zero_point) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
        for (uint32_t i = 0; i < qscale.n; i++) {
            t->scale[i] = fb_vec_f32(&qscale, i);
            int64_t zp = qzp.n ? fb_vec_i64(&qzp, i) : 0;
            if (zp < INT32_MIN || zp > INT32_MAX)
                return tfg_diag_set(d, TFG_ERR_INVALID, "%s: tensor %d '%s': zero point %lld out of range",
                                    name, index, t->name, (long long)zp);
            t->zero_point[i] = (int32_t)zp;
        }
        t->q_dim = qdim;
    }
    if (buffer >= n_bufs && !(buffer == 0 && n_bufs == 0))
        return tfg_diag_set(d, TFG_ERR_FORMAT,
                            "%s: tensor %d '%s': buffer index %u out of range (%u buffers)", name, index,
                            t->name, buffer, n_bufs);
    if (n_bufs && bufs[buffer].bytes) {
        t->data = bufs[buffer].data;
        t->data_bytes = bufs[buffer].bytes;
    }
    return TFG_OK;
}

static tfg_status_t read_options(tfg_op_t *op, const fb_table_t *ot, uint8_t opt_type, int idx,
                                 const char *name, tfg_diag_t *d)
{
    const size_t fb_len = ot->fb->len; /* for FB_TRY messages */
    fb_table_t o;
    FB_TRY(fb_table(ot, TFL_OP_BUILTIN_OPTIONS, &o), "Operator.builtin_options");
    uint8_t u8 = 0;
    int expect = tfl_options_type_for(op->type);
    if (o.fb && expect >= 0 && opt_type != expect)
        return tfg_diag_set(d, TFG_ERR_INVALID, "%s: op %d %s: builtin options of type %u, expected %d", name,
                            idx, tfg_op_name(op->type), opt_type, expect);
    tfg_spatial_t *sp = &op->sp;
    sp->stride_h = sp->stride_w = sp->dil_h = sp->dil_w = sp->k_h = sp->k_w = sp->depth_mult = 1;
    switch (op->type) {
    case TFG_OP_CONV_2D:
    case TFG_OP_DEPTHWISE_CONV_2D: {
        const int dw = op->type == TFG_OP_DEPTHWISE_CONV_2D;
        FB_TRY(fb_u8(&o, TFL_CONV_PADDING, 0, &u8), "conv padding");
        sp->same = u8 == TFL_PADDING_SAME;
        if (u8 > TFL_PADDING_VALID)
            return tfg_diag_set(d, TFG_ERR_INVALID, "%s: op %d %s: unknown padding %u", name, idx,
                                tfg_op_name(op->type), u8);
        FB_TRY(fb_i32(&o, TFL_CONV_STRIDE_W, 1, &sp->stride_w), "stride_w");
        FB_TRY(fb_i32(&o, TFL_CONV_STRIDE_H, 1, &sp->stride_h), "stride_h");
        if (dw) {
            FB_TRY(fb_i32(&o, TFL_DWCONV_DEPTH_MULTIPLIER, 1, &sp->depth_mult), "depth_multiplier");
            FB_TRY(fb_u8(&o, TFL_DWCONV_FUSED_ACT, 0, &u8), "fused_activation_function");
            op->act = (tfg_act_t)u8;
            FB_TRY(fb_i32(&o, TFL_DWCONV_DILATION_W, 1, &sp->dil_w), "dilation_w");
            FB_TRY(fb_i32(&o, TFL_DWCONV_DILATION_H, 1, &sp->dil_h), "dilation_h");
        } else {
            FB_TRY(fb_u8(&o, TFL_CONV_FUSED_ACT, 0, &u8), "fused_activation_function");
            op->act = (tfg_act_t)u8;
            FB_TRY(fb_i32(&o, TFL_CONV_DILATION_W, 1, &sp->dil_w), "dilation_w");
            FB_TRY(fb_i32(&o, TFL_CONV_DILATION_H, 1, &sp->dil_h), "dilation_h");
        }
        break;
    }
    case TFG_OP_BATCH_MATMUL:
        FB_TRY(fb_u8(&o, TFL_BMM_ADJ_X, 0, &u8), "adj_x");
        op->adj_x = u8 != 0;
        FB_TRY(fb_u8(&o, TFL_BMM_ADJ_Y, 0, &u8), "adj_y");
        op->adj_y = u8 != 0;
        break;
    case TFG_OP_TRANSPOSE_CONV:
        FB_TRY(fb_u8(&o, TFL_TCONV_PADDING, 0, &u8), "transpose conv padding");
        sp->same = u8 == TFL_PADDING_SAME;
        if (u8 > TFL_PADDING_VALID)
            return tfg_diag_set(d, TFG_ERR_INVALID, "%s: op %d %s: unknown padding %u", name, idx,
                                tfg_op_name(op->type), u8);
        FB_TRY(fb_i32(&o, TFL_TCONV_STRIDE_W, 1, &sp->stride_w), "stride_w");
        FB_TRY(fb_i32(&o, TFL_TCONV_STRIDE_H, 1, &sp->stride_h), "stride_h");
        FB_TRY(fb_u8(&o, TFL_TCONV_FUSED_ACT, 0, &u8), "fused_activation_function");
        op->act = (tfg_act_t)u8;
        break;
    case TFG_OP_AVERAGE_POOL_2D:
    case TFG_OP_MAX_POOL_2D:
        FB_TRY(fb_u8(&o, TFL_POOL_PADDING, 0, &u8), "pool padding");
        sp->same = u8 == TFL_PADDING_SAME;
        if (u8 > TFL_PADDING_VALID)
            return tfg_diag_set(d, TFG_ERR_INVALID, "%s: op %d %s: unknown padding %u", name, idx,
                                tfg_op_name(op->type), u8);
        FB_TRY(fb_i32(&o, TFL_POOL_STRIDE_W, 1, &sp->stride_w), "stride_w");
        FB_TRY(fb_i32(&o, TFL_POOL_STRIDE_H, 1, &sp->stride_h), "stride_h");
        FB_TRY(fb_i32(&o, TFL_POOL_FILTER_W, 1, &sp->k_w), "filter_width");
        FB_TRY(fb_i32(&o, TFL_POOL_FILTER_H, 1, &sp->k_h), "filter_height");
        FB_TRY(fb_u8(&o, TFL_POOL_FUSED_ACT, 0, &u8), "fused_activation_function");
        op->act = (tfg_act_t)u8;
        break;
    case TFG_OP_FULLY_CONNECTED:
        FB_TRY(fb_u8(&o, TFL_FC_FUSED_ACT, 0, &u8), "fused_activation_function");
        op->act = (tfg_act_t)u8;
        FB_TRY(fb_u8(&o, TFL_FC_WEIGHTS_FORMAT, 0, &u8), "weights_format");
        if (u8 != 0)
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                                "%s: op %d FULLY_CONNECTED: shuffled weights format %u not supported", name,
                                idx, u8);
        FB_TRY(fb_u8(&o, TFL_FC_KEEP_NUM_DIMS, 0, &u8), "keep_num_dims");
        op->keep_dims = u8 != 0;
        break;
    case TFG_OP_ADD:
        FB_TRY(fb_u8(&o, TFL_ADD_FUSED_ACT, 0, &u8), "fused_activation_function");
        op->act = (tfg_act_t)u8;
        break;
    case TFG_OP_MUL:
        FB_TRY(fb_u8(&o, TFL_MUL_FUSED_ACT, 0, &u8), "fused_activation_function");
        op->act = (tfg_act_t)u8;
        break;
    case TFG_OP_SUB:
        FB_TRY(fb_u8(&o, TFL_SUB_FUSED_ACT, 0, &u8), "fused_activation_function");
        op->act = (tfg_act_t)u8;
        break;
    case TFG_OP_CONCATENATION:
        FB_TRY(fb_i32(&o, TFL_CONCAT_AXIS, 0, &op->axis), "axis");
        FB_TRY(fb_u8(&o, TFL_CONCAT_FUSED_ACT, 0, &u8), "fused_activation_function");
        op->act = (tfg_act_t)u8;
        break;
    case TFG_OP_LEAKY_RELU: {
        float alpha = 0.0f;
        FB_TRY(fb_f32(&o, TFL_LEAKY_RELU_ALPHA, 0.0f, &alpha), "alpha");
        op->alpha = alpha;
        break;
    }
    case TFG_OP_SOFTMAX: {
        float beta = 1.0f;
        FB_TRY(fb_f32(&o, TFL_SOFTMAX_BETA, 0.0f, &beta), "beta");
        op->beta = beta;
        break;
    }
    case TFG_OP_MEAN:
    case TFG_OP_REDUCE_MAX:
        FB_TRY(fb_u8(&o, TFL_REDUCER_KEEP_DIMS, 0, &u8), "keep_dims");
        op->keep_dims = u8 != 0;
        break;
    case TFG_OP_RESIZE_NEAREST_NEIGHBOR:
        FB_TRY(fb_u8(&o, TFL_RESIZE_ALIGN_CORNERS, 0, &u8), "align_corners");
        op->align_corners = u8 != 0;
        FB_TRY(fb_u8(&o, TFL_RESIZE_HALF_PIXEL_CENTERS, 0, &u8), "half_pixel_centers");
        op->half_pixel_centers = u8 != 0;
        break;
    case TFG_OP_RESIZE_BILINEAR:
        FB_TRY(fb_u8(&o, TFL_RESIZE_BL_ALIGN_CORNERS, 0, &u8), "align_corners");
        op->align_corners = u8 != 0;
        FB_TRY(fb_u8(&o, TFL_RESIZE_BL_HALF_PIXEL_CENTERS, 0, &u8), "half_pixel_centers");
        op->half_pixel_centers = u8 != 0;
        break;
    case TFG_OP_PACK: FB_TRY(fb_i32(&o, TFL_PACK_AXIS, 0, &op->axis), "axis"); break;
    case TFG_OP_SPLIT:
    case TFG_OP_SPLIT_V: FB_TRY(fb_i32(&o, TFL_SPLIT_NUM_SPLITS, 0, &op->num_splits), "num_splits"); break;
    case TFG_OP_DEPTH_TO_SPACE:
    case TFG_OP_SPACE_TO_DEPTH: FB_TRY(fb_i32(&o, TFL_BLOCK_SIZE, 0, &op->block_size), "block_size"); break;
    case TFG_OP_STRIDED_SLICE:
        FB_TRY(fb_i32(&o, TFL_SS_BEGIN_MASK, 0, &op->begin_mask), "begin_mask");
        FB_TRY(fb_i32(&o, TFL_SS_END_MASK, 0, &op->end_mask), "end_mask");
        FB_TRY(fb_i32(&o, TFL_SS_ELLIPSIS_MASK, 0, &op->ellipsis_mask), "ellipsis_mask");
        FB_TRY(fb_i32(&o, TFL_SS_NEW_AXIS_MASK, 0, &op->new_axis_mask), "new_axis_mask");
        FB_TRY(fb_i32(&o, TFL_SS_SHRINK_AXIS_MASK, 0, &op->shrink_axis_mask), "shrink_axis_mask");
        FB_TRY(fb_u8(&o, TFL_SS_OFFSET, 0, &u8), "offset");
        if (u8)
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: op %d STRIDED_SLICE: offset mode not supported",
                                name, idx);
        break;
    default: break;
    }
    if (op->act > TFG_ACT_RELU6)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: op %d %s: fused activation %d not supported", name,
                            idx, tfg_op_name(op->type), (int)op->act);
    return TFG_OK;
}

/* `who` names the owner for messages: "op 3 ADD" or "the subgraph". */
static tfg_status_t read_index_list(const fb_vec_t *v, int *dst, int cap, int *n, int n_tensors,
                                    const char *who, const char *what, const char *name, tfg_diag_t *d)
{
    if ((int64_t)v->n > cap)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: %s has %u %ss (at most %d supported)", name, who,
                            v->n, what, cap);
    *n = (int)v->n;
    for (uint32_t i = 0; i < v->n; i++) {
        int32_t t = fb_vec_i32(v, i);
        if (t < -1 || t >= n_tensors)
            return tfg_diag_set(d, TFG_ERR_FORMAT,
                                "%s: %s: %s %u refers to tensor %d, but the model has %d tensors", name, who,
                                what, i, t, n_tensors);
        dst[i] = t;
    }
    return TFG_OK;
}

static tfg_status_t decode(tfg_graph_t *g, tfg_diag_t *d)
{
    const size_t fb_len = g->file_len; /* for FB_TRY messages */
    const char *name = g->path;
    fb_buf_t fb = {g->file, g->file_len};
    fb_table_t model, sg;
    fb_vec_t codes, subgraphs, tensors, ops, ins, outs;
    uint32_t version = 0;
    tfg_status_t st;

    if (g->file_len < 8)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: file too short (%zu bytes)", name, g->file_len);
    if (memcmp(g->file + 4, "TFL3", 4) != 0)
        return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: not a TFLite model (file identifier is not TFL3)", name);
    FB_TRY(fb_root(&fb, &model), "Model");
    FB_TRY(fb_u32(&model, TFL_MODEL_VERSION, 0, &version), "Model.version");
    if (version != 3)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: schema version %u (only 3 is supported)", name,
                            version);
    FB_TRY(fb_vector(&model, TFL_MODEL_OPERATOR_CODES, 4, &codes), "Model.operator_codes");
    FB_TRY(fb_vector(&model, TFL_MODEL_SUBGRAPHS, 4, &subgraphs), "Model.subgraphs");
    if (subgraphs.n != 1)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: %u subgraphs (exactly one is supported)", name,
                            subgraphs.n);
    FB_TRY(fb_vec_table(&subgraphs, 0, &sg), "SubGraph");

    /* Every early return below must not leak: look up the tensor vector first. */
    FB_TRY(fb_vector(&sg, TFL_SUBGRAPH_TENSORS, 4, &tensors), "SubGraph.tensors");
    buffer_ref_t *bufs = NULL;
    uint32_t n_bufs = 0;
    st = read_buffers(&model, name, &bufs, &n_bufs, d);
    if (st < 0) {
        free(bufs);
        return st;
    }
    for (uint32_t i = 0; i < tensors.n && st == TFG_OK; i++) {
        fb_table_t tt;
        if (fb_vec_table(&tensors, i, &tt) != FB_OK) {
            st = tfg_diag_set(d, TFG_ERR_FORMAT,
                              "%s: corrupt flatbuffer at SubGraph.tensors[%u] (file is %zu bytes)", name, i,
                              g->file_len);
            break;
        }
        st = read_tensor(g, &tt, (int)i, bufs, n_bufs, d);
    }
    free(bufs);
    if (st < 0) return st;

    FB_TRY(fb_vector(&sg, TFL_SUBGRAPH_INPUTS, 4, &ins), "SubGraph.inputs");
    FB_TRY(fb_vector(&sg, TFL_SUBGRAPH_OUTPUTS, 4, &outs), "SubGraph.outputs");
    st = read_index_list(&ins, g->inputs, 16, &g->n_inputs, g->n_tensors, "the subgraph", "input", name, d);
    if (st < 0) return st;
    st = read_index_list(&outs, g->outputs, 16, &g->n_outputs, g->n_tensors, "the subgraph", "output", name,
                         d);
    if (st < 0) return st;

    FB_TRY(fb_vector(&sg, TFL_SUBGRAPH_OPERATORS, 4, &ops), "SubGraph.operators");
    g->ops = calloc(ops.n ? ops.n : 1, sizeof(tfg_op_t));
    if (!g->ops) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    g->cap_ops = (int)(ops.n ? ops.n : 1);
    for (uint32_t i = 0; i < ops.n; i++) {
        fb_table_t ot, oc;
        fb_vec_t oin, oout;
        uint32_t opcode_index = 0;
        uint8_t opt_type = 0, dep_code = 0;
        int32_t code = 0;
        const int idx = (int)i;
        FB_TRY(fb_vec_table(&ops, i, &ot), "SubGraph.operators[]");
        FB_TRY(fb_u32(&ot, TFL_OP_OPCODE_INDEX, 0, &opcode_index), "Operator.opcode_index");
        if (opcode_index >= codes.n)
            return tfg_diag_set(d, TFG_ERR_FORMAT, "%s: op %d: opcode index %u out of range (%u codes)", name,
                                idx, opcode_index, codes.n);
        FB_TRY(fb_vec_table(&codes, opcode_index, &oc), "OperatorCode");
        FB_TRY(fb_u8(&oc, TFL_OPCODE_DEPRECATED_BUILTIN_CODE, 0, &dep_code),
               "OperatorCode.deprecated_builtin_code");
        FB_TRY(fb_i32(&oc, TFL_OPCODE_BUILTIN_CODE, 0, &code), "OperatorCode.builtin_code");
        /* Old files only fill the deprecated byte; new ones fill both. */
        if ((int32_t)(int8_t)dep_code > code) code = (int8_t)dep_code;
        tfg_op_t *op = &g->ops[g->n_ops];
        memset(op, 0, sizeof *op);
        op->model_index = idx;
        if (!map_op(code, &op->type)) {
            char cbuf[24];
            const char *cname = tfl_builtin_name(code, cbuf);
            if (code == TFL_OP_CUSTOM) {
                const char *cc;
                uint32_t cc_len;
                FB_TRY(fb_string(&oc, TFL_OPCODE_CUSTOM_CODE, &cc, &cc_len), "OperatorCode.custom_code");
                return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                                    "%s: op %d CUSTOM '%.*s': custom ops are not supported", name, idx,
                                    (int)(cc_len > 64 ? 64 : cc_len), cc);
            }
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: op %d %s: operator not supported", name, idx,
                                cname);
        }
        FB_TRY(fb_vector(&ot, TFL_OP_INPUTS, 4, &oin), "Operator.inputs");
        FB_TRY(fb_vector(&ot, TFL_OP_OUTPUTS, 4, &oout), "Operator.outputs");
        char who[64];
        snprintf(who, sizeof who, "op %d %s", idx, tfg_op_name(op->type));
        st = read_index_list(&oin, op->in, TFG_MAX_OP_INPUTS, &op->n_in, g->n_tensors, who, "input", name, d);
        if (st < 0) return st;
        st = read_index_list(&oout, op->out, TFG_MAX_OP_OUTPUTS, &op->n_out, g->n_tensors, who, "output",
                             name, d);
        if (st < 0) return st;
        FB_TRY(fb_u8(&ot, TFL_OP_BUILTIN_OPTIONS_TYPE, 0, &opt_type), "Operator.builtin_options_type");
        st = read_options(op, &ot, opt_type, idx, name, d);
        if (st < 0) return st;
        g->n_ops++;
    }
    return TFG_OK;
}

tfg_status_t tfg_tflite_load_mem(const uint8_t *bytes, size_t len, const char *name, tfg_graph_t *g,
                                 tfg_diag_t *d)
{
    memset(g, 0, sizeof *g);
    g->path = dup_str(name, (uint32_t)strlen(name));
    g->file = malloc(len ? len : 1);
    if (!g->path || !g->file) {
        tfg_graph_free(g);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    }
    memcpy(g->file, bytes, len);
    g->file_len = len;
    tfg_status_t st = decode(g, d);
    if (st == TFG_OK) st = tfg_graph_validate(g, d);
    if (st < 0) {
        tfg_graph_free(g);
        memset(g, 0, sizeof *g);
    }
    return st;
}

tfg_status_t tfg_tflite_load(const char *path, tfg_graph_t *g, tfg_diag_t *d)
{
    memset(g, 0, sizeof *g);
    FILE *f = fopen(path, "rb");
    if (!f) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot open file", path);
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory reading file", path);
            }
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return tfg_diag_set(d, TFG_ERR_IO, "%s: read error", path);
    }
    tfg_status_t st = tfg_tflite_load_mem(buf, len, path, g, d);
    free(buf);
    return st;
}
