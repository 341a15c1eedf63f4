/* int8 activations, bit-exact with TFLite Micro's reference kernels.
 *
 * RELU, RELU6, LEAKY_RELU and PRELU requantize (tinyforge/fixedpoint.h).
 * HARD_SWISH works in TFLM's int16 fixed point: Q15 values, a rounding (and
 * one truncating) doubling high multiply on 16 bits, see tfg_hard_swish_s8.
 * SOFTMAX, LOGISTIC and TANH are evaluated, as TFLite does, with gemmlowp's
 * fixed-point transcendental functions.
 * A value "Qn" below is an int32 with n integer bits and 31-n fractional
 * bits. Products of Qa and Qb are Q(a+b) via the rounding doubling high
 * multiply. The algorithms, from the published math:
 *  - exp(x) for x <= 0 (Qn in, Q0 out): split x = -(k/4) + r with r in
 *    [-1/4, 0); exp(r) from a 4th-order Taylor series around -1/8; then
 *    multiply in exp(-2^j) for every set bit j of the quarter count;
 *  - 1/(1+x) for x in [0,1): three Newton-Raphson steps from 48/17 - 32/17 d
 *    on the half denominator d = (1+x)/2; TANH's (1-x)/(1+x) is twice that
 *    minus one.
 * The constants are those values rounded to the Q format in use.
 */
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

static inline int32_t fx_mul(int32_t a, int32_t b)
{
    return tfg_sat_rdhm(a, b);
}

/* x * 2^e with saturation (e > 0) or rounding (e < 0). */
static inline int32_t fx_mul_pot(int32_t x, int e)
{
    if (e < 0) return tfg_rshift_round(x, -e);
    if (e == 0) return x;
    const int32_t limit = (int32_t)((INT32_C(1) << (31 - e)) - 1);
    if (x > limit) return INT32_MAX;
    if (x < -limit) return INT32_MIN;
    return (int32_t)((uint32_t)x << e);
}

/* exp(a) for a in [-1/4, 0), a in Q0; result Q0. */
static int32_t exp_quarter_interval(int32_t a)
{
    const int32_t c_exp_minus_eighth = 1895147668; /* exp(-1/8) in Q0 */
    const int32_t c_one_third = 715827883;         /* 1/3 in Q0 */
    const int32_t x = a + (INT32_C(1) << 28);      /* x = a + 1/8 */
    const int32_t x2 = fx_mul(x, x);
    const int32_t x3 = fx_mul(x2, x);
    const int32_t x4 = fx_mul(x2, x2);
    const int32_t x4_over_4 = fx_mul_pot(x4, -2);
    const int32_t poly = fx_mul_pot(fx_mul(x4_over_4 + x3, c_one_third) + x2, -1);
    return c_exp_minus_eighth + fx_mul(c_exp_minus_eighth, x + poly);
}

/* exp(a) for a <= 0 given in Q(int_bits); result Q0. */
static int32_t exp_negative(int32_t a, int int_bits)
{
    static const int32_t exp_minus_pow2[7] = {
        1672461947, /* exp(-1/4) */
        1302514674, /* exp(-1/2) */
        790015084,  /* exp(-1) */
        290630308,  /* exp(-2) */
        39332535,   /* exp(-4) */
        720401,     /* exp(-8) */
        242,        /* exp(-16) */
    };
    const int frac_bits = 31 - int_bits;
    const int32_t quarter = INT32_C(1) << (frac_bits - 2);
    const int32_t a_mod_quarter_minus_quarter = (a & (quarter - 1)) - quarter;
    int32_t result = exp_quarter_interval(fx_mul_pot(a_mod_quarter_minus_quarter, int_bits));
    const int32_t remainder = a_mod_quarter_minus_quarter - a;
    for (int e = -2; e <= 4; e++) {
        if (int_bits <= e) break;
        if (remainder & (INT32_C(1) << (frac_bits + e))) result = fx_mul(result, exp_minus_pow2[e + 2]);
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + x) for x in [0, 1) in Q0; result Q0. */
static int32_t one_over_one_plus_x(int32_t x)
{
    /* Half denominator (1+x)/2 in Q0, rounded: (x + 1 + sign) / 2 in 64 bits. */
    const int64_t sum = (int64_t)x + INT32_MAX;
    const int32_t half_d = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t c_48_17 = 1515870810;   /* 48/17 in Q2 */
    const int32_t c_m32_17 = -1010580540; /* -32/17 in Q2 */
    const int32_t one_q2 = INT32_C(1) << 29;
    int32_t r = c_48_17 + fx_mul(half_d, c_m32_17); /* Q2 */
    for (int i = 0; i < 3; i++) {
        const int32_t e = one_q2 - fx_mul(half_d, r); /* Q2 */
        r = r + fx_mul_pot(fx_mul(r, e), 2);          /* Q4 -> Q2 */
    }
    /* r approximates 1/half_d = 2/(1+x) in Q2; as Q1 the same raw is 1/(1+x). */
    return fx_mul_pot(r, 1);
}

/* (1 - x) / (1 + x) = 2/(1+x) - 1 for x in [0, 1) in Q0; result Q0.
 * gemmlowp takes the same Newton-Raphson iterate r (Q2) as
 * one_over_one_plus_x, which returns y = sat(2r); this one is
 * sat(4(r - 2^29)), i.e. 2y - 2^31 wherever neither saturates. Both saturate
 * high exactly when r >= 2^30 (y is then INT32_MAX, which 2r, being even,
 * never is); this one saturates low exactly when r <= 0, i.e. y <= 0. Taking
 * it from y leaves one_over_one_plus_x, and SOFTMAX and LOGISTIC, as they
 * were. */
static int32_t one_minus_x_over_one_plus_x(int32_t x)
{
    const int32_t y = one_over_one_plus_x(x);
    if (y == INT32_MAX) return INT32_MAX;
    if (y <= 0) return INT32_MIN;
    return (int32_t)(2 * (uint32_t)y - (UINT32_C(1) << 31)); /* y < 2^31 - 1: 2y - 2^31 fits */
}

static inline int count_leading_zeros(uint32_t x)
{
    int n = 0;
    if (x == 0) return 32;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
}

void tfg_softmax_s8(const tfg_softmax_params_t *p, const int8_t *in, int8_t *out)
{
    enum { kDiffBits = 5, kAccumBits = 12 };
    for (int32_t row = 0; row < p->outer; row++) {
        const int8_t *x = in + (size_t)row * (size_t)p->depth;
        int8_t *y = out + (size_t)row * (size_t)p->depth;
        int32_t max = -128;
        for (int32_t i = 0; i < p->depth; i++) max = x[i] > max ? x[i] : max;

        int32_t sum = 0; /* Q12 */
        for (int32_t i = 0; i < p->depth; i++) {
            const int32_t diff = x[i] - max;
            if (diff >= p->diff_min) {
                const int32_t scaled = fx_mul((int32_t)((uint32_t)diff << p->in_left_shift), p->in_mult);
                sum += fx_mul_pot(exp_negative(scaled, kDiffBits), -kAccumBits);
            }
        }
        /* Normalize sum to [1, 2) * 2^bits_over_unit, then reciprocal of it. */
        const int headroom = count_leading_zeros((uint32_t)sum);
        const int bits_over_unit = kAccumBits - headroom;
        const int32_t shifted_minus_one = (int32_t)(((uint32_t)sum << headroom) - (UINT32_C(1) << 31));
        const int32_t recip = one_over_one_plus_x(shifted_minus_one);

        for (int32_t i = 0; i < p->depth; i++) {
            const int32_t diff = x[i] - max;
            int32_t v = -128;
            if (diff >= p->diff_min) {
                const int32_t scaled = fx_mul((int32_t)((uint32_t)diff << p->in_left_shift), p->in_mult);
                const int32_t e = exp_negative(scaled, kDiffBits);
                /* Past a shift of 31 (sums of exps >= 512, long flat rows) TFLite's
                 * shift is undefined; the exact quotient is below 1/2, so 0. */
                const int sh = bits_over_unit + 31 - 8;
                v = (sh > 31 ? 0 : tfg_rshift_round(fx_mul(recip, e), sh)) - 128;
            }
            y[i] = (int8_t)tfg_clamp(v, -128, 127);
        }
    }
}

void tfg_relu_s8(const tfg_relu_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t i = 0; i < p->size; i++) {
        int32_t v = in[i];
        if (p->requant) v = p->out_zp + tfg_requant(v - p->in_zp, p->mult, p->shift);
        out[i] = (int8_t)tfg_clamp(v, p->lo, p->hi);
    }
}

void tfg_leaky_relu_s8(const tfg_leaky_relu_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t i = 0; i < p->size; i++) {
        const int32_t v = in[i] - p->in_zp;
        const int32_t r =
            v >= 0 ? tfg_requant(v, p->id_mult, p->id_shift) : tfg_requant(v, p->alpha_mult, p->alpha_shift);
        out[i] = (int8_t)tfg_clamp(p->out_zp + r, -128, 127);
    }
}

void tfg_prelu_s8(const tfg_prelu_params_t *p, const int8_t *in, const int8_t *alpha, int8_t *out)
{
    const int32_t *d = p->dims, *is = p->in_stride, *as = p->alpha_stride;
    for (int32_t i0 = 0; i0 < d[0]; i0++)
        for (int32_t i1 = 0; i1 < d[1]; i1++)
            for (int32_t i2 = 0; i2 < d[2]; i2++)
                for (int32_t i3 = 0; i3 < d[3]; i3++) {
                    const int32_t v =
                        p->in_offset +
                        in[(size_t)i0 * is[0] + (size_t)i1 * is[1] + (size_t)i2 * is[2] + (size_t)i3 * is[3]];
                    int32_t r;
                    if (v >= 0) {
                        r = tfg_requant(v, p->mult1, p->shift1);
                    } else {
                        const int32_t a = p->alpha_offset + alpha[(size_t)i0 * as[0] + (size_t)i1 * as[1] +
                                                                  (size_t)i2 * as[2] + (size_t)i3 * as[3]];
                        r = tfg_requant(v * a, p->mult2, p->shift2);
                    }
                    *out++ = (int8_t)tfg_clamp(r + p->out_zp, -128, 127);
                }
}

/* gemmlowp's rounding doubling high multiply on int16 values, a * b / 2^15
 * rounded to nearest (ties away from zero). Callers never pass -2^15 for both
 * (one operand is a multiplier in [0, 32767]), the one product that would
 * saturate. */
static inline int32_t q15_rdhm(int32_t a, int32_t b)
{
    const int32_t ab = a * b;
    return (ab + (ab >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15); /* division truncates, as there */
}

/* gemmlowp's RoundingDivideByPOT instantiated for int16, as TFLM's
 * HARD_SWISH calls it. Up to 2^15 it is the usual rounding shift; from 2^16
 * on its mask 2^e - 1 is converted to int16 and becomes -1, after which the
 * quotient is 1 for every x >= 0 and -1 for every x < 0. Only scales more
 * than 2^9 apart (or an input scale below 3 * 2^-24) get there; TFLM's bytes are
 * what we reproduce. */
static inline int32_t q15_rdbpot(int32_t x, int e)
{
    if (e >= 16) return x >= 0 ? 1 : -1;
    return tfg_rshift_round(x, e);
}

/* TFLM's SaturatingLeftShift: x * 2^e clamped to int16 (0 <= e <= 30). */
static inline int32_t q15_sat_shl(int32_t x, int e)
{
    if (e > 15) return x > 0 ? INT16_MAX : x < 0 ? INT16_MIN : 0; /* any nonzero x saturates */
    return tfg_clamp(x * (1 << e), INT16_MIN, INT16_MAX);         /* |x| * 2^15 < 2^31 */
}

void tfg_hard_swish_s8(const tfg_hard_swish_params_t *p, const int8_t *in, int8_t *out)
{
    const int out_right = -p->out_shift;
    for (int32_t i = 0; i < p->size; i++) {
        /* x - in_zp is within +-255, so times 128 it still fits int16
         * (TFLM's "hires" input): no operation below leaves 16 bits. */
        const int32_t hires = (in[i] - p->in_zp) * 128;
        const int32_t preshift = q15_rdhm(hires, p->out_mult); /* on the output scale, before the shift */
        /* relu-ish: hires mapped so that x = 3 is 2^15 (saturating), i.e. onto
         * [-1, 1] in Q15. A left shift is done as TFLM does it: all but one
         * bit before the multiply, the last bit after, both saturating. */
        int32_t r = hires;
        if (p->relu_shift > 0) r = q15_sat_shl(r, p->relu_shift - 1);
        r = q15_rdhm(r, p->relu_mult);
        if (p->relu_shift > 0) r = q15_sat_shl(r, 1);
        if (p->relu_shift < 0) r = q15_rdbpot(r, -p->relu_shift);
        r = (r + (1 << 15)) >> 1; /* [-1, 1] -> [0, 1]: 0..32767 */
        /* The product truncates toward zero (SQDMULH, not SQRDMULH): TFLM
         * chose it to cancel the bias of the rounding multiplies above. r >= 0,
         * so it never saturates; |preshift| <= 32640 keeps the sum below
         * within int16 as well, where TFLM adds the zero point. */
        const int32_t prod = r * preshift / (1 << 15);
        out[i] = (int8_t)tfg_clamp(q15_rdbpot(prod, out_right) + p->out_zp, -128, 127);
    }
}

enum { kInBits = 4 };

/* sigmoid of a Q4 value, as a byte in steps of 1/256 from -128 */
static inline int32_t logistic_q4(int32_t xq)
{
    int32_t s = INT32_C(1) << 30; /* sigmoid, Q0; sigmoid(0) = 1/2 */
    if (xq != 0) {
        const int32_t a = xq > 0 ? xq : -xq;
        const int32_t pos = one_over_one_plus_x(exp_negative(-a, kInBits));
        s = xq > 0 ? pos : INT32_MAX - pos;
    }
    return tfg_clamp(tfg_rshift_round(s, 31 - 8) - 128, -128, 127);
}

/* tanh of a Q4 value, as a byte in steps of 1/128 */
static inline int32_t tanh_q4(int32_t xq)
{
    int32_t t = 0; /* tanh, Q0; tanh(0) = 0 */
    if (xq != 0) {
        /* tanh|a| = (1 - e^(-2|a|)) / (1 + e^(-2|a|)); -2|a| is the raw
         * of -|a| read with one more integer bit. */
        const int32_t neg = xq < 0 ? xq : -xq;
        const int32_t pos = one_minus_x_over_one_plus_x(exp_negative(neg, kInBits + 1));
        t = xq < 0 ? -pos : pos;
    }
    return tfg_clamp(tfg_rshift_round(t, 31 - 7), -128, 127);
}

/* LOGISTIC's and TANH's common frame: x = in - in_zp saturates to -128 or
 * 127 outside the input range radius (the function is flat there in 8
 * bits); inside, f takes x to Q4 by the input multiplier and returns the
 * output byte. Inlined with f, so each kernel is one loop. */
static inline __attribute__((always_inline)) void q4_activation(int32_t size, int32_t in_zp, int32_t radius,
                                                                int32_t mult, int32_t left_shift,
                                                                const int8_t *in, int8_t *out,
                                                                int32_t (*f)(int32_t))
{
    for (int32_t i = 0; i < size; i++) {
        const int32_t x = (int32_t)in[i] - in_zp;
        out[i] = (int8_t)(x <= -radius ? -128 : x >= radius ? 127 : f(tfg_requant(x, mult, left_shift)));
    }
}

void tfg_logistic_s8(const tfg_logistic_params_t *p, const int8_t *in, int8_t *out)
{
    q4_activation(p->size, p->in_zp, p->in_range_radius, p->in_mult, p->in_left_shift, in, out, logistic_q4);
}

void tfg_tanh_s8(const tfg_tanh_params_t *p, const int8_t *in, int8_t *out)
{
    q4_activation(p->size, p->in_zp, p->in_range_radius, p->in_mult, p->in_left_shift, in, out, tanh_q4);
}
