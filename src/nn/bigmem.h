/* Memory for the training engine's per-layer batch buffers (activations,
 * conv outputs, gradients): hundreds of megabytes at large batches, swept
 * several times a step. Buffers of 2 MiB and more are aligned to 2 MiB and
 * offered to the kernel as transparent huge pages (Linux's madvise mode), so
 * a sweep walks a few hundred page-table entries instead of tens of
 * thousands and first touches fault once per 2 MiB; elsewhere they are
 * ordinary allocations. Free with free(). */
#ifndef TFG_NN_BIGMEM_H
#define TFG_NN_BIGMEM_H

#include <stddef.h>

/* n floats, uninitialized; NULL when out of memory. */
float *tfg_nn_big_floats(size_t n);

/* Slices of one such allocation, each 64-byte aligned: a first pass with
 * base NULL counts the floats needed in *used (and returns NULL), a second
 * over the allocation hands out the slices in the same order. */
static inline float *tfg_nn_carve(float *base, size_t *used, size_t n)
{
    float *p = base ? base + *used : NULL;
    *used += (n + 15) / 16 * 16;
    return p;
}

/* A slab kept for short-lived users that come one after another (a
 * supernet's students, step after step; the evolution's candidates): each
 * borrows it at the size it needs, it grows when one needs more, and it is
 * given back only by tfg_nn_keep_free. A fresh slab for each of them made
 * the kernel clear its pages on every first touch: 9% of supernet training. */
typedef struct {
    float *p;
    size_t n;
} tfg_nn_keep_t;

/* At least n floats (contents undefined); NULL when out of memory (the
 * keep is then empty). With k NULL: a fresh tfg_nn_big_floats(n), the
 * caller's to free. */
float *tfg_nn_keep_floats(tfg_nn_keep_t *k, size_t n);
void tfg_nn_keep_free(tfg_nn_keep_t *k);

#endif
