/* Armv7E-M DSP helpers shared by the kernels (only when the compiler targets
 * a core with the DSP extension: Cortex-M4, M7, M33 with DSP, M55).
 *
 * The int8 dot-product idiom: SXTB16 sign-extends bytes 0 and 2 of a word into
 * two halfwords, and of the word rotated right by 8 bytes 1 and 3. Pairing
 * even lanes with even lanes and odd with odd, two SMLADs compute
 * x0*w0 + x1*w1 + x2*w2 + x3*w3 exactly, with weights in their natural
 * order. Integer sums are exact, so results equal the portable loops. */
#ifndef TINYFORGE_DSP_H
#define TINYFORGE_DSP_H

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TFG_HAVE_DSP 1
#include <arm_acle.h>
#include <stdint.h>
#include <string.h>

/* An unaligned 32-bit load (a single LDR on Armv7E-M). */
static inline uint32_t tfg_ld4(const int8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint32_t tfg_ror8(uint32_t x)
{
    return (x >> 8) | (x << 24);
}

/* SXTB16 of x rotated right by 8 (bytes 1 and 3), as one instruction: GCC
 * does not fold the rotate into SXTB16's operand by itself. */
static inline int16x2_t tfg_sxtb16_ror8(uint32_t x)
{
#if defined(__GNUC__)
    int16x2_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
#else
    return __sxtb16(tfg_ror8(x));
#endif
}

/* acc + x0*w0 + x1*w1 + x2*w2 + x3*w3 for the four int8 lanes of x and w. */
static inline int32_t tfg_dot4(uint32_t x, uint32_t w, int32_t acc)
{
    acc = __smlad(__sxtb16(x), __sxtb16(w), acc);
    return __smlad(tfg_sxtb16_ror8(x), tfg_sxtb16_ror8(w), acc);
}
#endif

#endif
