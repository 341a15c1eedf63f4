/* Naive reference kernels with TFLite (Micro) reference-kernel semantics.
 *
 * These are the oracle for tests/test_kernels.c. They are written the
 * obvious way from TFLite's documented behaviour, independently of runtime/
 * and of include/tinyforge/fixedpoint.h (deliberately not included here):
 *  - parameters are the UNFOLDED ones a .tflite file carries (input zero
 *    point, raw bias), not the compiler-prepared kernel structs;
 *  - convolutions skip out-of-image taps and accumulate (x - in_zp) * w;
 *  - every index is computed in full from the coordinates;
 *  - wide (int64) arithmetic where it costs nothing, with aborts when a value
 *    leaves the range where TFLite's int32 arithmetic is defined (that would be
 *    a bug in the test generator, not in the kernel under test).
 * Speed is irrelevant. */
#ifndef TFG_NAIVE_REF_H
#define TFG_NAIVE_REF_H

#include <stdbool.h>
#include <stdint.h>

/* ---- quantization arithmetic ---- */

/* TFLite QuantizeMultiplier: real = mult * 2^(shift-31), mult in [2^30, 2^31). */
void nr_quantize_multiplier(double real, int32_t *mult, int32_t *shift);
/* gemmlowp SaturatingRoundingDoublingHighMul. */
int32_t nr_srdhm(int32_t a, int32_t b);
/* gemmlowp RoundingDivideByPOT: x / 2^e, ties away from zero, 0 <= e <= 31. */
int32_t nr_rdivpot(int32_t x, int e);
/* TFLite MultiplyByQuantizedMultiplier (double-rounding variant). */
int32_t nr_mbqm(int32_t x, int32_t mult, int32_t shift);
int32_t nr_clamp(int64_t v, int32_t lo, int32_t hi);

/* TFLite padding rules. same != 0: SAME, else VALID. Returns out size and the
 * leading pad (top/left). */
void nr_out_size(int in, int k, int stride, int dil, int same, int *out, int *pad);

/* ---- convolutions / fully connected ---- */

typedef struct {
    int in_h, in_w, in_c;
    int out_h, out_w, out_c;
    int k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int depth_mult; /* depthwise only */
    int32_t in_zp, out_zp, act_min, act_max;
    const int8_t *weights; /* conv: OHWI; depthwise: [1][k_h][k_w][out_c] */
    const int32_t *bias;   /* unfolded, [out_c]; NULL = no bias */
    const int32_t *mult;   /* [out_c] */
    const int32_t *shift;  /* [out_c] */
} nr_conv_t;

void nr_conv(const nr_conv_t *p, const int8_t *in, int8_t *out);
void nr_dwconv(const nr_conv_t *p, const int8_t *in, int8_t *out);
/* TRANSPOSE_CONV as TFLite's reference runs it: every input pixel scatters
 * (x - in_zp) * w into an int32 buffer the size of the output at
 * (iy*stride - pad + fy, ix*stride - pad + fx), then bias and requantization.
 * Weights [out_c][k_h][k_w][in_c]; pad_top/pad_left as nr_tconv_pad gives
 * them; dilation unused. */
void nr_transpose_conv(const nr_conv_t *p, const int8_t *in, int8_t *out);
/* TFLM's TRANSPOSE_CONV padding for one axis: ComputePaddingHeightWidth with
 * the op's output size as the "input" (same != 0: SAME). */
int nr_tconv_pad(int out_size, int k, int stride, int same);

typedef struct {
    int batches, in_features, out_features;
    int32_t in_zp, out_zp, act_min, act_max;
    const int8_t *weights;       /* [out][in] */
    const int32_t *bias;         /* unfolded; NULL = none */
    const int32_t *mult, *shift; /* [out] */
} nr_fc_t;

void nr_fc(const nr_fc_t *p, const int8_t *in, int8_t *out);

/* BATCH_MATMUL as TFLite's reference: shapes of rank <= 5 right-aligned,
 * batch dims broadcast, adj_x / adj_y transposing the last two axes of the
 * lhs / rhs; the int32 sum of (l - lhs_zp) * (r - rhs_zp), then MBQM and the
 * output zero point, clamped to int8. Writes the output shape (rank of the
 * larger operand) into out_dims. */
typedef struct {
    int lhs_rank, rhs_rank;
    int lhs_dims[5], rhs_dims[5];
    bool adj_x, adj_y;
    int32_t lhs_zp, rhs_zp, out_zp, mult, shift;
    const int32_t *bias;      /* [N] added after the sum (FULLY_CONNECTED's), or NULL */
    int32_t act_min, act_max; /* -128, 127 for BATCH_MATMUL itself */
} nr_bmm_t;

void nr_batch_matmul(const nr_bmm_t *p, const int8_t *lhs, const int8_t *rhs, int8_t *out, int *out_dims);

/* ---- elementwise with 4-D broadcasting (TFLite BroadcastAdd4DSlow style) ---- */

typedef struct {
    int a_dims[4], b_dims[4]; /* each dim equals the output dim or is 1 */
    int32_t a_zp, b_zp, out_zp, act_min, act_max;
    /* ADD */
    int left_shift;
    int32_t a_mult, a_shift, b_mult, b_shift;
    /* ADD and MUL */
    int32_t out_mult, out_shift;
} nr_eltwise_t;

void nr_add(const nr_eltwise_t *p, const int8_t *a, const int8_t *b, int8_t *out);
/* SUB: ADD's arithmetic with the rescaled b subtracted. */
void nr_sub(const nr_eltwise_t *p, const int8_t *a, const int8_t *b, int8_t *out);
void nr_mul(const nr_eltwise_t *p, const int8_t *a, const int8_t *b, int8_t *out);
/* PRELU, TFLM's int8 arithmetic, Prepare included: a is the input, b alpha
 * (broadcast per the dims); scales as the .tflite stores them. */
void nr_prelu(const nr_eltwise_t *p, float in_scale, float alpha_scale, float out_scale, const int8_t *a,
              const int8_t *b, int8_t *out);
/* MINIMUM / MAXIMUM (is_max): TFLM compares the raw int8 values; only the dims are read. */
void nr_minmax(const nr_eltwise_t *p, const int8_t *a, const int8_t *b, int8_t *out, int is_max);

/* ---- pooling ---- */

typedef struct {
    int in_h, in_w, c, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_top, pad_left;
    int32_t act_min, act_max;
} nr_pool_t;

void nr_avgpool(const nr_pool_t *p, const int8_t *in, int8_t *out);
void nr_maxpool(const nr_pool_t *p, const int8_t *in, int8_t *out);

/* ---- reductions, requantization, activations ---- */

/* MEAN, TFLite reference_integer_ops::Mean arithmetic: [outer][reduce][inner]. */
void nr_mean_requant_then_divide(int outer, int reduce, int inner, int32_t in_zp, int32_t out_zp,
                                 int32_t mult, int32_t shift, const int8_t *in, int8_t *out);

/* TFLM's int8 RELU (requantized from in to out, floor at the output's zero
 * point) and RELU6 (the input's bytes clamped to its zero point and six),
 * Prepare included: scales as the .tflite stores them. */
void nr_relu(int n, float in_scale, int32_t in_zp, float out_scale, int32_t out_zp, const int8_t *in,
             int8_t *out);
void nr_relu6(int n, float in_scale, int32_t in_zp, const int8_t *in, int8_t *out);
/* REDUCE_MAX of a 4-D int8 tensor over the axes with red[k] set (TFLM's
 * ReduceGeneric from -128); out in row-major order of the kept axes. */
void nr_reduce_max(const int dims[4], const int red[4], const int8_t *in, int8_t *out);
/* TFLM's int8 LEAKY_RELU, Prepare included (multipliers formed in double). */
void nr_leaky_relu(int n, float in_scale, int32_t in_zp, float alpha, float out_scale, int32_t out_zp,
                   const int8_t *in, int8_t *out);
/* TFLM's int8 HARD_SWISH: what HardSwishPrepare computes (0 returned where
 * it refuses the scales: an output multiplier's exponent above 0), and the
 * reference kernel's int16 evaluation of it. */
typedef struct {
    int32_t in_zp, out_zp;
    int16_t out_mult, relu_mult; /* Q15 */
    int32_t out_exp, relu_exp;
} nr_hard_swish_t;
int nr_hard_swish_prepare(float in_scale, int32_t in_zp, float out_scale, int32_t out_zp, nr_hard_swish_t *q);
void nr_hard_swish(int n, const nr_hard_swish_t *q, const int8_t *in, int8_t *out);
void nr_requantize(int n, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift, const int8_t *in,
                   int8_t *out);

void nr_quantize(int n, float scale, int32_t zp, const float *in, int8_t *out);
void nr_dequantize(int n, float scale, int32_t zp, const int8_t *in, float *out);

/* SOFTMAX int8 -> int8 (scale 1/256, zp -128), beta folded into the params the
 * way TFLite's Prepare does it (nr_softmax_prepare). */
void nr_softmax_prepare(double beta, double in_scale, int32_t *mult, int32_t *left_shift, int32_t *diff_min);
void nr_softmax(int outer, int depth, int32_t mult, int32_t left_shift, int32_t diff_min, const int8_t *in,
                int8_t *out);

/* LOGISTIC int8 -> int8 (scale 1/256, zp -128). */
void nr_logistic_prepare(double in_scale, int32_t *mult, int32_t *left_shift, int32_t *radius);
void nr_logistic(int n, int32_t in_zp, int32_t radius, int32_t mult, int32_t left_shift, const int8_t *in,
                 int8_t *out);

/* TANH int8 -> int8 (TFLM's kernel writes scale 1/128, zp 0, whatever the
 * output declares); its Prepare is LOGISTIC's. */
void nr_tanh_prepare(double in_scale, int32_t *mult, int32_t *left_shift, int32_t *radius);
void nr_tanh(int n, int32_t in_zp, int32_t radius, int32_t mult, int32_t left_shift, const int8_t *in,
             int8_t *out);

/* ---- data movement ---- */

/* TRANSPOSE of a dense tensor: out dim d is in dim perm[d]. */
void nr_transpose(int rank, const int *in_dims, const int *perm, const int8_t *in, int8_t *out);
/* STRIDED_SLICE: out dim d has out_dims[d] elements taken at begin[d] +
 * i * step[d] (steps of either sign) of a dense tensor of shape in_dims. */
void nr_slice(int rank, const int *in_dims, const int *begin, const int *step, const int *out_dims,
              const int8_t *in, int8_t *out);
/* DEPTH_TO_SPACE and SPACE_TO_DEPTH of an NHWC tensor h x w x c (batch 1),
 * block b, by TFLite's index formulas. */
void nr_depth_to_space(int h, int w, int c, int b, const int8_t *in, int8_t *out);
void nr_space_to_depth(int h, int w, int c, int b, const int8_t *in, int8_t *out);
/* TILE: out dim d is in_dims[d] * mult[d]; index i reads index i % in_dims[d]. */
void nr_tile(int rank, const int *in_dims, const int *mult, const int8_t *in, int8_t *out);
void nr_pad(const int *in_dims, const int *before, const int *after, int32_t value, const int8_t *in,
            int8_t *out);
void nr_concat(int outer, int n_inputs, const int *inner, const int8_t *const *inputs, int8_t *out);
/* RESIZE_NEAREST_NEIGHBOR with its two flags, align_corners and
 * half_pixel_centers: output index out_index's source index. */
int nr_resize_src(int out_index, int in_size, int out_size, bool align, bool half);
void nr_resize_nearest(int in_h, int in_w, int c, int out_h, int out_w, bool align, bool half,
                       const int8_t *in, int8_t *out);
/* RESIZE_BILINEAR, TFLite's ResizeBilinearInteger in 64-bit arithmetic as it
 * is written there. nr_bilinear_src gives output index i's position in 1/1024
 * of an input step (pos) and its two source indices; false where the first
 * lies past the input (TFLite would read outside it). */
bool nr_bilinear_src(int i, int in_size, int out_size, bool align, bool half, int32_t *pos, int32_t *lo,
                     int32_t *hi);
bool nr_resize_bilinear(int in_h, int in_w, int c, int out_h, int out_w, bool align, bool half,
                        const int8_t *in, int8_t *out);

/* A camera frame (format 0 gray, 1 RGB888, 2 RGB565 low byte first, 3 high
 * byte first; stride bytes per row) to an h x w x c model input through the
 * per-channel tables lut[256 * k + v]: tinyforge/frame.h's rules. */
void nr_frame_to_input(int format, int fh, int fw, int stride, int h, int w, int c, const int8_t *lut,
                       const uint8_t *frame, int8_t *out);

#endif
