/* Evolution and random search over a trained supernet (see evolve.h). */
#include "search/evolve.h"

#include <stdlib.h>
#include <string.h>

#include "nn/forward.h"
#include "train/train.h"

#define CALIB_BATCH 250 /* images per recalibration batch */
#define MAX_DRAWS 2000  /* draws per new candidate before giving up on it */

/* ---- fitness ---- */

struct tfg_fitness {
    const tfg_supernet_t *sn;
    const tfg_dataset_t *val;
    tfg_pool_t *pool;
    float *calib; /* calib_images images as the net's input sees them */
    int n_calib;
    tfg_nn_keep_t keep; /* the candidates' batch buffers, one candidate after another */
};

tfg_fitness_t *tfg_fitness_create(const tfg_supernet_t *sn, const tfg_dataset_t *train,
                                  const tfg_dataset_t *val, int calib_images, uint64_t seed, tfg_pool_t *pool,
                                  tfg_diag_t *d)
{
    const tfg_nn_layer_t *in = &sn->net.layers[0];
    const tfg_dataset_t *sets[2] = {train, val};
    for (int k = 0; k < 2; k++)
        if (sets[k]->h != in->h || sets[k]->w != in->w || sets[k]->c != in->c || sets[k]->n < 1) {
            tfg_diag_set(d, TFG_ERR_INVALID,
                         "fitness: the %s images are %dx%dx%d (%d of them); the supernet takes %dx%dx%d",
                         k ? "validation" : "training", sets[k]->h, sets[k]->w, sets[k]->c, sets[k]->n, in->h,
                         in->w, in->c);
            return NULL;
        }
    if (calib_images < 2) {
        tfg_diag_set(d, TFG_ERR_ARG, "fitness: batch-norm recalibration needs at least 2 images, not %d",
                     calib_images);
        return NULL;
    }
    tfg_fitness_t *f = calloc(1, sizeof *f);
    const int n = calib_images < train->n ? calib_images : train->n;
    const size_t isz = (size_t)in->h * in->w * in->c;
    int32_t *idx = malloc(sizeof(int32_t) * (size_t)train->n);
    if (f) f->calib = malloc(sizeof(float) * isz * (size_t)n);
    if (!f || !idx || !f->calib) {
        free(idx);
        tfg_fitness_free(f);
        tfg_diag_set(d, TFG_ERR_NOMEM, "fitness: out of memory");
        return NULL;
    }
    f->sn = sn, f->val = val, f->pool = pool, f->n_calib = n;
    /* the first n of a seeded shuffle: a fixed sample of every class */
    for (int32_t i = 0; i < train->n; i++) idx[i] = i;
    tfg_rng_t r = {seed ^ UINT64_C(0xCA11B8A7E)};
    for (int i = 0; i < n; i++) {
        const int32_t j = i + (int32_t)(tfg_rng_next(&r) % (uint64_t)(train->n - i));
        const int32_t t = idx[i];
        idx[i] = idx[j], idx[j] = t;
        tfg_train_pixels(train->images + (size_t)idx[i] * isz, isz, f->calib + (size_t)i * isz);
    }
    free(idx);
    return f;
}

void tfg_fitness_free(tfg_fitness_t *f)
{
    if (!f) return;
    free(f->calib);
    tfg_nn_keep_free(&f->keep);
    free(f);
}

tfg_status_t tfg_fitness_net(tfg_fitness_t *f, const tfg_subnet_t *n, tfg_net_t *net, tfg_diag_t *d)
{
    tfg_status_t st = tfg_supernet_extract(f->sn, n, net, d);
    if (st < 0) return st;
    const int cap = f->n_calib < CALIB_BATCH ? f->n_calib : CALIB_BATCH;
    tfg_nn_tape_t t;
    if (tfg_nn_tape_init_in(&t, net, cap, tfg_pool_threads(f->pool), true, &f->keep) < 0) {
        tfg_net_free(net);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "fitness: out of memory for batch-norm recalibration");
    }
    const size_t isz = (size_t)net->layers[0].h * net->layers[0].w * net->layers[0].c;
    /* running statistics = the mean of the batches' (momentum 1 / (k + 1));
     * a last batch of one image is left out (its variance is undefined) */
    int k = 0;
    for (int first = 0; first + 1 < f->n_calib; first += cap, k++) {
        const int batch = first + cap <= f->n_calib ? cap : f->n_calib - first;
        tfg_nn_forward(net, &t, f->pool, f->calib + (size_t)first * isz, batch, true, 0);
        tfg_nn_update_running(net, &t, 1.0f / (float)(k + 1));
    }
    tfg_nn_tape_free(&t);
    return TFG_OK;
}

tfg_status_t tfg_fitness_eval(tfg_fitness_t *f, const tfg_subnet_t *n, double *accuracy, tfg_diag_t *d)
{
    tfg_net_t net;
    tfg_status_t st = tfg_fitness_net(f, n, &net, d);
    if (st < 0) return st;
    *accuracy = tfg_eval_float_in(&net, f->val, f->pool, NULL, &f->keep);
    tfg_net_free(&net);
    if (*accuracy < 0.0) return tfg_diag_set(d, TFG_ERR_NOMEM, "fitness: out of memory evaluating a subnet");
    return TFG_OK;
}

/* ---- the search ---- */

tfg_evolve_opts_t tfg_evolve_default_opts(void)
{
    return (tfg_evolve_opts_t){.population = 100,
                               .parents = 20,
                               .mutations = 50,
                               .crossovers = 50,
                               .mutate_prob = 0.1,
                               .generations = 30,
                               .seed = 1};
}

void tfg_subnet_canonical(const tfg_space_t *s, tfg_subnet_t *n)
{
    for (int i = 0; i < TFG_SPACE_MAX_STAGES; i++)
        for (int b = i < s->n_stages ? n->depth[i] : 0; b < TFG_SPACE_MAX_DEPTH; b++)
            n->kernel[i][b] = n->expand[i][b] = 0;
    for (int i = s->n_stages; i < TFG_SPACE_MAX_STAGES; i++) n->depth[i] = 0;
}

const double tfg_limit_edges[TFG_LIMIT_BANDS] = {0.5, 0.7, 0.8, 0.9, 0.95, 1.0};

static int band(double used, double budget)
{
    int i = 0;
    while (i < TFG_LIMIT_BANDS - 1 && used >= tfg_limit_edges[i] * budget) i++;
    return i;
}

void tfg_evolve_limits(const tfg_evolve_t *e, const tfg_spaceopt_opts_t *budget,
                       double flash[TFG_LIMIT_BANDS], double arena[TFG_LIMIT_BANDS])
{
    for (int i = 0; i < TFG_LIMIT_BANDS; i++) flash[i] = arena[i] = -1.0;
    for (int k = 0; k < e->n_evaluated; k++) {
        const tfg_candidate_t *c = &e->evaluated[k];
        double *f = &flash[band((double)c->flash, (double)budget->flash)];
        double *a = &arena[band((double)c->arena, (double)budget->sram)];
        if (c->accuracy > *f) *f = c->accuracy;
        if (c->accuracy > *a) *a = c->accuracy;
    }
}

void tfg_evolve_free(tfg_evolve_t *e)
{
    free(e->evaluated);
    free(e->population);
    free(e->best);
    free(e->mean);
    memset(e, 0, sizeof *e);
}

typedef struct {
    tfg_fitness_t *f;
    const tfg_supernet_t *sn;
    const tfg_evolve_opts_t *o;
    tfg_evolve_t *e;
    tfg_rng_t rng;
    tfg_diag_t *d;
    int *parents; /* this generation's (indices into evaluated) */
    int n_parents;
} search_t;

static int find(const tfg_evolve_t *e, const tfg_subnet_t *c)
{
    for (int i = 0; i < e->n_evaluated; i++)
        if (!memcmp(&e->evaluated[i].net, c, sizeof *c)) return i;
    return -1;
}

static int pick(tfg_rng_t *r, int n)
{
    return (int)(tfg_rng_next(r) % (uint64_t)n);
}

/* Price and, when it fits and is new, evaluate n. 1: added; 0: does not fit
 * or is known; <0: an error. */
static int try_add(search_t *s, const tfg_subnet_t *n, int generation)
{
    tfg_subnet_t c = *n;
    tfg_subnet_canonical(&s->sn->space, &c);
    if (find(s->e, &c) >= 0) return 0;
    tfg_cost_t cost;
    unsigned over;
    tfg_status_t st = tfg_subnet_price(&s->sn->space, &c, &s->o->budget, &cost, &over, s->d);
    if (st < 0) return st;
    if (over) {
        s->e->rejected++;
        return 0;
    }
    tfg_evolve_t *e = s->e;
    if (e->n_evaluated == e->cap) {
        const int cap = e->cap ? 2 * e->cap : 256;
        tfg_candidate_t *p = realloc(e->evaluated, sizeof *p * (size_t)cap);
        if (!p) return tfg_diag_set(s->d, TFG_ERR_NOMEM, "search: out of memory");
        e->evaluated = p, e->cap = cap;
    }
    double acc;
    st = tfg_fitness_eval(s->f, &c, &acc, s->d);
    if (st < 0) return st;
    e->evaluated[e->n_evaluated++] = (tfg_candidate_t){.net = c,
                                                       .accuracy = acc,
                                                       .macs = cost.macs,
                                                       .macs_layer = cost.macs_layer,
                                                       .arena = cost.arena,
                                                       .flash = tfg_priced_flash(&cost, &s->o->budget),
                                                       .split = cost.split,
                                                       .ph = cost.ph,
                                                       .pw = cost.pw,
                                                       .generation = generation,
                                                       .insns = cost.m4_instructions};
    return 1;
}

/* Draw with `make` until a new fitting subnet is added (MAX_DRAWS tries). */
typedef void (*maker_t)(search_t *s, tfg_subnet_t *out);

static int add_one(search_t *s, maker_t make, int generation)
{
    for (int t = 0; t < MAX_DRAWS; t++) {
        tfg_subnet_t n;
        make(s, &n);
        const int r = try_add(s, &n, generation);
        if (r != 0) return r;
    }
    return 0;
}

static void make_random(search_t *s, tfg_subnet_t *out)
{
    tfg_subnet_sample(&s->sn->space, s->sn->width, s->sn->res, &s->rng, out);
}

typedef struct {
    double accuracy;
    int index;
} ranked_t;

static int by_accuracy(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->accuracy != y->accuracy) return x->accuracy < y->accuracy ? 1 : -1;
    return (x->index > y->index) - (x->index < y->index); /* ties: the older first */
}

/* The population, best first. */
static int sort_population(tfg_evolve_t *e)
{
    ranked_t *r = malloc(sizeof *r * (size_t)(e->n_population ? e->n_population : 1));
    if (!r) return -1;
    for (int i = 0; i < e->n_population; i++)
        r[i] = (ranked_t){e->evaluated[e->population[i]].accuracy, e->population[i]};
    qsort(r, (size_t)e->n_population, sizeof *r, by_accuracy);
    for (int i = 0; i < e->n_population; i++) e->population[i] = r[i].index;
    free(r);
    return 0;
}

/* A random parent with each choice redrawn with probability mutate_prob. */
static void mutate(search_t *s, tfg_subnet_t *out)
{
    const tfg_space_t *sp = &s->sn->space;
    *out = s->e->evaluated[s->parents[pick(&s->rng, s->n_parents)]].net;
    const double p = s->o->mutate_prob;
    for (int i = 0; i < sp->n_stages; i++) {
        const tfg_space_stage_t *g = &sp->stages[i];
        if (tfg_rng_uniform(&s->rng) < p) out->depth[i] = g->depths[pick(&s->rng, g->n_depths)];
        for (int b = 0; b < g->depths[g->n_depths - 1]; b++) {
            /* a block the parent did not use has no choice yet: drawn */
            if (!out->kernel[i][b] || tfg_rng_uniform(&s->rng) < p)
                out->kernel[i][b] = g->kernels[pick(&s->rng, g->n_kernels)];
            if (!out->expand[i][b] || tfg_rng_uniform(&s->rng) < p)
                out->expand[i][b] = g->expands[pick(&s->rng, g->n_expands)];
        }
    }
}

/* Each choice from one of two random parents. */
static void crossover(search_t *s, tfg_subnet_t *out)
{
    const tfg_space_t *sp = &s->sn->space;
    const tfg_subnet_t *a = &s->e->evaluated[s->parents[pick(&s->rng, s->n_parents)]].net;
    const tfg_subnet_t *b = &s->e->evaluated[s->parents[pick(&s->rng, s->n_parents)]].net;
    *out = *a;
    for (int i = 0; i < sp->n_stages; i++) {
        const tfg_space_stage_t *g = &sp->stages[i];
        if (tfg_rng_next(&s->rng) & 1) out->depth[i] = b->depth[i];
        for (int k = 0; k < g->depths[g->n_depths - 1]; k++) {
            const tfg_subnet_t *src = (tfg_rng_next(&s->rng) & 1) ? b : a;
            /* a block only one parent used takes that parent's choice */
            if (!src->kernel[i][k]) src = src == a ? b : a;
            out->kernel[i][k] = src->kernel[i][k], out->expand[i][k] = src->expand[i][k];
            if (!out->kernel[i][k]) {
                out->kernel[i][k] = g->kernels[pick(&s->rng, g->n_kernels)];
                out->expand[i][k] = g->expands[pick(&s->rng, g->n_expands)];
            }
        }
    }
}

static int record(tfg_evolve_t *e, int generation)
{
    double *b = realloc(e->best, sizeof(double) * (size_t)(generation + 1));
    if (b) e->best = b;
    double *m = realloc(e->mean, sizeof(double) * (size_t)(generation + 1));
    if (m) e->mean = m;
    if (!b || !m) return -1;
    double sum = 0.0;
    for (int i = 0; i < e->n_population; i++) sum += e->evaluated[e->population[i]].accuracy;
    e->best[generation] = e->n_population ? e->evaluated[e->population[0]].accuracy : 0.0;
    e->mean[generation] = e->n_population ? sum / e->n_population : 0.0;
    e->n_gen = generation + 1;
    e->top = e->n_population ? e->population[0] : -1;
    return 0;
}

/* The population sorted, generation g's figures recorded, progress told. */
static tfg_status_t next_generation(search_t *s, int g, tfg_evolve_progress_t progress, void *ctx)
{
    if (sort_population(s->e) < 0 || record(s->e, g) < 0)
        return tfg_diag_set(s->d, TFG_ERR_NOMEM, "search: out of memory");
    if (progress && progress(ctx, g, s->e)) s->e->stopped = true;
    return TFG_OK;
}

/* Generation g's draws come from a generator keyed by (seed, g), so a
 * search resumed after generation g - 1 draws what it would have drawn. */
static void generation_rng(search_t *s, int g)
{
    s->rng = (tfg_rng_t){s->o->seed * UINT64_C(0x9E3779B97F4A7C15) ^
                         (uint64_t)(g + 1) * UINT64_C(0xD6E8FEB86659FD93) ^ UINT64_C(0xE70)};
    tfg_rng_next(&s->rng);
}

/* A fresh search (out zeroed), or one resumed from the state in out
 * (resume): the population array made large enough for `population`. */
static tfg_status_t start(search_t *s, tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                          int population, bool resume, tfg_evolve_t *out, tfg_diag_t *d)
{
    if (!resume) {
        memset(out, 0, sizeof *out);
        out->top = -1;
    }
    *s = (search_t){f, sn, o, out, {0}, d, NULL, 0};
    if (population < 1 || o->parents < 1 || o->mutations < 0 || o->crossovers < 0 || o->generations < 0 ||
        !(o->mutate_prob >= 0.0 && o->mutate_prob <= 1.0))
        return tfg_diag_set(d, TFG_ERR_ARG, "search: population, parents and generations must be positive");
    const int cap = population + o->parents + o->mutations + o->crossovers;
    int *p =
        realloc(out->population, sizeof(int) * (size_t)(cap > out->n_population ? cap : out->n_population));
    if (!p) return tfg_diag_set(d, TFG_ERR_NOMEM, "search: out of memory");
    out->population = p;
    return TFG_OK;
}

/* Random fitting subnets into the population, `want` of them (fewer when
 * the space runs out of new ones). */
static tfg_status_t add_random(search_t *s, int want)
{
    tfg_evolve_t *e = s->e;
    for (int k = 0; k < want; k++) {
        const int r = add_one(s, make_random, 0);
        if (r < 0) return (tfg_status_t)r;
        if (r == 0) break;
        e->population[e->n_population++] = e->n_evaluated - 1;
    }
    return TFG_OK;
}

static tfg_status_t evolve(tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                           tfg_evolve_progress_t progress, void *ctx, bool resume, tfg_evolve_t *out,
                           tfg_diag_t *d)
{
    search_t s;
    tfg_status_t st = start(&s, f, sn, o, o->population, resume, out, d);
    if (st == TFG_OK && out->n_gen == 0) {
        generation_rng(&s, 0);
        st = add_random(&s, o->population);
        if (st == TFG_OK && out->n_population == 0)
            st = tfg_diag_set(d, TFG_ERR_BUDGET,
                              "search: no subnet of the supernet fits the budget in %d draws", MAX_DRAWS);
        if (st == TFG_OK) st = next_generation(&s, 0, progress, ctx);
    }
    for (int g = out->n_gen; st == TFG_OK && !out->stopped && g <= o->generations; g++) {
        generation_rng(&s, g);
        s.n_parents = out->n_population < o->parents ? out->n_population : o->parents;
        s.parents = malloc(sizeof(int) * (size_t)s.n_parents);
        if (!s.parents) {
            st = tfg_diag_set(d, TFG_ERR_NOMEM, "search: out of memory");
            break;
        }
        memcpy(s.parents, out->population, sizeof(int) * (size_t)s.n_parents);
        out->n_population = s.n_parents; /* the parents stay */
        for (int k = 0; st == TFG_OK && k < o->mutations + o->crossovers; k++) {
            const int r = add_one(&s, k < o->mutations ? mutate : crossover, g);
            if (r < 0) st = (tfg_status_t)r;
            if (r > 0) out->population[out->n_population++] = out->n_evaluated - 1;
        }
        free(s.parents);
        s.parents = NULL;
        if (st == TFG_OK) st = next_generation(&s, g, progress, ctx);
    }
    if (st != TFG_OK) tfg_evolve_free(out);
    return st;
}

tfg_status_t tfg_evolve_run(tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                            tfg_evolve_progress_t progress, void *ctx, tfg_evolve_t *out, tfg_diag_t *d)
{
    return evolve(f, sn, o, progress, ctx, false, out, d);
}

tfg_status_t tfg_evolve_resume(tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                               tfg_evolve_progress_t progress, void *ctx, tfg_evolve_t *state, tfg_diag_t *d)
{
    state->stopped = false;
    return evolve(f, sn, o, progress, ctx, true, state, d);
}

static tfg_status_t random_search(tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                                  int count, tfg_evolve_progress_t progress, void *ctx, bool resume,
                                  tfg_evolve_t *out, tfg_diag_t *d)
{
    search_t s;
    /* the population: every subnet evaluated */
    tfg_status_t st = start(&s, f, sn, o, count, resume, out, d);
    const int group = o->population > 0 ? o->population : 100;
    while (st == TFG_OK && !out->stopped && out->n_evaluated < count) {
        const int before = out->n_evaluated, left = count - out->n_evaluated;
        generation_rng(&s, out->n_gen);
        st = add_random(&s, left < group ? left : group);
        if (st == TFG_OK) st = next_generation(&s, out->n_gen, progress, ctx);
        if (out->n_evaluated == before) break; /* no new subnet fits */
    }
    if (st == TFG_OK && out->n_population == 0)
        st = tfg_diag_set(d, TFG_ERR_BUDGET, "search: no subnet of the supernet fits the budget");
    if (st != TFG_OK) tfg_evolve_free(out);
    return st;
}

tfg_status_t tfg_random_search(tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                               int count, tfg_evolve_progress_t progress, void *ctx, tfg_evolve_t *out,
                               tfg_diag_t *d)
{
    return random_search(f, sn, o, count, progress, ctx, false, out, d);
}

tfg_status_t tfg_random_search_resume(tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                                      int count, tfg_evolve_progress_t progress, void *ctx,
                                      tfg_evolve_t *state, tfg_diag_t *d)
{
    state->stopped = false;
    return random_search(f, sn, o, count, progress, ctx, true, state, d);
}

tfg_status_t tfg_evolve_restore(tfg_evolve_t *e, const tfg_candidate_t *c, int n, const int *population,
                                int n_population, const double *best, const double *mean, int n_gen,
                                long rejected, tfg_diag_t *d)
{
    memset(e, 0, sizeof *e);
    e->top = -1;
    for (int i = 0; i < n_population; i++)
        if (population[i] < 0 || population[i] >= n)
            return tfg_diag_set(d, TFG_ERR_INVALID, "search state: population member %d is no candidate",
                                population[i]);
    e->evaluated = malloc(sizeof *c * (size_t)(n ? n : 1));
    e->population = malloc(sizeof(int) * (size_t)(n_population ? n_population : 1));
    e->best = malloc(sizeof(double) * (size_t)(n_gen ? n_gen : 1));
    e->mean = malloc(sizeof(double) * (size_t)(n_gen ? n_gen : 1));
    if (!e->evaluated || !e->population || !e->best || !e->mean) {
        tfg_evolve_free(e);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "search: out of memory");
    }
    memcpy(e->evaluated, c, sizeof *c * (size_t)n);
    memcpy(e->population, population, sizeof(int) * (size_t)n_population);
    memcpy(e->best, best, sizeof(double) * (size_t)n_gen);
    memcpy(e->mean, mean, sizeof(double) * (size_t)n_gen);
    e->n_evaluated = e->cap = n, e->n_population = n_population, e->n_gen = n_gen, e->rejected = rejected;
    e->top = n_population ? population[0] : -1;
    return TFG_OK;
}
