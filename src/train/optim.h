/* Parameters, SGD and the learning-rate schedule of the training engine. */
#ifndef TFG_TRAIN_OPTIM_H
#define TFG_TRAIN_OPTIM_H

#include <stdbool.h>
#include <stddef.h>

#include "train/backward.h"

/* One trainable tensor: its values, gradient and momentum buffer. */
typedef struct {
    float *p, *g, *v;
    size_t n;
    bool decay; /* weight decay applies (conv and FC weights; not biases or batch norm) */
    int layer;
    const char *what; /* "weights", "bias", "gamma", "beta" */
} tfg_param_t;

typedef struct tfg_params_s {
    tfg_param_t *p;
    int n;
    size_t total; /* values in all tensors */
} tfg_params_t;

/* Every trainable tensor of the net, bound to the gradients in g; momentum
 * starts at zero. A bn layer's conv bias is not trained (batch norm's beta
 * takes its place). -1 when out of memory. */
int tfg_params_collect(tfg_net_t *n, tfg_grad_t *g, tfg_params_t *ps);
void tfg_params_free(tfg_params_t *ps);

/* One step of SGD with momentum as PyTorch computes it:
 *   d = g + wd * p (decay tensors only); v = momentum * v + d;
 *   p -= lr * (nesterov ? d + momentum * v : v). */
void tfg_sgd_step(tfg_params_t *ps, float lr, float momentum, float wd, bool nesterov);

/* Learning rate at step t of total: linear warm-up from lr / warmup to lr
 * over the first warmup steps, then cosine decay to 0 at total. */
float tfg_lr_at(float lr, long t, long warmup, long total);

#endif
