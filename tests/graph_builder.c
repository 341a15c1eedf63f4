/* Test graph builder; see graph_builder.h. */
#include "graph_builder.h"

#include <stdlib.h>
#include <string.h>

void g_init(tfg_graph_t *g)
{
    memset(g, 0, sizeof *g);
    g->path = malloc(6);
    memcpy(g->path, "graph", 6);
    g->ops = calloc(GB_MAX_OPS, sizeof(tfg_op_t));
    g->cap_ops = GB_MAX_OPS;
}

int add_tensor(tfg_graph_t *g, const char *name, tfg_dtype_t dt, const int32_t *dims, int rank)
{
    const int t = tfg_graph_add_tensor(g, name);
    if (t < 0) abort();
    tfg_tensor_t *x = &g->tensors[t];
    x->dtype = dt;
    x->rank = rank;
    if (rank) memcpy(x->dims, dims, sizeof(int32_t) * (size_t)rank);
    return t;
}

void set_quant_n(tfg_graph_t *g, int t, int n, const float *scales, int32_t zp, int32_t qdim)
{
    tfg_tensor_t *x = &g->tensors[t];
    free(x->scale); /* a tensor may be requantized (per-tensor weights made per-channel) */
    free(x->zero_point);
    x->n_q = n;
    x->scale = malloc(sizeof(float) * (size_t)n);
    x->zero_point = malloc(sizeof(int32_t) * (size_t)n);
    for (int i = 0; i < n; i++) {
        x->scale[i] = scales[i];
        x->zero_point[i] = zp;
    }
    x->q_dim = qdim;
}

void set_quant(tfg_graph_t *g, int t, float scale, int32_t zp)
{
    set_quant_n(g, t, 1, &scale, zp, 0);
}

void set_data(tfg_graph_t *g, int t, const void *src)
{
    tfg_tensor_t *x = &g->tensors[t];
    const size_t n = (size_t)tfg_tensor_bytes(x);
    uint8_t *p = tfg_graph_alloc(g, n);
    memcpy(p, src, n);
    x->data = p;
    x->data_bytes = n;
}

int add_act(tfg_graph_t *g, const char *name, const int32_t *dims, int rank, float scale, int32_t zp)
{
    const int t = add_tensor(g, name, TFG_DT_INT8, dims, rank);
    set_quant(g, t, scale, zp);
    return t;
}

int add_const_i32(tfg_graph_t *g, const char *name, const int32_t *dims, int rank, const int32_t *vals)
{
    const int t = add_tensor(g, name, TFG_DT_INT32, dims, rank);
    set_data(g, t, vals);
    return t;
}

int add_scalar_i32(tfg_graph_t *g, const char *name, int32_t v)
{
    return add_const_i32(g, name, NULL, 0, &v);
}

/* Symmetric int8 weights (zero point 0, one scale). */
int add_weights(tfg_graph_t *g, const char *name, const int32_t *dims, int rank, const int8_t *vals,
                float scale)
{
    const int t = add_act(g, name, dims, rank, scale, 0);
    set_data(g, t, vals);
    return t;
}

tfg_op_t *add_op(tfg_graph_t *g, tfg_op_type_t type, const int *in, int n_in, const int *out, int n_out)
{
    if (g->n_ops == GB_MAX_OPS) abort();
    tfg_op_t *op = &g->ops[g->n_ops];
    memset(op, 0, sizeof *op);
    op->type = type;
    op->model_index = g->n_ops++;
    op->n_in = n_in;
    op->n_out = n_out;
    memcpy(op->in, in, sizeof(int) * (size_t)n_in);
    memcpy(op->out, out, sizeof(int) * (size_t)n_out);
    op->sp.stride_h = op->sp.stride_w = op->sp.dil_h = op->sp.dil_w = 1;
    op->sp.k_h = op->sp.k_w = op->sp.depth_mult = 1;
    return op;
}

void set_io(tfg_graph_t *g, const int *in, int n_in, const int *out, int n_out)
{
    memcpy(g->inputs, in, sizeof(int) * (size_t)n_in);
    memcpy(g->outputs, out, sizeof(int) * (size_t)n_out);
    g->n_inputs = n_in;
    g->n_outputs = n_out;
}
