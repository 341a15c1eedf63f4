/* A tiny thread pool for the training engine's loops.
 *
 * tfg_pool_for(p, n, fn, ctx) runs fn(ctx, task, thread) for every task in
 * [0, n) on the pool's threads (the caller is thread 0) and returns when all
 * are done. Tasks are handed out one at a time, so which thread runs a task
 * varies from run to run: a task must write only its own outputs (and use
 * the scratch of `thread`). Code built that way gives bit-identical results
 * for any number of threads, which is how the trainer stays deterministic:
 * reductions are split into tasks by the data (per image, per group of
 * images), never by the thread count, and the partial results are summed in
 * task order afterwards. */
#ifndef TFG_NN_PARALLEL_H
#define TFG_NN_PARALLEL_H

typedef struct tfg_pool tfg_pool_t;

/* threads >= 1 (1: no extra threads, everything runs on the caller).
 * NULL when out of memory or a thread cannot be started. */
tfg_pool_t *tfg_pool_create(int threads);
void tfg_pool_destroy(tfg_pool_t *p);
/* NULL counts as a pool of one thread. */
int tfg_pool_threads(const tfg_pool_t *p);
void tfg_pool_for(tfg_pool_t *p, int n, void (*fn)(void *ctx, int task, int thread), void *ctx);

#endif
