/* int8 DEPTHWISE_CONV_2D, NHWC, per-channel requantization, optionally in place.
 *
 * Both variants accept out == in when depth_mult == 1. Why each is safe:
 *
 * PLANE: input channel c is gathered into a zero-point-padded plane in
 * scratch, then output channel c is computed from it and scattered back.
 * Output channel c only lands on bytes whose index is c modulo the channel
 * count, and in the input those bytes belong to channel c alone, which was
 * copied out before any write. The padded plane also removes every bounds
 * check from the inner loop (padded cells hold in_zp, which the folded bias
 * cancels exactly).
 *
 * ROWS (any depth_mult; in place only with 1): a whole output row is computed, channels innermost (contiguous in
 * NHWC, so the multiply-accumulate vectorizes), into a small ring of row
 * buffers. Row q is copied to its place in `out` only once no later output
 * row reads input bytes at or below the end of row q: output row j reads
 * input rows from j*stride_h - pad_top onward, so after computing row j the
 * rows q with (q+1)*row_bytes <= max(0, (j+1)*stride_h - pad_top) *
 * in_row_bytes are flushed. The ring holds the rows still waiting; its size
 * is found by running the same flush rule at compile time (scratch size).
 * Padded taps are skipped, and in_zp * w is added instead, because the folded
 * bias assumes every tap read in_zp * w there.
 */
#include <string.h>

#include "tinyforge/dsp.h"
#include "tinyforge/fixedpoint.h"
#include "tinyforge/kernels.h"

static int use_rows(const tfg_dwconv_params_t *p) { return p->variant == TFG_DW_ROWS; }

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
static int dw_pixel_blocks(const tfg_dwconv_params_t *p, const int8_t *in, int oy, int ox, int8_t *o)
{
    const int kh = p->k_h, kw = p->k_w, c_n = p->in_c;
    const int iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    if (iy0 < 0 || ix0 < 0 || iy0 + (kh - 1) * p->dil_h >= p->in_h || ix0 + (kw - 1) * p->dil_w >= p->in_w) return 0;
    const size_t row_step = (size_t)p->dil_h * (size_t)p->in_w * (size_t)c_n, col_step = (size_t)p->dil_w * (size_t)c_n;
    const int8_t *const xbase = in + ((size_t)iy0 * (size_t)p->in_w + (size_t)ix0) * (size_t)c_n;
    /* Locals: int8 stores may alias *p, which would force reloads after each. */
    const int32_t out_zp = p->out_zp, lo = p->act_min, hi = p->act_max;
    const int32_t *const bias = p->bias, *const mult = p->mult, *const shift = p->shift;
    const int8_t *const weights = p->weights;
    int c = 0;
    for (; c + 4 <= c_n; c += 4) {
        int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
        const int8_t *xr = xbase + c, *w = weights + c;
#ifdef TFG_HAVE_DSP
#define DW_TAP(X, W)                                                                                        \
    do {                                                                                                    \
        const uint32_t xv = tfg_ld4(X), wv = tfg_ld4(W);                                                    \
        const int16x2_t xe = __sxtb16(xv), we = __sxtb16(wv), xo = tfg_sxtb16_ror8(xv), wo = tfg_sxtb16_ror8(wv); \
        a0 = __smlabb(xe, we, a0), a2 = __smlatt(xe, we, a2);                                               \
        a1 = __smlabb(xo, wo, a1), a3 = __smlatt(xo, wo, a3);                                               \
    } while (0)
#else
#define DW_TAP(X, W)                                                                                        \
    do {                                                                                                    \
        const int8_t *x_ = (X), *w_ = (W);                                                                  \
        a0 += x_[0] * w_[0], a1 += x_[1] * w_[1], a2 += x_[2] * w_[2], a3 += x_[3] * w_[3];                \
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
        o[c] = (int8_t)tfg_clamp(tfg_requant(a0, mult[c], shift[c]) + out_zp, lo, hi);
        o[c + 1] = (int8_t)tfg_clamp(tfg_requant(a1, mult[c + 1], shift[c + 1]) + out_zp, lo, hi);
        o[c + 2] = (int8_t)tfg_clamp(tfg_requant(a2, mult[c + 2], shift[c + 2]) + out_zp, lo, hi);
        o[c + 3] = (int8_t)tfg_clamp(tfg_requant(a3, mult[c + 3], shift[c + 3]) + out_zp, lo, hi);
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
            const int32_t *const mult = p->mult, *const shift = p->shift; /* no reloads after o[] stores */
            const int32_t out_zp = p->out_zp, lo = p->act_min, hi = p->act_max;
            for (int c = c0; c < oc_n; c++) o[c] = (int8_t)tfg_clamp(tfg_requant(acc[c], mult[c], shift[c]) + out_zp, lo, hi);
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

static size_t plane_scratch(const tfg_dwconv_params_t *p)
{
    int ph, pw;
    plane_dims(p, &ph, &pw);
    size_t plane = ((size_t)ph * (size_t)pw + 3) & ~(size_t)3;
    return plane + sizeof(int32_t) * (size_t)p->k_h * (size_t)p->k_w;
}

static void gather_plane(const tfg_dwconv_params_t *p, const int8_t *in, int c, int8_t *plane, int ph, int pw)
{
    const size_t cs = (size_t)p->in_c;
    for (int y = 0; y < ph; y++) {
        int8_t *row = plane + (size_t)y * (size_t)pw;
        const int iy = y - p->pad_top;
        if (iy < 0 || iy >= p->in_h) {
            memset(row, p->in_zp, (size_t)pw);
            continue;
        }
        const int8_t *src = in + (size_t)iy * (size_t)p->in_w * cs + (size_t)c;
        for (int x = 0; x < pw; x++) {
            const int ix = x - p->pad_left;
            row[x] = (ix < 0 || ix >= p->in_w) ? (int8_t)p->in_zp : src[(size_t)ix * cs];
        }
    }
}

static void conv_plane(const tfg_dwconv_params_t *p, const int8_t *plane, int pw, const int32_t *wk, int oc,
                       int8_t *out)
{
    const int out_c = p->in_c * p->depth_mult;
    const int32_t bias = p->bias[oc], mult = p->mult[oc], shift = p->shift[oc];
    const int kh = p->k_h, kw = p->k_w;
    const size_t row_step = (size_t)pw * (size_t)p->dil_h;
    int8_t *o = out + oc;
    for (int oy = 0; oy < p->out_h; oy++) {
        const int8_t *base = plane + (size_t)oy * (size_t)p->stride_h * (size_t)pw;
        for (int ox = 0; ox < p->out_w; ox++) {
            const int8_t *r = base + (size_t)ox * (size_t)p->stride_w;
            int32_t a = bias;
            const int32_t *w = wk;
            for (int ky = 0; ky < kh; ky++, r += row_step, w += kw)
                for (int kx = 0; kx < kw; kx++) a += r[kx * p->dil_w] * w[kx];
            const int32_t v = tfg_requant(a, mult, shift) + p->out_zp;
            *o = (int8_t)tfg_clamp(v, p->act_min, p->act_max);
            o += out_c;
        }
    }
}

static void dw_plane(const tfg_dwconv_params_t *p, const int8_t *in, int8_t *out, void *scratch)
{
    int ph, pw;
    plane_dims(p, &ph, &pw);
    int8_t *plane = (int8_t *)scratch;
    int32_t *wk = (int32_t *)(void *)(plane + (((size_t)ph * (size_t)pw + 3) & ~(size_t)3));
    const int out_c = p->in_c * p->depth_mult;
    const int taps = p->k_h * p->k_w;
    for (int c = 0; c < p->in_c; c++) {
        gather_plane(p, in, c, plane, ph, pw);
        for (int m = 0; m < p->depth_mult; m++) {
            const int oc = c * p->depth_mult + m;
            for (int t = 0; t < taps; t++) wk[t] = p->weights[(size_t)t * (size_t)out_c + (size_t)oc];
            conv_plane(p, plane, pw, wk, oc, out);
        }
    }
}

/* ---- dispatch ------------------------------------------------------------ */

size_t tfg_dwconv_s8_scratch_size(const tfg_dwconv_params_t *p)
{
    return use_rows(p) ? rows_scratch(p) : plane_scratch(p);
}

void tfg_dwconv_s8(const tfg_dwconv_params_t *p, const int8_t *in, int8_t *out, void *scratch)
{
    if (use_rows(p)) dw_rows(p, in, out, scratch);
    else dw_plane(p, in, out, scratch);
}
