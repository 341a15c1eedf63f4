/* Tiny test harness shared by the C test executables.
 *
 * Why not a framework: tests must build with nothing but a C compiler and
 * behave the same on every host. A "case" is one call to tt_begin() ...
 * tt_end(); TT_CHECK marks the current case failed. Every executable ends with
 * `return tt_summary();`, which prints exactly one line `N passed, N failed`
 * (counting cases) and yields a non-zero exit status when anything failed.
 *
 * The PRNG is splitmix64: seeded explicitly so every run is reproducible, and
 * good enough to drive randomized shape/quantization sweeps.
 *
 * Header-only with static inline functions; include it from exactly one .c file per
 * executable. */
#ifndef TFG_TEST_H
#define TFG_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tt_passed, tt_failed;
static int tt_case_ok;
/* Detailed diagnostics are printed for the first few failures only, so one
 * broken kernel cannot drown the rest of the report. */
static int tt_verbose_budget = 40;

#define TT_CHECK(cond)                                                                                       \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            tt_case_ok = 0;                                                                                  \
            if (tt_verbose_budget > 0)                                                                       \
                fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                     \
        }                                                                                                    \
    } while (0)

/* Print only while the diagnostic budget lasts (a failure's details). */
#define TT_LOG(...)                                                                                          \
    do {                                                                                                     \
        if (tt_verbose_budget > 0) fprintf(stderr, __VA_ARGS__);                                             \
    } while (0)

static inline void tt_begin(void)
{
    tt_case_ok = 1;
}

/* Closes the current case; returns 1 when it passed. */
static inline int tt_end(void)
{
    if (tt_case_ok) {
        tt_passed++;
    } else {
        tt_failed++;
        if (tt_verbose_budget > 0) tt_verbose_budget--;
    }
    return tt_case_ok;
}

static inline int tt_summary(void)
{
    printf("%d passed, %d failed\n", tt_passed, tt_failed);
    return tt_failed ? 1 : 0;
}

/* ---- deterministic PRNG (splitmix64) ---- */

typedef struct {
    uint64_t s;
} tt_rng_t;

static inline uint64_t tt_next(tt_rng_t *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi] (inclusive). The modulo bias is irrelevant for
 * the small ranges used here. */
static inline int32_t tt_int(tt_rng_t *r, int32_t lo, int32_t hi)
{
    uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo) + 1;
    return (int32_t)((int64_t)lo + (int64_t)(tt_next(r) % span));
}

/* Uniform double in [0, 1). */
static inline double tt_unit(tt_rng_t *r)
{
    return (double)(tt_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double tt_uniform(tt_rng_t *r, double lo, double hi)
{
    return lo + (hi - lo) * tt_unit(r);
}

static inline int tt_chance(tt_rng_t *r, int percent)
{
    return tt_int(r, 0, 99) < percent;
}

static inline void tt_fill_s8(tt_rng_t *r, int8_t *p, size_t n, int lo, int hi)
{
    for (size_t i = 0; i < n; i++) p[i] = (int8_t)tt_int(r, lo, hi);
}

/* ---- guarded buffers: detect writes just outside an output ---- */

#define TT_GUARD 64
#define TT_GUARD_BYTE 0x5A

/* n usable bytes with TT_GUARD canary bytes on each side; the usable part is
 * filled with `fill` so a kernel that skips an element is noticed too. */
static inline void *tt_guarded_alloc(size_t n, int fill)
{
    uint8_t *raw = (uint8_t *)malloc(n + 2 * TT_GUARD);
    if (!raw) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memset(raw, TT_GUARD_BYTE, TT_GUARD);
    memset(raw + TT_GUARD, fill, n);
    memset(raw + TT_GUARD + n, TT_GUARD_BYTE, TT_GUARD);
    return raw + TT_GUARD;
}

static inline int tt_guards_ok(const void *p, size_t n)
{
    const uint8_t *raw = (const uint8_t *)p - TT_GUARD;
    for (size_t i = 0; i < TT_GUARD; i++)
        if (raw[i] != TT_GUARD_BYTE || raw[TT_GUARD + n + i] != TT_GUARD_BYTE) return 0;
    return 1;
}

static inline void tt_guarded_free(void *p)
{
    if (p) free((uint8_t *)p - TT_GUARD);
}

/* Index of the first differing byte, or -1 when equal. */
static inline long tt_first_diff(const void *a, const void *b, size_t n)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return (long)i;
    return -1;
}

#endif
