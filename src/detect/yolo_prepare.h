/* Host side of the YOLO post-processing (runtime/yolo.c): the per-head
 * sigmoid and exp tables, and the check of a parameter set against the head
 * tensors, both run once when a model is compiled. The MCU only reads the
 * tables and trusts the checked parameters; nothing here ships to it (it
 * calls exp, which the runtime may not). */
#ifndef TFG_DETECT_YOLO_PREPARE_H
#define TFG_DETECT_YOLO_PREPARE_H

#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"
#include "tinyforge/yolo.h"

/* sig[q + 128] = sigmoid(r) and ex[q + 128] = exp(r) for every int8 q, with
 * r = scale * (q - zero_point), each evaluated in double and rounded once to
 * float. Results below FLT_MIN are stored as 0, so that a core that flushes
 * subnormals computes the same boxes as one that does not; exp above
 * FLT_MAX becomes infinity, which tfg_yolo_check refuses. */
void tfg_yolo_tables(float scale, int32_t zero_point, float sig[256], float ex[256]);

/* Checks p for the runtime: shapes[i] is the NHWC shape of head i's int8
 * tensor. Each head needs batch 1, h and w equal to the tensor's and
 * anchors * (5 + classes) channels; positive finite strides and anchors;
 * tables present and finite; thresholds in [0, 1]; fewer than 2^31
 * (cell, anchor, class) triples in all (the tie-break index); and box
 * coordinates bounded by 1e15 pixels (exp table times anchor, grid times
 * stride), so that areas stay finite. The message names the head and the
 * unmet constraint. */
tfg_status_t tfg_yolo_check(const tfg_yolo_params_t *p, const int32_t (*shapes)[4], tfg_diag_t *d);

#define TFG_YOLO_MAX_HEADS 8
#define TFG_YOLO_MAX_ANCHORS 16 /* per head */

/* A model's outputs as YOLO heads, with everything the decoder reads. It
 * points into itself: use it where tfg_yolo_setup filled it, do not copy it. */
typedef struct {
    tfg_yolo_params_t p;
    tfg_yolo_head_t heads[TFG_YOLO_MAX_HEADS];
    int output[TFG_YOLO_MAX_HEADS]; /* heads[i] is the model's output output[i] */
    int32_t shapes[TFG_YOLO_MAX_HEADS][4];
    float anchors[TFG_YOLO_MAX_HEADS][2 * TFG_YOLO_MAX_ANCHORS];
    float sig[TFG_YOLO_MAX_HEADS][256], ex[TFG_YOLO_MAX_HEADS][256];
} tfg_yolo_setup_t;

/* Makes every output of g (int8 with one scale, as a model loaded with
 * int8_io has) a head: anchors holds n_groups groups of per_group (w, h)
 * pairs in input pixels, group 0 meant for the coarsest grid. Heads are
 * ordered by grid size, smallest first (YOLOv3's order: the largest stride
 * has the largest anchors), group i going to the i-th; each stride is the
 * input's height over the grid's (it must divide, and equal the same for
 * the width). Then tfg_yolo_check. The message names the output and the
 * unmet constraint: a count of outputs other than n_groups, an output that
 * is not a 4-D int8 tensor, channels other than per_group x (5 + classes). */
tfg_status_t tfg_yolo_setup(const tfg_graph_t *g, const float *anchors, int32_t n_groups, int32_t per_group,
                            int32_t classes, float score, float iou, tfg_yolo_setup_t *y, tfg_diag_t *d);

/* A box as text that keeps every bit: "cls x0 y0 x1 y1 score" with the
 * floats as 8 hex digits of their IEEE bits. The generated detector's test
 * and bench compare boxes in this form (equal text, equal bits). */
void tfg_yolo_box_bits(const tfg_yolo_box_t *b, char *out, size_t n);

#endif
