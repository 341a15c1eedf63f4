/* Host side of the YOLO post-processing: tables and parameter checks (see
 * yolo_prepare.h). The tables are evaluated in double and rounded once, so
 * they are the correctly rounded float values wherever libm's exp is within
 * an ulp of double, and the generated code carries them as constants: every
 * target then decodes from the same bits. */
#include "detect/yolo_prepare.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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

tfg_status_t tfg_yolo_setup(const tfg_graph_t *g, const float *anchors, int32_t n_groups, int32_t per_group,
                            int32_t classes, float score, float iou, tfg_yolo_setup_t *y, tfg_diag_t *d)
{
    memset(y, 0, sizeof *y);
    if (n_groups < 1 || n_groups > TFG_YOLO_MAX_HEADS || per_group < 1 || per_group > TFG_YOLO_MAX_ANCHORS)
        return tfg_diag_set(d, TFG_ERR_ARG,
                            "YOLO: %d anchor groups of %d; 1 to %d groups of 1 to %d supported", n_groups,
                            per_group, TFG_YOLO_MAX_HEADS, TFG_YOLO_MAX_ANCHORS);
    if (g->n_outputs != n_groups)
        return tfg_diag_set(
            d, TFG_ERR_INVALID,
            "the model has %d output%s; the anchors give %d heads (YOLO post-processing needs "
            "one output per head)",
            g->n_outputs, g->n_outputs == 1 ? "" : "s", n_groups);
    const tfg_tensor_t *in = g->n_inputs == 1 ? &g->tensors[g->inputs[0]] : NULL;
    if (!in || in->rank != 4)
        return tfg_diag_set(d, TFG_ERR_INVALID,
                            "YOLO post-processing needs one [1, H, W, C] image input (the strides are the "
                            "input size over the grids)");
    for (int i = 0; i < n_groups; i++) {
        const tfg_tensor_t *t = &g->tensors[g->outputs[i]];
        if (t->dtype != TFG_DT_INT8 || t->rank != 4 || t->n_q != 1)
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "output %d '%s' is %s of rank %d; a YOLO head is an int8 [1, h, w, anchors x "
                                "(5 + classes)] tensor with one scale",
                                i, t->name ? t->name : "?", tfg_dtype_name(t->dtype), t->rank);
        y->output[i] = i;
    }
    /* Smallest grid first (insertion sort, stable: equal grids keep the
     * output order), so that anchor group 0, the largest anchors, goes to the
     * coarsest head as YOLOv3 lists them. */
    for (int i = 1; i < n_groups; i++)
        for (int j = i; j > 0; j--) {
            const int32_t *a = g->tensors[g->outputs[y->output[j - 1]]].dims;
            const int32_t *b = g->tensors[g->outputs[y->output[j]]].dims;
            if ((int64_t)a[1] * a[2] <= (int64_t)b[1] * b[2]) break;
            const int k = y->output[j];
            y->output[j] = y->output[j - 1], y->output[j - 1] = k;
        }
    for (int i = 0; i < n_groups; i++) {
        const tfg_tensor_t *t = &g->tensors[g->outputs[y->output[i]]];
        memcpy(y->shapes[i], t->dims, sizeof y->shapes[i]);
        const int32_t gh = t->dims[1], gw = t->dims[2];
        if (gh < 1 || gw < 1 || in->dims[1] % gh || in->dims[2] % gw || in->dims[1] / gh != in->dims[2] / gw)
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "output %d '%s': a %d x %d grid does not divide the %d x %d input into "
                                "square cells (no stride)",
                                y->output[i], t->name ? t->name : "?", gh, gw, in->dims[1], in->dims[2]);
        memcpy(y->anchors[i], anchors + 2 * per_group * i, sizeof(float) * 2 * (size_t)per_group);
        tfg_yolo_tables(t->scale[0], t->zero_point[0], y->sig[i], y->ex[i]);
        y->heads[i] = (tfg_yolo_head_t){.h = gh,
                                        .w = gw,
                                        .anchors = per_group,
                                        .stride = (float)(in->dims[1] / gh),
                                        .anchor_wh = y->anchors[i],
                                        .sig = y->sig[i],
                                        .ex = y->ex[i]};
    }
    y->p = (tfg_yolo_params_t){.heads = y->heads,
                               .n_heads = n_groups,
                               .classes = classes,
                               .score_threshold = score,
                               .iou_threshold = iou};
    return tfg_yolo_check(&y->p, (const int32_t(*)[4])y->shapes, d);
}

void tfg_yolo_box_bits(const tfg_yolo_box_t *b, char *out, size_t n)
{
    const float f[5] = {b->x0, b->y0, b->x1, b->y1, b->score};
    uint32_t u[5];
    memcpy(u, f, sizeof u);
    snprintf(out, n, "%d %08x %08x %08x %08x %08x", (int)b->cls, (unsigned)u[0], (unsigned)u[1],
             (unsigned)u[2], (unsigned)u[3], (unsigned)u[4]);
}
