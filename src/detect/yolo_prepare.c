/* Host side of the YOLO post-processing: tables and parameter checks (see
 * yolo_prepare.h). The tables are evaluated in double and rounded once, so
 * they are the correctly rounded float values wherever libm's exp is within
 * an ulp of double, and the generated code carries them as constants: every
 * target then decodes from the same bits. */
#include "detect/yolo_prepare.h"

#include <float.h>
#include <math.h>

/* Coordinates beyond this many pixels are refused: with both sides below
 * 2e15 an area stays below 4e30, far from FLT_MAX (3.4e38), so IoU never
 * meets an infinity. */
#define MAX_COORD 1e15

static float flush(double v)
{
    const float f = (float)v;
    return f < FLT_MIN ? 0.0f : f;
}

void tfg_yolo_tables(float scale, int32_t zero_point, float sig[256], float ex[256])
{
    for (int q = -128; q < 128; q++) {
        const double r = (double)scale * (double)(q - zero_point);
        sig[q + 128] = flush(1.0 / (1.0 + exp(-r)));
        ex[q + 128] = flush(exp(r));
    }
}

static tfg_status_t check_head(const tfg_yolo_params_t *p, int i, const int32_t *shape, tfg_diag_t *d)
{
    const tfg_yolo_head_t *h = &p->heads[i];
    if (h->h <= 0 || h->w <= 0 || h->anchors <= 0)
        return tfg_diag_set(d, TFG_ERR_INVALID,
                            "YOLO head %d: grid %d x %d with %d anchors; all must be positive", i, h->h, h->w,
                            h->anchors);
    const int64_t channels = (int64_t)h->anchors * (5 + (int64_t)p->classes);
    if (shape[0] != 1 || shape[1] != h->h || shape[2] != h->w || shape[3] != channels)
        return tfg_diag_set(
            d, TFG_ERR_INVALID,
            "YOLO head %d: tensor is [%d,%d,%d,%d]; expected [1,%d,%d,%lld] = %d anchors x (5 + %d "
            "classes) channels",
            i, shape[0], shape[1], shape[2], shape[3], h->h, h->w, (long long)channels, h->anchors,
            p->classes);
    if (!(h->stride > 0.0f) || !isfinite(h->stride))
        return tfg_diag_set(d, TFG_ERR_INVALID, "YOLO head %d: stride %g must be positive and finite", i,
                            (double)h->stride);
    if (!h->anchor_wh || !h->sig || !h->ex)
        return tfg_diag_set(d, TFG_ERR_INVALID, "YOLO head %d: anchors, sigmoid or exp table missing", i);
    double max_anchor = 0, max_ex = 0;
    for (int a = 0; a < 2 * h->anchors; a++) {
        const float v = h->anchor_wh[a];
        if (!(v > 0.0f) || !isfinite(v))
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "YOLO head %d: anchor %d %s %g must be positive and finite", i, a / 2,
                                a % 2 ? "height" : "width", (double)v);
        max_anchor = fmax(max_anchor, v);
    }
    for (int q = 0; q < 256; q++) {
        if (!(h->sig[q] >= 0.0f && h->sig[q] <= 1.0f))
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "YOLO head %d: sigmoid table entry %d is %g, outside [0, 1]", i, q - 128,
                                (double)h->sig[q]);
        if (!(h->ex[q] >= 0.0f) || !isfinite(h->ex[q]))
            return tfg_diag_set(
                d, TFG_ERR_INVALID,
                "YOLO head %d: exp table entry %d is %g; the head's scale is too large to decode", i, q - 128,
                (double)h->ex[q]);
        max_ex = fmax(max_ex, h->ex[q]);
    }
    if (max_ex * max_anchor > MAX_COORD)
        return tfg_diag_set(
            d, TFG_ERR_INVALID,
            "YOLO head %d: exp(t) up to %g times anchor %g exceeds %g pixels; the head's scale is too "
            "large to decode",
            i, max_ex, max_anchor, MAX_COORD);
    if ((double)(h->h > h->w ? h->h : h->w) * h->stride > MAX_COORD)
        return tfg_diag_set(d, TFG_ERR_INVALID, "YOLO head %d: grid times stride %g exceeds %g pixels", i,
                            (double)h->stride, MAX_COORD);
    return TFG_OK;
}

tfg_status_t tfg_yolo_check(const tfg_yolo_params_t *p, const int32_t (*shapes)[4], tfg_diag_t *d)
{
    if (p->n_heads <= 0 || !p->heads || !shapes)
        return tfg_diag_set(d, TFG_ERR_INVALID, "YOLO: %d heads; at least one is needed", p->n_heads);
    if (p->classes <= 0 || p->classes > 65536)
        return tfg_diag_set(d, TFG_ERR_INVALID, "YOLO: %d classes; 1 to 65536 supported", p->classes);
    if (!(p->score_threshold >= 0.0f && p->score_threshold <= 1.0f))
        return tfg_diag_set(d, TFG_ERR_INVALID, "YOLO: score threshold %g must lie in [0, 1]",
                            (double)p->score_threshold);
    if (!(p->iou_threshold >= 0.0f && p->iou_threshold <= 1.0f))
        return tfg_diag_set(d, TFG_ERR_INVALID, "YOLO: IoU threshold %g must lie in [0, 1]",
                            (double)p->iou_threshold);
    int64_t triples = 0;
    for (int i = 0; i < p->n_heads; i++) {
        const tfg_status_t st = check_head(p, i, shapes[i], d);
        if (st < 0) return st;
        triples += (int64_t)p->heads[i].h * p->heads[i].w * p->heads[i].anchors * p->classes;
        if (triples > INT32_MAX)
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "YOLO: more than 2^31 - 1 (cell, anchor, class) triples up to head %d", i);
    }
    return TFG_OK;
}
