/* The thread pool (see parallel.h). A job is (fn, ctx, n) plus an atomic
 * counter from which every thread, the caller included, takes the next task.
 * A training step posts a few hundred short jobs, so waiting threads spin
 * for a while (about a hundred microseconds) before they sleep on a
 * condition variable: waking a sleeping thread costs more than most jobs. */
#include "nn/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct {
    struct tfg_pool *pool;
    int index;
} worker_t;

struct tfg_pool {
    int threads;
    pthread_t *tid;
    worker_t *workers;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_uint generation; /* bumped for each job (written under mu) */
    atomic_int busy;        /* workers still in the current job */
    atomic_bool quit;
    /* the current job */
    void (*fn)(void *ctx, int task, int thread);
    void *ctx;
    int n;
    atomic_int next;
};

static void run_tasks(struct tfg_pool *p, int thread)
{
    for (;;) {
        const int t = atomic_fetch_add(&p->next, 1);
        if (t >= p->n) return;
        p->fn(p->ctx, t, thread);
    }
}

#define SPINS 20000

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    struct tfg_pool *p = w->pool;
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->quit)) {
            if (++spins < SPINS) {
                relax();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->quit))
                pthread_cond_wait(&p->go, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->quit)) break;
        seen = g;
        run_tasks(p, w->index);
        if (atomic_fetch_sub(&p->busy, 1) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

tfg_pool_t *tfg_pool_create(int threads)
{
    if (threads < 1) threads = 1;
    struct tfg_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = 1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->next, 0);
    atomic_init(&p->generation, 0);
    atomic_init(&p->busy, 0);
    atomic_init(&p->quit, false);
    if (threads > 1) {
        p->tid = calloc((size_t)threads, sizeof *p->tid);
        p->workers = calloc((size_t)threads, sizeof *p->workers);
        if (!p->tid || !p->workers) {
            tfg_pool_destroy(p);
            return NULL;
        }
        for (int i = 1; i < threads; i++) {
            p->workers[i] = (worker_t){p, i};
            if (pthread_create(&p->tid[i], NULL, worker_main, &p->workers[i]) != 0) {
                tfg_pool_destroy(p);
                return NULL;
            }
            p->threads++;
        }
    }
    return p;
}

void tfg_pool_destroy(tfg_pool_t *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->quit, true);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->threads; i++) pthread_join(p->tid[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    free(p->tid);
    free(p->workers);
    free(p);
}

int tfg_pool_threads(const tfg_pool_t *p)
{
    return p ? p->threads : 1;
}

void tfg_pool_for(tfg_pool_t *p, int n, void (*fn)(void *ctx, int task, int thread), void *ctx)
{
    if (n <= 0) return;
    if (!p || p->threads == 1 || n == 1) {
        for (int t = 0; t < n; t++) fn(ctx, t, 0);
        return;
    }
    p->fn = fn, p->ctx = ctx, p->n = n;
    atomic_store(&p->next, 0);
    atomic_store(&p->busy, p->threads - 1);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->generation, 1);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    run_tasks(p, 0);
    for (int spins = 0; atomic_load(&p->busy) > 0 && spins < SPINS; spins++) relax();
    if (atomic_load(&p->busy) > 0) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->busy) > 0) pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}
