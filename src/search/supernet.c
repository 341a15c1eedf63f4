/* The weight-sharing supernet (see supernet.h). */
#include "search/supernet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tfg_status_t tfg_supernet_init(tfg_supernet_t *sn, const tfg_space_t *s, int w, int r, tfg_diag_t *d)
{
    memset(sn, 0, sizeof *sn);
    for (int i = 0; i < s->n_stages; i++)
        if (s->stages[i].n_expands > 1 && s->stages[i].expands[0] == 1)
            return tfg_diag_set(
                d, TFG_ERR_INVALID,
                "supernet: stage %d offers expansion 1 beside larger ones; a block without an "
                "expand conv is no slice of one with it",
                i);
    if (w < 0 || w >= s->n_width || r < 0 || r >= s->n_res)
        return tfg_diag_set(d, TFG_ERR_ARG, "supernet: width %d or resolution %d out of the space", w, r);
    sn->space = *s, sn->width = w, sn->res = r;
    tfg_subnet_extreme(s, w, r, 1, &sn->largest);
    tfg_status_t st = tfg_subnet_net(s, &sn->largest, &sn->net, d);
    if (st >= 0 && tfg_net_alloc_bn(&sn->net) < 0)
        st = tfg_diag_set(d, TFG_ERR_NOMEM, "supernet: out of memory");
    if (st < 0) tfg_net_free(&sn->net);
    return st;
}

void tfg_supernet_free(tfg_supernet_t *sn)
{
    tfg_net_free(&sn->net);
    memset(sn, 0, sizeof *sn);
}

/* The supernet layer that subnet layer `name` slices: blocks are named
 * b<index>_<role> by the builder, and block k of stage i is block k of the
 * same stage in the supernet; other layers keep their names. -1: none. */
static int super_layer(const tfg_supernet_t *sn, const tfg_subnet_t *n, const char *name)
{
    int b = -1;
    char role[40];
    if (sscanf(name, "b%d_%39s", &b, role) == 2) {
        const tfg_space_t *s = &sn->space;
        int sub = s->first_channels ? 1 : 0, super = sub;
        if (b >= sub) { /* find the stage and the block within it */
            int i = 0, k = b - sub;
            while (i < s->n_stages && k >= n->depth[i]) k -= n->depth[i], super += sn->largest.depth[i], i++;
            if (i == s->n_stages) return -1;
            b = super + k;
        }
        char want[48];
        if (!strncmp(role, "dw", 2)) { /* named by its kernel size, which the supernet's need not share */
            snprintf(want, sizeof want, "b%d_dw", b);
            for (int j = 0; j < sn->net.n; j++)
                if (!strncmp(sn->net.layers[j].name, want, strlen(want))) return j;
            return -1;
        }
        snprintf(want, sizeof want, "b%d_%s", b, role);
        for (int j = 0; j < sn->net.n; j++)
            if (!strcmp(sn->net.layers[j].name, want)) return j;
        return -1;
    }
    for (int j = 0; j < sn->net.n; j++)
        if (!strcmp(sn->net.layers[j].name, name)) return j;
    return -1;
}

typedef enum { GET, ADD } mode_t;

static void move(float *super, float *sub, mode_t m)
{
    if (m == GET)
        *sub = *super;
    else
        *super += *sub;
}

/* Weights of subnet layer l (input channels sin) against supernet layer L
 * (input channels Sin): OHWI convs, [k][k][C] depthwise, [out][in] FC,
 * leading channels and the kernel's centre. */
static void slice_weights(const tfg_nn_layer_t *L, int Sin, const tfg_nn_layer_t *l, int sin, float *super,
                          float *sub, mode_t m)
{
    const int off = (L->k_h - l->k_h) / 2, offw = (L->k_w - l->k_w) / 2;
    switch (l->kind) {
    case TFG_NN_DWCONV:
        for (int y = 0; y < l->k_h; y++)
            for (int x = 0; x < l->k_w; x++)
                for (int c = 0; c < l->c; c++)
                    move(&super[((size_t)(y + off) * L->k_w + (size_t)(x + offw)) * L->c + c],
                         &sub[((size_t)y * l->k_w + x) * l->c + c], m);
        break;
    case TFG_NN_CONV:
        for (int o = 0; o < l->c; o++)
            for (int y = 0; y < l->k_h; y++)
                for (int x = 0; x < l->k_w; x++)
                    for (int i = 0; i < sin; i++)
                        move(&super[(((size_t)o * L->k_h + (size_t)(y + off)) * L->k_w + (size_t)(x + offw)) *
                                        Sin +
                                    i],
                             &sub[(((size_t)o * l->k_h + y) * l->k_w + x) * sin + i], m);
        break;
    case TFG_NN_FC:
        for (int o = 0; o < l->c; o++)
            for (int i = 0; i < sin; i++) move(&super[(size_t)o * Sin + i], &sub[(size_t)o * sin + i], m);
        break;
    default: break;
    }
}

static void slice_layer(const tfg_supernet_t *sn, const tfg_net_t *sub, int i, int j,
                        const tfg_layer_arrays_t *sup_a, const tfg_layer_arrays_t *sub_a, mode_t m);

/* -1 (and the layer's name in *bad) when a subnet layer has no supernet
 * layer that contains it: a subnet of another space or width. */
static int slice_all(const tfg_supernet_t *sn, const tfg_subnet_t *n, const tfg_net_t *sub,
                     const tfg_layer_arrays_t *sup_a, const tfg_layer_arrays_t *sub_a, mode_t m,
                     const char **bad)
{
    for (int pass = 0; pass < 2; pass++) /* check every layer before touching any */
        for (int i = 0; i < sub->n; i++) {
            const tfg_nn_layer_t *l = &sub->layers[i];
            if (!tfg_nn_weight_count(sub, i) && !l->bn_params) continue;
            const int j = super_layer(sn, n, l->name);
            const tfg_nn_layer_t *L = j >= 0 ? &sn->net.layers[j] : NULL;
            const int fits = L && L->kind == l->kind && L->c >= l->c && L->k_h >= l->k_h &&
                             L->k_w >= l->k_w &&
                             (l->in < 0 || sn->net.layers[L->in].c >= sub->layers[l->in].c) &&
                             tfg_nn_weight_count(&sn->net, j) >= tfg_nn_weight_count(sub, i);
            if (!fits) {
                *bad = l->name;
                return -1;
            }
            if (pass == 1) slice_layer(sn, sub, i, j, sup_a, sub_a, m);
        }
    return 0;
}

/* One layer pair: weights, then biases and batch norm's gamma and beta by leading channels. */
static void slice_layer(const tfg_supernet_t *sn, const tfg_net_t *sub, int i, int j,
                        const tfg_layer_arrays_t *sup_a, const tfg_layer_arrays_t *sub_a, mode_t m)
{
    const tfg_nn_layer_t *l = &sub->layers[i];
    const tfg_nn_layer_t *L = &sn->net.layers[j];
    const int sin = l->in >= 0 ? sub->layers[l->in].c : 0, Sin = L->in >= 0 ? sn->net.layers[L->in].c : 0;
    const int fc_in = l->kind == TFG_NN_FC && l->in >= 0
                          ? sub->layers[l->in].h * sub->layers[l->in].w * sub->layers[l->in].c
                          : sin;
    const int FC_in = L->kind == TFG_NN_FC && L->in >= 0
                          ? sn->net.layers[L->in].h * sn->net.layers[L->in].w * sn->net.layers[L->in].c
                          : Sin;
    if (sup_a->w && sup_a->w[j] && sub_a->w[i])
        slice_weights(L, FC_in, l, fc_in, sup_a->w[j], sub_a->w[i], m);
    float *const pairs[3][2] = {{sup_a->b ? sup_a->b[j] : NULL, sub_a->b ? sub_a->b[i] : NULL},
                                {sup_a->g ? sup_a->g[j] : NULL, sub_a->g ? sub_a->g[i] : NULL},
                                {sup_a->bt ? sup_a->bt[j] : NULL, sub_a->bt ? sub_a->bt[i] : NULL}};
    for (int p = 0; p < 3; p++)
        if (pairs[p][0] && pairs[p][1])
            for (int c = 0; c < l->c; c++) move(&pairs[p][0][c], &pairs[p][1][c], m);
}

/* A net's own arrays: weights, biases, gamma, beta (bn_params' first two rows). */
static int own_arrays(const tfg_net_t *net, tfg_layer_arrays_t *a)
{
    const size_t n = (size_t)net->n;
    a->w = calloc(n, sizeof(float *)), a->b = calloc(n, sizeof(float *));
    a->g = calloc(n, sizeof(float *)), a->bt = calloc(n, sizeof(float *));
    if (!a->w || !a->b || !a->g || !a->bt) return -1;
    for (int i = 0; i < net->n; i++) {
        const tfg_nn_layer_t *l = &net->layers[i];
        a->w[i] = l->weights, a->b[i] = l->bias;
        if (l->bn_params) a->g[i] = l->bn_params, a->bt[i] = l->bn_params + l->c;
    }
    return 0;
}

static void free_arrays(tfg_layer_arrays_t *a)
{
    free(a->w), free(a->b), free(a->g), free(a->bt);
}

tfg_status_t tfg_supernet_extract(const tfg_supernet_t *sn, const tfg_subnet_t *n, tfg_net_t *out,
                                  tfg_diag_t *d)
{
    if (n->width != sn->width || n->res != sn->res)
        return tfg_diag_set(d, TFG_ERR_ARG, "supernet: the subnet is of another width or resolution");
    tfg_status_t st = tfg_subnet_net(&sn->space, n, out, d);
    if (st < 0) return st;
    if (tfg_net_alloc_bn(out) < 0) {
        tfg_net_free(out);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "supernet: out of memory");
    }
    tfg_layer_arrays_t sup = {0}, sub = {0};
    if (own_arrays(&sn->net, &sup) < 0 || own_arrays(out, &sub) < 0) {
        free_arrays(&sup), free_arrays(&sub);
        tfg_net_free(out);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "supernet: out of memory");
    }
    const char *bad = NULL;
    const int ok = slice_all(sn, n, out, &sup, &sub, GET, &bad);
    free_arrays(&sup), free_arrays(&sub);
    if (ok < 0) {
        tfg_net_free(out);
        return tfg_diag_set(d, TFG_ERR_INVALID, "supernet: subnet layer '%s' is no slice of the supernet",
                            bad);
    }
    return TFG_OK;
}

int tfg_supernet_add(const tfg_supernet_t *sn, const tfg_subnet_t *n, const tfg_net_t *sub,
                     const tfg_layer_arrays_t *from, const tfg_layer_arrays_t *to)
{
    const char *bad = NULL;
    return slice_all(sn, n, sub, to, from, ADD, &bad);
}

typedef struct {
    float importance;
    int index;
} rank_t;

static int by_importance(const void *a, const void *b)
{
    const rank_t *x = a, *y = b;
    if (x->importance != y->importance) return x->importance < y->importance ? 1 : -1;
    return (x->index > y->index) - (x->index < y->index); /* ties keep their order: deterministic */
}

/* Reorder the m channels of each of `rows` rows (`stride` floats apart) by perm. */
static void permute(float *a, size_t rows, size_t stride, size_t m, const rank_t *perm, float *tmp)
{
    for (size_t r = 0; r < rows; r++) {
        float *p = a + r * stride;
        for (size_t k = 0; k < m; k++) tmp[k] = p[perm[k].index];
        memcpy(p, tmp, sizeof(float) * m);
    }
}

/* Rows (output channels of an OHWI conv): m rows of len floats. */
static void permute_rows(float *a, size_t m, size_t len, const rank_t *perm, float *tmp)
{
    memcpy(tmp, a, sizeof(float) * m * len);
    for (size_t k = 0; k < m; k++)
        memcpy(a + k * len, tmp + (size_t)perm[k].index * len, sizeof(float) * len);
}

tfg_status_t tfg_supernet_sort_channels(tfg_supernet_t *sn, tfg_diag_t *d)
{
    tfg_net_t *net = &sn->net;
    size_t most = 0;
    for (int i = 0; i < net->n; i++) {
        const size_t w = tfg_nn_weight_count(net, i);
        if (w > most) most = w;
    }
    rank_t *rank = malloc(sizeof *rank * (most + 1));
    float *tmp = malloc(sizeof(float) * (most + 1));
    if (!rank || !tmp) {
        free(rank), free(tmp);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "supernet: out of memory");
    }
    for (int p = 0; p < net->n; p++) {
        const tfg_nn_layer_t *pl = &net->layers[p];
        if (strstr(pl->name, "_project") == NULL || pl->kind != TFG_NN_CONV) continue;
        const int dw = pl->in, ex = net->layers[dw].in;
        tfg_nn_layer_t *dl = &net->layers[dw], *el = &net->layers[ex];
        if (dl->kind != TFG_NN_DWCONV || el->kind != TFG_NN_CONV || !strstr(el->name, "_expand")) continue;
        const size_t m = (size_t)dl->c, out = (size_t)pl->c, in = (size_t)net->layers[el->in].c;
        /* OFA's importance: the L1 norm of the project conv's weights on the channel */
        for (size_t k = 0; k < m; k++) {
            float s = 0.0f;
            for (size_t o = 0; o < out; o++) s += fabsf(pl->weights[o * m + k]);
            rank[k] = (rank_t){s, (int)k};
        }
        qsort(rank, m, sizeof *rank, by_importance);
        permute(pl->weights, out, m, m, rank, tmp);                       /* project: columns */
        permute(dl->weights, (size_t)dl->k_h * dl->k_w, m, m, rank, tmp); /* depthwise: [k][k][m] */
        permute_rows(el->weights, m, in, rank, tmp);                      /* expand: rows */
        tfg_nn_layer_t *const per_channel[2] = {el, dl};
        for (int q = 0; q < 2; q++) {
            tfg_nn_layer_t *l = per_channel[q];
            if (l->bias) permute(l->bias, 1, m, m, rank, tmp);
            if (l->bn_params) permute(l->bn_params, 4, m, m, rank, tmp); /* gamma, beta, mean, var */
        }
    }
    free(rank), free(tmp);
    return TFG_OK;
}
