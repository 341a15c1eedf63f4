/* Float networks: the layer graph the model builder produces, with float
 * weights, and its float forward pass.
 *
 * This is the float side of tinyforge. The builder fills a net with
 * synthetic weights, the forward pass calibrates activation ranges, and the
 * quantizer turns the net into an int8 IR graph. The training engine (a later
 * issue) will add a backward pass over the same structure.
 *
 * Layout: activations are NHWC with batch 1; a net is a list of layers in
 * execution order, each reading earlier layers by index. Conv weights are
 * OHWI, depthwise weights are [k][k][C] (TFLite's layouts), and FC weights are
 * [out][in]. Every layer's output shape is stored in the layer. */
#ifndef TFG_NN_NET_H
#define TFG_NN_NET_H

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
    char name[48];
} tfg_nn_layer_t;

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
int tfg_net_fc(tfg_net_t *n, int in, int out, const char *name);
int tfg_net_add(tfg_net_t *n, int a, int b, tfg_act_t act, const char *name);
int tfg_net_avgpool(tfg_net_t *n, int in, const char *name);
int tfg_net_softmax(tfg_net_t *n, int in);
int tfg_net_sigmoid(tfg_net_t *n, int in, const char *name);
int tfg_net_mul(tfg_net_t *n, int a, int b, const char *name);

/* Number of weights / biases of a layer (0 for layers without). */
size_t tfg_nn_weight_count(const tfg_net_t *n, int i);
size_t tfg_nn_bias_count(const tfg_net_t *n, int i);
int64_t tfg_nn_macs(const tfg_net_t *n, int i);

/* Deterministic synthetic weights: He-normal initialisation, then a random
 * batch normalisation (gamma, beta, mean, var) folded into weights and bias,
 * as a trained-then-folded network would have. Same seed, same weights. */
void tfg_net_init_weights(tfg_net_t *n, uint64_t seed);

/* Float forward pass. acts[i] receives layer i's output (h*w*c floats,
 * allocated here; free with tfg_net_free_acts). */
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
