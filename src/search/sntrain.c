/* Sandwich-rule supernet training (see sntrain.h). */
#include "search/sntrain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STUDENTS 16

struct tfg_sntrain {
    tfg_supernet_t *sn;
    tfg_trainer_t *t;
    tfg_sntrain_opts_t o;
    tfg_nn_keep_t tape_keep, grad_keep; /* the students' batch buffers, one student after another */
    double student_loss;
    long student_runs;
    tfg_diag_t err;
};

static double step_fn(void *ctx, tfg_trainer_t *t, int batch, long step, int *correct)
{
    (void)t;
    tfg_sntrain_t *st = ctx;
    tfg_subnet_t students[MAX_STUDENTS];
    const int n = tfg_sntrain_students(st, step, students, MAX_STUDENTS);
    return tfg_sntrain_grad(st, students, n, batch, step, correct);
}

tfg_sntrain_t *tfg_sntrain_attach(tfg_supernet_t *sn, tfg_trainer_t *t, const tfg_sntrain_opts_t *o,
                                  tfg_diag_t *d)
{
    const tfg_net_t *net = &sn->net;
    if (net->n < 2 || net->layers[net->n - 1].kind != TFG_NN_SOFTMAX) {
        tfg_diag_set(d, TFG_ERR_INVALID,
                     "supernet training: %s does not end in a softmax (the teacher's targets)", net->name);
        return NULL;
    }
    if (o->n_random < 0 || o->n_random > MAX_STUDENTS - 1) {
        tfg_diag_set(d, TFG_ERR_ARG, "supernet training: %d random subnets per step (0..%d)", o->n_random,
                     MAX_STUDENTS - 1);
        return NULL;
    }
    tfg_sntrain_t *st = calloc(1, sizeof *st);
    if (!st) {
        tfg_diag_set(d, TFG_ERR_NOMEM, "supernet training: out of memory");
        return NULL;
    }
    st->sn = sn, st->t = t, st->o = *o;
    tfg_trainer_set_step(t, step_fn, st);
    return st;
}

void tfg_sntrain_free(tfg_sntrain_t *st)
{
    if (!st) return;
    tfg_trainer_set_step(st->t, NULL, NULL);
    tfg_nn_keep_free(&st->tape_keep);
    tfg_nn_keep_free(&st->grad_keep);
    free(st);
}

int tfg_sntrain_students(const tfg_sntrain_t *st, long step, tfg_subnet_t *out, int cap)
{
    const tfg_supernet_t *sn = st->sn;
    int n = 0;
    if (n < cap) tfg_subnet_extreme(&sn->space, sn->width, sn->res, 0, &out[n++]);
    tfg_rng_t r = {st->o.seed * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)step * UINT64_C(0xD1B54A32D192ED03) ^
                   UINT64_C(0x5A4D)};
    tfg_rng_next(&r);
    for (int k = 0; k < st->o.n_random && n < cap; k++)
        tfg_subnet_sample(&sn->space, sn->width, sn->res, &r, &out[n++]);
    return n;
}

/* One student: its slice of the weights as a standalone net, its forward
 * pass on the batch, its distillation loss against the teacher's softmax
 * (`targets`), its backward pass, its gradients added into the supernet's. */
static int student(tfg_sntrain_t *st, const tfg_subnet_t *sub, const tfg_trainer_batch_t *tb,
                   const float *targets, int batch, uint64_t seed, double *loss)
{
    tfg_net_t net = {0};
    tfg_nn_tape_t tape = {0};
    tfg_grad_t g = {0};
    tfg_diag_t d = {{0}};
    int rc = -1;
    const int threads = tfg_pool_threads(tb->pool);
    if (tfg_supernet_extract(st->sn, sub, &net, &d) < 0) goto done;
    if (tfg_nn_tape_init_in(&tape, &net, batch, threads, true, &st->tape_keep) < 0 ||
        tfg_grad_init_in(&g, &net, batch, threads, &st->grad_keep) < 0) {
        tfg_diag_set(&d, TFG_ERR_NOMEM, "supernet training: out of memory for a subnet at batch %d", batch);
        goto done;
    }
    tfg_nn_forward(&net, &tape, tb->pool, tb->x, batch, true, seed);
    *loss = tfg_nn_loss_soft(&net, &tape, &g, targets, tb->y, NULL);
    tfg_nn_backward(&net, &tape, &g, tb->pool);
    const tfg_layer_arrays_t from = {g.dw, g.db, g.dgamma, g.dbeta};
    const tfg_layer_arrays_t to = {tb->grad->dw, tb->grad->db, tb->grad->dgamma, tb->grad->dbeta};
    if (tfg_supernet_add(st->sn, sub, &net, &from, &to) < 0) {
        tfg_diag_set(&d, TFG_ERR_INVALID, "supernet training: a subnet is no slice of the supernet");
        goto done;
    }
    rc = 0;
done:
    if (rc < 0 && !st->err.msg[0]) st->err = d;
    tfg_grad_free(&g);
    tfg_nn_tape_free(&tape);
    tfg_net_free(&net);
    return rc;
}

double tfg_sntrain_grad(tfg_sntrain_t *st, const tfg_subnet_t *students, int n, int batch, long step,
                        int *correct)
{
    const double loss = tfg_trainer_forward_backward(st->t, batch, step, correct);
    const tfg_trainer_batch_t tb = tfg_trainer_batch(st->t);
    const tfg_net_t *sup = &st->sn->net;
    const float *targets = tb.tape->out[sup->n - 1]; /* the teacher's softmax, not trained through */
    const uint64_t seed = tfg_trainer_step_seed(st->t, step);
    for (int k = 0; k < n; k++) {
        double l = 0.0;
        if (student(st, &students[k], &tb, targets, batch, seed, &l) == 0)
            st->student_loss += l, st->student_runs++;
    }
    return loss;
}

double tfg_sntrain_student_loss(tfg_sntrain_t *st)
{
    const double m = st->student_runs ? st->student_loss / (double)st->student_runs : 0.0;
    st->student_loss = 0.0, st->student_runs = 0;
    return m;
}

const char *tfg_sntrain_error(const tfg_sntrain_t *st)
{
    return st->err.msg[0] ? st->err.msg : NULL;
}
