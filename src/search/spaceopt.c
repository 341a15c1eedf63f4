/* Search-space optimisation (see spaceopt.h). */
#include "search/spaceopt.h"

#include <stdlib.h>
#include <string.h>

#include "model/cost.h"

typedef struct {
    const tfg_space_t *s;
    const tfg_spaceopt_opts_t *o;
    const tfg_subnet_t *nets; /* this cell's sample */
    int64_t *macs;            /* per subnet: its schedule's MACs, -1 when it does not fit */
    int64_t *macs_layer;      /* per subnet: its layer-by-layer MACs */
    unsigned char *over;      /* bit 0: over SRAM, bit 1: over flash, bit 2: patched, bit 3: over latency */
    tfg_status_t *st;         /* per subnet */
    tfg_diag_t *diag;         /* per subnet, kept only for the first failure */
} job_t;

size_t tfg_priced_flash(const tfg_cost_t *c, const tfg_spaceopt_opts_t *o)
{
    return o->code_bytes ? c->flash + o->code_bytes : (size_t)c->m4.total;
}

tfg_status_t tfg_net_price(const tfg_net_t *net, const tfg_spaceopt_opts_t *o, tfg_cost_t *c, unsigned *over,
                           tfg_diag_t *d)
{
    const tfg_cost_opts_t co = {o->sram, 0.0, 0, false, false};
    const tfg_status_t st = tfg_cost_net(net, &co, c, d);
    if (st < 0) return st;
    /* the fewest MACs within the arena: over the cap means no schedule both fits and keeps to it */
    const unsigned over_sram = !c->fits || (double)c->macs > o->max_overhead * (double)c->macs_layer;
    const unsigned over_flash = tfg_priced_flash(c, o) + (o->code_bytes ? 0 : TFG_FLASH_MARGIN) > o->flash;
    const unsigned over_latency = o->max_instructions > 0 && (double)c->m4_instructions > o->max_instructions;
    *over = over_sram | over_flash << 1 | over_latency << 3;
    return TFG_OK;
}

tfg_status_t tfg_subnet_price(const tfg_space_t *s, const tfg_subnet_t *n, const tfg_spaceopt_opts_t *o,
                              tfg_cost_t *c, unsigned *over, tfg_diag_t *d)
{
    tfg_net_t net = {0}; /* freed below even when it was never built (out of memory) */
    tfg_status_t st = tfg_subnet_net(s, n, &net, d);
    if (st >= 0) st = tfg_net_price(&net, o, c, over, d);
    tfg_net_free(&net);
    return st;
}

static void price(void *ctx, int i, int thread)
{
    (void)thread;
    const job_t *j = ctx;
    tfg_diag_t d = {{0}};
    tfg_cost_t c;
    unsigned over = 0;
    j->st[i] = tfg_subnet_price(j->s, &j->nets[i], j->o, &c, &over, &d);
    if (j->st[i] < 0) {
        j->diag[i] = d;
        return;
    }
    j->over[i] = (unsigned char)(over | (c.split >= 0) << 2); /* bit 2: the schedule is patched */
    j->macs[i] = over ? -1 : c.macs;
    j->macs_layer[i] = c.macs_layer;
}

static int cmp64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

tfg_rng_t tfg_spaceopt_rng(const tfg_spaceopt_opts_t *o, int width, int res)
{
    const tfg_rng_t r = {o->seed ^ (uint64_t)(width + 1) * UINT64_C(0x9E3779B97F4A7C15) ^
                         (uint64_t)(res + 1) * UINT64_C(0xC2B2AE3D27D4EB4F)};
    return r;
}

void tfg_spaceopt_free(tfg_spaceopt_t *r)
{
    for (int i = 0; r->cells && i < r->n; i++) free(r->cells[i].macs);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

tfg_status_t tfg_spaceopt_run(const tfg_space_t *s, const tfg_spaceopt_opts_t *o, tfg_pool_t *pool,
                              tfg_spaceopt_progress_t progress, void *ctx, tfg_spaceopt_t *out, tfg_diag_t *d)
{
    memset(out, 0, sizeof *out);
    out->best = -1;
    if (o->samples < 1 || o->sram < 1 || o->flash < 1 || !(o->max_overhead >= 1.0))
        return tfg_diag_set(d, TFG_ERR_ARG,
                            "space optimisation: samples, SRAM and flash must be positive and "
                            "the MAC overhead at least 1");
    const int n = s->n_width * s->n_res, k = o->samples;
    out->n = n;
    out->cells = calloc((size_t)n, sizeof *out->cells);
    tfg_subnet_t *nets = malloc(sizeof *nets * (size_t)k);
    int64_t *macs = malloc(sizeof *macs * (size_t)k), *macs_layer = malloc(sizeof *macs * (size_t)k);
    unsigned char *over = malloc((size_t)k);
    tfg_status_t *st = malloc(sizeof *st * (size_t)k);
    tfg_diag_t *diag = malloc(sizeof *diag * (size_t)k);
    tfg_status_t ret = TFG_OK;
    if (!out->cells || !nets || !macs || !macs_layer || !over || !st || !diag)
        ret = tfg_diag_set(d, TFG_ERR_NOMEM, "space optimisation: out of memory");
    for (int c = 0; ret >= 0 && c < n; c++) {
        tfg_spaceopt_cell_t *cell = &out->cells[c];
        cell->width = c / s->n_res, cell->res = c % s->n_res;
        tfg_rng_t rng = tfg_spaceopt_rng(o, cell->width, cell->res);
        for (int i = 0; i < k; i++) tfg_subnet_sample(s, cell->width, cell->res, &rng, &nets[i]);
        job_t j = {s, o, nets, macs, macs_layer, over, st, diag};
        tfg_pool_for(pool, k, price, &j);
        cell->sampled = k;
        for (int i = 0; i < k && ret >= 0; i++)
            if (st[i] < 0) {
                *d = diag[i];
                ret = st[i];
            }
        if (ret < 0) break;
        if (!(cell->macs = malloc(sizeof *cell->macs * (size_t)k))) {
            ret = tfg_diag_set(d, TFG_ERR_NOMEM, "space optimisation: out of memory");
            break;
        }
        double sum = 0.0;
        for (int i = 0; i < k; i++) {
            cell->over_sram += over[i] & 1, cell->over_flash += over[i] >> 1 & 1;
            cell->over_latency += over[i] >> 3 & 1;
            if (macs[i] < 0) continue;
            cell->macs[cell->fit++] = macs[i], sum += (double)macs[i];
            cell->patched += over[i] >> 2 & 1;
            cell->mean_overhead += (double)macs[i] / (double)macs_layer[i];
        }
        qsort(cell->macs, (size_t)cell->fit, sizeof *cell->macs, cmp64);
        cell->mean_macs = cell->fit ? sum / cell->fit : 0.0;
        cell->mean_overhead = cell->fit ? cell->mean_overhead / cell->fit : 0.0;
        const int eligible = cell->fit >= 1 && cell->fit >= o->min_fit * cell->sampled;
        if (eligible && (out->best < 0 || cell->mean_macs > out->cells[out->best].mean_macs)) out->best = c;
        if (progress) progress(ctx, c + 1, n, cell);
    }
    free(nets);
    free(macs);
    free(macs_layer);
    free(over);
    free(st);
    free(diag);
    if (ret < 0) tfg_spaceopt_free(out);
    return ret;
}

double tfg_spaceopt_cdf(const tfg_spaceopt_cell_t *c, int64_t macs)
{
    if (c->fit < 1) return 0.0;
    int lo = 0, hi = c->fit; /* the first fitting subnet above macs */
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (c->macs[mid] <= macs)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (double)lo / c->fit;
}
