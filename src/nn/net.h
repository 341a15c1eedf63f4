/* Float networks: the layer graph the model builder produces, with float
 * weights, and its float forward pass.
 *
 * This is the float side of tinyforge. The builder describes a net; either
 * synthetic weights fill it (tfg_net_init_weights) or the trainer
 * (src/train) learns them. The batched forward pass (forward.h) serves both:
 * it calibrates activation ranges for the quantizer and it is the training
 * engine's forward pass, so there is one float implementation of each layer.
 *
 * Layout: activations are NHWC; a net is a list of layers in execution
 * order, each reading earlier layers by index. Conv weights are OHWI,
 * depthwise weights are [k][k][C] (TFLite's layouts), and FC weights are
 * [out][in]. Every layer's output shape (one image) is stored in the layer.
 *
 * Batch normalization belongs to the conv it follows. The builder marks the
 * convs that have one (`bn`); the trainer gives them parameters
 * (tfg_net_alloc_bn), and tfg_net_fold_bn folds them into weight and bias
 * for export, which is the form the quantizer reads. A net with synthetic
 * weights has them folded from the start. */
#ifndef TFG_NN_NET_H
#define TFG_NN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"

typedef enum {
    TFG_NN_INPUT,   /* the image; h, w, c */
    TFG_NN_CONV,    /* k x k, stride, SAME padding; bias; fused act */
    TFG_NN_DWCONV,  /* depthwise, multiplier 1 */
    TFG_NN_FC,      /* flattens its input */
    TFG_NN_ADD,     /* elementwise, same shapes; fused act */
    TFG_NN_AVGPOOL, /* global average pool to 1 x 1 x C */
    TFG_NN_SOFTMAX,
    TFG_NN_SIGMOID,
    TFG_NN_MUL /* in * in2, where in2 is 1 x 1 x C (broadcast over H and W) or the same shape */
} tfg_nn_kind_t;

typedef struct {
    tfg_nn_kind_t kind;
    int in, in2;  /* input layers (-1: none) */
    int h, w, c;  /* output shape */
    int k_h, k_w; /* CONV / DWCONV kernel */
    int stride;
    tfg_act_t act;
    float *weights, *bias; /* owned by the net */
    bool bn;               /* CONV / DWCONV: batch norm follows in training (set by the builder) */
    float *bn_params;      /* when bn and allocated: gamma, beta, running mean, running var; c each */
    float dropout;         /* FC: dropout rate on its input in training (0: none) */
    char name[48];
} tfg_nn_layer_t;

#define TFG_NN_BN_EPS 1e-5f     /* PyTorch's BatchNorm2d default */
#define TFG_NN_BN_MOMENTUM 0.1f /* running = (1 - m) running + m batch, as PyTorch */

typedef struct {
    tfg_nn_layer_t *layers;
    int n, cap;
    char name[96];
} tfg_net_t;

void tfg_net_init(tfg_net_t *n, const char *name);
void tfg_net_free(tfg_net_t *n);

/* Layer constructors; each returns the new layer's index, or -1 when out of
 * memory or the shapes do not fit (the caller reports). Weights start at 0. */
int tfg_net_input(tfg_net_t *n, int h, int w, int c);
int tfg_net_conv(tfg_net_t *n, int in, int out_c, int k, int stride, tfg_act_t act, const char *name);
/* Non-square kernels (e.g. DS-CNN's 10x4 first layer). */
int tfg_net_conv_hw(tfg_net_t *n, int in, int out_c, int k_h, int k_w, int stride, tfg_act_t act,
                    const char *name);
int tfg_net_dwconv(tfg_net_t *n, int in, int k, int stride, tfg_act_t act, const char *name);
/* Non-square depthwise kernels (a wake-word net's tall 15x1). */
int tfg_net_dwconv_hw(tfg_net_t *n, int in, int k_h, int k_w, int stride, tfg_act_t act, const char *name);
int tfg_net_fc(tfg_net_t *n, int in, int out, const char *name);
int tfg_net_add(tfg_net_t *n, int a, int b, tfg_act_t act, const char *name);
int tfg_net_avgpool(tfg_net_t *n, int in, const char *name);
int tfg_net_softmax(tfg_net_t *n, int in);
int tfg_net_sigmoid(tfg_net_t *n, int in, const char *name);
int tfg_net_mul(tfg_net_t *n, int a, int b, const char *name);

/* Fit a net to a dataset: in_c input channels and `classes` outputs (0
 * keeps either). The layers reading the input and the classifier (the FC
 * before the final softmax, or the last layer) get new, zeroed weights.
 * -1 when the net does not start with an input read only by convs or does
 * not end in an FC (the net is then unchanged), or when out of memory. */
int tfg_net_retarget(tfg_net_t *n, int in_c, int classes);

/* Number of weights / biases of a layer (0 for layers without). */
size_t tfg_nn_weight_count(const tfg_net_t *n, int i);
size_t tfg_nn_bias_count(const tfg_net_t *n, int i);
int64_t tfg_nn_macs(const tfg_net_t *n, int i);

/* Deterministic synthetic weights: He-normal initialisation, then a random
 * batch normalisation (gamma, beta, mean, var) folded into weights and bias,
 * as a trained-then-folded network would have. Same seed, same weights. */
void tfg_net_init_weights(tfg_net_t *n, uint64_t seed);

/* Training initialisation, PyTorch's default: weights and the FC bias
 * uniform in +-1/sqrt(fan_in), other biases zero, and for every `bn` layer
 * parameters gamma 1, beta 0, running mean 0, running var 1. Same seed, same
 * weights. -1 when out of memory. */
int tfg_net_init_train(tfg_net_t *n, uint64_t seed);
/* Give every `bn` layer its parameters (gamma 1, beta 0, mean 0, var 1) if it
 * has none; -1 when out of memory. */
int tfg_net_alloc_bn(tfg_net_t *n);
/* Fold each layer's batch norm (running statistics) into its weights and
 * bias and drop the parameters: w' = w g / sqrt(v + eps),
 * b' = beta + (b - mean) g / sqrt(v + eps). The net then computes the same
 * function in evaluation mode, and has no batch norm any more (bn is
 * cleared: QAT trains the folded weights). */
void tfg_net_fold_bn(tfg_net_t *n);
/* A deep copy (weights, biases and batch-norm parameters); -1 when out of memory. */
int tfg_net_copy(tfg_net_t *dst, const tfg_net_t *src);

/* Float forward pass of one image in evaluation mode (see forward.h for
 * batches). acts[i] receives layer i's output (h*w*c floats, allocated
 * here; free with tfg_net_free_acts). */
int tfg_net_forward(const tfg_net_t *n, const float *input, float **acts);
void tfg_net_free_acts(const tfg_net_t *n, float **acts);

/* splitmix64-based generator shared by weight init and calibration inputs. */
typedef struct {
    uint64_t s;
} tfg_rng_t;
uint64_t tfg_rng_next(tfg_rng_t *r);
float tfg_rng_uniform(tfg_rng_t *r); /* [0, 1) */
float tfg_rng_normal(tfg_rng_t *r);  /* standard normal */

#endif
