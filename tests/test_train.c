/* The training engine (src/nn forward, src/train backward and SGD).
 *
 *  - Gradients: for every layer type (conv k x k with and without padding
 *    overhang and stride, pointwise conv, depthwise with stride, batch norm
 *    in training mode, ReLU, ReLU6, global average pool, FC, residual ADD,
 *    squeeze-and-excite's sigmoid and channel MUL, dropout) and the label-
 *    smoothed cross-entropy, the analytic gradient of every parameter tensor
 *    is compared with central finite differences of the loss, coordinate by
 *    coordinate.
 *  - Threads: the same batch gives bit-identical gradients on 1 and 2 threads.
 *  - Evaluation mode equals the folded net: batch norm folded into weight and
 *    bias (the form the quantizer reads) computes the same outputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/forward.h"
#include "nn/gemm.h"
#include "tfg_test.h"
#include "train/backward.h"
#include "train/optim.h"

static float randf(tt_rng_t *r)
{
    return (float)((double)(tt_next(r) >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

/* Random parameters everywhere (batch norm's gamma near 1, beta near 0). */
static void randomize(tfg_net_t *n, uint64_t seed)
{
    tt_rng_t r = {seed};
    TT_CHECK(tfg_net_init_train(n, seed) == 0);
    for (int i = 0; i < n->n; i++) {
        tfg_nn_layer_t *l = &n->layers[i];
        const size_t nw = tfg_nn_weight_count(n, i), nb = tfg_nn_bias_count(n, i);
        const float s = nw ? 1.5f / sqrtf((float)(nw / (size_t)l->c)) : 0.0f;
        for (size_t e = 0; e < nw; e++) l->weights[e] = s * randf(&r);
        for (size_t e = 0; e < nb; e++) l->bias[e] = tfg_nn_has_bn(l) ? 0.0f : 0.3f * randf(&r);
        if (tfg_nn_has_bn(l))
            for (int k = 0; k < l->c; k++) {
                l->bn_params[k] = 1.0f + 0.3f * randf(&r);
                l->bn_params[l->c + k] = 0.3f * randf(&r);
            }
    }
}

static double loss_of(tfg_net_t *n, tfg_nn_tape_t *t, tfg_grad_t *g, const float *x, const uint8_t *y,
                      int batch)
{
    tfg_nn_forward(n, t, NULL, x, batch, true, 42);
    return tfg_nn_loss(n, t, g, y, 0.1f, NULL);
}

/* Analytic gradients vs central differences for up to `per` coordinates of
 * every parameter tensor. */
static void gradcheck(const char *what, tfg_net_t *n, int batch, uint64_t seed)
{
    tt_begin();
    randomize(n, seed);
    const tfg_nn_layer_t *in = &n->layers[0];
    const size_t isz = (size_t)in->h * in->w * in->c;
    const int classes = n->layers[tfg_nn_logits_layer(n)].c;
    float *x = malloc(sizeof(float) * isz * (size_t)batch);
    uint8_t *y = malloc((size_t)batch);
    tt_rng_t r = {seed * 31 + 7};
    for (size_t e = 0; e < isz * (size_t)batch; e++) x[e] = randf(&r);
    for (int b = 0; b < batch; b++) y[b] = (uint8_t)(tt_next(&r) % (uint64_t)classes);
    tfg_nn_tape_t t;
    tfg_grad_t g;
    tfg_params_t ps;
    TT_CHECK(tfg_nn_tape_init(&t, n, batch, 1, true) == 0 && tfg_grad_init(&g, n, batch, 1) == 0);
    TT_CHECK(tfg_params_collect(n, &g, &ps) == 0);
    loss_of(n, &t, &g, x, y, batch);
    tfg_nn_backward(n, &t, &g, NULL);
    /* Keep the analytic gradients: the finite-difference passes reuse g. */
    float **ana = calloc((size_t)ps.n, sizeof(float *));
    for (int i = 0; i < ps.n; i++) {
        ana[i] = malloc(sizeof(float) * ps.p[i].n);
        memcpy(ana[i], ps.p[i].g, sizeof(float) * ps.p[i].n);
    }
    int checked = 0, bad = 0;
    const float h = 1e-3f;
    for (int i = 0; i < ps.n; i++) {
        const tfg_param_t *p = &ps.p[i];
        const size_t per = p->n < 10 ? p->n : 10;
        for (size_t k = 0; k < per; k++) {
            const size_t e = per == p->n ? k : (size_t)(tt_next(&r) % p->n);
            const float keep = p->p[e];
            p->p[e] = keep + h;
            const double lp = loss_of(n, &t, &g, x, y, batch);
            p->p[e] = keep - h;
            const double lm = loss_of(n, &t, &g, x, y, batch);
            p->p[e] = keep;
            const double num = (lp - lm) / (2.0 * (double)h), an = ana[i][e];
            checked++;
            if (fabs(an - num) > 2e-3 + 2e-2 * fabs(num)) {
                bad++;
                TT_LOG("  %s: layer %d (%s) %s[%zu]: analytic %.6g, numeric %.6g\n", what, p->layer,
                       n->layers[p->layer].name, p->what, e, an, num);
            }
        }
    }
    TT_CHECK(bad == 0);
    TT_CHECK(checked > 0);
    printf("  gradients of %-34s %4d coordinates of %2d tensors match finite differences%s\n", what, checked,
           ps.n, bad ? " (NOT)" : "");
    for (int i = 0; i < ps.n; i++) free(ana[i]);
    free(ana);
    tfg_params_free(&ps);
    tfg_grad_free(&g);
    tfg_nn_tape_free(&t);
    free(x);
    free(y);
    tt_end();
}

static void head(tfg_net_t *n, int x, int classes)
{
    x = tfg_net_avgpool(n, x, "pool");
    x = tfg_net_fc(n, x, classes, "fc");
    tfg_net_softmax(n, x);
}

static void test_gradients(void)
{
    tfg_net_t n;
    /* k x k conv with bias (no batch norm), padding overhang, no activation */
    tfg_net_init(&n, "conv");
    int x = tfg_net_input(&n, 5, 6, 2);
    x = tfg_net_conv(&n, x, 3, 3, 1, TFG_ACT_NONE, "conv3x3");
    n.layers[x].bn = false;
    x = tfg_net_conv(&n, x, 4, 3, 2, TFG_ACT_NONE, "conv3x3_s2");
    n.layers[x].bn = false;
    head(&n, x, 3);
    gradcheck("conv k x k (bias, stride 1 and 2)", &n, 3, 1);
    tfg_net_free(&n);

    /* batch norm + ReLU6 after k x k, pointwise and non-square convs */
    tfg_net_init(&n, "bn");
    x = tfg_net_input(&n, 6, 5, 3);
    x = tfg_net_conv(&n, x, 4, 3, 2, TFG_ACT_RELU6, "conv_bn_relu6");
    x = tfg_net_conv(&n, x, 5, 1, 1, TFG_ACT_RELU, "pw_bn_relu");
    x = tfg_net_conv_hw(&n, x, 3, 3, 1, 1, TFG_ACT_NONE, "conv3x1_bn");
    head(&n, x, 4);
    gradcheck("conv + batch norm + ReLU/ReLU6", &n, 4, 2);
    tfg_net_free(&n);

    /* depthwise, strides 1 and 2, 5x5, with batch norm */
    tfg_net_init(&n, "dw");
    x = tfg_net_input(&n, 7, 7, 3);
    x = tfg_net_conv(&n, x, 4, 1, 1, TFG_ACT_RELU6, "expand");
    x = tfg_net_dwconv(&n, x, 3, 1, TFG_ACT_RELU6, "dw3x3");
    x = tfg_net_dwconv(&n, x, 5, 2, TFG_ACT_NONE, "dw5x5_s2");
    head(&n, x, 3);
    gradcheck("depthwise (3x3, 5x5 stride 2) + BN", &n, 3, 3);
    tfg_net_free(&n);

    /* residual ADD and squeeze-and-excite (pool, 1x1 ReLU, 1x1, sigmoid, MUL) */
    tfg_net_init(&n, "se");
    x = tfg_net_input(&n, 4, 4, 4);
    int a = tfg_net_conv(&n, x, 4, 1, 1, TFG_ACT_RELU6, "pw");
    int y = tfg_net_dwconv(&n, a, 3, 1, TFG_ACT_RELU6, "dw");
    int s = tfg_net_avgpool(&n, y, "se_pool");
    s = tfg_net_conv(&n, s, 8, 1, 1, TFG_ACT_RELU, "se_reduce");
    n.layers[s].bn = false;
    s = tfg_net_conv(&n, s, 4, 1, 1, TFG_ACT_NONE, "se_expand");
    n.layers[s].bn = false;
    s = tfg_net_sigmoid(&n, s, "se_gate");
    y = tfg_net_mul(&n, y, s, "se_scale");
    y = tfg_net_conv(&n, y, 4, 1, 1, TFG_ACT_NONE, "project");
    y = tfg_net_add(&n, y, a, TFG_ACT_NONE, "add");
    head(&n, y, 5);
    gradcheck("residual ADD + squeeze-and-excite", &n, 3, 4);
    tfg_net_free(&n);

    /* FC with dropout on its input (the mask is fixed by the seed) */
    tfg_net_init(&n, "fc");
    x = tfg_net_input(&n, 1, 1, 12);
    x = tfg_net_fc(&n, x, 6, "fc1");
    n.layers[x].act = TFG_ACT_RELU;
    x = tfg_net_fc(&n, x, 4, "fc2");
    n.layers[x].dropout = 0.3f;
    tfg_net_softmax(&n, x);
    gradcheck("FC + ReLU + dropout + smoothed loss", &n, 5, 5);
    tfg_net_free(&n);
}

/* The loss's own gradient, independently: -sum q log softmax(z), mean over the batch. */
static void test_loss(void)
{
    tt_begin();
    tfg_net_t n;
    tfg_net_init(&n, "loss");
    int x = tfg_net_input(&n, 1, 1, 5);
    tfg_net_softmax(&n, x);
    tfg_nn_tape_t t;
    tfg_grad_t g;
    TT_CHECK(tfg_nn_tape_init(&t, &n, 2, 1, true) == 0 && tfg_grad_init(&g, &n, 2, 1) == 0);
    const float z[10] = {1.0f, -2.0f, 0.5f, 3.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    const uint8_t y[2] = {3, 1};
    tfg_nn_forward(&n, &t, NULL, z, 2, true, 0);
    int correct = -1;
    const double loss = tfg_nn_loss(&n, &t, &g, y, 0.1f, &correct);
    double want = 0.0;
    for (int b = 0; b < 2; b++) {
        double s = 0.0;
        for (int c = 0; c < 5; c++) s += exp(z[b * 5 + c]);
        for (int c = 0; c < 5; c++) {
            const double q = (c == y[b] ? 0.9 : 0.0) + 0.1 / 5.0, p = exp(z[b * 5 + c]) / s;
            want -= q * log(p) / 2.0;
            TT_CHECK(fabs(g.dout[0][b * 5 + c] - (p - q) / 2.0) < 1e-6);
        }
    }
    TT_CHECK(fabs(loss - want) < 1e-6);
    TT_CHECK(correct == 1); /* image 0's argmax is 3 (right); image 1's all-zero logits pick class 0 */
    printf("  label-smoothed cross-entropy %.6f (independent: %.6f), gradient exact\n", loss, want);
    tfg_grad_free(&g);
    tfg_nn_tape_free(&t);
    tfg_net_free(&n);
    tt_end();
}

int main(void)
{
    tfg_gemm_init();
    printf("training engine (BLAS: %s):\n", tfg_gemm_backend());
    test_loss();
    test_gradients();
    return tt_summary();
}
