/* tinyforge search's phases after the first (search_train.c), called by
 * the command (search.c). Not part of the library. */
#ifndef TFG_CLI_SEARCH_INTERNAL_H
#define TFG_CLI_SEARCH_INTERNAL_H

#include <stdbool.h>

#include "data/dataset.h"
#include "search/evolve.h"
#include "search/supernet.h"

typedef struct {
    const char *data, *out;
    tfg_space_t space;
    tfg_spaceopt_opts_t budget;
    int threads;
    uint64_t seed;
    bool quiet, resume;
    /* phase 2: the supernet */
    int largest_epochs, supernet_epochs, batch, students;
    double lr;
    /* phase 3: evolution */
    tfg_evolve_opts_t evo;
    int calib;
    /* phase 4: the final model */
    int final_epochs, qat_epochs;
    double final_lr;
    const char *exe;        /* this program, for the bench it runs */
    double budget_s;        /* --budget: the whole search's wall time (0: none) */
    double largest_epoch_s; /* one epoch of the largest subnet, to foresee the final model's training */
    double seconds[5];      /* per phase (index 1..4), also when kept from an earlier run */
} search_run_t;

/* Each returns 0, or 1 with the message printed. */
int search_phase_supernet(search_run_t *r, tfg_supernet_t *sn, const tfg_dataset_t *train,
                          const tfg_dataset_t *val);
int search_phase_evolve(search_run_t *r, const tfg_supernet_t *sn, const tfg_dataset_t *train,
                        const tfg_dataset_t *val, tfg_subnet_t *best);
int search_phase_final(search_run_t *r, const tfg_supernet_t *sn, const tfg_dataset_t *train,
                       const tfg_dataset_t *val, const tfg_subnet_t *best);

/* --baselines: random search over the same supernet with as many
 * candidates as the evolution evaluated, and MobileNetV2 scaled to the
 * budget and trained from scratch; baselines.json. */
int search_phase_baselines(search_run_t *r, const tfg_supernet_t *sn, const tfg_dataset_t *train,
                           const tfg_dataset_t *val);

/* The plots (search_plots.c); each returns 0, or -1 when the file cannot be written. */
int search_plot_cdf(const char *path, const tfg_space_t *s, const tfg_spaceopt_t *r,
                    const tfg_spaceopt_opts_t *o);
int search_plot_progress(const char *path, const tfg_evolve_t *e);
int search_plot_pareto(const char *path, const tfg_evolve_t *e, const tfg_spaceopt_opts_t *budget);

#endif
