/* The boxes the slicing ops read; see slice.h. */
#include "ir/slice.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

static bool fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return false;
}

int tfg_slice_data(const tfg_op_t *op)
{
    return op->type == TFG_OP_SPLIT ? op->in[1] : op->in[0];
}

bool tfg_strided_axis(int64_t dim, int64_t begin, int64_t end, int64_t step, bool begin_masked,
                      bool end_masked, bool shrink, int64_t *first, int64_t *count)
{
    if (step == 0) return false;
    int64_t lo = begin_masked ? (step > 0 ? 0 : dim - 1) : (begin < 0 ? begin + dim : begin);
    if (shrink) {
        if (lo < 0 || lo >= dim) return false;
        *first = lo, *count = 1;
        return true;
    }
    int64_t hi = end_masked ? (step > 0 ? dim : -1) : (end < 0 ? end + dim : end);
    const int64_t min = step > 0 ? 0 : -1, max = step > 0 ? dim : dim - 1;
    lo = lo < min ? min : lo > max ? max : lo;
    hi = hi < min ? min : hi > max ? max : hi;
    const int64_t span = step > 0 ? hi - lo : lo - hi, mag = step > 0 ? step : -step;
    *first = lo;
    *count = span > 0 ? (span + mag - 1) / mag : 0;
    return true;
}

/* A constant integer parameter with `want` values (or any count if want < 0). */
static const tfg_tensor_t *param(const tfg_graph_t *g, const tfg_op_t *op, int slot, const char *role,
                                 int64_t want, char *why, size_t n)
{
    if (slot >= op->n_in || op->in[slot] < 0) return fail(why, n, "%s is missing", role), NULL;
    const tfg_tensor_t *t = &g->tensors[op->in[slot]];
    if (!tfg_tensor_is_const(t) || (t->dtype != TFG_DT_INT32 && t->dtype != TFG_DT_INT64))
        return fail(why, n, "%s '%s' must be a constant int32 or int64 tensor", role, t->name), NULL;
    if (want >= 0 && tfg_tensor_elems(t) != want)
        return fail(why, n, "%s '%s' has %lld values, expected %lld", role, t->name,
                    (long long)tfg_tensor_elems(t), (long long)want),
               NULL;
    return t;
}

/* SPLIT's and SPLIT_V's axis, made non-negative. */
static bool split_axis(const tfg_graph_t *g, const tfg_op_t *op, int slot, int rank, int *axis, char *why,
                       size_t n)
{
    const tfg_tensor_t *t = param(g, op, slot, "axis", 1, why, n);
    if (!t) return false;
    const int64_t a = tfg_tensor_int(t, 0);
    if (a < -rank || a >= rank)
        return fail(why, n, "axis %lld is outside a rank-%d input", (long long)a, rank);
    *axis = (int)(a < 0 ? a + rank : a);
    return true;
}

bool tfg_slice_box(const tfg_graph_t *g, const tfg_op_t *op, int k, tfg_box_t *b, char *why, size_t n)
{
    const int data = tfg_slice_data(op);
    if (data < 0) return fail(why, n, "the data input is missing");
    const tfg_tensor_t *x = &g->tensors[data];
    b->rank = b->out_rank = x->rank;
    for (int a = 0; a < x->rank; a++) b->begin[a] = 0, b->count[a] = x->dims[a], b->step[a] = 1;
    switch (op->type) {
    case TFG_OP_SLICE: {
        const tfg_tensor_t *bt = param(g, op, 1, "begin", x->rank, why, n);
        const tfg_tensor_t *st = bt ? param(g, op, 2, "size", x->rank, why, n) : NULL;
        if (!st) return false;
        for (int a = 0; a < x->rank; a++) {
            const int64_t lo = tfg_tensor_int(bt, a), sz = tfg_tensor_int(st, a);
            const int64_t cnt = sz == -1 ? x->dims[a] - lo : sz; /* -1: to the end of the axis */
            if (lo < 0 || lo > x->dims[a] || cnt < 0 || lo + cnt > x->dims[a])
                return fail(why, n, "begin %lld, size %lld on axis %d of size %d: outside the input",
                            (long long)lo, (long long)sz, a, (int)x->dims[a]);
            b->begin[a] = (int32_t)lo, b->count[a] = (int32_t)cnt;
        }
        break;
    }
    case TFG_OP_STRIDED_SLICE: {
        if (op->ellipsis_mask || op->new_axis_mask)
            return fail(why, n, "ellipsis_mask and new_axis_mask are not supported");
        const tfg_tensor_t *bt = param(g, op, 1, "begin", x->rank, why, n);
        const tfg_tensor_t *et = bt ? param(g, op, 2, "end", x->rank, why, n) : NULL;
        const tfg_tensor_t *st = et ? param(g, op, 3, "strides", x->rank, why, n) : NULL;
        if (!st) return false;
        b->out_rank = 0;
        for (int a = 0; a < x->rank; a++) {
            const bool shrink = op->shrink_axis_mask >> a & 1;
            int64_t first, count;
            const int64_t step = tfg_tensor_int(st, a);
            if (!tfg_strided_axis(x->dims[a], tfg_tensor_int(bt, a), tfg_tensor_int(et, a), step,
                                  op->begin_mask >> a & 1, op->end_mask >> a & 1, shrink, &first, &count)) {
                if (!step) return fail(why, n, "axis %d has stride 0", a);
                return fail(why, n, "axis %d shrinks to index %lld, outside its %d values", a,
                            (long long)tfg_tensor_int(bt, a), (int)x->dims[a]);
            }
            b->begin[a] = (int32_t)first, b->count[a] = (int32_t)count,
            b->step[a] = shrink ? 1 : (int32_t)step;
            if (!shrink) b->out_dims[b->out_rank++] = (int32_t)count;
        }
        return true;
    }
    case TFG_OP_SPLIT: {
        int axis = 0;
        if (!split_axis(g, op, 0, x->rank, &axis, why, n)) return false;
        const int parts = op->n_out;
        if (parts < 1) return fail(why, n, "no outputs");
        if (x->dims[axis] % parts)
            return fail(why, n, "axis %d of size %d does not split into %d equal parts", axis,
                        (int)x->dims[axis], parts);
        b->count[axis] = x->dims[axis] / parts;
        b->begin[axis] = k * b->count[axis];
        break;
    }
    case TFG_OP_SPLIT_V: {
        int axis = 0;
        if (!split_axis(g, op, 2, x->rank, &axis, why, n)) return false;
        const tfg_tensor_t *st = param(g, op, 1, "size_splits", op->n_out, why, n);
        if (!st) return false;
        /* One size may be -1: what the others leave of the axis. */
        int64_t known = 0, begin = 0;
        int unknown = -1;
        for (int i = 0; i < op->n_out; i++) {
            const int64_t s = tfg_tensor_int(st, i);
            if (s == -1 && unknown < 0)
                unknown = i;
            else if (s < 0)
                return fail(why, n, "size_splits[%d] is %lld (sizes are >= 0, and one may be -1)", i,
                            (long long)s);
            else
                known += s;
        }
        if (known > x->dims[axis] || (unknown < 0 && known != x->dims[axis]))
            return fail(why, n, "size_splits add up to %lld, but axis %d has %d values", (long long)known,
                        axis, (int)x->dims[axis]);
        for (int i = 0; i <= k; i++) {
            const int64_t s = i == unknown ? x->dims[axis] - known : tfg_tensor_int(st, i);
            if (i == k) b->begin[axis] = (int32_t)begin, b->count[axis] = (int32_t)s;
            begin += s;
        }
        break;
    }
    default: return fail(why, n, "not a slicing op");
    }
    for (int a = 0; a < x->rank; a++) b->out_dims[a] = b->count[a];
    return true;
}

bool tfg_tile_dims(const tfg_graph_t *g, const tfg_op_t *op, int32_t *dims, char *why, size_t n)
{
    if (op->n_in < 2 || op->in[0] < 0) return fail(why, n, "the input is missing");
    const tfg_tensor_t *x = &g->tensors[op->in[0]];
    const tfg_tensor_t *m = param(g, op, 1, "multiples", x->rank, why, n);
    if (!m) return false;
    for (int a = 0; a < x->rank; a++) {
        const int64_t r = tfg_tensor_int(m, a), d = (int64_t)x->dims[a] * r;
        if (r < 1 || d > INT32_MAX)
            return fail(why, n, "multiple %lld on axis %d (of size %d) is out of range", (long long)r, a,
                        (int)x->dims[a]);
        dims[a] = (int32_t)d;
    }
    return true;
}

/* Drop axes of size 1, merge an axis into the next where the strides
 * continue, and store what is left (at most TFG_MAX_DIMS axes). */
static bool compact(int r, int64_t *dims, int64_t *stride, tfg_gather_params_t *p, char *why, size_t n)
{
    int k = 0;
    for (int a = 0; a < r; a++) {
        if (dims[a] == 1) continue;
        dims[k] = dims[a], stride[k] = stride[a], k++;
    }
    int out = 0;
    for (int a = 0; a < k; a++) {
        if (out > 0 && stride[out - 1] == stride[a] * dims[a]) {
            dims[out - 1] *= dims[a];
            stride[out - 1] = stride[a];
            continue;
        }
        dims[out] = dims[a], stride[out] = stride[a], out++;
    }
    if (out > TFG_MAX_DIMS)
        return fail(why, n, "the copy needs %d axes after merging (the kernel takes %d)", out, TFG_MAX_DIMS);
    p->rank = out;
    for (int a = 0; a < TFG_MAX_DIMS; a++) {
        p->dims[a] = a < out ? (int32_t)dims[a] : 0;
        p->in_stride[a] = a < out ? (int32_t)stride[a] : 0;
    }
    return true;
}

bool tfg_strided_copy(const tfg_graph_t *g, const tfg_op_t *op, int k, size_t elem_size,
                      tfg_gather_params_t *p, char *why, size_t n)
{
    const int data = op->type == TFG_OP_TILE ? op->in[0] : tfg_slice_data(op);
    const tfg_tensor_t *x = &g->tensors[data];
    int64_t in_stride[TFG_MAX_DIMS], dims[2 * TFG_MAX_DIMS + 1], stride[2 * TFG_MAX_DIMS + 1];
    int64_t st = (int64_t)elem_size;
    for (int a = x->rank - 1; a >= 0; a--) in_stride[a] = st, st *= x->dims[a];
    int r = 0;
    int64_t offset = 0;
    if (op->type == TFG_OP_DEPTH_TO_SPACE || op->type == TFG_OP_SPACE_TO_DEPTH) {
        /* NHWC, block b, output channels C. DEPTH_TO_SPACE: output (h*b + i,
         * w*b + j, c) reads input (h, w, (i*b + j)*C + c); SPACE_TO_DEPTH:
         * output (h, w, (i*b + j)*C + c) reads input (h*b + i, w*b + j, c). */
        if (x->rank != 4 || op->block_size < 1)
            return fail(why, n, "needs a 4-D input and a block size >= 1");
        const int64_t b = op->block_size, N = x->dims[0], H = x->dims[1], W = x->dims[2], C = x->dims[3];
        const int64_t es = (int64_t)elem_size;
        if (op->type == TFG_OP_DEPTH_TO_SPACE) {
            const int64_t oc = C / (b * b);
            const int64_t d[6] = {N, H, b, W, b, oc}, s[6] = {H * W * C, W * C, b * oc, C, oc, 1};
            for (int a = 0; a < 6; a++) dims[r] = d[a], stride[r++] = s[a] * es;
        } else {
            const int64_t d[6] = {N, H / b, W / b, b, b, C},
                          s[6] = {H * W * C, b * W * C, b * C, W * C, C, 1};
            for (int a = 0; a < 6; a++) dims[r] = d[a], stride[r++] = s[a] * es;
        }
    } else if (op->type == TFG_OP_TILE) {
        int32_t od[TFG_MAX_DIMS];
        if (!tfg_tile_dims(g, op, od, why, n)) return false;
        for (int a = 0; a < x->rank; a++) {
            dims[r] = od[a] / x->dims[a], stride[r++] = 0; /* the repeats */
            dims[r] = x->dims[a], stride[r++] = in_stride[a];
        }
    } else {
        tfg_box_t b;
        if (!tfg_slice_box(g, op, k, &b, why, n)) return false;
        for (int a = 0; a < x->rank; a++) {
            offset += (int64_t)b.begin[a] * in_stride[a];
            dims[r] = b.count[a], stride[r++] = (int64_t)b.step[a] * in_stride[a];
        }
    }
    dims[r] = (int64_t)elem_size, stride[r++] = 1;
    p->offset = (int32_t)offset;
    return compact(r, dims, stride, p, why, n);
}
