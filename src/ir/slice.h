/* What the slicing and rearranging ops read. SLICE, STRIDED_SLICE, SPLIT and SPLIT_V each
 * give every output a box of their data input: per axis a first index, a
 * count and a step. Validation checks the box against the shapes the file
 * declares, lowering turns it into a strided copy (tfg_gather_s8), and the
 * folding of constant shape arithmetic reads STRIDED_SLICE's axis rule from
 * here too, so the three can never disagree about TFLite's semantics
 * (docs/tflm-semantics.md section 10). */
#ifndef TFG_IR_SLICE_H
#define TFG_IR_SLICE_H

#include "ir/ir.h"

typedef struct {
    int rank;                    /* the data input's */
    int32_t begin[TFG_MAX_DIMS]; /* first input index per axis */
    int32_t count[TFG_MAX_DIMS]; /* indices taken per axis (1 on an axis STRIDED_SLICE shrinks) */
    int32_t step[TFG_MAX_DIMS];  /* input step per output step: 1 but in STRIDED_SLICE */
    int out_rank;                /* the output's: STRIDED_SLICE drops the shrunk axes */
    int32_t out_dims[TFG_MAX_DIMS];
} tfg_box_t;

/* The op's data input: in[1] for SPLIT (whose axis comes first), in[0] else. */
int tfg_slice_data(const tfg_op_t *op);

/* The box output k of a SLICE, STRIDED_SLICE, SPLIT or SPLIT_V reads, from
 * its constant parameter tensors. Returns false with the reason in why
 * (naming the parameter) when they are missing, not constant, or out of
 * range. Needs the inputs to exist (validation's structure check). */
bool tfg_slice_box(const tfg_graph_t *g, const tfg_op_t *op, int k, tfg_box_t *b, char *why, size_t n);

/* TILE's output shape: the input's, each axis times its multiple (a
 * constant int32 or int64 tensor with one value >= 1 per axis). False with
 * the reason in why. */
bool tfg_tile_dims(const tfg_graph_t *g, const tfg_op_t *op, int32_t *dims, char *why, size_t n);

/* The strided copy (tfg_gather_s8) that makes output k of a slicing op, or
 * the output of TILE, DEPTH_TO_SPACE or SPACE_TO_DEPTH, over elements of
 * elem_size bytes (1 for int8; a constant of a wider type is copied byte by
 * byte through an innermost axis). TILE reads its input along axes of
 * stride 0, one per multiple; the depth/space ops are permutations of the
 * input split into blocks (docs/tflm-semantics.md section 10). Axes of size 1
 * are dropped and axes that continue each other merged, which also keeps
 * the runs the kernel copies long. False when even then the copy needs more
 * than TFG_MAX_DIMS axes (why says so). */
bool tfg_strided_copy(const tfg_graph_t *g, const tfg_op_t *op, int k, size_t elem_size,
                      tfg_gather_params_t *p, char *why, size_t n);

/* STRIDED_SLICE on one axis of size dim, as TFLite's StartForAxis and
 * StopForAxis compute it: a negative begin or end counts from the end, a
 * masked one is the whole axis in the step's direction, then both are
 * clamped to [0, dim] going forward and [-1, dim - 1] going backward; a
 * shrunk axis takes the one index begin. Gives the first index and the
 * count; false for a zero step or a shrunk index outside the axis. */
bool tfg_strided_axis(int64_t dim, int64_t begin, int64_t end, int64_t step, bool begin_masked,
                      bool end_masked, bool shrink, int64_t *first, int64_t *count);

#endif
