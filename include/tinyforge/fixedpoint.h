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
 *    compiler refuses the rest (src/exec/lower.c channel_mult);
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

/* ---- prepared requantization (the DSP kernels' output stage) -------------
 *
 * tfg_requant(x, mult, shift) + out_zp in five Armv7E-M instructions, for
 * the common case of a pure right shift e = -shift in [1, 22], mult >= 0 and
 * |x| < 2^30 (the compiler checks all three per channel; see
 * docs/numerics.md). A negative multiplier (negative weight scale) is not
 * covered: its sign term below would be (-x) >> 31, one more instruction in
 * every kernel's hot loop for a rare case, so such a channel keeps the general
 * tfg_requant form, which is exact for both signs. Why it is the same number:
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
    int32_t mult, add, shift;
} tfg_rq_t;

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

/* Prepares q for (mult, shift, out_zp); returns 0 when the case is not
 * covered. Kernels take a prepared entry with shift 0 to mean "not covered:
 * use tfg_requant for this channel". */
static inline int tfg_rq_make(int32_t mult, int32_t shift, int32_t out_zp, tfg_rq_t *q)
{
    if (mult < 0 || shift > -1 || shift < -22 || out_zp < -128 || out_zp > 127) return 0;
    const int e = -shift;
    q->mult = mult;
    q->add = (INT32_C(1) << (e - 1)) + (int32_t)((uint32_t)out_zp << e);
    q->shift = e;
    return 1;
}

/* tfg_rq_apply(x2 / 2, q) for an even x2 (|x2| < 2^31): callers that can
 * produce 2x for free (a shift one bit further) save the doubling. */
static inline int32_t tfg_rq_apply2(int32_t x2, const tfg_rq_t *q)
{
    return (tfg_smmlar(x2, q->mult, q->add) + (x2 >> 31)) >> q->shift;
}

/* tfg_requant(x, mult, shift) + out_zp for |x| < 2^30, q from tfg_rq_make. */
static inline int32_t tfg_rq_apply(int32_t x, const tfg_rq_t *q) { return tfg_rq_apply2(x + x, q); }

static inline int32_t tfg_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

#endif
