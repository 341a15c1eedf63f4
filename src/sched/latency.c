/* The per-layer Cortex-M4 cost model (see latency.h). */
#include "sched/latency.h"

#include <stdbool.h>
#include <stdlib.h>

#include "sched/sched.h"

const char *const tfg_lat_class_names[TFG_LAT_COUNT] = {
    "conv1x1", "conv1x1_narrow", "conv1x1_res", "conv",     "dw3_s1", "dw3_s2", "dw5_s1",  "dw5_s2",
    "dw7_s1",  "dw7_s2",         "dw_other",    "dw_strip", "fc",     "pool",   "softmax", "other"};

/* (a per MAC, b per output element, c per output pixel, d per layer) per
 * class, and the patch stage's cost per call of a step on a tile: least
 * squares over QEMU's counts of whole layers and patch stages (FIT=1
 * scripts/bench_latency.sh rewrites this block). */
/* BEGIN fitted by scripts/bench_latency.sh */
static const double coef[TFG_LAT_COUNT][4] = {
    [TFG_LAT_CONV1X1] = {1.049, 18.16, 97.48, 2856},
    [TFG_LAT_CONV1X1_NARROW] = {0.9206, 44.19, 353.5, 145.7},
    [TFG_LAT_CONV1X1_RES] = {1.122, 78.8, 105.9, 7474},
    [TFG_LAT_CONV] = {1.934, 17.41, 154.7, 7.129e+04},
    [TFG_LAT_DW3_S1] = {1.747, 15.72, -88.23, 3.917e+04},
    [TFG_LAT_DW3_S2] = {3.754, 33.79, -63.52, -7266},
    [TFG_LAT_DW5_S1] = {2.617, 65.42, -744.4, 9.181e+04},
    [TFG_LAT_DW5_S2] = {4.474, 111.8, -1709, -6.092e+04},
    [TFG_LAT_DW7_S1] = {1.703, 83.43, -721, 8.735e+04},
    [TFG_LAT_DW7_S2] = {1.617, 79.24, 2282, 1.126e+05},
    [TFG_LAT_DW_OTHER] = {0, 0, 0, 0},
    [TFG_LAT_DW_STRIP] = {4.862, 83.82, -2448, 1.199e+05},
    [TFG_LAT_FC] = {1.901, 15.83, 158.3, 158.3},
    [TFG_LAT_POOL] = {0, 149.4, 449.1, 449.1},
    [TFG_LAT_SOFTMAX] = {0, 185.8, 1858, 1858},
    [TFG_LAT_OTHER] = {0, 0, 0, 0},
};
static const double call_coef = 7810;
/* END fitted */

tfg_lat_class_t tfg_latency_class(const tfg_step_t *s, int32_t variant)
{
    if (variant < 0) variant = tfg_step_variant(s);
    switch (s->kernel) {
    case TFG_K_CONV: {
        const tfg_conv_params_t *p = &s->p.conv;
        if (p->k_h != 1 || p->k_w != 1 || p->stride_h != 1 || p->stride_w != 1) return TFG_LAT_CONV;
        if (p->res) return TFG_LAT_CONV1X1_RES;
        return variant == TFG_CONV_NARROW ? TFG_LAT_CONV1X1_NARROW : TFG_LAT_CONV1X1;
    }
    case TFG_K_DWCONV: {
        const tfg_dwconv_params_t *p = &s->p.dw;
        if (variant == TFG_DW_STRIP) return TFG_LAT_DW_STRIP;
        if (p->k_h != p->k_w || p->stride_h != p->stride_w || p->dil_h != 1 || p->dil_w != 1 ||
            p->stride_h > 2 || p->depth_mult != 1)
            return TFG_LAT_DW_OTHER;
        const int s2 = p->stride_h == 2;
        switch (p->k_h) {
        case 3: return s2 ? TFG_LAT_DW3_S2 : TFG_LAT_DW3_S1;
        case 5: return s2 ? TFG_LAT_DW5_S2 : TFG_LAT_DW5_S1;
        case 7: return s2 ? TFG_LAT_DW7_S2 : TFG_LAT_DW7_S1;
        default: return TFG_LAT_DW_OTHER;
        }
    }
    case TFG_K_FC: return TFG_LAT_FC;
    case TFG_K_AVGPOOL:
    case TFG_K_MAXPOOL:
    case TFG_K_MEAN: return TFG_LAT_POOL;
    case TFG_K_SOFTMAX: return TFG_LAT_SOFTMAX;
    default: return TFG_LAT_OTHER;
    }
}

void tfg_latency_step_features(const tfg_model_t *m, const tfg_step_t *s, int64_t out_h, int64_t out_w,
                               double f[4])
{
    const tfg_tensor_t *y = &m->graph.tensors[s->out];
    /* NHWC (a 2-D FC output is [batch, features]: one pixel) */
    const int64_t h = y->rank == 4 ? y->dims[1] : 1, w = y->rank == 4 ? y->dims[2] : 1;
    const int64_t c = y->rank == 4 ? y->dims[3] : y->rank >= 1 ? y->dims[y->rank - 1] : 1;
    const double full = (double)(h * w), part = (double)(out_h * out_w);
    f[0] = (double)s->macs * (full > 0 ? part / full : 1.0); /* MACs follow the output pixels */
    f[1] = part * (double)c;
    f[2] = part;
    f[3] = 1;
}

/* A class the fit saw no layer of (the default space's nets never need
 * STRIP, nor ops beyond conv, depthwise, FC, pooling and softmax) borrows
 * a fitted one's coefficients: a depthwise layer its kernel size's and
 * stride's fast variant's (else 3x3 stride 1's), anything else a hand-set 10
 * instructions per output element. */
static bool fitted(const double *k)
{
    return k[0] != 0 || k[1] != 0 || k[2] != 0 || k[3] != 0;
}

static const double *coefficients(const tfg_step_t *s, int32_t variant)
{
    static const double other[4] = {0, 10, 0, 200};
    const double *k = coef[tfg_latency_class(s, variant)];
    if (fitted(k)) return k;
    if (s->kernel != TFG_K_DWCONV) return other;
    k = coef[tfg_latency_class(s, TFG_DW_ROWS)];
    return fitted(k) ? k : coef[TFG_LAT_DW3_S1];
}

double tfg_latency_step(const tfg_model_t *m, const tfg_step_t *s, int32_t variant, int64_t out_h,
                        int64_t out_w)
{
    double f[4];
    tfg_latency_step_features(m, s, out_h, out_w, f);
    const double *k = coefficients(s, variant);
    return k[0] * f[0] + k[1] * f[1] + k[2] * f[2] + k[3] * f[3];
}

double tfg_latency_layer(const tfg_model_t *m, const tfg_step_t *s, int32_t variant)
{
    const tfg_tensor_t *y = &m->graph.tensors[s->out];
    return tfg_latency_step(m, s, variant, y->rank == 4 ? y->dims[1] : 1, y->rank == 4 ? y->dims[2] : 1);
}

double tfg_latency_stage_step(const tfg_model_t *m, const tfg_step_t *s, int32_t variant, double pixels)
{
    double f[4];
    tfg_latency_step_features(m, s, 1, 1, f); /* per pixel */
    const double *k = coefficients(s, variant);
    return (k[0] * f[0] + k[1] * f[1] + k[2] * f[2]) * pixels + k[3];
}

double tfg_latency_stage_calls(double calls)
{
    return call_coef * calls;
}

/* The stage's features (feat, calls) and its steps' predicted
 * instructions (*steps; any may be NULL), walking every tile. */
static tfg_status_t walk_stage(const tfg_model_t *m, int split, int ph, int pw, const int32_t *variant,
                               double feat[TFG_LAT_COUNT][4], double *calls, double *steps)
{
    double scratch[TFG_LAT_COUNT][4], t = 0;
    if (!feat) feat = scratch;
    for (int c = 0; c < TFG_LAT_COUNT; c++) feat[c][0] = feat[c][1] = feat[c][2] = feat[c][3] = 0;
    if (calls) *calls = 0;
    if (steps) *steps = 0;
    if (split < 0) return TFG_OK;
    const tfg_graph_t *g = &m->graph;
    tfg_sched_lead_t lead; /* layout ops first are folded into the read of the source */
    if (tfg_sched_lead(m, &lead)) return TFG_ERR_ARG;
    const tfg_tensor_t *y = &g->tensors[m->prog.steps[split].out];
    tfg_region_t *need = malloc(sizeof *need * (size_t)g->n_tensors);
    if (!need) return TFG_ERR_NOMEM;
    for (int i = 0; i < ph; i++)
        for (int j = 0; j < pw; j++) {
            tfg_sched_regions(m, split, tfg_sched_tile(y->dims[1], y->dims[2], ph, pw, i, j), need);
            for (int k = lead.n_steps; k <= split; k++) {
                const tfg_step_t *s = &m->prog.steps[k];
                const tfg_region_t r = need[s->out];
                const int32_t v = variant ? variant[k] : -1;
                double f[4];
                tfg_latency_step_features(m, s, r.r1 - r.r0, r.c1 - r.c0, f);
                double *into = feat[tfg_latency_class(s, v)];
                for (int q = 0; q < 4; q++) into[q] += f[q];
                /* the layer's own d once (below), not per tile */
                t += tfg_latency_step(m, s, v, r.r1 - r.r0, r.c1 - r.c0) - coefficients(s, v)[3];
            }
        }
    free(need);
    for (int k = lead.n_steps; k <= split; k++)
        t += coefficients(&m->prog.steps[k], variant ? variant[k] : -1)[3];
    if (calls) *calls = (double)ph * pw * (split + 1 - lead.n_steps);
    if (steps) *steps = t;
    return TFG_OK;
}

tfg_status_t tfg_latency_stage_features(const tfg_model_t *m, int split, int ph, int pw,
                                        const int32_t *variant, double feat[TFG_LAT_COUNT][4])
{
    return walk_stage(m, split, ph, pw, variant, feat, NULL, NULL);
}

double tfg_latency_stage(const tfg_model_t *m, int split, int ph, int pw, const int32_t *variant)
{
    if (split < 0) return 0;
    double calls, steps;
    if (walk_stage(m, split, ph, pw, variant, NULL, &calls, &steps) < 0) return -1;
    return steps + tfg_latency_stage_calls(calls);
}

double tfg_latency_m4(const tfg_model_t *m, int split, int ph, int pw, const int32_t *variant)
{
    double t = tfg_latency_stage(m, split, ph, pw, variant);
    for (int k = split + 1; k < m->prog.n_steps; k++)
        t += tfg_latency_layer(m, &m->prog.steps[k], variant ? variant[k] : -1);
    return t;
}
