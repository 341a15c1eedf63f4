/* Naive reference kernels (see naive_ref.h for the contract).
 *
 * Written from TFLite's documented reference-kernel semantics, not from
 * runtime/: every loop is the obvious one, every index is computed in full,
 * padded taps are skipped by an explicit bounds check, and the input zero
 * point is subtracted from each tap rather than folded into the bias. Where
 * TFLite's int32 arithmetic would overflow (undefined behaviour there), we
 * abort: that means the test generator produced a case TFLite cannot run. */
#include "naive_ref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void nr_die(const char *what)
{
    fprintf(stderr, "naive_ref: %s (test generator produced an invalid case)\n", what);
    abort();
}

static int32_t nr_to_i32(int64_t v, const char *what)
{
    if (v < INT32_MIN || v > INT32_MAX) nr_die(what);
    return (int32_t)v;
}

/* Wrapping int32 add: gemmlowp's FixedPoint operator+ on raw int32 values. */
static int32_t nr_wadd(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* ---- quantization arithmetic ------------------------------------------- */

void nr_quantize_multiplier(double real, int32_t *mult, int32_t *shift)
{
    if (real == 0.0) {
        *mult = 0;
        *shift = 0;
        return;
    }
    int e = 0;
    double frac = frexp(real, &e); /* real = frac * 2^e, frac in [0.5, 1) */
    int64_t q = (int64_t)round(frac * 2147483648.0);
    if (q == INT64_C(2147483648)) { /* frac rounded up to 1.0 */
        q /= 2;
        e++;
    }
    if (e < -31) { /* too small to represent: TFLite flushes to zero */
        q = 0;
        e = 0;
    }
    *mult = (int32_t)q;
    *shift = e;
}

int32_t nr_srdhm(int32_t a, int32_t b)
{
    /* The only product that does not fit: (-1) * (-1) in Q0.31. */
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    /* gemmlowp adds a nudge of 2^30 (or 1 - 2^30 when negative) and then
     * divides by 2^31 truncating toward zero. On magnitudes that is: round
     * half up for ab >= 0, and for ab < 0 only a strictly-greater-than-half
     * fraction rounds away from zero (exact negative ties go toward zero). */
    int64_t mag = ab < 0 ? -ab : ab;
    int64_t r = (mag + (INT64_C(1) << 30) - (ab < 0 ? 1 : 0)) >> 31;
    return (int32_t)(ab < 0 ? -r : r);
}

int32_t nr_rdivpot(int32_t x, int e)
{
    if (e < 0 || e > 31) nr_die("rounding shift exponent out of [0, 31]");
    if (e == 0) return x;
    /* Round half away from zero, done on the magnitude in 64 bits. */
    int64_t mag = x < 0 ? -(int64_t)x : (int64_t)x;
    int64_t r = (mag + (INT64_C(1) << (e - 1))) >> e;
    return (int32_t)(x < 0 ? -r : r);
}

int32_t nr_mbqm(int32_t x, int32_t mult, int32_t shift)
{
    int left = shift > 0 ? shift : 0;
    int right = shift > 0 ? 0 : -shift;
    /* TFLite computes x * (1 << left) in int32; overflow is UB there. */
    int32_t xs = nr_to_i32((int64_t)x * ((int64_t)1 << left), "MBQM left shift overflows int32");
    return nr_rdivpot(nr_srdhm(xs, mult), right);
}

int32_t nr_clamp(int64_t v, int32_t lo, int32_t hi)
{
    if (v < lo) return lo;
    if (v > hi) return hi;
    return (int32_t)v;
}

void nr_out_size(int in, int k, int stride, int dil, int same, int *out, int *pad)
{
    int eff_k = (k - 1) * dil + 1;
    if (same) {
        int o = (in + stride - 1) / stride;
        int total = (o - 1) * stride + eff_k - in;
        if (total < 0) total = 0;
        *out = o;
        *pad = total / 2;
    } else {
        int span = in - eff_k + 1;
        *out = span <= 0 ? 0 : (span + stride - 1) / stride;
        *pad = 0;
    }
}

/* ---- convolutions / fully connected ------------------------------------ */

void nr_conv(const nr_conv_t *p, const int8_t *in, int8_t *out)
{
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            for (int oc = 0; oc < p->out_c; oc++) {
                int64_t acc = 0;
                for (int ky = 0; ky < p->k_h; ky++) {
                    for (int kx = 0; kx < p->k_w; kx++) {
                        int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                        int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                        if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue;
                        for (int ic = 0; ic < p->in_c; ic++) {
                            int32_t x = in[((long)iy * p->in_w + ix) * p->in_c + ic];
                            int32_t w = p->weights[(((long)oc * p->k_h + ky) * p->k_w + kx) * p->in_c + ic];
                            acc += (int64_t)(x - p->in_zp) * w;
                        }
                    }
                }
                if (p->bias) acc += p->bias[oc];
                int32_t v =
                    nr_mbqm(nr_to_i32(acc, "conv accumulator overflows int32"), p->mult[oc], p->shift[oc]);
                out[((long)oy * p->out_w + ox) * p->out_c + oc] =
                    (int8_t)nr_clamp((int64_t)v + p->out_zp, p->act_min, p->act_max);
            }
        }
    }
}

/* Index of batch position b (over the output's batch dims) in an operand
 * whose dims, right-aligned to rank r, broadcast against them. */
static size_t bmm_batch_index(const int *dims, int rank, const int *obatch, int r, size_t b)
{
    size_t idx = 0, mul = 1;
    for (int i = r - 3; i >= 0; i--) {
        const int pos = (int)(b % (size_t)obatch[i]);
        b /= (size_t)obatch[i];
        const int k = i - (r - rank);
        const int d = k >= 0 ? dims[k] : 1;
        idx += (size_t)(d == 1 ? 0 : pos) * mul;
        mul *= (size_t)d;
    }
    return idx;
}

void nr_batch_matmul(const nr_bmm_t *p, const int8_t *lhs, const int8_t *rhs, int8_t *out, int *out_dims)
{
    const int r = p->lhs_rank > p->rhs_rank ? p->lhs_rank : p->rhs_rank;
    const int *L = p->lhs_dims, *R = p->rhs_dims, lr = p->lhs_rank, rr = p->rhs_rank;
    size_t nb = 1;
    for (int i = 0; i < r - 2; i++) {
        const int a = i - (r - lr) >= 0 ? L[i - (r - lr)] : 1, b = i - (r - rr) >= 0 ? R[i - (r - rr)] : 1;
        out_dims[i] = a == 1 ? b : a;
        nb *= (size_t)out_dims[i];
    }
    const int m = p->adj_x ? L[lr - 1] : L[lr - 2], k = p->adj_x ? L[lr - 2] : L[lr - 1];
    const int n = p->adj_y ? R[rr - 2] : R[rr - 1];
    out_dims[r - 2] = m;
    out_dims[r - 1] = n;
    for (size_t b = 0; b < nb; b++) {
        const int8_t *lb = lhs + bmm_batch_index(L, lr, out_dims, r, b) * (size_t)m * k;
        const int8_t *rb = rhs + bmm_batch_index(R, rr, out_dims, r, b) * (size_t)k * n;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                int32_t acc = 0;
                for (int t = 0; t < k; t++) {
                    const int32_t lv = p->adj_x ? lb[(size_t)t * m + i] : lb[(size_t)i * k + t];
                    const int32_t rv = p->adj_y ? rb[(size_t)j * k + t] : rb[(size_t)t * n + j];
                    acc += (lv - p->lhs_zp) * (rv - p->rhs_zp);
                }
                if (p->bias) acc += p->bias[j];
                *out++ = (int8_t)nr_clamp((int64_t)nr_mbqm(acc, p->mult, p->shift) + p->out_zp, p->act_min,
                                          p->act_max);
            }
    }
}

int nr_tconv_pad(int out_size, int k, int stride, int same)
{
    /* ComputeOutSize, then ComputePaddingWithOffset's leading half */
    const int back = same ? (out_size + stride - 1) / stride : (out_size + stride - k) / stride;
    int total = (back - 1) * stride + k - out_size;
    return total > 0 ? total / 2 : 0;
}

void nr_transpose_conv(const nr_conv_t *p, const int8_t *in, int8_t *out)
{
    const size_t n = (size_t)p->out_h * p->out_w * p->out_c;
    int32_t *acc = calloc(n ? n : 1, sizeof(int32_t));
    if (!acc) abort();
    for (int iy = 0; iy < p->in_h; iy++)
        for (int ix = 0; ix < p->in_w; ix++)
            for (int ic = 0; ic < p->in_c; ic++) {
                const int32_t x = in[((size_t)iy * p->in_w + ix) * p->in_c + ic] - p->in_zp;
                for (int fy = 0; fy < p->k_h; fy++)
                    for (int fx = 0; fx < p->k_w; fx++) {
                        const int oy = iy * p->stride_h - p->pad_top + fy,
                                  ox = ix * p->stride_w - p->pad_left + fx;
                        if (oy < 0 || oy >= p->out_h || ox < 0 || ox >= p->out_w) continue;
                        for (int oc = 0; oc < p->out_c; oc++)
                            acc[((size_t)oy * p->out_w + ox) * p->out_c + oc] +=
                                x * p->weights[(((size_t)oc * p->k_h + fy) * p->k_w + fx) * p->in_c + ic];
                    }
            }
    for (size_t i = 0; i < n; i++) {
        const int oc = (int)(i % (size_t)p->out_c);
        const int32_t a = acc[i] + (p->bias ? p->bias[oc] : 0);
        out[i] = (int8_t)nr_clamp((int64_t)nr_mbqm(a, p->mult[oc], p->shift[oc]) + p->out_zp, p->act_min,
                                  p->act_max);
    }
    free(acc);
}

void nr_dwconv(const nr_conv_t *p, const int8_t *in, int8_t *out)
{
    int out_c = p->in_c * p->depth_mult;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            for (int ic = 0; ic < p->in_c; ic++) {
                for (int m = 0; m < p->depth_mult; m++) {
                    int oc = ic * p->depth_mult + m;
                    int64_t acc = 0;
                    for (int ky = 0; ky < p->k_h; ky++) {
                        for (int kx = 0; kx < p->k_w; kx++) {
                            int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                            int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue;
                            int32_t x = in[((long)iy * p->in_w + ix) * p->in_c + ic];
                            int32_t w = p->weights[((long)ky * p->k_w + kx) * out_c + oc];
                            acc += (int64_t)(x - p->in_zp) * w;
                        }
                    }
                    if (p->bias) acc += p->bias[oc];
                    int32_t v = nr_mbqm(nr_to_i32(acc, "dwconv accumulator overflows int32"), p->mult[oc],
                                        p->shift[oc]);
                    out[((long)oy * p->out_w + ox) * out_c + oc] =
                        (int8_t)nr_clamp((int64_t)v + p->out_zp, p->act_min, p->act_max);
                }
            }
        }
    }
}

void nr_fc(const nr_fc_t *p, const int8_t *in, int8_t *out)
{
    for (int b = 0; b < p->batches; b++) {
        for (int o = 0; o < p->out_features; o++) {
            int64_t acc = 0;
            for (int i = 0; i < p->in_features; i++) {
                int32_t x = in[(long)b * p->in_features + i];
                int32_t w = p->weights[(long)o * p->in_features + i];
                acc += (int64_t)(x - p->in_zp) * w;
            }
            if (p->bias) acc += p->bias[o];
            int32_t v = nr_mbqm(nr_to_i32(acc, "fc accumulator overflows int32"), p->mult[o], p->shift[o]);
            out[(long)b * p->out_features + o] =
                (int8_t)nr_clamp((int64_t)v + p->out_zp, p->act_min, p->act_max);
        }
    }
}

/* ---- elementwise ------------------------------------------------------- */

/* Flat offset of output coordinate i[] inside an input of shape d[] that is
 * broadcast along its size-1 dims. */
static long nr_bcast_index(const int *d, const int *i)
{
    long idx = 0;
    for (int k = 0; k < 4; k++) idx = idx * d[k] + (d[k] == 1 ? 0 : i[k]);
    return idx;
}

static void nr_out_dims(const nr_eltwise_t *p, int *o)
{
    for (int k = 0; k < 4; k++) o[k] = p->a_dims[k] > p->b_dims[k] ? p->a_dims[k] : p->b_dims[k];
}

/* The walk all the two-input elementwise references share: every output
 * element in row-major order, from the two input bytes it reads (each
 * broadcast along its size-1 dims) through the op's own function. */
typedef int8_t (*nr_elt_fn)(const nr_eltwise_t *p, int32_t a, int32_t b, const void *ctx);

static void nr_elt_walk(const nr_eltwise_t *p, const int8_t *a, const int8_t *b, int8_t *out, nr_elt_fn fn,
                        const void *ctx)
{
    int o[4], i[4];
    nr_out_dims(p, o);
    long n = 0;
    for (i[0] = 0; i[0] < o[0]; i[0]++)
        for (i[1] = 0; i[1] < o[1]; i[1]++)
            for (i[2] = 0; i[2] < o[2]; i[2]++)
                for (i[3] = 0; i[3] < o[3]; i[3]++)
                    out[n++] = fn(p, a[nr_bcast_index(p->a_dims, i)], b[nr_bcast_index(p->b_dims, i)], ctx);
}

/* ADD (sign +1) and SUB (sign -1): TFLite shifts both inputs up by
 * left_shift for headroom, rescales each to the common scale, adds or
 * subtracts, and rescales to the output. */
static int8_t nr_add_sub_one(const nr_eltwise_t *p, int32_t a, int32_t b, const void *ctx)
{
    const int sign = *(const int *)ctx;
    const int32_t va = a - p->a_zp, vb = b - p->b_zp;
    const int32_t sa =
        nr_mbqm(nr_to_i32((int64_t)va * ((int64_t)1 << p->left_shift), "add shift"), p->a_mult, p->a_shift);
    const int32_t sb =
        nr_mbqm(nr_to_i32((int64_t)vb * ((int64_t)1 << p->left_shift), "add shift"), p->b_mult, p->b_shift);
    const int32_t sum = nr_to_i32((int64_t)sa + sign * (int64_t)sb, "add/sub raw result overflows");
    const int32_t v = nr_mbqm(sum, p->out_mult, p->out_shift);
    return (int8_t)nr_clamp((int64_t)v + p->out_zp, p->act_min, p->act_max);
}

void nr_add(const nr_eltwise_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    const int sign = 1;
    nr_elt_walk(p, a, b, out, nr_add_sub_one, &sign);
}

void nr_sub(const nr_eltwise_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    const int sign = -1;
    nr_elt_walk(p, a, b, out, nr_add_sub_one, &sign);
}

typedef struct {
    int32_t m1, s1, m2, s2;
} nr_prelu_q_t;

static int8_t nr_prelu_one(const nr_eltwise_t *p, int32_t a, int32_t b, const void *ctx)
{
    const nr_prelu_q_t *q = ctx;
    const int32_t v = a - p->a_zp, al = b - p->b_zp;
    const int32_t r = v >= 0 ? nr_mbqm(v, q->m1, q->s1) : nr_mbqm(v * al, q->m2, q->s2);
    return (int8_t)nr_clamp((int64_t)r + p->out_zp, -128, 127);
}

void nr_prelu(const nr_eltwise_t *p, float in_scale, float alpha_scale, float out_scale, const int8_t *a,
              const int8_t *b, int8_t *out)
{
    nr_prelu_q_t q;
    nr_quantize_multiplier((double)in_scale / (double)out_scale, &q.m1, &q.s1);
    nr_quantize_multiplier((double)in_scale * (double)alpha_scale / (double)out_scale, &q.m2, &q.s2);
    nr_elt_walk(p, a, b, out, nr_prelu_one, &q);
}

static int8_t nr_minmax_one(const nr_eltwise_t *p, int32_t a, int32_t b, const void *ctx)
{
    (void)p;
    const int is_max = *(const int *)ctx;
    return (int8_t)(is_max ? (a >= b ? a : b) : (a <= b ? a : b));
}

void nr_minmax(const nr_eltwise_t *p, const int8_t *a, const int8_t *b, int8_t *out, int is_max)
{
    nr_elt_walk(p, a, b, out, nr_minmax_one, &is_max);
}

static int8_t nr_mul_one(const nr_eltwise_t *p, int32_t a, int32_t b, const void *ctx)
{
    (void)ctx;
    const int32_t v = nr_mbqm((a - p->a_zp) * (b - p->b_zp), p->out_mult, p->out_shift);
    return (int8_t)nr_clamp((int64_t)v + p->out_zp, p->act_min, p->act_max);
}

void nr_mul(const nr_eltwise_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    nr_elt_walk(p, a, b, out, nr_mul_one, NULL);
}

/* ---- pooling ------------------------------------------------------------ */

void nr_avgpool(const nr_pool_t *p, const int8_t *in, int8_t *out)
{
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++)
            for (int c = 0; c < p->c; c++) {
                int32_t sum = 0, count = 0;
                for (int ky = 0; ky < p->k_h; ky++)
                    for (int kx = 0; kx < p->k_w; kx++) {
                        int iy = oy * p->stride_h - p->pad_top + ky;
                        int ix = ox * p->stride_w - p->pad_left + kx;
                        if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue;
                        sum += in[((long)iy * p->in_w + ix) * p->c + c];
                        count++;
                    }
                if (count == 0) nr_die("empty pooling window");
                /* Half away from zero, with C's truncating division. */
                int32_t avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                out[((long)oy * p->out_w + ox) * p->c + c] = (int8_t)nr_clamp(avg, p->act_min, p->act_max);
            }
}

void nr_maxpool(const nr_pool_t *p, const int8_t *in, int8_t *out)
{
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++)
            for (int c = 0; c < p->c; c++) {
                int32_t m = -128;
                int count = 0;
                for (int ky = 0; ky < p->k_h; ky++)
                    for (int kx = 0; kx < p->k_w; kx++) {
                        int iy = oy * p->stride_h - p->pad_top + ky;
                        int ix = ox * p->stride_w - p->pad_left + kx;
                        if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue;
                        int32_t v = in[((long)iy * p->in_w + ix) * p->c + c];
                        if (v > m) m = v;
                        count++;
                    }
                if (count == 0) nr_die("empty pooling window");
                out[((long)oy * p->out_w + ox) * p->c + c] = (int8_t)nr_clamp(m, p->act_min, p->act_max);
            }
}

/* ---- activations ------------------------------------------------------- */

void nr_relu(int n, float in_scale, int32_t in_zp, float out_scale, int32_t out_zp, const int8_t *in,
             int8_t *out)
{
    int32_t mult, shift;
    nr_quantize_multiplier((double)in_scale / (double)out_scale, &mult, &shift);
    const int32_t lo = out_zp > -128 ? out_zp : -128;
    for (int i = 0; i < n; i++)
        out[i] = (int8_t)nr_clamp((int64_t)out_zp + nr_mbqm(in[i] - in_zp, mult, shift), lo, 127);
}

void nr_relu6(int n, float in_scale, int32_t in_zp, const int8_t *in, int8_t *out)
{
    /* FloatToQuantizedType: round(6 / scale) in float, plus the zero point, clamped to int8 */
    const float q = roundf(6.0f / in_scale) + (float)in_zp;
    const int32_t six = q > 127.0f ? 127 : q < -128.0f ? -128 : (int32_t)q;
    for (int i = 0; i < n; i++) out[i] = (int8_t)(in[i] > six ? six : in[i] < in_zp ? in_zp : in[i]);
}

/* ---- HARD_SWISH: gemmlowp's and TFLM's int16 primitives, as hard_swish.h
 * uses them (int16 operands, int32 intermediates, results cast back). */

static int16_t hs_srdhm(int16_t a, int16_t b) /* SaturatingRoundingDoublingHighMul */
{
    if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
    const int32_t ab = (int32_t)a * b;
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return (int16_t)((ab + nudge) / (1 << 15));
}

static int16_t hs_sdhm(int16_t a, int16_t b) /* SaturatingDoublingHighMul: truncating */
{
    if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
    return (int16_t)((int32_t)a * b / (1 << 15));
}

/* gemmlowp's generic RoundingDivideByPOT at IntegerType = int16: every
 * intermediate is an int16, the mask 2^e - 1 included (converted from a
 * 64-bit value, so from e = 16 on it is -1). */
static int16_t hs_rdbpot(int16_t x, int e)
{
    if (e < 0 || e > 31) nr_die("HARD_SWISH rounding exponent out of [0, 31]");
    const int16_t mask = (int16_t)(uint16_t)(((INT64_C(1) << e) - 1) & 0xFFFF);
    const int16_t remainder = (int16_t)(x & mask);
    const int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
    return (int16_t)((x >> e) + (remainder > threshold ? 1 : 0));
}

static int16_t hs_sat_shl(int16_t v, int amount) /* SaturatingLeftShift */
{
    if (amount < 0 || amount > 30) nr_die("HARD_SWISH left shift out of [0, 30]");
    const int64_t r = (int64_t)v * ((int64_t)1 << amount);
    return (int16_t)(r > INT16_MAX ? INT16_MAX : r < INT16_MIN ? INT16_MIN : r);
}

/* DownScaleInt32ToInt16Multiplier */
static int16_t hs_q15(int32_t m)
{
    if (m < 0) nr_die("negative HARD_SWISH multiplier");
    if (m >= INT32_MAX - (1 << 15)) return INT16_MAX;
    return (int16_t)((m + (1 << 15)) >> 16);
}

int nr_hard_swish_prepare(float in_scale, int32_t in_zp, float out_scale, int32_t out_zp, nr_hard_swish_t *q)
{
    /* all in float, as HardSwishPrepare: the quotients are widened only at
     * the call to QuantizeMultiplier */
    const float hires_input_scale = (1.0f / 128.0f) * in_scale;
    const float reluish_scale = 3.0f / 32768.0f;
    const float output_multiplier = hires_input_scale / out_scale;
    const float reluish_multiplier = hires_input_scale / reluish_scale;
    int32_t m;
    q->in_zp = in_zp, q->out_zp = out_zp;
    nr_quantize_multiplier((double)output_multiplier, &m, &q->out_exp);
    q->out_mult = hs_q15(m);
    nr_quantize_multiplier((double)reluish_multiplier, &m, &q->relu_exp);
    q->relu_mult = hs_q15(m);
    return q->out_exp <= 0; /* TF_LITE_ENSURE(output_multiplier_exponent <= 0) */
}

void nr_hard_swish(int n, const nr_hard_swish_t *q, const int8_t *in, int8_t *out)
{
    for (int i = 0; i < n; i++) {
        const int16_t v = (int16_t)(in[i] - q->in_zp);
        const int16_t hires = (int16_t)(v * (1 << 7));
        const int16_t pre = hs_srdhm(hires, q->out_mult);
        int16_t r = hires;
        if (q->relu_exp > 0) r = hs_sat_shl(r, q->relu_exp - 1);
        r = hs_srdhm(r, q->relu_mult);
        if (q->relu_exp > 0) r = hs_sat_shl(r, 1);
        if (q->relu_exp < 0) r = hs_rdbpot(r, -q->relu_exp);
        r = (int16_t)((r + (1 << 15)) >> 1);
        const int16_t prod = hs_sdhm(r, pre);
        int16_t o = hs_rdbpot(prod, -q->out_exp);
        o = (int16_t)(o + q->out_zp);
        out[i] = (int8_t)(o > 127 ? 127 : o < -128 ? -128 : o);
    }
}

void nr_reduce_max(const int dims[4], const int red[4], const int8_t *in, int8_t *out)
{
    int od[4], i[4];
    long n_out = 1;
    for (int k = 0; k < 4; k++) od[k] = red[k] ? 1 : dims[k], n_out *= od[k];
    for (long e = 0; e < n_out; e++) out[e] = -128;
    for (i[0] = 0; i[0] < dims[0]; i[0]++)
        for (i[1] = 0; i[1] < dims[1]; i[1]++)
            for (i[2] = 0; i[2] < dims[2]; i[2]++)
                for (i[3] = 0; i[3] < dims[3]; i[3]++) {
                    long o = 0, x = 0;
                    for (int k = 0; k < 4; k++) o = o * od[k] + (red[k] ? 0 : i[k]), x = x * dims[k] + i[k];
                    if (in[x] > out[o]) out[o] = in[x];
                }
}

void nr_leaky_relu(int n, float in_scale, int32_t in_zp, float alpha, float out_scale, int32_t out_zp,
                   const int8_t *in, int8_t *out)
{
    int32_t im, is, am, as;
    nr_quantize_multiplier((double)in_scale / (double)out_scale, &im, &is);
    nr_quantize_multiplier((double)in_scale * (double)alpha / (double)out_scale, &am, &as);
    for (int i = 0; i < n; i++) {
        const int32_t v = in[i] - in_zp;
        const int64_t r = (int64_t)out_zp + (v >= 0 ? nr_mbqm(v, im, is) : nr_mbqm(v, am, as));
        out[i] = (int8_t)nr_clamp(r, -128, 127);
    }
}

/* ---- reductions, requantization ----------------------------------------- */

void nr_mean_requant_then_divide(int outer, int reduce, int inner, int32_t in_zp, int32_t out_zp,
                                 int32_t mult, int32_t shift, const int8_t *in, int8_t *out)
{
    for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++) {
            int64_t acc = 0;
            for (int r = 0; r < reduce; r++) acc += in[((long)o * reduce + r) * inner + i] - in_zp;
            int32_t v = nr_mbqm(nr_to_i32(acc, "mean sum overflows"), mult, shift);
            /* Divide by the element count, half away from zero (C truncation). */
            v = v > 0 ? (v + reduce / 2) / reduce : (v - reduce / 2) / reduce;
            out[(long)o * inner + i] = (int8_t)nr_clamp((int64_t)v + out_zp, -128, 127);
        }
}

void nr_requantize(int n, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift, const int8_t *in,
                   int8_t *out)
{
    for (int i = 0; i < n; i++) {
        int32_t v = nr_mbqm(in[i] - in_zp, mult, shift);
        out[i] = (int8_t)nr_clamp((int64_t)v + out_zp, -128, 127);
    }
}

/* TFLM's AffineQuantize (docs/tflm-semantics.md section 9): the scale is
 * stored as a double but cast back to float for the division, so the quotient
 * is an f32 division, rounded half away from zero by roundf. A rounded
 * quotient outside int32 is undefined behaviour in TFLite; the generator never
 * produces one. */
void nr_quantize(int n, float scale, int32_t zp, const float *in, int8_t *out)
{
    for (int i = 0; i < n; i++) {
        volatile float quotient = in[i] / scale; /* volatile: no excess precision */
        double q = roundf(quotient);
        if (q > 2147483647.0 || q < -2147483648.0 || q != q) nr_die("quantize quotient outside int32");
        out[i] = (int8_t)nr_clamp((int64_t)(int32_t)q + zp, -128, 127);
    }
}

/* TFLite's Dequantize: (float)(double scale * (x - zp)). The doc describes it
 * as an f32 multiply; both are the same number: |x - zp| <= 255 times a 24-bit
 * mantissa is exact in double, so the single rounding to float is the
 * correctly rounded f32 product either way. */
void nr_dequantize(int n, float scale, int32_t zp, const int8_t *in, float *out)
{
    for (int i = 0; i < n; i++) out[i] = (float)((double)scale * (double)(in[i] - zp));
}

/* ---- gemmlowp fixed point, for SOFTMAX and LOGISTIC -----------------------
 *
 * A value with I integer bits is an int32 raw r meaning r / 2^(31 - I).
 * Product of Qa and Qb is srdhm(raw, raw) with a+b integer bits; sums are
 * plain wrapping int32 adds. */

/* gemmlowp SaturatingRoundingMultiplyByPOT<e> for e > 0: a left shift that
 * saturates. */
static int32_t fp_sat_shl(int32_t x, int e)
{
    int64_t v = (int64_t)x * ((int64_t)1 << e);
    if (v > INT32_MAX) return INT32_MAX;
    if (v < INT32_MIN) return INT32_MIN;
    return (int32_t)v;
}

/* Rescale<dst>(x with src integer bits). */
static int32_t fp_rescale(int32_t x, int src_bits, int dst_bits)
{
    int e = src_bits - dst_bits;
    if (e > 0) return fp_sat_shl(x, e);
    if (e < 0) return nr_rdivpot(x, -e);
    return x;
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out: a 4th-order Taylor expansion
 * around -1/8. */
static int32_t fp_exp_quarter(int32_t a)
{
    const int32_t exp_m1_8 = 1895147668; /* exp(-1/8) */
    const int32_t one_third = 715827883;
    int32_t x = nr_wadd(a, 1 << 28); /* a + 1/8 */
    int32_t x2 = nr_srdhm(x, x);
    int32_t x3 = nr_srdhm(x2, x);
    int32_t x4 = nr_srdhm(x2, x2);
    int32_t x4_over_4 = nr_rdivpot(x4, 2);
    int32_t poly = nr_rdivpot(nr_wadd(nr_srdhm(nr_wadd(x4_over_4, x3), one_third), x2), 1);
    /* exp(-1/8 + x) = exp(-1/8) * (1 + (x + x^2/2 + x^3/6 + x^4/24)) */
    return nr_wadd(exp_m1_8, nr_srdhm(exp_m1_8, nr_wadd(x, poly)));
}

/* exp(a) for a <= 0 given with int_bits integer bits; result Q0.31. */
static int32_t fp_exp_neg(int32_t a, int int_bits)
{
    static const int32_t mults[7] = {
        1672461947, /* exp(-1/4) */
        1302514674, /* exp(-1/2) */
        790015084,  /* exp(-1) */
        290630308,  /* exp(-2) */
        39332535,   /* exp(-4) */
        720401,     /* exp(-8) */
        242,        /* exp(-16) */
    };
    int frac_bits = 31 - int_bits;
    int32_t quarter = (int32_t)1 << (frac_bits - 2);
    /* Split a = r + (-k/4) with r in [-1/4, 0): exp(r) by polynomial, then
     * multiply by exp(-2^j) for each set bit of the remaining multiple. */
    int32_t r = nr_wadd(a & (quarter - 1), -quarter);
    int32_t result = fp_exp_quarter(fp_rescale(r, int_bits, 0));
    int32_t rem = nr_wadd(r, -a);
    for (int j = -2; j <= 4; j++) {
        if (int_bits > j && (rem & ((int32_t)1 << (frac_bits + j)))) result = nr_srdhm(result, mults[j + 2]);
    }
    if (int_bits > 5) nr_die("exp for more than 5 integer bits not needed here");
    if (a == 0) result = INT32_MAX;
    return result;
}

/* gemmlowp RoundingHalfSum for int32. */
static int32_t fp_half_sum(int32_t a, int32_t b)
{
    int64_t s = (int64_t)a + b;
    return (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);
}

/* 1 / ((1 + a) / 2) for a in [0, 1) Q0.31: Newton-Raphson on the half
 * denominator, iterates in Q2.29, result Q2.29. */
static int32_t fp_recip_half_den(int32_t a)
{
    int32_t half_den = fp_half_sum(a, INT32_MAX);
    const int32_t c48_17 = 1515870810;   /* 48/17 in Q2.29 */
    const int32_t cm32_17 = -1010580540; /* -32/17 in Q2.29 */
    int32_t x = nr_wadd(c48_17, nr_srdhm(half_den, cm32_17));
    for (int i = 0; i < 3; i++) {
        int32_t hdx = nr_srdhm(half_den, x);                      /* Q2.29 */
        int32_t one_minus = nr_wadd(1 << 29, -hdx);               /* Q2.29 */
        x = nr_wadd(x, fp_rescale(nr_srdhm(x, one_minus), 4, 2)); /* Q4 -> Q2 */
    }
    return x;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out. */
static int32_t fp_one_over_one_plus(int32_t a)
{
    /* x / 2 read as Q1.30, then rescaled to Q0.31. */
    return fp_rescale(fp_recip_half_den(a), 1, 0);
}

/* (1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out: the same iterate
 * minus One() of Q2.29, rescaled to Q0.31. */
static int32_t fp_one_minus_over_one_plus(int32_t a)
{
    return fp_rescale(nr_wadd(fp_recip_half_den(a), -(1 << 29)), 2, 0);
}

/* gemmlowp logistic(a) with int_bits integer bits in, Q0.31 out. */
static int32_t fp_logistic(int32_t a, int int_bits)
{
    if (a == 0) return 1 << 30;
    int32_t mag = a > 0 ? a : -a;
    int32_t pos = fp_one_over_one_plus(fp_exp_neg(-mag, int_bits));
    return a > 0 ? pos : nr_wadd(INT32_MAX, -pos);
}

/* gemmlowp tanh(a) with int_bits integer bits in, Q0.31 out: n = -|a| (a
 * itself when negative), t = (1 - e) / (1 + e) with e = exp(2n), computed as
 * exp_on_negative_values of n's raw with one more integer bit; the sign put
 * back, and exactly 0 for a == 0. */
static int32_t fp_tanh(int32_t a, int int_bits)
{
    const int negative = a < 0;
    const int32_t n = negative ? a : (int32_t)(0u - (uint32_t)a);
    const int32_t t = fp_one_minus_over_one_plus(fp_exp_neg(n, int_bits + 1));
    if (a == 0) return 0;
    return negative ? (int32_t)(0u - (uint32_t)t) : t;
}

/* ---- softmax / logistic / tanh ------------------------------------------ */

enum { NR_SOFTMAX_DIFF_BITS = 5, NR_SOFTMAX_ACC_BITS = 12, NR_LOGISTIC_IN_BITS = 4, NR_TANH_IN_BITS = 4 };

/* TFLite CalculateInputRadius(int_bits, left_shift, 31). */
static int32_t nr_input_radius(int int_bits, int left_shift)
{
    double max_rescaled = 1.0 * ((1 << int_bits) - 1) * (double)(INT64_C(1) << (31 - int_bits)) /
                          (double)(INT64_C(1) << left_shift);
    return (int32_t)floor(max_rescaled);
}

void nr_softmax_prepare(double beta, double in_scale, int32_t *mult, int32_t *left_shift, int32_t *diff_min)
{
    /* PreprocessSoftmaxScaling: beta * scale in Q5.26, capped below 2^31. */
    double real = beta * in_scale * (double)(1 << (31 - NR_SOFTMAX_DIFF_BITS));
    if (real > 2147483647.0) real = 2147483647.0;
    nr_quantize_multiplier(real, mult, left_shift);
    if (*left_shift < 0) nr_die("softmax multiplier below one");
    *diff_min = -nr_input_radius(NR_SOFTMAX_DIFF_BITS, *left_shift);
}

static int nr_clz32(uint32_t x)
{
    int n = 0;
    if (x == 0) return 32;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
}

void nr_softmax(int outer, int depth, int32_t mult, int32_t left_shift, int32_t diff_min, const int8_t *in,
                int8_t *out)
{
    for (int o = 0; o < outer; o++) {
        const int8_t *x = in + (long)o * depth;
        int8_t *y = out + (long)o * depth;
        int32_t max = -128;
        for (int c = 0; c < depth; c++)
            if (x[c] > max) max = x[c];

        /* Sum of exp(beta * scale * (x - max)) in Q12.19. */
        int32_t sum = 0;
        for (int c = 0; c < depth; c++) {
            int32_t diff = x[c] - max;
            if (diff < diff_min) continue;
            int32_t scaled =
                nr_srdhm(nr_to_i32((int64_t)diff * ((int64_t)1 << left_shift), "softmax shift"), mult);
            sum = nr_wadd(sum, fp_rescale(fp_exp_neg(scaled, NR_SOFTMAX_DIFF_BITS), 0, NR_SOFTMAX_ACC_BITS));
        }

        /* GetReciprocal: normalise sum to [1, 2) as 1 + s, take 1 / (1 + s),
         * remember how many bits above one the sum had. */
        int headroom_plus_one = nr_clz32((uint32_t)sum);
        int bits_over_unit = NR_SOFTMAX_ACC_BITS - headroom_plus_one;
        int32_t shifted_minus_one = (int32_t)(((uint32_t)sum << headroom_plus_one) - 0x80000000u);
        int32_t recip = fp_one_over_one_plus(shifted_minus_one);

        for (int c = 0; c < depth; c++) {
            int32_t diff = x[c] - max;
            if (diff < diff_min) {
                y[c] = -128;
                continue;
            }
            int32_t scaled =
                nr_srdhm(nr_to_i32((int64_t)diff * ((int64_t)1 << left_shift), "softmax shift"), mult);
            int32_t e = fp_exp_neg(scaled, NR_SOFTMAX_DIFF_BITS);
            int32_t v = nr_rdivpot(nr_srdhm(recip, e), bits_over_unit + 31 - 8);
            y[c] = (int8_t)nr_clamp((int64_t)v - 128, -128, 127);
        }
    }
}

/* LOGISTIC's and TANH's Prepare (TFLM's CalculateArithmeticOpData for
 * int8): the input to Q4.27 with frexp and round, without the q == 2^31
 * correction; the op's name for the message. */
static void q4_input_prepare(const char *op, double in_scale, int32_t *mult, int32_t *left_shift,
                             int32_t *radius)
{
    double real = in_scale * (double)(1 << (31 - NR_LOGISTIC_IN_BITS));
    int e = 0;
    double m = round(frexp(real, &e) * 2147483648.0);
    if (m >= 2147483648.0) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s multiplier rounds to 2^31 (int32 overflow in TFLite)", op);
        nr_die(msg);
    }
    *mult = (int32_t)m;
    *left_shift = e;
    *radius = nr_input_radius(NR_LOGISTIC_IN_BITS, e);
}

void nr_logistic_prepare(double in_scale, int32_t *mult, int32_t *left_shift, int32_t *radius)
{
    q4_input_prepare("logistic", in_scale, mult, left_shift, radius);
}

/* LOGISTIC's and TANH's frame: -128 or 127 outside the input range radius,
 * else f of the input on Q4. */
static void q4_activation(int n, int32_t in_zp, int32_t radius, int32_t mult, int32_t left_shift,
                          const int8_t *in, int8_t *out, int8_t (*f)(int32_t q4))
{
    for (int i = 0; i < n; i++) {
        int32_t x = in[i] - in_zp;
        if (x <= -radius)
            out[i] = -128;
        else if (x >= radius)
            out[i] = 127;
        else
            out[i] = f(nr_mbqm(x, mult, left_shift));
    }
}

static int8_t logistic_byte(int32_t q4)
{
    int32_t v = nr_rdivpot(fp_logistic(q4, NR_LOGISTIC_IN_BITS), 31 - 8); /* to units of 1/256 */
    return (int8_t)nr_clamp((int64_t)v - 128, -128, 127);
}

void nr_logistic(int n, int32_t in_zp, int32_t radius, int32_t mult, int32_t left_shift, const int8_t *in,
                 int8_t *out)
{
    q4_activation(n, in_zp, radius, mult, left_shift, in, out, logistic_byte);
}

void nr_tanh_prepare(double in_scale, int32_t *mult, int32_t *left_shift, int32_t *radius)
{
    q4_input_prepare("tanh", in_scale, mult, left_shift, radius); /* NR_TANH_IN_BITS is LOGISTIC's 4 */
}

static int8_t tanh_byte(int32_t q4)
{
    int32_t v = nr_rdivpot(fp_tanh(q4, NR_TANH_IN_BITS), 31 - 7); /* to units of 1/128 */
    return (int8_t)nr_clamp(v, -128, 127);
}

void nr_tanh(int n, int32_t in_zp, int32_t radius, int32_t mult, int32_t left_shift, const int8_t *in,
             int8_t *out)
{
    q4_activation(n, in_zp, radius, mult, left_shift, in, out, tanh_byte);
}

/* ---- data movement ------------------------------------------------------ */

void nr_transpose(int rank, const int *in_dims, const int *perm, const int8_t *in, int8_t *out)
{
    int out_dims[8], idx[8] = {0}, in_idx[8];
    long total = 1;
    for (int d = 0; d < rank; d++) {
        out_dims[d] = in_dims[perm[d]];
        total *= out_dims[d];
    }
    for (long n = 0; n < total; n++) {
        /* Unravel n over the output shape (row major). */
        long rest = n;
        for (int d = rank - 1; d >= 0; d--) {
            idx[d] = (int)(rest % out_dims[d]);
            rest /= out_dims[d];
        }
        for (int d = 0; d < rank; d++) in_idx[perm[d]] = idx[d];
        long off = 0;
        for (int d = 0; d < rank; d++) off = off * in_dims[d] + in_idx[d];
        out[n] = in[off];
    }
}

void nr_slice(int rank, const int *in_dims, const int *begin, const int *step, const int *out_dims,
              const int8_t *in, int8_t *out)
{
    int idx[8];
    long total = 1;
    for (int d = 0; d < rank; d++) total *= out_dims[d];
    for (long n = 0; n < total; n++) {
        long rest = n;
        for (int d = rank - 1; d >= 0; d--) {
            idx[d] = (int)(rest % out_dims[d]);
            rest /= out_dims[d];
        }
        long off = 0;
        for (int d = 0; d < rank; d++) off = off * in_dims[d] + begin[d] + (long)idx[d] * step[d];
        out[n] = in[off];
    }
}

void nr_depth_to_space(int h, int w, int c, int b, const int8_t *in, int8_t *out)
{
    const int oc = c / (b * b);
    for (int oy = 0; oy < h * b; oy++)
        for (int ox = 0; ox < w * b; ox++)
            for (int d = 0; d < oc; d++) {
                const int id = d + ((oy % b) * b + ox % b) * oc;
                *out++ = in[((oy / b) * w + ox / b) * c + id];
            }
}

void nr_space_to_depth(int h, int w, int c, int b, const int8_t *in, int8_t *out)
{
    const int ow = w / b, oc = c * b * b;
    for (int iy = 0; iy < h; iy++)
        for (int ix = 0; ix < w; ix++)
            for (int d = 0; d < c; d++) {
                const int od = d + ((iy % b) * b + ix % b) * c;
                out[((iy / b) * ow + ix / b) * oc + od] = in[(iy * w + ix) * c + d];
            }
}

void nr_tile(int rank, const int *in_dims, const int *mult, const int8_t *in, int8_t *out)
{
    int idx[8];
    long total = 1;
    for (int d = 0; d < rank; d++) total *= (long)in_dims[d] * mult[d];
    for (long n = 0; n < total; n++) {
        long rest = n;
        for (int d = rank - 1; d >= 0; d--) {
            const long od = (long)in_dims[d] * mult[d];
            idx[d] = (int)(rest % od % in_dims[d]);
            rest /= od;
        }
        long off = 0;
        for (int d = 0; d < rank; d++) off = off * in_dims[d] + idx[d];
        out[n] = in[off];
    }
}

bool nr_bilinear_src(int i, int in_size, int out_size, bool align, bool half, int32_t *pos, int32_t *lo,
                     int32_t *hi)
{
    int64_t scale = (1024 * (int64_t)in_size + out_size / 2) / out_size;
    if (align && out_size > 1) scale = (1024 * (int64_t)(in_size - 1) + (out_size - 1) / 2) / (out_size - 1);
    int64_t v = (int64_t)i * scale;
    if (half) v += scale / 2 - 512;
    int64_t a = v / 1024, b = (v + 1023) / 1024; /* C division: towards zero */
    if (a < 0) a = 0;
    if (b > in_size - 1) b = in_size - 1;
    *pos = (int32_t)v, *lo = (int32_t)a, *hi = (int32_t)b;
    return a <= in_size - 1;
}

bool nr_resize_bilinear(int in_h, int in_w, int c, int out_h, int out_w, bool align, bool half,
                        const int8_t *in, int8_t *out)
{
    for (int y = 0; y < out_h; y++)
        for (int x = 0; x < out_w; x++) {
            int32_t iy, y0, y1, ix, x0, x1;
            if (!nr_bilinear_src(y, in_h, out_h, align, half, &iy, &y0, &y1) ||
                !nr_bilinear_src(x, in_w, out_w, align, half, &ix, &x0, &x1))
                return false;
            for (int ch = 0; ch < c; ch++) {
                const int64_t ll = in[((int64_t)y0 * in_w + x0) * c + ch],
                              lu = in[((int64_t)y1 * in_w + x0) * c + ch],
                              rl = in[((int64_t)y0 * in_w + x1) * c + ch],
                              ru = in[((int64_t)y1 * in_w + x1) * c + ch];
                const int64_t dy = iy - 1024 * (int64_t)y0, dx = ix - 1024 * (int64_t)x0;
                const int64_t s = ll * (1024 - dy) * (1024 - dx) + lu * dy * (1024 - dx) +
                                  rl * (1024 - dy) * dx + ru * dy * dx;
                const int64_t round = s > 0 ? (1 << 19) : -(1 << 19);
                out[((int64_t)y * out_w + x) * c + ch] = (int8_t)((s + round) / (1 << 20));
            }
        }
    return true;
}

void nr_pad(const int *in_dims, const int *before, const int *after, int32_t value, const int8_t *in,
            int8_t *out)
{
    int od[4];
    for (int d = 0; d < 4; d++) od[d] = before[d] + in_dims[d] + after[d];
    long n = 0;
    for (int a = 0; a < od[0]; a++)
        for (int b = 0; b < od[1]; b++)
            for (int c = 0; c < od[2]; c++)
                for (int e = 0; e < od[3]; e++) {
                    int i0 = a - before[0], i1 = b - before[1], i2 = c - before[2], i3 = e - before[3];
                    int inside = i0 >= 0 && i0 < in_dims[0] && i1 >= 0 && i1 < in_dims[1] && i2 >= 0 &&
                                 i2 < in_dims[2] && i3 >= 0 && i3 < in_dims[3];
                    out[n++] = inside ? in[(((long)i0 * in_dims[1] + i1) * in_dims[2] + i2) * in_dims[3] + i3]
                                      : (int8_t)value;
                }
}

void nr_concat(int outer, int n_inputs, const int *inner, const int8_t *const *inputs, int8_t *out)
{
    long n = 0;
    for (int o = 0; o < outer; o++)
        for (int k = 0; k < n_inputs; k++)
            for (int i = 0; i < inner[k]; i++) out[n++] = inputs[k][(long)o * inner[k] + i];
}

int nr_resize_src(int out_index, int in_size, int out_size, bool align, bool half)
{
    /* TFLite's GetNearestNeighbor, in float as it computes: the step is
     * (in - 1) / (out - 1) with align_corners (out > 1), else in / out; the
     * position is (i + 0.5) * step with half-pixel centres, else i * step;
     * align_corners rounds it half away from zero, otherwise it is floored.
     * The index is then clamped to the last input, and with half-pixel
     * centres to the first. */
    const bool corners = align && out_size > 1;
    const float step =
        corners ? (float)(in_size - 1) / (float)(out_size - 1) : (float)in_size / (float)out_size;
    const float at = ((float)out_index + (half ? 0.5f : 0.0f)) * step;
    int src = align ? (int)roundf(at) : (int)floorf(at);
    if (src >= in_size) src = in_size - 1;
    if (half && src < 0) src = 0;
    return src;
}

void nr_resize_nearest(int in_h, int in_w, int c, int out_h, int out_w, bool align, bool half,
                       const int8_t *in, int8_t *out)
{
    for (int y = 0; y < out_h; y++)
        for (int x = 0; x < out_w; x++)
            for (int k = 0; k < c; k++) {
                int sy = nr_resize_src(y, in_h, out_h, align, half);
                int sx = nr_resize_src(x, in_w, out_w, align, half);
                out[((long)y * out_w + x) * c + k] = in[((long)sy * in_w + sx) * c + k];
            }
}

/* Camera frame to model input (runtime/frame.c's rules, tinyforge/frame.h),
 * one output value at a time with the positions divided out directly. */
static int nr_frame_channel(int format, const uint8_t *px, int c, int k)
{
    int r, g, b;
    if (format == 0) return px[0]; /* gray: R = G = B, and its luma is itself */
    if (format == 1) {
        r = px[0], g = px[1], b = px[2];
    } else {
        const unsigned w = format == 2 ? (unsigned)px[0] + 256u * px[1] : 256u * px[0] + px[1];
        const int r5 = (int)(w / 2048), g6 = (int)(w / 32 % 64), b5 = (int)(w % 32);
        r = r5 * 8 + r5 / 4; /* the top bits repeated below the field */
        g = g6 * 4 + g6 / 16;
        b = b5 * 8 + b5 / 4;
    }
    if (c == 1) return (int)(((long)r * 299 + (long)g * 587 + (long)b * 114 + 500) / 1000);
    return k == 0 ? r : k == 1 ? g : b;
}

static void nr_frame_pos(int o, int fsize, int size, int *i0, int *i1, int *f)
{
    long long pos = ((long long)(2 * o + 1) * fsize * 1024) / size - 1024;
    if (pos < 0) pos = 0;
    *i0 = (int)(pos / 2048);
    *f = (int)(pos % 2048);
    *i1 = *i0 + 1 < fsize ? *i0 + 1 : fsize - 1;
}

void nr_frame_to_input(int format, int fh, int fw, int stride, int h, int w, int c, const int8_t *lut,
                       const uint8_t *frame, int8_t *out)
{
    const int bpp = format == 0 ? 1 : format == 1 ? 3 : 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int y0, y1, fy, x0, x1, fx;
            nr_frame_pos(y, fh, h, &y0, &y1, &fy);
            nr_frame_pos(x, fw, w, &x0, &x1, &fx);
            for (int k = 0; k < c; k++) {
                /* the four neighbours weighted in 1/2048 per axis, rounded half up */
                const long long v00 = nr_frame_channel(format, frame + (long)y0 * stride + (long)x0 * bpp, c,
                                                       k),
                                v01 = nr_frame_channel(format, frame + (long)y0 * stride + (long)x1 * bpp, c,
                                                       k),
                                v10 = nr_frame_channel(format, frame + (long)y1 * stride + (long)x0 * bpp, c,
                                                       k),
                                v11 = nr_frame_channel(format, frame + (long)y1 * stride + (long)x1 * bpp, c,
                                                       k);
                const long long s = v00 * (2048 - fx) * (2048 - fy) + v01 * fx * (2048 - fy) +
                                    v10 * (2048 - fx) * fy + v11 * fx * fy;
                const int v = (int)((s + 2097152) / 4194304);
                out[((long)y * w + x) * c + k] = lut[256 * k + v];
            }
        }
}
