/* Building IR graphs in memory for tests: tensors, constants and ops with
 * the options a test sets by hand. Graphs own everything (free with
 * tfg_graph_free); allocation failures abort, since a test cannot go on. */
#ifndef TFG_TEST_GRAPH_BUILDER_H
#define TFG_TEST_GRAPH_BUILDER_H

#include "ir/ir.h"

/* DIMS(1,4,4,2) and IDS(a,b) expand to "array, count". */
#define DIMS(...) (const int32_t[]){__VA_ARGS__}, (int)(sizeof((int32_t[]){__VA_ARGS__}) / sizeof(int32_t))
#define IDS(...) (const int[]){__VA_ARGS__}, (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int))

enum { GB_MAX_OPS = 64 };

void g_init(tfg_graph_t *g);
int add_tensor(tfg_graph_t *g, const char *name, tfg_dtype_t dt, const int32_t *dims, int rank);
/* n scales along qdim, one zero point. */
void set_quant_n(tfg_graph_t *g, int t, int n, const float *scales, int32_t zp, int32_t qdim);
void set_quant(tfg_graph_t *g, int t, float scale, int32_t zp);
/* Copies the tensor's byte size from src into graph-owned constant data. */
void set_data(tfg_graph_t *g, int t, const void *src);
/* int8 activation with per-tensor quantization. */
int add_act(tfg_graph_t *g, const char *name, const int32_t *dims, int rank, float scale, int32_t zp);
int add_const_i32(tfg_graph_t *g, const char *name, const int32_t *dims, int rank, const int32_t *vals);
int add_scalar_i32(tfg_graph_t *g, const char *name, int32_t v);
/* Symmetric int8 weights (zero point 0, one scale). */
int add_weights(tfg_graph_t *g, const char *name, const int32_t *dims, int rank, const int8_t *vals,
                float scale);
/* An op with default spatial options (strides, dilations, windows 1). */
tfg_op_t *add_op(tfg_graph_t *g, tfg_op_type_t type, const int *in, int n_in, const int *out, int n_out);
void set_io(tfg_graph_t *g, const int *in, int n_in, const int *out, int n_out);

#endif
