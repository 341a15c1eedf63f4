/* The runtime kernel library: int8 NHWC kernels that ship to the MCU.
 *
 * Contract shared by every kernel here:
 *  - C99, freestanding: no malloc, no stdio, no mutable globals. All state
 *    lives in caller-provided buffers (the arena).
 *  - Parameters come in a small const struct prepared ahead of time by the
 *    compiler: multipliers are precomputed, and the input zero point is folded
 *    into the bias (bias' = bias - in_zp * sum(weights of that channel)), so
 *    inner loops multiply raw int8 values. Padded taps read as in_zp, which
 *    makes the folding exact at the borders too.
 *  - A kernel needing scratch has a *_scratch_size() twin; scratch must be
 *    4-byte aligned and is clobbered.
 *  - Results are bit-exact with TFLite's reference kernels (see
 *    docs/numerics.md): requantization goes through tfg_requant(), or its
 *    prepared form. Conv, depthwise and FC take one tfg_rq_t per output
 *    channel (tinyforge/fixedpoint.h), which holds either form.
 *  - Spatial kernels take batch 1 (the compiler refuses larger batches).
 *  - In-place operation is allowed only where a kernel says so.
 */
#ifndef TINYFORGE_KERNELS_H
#define TINYFORGE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/config.h"
#include "tinyforge/fixedpoint.h"
#include "tinyforge/status.h"

/* C linkage for C++ callers (Arduino, mbed, STM32Cube, ESP-IDF mains). */
#ifdef __cplusplus
extern "C" {
#endif

#define TFG_MAX_DIMS 6

/* ---- convolution ------------------------------------------------------- */

/* How the conv kernel holds its input columns, chosen by the compiler per
 * layer (same bytes either way):
 *  - WIDE: two pixels' columns widened to int16 in scratch once, shared by
 *    every output channel (the fastest with the DSP extension);
 *  - NARROW: int8 columns, widened in registers as they are read; pointwise
 *    convs then need no scratch at all. For the layers at the arena peak. */
typedef enum { TFG_CONV_WIDE = 0, TFG_CONV_NARROW = 1 } tfg_conv_variant_t;

typedef struct {
    int32_t variant; /* tfg_conv_variant_t */
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_top, pad_left; /* bottom/right padding follows from out_h/out_w */
    int32_t in_zp;             /* value that padded taps read */
    int32_t out_zp, act_min, act_max;
    const int8_t *weights; /* in this build's layout (TFG_CONV_PACKED below); 4-byte aligned */
    const int32_t *bias;   /* [out_c], zero point folded in */
    const tfg_rq_t *rq;    /* [out_c] requantization, prepared or general (tinyforge/fixedpoint.h) */
    /* A residual ADD fused into the output, or NULL. The `out` buffer then
     * already holds the ADD's other input (the residual), laid out with rows
     * of res_row pixels (0: out_w) starting res_off pixels in; the output is
     * written densely from the buffer's start, over it (in place). Each output
     * byte becomes ADD(residual byte, conv byte) with these parameters, the
     * conv byte as ADD's second input when res_conv_is_b, else its first. The
     * conv output is never stored on its own. */
    const struct tfg_eltwise_params_s *res;
    int32_t res_conv_is_b;
    int32_t res_row, res_off;
    /* 1: a pointwise conv (1x1, stride 1) writing over its input, from the
     * same start: each pixel pair's two columns are copied before the pair's
     * outputs are written, and the pairs go last to first when out_c > in_c
     * (pixel p's output then covers only input pixels already read), first
     * to last otherwise. The compiler ties the two buffers (plan.h). */
    int32_t in_place;
} tfg_conv_params_t;

/* The weight layout this build's conv kernel reads, fixed per target:
 *  - packed (TFG_CONV_PACKED 1, 32-bit cores, where the DSP kernel lives):
 *    TFLite's OHWI rows (K = k_h*k_w*in_c bytes each) regrouped in channel
 *    pairs and 4-byte chunks by tfg_conv_pack_weights (see conv.c);
 *  - OHWI as TFLite stores it (TFG_CONV_PACKED 0, 64-bit hosts, where the
 *    compiler vectorizes along whole rows).
 * The compiler lays weights out once, offline, for the target it generates
 * code for; the generated code refuses to compile against the other one. */
#ifndef TFG_CONV_PACKED
#if defined(__x86_64__) || defined(__aarch64__)
#define TFG_CONV_PACKED 0
#else
#define TFG_CONV_PACKED 1
#endif
#endif
size_t tfg_conv_packed_bytes(const tfg_conv_params_t *p);
void tfg_conv_pack_weights(const tfg_conv_params_t *p, const int8_t *ohwi, int8_t *dst);

size_t tfg_conv_s8_scratch_size(const tfg_conv_params_t *p);
/* `in` and `out` must not overlap, but with p->in_place (then out == in). */
void tfg_conv_s8(const tfg_conv_params_t *p, const int8_t *in, int8_t *out, void *scratch);

/* TRANSPOSE_CONV (a strided "deconvolution": input pixel (iy, ix) adds its
 * taps to output (iy*stride_h - pad_top + fy, ix*stride_w - pad_left + fx)).
 * Run as a gather, one output pixel at a time from the few taps that reach
 * it, so it needs no scratch (TFLM scatters into an int32 copy of the whole
 * output). Which taps reach a pixel depends on its position, so the input
 * zero point cannot be folded into the bias: taps add (x - in_zp) * w. */
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left; /* TFLM's: computed from the output size */
    int32_t in_zp;
    int32_t out_zp, act_min, act_max;
    const int8_t *weights; /* [out_c][k_h][k_w][in_c], the model's layout */
    const int32_t *bias;   /* [out_c], the model's (zeros without one) */
    const tfg_rq_t *rq;    /* [out_c] requantization (tinyforge/fixedpoint.h) */
} tfg_transpose_conv_params_t;

/* `in` and `out` must not overlap. */
void tfg_transpose_conv_s8(const tfg_transpose_conv_params_t *p, const int8_t *in, int8_t *out);

/* Depthwise: out_c = in_c * depth_mult; weights are TFLite's [k_h][k_w][out_c].
 * Three algorithms, chosen by the compiler per layer (all may run in place):
 *  - ROWS: all channels of an output row at once, the
 *    channel loop innermost, so it vectorizes; scratch is a ring of a few
 *    output rows plus one int32 accumulator per channel;
 *  - PLANE: one channel at a time through a padded plane in scratch; the
 *    fastest on 32-bit MCUs, and small scratch when the image is small;
 *  - STRIP: PLANE's loops, but only the k_h input rows one output row reads
 *    are kept, sliding down the channel: the least scratch of the three
 *    (a few rows of one channel), for a little extra copying. */
typedef enum { TFG_DW_ROWS = 0, TFG_DW_PLANE = 1, TFG_DW_STRIP = 2 } tfg_dw_variant_t;

typedef struct {
    int32_t variant; /* tfg_dw_variant_t */
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w;
    int32_t depth_mult;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_top, pad_left;
    int32_t in_zp;
    int32_t out_zp, act_min, act_max;
    const int8_t *weights;
    const int32_t *bias; /* [out_c], zero point folded in */
    const tfg_rq_t *rq;  /* [out_c] requantization, prepared or general (tinyforge/fixedpoint.h) */
} tfg_dwconv_params_t;

size_t tfg_dwconv_s8_scratch_size(const tfg_dwconv_params_t *p);
/* Whether STRIP may run in place with these parameters (always true for
 * TFLite's SAME and VALID padding; a folded PAD may break it). */
int tfg_dwconv_strip_in_place_ok(const tfg_dwconv_params_t *p);
/* In place (out == in) is allowed when depth_mult == 1 (see dwconv.c for why
 * each variant is safe). */
void tfg_dwconv_s8(const tfg_dwconv_params_t *p, const int8_t *in, int8_t *out, void *scratch);

/* ---- fully connected --------------------------------------------------- */

typedef struct {
    int32_t batches, in_features, out_features;
    int32_t out_zp, act_min, act_max;
    const int8_t *weights; /* [out_features][in_features] */
    const int32_t *bias;   /* [out_features], zero point folded in */
    const tfg_rq_t *rq;    /* [out_features] requantization (per-tensor models repeat one entry) */
} tfg_fc_params_t;

void tfg_fc_s8(const tfg_fc_params_t *p, const int8_t *in, int8_t *out);

/* BATCH_MATMUL of two int8 tensors (attention's Q.K^T and .V, where both
 * sides are activations): out[b][i][j] = bias[j] + sum_k (L[b][i][k] -
 * lhs_zp) * (R[b][k][j] - rhs_zp), requantized with one multiplier and
 * clamped (BATCH_MATMUL has neither bias nor activation; FULLY_CONNECTED
 * with activation weights, run by this kernel, may have both).
 * Either side may be stored transposed (TFLite's adj_x, adj_y): the kernel
 * reads both through element strides. Up to three batch dimensions (ranks
 * 2..5), each broadcast where its stride is 0. */
typedef struct {
    int32_t batch[3];                   /* the output's batch dims, leading 1s for lower ranks */
    int32_t lhs_batch[3], rhs_batch[3]; /* element strides along them (0: broadcast) */
    int32_t rows, cols, depth;          /* M, N, K: the output is [batch][M][N] */
    int32_t lhs_row, lhs_depth;         /* element strides of L along M and K */
    int32_t rhs_depth, rhs_col;         /* of R along K and N */
    int32_t lhs_zp, rhs_zp, out_zp, act_min, act_max;
    const int32_t *bias; /* [cols], or NULL */
    tfg_rq_t rq;         /* lhs scale * rhs scale / output scale */
} tfg_batch_matmul_params_t;

void tfg_batch_matmul_s8(const tfg_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs,
                         int8_t *out);

/* ---- elementwise ADD / MUL with broadcasting ----------------------------- */

typedef struct tfg_eltwise_params_s {
    int32_t dims[4];     /* output shape, left-padded with 1s */
    int32_t a_stride[4]; /* element stride of input a along each output dim (0 = broadcast) */
    int32_t b_stride[4];
    int32_t a_offset, b_offset; /* minus the input zero points */
    int32_t left_shift;         /* ADD: headroom shift (TFLite uses 20) */
    int32_t a_mult, a_shift;    /* ADD: input rescale */
    int32_t b_mult, b_shift;
    int32_t out_mult, out_shift;
    int32_t out_zp, act_min, act_max;
} tfg_eltwise_params_t;

/* An ADD or SUB input byte lifted by left_shift bits of headroom and
 * rescaled to the common scale (TFLite's arithmetic). */
static inline int32_t tfg_elt_scaled(const tfg_eltwise_params_t *p, int32_t x, int32_t offset, int32_t mult,
                                     int32_t shift)
{
    return tfg_requant((int32_t)((uint32_t)(x + offset) << p->left_shift), mult, shift);
}

/* One element of ADD: the output byte for input bytes a and b (inline so a
 * conv with a fused residual needs no eltwise.c). */
static inline int8_t tfg_add_one_s8(const tfg_eltwise_params_t *p, int32_t a, int32_t b)
{
    const int32_t sa = tfg_elt_scaled(p, a, p->a_offset, p->a_mult, p->a_shift);
    const int32_t sb = tfg_elt_scaled(p, b, p->b_offset, p->b_mult, p->b_shift);
    const int32_t v = tfg_requant(sa + sb, p->out_mult, p->out_shift) + p->out_zp;
    return (int8_t)tfg_clamp(v, p->act_min, p->act_max);
}

/* ADD in the prepared requantization form (tinyforge/fixedpoint.h): the
 * same bytes as tfg_add_one_s8 in fewer instructions. An input's rescale has
 * a shift in [-22, 0]; a shift of 0 (the input with the larger scale has
 * multiplier 1/2 exactly) has no rounding step, so its sign term is masked.
 * (x + offset) << left_shift stays below 2^28 in magnitude and the sum of two
 * rescaled inputs below 2^29, inside the prepared form's |x| < 2^30; the
 * shift goes one bit further to hand over the doubled value. */
typedef struct {
    int32_t mult, add, shift, sign_mask;
} tfg_in_scale_t;

typedef struct {
    tfg_in_scale_t a, b;
    tfg_rq_t out;
    int32_t a_offset, b_offset, shift2, lo, hi;
} tfg_add_prep_t;

static inline int tfg_in_scale_make(int32_t mult, int32_t shift, tfg_in_scale_t *s)
{
    if (mult < 0 || shift > 0 || shift < -22) return 0;
    s->mult = mult;
    s->shift = -shift;
    s->add = shift ? INT32_C(1) << (-shift - 1) : 0;
    s->sign_mask = shift ? -1 : 0;
    return 1;
}

/* Prepares q for p; returns 0 when p is outside the form's preconditions. */
static inline int tfg_add_prepare(const tfg_eltwise_params_t *p, tfg_add_prep_t *q)
{
    q->a_offset = p->a_offset, q->b_offset = p->b_offset, q->shift2 = p->left_shift + 1;
    q->lo = p->act_min, q->hi = p->act_max;
    return p->left_shift <= 20 && tfg_in_scale_make(p->a_mult, p->a_shift, &q->a) &&
           tfg_in_scale_make(p->b_mult, p->b_shift, &q->b) &&
           tfg_rq_make(p->out_mult, p->out_shift, p->out_zp, &q->out);
}

static inline int32_t tfg_in_scale2(int32_t x2, const tfg_in_scale_t *s)
{
    return (tfg_smmlar(x2, s->mult, s->add) + ((x2 >> 31) & s->sign_mask)) >> s->shift;
}

/* tfg_add_one_s8 for a prepared ADD. */
static inline int8_t tfg_add_prepared(const tfg_add_prep_t *q, int32_t a, int32_t b)
{
    const int32_t sa = tfg_in_scale2((int32_t)((uint32_t)(a + q->a_offset) << q->shift2), &q->a);
    const int32_t sb = tfg_in_scale2((int32_t)((uint32_t)(b + q->b_offset) << q->shift2), &q->b);
    return (int8_t)tfg_clamp(tfg_rq_apply(sa + sb, &q->out), q->lo, q->hi);
}

/* `out` may equal `a` (or `b`) when that input is not broadcast. */
void tfg_add_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out);
void tfg_mul_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out);
/* SUB: ADD's parameters and arithmetic with the rescaled b subtracted. */
void tfg_sub_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out);
/* MINIMUM and MAXIMUM compare the raw int8 values, as TFLM does (the
 * converter gives inputs and output one quantization); only dims and the
 * strides are read. */
void tfg_minimum_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out);
void tfg_maximum_s8(const tfg_eltwise_params_t *p, const int8_t *a, const int8_t *b, int8_t *out);

/* ---- pooling ------------------------------------------------------------- */

typedef struct {
    int32_t in_h, in_w, c;
    int32_t out_h, out_w;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    int32_t act_min, act_max;
    /* Max pool: pad_fill 1 makes the cells outside the image pad_value, in
     * the max (an explicit PAD folded in); 0 leaves them out, as TFLite's
     * padding. */
    int32_t pad_fill, pad_value;
} tfg_pool_params_t;

/* Windows are clipped to the image; the average divides by the clipped count
 * and rounds half away from zero. */
void tfg_avgpool_s8(const tfg_pool_params_t *p, const int8_t *in, int8_t *out);
void tfg_maxpool_s8(const tfg_pool_params_t *p, const int8_t *in, int8_t *out);
/* Whether both pools may run in place (output over the input, from its
 * start) with these parameters: runtime/pool.c says why. */
int tfg_pool_in_place_ok(const tfg_pool_params_t *p);

/* ---- reductions and activations ------------------------------------------ */

/* MEAN: the input is viewed as [outer][reduce][inner] and the middle axis is
 * averaged. The arithmetic follows the TFLite path the compiler selected;
 * the compiler uses SUM_THEN_REQUANT, the path of current TFLite Micro (the
 * other two are earlier TFLite formulations, kept for models that need them). */
typedef enum {
    TFG_MEAN_REQUANT_THEN_DIVIDE = 0, /* sum(x - in_zp) -> requant -> /n -> + out_zp */
    TFG_MEAN_DIVIDE_SAME_QUANT = 1,   /* in/out quantization equal: sum(x) / n, truncated */
    TFG_MEAN_SUM_THEN_REQUANT = 2     /* 1/n folded into mult/shift: requant(sum(x) - in_zp*n) */
} tfg_mean_mode_t;

/* The input is viewed as [outer][reduce][mid][reduce2][inner]: reduce2 > 1
 * when the reduced axes form two groups with kept axes between them (TFLM
 * reduces any two axes, e.g. H and C of NHWC); 0 or 1 means the plain
 * [outer][reduce][inner] view (mid is then unused). n = reduce * reduce2. */
typedef struct {
    int32_t outer, reduce, inner;
    int32_t mode; /* tfg_mean_mode_t */
    int32_t in_zp, out_zp;
    int32_t mult, shift;
    int32_t mid, reduce2;
} tfg_mean_params_t;

void tfg_mean_s8(const tfg_mean_params_t *p, const int8_t *in, int8_t *out);
/* REDUCE_MAX over the same view (only outer, reduce, mid, reduce2 and inner
 * are read): the largest byte, input and output sharing one quantization. */
void tfg_reduce_max_s8(const tfg_mean_params_t *p, const int8_t *in, int8_t *out);

/* SOFTMAX over the innermost axis; output is int8 with scale 1/256, zp -128. */
typedef struct {
    int32_t outer, depth;
    int32_t in_mult, in_left_shift;
    int32_t diff_min;
} tfg_softmax_params_t;

void tfg_softmax_s8(const tfg_softmax_params_t *p, const int8_t *in, int8_t *out);

/* RELU and RELU6 as TFLM runs them: RELU requantizes (x - in_zp) by mult,
 * shift to the output and clamps to [lo, hi] (lo = max(-128, out_zp));
 * RELU6 (requant 0) clamps the input's bytes to [in_zp, quantized 6]. In
 * place allowed. */
typedef struct {
    int32_t size;
    int32_t in_zp, out_zp;
    int32_t requant, mult, shift;
    int32_t lo, hi;
} tfg_relu_params_t;

void tfg_relu_s8(const tfg_relu_params_t *p, const int8_t *in, int8_t *out);

/* LEAKY_RELU as TFLM runs it: x - in_zp requantized by the identity's
 * multiplier where it is >= 0 and by alpha's where it is negative, plus
 * out_zp, clamped to int8. In place allowed. */
typedef struct {
    int32_t size;
    int32_t in_zp, out_zp;
    int32_t id_mult, id_shift, alpha_mult, alpha_shift;
} tfg_leaky_relu_params_t;

void tfg_leaky_relu_s8(const tfg_leaky_relu_params_t *p, const int8_t *in, int8_t *out);

/* PRELU as TFLM runs it: v = x - in_zp; v >= 0: requant(v, mult1, shift1),
 * else requant(v * (alpha - alpha_zp), mult2, shift2); plus out_zp, clamped
 * to int8. The output is walked densely over dims, input and alpha through
 * their strides (0 on broadcast axes). */
typedef struct {
    int32_t dims[4];
    int32_t in_stride[4], alpha_stride[4];
    int32_t in_offset, alpha_offset, out_zp; /* offsets: minus the zero points */
    int32_t mult1, shift1, mult2, shift2;
} tfg_prelu_params_t;

void tfg_prelu_s8(const tfg_prelu_params_t *p, const int8_t *in, const int8_t *alpha, int8_t *out);

/* HARD_SWISH as TFLM runs it: x * relu6(x + 3) / 6 in int16 fixed point.
 * The input, scaled up by 128, is multiplied by out_mult (Q15, the input's
 * scale / 128 over the output's) and, separately, mapped by relu_mult and
 * relu_shift onto [-1, 1] for x in [-3, 3], saturating, then moved to
 * [0, 1]; the two are multiplied (truncating) and shifted right by
 * -out_shift (>= 0). In place allowed. */
typedef struct {
    int32_t size;
    int32_t in_zp, out_zp;
    int32_t out_mult, out_shift;   /* Q15 multiplier in [0, 32767], exponent <= 0 */
    int32_t relu_mult, relu_shift; /* Q15 multiplier in [0, 32767], exponent <= 31 */
} tfg_hard_swish_params_t;

void tfg_hard_swish_s8(const tfg_hard_swish_params_t *p, const int8_t *in, int8_t *out);

/* LOGISTIC; output is int8 with scale 1/256, zp -128. In place allowed. */
typedef struct {
    int32_t size;
    int32_t in_zp, in_range_radius;
    int32_t in_mult, in_left_shift;
} tfg_logistic_params_t;

void tfg_logistic_s8(const tfg_logistic_params_t *p, const int8_t *in, int8_t *out);

/* TANH as TFLM runs it for int8: x - in_zp taken to Q4.27 exactly as for
 * LOGISTIC, gemmlowp's fixed-point tanh, rounded to steps of 1/128 around 0;
 * at or beyond +-in_range_radius straight to -128 / 127. The output's
 * quantization is not read: TFLM's kernel writes scale 1/128, zero point 0
 * whatever the output declares. In place allowed. */
typedef struct {
    int32_t size;
    int32_t in_zp, in_range_radius;
    int32_t in_mult, in_left_shift;
} tfg_tanh_params_t;

void tfg_tanh_s8(const tfg_tanh_params_t *p, const int8_t *in, int8_t *out);

/* ---- quantization at the model edges -------------------------------------- */

typedef struct {
    int32_t size;
    float scale;
    int32_t zp;
} tfg_affine_params_t;

void tfg_quantize_f32_s8(const tfg_affine_params_t *p, const float *in, int8_t *out);
void tfg_dequantize_s8_f32(const tfg_affine_params_t *p, const int8_t *in, float *out);

/* int8 -> int8 with another scale / zero point (TFLite's QUANTIZE between
 * integer types). In place allowed. uint8 on either side runs as int8: a
 * uint8 value u is the int8 value u - 128, whose byte is u ^ 0x80, so the
 * compiler moves that side's zero point by -128 and sets its flip to 0x80;
 * the kernel XORs the bytes it reads (in_flip) and writes (out_flip). The
 * clamp to [-128, 127] is then uint8's [0, 255]. */
typedef struct {
    int32_t size;
    int32_t in_zp, out_zp;
    int32_t mult, shift;
    int32_t in_flip, out_flip; /* 0, or 0x80 for a uint8 side */
} tfg_requant_params_t;

void tfg_requantize_s8(const tfg_requant_params_t *p, const int8_t *in, int8_t *out);

/* ---- data movement ------------------------------------------------------- */

/* Strided copy: out is dense with shape dims[0..rank); the element at index
 * idx of out reads in[offset + sum(idx[d] * in_stride[d])]. TRANSPOSE is this
 * with permuted strides; SLICE, STRIDED_SLICE and each output of SPLIT and
 * SPLIT_V add an offset (and STRIDED_SLICE's steps, negative ones too); TILE
 * repeats its input along axes of stride 0. */
typedef struct {
    int32_t rank;
    int32_t offset;
    int32_t dims[TFG_MAX_DIMS];
    int32_t in_stride[TFG_MAX_DIMS];
} tfg_gather_params_t;

void tfg_gather_s8(const tfg_gather_params_t *p, const int8_t *in, int8_t *out);

/* PAD of an up-to-4-D tensor with a constant. */
typedef struct {
    int32_t in_dims[4];
    int32_t before[4], after[4];
    int32_t value;
} tfg_pad_params_t;

void tfg_pad_s8(const tfg_pad_params_t *p, const int8_t *in, int8_t *out);

/* CONCATENATION: each input is [outer][inner_i]; out is [outer][sum inner_i]. */
typedef struct {
    int32_t outer;
    int32_t n_inputs;
    const int32_t *inner; /* [n_inputs] */
} tfg_concat_params_t;

void tfg_concat_s8(const tfg_concat_params_t *p, const int8_t *const *inputs, int8_t *out);

/* RESIZE_NEAREST_NEIGHBOR with source-index tables precomputed by the
 * compiler (TFLite computes them in float; tables keep the kernel integer). */
typedef struct {
    int32_t in_h, in_w, c;
    int32_t out_h, out_w;
    const int32_t *src_y; /* [out_h] */
    const int32_t *src_x; /* [out_w] */
} tfg_resize_nearest_params_t;

void tfg_resize_nearest_s8(const tfg_resize_nearest_params_t *p, const int8_t *in, int8_t *out);

/* RESIZE_BILINEAR with TFLite's integer interpolation. Per output row, in
 * y[3 * row]: the upper and lower source rows and fy, the position below the
 * upper row in 1/1024 (negative above the first row with half-pixel
 * centres, where both rows are the first); per column the same in x. The
 * compiler computes them as TFLite's ComputeInterpolationValuesInteger. */
typedef struct {
    int32_t in_h, in_w, c;
    int32_t out_h, out_w;
    const int32_t *y; /* [out_h][3]: y0, y1, fy */
    const int32_t *x; /* [out_w][3]: x0, x1, fx */
} tfg_resize_bilinear_params_t;

void tfg_resize_bilinear_s8(const tfg_resize_bilinear_params_t *p, const int8_t *in, int8_t *out);

/* ---- patch-based inference (runtime/patch.c) ----------------------------- */

/* Rows [r0, r1) and columns [c0, c1) of an NHWC image. */
typedef struct {
    int32_t r0, r1, c0, c1;
} tfg_region_t;

/* A layer's parameters for one patch: computing region `out` of its output
 * from region `in` of its input, both stored densely. Start from the whole
 * layer's parameters. */
void tfg_patch_conv(tfg_conv_params_t *p, const tfg_region_t *in, const tfg_region_t *out);
/* A conv's fused residual (p->res), read from region `res` of the buffer the
 * output region `out` is written to. */
void tfg_patch_residual(tfg_conv_params_t *p, const tfg_region_t *res, const tfg_region_t *out);
void tfg_patch_dwconv(tfg_dwconv_params_t *p, const tfg_region_t *in, const tfg_region_t *out);
void tfg_patch_pool(tfg_pool_params_t *p, const tfg_region_t *in, const tfg_region_t *out);
void tfg_patch_pad(tfg_pad_params_t *p, const tfg_region_t *in, const tfg_region_t *out);
/* ADD/MUL: the inputs' regions a, b contain out; *a_off, *b_off are the byte
 * offsets of out's corner in them. c: channels. NULL for a constant input
 * (held whole, broadcast or not). */
void tfg_patch_eltwise(tfg_eltwise_params_t *p, const tfg_region_t *a, const tfg_region_t *b,
                       const tfg_region_t *out, int32_t c, size_t *a_off, size_t *b_off);
size_t tfg_region_elems(const tfg_region_t *r, int32_t c);
/* Region r of a w-wide, c-channel image to a dense buffer, and back. */
void tfg_copy_region(const int8_t *img, int32_t w, int32_t c, const tfg_region_t *r, int8_t *dst);
void tfg_paste_region(const int8_t *src, int32_t w, int32_t c, const tfg_region_t *r, int8_t *img);

/* The stage's source seen in the model's input when layout ops at the start
 * of the network (a TRANSPOSE, as YAMNet's spectrogram input has) are folded
 * into each tile's read: element (y, x, ch) of the source is element
 * y * row + x * col + ch * chan of the image, each `elem` bytes wide. */
typedef struct {
    int32_t row, col, chan; /* strides, in elements */
    int32_t channels, elem;
} tfg_image_view_t;

/* Region r of the source through view v to a dense buffer. */
void tfg_read_region(const tfg_image_view_t *v, const int8_t *img, const tfg_region_t *r, int8_t *dst);

#ifdef __cplusplus
}
#endif

#endif
