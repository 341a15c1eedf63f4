/* TinyNAS's first phase, search-space optimisation (MCUNet section 3.1):
 * before any training, choose the width multiplier and resolution whose
 * subnets make the best use of the budget. For every (width, resolution)
 * pair it samples subnets, prices each exactly with the engine
 * (tfg_cost_net: the arena under the best patch schedule within the MAC
 * cap, and the constant bytes in flash), keeps those that fit, and picks
 * the pair whose fitting subnets have the largest mean MACs: within a
 * family, more computation that still fits means more accuracy. A pair
 * where few subnets fit is not eligible (min_fit): its mean rests on a
 * handful of samples, and a supernet trained on it would spend its steps
 * on networks the board cannot hold. */
#ifndef TFG_SEARCH_SPACEOPT_H
#define TFG_SEARCH_SPACEOPT_H

#include <stddef.h>
#include <stdint.h>

#include "model/cost.h"
#include "nn/parallel.h"
#include "search/space.h"

typedef struct {
    size_t sram;         /* the whole arena, input included */
    size_t flash;        /* the model's constants and code */
    size_t code_bytes;   /* 0: each subnet's flash as the Cortex-M4 takes it (tfg_cost_t.m4, plus
                            TFG_FLASH_MARGIN); else its constants plus this many bytes */
    double max_overhead; /* patch schedules within this x layer-by-layer MACs */
    int samples;         /* subnets per (width, resolution) pair */
    double min_fit;      /* a pair is eligible when at least this fraction of its subnets fit */
    uint64_t seed;
    double max_instructions; /* > 0: a latency budget, Cortex-M4 instructions per inference (predicted) */
} tfg_spaceopt_opts_t;

/* Headroom for the one estimated part of a subnet's M4 flash, its generated
 * code: the estimate's error over 40 models was -52 to +46 B, and 66 B
 * short on the 32 KB search's trained net
 * (scripts/bench_flash.sh). */
#define TFG_FLASH_MARGIN 128

/* A priced subnet's flash: the whole model on the M4, or its constants plus
 * the fixed allowance o->code_bytes. */
size_t tfg_priced_flash(const tfg_cost_t *c, const tfg_spaceopt_opts_t *o);

/* One (width, resolution) pair's sample. */
typedef struct {
    int width, res;            /* indices into the space */
    int sampled;               /* subnets priced */
    int fit;                   /* of which fit SRAM and flash */
    int64_t *macs;             /* the fitting subnets' MACs (of their schedule), ascending */
    double mean_macs;          /* over the fitting subnets (0 when none fits) */
    int patched;               /* fitting subnets whose schedule is patched */
    double mean_overhead;      /* their schedules' MACs over layer by layer's, averaged (1: none patched) */
    int over_sram, over_flash; /* why the others did not fit (both may count one subnet) */
    int over_latency;          /* over max_instructions */
} tfg_spaceopt_cell_t;

typedef struct {
    int n; /* widths x resolutions, width-major */
    tfg_spaceopt_cell_t *cells;
    int best; /* the chosen cell, -1 when nothing fits anywhere */
} tfg_spaceopt_t;

/* Called after each cell with the number done and the total (may be NULL). */
typedef void (*tfg_spaceopt_progress_t)(void *ctx, int done, int total, const tfg_spaceopt_cell_t *cell);

/* Subnet n priced against the budget: c as tfg_cost_net gives it (the
 * fewest MACs among schedules within o->sram), *over bit 0 when no schedule
 * fits the SRAM within o->max_overhead times the layer-by-layer MACs, bit 1
 * when its flash (tfg_priced_flash, with TFG_FLASH_MARGIN when it is the
 * M4's) exceeds o->flash, bit 3 when its predicted M4 instructions exceed
 * o->max_instructions (0: it fits). */
tfg_status_t tfg_subnet_price(const tfg_space_t *s, const tfg_subnet_t *n, const tfg_spaceopt_opts_t *o,
                              tfg_cost_t *c, unsigned *over, tfg_diag_t *d);
/* The same for any float net (the baselines). */
tfg_status_t tfg_net_price(const tfg_net_t *net, const tfg_spaceopt_opts_t *o, tfg_cost_t *c, unsigned *over,
                           tfg_diag_t *d);

/* The generator a (width, resolution) pair's sample is drawn from, seeded
 * by (seed, width, resolution): results do not depend on the thread count. */
tfg_rng_t tfg_spaceopt_rng(const tfg_spaceopt_opts_t *o, int width, int res);

/* Run the phase: a pair's subnets are its generator's first `samples`
 * draws of tfg_subnet_sample. */
tfg_status_t tfg_spaceopt_run(const tfg_space_t *s, const tfg_spaceopt_opts_t *o, tfg_pool_t *pool,
                              tfg_spaceopt_progress_t progress, void *ctx, tfg_spaceopt_t *out,
                              tfg_diag_t *d);
void tfg_spaceopt_free(tfg_spaceopt_t *r);

/* The fraction of a cell's fitting subnets with at most `macs` MACs (the
 * CDF MCUNet's Figure 3 draws). */
double tfg_spaceopt_cdf(const tfg_spaceopt_cell_t *c, int64_t macs);

#endif
