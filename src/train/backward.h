/* The backward pass of the float training engine, over the forward pass's
 * tape (src/nn/forward.h), and the loss.
 *
 * Gradients follow the same split as the forward pass: tasks by image or by
 * fixed groups of images, per-task partial sums added in task order, so a
 * gradient is bit-identical for any thread count. */
#ifndef TFG_TRAIN_BACKWARD_H
#define TFG_TRAIN_BACKWARD_H

#include "nn/forward.h"

typedef struct {
    int n_layers, cap;
    float *slab;    /* the dout buffers are slices of it */
    bool slab_kept; /* it is borrowed (tfg_grad_init_in), not freed with the rest */
    float **dout;   /* [layer] cap * h*w*c: d loss / d output */
    float **dw;     /* [layer] d loss / d weights (CONV, DWCONV, FC) */
    float **db;     /* [layer] d loss / d bias (layers without batch norm) */
    float **dgamma; /* [layer] bn layers */
    float **dbeta;
    float *wpart; /* per-group partial weight gradients: groups(cap) * largest weight count */
    size_t wpart_floats;
    int threads;
    float **col, **dcol; /* [thread] im2col scratch and its gradient */
    size_t col_floats;
    float **dz; /* [thread] a group's gradient at a conv's output (conv_grad in backward.c) */
    size_t dz_floats;
    float *partial; /* [cap][2 * widest]: per-image sums */
    float *coef;    /* [3 * widest]: the current layer's batch-norm gradient factors (conv_grad) */
    bool *written;  /* [layer] its gradient has been written this pass (lazy zeroing) */
    float **pad;    /* [thread] two padded images for the depthwise backward pass (backward.c) */
    size_t pad_floats;
} tfg_grad_t;

int tfg_grad_init(tfg_grad_t *g, const tfg_net_t *n, int cap, int threads);
/* The same with the output gradients in `keep` (nn/bigmem.h), which must
 * outlive g and serve one user at a time. */
int tfg_grad_init_in(tfg_grad_t *g, const tfg_net_t *n, int cap, int threads, tfg_nn_keep_t *keep);
void tfg_grad_free(tfg_grad_t *g);

/* The layer whose output is the logits: the SOFTMAX's input when the net
 * ends with one, else the last layer. */
int tfg_nn_logits_layer(const tfg_net_t *n);

/* Softmax cross-entropy with label smoothing eps over the logits of the last
 * forward pass: the targets are (1 - eps) on the label plus eps / classes on
 * every class. Writes d (mean loss) / d logits into g->dout[logits layer] and
 * returns the mean loss; *correct counts argmax hits (may be NULL). g NULL:
 * the loss alone. */
double tfg_nn_loss(const tfg_net_t *n, const tfg_nn_tape_t *t, tfg_grad_t *g, const uint8_t *labels,
                   float eps, int *correct);

/* The same loss against given target distributions (batch x classes
 * floats summing to 1 per image): knowledge distillation, where a teacher's
 * softmax outputs are the targets. Hits still count against labels. */
double tfg_nn_loss_soft(const tfg_net_t *n, const tfg_nn_tape_t *t, tfg_grad_t *g, const float *targets,
                        const uint8_t *labels, int *correct);

/* Backward from g->dout[logits] (set by tfg_nn_loss) to every parameter
 * gradient, after a training-mode tfg_nn_forward on the same tape. */
void tfg_nn_backward(const tfg_net_t *n, const tfg_nn_tape_t *t, tfg_grad_t *g, tfg_pool_t *pool);

#endif
