/* int8 DEPTHWISE_CONV_2D, NHWC, per-channel requantization, optionally in place.
 *
 * Every variant accepts out == in when depth_mult == 1. Why each is safe:
 *
 * PLANE: input channel c is gathered into a zero-point-padded plane in
 * scratch, then output channel c is computed from it and scattered back.
 * Output channel c only lands on bytes whose index is c modulo the channel
 * count, and in the input those bytes belong to channel c alone, which was
 * copied out before any write. The padded plane also removes every bounds
 * check from the inner loop (padded cells hold in_zp, which the folded bias
 * cancels exactly).
 *
 * STRIP: as PLANE, but the plane holds only the kr = (k_h-1)*dil_h+1 input
 * rows of the current output row, sliding down by stride_h rows per output
 * row. Rows are loaded from `in` as late as possible, so in place it must
 * hold that a row loaded for output row j has not been overwritten by output
 * rows 0..j-1 of the same channel: they end before byte j*out_w*C, and the
 * first row loaded for row j is r >= (j-1)*stride_h - pad_top + kr >= j
 * (pad_top <= kr-1), which starts at r*in_w*C >= j*out_w*C whenever
 * in_w >= out_w: every TFLite SAME or VALID layer. A folded PAD can break
 * it, so tfg_dwconv_strip_in_place_ok checks the rule row by row, and the
 * compiler picks STRIP only where it holds.
 *
 * ROWS (any depth_mult; in place only with 1): a whole output row is computed, channels innermost (contiguous
 * in NHWC, so the multiply-accumulate vectorizes), into a small ring of row buffers. Row q is copied to its
 * place in `out` only once no later output row reads input bytes at or below the end of row q: output row j
 * reads input rows from j*stride_h - pad_top onward, so after computing row j the rows q with (q+1)*row_bytes
 * <= max(0, (j+1)*stride_h - pad_top) * in_row_bytes are flushed. The ring holds the rows still waiting; its
 * size is found by running the same flush rule at compile time (scratch size). Padded taps are skipped, and
 * in_zp * w is added instead, because the folded bias assumes every tap read in_zp * w there.
 */
#include <string.h>

#include "tinyforge/dsp.h"
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

static int use_rows(const tfg_dwconv_params_t *p)
{
    return p->variant == TFG_DW_ROWS;
}

/* ---- ROWS ---------------------------------------------------------------- */

static size_t row_bytes(const tfg_dwconv_params_t *p)
{
    return (size_t)p->out_w * (size_t)p->in_c * (size_t)p->depth_mult;
}

/* First input byte any output row >= j reads (SIZE_MAX when j is past the end). */
static size_t first_needed(const tfg_dwconv_params_t *p, int j)
{
    if (j >= p->out_h) return (size_t)-1;
    int r = j * p->stride_h - p->pad_top;
    if (r < 0) r = 0;
    return (size_t)r * (size_t)p->in_w * (size_t)p->in_c;
}

/* Rows still waiting after computing row j, given `next` is the oldest unflushed. */
static int flushable_until(const tfg_dwconv_params_t *p, int next, int j)
{
    const size_t limit = first_needed(p, j + 1), rb = row_bytes(p);
    while (next <= j && (size_t)(next + 1) * rb <= limit) next++;
    return next;
}

static int ring_rows(const tfg_dwconv_params_t *p)
{
    int next = 0, most = 1;
    for (int j = 0; j < p->out_h; j++) {
        if (j - next + 1 > most) most = j - next + 1;
        next = flushable_until(p, next, j);
    }
    return most;
}

static size_t rows_scratch(const tfg_dwconv_params_t *p)
{
    size_t acc = sizeof(int32_t) * (size_t)p->in_c * (size_t)p->depth_mult;
    return acc + (((size_t)ring_rows(p) * row_bytes(p) + 3) & ~(size_t)3);
}

#if !(defined(__x86_64__) || defined(__aarch64__))
#define TFG_DW_REG_BLOCKS 1
/* 32-bit cores, interior pixels (the whole window inside the image, so no
 * bounds checks and no zero-point corrections): four channels accumulate in
 * registers, with every stride hoisted out of the tap loops. With the DSP
 * extension each tap is two word loads, four SXTB16 and four SMLABB/SMLATT
 * for four channels. Returns the channels done (a multiple of 4; 0 for a
 * border pixel, which the generic loops below handle). 64-bit hosts use the
 * generic loops, which their compilers vectorize better. */
#if defined(__GNUC__)
/* Out of line on purpose: inlined into dw_rows it inherits that loop's register
 * pressure and spills its accumulators on every tap. */
__attribute__((noinline))
#endif
static int
dw_pixel_blocks(const tfg_dwconv_params_t *p, const int8_t *in, int oy, int ox, int8_t *o)
{
    const int kh = p->k_h, kw = p->k_w, c_n = p->in_c;
    const int iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    if (iy0 < 0 || ix0 < 0 || iy0 + (kh - 1) * p->dil_h >= p->in_h || ix0 + (kw - 1) * p->dil_w >= p->in_w)
        return 0;
    const size_t row_step = (size_t)p->dil_h * (size_t)p->in_w * (size_t)c_n,
                 col_step = (size_t)p->dil_w * (size_t)c_n;
    const int8_t *const xbase = in + ((size_t)iy0 * (size_t)p->in_w + (size_t)ix0) * (size_t)c_n;
    /* Locals: int8 stores may alias *p, which would force reloads after each. */
    const int32_t out_zp = p->out_zp, lo = p->act_min, hi = p->act_max;
    const int32_t *const bias = p->bias;
    const tfg_rq_t *const rq = p->rq;
    const int8_t *const weights = p->weights;
    int c = 0;
    for (; c + 4 <= c_n; c += 4) {
        int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
        const int8_t *xr = xbase + c, *w = weights + c;
#ifdef TFG_HAVE_DSP
#define DW_TAP(X, W)                                                                                         \
    do {                                                                                                     \
        const uint32_t xv = tfg_ld4(X), wv = tfg_ld4(W);                                                     \
        const int16x2_t xe = __sxtb16(xv), we = __sxtb16(wv), xo = tfg_sxtb16_ror8(xv),                      \
                        wo = tfg_sxtb16_ror8(wv);                                                            \
        a0 = __smlabb(xe, we, a0), a2 = __smlatt(xe, we, a2);                                                \
        a1 = __smlabb(xo, wo, a1), a3 = __smlatt(xo, wo, a3);                                                \
    } while (0)
#else
#define DW_TAP(X, W)                                                                                         \
    do {                                                                                                     \
        const int8_t *x_ = (X), *w_ = (W);                                                                   \
        a0 += x_[0] * w_[0], a1 += x_[1] * w_[1], a2 += x_[2] * w_[2], a3 += x_[3] * w_[3];                  \
    } while (0)
#endif
        for (int ky = 0; ky < kh; ky++, xr += row_step) {
            if (kw == 3) { /* the common case, unrolled: no loop bookkeeping per tap */
                DW_TAP(xr, w);
                DW_TAP(xr + col_step, w + c_n);
                DW_TAP(xr + 2 * col_step, w + 2 * c_n);
                w += 3 * c_n;
                continue;
            }
            const int8_t *x = xr;
            for (int kx = 0; kx < kw; kx++, x += col_step, w += c_n) DW_TAP(x, w);
        }
#undef DW_TAP
        o[c] = (int8_t)tfg_clamp(tfg_rq_out(a0, &rq[c], out_zp), lo, hi);
        o[c + 1] = (int8_t)tfg_clamp(tfg_rq_out(a1, &rq[c + 1], out_zp), lo, hi);
        o[c + 2] = (int8_t)tfg_clamp(tfg_rq_out(a2, &rq[c + 2], out_zp), lo, hi);
        o[c + 3] = (int8_t)tfg_clamp(tfg_rq_out(a3, &rq[c + 3], out_zp), lo, hi);
    }
    return c;
}
#endif

static void dw_rows(const tfg_dwconv_params_t *p, const int8_t *in, int8_t *out, void *scratch)
{
    const int c_n = p->in_c, m_n = p->depth_mult, oc_n = c_n * m_n, ring = ring_rows(p);
    const size_t rb = row_bytes(p);
    /* restrict: int8_t is a character type, so without it every store to acc
     * could alias the weights and nothing would vectorize. */
    int32_t *restrict acc = (int32_t *)scratch;
    int8_t *rows = (int8_t *)scratch + sizeof(int32_t) * (size_t)oc_n;
    int next = 0; /* oldest row not yet written to out */
    for (int oy = 0; oy < p->out_h; oy++) {
        int8_t *dst = rows + (size_t)(oy % ring) * rb;
        for (int ox = 0; ox < p->out_w; ox++) {
            int8_t *o = dst + (size_t)ox * (size_t)oc_n;
            int c0 = 0; /* channels done by the register blocks */
#ifdef TFG_DW_REG_BLOCKS
            if (m_n == 1) c0 = dw_pixel_blocks(p, in, oy, ox, o);
            if (c0 == oc_n) continue;
#endif
            for (int c = c0; c < oc_n; c++) acc[c] = p->bias[c];
            for (int ky = 0; ky < p->k_h; ky++) {
                const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                for (int kx = 0; kx < p->k_w; kx++) {
                    const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                    const int8_t *restrict w = p->weights + (size_t)(ky * p->k_w + kx) * (size_t)oc_n;
                    if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                        for (int c = c0; c < oc_n; c++) acc[c] += p->in_zp * w[c];
                        continue;
                    }
                    const int8_t *restrict x = in + ((size_t)iy * (size_t)p->in_w + (size_t)ix) * (size_t)c_n;
                    if (m_n == 1) {
                        for (int c = c0; c < c_n; c++) acc[c] += x[c] * w[c];
                    } else {
                        /* Output channel c*m_n + m reads input channel c. */
                        for (int c = 0; c < c_n; c++) {
                            const int32_t xv = x[c];
                            for (int m = 0; m < m_n; m++) acc[c * m_n + m] += xv * w[c * m_n + m];
                        }
                    }
                }
            }
            const tfg_rq_t *const rq = p->rq; /* no reloads after o[] stores */
            const int32_t out_zp = p->out_zp, lo = p->act_min, hi = p->act_max;
            for (int c = c0; c < oc_n; c++)
                o[c] = (int8_t)tfg_clamp(tfg_rq_out(acc[c], &rq[c], out_zp), lo, hi);
        }
        const int upto = flushable_until(p, next, oy);
        for (; next < upto; next++) memcpy(out + (size_t)next * rb, rows + (size_t)(next % ring) * rb, rb);
    }
}

/* ---- PLANE --------------------------------------------------------------- */

/* Extent of the padded plane: exactly what the output grid reads. */
static void plane_dims(const tfg_dwconv_params_t *p, int *ph, int *pw)
{
    *ph = (p->out_h - 1) * p->stride_h + (p->k_h - 1) * p->dil_h + 1;
    *pw = (p->out_w - 1) * p->stride_w + (p->k_w - 1) * p->dil_w + 1;
}

/* The plane plus 4 bytes of slack (the DSP loops read whole words and may
 * run up to 3 bytes past a row's last tap, into weights of zero), then the
 * channel's weights: int32 taps (portable) or int16 pairs per 4-tap chunk
 * (DSP). Target-independent, so one plan serves every core. */
static size_t plane_bytes(int ph, int pw)
{
    return ((size_t)ph * (size_t)pw + 4 + 3) & ~(size_t)3;
}

static size_t plane_scratch(const tfg_dwconv_params_t *p)
{
    int ph, pw;
    plane_dims(p, &ph, &pw);
    const size_t pairs = 2 * (((size_t)p->k_w + 3) / 4),
                 taps = (size_t)p->k_w > pairs ? (size_t)p->k_w : pairs;
    return plane_bytes(ph, pw) + sizeof(int32_t) * (size_t)p->k_h * taps;
}

/* Pad cells (rows and columns outside the image) hold in_zp for every
 * channel; only the image part changes from channel to channel. */
static void fill_plane_border(const tfg_dwconv_params_t *p, int8_t *plane, int ph, int pw)
{
    memset(plane, p->in_zp, plane_bytes(ph, pw));
}

/* Copy input channel c into the plane's image cells. */
static void gather_plane(const tfg_dwconv_params_t *p, const int8_t *in, int c, int8_t *plane, int ph, int pw)
{
    const size_t cs = (size_t)p->in_c;
    const int y_end = ph - p->pad_top < p->in_h ? ph - p->pad_top : p->in_h;
    const int x_end = pw - p->pad_left < p->in_w ? pw - p->pad_left : p->in_w;
    for (int iy = 0; iy < y_end; iy++) {
        int8_t *restrict row = plane + (size_t)(iy + p->pad_top) * (size_t)pw + p->pad_left;
        const int8_t *restrict src = in + (size_t)iy * (size_t)p->in_w * cs + (size_t)c;
        int ix = 0;
        for (; ix + 4 <= x_end; ix += 4, src += 4 * cs) {
            const int8_t v0 = src[0], v1 = src[cs], v2 = src[2 * cs], v3 = src[3 * cs];
            row[ix] = v0, row[ix + 1] = v1, row[ix + 2] = v2, row[ix + 3] = v3;
        }
        for (; ix < x_end; ix++, src += cs) row[ix] = *src;
    }
}

/* Output channel oc's requantization, unpacked once per plane. */
typedef struct {
    int32_t bias, mult, shift, out_zp, lo, hi;
    tfg_rq_t rq;
    int fast; /* rq applies */
} dw_out_t;

static dw_out_t dw_out(const tfg_dwconv_params_t *p, int oc)
{
    dw_out_t q = {p->bias[oc],
                  tfg_rq_mult(&p->rq[oc]),
                  tfg_rq_shift(&p->rq[oc]),
                  p->out_zp,
                  p->act_min,
                  p->act_max,
                  {0, 0, 0},
                  0};
    if (p->rq[oc].shift) q.rq = p->rq[oc], q.fast = 1;
    return q;
}

static inline int8_t dw_requant(const dw_out_t *q, int32_t a)
{
#ifdef TFG_HAVE_DSP
    if (q->fast) return (int8_t)tfg_clamp(__ssat(tfg_rq_apply(a, &q->rq), 8), q->lo, q->hi);
#else
    if (q->fast)
        return (int8_t)tfg_clamp(tfg_rq_apply(a, &q->rq), q->lo, q->hi); /* cheaper: see tfg_rq_out */
#endif
    return (int8_t)tfg_clamp(tfg_requant(a, q->mult, q->shift) + q->out_zp, q->lo, q->hi);
}

/* Portable (and dilated) form: one output at a time, taps from wk. */
static void conv_plane(const tfg_dwconv_params_t *p, const int8_t *plane, int pw, const int32_t *wk,
                       const dw_out_t *q, int8_t *o, size_t o_step)
{
    const int kh = p->k_h, kw = p->k_w;
    const size_t row_step = (size_t)pw * (size_t)p->dil_h;
    for (int oy = 0; oy < p->out_h; oy++) {
        const int8_t *base = plane + (size_t)oy * (size_t)p->stride_h * (size_t)pw;
        for (int ox = 0; ox < p->out_w; ox++, o += o_step) {
            const int8_t *r = base + (size_t)ox * (size_t)p->stride_w;
            int32_t a = q->bias;
            const int32_t *w = wk;
            for (int ky = 0; ky < kh; ky++, r += row_step, w += kw)
                for (int kx = 0; kx < kw; kx++) a += r[kx * p->dil_w] * w[kx];
            *o = dw_requant(q, a);
        }
    }
}

#ifdef TFG_HAVE_DSP
/* Two int8 taps as the int16 pair (lo, hi) that SMLAD and SMLAxy read. */
static inline int32_t pair16(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)hi << 16) | ((uint32_t)lo & 0xffff));
}

/* How the DSP loops requantize a channel; a constant in each specialised copy. */
enum { RQ_FAST, RQ_FAST_CLAMP, RQ_GENERAL };

/* One output byte: the prepared form and SSAT, plus the activation clamp
 * only when the range is narrower than int8's; or the general form for a
 * channel outside the prepared form's preconditions. */
static inline __attribute__((always_inline)) int8_t dw_out_mode(int32_t a, const dw_out_t *q, const int mode)
{
    if (mode == RQ_GENERAL)
        return (int8_t)tfg_clamp(tfg_requant(a, q->mult, q->shift) + q->out_zp, q->lo, q->hi);
    const int32_t v = __ssat(tfg_rq_apply(a, &q->rq), 8);
    return (int8_t)(mode == RQ_FAST_CLAMP ? tfg_clamp(v, q->lo, q->hi) : v);
}

/* 3x3, dilation 1, stride 1 or 2, two outputs per step. One word load gives
 * taps x0..x3 of a row; SXTB16 splits it into (x0, x2) and (x1, x3), and the
 * weights are paired to match: w02 = (w0, w2) per row, and the middle taps
 * of rows 0 and 1 share one register (w1 of row 2 has its own). Stride 1:
 *   out0 += x0 w0 + x2 w2 (SMLAD) + x1 w1 (SMLABB)
 *   out1 += x1 w0 + x3 w2 (SMLAD) + x2 w1 (SMLATB)
 * Stride 2 (out1 reads x2..x4; x4 is one byte load):
 *   out1 += x2 w0 (SMLATB) + x3 w1 (SMLATB) + x4 w2 (SMLABT).
 * s and mode are constants in each specialised copy below. */
static inline __attribute__((always_inline)) void plane3x3_body(const tfg_dwconv_params_t *p,
                                                                const int8_t *plane, int pw, const int32_t *w,
                                                                const dw_out_t *out, int8_t *o, size_t o_step,
                                                                const int s, const int mode)
{
    const int32_t w02_0 = w[0], w02_1 = w[1], w02_2 = w[2], w1_01 = w[3], w1_2 = w[4];
    const int out_w = p->out_w, out_h = p->out_h;
    const size_t row_step = (size_t)p->stride_h * (size_t)pw;
    const dw_out_t q = *out;
    const int32_t bias = q.bias;
    for (int oy = 0; oy < out_h; oy++) {
        const int8_t *r0 = plane + (size_t)oy * row_step;
        int ox = 0;
        for (; ox + 2 <= out_w; ox += 2, r0 += 2 * s) {
            const int8_t *r1 = r0 + pw, *r2 = r1 + pw;
            const uint32_t v0 = tfg_ld4(r0), v1 = tfg_ld4(r1), v2 = tfg_ld4(r2);
            const int16x2_t e0 = __sxtb16(v0), d0 = tfg_sxtb16_ror8(v0);
            const int16x2_t e1 = __sxtb16(v1), d1 = tfg_sxtb16_ror8(v1);
            const int16x2_t e2 = __sxtb16(v2), d2 = tfg_sxtb16_ror8(v2);
            int32_t a = __smlad(e0, w02_0, bias);
            a = __smlabb(d0, w1_01, a);
            a = __smlad(e1, w02_1, a);
            a = __smlabt(d1, w1_01, a);
            a = __smlad(e2, w02_2, a);
            a = __smlabb(d2, w1_2, a);
            int32_t b;
            if (s == 1) {
                b = __smlad(d0, w02_0, bias);
                b = __smlatb(e0, w1_01, b);
                b = __smlad(d1, w02_1, b);
                b = __smlatt(e1, w1_01, b);
                b = __smlad(d2, w02_2, b);
                b = __smlatb(e2, w1_2, b);
            } else {
                b = __smlatb(e0, w02_0, bias);
                b = __smlatb(d0, w1_01, b);
                b = __smlabt(r0[4], w02_0, b);
                b = __smlatb(e1, w02_1, b);
                b = __smlatt(d1, w1_01, b);
                b = __smlabt(r1[4], w02_1, b);
                b = __smlatb(e2, w02_2, b);
                b = __smlatb(d2, w1_2, b);
                b = __smlabt(r2[4], w02_2, b);
            }
            o[0] = dw_out_mode(a, &q, mode);
            o[o_step] = dw_out_mode(b, &q, mode);
            o += 2 * o_step;
        }
        if (ox < out_w) {
            const int8_t *r1 = r0 + pw, *r2 = r1 + pw;
            const uint32_t v0 = tfg_ld4(r0), v1 = tfg_ld4(r1), v2 = tfg_ld4(r2);
            int32_t a = __smlad(__sxtb16(v0), w02_0, bias);
            a = __smlabb(tfg_sxtb16_ror8(v0), w1_01, a);
            a = __smlad(__sxtb16(v1), w02_1, a);
            a = __smlabt(tfg_sxtb16_ror8(v1), w1_01, a);
            a = __smlad(__sxtb16(v2), w02_2, a);
            a = __smlabb(tfg_sxtb16_ror8(v2), w1_2, a);
            *o = dw_out_mode(a, &q, mode);
            o += o_step;
        }
    }
}

/* Out of line and specialised: inlined into the channel loop, these would
 * share its register pressure and spill on every tap. */
typedef void plane3x3_fn(const tfg_dwconv_params_t *p, const int8_t *plane, int pw, const int32_t *w,
                         const dw_out_t *q, int8_t *o, size_t o_step);
#define PLANE3X3_COPY(NAME, S, MODE)                                                                         \
    static __attribute__((noinline)) void NAME(const tfg_dwconv_params_t *p, const int8_t *plane, int pw,    \
                                               const int32_t *w, const dw_out_t *q, int8_t *o,               \
                                               size_t o_step)                                                \
    {                                                                                                        \
        plane3x3_body(p, plane, pw, w, q, o, o_step, S, MODE);                                               \
    }
PLANE3X3_COPY(plane3x3_s1_fast, 1, RQ_FAST)
PLANE3X3_COPY(plane3x3_s1_clamp, 1, RQ_FAST_CLAMP)
PLANE3X3_COPY(plane3x3_s1_general, 1, RQ_GENERAL)
PLANE3X3_COPY(plane3x3_s2_fast, 2, RQ_FAST)
PLANE3X3_COPY(plane3x3_s2_clamp, 2, RQ_FAST_CLAMP)
PLANE3X3_COPY(plane3x3_s2_general, 2, RQ_GENERAL)
#undef PLANE3X3_COPY

static plane3x3_fn *const plane3x3_copies[2][3] = {
    {plane3x3_s1_fast, plane3x3_s1_clamp, plane3x3_s1_general},
    {plane3x3_s2_fast, plane3x3_s2_clamp, plane3x3_s2_general},
};

/* The 3x3 taps of one output channel (stride w_step apart) paired for plane3x3_body. */
static void pair_3x3(const int8_t *w, size_t w_step, int32_t out[5])
{
    out[0] = pair16(w[0], w[2 * w_step]);
    out[1] = pair16(w[3 * w_step], w[5 * w_step]);
    out[2] = pair16(w[6 * w_step], w[8 * w_step]);
    out[3] = pair16(w[1 * w_step], w[4 * w_step]);
    out[4] = w[7 * w_step];
}

/* Any kernel size, dilation 1, any stride: one output at a time, each row
 * in 4-tap chunks (one word load, two SXTB16, two SMLADs against the
 * chunk's weight pairs (w0, w2), (w1, w3); taps past the row are zero).
 * kh and ch (chunks per row) are constants in the 5x5 and 7x7 copies, so
 * their tap loops unroll completely; 0 means "read them from p". */
static inline __attribute__((always_inline)) void
plane_any_body(const tfg_dwconv_params_t *p, const int8_t *plane, int pw, const int32_t *wk,
               const dw_out_t *out, int8_t *o, size_t o_step, const int kh_c, const int ch_c, const int mode)
{
    const int kh = kh_c ? kh_c : p->k_h, ch = ch_c ? ch_c : (p->k_w + 3) / 4;
    const int out_w = p->out_w, out_h = p->out_h, sw = p->stride_w;
    const size_t row_step = (size_t)p->stride_h * (size_t)pw;
    const dw_out_t q = *out;
    for (int oy = 0; oy < out_h; oy++) {
        const int8_t *base = plane + (size_t)oy * row_step;
        for (int ox = 0; ox < out_w; ox++, base += sw, o += o_step) {
            const int8_t *r = base;
            const int32_t *wp = wk;
            int32_t a = q.bias;
            for (int ky = 0; ky < kh; ky++, r += pw)
                for (int c = 0; c < ch; c++, wp += 2) {
                    const uint32_t v = tfg_ld4(r + 4 * c);
                    a = __smlad(__sxtb16(v), wp[0], a);
                    a = __smlad(tfg_sxtb16_ror8(v), wp[1], a);
                }
            *o = dw_out_mode(a, &q, mode);
        }
    }
}

typedef void plane_any_fn(const tfg_dwconv_params_t *p, const int8_t *plane, int pw, const int32_t *wk,
                          const dw_out_t *q, int8_t *o, size_t o_step);
#define PLANE_ANY_COPY(NAME, KH, CH, MODE)                                                                   \
    static __attribute__((noinline)) void NAME(const tfg_dwconv_params_t *p, const int8_t *plane, int pw,    \
                                               const int32_t *wk, const dw_out_t *q, int8_t *o,              \
                                               size_t o_step)                                                \
    {                                                                                                        \
        plane_any_body(p, plane, pw, wk, q, o, o_step, KH, CH, MODE);                                        \
    }
PLANE_ANY_COPY(plane5x5_clamp, 5, 2, RQ_FAST_CLAMP)
PLANE_ANY_COPY(plane5x5_general, 5, 2, RQ_GENERAL)
PLANE_ANY_COPY(plane7x7_clamp, 7, 2, RQ_FAST_CLAMP)
PLANE_ANY_COPY(plane7x7_general, 7, 2, RQ_GENERAL)
PLANE_ANY_COPY(plane_any_clamp, 0, 0, RQ_FAST_CLAMP)
PLANE_ANY_COPY(plane_any_general, 0, 0, RQ_GENERAL)
#undef PLANE_ANY_COPY

/* One plane row with a 1 x k kernel, k <= 16, dilation 1, any stride: the
 * row form of a tall k x 1 kernel (as_row below), which is all a wake-word
 * net's depthwise layers are. The weight pairs of its 4-tap chunks stay in
 * registers (zero past the kernel), so an output costs one word load and
 * two SMLADs per chunk and the requantization. One function for 1, 2 or 4
 * chunks (the branches are the same every output): flash is scarce. */
static __attribute__((noinline)) void plane_row(const tfg_dwconv_params_t *p, const int8_t *plane,
                                                const int32_t *wk, const dw_out_t *out, int8_t *o,
                                                size_t o_step)
{
    const int pairs = 2 * ((p->k_w + 3) / 4), n = p->out_w, sw = p->stride_w;
    const dw_out_t q = *out;
    /* named, not an array, so that they live in registers */
    const int32_t w0 = wk[0], w1 = wk[1], w2 = pairs > 2 ? wk[2] : 0, w3 = pairs > 2 ? wk[3] : 0,
                  w4 = pairs > 4 ? wk[4] : 0, w5 = pairs > 4 ? wk[5] : 0, w6 = pairs > 6 ? wk[6] : 0,
                  w7 = pairs > 6 ? wk[7] : 0;
    const int8_t *r = plane;
    for (int ox = 0; ox < n; ox++, r += sw, o += o_step) {
        uint32_t v = tfg_ld4(r);
        int32_t a = __smlad(__sxtb16(v), w0, q.bias);
        a = __smlad(tfg_sxtb16_ror8(v), w1, a);
        if (pairs > 2) {
            v = tfg_ld4(r + 4);
            a = __smlad(__sxtb16(v), w2, a);
            a = __smlad(tfg_sxtb16_ror8(v), w3, a);
            if (pairs > 4) { /* chunks 3 and 4 (the fourth's weights are zero for k <= 12) */
                v = tfg_ld4(r + 8);
                a = __smlad(__sxtb16(v), w4, a);
                a = __smlad(tfg_sxtb16_ror8(v), w5, a);
                v = tfg_ld4(r + 12);
                a = __smlad(__sxtb16(v), w6, a);
                a = __smlad(tfg_sxtb16_ror8(v), w7, a);
            }
        }
        *o = dw_out_mode(a, &q, RQ_FAST_CLAMP);
    }
}

/* The taps of one output channel (stride w_step apart) as int16 pairs per
 * 4-tap chunk, row by row, for plane_any_body. */
static void pair_any(const tfg_dwconv_params_t *p, const int8_t *w, size_t w_step, int32_t *wk)
{
    const int kh = p->k_h, kw = p->k_w, chunks = (kw + 3) / 4;
    for (int ky = 0; ky < kh; ky++)
        for (int c = 0; c < chunks; c++) {
            int32_t t[4];
            for (int b = 0; b < 4; b++) {
                const int kx = 4 * c + b;
                t[b] = kx < kw ? w[(size_t)(ky * kw + kx) * w_step] : 0;
            }
            wk[2 * (ky * chunks + c)] = pair16(t[0], t[2]);
            wk[2 * (ky * chunks + c) + 1] = pair16(t[1], t[3]);
        }
}

#endif

/* Output channel oc's taps, laid out once per channel for the plane
 * routines: paired for the DSP 3x3 or any-size loops, else as int32. */
static void prep_channel(const tfg_dwconv_params_t *p, int oc, int32_t *wk)
{
    const size_t out_c = (size_t)p->in_c * (size_t)p->depth_mult;
#ifdef TFG_HAVE_DSP
    if (p->dil_h == 1 && p->dil_w == 1) {
        if (p->k_h == 3 && p->k_w == 3 && p->stride_w <= 2)
            pair_3x3(p->weights + oc, out_c, wk);
        else
            pair_any(p, p->weights + oc, out_c, wk);
        return;
    }
#endif
    for (int t = 0; t < p->k_h * p->k_w; t++) wk[t] = p->weights[(size_t)t * out_c + (size_t)oc];
}

/* Output channel oc (its out_h rows of p) from a padded plane of row pitch
 * pw, written o_step bytes apart from o on. */
static void run_channel(const tfg_dwconv_params_t *p, const int8_t *plane, int pw, const int32_t *wk,
                        const dw_out_t *q, int8_t *o, size_t o_step)
{
#ifdef TFG_HAVE_DSP
    if (p->dil_h == 1 && p->dil_w == 1) {
        if (p->k_h == 3 && p->k_w == 3 && p->stride_w <= 2) {
            const int mode = !q->fast                                ? RQ_GENERAL
                             : p->act_min > -128 || p->act_max < 127 ? RQ_FAST_CLAMP
                                                                     : RQ_FAST;
            plane3x3_copies[p->stride_w - 1][mode](p, plane, pw, wk, q, o, o_step);
        } else if (p->k_h == 1 && p->out_h == 1 && p->k_w <= 16 && q->fast) { /* a row: as_row */
            plane_row(p, plane, wk, q, o, o_step);
        } else {
            const int g = !q->fast, k = p->k_h == p->k_w ? p->k_h : 0;
            plane_any_fn *const f = k == 5   ? (g ? plane5x5_general : plane5x5_clamp)
                                    : k == 7 ? (g ? plane7x7_general : plane7x7_clamp)
                                             : (g ? plane_any_general : plane_any_clamp);
            f(p, plane, pw, wk, q, o, o_step);
        }
        return;
    }
#endif
    conv_plane(p, plane, pw, wk, q, o, o_step);
}

/* A tall k x 1 kernel over a single column (keyword-spotting and wake-word
 * nets run 1-D convolutions over time on width-1 inputs): the plane is then
 * one contiguous run of rows, so the layer is the same as a 1 x k kernel
 * sliding along one plane row, which the DSP loops read four taps per word
 * instead of one tap per word. `t` gets that layer. */
static int as_row(const tfg_dwconv_params_t *p, tfg_dwconv_params_t *t)
{
    if (p->k_w != 1 || p->out_w != 1 || p->k_h == 1) return 0;
    *t = *p;
    t->k_w = p->k_h, t->stride_w = p->stride_h, t->dil_w = p->dil_h, t->out_w = p->out_h;
    t->k_h = 1, t->stride_h = 1, t->dil_h = 1, t->out_h = 1;
    return 1;
}

static void dw_plane(const tfg_dwconv_params_t *p, const int8_t *in, int8_t *out, void *scratch)
{
    int ph, pw;
    plane_dims(p, &ph, &pw);
    int8_t *plane = (int8_t *)scratch;
    int32_t *wk = (int32_t *)(void *)(plane + plane_bytes(ph, pw));
    const int out_c = p->in_c * p->depth_mult;
    tfg_dwconv_params_t row;
    const tfg_dwconv_params_t *k = as_row(p, &row) ? &row : p; /* the kernel as it runs on the plane */
    const int k_pw = k == p ? pw : ph;
    fill_plane_border(p, plane, ph, pw);
    for (int c = 0; c < p->in_c; c++) {
        gather_plane(p, in, c, plane, ph, pw);
        for (int m = 0; m < p->depth_mult; m++) {
            const int oc = c * p->depth_mult + m;
            const dw_out_t q = dw_out(p, oc);
            prep_channel(k, oc, wk);
            run_channel(k, plane, k_pw, wk, &q, out + oc, (size_t)out_c);
        }
    }
}

/* ---- STRIP --------------------------------------------------------------- */

/* Rows of input one output row reads: the strip holds just these. */
static int strip_rows(const tfg_dwconv_params_t *p)
{
    return (p->k_h - 1) * p->dil_h + 1;
}

static size_t strip_scratch(const tfg_dwconv_params_t *p)
{
    int ph, pw;
    plane_dims(p, &ph, &pw);
    return plane_scratch(p) - plane_bytes(ph, pw) + plane_bytes(strip_rows(p), pw);
}

int tfg_dwconv_strip_in_place_ok(const tfg_dwconv_params_t *p)
{
    const int kr = strip_rows(p), s = p->stride_h;
    for (int j = 1; j < p->out_h; j++) {
        int r = kr > s ? (j - 1) * s - p->pad_top + kr : j * s - p->pad_top; /* first row loaded for row j */
        if (r < 0) r = 0;
        if (r < p->in_h && (int64_t)r * p->in_w < (int64_t)j * p->out_w) return 0;
    }
    return 1;
}

#if TFG_WITH_DW_STRIP
/* Input row iy of channel c into strip row `row` (pad rows: in_zp; the pad
 * columns already hold in_zp and are never written). */
static void load_strip_row(const tfg_dwconv_params_t *p, const int8_t *in, int c, int iy, int8_t *row, int pw)
{
    if (iy < 0 || iy >= p->in_h) {
        memset(row, p->in_zp, (size_t)pw);
        return;
    }
    const size_t cs = (size_t)p->in_c;
    const int x_end = pw - p->pad_left < p->in_w ? pw - p->pad_left : p->in_w;
    const int8_t *src = in + (size_t)iy * (size_t)p->in_w * cs + (size_t)c;
    int8_t *dst = row + p->pad_left;
    for (int ix = 0; ix < x_end; ix++, src += cs) dst[ix] = *src;
}

static void dw_strip(const tfg_dwconv_params_t *p, const int8_t *in, int8_t *out, void *scratch)
{
    int ph, pw;
    plane_dims(p, &ph, &pw);
    const int kr = strip_rows(p), s = p->stride_h, keep = kr > s ? kr - s : 0;
    int8_t *strip = (int8_t *)scratch;
    int32_t *wk = (int32_t *)(void *)(strip + plane_bytes(kr, pw));
    const size_t out_c = (size_t)p->in_c * (size_t)p->depth_mult, o_row = (size_t)p->out_w * out_c;
    tfg_dwconv_params_t one = *p; /* the plane routines, one output row at a time */
    one.out_h = 1;
    for (int c = 0; c < p->in_c; c++)
        for (int m = 0; m < p->depth_mult; m++) {
            const int oc = c * p->depth_mult + m;
            const dw_out_t q = dw_out(p, oc);
            prep_channel(p, oc, wk);
            memset(strip, p->in_zp, plane_bytes(kr, pw));
            for (int r = 0; r < kr; r++)
                load_strip_row(p, in, c, r - p->pad_top, strip + (size_t)r * (size_t)pw, pw);
            for (int oy = 0; oy < p->out_h; oy++) {
                if (oy > 0) { /* slide down by the stride: keep the overlap, load the rest */
                    const int iy0 = oy * s - p->pad_top;
                    memmove(strip, strip + (size_t)(kr - keep) * (size_t)pw, (size_t)keep * (size_t)pw);
                    for (int r = keep; r < kr; r++)
                        load_strip_row(p, in, c, iy0 + r, strip + (size_t)r * (size_t)pw, pw);
                }
                run_channel(&one, strip, pw, wk, &q, out + (size_t)oy * o_row + (size_t)oc, out_c);
            }
        }
}
#endif

/* ---- dispatch ------------------------------------------------------------ */

size_t tfg_dwconv_s8_scratch_size(const tfg_dwconv_params_t *p)
{
    return p->variant == TFG_DW_STRIP ? strip_scratch(p) : use_rows(p) ? rows_scratch(p) : plane_scratch(p);
}

void tfg_dwconv_s8(const tfg_dwconv_params_t *p, const int8_t *in, int8_t *out, void *scratch)
{
#if TFG_WITH_DW_STRIP
    if (p->variant == TFG_DW_STRIP) {
        dw_strip(p, in, out, scratch);
        return;
    }
#endif
    if (use_rows(p))
        dw_rows(p, in, out, scratch);
    else
        dw_plane(p, in, out, scratch);
}
