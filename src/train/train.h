/* Training a float net on a dataset: the loop, augmentation, validation.
 *
 * The recipe is the one MCUNet-style nets are trained with and the PyTorch
 * peer (../shared/peers/torch_fmnist.py) uses: SGD with Nesterov momentum,
 * weight decay on conv and FC weights only, cosine learning rate after an
 * optional linear warm-up, label-smoothed cross-entropy; per-image random
 * translation (zero pad and crop), horizontal flips and random erasing.
 *
 * Everything random is drawn from counters, not from a stream: the epoch's
 * shuffle from (seed, epoch), an image's augmentation from (seed, epoch,
 * position), dropout masks from (seed, step). So a run resumed at an epoch
 * boundary continues exactly as if it had never stopped, and the same seed
 * and options give bit-identical weights for any thread count. */
#ifndef TFG_TRAIN_TRAIN_H
#define TFG_TRAIN_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "data/dataset.h"
#include "nn/forward.h"
#include "nn/net.h"
#include "nn/parallel.h"
#include "train/backward.h"

typedef struct {
    int epochs;            /* default 10 */
    int batch;             /* default 64 */
    float lr;              /* peak learning rate; default 0.05 */
    float momentum;        /* default 0.9 (Nesterov) */
    float weight_decay;    /* default 4e-5 */
    float label_smoothing; /* default 0.1 */
    float warmup_epochs;   /* linear warm-up; default 0 */
    uint64_t seed;         /* default 1 */
    int translate;         /* random shift of up to this many pixels each way; default 2 */
    bool no_flip;          /* no horizontal flips (digits, text) */
    float erase;           /* probability of random erasing per image; default 0 */
} tfg_train_opts_t;

/* The defaults above (the PyTorch peer's recipe). */
tfg_train_opts_t tfg_train_default_opts(void);

/* What the loop reports after each step and each epoch. */
typedef struct {
    int epoch, epochs; /* epoch is 0-based */
    long step, steps;  /* steps in this epoch so far, and per epoch */
    long global_step, total_steps;
    double loss;          /* mean loss over this epoch's steps so far */
    double accuracy;      /* training accuracy (augmented images) this epoch so far */
    double samples_per_s; /* this epoch so far */
    float lr;
    bool epoch_done;
    double val_accuracy; /* at epoch end, when there is a validation set (else -1); during QAT the
                            int8 engine's accuracy on it, what QAT optimizes */
    double val_loss;     /* float training only (else -1) */
} tfg_train_progress_t;

typedef struct tfg_trainer tfg_trainer_t;

/* A trainer for net (its shapes fix the input size; the dataset must match
 * h, w, c) over train, validating on val (may be NULL). The net is trained in
 * place; it must have batch-norm parameters (tfg_net_init_train). NULL with a
 * message in d on error. */
tfg_trainer_t *tfg_trainer_create(tfg_net_t *net, const tfg_dataset_t *train, const tfg_dataset_t *val,
                                  const tfg_train_opts_t *o, int threads, tfg_diag_t *d);
void tfg_trainer_free(tfg_trainer_t *t);

/* Run one epoch (the trainer's next); progress is called after every step
 * and once more at the end with epoch_done set. Returns the epoch's report. */
tfg_train_progress_t tfg_trainer_epoch(tfg_trainer_t *t,
                                       void (*progress)(void *ctx, const tfg_train_progress_t *p), void *ctx);
/* The next epoch to run (0-based); tfg_trainer_set_epoch moves it (resume). */
int tfg_trainer_next_epoch(const tfg_trainer_t *t);
void tfg_trainer_set_epoch(tfg_trainer_t *t, int epoch);

/* ---- custom steps ----
 *
 * A step function replaces a step's forward, loss and backward passes (the
 * supernet's sandwich rule, src/search/sntrain.c, runs several subnets per
 * step): the batch is ready in tfg_trainer_batch's x and y, and the function
 * must leave every gradient of the trainer's parameters written and return
 * the step's mean loss (*correct: the batch's argmax hits). The trainer
 * then takes the SGD step and updates batch norm's running statistics from
 * its tape. tfg_trainer_forward_backward is the default step, on the
 * trainer's own net, tape and gradients; a custom step may run it first.
 * `step` counts from the first epoch (it keys dropout masks). */
typedef double (*tfg_train_step_t)(void *ctx, tfg_trainer_t *t, int batch, long step, int *correct);
void tfg_trainer_set_step(tfg_trainer_t *t, tfg_train_step_t fn, void *ctx);
double tfg_trainer_forward_backward(tfg_trainer_t *t, int batch, long step, int *correct);
/* The seed of a step's training-mode forward pass (dropout). */
uint64_t tfg_trainer_step_seed(const tfg_trainer_t *t, long step);

/* The current batch and the trainer's buffers, for a step function. */
typedef struct {
    const float *x;      /* the batch's augmented images, NHWC */
    const uint8_t *y;    /* their labels */
    tfg_nn_tape_t *tape; /* the trainer's net's forward pass */
    tfg_grad_t *grad;    /* its gradients, which the SGD step reads */
    tfg_pool_t *pool;
} tfg_trainer_batch_t;
tfg_trainer_batch_t tfg_trainer_batch(tfg_trainer_t *t);

/* The trainable tensors with their momentum buffers (for checkpoints). */
struct tfg_params_s;
struct tfg_params_s *tfg_trainer_params(tfg_trainer_t *t);

/* ---- quantization-aware training ----
 *
 * A trainer created on a folded net (tfg_net_fold_bn: batch norm frozen at
 * its running statistics and folded into the weights, so the weights being
 * trained are exactly the ones the engine quantizes) switches to QAT here.
 * From then on each step's forward pass is the int8 engine itself: the
 * current weights go through the one quantizer (src/zoo/quantize.c) with
 * the current activation ranges, the model pipeline prepares the graph, and
 * the host executor runs every image with its int8 kernels; each layer's
 * int8 output is dequantized into the tape and the backward pass runs in
 * float on those values (straight-through: the rounding is treated as the
 * identity). So the forward pass computes exactly what the exported model
 * computes. The ranges start at PTQ's calibration and follow an exponential
 * moving average of a float forward pass's per-layer min/max; TFLite's
 * shared ranges (average pool keeps its input's, softmax and logistic have
 * fixed outputs) are the quantizer's rules, so they hold throughout. */
typedef struct {
    float ema;  /* weight of the old range in each step's moving average (default 0.99) */
    long delay; /* steps of float forward passes, the ranges still moving, before the engine takes over */
} tfg_qat_opts_t;

/* mins/maxs: one range per layer (layer 0: the input), copied. */
tfg_status_t tfg_trainer_start_qat(tfg_trainer_t *t, const float *mins, const float *maxs,
                                   const tfg_qat_opts_t *o, tfg_diag_t *d);
/* The current ranges (per layer; the trainer owns them, a checkpoint may restore them). */
float *tfg_trainer_qat_ranges(tfg_trainer_t *t, float **maxs);
/* The int8 graph of the current weights and ranges: what the QAT forward pass runs, and what is exported. */
tfg_status_t tfg_trainer_qat_graph(const tfg_trainer_t *t, bool float_io, tfg_graph_t *g, tfg_diag_t *d);
/* QAT's forward pass on n float images (NHWC, p / 255): each image's output
 * bytes (the int8 engine's) into out, image after image. */
tfg_status_t tfg_trainer_qat_outputs(tfg_trainer_t *t, const float *x, int n, uint8_t *out, tfg_diag_t *d);
/* A failure inside a QAT step (out of memory, a graph the engine refuses):
 * the step is skipped and the message kept here; NULL when all went well. */
const char *tfg_trainer_error(const tfg_trainer_t *t);

/* Float accuracy (evaluation mode) and mean loss of net over ds, in batches
 * on pool. */
double tfg_eval_float(const tfg_net_t *net, const tfg_dataset_t *ds, tfg_pool_t *pool, double *loss);
/* The same with its batch buffers in `keep` (nn/bigmem.h), for callers that
 * evaluate net after net. */
double tfg_eval_float_in(const tfg_net_t *net, const tfg_dataset_t *ds, tfg_pool_t *pool, double *loss,
                         tfg_nn_keep_t *keep);

/* Images -> floats the way the net's input sees them (a pixel p is p / 255). */
void tfg_train_pixels(const uint8_t *img, size_t n, float *out);

#endif
