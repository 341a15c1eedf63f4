/* TinyNAS's evolution (MCUNet section 3.2, after Once-for-All): search the
 * trained supernet for the subnet with the best validation accuracy among
 * those that fit the budget.
 *
 * Fitness is a subnet's accuracy on the validation split (held out of the
 * training images; never the test set) with the weights it inherits from
 * the supernet, after batch-norm recalibration: the running statistics the
 * supernet kept are the largest net's, so each candidate's are recomputed
 * from a fixed set of training images (the mean of their batches'
 * statistics) before it is measured. Every candidate is priced exactly
 * (tfg_subnet_price: its best patch schedule within the SRAM and the MAC
 * cap, its flash with the code) and only those that fit are evaluated.
 *
 * The loop: an initial population of random fitting subnets; each
 * generation keeps the best `parents`, and adds `mutations` children of
 * random parents (every choice redrawn with probability mutate_prob) and
 * `crossovers` children of two random parents (every choice from either);
 * a child that does not fit, or that was evaluated before, is drawn again.
 * Random search, the baseline at equal cost, evaluates the same number of
 * distinct random fitting subnets with the same fitness. */
#ifndef TFG_SEARCH_EVOLVE_H
#define TFG_SEARCH_EVOLVE_H

#include <stdbool.h>

#include "data/dataset.h"
#include "search/spaceopt.h"
#include "search/supernet.h"

/* ---- fitness ---- */

typedef struct tfg_fitness tfg_fitness_t;

/* A fitness for subnets of sn: calib_images training images (drawn by the
 * seed, unaugmented) recalibrate batch norm, val measures. Both datasets
 * must have the supernet's input size. sn and val must outlive it. */
tfg_fitness_t *tfg_fitness_create(const tfg_supernet_t *sn, const tfg_dataset_t *train,
                                  const tfg_dataset_t *val, int calib_images, uint64_t seed, tfg_pool_t *pool,
                                  tfg_diag_t *d);
void tfg_fitness_free(tfg_fitness_t *f);

/* Subnet n as a standalone net with its inherited weights and recalibrated
 * batch norm (what fitness measures; what the final model starts from). */
tfg_status_t tfg_fitness_net(tfg_fitness_t *f, const tfg_subnet_t *n, tfg_net_t *net, tfg_diag_t *d);

/* Its validation accuracy (0..1). */
tfg_status_t tfg_fitness_eval(tfg_fitness_t *f, const tfg_subnet_t *n, double *accuracy, tfg_diag_t *d);

/* ---- the search ---- */

typedef struct {
    int population;     /* the initial population (default 100) */
    int parents;        /* kept per generation (default 20) */
    int mutations;      /* children by mutation per generation (default 50) */
    int crossovers;     /* children by crossover per generation (default 50) */
    double mutate_prob; /* per choice (default 0.1) */
    int generations;    /* default 30 */
    uint64_t seed;
    tfg_spaceopt_opts_t budget; /* sram, flash, code_bytes, max_overhead */
} tfg_evolve_opts_t;

tfg_evolve_opts_t tfg_evolve_default_opts(void);

/* One evaluated subnet. */
typedef struct {
    tfg_subnet_t net;   /* canonical: choices of blocks beyond a stage's depth are 0 */
    double accuracy;    /* validation, inherited weights, recalibrated batch norm */
    int64_t macs;       /* of its schedule */
    int64_t macs_layer; /* layer by layer (macs / macs_layer: the schedule's MAC overhead) */
    size_t arena, flash;
    int split, ph, pw; /* its schedule (-1, 1, 1: layer by layer) */
    int generation;    /* when it was first evaluated (0: the initial population or random search) */
    int64_t insns;     /* predicted Cortex-M4 instructions per inference (sched/latency.h) */
} tfg_candidate_t;

typedef struct {
    tfg_candidate_t *evaluated; /* every distinct subnet evaluated, in order */
    int n_evaluated, cap;
    int *population; /* the final population, best first (indices into evaluated) */
    int n_population;
    double *best, *mean; /* per generation, the initial population first: the population's best and
                            mean accuracy */
    int n_gen;
    long rejected; /* draws that did not fit the budget */
    int top;       /* the best candidate (index into evaluated) */
    bool stopped;  /* the progress function stopped it early */
} tfg_evolve_t;

/* Called after the initial population and after every generation; a
 * non-zero return stops the search there (a time budget), the results so
 * far standing. */
typedef int (*tfg_evolve_progress_t)(void *ctx, int generation, const tfg_evolve_t *e);

tfg_status_t tfg_evolve_run(tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                            tfg_evolve_progress_t progress, void *ctx, tfg_evolve_t *out, tfg_diag_t *d);

/* The baseline: `count` distinct random subnets that fit, the best kept
 * (progress after every population-sized group, counted as generations). */
tfg_status_t tfg_random_search(tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                               int count, tfg_evolve_progress_t progress, void *ctx, tfg_evolve_t *out,
                               tfg_diag_t *d);

/* Resuming: a search stopped after a generation continues from its state
 * (the candidates evaluated, the population, the figures per generation)
 * exactly as it would have gone on: generation g's draws come from (seed,
 * g). tfg_evolve_restore builds such a state from saved figures (the
 * arrays are copied; the population's indices must name candidates). */
tfg_status_t tfg_evolve_resume(tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                               tfg_evolve_progress_t progress, void *ctx, tfg_evolve_t *state, tfg_diag_t *d);
tfg_status_t tfg_random_search_resume(tfg_fitness_t *f, const tfg_supernet_t *sn, const tfg_evolve_opts_t *o,
                                      int count, tfg_evolve_progress_t progress, void *ctx,
                                      tfg_evolve_t *state, tfg_diag_t *d);
tfg_status_t tfg_evolve_restore(tfg_evolve_t *e, const tfg_candidate_t *c, int n, const int *population,
                                int n_population, const double *best, const double *mean, int n_gen,
                                long rejected, tfg_diag_t *d);

void tfg_evolve_free(tfg_evolve_t *e);

/* What limits the accuracy: the best accuracy among the evaluated
 * candidates whose flash (arena) is in each band of the budget, as fractions
 * of it: [0, edges[0]), [edges[0], edges[1]), ..., the last band up to the
 * budget itself. -1 where no candidate falls. When the best keeps rising
 * into the last band of one resource and not of the other, the first is
 * what the accuracy waits for. */
#define TFG_LIMIT_BANDS 6
extern const double tfg_limit_edges[TFG_LIMIT_BANDS];
void tfg_evolve_limits(const tfg_evolve_t *e, const tfg_spaceopt_opts_t *budget,
                       double flash[TFG_LIMIT_BANDS], double arena[TFG_LIMIT_BANDS]);

/* Subnet n with the choices of blocks beyond each stage's depth set to 0:
 * two subnets are the same network exactly when these are equal. */
void tfg_subnet_canonical(const tfg_space_t *s, tfg_subnet_t *n);

#endif
