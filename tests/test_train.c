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
 *    bias (the form the quantizer reads) computes the same outputs.
 *  - Learning: a small net overfits 32 Fashion-MNIST images to 100%.
 *  - Determinism: a float epoch and a QAT epoch give bit-identical weights on
 *    1 and 2 threads, and when run twice.
 *  - What you train is what you run: QAT's forward pass on a batch gives
 *    exactly the output bytes of the exported model run by the executor
 *    (written, read back, fed through the input convention).
 *  - Checkpoints: a round trip restores every value; a damaged, truncated or
 *    foreign checkpoint is refused with a message naming it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "exec/exec.h"
#include "model/model.h"
#include "nn/forward.h"
#include "nn/gemm.h"
#include "tfg_test.h"
#include "tflite/writer.h"
#include "train/backward.h"
#include "train/checkpoint.h"
#include "train/eval.h"
#include "train/export.h"
#include "train/optim.h"
#include "train/train.h"
#include "zoo/zoo.h"

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
    /* maps smaller than the kernel: 4x4 -> 2x2 -> 1x1 */
    x = tfg_net_dwconv(&n, x, 3, 2, TFG_ACT_RELU6, "dw3x3_s2_small");
    n.layers[x].bn = false;
    x = tfg_net_dwconv(&n, x, 3, 2, TFG_ACT_NONE, "dw3x3_s2_tiny");
    n.layers[x].bn = false;
    head(&n, x, 3);
    gradcheck("depthwise (3x3, 5x5 s2, tiny maps) + BN", &n, 3, 3);
    tfg_net_free(&n);

    /* The vector paths: a stem on few input channels and depthwise layers
     * with 27 channels (blocks of 16 and 8, 3 left over), kernel rows 1, 3,
     * 5 and 7 wide (sums in registers) and 9 wide (a tap at a time). */
    tfg_net_init(&n, "vectors");
    x = tfg_net_input(&n, 8, 8, 3);
    x = tfg_net_conv(&n, x, 27, 3, 1, TFG_ACT_NONE, "stem3x3");
    x = tfg_net_dwconv(&n, x, 3, 1, TFG_ACT_RELU6, "dw3x3");
    x = tfg_net_dwconv(&n, x, 7, 1, TFG_ACT_NONE, "dw7x7");
    x = tfg_net_dwconv(&n, x, 5, 2, TFG_ACT_NONE, "dw5x5_s2");
    x = tfg_net_dwconv(&n, x, 1, 1, TFG_ACT_NONE, "dw1x1");
    n.layers[x].bn = false;
    x = tfg_net_dwconv(&n, x, 9, 1, TFG_ACT_NONE, "dw9x9");
    head(&n, x, 3);
    gradcheck("stem and depthwise vector paths (27 channels)", &n, 3, 6);
    tfg_net_free(&n);

    /* a strided stem wider than a vector block, on two channels */
    tfg_net_init(&n, "stem");
    x = tfg_net_input(&n, 7, 7, 2);
    x = tfg_net_conv(&n, x, 24, 5, 2, TFG_ACT_RELU6, "stem5x5_s2");
    head(&n, x, 3);
    gradcheck("stem 5x5 stride 2 (24 channels)", &n, 3, 7);
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
/* The BLAS keeps to one thread once tfg_gemm has run, whoever calls it first
 * (the trainer's threads split the work; a threaded BLAS beside them spins). */
int openblas_get_num_threads(void) __attribute__((weak));
static void test_gemm_single_threaded(void)
{
    tt_begin();
    const float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, -1, 2, 0.5f, 1};
    float c[4] = {9, 9, 9, 9};
    tfg_gemm(false, false, 2, 2, 3, 1.0f, a, 3, b, 2, 0.0f, c, 2);
    /* independent: C = A B by hand */
    TT_CHECK(c[0] == 1 * 1 + 2 * -1 + 3 * 0.5f && c[1] == 1 * 0 + 2 * 2 + 3 * 1);
    TT_CHECK(c[2] == 4 * 1 + 5 * -1 + 6 * 0.5f && c[3] == 4 * 0 + 5 * 2 + 6 * 1);
    if (openblas_get_num_threads) TT_CHECK(openblas_get_num_threads() == 1);
    tt_end();
}

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

/* Small conv net on 28x28x1 (the layer kinds of fm-mbv2-tiny, a fraction of its size). */
static void small_net(tfg_net_t *n)
{
    tfg_net_init(n, "small");
    int x = tfg_net_input(n, 28, 28, 1);
    x = tfg_net_conv(n, x, 8, 3, 2, TFG_ACT_RELU6, "stem");
    int y = tfg_net_conv(n, x, 16, 1, 1, TFG_ACT_RELU6, "expand");
    y = tfg_net_dwconv(n, y, 3, 2, TFG_ACT_RELU6, "dw");
    y = tfg_net_conv(n, y, 8, 1, 1, TFG_ACT_NONE, "project");
    int z = tfg_net_conv(n, y, 16, 1, 1, TFG_ACT_RELU6, "expand2");
    z = tfg_net_dwconv(n, z, 3, 1, TFG_ACT_RELU6, "dw2");
    z = tfg_net_conv(n, z, 8, 1, 1, TFG_ACT_NONE, "project2");
    z = tfg_net_add(n, z, y, TFG_ACT_NONE, "add");
    head(n, z, 10);
}

/* The first n images of a Fashion-MNIST split, as their own dataset. */
static int fmnist_head(const char *split, int n, tfg_dataset_t *ds)
{
    tfg_diag_t d = {{0}};
    if (tfg_fashion_mnist_load(NULL, split, ds, &d) < 0) {
        fprintf(stderr, "  %s\n", d.msg);
        return -1;
    }
    ds->n = n;
    return 0;
}

static bool same_weights(const tfg_net_t *a, const tfg_net_t *b)
{
    for (int i = 0; i < a->n; i++) {
        const size_t nw = tfg_nn_weight_count(a, i), nb = tfg_nn_bias_count(a, i);
        if (nw && memcmp(a->layers[i].weights, b->layers[i].weights, sizeof(float) * nw)) return false;
        if (nb && memcmp(a->layers[i].bias, b->layers[i].bias, sizeof(float) * nb)) return false;
        if (!a->layers[i].bn_params != !b->layers[i].bn_params) return false;
        if (a->layers[i].bn_params && memcmp(a->layers[i].bn_params, b->layers[i].bn_params,
                                             sizeof(float) * 4 * (size_t)a->layers[i].c))
            return false;
    }
    return true;
}

/* tfg_net_init_train is PyTorch's default: every weight (and the FC bias)
 * within +-1/sqrt(fan_in), fan_in counted here from the layer's geometry,
 * and filling that range (He-normal weights would break the bound, a
 * narrower draw would not reach it); conv biases zero, batch norm neutral. */
static void test_init(void)
{
    tt_begin();
    tfg_net_t n;
    small_net(&n);
    TT_CHECK(tfg_net_init_train(&n, 3) == 0);
    int checked = 0;
    for (int i = 0; i < n.n; i++) {
        const tfg_nn_layer_t *l = &n.layers[i], *x = &n.layers[l->in];
        size_t fan_in = 0, nw = 0;
        if (l->kind == TFG_NN_CONV) fan_in = (size_t)l->k_h * l->k_w * x->c, nw = fan_in * l->c;
        if (l->kind == TFG_NN_DWCONV) fan_in = (size_t)l->k_h * l->k_w, nw = fan_in * l->c;
        if (l->kind == TFG_NN_FC) fan_in = (size_t)x->h * x->w * x->c, nw = fan_in * l->c;
        if (!fan_in) continue;
        const float bound = 1.0f / sqrtf((float)fan_in);
        float top = 0.0f;
        for (size_t e = 0; e < nw; e++) {
            TT_CHECK(fabsf(l->weights[e]) <= bound);
            top = fmaxf(top, fabsf(l->weights[e]));
        }
        if (nw >= 64) TT_CHECK(top > 0.9f * bound);
        for (int k = 0; k < l->c; k++) {
            TT_CHECK(l->kind == TFG_NN_FC ? fabsf(l->bias[k]) <= bound && l->bias[k] != 0.0f
                                          : l->bias[k] == 0.0f);
            if (l->bn_params)
                TT_CHECK(l->bn_params[k] == 1.0f && l->bn_params[l->c + k] == 0.0f &&
                         l->bn_params[2 * l->c + k] == 0.0f && l->bn_params[3 * l->c + k] == 1.0f);
        }
        checked++;
    }
    TT_CHECK(checked == 8);
    printf("  training initialisation: %d layers uniform within +-1/sqrt(fan_in), batch norm neutral\n",
           checked);
    tfg_net_free(&n);
    tt_end();
}

static void test_fold(void)
{
    tt_begin();
    tfg_net_t n, f;
    small_net(&n);
    randomize(&n, 9);
    tt_rng_t r = {5};
    for (int i = 0; i < n.n; i++)
        if (n.layers[i].bn_params)
            for (int k = 0; k < n.layers[i].c; k++) {
                n.layers[i].bn_params[2 * n.layers[i].c + k] = 0.2f * randf(&r);        /* running mean */
                n.layers[i].bn_params[3 * n.layers[i].c + k] = 0.5f + 0.4f * randf(&r); /* running var */
            }
    TT_CHECK(tfg_net_copy(&f, &n) == 0);
    tfg_net_fold_bn(&f);
    float x[4 * 784];
    for (int e = 0; e < 4 * 784; e++) x[e] = 0.5f + 0.5f * randf(&r);
    tfg_nn_tape_t a, b;
    TT_CHECK(tfg_nn_tape_init(&a, &n, 4, 1, false) == 0 && tfg_nn_tape_init(&b, &f, 4, 1, false) == 0);
    tfg_nn_forward(&n, &a, NULL, x, 4, false, 0);
    tfg_nn_forward(&f, &b, NULL, x, 4, false, 0);
    const int lg = tfg_nn_logits_layer(&n);
    double worst = 0.0;
    for (int e = 0; e < 40; e++)
        worst = fmax(worst, fabs(a.out[lg][e] - b.out[lg][e]) / (1.0 + fabs(a.out[lg][e])));
    TT_CHECK(worst < 1e-5);
    for (int i = 0; i < f.n; i++) TT_CHECK(!f.layers[i].bn && !f.layers[i].bn_params);
    printf("  batch norm folded into the convs: logits agree to %.1e (relative)\n", worst);
    tfg_nn_tape_free(&a);
    tfg_nn_tape_free(&b);
    tfg_net_free(&f);
    tfg_net_free(&n);
    tt_end();
}

static void test_overfit(void)
{
    tt_begin();
    tfg_dataset_t ds;
    if (fmnist_head("train", 32, &ds) < 0) {
        TT_CHECK(!"Fashion-MNIST (dataset-fashion-mnist) is needed");
        tt_end();
        return;
    }
    tfg_net_t n;
    small_net(&n);
    TT_CHECK(tfg_net_init_train(&n, 3) == 0);
    tfg_train_opts_t o = tfg_train_default_opts();
    o.epochs = 150, o.batch = 32, o.lr = 0.05f, o.translate = 0, o.no_flip = true, o.label_smoothing = 0.0f;
    o.weight_decay = 0.0f;
    tfg_diag_t d = {{0}};
    tfg_trainer_t *t = tfg_trainer_create(&n, &ds, NULL, &o, 2, &d);
    TT_CHECK(t != NULL);
    tfg_train_progress_t p = {0}, first = {0};
    for (int e = 0; t && e < o.epochs; e++) {
        p = tfg_trainer_epoch(t, NULL, NULL);
        if (e == 0) first = p;
    }
    double loss = 0.0;
    const double acc = tfg_eval_float(&n, &ds, NULL, &loss);
    TT_CHECK(acc == 1.0);
    TT_CHECK(loss < 0.5 && first.loss > 2.0); /* from chance (ln 10 = 2.30) to confident */
    printf("  a small net overfits 32 images: loss %.3f -> %.4f, accuracy %.0f%% (evaluation mode)\n",
           first.loss, loss, 100.0 * acc);
    tfg_trainer_free(t);
    tfg_net_free(&n);
    tfg_dataset_free(&ds);
    tt_end();
}

static float qmins[64], qmaxs[64]; /* the QAT ranges train_small ended with (its export's) */

/* One float epoch then one QAT epoch on 192 images; returns the trained
 * (folded) net and, when out is given, the QAT forward's output bytes of
 * 16 test images, and the exported graph. */
static int train_small(int threads, tfg_net_t *folded, const tfg_dataset_t *ds, const float *x16,
                       uint8_t *out, tfg_graph_t *g)
{
    tfg_net_t n;
    small_net(&n);
    tfg_diag_t d = {{0}};
    if (tfg_net_init_train(&n, 11) < 0) return -1;
    n.layers[tfg_nn_logits_layer(&n)].dropout = 0.2f;
    tfg_train_opts_t o = tfg_train_default_opts();
    o.epochs = 1, o.batch = 32, o.erase = 0.5f;
    tfg_pool_t *pool = tfg_pool_create(threads);
    tfg_trainer_t *t = tfg_trainer_create(&n, ds, ds, &o, threads, &d);
    if (!t || !pool) return -1;
    tfg_trainer_epoch(t, NULL, NULL);
    tfg_trainer_free(t);
    TT_CHECK(tfg_net_copy(folded, &n) == 0);
    tfg_net_fold_bn(folded);
    float mins[64], maxs[64];
    float *calib = tfg_train_calibration_images(ds, 100);
    TT_CHECK(calib && tfg_train_ranges(folded, calib, 100, pool, mins, maxs) == 0);
    free(calib);
    o.lr = 0.005f;
    t = tfg_trainer_create(folded, ds, NULL, &o, threads, &d);
    TT_CHECK(t && tfg_trainer_start_qat(t, mins, maxs, NULL, &d) == TFG_OK);
    if (t) tfg_trainer_epoch(t, NULL, NULL);
    TT_CHECK(t && !tfg_trainer_error(t));
    if (t && out) TT_CHECK(tfg_trainer_qat_outputs(t, x16, 16, out, &d) == TFG_OK);
    if (t && g) {
        TT_CHECK(tfg_trainer_qat_graph(t, false, g, &d) == TFG_OK);
        float *mx, *mn = tfg_trainer_qat_ranges(t, &mx);
        memcpy(qmins, mn, sizeof(float) * (size_t)folded->n);
        memcpy(qmaxs, mx, sizeof(float) * (size_t)folded->n);
    }
    tfg_trainer_free(t);
    tfg_pool_destroy(pool);
    tfg_net_free(&n);
    return 0;
}

static void test_determinism_and_qat(void)
{
    tt_begin();
    tfg_dataset_t ds, test;
    if (fmnist_head("train", 192, &ds) < 0 || fmnist_head("test", 16, &test) < 0) {
        TT_CHECK(!"Fashion-MNIST (dataset-fashion-mnist) is needed");
        tt_end();
        return;
    }
    float x16[16 * 784];
    tfg_train_pixels(test.images, 16 * 784, x16);
    tfg_net_t a, b, c;
    uint8_t out[16 * 10];
    tfg_graph_t g;
    TT_CHECK(train_small(2, &a, &ds, x16, out, &g) == 0);
    TT_CHECK(train_small(1, &b, &ds, NULL, NULL, NULL) == 0);
    TT_CHECK(train_small(2, &c, &ds, NULL, NULL, NULL) == 0);
    TT_CHECK(same_weights(&a, &b));
    TT_CHECK(same_weights(&a, &c));
    printf("  float + QAT epochs: bit-identical weights on 1 and 2 threads and when run again\n");
    /* The exported model, written and read back, run by the executor on the
     * same images through the input convention. */
    uint8_t *bytes = NULL;
    size_t len = 0;
    tfg_diag_t d = {{0}};
    tfg_model_t m;
    const tfg_pass_opts_t po = {0};
    TT_CHECK(tfg_tflite_write(&g, &bytes, &len, &d) == TFG_OK);
    TT_CHECK(tfg_model_load_mem(bytes, len, "qat.tflite", &po, &m, &d) == TFG_OK);
    uint8_t *arena = calloc(m.plan.peak + 1, 1), in[784], y[10];
    int same = 0;
    for (int i = 0; i < 16; i++) {
        TT_CHECK(tfg_data_to_input(test.images + i * 784, 784, &m.graph.tensors[m.graph.inputs[0]], in, &d) ==
                 0);
        tfg_model_set_inputs(&m, arena, in);
        tfg_model_invoke(&m, arena);
        tfg_model_get_outputs(&m, arena, y);
        same += !memcmp(y, out + i * 10, 10);
    }
    TT_CHECK(same == 16);
    printf("  QAT's forward pass = the exported model's output bytes on %d of 16 images\n", same);
    /* The float-I/O export: QUANTIZE and DEQUANTIZE at the edges around the
     * same int8 graph, so its outputs are the int8 ones dequantized. */
    tfg_graph_t gf;
    tfg_model_t mf;
    const tfg_tensor_t *to = &m.graph.tensors[m.graph.outputs[0]];
    TT_CHECK(tfg_zoo_quantize_trained(&a, qmins, qmaxs, true, &gf, &d) == TFG_OK &&
             tfg_model_prepare(&mf, &gf, &po, &d) == TFG_OK);
    int fsame = 0;
    for (int i = 0; i < 16 && tt_case_ok; i++) {
        float xf[784], yf[10];
        tfg_train_pixels(test.images + i * 784, 784, xf);
        uint8_t *af = calloc(mf.plan.peak + 1, 1);
        tfg_model_set_inputs(&mf, af, (const uint8_t *)xf);
        tfg_model_invoke(&mf, af);
        tfg_model_get_outputs(&mf, af, (uint8_t *)yf);
        free(af);
        int ok = 1;
        for (int k = 0; k < 10; k++)
            ok &= yf[k] == ((float)(int8_t)out[i * 10 + k] - (float)to->zero_point[0]) * to->scale[0];
        fsame += ok;
    }
    TT_CHECK(fsame == 16);
    printf("  the float-I/O export gives the same outputs, dequantized, on %d of 16 images\n", fsame);
    tfg_model_free(&mf);
    free(arena);
    free(bytes);
    tfg_model_free(&m);
    tfg_graph_free(&g);
    tfg_net_free(&a);
    tfg_net_free(&b);
    tfg_net_free(&c);
    tfg_dataset_free(&ds);
    tfg_dataset_free(&test);
    tt_end();
}

static void test_checkpoint(void)
{
    tt_begin();
    tfg_net_t n, m;
    small_net(&n);
    small_net(&m);
    randomize(&n, 21);
    TT_CHECK(tfg_net_init_train(&m, 22) == 0);
    tfg_grad_t g;
    tfg_params_t pn, pm;
    TT_CHECK(tfg_grad_init(&g, &n, 2, 1) == 0);
    TT_CHECK(tfg_params_collect(&n, &g, &pn) == 0 && tfg_params_collect(&m, &g, &pm) == 0);
    for (int i = 0; i < pn.n; i++)
        for (size_t e = 0; e < pn.p[i].n; e++) pn.p[i].v[e] = (float)e * 0.001f - (float)i;
    tfg_epoch_log_t hist[2] = {{1.5, 0.4, 1.2, 0.5, 0.05, 10, 1000}, {1.0, 0.6, 0.9, 0.65, 0.02, 10, 1000}};
    const char *path = "test_train_checkpoint.tfgc";
    tfg_ckpt_state_t s = {
        .fingerprint = 42, .next_epoch = 2, .hist = hist, .n_hist = 2, .float_test = -1, .ptq_test = -1};
    tfg_diag_t d = {{0}};
    TT_CHECK(tfg_checkpoint_save(path, &n, &pn, &s, &d) == TFG_OK);
    tfg_ckpt_state_t r = {.fingerprint = 42};
    TT_CHECK(tfg_checkpoint_load(path, &m, &pm, &r, &d) == TFG_OK);
    TT_CHECK(same_weights(&n, &m) && r.next_epoch == 2 && r.n_hist == 2 && r.hist &&
             r.hist[1].val_accuracy == 0.65);
    bool moments = true;
    for (int i = 0; i < pn.n; i++) moments &= !memcmp(pn.p[i].v, pm.p[i].v, sizeof(float) * pn.p[i].n);
    TT_CHECK(moments);
    free(r.hist);
    /* Refusals: other options, the other phase, damage, truncation, not a checkpoint. */
    FILE *f = fopen(path, "rb");
    uint8_t *bytes = malloc(1 << 20);
    const size_t len = f ? fread(bytes, 1, 1 << 20, f) : 0;
    if (f) fclose(f);
    struct {
        const char *what;
        size_t len;
        int flip;
        uint64_t fp;
        bool qat;
        const char *needle;
    } bad[] = {{"other options", len, -1, 43, false, "other options"},
               {"QAT phase expected", len, -1, 42, true, "phase"},
               {"a flipped byte", len, 100, 42, false, "CRC"},
               {"truncated", len - 9, -1, 42, false, "CRC"},
               {"not a checkpoint", 40, 0, 42, false, "not a tinyforge checkpoint"}};
    float mins[64], maxs[64];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        uint8_t *c = malloc(len);
        memcpy(c, bytes, len);
        if (bad[k].flip >= 0) c[bad[k].flip] ^= 0x5A;
        tfg_ckpt_state_t q = {.fingerprint = bad[k].fp, .mins = bad[k].qat ? mins : NULL, .maxs = maxs};
        tfg_diag_t e = {{0}};
        const tfg_status_t st = tfg_checkpoint_load_mem(c, bad[k].len, "ckpt", &m, &pm, &q, &e);
        TT_CHECK(st < 0 && strstr(e.msg, bad[k].needle) && strstr(e.msg, "ckpt"));
        if (st >= 0 || !strstr(e.msg, bad[k].needle)) TT_LOG("  %s: '%s'\n", bad[k].what, e.msg);
        free(c);
    }
    /* Weights alone (train --init): any options' checkpoint of the same net;
     * another architecture is refused and leaves the net as it was. */
    tfg_net_t w, other;
    small_net(&w);
    TT_CHECK(tfg_net_init_train(&w, 23) == 0);
    TT_CHECK(tfg_checkpoint_load_weights(path, &w, &d) == TFG_OK && same_weights(&n, &w));
    TT_CHECK(tfg_net_init_train(&w, 24) == 0 && tfg_net_copy(&other, &w) == 0);
    tfg_net_t bigger;
    const char *bpath = "test_train_checkpoint_other.tfgc";
    TT_CHECK(tfg_zoo_net("mbv1-w0.25-r32-g-c3", &bigger, &d) == TFG_OK &&
             tfg_net_init_train(&bigger, 1) == 0);
    const tfg_params_t none = {0};
    const tfg_ckpt_state_t bs = {.fingerprint = 7};
    TT_CHECK(tfg_checkpoint_save(bpath, &bigger, &none, &bs, &d) == TFG_OK);
    tfg_diag_t e = {{0}};
    TT_CHECK(tfg_checkpoint_load_weights(bpath, &w, &e) < 0 && strstr(e.msg, "tensor") &&
             same_weights(&w, &other));
    if (!strstr(e.msg, "tensor")) TT_LOG("  weights of another net: '%s'\n", e.msg);
    remove(bpath);
    tfg_net_free(&bigger);
    tfg_net_free(&other);
    tfg_net_free(&w);
    printf("  checkpoints: round trip exact; other options, other phase, damage, truncation refused; weights "
           "alone load from any run's checkpoint of the same net, another net's refused\n");
    remove(path);
    free(bytes);
    tfg_params_free(&pn);
    tfg_params_free(&pm);
    tfg_grad_free(&g);
    tfg_net_free(&n);
    tfg_net_free(&m);
    tt_end();
}

/* Every family the builder knows trains and quantizes once fitted to a
 * dataset's channels and classes (random images, 3 classes). */
static void test_families(void)
{
    static const char *specs[] = {"mbv2-w0.35-r32-se", "mbv1-w0.25-r32", "resnet8-cifar", "dscnn-kws",
                                  TFG_SOURCE_DIR "/../shared/archs/fm-mbv2-tiny.json"};
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        tt_begin();
        tfg_net_t n;
        tfg_diag_t d = {{0}};
        if (tfg_zoo_net(specs[k], &n, &d) < 0) {
            TT_CHECK(!"builds");
            TT_LOG("  %s: %s\n", specs[k], d.msg);
            tt_end();
            continue;
        }
        const int c = k % 2 ? 1 : 3;
        TT_CHECK(tfg_net_retarget(&n, c, 3) == 0 && tfg_net_init_train(&n, 5) == 0);
        const tfg_nn_layer_t *in = &n.layers[0];
        tfg_dataset_t ds = {8, in->h, in->w, c, NULL, NULL, 3, NULL, 0};
        const size_t isz = (size_t)in->h * in->w * (size_t)c;
        ds.images = malloc(isz * 8), ds.labels = malloc(8);
        tt_rng_t r = {k + 1};
        for (size_t e = 0; e < isz * 8; e++) ds.images[e] = (uint8_t)tt_next(&r);
        for (int b = 0; b < 8; b++) ds.labels[b] = (uint8_t)(b % 3);
        tfg_train_opts_t o = tfg_train_default_opts();
        o.epochs = 1, o.batch = 4;
        tfg_trainer_t *t = tfg_trainer_create(&n, &ds, NULL, &o, 2, &d);
        TT_CHECK(t != NULL);
        const tfg_train_progress_t p = t ? tfg_trainer_epoch(t, NULL, NULL) : (tfg_train_progress_t){0};
        TT_CHECK(p.loss > 0.0 && p.loss < 20.0 && p.steps == 2);
        tfg_graph_t g;
        tfg_model_t m;
        const tfg_pass_opts_t po = {0};
        TT_CHECK(tfg_train_ptq(&n, &ds, 8, false, NULL, &g, &d) == TFG_OK &&
                 tfg_model_prepare(&m, &g, &po, &d) == TFG_OK);
        tfg_eval_t ev;
        if (tt_case_ok) {
            TT_CHECK(tfg_eval_model(&m, NULL, &ds, 8, NULL, NULL, NULL, &ev, &d) == TFG_OK && ev.total == 8);
            tfg_model_free(&m);
            tfg_eval_free(&ev);
        }
        printf("  %-18s fitted to %dx%dx%d, 3 classes: trains (loss %.3f), quantizes, runs on the engine\n",
               k == 4 ? "fm-mbv2-tiny.json" : specs[k], in->h, in->w, c, p.loss);
        tfg_trainer_free(t);
        tfg_dataset_free(&ds);
        tfg_net_free(&n);
        tt_end();
    }
}

int main(void)
{
    printf("training engine (BLAS: %s):\n", tfg_gemm_backend());
    test_gemm_single_threaded();
    test_loss();
    test_gradients();
    test_init();
    test_fold();
    test_families();
    test_checkpoint();
    test_overfit();
    test_determinism_and_qat();
    return tt_summary();
}
