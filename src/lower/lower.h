/* Lowering: each live IR op becomes one step, a kernel plus its prepared
 * parameters (multipliers, folded biases, index tables). Everything TFLite
 * computes in its Prepare functions is computed here, once, with the same
 * float/double arithmetic, so the runtime only does integer work. The host
 * executor runs these steps; the code generator will print them. */
#ifndef TFG_LOWER_H
#define TFG_LOWER_H

#include "ir/ir.h"

typedef enum {
    TFG_K_CONV,
    TFG_K_DWCONV,
    TFG_K_FC,
    TFG_K_ADD,
    TFG_K_MUL,
    TFG_K_AVGPOOL,
    TFG_K_MAXPOOL,
    TFG_K_MEAN,
    TFG_K_SOFTMAX,
    TFG_K_LOGISTIC,
    TFG_K_QUANTIZE,
    TFG_K_DEQUANTIZE,
    TFG_K_REQUANT,
    TFG_K_GATHER,
    TFG_K_PAD,
    TFG_K_CONCAT,
    TFG_K_RESIZE,
    TFG_K_MINIMUM,
    TFG_K_MAXIMUM,
    TFG_K_RELU,
    TFG_K_LEAKY_RELU,
    TFG_K_SUB,
    TFG_K_REDUCE_MAX,
    TFG_K_PRELU,
    TFG_K_HARD_SWISH,
    TFG_K_TANH,
    TFG_K_RESIZE_BILINEAR,
    TFG_K_TRANSPOSE_CONV,
    TFG_K_BATCH_MATMUL,
} tfg_kernel_t;
/* The number of kernels (lower/kernel_table.c has a row for each). */
#define TFG_K_COUNT (TFG_K_BATCH_MATMUL + 1)

typedef struct {
    tfg_kernel_t kernel;
    int op;                    /* index into graph ops */
    int n_in;                  /* activation inputs, in kernel order */
    int in[TFG_MAX_OP_INPUTS]; /* tensor indices */
    int out;                   /* tensor index */
    size_t scratch_bytes;
    int64_t macs;
    /* Bound after planning (model/model.c): where each operand lives. A constant
     * operand has its data pointer in in_const; others live at in_off. */
    const uint8_t *in_const[TFG_MAX_OP_INPUTS];
    size_t in_off[TFG_MAX_OP_INPUTS];
    size_t out_off, scratch_off;
    const int8_t *conv_ohwi; /* CONV: the weights as OHWI rows, before any packing */
    union {
        tfg_conv_params_t conv;
        tfg_dwconv_params_t dw;
        tfg_fc_params_t fc;
        tfg_eltwise_params_t elt;
        tfg_pool_params_t pool;
        tfg_mean_params_t mean;
        tfg_softmax_params_t softmax;
        tfg_logistic_params_t logistic;
        tfg_relu_params_t relu;
        tfg_leaky_relu_params_t leaky;
        tfg_prelu_params_t prelu;
        tfg_hard_swish_params_t hswish;
        tfg_tanh_params_t tanh;
        tfg_affine_params_t affine;
        tfg_requant_params_t requant;
        tfg_gather_params_t gather;
        tfg_pad_params_t pad;
        tfg_concat_params_t concat;
        tfg_resize_nearest_params_t resize;
        tfg_resize_bilinear_params_t bilinear;
        tfg_transpose_conv_params_t tconv;
        tfg_batch_matmul_params_t bmm;
    } p;
} tfg_step_t;

/* The kernel variant a conv or depthwise step runs (tfg_conv_variant_t,
 * tfg_dw_variant_t); -1 for kernels without variants. */
static inline int32_t tfg_step_variant(const tfg_step_t *s)
{
    return s->kernel == TFG_K_DWCONV ? s->p.dw.variant : s->kernel == TFG_K_CONV ? s->p.conv.variant : -1;
}

typedef struct {
    tfg_step_t *steps;
    int n_steps;
} tfg_program_t;

/* Lower every live, non-alias op. Parameter arrays are owned by the graph. */
tfg_status_t tfg_lower(tfg_graph_t *g, tfg_program_t *prog, tfg_diag_t *d);
void tfg_program_free(tfg_program_t *prog);

/* TFLite's QuantizeMultiplier: m = mult * 2^(shift - 31), mult in [2^30, 2^31). */
void tfg_quantize_multiplier(double m, int32_t *mult, int32_t *shift);

/* A pooling op's kernel parameters (the passes ask the kernel whether it
 * may run in place with them). */
void tfg_pool_params(const tfg_graph_t *g, const tfg_op_t *op, tfg_pool_params_t *p);

/* MACs of one op (conv, depthwise, fully connected; 0 otherwise). */
int64_t tfg_op_macs(const tfg_graph_t *g, const tfg_op_t *op);

#endif
