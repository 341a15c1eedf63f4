/* Model validation: structure, then constant folding, then per-op checks.
 *
 * Structure: tensor sizes are sane, constant buffers match their shapes, and
 * every op reads only tensors that exist by then (graph inputs, constants or
 * outputs of earlier ops) and writes each activation exactly once.
 * Per-op checks: dtypes, quantization, and shapes recomputed from the op's
 * semantics and compared with the shapes the file declares. SAME/VALID
 * padding is resolved to explicit per-side pads here, with TFLite's rule
 * (extra odd padding goes to the bottom/right).
 * Every failure names the op (its index in the model and its type). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "ir/slice.h"
#include "passes/passes.h"

#define MAX_TENSOR_BYTES (INT64_C(1) << 30)

typedef struct {
    const tfg_graph_t *g;
    const tfg_op_t *op;
    tfg_diag_t *d;
} ctx_t;

static tfg_status_t op_err(const ctx_t *c, tfg_status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static tfg_status_t op_err(const ctx_t *c, tfg_status_t st, const char *fmt, ...)
{
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return tfg_diag_set(c->d, st, "%s: op %d %s: %s", c->g->path, c->op->model_index,
                        tfg_op_name(c->op->type), what);
}

static const tfg_tensor_t *T(const ctx_t *c, int idx)
{
    return &c->g->tensors[idx];
}

static tfg_status_t need_io(const ctx_t *c, int min_in, int max_in, int n_out)
{
    if (c->op->n_in < min_in || c->op->n_in > max_in)
        return op_err(c, TFG_ERR_INVALID, "has %d inputs, expected %d..%d", c->op->n_in, min_in, max_in);
    if (c->op->n_out != n_out)
        return op_err(c, TFG_ERR_INVALID, "has %d outputs, expected %d", c->op->n_out, n_out);
    for (int i = 0; i < min_in; i++)
        if (c->op->in[i] < 0) return op_err(c, TFG_ERR_INVALID, "required input %d is missing", i);
    for (int i = 0; i < n_out; i++)
        if (c->op->out[i] < 0) return op_err(c, TFG_ERR_INVALID, "output %d is missing", i);
    return TFG_OK;
}

static tfg_status_t need_dtype(const ctx_t *c, int t, tfg_dtype_t dt, const char *role)
{
    if (T(c, t)->dtype != dt)
        return op_err(c, TFG_ERR_UNSUPPORTED, "%s '%s' is %s, expected %s", role, T(c, t)->name,
                      tfg_dtype_name(T(c, t)->dtype), tfg_dtype_name(dt));
    return TFG_OK;
}

/* Per-tensor int8 quantization, as activations need. */
static tfg_status_t need_act_quant(const ctx_t *c, int t, const char *role)
{
    const tfg_tensor_t *x = T(c, t);
    tfg_status_t st = need_dtype(c, t, TFG_DT_INT8, role);
    if (st < 0) return st;
    if (x->n_q < 1)
        return op_err(c, TFG_ERR_INVALID, "%s '%s' has no quantization parameters", role, x->name);
    if (!(x->scale[0] > 0.0f) || !isfinite(x->scale[0]))
        return op_err(c, TFG_ERR_INVALID, "%s '%s' has scale %g (must be positive and finite)", role, x->name,
                      (double)x->scale[0]);
    if (x->zero_point[0] < -128 || x->zero_point[0] > 127)
        return op_err(c, TFG_ERR_INVALID, "%s '%s' has zero point %d outside int8", role, x->name,
                      (int)x->zero_point[0]);
    return TFG_OK;
}

static tfg_status_t need_const(const ctx_t *c, int t, const char *role)
{
    if (!tfg_tensor_is_const(T(c, t)))
        return op_err(c, TFG_ERR_UNSUPPORTED, "%s '%s' must be constant", role, T(c, t)->name);
    return TFG_OK;
}

static tfg_status_t need_rank(const ctx_t *c, int t, int rank, const char *role)
{
    if (T(c, t)->rank != rank)
        return op_err(c, TFG_ERR_UNSUPPORTED, "%s '%s' has rank %d, expected %d", role, T(c, t)->name,
                      T(c, t)->rank, rank);
    return TFG_OK;
}

/* Compare the declared output shape with the one the op implies. */
static tfg_status_t need_shape(const ctx_t *c, int t, int rank, const int32_t *dims)
{
    const tfg_tensor_t *x = T(c, t);
    bool ok = x->rank == rank;
    for (int i = 0; ok && i < rank; i++) ok = x->dims[i] == dims[i];
    if (!ok) {
        char have[96], want[96];
        tfg_tensor_t tmp = {0};
        tmp.rank = rank;
        memcpy(tmp.dims, dims, sizeof(int32_t) * (size_t)rank);
        tfg_shape_str(x, have, sizeof have);
        tfg_shape_str(&tmp, want, sizeof want);
        return op_err(c, TFG_ERR_INVALID, "output '%s' is declared %s but the op computes %s", x->name, have,
                      want);
    }
    return TFG_OK;
}

#define TRY(x)                                                                                               \
    do {                                                                                                     \
        tfg_status_t st_ = (x);                                                                              \
        if (st_ < 0) return st_;                                                                             \
    } while (0)

/* TFLite's output size and leading padding for one spatial axis. */
static tfg_status_t resolve_axis(const ctx_t *c, bool same, int32_t in, int32_t k, int32_t stride,
                                 int32_t dil, int32_t *out, int32_t *pad_lo, int32_t *pad_hi)
{
    if (stride < 1 || dil < 1 || k < 1 || stride > 1024 || dil > 1024 || k > 1024)
        return op_err(c, TFG_ERR_INVALID, "stride %d, dilation %d, window %d must be in 1..1024", stride, dil,
                      k);
    const int64_t eff = (int64_t)(k - 1) * dil + 1;
    int64_t o = same ? ((int64_t)in + stride - 1) / stride : ((int64_t)in - eff + stride) / stride;
    if (o < 1)
        return op_err(c, TFG_ERR_INVALID, "window %lld is larger than input %d with VALID padding",
                      (long long)eff, in);
    int64_t total = (o - 1) * stride + eff - in;
    if (total < 0 || !same) total = 0;
    *out = (int32_t)o;
    *pad_lo = (int32_t)(total / 2);
    *pad_hi = (int32_t)(total - total / 2);
    return TFG_OK;
}

static tfg_status_t check_weights_quant(const ctx_t *c, int w, int32_t channels, int32_t qdim, bool fc)
{
    const tfg_tensor_t *x = T(c, w);
    const bool per_tensor_fc = fc && x->n_q == 1;
    TRY(need_dtype(c, w, TFG_DT_INT8, "weights"));
    if (x->n_q != 1 && x->n_q != channels)
        return op_err(c, TFG_ERR_INVALID, "weights '%s' have %d scales for %d output channels", x->name,
                      (int)x->n_q, (int)channels);
    /* TFLM checks only that the quantized axis has one entry per output
     * channel (filter dims[q_dim] == channels) and then takes scale[c] for
     * output channel c, so a model whose declared axis merely has the right
     * length runs there: it runs here too, the same way. */
    if (x->n_q > 1 && x->q_dim != qdim &&
        (x->q_dim < 0 || x->q_dim >= x->rank || x->dims[x->q_dim] != channels))
        return op_err(c, TFG_ERR_INVALID, "weights '%s' are quantized along axis %d, expected %d", x->name,
                      (int)x->q_dim, (int)qdim);
    /* TFLM's conv, depthwise and per-channel FULLY_CONNECTED Prepare
     * (PopulateConvolutionQuantizationParams) take any weight scale: a
     * negative one gives a negative multiplier (QuantizeMultiplier keeps the
     * sign), a zero one the multiplier 0 (the channel outputs its clamped
     * zero point). Real models have negative scales (MCUNet's zoo), so we
     * run them. Per-tensor FULLY_CONNECTED goes through
     * GetQuantizedConvolutionMultipler, which ENSUREs in_scale * w_scale >= 0,
     * so a negative scale there is refused as TFLM refuses it. */
    for (int i = 0; i < x->n_q; i++) {
        if (!isfinite(x->scale[i]))
            return op_err(c, TFG_ERR_INVALID, "weights '%s' scale %d is %g (must be finite)", x->name, i,
                          (double)x->scale[i]);
        if (per_tensor_fc && x->scale[i] < 0.0f)
            return op_err(
                c, TFG_ERR_INVALID,
                "weights '%s' have the negative per-tensor scale %g (TFLite's FULLY_CONNECTED requires "
                "input scale * weight scale >= 0; only per-channel weights may have negative scales)",
                x->name, (double)x->scale[i]);
        if (x->zero_point[i] != 0)
            return op_err(c, TFG_ERR_UNSUPPORTED,
                          "weights '%s' have zero point %d (int8 weights must be symmetric)", x->name,
                          (int)x->zero_point[i]);
    }
    return TFG_OK;
}

static tfg_status_t check_bias(const ctx_t *c, int b, int32_t channels)
{
    if (b < 0) return TFG_OK;
    TRY(need_const(c, b, "bias"));
    TRY(need_dtype(c, b, TFG_DT_INT32, "bias"));
    if (tfg_tensor_elems(T(c, b)) != channels)
        return op_err(c, TFG_ERR_INVALID, "bias '%s' has %lld values for %d output channels", T(c, b)->name,
                      (long long)tfg_tensor_elems(T(c, b)), (int)channels);
    return TFG_OK;
}

static tfg_status_t check_conv(const ctx_t *c, tfg_op_t *op)
{
    const bool dw = op->type == TFG_OP_DEPTHWISE_CONV_2D;
    TRY(need_io(c, 2, 3, 1));
    const int in = op->in[0], w = op->in[1], b = op->n_in > 2 ? op->in[2] : -1, out = op->out[0];
    TRY(need_act_quant(c, in, "input"));
    TRY(need_act_quant(c, out, "output"));
    TRY(need_rank(c, in, 4, "input"));
    TRY(need_rank(c, w, 4, "weights"));
    TRY(need_const(c, w, "weights"));
    const tfg_tensor_t *x = T(c, in), *wt = T(c, w);
    if (x->dims[0] != 1)
        return op_err(c, TFG_ERR_UNSUPPORTED, "batch %d (only batch 1 is supported)", x->dims[0]);
    int32_t cout, kh = wt->dims[1], kw = wt->dims[2];
    if (dw) {
        cout = wt->dims[3];
        if (wt->dims[0] != 1) return op_err(c, TFG_ERR_INVALID, "depthwise weights must have leading dim 1");
        if (x->dims[3] < 1 || cout % x->dims[3] != 0)
            return op_err(c, TFG_ERR_INVALID, "%d output channels are not a multiple of %d input channels",
                          cout, x->dims[3]);
        op->sp.depth_mult = cout / x->dims[3];
        TRY(check_weights_quant(c, w, cout, 3, false));
    } else {
        cout = wt->dims[0];
        if (wt->dims[3] != x->dims[3])
            return op_err(c, TFG_ERR_UNSUPPORTED,
                          "weights have %d input channels but the input has %d (grouped "
                          "convolution is not supported)",
                          wt->dims[3], x->dims[3]);
        TRY(check_weights_quant(c, w, cout, 0, false));
    }
    TRY(check_bias(c, b, cout));
    int32_t dims[4] = {1, 0, 0, cout};
    tfg_spatial_t *sp = &op->sp;
    sp->k_h = kh;
    sp->k_w = kw;
    TRY(resolve_axis(c, sp->same, x->dims[1], kh, sp->stride_h, sp->dil_h, &dims[1], &sp->pad_top,
                     &sp->pad_bottom));
    TRY(resolve_axis(c, sp->same, x->dims[2], kw, sp->stride_w, sp->dil_w, &dims[2], &sp->pad_left,
                     &sp->pad_right));
    return need_shape(c, out, 4, dims);
}

static tfg_status_t check_pool(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 1, 1, 1));
    const int in = op->in[0], out = op->out[0];
    TRY(need_act_quant(c, in, "input"));
    TRY(need_act_quant(c, out, "output"));
    TRY(need_rank(c, in, 4, "input"));
    const tfg_tensor_t *x = T(c, in), *y = T(c, out);
    if (x->dims[0] != 1)
        return op_err(c, TFG_ERR_UNSUPPORTED, "batch %d (only batch 1 is supported)", x->dims[0]);
    /* TFLM's pooling Prepare: scales within 1e-6, equal zero points (the
     * kernels do not requantize). */
    if (!(fabs((double)x->scale[0] - (double)y->scale[0]) <= 1e-6) || x->zero_point[0] != y->zero_point[0])
        return op_err(
            c, TFG_ERR_UNSUPPORTED,
            "input and output quantization differ (scale %g zp %d vs %g zp %d; TFLite requires scales "
            "within 1e-6 and equal zero points)",
            (double)x->scale[0], (int)x->zero_point[0], (double)y->scale[0], (int)y->zero_point[0]);
    int32_t dims[4] = {1, 0, 0, x->dims[3]};
    tfg_spatial_t *sp = &op->sp;
    TRY(resolve_axis(c, sp->same, x->dims[1], sp->k_h, sp->stride_h, 1, &dims[1], &sp->pad_top,
                     &sp->pad_bottom));
    TRY(resolve_axis(c, sp->same, x->dims[2], sp->k_w, sp->stride_w, 1, &dims[2], &sp->pad_left,
                     &sp->pad_right));
    return need_shape(c, out, 4, dims);
}

static tfg_status_t check_fc(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 2, 3, 1));
    const int in = op->in[0], w = op->in[1], b = op->n_in > 2 ? op->in[2] : -1, out = op->out[0];
    TRY(need_act_quant(c, in, "input"));
    TRY(need_act_quant(c, out, "output"));
    TRY(need_rank(c, w, 2, "weights"));
    const tfg_tensor_t *wt = T(c, w);
    const int32_t units = wt->dims[0], k = wt->dims[1];
    if (tfg_tensor_is_const(wt)) {
        TRY(check_weights_quant(c, w, units, 0, true));
    } else { /* weights the graph computes (attention's products): TFLM reads them as any tensor */
        TRY(need_act_quant(c, w, "weights"));
        if (wt->n_q != 1)
            return op_err(c, TFG_ERR_UNSUPPORTED, "weights '%s' are an activation with %d scales", wt->name,
                          (int)wt->n_q);
    }
    TRY(check_bias(c, b, units));
    /* Per-tensor FULLY_CONNECTED: TFLM's GetQuantizedConvolutionMultipler
     * ENSUREs |in_scale * w_scale - bias_scale| / out_scale <= 0.02 (double).
     * A bias that declares a scale is held to that; one without quantization
     * parameters is taken at in * w, as the converter means it (TFLM would
     * read its scale as 0 and refuse most such models; see docs/tflm-audit.md). */
    if (b >= 0 && wt->n_q == 1 && T(c, b)->n_q >= 1) {
        const double ip = (double)T(c, in)->scale[0] * (double)wt->scale[0];
        const double diff = fabs(ip - (double)T(c, b)->scale[0]) / (double)T(c, out)->scale[0];
        if (!(diff <= 0.02))
            return op_err(
                c, TFG_ERR_INVALID,
                "bias '%s' has scale %g but input scale * weight scale is %g: TFLite requires them within "
                "0.02 output scales (here %.3g)",
                T(c, b)->name, (double)T(c, b)->scale[0], ip, diff);
    }
    const int64_t n = tfg_tensor_elems(T(c, in));
    if (k < 1 || n % k != 0)
        return op_err(c, TFG_ERR_INVALID, "input has %lld values, not a multiple of %d features",
                      (long long)n, k);
    if (tfg_tensor_elems(T(c, out)) != (n / k) * units)
        return op_err(c, TFG_ERR_INVALID, "output '%s' has %lld values, expected %lld", T(c, out)->name,
                      (long long)tfg_tensor_elems(T(c, out)), (long long)((n / k) * units));
    /* a scalar output has the right count when units is 1, and no last dimension (found by the fuzzer) */
    if (T(c, out)->rank < 1 || T(c, out)->dims[T(c, out)->rank - 1] != units)
        return op_err(c, TFG_ERR_INVALID, "output '%s' last dimension is not %d", T(c, out)->name, units);
    return TFG_OK;
}

/* Broadcast two shapes (numpy rules) into dims; returns the rank or -1. */
static int broadcast(const tfg_tensor_t *a, const tfg_tensor_t *b, int32_t *dims)
{
    int r = a->rank > b->rank ? a->rank : b->rank;
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        int32_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1) return -1;
        dims[i] = da == 1 ? db : da;
    }
    return r;
}

static tfg_status_t check_eltwise(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 2, 2, 1));
    TRY(need_act_quant(c, op->in[0], "input 0"));
    TRY(need_act_quant(c, op->in[1], "input 1"));
    TRY(need_act_quant(c, op->out[0], "output"));
    int32_t dims[TFG_MAX_DIMS];
    int r = broadcast(T(c, op->in[0]), T(c, op->in[1]), dims);
    if (r < 0) return op_err(c, TFG_ERR_INVALID, "input shapes do not broadcast");
    if (r > 4) return op_err(c, TFG_ERR_UNSUPPORTED, "rank %d (at most 4 supported)", r);
    return need_shape(c, op->out[0], r, dims);
}

static tfg_status_t need_int_const(const ctx_t *c, int t, const char *role)
{
    TRY(need_const(c, t, role));
    if (T(c, t)->dtype != TFG_DT_INT32 && T(c, t)->dtype != TFG_DT_INT64)
        return op_err(c, TFG_ERR_INVALID, "%s '%s' must be int32 or int64", role, T(c, t)->name);
    return TFG_OK;
}

static tfg_status_t check_mean(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 2, 2, 1));
    TRY(need_act_quant(c, op->in[0], "input"));
    TRY(need_act_quant(c, op->out[0], "output"));
    TRY(need_int_const(c, op->in[1], "axes"));
    const tfg_tensor_t *x = T(c, op->in[0]), *ax = T(c, op->in[1]);
    bool reduce[TFG_MAX_DIMS] = {false};
    const int64_t n = tfg_tensor_elems(ax);
    if (n < 1) return op_err(c, TFG_ERR_INVALID, "no axes given");
    for (int64_t i = 0; i < n; i++) {
        int64_t a = tfg_tensor_int(ax, i);
        if (a < 0) a += x->rank;
        if (a < 0 || a >= x->rank) return op_err(c, TFG_ERR_INVALID, "axis %lld out of range", (long long)a);
        reduce[a] = true;
    }
    int32_t dims[TFG_MAX_DIMS];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (!reduce[i])
            dims[r++] = x->dims[i];
        else if (op->keep_dims)
            dims[r++] = 1;
    }
    return need_shape(c, op->out[0], r, dims);
}

static tfg_status_t check_same_quant(const ctx_t *c, int a, int b)
{
    const tfg_tensor_t *x = T(c, a), *y = T(c, b);
    if (x->scale[0] != y->scale[0] || x->zero_point[0] != y->zero_point[0])
        return op_err(c, TFG_ERR_UNSUPPORTED,
                      "'%s' and '%s' have different quantization (scale %g zp %d vs %g zp %d)", x->name,
                      y->name, (double)x->scale[0], (int)x->zero_point[0], (double)y->scale[0],
                      (int)y->zero_point[0]);
    return TFG_OK;
}

static tfg_status_t check_pad(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 2, 2, 1));
    TRY(need_act_quant(c, op->in[0], "input"));
    TRY(need_act_quant(c, op->out[0], "output"));
    /* No equal-quantization check: TFLM's PAD copies the bytes and pads
     * with the output zero point whatever the two quantizations are. */
    TRY(need_int_const(c, op->in[1], "paddings"));
    const tfg_tensor_t *x = T(c, op->in[0]), *p = T(c, op->in[1]);
    if (x->rank > 4) return op_err(c, TFG_ERR_UNSUPPORTED, "rank %d (at most 4 supported)", x->rank);
    if (p->rank != 2 || p->dims[0] != x->rank || p->dims[1] != 2)
        return op_err(c, TFG_ERR_INVALID, "paddings must have shape [%d,2]", x->rank);
    int32_t dims[TFG_MAX_DIMS];
    for (int i = 0; i < x->rank; i++) {
        int64_t lo = tfg_tensor_int(p, 2 * i), hi = tfg_tensor_int(p, 2 * i + 1);
        if (lo < 0 || hi < 0 || lo > 65536 || hi > 65536)
            return op_err(c, TFG_ERR_INVALID, "padding %lld/%lld on axis %d is out of range", (long long)lo,
                          (long long)hi, i);
        dims[i] = x->dims[i] + (int32_t)(lo + hi);
    }
    return need_shape(c, op->out[0], x->rank, dims);
}

static tfg_status_t check_reshape(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 1, 2, 1));
    const tfg_tensor_t *x = T(c, op->in[0]), *y = T(c, op->out[0]);
    if (x->dtype != y->dtype) return op_err(c, TFG_ERR_INVALID, "input and output types differ");
    if (tfg_tensor_elems(x) != tfg_tensor_elems(y))
        return op_err(c, TFG_ERR_INVALID, "input has %lld values but output '%s' has %lld",
                      (long long)tfg_tensor_elems(x), y->name, (long long)tfg_tensor_elems(y));
    /* No equal-quantization check: TFLM's RESHAPE/SQUEEZE copy the bytes. */
    if (x->dtype == TFG_DT_INT8) {
        TRY(need_act_quant(c, op->in[0], "input"));
        TRY(need_act_quant(c, op->out[0], "output"));
    }
    if (op->type == TFG_OP_EXPAND_DIMS) { /* a 1 inserted at the axis (negative: from the end) */
        TRY(need_io(c, 2, 2, 1));
        TRY(need_int_const(c, op->in[1], "axis"));
        const tfg_tensor_t *a = T(c, op->in[1]);
        const int64_t v = tfg_tensor_elems(a) == 1 ? tfg_tensor_int(a, 0) : INT64_MAX;
        const int64_t at = v < 0 ? v + x->rank + 1 : v;
        if (at < 0 || at > x->rank || x->rank >= TFG_MAX_DIMS)
            return op_err(c, TFG_ERR_INVALID, "axis must be one value in [%d, %d] of at most %d axes",
                          -x->rank - 1, x->rank, TFG_MAX_DIMS - 1);
        int32_t dims[TFG_MAX_DIMS];
        for (int i = 0, k = 0; i <= x->rank; i++) dims[i] = i == at ? 1 : x->dims[k++];
        return need_shape(c, op->out[0], x->rank + 1, dims);
    }
    if (op->type == TFG_OP_RESHAPE && op->n_in == 2 && op->in[1] >= 0) {
        /* A shape input must be constant by now (shape chains were folded) and agree with the output. */
        const tfg_tensor_t *s = T(c, op->in[1]);
        if (!tfg_tensor_is_const(s))
            return op_err(c, TFG_ERR_UNSUPPORTED, "new shape '%s' is computed at run time", s->name);
        TRY(need_int_const(c, op->in[1], "new shape"));
        /* At most one -1 (inferred) entry; every other entry must match the output. */
        const int64_t n = tfg_tensor_elems(s);
        bool ok = n == y->rank, wild = false;
        for (int64_t i = 0; ok && i < n; i++) {
            const int64_t v = tfg_tensor_int(s, i);
            if (v == -1 && !wild)
                wild = true;
            else
                ok = v == y->dims[i];
        }
        if (!ok) {
            char want[128] = "", have[96];
            size_t used = 0;
            for (int64_t i = 0; i < n && i < TFG_MAX_DIMS && used < sizeof want; i++)
                used += (size_t)snprintf(want + used, sizeof want - used, i ? "x%lld" : "%lld",
                                         (long long)tfg_tensor_int(s, i));
            tfg_shape_str(y, have, sizeof have);
            return op_err(c, TFG_ERR_INVALID, "new shape %s disagrees with output '%s' of shape %s", want,
                          y->name, have);
        }
    }
    return TFG_OK;
}

static tfg_status_t check_softmax_like(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 1, 1, 1));
    TRY(need_act_quant(c, op->in[0], "input"));
    TRY(need_act_quant(c, op->out[0], "output"));
    const tfg_tensor_t *x = T(c, op->in[0]), *y = T(c, op->out[0]);
    /* TFLM's SOFTMAX ENSUREs both; its LOGISTIC only the zero point (its
     * kernel writes 1/256 steps whatever the declared scale), so LOGISTIC
     * runs with any output scale, giving TFLM's bytes. */
    if (op->type == TFG_OP_LOGISTIC && y->zero_point[0] != -128)
        return op_err(c, TFG_ERR_UNSUPPORTED, "output zero point must be -128 (has %d)",
                      (int)y->zero_point[0]);
    if (op->type == TFG_OP_SOFTMAX && (y->scale[0] != 1.0f / 256 || y->zero_point[0] != -128))
        return op_err(c, TFG_ERR_UNSUPPORTED,
                      "output must be quantized with scale 1/256, zero point -128 (has %g, %d)",
                      (double)y->scale[0], (int)y->zero_point[0]);
    if (x->rank < 1) return op_err(c, TFG_ERR_INVALID, "scalar input");
    return need_shape(c, op->out[0], x->rank, x->dims);
}

/* RELU, RELU6, LEAKY_RELU, HARD_SWISH, TANH: one int8 input and output of
 * its shape (TFLM's RELU, LEAKY_RELU and HARD_SWISH requantize between their
 * quantizations; its RELU6 clamps the input's bytes and assumes the output
 * shares them; its TANH checks only the types and writes steps of 1/128
 * around 0 whatever the output declares, so any output quantization runs,
 * with TFLM's bytes). */
static tfg_status_t check_relu(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 1, 1, 1));
    TRY(need_act_quant(c, op->in[0], "input"));
    TRY(need_act_quant(c, op->out[0], "output"));
    const tfg_tensor_t *x = T(c, op->in[0]);
    return need_shape(c, op->out[0], x->rank, x->dims);
}

static tfg_status_t check_concat(const ctx_t *c, tfg_op_t *op)
{
    if (op->n_in < 1 || op->n_out != 1) return op_err(c, TFG_ERR_INVALID, "needs inputs and one output");
    TRY(need_act_quant(c, op->out[0], "output"));
    const tfg_tensor_t *x0 = T(c, op->in[0]);
    int axis = op->axis < 0 ? op->axis + x0->rank : op->axis;
    if (axis < 0 || axis >= x0->rank) return op_err(c, TFG_ERR_INVALID, "axis %d out of range", op->axis);
    op->axis = axis;
    int32_t dims[TFG_MAX_DIMS];
    memcpy(dims, x0->dims, sizeof dims);
    dims[axis] = 0;
    for (int i = 0; i < op->n_in; i++) {
        if (op->in[i] < 0) return op_err(c, TFG_ERR_INVALID, "input %d missing", i);
        TRY(need_act_quant(c, op->in[i], "input"));
        TRY(check_same_quant(c, op->in[i], op->out[0]));
        const tfg_tensor_t *x = T(c, op->in[i]);
        if (x->rank != x0->rank) return op_err(c, TFG_ERR_INVALID, "inputs have different ranks");
        for (int dd = 0; dd < x->rank; dd++)
            if (dd != axis && x->dims[dd] != x0->dims[dd])
                return op_err(c, TFG_ERR_INVALID, "input %d does not match along axis %d", i, dd);
        dims[axis] += x->dims[axis];
    }
    if (op->act != TFG_ACT_NONE) return op_err(c, TFG_ERR_UNSUPPORTED, "fused activation on concatenation");
    return need_shape(c, op->out[0], x0->rank, dims);
}

static tfg_status_t check_resize(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 2, 2, 1));
    TRY(need_act_quant(c, op->in[0], "input"));
    TRY(need_act_quant(c, op->out[0], "output"));
    /* No equal-quantization check: TFLM's resizes copy or interpolate the
     * bytes whatever the output declares. */
    TRY(need_rank(c, op->in[0], 4, "input"));
    TRY(need_int_const(c, op->in[1], "size"));
    if (op->type == TFG_OP_RESIZE_BILINEAR) { /* TFLM's Prepare ENSUREs both */
        TRY(need_dtype(c, op->in[1], TFG_DT_INT32, "size"));
        if (op->align_corners && op->half_pixel_centers)
            return op_err(c, TFG_ERR_INVALID, "align_corners and half_pixel_centers are both set");
    }
    const tfg_tensor_t *x = T(c, op->in[0]), *s = T(c, op->in[1]);
    if (tfg_tensor_elems(s) != 2) return op_err(c, TFG_ERR_INVALID, "size must have 2 values");
    int64_t h = tfg_tensor_int(s, 0), w = tfg_tensor_int(s, 1);
    if (h < 1 || w < 1 || h > 65536 || w > 65536)
        return op_err(c, TFG_ERR_INVALID, "size %lldx%lld out of range", (long long)h, (long long)w);
    int32_t dims[4] = {x->dims[0], (int32_t)h, (int32_t)w, x->dims[3]};
    return need_shape(c, op->out[0], 4, dims);
}

static tfg_status_t check_transpose(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 2, 2, 1));
    TRY(need_act_quant(c, op->in[0], "input"));
    TRY(need_act_quant(c, op->out[0], "output"));
    /* No equal-quantization check: TFLM's TRANSPOSE copies bytes. */
    TRY(need_int_const(c, op->in[1], "permutation"));
    const tfg_tensor_t *x = T(c, op->in[0]), *p = T(c, op->in[1]);
    if (tfg_tensor_elems(p) != x->rank)
        return op_err(c, TFG_ERR_INVALID, "permutation length differs from rank");
    bool seen[TFG_MAX_DIMS] = {false};
    int32_t dims[TFG_MAX_DIMS];
    for (int i = 0; i < x->rank; i++) {
        int64_t a = tfg_tensor_int(p, i);
        if (a < 0 || a >= x->rank || seen[a]) return op_err(c, TFG_ERR_INVALID, "invalid permutation");
        seen[a] = true;
        dims[i] = x->dims[a];
    }
    return need_shape(c, op->out[0], x->rank, dims);
}

/* SLICE, STRIDED_SLICE, SPLIT and SPLIT_V: each output a box of the int8
 * data input (ir/slice.c), its shape the box's. No equal-quantization check:
 * TFLM's kernels copy bytes. SPLIT and SPLIT_V make one box per output, as
 * TFLM's do; a num_splits written in the options must be that count (TFLite
 * checks it, TFLM reads only the outputs, so an absent one is taken as 0). */
static tfg_status_t check_slice(const ctx_t *c, tfg_op_t *op)
{
    const bool split = op->type == TFG_OP_SPLIT || op->type == TFG_OP_SPLIT_V;
    const int n_in = op->type == TFG_OP_SPLIT ? 2 : op->type == TFG_OP_STRIDED_SLICE ? 4 : 3;
    if (split && (op->n_out < 1 || (op->num_splits && op->n_out != op->num_splits)))
        return op_err(c, TFG_ERR_INVALID, "has %d outputs but num_splits %d", op->n_out, (int)op->num_splits);
    TRY(need_io(c, n_in, n_in, split ? op->n_out : 1));
    const int data = tfg_slice_data(op);
    TRY(need_act_quant(c, data, "input"));
    for (int k = 0; k < op->n_out; k++) {
        tfg_box_t b;
        char why[200];
        if (!tfg_slice_box(c->g, op, k, &b, why, sizeof why)) return op_err(c, TFG_ERR_INVALID, "%s", why);
        TRY(need_act_quant(c, op->out[k], "output"));
        TRY(need_shape(c, op->out[k], b.out_rank, b.out_dims));
    }
    return TFG_OK;
}

/* DEPTH_TO_SPACE and SPACE_TO_DEPTH: 4-D int8 NHWC, a block size >= 1 that
 * divides the channels by its square (DEPTH_TO_SPACE) or the height and
 * width (SPACE_TO_DEPTH), as TFLM's Prepare ENSUREs. Bytes copied. */
static tfg_status_t check_depth_space(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 1, 1, 1));
    TRY(need_act_quant(c, op->in[0], "input"));
    TRY(need_act_quant(c, op->out[0], "output"));
    TRY(need_rank(c, op->in[0], 4, "input"));
    const tfg_tensor_t *x = T(c, op->in[0]);
    const int32_t b = op->block_size;
    if (b < 1) return op_err(c, TFG_ERR_INVALID, "block size %d (must be >= 1)", (int)b);
    int32_t dims[4] = {x->dims[0], x->dims[1], x->dims[2], x->dims[3]};
    if (op->type == TFG_OP_DEPTH_TO_SPACE) {
        if (x->dims[3] % ((int64_t)b * b))
            return op_err(c, TFG_ERR_INVALID, "%d channels do not divide into blocks of %d x %d",
                          (int)x->dims[3], (int)b, (int)b);
        dims[1] *= b, dims[2] *= b, dims[3] /= b * b;
    } else {
        if (x->dims[1] % b || x->dims[2] % b)
            return op_err(c, TFG_ERR_INVALID, "%dx%d does not divide into blocks of %d x %d", (int)x->dims[1],
                          (int)x->dims[2], (int)b, (int)b);
        if ((int64_t)x->dims[3] * b * b > INT32_MAX) return op_err(c, TFG_ERR_INVALID, "too many channels");
        dims[1] /= b, dims[2] /= b, dims[3] *= b * b;
    }
    return need_shape(c, op->out[0], 4, dims);
}

/* TILE of an int8 activation (a constant input was folded already). */
static tfg_status_t check_tile(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 2, 2, 1));
    TRY(need_act_quant(c, op->in[0], "input"));
    TRY(need_act_quant(c, op->out[0], "output"));
    int32_t dims[TFG_MAX_DIMS];
    char why[200];
    if (!tfg_tile_dims(c->g, op, dims, why, sizeof why)) return op_err(c, TFG_ERR_INVALID, "%s", why);
    return need_shape(c, op->out[0], T(c, op->in[0])->rank, dims);
}

/* Per-tensor uint8 quantization (a QUANTIZE's uint8 side). */
static tfg_status_t need_u8_quant(const ctx_t *c, int t, const char *role)
{
    const tfg_tensor_t *x = T(c, t);
    if (x->n_q < 1)
        return op_err(c, TFG_ERR_INVALID, "%s '%s' has no quantization parameters", role, x->name);
    if (!(x->scale[0] > 0.0f) || !isfinite(x->scale[0]))
        return op_err(c, TFG_ERR_INVALID, "%s '%s' has scale %g (must be positive and finite)", role, x->name,
                      (double)x->scale[0]);
    if (x->zero_point[0] < 0 || x->zero_point[0] > 255)
        return op_err(c, TFG_ERR_INVALID, "%s '%s' has zero point %d outside uint8", role, x->name,
                      (int)x->zero_point[0]);
    return TFG_OK;
}

/* QUANTIZE: TFLM's quantize Prepare takes float32 -> int8/uint8/int16 and
 * integer -> integer requantizations (int8 <-> uint8, int8 -> int8, ...). We
 * run float32 -> int8 and every int8/uint8 pair except uint8 -> uint8 (TFLM
 * has no kernel for that pair either); other types are refused by name. */
static tfg_status_t check_quantize(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 1, 1, 1));
    const tfg_tensor_t *x = T(c, op->in[0]);
    if (op->type == TFG_OP_QUANTIZE) {
        const tfg_dtype_t yt = T(c, op->out[0])->dtype;
        if (x->dtype != TFG_DT_FLOAT32 && x->dtype != TFG_DT_INT8 && x->dtype != TFG_DT_UINT8)
            return op_err(c, TFG_ERR_UNSUPPORTED, "input type %s (float32, int8 or uint8 supported)",
                          tfg_dtype_name(x->dtype));
        if (yt != TFG_DT_INT8 && !(yt == TFG_DT_UINT8 && x->dtype == TFG_DT_INT8))
            return op_err(c, TFG_ERR_UNSUPPORTED,
                          "%s -> %s (supported: float32 -> int8, int8 <-> uint8, int8 -> int8)",
                          tfg_dtype_name(x->dtype), tfg_dtype_name(yt));
        if (x->dtype == TFG_DT_INT8) TRY(need_act_quant(c, op->in[0], "input"));
        if (x->dtype == TFG_DT_UINT8) TRY(need_u8_quant(c, op->in[0], "input"));
        if (yt == TFG_DT_UINT8)
            TRY(need_u8_quant(c, op->out[0], "output"));
        else
            TRY(need_act_quant(c, op->out[0], "output"));
    } else {
        TRY(need_act_quant(c, op->in[0], "input"));
        TRY(need_dtype(c, op->out[0], TFG_DT_FLOAT32, "output"));
    }
    return need_shape(c, op->out[0], x->rank, x->dims);
}

/* TRANSPOSE_CONV: inputs output shape, weights [O][kh][kw][I], data, bias.
 * TFLM never reads the output-shape tensor (the output tensor's own shape
 * is used); a constant that disagrees with it is refused. Padding is what
 * TFLM's Prepare computes: ComputePaddingHeightWidth run as if the op were a
 * convolution from the output back to the input (its output size from the
 * transpose conv's output size, C's truncating division), leading half only.
 * Any output size is accepted, as TFLM accepts it: taps that land outside
 * the output are dropped, output pixels no tap reaches are bias alone. */
static tfg_status_t check_transpose_conv(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 3, 4, 1));
    const int shape = op->in[0], w = op->in[1], in = op->in[2], b = op->n_in > 3 ? op->in[3] : -1,
              out = op->out[0];
    TRY(need_act_quant(c, in, "input"));
    TRY(need_act_quant(c, out, "output"));
    TRY(need_rank(c, in, 4, "input"));
    TRY(need_rank(c, out, 4, "output"));
    TRY(need_rank(c, w, 4, "weights"));
    TRY(need_const(c, w, "weights"));
    TRY(need_int_const(c, shape, "output shape"));
    TRY(need_dtype(c, shape, TFG_DT_INT32, "output shape"));
    const tfg_tensor_t *x = T(c, in), *wt = T(c, w), *y = T(c, out), *s = T(c, shape);
    if (x->dims[0] != 1)
        return op_err(c, TFG_ERR_UNSUPPORTED, "batch %d (only batch 1 is supported)", x->dims[0]);
    if (tfg_tensor_elems(s) != 4) return op_err(c, TFG_ERR_INVALID, "output shape must have 4 values");
    for (int i = 0; i < 4; i++)
        if (tfg_tensor_int(s, i) != y->dims[i]) {
            char have[96];
            tfg_shape_str(y, have, sizeof have);
            return op_err(c, TFG_ERR_INVALID,
                          "output shape [%lld,%lld,%lld,%lld] disagrees with output '%s' declared %s",
                          (long long)tfg_tensor_int(s, 0), (long long)tfg_tensor_int(s, 1),
                          (long long)tfg_tensor_int(s, 2), (long long)tfg_tensor_int(s, 3), y->name, have);
        }
    const int32_t cout = wt->dims[0];
    if (wt->dims[3] != x->dims[3])
        return op_err(c, TFG_ERR_INVALID, "weights have %d input channels but the input has %d", wt->dims[3],
                      x->dims[3]);
    if (y->dims[0] != 1 || y->dims[3] != cout)
        return op_err(c, TFG_ERR_INVALID, "output '%s' must be [1,h,w,%d] for %d weight rows", y->name, cout,
                      cout);
    TRY(check_weights_quant(c, w, cout, 0, false));
    TRY(check_bias(c, b, cout));
    tfg_spatial_t *sp = &op->sp;
    sp->k_h = wt->dims[1];
    sp->k_w = wt->dims[2];
    sp->dil_h = sp->dil_w = 1;
    const int32_t k[2] = {sp->k_h, sp->k_w}, st[2] = {sp->stride_h, sp->stride_w},
                  o[2] = {y->dims[1], y->dims[2]};
    int32_t *lo[2] = {&sp->pad_top, &sp->pad_left}, *hi[2] = {&sp->pad_bottom, &sp->pad_right};
    for (int a = 0; a < 2; a++) {
        if (st[a] < 1 || st[a] > 1024 || k[a] > 1024)
            return op_err(c, TFG_ERR_INVALID, "stride %d and window %d must be in 1..1024", st[a], k[a]);
        const int64_t back =
            sp->same ? ((int64_t)o[a] + st[a] - 1) / st[a] : ((int64_t)o[a] + st[a] - k[a]) / st[a];
        int64_t total = (back - 1) * st[a] + k[a] - o[a];
        if (total < 0) total = 0;
        *lo[a] = (int32_t)(total / 2);
        *hi[a] = (int32_t)(total - total / 2);
    }
    return TFG_OK;
}

/* BATCH_MATMUL as TFLM's Prepare checks it: two int8 operands of rank 2..5
 * (either may be a constant), batch dimensions that broadcast, equal depths;
 * one scale each (TFLM reads params.scale). The int32 sum of depth
 * products of up to 255 * 255 must not overflow (TFLM does not check; it
 * would be undefined behaviour there). */
static tfg_status_t check_batch_matmul(const ctx_t *c, tfg_op_t *op)
{
    TRY(need_io(c, 2, 2, 1));
    TRY(need_act_quant(c, op->in[0], "lhs"));
    TRY(need_act_quant(c, op->in[1], "rhs"));
    TRY(need_act_quant(c, op->out[0], "output"));
    const tfg_tensor_t *l = T(c, op->in[0]), *r = T(c, op->in[1]);
    if (l->n_q != 1 || r->n_q != 1)
        return op_err(c, TFG_ERR_UNSUPPORTED,
                      "per-channel operands (TFLM's BATCH_MATMUL takes one scale each)");
    if (l->rank < 2 || l->rank > 5 || r->rank < 2 || r->rank > 5)
        return op_err(c, TFG_ERR_UNSUPPORTED, "operands of rank %d and %d (TFLM takes ranks 2 to 5)", l->rank,
                      r->rank);
    const int rank = l->rank > r->rank ? l->rank : r->rank;
    int32_t le[5], re[5], dims[5];
    for (int i = 0; i < rank; i++) {
        le[i] = i < rank - l->rank ? 1 : l->dims[i - (rank - l->rank)];
        re[i] = i < rank - r->rank ? 1 : r->dims[i - (rank - r->rank)];
    }
    for (int i = 0; i < rank - 2; i++) {
        if (le[i] != re[i] && le[i] != 1 && re[i] != 1)
            return op_err(c, TFG_ERR_INVALID, "batch dimension %d (%d and %d) does not broadcast", i, le[i],
                          re[i]);
        dims[i] = le[i] == 1 ? re[i] : le[i];
    }
    const int32_t m = op->adj_x ? le[rank - 1] : le[rank - 2], kl = op->adj_x ? le[rank - 2] : le[rank - 1];
    const int32_t kr = op->adj_y ? re[rank - 1] : re[rank - 2], n = op->adj_y ? re[rank - 2] : re[rank - 1];
    if (kl != kr) return op_err(c, TFG_ERR_INVALID, "lhs depth %d differs from rhs depth %d", kl, kr);
    if ((int64_t)kl * 255 * 255 > INT32_MAX)
        return op_err(c, TFG_ERR_UNSUPPORTED, "depth %d could overflow the int32 accumulator", kl);
    dims[rank - 2] = m;
    dims[rank - 1] = n;
    return need_shape(c, op->out[0], rank, dims);
}

static tfg_status_t check_op(const ctx_t *c, tfg_op_t *op)
{
    switch (op->type) {
    case TFG_OP_CONV_2D:
    case TFG_OP_DEPTHWISE_CONV_2D: return check_conv(c, op);
    case TFG_OP_AVERAGE_POOL_2D:
    case TFG_OP_MAX_POOL_2D: return check_pool(c, op);
    case TFG_OP_FULLY_CONNECTED: return check_fc(c, op);
    case TFG_OP_ADD:
    case TFG_OP_MUL:
    case TFG_OP_SUB:
    case TFG_OP_MINIMUM:
    case TFG_OP_MAXIMUM:
    case TFG_OP_PRELU: return check_eltwise(c, op); /* PRELU: input, alpha (broadcast), output */
    case TFG_OP_MEAN: return check_mean(c, op);
    case TFG_OP_REDUCE_MAX: {
        /* TFLM ENSUREs one quantization: the max of the bytes is the output */
        TRY(check_mean(c, op));
        const tfg_tensor_t *x = T(c, op->in[0]), *y = T(c, op->out[0]);
        if ((double)x->scale[0] != (double)y->scale[0] || x->zero_point[0] != y->zero_point[0])
            return op_err(c, TFG_ERR_INVALID,
                          "input and output quantization differ (TFLM requires them equal)");
        return TFG_OK;
    }
    case TFG_OP_PAD: return check_pad(c, op);
    case TFG_OP_RESHAPE:
    case TFG_OP_SQUEEZE:
    case TFG_OP_EXPAND_DIMS: return check_reshape(c, op);
    case TFG_OP_SOFTMAX:
    case TFG_OP_LOGISTIC: return check_softmax_like(c, op);
    case TFG_OP_RELU:
    case TFG_OP_RELU6:
    case TFG_OP_LEAKY_RELU:
    case TFG_OP_HARD_SWISH:
    case TFG_OP_TANH: return check_relu(c, op);
    case TFG_OP_CONCATENATION: return check_concat(c, op);
    case TFG_OP_RESIZE_NEAREST_NEIGHBOR:
    case TFG_OP_RESIZE_BILINEAR: return check_resize(c, op);
    case TFG_OP_TRANSPOSE: return check_transpose(c, op);
    case TFG_OP_TRANSPOSE_CONV: return check_transpose_conv(c, op);
    case TFG_OP_BATCH_MATMUL: return check_batch_matmul(c, op);
    case TFG_OP_QUANTIZE:
    case TFG_OP_DEQUANTIZE: return check_quantize(c, op);
    case TFG_OP_SLICE:
    case TFG_OP_SPLIT:
    case TFG_OP_SPLIT_V: return check_slice(c, op);
    case TFG_OP_TILE: return check_tile(c, op);
    case TFG_OP_DEPTH_TO_SPACE:
    case TFG_OP_SPACE_TO_DEPTH: return check_depth_space(c, op);
    case TFG_OP_STRIDED_SLICE:
        /* Of int8 data a strided copy; of integers left alive only when
         * folding could not evaluate it. */
        if (op->n_in >= 1 && op->in[0] >= 0 && T(c, op->in[0])->dtype == TFG_DT_INT8)
            return check_slice(c, op);
        /* fall through */
    case TFG_OP_SHAPE:
    case TFG_OP_PACK:
        /* Left alive only when folding could not evaluate it. */
        return op_err(c, TFG_ERR_UNSUPPORTED, "shape arithmetic that is not constant at compile time");
    default: return op_err(c, TFG_ERR_UNSUPPORTED, "no kernel");
    }
}

static tfg_status_t check_structure(tfg_graph_t *g, tfg_diag_t *d)
{
    const char *name = g->path;
    for (int i = 0; i < g->n_tensors; i++) {
        tfg_tensor_t *t = &g->tensors[i];
        const int64_t bytes = tfg_tensor_bytes(t);
        char shape[96];
        tfg_shape_str(t, shape, sizeof shape);
        if (bytes > MAX_TENSOR_BYTES) {
            /* tfg_tensor_elems saturates, so give the true size from the dims. */
            double real = (double)tfg_dtype_size(t->dtype);
            for (int k = 0; k < t->rank; k++) real *= t->dims[k];
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "%s: tensor %d '%s' of shape %s would need %.4g bytes (limit 1 GiB)", name, i,
                                t->name, shape, real);
        }
        if (bytes == 0 && !t->data && t->rank > 0)
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                                "%s: tensor %d '%s' has shape %s: empty tensors are not supported", name, i,
                                t->name, shape);
        if (t->data && (int64_t)t->data_bytes != bytes)
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "%s: tensor %d '%s' has %zu bytes of data but its shape needs %lld", name, i,
                                t->name, t->data_bytes, (long long)bytes);
    }
    /* 0 = not yet available, 1 = available (input, constant or written). */
    char *ready = calloc((size_t)g->n_tensors + 1, 1);
    if (!ready) return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", name);
    tfg_status_t st = TFG_OK;
    for (int i = 0; i < g->n_tensors; i++) ready[i] = tfg_tensor_is_const(&g->tensors[i]);
    for (int i = 0; i < g->n_inputs && st == TFG_OK; i++) {
        if (g->inputs[i] < 0)
            st = tfg_diag_set(d, TFG_ERR_INVALID, "%s: graph input %d is missing", name, i);
        else
            ready[g->inputs[i]] = 1;
    }
    for (int i = 0; i < g->n_ops && st == TFG_OK; i++) {
        const tfg_op_t *op = &g->ops[i];
        /* Folded ops (constant shape arithmetic) already wrote their outputs as
         * constants; skipping them lets a validated graph be validated again. */
        if (op->dead) continue;
        for (int j = 0; j < op->n_in && st == TFG_OK; j++)
            if (op->in[j] >= 0 && !ready[op->in[j]])
                st = tfg_diag_set(
                    d, TFG_ERR_INVALID, "%s: op %d %s reads tensor %d '%s' before any op writes it", name,
                    op->model_index, tfg_op_name(op->type), op->in[j], g->tensors[op->in[j]].name);
        for (int j = 0; j < op->n_out && st == TFG_OK; j++) {
            int t = op->out[j];
            if (t < 0)
                st = tfg_diag_set(d, TFG_ERR_INVALID, "%s: op %d %s has a missing output", name,
                                  op->model_index, tfg_op_name(op->type));
            else if (ready[t])
                st = tfg_diag_set(d, TFG_ERR_INVALID,
                                  "%s: op %d %s writes tensor %d '%s', which already has a value", name,
                                  op->model_index, tfg_op_name(op->type), t, g->tensors[t].name);
            else
                ready[t] = 1;
        }
    }
    for (int i = 0; i < g->n_outputs && st == TFG_OK; i++)
        if (g->outputs[i] < 0 || !ready[g->outputs[i]])
            st = tfg_diag_set(d, TFG_ERR_INVALID, "%s: graph output %d is never written", name, i);
    free(ready);
    if (st == TFG_OK && g->n_outputs == 0)
        st = tfg_diag_set(d, TFG_ERR_INVALID, "%s: model has no outputs", name);
    return st;
}

/* The memory plan gives every graph input and output a buffer in the arena;
 * a constant has none. An input with data is a malformed file; an output can
 * also become constant here, when folding computes it (a TILE of constants
 * that is itself an output), and then the model computes nothing for it at
 * run time. Checked after folding, so both are refused by name. */
static tfg_status_t check_io_not_const(const tfg_graph_t *g, tfg_diag_t *d)
{
    const char *name = g->path;
    for (int i = 0; i < g->n_inputs; i++)
        if (tfg_tensor_is_const(&g->tensors[g->inputs[i]]))
            return tfg_diag_set(d, TFG_ERR_INVALID, "%s: graph input %d '%s' is a constant (it has data)",
                                name, i, g->tensors[g->inputs[i]].name);
    for (int i = 0; i < g->n_outputs; i++)
        if (tfg_tensor_is_const(&g->tensors[g->outputs[i]]))
            return tfg_diag_set(
                d, TFG_ERR_UNSUPPORTED,
                "%s: graph output %d '%s' is a constant: no op computes it at run time, so it "
                "has no place in the arena",
                name, i, g->tensors[g->outputs[i]].name);
    return TFG_OK;
}

tfg_status_t tfg_graph_validate(tfg_graph_t *g, tfg_diag_t *d)
{
    TRY(check_structure(g, d));
    TRY(tfg_fold_shape_arithmetic(g, d));
    TRY(check_io_not_const(g, d));
    for (int i = 0; i < g->n_ops; i++) {
        tfg_op_t *op = &g->ops[i];
        if (op->dead) continue;
        ctx_t c = {g, op, d};
        TRY(check_op(&c, op));
    }
    return TFG_OK;
}
