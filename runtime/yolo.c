/* YOLO decoding and non-maximum suppression (tinyforge/yolo.h).
 *
 * Memory: the candidates live in the caller's scratch, as a bounded min-heap
 * ordered by "worse" (the root is the worst candidate held), so a full
 * scratch replaces its worst candidate in O(log n) and always holds the best
 * ones. The heap is then sorted in place (heapsort: no recursion, no extra
 * memory), and NMS compacts the kept candidates to the front of the same
 * array: kept box k was candidate i >= k, so writing slot k never overwrites
 * a candidate not yet visited. No allocation, no recursion.
 *
 * Order: "better" is a higher score, or an equal score and an earlier
 * generation index (head, row, column, anchor, class). The index makes the
 * order total, so the result never depends on the heap's internal order.
 *
 * Float reproducibility: each operation here is one IEEE single operation
 * (add, subtract, multiply, divide, compare), which x86-64 SSE and the
 * Cortex-M4F FPU round identically, except where a compiler contracts a
 * product and a sum into one fused multiply-add (the M4F has VFMA; GCC
 * contracts across statements by default in GNU modes). Every product that
 * feeds an addition therefore goes through rounded(), a volatile store that
 * forces it to a float first. Products by 0.5f are exact and need no such
 * care (the half sizes are rounded anyway, in case they are subnormal);
 * products that are only compared need none.
 */
#include "tinyforge/yolo.h"

typedef struct {
    float x0, y0, x1, y1;
    float score;
    float area; /* (x1 - x0) * (y1 - y0), as tfg_yolo_iou computes it */
    int32_t cls;
    uint32_t seq; /* generation index: the tie-break */
} cand_t;

/* The product rounded to float: a fused multiply-add cannot consume it. */
static float rounded(float x)
{
    volatile float v = x;
    return v;
}

size_t tfg_yolo_scratch_size(int32_t max_candidates)
{
    return max_candidates > 0 ? (size_t)max_candidates * sizeof(cand_t) : 0;
}

/* a is better than b (sorts first). */
static int better(const cand_t *a, const cand_t *b)
{
    return a->score > b->score || (a->score == b->score && a->seq < b->seq);
}

/* Restore the min-heap (root = worst) below node i of heap h[0..n). */
static void sift_down(cand_t *h, int32_t n, int32_t i)
{
    const cand_t c = h[i];
    for (;;) {
        int32_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && better(&h[child], &h[child + 1])) child++; /* the worse child */
        if (!better(&c, &h[child])) break;
        h[i] = h[child];
        i = child;
    }
    h[i] = c;
}

static void sift_up(cand_t *h, int32_t i)
{
    const cand_t c = h[i];
    while (i > 0) {
        const int32_t parent = (i - 1) / 2;
        if (!better(&h[parent], &c)) break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = c;
}

static float iou(float ax0, float ay0, float ax1, float ay1, float a_area, float bx0, float by0, float bx1,
                 float by1, float b_area)
{
    const float iw = (ax1 < bx1 ? ax1 : bx1) - (ax0 > bx0 ? ax0 : bx0);
    const float ih = (ay1 < by1 ? ay1 : by1) - (ay0 > by0 ? ay0 : by0);
    if (!(iw > 0.0f) || !(ih > 0.0f)) return 0.0f;
    const float inter = rounded(iw * ih);
    const float uni = a_area + b_area - inter;
    /* union >= each area >= inter in exact arithmetic; only two empty boxes
     * (or rounding at a vanishing union) leave nothing to divide by. */
    return uni > 0.0f ? inter / uni : 0.0f;
}

float tfg_yolo_iou(const tfg_yolo_box_t *a, const tfg_yolo_box_t *b)
{
    const float a_area = rounded((a->x1 - a->x0) * (a->y1 - a->y0));
    const float b_area = rounded((b->x1 - b->x0) * (b->y1 - b->y0));
    return iou(a->x0, a->y0, a->x1, a->y1, a_area, b->x0, b->y0, b->x1, b->y1, b_area);
}

/* Offer one candidate to the heap of capacity cap holding *n. */
static void offer(cand_t *h, int32_t cap, int32_t *n, const cand_t *c)
{
    if (*n < cap) {
        h[*n] = *c;
        sift_up(h, (*n)++);
    } else if (cap > 0 && better(c, &h[0])) {
        h[0] = *c;
        sift_down(h, *n, 0);
    }
}

int32_t tfg_yolo_detect(const tfg_yolo_params_t *p, const int8_t *const *heads, void *scratch,
                        size_t scratch_bytes, tfg_yolo_box_t *boxes, int32_t max_boxes,
                        tfg_yolo_stats_t *stats)
{
    if (!p || (p->n_heads > 0 && (!heads || !p->heads)) || max_boxes < 0 || (max_boxes > 0 && !boxes) ||
        (scratch_bytes >= sizeof(cand_t) && (!scratch || ((uintptr_t)scratch & 3u))))
        return TFG_ERR_ARG;
    const size_t cap_z = scratch_bytes / sizeof(cand_t);
    const int32_t cap = cap_z > (size_t)INT32_MAX ? INT32_MAX : (int32_t)cap_z;
    cand_t *h = (cand_t *)scratch;
    const int32_t nc = p->classes, per_anchor = 5 + nc;
    const float thr = p->score_threshold;
    int32_t n = 0, candidates = 0;
    uint32_t seq = 0;

    for (int32_t hi = 0; hi < p->n_heads; hi++) {
        const tfg_yolo_head_t *hd = &p->heads[hi];
        const int8_t *t = heads[hi];
        const float *sig = hd->sig, *ex = hd->ex;
        for (int32_t y = 0; y < hd->h; y++) {
            for (int32_t x = 0; x < hd->w; x++) {
                for (int32_t a = 0; a < hd->anchors; a++, t += per_anchor, seq += (uint32_t)nc) {
                    const float obj = sig[t[4] + 128];
                    /* score = obj * cls with cls <= 1 rounds to at most obj:
                     * below the threshold, no class of this anchor passes. */
                    if (obj < thr) continue;
                    int32_t box_done = 0;
                    cand_t c;
                    for (int32_t k = 0; k < nc; k++) {
                        const float score = obj * sig[t[5 + k] + 128];
                        if (!(score >= thr)) continue;
                        candidates++;
                        if (!box_done) {
                            const float cx = rounded((sig[t[0] + 128] + (float)x) * hd->stride);
                            const float cy = rounded((sig[t[1] + 128] + (float)y) * hd->stride);
                            const float hw = rounded(ex[t[2] + 128] * hd->anchor_wh[2 * a] * 0.5f);
                            const float hh = rounded(ex[t[3] + 128] * hd->anchor_wh[2 * a + 1] * 0.5f);
                            c.x0 = cx - hw;
                            c.y0 = cy - hh;
                            c.x1 = cx + hw;
                            c.y1 = cy + hh;
                            c.area = rounded((c.x1 - c.x0) * (c.y1 - c.y0));
                            box_done = 1;
                        }
                        c.score = score;
                        c.cls = k;
                        c.seq = seq + (uint32_t)k;
                        offer(h, cap, &n, &c);
                    }
                }
            }
        }
    }

    /* Heapsort: the worst goes to the end each time, so h[0..n) ends best first. */
    for (int32_t end = n - 1; end > 0; end--) {
        const cand_t tmp = h[0];
        h[0] = h[end];
        h[end] = tmp;
        sift_down(h, end, 0);
    }

    /* Greedy NMS per class, kept boxes compacted to h[0..kept). */
    int32_t kept = 0;
    const float iou_thr = p->iou_threshold;
    for (int32_t i = 0; i < n; i++) {
        const cand_t c = h[i];
        int32_t keep = 1;
        for (int32_t j = 0; j < kept && keep; j++) {
            const cand_t *k = &h[j];
            if (k->cls == c.cls &&
                iou(k->x0, k->y0, k->x1, k->y1, k->area, c.x0, c.y0, c.x1, c.y1, c.area) > iou_thr)
                keep = 0;
        }
        if (keep) h[kept++] = c;
    }

    const int32_t written = kept < max_boxes ? kept : max_boxes;
    for (int32_t i = 0; i < written; i++) {
        boxes[i].x0 = h[i].x0;
        boxes[i].y0 = h[i].y0;
        boxes[i].x1 = h[i].x1;
        boxes[i].y1 = h[i].y1;
        boxes[i].score = h[i].score;
        boxes[i].cls = h[i].cls;
    }
    if (stats) {
        stats->candidates = candidates;
        stats->held = n;
        stats->kept = kept;
        stats->written = written;
    }
    return written;
}
