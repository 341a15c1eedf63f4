/* Parameters, SGD and the learning-rate schedule (see optim.h). */
#include "train/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int add(tfg_params_t *ps, float *p, float *g, size_t n, bool decay, int layer, const char *what)
{
    if (!p || !g || !n) return 0;
    tfg_param_t *q = realloc(ps->p, sizeof *q * (size_t)(ps->n + 1));
    if (!q) return -1;
    ps->p = q;
    float *v = calloc(n, sizeof(float));
    if (!v) return -1;
    ps->p[ps->n++] = (tfg_param_t){p, g, v, n, decay, layer, what};
    ps->total += n;
    return 0;
}

int tfg_params_collect(tfg_net_t *n, tfg_grad_t *g, tfg_params_t *ps)
{
    memset(ps, 0, sizeof *ps);
    for (int i = 0; i < n->n; i++) {
        tfg_nn_layer_t *l = &n->layers[i];
        const bool bn = tfg_nn_has_bn(l);
        int st = add(ps, l->weights, g->dw[i], tfg_nn_weight_count(n, i), true, i, "weights");
        if (st == 0 && !bn) st = add(ps, l->bias, g->db[i], tfg_nn_bias_count(n, i), false, i, "bias");
        if (st == 0 && bn) st = add(ps, l->bn_params, g->dgamma[i], (size_t)l->c, false, i, "gamma");
        if (st == 0 && bn) st = add(ps, l->bn_params + l->c, g->dbeta[i], (size_t)l->c, false, i, "beta");
        if (st < 0) {
            tfg_params_free(ps);
            return -1;
        }
    }
    return 0;
}

void tfg_params_free(tfg_params_t *ps)
{
    for (int i = 0; i < ps->n; i++) free(ps->p[i].v);
    free(ps->p);
    memset(ps, 0, sizeof *ps);
}

void tfg_sgd_step(tfg_params_t *ps, float lr, float momentum, float wd, bool nesterov)
{
    for (int i = 0; i < ps->n; i++) {
        tfg_param_t *q = &ps->p[i];
        const float decay = q->decay ? wd : 0.0f;
        for (size_t e = 0; e < q->n; e++) {
            const float d = q->g[e] + decay * q->p[e];
            const float v = momentum * q->v[e] + d;
            q->v[e] = v;
            q->p[e] -= lr * (nesterov ? d + momentum * v : v);
        }
    }
}

float tfg_lr_at(float lr, long t, long warmup, long total)
{
    if (t < warmup) return lr * (float)(t + 1) / (float)warmup;
    if (total <= warmup) return lr;
    const double x = (double)(t - warmup) / (double)(total - warmup);
    return (float)(0.5 * (double)lr * (1.0 + cos(3.141592653589793 * x)));
}
