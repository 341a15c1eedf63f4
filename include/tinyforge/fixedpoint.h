/* Integer requantization arithmetic, bit-exact with TFLite's reference kernels.
 *
 * A real multiplier M is stored as (mult, shift) with M = mult * 2^(shift-31),
 * mult in [2^30, 2^31). Applying it is TFLite's "double rounding" sequence:
 * left-shift (if shift > 0), a saturating rounding doubling high multiply, then
 * a rounding right shift that rounds half away from zero. tfg_sat_rdhm and
 * tfg_rshift_round are those steps as TFLite states them (the fixed-point
 * transcendental code uses them); every int8 kernel requantizes through
 * tfg_requant(), so there is exactly one place where the fast form lives.
 *
 * C99, header-only (static inline) so kernels inline it in their inner loops.
 * Right shifts of negative values are arithmetic on every compiler we target
 * (gcc, clang, arm-none-eabi-gcc); the left shift goes through uint32_t so an
 * overflow wraps the way the reference's int32 arithmetic does in practice. */
#ifndef TINYFORGE_FIXEDPOINT_H
#define TINYFORGE_FIXEDPOINT_H

#include <stdint.h>

/* C linkage for C++ callers (Arduino, mbed, STM32Cube, ESP-IDF mains). */
#ifdef __cplusplus
extern "C" {
#endif

/* round(a * b / 2^31), saturating the single overflowing case INT32_MIN^2. */
static inline int32_t tfg_sat_rdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : (1 - (INT64_C(1) << 30));
    /* Division (not shift): the reference truncates toward zero here. */
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

/* x / 2^e rounded to nearest, ties away from zero; 0 <= e <= 31. */
static inline int32_t tfg_rshift_round(int32_t x, int e)
{
    const int32_t mask = (int32_t)((INT64_C(1) << e) - 1);
    const int32_t rem = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > threshold ? 1 : 0);
}

/* x * mult * 2^(shift-31) with TFLite's rounding, for a multiplier of either
 * sign (QuantizeMultiplier gives a negative one for a negative weight scale).
 * This is tfg_rshift_round(tfg_sat_rdhm(x << left, mult), right) rewritten for
 * speed, with identical results:
 *  - the one saturating case (both operands INT32_MIN) is excluded by the
 *    callers: mult > INT32_MIN, or no left shift with |x| < 2^31 - the
 *    compiler refuses the rest (src/lower/lower.c channel_mult);
 *  - the high multiply adds 2^30 (ab >= 0) or 1 - 2^30 (ab < 0), then
 *    truncates toward zero. For ab < 0 the sum v is negative and
 *    trunc(v / 2^31) = (v + 2^31 - 1) >> 31 = (ab + 2^30) >> 31, the same
 *    expression as for ab >= 0 (whatever the signs of x and mult): one add
 *    and one arithmetic shift. As
 *    |ab| < 2^62 the result fits in 32 bits;
 *  - the rounding right shift then runs in 32 bits (on a 32-bit core a
 *    64-bit variable shift costs several instructions); tfg_requant picks
 *    the form that suits the word size.
 * The kernel tests check this against the two-step form on edge values. */
static inline int32_t tfg_requant32(int32_t x, int32_t mult, int32_t shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    const int64_t ab = (int64_t)(int32_t)((uint32_t)x << left) * (int64_t)mult;
    const int32_t t = (int32_t)((ab + (INT64_C(1) << 30)) >> 31);
    const int32_t mask = (int32_t)((UINT32_C(1) << right) - 1);
    const int32_t threshold = (mask >> 1) + (t < 0 ? 1 : 0);
    return (t >> right) + ((t & mask) > threshold ? 1 : 0);
}

/* The same on 64-bit hosts, where 64-bit arithmetic is native: rounding half
 * away from zero by 2^e (e > 0) is (t + 2^(e-1)) >> e for t >= 0 and
 * (t + 2^(e-1) - 1) >> e for t < 0 (a tie then goes down). */
static inline int32_t tfg_requant64(int32_t x, int32_t mult, int32_t shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    const int64_t ab = (int64_t)(int32_t)((uint32_t)x << left) * (int64_t)mult;
    const int64_t t = (ab + (INT64_C(1) << 30)) >> 31;
    const int64_t half = (INT64_C(1) << right) >> 1;
    return (int32_t)((t + half - (half > 0 && t < 0)) >> right);
}

static inline int32_t tfg_requant(int32_t x, int32_t mult, int32_t shift)
{
#if defined(__x86_64__) || defined(__aarch64__)
    return tfg_requant64(x, mult, shift);
#else
    return tfg_requant32(x, mult, shift);
#endif
}

/* ---- one requantization entry per output channel ----------------------
 *
 * Conv, depthwise and FC layers carry a single table of these, one per
 * output channel (and nothing else about requantization), so flash holds
 * each channel's multiplier once. An entry is in one of two forms, told
 * apart by `shift`:
 *  - prepared (shift = e in [1, 22]): the DSP kernels' five-instruction form
 *    below; add = 2^(e-1) + (out_zp << e) and TFLite's shift is -e;
 *  - general (shift = 0): add holds TFLite's shift itself (left shifts
 *    included), and the kernels call tfg_requant(x, mult, add).
 * In both, mult is TFLite's Q31 multiplier exactly as QuantizeMultiplier
 * gave it, whatever its sign, so tfg_rq_mult()/tfg_rq_shift() give back
 * (mult, shift) for any entry: the portable kernels and the reference need
 * nothing else. A general entry costs the same 12 bytes as a prepared one,
 * which is why the form is a flag in the entry and not a second table.
 *
 * The prepared form: tfg_requant(x, mult, shift) + out_zp in five Armv7E-M
 * instructions, for the common case of a pure right shift e = -shift in
 * [1, 22], mult >= 0 and |x| < 2^30 (the compiler checks all three per
 * channel; see docs/numerics.md). A negative multiplier (negative weight
 * scale) is not covered: its sign term below would be (-x) >> 31, one more
 * instruction in every kernel's hot loop for a rare case, so such a channel
 * keeps the general form, which is exact for both signs. Why it is the same
 * number:
 *  - t = (x*mult + 2^30) >> 31 (see tfg_requant32) equals
 *    (2x*mult + 2^31) >> 32, which is SMMULR(2x, mult); 2x fits int32;
 *  - rounding t by 2^e half away from zero is (t + h + s) >> e with
 *    h = 2^(e-1) and s = -1 for t < 0, else 0. t < 0 implies x < 0, and
 *    x < 0 with t = 0 gives the same result either way (h - 1 < 2^e), so
 *    s = x >> 31 (= 2x >> 31) works;
 *  - out_zp * 2^e added before the shift comes out as + out_zp exactly.
 * So with add = h + (out_zp << e): out = (SMMLAR(2x, mult, add) + (2x >> 31)) >> e,
 * where SMMLAR(a, b, c) = (c*2^32 + a*b + 2^31) >> 32. Every intermediate
 * fits int32 for e <= 22. The kernel tests check this against tfg_requant. */
typedef struct {
    int32_t mult;  /* TFLite's multiplier, either form */
    int32_t add;   /* prepared: 2^(e-1) + (out_zp << e); general: TFLite's shift */
    int32_t shift; /* prepared: e in [1, 22]; 0: the general form */
} tfg_rq_t;

/* The general form of (mult, shift): any multiplier and shift. */
static inline void tfg_rq_general(int32_t mult, int32_t shift, tfg_rq_t *q)
{
    q->mult = mult;
    q->add = shift;
    q->shift = 0;
}

/* TFLite's (mult, shift) of an entry in either form. */
static inline int32_t tfg_rq_mult(const tfg_rq_t *q)
{
    return q->mult;
}
static inline int32_t tfg_rq_shift(const tfg_rq_t *q)
{
    return q->shift ? -q->shift : q->add;
}

/* tfg_requant with an entry's multiplier (out_zp not added), for any entry. */
static inline int32_t tfg_rq_requant(int32_t x, const tfg_rq_t *q)
{
    return tfg_requant(x, q->mult, tfg_rq_shift(q));
}

/* SMMLAR: (c * 2^32 + a * b + 2^31) >> 32, one instruction with the DSP extension. */
static inline int32_t tfg_smmlar(int32_t a, int32_t b, int32_t c)
{
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__)
    int32_t v;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(v) : "r"(a), "r"(b), "r"(c));
    return v;
#else
    return (int32_t)((((int64_t)c * 4294967296) + (int64_t)a * b + INT64_C(0x80000000)) >> 32);
#endif
}

/* Prepares q for (mult, shift, out_zp); returns 0 (q untouched) when the
 * case is not covered: the caller then stores the general form. */
static inline int tfg_rq_make(int32_t mult, int32_t shift, int32_t out_zp, tfg_rq_t *q)
{
    if (mult < 0 || shift > -1 || shift < -22 || out_zp < -128 || out_zp > 127) return 0;
    const int e = -shift;
    q->mult = mult;
    q->add = (INT32_C(1) << (e - 1)) + (int32_t)((uint32_t)out_zp << e);
    q->shift = e;
    return 1;
}

/* The entry for (mult, shift, out_zp): prepared when `may_prepare` (the
 * caller's bound |x| < 2^30 holds) and the form covers it, else general.
 * Returns 1 for a prepared entry. */
static inline int tfg_rq_init(int32_t mult, int32_t shift, int32_t out_zp, int may_prepare, tfg_rq_t *q)
{
    if (may_prepare && tfg_rq_make(mult, shift, out_zp, q)) return 1;
    tfg_rq_general(mult, shift, q);
    return 0;
}

/* tfg_rq_apply(x2 / 2, q) for an even x2 (|x2| < 2^31): callers that can
 * produce 2x for free (a shift one bit further) save the doubling. */
static inline int32_t tfg_rq_apply2(int32_t x2, const tfg_rq_t *q)
{
    return (tfg_smmlar(x2, q->mult, q->add) + (x2 >> 31)) >> q->shift;
}

/* tfg_requant(x, mult, shift) + out_zp for |x| < 2^30, q from tfg_rq_make. */
static inline int32_t tfg_rq_apply(int32_t x, const tfg_rq_t *q)
{
    return tfg_rq_apply2(x + x, q);
}

/* An entry's output before the activation clamp: tfg_requant(x, mult, shift)
 * + out_zp, in whichever form the entry holds (|x| < 2^30 for a prepared
 * entry, as the compiler guarantees). The prepared form is the cheaper one
 * without the DSP extension too: one 32x32->64 multiply and three adds and
 * shifts, against about twenty instructions for tfg_requant32 (a dozen for
 * tfg_requant64), so every core takes it where the entry allows. */
static inline int32_t tfg_rq_out(int32_t x, const tfg_rq_t *q, int32_t out_zp)
{
    return q->shift ? tfg_rq_apply(x, q) : tfg_requant(x, q->mult, q->add) + out_zp;
}

static inline int32_t tfg_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

#ifdef __cplusplus
}
#endif

#endif
