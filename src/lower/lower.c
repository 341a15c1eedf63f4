/* Lowering IR ops to kernel steps; see lower.h.
 *
 * The float/double details below are TFLite's (docs/tflm-semantics.md) and
 * matter for bit-exactness: a multiplier that differs in its last bit changes
 * a rounding somewhere in a real model. In particular the fully connected
 * per-tensor scale product is formed in float before widening, while
 * convolutions form it in double. */
#include "lower/lower.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/slice.h"

void tfg_quantize_multiplier(double m, int32_t *mult, int32_t *shift)
{
    if (m == 0.0) {
        *mult = 0;
        *shift = 0;
        return;
    }
    int e;
    const double q = frexp(m, &e);
    int64_t qf = (int64_t)llround(q * 2147483648.0);
    if (qf == (INT64_C(1) << 31)) {
        qf /= 2;
        e++;
    }
    if (e < -31) {
        e = 0;
        qf = 0;
    }
    *mult = (int32_t)qf;
    *shift = e;
}

typedef struct {
    tfg_graph_t *g;
    const tfg_op_t *op;
    tfg_diag_t *d;
} lctx_t;

static tfg_status_t lerr(const lctx_t *c, const char *what)
{
    return tfg_diag_set(c->d, TFG_ERR_UNSUPPORTED, "%s: op %d %s: %s", c->g->path, c->op->model_index,
                        tfg_op_name(c->op->type), what);
}

static const tfg_tensor_t *TT(const lctx_t *c, int i)
{
    return &c->g->tensors[i];
}

/* A multiplier the runtime can apply: shift within what tfg_requant handles. */
static tfg_status_t quant_mult(const lctx_t *c, double m, int32_t *mult, int32_t *shift)
{
    tfg_quantize_multiplier(m, mult, shift);
    if (!(m >= 0.0) || !isfinite(m) || *shift > 30) return lerr(c, "requantization scale is out of range");
    return TFG_OK;
}

/* A weight channel's multiplier. Weight scales may be negative or zero
 * (see check_weights_quant), and QuantizeMultiplier keeps the sign: a
 * negative scale gives mult in [-2^31, -2^30] with the positive case's shift
 * rule, which tfg_requant applies exactly. The one product it does not
 * reproduce is TFLite's saturation of INT32_MIN * INT32_MIN in the high
 * multiply: that needs mult = -2^31 (a scale within 2^-53 of minus a power of
 * two) and an accumulator shifted left to -2^31, which requires a left shift
 * (accumulators stay within +-(2^31 - 1), see prep_channels). That one case
 * is refused rather than given a branch in every kernel's inner loop. */
static tfg_status_t channel_mult(const lctx_t *c, double m, int32_t *mult, int32_t *shift)
{
    tfg_quantize_multiplier(m, mult, shift);
    if (!isfinite(m) || *shift > 30) return lerr(c, "requantization scale is out of range");
    if (*mult == INT32_MIN && *shift > 0)
        return lerr(c, "a channel's multiplier is -2^31 with a left shift (TFLite saturates one accumulator "
                       "value there; not supported)");
    return TFG_OK;
}

/* TFLite's CalculateActivationRangeQuantized for int8. */
static void act_range(const tfg_tensor_t *out, tfg_act_t act, int32_t *lo, int32_t *hi)
{
    const float s = out->scale[0];
    const int32_t zp = out->zero_point[0];
    int32_t mn = -128, mx = 127;
    if (act == TFG_ACT_RELU || act == TFG_ACT_RELU6) {
        int32_t q0 = zp + (int32_t)roundf(0.0f / s);
        mn = q0 > mn ? q0 : mn;
        if (act == TFG_ACT_RELU6) {
            float r = roundf(6.0f / s);
            int32_t q6 = r > 1e9f ? INT32_MAX / 2 : zp + (int32_t)r;
            mx = q6 < mx ? q6 : mx;
        }
    } else if (act == TFG_ACT_RELU_N1_TO_1) {
        float rl = roundf(-1.0f / s), rh = roundf(1.0f / s);
        int32_t ql = rl < -1e9f ? INT32_MIN / 2 : zp + (int32_t)rl;
        int32_t qh = rh > 1e9f ? INT32_MAX / 2 : zp + (int32_t)rh;
        mn = ql > mn ? ql : mn;
        mx = qh < mx ? qh : mx;
    }
    *lo = mn;
    *hi = mx;
}

static int32_t read_i32(const uint8_t *p, int64_t i)
{
    int32_t v;
    memcpy(&v, p + 4 * i, 4);
    return v;
}

/* Per-output-channel requantization entries (one table: tinyforge/fixedpoint.h),
 * and bias with -in_zp * sum(w) folded in, unless the kernel subtracts the
 * zero point itself (fold_zp false: TRANSPOSE_CONV, whose taps per output
 * pixel vary). The data input is the op's in[x_slot].
 * Weight element (oc, j) is at w[oc * oc_stride + j * j_stride], j < taps. */
static tfg_status_t prep_channels(const lctx_t *c, int x_slot, bool fold_zp, int w_idx, const int8_t *wd,
                                  int b_idx, int32_t n_oc, int64_t oc_stride, int64_t j_stride, int64_t taps,
                                  bool fc, int32_t **bias_out, const tfg_rq_t **rq_out)
{
    const tfg_tensor_t *in = TT(c, c->op->in[x_slot]), *out = TT(c, c->op->out[0]), *w = TT(c, w_idx);
    int32_t *bias = tfg_graph_alloc(c->g, sizeof(int32_t) * (size_t)n_oc);
    tfg_rq_t *rq = tfg_graph_alloc(c->g, sizeof(tfg_rq_t) * (size_t)n_oc);
    if (!bias || !rq) return tfg_diag_set(c->d, TFG_ERR_NOMEM, "out of memory");
    const int32_t in_zp = fold_zp ? in->zero_point[0] : 0;
    /* The largest factor a weight meets: x or in_zp (128) when folded,
     * x - in_zp (255) when not. */
    const int64_t amax = fold_zp ? 128 : 255;
    for (int32_t oc = 0; oc < n_oc; oc++) {
        int64_t sum = 0, abs_sum = 0;
        for (int64_t j = 0; j < taps; j++) {
            const int32_t w = wd[oc * oc_stride + j * j_stride];
            sum += w;
            abs_sum += w < 0 ? -w : w;
        }
        int64_t b = (b_idx >= 0 ? read_i32(TT(c, b_idx)->data, oc) : 0) - (int64_t)in_zp * sum;
        /* Every partial sum of a channel's accumulator, in any order, lies
         * within |bias'| + amax * sum|w| (each tap adds x*w or in_zp*w, both at
         * most 128|w|, or (x - in_zp)*w; a tap is used at most once per
         * output). If that fits int32, no kernel can overflow (which would
         * be undefined behaviour); real models are far inside, a hostile file
         * is refused. */
        if ((b < 0 ? -b : b) + amax * abs_sum > INT32_MAX)
            return lerr(c, "bias and weights of a channel could overflow the int32 accumulator");
        bias[oc] = (int32_t)b;
        const float ws = w->n_q > 1 ? w->scale[oc] : w->scale[0];
        double real;
        if (fc && w->n_q == 1)
            real = (double)(in->scale[0] * ws) / (double)out->scale[0];
        else
            real = (double)in->scale[0] * (double)ws / (double)out->scale[0];
        int32_t mult, shift;
        tfg_status_t st = channel_mult(c, real, &mult, &shift);
        if (st < 0) return st;
        /* tfg_rq_apply needs |accumulator| < 2^30: the same bound, halved.
         * A channel outside the prepared form's preconditions gets the
         * general form, which the kernels requantize with tfg_requant. That
         * includes a negative multiplier (tfg_rq_make refuses it), so
         * negative-scale channels take the exact general path on every core. */
        tfg_rq_init(mult, shift, out->zero_point[0], (b < 0 ? -b : b) + amax * abs_sum < (INT64_C(1) << 30),
                    &rq[oc]);
    }
    *rq_out = rq;
    *bias_out = bias;
    return TFG_OK;
}

/* `weights` is the OHWI data: the model's, or a relayout of it. */
static tfg_status_t lower_conv_weights(const lctx_t *c, tfg_step_t *s, const int8_t *weights)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x = TT(c, op->in[0]), *w = TT(c, op->in[1]), *y = TT(c, op->out[0]);
    const int bi = op->n_in > 2 ? op->in[2] : -1;
    tfg_conv_params_t *p = &s->p.conv;
    s->kernel = TFG_K_CONV;
    p->in_place = op->in_place; /* only pointwise convs are marked (passes.c) */
    p->in_h = x->dims[1], p->in_w = x->dims[2], p->in_c = x->dims[3];
    p->out_h = y->dims[1], p->out_w = y->dims[2], p->out_c = y->dims[3];
    p->k_h = w->dims[1], p->k_w = w->dims[2];
    p->stride_h = op->sp.stride_h, p->stride_w = op->sp.stride_w;
    p->dil_h = op->sp.dil_h, p->dil_w = op->sp.dil_w;
    p->pad_top = op->sp.pad_top, p->pad_left = op->sp.pad_left;
    p->in_zp = x->zero_point[0];
    p->out_zp = y->zero_point[0];
    act_range(y, op->act, &p->act_min, &p->act_max);
    p->weights = weights;
    const int64_t taps = (int64_t)p->k_h * p->k_w * p->in_c;
    int32_t *b = NULL;
    tfg_status_t st =
        prep_channels(c, 0, true, op->in[1], weights, bi, p->out_c, taps, 1, taps, false, &b, &p->rq);
    if (st < 0) return st;
    p->bias = b;
    s->conv_ohwi = weights;
#if TFG_CONV_PACKED
    int8_t *packed = tfg_graph_alloc(c->g, tfg_conv_packed_bytes(p));
    if (!packed) return tfg_diag_set(c->d, TFG_ERR_NOMEM, "out of memory");
    tfg_conv_pack_weights(p, weights, packed);
    p->weights = packed;
#endif
    s->scratch_bytes = tfg_conv_s8_scratch_size(p);
    return TFG_OK;
}

/* A depthwise layer over a single input channel is an ordinary convolution
 * with in_c = 1 and the weights transposed from [1][kh][kw][M] to
 * [M][kh][kw][1]; the arithmetic per output channel is identical, and the
 * convolution kernel's long dot products run much faster than M-wide rows. */
static tfg_status_t lower_dwconv_as_conv(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *w = TT(c, op->in[1]);
    const int32_t m = w->dims[3], taps = w->dims[1] * w->dims[2];
    int8_t *wt = tfg_graph_alloc(c->g, (size_t)m * (size_t)taps);
    if (!wt) return tfg_diag_set(c->d, TFG_ERR_NOMEM, "out of memory");
    for (int32_t oc = 0; oc < m; oc++)
        for (int32_t t = 0; t < taps; t++) wt[oc * taps + t] = ((const int8_t *)w->data)[t * m + oc];
    return lower_conv_weights(c, s, wt);
}

static tfg_status_t lower_conv(const lctx_t *c, tfg_step_t *s)
{
    return lower_conv_weights(c, s, (const int8_t *)TT(c, c->op->in[1])->data);
}

static tfg_status_t lower_dwconv(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x = TT(c, op->in[0]), *w = TT(c, op->in[1]), *y = TT(c, op->out[0]);
    const int bi = op->n_in > 2 ? op->in[2] : -1;
    if (x->dims[3] == 1 && op->sp.depth_mult > 1 && !op->in_place) return lower_dwconv_as_conv(c, s);
    tfg_dwconv_params_t *p = &s->p.dw;
    s->kernel = TFG_K_DWCONV;
    /* The fast variant by default; the model preparation may switch a layer
     * to PLANE where that lowers the arena peak (plan/variants.c). */
    p->variant = TFG_DW_ROWS;
    p->in_h = x->dims[1], p->in_w = x->dims[2], p->in_c = x->dims[3];
    p->out_h = y->dims[1], p->out_w = y->dims[2];
    p->depth_mult = op->sp.depth_mult;
    p->k_h = w->dims[1], p->k_w = w->dims[2];
    p->stride_h = op->sp.stride_h, p->stride_w = op->sp.stride_w;
    p->dil_h = op->sp.dil_h, p->dil_w = op->sp.dil_w;
    p->pad_top = op->sp.pad_top, p->pad_left = op->sp.pad_left;
    p->in_zp = x->zero_point[0];
    p->out_zp = y->zero_point[0];
    act_range(y, op->act, &p->act_min, &p->act_max);
    p->weights = (const int8_t *)w->data;
    const int32_t out_c = y->dims[3];
    int32_t *b = NULL;
    tfg_status_t st = prep_channels(c, 0, true, op->in[1], p->weights, bi, out_c, 1, out_c,
                                    (int64_t)p->k_h * p->k_w, false, &b, &p->rq);
    if (st < 0) return st;
    p->bias = b;
    s->scratch_bytes = tfg_dwconv_s8_scratch_size(p);
    return TFG_OK;
}

/* TRANSPOSE_CONV: in[0] output shape, in[1] weights (kept in the model's
 * OHWI layout: the gather reads one channel's taps at a time), in[2] the
 * data, in[3] an optional bias. */
static tfg_status_t lower_transpose_conv(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x = TT(c, op->in[2]), *w = TT(c, op->in[1]), *y = TT(c, op->out[0]);
    const int bi = op->n_in > 3 ? op->in[3] : -1;
    tfg_transpose_conv_params_t *p = &s->p.tconv;
    s->kernel = TFG_K_TRANSPOSE_CONV;
    p->in_h = x->dims[1], p->in_w = x->dims[2], p->in_c = x->dims[3];
    p->out_h = y->dims[1], p->out_w = y->dims[2], p->out_c = y->dims[3];
    p->k_h = w->dims[1], p->k_w = w->dims[2];
    p->stride_h = op->sp.stride_h, p->stride_w = op->sp.stride_w;
    p->pad_top = op->sp.pad_top, p->pad_left = op->sp.pad_left;
    p->in_zp = x->zero_point[0];
    p->out_zp = y->zero_point[0];
    act_range(y, op->act, &p->act_min, &p->act_max);
    p->weights = (const int8_t *)w->data;
    const int64_t taps = (int64_t)p->k_h * p->k_w * p->in_c;
    int32_t *b = NULL;
    tfg_status_t st =
        prep_channels(c, 2, false, op->in[1], p->weights, bi, p->out_c, taps, 1, taps, false, &b, &p->rq);
    if (st < 0) return st;
    p->bias = b;
    return TFG_OK;
}

/* The one multiplier of a product of two activations, as TFLite's
 * GetQuantizedConvolutionMultipler gives it (the float product of the two
 * scales, then the quotient in double); prepared when |acc| <= bound stays
 * below 2^30. */
static tfg_status_t product_rq(const lctx_t *c, const tfg_tensor_t *l, const tfg_tensor_t *r,
                               const tfg_tensor_t *y, int64_t bound, tfg_batch_matmul_params_t *p)
{
    const double real = (double)(l->scale[0] * r->scale[0]) / (double)y->scale[0];
    int32_t mult, shift;
    tfg_status_t st = quant_mult(c, real, &mult, &shift);
    if (st < 0) return st;
    tfg_rq_init(mult, shift, p->out_zp, bound < (INT64_C(1) << 30), &p->rq);
    return TFG_OK;
}

/* BATCH_MATMUL: shapes extended to rank 5 with leading 1s; each side's
 * batch strides are its contiguous strides, 0 along a broadcast axis. */
static tfg_status_t lower_batch_matmul(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *l = TT(c, op->in[0]), *r = TT(c, op->in[1]), *y = TT(c, op->out[0]);
    tfg_batch_matmul_params_t *p = &s->p.bmm;
    s->kernel = TFG_K_BATCH_MATMUL;
    int32_t le[5], re[5], ye[5];
    int64_t ls = 1, rs = 1;
    int32_t lst[5], rst[5];
    for (int i = 4; i >= 0; i--) {
        le[i] = i - (5 - l->rank) >= 0 ? l->dims[i - (5 - l->rank)] : 1;
        re[i] = i - (5 - r->rank) >= 0 ? r->dims[i - (5 - r->rank)] : 1;
        ye[i] = i - (5 - y->rank) >= 0 ? y->dims[i - (5 - y->rank)] : 1;
        lst[i] = (int32_t)ls, rst[i] = (int32_t)rs;
        ls *= le[i], rs *= re[i];
    }
    for (int i = 0; i < 3; i++) {
        p->batch[i] = ye[i];
        p->lhs_batch[i] = le[i] == 1 ? 0 : lst[i];
        p->rhs_batch[i] = re[i] == 1 ? 0 : rst[i];
    }
    p->rows = ye[3], p->cols = ye[4];
    p->depth = op->adj_x ? le[3] : le[4];
    p->lhs_row = op->adj_x ? 1 : le[4], p->lhs_depth = op->adj_x ? le[4] : 1;
    p->rhs_depth = op->adj_y ? 1 : re[4], p->rhs_col = op->adj_y ? re[4] : 1;
    p->lhs_zp = l->zero_point[0], p->rhs_zp = r->zero_point[0], p->out_zp = y->zero_point[0];
    p->act_min = -128, p->act_max = 127;                             /* no fused activation */
    return product_rq(c, l, r, y, (int64_t)p->depth * 255 * 255, p); /* no bias */
}

/* Pairs (i, f) along one axis of a TRANSPOSE_CONV whose tap lands inside
 * the output: input index i in [0, n), kernel index f in [0, k),
 * 0 <= i * stride - pad + f < out. */
static int64_t tconv_axis_taps(int32_t n, int32_t k, int32_t stride, int32_t pad, int32_t out)
{
    int64_t cnt = 0;
    for (int32_t f = 0; f < k; f++) {
        /* i * stride in [pad - f, out - 1 + pad - f] */
        const int64_t lo_v = (int64_t)pad - f, hi_v = (int64_t)out - 1 + pad - f;
        int64_t lo = lo_v <= 0 ? 0 : (lo_v + stride - 1) / stride;
        int64_t hi = hi_v < 0 ? -1 : hi_v / stride;
        if (hi > n - 1) hi = n - 1;
        if (hi >= lo) cnt += hi - lo + 1;
    }
    return cnt;
}

/* FULLY_CONNECTED whose weights are an activation (YOLO11n's attention
 * may come out of the converter this way): the product of two activations,
 * run by the BATCH_MATMUL kernel as [batches x in] . [out x in]^T. Both zero
 * points are subtracted in the loop (nothing can be folded), the bias added
 * as the model has it, TFLite's per-tensor multiplier and the fused
 * activation's range. */
static tfg_status_t lower_fc_activation(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x = TT(c, op->in[0]), *w = TT(c, op->in[1]), *y = TT(c, op->out[0]);
    tfg_batch_matmul_params_t *p = &s->p.bmm;
    s->kernel = TFG_K_BATCH_MATMUL;
    s->n_in = 2;
    s->in[1] = op->in[1];
    p->batch[0] = p->batch[1] = p->batch[2] = 1;
    p->depth = w->dims[1], p->cols = w->dims[0];
    p->rows = (int32_t)(tfg_tensor_elems(x) / p->depth);
    p->lhs_row = p->depth, p->lhs_depth = 1, p->rhs_depth = 1, p->rhs_col = p->depth;
    p->lhs_zp = x->zero_point[0], p->rhs_zp = w->zero_point[0], p->out_zp = y->zero_point[0];
    act_range(y, op->act, &p->act_min, &p->act_max);
    int64_t bmax = 0;
    if (op->n_in > 2 && op->in[2] >= 0) {
        int32_t *b = tfg_graph_alloc(c->g, sizeof(int32_t) * (size_t)p->cols);
        if (!b) return tfg_diag_set(c->d, TFG_ERR_NOMEM, "out of memory");
        for (int32_t j = 0; j < p->cols; j++) {
            b[j] = read_i32(TT(c, op->in[2])->data, j);
            bmax = llabs((long long)b[j]) > bmax ? llabs((long long)b[j]) : bmax;
        }
        p->bias = b;
    }
    const int64_t bound = bmax + (int64_t)p->depth * 255 * 255;
    if (bound > INT32_MAX) return lerr(c, "bias and depth could overflow the int32 accumulator");
    return product_rq(c, x, w, y, bound, p);
}

static tfg_status_t lower_fc(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    if (!tfg_tensor_is_const(TT(c, op->in[1]))) return lower_fc_activation(c, s);
    const tfg_tensor_t *x = TT(c, op->in[0]), *w = TT(c, op->in[1]), *y = TT(c, op->out[0]);
    const int bi = op->n_in > 2 ? op->in[2] : -1;
    tfg_fc_params_t *p = &s->p.fc;
    s->kernel = TFG_K_FC;
    p->in_features = w->dims[1];
    p->out_features = w->dims[0];
    p->batches = (int32_t)(tfg_tensor_elems(x) / p->in_features);
    p->out_zp = y->zero_point[0];
    act_range(y, op->act, &p->act_min, &p->act_max);
    p->weights = (const int8_t *)w->data;
    int32_t *b = NULL;
    tfg_status_t st = prep_channels(c, 0, true, op->in[1], p->weights, bi, p->out_features, p->in_features, 1,
                                    p->in_features, true, &b, &p->rq);
    if (st < 0) return st;
    p->bias = b;
    return TFG_OK;
}

/* Output-aligned 4-D strides of an input for broadcasting. */
static void bcast_strides(const tfg_tensor_t *in, const int32_t *odims, int32_t *stride)
{
    int32_t dims[4] = {1, 1, 1, 1};
    for (int i = 0; i < in->rank; i++) dims[4 - in->rank + i] = in->dims[i];
    int32_t st = 1;
    for (int i = 3; i >= 0; i--) {
        stride[i] = (dims[i] == 1 && odims[i] != 1) ? 0 : st;
        st *= dims[i];
    }
}

/* PRELU as TFLM prepares it: x - in_zp by in / out where it is >= 0, the
 * product with alpha - alpha_zp by in * alpha / out where it is negative
 * (both formed in double); alpha broadcast like an elementwise input. */
static tfg_status_t lower_prelu(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x = TT(c, op->in[0]), *a = TT(c, op->in[1]), *y = TT(c, op->out[0]);
    tfg_prelu_params_t *p = &s->p.prelu;
    s->kernel = TFG_K_PRELU;
    for (int i = 0; i < 4; i++) p->dims[i] = 1;
    for (int i = 0; i < y->rank; i++) p->dims[4 - y->rank + i] = y->dims[i];
    bcast_strides(x, p->dims, p->in_stride);
    bcast_strides(a, p->dims, p->alpha_stride);
    p->in_offset = -x->zero_point[0], p->alpha_offset = -a->zero_point[0], p->out_zp = y->zero_point[0];
    tfg_status_t st = quant_mult(c, (double)x->scale[0] / (double)y->scale[0], &p->mult1, &p->shift1);
    if (st < 0) return st;
    return quant_mult(c, (double)x->scale[0] * (double)a->scale[0] / (double)y->scale[0], &p->mult2,
                      &p->shift2);
}

static tfg_status_t lower_eltwise(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *a = TT(c, op->in[0]), *b = TT(c, op->in[1]), *y = TT(c, op->out[0]);
    tfg_eltwise_params_t *p = &s->p.elt;
    for (int i = 0; i < 4; i++) p->dims[i] = 1;
    for (int i = 0; i < y->rank; i++) p->dims[4 - y->rank + i] = y->dims[i];
    bcast_strides(a, p->dims, p->a_stride);
    bcast_strides(b, p->dims, p->b_stride);
    p->a_offset = -a->zero_point[0];
    p->b_offset = -b->zero_point[0];
    p->out_zp = y->zero_point[0];
    act_range(y, op->act, &p->act_min, &p->act_max);
    tfg_status_t st;
    if (op->type == TFG_OP_MINIMUM || op->type == TFG_OP_MAXIMUM) {
        /* TFLM compares the raw int8 values, whatever the quantizations */
        s->kernel = op->type == TFG_OP_MINIMUM ? TFG_K_MINIMUM : TFG_K_MAXIMUM;
        return TFG_OK;
    }
    if (op->type == TFG_OP_ADD || op->type == TFG_OP_SUB) { /* TFLM prepares SUB as ADD */
        s->kernel = op->type == TFG_OP_ADD ? TFG_K_ADD : TFG_K_SUB;
        p->left_shift = 20;
        const double twice_max = 2.0 * (double)(a->scale[0] > b->scale[0] ? a->scale[0] : b->scale[0]);
        if ((st = quant_mult(c, (double)a->scale[0] / twice_max, &p->a_mult, &p->a_shift)) < 0) return st;
        if ((st = quant_mult(c, (double)b->scale[0] / twice_max, &p->b_mult, &p->b_shift)) < 0) return st;
        if ((st = quant_mult(c, twice_max / ((double)(1 << 20) * (double)y->scale[0]), &p->out_mult,
                             &p->out_shift)) < 0)
            return st;
        if (p->a_shift > 0 || p->b_shift > 0 || p->out_shift > 0) return lerr(c, "rescale factor exceeds 1");
    } else {
        s->kernel = TFG_K_MUL;
        if ((st = quant_mult(c, (double)a->scale[0] * (double)b->scale[0] / (double)y->scale[0], &p->out_mult,
                             &p->out_shift)) < 0)
            return st;
    }
    return TFG_OK;
}

void tfg_pool_params(const tfg_graph_t *g, const tfg_op_t *op, tfg_pool_params_t *p)
{
    const tfg_tensor_t *x = &g->tensors[op->in[0]], *y = &g->tensors[op->out[0]];
    p->in_h = x->dims[1], p->in_w = x->dims[2], p->c = x->dims[3];
    p->out_h = y->dims[1], p->out_w = y->dims[2];
    p->k_h = op->sp.k_h, p->k_w = op->sp.k_w;
    p->stride_h = op->sp.stride_h, p->stride_w = op->sp.stride_w;
    p->pad_top = op->sp.pad_top, p->pad_left = op->sp.pad_left;
    p->pad_fill = op->sp.pad_fill, p->pad_value = op->sp.pad_value;
    act_range(y, op->act, &p->act_min, &p->act_max);
}

static tfg_status_t lower_pool(const lctx_t *c, tfg_step_t *s)
{
    s->kernel = c->op->type == TFG_OP_AVERAGE_POOL_2D ? TFG_K_AVGPOOL : TFG_K_MAXPOOL;
    tfg_pool_params(c->g, c->op, &s->p.pool);
    return TFG_OK;
}

/* A reduction's view of its input, [outer][reduce][mid][reduce2][inner]
 * (tfg_mean_params_t). */
static tfg_status_t reduce_view(const lctx_t *c, tfg_mean_params_t *p)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x = TT(c, op->in[0]), *ax = TT(c, op->in[1]);
    bool red[TFG_MAX_DIMS] = {false};
    for (int64_t i = 0; i < tfg_tensor_elems(ax); i++) {
        int64_t a = tfg_tensor_int(ax, i);
        red[a < 0 ? a + x->rank : a] = true;
    }
    /* The reduced axes in at most two groups of adjacent axes:
     * [outer][reduce][mid][reduce2][inner]. TFLM reduces any axes (at most
     * two distinct ones in its integer path), which two groups cover. */
    int group = 0;
    int64_t dim[5] = {1, 1, 1, 1, 1}; /* outer, reduce, mid, reduce2, inner */
    for (int i = 0; i < x->rank; i++) {
        if (red[i]) {
            if (group == 0 || group == 2)
                group++;
            else if (group == 4)
                return lerr(c, "reduced axes form more than two groups of adjacent axes");
        } else if (group == 1 || group == 3) {
            group++;
        }
        dim[group] *= x->dims[i];
    }
    p->outer = (int32_t)dim[0], p->reduce = (int32_t)dim[1];
    /* A second group of extent 1 reduces nothing: the plain view then (its
     * kernels read mid only when reduce2 > 1) */
    if (group >= 3 && dim[3] > 1) {
        p->mid = (int32_t)dim[2], p->reduce2 = (int32_t)dim[3], p->inner = (int32_t)dim[4];
    } else {
        p->mid = p->reduce2 = 1;
        p->inner = (int32_t)(dim[2] * dim[3] * dim[4]);
    }
    return TFG_OK;
}

/* REDUCE_MAX: the largest byte, from TFLM's initial -128 (validation made
 * input and output one quantization). */
static tfg_status_t lower_reduce_max(const lctx_t *c, tfg_step_t *s)
{
    s->kernel = TFG_K_REDUCE_MAX;
    return reduce_view(c, &s->p.mean);
}

/* MEAN: TFLM's current integer path folds 1/n into the multiplier. */
static tfg_status_t lower_mean(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x = TT(c, op->in[0]), *y = TT(c, op->out[0]);
    tfg_mean_params_t *p = &s->p.mean;
    s->kernel = TFG_K_MEAN;
    tfg_status_t st = reduce_view(c, p);
    if (st < 0) return st;
    const int64_t n_red = (int64_t)p->reduce * p->reduce2;
    if (n_red > (1 << 22)) return lerr(c, "more than 2^22 values per mean (int32 sums could overflow)");
    p->in_zp = x->zero_point[0];
    p->out_zp = y->zero_point[0];
    p->mode = TFG_MEAN_SUM_THEN_REQUANT;
    int32_t m, sh;
    st = quant_mult(c, (double)x->scale[0] / (double)y->scale[0], &m, &sh);
    if (st < 0) return st;
    /* Fold 1/n: k = min(floor(log2 n), 32, 31 + shift); mult' = (mult << k) / n. */
    const int64_t n = n_red;
    int k = 0;
    while ((INT64_C(2) << k) <= n) k++;
    if (k > 32) k = 32;
    if (k > 31 + sh) k = 31 + sh;
    if (k < 0) k = 0;
    p->mult = (int32_t)(((int64_t)m << k) / n);
    p->shift = sh - k;
    return TFG_OK;
}

static tfg_status_t lower_softmax(const lctx_t *c, tfg_step_t *s)
{
    const tfg_tensor_t *x = TT(c, c->op->in[0]);
    tfg_softmax_params_t *p = &s->p.softmax;
    s->kernel = TFG_K_SOFTMAX;
    p->depth = x->dims[x->rank - 1];
    p->outer = (int32_t)(tfg_tensor_elems(x) / (p->depth ? p->depth : 1));
    double real = (double)c->op->beta * (double)x->scale[0] * (double)(1 << 26);
    if (real > 2147483647.0) real = 2147483647.0;
    /* TFLM's QuantizeMultiplierGreaterThanOne CHECKs real > 1 (an abort there). */
    if (!(real > 1.0))
        return lerr(c, "beta * input scale * 2^26 must exceed 1 (TFLite's softmax requires it)");
    tfg_quantize_multiplier(real, &p->in_mult, &p->in_left_shift);
    if (p->in_left_shift < 0 || p->in_left_shift > 30) return lerr(c, "input scale * beta out of range");
    p->diff_min = -(int32_t)floor(31.0 * (double)(1 << 26) / (double)(INT64_C(1) << p->in_left_shift));
    return TFG_OK;
}

/* RELU and RELU6 as TFLM prepares them (docs/tflm-semantics.md). */
static tfg_status_t lower_relu(const lctx_t *c, tfg_step_t *s)
{
    const tfg_tensor_t *x = TT(c, c->op->in[0]), *y = TT(c, c->op->out[0]);
    tfg_relu_params_t *p = &s->p.relu;
    s->kernel = TFG_K_RELU;
    p->size = (int32_t)tfg_tensor_elems(x);
    p->in_zp = x->zero_point[0], p->out_zp = y->zero_point[0];
    if (c->op->type == TFG_OP_RELU6) {
        /* the input's bytes clamped to its own zero point and 6 (FloatToQuantizedType) */
        const float six = roundf(6.0f / x->scale[0]) + (float)x->zero_point[0];
        p->requant = 0;
        p->lo = x->zero_point[0];
        p->hi = six > 127.0f ? 127 : six < -128.0f ? -128 : (int32_t)six;
        return TFG_OK;
    }
    p->requant = 1;
    tfg_status_t st = quant_mult(c, (double)x->scale[0] / (double)y->scale[0], &p->mult, &p->shift);
    if (st < 0) return st;
    p->lo = y->zero_point[0] > -128 ? y->zero_point[0] : -128; /* out_zp + roundf(0 / scale) */
    p->hi = 127;
    return TFG_OK;
}

/* LEAKY_RELU as TFLM prepares it: two multipliers formed in double, the
 * identity's in / out and alpha's in * alpha / out (alpha may be negative:
 * QuantizeMultiplier keeps the sign). */
static tfg_status_t lower_leaky_relu(const lctx_t *c, tfg_step_t *s)
{
    const tfg_tensor_t *x = TT(c, c->op->in[0]), *y = TT(c, c->op->out[0]);
    tfg_leaky_relu_params_t *p = &s->p.leaky;
    s->kernel = TFG_K_LEAKY_RELU;
    p->size = (int32_t)tfg_tensor_elems(x);
    p->in_zp = x->zero_point[0], p->out_zp = y->zero_point[0];
    tfg_status_t st = quant_mult(c, (double)x->scale[0] / (double)y->scale[0], &p->id_mult, &p->id_shift);
    if (st < 0) return st;
    const double a = (double)x->scale[0] * (double)c->op->alpha / (double)y->scale[0];
    tfg_quantize_multiplier(a, &p->alpha_mult, &p->alpha_shift);
    if (!isfinite(a) || p->alpha_shift > 30) return lerr(c, "alpha's requantization scale is out of range");
    return TFG_OK;
}

/* TFLM's DownScaleInt32ToInt16Multiplier: a Q31 multiplier rounded to the
 * nearest 2^-16 as Q15, the top saturating at 32767. */
static int32_t q15_from_q31(int32_t m)
{
    return m >= INT32_MAX - (1 << 15) ? INT16_MAX : (m + (1 << 15)) >> 16;
}

/* HARD_SWISH as TFLM's HardSwishPrepare computes it: in float, the input's
 * scale / 128 ("hires") over the output's scale and over 3 / 32768 (the
 * relu-ish scale, on which 3 is 2^15), each quotient widened to double,
 * QuantizeMultiplier'd and its Q31 multiplier rounded to Q15. */
static tfg_status_t lower_hard_swish(const lctx_t *c, tfg_step_t *s)
{
    const tfg_tensor_t *x = TT(c, c->op->in[0]), *y = TT(c, c->op->out[0]);
    tfg_hard_swish_params_t *p = &s->p.hswish;
    s->kernel = TFG_K_HARD_SWISH;
    p->size = (int32_t)tfg_tensor_elems(x);
    p->in_zp = x->zero_point[0], p->out_zp = y->zero_point[0];
    const float hires = (1.0f / 128.0f) * x->scale[0], relu_scale = 3.0f / 32768.0f;
    const float out_real = hires / y->scale[0], relu_real = hires / relu_scale;
    if (!isfinite(out_real) || !isfinite(relu_real)) return lerr(c, "requantization scale is out of range");
    int32_t m;
    tfg_quantize_multiplier((double)out_real, &m, &p->out_shift);
    if (p->out_shift > 0)
        return lerr(
            c, "input scale / (128 * output scale) must be below 1 (TFLM's HardSwishPrepare requires the "
               "output multiplier's exponent <= 0)");
    p->out_mult = q15_from_q31(m);
    tfg_quantize_multiplier((double)relu_real, &m, &p->relu_shift);
    /* TFLM's 1 << (er - 1) overflows past 31 (an input scale above 2.5e7) */
    if (p->relu_shift > 31) return lerr(c, "input scale is out of range");
    p->relu_mult = q15_from_q31(m);
    return TFG_OK;
}

/* The input of LOGISTIC and TANH as TFLM prepares both: x - in_zp taken to
 * Q4.27 by a multiplier formed with frexp and round inline (not
 * QuantizeMultiplier), and the radius beyond which the output saturates,
 * CalculateInputRadius(4, shift, 31). */
static tfg_status_t q4_input(const lctx_t *c, const tfg_tensor_t *x, int32_t *mult, int32_t *shift,
                             int32_t *radius)
{
    int e;
    const double q = frexp((double)x->scale[0] * (double)(1 << 27), &e);
    const int64_t m = (int64_t)llround(q * 2147483648.0);
    if (m >= (INT64_C(1) << 31) || e > 30 || e < -31) return lerr(c, "input scale out of range");
    /* Below an input scale of about 2^-31 the radius no longer fits an int
     * (TFLM's cast is then undefined; the fuzzer found such scales). */
    const double r = floor(15.0 * (double)(1 << 27) / ldexp(1.0, e));
    if (r > (double)INT32_MAX) return lerr(c, "input scale out of range (the saturation radius overflows)");
    *mult = (int32_t)m;
    *shift = e;
    *radius = (int32_t)r;
    return TFG_OK;
}

static tfg_status_t lower_logistic(const lctx_t *c, tfg_step_t *s)
{
    const tfg_tensor_t *x = TT(c, c->op->in[0]);
    tfg_logistic_params_t *p = &s->p.logistic;
    s->kernel = TFG_K_LOGISTIC;
    p->size = (int32_t)tfg_tensor_elems(x);
    p->in_zp = x->zero_point[0];
    return q4_input(c, x, &p->in_mult, &p->in_left_shift, &p->in_range_radius);
}

/* TANH's Prepare is LOGISTIC's for the input; the output is not read. */
static tfg_status_t lower_tanh(const lctx_t *c, tfg_step_t *s)
{
    const tfg_tensor_t *x = TT(c, c->op->in[0]);
    tfg_tanh_params_t *p = &s->p.tanh;
    s->kernel = TFG_K_TANH;
    p->size = (int32_t)tfg_tensor_elems(x);
    p->in_zp = x->zero_point[0];
    return q4_input(c, x, &p->in_mult, &p->in_left_shift, &p->in_range_radius);
}

static tfg_status_t lower_quant(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x = TT(c, op->in[0]), *y = TT(c, op->out[0]);
    const int32_t n = (int32_t)tfg_tensor_elems(x);
    if (op->type == TFG_OP_DEQUANTIZE) {
        s->kernel = TFG_K_DEQUANTIZE;
        s->p.affine = (tfg_affine_params_t){n, x->scale[0], x->zero_point[0]};
    } else if (x->dtype == TFG_DT_FLOAT32) {
        s->kernel = TFG_K_QUANTIZE;
        s->p.affine = (tfg_affine_params_t){n, y->scale[0], y->zero_point[0]};
    } else {
        /* Integer to integer (int8/uint8 either side): TFLM's Requantize,
         * MBQM(x - in_zp, M, shift) + out_zp clamped to the output type, with
         * M from in_scale / out_scale in double. Its XOR 0x80 shortcut for
         * equal scales and zero points 128 apart gives the same bytes (M is
         * then exactly 1). */
        s->kernel = TFG_K_REQUANT;
        tfg_requant_params_t *p = &s->p.requant;
        const bool in_u8 = x->dtype == TFG_DT_UINT8, out_u8 = y->dtype == TFG_DT_UINT8;
        p->size = n;
        p->in_zp = x->zero_point[0] - (in_u8 ? 128 : 0);
        p->out_zp = y->zero_point[0] - (out_u8 ? 128 : 0);
        p->in_flip = in_u8 ? 0x80 : 0;
        p->out_flip = out_u8 ? 0x80 : 0;
        return quant_mult(c, (double)x->scale[0] / (double)y->scale[0], &p->mult, &p->shift);
    }
    return TFG_OK;
}

static tfg_status_t lower_transpose(const lctx_t *c, tfg_step_t *s)
{
    const tfg_tensor_t *x = TT(c, c->op->in[0]), *perm = TT(c, c->op->in[1]);
    tfg_gather_params_t *p = &s->p.gather;
    s->kernel = TFG_K_GATHER;
    int32_t in_stride[TFG_MAX_DIMS];
    int32_t st = 1;
    for (int i = x->rank - 1; i >= 0; i--) {
        in_stride[i] = st;
        st *= x->dims[i];
    }
    p->rank = x->rank;
    for (int i = 0; i < x->rank; i++) {
        const int64_t a = tfg_tensor_int(perm, i);
        p->dims[i] = x->dims[a];
        p->in_stride[i] = in_stride[a];
    }
    return TFG_OK;
}

static tfg_status_t lower_pad(const lctx_t *c, tfg_step_t *s)
{
    const tfg_tensor_t *x = TT(c, c->op->in[0]), *pads = TT(c, c->op->in[1]), *y = TT(c, c->op->out[0]);
    tfg_pad_params_t *p = &s->p.pad;
    s->kernel = TFG_K_PAD;
    const int off = 4 - x->rank;
    for (int i = 0; i < 4; i++) p->in_dims[i] = 1, p->before[i] = p->after[i] = 0;
    for (int i = 0; i < x->rank; i++) {
        p->in_dims[off + i] = x->dims[i];
        p->before[off + i] = (int32_t)tfg_tensor_int(pads, 2 * i);
        p->after[off + i] = (int32_t)tfg_tensor_int(pads, 2 * i + 1);
    }
    p->value = y->zero_point[0];
    return TFG_OK;
}

static tfg_status_t lower_concat(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x0 = TT(c, op->in[0]);
    tfg_concat_params_t *p = &s->p.concat;
    s->kernel = TFG_K_CONCAT;
    int32_t *inner = tfg_graph_alloc(c->g, sizeof(int32_t) * (size_t)op->n_in);
    if (!inner) return tfg_diag_set(c->d, TFG_ERR_NOMEM, "out of memory");
    p->outer = 1;
    for (int i = 0; i < op->axis; i++) p->outer *= x0->dims[i];
    for (int k = 0; k < op->n_in; k++) {
        const tfg_tensor_t *x = TT(c, op->in[k]);
        inner[k] = 1;
        for (int i = op->axis; i < x->rank; i++) inner[k] *= x->dims[i];
    }
    p->n_inputs = op->n_in;
    p->inner = inner;
    return TFG_OK;
}

/* Output k of SLICE, STRIDED_SLICE, SPLIT or SPLIT_V, or the output of TILE,
 * DEPTH_TO_SPACE or SPACE_TO_DEPTH: a strided copy of the data input
 * (ir/slice.c works out which elements). */
static tfg_status_t lower_slice(const lctx_t *c, tfg_step_t *s, int k)
{
    char why[200];
    s->kernel = TFG_K_GATHER;
    s->out = c->op->out[k];
    s->in[0] = c->op->type == TFG_OP_TILE ? c->op->in[0] : tfg_slice_data(c->op);
    if (!tfg_strided_copy(c->g, c->op, k, 1, &s->p.gather, why, sizeof why)) return lerr(c, why);
    return TFG_OK;
}

/* TFLite's nearest-neighbour source index, in float as it computes it. */
static int32_t nearest_src(int32_t o, int32_t in, int32_t out, bool align, bool half)
{
    const float scale = (align && out > 1) ? (float)(in - 1) / (float)(out - 1) : (float)in / (float)out;
    const float off = half ? 0.5f : 0.0f;
    int32_t v = align ? (int32_t)roundf(((float)o + off) * scale) : (int32_t)floorf(((float)o + off) * scale);
    if (v > in - 1) v = in - 1;
    if (half && v < 0) v = 0;
    return v;
}

static tfg_status_t lower_resize(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x = TT(c, op->in[0]), *y = TT(c, op->out[0]);
    tfg_resize_nearest_params_t *p = &s->p.resize;
    s->kernel = TFG_K_RESIZE;
    p->in_h = x->dims[1], p->in_w = x->dims[2], p->c = x->dims[3];
    p->out_h = y->dims[1], p->out_w = y->dims[2];
    int32_t *sy = tfg_graph_alloc(c->g, sizeof(int32_t) * (size_t)p->out_h);
    int32_t *sx = tfg_graph_alloc(c->g, sizeof(int32_t) * (size_t)p->out_w);
    if (!sy || !sx) return tfg_diag_set(c->d, TFG_ERR_NOMEM, "out of memory");
    for (int32_t i = 0; i < p->out_h; i++)
        sy[i] = nearest_src(i, p->in_h, p->out_h, op->align_corners, op->half_pixel_centers);
    for (int32_t i = 0; i < p->out_w; i++)
        sx[i] = nearest_src(i, p->in_w, p->out_w, op->align_corners, op->half_pixel_centers);
    p->src_y = sy;
    p->src_x = sx;
    return TFG_OK;
}

/* One axis of RESIZE_BILINEAR as TFLite's ResizeBilinearInteger sets it up:
 * the scale in 1/1024 rounded to nearest (corners to corners with
 * align_corners), each output position scaled (half a step back with
 * half_pixel_centers), the two source indices (C's truncating division) and
 * the position below the first in 1/1024. TFLite does not bound the first
 * index by the input: where large upscaling rounds it past the end, TFLite
 * reads outside the tensor, and we refuse the shape instead. */
static bool bilinear_axis(int32_t in, int32_t out, bool align, bool half, int32_t *t)
{
    int32_t scale = ((1 << 10) * in + out / 2) / out;
    if (align && out > 1) scale = ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
    for (int32_t i = 0; i < out; i++) {
        const int32_t v = half ? i * scale + scale / 2 - (1 << 9) : i * scale;
        const int32_t lo = v / (1 << 10) > 0 ? v / (1 << 10) : 0;
        const int32_t hi =
            (v + (1 << 10) - 1) / (1 << 10) < in - 1 ? (v + (1 << 10) - 1) / (1 << 10) : in - 1;
        if (lo > in - 1) return false;
        t[3 * i] = lo, t[3 * i + 1] = hi, t[3 * i + 2] = v - (1 << 10) * lo;
    }
    return true;
}

static tfg_status_t lower_resize_bilinear(const lctx_t *c, tfg_step_t *s)
{
    const tfg_op_t *op = c->op;
    const tfg_tensor_t *x = TT(c, op->in[0]), *y = TT(c, op->out[0]);
    tfg_resize_bilinear_params_t *p = &s->p.bilinear;
    s->kernel = TFG_K_RESIZE_BILINEAR;
    p->in_h = x->dims[1], p->in_w = x->dims[2], p->c = x->dims[3];
    p->out_h = y->dims[1], p->out_w = y->dims[2];
    int32_t *ty = tfg_graph_alloc(c->g, sizeof(int32_t) * 3 * (size_t)p->out_h);
    int32_t *tx = tfg_graph_alloc(c->g, sizeof(int32_t) * 3 * (size_t)p->out_w);
    if (!ty || !tx) return tfg_diag_set(c->d, TFG_ERR_NOMEM, "out of memory");
    if (!bilinear_axis(p->in_h, p->out_h, op->align_corners, op->half_pixel_centers, ty) ||
        !bilinear_axis(p->in_w, p->out_w, op->align_corners, op->half_pixel_centers, tx))
        return lerr(c, "TFLite's fixed-point scale rounds a source row or column past the input at this "
                       "upscaling (TFLite would read outside the tensor)");
    p->y = ty;
    p->x = tx;
    return TFG_OK;
}

int64_t tfg_op_macs(const tfg_graph_t *g, const tfg_op_t *op)
{
    if (op->dead) return 0;
    const tfg_tensor_t *y = &g->tensors[op->out[0]];
    switch (op->type) {
    case TFG_OP_CONV_2D: {
        const tfg_tensor_t *w = &g->tensors[op->in[1]];
        return tfg_tensor_elems(y) * w->dims[1] * w->dims[2] * w->dims[3];
    }
    case TFG_OP_DEPTHWISE_CONV_2D: {
        const tfg_tensor_t *w = &g->tensors[op->in[1]];
        return tfg_tensor_elems(y) * w->dims[1] * w->dims[2];
    }
    case TFG_OP_FULLY_CONNECTED: return tfg_tensor_elems(y) * g->tensors[op->in[1]].dims[1];
    case TFG_OP_BATCH_MATMUL: {
        const tfg_tensor_t *l = &g->tensors[op->in[0]];
        return tfg_tensor_elems(y) * (op->adj_x ? l->dims[l->rank - 2] : l->dims[l->rank - 1]);
    }
    case TFG_OP_TRANSPOSE_CONV: { /* the taps that land in the output, as the gather runs them */
        const tfg_tensor_t *w = &g->tensors[op->in[1]], *x = &g->tensors[op->in[2]];
        return tconv_axis_taps(x->dims[1], w->dims[1], op->sp.stride_h, op->sp.pad_top, y->dims[1]) *
               tconv_axis_taps(x->dims[2], w->dims[2], op->sp.stride_w, op->sp.pad_left, y->dims[2]) *
               w->dims[0] * w->dims[3];
    }
    default: return 0;
    }
}

tfg_status_t tfg_lower(tfg_graph_t *g, tfg_program_t *prog, tfg_diag_t *d)
{
    memset(prog, 0, sizeof *prog);
    /* One step per op, but one per output for SPLIT and SPLIT_V. */
    size_t cap = 1;
    for (int i = 0; i < g->n_ops; i++) cap += (size_t)(g->ops[i].n_out > 1 ? g->ops[i].n_out : 1);
    prog->steps = calloc(cap, sizeof(tfg_step_t));
    if (!prog->steps) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->n_ops; i++) {
        const tfg_op_t *op = &g->ops[i];
        if (op->dead || op->alias) continue;
        tfg_step_t *s = &prog->steps[prog->n_steps];
        memset(s, 0, sizeof *s);
        s->op = i;
        s->out = op->out[0];
        s->macs = tfg_op_macs(g, op);
        /* Data inputs in kernel order. The two-input elementwise ops,
         * BATCH_MATMUL and CONCATENATION take all of theirs (any may be a constant); other ops
         * take their one data input (in[0] but for TRANSPOSE_CONV), the
         * rest being parameters (weights, axes, shapes) consumed below. */
        const bool all_data = op->type == TFG_OP_ADD || op->type == TFG_OP_SUB || op->type == TFG_OP_MUL ||
                              op->type == TFG_OP_PRELU || op->type == TFG_OP_MINIMUM ||
                              op->type == TFG_OP_MAXIMUM || op->type == TFG_OP_CONCATENATION ||
                              op->type == TFG_OP_BATCH_MATMUL;
        s->n_in = all_data ? op->n_in : 1;
        for (int k = 0; k < s->n_in; k++) s->in[k] = op->in[all_data ? k : tfg_op_data_slot(op)];
        lctx_t c = {g, op, d};
        tfg_status_t st;
        switch (op->type) {
        case TFG_OP_CONV_2D: st = lower_conv(&c, s); break;
        case TFG_OP_DEPTHWISE_CONV_2D: st = lower_dwconv(&c, s); break;
        case TFG_OP_FULLY_CONNECTED: st = lower_fc(&c, s); break;
        case TFG_OP_TRANSPOSE_CONV: st = lower_transpose_conv(&c, s); break;
        case TFG_OP_BATCH_MATMUL: st = lower_batch_matmul(&c, s); break;
        case TFG_OP_ADD:
        case TFG_OP_SUB:
        case TFG_OP_MUL:
        case TFG_OP_MINIMUM:
        case TFG_OP_MAXIMUM: st = lower_eltwise(&c, s); break;
        case TFG_OP_AVERAGE_POOL_2D:
        case TFG_OP_MAX_POOL_2D: st = lower_pool(&c, s); break;
        case TFG_OP_MEAN: st = lower_mean(&c, s); break;
        case TFG_OP_REDUCE_MAX: st = lower_reduce_max(&c, s); break;
        case TFG_OP_PRELU: st = lower_prelu(&c, s); break;
        case TFG_OP_SOFTMAX: st = lower_softmax(&c, s); break;
        case TFG_OP_LOGISTIC: st = lower_logistic(&c, s); break;
        case TFG_OP_RELU:
        case TFG_OP_RELU6: st = lower_relu(&c, s); break;
        case TFG_OP_LEAKY_RELU: st = lower_leaky_relu(&c, s); break;
        case TFG_OP_HARD_SWISH: st = lower_hard_swish(&c, s); break;
        case TFG_OP_TANH: st = lower_tanh(&c, s); break;
        case TFG_OP_QUANTIZE:
        case TFG_OP_DEQUANTIZE: st = lower_quant(&c, s); break;
        case TFG_OP_TRANSPOSE: st = lower_transpose(&c, s); break;
        case TFG_OP_PAD: st = lower_pad(&c, s); break;
        case TFG_OP_CONCATENATION: st = lower_concat(&c, s); break;
        case TFG_OP_RESIZE_NEAREST_NEIGHBOR: st = lower_resize(&c, s); break;
        case TFG_OP_RESIZE_BILINEAR: st = lower_resize_bilinear(&c, s); break;
        case TFG_OP_SLICE:
        case TFG_OP_STRIDED_SLICE:
        case TFG_OP_SPLIT:
        case TFG_OP_SPLIT_V:
        case TFG_OP_TILE:
        case TFG_OP_DEPTH_TO_SPACE:
        case TFG_OP_SPACE_TO_DEPTH: st = lower_slice(&c, s, 0); break;
        default: st = lerr(&c, "no kernel for this op"); break;
        }
        prog->n_steps++;
        /* SPLIT's and SPLIT_V's outputs after the first: a step each. */
        for (int k = 1; st >= 0 && k < op->n_out && (op->type == TFG_OP_SPLIT || op->type == TFG_OP_SPLIT_V);
             k++) {
            tfg_step_t *sk = &prog->steps[prog->n_steps++];
            *sk = (tfg_step_t){.op = i, .n_in = 1};
            st = lower_slice(&c, sk, k);
        }
        if (st < 0) {
            tfg_program_free(prog);
            return st;
        }
    }
    return TFG_OK;
}

void tfg_program_free(tfg_program_t *prog)
{
    free(prog->steps);
    memset(prog, 0, sizeof *prog);
}
