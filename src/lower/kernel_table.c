/* The kernel table; see kernel_table.h. One row per tfg_kernel_t, indexed
 * by kind; a kind without a row fails to compile. */
#include "lower/kernel_table.h"

#include <stdint.h>

/* ---- run ------------------------------------------------------------------ */

#define RUN(name, body)                                                                                      \
    static void name(const tfg_step_t *s, const int8_t *const *in, int8_t *out, void *scratch)               \
    {                                                                                                        \
        (void)in, (void)out, (void)scratch;                                                                  \
        body;                                                                                                \
    }
RUN(run_conv, tfg_conv_s8(&s->p.conv, in[0], out, scratch))
RUN(run_dwconv, tfg_dwconv_s8(&s->p.dw, in[0], out, scratch))
RUN(run_fc, tfg_fc_s8(&s->p.fc, in[0], out))
RUN(run_add, tfg_add_s8(&s->p.elt, in[0], in[1], out))
RUN(run_mul, tfg_mul_s8(&s->p.elt, in[0], in[1], out))
RUN(run_sub, tfg_sub_s8(&s->p.elt, in[0], in[1], out))
RUN(run_minimum, tfg_minimum_s8(&s->p.elt, in[0], in[1], out))
RUN(run_maximum, tfg_maximum_s8(&s->p.elt, in[0], in[1], out))
RUN(run_relu, tfg_relu_s8(&s->p.relu, in[0], out))
RUN(run_leaky_relu, tfg_leaky_relu_s8(&s->p.leaky, in[0], out))
RUN(run_prelu, tfg_prelu_s8(&s->p.prelu, in[0], in[1], out))
RUN(run_hard_swish, tfg_hard_swish_s8(&s->p.hswish, in[0], out))
RUN(run_tanh, tfg_tanh_s8(&s->p.tanh, in[0], out))
RUN(run_avgpool, tfg_avgpool_s8(&s->p.pool, in[0], out))
RUN(run_maxpool, tfg_maxpool_s8(&s->p.pool, in[0], out))
RUN(run_mean, tfg_mean_s8(&s->p.mean, in[0], out))
RUN(run_reduce_max, tfg_reduce_max_s8(&s->p.mean, in[0], out))
RUN(run_softmax, tfg_softmax_s8(&s->p.softmax, in[0], out))
RUN(run_logistic, tfg_logistic_s8(&s->p.logistic, in[0], out))
RUN(run_quantize, tfg_quantize_f32_s8(&s->p.affine, (const float *)(const void *)in[0], out))
RUN(run_dequantize, tfg_dequantize_s8_f32(&s->p.affine, in[0], (float *)(void *)out))
RUN(run_requant, tfg_requantize_s8(&s->p.requant, in[0], out))
RUN(run_gather, tfg_gather_s8(&s->p.gather, in[0], out))
RUN(run_pad, tfg_pad_s8(&s->p.pad, in[0], out))
RUN(run_concat, tfg_concat_s8(&s->p.concat, in, out))
RUN(run_resize, tfg_resize_nearest_s8(&s->p.resize, in[0], out))
RUN(run_resize_bilinear, tfg_resize_bilinear_s8(&s->p.bilinear, in[0], out))
RUN(run_transpose_conv, tfg_transpose_conv_s8(&s->p.tconv, in[0], out))
RUN(run_batch_matmul, tfg_batch_matmul_s8(&s->p.bmm, in[0], in[1], out))
#undef RUN

/* ---- scratch ---------------------------------------------------------------- */

static size_t scratch_conv(const tfg_step_t *s)
{
    return tfg_conv_s8_scratch_size(&s->p.conv);
}

/* STRIP runs in place only where the rule of runtime/dwconv.c holds. */
static size_t scratch_dwconv(const tfg_step_t *s)
{
    if (s->p.dw.variant == TFG_DW_STRIP && !tfg_dwconv_strip_in_place_ok(&s->p.dw)) return SIZE_MAX;
    return tfg_dwconv_s8_scratch_size(&s->p.dw);
}

/* ---- windows ---------------------------------------------------------------- */

static bool window_conv(const tfg_step_t *s, tfg_window_t *w)
{
    const tfg_conv_params_t *p = &s->p.conv;
    *w =
        (tfg_window_t){p->k_h, p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w, p->pad_top, p->pad_left};
    return true;
}

static bool window_dwconv(const tfg_step_t *s, tfg_window_t *w)
{
    const tfg_dwconv_params_t *p = &s->p.dw;
    *w =
        (tfg_window_t){p->k_h, p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w, p->pad_top, p->pad_left};
    return true;
}

static bool window_pool(const tfg_step_t *s, tfg_window_t *w)
{
    const tfg_pool_params_t *p = &s->p.pool;
    *w = (tfg_window_t){p->k_h, p->k_w, p->stride_h, p->stride_w, 1, 1, p->pad_top, p->pad_left};
    return true;
}

/* PAD is a 1x1 window whose padding is the spatial pad (NHWC; a batch pad
 * is not spatial). */
static bool window_pad(const tfg_step_t *s, tfg_window_t *w)
{
    const tfg_pad_params_t *p = &s->p.pad;
    *w = (tfg_window_t){1, 1, 1, 1, 1, 1, p->before[1], p->before[2]};
    return !p->before[0] && !p->after[0];
}

static void patch_conv(tfg_step_t *s, const tfg_region_t *in, const tfg_region_t *out)
{
    tfg_patch_conv(&s->p.conv, in, out);
}
static void patch_dwconv(tfg_step_t *s, const tfg_region_t *in, const tfg_region_t *out)
{
    tfg_patch_dwconv(&s->p.dw, in, out);
}
static void patch_pool(tfg_step_t *s, const tfg_region_t *in, const tfg_region_t *out)
{
    tfg_patch_pool(&s->p.pool, in, out);
}
static void patch_pad(tfg_step_t *s, const tfg_region_t *in, const tfg_region_t *out)
{
    tfg_patch_pad(&s->p.pad, in, out);
}

static void size_logistic(tfg_step_t *s, int32_t n)
{
    s->p.logistic.size = n;
}

static void size_relu(tfg_step_t *s, int32_t n)
{
    s->p.relu.size = n;
}

static void size_leaky_relu(tfg_step_t *s, int32_t n)
{
    s->p.leaky.size = n;
}

static void size_hard_swish(tfg_step_t *s, int32_t n)
{
    s->p.hswish.size = n;
}

static void size_tanh(tfg_step_t *s, int32_t n)
{
    s->p.tanh.size = n;
}

static void size_requant(tfg_step_t *s, int32_t n)
{
    s->p.requant.size = n;
}
static void size_affine(tfg_step_t *s, int32_t n)
{
    s->p.affine.size = n;
}

/* ---- the table -------------------------------------------------------------- */

static const tfg_kernel_info_t table[] = {
    [TFG_K_CONV] = {.name = "CONV_2D",
                    .fn = "tfg_conv_s8",
                    .params = "tfg_conv_params_t",
                    .file = "runtime/conv.c",
                    .call = TFG_CALL_IN_OUT_SCRATCH,
                    .patch = TFG_PATCH_WINDOW,
                    .patch_fn = "tfg_patch_conv",
                    .window = window_conv,
                    .patch_window = patch_conv,
                    .n_variants = 2,
                    .scratch = scratch_conv,
                    .run = run_conv},
    [TFG_K_DWCONV] = {.name = "DEPTHWISE_CONV_2D",
                      .fn = "tfg_dwconv_s8",
                      .params = "tfg_dwconv_params_t",
                      .file = "runtime/dwconv.c",
                      .call = TFG_CALL_IN_OUT_SCRATCH,
                      .patch = TFG_PATCH_WINDOW,
                      .patch_fn = "tfg_patch_dwconv",
                      .window = window_dwconv,
                      .patch_window = patch_dwconv,
                      .n_variants = 3,
                      .scratch = scratch_dwconv,
                      .run = run_dwconv},
    [TFG_K_FC] = {.name = "FULLY_CONNECTED",
                  .fn = "tfg_fc_s8",
                  .params = "tfg_fc_params_t",
                  .file = "runtime/fc.c",
                  .call = TFG_CALL_IN_OUT,
                  .patch = TFG_PATCH_NONE,
                  .n_variants = 1,
                  .run = run_fc},
    [TFG_K_ADD] = {.name = "ADD",
                   .fn = "tfg_add_s8",
                   .params = "tfg_eltwise_params_t",
                   .file = "runtime/eltwise.c",
                   .call = TFG_CALL_IN2_OUT,
                   .patch = TFG_PATCH_ELTWISE,
                   .n_variants = 1,
                   .run = run_add},
    [TFG_K_MUL] = {.name = "MUL",
                   .fn = "tfg_mul_s8",
                   .params = "tfg_eltwise_params_t",
                   .file = "runtime/eltwise.c",
                   .call = TFG_CALL_IN2_OUT,
                   .patch = TFG_PATCH_ELTWISE,
                   .n_variants = 1,
                   .run = run_mul},
    [TFG_K_SUB] = {.name = "SUB",
                   .fn = "tfg_sub_s8",
                   .params = "tfg_eltwise_params_t",
                   .file = "runtime/eltwise.c",
                   .call = TFG_CALL_IN2_OUT,
                   .patch = TFG_PATCH_ELTWISE,
                   .n_variants = 1,
                   .run = run_sub},
    [TFG_K_MINIMUM] = {.name = "MINIMUM",
                       .fn = "tfg_minimum_s8",
                       .params = "tfg_eltwise_params_t",
                       .file = "runtime/eltwise.c",
                       .call = TFG_CALL_IN2_OUT,
                       .patch = TFG_PATCH_ELTWISE,
                       .n_variants = 1,
                       .run = run_minimum},
    [TFG_K_MAXIMUM] = {.name = "MAXIMUM",
                       .fn = "tfg_maximum_s8",
                       .params = "tfg_eltwise_params_t",
                       .file = "runtime/eltwise.c",
                       .call = TFG_CALL_IN2_OUT,
                       .patch = TFG_PATCH_ELTWISE,
                       .n_variants = 1,
                       .run = run_maximum},
    [TFG_K_RELU] = {.name = "RELU",
                    .fn = "tfg_relu_s8",
                    .params = "tfg_relu_params_t",
                    .file = "runtime/activations.c",
                    .call = TFG_CALL_IN_OUT,
                    .patch = TFG_PATCH_SIZE,
                    .n_variants = 1,
                    .patch_size = size_relu,
                    .run = run_relu},
    [TFG_K_LEAKY_RELU] = {.name = "LEAKY_RELU",
                          .fn = "tfg_leaky_relu_s8",
                          .params = "tfg_leaky_relu_params_t",
                          .file = "runtime/activations.c",
                          .call = TFG_CALL_IN_OUT,
                          .patch = TFG_PATCH_SIZE,
                          .n_variants = 1,
                          .patch_size = size_leaky_relu,
                          .run = run_leaky_relu},
    [TFG_K_PRELU] = {.name = "PRELU",
                     .fn = "tfg_prelu_s8",
                     .params = "tfg_prelu_params_t",
                     .file = "runtime/activations.c",
                     .call = TFG_CALL_IN2_OUT,
                     .patch = TFG_PATCH_NONE,
                     .n_variants = 1,
                     .run = run_prelu},
    [TFG_K_HARD_SWISH] = {.name = "HARD_SWISH",
                          .fn = "tfg_hard_swish_s8",
                          .params = "tfg_hard_swish_params_t",
                          .file = "runtime/activations.c",
                          .call = TFG_CALL_IN_OUT,
                          .patch = TFG_PATCH_SIZE,
                          .n_variants = 1,
                          .patch_size = size_hard_swish,
                          .run = run_hard_swish},
    [TFG_K_TANH] = {.name = "TANH",
                    .fn = "tfg_tanh_s8",
                    .params = "tfg_tanh_params_t",
                    .file = "runtime/activations.c",
                    .call = TFG_CALL_IN_OUT,
                    .patch = TFG_PATCH_SIZE,
                    .n_variants = 1,
                    .patch_size = size_tanh,
                    .run = run_tanh},
    [TFG_K_AVGPOOL] = {.name = "AVERAGE_POOL_2D",
                       .fn = "tfg_avgpool_s8",
                       .params = "tfg_pool_params_t",
                       .file = "runtime/pool.c",
                       .call = TFG_CALL_IN_OUT,
                       .patch = TFG_PATCH_WINDOW,
                       .patch_fn = "tfg_patch_pool",
                       .window = window_pool,
                       .patch_window = patch_pool,
                       .n_variants = 1,
                       .run = run_avgpool},
    [TFG_K_MAXPOOL] = {.name = "MAX_POOL_2D",
                       .fn = "tfg_maxpool_s8",
                       .params = "tfg_pool_params_t",
                       .file = "runtime/pool.c",
                       .call = TFG_CALL_IN_OUT,
                       .patch = TFG_PATCH_WINDOW,
                       .patch_fn = "tfg_patch_pool",
                       .window = window_pool,
                       .patch_window = patch_pool,
                       .n_variants = 1,
                       .run = run_maxpool},
    [TFG_K_MEAN] = {.name = "MEAN",
                    .fn = "tfg_mean_s8",
                    .params = "tfg_mean_params_t",
                    .file = "runtime/mean.c",
                    .call = TFG_CALL_IN_OUT,
                    .patch = TFG_PATCH_NONE,
                    .n_variants = 1,
                    .run = run_mean},
    [TFG_K_REDUCE_MAX] = {.name = "REDUCE_MAX",
                          .fn = "tfg_reduce_max_s8",
                          .params = "tfg_mean_params_t",
                          .file = "runtime/mean.c",
                          .call = TFG_CALL_IN_OUT,
                          .patch = TFG_PATCH_NONE,
                          .n_variants = 1,
                          .run = run_reduce_max},
    [TFG_K_SOFTMAX] = {.name = "SOFTMAX",
                       .fn = "tfg_softmax_s8",
                       .params = "tfg_softmax_params_t",
                       .file = "runtime/activations.c",
                       .call = TFG_CALL_IN_OUT,
                       .patch = TFG_PATCH_NONE,
                       .n_variants = 1,
                       .run = run_softmax},
    [TFG_K_LOGISTIC] = {.name = "LOGISTIC",
                        .fn = "tfg_logistic_s8",
                        .params = "tfg_logistic_params_t",
                        .file = "runtime/activations.c",
                        .call = TFG_CALL_IN_OUT,
                        .patch = TFG_PATCH_SIZE,
                        .n_variants = 1,
                        .patch_size = size_logistic,
                        .run = run_logistic},
    [TFG_K_QUANTIZE] = {.name = "QUANTIZE",
                        .fn = "tfg_quantize_f32_s8",
                        .params = "tfg_affine_params_t",
                        .file = "runtime/quantize.c",
                        .call = TFG_CALL_F32_IN,
                        .patch = TFG_PATCH_SIZE,
                        .n_variants = 1,
                        .patch_size = size_affine,
                        .run = run_quantize},
    [TFG_K_DEQUANTIZE] = {.name = "DEQUANTIZE",
                          .fn = "tfg_dequantize_s8_f32",
                          .params = "tfg_affine_params_t",
                          .file = "runtime/quantize.c",
                          .call = TFG_CALL_F32_OUT,
                          .patch = TFG_PATCH_NONE,
                          .n_variants = 1,
                          .run = run_dequantize},
    [TFG_K_REQUANT] = {.name = "QUANTIZE (int8)",
                       .fn = "tfg_requantize_s8",
                       .params = "tfg_requant_params_t",
                       .file = "runtime/quantize.c",
                       .call = TFG_CALL_IN_OUT,
                       .patch = TFG_PATCH_SIZE,
                       .n_variants = 1,
                       .patch_size = size_requant,
                       .run = run_requant},
    [TFG_K_GATHER] = {.name = "GATHER",
                      .fn = "tfg_gather_s8",
                      .params = "tfg_gather_params_t",
                      .file = "runtime/movement.c",
                      .call = TFG_CALL_IN_OUT,
                      .patch = TFG_PATCH_NONE,
                      .n_variants = 1,
                      .run = run_gather},
    [TFG_K_PAD] = {.name = "PAD",
                   .fn = "tfg_pad_s8",
                   .params = "tfg_pad_params_t",
                   .file = "runtime/movement.c",
                   .call = TFG_CALL_IN_OUT,
                   .patch = TFG_PATCH_WINDOW,
                   .patch_fn = "tfg_patch_pad",
                   .window = window_pad,
                   .patch_window = patch_pad,
                   .n_variants = 1,
                   .run = run_pad},
    [TFG_K_CONCAT] = {.name = "CONCATENATION",
                      .fn = "tfg_concat_s8",
                      .params = "tfg_concat_params_t",
                      .file = "runtime/movement.c",
                      .call = TFG_CALL_INS_OUT,
                      .patch = TFG_PATCH_NONE,
                      .n_variants = 1,
                      .run = run_concat},
    [TFG_K_RESIZE] = {.name = "RESIZE_NEAREST_NEIGHBOR",
                      .fn = "tfg_resize_nearest_s8",
                      .params = "tfg_resize_nearest_params_t",
                      .file = "runtime/resize.c",
                      .call = TFG_CALL_IN_OUT,
                      .patch = TFG_PATCH_NONE,
                      .n_variants = 1,
                      .run = run_resize},
    [TFG_K_RESIZE_BILINEAR] = {.name = "RESIZE_BILINEAR",
                               .fn = "tfg_resize_bilinear_s8",
                               .params = "tfg_resize_bilinear_params_t",
                               .file = "runtime/resize.c",
                               .call = TFG_CALL_IN_OUT,
                               .patch = TFG_PATCH_NONE,
                               .n_variants = 1,
                               .run = run_resize_bilinear},
    [TFG_K_TRANSPOSE_CONV] = {.name = "TRANSPOSE_CONV",
                              .fn = "tfg_transpose_conv_s8",
                              .params = "tfg_transpose_conv_params_t",
                              .file = "runtime/transpose_conv.c",
                              .call = TFG_CALL_IN_OUT,
                              .patch = TFG_PATCH_NONE,
                              .n_variants = 1,
                              .run = run_transpose_conv},
    [TFG_K_BATCH_MATMUL] = {.name = "BATCH_MATMUL",
                            .fn = "tfg_batch_matmul_s8",
                            .params = "tfg_batch_matmul_params_t",
                            .file = "runtime/batch_matmul.c",
                            .call = TFG_CALL_IN2_OUT,
                            .patch = TFG_PATCH_NONE,
                            .n_variants = 1,
                            .run = run_batch_matmul},
};
_Static_assert(sizeof table / sizeof table[0] == TFG_K_COUNT, "a kernel without a row in the table");

const tfg_kernel_info_t *tfg_kernel_info(tfg_kernel_t k)
{
    return &table[k];
}

int32_t *tfg_step_variant_field(tfg_step_t *s)
{
    return s->kernel == TFG_K_DWCONV ? &s->p.dw.variant : s->kernel == TFG_K_CONV ? &s->p.conv.variant : NULL;
}
