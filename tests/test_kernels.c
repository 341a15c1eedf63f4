/* Randomized bit-exactness tests for the runtime kernels (include/tinyforge/kernels.h).
 *
 * Each case draws shapes and quantization at random (fixed seeds, so runs are
 * reproducible), computes the expected bytes with the naive TFLite-semantics
 * reference in naive_ref.c from the UNFOLDED parameters a .tflite carries, then
 * prepares the kernel's parameter struct the way the compiler does (input zero
 * point folded into the bias, per-tensor multipliers repeated per channel) and
 * requires every output byte to match. Outputs sit between canary bytes to
 * catch overruns, and scratch is exactly *_scratch_size() bytes of garbage, so
 * ASan catches a kernel that writes past it or relies on it being zeroed.
 *
 * A failing case prints its parameters and the first differing index; the last
 * line is always `N passed, N failed`. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyforge/fixedpoint.h"
#include "tinyforge/frame.h"
#include "tinyforge/kernels.h"

#include "naive_ref.h"
#include "tfg_test.h"

/* ---- helpers shared by the cases --------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* Scratch of exactly the advertised size, filled with garbage. */
static void *new_scratch(size_t n)
{
    void *p = malloc(n);
    if (n && !p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    if (n) memset(p, 0xA5, n);
    return p;
}

/* Compares the first n bytes of a kernel output against the reference and
 * checks the canaries of the guarded buffer `got` of buf_n bytes (buf_n > n
 * for in-place buffers sized for the larger tensor). Logs and marks the case
 * failed on mismatch; returns 1 when all is well. */
static int compare_buf(const char *what, int case_no, const int8_t *got, const int8_t *want, size_t n,
                       size_t buf_n)
{
    int ok = 1;
    long d = tt_first_diff(got, want, n);
    if (d >= 0) {
        TT_LOG("%s case %d: first difference at index %ld of %zu: got %d want %d\n", what, case_no, d, n,
               got[d], want[d]);
        ok = 0;
    }
    if (!tt_guards_ok(got, buf_n)) {
        TT_LOG("%s case %d: write outside the output buffer (%zu bytes)\n", what, case_no, buf_n);
        ok = 0;
    }
    TT_CHECK(ok);
    return ok;
}

static int compare_out(const char *what, int case_no, const int8_t *got, const int8_t *want, size_t n)
{
    return compare_buf(what, case_no, got, want, n, n);
}

/* A fused activation range, as CalculateActivationRangeQuantized would give
 * for NONE / RELU / RELU6 at some output scale, or an arbitrary sub-range. */
static void pick_act(tt_rng_t *r, int32_t out_zp, int32_t *lo, int32_t *hi)
{
    switch (tt_int(r, 0, 3)) {
    case 0:
        *lo = -128;
        *hi = 127;
        break;
    case 1:
        *lo = out_zp;
        *hi = 127;
        break;
    case 2:
        *lo = out_zp;
        *hi = out_zp + tt_int(r, 1, 200);
        if (*hi > 127) *hi = 127;
        break;
    default: {
        int32_t a = tt_int(r, -128, 127), b = tt_int(r, -128, 127);
        *lo = a < b ? a : b;
        *hi = a < b ? b : a;
    }
    }
}

/* QuantizeMultiplier, but halve the real multiplier until |acc| <= bound
 * cannot overflow TFLite's int32 pre-shift (x * 2^shift). */
static void quant_mult_bounded(double real, int64_t bound, int32_t *mult, int32_t *shift)
{
    for (;;) {
        nr_quantize_multiplier(real, mult, shift);
        if (*shift <= 0 || (bound << *shift) <= INT32_MAX) return;
        real *= 0.5;
    }
}

/* A real requantization multiplier for an accumulation of `taps` products
 * of int8 values: roughly maps the accumulator's spread onto int8, jittered
 * over a factor 64 either way, or scaled far up when `saturate` (tiny output
 * scale: most results clamp at -128 / 127). */
static double pick_real_mult(tt_rng_t *r, int taps, int saturate)
{
    double base = 0.01 / sqrt((double)taps);
    double e = tt_uniform(r, -3.0, 3.0) + (saturate ? tt_uniform(r, 5.0, 9.0) : 0.0);
    return base * exp2(e);
}

/* Sometimes snap a multiplier to a power of two: mult becomes exactly 2^30,
 * so the high multiply produces exact .5 ties (which gemmlowp rounds
 * asymmetrically) on every odd input. Real models get this from power-of-two
 * scale ratios. */
static double maybe_pot(tt_rng_t *r, double real)
{
    return tt_chance(r, 12) ? exp2(floor(log2(real) + 0.5)) : real;
}

/* A copy of src at a random 0..3 byte misalignment: tensors live at
 * arbitrary arena offsets and int8 weights only promise byte alignment. */
static const int8_t *misaligned_copy(tt_rng_t *r, const int8_t *src, size_t n, void **block)
{
    int off = tt_chance(r, 50) ? 0 : tt_int(r, 1, 3);
    int8_t *b = xmalloc(n + 4);
    memcpy(b + off, src, n);
    *block = b;
    return b + off;
}

/* ---- requantization helpers: fixed vectors ------------------------------ */

static void test_requant_helpers(void)
{
    /* Self-check of the reference on values whose answer is known by hand
     * (gemmlowp semantics): guards against a wrong oracle. */
    tt_begin();
    TT_CHECK(nr_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX);
    TT_CHECK(nr_srdhm(1 << 30, 1) == 1);    /* +0.5 -> 1 */
    TT_CHECK(nr_srdhm(-(1 << 30), 1) == 0); /* -0.5 -> 0: negative ties go toward zero */
    TT_CHECK(nr_srdhm(3, 1 << 30) == 2);    /* +1.5 -> 2 */
    TT_CHECK(nr_srdhm(-3, 1 << 30) == -1);  /* -1.5 -> -1 */
    TT_CHECK(nr_srdhm(-(1 << 30) - 1, 1) == -1);
    TT_CHECK(nr_rdivpot(5, 1) == 3 && nr_rdivpot(-5, 1) == -3);
    TT_CHECK(nr_rdivpot(-5, 2) == -1 && nr_rdivpot(-6, 2) == -2);
    TT_CHECK(nr_rdivpot(INT32_MIN, 31) == -1 && nr_rdivpot(INT32_MAX, 31) == 1);
    TT_CHECK(nr_mbqm(5, 1 << 30, -1) == 2); /* double rounding: 2.5 -> 3, 1.5 -> 2 */
    int32_t m, s;
    nr_quantize_multiplier(0.75, &m, &s);
    TT_CHECK(m == 1610612736 && s == 0);
    nr_quantize_multiplier(1.0, &m, &s);
    TT_CHECK(m == 1073741824 && s == 1);
    nr_quantize_multiplier(1.0 - 1e-12, &m, &s); /* frac rounds to 1.0: renormalised */
    TT_CHECK(m == 1073741824 && s == 1);
    nr_quantize_multiplier(1e-12, &m, &s); /* exponent < -31: flushed to zero */
    TT_CHECK(m == 0 && s == 0);
    if (!tt_end()) TT_LOG("reference self-check failed\n");

    static const int32_t vals[] = {INT32_MIN,
                                   INT32_MIN + 1,
                                   -(1 << 30) - 1,
                                   -(1 << 30),
                                   -(1 << 30) + 1,
                                   -65536,
                                   -7,
                                   -5,
                                   -3,
                                   -2,
                                   -1,
                                   0,
                                   1,
                                   2,
                                   3,
                                   5,
                                   7,
                                   65536,
                                   (1 << 30) - 1,
                                   1 << 30,
                                   (1 << 30) + 1,
                                   INT32_MAX - 1,
                                   INT32_MAX};
    const int nv = (int)(sizeof vals / sizeof vals[0]);

    tt_begin();
    for (int i = 0; i < nv; i++)
        for (int j = 0; j < nv; j++) {
            int32_t got = tfg_sat_rdhm(vals[i], vals[j]), want = nr_srdhm(vals[i], vals[j]);
            if (got != want) TT_LOG("tfg_sat_rdhm(%d, %d) = %d, want %d\n", vals[i], vals[j], got, want);
            TT_CHECK(got == want);
        }
    tt_end();

    tt_begin();
    for (int i = 0; i < nv; i++)
        for (int e = 0; e <= 31; e++) {
            int32_t got = tfg_rshift_round(vals[i], e), want = nr_rdivpot(vals[i], e);
            if (got != want) TT_LOG("tfg_rshift_round(%d, %d) = %d, want %d\n", vals[i], e, got, want);
            TT_CHECK(got == want);
        }
    /* Exact ties at every shift, both signs (3 * 2^29 still fits int32). */
    for (int e = 1; e <= 30; e++) {
        int32_t half = (int32_t)1 << (e - 1);
        int32_t xs[4] = {half, -half, 3 * half, -3 * half};
        for (int k = 0; k < 4; k++) {
            int32_t got = tfg_rshift_round(xs[k], e), want = nr_rdivpot(xs[k], e);
            if (got != want) TT_LOG("tfg_rshift_round(%d, %d) = %d, want %d\n", xs[k], e, got, want);
            TT_CHECK(got == want);
        }
    }
    tt_end();

    tt_begin();
    {
        static const struct {
            int32_t x, mult, shift;
        } v[] = {
            /* tfg_requant's contract is mult >= 0 (QuantizeMultiplier never
             * yields a negative one); the INT32_MIN^2 saturation of the high
             * multiply itself is covered by the tfg_sat_rdhm case above. */
            {INT32_MIN, INT32_MAX, 0},
            {INT32_MIN, INT32_MAX, -31},
            {INT32_MIN, 0, 0},
            {-7, 1 << 30, 0},
            {7, 1 << 30, 0},
            {5, 1 << 30, -1},
            {-5, 1 << 30, -1},
            {7, 1 << 30, -1},
            {-7, 1 << 30, -1},
            {100, 1 << 30, 1},
            {-100, 1 << 30, 1},
            {1000, 1518500250, 10},
            {-1000, 1518500250, 10},
            {255, 2147483647, 23},
            {-255, 2147483647, 23},
            {123456, 1073741824, -31},
            {INT32_MAX, 1073741824, -31},
            {INT32_MIN, 1073741824, -31},
            {INT32_MAX, INT32_MAX, 0},
            {-65025, 1288490189, -8},
            {65025, 1288490189, -8},
            {0, 1 << 30, 5},
            {3, 1431655765, 0},
            {-3, 1431655765, 0},
            {1, INT32_MAX, 0},
            {-1, INT32_MAX, 0},
            {12345, 1717986918, 4},
            {-12345, 1717986918, 4},
            /* Negative multipliers (negative weight scales): the nudge and
             * the final rounding see the product's sign, not x's. */
            {7, -(1 << 30), 0},
            {-7, -(1 << 30), 0},
            {5, -(1 << 30), -1},
            {-5, -(1 << 30), -1},
            {7, -(1 << 30), -1},
            {-7, -(1 << 30), -1},
            {100, -(1 << 30), 1},
            {-65025, -1288490189, -8},
            {65025, -1288490189, -8},
            {3, INT32_MIN, 0},
            {-3, INT32_MIN, -1},
            {INT32_MAX, INT32_MIN, 0},
            {INT32_MIN + 1, INT32_MIN, -5},
            {INT32_MIN, -INT32_MAX, 0},
            {INT32_MAX, -INT32_MAX, -31},
        };
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            int32_t got = tfg_requant(v[i].x, v[i].mult, v[i].shift);
            int32_t want = nr_mbqm(v[i].x, v[i].mult, v[i].shift);
            if (tfg_requant32(v[i].x, v[i].mult, v[i].shift) != want ||
                tfg_requant64(v[i].x, v[i].mult, v[i].shift) != want)
                got = ~want;
            if (got != want)
                TT_LOG("tfg_requant(%d, %d, %d) = %d, want %d\n", v[i].x, v[i].mult, v[i].shift, got, want);
            TT_CHECK(got == want);
        }
    }
    tt_end();

    /* The prepared form (tfg_rq_make/tfg_rq_apply) against the reference plus
     * out_zp, on ties and on random values within its |x| < 2^30 contract. */
    tt_begin();
    {
        tt_rng_t r = {2002};
        int covered = 0;
        for (int i = 0; i < 200000; i++) {
            int32_t mult = tt_chance(&r, 25) ? (1 << 30) : tt_int(&r, 1 << 30, INT32_MAX);
            if (tt_chance(&r, 2)) mult = 0;
            const int32_t shift = tt_int(&r, -24, 1), zp = tt_int(&r, -128, 127);
            const int32_t lim = (1 << 30) - 1;
            int32_t x = tt_chance(&r, 30) ? tt_int(&r, -lim, lim) : tt_int(&r, -70000, 70000);
            if (tt_chance(&r, 20) && shift < 0) {
                /* With mult = 2^30 the high multiply halves x exactly (x even),
                 * so x = odd * 2^e makes the final rounding an exact tie. */
                const int64_t v = (int64_t)(2 * tt_int(&r, -100, 100) + 1) * ((int64_t)1 << -shift);
                if (v > -lim && v < lim) x = (int32_t)v, mult = 1 << 30;
            }
            tfg_rq_t q;
            /* A negative multiplier is never prepared: it keeps the general form. */
            if (i % 16 == 0) TT_CHECK(!tfg_rq_make(-mult - 1, shift, zp, &q));
            if (!tfg_rq_make(mult, shift, zp, &q)) {
                TT_CHECK(shift > -1 || shift < -22);
                continue;
            }
            covered++;
            const int32_t got = tfg_rq_apply(x, &q), want = nr_mbqm(x, mult, shift) + zp;
            if (got != want) {
                TT_LOG("tfg_rq_apply(%d; %d, %d, zp %d) = %d, want %d\n", x, mult, shift, zp, got, want);
                TT_CHECK(got == want);
                break;
            }
        }
        TT_CHECK(covered > 150000);
    }
    tt_end();

    /* One table entry per channel carries any (mult, shift) exactly, in
     * either form: negative multipliers (per-channel scales below zero) and
     * left shifts come back unchanged from a general entry, and a prepared
     * entry still yields TFLite's pair for the portable kernels. */
    tt_begin();
    {
        tt_rng_t r = {3003};
        for (int i = 0; i < 50000; i++) {
            int32_t mult = tt_int(&r, INT32_MIN + 1, INT32_MAX);
            if (tt_chance(&r, 10)) mult = -(1 << 30);
            const int32_t shift = tt_int(&r, -31, 30), zp = tt_int(&r, -128, 127);
            tfg_rq_t q;
            const int prepared = tfg_rq_init(mult, shift, zp, tt_chance(&r, 80), &q);
            const int32_t x = tt_int(&r, -70000, 70000);
            if (tfg_rq_mult(&q) != mult || tfg_rq_shift(&q) != shift ||
                (prepared && (mult < 0 || q.shift < 1)) || (!prepared && q.shift != 0) ||
                tfg_rq_requant(x, &q) != tfg_requant(x, mult, shift)) {
                TT_LOG("tfg_rq_init(%d, %d, zp %d): entry {%d, %d, %d} does not give them back\n", mult,
                       shift, zp, q.mult, q.add, q.shift);
                TT_CHECK(0);
                break;
            }
        }
    }
    tt_end();

    /* Random sweep of tfg_requant over the shifts kernels actually use. */
    tt_begin();
    {
        tt_rng_t r = {1001};
        for (int i = 0; i < 20000; i++) {
            /* A power-of-two multiplier makes exact ties common in both rounding steps. */
            int32_t mult = tt_chance(&r, 25) ? (1 << 30) : tt_int(&r, 1 << 30, INT32_MAX);
            if (tt_chance(&r, 30)) mult = tt_chance(&r, 3) ? INT32_MIN : -mult; /* negative weight scales */
            int32_t shift = tt_int(&r, -31, 12);
            if (mult == INT32_MIN && shift > 0) shift = 0; /* the compiler refuses the rest */
            int32_t lim = shift > 0 ? (INT32_MAX >> shift) : INT32_MAX;
            int32_t x = tt_chance(&r, 50) ? tt_int(&r, -lim, lim) : tt_int(&r, -70000, 70000);
            int32_t got = tfg_requant(x, mult, shift), want = nr_mbqm(x, mult, shift);
            /* Both word-size forms, whichever this host compiles tfg_requant to. */
            if (tfg_requant32(x, mult, shift) != want || tfg_requant64(x, mult, shift) != want) got = ~want;
            if (got != want) {
                TT_LOG("tfg_requant(%d, %d, %d) = %d, want %d\n", x, mult, shift, got, want);
                TT_CHECK(got == want);
                break;
            }
        }
    }
    tt_end();
}

/* The compiler's prepared requantization for n channels (weight row oc at
 * w + oc * w_stride, element j at j * j_stride), shift 0 where it does not
 * apply: the rule of src/lower/lower.c, restated. A weight meets a factor of
 * at most amax: 128 with the zero point folded into the bias, 255 where
 * the kernel subtracts it (TRANSPOSE_CONV). */
static tfg_rq_t *prepared_rq_amax(const int32_t *mult, const int32_t *shift, int32_t out_zp,
                                  const int32_t *fbias, const int8_t *w, int taps, int n, int w_stride,
                                  int j_stride, int amax)
{
    tfg_rq_t *rq = xmalloc(sizeof(tfg_rq_t) * (size_t)n);
    for (int oc = 0; oc < n; oc++) {
        int64_t abs_sum = 0;
        for (int j = 0; j < taps; j++) abs_sum += abs(w[(size_t)oc * w_stride + (size_t)j * j_stride]);
        if (llabs((long long)fbias[oc]) + amax * abs_sum >= (INT64_C(1) << 30) ||
            !tfg_rq_make(mult[oc], shift[oc], out_zp, &rq[oc]))
            tfg_rq_general(mult[oc], shift[oc], &rq[oc]); /* this channel: the general form */
    }
    return rq;
}

static tfg_rq_t *prepared_rq_strided(const int32_t *mult, const int32_t *shift, int32_t out_zp,
                                     const int32_t *fbias, const int8_t *w, int taps, int n, int w_stride,
                                     int j_stride)
{
    return prepared_rq_amax(mult, shift, out_zp, fbias, w, taps, n, w_stride, j_stride, 128);
}

static tfg_rq_t *prepared_rq(const int32_t *mult, const int32_t *shift, int32_t out_zp, const int32_t *fbias,
                             const int8_t *w, int taps, int n)
{
    return prepared_rq_strided(mult, shift, out_zp, fbias, w, taps, n, taps, 1);
}

/* A side stream of random choices for case case_no of a kernel (salt): what
 * is drawn from it leaves the main stream, and so the shapes and data of
 * every later case, as they were. */
static tt_rng_t side_rng(uint64_t salt, int case_no)
{
    tt_rng_t r = {salt * UINT64_C(0x100000001B3) + (uint64_t)case_no};
    return r;
}

/* Cases whose multipliers include negative ones, and negative channels seen. */
static int neg_mult_cases, neg_mult_channels;

/* Negative weight scales (MCUNet's zoo has them) give negative multipliers:
 * QuantizeMultiplier of -m is -mult of m, or -2^31 with m's shift less one
 * where m's mantissa was renormalised. In one case in six (a side stream
 * keyed by salt, so other cases keep their data) some channels' multipliers
 * are negated (all of them when per-tensor: one scale), now and then to
 * -2^31 (QuantizeMultiplier's value where the mantissa rounds to -1) where
 * there is no left shift; those channels then take the
 * general requantization form on the DSP paths, which is what this checks
 * case by case. */
static void maybe_negate(uint64_t salt, int case_no, int per_channel, int32_t *mult, int32_t *shift, int n)
{
    tt_rng_t side = side_rng(salt, case_no);
    if (!tt_chance(&side, 16)) return;
    const int all = !per_channel || tt_chance(&side, 30);
    int any = 0;
    for (int oc = 0; oc < n; oc++) {
        if (!all && !tt_chance(&side, 50)) continue;
        mult[oc] = -mult[oc];
        if (shift[oc] <= 0 && tt_chance(&side, 10)) mult[oc] = INT32_MIN;
        any = 1, neg_mult_channels++;
    }
    neg_mult_cases += any;
}

/* rq as the compiler hands it to a kernel: one entry per channel, each
 * prepared or general (src/lower/lower.c). In one case of eight, some
 * channels are also turned into the general form (the same multiplier and
 * shift), so that kernels meet the per-channel mix of the two forms. Every
 * path reads rq: the portable ones take (mult, shift) back from it. */
static const tfg_rq_t *rq_as_compiled(tt_rng_t *side, tfg_rq_t *rq, int n)
{
    if (tt_chance(side, 12))
        for (int oc = 0; oc < n; oc++)
            if (tt_chance(side, 40)) tfg_rq_general(tfg_rq_mult(&rq[oc]), tfg_rq_shift(&rq[oc]), &rq[oc]);
    return rq;
}

/* For a failing case's log: which channels had the prepared form. */
static const char *rq_desc(const tfg_rq_t *rq, int n)
{
    int prepared = 0;
    for (int oc = 0; rq && oc < n; oc++) prepared += rq[oc].shift != 0;
    return prepared == n ? " rq all" : prepared ? " rq some" : " rq none";
}

/* ---- CONV_2D ------------------------------------------------------------ */

enum { FAM_GENERIC, FAM_1X1_S1, FAM_1X1_S2, FAM_TALL, FAM_FEW_CH, FAM_COUNT };

static void check_conv_residual(tt_rng_t *r, tfg_conv_params_t *p, const int8_t *in, const int8_t *conv_out,
                                size_t out_n, void *scratch, int case_no);

/* NARROW cases, those reading their columns in place (no scratch), and those
 * with every channel's requantization prepared (the DSP build's fast copy). */
static int conv_narrow_cases, conv_narrow_in_place, conv_narrow_prepared;
/* In-place pointwise cases (output over the input): more output channels
 * than input (pairs last to first), fewer or as many (first to last). */
static int conv_over_grow, conv_over_shrink;

/* The pointwise conv p again, its output written over its input: one
 * guarded buffer the larger of the two, the input at its start, as the
 * planner ties them. The bytes must be the reference's. */
static void check_conv_over_input(const tfg_conv_params_t *p0, const int8_t *in, size_t in_n,
                                  const int8_t *want, size_t out_n, int case_no)
{
    tfg_conv_params_t p = *p0;
    p.in_place = 1;
    const size_t n = in_n > out_n ? in_n : out_n;
    int8_t *buf = tt_guarded_alloc(n, 0x33);
    memcpy(buf, in, in_n);
    void *scratch = new_scratch(tfg_conv_s8_scratch_size(&p));
    tt_begin();
    tfg_conv_s8(&p, buf, buf, scratch);
    if (!compare_buf("conv in place", case_no, buf, want, out_n, n))
        TT_LOG("  %dx%d pixels, %d -> %d channels, %s\n", p.out_h, p.out_w, p.in_c, p.out_c,
               p.variant == TFG_CONV_NARROW ? "NARROW" : "WIDE");
    tt_end();
    if (p.out_c > p.in_c)
        conv_over_grow++;
    else
        conv_over_shrink++;
    tt_guarded_free(buf);
    free(scratch);
}

static void test_conv_case(tt_rng_t *r, int case_no)
{
    int fam = tt_int(r, 0, FAM_COUNT - 1);
    nr_conv_t q;
    memset(&q, 0, sizeof q);
    int same = tt_chance(r, 50);
    q.in_h = tt_int(r, 1, 17);
    q.in_w = tt_int(r, 1, 17);
    q.in_c = tt_chance(r, 30) ? tt_int(r, 1, 8) : tt_int(r, 1, 40);
    q.out_c = tt_chance(r, 30) ? tt_int(r, 1, 8) : tt_int(r, 1, 40);
    q.k_h = tt_int(r, 1, 7);
    q.k_w = tt_chance(r, 70) ? q.k_h : tt_int(r, 1, 7);
    q.stride_h = tt_int(r, 1, 2);
    q.stride_w = tt_chance(r, 80) ? q.stride_h : tt_int(r, 1, 2);
    q.dil_h = tt_chance(r, 75) ? 1 : 2;
    q.dil_w = tt_chance(r, 80) ? q.dil_h : tt_int(r, 1, 2);
    switch (fam) {
    case FAM_1X1_S1:
    case FAM_1X1_S2:
        q.k_h = q.k_w = 1;
        q.stride_h = q.stride_w = fam == FAM_1X1_S1 ? 1 : 2;
        q.dil_h = q.dil_w = 1;
        same = 0;
        break;
    case FAM_TALL: /* e.g. keyword-spotting models: 10x4, 10x8 kernels */
        q.k_h = 10;
        q.k_w = tt_chance(r, 50) ? 4 : 8;
        q.dil_h = q.dil_w = 1;
        q.in_h = tt_int(r, 1, 25);
        q.in_w = tt_int(r, 1, 12);
        q.in_c = tt_int(r, 1, 3);
        break;
    case FAM_FEW_CH: /* first layers: RGB or mono input, 3x3 stride 2 */
        q.in_c = tt_int(r, 1, 3);
        q.k_h = q.k_w = 3;
        q.stride_h = q.stride_w = 2;
        q.dil_h = q.dil_w = 1;
        break;
    default: break;
    }
    /* VALID needs the (dilated) kernel to fit; otherwise grow the image. */
    if (!same) {
        int ekh = (q.k_h - 1) * q.dil_h + 1, ekw = (q.k_w - 1) * q.dil_w + 1;
        if (q.in_h < ekh) q.in_h = ekh + tt_int(r, 0, 3);
        if (q.in_w < ekw) q.in_w = ekw + tt_int(r, 0, 3);
    }
    nr_out_size(q.in_h, q.k_h, q.stride_h, q.dil_h, same, &q.out_h, &q.pad_top);
    nr_out_size(q.in_w, q.k_w, q.stride_w, q.dil_w, same, &q.out_w, &q.pad_left);
    /* Keep the case cheap enough for sanitizer runs. */
    while ((long)q.out_h * q.out_w * q.out_c * q.k_h * q.k_w * q.in_c > 1500000 &&
           (q.in_c > 1 || q.out_c > 1)) {
        if (q.in_c >= q.out_c)
            q.in_c = (q.in_c + 1) / 2;
        else
            q.out_c = (q.out_c + 1) / 2;
    }

    int per_channel = tt_chance(r, 60);
    int saturate = tt_chance(r, 15);
    int taps = q.k_h * q.k_w * q.in_c;
    q.in_zp = tt_int(r, -128, 127);
    q.out_zp = tt_int(r, -128, 127);
    pick_act(r, q.out_zp, &q.act_min, &q.act_max);

    size_t in_n = (size_t)q.in_h * q.in_w * q.in_c;
    size_t out_n = (size_t)q.out_h * q.out_w * q.out_c;
    size_t w_n = (size_t)q.out_c * taps;
    int8_t *in = xmalloc(in_n), *w = xmalloc(w_n), *want = xmalloc(out_n);
    int32_t *bias = xmalloc(sizeof(int32_t) * q.out_c), *fbias = xmalloc(sizeof(int32_t) * q.out_c);
    int32_t *mult = xmalloc(sizeof(int32_t) * q.out_c), *shift = xmalloc(sizeof(int32_t) * q.out_c);
    tt_fill_s8(r, in, in_n, -128, 127);
    tt_fill_s8(r, w, w_n, -127, 127);
    int has_bias = tt_chance(r, 85);
    int32_t bias_mag = (int32_t)(sqrt((double)taps) * 8000.0);
    int64_t bound = (int64_t)taps * 127 * 255 + bias_mag;
    double real0 = maybe_pot(r, pick_real_mult(r, taps, saturate));
    for (int oc = 0; oc < q.out_c; oc++) {
        bias[oc] = has_bias ? tt_int(r, -bias_mag, bias_mag) : 0;
        /* Per-tensor quantization repeats one multiplier for every channel. */
        if (per_channel || oc == 0)
            quant_mult_bounded(per_channel ? real0 * exp2(tt_uniform(r, -1.5, 1.5)) : real0, bound, &mult[oc],
                               &shift[oc]);
        else {
            mult[oc] = mult[0];
            shift[oc] = shift[0];
        }
        /* The compiler's fold: bias' = bias - in_zp * sum(w of this channel). */
        int64_t wsum = 0;
        for (int t = 0; t < taps; t++) wsum += w[(size_t)oc * taps + t];
        fbias[oc] = (int32_t)(bias[oc] - (int64_t)q.in_zp * wsum);
    }
    q.weights = w;
    q.bias = has_bias ? bias : NULL;
    q.mult = mult;
    q.shift = shift;
    maybe_negate(91, case_no, per_channel, mult, shift, q.out_c);
    nr_conv(&q, in, want);

    tfg_conv_params_t p = {
        .in_h = q.in_h,
        .in_w = q.in_w,
        .in_c = q.in_c,
        .out_h = q.out_h,
        .out_w = q.out_w,
        .out_c = q.out_c,
        .k_h = q.k_h,
        .k_w = q.k_w,
        .stride_h = q.stride_h,
        .stride_w = q.stride_w,
        .dil_h = q.dil_h,
        .dil_w = q.dil_w,
        .pad_top = q.pad_top,
        .pad_left = q.pad_left,
        .in_zp = q.in_zp,
        .out_zp = q.out_zp,
        .act_min = q.act_min,
        .act_max = q.act_max,
        .weights = w,
        .bias = fbias,
    };
    void *in_block, *w_block;
    const int8_t *in_k = misaligned_copy(r, in, in_n, &in_block);
    /* The kernel reads weights in its build's layout, as the compiler lays
     * them out (4-byte aligned, as the contract says). */
#if TFG_CONV_PACKED
    w_block = xmalloc(tfg_conv_packed_bytes(&p));
    tfg_conv_pack_weights(&p, w, w_block);
#else
    w_block = xmalloc(w_n);
    memcpy(w_block, w, w_n);
#endif
    p.weights = w_block;
    tfg_rq_t *rq = prepared_rq(mult, shift, q.out_zp, fbias, w, taps, q.out_c);
    tt_rng_t side = side_rng(11, case_no);
    p.rq = rq_as_compiled(&side, rq, q.out_c);
    /* 1 case in 3 with int8 columns (the least scratch: none in place). */
    if (tt_chance(&side, 33)) {
        p.variant = TFG_CONV_NARROW, conv_narrow_cases++;
        if (tfg_conv_s8_scratch_size(&p) == 0) conv_narrow_in_place++;
        int prepared = p.rq != 0;
        for (int oc = 0; prepared && oc < q.out_c; oc++) prepared = p.rq[oc].shift != 0;
        conv_narrow_prepared += prepared;
    }
    void *scratch = new_scratch(tfg_conv_s8_scratch_size(&p));
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    tfg_conv_s8(&p, in_k, got, scratch);
    if (!compare_out("conv", case_no, got, want, out_n))
        TT_LOG("  in %dx%dx%d out %dx%dx%d k %dx%d stride %d,%d dil %d,%d %s pad %d,%d in_zp %d out_zp %d "
               "act [%d,%d] %s%s mult0 %d shift0 %d%s\n",
               q.in_h, q.in_w, q.in_c, q.out_h, q.out_w, q.out_c, q.k_h, q.k_w, q.stride_h, q.stride_w,
               q.dil_h, q.dil_w, same ? "SAME" : "VALID", q.pad_top, q.pad_left, q.in_zp, q.out_zp, q.act_min,
               q.act_max, per_channel ? "per-channel" : "per-tensor", has_bias ? "" : " no-bias", mult[0],
               shift[0], rq_desc(p.rq, q.out_c));
    if (p.variant == TFG_CONV_NARROW) TT_LOG("  NARROW columns\n");
    tt_end();
    /* 1 case in 4: the same conv with a residual ADD fused into its output. */
    if (tt_chance(&side, 25)) check_conv_residual(&side, &p, in_k, want, out_n, scratch, case_no);
    /* Every pointwise stride-1 case: again over its own input. */
    if (fam == FAM_1X1_S1) check_conv_over_input(&p, in, in_n, want, out_n, case_no);
    tt_guarded_free(got);
    free(scratch), free(in_block), free(w_block), free(rq);
    free(in), free(w), free(want), free(bias), free(fbias), free(mult), free(shift);
}

/* ---- DEPTHWISE_CONV_2D --------------------------------------------------- */

/* What the depthwise cases reached, by the code paths of runtime/dwconv.c:
 * ROWS (with the 32-bit cores' register blocks: depth_mult 1, 4+ channels, a
 * pixel whose window lies inside the image) and PLANE, whose DSP build has
 * 3x3 stride 1 and 2, unrolled 5x5 and 7x7 and any-size copies for dilation
 * 1, each with the prepared requantization over the full int8 range, with a
 * narrower activation clamp, or the general form. test_dwconv_coverage fails
 * when a generator change leaves one of them out. */
enum {
    DWC_ROWS,
    DWC_ROWS_BLOCKS,
    DWC_PLANE_3X3_S1,
    DWC_PLANE_3X3_S2,
    DWC_PLANE_5X5,
    DWC_PLANE_7X7,
    DWC_PLANE_OTHER_K,
    DWC_PLANE_COLUMN,
    DWC_PLANE_DILATED,
    DWC_PLANE_IN_PLACE,
    DWC_PLANE_DEPTH_MULT,
    DWC_PLANE_RQ_FULL,
    DWC_PLANE_RQ_CLAMP,
    DWC_PLANE_RQ_GENERAL,
    DWC_STRIP,
    DWC_STRIP_IN_PLACE,
    DWC_COUNT
};
static const char *const dwc_names[DWC_COUNT] = {
    "rows",           "rows-blocks",        "plane-3x3/s1",
    "plane-3x3/s2",   "plane-5x5",          "plane-7x7",
    "plane-other-k",  "plane-column-kx1",   "plane-dilated",
    "plane-in-place", "plane-depth_mult>1", "plane-rq-full",
    "plane-rq-clamp", "plane-rq-general",   "strip",
    "strip-in-place",
};
static int dw_cover[DWC_COUNT];

/* True when some output pixel's (dilated) window lies inside the image. */
static int dw_has_interior(const nr_conv_t *q)
{
    int y_in = 0, x_in = 0;
    for (int oy = 0; oy < q->out_h; oy++) {
        const int iy = oy * q->stride_h - q->pad_top;
        y_in |= iy >= 0 && iy + (q->k_h - 1) * q->dil_h < q->in_h;
    }
    for (int ox = 0; ox < q->out_w; ox++) {
        const int ix = ox * q->stride_w - q->pad_left;
        x_in |= ix >= 0 && ix + (q->k_w - 1) * q->dil_w < q->in_w;
    }
    return y_in && x_in;
}

static void dw_count_coverage(const nr_conv_t *q, int variant, int in_place, const tfg_rq_t *rq)
{
    const int plane = variant != TFG_DW_ROWS; /* STRIP runs PLANE's loops on a few rows */
    if (variant == TFG_DW_STRIP) {
        dw_cover[DWC_STRIP]++;
        if (in_place) dw_cover[DWC_STRIP_IN_PLACE]++;
    }
    if (!plane) {
        dw_cover[DWC_ROWS]++;
        if (q->depth_mult == 1 && q->in_c >= 4 && dw_has_interior(q)) dw_cover[DWC_ROWS_BLOCKS]++;
        return;
    }
    if (in_place) dw_cover[DWC_PLANE_IN_PLACE]++;
    if (q->depth_mult > 1) dw_cover[DWC_PLANE_DEPTH_MULT]++;
    if (q->dil_h > 1 || q->dil_w > 1) {
        dw_cover[DWC_PLANE_DILATED]++;
        return;
    }
    /* a tall k x 1 kernel over one column: PLANE runs it as a 1 x k row (dwconv.c as_row) */
    if (variant == TFG_DW_PLANE && q->k_w == 1 && q->out_w == 1 && q->k_h > 1) dw_cover[DWC_PLANE_COLUMN]++;
    if (q->k_h == 3 && q->k_w == 3 && q->stride_w <= 2)
        dw_cover[q->stride_w == 1 ? DWC_PLANE_3X3_S1 : DWC_PLANE_3X3_S2]++;
    else if (q->k_h == q->k_w && (q->k_h == 5 || q->k_h == 7))
        dw_cover[q->k_h == 5 ? DWC_PLANE_5X5 : DWC_PLANE_7X7]++;
    else
        dw_cover[DWC_PLANE_OTHER_K]++;
    int prepared = 0, general = 0;
    for (int oc = 0; oc < q->out_c; oc++) {
        if (rq && rq[oc].shift)
            prepared = 1;
        else
            general = 1;
    }
    if (general) dw_cover[DWC_PLANE_RQ_GENERAL]++;
    if (prepared)
        dw_cover[q->act_min == -128 && q->act_max == 127 ? DWC_PLANE_RQ_FULL : DWC_PLANE_RQ_CLAMP]++;
}

static void test_dwconv_case(tt_rng_t *r, int case_no)
{
    /* The variant and the PLANE kernel sizes come from the side stream. */
    tt_rng_t side = side_rng(12, case_no);
    const int pick = tt_int(&side, 0, 99);
    const int variant = pick < 45 ? TFG_DW_ROWS : pick < 75 ? TFG_DW_PLANE : TFG_DW_STRIP;
    const int plane = variant != TFG_DW_ROWS;
    nr_conv_t q;
    memset(&q, 0, sizeof q);
    int same = tt_chance(r, 55);
    q.in_h = tt_int(r, 1, 17);
    q.in_w = tt_int(r, 1, 17);
    q.in_c = tt_int(r, 1, 40);
    q.depth_mult = tt_chance(r, 70) ? 1 : tt_int(r, 2, 4);
    if (q.depth_mult > 1 && tt_chance(r, 50)) q.in_c = tt_int(r, 1, 3); /* e.g. a first layer */
    q.k_h = tt_chance(r, 60) ? 3 : tt_int(r, 1, 7);
    q.k_w = tt_chance(r, 80) ? q.k_h : tt_int(r, 1, 7);
    if (tt_chance(r, 5)) {
        q.k_h = 10;
        q.k_w = tt_chance(r, 50) ? 4 : 8;
    }
    q.stride_h = tt_int(r, 1, 2);
    q.stride_w = tt_chance(r, 85) ? q.stride_h : tt_int(r, 1, 2);
    q.dil_h = tt_chance(r, 75) ? 1 : 2;
    q.dil_w = tt_chance(r, 85) ? q.dil_h : tt_int(r, 1, 2);
    /* PLANE's DSP build has unrolled copies for 5x5 and 7x7: make them common. */
    if (plane && tt_chance(&side, 25)) q.k_h = q.k_w = tt_chance(&side, 50) ? 5 : 7;
    /* and a row form for tall k x 1 kernels over one column (wake-word nets): 2 to 16 taps */
    if (plane && tt_chance(&side, 15)) {
        q.in_w = 1, q.k_w = 1, q.stride_w = 1, q.dil_w = 1;
        q.k_h = tt_int(&side, 2, 16), q.in_h = tt_int(&side, 1, 40);
    }
    if (!same) {
        int ekh = (q.k_h - 1) * q.dil_h + 1, ekw = (q.k_w - 1) * q.dil_w + 1;
        if (q.in_h < ekh) q.in_h = ekh + tt_int(r, 0, 3);
        if (q.in_w < ekw) q.in_w = ekw + tt_int(r, 0, 3);
    }
    nr_out_size(q.in_h, q.k_h, q.stride_h, q.dil_h, same, &q.out_h, &q.pad_top);
    nr_out_size(q.in_w, q.k_w, q.stride_w, q.dil_w, same, &q.out_w, &q.pad_left);
    q.out_c = q.in_c * q.depth_mult;
    int in_place = q.depth_mult == 1 && tt_chance(r, 35);

    int per_channel = tt_chance(r, 60);
    int saturate = tt_chance(r, 15);
    int taps = q.k_h * q.k_w;
    q.in_zp = tt_int(r, -128, 127);
    q.out_zp = tt_int(r, -128, 127);
    pick_act(r, q.out_zp, &q.act_min, &q.act_max);

    size_t in_n = (size_t)q.in_h * q.in_w * q.in_c;
    size_t out_n = (size_t)q.out_h * q.out_w * q.out_c;
    size_t w_n = (size_t)taps * q.out_c;
    int8_t *in = xmalloc(in_n), *w = xmalloc(w_n), *want = xmalloc(out_n);
    int32_t *bias = xmalloc(sizeof(int32_t) * q.out_c), *fbias = xmalloc(sizeof(int32_t) * q.out_c);
    int32_t *mult = xmalloc(sizeof(int32_t) * q.out_c), *shift = xmalloc(sizeof(int32_t) * q.out_c);
    tt_fill_s8(r, in, in_n, -128, 127);
    tt_fill_s8(r, w, w_n, -127, 127);
    int has_bias = tt_chance(r, 85);
    int32_t bias_mag = (int32_t)(sqrt((double)taps) * 8000.0);
    int64_t bound = (int64_t)taps * 127 * 255 + bias_mag;
    double real0 = maybe_pot(r, pick_real_mult(r, taps, saturate));
    for (int oc = 0; oc < q.out_c; oc++) {
        bias[oc] = has_bias ? tt_int(r, -bias_mag, bias_mag) : 0;
        if (per_channel || oc == 0)
            quant_mult_bounded(per_channel ? real0 * exp2(tt_uniform(r, -1.5, 1.5)) : real0, bound, &mult[oc],
                               &shift[oc]);
        else {
            mult[oc] = mult[0];
            shift[oc] = shift[0];
        }
        int64_t wsum = 0; /* depthwise weights are [k_h][k_w][out_c] */
        for (int t = 0; t < taps; t++) wsum += w[(size_t)t * q.out_c + oc];
        fbias[oc] = (int32_t)(bias[oc] - (int64_t)q.in_zp * wsum);
    }
    q.weights = w;
    q.bias = has_bias ? bias : NULL;
    q.mult = mult;
    q.shift = shift;
    maybe_negate(92, case_no, per_channel, mult, shift, q.out_c);
    nr_dwconv(&q, in, want);

    tfg_dwconv_params_t p = {
        .variant = variant,
        .in_h = q.in_h,
        .in_w = q.in_w,
        .in_c = q.in_c,
        .out_h = q.out_h,
        .out_w = q.out_w,
        .depth_mult = q.depth_mult,
        .k_h = q.k_h,
        .k_w = q.k_w,
        .stride_h = q.stride_h,
        .stride_w = q.stride_w,
        .dil_h = q.dil_h,
        .dil_w = q.dil_w,
        .pad_top = q.pad_top,
        .pad_left = q.pad_left,
        .in_zp = q.in_zp,
        .out_zp = q.out_zp,
        .act_min = q.act_min,
        .act_max = q.act_max,
        .weights = w,
        .bias = fbias,
    };
    void *in_block, *w_block;
    const int8_t *in_k = misaligned_copy(r, in, in_n, &in_block);
    p.weights = misaligned_copy(r, w, w_n, &w_block);
    /* Depthwise weights are [k_h][k_w][out_c]: channel oc's taps are out_c apart. */
    tfg_rq_t *rq = prepared_rq_strided(mult, shift, q.out_zp, fbias, w, taps, q.out_c, 1, q.out_c);
    p.rq = rq_as_compiled(&side, rq, q.out_c);
    /* TFLite's SAME and VALID padding always allow STRIP in place. */
    tt_begin();
    TT_CHECK(tfg_dwconv_strip_in_place_ok(&p));
    tt_end();
    dw_count_coverage(&q, variant, in_place, p.rq);
    void *scratch = new_scratch(tfg_dwconv_s8_scratch_size(&p));
    size_t buf_n = in_place ? (in_n > out_n ? in_n : out_n) : out_n;
    int8_t *got = tt_guarded_alloc(buf_n, 0x33);
    tt_begin();
    if (in_place) {
        memcpy(got, in, in_n);
        tfg_dwconv_s8(&p, got, got, scratch);
    } else {
        tfg_dwconv_s8(&p, in_k, got, scratch);
    }
    if (!compare_buf(in_place ? "dwconv(in place)" : "dwconv", case_no, got, want, out_n, buf_n))
        TT_LOG("  %s in %dx%dx%d out %dx%dx%d depth_mult %d k %dx%d stride %d,%d dil %d,%d %s pad %d,%d "
               "in_zp %d "
               "out_zp %d act [%d,%d] %s%s%s%s\n",
               variant == TFG_DW_STRIP ? "STRIP"
               : plane                 ? "PLANE"
                                       : "ROWS",
               q.in_h, q.in_w, q.in_c, q.out_h, q.out_w, q.out_c, q.depth_mult, q.k_h, q.k_w, q.stride_h,
               q.stride_w, q.dil_h, q.dil_w, same ? "SAME" : "VALID", q.pad_top, q.pad_left, q.in_zp,
               q.out_zp, q.act_min, q.act_max, per_channel ? "per-channel" : "per-tensor",
               has_bias ? "" : " no-bias", in_place ? " in-place" : "", rq_desc(p.rq, q.out_c));
    tt_end();
    tt_guarded_free(got);
    free(scratch), free(in_block), free(w_block), free(rq);
    free(in), free(w), free(want), free(bias), free(fbias), free(mult), free(shift);
}

static void test_dwconv_coverage(void)
{
    tt_begin();
    printf("dwconv coverage:");
    for (int i = 0; i < DWC_COUNT; i++) {
        printf(" %s %d", dwc_names[i], dw_cover[i]);
        if (!dw_cover[i]) TT_LOG("dwconv: no case reached %s\n", dwc_names[i]);
        TT_CHECK(dw_cover[i] > 0);
    }
    printf("\n");
    tt_end();
}

/* ---- FULLY_CONNECTED ------------------------------------------------------ */

static void test_fc_case(tt_rng_t *r, int case_no)
{
    nr_fc_t q;
    memset(&q, 0, sizeof q);
    q.batches = tt_int(r, 1, 3);
    q.in_features = tt_chance(r, 20) ? tt_int(r, 100, 1300) : tt_int(r, 1, 70);
    q.out_features = tt_chance(r, 10) ? tt_int(r, 40, 130) : tt_int(r, 1, 40);
    int per_channel = tt_chance(r, 30);
    int saturate = tt_chance(r, 15);
    q.in_zp = tt_int(r, -128, 127);
    q.out_zp = tt_int(r, -128, 127);
    pick_act(r, q.out_zp, &q.act_min, &q.act_max);
    size_t in_n = (size_t)q.batches * q.in_features, out_n = (size_t)q.batches * q.out_features;
    size_t w_n = (size_t)q.out_features * q.in_features;
    int8_t *in = xmalloc(in_n), *w = xmalloc(w_n), *want = xmalloc(out_n);
    int32_t *bias = xmalloc(sizeof(int32_t) * q.out_features),
            *fbias = xmalloc(sizeof(int32_t) * q.out_features);
    int32_t *mult = xmalloc(sizeof(int32_t) * q.out_features),
            *shift = xmalloc(sizeof(int32_t) * q.out_features);
    tt_fill_s8(r, in, in_n, -128, 127);
    tt_fill_s8(r, w, w_n, -127, 127);
    int has_bias = tt_chance(r, 85);
    int32_t bias_mag = (int32_t)(sqrt((double)q.in_features) * 8000.0);
    int64_t bound = (int64_t)q.in_features * 127 * 255 + bias_mag;
    double real0 = maybe_pot(r, pick_real_mult(r, q.in_features, saturate));
    for (int o = 0; o < q.out_features; o++) {
        bias[o] = has_bias ? tt_int(r, -bias_mag, bias_mag) : 0;
        if (per_channel || o == 0)
            quant_mult_bounded(per_channel ? real0 * exp2(tt_uniform(r, -1.5, 1.5)) : real0, bound, &mult[o],
                               &shift[o]);
        else {
            mult[o] = mult[0];
            shift[o] = shift[0];
        }
        int64_t wsum = 0;
        for (int i = 0; i < q.in_features; i++) wsum += w[(size_t)o * q.in_features + i];
        fbias[o] = (int32_t)(bias[o] - (int64_t)q.in_zp * wsum);
    }
    q.weights = w;
    q.bias = has_bias ? bias : NULL;
    q.mult = mult;
    q.shift = shift;
    maybe_negate(93, case_no, per_channel, mult, shift, q.out_features);
    nr_fc(&q, in, want);

    tfg_fc_params_t p = {
        .batches = q.batches,
        .in_features = q.in_features,
        .out_features = q.out_features,
        .out_zp = q.out_zp,
        .act_min = q.act_min,
        .act_max = q.act_max,
        .weights = w,
        .bias = fbias,
    };
    void *in_block, *w_block;
    const int8_t *in_k = misaligned_copy(r, in, in_n, &in_block);
    p.weights = misaligned_copy(r, w, w_n, &w_block);
    tfg_rq_t *rq = prepared_rq(mult, shift, q.out_zp, fbias, w, q.in_features, q.out_features);
    tt_rng_t side = side_rng(13, case_no);
    p.rq = rq_as_compiled(&side, rq, q.out_features);
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    tfg_fc_s8(&p, in_k, got);
    if (!compare_out("fc", case_no, got, want, out_n))
        TT_LOG("  batches %d in %d out %d in_zp %d out_zp %d act [%d,%d] %s mult0 %d shift0 %d%s\n",
               q.batches, q.in_features, q.out_features, q.in_zp, q.out_zp, q.act_min, q.act_max,
               per_channel ? "per-channel" : "per-tensor", mult[0], shift[0], rq_desc(p.rq, q.out_features));
    tt_end();
    tt_guarded_free(got);
    free(in_block), free(w_block), free(rq);
    free(in), free(w), free(want), free(bias), free(fbias), free(mult), free(shift);
}

/* ---- TRANSPOSE_CONV ------------------------------------------------------- */

/* Cases whose output size is not the usual one (taps cut off at the edges,
 * or pixels no tap reaches). */
static int tconv_odd_sizes;

/* The gather kernel against the reference's scatter: strides 1..3, kernels
 * 1..5, SAME and VALID, and besides the converter's output sizes (in*stride,
 * (in-1)*stride + k) any other, which TFLM accepts. */
static void test_tconv_case(tt_rng_t *r, int case_no)
{
    nr_conv_t q;
    memset(&q, 0, sizeof q);
    q.in_h = tt_int(r, 1, 9);
    q.in_w = tt_int(r, 1, 9);
    q.in_c = tt_chance(r, 30) ? tt_int(r, 1, 4) : tt_int(r, 1, 32);
    q.out_c = tt_chance(r, 30) ? tt_int(r, 1, 4) : tt_int(r, 1, 32);
    q.k_h = tt_int(r, 1, 5);
    q.k_w = tt_chance(r, 70) ? q.k_h : tt_int(r, 1, 5);
    q.stride_h = tt_int(r, 1, 3);
    q.stride_w = tt_chance(r, 80) ? q.stride_h : tt_int(r, 1, 3);
    q.dil_h = q.dil_w = 1;
    const int same = tt_chance(r, 50), kind = tt_int(r, 0, 3);
    if (kind == 0 || (kind == 1 && same)) { /* what the converter writes */
        q.out_h = same ? q.in_h * q.stride_h : (q.in_h - 1) * q.stride_h + q.k_h;
        q.out_w = same ? q.in_w * q.stride_w : (q.in_w - 1) * q.stride_w + q.k_w;
    } else if (kind == 1) {
        q.out_h = (q.in_h - 1) * q.stride_h + q.k_h;
        q.out_w = (q.in_w - 1) * q.stride_w + q.k_w;
    } else {
        q.out_h = tt_int(r, 1, q.in_h * q.stride_h + q.k_h);
        q.out_w = tt_int(r, 1, q.in_w * q.stride_w + q.k_w);
        tconv_odd_sizes++;
    }
    q.pad_top = nr_tconv_pad(q.out_h, q.k_h, q.stride_h, same);
    q.pad_left = nr_tconv_pad(q.out_w, q.k_w, q.stride_w, same);
    const int per_channel = tt_chance(r, 70), saturate = tt_chance(r, 15);
    const int taps = q.k_h * q.k_w * q.in_c;
    q.in_zp = tt_int(r, -128, 127);
    q.out_zp = tt_int(r, -128, 127);
    pick_act(r, q.out_zp, &q.act_min, &q.act_max);
    const size_t in_n = (size_t)q.in_h * q.in_w * q.in_c, out_n = (size_t)q.out_h * q.out_w * q.out_c,
                 w_n = (size_t)q.out_c * taps;
    int8_t *in = xmalloc(in_n), *w = xmalloc(w_n), *want = xmalloc(out_n);
    int32_t *bias = xmalloc(sizeof(int32_t) * q.out_c), *zeros = xmalloc(sizeof(int32_t) * q.out_c);
    int32_t *mult = xmalloc(sizeof(int32_t) * q.out_c), *shift = xmalloc(sizeof(int32_t) * q.out_c);
    tt_fill_s8(r, in, in_n, -128, 127);
    tt_fill_s8(r, w, w_n, -127, 127);
    const int has_bias = tt_chance(r, 80);
    const int32_t bias_mag = (int32_t)(sqrt((double)taps) * 8000.0);
    const int64_t bound = (int64_t)taps * 127 * 255 + bias_mag;
    const double real0 = maybe_pot(r, pick_real_mult(r, taps, saturate));
    for (int oc = 0; oc < q.out_c; oc++) {
        bias[oc] = has_bias ? tt_int(r, -bias_mag, bias_mag) : 0;
        zeros[oc] = 0;
        if (per_channel || oc == 0)
            quant_mult_bounded(per_channel ? real0 * exp2(tt_uniform(r, -1.5, 1.5)) : real0, bound, &mult[oc],
                               &shift[oc]);
        else
            mult[oc] = mult[0], shift[oc] = shift[0];
    }
    q.weights = w;
    q.bias = has_bias ? bias : NULL;
    q.mult = mult;
    q.shift = shift;
    maybe_negate(94, case_no, per_channel, mult, shift, q.out_c);
    nr_transpose_conv(&q, in, want);

    /* taps add (x - in_zp) * w, up to 255 |w| */
    tfg_rq_t *rq = prepared_rq_amax(mult, shift, q.out_zp, bias, w, taps, q.out_c, taps, 1, 255);
    tt_rng_t side = side_rng(14, case_no);
    tfg_transpose_conv_params_t p = {
        .in_h = q.in_h,
        .in_w = q.in_w,
        .in_c = q.in_c,
        .out_h = q.out_h,
        .out_w = q.out_w,
        .out_c = q.out_c,
        .k_h = q.k_h,
        .k_w = q.k_w,
        .stride_h = q.stride_h,
        .stride_w = q.stride_w,
        .pad_top = q.pad_top,
        .pad_left = q.pad_left,
        .in_zp = q.in_zp,
        .out_zp = q.out_zp,
        .act_min = q.act_min,
        .act_max = q.act_max,
        .bias = has_bias ? bias : zeros,
        .rq = rq_as_compiled(&side, rq, q.out_c),
    };
    void *in_block, *w_block;
    const int8_t *in_k = misaligned_copy(r, in, in_n, &in_block);
    p.weights = misaligned_copy(r, w, w_n, &w_block);
    int8_t *got = tt_guarded_alloc(out_n, 0x35);
    tt_begin();
    tfg_transpose_conv_s8(&p, in_k, got);
    if (!compare_out("transpose_conv", case_no, got, want, out_n))
        TT_LOG("  in %dx%dx%d out %dx%dx%d k %dx%d s %d,%d pad %d,%d %s in_zp %d out_zp %d act [%d,%d]%s\n",
               q.in_h, q.in_w, q.in_c, q.out_h, q.out_w, q.out_c, q.k_h, q.k_w, q.stride_h, q.stride_w,
               q.pad_top, q.pad_left, same ? "SAME" : "VALID", q.in_zp, q.out_zp, q.act_min, q.act_max,
               rq_desc(p.rq, q.out_c));
    tt_end();
    tt_guarded_free(got);
    free(in_block), free(w_block), free(rq);
    free(in), free(w), free(want), free(bias), free(zeros), free(mult), free(shift);
}

/* ---- BATCH_MATMUL --------------------------------------------------------- */

/* Cases with a broadcast batch axis, and with each transposition flag. */
static int bmm_broadcast, bmm_adj_x, bmm_adj_y;

/* Ranks 2..5 on each side, batch axes of either side broadcast, either
 * side transposed, any zero points: the strided kernel against the
 * reference's index arithmetic. */
static void test_bmm_case(tt_rng_t *r, int case_no)
{
    nr_bmm_t q;
    memset(&q, 0, sizeof q);
    q.lhs_rank = tt_int(r, 2, 5);
    q.rhs_rank = tt_int(r, 2, 5);
    const int rank = q.lhs_rank > q.rhs_rank ? q.lhs_rank : q.rhs_rank;
    int batch[3] = {1, 1, 1};
    bool bc = false;
    for (int i = 0; i < rank - 2; i++) batch[i] = tt_int(r, 1, 3);
    for (int i = 0; i < rank - 2; i++) { /* right-aligned batch axes; 1 where broadcast */
        const int li = i - (rank - q.lhs_rank), ri = i - (rank - q.rhs_rank);
        /* a side broadcasts only where the other has the axis */
        const bool l1 = ri >= 0 && tt_chance(r, 25), r1 = !l1 && li >= 0 && tt_chance(r, 25);
        if (li >= 0) q.lhs_dims[li] = l1 ? 1 : batch[i];
        if (ri >= 0) q.rhs_dims[ri] = r1 ? 1 : batch[i];
        bc |= batch[i] > 1 && (li < 0 || ri < 0 || l1 || r1);
    }
    const int m = tt_int(r, 1, 20), n = tt_int(r, 1, 20),
              k = tt_chance(r, 20) ? tt_int(r, 64, 400) : tt_int(r, 1, 64);
    q.adj_x = tt_chance(r, 40);
    q.adj_y = tt_chance(r, 50);
    q.lhs_dims[q.lhs_rank - 2] = q.adj_x ? k : m, q.lhs_dims[q.lhs_rank - 1] = q.adj_x ? m : k;
    q.rhs_dims[q.rhs_rank - 2] = q.adj_y ? n : k, q.rhs_dims[q.rhs_rank - 1] = q.adj_y ? k : n;
    q.lhs_zp = tt_int(r, -128, 127);
    q.rhs_zp = tt_int(r, -128, 127);
    q.out_zp = tt_int(r, -128, 127);
    /* a bias and an activation as FULLY_CONNECTED with activation weights has */
    const int32_t bias_mag = (int32_t)(sqrt((double)k) * 8000.0);
    int32_t *bias = tt_chance(r, 40) ? xmalloc(sizeof(int32_t) * (size_t)n) : NULL;
    for (int j = 0; bias && j < n; j++) bias[j] = tt_int(r, -bias_mag, bias_mag);
    q.bias = bias;
    q.act_min = -128, q.act_max = 127;
    if (bias) pick_act(r, q.out_zp, &q.act_min, &q.act_max);
    quant_mult_bounded(maybe_pot(r, pick_real_mult(r, k, tt_chance(r, 15))),
                       (int64_t)k * 255 * 255 + bias_mag, &q.mult, &q.shift);
    size_t ln = 1, rn = 1, on = (size_t)m * n;
    for (int i = 0; i < q.lhs_rank; i++) ln *= (size_t)q.lhs_dims[i];
    for (int i = 0; i < q.rhs_rank; i++) rn *= (size_t)q.rhs_dims[i];
    for (int i = 0; i < rank - 2; i++) on *= (size_t)batch[i];
    int8_t *lhs = xmalloc(ln), *rhs = xmalloc(rn), *want = xmalloc(on);
    tt_fill_s8(r, lhs, ln, -128, 127);
    tt_fill_s8(r, rhs, rn, -128, 127);
    int odims[5];
    nr_batch_matmul(&q, lhs, rhs, want, odims);
    for (int i = 0; i < rank - 2; i++) TT_CHECK(odims[i] == batch[i]);

    /* The kernel's view: everything right-aligned to rank 5. */
    tfg_batch_matmul_params_t p = {.rows = m, .cols = n, .depth = k};
    int le[5], re[5];
    for (int i = 0; i < 5; i++) {
        le[i] = i - (5 - q.lhs_rank) >= 0 ? q.lhs_dims[i - (5 - q.lhs_rank)] : 1;
        re[i] = i - (5 - q.rhs_rank) >= 0 ? q.rhs_dims[i - (5 - q.rhs_rank)] : 1;
    }
    for (int i = 0; i < 3; i++) {
        p.batch[i] = i - (3 - (rank - 2)) >= 0 ? batch[i - (3 - (rank - 2))] : 1;
    }
    for (int i = 0; i < 3; i++) { /* contiguous strides of each side's axis i */
        int ls = 1, rs = 1;
        for (int j = i + 1; j < 5; j++) ls *= le[j], rs *= re[j];
        p.lhs_batch[i] = le[i] == 1 ? 0 : ls;
        p.rhs_batch[i] = re[i] == 1 ? 0 : rs;
    }
    p.lhs_row = q.adj_x ? 1 : k, p.lhs_depth = q.adj_x ? m : 1;
    p.rhs_depth = q.adj_y ? 1 : n, p.rhs_col = q.adj_y ? k : 1;
    p.lhs_zp = q.lhs_zp, p.rhs_zp = q.rhs_zp, p.out_zp = q.out_zp;
    p.act_min = q.act_min, p.act_max = q.act_max, p.bias = bias;
    tt_rng_t side = side_rng(15, case_no);
    if ((int64_t)k * 255 * 255 + bias_mag >= (INT64_C(1) << 30) || tt_chance(&side, 15) ||
        !tfg_rq_make(q.mult, q.shift, q.out_zp, &p.rq))
        tfg_rq_general(q.mult, q.shift, &p.rq);
    bmm_broadcast += bc, bmm_adj_x += q.adj_x, bmm_adj_y += q.adj_y;
    void *lb, *rb;
    const int8_t *lk = misaligned_copy(r, lhs, ln, &lb), *rk = misaligned_copy(r, rhs, rn, &rb);
    int8_t *got = tt_guarded_alloc(on, 0x37);
    tt_begin();
    tfg_batch_matmul_s8(&p, lk, rk, got);
    if (!compare_out("batch_matmul", case_no, got, want, on))
        TT_LOG("  ranks %d,%d batch %dx%dx%d m %d n %d k %d adj %d,%d zp %d,%d,%d%s\n", q.lhs_rank,
               q.rhs_rank, p.batch[0], p.batch[1], p.batch[2], m, n, k, q.adj_x, q.adj_y, q.lhs_zp, q.rhs_zp,
               q.out_zp, p.rq.shift ? " prepared" : " general");
    tt_end();
    tt_guarded_free(got);
    free(lb), free(rb), free(lhs), free(rhs), free(want), free(bias);
}

/* ---- ADD / MUL -------------------------------------------------------------- */

enum { BC_SAME, BC_A_VEC, BC_B_VEC, BC_GENERAL, BC_INPLACE_A, BC_INPLACE_B, BC_COUNT };
static const char *const bc_names[BC_COUNT] = {"same-shape", "a=[1,1,1,C]", "b=[1,1,1,C]",
                                               "general-4D", "out==a",      "out==b"};

/* Kernel strides for an input of shape d[] broadcast to the output shape. */
static void bcast_strides(const int *d, int32_t *stride)
{
    int32_t s = 1;
    for (int k = 3; k >= 0; k--) {
        stride[k] = d[k] == 1 ? 0 : s;
        s *= d[k];
    }
}

static long dims_count(const int *d)
{
    return (long)d[0] * d[1] * d[2] * d[3];
}

/* A conv with a fused residual ADD (p->res): out starts as the ADD's other
 * input and must end as nr_add(conv output, residual) in the right operand
 * order, with random ADD quantization. */
static void check_conv_residual(tt_rng_t *r, tfg_conv_params_t *p, const int8_t *in, const int8_t *conv_out,
                                size_t out_n, void *scratch, int case_no)
{
    const int od[4] = {1, p->out_h, p->out_w, p->out_c};
    nr_eltwise_t e;
    memset(&e, 0, sizeof e);
    memcpy(e.a_dims, od, sizeof od);
    memcpy(e.b_dims, od, sizeof od);
    const int conv_is_b = tt_chance(r, 50);
    e.a_zp = conv_is_b ? tt_int(r, -128, 127) : p->out_zp;
    e.b_zp = conv_is_b ? p->out_zp : tt_int(r, -128, 127);
    e.out_zp = tt_int(r, -128, 127);
    pick_act(r, e.out_zp, &e.act_min, &e.act_max);
    const float sa = (float)exp2(tt_uniform(r, -8, -2)), sb = (float)exp2(tt_uniform(r, -8, -2));
    const float so = (float)((sa > sb ? sa : sb) * exp2(tt_uniform(r, -0.5, 1.5)));
    e.left_shift = 20;
    const double twice_max = 2.0 * (double)(sa > sb ? sa : sb);
    nr_quantize_multiplier((double)sa / twice_max, &e.a_mult, &e.a_shift);
    nr_quantize_multiplier((double)sb / twice_max, &e.b_mult, &e.b_shift);
    nr_quantize_multiplier(twice_max / ((double)(1 << 20) * (double)so), &e.out_mult, &e.out_shift);
    int8_t *res = xmalloc(out_n), *want = xmalloc(out_n);
    tt_fill_s8(r, res, (long)out_n, -128, 127);
    nr_add(&e, conv_is_b ? res : conv_out, conv_is_b ? conv_out : res, want);
    /* Half the time the residual sits in a wider region of the buffer (a
     * patch whose residual input carries a halo): rows of res_row pixels,
     * the output's corner res_off pixels in. */
    const int strided = tt_chance(r, 50);
    const int32_t c = p->out_c, res_row = strided ? p->out_w + tt_int(r, 0, 3) : 0;
    const int32_t res_off = strided ? tt_int(r, 0, 2) * res_row + tt_int(r, 0, res_row - p->out_w) : 0;
    const size_t buf_n = strided ? ((size_t)res_off + (size_t)p->out_h * (size_t)res_row) * (size_t)c : out_n;
    tfg_eltwise_params_t ep;
    memset(&ep, 0, sizeof ep);
    memcpy(ep.dims, od, sizeof od);
    bcast_strides(od, ep.a_stride);
    bcast_strides(od, ep.b_stride);
    ep.a_offset = -e.a_zp, ep.b_offset = -e.b_zp, ep.left_shift = e.left_shift;
    ep.a_mult = e.a_mult, ep.a_shift = e.a_shift, ep.b_mult = e.b_mult, ep.b_shift = e.b_shift;
    ep.out_mult = e.out_mult, ep.out_shift = e.out_shift, ep.out_zp = e.out_zp;
    ep.act_min = e.act_min, ep.act_max = e.act_max;
    int8_t *got = tt_guarded_alloc(buf_n, 0x11);
    for (int32_t y = 0; y < p->out_h; y++)
        for (int32_t x = 0; x < p->out_w; x++)
            memcpy(got + ((size_t)res_off + (size_t)y * (size_t)(strided ? res_row : p->out_w) + (size_t)x) *
                             (size_t)c,
                   res + ((size_t)y * (size_t)p->out_w + (size_t)x) * (size_t)c, (size_t)c);
    p->res = &ep;
    p->res_conv_is_b = conv_is_b;
    p->res_row = res_row;
    p->res_off = res_off;
    tt_begin();
    tfg_conv_s8(p, in, got, scratch);
    TT_CHECK(tt_guards_ok(got, buf_n));
    const long diff = tt_first_diff(got, want, out_n);
    TT_CHECK(diff < 0);
    if (diff >= 0) TT_LOG("conv+residual case %d: first difference at %ld\n", case_no, diff);
    if (diff >= 0)
        TT_LOG("  out %dx%dx%d, conv is ADD input %s, residual rows %d from pixel %d\n", p->out_h, p->out_w,
               p->out_c, conv_is_b ? "b" : "a", res_row, res_off);
    tt_end();
    p->res = NULL;
    p->res_row = p->res_off = 0;
    tt_guarded_free(got);
    free(res), free(want);
}

/* op: 0 ADD, 1 MUL, 2 SUB (ADD's arithmetic, b subtracted). */
static void test_eltwise_case(tt_rng_t *r, int case_no, int op)
{
    const int is_mul = op == 1;
    nr_eltwise_t q;
    memset(&q, 0, sizeof q);
    int od[4] = {tt_chance(r, 80) ? 1 : tt_int(r, 1, 3), tt_int(r, 1, 12), tt_int(r, 1, 12),
                 tt_int(r, 1, 40)};
    int mode = tt_int(r, 0, BC_COUNT - 1);
    for (int k = 0; k < 4; k++) q.a_dims[k] = q.b_dims[k] = od[k];
    if (mode == BC_A_VEC || mode == BC_B_VEC) {
        od[0] = 1;
        int *v = mode == BC_A_VEC ? q.a_dims : q.b_dims;
        int *f = mode == BC_A_VEC ? q.b_dims : q.a_dims;
        f[0] = 1;
        v[0] = v[1] = v[2] = 1;
    } else if (mode == BC_GENERAL) {
        for (int k = 0; k < 4; k++) {
            int which = tt_int(r, 0, 2); /* 0: both full, 1: a broadcast, 2: b broadcast */
            if (which == 1) q.a_dims[k] = 1;
            if (which == 2) q.b_dims[k] = 1;
        }
    } else if (mode == BC_INPLACE_A && tt_chance(r, 50)) {
        q.b_dims[0] = q.b_dims[1] = q.b_dims[2] = 1; /* out == a while b broadcasts */
    } else if (mode == BC_INPLACE_B && tt_chance(r, 50)) {
        q.a_dims[0] = q.a_dims[1] = q.a_dims[2] = 1;
    }
    for (int k = 0; k < 4; k++) od[k] = q.a_dims[k] > q.b_dims[k] ? q.a_dims[k] : q.b_dims[k];

    int saturate = tt_chance(r, 15);
    q.a_zp = tt_int(r, -128, 127);
    q.b_zp = tt_int(r, -128, 127);
    q.out_zp = tt_int(r, -128, 127);
    pick_act(r, q.out_zp, &q.act_min, &q.act_max);
    /* Scales as float like the .tflite stores them; Prepare arithmetic in double. */
    float sa = (float)exp2(tt_uniform(r, -8, -1)), sb = (float)exp2(tt_uniform(r, -8, -1));
    int pot = tt_chance(r, 15); /* power-of-two scales: exact rounding ties */
    if (pot) {
        sa = (float)exp2(tt_int(r, -8, -1));
        sb = tt_chance(r, 50) ? sa : (float)exp2(tt_int(r, -8, -1));
    }
    if (is_mul) {
        float so = (float)((double)sa * sb * 255.0 * exp2(tt_uniform(r, -2, 2)));
        if (saturate) so = (float)(so * exp2(-tt_uniform(r, 5, 9)));
        quant_mult_bounded(maybe_pot(r, (double)sa * (double)sb / (double)so), 255 * 255, &q.out_mult,
                           &q.out_shift);
    } else {
        float so = (float)((sa > sb ? sa : sb) * exp2(tt_uniform(r, -0.5, 1.5)));
        if (saturate) so = (float)(so * exp2(-tt_uniform(r, 4, 7)));
        if (pot) so = (float)exp2(floor(log2(so) + 0.5));
        q.left_shift = 20;
        double twice_max = 2.0 * (double)(sa > sb ? sa : sb);
        nr_quantize_multiplier((double)sa / twice_max, &q.a_mult, &q.a_shift);
        nr_quantize_multiplier((double)sb / twice_max, &q.b_mult, &q.b_shift);
        nr_quantize_multiplier(twice_max / ((double)(1 << 20) * (double)so), &q.out_mult, &q.out_shift);
    }

    long a_n = dims_count(q.a_dims), b_n = dims_count(q.b_dims), out_n = dims_count(od);
    int8_t *a = xmalloc(a_n), *b = xmalloc(b_n), *want = xmalloc(out_n);
    tt_fill_s8(r, a, a_n, -128, 127);
    tt_fill_s8(r, b, b_n, -128, 127);
    (is_mul ? nr_mul : op == 2 ? nr_sub : nr_add)(&q, a, b, want);

    tfg_eltwise_params_t p;
    memset(&p, 0, sizeof p);
    for (int k = 0; k < 4; k++) p.dims[k] = od[k];
    bcast_strides(q.a_dims, p.a_stride);
    bcast_strides(q.b_dims, p.b_stride);
    p.a_offset = -q.a_zp;
    p.b_offset = -q.b_zp;
    p.left_shift = q.left_shift;
    p.a_mult = q.a_mult;
    p.a_shift = q.a_shift;
    p.b_mult = q.b_mult;
    p.b_shift = q.b_shift;
    p.out_mult = q.out_mult;
    p.out_shift = q.out_shift;
    p.out_zp = q.out_zp;
    p.act_min = q.act_min;
    p.act_max = q.act_max;

    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    if (mode == BC_INPLACE_A) {
        memcpy(got, a, a_n); /* a is not broadcast here: a_n == out_n */
        (is_mul ? tfg_mul_s8 : op == 2 ? tfg_sub_s8 : tfg_add_s8)(&p, got, b, got);
    } else if (mode == BC_INPLACE_B) {
        memcpy(got, b, b_n);
        (is_mul ? tfg_mul_s8 : op == 2 ? tfg_sub_s8 : tfg_add_s8)(&p, a, got, got);
    } else {
        (is_mul ? tfg_mul_s8 : op == 2 ? tfg_sub_s8 : tfg_add_s8)(&p, a, b, got);
    }
    if (!compare_out(is_mul ? "mul" : op == 2 ? "sub" : "add", case_no, got, want, out_n))
        TT_LOG(
            "  %s a [%d,%d,%d,%d] b [%d,%d,%d,%d] zp a %d b %d out %d act [%d,%d] out_mult %d out_shift %d "
            "a %d/%d b %d/%d\n",
            bc_names[mode], q.a_dims[0], q.a_dims[1], q.a_dims[2], q.a_dims[3], q.b_dims[0], q.b_dims[1],
            q.b_dims[2], q.b_dims[3], q.a_zp, q.b_zp, q.out_zp, q.act_min, q.act_max, q.out_mult, q.out_shift,
            q.a_mult, q.a_shift, q.b_mult, q.b_shift);
    tt_end();
    tt_guarded_free(got);
    free(a), free(b), free(want);
}

/* ---- pooling ------------------------------------------------------------- */

static void test_pool_case(tt_rng_t *r, int case_no, int is_max)
{
    nr_pool_t q;
    memset(&q, 0, sizeof q);
    int same = tt_chance(r, 50);
    q.in_h = tt_int(r, 1, 17);
    q.in_w = tt_int(r, 1, 17);
    q.c = tt_int(r, 1, 40);
    q.k_h = tt_int(r, 1, 7);
    q.k_w = tt_chance(r, 70) ? q.k_h : tt_int(r, 1, 7);
    q.stride_h = tt_chance(r, 30) ? q.k_h : tt_int(r, 1, 2);
    q.stride_w = tt_chance(r, 80) ? q.stride_h : tt_int(r, 1, 3);
    if (tt_chance(r, 15)) { /* global pooling */
        q.k_h = q.in_h;
        q.k_w = q.in_w;
        q.stride_h = q.stride_w = 1;
        same = 0;
    }
    if (!same) {
        if (q.in_h < q.k_h) q.in_h = q.k_h + tt_int(r, 0, 3);
        if (q.in_w < q.k_w) q.in_w = q.k_w + tt_int(r, 0, 3);
    }
    nr_out_size(q.in_h, q.k_h, q.stride_h, 1, same, &q.out_h, &q.pad_top);
    nr_out_size(q.in_w, q.k_w, q.stride_w, 1, same, &q.out_w, &q.pad_left);
    if (tt_chance(r, 60)) {
        q.act_min = -128;
        q.act_max = 127;
    } else {
        pick_act(r, tt_int(r, -128, 127), &q.act_min, &q.act_max);
    }
    size_t in_n = (size_t)q.in_h * q.in_w * q.c, out_n = (size_t)q.out_h * q.out_w * q.c;
    int8_t *in = xmalloc(in_n), *want = xmalloc(out_n);
    /* Narrow value ranges make exact .5 averages (rounding ties) common. */
    if (tt_chance(r, 30))
        tt_fill_s8(r, in, in_n, -3, 3);
    else
        tt_fill_s8(r, in, in_n, -128, 127);
    (is_max ? nr_maxpool : nr_avgpool)(&q, in, want);

    tfg_pool_params_t p = {
        .in_h = q.in_h,
        .in_w = q.in_w,
        .c = q.c,
        .out_h = q.out_h,
        .out_w = q.out_w,
        .k_h = q.k_h,
        .k_w = q.k_w,
        .stride_h = q.stride_h,
        .stride_w = q.stride_w,
        .pad_top = q.pad_top,
        .pad_left = q.pad_left,
        .act_min = q.act_min,
        .act_max = q.act_max,
    };
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    (is_max ? tfg_maxpool_s8 : tfg_avgpool_s8)(&p, in, got);
    if (!compare_out(is_max ? "maxpool" : "avgpool", case_no, got, want, out_n))
        TT_LOG("  in %dx%dx%d out %dx%d k %dx%d stride %d,%d %s pad %d,%d act [%d,%d]\n", q.in_h, q.in_w, q.c,
               q.out_h, q.out_w, q.k_h, q.k_w, q.stride_h, q.stride_w, same ? "SAME" : "VALID", q.pad_top,
               q.pad_left, q.act_min, q.act_max);
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

/* ---- MEAN ----------------------------------------------------------------- */

static void test_mean_case(tt_rng_t *r, int case_no)
{
    int outer = tt_int(r, 1, 3);
    int reduce = tt_chance(r, 50) ? tt_int(r, 1, 17) * tt_int(r, 1, 17) : tt_int(r, 1, 12);
    int inner = tt_int(r, 1, 40);
    int32_t in_zp = tt_int(r, -128, 127), out_zp = tt_int(r, -128, 127);
    double ratio = maybe_pot(r, exp2(tt_chance(r, 15) ? tt_uniform(r, 4, 8) : tt_uniform(r, -2, 2)));
    int32_t mult, shift;
    quant_mult_bounded(ratio, (int64_t)reduce * 255, &mult, &shift);
    size_t in_n = (size_t)outer * reduce * inner, out_n = (size_t)outer * inner;
    int8_t *in = xmalloc(in_n), *want = xmalloc(out_n);
    tt_fill_s8(r, in, in_n, -128, 127);
    nr_mean_requant_then_divide(outer, reduce, inner, in_zp, out_zp, mult, shift, in, want);

    tfg_mean_params_t p = {
        .outer = outer,
        .reduce = reduce,
        .inner = inner,
        .mode = TFG_MEAN_REQUANT_THEN_DIVIDE,
        .in_zp = in_zp,
        .out_zp = out_zp,
        .mult = mult,
        .shift = shift,
    };
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    tfg_mean_s8(&p, in, got);
    if (!compare_out("mean", case_no, got, want, out_n))
        TT_LOG("  outer %d reduce %d inner %d in_zp %d out_zp %d mult %d shift %d\n", outer, reduce, inner,
               in_zp, out_zp, mult, shift);
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

/* ---- REQUANTIZE (int8 -> int8) --------------------------------------------- */

static void test_requantize_case(tt_rng_t *r, int case_no)
{
    int n = tt_chance(r, 20) ? tt_int(r, 1, 7) : tt_int(r, 1, 1000);
    int32_t in_zp = tt_int(r, -128, 127), out_zp = tt_int(r, -128, 127);
    int32_t mult, shift;
    quant_mult_bounded(maybe_pot(r, exp2(tt_uniform(r, -8, 8))), 255, &mult, &shift);
    int in_place = tt_chance(r, 30);
    int8_t *in = xmalloc(n), *want = xmalloc(n);
    tt_fill_s8(r, in, n, -128, 127);
    nr_requantize(n, in_zp, out_zp, mult, shift, in, want);
    tfg_requant_params_t p = {.size = n, .in_zp = in_zp, .out_zp = out_zp, .mult = mult, .shift = shift};
    int8_t *got = tt_guarded_alloc(n, 0x33);
    tt_begin();
    if (in_place) {
        memcpy(got, in, n);
        tfg_requantize_s8(&p, got, got);
    } else {
        tfg_requantize_s8(&p, in, got);
    }
    if (!compare_out("requantize", case_no, got, want, n))
        TT_LOG("  n %d in_zp %d out_zp %d mult %d shift %d%s\n", n, in_zp, out_zp, mult, shift,
               in_place ? " in-place" : "");
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

/* ---- QUANTIZE / DEQUANTIZE --------------------------------------------------- */

static void test_quantize_case(tt_rng_t *r, int case_no)
{
    int n = tt_int(r, 1, 500);
    /* Powers of two make exact .5 ties; other scales exercise the f32
     * division's own rounding. */
    float scale = tt_chance(r, 30) ? (float)exp2(tt_int(r, -10, 0)) : (float)exp2(tt_uniform(r, -10, 0));
    int32_t zp = tt_int(r, -128, 127);
    float *in = xmalloc(sizeof(float) * n);
    for (int i = 0; i < n; i++) {
        switch (tt_int(r, 0, 3)) {
        case 0: /* inside the int8 range */
            in[i] = (float)(tt_uniform(r, -128 - zp, 127 - zp) * scale);
            break;
        case 1: /* near a rounding tie */
            in[i] = (float)((tt_int(r, -130 - zp, 130 - zp) + 0.5) * scale);
            break;
        case 2: /* saturating, both ends */ in[i] = (float)(tt_uniform(r, -5000, 5000) * scale); break;
        default: /* small values and signed zeros */
            in[i] =
                tt_chance(r, 20) ? (tt_chance(r, 50) ? 0.0f : -0.0f) : (float)(tt_uniform(r, -2, 2) * scale);
        }
    }
    int8_t *want = xmalloc(n);
    nr_quantize(n, scale, zp, in, want);
    tfg_affine_params_t p = {.size = n, .scale = scale, .zp = zp};
    int8_t *got = tt_guarded_alloc(n, 0x33);
    tt_begin();
    tfg_quantize_f32_s8(&p, in, got);
    if (!compare_out("quantize", case_no, got, want, n)) {
        long d = tt_first_diff(got, want, n);
        TT_LOG("  n %d scale %a zp %d; x[%ld] = %a\n", n, (double)scale, zp, d, d >= 0 ? (double)in[d] : 0.0);
    }
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

static void test_dequantize_case(tt_rng_t *r, int case_no)
{
    int n = tt_int(r, 1, 500);
    float scale = (float)exp2(tt_uniform(r, -12, 2));
    int32_t zp = tt_int(r, -128, 127);
    int8_t *in = xmalloc(n);
    tt_fill_s8(r, in, n, -128, 127);
    float *want = xmalloc(sizeof(float) * n);
    nr_dequantize(n, scale, zp, in, want);
    float *got = tt_guarded_alloc(sizeof(float) * n, 0x33);
    tfg_affine_params_t p = {.size = n, .scale = scale, .zp = zp};
    tt_begin();
    tfg_dequantize_s8_f32(&p, in, got);
    /* Bitwise comparison: the same float, not merely a close one. */
    long d = tt_first_diff(got, want, sizeof(float) * n);
    if (d >= 0) {
        long i = d / (long)sizeof(float);
        TT_LOG("dequantize case %d: first difference at element %ld: got %a want %a (x %d scale %a zp %d)\n",
               case_no, i, (double)got[i], (double)want[i], in[i], (double)scale, zp);
    }
    TT_CHECK(d < 0);
    TT_CHECK(tt_guards_ok(got, sizeof(float) * n));
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

/* ---- SOFTMAX / LOGISTIC ------------------------------------------------------ */

static void test_softmax_case(tt_rng_t *r, int case_no)
{
    int outer = tt_int(r, 1, 4);
    /* TFLite's final rounding shift must stay <= 31, which holds while the
     * sum of exponentials stays below 512: depth <= 400 guarantees it. */
    int depth = tt_chance(r, 15) ? tt_int(r, 100, 400) : tt_int(r, 1, 40);
    double in_scale = exp2(tt_uniform(r, -8, -1));
    double beta = tt_chance(r, 70) ? 1.0 : tt_uniform(r, 0.25, 2.0);
    int32_t mult, left_shift, diff_min;
    nr_softmax_prepare(beta, (double)(float)in_scale, &mult, &left_shift, &diff_min);
    size_t n = (size_t)outer * depth;
    int8_t *in = xmalloc(n), *want = xmalloc(n);
    int lo = -128, hi = 127;
    if (tt_chance(r, 30)) { /* clustered logits: many near-equal values */
        lo = tt_int(r, -128, 120);
        hi = lo + tt_int(r, 0, 7);
    }
    tt_fill_s8(r, in, n, lo, hi);
    nr_softmax(outer, depth, mult, left_shift, diff_min, in, want);
    tfg_softmax_params_t p = {
        .outer = outer,
        .depth = depth,
        .in_mult = mult,
        .in_left_shift = left_shift,
        .diff_min = diff_min,
    };
    int8_t *got = tt_guarded_alloc(n, 0x33);
    tt_begin();
    tfg_softmax_s8(&p, in, got);
    if (!compare_out("softmax", case_no, got, want, n))
        TT_LOG("  outer %d depth %d in_scale %a beta %g mult %d left_shift %d diff_min %d\n", outer, depth,
               in_scale, beta, mult, left_shift, diff_min);
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

static void test_logistic_case(tt_rng_t *r, int case_no)
{
    int n = tt_int(r, 1, 600);
    double in_scale = (double)(float)exp2(tt_uniform(r, -9, 0));
    int32_t in_zp = tt_int(r, -128, 127);
    int32_t mult, left_shift, radius;
    nr_logistic_prepare(in_scale, &mult, &left_shift, &radius);
    int in_place = tt_chance(r, 30);
    int8_t *in = xmalloc(n), *want = xmalloc(n);
    tt_fill_s8(r, in, n, -128, 127);
    if (tt_chance(r, 20)) in[0] = (int8_t)in_zp; /* exact zero input -> 0.5 */
    nr_logistic(n, in_zp, radius, mult, left_shift, in, want);
    tfg_logistic_params_t p = {
        .size = n,
        .in_zp = in_zp,
        .in_range_radius = radius,
        .in_mult = mult,
        .in_left_shift = left_shift,
    };
    int8_t *got = tt_guarded_alloc(n, 0x33);
    tt_begin();
    if (in_place) {
        memcpy(got, in, n);
        tfg_logistic_s8(&p, got, got);
    } else {
        tfg_logistic_s8(&p, in, got);
    }
    if (!compare_out("logistic", case_no, got, want, n))
        TT_LOG("  n %d in_scale %a in_zp %d mult %d left_shift %d radius %d%s\n", n, in_scale, in_zp, mult,
               left_shift, radius, in_place ? " in-place" : "");
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

/* TANH: input scales mostly as converters give them, else so small that
 * nothing saturates (2^-14) or so large (up to 7.5) that the radius is a few
 * steps; zero points and inputs include the extremes. */
static void test_tanh_case(tt_rng_t *r, int case_no)
{
    const int n = tt_int(r, 1, 600), kind = tt_int(r, 0, 6);
    const double in_scale = (double)(float)exp2(kind == 0   ? tt_uniform(r, -14, -9)
                                                : kind == 1 ? tt_uniform(r, 0, 2.9)
                                                            : tt_uniform(r, -9, 0));
    const int32_t in_zp = tt_chance(r, 20) ? (tt_chance(r, 50) ? -128 : 127) : tt_int(r, -128, 127);
    int32_t mult, left_shift, radius;
    nr_tanh_prepare(in_scale, &mult, &left_shift, &radius);
    int8_t *in = xmalloc(n), *want = xmalloc(n);
    tt_fill_s8(r, in, n, -128, 127);
    if (tt_chance(r, 50)) in[0] = -128, in[n - 1] = 127;
    if (tt_chance(r, 20)) in[n / 2] = (int8_t)in_zp; /* exact zero input -> 0 */
    nr_tanh(n, in_zp, radius, mult, left_shift, in, want);
    const tfg_tanh_params_t p = {
        .size = n, .in_zp = in_zp, .in_range_radius = radius, .in_mult = mult, .in_left_shift = left_shift};
    const int in_place = tt_chance(r, 30);
    int8_t *got = tt_guarded_alloc(n, 0x33);
    if (in_place) memcpy(got, in, n);
    tt_begin();
    tfg_tanh_s8(&p, in_place ? got : in, got);
    if (!compare_out("tanh", case_no, got, want, n))
        TT_LOG("  n %d in_scale %a in_zp %d mult %d left_shift %d radius %d%s\n", n, in_scale, in_zp, mult,
               left_shift, radius, in_place ? " in place" : "");
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

/* RELU (requantized; in and out scales a factor of up to 4 apart either
 * way) and RELU6 (clamped bytes), in place or not. */
static void test_relu_case(tt_rng_t *r, int case_no)
{
    const int n = tt_int(r, 1, 600), six = tt_chance(r, 40);
    const float si = (float)exp2(tt_uniform(r, -9, 0)), so = (float)(si * exp2(tt_uniform(r, -2, 2)));
    const int32_t zi = tt_int(r, -128, 127), zo = tt_chance(r, 50) ? -128 : tt_int(r, -128, 127);
    int8_t *in = xmalloc(n), *want = xmalloc(n);
    tt_fill_s8(r, in, n, -128, 127);
    if (six)
        nr_relu6(n, si, zi, in, want);
    else
        nr_relu(n, si, zi, so, zo, in, want);
    /* the parameters as lowering makes them: TFLM's Prepare */
    tfg_relu_params_t p = {.size = n, .in_zp = zi, .out_zp = zo, .requant = !six};
    if (six) {
        const float q = roundf(6.0f / si) + (float)zi;
        p.lo = zi, p.hi = q > 127.0f ? 127 : (int32_t)q;
    } else {
        nr_quantize_multiplier((double)si / (double)so, &p.mult, &p.shift);
        p.lo = zo > -128 ? zo : -128, p.hi = 127;
    }
    const int in_place = tt_chance(r, 30);
    int8_t *got = tt_guarded_alloc(n, 0x33);
    if (in_place) memcpy(got, in, n);
    tt_begin();
    tfg_relu_s8(&p, in_place ? got : in, got);
    if (!compare_out(six ? "relu6" : "relu", case_no, got, want, n))
        TT_LOG("  n %d in %a/%d out %a/%d%s\n", n, (double)si, zi, (double)so, zo,
               in_place ? " in place" : "");
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

/* LEAKY_RELU: alpha in (0, 1) mostly, sometimes above 1 or negative. */
static void test_leaky_relu_case(tt_rng_t *r, int case_no)
{
    const int n = tt_int(r, 1, 600);
    const float si = (float)exp2(tt_uniform(r, -9, 0)), so = (float)(si * exp2(tt_uniform(r, -2, 2)));
    const float alpha = tt_chance(r, 80) ? (float)tt_uniform(r, 0.001, 0.5) : (float)tt_uniform(r, -1.5, 3);
    const int32_t zi = tt_int(r, -128, 127), zo = tt_int(r, -128, 127);
    int8_t *in = xmalloc(n), *want = xmalloc(n);
    tt_fill_s8(r, in, n, -128, 127);
    nr_leaky_relu(n, si, zi, alpha, so, zo, in, want);
    tfg_leaky_relu_params_t p = {.size = n, .in_zp = zi, .out_zp = zo};
    nr_quantize_multiplier((double)si / (double)so, &p.id_mult, &p.id_shift);
    nr_quantize_multiplier((double)si * (double)alpha / (double)so, &p.alpha_mult, &p.alpha_shift);
    const int in_place = tt_chance(r, 30);
    int8_t *got = tt_guarded_alloc(n, 0x33);
    if (in_place) memcpy(got, in, n);
    tt_begin();
    tfg_leaky_relu_s8(&p, in_place ? got : in, got);
    if (!compare_out("leaky_relu", case_no, got, want, n))
        TT_LOG("  n %d in %a/%d alpha %a out %a/%d%s\n", n, (double)si, zi, (double)alpha, (double)so, zo,
               in_place ? " in place" : "");
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

/* HARD_SWISH: mostly the scales converters give it (output scale near the
 * input's), else far apart: an output scale up to 2^12 times the input's
 * (TFLM's int16 rounding shift past 15, where it returns +-1), input scales
 * from 2^-26 (the relu-ish multiplier's right shift past 15) to 2^24 (its
 * saturating left shifts). Zero points and inputs include the extremes. */
static int hswish_far_out, hswish_far_relu, hswish_left_relu;

static void test_hard_swish_case(tt_rng_t *r, int case_no)
{
    const int n = tt_int(r, 1, 600), kind = tt_int(r, 0, 9);
    const float si = (float)exp2(kind == 0   ? tt_uniform(r, -26, -20)
                                 : kind == 1 ? tt_uniform(r, 2, 24)
                                             : tt_uniform(r, -10, 1));
    /* in / (128 out) stays below 2^-0.1: TFLM refuses an exponent above 0 */
    const float so = (float)(si * exp2(kind == 2 ? tt_uniform(r, -6.9, 12) : tt_uniform(r, -2, 1)));
    const int32_t zi = tt_chance(r, 20) ? (tt_chance(r, 50) ? -128 : 127) : tt_int(r, -128, 127);
    const int32_t zo = tt_chance(r, 20) ? (tt_chance(r, 50) ? -128 : 127) : tt_int(r, -128, 127);
    nr_hard_swish_t q;
    if (!nr_hard_swish_prepare(si, zi, so, zo, &q)) {
        tt_begin();
        TT_CHECK(0); /* the generator keeps to scales TFLM accepts */
        TT_LOG("hard_swish case %d: TFLM would refuse in %a out %a\n", case_no, (double)si, (double)so);
        tt_end();
        return;
    }
    hswish_far_out += q.out_exp <= -16;
    hswish_far_relu += q.relu_exp <= -16;
    hswish_left_relu += q.relu_exp > 1;
    int8_t *in = xmalloc(n), *want = xmalloc(n);
    tt_fill_s8(r, in, n, -128, 127);
    if (tt_chance(r, 50)) in[0] = -128, in[n - 1] = 127;
    if (tt_chance(r, 20)) in[n / 2] = (int8_t)zi; /* x = 0 */
    nr_hard_swish(n, &q, in, want);
    const tfg_hard_swish_params_t p = {.size = n,
                                       .in_zp = zi,
                                       .out_zp = zo,
                                       .out_mult = q.out_mult,
                                       .out_shift = q.out_exp,
                                       .relu_mult = q.relu_mult,
                                       .relu_shift = q.relu_exp};
    const int in_place = tt_chance(r, 30);
    int8_t *got = tt_guarded_alloc(n, 0x33);
    if (in_place) memcpy(got, in, n);
    tt_begin();
    tfg_hard_swish_s8(&p, in_place ? got : in, got);
    if (!compare_out("hard_swish", case_no, got, want, n))
        TT_LOG("  n %d in %a/%d out %a/%d (out %d*2^%d relu %d*2^%d)%s\n", n, (double)si, zi, (double)so, zo,
               q.out_mult, q.out_exp, q.relu_mult, q.relu_exp, in_place ? " in place" : "");
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

/* The fixed-point references must also agree with plain float math to within
 * a couple of output steps; this catches a reference that merely shares a
 * mistake with the kernel (both would be equally wrong, and still "equal"). */
static void test_fixedpoint_refs_vs_float(void)
{
    tt_rng_t r = {4242};
    tt_begin();
    int worst = 0;
    for (int c = 0; c < 200; c++) {
        double in_scale = (double)(float)exp2(tt_uniform(&r, -9, 0));
        int32_t in_zp = tt_int(&r, -128, 127), mult, ls, radius;
        nr_logistic_prepare(in_scale, &mult, &ls, &radius);
        int8_t in[256], out[256];
        for (int i = 0; i < 256; i++) in[i] = (int8_t)(i - 128);
        nr_logistic(256, in_zp, radius, mult, ls, in, out);
        for (int i = 0; i < 256; i++) {
            double y = 1.0 / (1.0 + exp(-in_scale * (in[i] - in_zp)));
            double q = floor(y * 256.0 + 0.5) - 128.0;
            int err = (int)fabs((q > 127 ? 127 : q) - out[i]);
            if (err > worst) worst = err;
        }
    }
    if (worst > 1) TT_LOG("logistic reference deviates from float by %d steps\n", worst);
    TT_CHECK(worst <= 1);
    tt_end();

    tt_begin();
    worst = 0;
    for (int c = 0; c < 200; c++) {
        double in_scale = (double)(float)exp2(tt_uniform(&r, -9, 0));
        int32_t in_zp = tt_int(&r, -128, 127), mult, ls, radius;
        nr_tanh_prepare(in_scale, &mult, &ls, &radius);
        int8_t in[256], out[256];
        for (int i = 0; i < 256; i++) in[i] = (int8_t)(i - 128);
        nr_tanh(256, in_zp, radius, mult, ls, in, out);
        for (int i = 0; i < 256; i++) {
            double q = floor(tanh(in_scale * (in[i] - in_zp)) * 128.0 + 0.5);
            int err = (int)fabs((q > 127 ? 127 : q) - out[i]);
            if (err > worst) worst = err;
        }
    }
    if (worst > 1) TT_LOG("tanh reference deviates from float by %d steps\n", worst);
    TT_CHECK(worst <= 1);
    tt_end();

    tt_begin();
    worst = 0;
    for (int c = 0; c < 200; c++) {
        int depth = tt_int(&r, 1, 100);
        double in_scale = (double)(float)exp2(tt_uniform(&r, -8, -2));
        int32_t mult, ls, diff_min;
        nr_softmax_prepare(1.0, in_scale, &mult, &ls, &diff_min);
        int8_t in[100], out[100];
        tt_fill_s8(&r, in, depth, -128, 127);
        nr_softmax(1, depth, mult, ls, diff_min, in, out);
        int mx = -128;
        double sum = 0;
        for (int i = 0; i < depth; i++) mx = in[i] > mx ? in[i] : mx;
        for (int i = 0; i < depth; i++) sum += exp(in_scale * (in[i] - mx));
        for (int i = 0; i < depth; i++) {
            double q = floor(exp(in_scale * (in[i] - mx)) / sum * 256.0 + 0.5) - 128.0;
            int err = (int)fabs((q > 127 ? 127 : q) - out[i]);
            if (err > worst) worst = err;
        }
    }
    if (worst > 2) TT_LOG("softmax reference deviates from float by %d steps\n", worst);
    TT_CHECK(worst <= 2);
    tt_end();

    /* HARD_SWISH, x * relu6(x + 3) / 6, at scales converters give it */
    tt_begin();
    worst = 0;
    for (int c = 0; c < 200; c++) {
        const float si = (float)exp2(tt_uniform(&r, -8, -2)),
                    so = (float)(si * exp2(tt_uniform(&r, -1.5, 0.5)));
        const int32_t zi = tt_int(&r, -128, 127), zo = tt_int(&r, -128, 127);
        nr_hard_swish_t q;
        if (!nr_hard_swish_prepare(si, zi, so, zo, &q)) continue;
        int8_t in[256], out[256];
        for (int i = 0; i < 256; i++) in[i] = (int8_t)(i - 128);
        nr_hard_swish(256, &q, in, out);
        for (int i = 0; i < 256; i++) {
            const double x = (double)si * (in[i] - zi), six = x + 3 < 0 ? 0 : x + 3 > 6 ? 6 : x + 3;
            double o = floor(x * six / 6 / so + 0.5) + zo;
            o = o > 127 ? 127 : o < -128 ? -128 : o;
            const int err = (int)fabs(o - out[i]);
            if (err > worst) worst = err;
        }
    }
    if (worst > 1) TT_LOG("hard_swish reference deviates from float by %d steps\n", worst);
    TT_CHECK(worst <= 1);
    tt_end();
}

/* ---- data movement ---------------------------------------------------------- */

static void test_gather_case(tt_rng_t *r, int case_no)
{
    /* 0: transpose (a permutation of the strides), 1: strided slice (an
     * offset, steps of either sign), 2: tile (repeats along stride-0 axes) */
    const int mode = tt_chance(r, 50) ? 0 : tt_chance(r, 50) ? 1 : 2;
    int rank = mode == 2          ? tt_int(r, 1, TFG_MAX_DIMS / 2)
               : tt_chance(r, 80) ? tt_int(r, 1, 4)
                                  : tt_int(r, 5, TFG_MAX_DIMS);
    int in_dims[TFG_MAX_DIMS], perm[TFG_MAX_DIMS], out_dims[TFG_MAX_DIMS];
    int begin[TFG_MAX_DIMS], step[TFG_MAX_DIMS], mult[TFG_MAX_DIMS];
    long in_n = 1;
    for (int d = 0; d < rank; d++) {
        in_dims[d] = tt_int(r, 1, rank > 4 ? 4 : 12);
        in_n *= in_dims[d];
    }
    int8_t *in = xmalloc(in_n);
    tt_fill_s8(r, in, in_n, -128, 127);
    int32_t dense[TFG_MAX_DIMS];
    dense[rank - 1] = 1;
    for (int d = rank - 2; d >= 0; d--) dense[d] = dense[d + 1] * in_dims[d + 1];

    tfg_gather_params_t p;
    memset(&p, 0, sizeof p);
    p.rank = rank;
    long out_n = 1;
    if (mode == 1) {
        for (int d = 0; d < rank; d++) {
            begin[d] = tt_int(r, 0, in_dims[d] - 1);
            step[d] = tt_int(r, 1, 3) * (tt_chance(r, 30) ? -1 : 1);
            const int room =
                step[d] > 0 ? (in_dims[d] - begin[d] + step[d] - 1) / step[d] : begin[d] / -step[d] + 1;
            out_dims[d] = tt_int(r, 1, room);
            p.dims[d] = out_dims[d];
            p.in_stride[d] = dense[d] * step[d];
            p.offset += begin[d] * dense[d];
            out_n *= out_dims[d];
        }
    } else if (mode == 2) { /* out as [m0, d0, m1, d1, ...]: the m axes read nothing new */
        p.rank = 2 * rank;
        for (int d = 0; d < rank; d++) {
            mult[d] = tt_int(r, 1, 3);
            p.dims[2 * d] = mult[d], p.in_stride[2 * d] = 0;
            p.dims[2 * d + 1] = in_dims[d], p.in_stride[2 * d + 1] = dense[d];
            out_n *= (long)in_dims[d] * mult[d];
        }
    } else { /* random permutation (Fisher-Yates) */
        for (int d = 0; d < rank; d++) perm[d] = d;
        for (int d = rank - 1; d > 0; d--) {
            int j = tt_int(r, 0, d), t = perm[d];
            perm[d] = perm[j];
            perm[j] = t;
        }
        for (int d = 0; d < rank; d++) {
            p.dims[d] = in_dims[perm[d]];
            p.in_stride[d] = dense[perm[d]];
        }
        out_n = in_n;
    }
    int8_t *want = xmalloc(out_n);
    if (mode == 1)
        nr_slice(rank, in_dims, begin, step, out_dims, in, want);
    else if (mode == 2)
        nr_tile(rank, in_dims, mult, in, want);
    else
        nr_transpose(rank, in_dims, perm, in, want);
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    tfg_gather_s8(&p, in, got);
    static const char *const names[] = {"gather(transpose)", "gather(slice)", "gather(tile)"};
    if (!compare_out(names[mode], case_no, got, want, out_n)) {
        TT_LOG("  rank %d in dims", rank);
        for (int d = 0; d < rank; d++) TT_LOG(" %d", in_dims[d]);
        TT_LOG(" -> dims/stride");
        for (int d = 0; d < p.rank; d++) TT_LOG(" %d/%d", p.dims[d], p.in_stride[d]);
        TT_LOG(" offset %d\n", (int)p.offset);
    }
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

/* A patched stage's read of its source through layout ops at the start of
 * the network (tfg_read_region): an image [1, A, B, C] of 1- or 4-byte
 * elements whose axes 1..3 are permuted into the source, and a random region
 * of the source. Each element is found by its coordinates in the image,
 * not by strides. */
static void test_read_region_case(tt_rng_t *r, int case_no)
{
    int dims[4] = {1, tt_int(r, 1, 9), tt_int(r, 1, 9), tt_chance(r, 50) ? 1 : tt_int(r, 2, 5)};
    int perm[4] = {0, 1, 2, 3};
    for (int d = 3; d > 1; d--) { /* axes 1..3 shuffled (Fisher-Yates) */
        int j = tt_int(r, 1, d), t = perm[d];
        perm[d] = perm[j];
        perm[j] = t;
    }
    const int elem = tt_chance(r, 25) ? 4 : 1;
    const long n = (long)dims[1] * dims[2] * dims[3];
    int8_t *img = xmalloc(n * elem);
    tt_fill_s8(r, img, n * elem, -128, 127);
    const int32_t dense[4] = {dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1};
    const int sh = dims[perm[1]], sw = dims[perm[2]], sc = dims[perm[3]]; /* the source's H, W, C */
    const tfg_image_view_t v = {dense[perm[1]], dense[perm[2]], dense[perm[3]], sc, elem};
    tfg_region_t reg;
    reg.r0 = tt_int(r, 0, sh - 1), reg.r1 = tt_int(r, reg.r0 + 1, sh);
    reg.c0 = tt_int(r, 0, sw - 1), reg.c1 = tt_int(r, reg.c0 + 1, sw);
    const long out_n = (long)(reg.r1 - reg.r0) * (reg.c1 - reg.c0) * sc * elem;
    int8_t *want = xmalloc(out_n), *w = want;
    for (int y = reg.r0; y < reg.r1; y++)
        for (int x = reg.c0; x < reg.c1; x++)
            for (int ch = 0; ch < sc; ch++, w += elem) {
                int at[4] = {0, 0, 0, 0};
                at[perm[1]] = y, at[perm[2]] = x, at[perm[3]] = ch;
                const long i = ((long)at[1] * dims[2] + at[2]) * dims[3] + at[3];
                memcpy(w, img + i * elem, (size_t)elem);
            }
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    tfg_read_region(&v, img, &reg, got);
    if (!compare_out("read_region", case_no, got, want, out_n))
        TT_LOG("  image 1x%dx%dx%d perm 0,%d,%d,%d elem %d, rows %d..%d cols %d..%d\n", dims[1], dims[2],
               dims[3], perm[1], perm[2], perm[3], elem, reg.r0, reg.r1, reg.c0, reg.c1);
    tt_end();
    tt_guarded_free(got);
    free(img), free(want);
}

static void test_pad_case(tt_rng_t *r, int case_no)
{
    int in_dims[4], before[4], after[4], od[4];
    for (int d = 0; d < 4; d++) {
        in_dims[d] = d == 0 ? tt_int(r, 1, 2) : tt_int(r, 1, 9);
        before[d] = tt_chance(r, 40) ? 0 : tt_int(r, 0, 3);
        after[d] = tt_chance(r, 40) ? 0 : tt_int(r, 0, 3);
        od[d] = before[d] + in_dims[d] + after[d];
    }
    if (tt_chance(r, 20)) in_dims[3] = tt_int(r, 10, 40), od[3] = before[3] + in_dims[3] + after[3];
    int32_t value = tt_int(r, -128, 127);
    long in_n = dims_count(in_dims), out_n = dims_count(od);
    int8_t *in = xmalloc(in_n), *want = xmalloc(out_n);
    tt_fill_s8(r, in, in_n, -128, 127);
    nr_pad(in_dims, before, after, value, in, want);
    tfg_pad_params_t p;
    memset(&p, 0, sizeof p);
    for (int d = 0; d < 4; d++) {
        p.in_dims[d] = in_dims[d];
        p.before[d] = before[d];
        p.after[d] = after[d];
    }
    p.value = value;
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    tfg_pad_s8(&p, in, got);
    if (!compare_out("pad", case_no, got, want, out_n))
        TT_LOG("  in [%d,%d,%d,%d] before [%d,%d,%d,%d] after [%d,%d,%d,%d] value %d\n", in_dims[0],
               in_dims[1], in_dims[2], in_dims[3], before[0], before[1], before[2], before[3], after[0],
               after[1], after[2], after[3], value);
    tt_end();
    tt_guarded_free(got);
    free(in), free(want);
}

static void test_concat_case(tt_rng_t *r, int case_no)
{
    int outer = tt_int(r, 1, 12), n_inputs = tt_int(r, 1, 5);
    int inner[5];
    int32_t inner32[5];
    const int8_t *inputs[5];
    int8_t *bufs[5];
    long out_n = 0;
    for (int k = 0; k < n_inputs; k++) {
        inner[k] = tt_chance(r, 20) ? 1 : tt_int(r, 1, 50);
        inner32[k] = inner[k];
        bufs[k] = xmalloc((size_t)outer * inner[k]);
        tt_fill_s8(r, bufs[k], (size_t)outer * inner[k], -128, 127);
        inputs[k] = bufs[k];
        out_n += (long)outer * inner[k];
    }
    int8_t *want = xmalloc(out_n);
    nr_concat(outer, n_inputs, inner, inputs, want);
    tfg_concat_params_t p = {.outer = outer, .n_inputs = n_inputs, .inner = inner32};
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    tfg_concat_s8(&p, inputs, got);
    if (!compare_out("concat", case_no, got, want, out_n)) {
        TT_LOG("  outer %d inner", outer);
        for (int k = 0; k < n_inputs; k++) TT_LOG(" %d", inner[k]);
        TT_LOG("\n");
    }
    tt_end();
    tt_guarded_free(got);
    for (int k = 0; k < n_inputs; k++) free(bufs[k]);
    free(want);
}

/* A camera frame of any format and size into a model input: the whole input
 * against the naive reference, then one random rectangle of it written into
 * an arena-like buffer of the whole input's rows (how a streamed patch stage
 * asks for its tiles), which must give the same bytes there and touch
 * nothing else. */
static void test_frame_case(tt_rng_t *r, int case_no)
{
    const int format = tt_int(r, 0, 3), bpp = tfg_frame_pixel_bytes(format);
    const int fh = tt_int(r, 1, 40), fw = tt_int(r, 1, 40), stride = fw * bpp + tt_int(r, 0, 5);
    int h = tt_int(r, 1, 40), w = tt_int(r, 1, 40);
    if (tt_chance(r, 25)) h = fh, w = fw; /* same size: the weights vanish */
    const int c = tt_chance(r, 50) ? 3 : 1;
    uint8_t *frame = xmalloc((size_t)fh * stride);
    for (size_t i = 0; i < (size_t)fh * stride; i++) frame[i] = (uint8_t)tt_int(r, 0, 255);
    int8_t lut[3 * 256];
    tt_fill_s8(r, lut, sizeof lut, -128, 127);
    const size_t n = (size_t)h * w * c;
    int8_t *want = xmalloc(n), *got = tt_guarded_alloc(n, 0x33);
    nr_frame_to_input(format, fh, fw, stride, h, w, c, lut, frame, want);
    const tfg_frame_params_t p = {
        .format = format, .fh = fh, .fw = fw, .frame_stride = stride, .h = h, .w = w, .c = c, .lut = lut};
    tt_begin();
    TT_CHECK(tfg_frame_to_input(&p, frame, 0, h, 0, w, got, w * c) == TFG_OK);
    if (!compare_out("frame", case_no, got, want, n))
        TT_LOG("  format %d, frame %dx%d (stride %d) -> %dx%dx%d\n", format, fw, fh, stride, w, h, c);
    int r0 = tt_int(r, 0, h - 1), r1 = tt_int(r, r0 + 1, h), c0 = tt_int(r, 0, w - 1),
        c1 = tt_int(r, c0 + 1, w);
    memset(got, 0x33, n);
    TT_CHECK(tfg_frame_to_input(&p, frame, r0, r1, c0, c1, got + ((size_t)r0 * w + c0) * c, w * c) == TFG_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) {
                const size_t i = ((size_t)y * w + x) * c + k;
                const int inside = y >= r0 && y < r1 && x >= c0 && x < c1;
                if (got[i] != (inside ? want[i] : 0x33)) {
                    TT_LOG(
                        "  frame case %d: rectangle rows %d-%d cols %d-%d: (%d, %d, %d) is %d, expected %d\n",
                        case_no, r0, r1, c0, c1, y, x, k, got[i], inside ? want[i] : 0x33);
                    TT_CHECK(0);
                    y = h, x = w, k = c; /* one report */
                }
            }
    TT_CHECK(tt_guards_ok(got, n));
    TT_CHECK(tfg_frame_to_input(&p, frame, 0, h + 1, 0, w, got, w * c) == TFG_ERR_ARG);
    tt_end();
    free(frame);
    free(want);
    tt_guarded_free(got);
}

static void test_resize_case(tt_rng_t *r, int case_no)
{
    int in_h = tt_int(r, 1, 17), in_w = tt_int(r, 1, 17), c = tt_int(r, 1, 40);
    int out_h, out_w;
    if (tt_chance(r, 50)) { /* 2x upsampling, the common case */
        out_h = 2 * in_h;
        out_w = 2 * in_w;
    } else { /* odd ratios, up and down */
        out_h = tt_int(r, 1, 40);
        out_w = tt_int(r, 1, 40);
    }
    /* the corner flags only change the index tables lowering computes */
    const bool align = tt_chance(r, 33), half = tt_chance(r, 50);
    int32_t *sy = xmalloc(sizeof(int32_t) * out_h), *sx = xmalloc(sizeof(int32_t) * out_w);
    for (int y = 0; y < out_h; y++) sy[y] = nr_resize_src(y, in_h, out_h, align, half);
    for (int x = 0; x < out_w; x++) sx[x] = nr_resize_src(x, in_w, out_w, align, half);
    size_t in_n = (size_t)in_h * in_w * c, out_n = (size_t)out_h * out_w * c;
    int8_t *in = xmalloc(in_n), *want = xmalloc(out_n);
    tt_fill_s8(r, in, in_n, -128, 127);
    nr_resize_nearest(in_h, in_w, c, out_h, out_w, align, half, in, want);
    tfg_resize_nearest_params_t p = {
        .in_h = in_h,
        .in_w = in_w,
        .c = c,
        .out_h = out_h,
        .out_w = out_w,
        .src_y = sy,
        .src_x = sx,
    };
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    tfg_resize_nearest_s8(&p, in, got);
    if (!compare_out("resize_nearest", case_no, got, want, out_n))
        TT_LOG("  in %dx%dx%d out %dx%d\n", in_h, in_w, c, out_h, out_w);
    tt_end();
    tt_guarded_free(got);
    free(sy), free(sx), free(in), free(want);
}

/* Bilinear: the source tables from the reference's own index rule, the
 * kernel's weights and rounding against its 64-bit sum. */
static void test_bilinear_case(tt_rng_t *r, int case_no)
{
    int in_h = tt_int(r, 1, 17), in_w = tt_int(r, 1, 17), c = tt_int(r, 1, 40);
    int out_h, out_w;
    if (tt_chance(r, 50)) { /* 2x upsampling (FPN heads) */
        out_h = 2 * in_h;
        out_w = 2 * in_w;
    } else { /* odd ratios, up and down */
        out_h = tt_int(r, 1, 40);
        out_w = tt_int(r, 1, 40);
    }
    const bool half = tt_chance(r, 40), align = !half && tt_chance(r, 40);
    int32_t *ty = xmalloc(sizeof(int32_t) * 3 * out_h), *tx = xmalloc(sizeof(int32_t) * 3 * out_w);
    bool ok = true;
    for (int y = 0; y < out_h; y++) {
        int32_t pos;
        ok &= nr_bilinear_src(y, in_h, out_h, align, half, &pos, &ty[3 * y], &ty[3 * y + 1]);
        ty[3 * y + 2] = pos - 1024 * ty[3 * y];
    }
    for (int x = 0; x < out_w; x++) {
        int32_t pos;
        ok &= nr_bilinear_src(x, in_w, out_w, align, half, &pos, &tx[3 * x], &tx[3 * x + 1]);
        tx[3 * x + 2] = pos - 1024 * tx[3 * x];
    }
    size_t in_n = (size_t)in_h * in_w * c, out_n = (size_t)out_h * out_w * c;
    int8_t *in = xmalloc(in_n), *want = xmalloc(out_n);
    tt_fill_s8(r, in, in_n, -128, 127);
    tt_begin();
    if (ok) { /* else a shape TFLite reads past (refused by lowering; test_graph) */
        TT_CHECK(nr_resize_bilinear(in_h, in_w, c, out_h, out_w, align, half, in, want));
        tfg_resize_bilinear_params_t p = {in_h, in_w, c, out_h, out_w, ty, tx};
        int8_t *got = tt_guarded_alloc(out_n, 0x33);
        tfg_resize_bilinear_s8(&p, in, got);
        if (!compare_out("resize_bilinear", case_no, got, want, out_n))
            TT_LOG("  in %dx%dx%d out %dx%d align %d half %d\n", in_h, in_w, c, out_h, out_w, align, half);
        tt_guarded_free(got);
    }
    tt_end();
    free(ty), free(tx), free(in), free(want);
}

/* ---- driver ------------------------------------------------------------------ */

typedef void (*case_fn)(tt_rng_t *r, int case_no);

static void test_add_case(tt_rng_t *r, int case_no)
{
    test_eltwise_case(r, case_no, 0);
}
static void test_mul_case(tt_rng_t *r, int case_no)
{
    test_eltwise_case(r, case_no, 1);
}
static void test_sub_case(tt_rng_t *r, int case_no)
{
    test_eltwise_case(r, case_no, 2);
}
/* MINIMUM / MAXIMUM with broadcasting on any axis, and in place (out == a)
 * when a is not broadcast. */
static void test_minmax_case(tt_rng_t *r, int case_no, int is_max)
{
    nr_eltwise_t q;
    memset(&q, 0, sizeof q);
    int od[4] = {tt_chance(r, 80) ? 1 : tt_int(r, 1, 3), tt_int(r, 1, 12), tt_int(r, 1, 12),
                 tt_int(r, 1, 40)};
    for (int k = 0; k < 4; k++) {
        q.a_dims[k] = q.b_dims[k] = od[k];
        const int which = tt_int(r, 0, 3); /* 0, 1: both full; 2: a broadcast; 3: b broadcast */
        if (which == 2) q.a_dims[k] = 1;
        if (which == 3) q.b_dims[k] = 1;
    }
    for (int k = 0; k < 4; k++) od[k] = q.a_dims[k] > q.b_dims[k] ? q.a_dims[k] : q.b_dims[k];
    const long a_n = dims_count(q.a_dims), b_n = dims_count(q.b_dims), out_n = dims_count(od);
    int8_t *a = xmalloc(a_n), *b = xmalloc(b_n), *want = xmalloc(out_n);
    /* narrow ranges make ties common */
    const int lo = tt_chance(r, 30) ? -2 : -128, hi = lo == -2 ? 2 : 127;
    tt_fill_s8(r, a, a_n, lo, hi);
    tt_fill_s8(r, b, b_n, lo, hi);
    nr_minmax(&q, a, b, want, is_max);
    tfg_eltwise_params_t p;
    memset(&p, 0, sizeof p);
    for (int k = 0; k < 4; k++) p.dims[k] = od[k];
    bcast_strides(q.a_dims, p.a_stride);
    bcast_strides(q.b_dims, p.b_stride);
    const int in_place = a_n == out_n && tt_chance(r, 30);
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    if (in_place) memcpy(got, a, (size_t)a_n);
    tt_begin();
    (is_max ? tfg_maximum_s8 : tfg_minimum_s8)(&p, in_place ? got : a, b, got);
    if (!compare_out(is_max ? "maximum" : "minimum", case_no, got, want, (size_t)out_n))
        TT_LOG("  out %dx%dx%dx%d a %dx%dx%dx%d b %dx%dx%dx%d%s\n", od[0], od[1], od[2], od[3], q.a_dims[0],
               q.a_dims[1], q.a_dims[2], q.a_dims[3], q.b_dims[0], q.b_dims[1], q.b_dims[2], q.b_dims[3],
               in_place ? " in place" : "");
    tt_end();
    tt_guarded_free(got);
    free(a), free(b), free(want);
}
/* PRELU: alpha per channel (as converters write it), per position, or
 * broadcast on any axis. */
static void test_prelu_case(tt_rng_t *r, int case_no)
{
    nr_eltwise_t q;
    memset(&q, 0, sizeof q);
    int od[4] = {1, tt_int(r, 1, 10), tt_int(r, 1, 10), tt_int(r, 1, 32)};
    for (int k = 0; k < 4; k++) q.a_dims[k] = q.b_dims[k] = od[k];
    if (tt_chance(r, 60))
        q.b_dims[1] = q.b_dims[2] = 1; /* per channel */
    else
        for (int k = 1; k < 4; k++)
            if (tt_chance(r, 40)) q.b_dims[k] = 1;
    q.a_zp = tt_int(r, -128, 127), q.b_zp = tt_int(r, -128, 127), q.out_zp = tt_int(r, -128, 127);
    const float si = (float)exp2(tt_uniform(r, -9, 0)), sa = (float)exp2(tt_uniform(r, -10, -5));
    const float so = (float)(si * exp2(tt_uniform(r, -1, 1)));
    const long a_n = dims_count(q.a_dims), b_n = dims_count(q.b_dims), out_n = dims_count(od);
    int8_t *a = xmalloc(a_n), *b = xmalloc(b_n), *want = xmalloc(out_n);
    tt_fill_s8(r, a, a_n, -128, 127);
    tt_fill_s8(r, b, b_n, -128, 127);
    nr_prelu(&q, si, sa, so, a, b, want);
    tfg_prelu_params_t p;
    memset(&p, 0, sizeof p);
    for (int k = 0; k < 4; k++) p.dims[k] = od[k];
    bcast_strides(q.a_dims, p.in_stride);
    bcast_strides(q.b_dims, p.alpha_stride);
    p.in_offset = -q.a_zp, p.alpha_offset = -q.b_zp, p.out_zp = q.out_zp;
    nr_quantize_multiplier((double)si / (double)so, &p.mult1, &p.shift1);
    nr_quantize_multiplier((double)si * (double)sa / (double)so, &p.mult2, &p.shift2);
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    tfg_prelu_s8(&p, a, b, got);
    if (!compare_out("prelu", case_no, got, want, (size_t)out_n))
        TT_LOG("  out %dx%dx%dx%d alpha %dx%dx%dx%d\n", od[0], od[1], od[2], od[3], q.b_dims[0], q.b_dims[1],
               q.b_dims[2], q.b_dims[3]);
    tt_end();
    tt_guarded_free(got);
    free(a), free(b), free(want);
}
static void test_minimum_case(tt_rng_t *r, int case_no)
{
    test_minmax_case(r, case_no, 0);
}
static void test_maximum_case(tt_rng_t *r, int case_no)
{
    test_minmax_case(r, case_no, 1);
}
static void test_avgpool_case(tt_rng_t *r, int case_no)
{
    test_pool_case(r, case_no, 0);
}
static void test_maxpool_case(tt_rng_t *r, int case_no)
{
    test_pool_case(r, case_no, 1);
}

/* A max pool with an explicit PAD folded into it (pad_fill): against
 * padding the image with the value, then a VALID max pool. */
static void test_maxpool_padded_case(tt_rng_t *r, int case_no)
{
    const int ih = tt_int(r, 1, 15), iw = tt_int(r, 1, 15), c = tt_int(r, 1, 24);
    const int pt = tt_int(r, 0, 3), pb = tt_int(r, 0, 3), pl = tt_int(r, 0, 3), pr = tt_int(r, 0, 3);
    const int ph = ih + pt + pb, pw = iw + pl + pr;
    const int kh = tt_int(r, 1, ph < 5 ? ph : 5), kw = tt_int(r, 1, pw < 5 ? pw : 5);
    const int sh = tt_int(r, 1, 3), sw = tt_int(r, 1, 3);
    const int32_t pv = tt_chance(r, 50) ? tt_int(r, -128, 127) : -128 + tt_int(r, 0, 3);
    nr_pool_t q;
    memset(&q, 0, sizeof q);
    q.in_h = ph, q.in_w = pw, q.c = c, q.k_h = kh, q.k_w = kw, q.stride_h = sh, q.stride_w = sw;
    q.out_h = (ph - kh) / sh + 1, q.out_w = (pw - kw) / sw + 1;
    if (tt_chance(r, 50))
        q.act_min = -128, q.act_max = 127;
    else
        pick_act(r, tt_int(r, -128, 127), &q.act_min, &q.act_max);
    const size_t in_n = (size_t)ih * iw * c, pad_n = (size_t)ph * pw * c,
                 out_n = (size_t)q.out_h * q.out_w * c;
    int8_t *in = xmalloc(in_n), *padded = xmalloc(pad_n), *want = xmalloc(out_n);
    tt_fill_s8(r, in, in_n, -128, 127);
    for (int y = 0; y < ph; y++)
        for (int x = 0; x < pw; x++)
            for (int k = 0; k < c; k++) {
                const int sy = y - pt, sx = x - pl;
                const int inside = sy >= 0 && sy < ih && sx >= 0 && sx < iw;
                padded[((size_t)y * pw + x) * c + k] =
                    inside ? in[((size_t)sy * iw + sx) * c + k] : (int8_t)pv;
            }
    nr_maxpool(&q, padded, want);
    tfg_pool_params_t p = {.in_h = ih,
                           .in_w = iw,
                           .c = c,
                           .out_h = q.out_h,
                           .out_w = q.out_w,
                           .k_h = kh,
                           .k_w = kw,
                           .stride_h = sh,
                           .stride_w = sw,
                           .pad_top = pt,
                           .pad_left = pl,
                           .act_min = q.act_min,
                           .act_max = q.act_max,
                           .pad_fill = 1,
                           .pad_value = pv};
    int8_t *got = tt_guarded_alloc(out_n, 0x33);
    tt_begin();
    tfg_maxpool_s8(&p, in, got);
    if (!compare_out("maxpool padded", case_no, got, want, out_n))
        TT_LOG("  in %dx%dx%d pads t%d b%d l%d r%d value %d k %dx%d stride %d,%d\n", ih, iw, c, pt, pb, pl,
               pr, (int)pv, kh, kw, sh, sw);
    tt_end();
    tt_guarded_free(got);
    free(in), free(padded), free(want);
}

static void run_cases(const char *name, case_fn fn, uint64_t seed, int n)
{
    int failed_before = tt_failed;
    tt_rng_t r = {seed};
    for (int i = 0; i < n; i++) fn(&r, i);
    printf("%-18s %4d cases, %d failed\n", name, n, tt_failed - failed_before);
}

int main(void)
{
    int failed_before = tt_failed;
    test_requant_helpers();
    printf("%-18s %4d cases, %d failed\n", "requant helpers", 5, tt_failed - failed_before);

    failed_before = tt_failed;
    test_fixedpoint_refs_vs_float();
    printf("%-18s %4d cases, %d failed\n", "ref vs float", 4, tt_failed - failed_before);

    run_cases("conv", test_conv_case, 11, 3000);
    tt_begin();
    printf("conv coverage: narrow %d narrow-in-place %d narrow-prepared %d\n", conv_narrow_cases,
           conv_narrow_in_place, conv_narrow_prepared);
    TT_CHECK(conv_narrow_cases > 0 && conv_narrow_in_place > 0 && conv_narrow_prepared > 0);
    printf("conv over its input: %d growing, %d shrinking or equal\n", conv_over_grow, conv_over_shrink);
    TT_CHECK(conv_over_grow > 0 && conv_over_shrink > 0);
    tt_end();
    run_cases("dwconv", test_dwconv_case, 12, 3000);
    test_dwconv_coverage();
    run_cases("fc", test_fc_case, 13, 1500);
    tt_begin();
    printf("negative multipliers: %d conv/dwconv/fc cases, %d channels\n", neg_mult_cases, neg_mult_channels);
    TT_CHECK(neg_mult_cases > 100);
    tt_end();
    run_cases("add", test_add_case, 14, 2000);
    run_cases("mul", test_mul_case, 15, 2000);
    run_cases("sub", test_sub_case, 45, 2000);
    run_cases("minimum", test_minimum_case, 41, 1500);
    run_cases("maximum", test_maximum_case, 42, 1500);
    run_cases("avgpool", test_avgpool_case, 16, 1500);
    run_cases("maxpool", test_maxpool_case, 17, 1500);
    run_cases("maxpool padded", test_maxpool_padded_case, 40, 1500);
    run_cases("mean", test_mean_case, 18, 1000);
    run_cases("requantize", test_requantize_case, 19, 1000);
    run_cases("quantize", test_quantize_case, 20, 1000);
    run_cases("dequantize", test_dequantize_case, 21, 500);
    run_cases("softmax", test_softmax_case, 22, 1000);
    run_cases("logistic", test_logistic_case, 23, 1000);
    run_cases("tanh", test_tanh_case, 48, 1500);
    run_cases("relu, relu6", test_relu_case, 43, 1500);
    run_cases("leaky_relu", test_leaky_relu_case, 44, 1500);
    run_cases("prelu", test_prelu_case, 46, 1500);
    run_cases("hard_swish", test_hard_swish_case, 47, 1500);
    tt_begin();
    printf(
        "hard_swish coverage: output shift past 15 %d, relu-ish shift past 15 %d, relu-ish left shift %d\n",
        hswish_far_out, hswish_far_relu, hswish_left_relu);
    TT_CHECK(hswish_far_out > 10 && hswish_far_relu > 10 && hswish_left_relu > 10);
    tt_end();
    run_cases("gather", test_gather_case, 24, 1500);
    run_cases("read_region", test_read_region_case, 49, 1000);
    run_cases("pad", test_pad_case, 25, 800);
    run_cases("concat", test_concat_case, 26, 800);
    run_cases("resize_nearest", test_resize_case, 27, 1000);
    run_cases("frame", test_frame_case, 50, 1000);
    run_cases("resize_bilinear", test_bilinear_case, 28, 1000);
    run_cases("transpose_conv", test_tconv_case, 29, 1500);
    TT_CHECK(tconv_odd_sizes > 500); /* output sizes the converter never writes were covered */
    run_cases("batch_matmul", test_bmm_case, 30, 1500);
    TT_CHECK(bmm_broadcast > 200 && bmm_adj_x > 200 && bmm_adj_y > 200);
    return tt_summary();
}
