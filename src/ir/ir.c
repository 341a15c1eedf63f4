/* IR utilities: names, sizes, graph ownership and use/def queries. */
#include "ir/ir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tfg_status_t tfg_diag_set(tfg_diag_t *d, tfg_status_t st, const char *fmt, ...)
{
    if (d) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}

const char *tfg_op_name(tfg_op_type_t t)
{
    static const char *const names[TFG_OP_COUNT] = {
        [TFG_OP_CONV_2D] = "CONV_2D",
        [TFG_OP_DEPTHWISE_CONV_2D] = "DEPTHWISE_CONV_2D",
        [TFG_OP_FULLY_CONNECTED] = "FULLY_CONNECTED",
        [TFG_OP_ADD] = "ADD",
        [TFG_OP_MUL] = "MUL",
        [TFG_OP_AVERAGE_POOL_2D] = "AVERAGE_POOL_2D",
        [TFG_OP_MAX_POOL_2D] = "MAX_POOL_2D",
        [TFG_OP_MEAN] = "MEAN",
        [TFG_OP_PAD] = "PAD",
        [TFG_OP_RESHAPE] = "RESHAPE",
        [TFG_OP_SQUEEZE] = "SQUEEZE",
        [TFG_OP_SOFTMAX] = "SOFTMAX",
        [TFG_OP_LOGISTIC] = "LOGISTIC",
        [TFG_OP_CONCATENATION] = "CONCATENATION",
        [TFG_OP_RESIZE_NEAREST_NEIGHBOR] = "RESIZE_NEAREST_NEIGHBOR",
        [TFG_OP_TRANSPOSE] = "TRANSPOSE",
        [TFG_OP_QUANTIZE] = "QUANTIZE",
        [TFG_OP_DEQUANTIZE] = "DEQUANTIZE",
        [TFG_OP_SHAPE] = "SHAPE",
        [TFG_OP_PACK] = "PACK",
        [TFG_OP_STRIDED_SLICE] = "STRIDED_SLICE",
        [TFG_OP_MINIMUM] = "MINIMUM",
        [TFG_OP_MAXIMUM] = "MAXIMUM",
        [TFG_OP_RELU] = "RELU",
        [TFG_OP_RELU6] = "RELU6",
        [TFG_OP_LEAKY_RELU] = "LEAKY_RELU",
        [TFG_OP_SUB] = "SUB",
        [TFG_OP_REDUCE_MAX] = "REDUCE_MAX",
        [TFG_OP_PRELU] = "PRELU",
        [TFG_OP_HARD_SWISH] = "HARD_SWISH",
        [TFG_OP_TANH] = "TANH",
        [TFG_OP_SLICE] = "SLICE",
        [TFG_OP_SPLIT] = "SPLIT",
        [TFG_OP_SPLIT_V] = "SPLIT_V",
        [TFG_OP_TILE] = "TILE",
        [TFG_OP_RESIZE_BILINEAR] = "RESIZE_BILINEAR",
        [TFG_OP_TRANSPOSE_CONV] = "TRANSPOSE_CONV",
        [TFG_OP_BATCH_MATMUL] = "BATCH_MATMUL",
        [TFG_OP_EXPAND_DIMS] = "EXPAND_DIMS",
        [TFG_OP_DEPTH_TO_SPACE] = "DEPTH_TO_SPACE",
        [TFG_OP_SPACE_TO_DEPTH] = "SPACE_TO_DEPTH",
    };
    return (t >= 0 && t < TFG_OP_COUNT && names[t]) ? names[t] : "?";
}

const char *tfg_dtype_name(tfg_dtype_t t)
{
    switch (t) {
    case TFG_DT_FLOAT32: return "float32";
    case TFG_DT_INT8: return "int8";
    case TFG_DT_UINT8: return "uint8";
    case TFG_DT_INT16: return "int16";
    case TFG_DT_INT32: return "int32";
    case TFG_DT_INT64: return "int64";
    case TFG_DT_BOOL: return "bool";
    default: return "other";
    }
}

size_t tfg_dtype_size(tfg_dtype_t t)
{
    switch (t) {
    case TFG_DT_INT8:
    case TFG_DT_UINT8:
    case TFG_DT_BOOL: return 1;
    case TFG_DT_INT16: return 2;
    case TFG_DT_FLOAT32:
    case TFG_DT_INT32: return 4;
    case TFG_DT_INT64: return 8;
    default: return 0;
    }
}

int64_t tfg_tensor_elems(const tfg_tensor_t *t)
{
    /* Saturates at 2^40 (validation rejects any such size), checked before
     * each product: the fuzzer found dims whose running product stayed just
     * under the cap until one more 2^31 dimension overflowed 64 bits. */
    const int64_t cap = INT64_C(1) << 40;
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        const int64_t dim = t->dims[i], mag = dim < 0 ? -dim : dim;
        if (mag != 0 && (n < 0 ? -n : n) > cap / mag) return cap;
        n *= dim;
    }
    return n;
}

int64_t tfg_tensor_bytes(const tfg_tensor_t *t)
{
    return tfg_tensor_elems(t) * (int64_t)tfg_dtype_size(t->dtype);
}

bool tfg_tensor_is_const(const tfg_tensor_t *t)
{
    return t->data != NULL;
}

int64_t tfg_tensor_int(const tfg_tensor_t *t, int64_t i)
{
    if (t->dtype == TFG_DT_INT64) {
        int64_t v;
        memcpy(&v, t->data + 8 * i, 8);
        return v;
    }
    int32_t v;
    memcpy(&v, t->data + 4 * i, 4);
    return v;
}

void tfg_shape_str(const tfg_tensor_t *t, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < t->rank && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, i ? "x%d" : "%d", (int)t->dims[i]);
    if (t->rank == 0) snprintf(buf, n, "scalar");
}

void tfg_graph_free(tfg_graph_t *g)
{
    for (int i = 0; i < g->n_tensors; i++) {
        free(g->tensors[i].name);
        free(g->tensors[i].scale);
        free(g->tensors[i].zero_point);
    }
    for (int i = 0; i < g->n_blobs; i++) free(g->blobs[i]);
    free(g->blobs);
    free(g->tensors);
    free(g->ops);
    free(g->file);
    free(g->path);
    memset(g, 0, sizeof *g);
}

int tfg_graph_add_tensor(tfg_graph_t *g, const char *name)
{
    if (g->n_tensors == g->cap_tensors) {
        int cap = g->cap_tensors ? g->cap_tensors * 2 : 64;
        tfg_tensor_t *nt = realloc(g->tensors, sizeof *nt * (size_t)cap);
        if (!nt) return -1;
        g->tensors = nt;
        g->cap_tensors = cap;
    }
    tfg_tensor_t *t = &g->tensors[g->n_tensors];
    memset(t, 0, sizeof *t);
    t->model_index = -1;
    size_t len = strlen(name);
    t->name = malloc(len + 1);
    if (!t->name) return -1;
    memcpy(t->name, name, len + 1);
    return g->n_tensors++;
}

void *tfg_graph_alloc(tfg_graph_t *g, size_t bytes)
{
    if (g->n_blobs == g->cap_blobs) {
        int cap = g->cap_blobs ? g->cap_blobs * 2 : 16;
        void **nb = realloc(g->blobs, sizeof *nb * (size_t)cap);
        if (!nb) return NULL;
        g->blobs = nb;
        g->cap_blobs = cap;
    }
    void *p = calloc(1, bytes ? bytes : 1);
    if (p) g->blobs[g->n_blobs++] = p;
    return p;
}

int tfg_producer(const tfg_graph_t *g, int t)
{
    for (int i = 0; i < g->n_ops; i++) {
        if (g->ops[i].dead) continue;
        for (int j = 0; j < g->ops[i].n_out; j++)
            if (g->ops[i].out[j] == t) return i;
    }
    return -1;
}

bool tfg_is_graph_output(const tfg_graph_t *g, int t)
{
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == t) return true;
    return false;
}

bool tfg_is_graph_input(const tfg_graph_t *g, int t)
{
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == t) return true;
    return false;
}

int tfg_last_use(const tfg_graph_t *g, int t)
{
    if (tfg_is_graph_output(g, t)) return g->n_ops;
    for (int i = g->n_ops - 1; i >= 0; i--) {
        if (g->ops[i].dead) continue;
        for (int j = 0; j < g->ops[i].n_in; j++)
            if (g->ops[i].in[j] == t) return i;
    }
    return -1;
}

int tfg_use_count(const tfg_graph_t *g, int t)
{
    int n = 0;
    for (int i = 0; i < g->n_ops; i++) {
        if (g->ops[i].dead) continue;
        for (int j = 0; j < g->ops[i].n_in; j++)
            if (g->ops[i].in[j] == t) n++;
    }
    return n;
}
