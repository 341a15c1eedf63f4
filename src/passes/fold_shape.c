/* Constant folding of shape arithmetic (SHAPE, PACK and STRIDED_SLICE), and
 * of TILE on constants.
 *
 * Converters emit chains such as SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE to
 * compute a new shape at run time. All shapes are static here, so the chain
 * is evaluated once: each op whose inputs are constant writes its result
 * into graph-owned memory, its output tensor becomes a constant, and the op
 * is marked dead. Anything that cannot be evaluated stays alive and is
 * rejected by validation with the op's name. Only integer vectors (rank <= 1)
 * are handled: that is what shape arithmetic produces. A TILE whose input is
 * a constant (SSD's anchor boxes) is folded whatever its type and rank. */
#include <string.h>

#include "ir/slice.h"
#include "passes/passes.h"

static bool is_int_const(const tfg_tensor_t *t)
{
    return t->data && (t->dtype == TFG_DT_INT32 || t->dtype == TFG_DT_INT64) && t->rank <= 1;
}

/* Give tensor `out` the values vals[0..n) as constant data in its own dtype. */
static tfg_status_t set_const(tfg_graph_t *g, const tfg_op_t *op, tfg_tensor_t *out, const int64_t *vals,
                              int64_t n, tfg_diag_t *d)
{
    if (out->dtype != TFG_DT_INT32 && out->dtype != TFG_DT_INT64)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: op %d %s: output '%s' is not an integer type",
                            g->path, op->model_index, tfg_op_name(op->type), out->name);
    if (tfg_tensor_elems(out) != n)
        return tfg_diag_set(d, TFG_ERR_INVALID,
                            "%s: op %d %s: output '%s' is declared with %lld values but computes %lld",
                            g->path, op->model_index, tfg_op_name(op->type), out->name,
                            (long long)tfg_tensor_elems(out), (long long)n);
    const size_t es = tfg_dtype_size(out->dtype);
    uint8_t *buf = tfg_graph_alloc(g, es * (size_t)n);
    if (!buf) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", g->path);
    for (int64_t i = 0; i < n; i++) {
        if (es == 8)
            memcpy(buf + 8 * i, &vals[i], 8);
        else {
            int32_t v = (int32_t)vals[i];
            memcpy(buf + 4 * i, &v, 4);
        }
    }
    out->data = buf;
    out->data_bytes = es * (size_t)n;
    return TFG_OK;
}

/* 1-D strided slice with TFLite's masks; returns count or -1 if unsupported. */
static int64_t slice_1d(const tfg_op_t *op, const tfg_graph_t *g, int64_t *vals)
{
    const tfg_tensor_t *x = &g->tensors[op->in[0]], *b = &g->tensors[op->in[1]], *e = &g->tensors[op->in[2]],
                       *s = &g->tensors[op->in[3]];
    if (x->rank != 1 || tfg_tensor_elems(b) != 1 || tfg_tensor_elems(e) != 1 || tfg_tensor_elems(s) != 1)
        return -1;
    if (op->ellipsis_mask || op->new_axis_mask) return -1;
    const int64_t stride = tfg_tensor_int(s, 0);
    int64_t first, count;
    if (!tfg_strided_axis(x->dims[0], tfg_tensor_int(b, 0), tfg_tensor_int(e, 0), stride, op->begin_mask & 1,
                          op->end_mask & 1, op->shrink_axis_mask & 1, &first, &count))
        return -1;
    for (int64_t k = 0; k < count; k++) vals[k] = tfg_tensor_int(x, first + k * stride);
    return count;
}

/* TILE of a constant (SSD's anchors) becomes a constant, in any element
 * type, copied by the kernel that runs TILE on activations. Returns 1 if
 * folded, 0 if left for validation to check or refuse, < 0 on failure. */
static int fold_tile(tfg_graph_t *g, tfg_op_t *op, tfg_diag_t *d)
{
    if (op->n_in != 2 || op->in[0] < 0 || op->in[1] < 0 || !tfg_tensor_is_const(&g->tensors[op->in[0]]))
        return 0;
    const tfg_tensor_t *x = &g->tensors[op->in[0]];
    tfg_tensor_t *y = &g->tensors[op->out[0]];
    int32_t dims[TFG_MAX_DIMS];
    char why[160];
    tfg_gather_params_t p;
    if (y->data || y->dtype != x->dtype || y->rank != x->rank || !tfg_tile_dims(g, op, dims, why, sizeof why))
        return 0;
    for (int a = 0; a < x->rank; a++)
        if (y->dims[a] != dims[a]) return 0;
    const size_t es = tfg_dtype_size(x->dtype);
    if (!es || !tfg_strided_copy(g, op, 0, es, &p, why, sizeof why)) return 0;
    const size_t bytes = (size_t)tfg_tensor_bytes(y);
    int8_t *buf = tfg_graph_alloc(g, bytes ? bytes : 1);
    if (!buf) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", g->path);
    tfg_gather_s8(&p, (const int8_t *)x->data, buf);
    y->data = (const uint8_t *)buf;
    y->data_bytes = bytes;
    op->dead = true;
    return 1;
}

tfg_status_t tfg_fold_shape_arithmetic(tfg_graph_t *g, tfg_diag_t *d)
{
    for (int i = 0; i < g->n_ops; i++) {
        tfg_op_t *op = &g->ops[i];
        if (op->dead || op->n_out != 1 || op->out[0] < 0) continue;
        tfg_tensor_t *out = &g->tensors[op->out[0]];
        int64_t vals[TFG_MAX_DIMS * 4];
        int64_t n = -1;
        switch (op->type) {
        case TFG_OP_SHAPE:
            if (op->n_in == 1 && op->in[0] >= 0) {
                const tfg_tensor_t *x = &g->tensors[op->in[0]];
                for (int k = 0; k < x->rank; k++) vals[k] = x->dims[k];
                n = x->rank;
            }
            break;
        case TFG_OP_PACK: {
            /* Scalars (or equal 1-D vectors along axis 0) stacked into a vector. */
            bool ok = op->n_in >= 1 && op->axis == 0;
            n = 0;
            for (int k = 0; ok && k < op->n_in; k++) {
                const tfg_tensor_t *x = op->in[k] >= 0 ? &g->tensors[op->in[k]] : NULL;
                ok = x && is_int_const(x) && x->rank == 0;
                if (ok && n < (int64_t)(sizeof vals / sizeof vals[0]))
                    vals[n++] = tfg_tensor_int(x, 0);
                else
                    ok = false;
            }
            if (!ok) n = -1;
            break;
        }
        case TFG_OP_TILE: {
            const int st = fold_tile(g, op, d);
            if (st < 0) return st;
            continue;
        }
        case TFG_OP_STRIDED_SLICE: {
            bool ok = op->n_in == 4;
            for (int k = 0; ok && k < 4; k++) ok = op->in[k] >= 0 && is_int_const(&g->tensors[op->in[k]]);
            if (ok && tfg_tensor_elems(&g->tensors[op->in[0]]) <= TFG_MAX_DIMS * 4) n = slice_1d(op, g, vals);
            break;
        }
        default: continue;
        }
        if (n < 0) continue; /* left for validation to reject by name */
        if (out->data)
            return tfg_diag_set(d, TFG_ERR_INVALID, "%s: op %d %s writes constant tensor '%s'", g->path,
                                op->model_index, tfg_op_name(op->type), out->name);
        tfg_status_t st = set_const(g, op, out, vals, n, d);
        if (st < 0) return st;
        op->dead = true;
    }
    return TFG_OK;
}
