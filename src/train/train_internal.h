/* The trainer's state, shared by the float loop (train.c) and the
 * quantization-aware forward pass (qat.c). Not part of the API. */
#ifndef TFG_TRAIN_INTERNAL_H
#define TFG_TRAIN_INTERNAL_H

#include "nn/forward.h"
#include "train/backward.h"
#include "train/optim.h"
#include "train/train.h"

typedef struct tfg_qat_state tfg_qat_state_t;

struct tfg_trainer {
    tfg_net_t *net;
    const tfg_dataset_t *train, *val;
    tfg_train_opts_t o;
    tfg_pool_t *pool;
    tfg_nn_tape_t tape;
    tfg_grad_t grad;
    tfg_params_t params;
    float *x;       /* one batch of input images */
    uint8_t *y;     /* their labels */
    int32_t *order; /* this epoch's shuffle */
    int epoch;
    tfg_qat_state_t *qat;  /* set by tfg_trainer_start_qat */
    tfg_train_step_t step; /* tfg_trainer_set_step; NULL: tfg_trainer_forward_backward */
    void *step_ctx;
};

/* QAT's forward pass over the batch in t->x (qat.c): the int8 engine on the
 * freshly quantized weights, every layer's output dequantized into the tape
 * for the float backward pass; the activation ranges move after it. */
void tfg_qat_forward(tfg_trainer_t *t, int batch, long qat_step);
void tfg_qat_free(tfg_qat_state_t *q);
/* The int8 model of the current weights and ranges, evaluated on the
 * validation set by the engine (-1 on failure, kept in the QAT error). */
double tfg_qat_val_accuracy(tfg_trainer_t *t);

#endif
