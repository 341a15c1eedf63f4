/* The intermediate representation: tensors and ops in execution order.
 *
 * A graph owns everything it points to: the model file bytes (constant
 * tensors point into them), names, quantization arrays, and any constant
 * data that passes create. Ops refer to tensors by index; -1 marks an
 * absent optional input (e.g. a convolution without bias).
 *
 * Invariants after tfg_graph_validate(): every op's inputs are produced by an
 * earlier op, are graph inputs, or are constants; every shape is known and
 * consistent with the op that produces it; quantization is present wherever
 * an int8 kernel needs it. Passes keep these invariants. */
#ifndef TFG_IR_H
#define TFG_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tinyforge/kernels.h"
#include "tinyforge/status.h"

typedef enum {
    TFG_DT_FLOAT32,
    TFG_DT_INT8,
    TFG_DT_UINT8,
    TFG_DT_INT16,
    TFG_DT_INT32,
    TFG_DT_INT64,
    TFG_DT_BOOL,
    TFG_DT_OTHER
} tfg_dtype_t;

typedef enum {
    TFG_OP_CONV_2D,
    TFG_OP_DEPTHWISE_CONV_2D,
    TFG_OP_FULLY_CONNECTED,
    TFG_OP_ADD,
    TFG_OP_MUL,
    TFG_OP_AVERAGE_POOL_2D,
    TFG_OP_MAX_POOL_2D,
    TFG_OP_MEAN,
    TFG_OP_PAD,
    TFG_OP_RESHAPE,
    TFG_OP_SQUEEZE,
    TFG_OP_SOFTMAX,
    TFG_OP_LOGISTIC,
    TFG_OP_CONCATENATION,
    TFG_OP_RESIZE_NEAREST_NEIGHBOR,
    TFG_OP_TRANSPOSE,
    TFG_OP_QUANTIZE,
    TFG_OP_DEQUANTIZE,
    TFG_OP_SHAPE,
    TFG_OP_PACK,
    TFG_OP_STRIDED_SLICE,
    TFG_OP_MINIMUM,
    TFG_OP_MAXIMUM,
    TFG_OP_RELU,
    TFG_OP_RELU6,
    TFG_OP_LEAKY_RELU,
    TFG_OP_SUB,
    TFG_OP_REDUCE_MAX,
    TFG_OP_PRELU,
    TFG_OP_HARD_SWISH,
    TFG_OP_TANH,
    TFG_OP_SLICE,
    TFG_OP_SPLIT,
    TFG_OP_SPLIT_V,
    TFG_OP_TILE,
    TFG_OP_RESIZE_BILINEAR,
    TFG_OP_EXPAND_DIMS,
    TFG_OP_DEPTH_TO_SPACE,
    TFG_OP_SPACE_TO_DEPTH,
    TFG_OP_TRANSPOSE_CONV,
    TFG_OP_BATCH_MATMUL,
    TFG_OP_COUNT
} tfg_op_type_t;

typedef enum { TFG_ACT_NONE, TFG_ACT_RELU, TFG_ACT_RELU_N1_TO_1, TFG_ACT_RELU6 } tfg_act_t;

typedef struct {
    char *name;
    tfg_dtype_t dtype;
    int rank;
    int32_t dims[TFG_MAX_DIMS];
    /* Quantization (n_q == 0: none). Per-axis when n_q > 1. */
    int32_t n_q;
    float *scale;
    int32_t *zero_point;
    int32_t q_dim;
    /* Constant data, or NULL for activations. */
    const uint8_t *data;
    size_t data_bytes;
    int model_index; /* index in the .tflite subgraph, -1 if created by a pass */
} tfg_tensor_t;

/* Explicit padding for spatial ops (SAME/VALID is resolved at load). */
typedef struct {
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t k_h, k_w; /* pooling window; conv kernels come from the weights */
    int32_t pad_top, pad_left, pad_bottom, pad_right;
    int32_t depth_mult; /* depthwise */
    bool same;          /* as written in the model (for reports) */
    /* MAX_POOL_2D with a PAD folded into it (tfg_fold_pad): cells outside
     * the image hold pad_value and take part in the max, where TFLite's own
     * padding is left out of the window. */
    bool pad_fill;
    int32_t pad_value;
} tfg_spatial_t;

/* TFLM's CONCATENATION takes up to 10 inputs (kMaxInputNum); every other op
 * we run takes at most 3. The reader refuses more, naming the limit. */
#define TFG_MAX_OP_INPUTS 10
#define TFG_MAX_OP_OUTPUTS 4

typedef struct {
    tfg_op_type_t type;
    int model_index; /* position in the model's operator list */
    int n_in, n_out;
    int in[TFG_MAX_OP_INPUTS];
    int out[TFG_MAX_OP_OUTPUTS];
    tfg_act_t act;
    tfg_spatial_t sp;
    int32_t axis;                           /* CONCATENATION, PACK */
    bool keep_dims;                         /* MEAN; FULLY_CONNECTED keep_num_dims */
    float beta;                             /* SOFTMAX */
    float alpha;                            /* LEAKY_RELU */
    bool align_corners, half_pixel_centers; /* RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR */
    int32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask; /* STRIDED_SLICE */
    int32_t num_splits; /* SPLIT, SPLIT_V (as written; the outputs must match it) */
    int32_t block_size; /* DEPTH_TO_SPACE, SPACE_TO_DEPTH */
    bool adj_x, adj_y;  /* BATCH_MATMUL: lhs, rhs stored transposed (last two axes) */
    bool dead;          /* removed by a pass; executors skip it */
    bool in_place;      /* output shares the buffer of in[in_place_slot] (set by the in-place pass) */
    int in_place_slot;
    bool alias; /* output is a view of in[0]: no data moves */
} tfg_op_t;

typedef struct {
    char *path;
    uint8_t *file;
    size_t file_len;
    tfg_tensor_t *tensors;
    int n_tensors, cap_tensors;
    tfg_op_t *ops;
    int n_ops, cap_ops;
    int inputs[16], n_inputs;
    int outputs[16], n_outputs;
    void **blobs; /* data allocated by passes, freed with the graph */
    int n_blobs, cap_blobs;
} tfg_graph_t;

/* Diagnostics: the library writes the message, the CLI prints it. */
typedef struct {
    char msg[512];
} tfg_diag_t;

tfg_status_t tfg_diag_set(tfg_diag_t *d, tfg_status_t st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

const char *tfg_op_name(tfg_op_type_t t);
/* Which input of an op with one data input holds the data: in[0], except
 * TRANSPOSE_CONV's (output shape, weights, data, bias), as TFLite orders them. */
static inline int tfg_op_data_slot(const tfg_op_t *op)
{
    return op->type == TFG_OP_TRANSPOSE_CONV ? 2 : 0;
}
const char *tfg_dtype_name(tfg_dtype_t t);
size_t tfg_dtype_size(tfg_dtype_t t);

int64_t tfg_tensor_elems(const tfg_tensor_t *t);
int64_t tfg_tensor_bytes(const tfg_tensor_t *t);
bool tfg_tensor_is_const(const tfg_tensor_t *t);
/* Element i of a constant int32 or int64 tensor (shapes, axes, paddings). */
int64_t tfg_tensor_int(const tfg_tensor_t *t, int64_t i);
void tfg_shape_str(const tfg_tensor_t *t, char *buf, size_t n);

void tfg_graph_free(tfg_graph_t *g);
/* Append a tensor (copying name); returns its index or -1 on allocation failure. */
int tfg_graph_add_tensor(tfg_graph_t *g, const char *name);
/* Allocate zeroed memory owned by the graph. */
void *tfg_graph_alloc(tfg_graph_t *g, size_t bytes);

/* Validate structure, dtypes, quantization and shapes; see the invariants above. */
tfg_status_t tfg_graph_validate(tfg_graph_t *g, tfg_diag_t *d);

/* Which op writes tensor t (-1: graph input or constant). */
int tfg_producer(const tfg_graph_t *g, int t);
/* Index of the last live op that reads t (-1 if none); graph outputs count as read at the end. */
int tfg_last_use(const tfg_graph_t *g, int t);
int tfg_use_count(const tfg_graph_t *g, int t);
bool tfg_is_graph_output(const tfg_graph_t *g, int t);
bool tfg_is_graph_input(const tfg_graph_t *g, int t);

#endif
