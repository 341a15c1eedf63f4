/* The training loop (see train.h). */
#define _POSIX_C_SOURCE 200809L
#include "train/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/forward.h"
#include "nn/gemm.h"
#include "train/backward.h"
#include "train/optim.h"
#include "train/train_internal.h"

tfg_train_opts_t tfg_train_default_opts(void)
{
    return (tfg_train_opts_t){.epochs = 10,
                              .batch = 64,
                              .lr = 0.05f,
                              .momentum = 0.9f,
                              .weight_decay = 4e-5f,
                              .label_smoothing = 0.1f,
                              .seed = 1,
                              .translate = 2};
}

void tfg_train_pixels(const uint8_t *img, size_t n, float *out)
{
    for (size_t e = 0; e < n; e++) out[e] = (float)img[e] * (1.0f / 255.0f);
}

/* A generator for one purpose, keyed by counters (see train.h). */
static tfg_rng_t keyed(uint64_t seed, uint64_t a, uint64_t b, uint64_t purpose)
{
    tfg_rng_t r = {seed * UINT64_C(0x9E3779B97F4A7C15) ^ (a << 40) ^ (b << 8) ^ purpose};
    tfg_rng_next(&r);
    return r;
}

static void shuffle(tfg_trainer_t *t)
{
    const int32_t n = t->train->n;
    for (int32_t i = 0; i < n; i++) t->order[i] = i;
    tfg_rng_t r = keyed(t->o.seed, (uint64_t)t->epoch, 0, 1);
    for (int32_t i = n - 1; i > 0; i--) {
        const int32_t j = (int32_t)(tfg_rng_next(&r) % (uint64_t)(i + 1));
        const int32_t s = t->order[i];
        t->order[i] = t->order[j], t->order[j] = s;
    }
}

/* Image `pos` of this epoch into out (h x w x c floats), augmented. */
static void augment(const tfg_trainer_t *t, long pos, const uint8_t *img, float *out)
{
    const tfg_dataset_t *ds = t->train;
    const int h = ds->h, w = ds->w, c = ds->c;
    tfg_rng_t r = keyed(t->o.seed, (uint64_t)t->epoch, (uint64_t)pos, 2);
    int dx = 0, dy = 0;
    if (t->o.translate > 0) {
        const int span = 2 * t->o.translate + 1;
        dx = (int)(tfg_rng_next(&r) % (uint64_t)span) - t->o.translate;
        dy = (int)(tfg_rng_next(&r) % (uint64_t)span) - t->o.translate;
    }
    const bool flip = !t->o.no_flip && (tfg_rng_next(&r) & 1);
    /* out(y, x) = in(y + dy, x + dx) (zero outside), mirrored when flipped */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const int sy = y + dy, sx0 = (flip ? w - 1 - x : x) + dx;
            float *o = out + ((size_t)y * w + (size_t)x) * c;
            if (sy < 0 || sy >= h || sx0 < 0 || sx0 >= w) {
                for (int k = 0; k < c; k++) o[k] = 0.0f;
                continue;
            }
            const uint8_t *s = img + ((size_t)sy * w + (size_t)sx0) * c;
            for (int k = 0; k < c; k++) o[k] = (float)s[k] * (1.0f / 255.0f);
        }
    /* Random erasing (Zhong et al. 2017): a rectangle of 2-33% of the image with
     * aspect ratio 0.3-3.3 filled with uniform noise. */
    if (t->o.erase > 0.0f && tfg_rng_uniform(&r) < t->o.erase) {
        for (int attempt = 0; attempt < 10; attempt++) {
            const float area = (0.02f + 0.31f * tfg_rng_uniform(&r)) * (float)(h * w);
            const float ratio = expf(logf(0.3f) + (logf(3.3f) - logf(0.3f)) * tfg_rng_uniform(&r));
            const int eh = (int)lroundf(sqrtf(area * ratio)), ew = (int)lroundf(sqrtf(area / ratio));
            if (eh < 1 || ew < 1 || eh >= h || ew >= w) continue;
            const int y0 = (int)(tfg_rng_next(&r) % (uint64_t)(h - eh + 1));
            const int x0 = (int)(tfg_rng_next(&r) % (uint64_t)(w - ew + 1));
            for (int y = y0; y < y0 + eh; y++)
                for (int x = x0; x < x0 + ew; x++)
                    for (int k = 0; k < c; k++)
                        out[((size_t)y * w + (size_t)x) * c + (size_t)k] = tfg_rng_uniform(&r);
            break;
        }
    }
}

tfg_trainer_t *tfg_trainer_create(tfg_net_t *net, const tfg_dataset_t *train, const tfg_dataset_t *val,
                                  const tfg_train_opts_t *o, int threads, tfg_diag_t *d)
{
    const tfg_nn_layer_t *in = &net->layers[0];
    if (train->h != in->h || train->w != in->w || train->c != in->c) {
        tfg_diag_set(d, TFG_ERR_INVALID, "%s: the dataset's images are %dx%dx%d but the net takes %dx%dx%d",
                     net->name, train->h, train->w, train->c, in->h, in->w, in->c);
        return NULL;
    }
    const int classes = net->layers[tfg_nn_logits_layer(net)].c;
    if (train->classes > classes) {
        tfg_diag_set(d, TFG_ERR_INVALID, "%s: the dataset has %d classes but the net outputs %d", net->name,
                     train->classes, classes);
        return NULL;
    }
    tfg_trainer_t *t = calloc(1, sizeof *t);
    if (!t) goto nomem;
    t->net = net, t->train = train, t->val = val, t->o = *o;
    if (t->o.batch > train->n) t->o.batch = train->n;
    const size_t isz = (size_t)in->h * in->w * in->c;
    t->pool = tfg_pool_create(threads);
    t->x = malloc(sizeof(float) * isz * (size_t)t->o.batch);
    t->y = malloc((size_t)t->o.batch);
    t->order = malloc(sizeof(int32_t) * (size_t)train->n);
    if (!t->pool || !t->x || !t->y || !t->order) goto nomem;
    if (tfg_net_alloc_bn(net) < 0 || tfg_nn_tape_init(&t->tape, net, t->o.batch, threads, true) < 0 ||
        tfg_grad_init(&t->grad, net, t->o.batch, threads) < 0 ||
        tfg_params_collect(net, &t->grad, &t->params) < 0)
        goto nomem;
    return t;
nomem:
    tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory for training at batch %d", net->name, o->batch);
    tfg_trainer_free(t);
    return NULL;
}

void tfg_trainer_free(tfg_trainer_t *t)
{
    if (!t) return;
    tfg_qat_free(t->qat);
    tfg_params_free(&t->params);
    tfg_grad_free(&t->grad);
    tfg_nn_tape_free(&t->tape);
    tfg_pool_destroy(t->pool);
    free(t->x);
    free(t->y);
    free(t->order);
    free(t);
}

int tfg_trainer_next_epoch(const tfg_trainer_t *t)
{
    return t->epoch;
}

void tfg_trainer_set_epoch(tfg_trainer_t *t, int epoch)
{
    t->epoch = epoch;
}

tfg_params_t *tfg_trainer_params(tfg_trainer_t *t)
{
    return &t->params;
}

double tfg_trainer_forward_backward(tfg_trainer_t *t, int batch, long step, int *correct)
{
    if (t->qat)
        tfg_qat_forward(t, batch, step);
    else
        tfg_nn_forward(t->net, &t->tape, t->pool, t->x, batch, true, tfg_trainer_step_seed(t, step));
    const double loss = tfg_nn_loss(t->net, &t->tape, &t->grad, t->y, t->o.label_smoothing, correct);
    tfg_nn_backward(t->net, &t->tape, &t->grad, t->pool);
    return loss;
}

uint64_t tfg_trainer_step_seed(const tfg_trainer_t *t, long step)
{
    return t->o.seed ^ ((uint64_t)step << 20);
}

void tfg_trainer_set_step(tfg_trainer_t *t, tfg_train_step_t fn, void *ctx)
{
    t->step = fn, t->step_ctx = ctx;
}

tfg_trainer_batch_t tfg_trainer_batch(tfg_trainer_t *t)
{
    return (tfg_trainer_batch_t){t->x, t->y, &t->tape, &t->grad, t->pool};
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Batches of an epoch: the last, partial batch is kept unless it holds a
 * single image (batch statistics need two). */
static long steps_per_epoch(const tfg_trainer_t *t)
{
    const long n = t->train->n, b = t->o.batch;
    return n / b + (n % b >= 2 ? 1 : 0);
}

typedef struct {
    tfg_trainer_t *t;
    long first; /* the batch's first position in the epoch's order */
    int batch;
} batch_job_t;

/* A group of the batch's images: read, augmented, labelled. */
static void batch_task(void *ctx, int task, int thread)
{
    (void)thread;
    const batch_job_t *bj = ctx;
    const tfg_trainer_t *t = bj->t;
    const tfg_dataset_t *ds = t->train;
    const size_t isz = (size_t)ds->h * ds->w * ds->c;
    int b0, b1;
    tfg_nn_group(task, bj->batch, &b0, &b1);
    for (int b = b0; b < b1; b++) {
        const int32_t idx = t->order[bj->first + b];
        augment(t, bj->first + b, ds->images + (size_t)idx * isz, t->x + (size_t)b * isz);
        t->y[b] = ds->labels[idx];
    }
}

tfg_train_progress_t tfg_trainer_epoch(tfg_trainer_t *t,
                                       void (*progress)(void *ctx, const tfg_train_progress_t *p), void *ctx)
{
    const tfg_dataset_t *ds = t->train;
    const long steps = steps_per_epoch(t), total = steps * t->o.epochs;
    const long warmup = (long)lround((double)t->o.warmup_epochs * (double)steps);
    tfg_train_progress_t p = {.epoch = t->epoch,
                              .epochs = t->o.epochs,
                              .steps = steps,
                              .total_steps = total,
                              .val_accuracy = -1.0,
                              .val_loss = -1.0};
    shuffle(t);
    const double t0 = now();
    double loss_sum = 0.0;
    long seen = 0, hits = 0;
    for (long s = 0; s < steps; s++) {
        const long first = s * t->o.batch;
        const int batch = (int)(first + t->o.batch <= ds->n ? t->o.batch : ds->n - first);
        batch_job_t bj = {t, first, batch};
        tfg_pool_for(t->pool, tfg_nn_groups(batch), batch_task, &bj);
        const long global = (long)t->epoch * steps + s;
        int correct = 0;
        const double loss = t->step ? t->step(t->step_ctx, t, batch, global, &correct)
                                    : tfg_trainer_forward_backward(t, batch, global, &correct);
        const float lr = tfg_lr_at(t->o.lr, global, warmup, total);
        tfg_sgd_step(&t->params, lr, t->o.momentum, t->o.weight_decay, true);
        if (!t->qat) tfg_nn_update_running(t->net, &t->tape, TFG_NN_BN_MOMENTUM);
        loss_sum += loss * batch;
        seen += batch;
        hits += correct;
        p.step = s + 1, p.global_step = global + 1, p.lr = lr;
        p.loss = loss_sum / (double)seen, p.accuracy = (double)hits / (double)seen;
        p.samples_per_s = (double)seen / (now() - t0 + 1e-9);
        if (progress) progress(ctx, &p);
    }
    if (t->val && t->val->n > 0 && t->qat)
        p.val_accuracy = tfg_qat_val_accuracy(t); /* the int8 engine's: what QAT optimizes */
    else if (t->val && t->val->n > 0)
        p.val_accuracy = tfg_eval_float(t->net, t->val, t->pool, &p.val_loss);
    p.epoch_done = true;
    t->epoch++;
    if (progress) progress(ctx, &p);
    return p;
}

double tfg_eval_float(const tfg_net_t *net, const tfg_dataset_t *ds, tfg_pool_t *pool, double *loss)
{
    return tfg_eval_float_in(net, ds, pool, loss, NULL);
}

double tfg_eval_float_in(const tfg_net_t *net, const tfg_dataset_t *ds, tfg_pool_t *pool, double *loss,
                         tfg_nn_keep_t *keep)
{
    const int cap = 256;
    tfg_nn_tape_t tape;
    const size_t isz = (size_t)ds->h * ds->w * ds->c;
    float *x = malloc(sizeof(float) * isz * cap);
    if (!x || tfg_nn_tape_init_in(&tape, net, cap, tfg_pool_threads(pool), false, keep) < 0) {
        free(x);
        return -1.0;
    }
    long hits = 0;
    double loss_sum = 0.0;
    for (int32_t first = 0; first < ds->n; first += cap) {
        const int batch = first + cap <= ds->n ? cap : ds->n - first;
        tfg_train_pixels(ds->images + (size_t)first * isz, isz * (size_t)batch, x);
        tfg_nn_forward(net, &tape, pool, x, batch, false, 0);
        int correct = 0;
        loss_sum += tfg_nn_loss(net, &tape, NULL, ds->labels + first, 0.0f, &correct) * batch;
        hits += correct;
    }
    if (loss) *loss = loss_sum / (double)ds->n;
    tfg_nn_tape_free(&tape);
    free(x);
    return (double)hits / (double)ds->n;
}
