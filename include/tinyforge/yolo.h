/* YOLO post-processing on the MCU: boxes straight from int8 detection heads.
 *
 * A YOLOv3-style head is an int8 NHWC tensor [1][h][w][anchors * (5 + classes)]
 * whose channel anchor * (5 + classes) + k holds, for k = 0..4, tx, ty, tw, th
 * and the objectness, then one logit per class. For cell (y, x), anchor a of
 * size (aw, ah) and class c, with v' the real value of an int8 v:
 *
 *   centre = ((sigmoid(tx') + x) * stride, (sigmoid(ty') + y) * stride)
 *   size   = (exp(tw') * aw, exp(th') * ah)
 *   score  = sigmoid(obj') * sigmoid(cls_c')
 *   box    = centre -/+ size / 2, in input pixels (x0, y0, x1, y1)
 *
 * An int8 has 256 values, so sigmoid(v') and exp(v') are two 256-entry float
 * tables per head, computed on the host when the model is compiled (the host
 * library's tfg_yolo_tables, src/detect/yolo_prepare.h): the MCU needs no
 * expf and every target reads the same numbers.
 *
 * Candidates (score >= score_threshold) go into the caller's scratch; when
 * more pass than it holds, the best ones are held. They are sorted by score,
 * best first, ties in generation order (head, row, column, anchor, class),
 * and greedy non-maximum suppression runs per class: a candidate is kept when
 * its IoU with every kept box of its class is <= iou_threshold. The first
 * max_boxes kept boxes are written. docs/detection.md states every rule.
 *
 * C99, no malloc, no stdio, no globals; the float arithmetic rounds every
 * product before it is added (see runtime/yolo.c), so host and Cortex-M4F
 * give the same bits whatever the compiler's FMA contraction setting. */
#ifndef TINYFORGE_YOLO_H
#define TINYFORGE_YOLO_H

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One detection head. Its tensor is passed to tfg_yolo_detect separately, so
 * that the parameters can be const data in flash while the tensor lives in
 * the arena. */
typedef struct {
    int32_t h, w;           /* grid rows and columns */
    int32_t anchors;        /* anchors per cell */
    float stride;           /* input pixels per cell */
    const float *anchor_wh; /* [anchors][2]: width, height in input pixels */
    const float *sig;       /* [256]: sigmoid of the real value of int8 q, at q + 128 */
    const float *ex;        /* [256]: exp of it */
} tfg_yolo_head_t;

typedef struct {
    const tfg_yolo_head_t *heads; /* [n_heads] */
    int32_t n_heads;
    int32_t classes;       /* every head has anchors * (5 + classes) channels */
    float score_threshold; /* a candidate needs score >= this */
    float iou_threshold;   /* a box is suppressed by a kept box of its class with IoU > this (0.45) */
} tfg_yolo_params_t;

typedef struct {
    float x0, y0, x1, y1; /* input pixels; x0 <= x1, y0 <= y1 */
    float score;
    int32_t cls;
} tfg_yolo_box_t;

/* What happened; truncation is `held < candidates` (scratch too small) or
 * `written < kept` (box array too small). */
typedef struct {
    int32_t candidates; /* (cell, anchor, class) triples with score >= threshold */
    int32_t held;       /* of those, the best that the scratch held */
    int32_t kept;       /* of those, the ones NMS kept */
    int32_t written;    /* of those, the best max_boxes: the boxes written */
} tfg_yolo_stats_t;

/* Scratch bytes that hold max_candidates candidates (32 bytes each on every
 * target: eight 4-byte fields). */
size_t tfg_yolo_scratch_size(int32_t max_candidates);

/* Decodes the heads (heads[i] is head i's int8 tensor), suppresses and
 * writes at most max_boxes boxes, best first. scratch: 4-byte aligned,
 * scratch_bytes of it (holding scratch_bytes / 32 candidates), clobbered.
 * Returns the number of boxes written, or TFG_ERR_ARG (negative) for a NULL
 * pointer, a misaligned scratch or a negative max_boxes. stats may be NULL.
 * The parameters are trusted: check them once on the host (tfg_yolo_check). */
int32_t tfg_yolo_detect(const tfg_yolo_params_t *p, const int8_t *const *heads, void *scratch,
                        size_t scratch_bytes, tfg_yolo_box_t *boxes, int32_t max_boxes,
                        tfg_yolo_stats_t *stats);

/* Intersection over union of two boxes, exactly as NMS computes it:
 * iw = max(0, min(a.x1, b.x1) - max(a.x0, b.x0)), ih likewise,
 * inter = iw * ih, union = area(a) + area(b) - inter with
 * area = (x1 - x0) * (y1 - y0); IoU = inter / union, or 0 when union <= 0
 * (two empty boxes). */
float tfg_yolo_iou(const tfg_yolo_box_t *a, const tfg_yolo_box_t *b);

#ifdef __cplusplus
}
#endif

#endif
