/* Name table for BuiltinOperator codes and option-tag expectations. */
#include "tflite/schema.h"

#include <stdio.h>

int tfl_options_type_for(tfg_op_type_t t)
{
    switch (t) {
    case TFG_OP_CONV_2D: return TFL_OPT_CONV2D;
    case TFG_OP_DEPTHWISE_CONV_2D: return TFL_OPT_DWCONV2D;
    case TFG_OP_AVERAGE_POOL_2D:
    case TFG_OP_MAX_POOL_2D: return TFL_OPT_POOL2D;
    case TFG_OP_FULLY_CONNECTED: return TFL_OPT_FC;
    case TFG_OP_SOFTMAX: return TFL_OPT_SOFTMAX;
    case TFG_OP_CONCATENATION: return TFL_OPT_CONCAT;
    case TFG_OP_ADD: return TFL_OPT_ADD;
    case TFG_OP_MUL: return TFL_OPT_MUL;
    case TFG_OP_SUB: return TFL_OPT_SUB;
    case TFG_OP_LEAKY_RELU: return TFL_OPT_LEAKY_RELU;
    case TFG_OP_HARD_SWISH: return TFL_OPT_HARD_SWISH;
    case TFG_OP_MEAN:
    case TFG_OP_REDUCE_MAX: return TFL_OPT_REDUCER;
    case TFG_OP_STRIDED_SLICE: return TFL_OPT_STRIDED_SLICE;
    case TFG_OP_PACK: return TFL_OPT_PACK;
    case TFG_OP_SPLIT: return TFL_OPT_SPLIT;
    case TFG_OP_SPLIT_V: return TFL_OPT_SPLIT_V;
    case TFG_OP_DEPTH_TO_SPACE: return TFL_OPT_DEPTH_TO_SPACE;
    case TFG_OP_SPACE_TO_DEPTH: return TFL_OPT_SPACE_TO_DEPTH;
    case TFG_OP_RESIZE_NEAREST_NEIGHBOR: return TFL_OPT_RESIZE_NN;
    case TFG_OP_RESIZE_BILINEAR: return TFL_OPT_RESIZE_BILINEAR;
    case TFG_OP_TRANSPOSE_CONV: return TFL_OPT_TRANSPOSE_CONV;
    case TFG_OP_BATCH_MATMUL: return TFL_OPT_BATCH_MATMUL;
    default: return -1;
    }
}

const char *tfl_builtin_name(int32_t code, char *buf)
{
    static const char *const names[] = {
        "ADD",
        "AVERAGE_POOL_2D",
        "CONCATENATION",
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "DEPTH_TO_SPACE",
        "DEQUANTIZE",
        "EMBEDDING_LOOKUP",
        "FLOOR",
        "FULLY_CONNECTED",
        "HASHTABLE_LOOKUP",
        "L2_NORMALIZATION",
        "L2_POOL_2D",
        "LOCAL_RESPONSE_NORMALIZATION",
        "LOGISTIC",
        "LSH_PROJECTION",
        "LSTM",
        "MAX_POOL_2D",
        "MUL",
        "RELU",
        "RELU_N1_TO_1",
        "RELU6",
        "RESHAPE",
        "RESIZE_BILINEAR",
        "RNN",
        "SOFTMAX",
        "SPACE_TO_DEPTH",
        "SVDF",
        "TANH",
        "CONCAT_EMBEDDINGS",
        "SKIP_GRAM",
        "CALL",
        "CUSTOM",
        "EMBEDDING_LOOKUP_SPARSE",
        "PAD",
        "UNIDIRECTIONAL_SEQUENCE_RNN",
        "GATHER",
        "BATCH_TO_SPACE_ND",
        "SPACE_TO_BATCH_ND",
        "TRANSPOSE",
        "MEAN",
        "SUB",
        "DIV",
        "SQUEEZE",
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "STRIDED_SLICE",
        "BIDIRECTIONAL_SEQUENCE_RNN",
        "EXP",
        "TOPK_V2",
        "SPLIT",
        "LOG_SOFTMAX",
        "DELEGATE",
        "BIDIRECTIONAL_SEQUENCE_LSTM",
        "CAST",
        "PRELU",
        "MAXIMUM",
        "ARG_MAX",
        "MINIMUM",
        "LESS",
        "NEG",
        "PADV2",
        "GREATER",
        "GREATER_EQUAL",
        "LESS_EQUAL",
        "SELECT",
        "SLICE",
        "SIN",
        "TRANSPOSE_CONV",
        "SPARSE_TO_DENSE",
        "TILE",
        "EXPAND_DIMS",
        "EQUAL",
        "NOT_EQUAL",
        "LOG",
        "SUM",
        "SQRT",
        "RSQRT",
        "SHAPE",
        "POW",
        "ARG_MIN",
        "FAKE_QUANT",
        "REDUCE_PROD",
        "REDUCE_MAX",
        "PACK",
        "LOGICAL_OR",
        "ONE_HOT",
        "LOGICAL_AND",
        "LOGICAL_NOT",
        "UNPACK",
        "REDUCE_MIN",
        "FLOOR_DIV",
        "REDUCE_ANY",
        "SQUARE",
        "ZEROS_LIKE",
        "FILL",
        "FLOOR_MOD",
        "RANGE",
        "RESIZE_NEAREST_NEIGHBOR",
        "LEAKY_RELU",
        "SQUARED_DIFFERENCE",
        "MIRROR_PAD",
        "ABS",
        "SPLIT_V",
        "UNIQUE",
        "CEIL",
        "REVERSE_V2",
        "ADD_N",
        "GATHER_ND",
        "COS",
        "WHERE",
        "RANK",
        "ELU",
        "REVERSE_SEQUENCE",
        "MATRIX_DIAG",
        "QUANTIZE",
        "MATRIX_SET_DIAG",
        "ROUND",
        "HARD_SWISH",
    };
    if (code >= 0 && (size_t)code < sizeof names / sizeof names[0]) return names[code];
    snprintf(buf, 24, "BUILTIN_%d", (int)code);
    return buf;
}
