/* See bigmem.h. */
#define _GNU_SOURCE
#include "nn/bigmem.h"

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)

float *tfg_nn_big_floats(size_t n)
{
    if (n > ((size_t)-1 - HUGE_PAGE) / sizeof(float)) return NULL;
    const size_t bytes = n ? n * sizeof(float) : 1;
    void *p = NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= HUGE_PAGE) {
        const size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        if (posix_memalign(&p, HUGE_PAGE, rounded) != 0) return NULL;
        (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice: without it, ordinary pages */
        return p;
    }
#endif
    return posix_memalign(&p, 64, bytes) == 0 ? p : NULL;
}

float *tfg_nn_keep_floats(tfg_nn_keep_t *k, size_t n)
{
    if (!k) return tfg_nn_big_floats(n);
    if (k->p && k->n >= n) return k->p;
    free(k->p);
    k->n = 0;
    if (!(k->p = tfg_nn_big_floats(n))) return NULL;
    k->n = n;
    return k->p;
}

void tfg_nn_keep_free(tfg_nn_keep_t *k)
{
    free(k->p);
    k->p = NULL, k->n = 0;
}
