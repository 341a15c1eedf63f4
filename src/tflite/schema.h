/* Facts of TFLite's schema.fbs (schema version 3): table field ids (vtable
 * slots, in declaration order; a union takes two slots, type then value) and
 * the enum values this reader needs. Kept in one place so they are checked
 * once against the published schema. */
#ifndef TFG_TFLITE_SCHEMA_H
#define TFG_TFLITE_SCHEMA_H

#include <stdint.h>

#include "ir/ir.h"

enum {
    TFL_MODEL_VERSION = 0,
    TFL_MODEL_OPERATOR_CODES = 1,
    TFL_MODEL_SUBGRAPHS = 2,
    TFL_MODEL_DESCRIPTION = 3,
    TFL_MODEL_BUFFERS = 4
};
enum {
    TFL_SUBGRAPH_TENSORS = 0,
    TFL_SUBGRAPH_INPUTS = 1,
    TFL_SUBGRAPH_OUTPUTS = 2,
    TFL_SUBGRAPH_OPERATORS = 3,
    TFL_SUBGRAPH_NAME = 4
};
enum {
    TFL_TENSOR_SHAPE = 0,
    TFL_TENSOR_TYPE = 1,
    TFL_TENSOR_BUFFER = 2,
    TFL_TENSOR_NAME = 3,
    TFL_TENSOR_QUANTIZATION = 4,
    TFL_TENSOR_IS_VARIABLE = 5,
    TFL_TENSOR_SPARSITY = 6
};
enum {
    TFL_QUANT_MIN = 0,
    TFL_QUANT_MAX = 1,
    TFL_QUANT_SCALE = 2,
    TFL_QUANT_ZERO_POINT = 3,
    TFL_QUANT_DETAILS_TYPE = 4,
    TFL_QUANT_DETAILS = 5,
    TFL_QUANT_QUANTIZED_DIMENSION = 6
};
enum {
    TFL_OP_OPCODE_INDEX = 0,
    TFL_OP_INPUTS = 1,
    TFL_OP_OUTPUTS = 2,
    TFL_OP_BUILTIN_OPTIONS_TYPE = 3,
    TFL_OP_BUILTIN_OPTIONS = 4
};
enum {
    TFL_OPCODE_DEPRECATED_BUILTIN_CODE = 0,
    TFL_OPCODE_CUSTOM_CODE = 1,
    TFL_OPCODE_VERSION = 2,
    TFL_OPCODE_BUILTIN_CODE = 3
};
enum { TFL_BUFFER_DATA = 0, TFL_BUFFER_OFFSET = 1, TFL_BUFFER_SIZE = 2 };

/* Options tables. */
enum {
    TFL_CONV_PADDING = 0,
    TFL_CONV_STRIDE_W = 1,
    TFL_CONV_STRIDE_H = 2,
    TFL_CONV_FUSED_ACT = 3,
    TFL_CONV_DILATION_W = 4,
    TFL_CONV_DILATION_H = 5
};
enum {
    TFL_DWCONV_DEPTH_MULTIPLIER = 3,
    TFL_DWCONV_FUSED_ACT = 4,
    TFL_DWCONV_DILATION_W = 5,
    TFL_DWCONV_DILATION_H = 6
};
enum {
    TFL_POOL_PADDING = 0,
    TFL_POOL_STRIDE_W = 1,
    TFL_POOL_STRIDE_H = 2,
    TFL_POOL_FILTER_W = 3,
    TFL_POOL_FILTER_H = 4,
    TFL_POOL_FUSED_ACT = 5
};
/* TransposeConvOptions: no dilation; the activation from version 4 on */
enum { TFL_TCONV_PADDING = 0, TFL_TCONV_STRIDE_W = 1, TFL_TCONV_STRIDE_H = 2, TFL_TCONV_FUSED_ACT = 3 };
/* BatchMatMulOptions; field 2, asymmetric_quantize_inputs, is for hybrid models */
enum { TFL_BMM_ADJ_X = 0, TFL_BMM_ADJ_Y = 1 };
enum { TFL_FC_FUSED_ACT = 0, TFL_FC_WEIGHTS_FORMAT = 1, TFL_FC_KEEP_NUM_DIMS = 2 };
enum { TFL_SOFTMAX_BETA = 0 };
enum { TFL_LEAKY_RELU_ALPHA = 0 };
enum { TFL_CONCAT_AXIS = 0, TFL_CONCAT_FUSED_ACT = 1 };
enum { TFL_ADD_FUSED_ACT = 0 };
enum { TFL_MUL_FUSED_ACT = 0 };
enum { TFL_SUB_FUSED_ACT = 0 };
enum { TFL_REDUCER_KEEP_DIMS = 0 };
enum { TFL_RESIZE_ALIGN_CORNERS = 0, TFL_RESIZE_HALF_PIXEL_CENTERS = 1 };
/* ResizeBilinearOptions: fields 0 and 1 (new_height, new_width) are deprecated */
enum { TFL_RESIZE_BL_ALIGN_CORNERS = 2, TFL_RESIZE_BL_HALF_PIXEL_CENTERS = 3 };
enum { TFL_PACK_VALUES_COUNT = 0, TFL_PACK_AXIS = 1 };
enum { TFL_SPLIT_NUM_SPLITS = 0 }; /* SplitOptions and SplitVOptions alike */
enum { TFL_BLOCK_SIZE = 0 };       /* DepthToSpaceOptions and SpaceToDepthOptions alike */
enum {
    TFL_SS_BEGIN_MASK = 0,
    TFL_SS_END_MASK = 1,
    TFL_SS_ELLIPSIS_MASK = 2,
    TFL_SS_NEW_AXIS_MASK = 3,
    TFL_SS_SHRINK_AXIS_MASK = 4,
    TFL_SS_OFFSET = 5
};

enum { TFL_PADDING_SAME = 0, TFL_PADDING_VALID = 1 };

/* TensorType */
enum {
    TFL_TYPE_FLOAT32 = 0,
    TFL_TYPE_FLOAT16 = 1,
    TFL_TYPE_INT32 = 2,
    TFL_TYPE_UINT8 = 3,
    TFL_TYPE_INT64 = 4,
    TFL_TYPE_STRING = 5,
    TFL_TYPE_BOOL = 6,
    TFL_TYPE_INT16 = 7,
    TFL_TYPE_COMPLEX64 = 8,
    TFL_TYPE_INT8 = 9
};

/* BuiltinOperator values we map (others are only named in diagnostics). */
enum {
    TFL_OP_ADD = 0,
    TFL_OP_AVERAGE_POOL_2D = 1,
    TFL_OP_CONCATENATION = 2,
    TFL_OP_CONV_2D = 3,
    TFL_OP_DEPTHWISE_CONV_2D = 4,
    TFL_OP_DEPTH_TO_SPACE = 5,
    TFL_OP_DEQUANTIZE = 6,
    TFL_OP_FULLY_CONNECTED = 9,
    TFL_OP_LOGISTIC = 14,
    TFL_OP_MAX_POOL_2D = 17,
    TFL_OP_MUL = 18,
    TFL_OP_RELU = 19,
    TFL_OP_RELU6 = 21,
    TFL_OP_RESHAPE = 22,
    TFL_OP_RESIZE_BILINEAR = 23,
    TFL_OP_SOFTMAX = 25,
    TFL_OP_TANH = 28,
    TFL_OP_CUSTOM = 32,
    TFL_OP_SPACE_TO_DEPTH = 26,
    TFL_OP_PAD = 34,
    TFL_OP_TRANSPOSE = 39,
    TFL_OP_MEAN = 40,
    TFL_OP_SUB = 41,
    TFL_OP_SQUEEZE = 43,
    TFL_OP_STRIDED_SLICE = 45,
    TFL_OP_SPLIT = 49,
    TFL_OP_PRELU = 54,
    TFL_OP_MAXIMUM = 55,
    TFL_OP_MINIMUM = 57,
    TFL_OP_SLICE = 65,
    TFL_OP_TRANSPOSE_CONV = 67,
    TFL_OP_TILE = 69,
    TFL_OP_EXPAND_DIMS = 70,
    TFL_OP_SHAPE = 77,
    TFL_OP_REDUCE_MAX = 82,
    TFL_OP_PACK = 83,
    TFL_OP_RESIZE_NEAREST_NEIGHBOR = 97,
    TFL_OP_LEAKY_RELU = 98,
    TFL_OP_SPLIT_V = 102,
    TFL_OP_QUANTIZE = 114,
    TFL_OP_HARD_SWISH = 117,
    TFL_OP_BATCH_MATMUL = 126
};

/* BuiltinOptions union tags for the options tables we read or write. */
enum {
    TFL_OPT_CONV2D = 1,
    TFL_OPT_DWCONV2D = 2,
    TFL_OPT_POOL2D = 5,
    TFL_OPT_FC = 8,
    TFL_OPT_SOFTMAX = 9,
    TFL_OPT_CONCAT = 10,
    TFL_OPT_ADD = 11,
    TFL_OPT_RESIZE_BILINEAR = 15,
    TFL_OPT_RESHAPE = 17,
    TFL_OPT_SPACE_TO_DEPTH = 19,
    TFL_OPT_MUL = 21,
    TFL_OPT_PAD = 22,
    TFL_OPT_TRANSPOSE = 26,
    TFL_OPT_REDUCER = 27,
    TFL_OPT_SUB = 28,
    TFL_OPT_SQUEEZE = 30,
    TFL_OPT_STRIDED_SLICE = 32,
    TFL_OPT_SPLIT = 35,
    TFL_OPT_DEQUANTIZE = 38,
    TFL_OPT_SLICE = 48, /* an empty table */
    TFL_OPT_TRANSPOSE_CONV = 49,
    TFL_OPT_TILE = 51,        /* an empty table */
    TFL_OPT_EXPAND_DIMS = 52, /* an empty table */
    TFL_OPT_SHAPE = 55,
    TFL_OPT_PACK = 59,
    TFL_OPT_RESIZE_NN = 74,
    TFL_OPT_LEAKY_RELU = 75,
    TFL_OPT_SPLIT_V = 79,
    TFL_OPT_QUANTIZE = 89,
    TFL_OPT_HARD_SWISH = 91, /* an empty table */
    TFL_OPT_DEPTH_TO_SPACE = 94,
    TFL_OPT_BATCH_MATMUL = 101
};
enum { TFL_RESHAPE_NEW_SHAPE = 0, TFL_SQUEEZE_DIMS = 0, TFL_SHAPE_OUT_TYPE = 0 };
/* BuiltinOperator codes from 127 on are stored only in builtin_code; the
 * deprecated byte then holds PLACEHOLDER_FOR_GREATER_OP_CODES. */
enum { TFL_PLACEHOLDER_FOR_GREATER_OP_CODES = 127 };

/* The options union tag an op of this type must carry, or -1 if we read none. */
int tfl_options_type_for(tfg_op_type_t t);
/* Name of a BuiltinOperator code for diagnostics; unknown codes are written
 * into buf ("BUILTIN_123"), which must hold 24 bytes. */
const char *tfl_builtin_name(int32_t code, char *buf);

#endif
