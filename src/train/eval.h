/* A model's accuracy on a dataset, computed by the int8 engine itself: the
 * one evaluation that `tinyforge eval` prints and `tinyforge train` reports
 * at the end, so the two agree to the image.
 *
 * Each image goes through the input convention (tfg_data_to_input) and the
 * host executor, layer by layer or with a patch schedule (the same bytes
 * either way); the prediction is the argmax of the output, the first index
 * on ties. Images are spread over threads, each with its own arena. */
#ifndef TFG_TRAIN_EVAL_H
#define TFG_TRAIN_EVAL_H

#include <stdint.h>

#include "data/dataset.h"
#include "model/model.h"
#include "nn/parallel.h"
#include "sched/sched.h"

typedef struct {
    int32_t total, correct, classes;
    int64_t *confusion; /* [classes][classes]: rows the true class, columns the prediction */
    uint8_t *pred;      /* [total] each image's prediction */
} tfg_eval_t;

/* Runs m over the first total images of ds (already at the model's input
 * size; total <= ds->n). sp: a patch schedule, or NULL for layer by layer.
 * progress (may be NULL) is called on the calling thread now and then with
 * the images done so far and how many were right. */
tfg_status_t tfg_eval_model(const tfg_model_t *m, const tfg_sched_plan_t *sp, const tfg_dataset_t *ds,
                            int32_t total, tfg_pool_t *pool,
                            void (*progress)(void *ctx, int32_t done, int32_t correct), void *ctx,
                            tfg_eval_t *r, tfg_diag_t *d);
void tfg_eval_free(tfg_eval_t *r);

/* Index of the largest of n values of an output tensor of type t (the first
 * on ties; NaN never wins). */
int tfg_eval_argmax(const uint8_t *p, int64_t n, tfg_dtype_t t);

#endif
