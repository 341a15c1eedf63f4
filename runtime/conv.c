/* int8 CONV_2D, NHWC, per-channel requantization.
 *
 * Shape of the computation: every output pixel is a dot product of a K-long
 * input column (K = k_h * k_w * in_c, in the same kh/kw/c order as the OHWI
 * weight rows) with each of the out_c weight rows. Columns come from:
 *  - the input itself, when the kernel is 1x1 without padding (any stride):
 *    the pixel's channels are already contiguous, so no copy at all;
 *  - an im2col copy into scratch otherwise, where padded taps are filled
 *    with in_zp. Because the bias has -in_zp * sum(w) folded in, a padded
 *    tap then contributes exactly zero, as in TFLite where it is skipped.
 *
 * Weights are packed offline (tfg_conv_pack_weights) for the block the
 * kernel computes, two output pixels by two output channels: K is padded
 * with zeros to K4 (a multiple of 4) and cut into 4-byte chunks, and the
 * chunks of two channels alternate, so one pass over the pair's weights
 * feeds four accumulators:
 *
 *     pair j:  [oc 2j, k 0..3] [oc 2j+1, k 0..3] [oc 2j, k 4..7] ...
 *
 * (an odd last channel is paired with a zero row). With the Armv7E-M DSP
 * extension, the two pixels' columns are first widened to int16 in scratch,
 * in the lane order SXTB16 gives a weight word: (k0, k2) then (k1, k3). A
 * chunk of the 2x2 block is then one weight pair load, four SXTB16, two
 * column loads and eight SMLADs: 16 MACs in about 15 instructions, with
 * every operand in registers. The widening costs about one instruction per
 * column byte, shared by all out_c channels. Output goes through the
 * prepared requantization (tfg_rq_apply) when the compiler supplied it.
 *
 * In place (p->in_place, pointwise only), out starts where in does. The
 * pixel pairs are visited in the order pair_start gives, and a pair's two
 * columns are copied (widened, or memcpy'd into scratch) before any of its
 * outputs is written, so a write can only reach input pixels already read.
 */
#include <string.h>

#include "tinyforge/dsp.h"
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

static int conv_is_pointwise(const tfg_conv_params_t *p)
{
    return p->k_h == 1 && p->k_w == 1 && p->pad_top == 0 && p->pad_left == 0;
}

static size_t conv_k4(const tfg_conv_params_t *p)
{
    return ((size_t)p->k_h * (size_t)p->k_w * (size_t)p->in_c + 3) & ~(size_t)3;
}

size_t tfg_conv_packed_bytes(const tfg_conv_params_t *p)
{
    return (((size_t)p->out_c + 1) & ~(size_t)1) * conv_k4(p);
}

void tfg_conv_pack_weights(const tfg_conv_params_t *p, const int8_t *ohwi, int8_t *dst)
{
    const size_t k = (size_t)p->k_h * (size_t)p->k_w * (size_t)p->in_c, k4 = conv_k4(p);
    const size_t oc_n = (size_t)p->out_c;
    for (size_t j = 0; 2 * j < oc_n; j++)
        for (size_t i = 0; i < k4; i += 4)
            for (size_t r = 0; r < 2; r++)
                for (size_t b = 0; b < 4; b++) {
                    const size_t oc = 2 * j + r, kk = i + b;
                    *dst++ = oc < oc_n && kk < k ? ohwi[oc * k + kk] : 0;
                }
}

/* A NARROW pointwise conv reads its columns straight from the input when
 * whole 4-byte chunks cover each pixel's channels (no word load runs past
 * the pixel, so none past the tensor), unless its output is written over
 * that input. */
static int narrow_in_place(const tfg_conv_params_t *p)
{
    return conv_is_pointwise(p) && p->in_c % 4 == 0 && !p->in_place;
}

/* The first pixel of the t-th pixel pair to compute, of n_pairs. In place
 * with more output than input channels the pairs go last to first: pair
 * (a, a + 1) then writes from a * out_c on, at or past the a * in_c bytes of
 * the pixels still unread. Otherwise first to last: it writes below
 * (a + 2) * out_c <= (a + 2) * in_c, where the unread pixels start. */
static inline int pair_start(const tfg_conv_params_t *p, int t, int n_pairs)
{
    return 2 * (p->in_place && p->out_c > p->in_c ? n_pairs - 1 - t : t);
}

/* Scratch. WIDE: two int16 columns (DSP), plus one int8 im2col column when
 * the kernel is not pointwise. NARROW: two int8 columns, or none when the
 * columns are read in place. The size does not depend on the target, so one
 * memory plan serves every core; the portable path uses at most 2 * K4. */
size_t tfg_conv_s8_scratch_size(const tfg_conv_params_t *p)
{
    const size_t k4 = conv_k4(p);
    if (p->variant == TFG_CONV_NARROW) return narrow_in_place(p) ? 0 : 2 * k4;
    return 4 * k4 + (conv_is_pointwise(p) ? 0 : k4);
}

/* Copy the receptive field of output pixel (oy, ox) into col. */
static void im2col_pixel(const tfg_conv_params_t *p, const int8_t *in, int oy, int ox, int8_t *col)
{
    const int iy0 = oy * p->stride_h - p->pad_top;
    const int ix0 = ox * p->stride_w - p->pad_left;
    const size_t c = (size_t)p->in_c;
    /* With dilation 1, a kernel row inside the image is one contiguous run. */
    const int row_inside = p->dil_w == 1 && ix0 >= 0 && ix0 + p->k_w <= p->in_w;
    for (int ky = 0; ky < p->k_h; ky++) {
        const int iy = iy0 + ky * p->dil_h;
        if (row_inside && iy >= 0 && iy < p->in_h) {
            const size_t n = (size_t)p->k_w * c;
            memcpy(col, in + ((size_t)iy * (size_t)p->in_w + (size_t)ix0) * c, n);
            col += n;
            continue;
        }
        for (int kx = 0; kx < p->k_w; kx++) {
            const int ix = ix0 + kx * p->dil_w;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
                memset(col, p->in_zp, c);
            else
                memcpy(col, in + ((size_t)iy * (size_t)p->in_w + (size_t)ix) * c, c);
            col += c;
        }
    }
}

/* The K bytes of output pixel pix's column: in place for pointwise kernels,
 * else gathered into buf. */
static const int8_t *column(const tfg_conv_params_t *p, const int8_t *in, int pix, int8_t *buf)
{
    const int oy = pix / p->out_w, ox = pix % p->out_w;
    if (conv_is_pointwise(p)) {
        size_t iy = (size_t)oy * (size_t)p->stride_h, ix = (size_t)ox * (size_t)p->stride_w;
        return in + (iy * (size_t)p->in_w + ix) * (size_t)p->in_c;
    }
    im2col_pixel(p, in, oy, ox, buf);
    return buf;
}

/* The output side of a layer, copied out of the parameter struct: int8 stores
 * may alias the struct (int8_t is a character type), so reading through p
 * would reload every field after every output byte. */
typedef struct {
    const int32_t *bias;
    const tfg_rq_t *rq;
    int32_t out_zp, lo, hi;
} out_side_t;

static out_side_t out_side(const tfg_conv_params_t *p)
{
    const out_side_t q = {p->bias, p->rq, p->out_zp, p->act_min, p->act_max};
    return q;
}

/* A fused residual for one pixel pair: where the two pixels' residual bytes
 * are, and the ADD in its prepared form when that applies (else NULL). */
typedef struct {
    const int8_t *r0, *r1;
    const tfg_add_prep_t *fast;
} residual_t;

/* Store a 2x2 block's bytes (pixel 0: v00 v01, pixel 1: v10 v11, channels
 * oc and oc + 1 when `two`). With a fused residual ADD (rs non-NULL) each byte
 * becomes ADD(residual byte, conv byte); the residuals are in the same buffer
 * as the output (in place, at or after the output's own position, so never
 * overwritten before they are read). Both pixels' residual bytes are read
 * before either pixel is written, because an odd pixel count pairs the last
 * pixel with itself. */
static inline void store_block(const tfg_conv_params_t *p, int8_t *o0, int8_t *o1, const residual_t *rs,
                               int oc, int two, int8_t v00, int8_t v01, int8_t v10, int8_t v11)
{
    if (rs) {
        const int8_t w00 = rs->r0[oc], w10 = rs->r1[oc], w01 = two ? rs->r0[oc + 1] : 0,
                     w11 = two ? rs->r1[oc + 1] : 0;
        const int b = p->res_conv_is_b;
#define RES_ADD(V, W)                                                                                        \
    (rs->fast ? tfg_add_prepared(rs->fast, b ? (W) : (V), b ? (V) : (W))                                     \
              : tfg_add_one_s8(p->res, b ? (W) : (V), b ? (V) : (W)))
        v00 = RES_ADD(v00, w00), v10 = RES_ADD(v10, w10), v01 = RES_ADD(v01, w01), v11 = RES_ADD(v11, w11);
#undef RES_ADD
    }
    o0[oc] = v00;
    o1[oc] = v10;
    if (two) {
        o0[oc + 1] = v01;
        o1[oc + 1] = v11;
    }
}

/* The residual of output pixels pix0 and pix1 (NULL without one): laid
 * out with rows of res_row pixels (0: the output's width) from pixel
 * res_off on, in the output buffer itself. */
static const residual_t *residual_px(const tfg_conv_params_t *p, const int8_t *out, int pix0, int pix1,
                                     const tfg_add_prep_t *fast, residual_t *rs)
{
    if (!p->res) return 0;
    const size_t row = (size_t)(p->res_row ? p->res_row : p->out_w), c = (size_t)p->out_c;
    rs->r0 = out + ((size_t)p->res_off + (size_t)(pix0 / p->out_w) * row + (size_t)(pix0 % p->out_w)) * c;
    rs->r1 = out + ((size_t)p->res_off + (size_t)(pix1 / p->out_w) * row + (size_t)(pix1 % p->out_w)) * c;
    rs->fast = fast;
    return rs;
}

/* The fused residual's ADD in its prepared form, or NULL (none, or not covered). */
static const tfg_add_prep_t *residual_fast(const tfg_conv_params_t *p, tfg_add_prep_t *q)
{
    return p->res && tfg_add_prepare(p->res, q) ? q : 0;
}

/* Channel oc's output byte for accumulator acc (bias included). */
static inline int8_t requant_out(const out_side_t *q, int32_t acc, int oc)
{
#ifdef TFG_HAVE_DSP
    /* Only pairs with an unprepared channel come here (conv_pair_dsp_body);
     * the short general form keeps the inlined copies' register use down. */
    const int32_t v = tfg_rq_requant(acc, &q->rq[oc]) + q->out_zp;
#else
    const int32_t v = tfg_rq_out(acc, &q->rq[oc], q->out_zp);
#endif
    return (int8_t)tfg_clamp(v, q->lo, q->hi);
}

#ifdef TFG_HAVE_DSP
/* Widen the column's K4 bytes into lanes `slot` (0 or 1) of the interleaved
 * int16 buffer: chunk i occupies words 4i..4i+3 = (px0 even, px0 odd, px1
 * even, px1 odd). Bytes past K (pointwise columns end there) read as 0. */
static void widen_column(const int8_t *col, size_t k, uint32_t *xq, int slot)
{
    const size_t full = k & ~(size_t)3;
    uint32_t *d = xq + 2 * slot;
    for (size_t i = 0; i < full; i += 4, d += 4) {
        const uint32_t v = tfg_ld4(col + i);
        d[0] = (uint32_t)__sxtb16(v);
        d[1] = (uint32_t)tfg_sxtb16_ror8(v);
    }
    if (full < k) {
        uint8_t last[4] = {0, 0, 0, 0};
        memcpy(last, col + full, k - full);
        const uint32_t v = tfg_ld4((const int8_t *)last);
        d[0] = (uint32_t)__sxtb16(v);
        d[1] = (uint32_t)tfg_sxtb16_ror8(v);
    }
}

/* n chunks of 4 bytes from src, widened into consecutive chunk slots at d
 * (each chunk slot is 4 words apart; d points at this pixel's lane pair). */
static inline uint32_t *widen_run(const int8_t *src, size_t n, uint32_t *d)
{
    for (; n; n--, src += 4, d += 4) {
        const uint32_t v = tfg_ld4(src);
        d[0] = (uint32_t)__sxtb16(v);
        d[1] = (uint32_t)tfg_sxtb16_ror8(v);
    }
    return d;
}

/* im2col and widening in one pass, for in_c a multiple of 4 (every tap is
 * whole chunks): output pixel (oy, ox)'s column straight from the input into
 * lane pair `slot`; padded taps get the widened in_zp word pair (zp2). */
static void widen_pixel(const tfg_conv_params_t *p, const int8_t *in, int pix, uint32_t *xq, int slot,
                        const uint32_t zp2[2])
{
    const int oy = pix / p->out_w, ox = pix % p->out_w;
    const int iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const size_t c4 = (size_t)p->in_c / 4, row_bytes = (size_t)p->in_w * (size_t)p->in_c;
    const int row_inside = p->dil_w == 1 && ix0 >= 0 && ix0 + p->k_w <= p->in_w;
    uint32_t *d = xq + 2 * slot;
    for (int ky = 0; ky < p->k_h; ky++) {
        const int iy = iy0 + ky * p->dil_h;
        const int y_in = iy >= 0 && iy < p->in_h;
        const int8_t *row = in + (size_t)iy * row_bytes;
        if (y_in && row_inside) { /* the kernel row is one contiguous run */
            d = widen_run(row + (size_t)ix0 * (size_t)p->in_c, (size_t)p->k_w * c4, d);
            continue;
        }
        for (int kx = 0; kx < p->k_w; kx++) {
            const int ix = ix0 + kx * p->dil_w;
            if (y_in && ix >= 0 && ix < p->in_w) {
                d = widen_run(row + (size_t)ix * (size_t)p->in_c, c4, d);
                continue;
            }
            for (size_t j = 0; j < c4; j++, d += 4) d[0] = zp2[0], d[1] = zp2[1];
        }
    }
}

/* Output bytes of the 2x2 block: full int8 range needs only SSAT. */
static inline int8_t rq_out(int32_t acc, const tfg_rq_t *q, int full_range, int32_t lo, int32_t hi)
{
    const int32_t v = __ssat(tfg_rq_apply(acc, q), 8);
    return (int8_t)(full_range ? v : tfg_clamp(v, lo, hi));
}

/* The 2x2 block's dot products over `chunks` 4-byte chunks (X: the widened
 * columns, W: the channel pair's packed weights), accumulated into the
 * caller's scalars A00 A01 A10 A11 (pixel, channel). A macro rather than a
 * function so the accumulators stay plain registers. */
#if defined(__GNUC__) && defined(__OPTIMIZE__) && defined(__thumb2__)
/* Hand-scheduled: 15 instructions per chunk with every operand in a register
 * (13 of them), plus the loop test once per two chunks. GCC's own allocation
 * of the same code spills an input word per chunk. Each chunk: one LDRD of
 * the two channels' weight words, four SXTB16, then per column one LDRD of
 * its two widened words and four SMLADs. Without optimization (debug
 * builds keep a frame pointer and may lack the registers) the C below runs. */
#define CHUNK_ASM                                                                                            \
    "ldrd   %[wa], %[wc], [%[w]], #8\n\t"                                                                    \
    "sxtb16 %[wb], %[wa]\n\t"                                                                                \
    "sxtb16 %[wa], %[wa], ror #8\n\t"                                                                        \
    "sxtb16 %[wd], %[wc]\n\t"                                                                                \
    "sxtb16 %[wc], %[wc], ror #8\n\t"                                                                        \
    "ldrd   %[xe], %[xo], [%[x]], #8\n\t"                                                                    \
    "smlad  %[a00], %[xe], %[wb], %[a00]\n\t"                                                                \
    "smlad  %[a00], %[xo], %[wa], %[a00]\n\t"                                                                \
    "smlad  %[a01], %[xe], %[wd], %[a01]\n\t"                                                                \
    "smlad  %[a01], %[xo], %[wc], %[a01]\n\t"                                                                \
    "ldrd   %[xe], %[xo], [%[x]], #8\n\t"                                                                    \
    "smlad  %[a10], %[xe], %[wb], %[a10]\n\t"                                                                \
    "smlad  %[a10], %[xo], %[wa], %[a10]\n\t"                                                                \
    "smlad  %[a11], %[xe], %[wd], %[a11]\n\t"                                                                \
    "smlad  %[a11], %[xo], %[wc], %[a11]\n\t"
#define CHUNK_OPERANDS(A00, A01, A10, A11)                                                                   \
    [a00] "+r"(A00), [a01] "+r"(A01), [a10] "+r"(A10), [a11] "+r"(A11), [x] "+r"(x_), [w] "+r"(w_),          \
        [wa] "=&r"(wa_), [wb] "=&r"(wb_), [wc] "=&r"(wc_), [wd] "=&r"(wd_), [xe] "=&r"(xe_), [xo] "=&r"(xo_)
#define DOT_2X2(X, W, CHUNKS, A00, A01, A10, A11)                                                            \
    do {                                                                                                     \
        const uint32_t *x_ = (X), *w_ = (W);                                                                 \
        uint32_t wa_, wb_, wc_, wd_, xe_, xo_;                                                               \
        size_t n_ = (CHUNKS) / 2;                                                                            \
        if ((CHUNKS)&1) __asm__(CHUNK_ASM : CHUNK_OPERANDS(A00, A01, A10, A11) : : "memory");                \
        if (n_)                                                                                              \
            __asm__("1:\n\t" CHUNK_ASM CHUNK_ASM "subs   %[n], %[n], #1\n\t"                                 \
                    "bne    1b\n\t"                                                                          \
                    : CHUNK_OPERANDS(A00, A01, A10, A11), [n] "+r"(n_)                                       \
                    :                                                                                        \
                    : "cc", "memory");                                                                       \
    } while (0)
#else
#define DOT_2X2(X, W, CHUNKS, A00, A01, A10, A11)                                                            \
    do {                                                                                                     \
        const uint32_t *x_ = (X), *w_ = (W);                                                                 \
        for (size_t i_ = 0; i_ < (CHUNKS); i_++, w_ += 2, x_ += 4) {                                         \
            const int16x2_t wae_ = __sxtb16(w_[0]), wao_ = tfg_sxtb16_ror8(w_[0]);                           \
            const int16x2_t wbe_ = __sxtb16(w_[1]), wbo_ = tfg_sxtb16_ror8(w_[1]);                           \
            A00 = __smlad((int16x2_t)x_[1], wao_, __smlad((int16x2_t)x_[0], wae_, A00));                     \
            A01 = __smlad((int16x2_t)x_[1], wbo_, __smlad((int16x2_t)x_[0], wbe_, A01));                     \
            A10 = __smlad((int16x2_t)x_[3], wao_, __smlad((int16x2_t)x_[2], wae_, A10));                     \
            A11 = __smlad((int16x2_t)x_[3], wbo_, __smlad((int16x2_t)x_[2], wbe_, A11));                     \
        }                                                                                                    \
    } while (0)
#endif

/* NARROW: the same block from two int8 columns (C0, C1), each column word
 * widened in registers as it is read: four more instructions per chunk
 * than DOT_2X2, and no int16 copy of the columns in scratch. */
#define DOT_2X2_S8(C0, C1, W, CHUNKS, A00, A01, A10, A11)                                                    \
    do {                                                                                                     \
        const int8_t *c0_ = (C0), *c1_ = (C1);                                                               \
        const uint32_t *w_ = (W);                                                                            \
        for (size_t i_ = 0; i_ < (CHUNKS); i_++, w_ += 2, c0_ += 4, c1_ += 4) {                              \
            const int16x2_t wae_ = __sxtb16(w_[0]), wao_ = tfg_sxtb16_ror8(w_[0]);                           \
            const int16x2_t wbe_ = __sxtb16(w_[1]), wbo_ = tfg_sxtb16_ror8(w_[1]);                           \
            const uint32_t x0_ = tfg_ld4(c0_), x1_ = tfg_ld4(c1_);                                           \
            const int16x2_t x0e_ = __sxtb16(x0_), x0o_ = tfg_sxtb16_ror8(x0_);                               \
            const int16x2_t x1e_ = __sxtb16(x1_), x1o_ = tfg_sxtb16_ror8(x1_);                               \
            A00 = __smlad(x0o_, wao_, __smlad(x0e_, wae_, A00));                                             \
            A01 = __smlad(x0o_, wbo_, __smlad(x0e_, wbe_, A01));                                             \
            A10 = __smlad(x1o_, wao_, __smlad(x1e_, wae_, A10));                                             \
            A11 = __smlad(x1o_, wbo_, __smlad(x1e_, wbe_, A11));                                             \
        }                                                                                                    \
    } while (0)

/* Channels oc (and oc + 1 when `two`) of both pixels, without the prepared
 * requantization: the general form, out of line to keep the fast loop's
 * registers free. */
static void store_general(const tfg_conv_params_t *p, int32_t a00, int32_t a01, int32_t a10, int32_t a11,
                          int oc, int two, int8_t *o0, int8_t *o1, const residual_t *rs)
{
    const out_side_t q = out_side(p);
    store_block(p, o0, o1, rs, oc, two, requant_out(&q, a00, oc), two ? requant_out(&q, a01, oc + 1) : 0,
                requant_out(&q, a10, oc), two ? requant_out(&q, a11, oc + 1) : 0);
}

/* Both pixels against every channel pair, from the widened columns xq, or
 * (narrow) from the int8 columns c0 and c1. full_range and all_fast (every
 * channel has the prepared requantization) are constants in each inlined
 * copy: the full int8 range needs only SSAT, and all_fast drops the
 * per-pair test. An odd last channel runs with its zero partner row. */
static inline __attribute__((always_inline)) void
conv_pair_dsp_body(const tfg_conv_params_t *p, const uint32_t *xq, const int8_t *c0, const int8_t *c1,
                   size_t chunks, int8_t *o0, int8_t *o1, const residual_t *rs, const int full_range,
                   const int all_fast, const int has_res, const int narrow)
{
    const int oc_n = p->out_c;
    const int32_t *bias = p->bias;
    const tfg_rq_t *rq = p->rq;
    const int32_t lo = p->act_min, hi = p->act_max;
    const uint32_t *w = (const uint32_t *)(const void *)p->weights;
    for (int oc = 0; oc < oc_n; oc += 2, w += 2 * chunks) {
        const int two = oc + 1 < oc_n;
        int32_t a00 = bias[oc], a01 = two ? bias[oc + 1] : 0, a10 = a00, a11 = a01;
        if (narrow)
            DOT_2X2_S8(c0, c1, w, chunks, a00, a01, a10, a11);
        else
            DOT_2X2(xq, w, chunks, a00, a01, a10, a11);
        const tfg_rq_t *q0 = &rq[oc];
        if (!all_fast && (!rq || !q0->shift || (two && !q0[1].shift))) {
            store_general(p, a00, a01, a10, a11, oc, two, o0, o1, rs);
            continue;
        }
        if (has_res) {
            store_block(p, o0, o1, rs, oc, two, rq_out(a00, q0, full_range, lo, hi),
                        two ? rq_out(a01, q0 + 1, full_range, lo, hi) : 0,
                        rq_out(a10, q0, full_range, lo, hi),
                        two ? rq_out(a11, q0 + 1, full_range, lo, hi) : 0);
            continue;
        }
        o0[oc] = rq_out(a00, q0, full_range, lo, hi);
        o1[oc] = rq_out(a10, q0, full_range, lo, hi);
        if (two) {
            o0[oc + 1] = rq_out(a01, q0 + 1, full_range, lo, hi);
            o1[oc + 1] = rq_out(a11, q0 + 1, full_range, lo, hi);
        }
    }
}

/* Each copy out of line, so each gets the registers to itself. */
#define CONV_PAIR_COPY(NAME, FULL, ALL_FAST, RES)                                                            \
    static __attribute__((noinline)) void NAME(const tfg_conv_params_t *p, const uint32_t *xq,               \
                                               size_t chunks, int8_t *o0, int8_t *o1, const residual_t *rs)  \
    {                                                                                                        \
        conv_pair_dsp_body(p, xq, 0, 0, chunks, o0, o1, rs, FULL, ALL_FAST, RES, 0);                         \
    }
CONV_PAIR_COPY(conv_pair_full, 1, 1, 0)
CONV_PAIR_COPY(conv_pair_clamp, 0, 1, 0)
CONV_PAIR_COPY(conv_pair_mixed, 0, 0, 0)
CONV_PAIR_COPY(conv_pair_residual, 0, 0, 1)
#undef CONV_PAIR_COPY

#if TFG_WITH_CONV_NARROW
/* NARROW: two copies, as it runs only where its smaller scratch lowers the
 * arena. One for the common case (every channel prepared, no residual; the
 * activation clamp costs little), one general. */
static __attribute__((noinline)) void conv_pair_narrow_fast(const tfg_conv_params_t *p, const int8_t *c0,
                                                            const int8_t *c1, size_t chunks, int8_t *o0,
                                                            int8_t *o1)
{
    conv_pair_dsp_body(p, 0, c0, c1, chunks, o0, o1, 0, 0, 1, 0, 1);
}

static __attribute__((noinline)) void conv_pair_narrow(const tfg_conv_params_t *p, const int8_t *c0,
                                                       const int8_t *c1, size_t chunks, int8_t *o0,
                                                       int8_t *o1, const residual_t *rs)
{
    conv_pair_dsp_body(p, 0, c0, c1, chunks, o0, o1, rs, 0, 0, 1, 1);
}

/* A NARROW column: in place, or copied (im2col) into buf. */
static const int8_t *narrow_column(const tfg_conv_params_t *p, const int8_t *in, int pix, int8_t *buf,
                                   size_t k)
{
    const int8_t *c = column(p, in, pix, buf);
    if (c != buf && !narrow_in_place(p)) memcpy(buf, c, k);
    return narrow_in_place(p) ? c : buf;
}
#endif

static void conv_pair_dsp(const tfg_conv_params_t *p, const uint32_t *xq, size_t k4, int8_t *o0, int8_t *o1,
                          const residual_t *rs, int all_fast)
{
    const int full = p->act_min == -128 && p->act_max == 127;
    /* Copies: the two fast ones (int8 range or clamped), one for a fused
     * residual, one for layers with unprepared channels. */
    (void)full;
    if (rs)
        conv_pair_residual(p, xq, k4 / 4, o0, o1, rs);
    else if (all_fast && full)
        conv_pair_full(p, xq, k4 / 4, o0, o1, rs);
    else if (all_fast)
        conv_pair_clamp(p, xq, k4 / 4, o0, o1, rs);
    else
        conv_pair_mixed(p, xq, k4 / 4, o0, o1, rs);
}

void tfg_conv_s8(const tfg_conv_params_t *p, const int8_t *in, int8_t *out, void *scratch)
{
    tfg_add_prep_t fq;
    const tfg_add_prep_t *fast = residual_fast(p, &fq);
    const size_t k = (size_t)p->k_h * (size_t)p->k_w * (size_t)p->in_c, k4 = conv_k4(p);
    const int n_pix = p->out_h * p->out_w;
    const size_t oc_n = (size_t)p->out_c;
    uint32_t *xq = (uint32_t *)scratch;
    int8_t *tmp = scratch ? (int8_t *)scratch + 4 * k4 : 0; /* a NARROW pointwise conv has no scratch */
    /* Taps of whole chunks (in_c % 4 == 0) are widened straight from the
     * input; others go through the int8 im2col column first. */
    const int direct = !conv_is_pointwise(p) && p->in_c % 4 == 0;
    const uint32_t zp4 = (uint32_t)(uint8_t)p->in_zp * 0x01010101u;
    const uint32_t zp2[2] = {(uint32_t)__sxtb16(zp4), (uint32_t)tfg_sxtb16_ror8(zp4)};
    int all_fast = p->rq != 0;
    for (int oc = 0; all_fast && oc < p->out_c; oc++) all_fast = p->rq[oc].shift != 0;
#if TFG_WITH_CONV_NARROW
    if (p->variant == TFG_CONV_NARROW) {
        int8_t *buf0 = (int8_t *)scratch, *buf1 = buf0 ? buf0 + k4 : 0;
        for (int t = 0, n_pairs = (n_pix + 1) / 2; t < n_pairs; t++) {
            const int pix = pair_start(p, t, n_pairs);
            const int pix1 = pix + 1 < n_pix ? pix + 1 : pix;
            const int8_t *c0 = narrow_column(p, in, pix, buf0, k), *c1 = narrow_column(p, in, pix1, buf1, k);
            int8_t *o0 = out + (size_t)pix * oc_n, *o1 = out + (size_t)pix1 * oc_n;
            residual_t rs;
            if (all_fast && !p->res)
                conv_pair_narrow_fast(p, c0, c1, k4 / 4, o0, o1);
            else
                conv_pair_narrow(p, c0, c1, k4 / 4, o0, o1, residual_px(p, out, pix, pix1, fast, &rs));
        }
        return;
    }
#endif
    for (int t = 0, n_pairs = (n_pix + 1) / 2; t < n_pairs; t++) {
        /* An odd pixel count pairs the last pixel with itself. */
        const int pix = pair_start(p, t, n_pairs), pix1 = pix + 1 < n_pix ? pix + 1 : pix;
        if (direct) {
            widen_pixel(p, in, pix, xq, 0, zp2);
            widen_pixel(p, in, pix1, xq, 1, zp2);
        } else {
            widen_column(column(p, in, pix, tmp), k, xq, 0);
            widen_column(column(p, in, pix1, tmp), k, xq, 1);
        }
        residual_t rs;
        conv_pair_dsp(p, xq, k4, out + (size_t)pix * oc_n, out + (size_t)pix1 * oc_n,
                      residual_px(p, out, pix, pix1, fast, &rs), all_fast);
    }
}

#elif !TFG_CONV_PACKED /* 64-bit hosts: TFLite's OHWI rows, vectorized along K */

/* acc[j][i] = dot(col_j, w_i) for two columns and four weight rows: each
 * column byte is loaded once for four rows, each weight byte once for two
 * columns, and the eight dot products vectorize along K. */
static inline void dot_2x4(const int8_t *restrict c0, const int8_t *restrict c1, const int8_t *restrict w,
                           size_t k, int32_t acc[2][4])
{
    const int8_t *restrict w0 = w, *restrict w1 = w + k, *restrict w2 = w + 2 * k, *restrict w3 = w + 3 * k;
    int32_t a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
    for (size_t i = 0; i < k; i++) {
        const int32_t x0 = c0[i], x1 = c1[i];
        a00 += x0 * w0[i];
        a01 += x0 * w1[i];
        a02 += x0 * w2[i];
        a03 += x0 * w3[i];
        a10 += x1 * w0[i];
        a11 += x1 * w1[i];
        a12 += x1 * w2[i];
        a13 += x1 * w3[i];
    }
    acc[0][0] = a00, acc[0][1] = a01, acc[0][2] = a02, acc[0][3] = a03;
    acc[1][0] = a10, acc[1][1] = a11, acc[1][2] = a12, acc[1][3] = a13;
}

/* Two output pixels against every weight row: four rows at a time, then the rest. */
static void conv_pair(const tfg_conv_params_t *p, const int8_t *restrict c0, const int8_t *restrict c1,
                      size_t k, size_t k4, int8_t *o0, int8_t *o1, const residual_t *rs)
{
    (void)k4; /* rows are k bytes apart: OHWI as stored */
    const out_side_t q = out_side(p);
    const int oc_n = p->out_c;
    const int8_t *w = p->weights;
    int oc = 0;
    for (; oc + 4 <= oc_n; oc += 4, w += 4 * k) {
        int32_t acc[2][4];
        dot_2x4(c0, c1, w, k, acc);
        for (int j = 0; j < 4; j++) {
            const int8_t v0 = requant_out(&q, acc[0][j] + q.bias[oc + j], oc + j);
            const int8_t v1 = requant_out(&q, acc[1][j] + q.bias[oc + j], oc + j);
            store_block(p, o0, o1, rs, oc + j, 0, v0, 0, v1, 0);
        }
    }
    for (; oc < oc_n; oc++, w += k) {
        int32_t a0 = q.bias[oc], a1 = a0;
        for (size_t i = 0; i < k; i++) {
            const int32_t wv = w[i];
            a0 += c0[i] * wv;
            a1 += c1[i] * wv;
        }
        store_block(p, o0, o1, rs, oc, 0, requant_out(&q, a0, oc), 0, requant_out(&q, a1, oc), 0);
    }
}

#else /* portable 32-bit cores, packed pairs */

/* acc[j][r] = dot(column j, channel 2*pair + r) over K bytes of packed weights. */
static void conv_pair(const tfg_conv_params_t *p, const int8_t *restrict c0, const int8_t *restrict c1,
                      size_t k, size_t k4, int8_t *o0, int8_t *o1, const residual_t *rs)
{
    const out_side_t q = out_side(p);
    const int oc_n = p->out_c;
    const int8_t *w = p->weights;
    const size_t full = k & ~(size_t)3;
    for (int oc = 0; oc < oc_n; oc += 2, w += 2 * k4) {
        const int32_t ba = q.bias[oc], bb = oc + 1 < oc_n ? q.bias[oc + 1] : 0;
        int32_t a00 = ba, a01 = bb, a10 = ba, a11 = bb;
        const int8_t *restrict wc = w;
        size_t i = 0;
        for (; i < full; i += 4, wc += 8)
            for (int b = 0; b < 4; b++) {
                const int32_t x0 = c0[i + b], x1 = c1[i + b], wa = wc[b], wb = wc[4 + b];
                a00 += x0 * wa, a01 += x0 * wb, a10 += x1 * wa, a11 += x1 * wb;
            }
        for (int b = 0; i < k; i++, b++) {
            const int32_t x0 = c0[i], x1 = c1[i], wa = wc[b], wb = wc[4 + b];
            a00 += x0 * wa, a01 += x0 * wb, a10 += x1 * wa, a11 += x1 * wb;
        }
        const int two = oc + 1 < oc_n;
        store_block(p, o0, o1, rs, oc, two, requant_out(&q, a00, oc), two ? requant_out(&q, a01, oc + 1) : 0,
                    requant_out(&q, a10, oc), two ? requant_out(&q, a11, oc + 1) : 0);
    }
}

#endif

#if !defined(TFG_HAVE_DSP)
/* Both portable layouts: two int8 columns (in place for pointwise kernels). */
void tfg_conv_s8(const tfg_conv_params_t *p, const int8_t *in, int8_t *out, void *scratch)
{
    tfg_add_prep_t fq;
    const tfg_add_prep_t *fast = residual_fast(p, &fq);
    const size_t k = (size_t)p->k_h * (size_t)p->k_w * (size_t)p->in_c, k4 = conv_k4(p);
    const int n_pix = p->out_h * p->out_w;
    const size_t oc_n = (size_t)p->out_c;
    int8_t *buf0 = (int8_t *)scratch, *buf1 = buf0 ? buf0 + k4 : 0; /* none: pointwise NARROW */
    for (int t = 0, n_pairs = (n_pix + 1) / 2; t < n_pairs; t++) {
        /* An odd pixel count pairs the last pixel with itself. */
        const int pix = pair_start(p, t, n_pairs), pix1 = pix + 1 < n_pix ? pix + 1 : pix;
        const int8_t *c0 = column(p, in, pix, buf0), *c1 = column(p, in, pix1, buf1);
        if (p->in_place) { /* both columns held before the pair's outputs land on them */
            memcpy(buf0, c0, k), memcpy(buf1, c1, k);
            c0 = buf0, c1 = buf1;
        }
        residual_t rs;
        conv_pair(p, c0, c1, k, k4, out + (size_t)pix * oc_n, out + (size_t)pix1 * oc_n,
                  residual_px(p, out, pix, pix1, fast, &rs));
    }
}
#endif
