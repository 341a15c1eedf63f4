/* Host side of the YOLO post-processing (runtime/yolo.c): the per-head
 * sigmoid and exp tables, and the check of a parameter set against the head
 * tensors, both run once when a model is compiled. The MCU only reads the
 * tables and trusts the checked parameters; nothing here ships to it (it
 * calls exp, which the runtime may not). */
#ifndef TFG_DETECT_YOLO_PREPARE_H
#define TFG_DETECT_YOLO_PREPARE_H

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

#endif
