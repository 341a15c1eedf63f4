/* YOLO post-processing (runtime/yolo.c, src/detect/yolo_prepare.c).
 *
 *   test_yolo unit           hand-made cases checked here: IoU rules (empty
 *                            boxes), tie-break, truncation by scratch and by
 *                            box array, bad arguments, the host check's
 *                            messages;
 *   test_yolo random FILE    random heads (the detector's three shapes with
 *                            one class, a two-class variant; truncation, zero
 *                            candidates, exact ties, empty boxes, edge
 *                            thresholds) decoded here, written with the
 *                            results to FILE for tests/yolo_ref.py;
 *   test_yolo model FILE MODELS IMAGE
 *                            the MCUNet detector run by the host executor on
 *                            IMAGE (160x128 RGB in [-1, 1]) and on its golden
 *                            random inputs, its int8 heads decoded, written
 *                            likewise; the boxes on IMAGE are printed.
 *
 * The reference (tests/yolo_ref.py, numpy in float64) decodes the same
 * tensors from the file on its own and compares; tests/yolo.sh runs both. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/image.h"
#include "detect/yolo_prepare.h"
#include "golden.h"
#include "model/model.h"
#include "tfg_test.h"
#include "tinyforge/kernels.h"
#include "tinyforge/yolo.h"

#define MAX_HEADS 3

/* One decoding problem with its quantization, as written for the reference. */
typedef struct {
    char name[64];
    int n_heads, classes;
    tfg_yolo_head_t heads[MAX_HEADS];
    float anchors[MAX_HEADS][6];
    float sig[MAX_HEADS][256], ex[MAX_HEADS][256];
    float scale[MAX_HEADS];
    int32_t zp[MAX_HEADS];
    int32_t shapes[MAX_HEADS][4];
    const int8_t *data[MAX_HEADS];
    float score_thr, iou_thr;
    int32_t max_cand, max_boxes;
} problem_t;

/* The detector's heads (issue 15): grid, stride, anchors (w, h). */
static const struct {
    int h, w;
    float stride;
    float anchors[6];
} DETECTOR[3] = {
    {4, 5, 32, {116, 90, 156, 198, 373, 326}},
    {8, 10, 16, {30, 61, 62, 45, 59, 119}},
    {16, 20, 8, {10, 13, 16, 30, 33, 23}},
};

static void set_head(problem_t *pb, int i, int h, int w, float stride, const float *anchors, float scale,
                     int32_t zp)
{
    pb->scale[i] = scale;
    pb->zp[i] = zp;
    memcpy(pb->anchors[i], anchors, sizeof pb->anchors[i]);
    tfg_yolo_tables(scale, zp, pb->sig[i], pb->ex[i]);
    pb->heads[i] = (tfg_yolo_head_t){.h = h,
                                     .w = w,
                                     .anchors = 3,
                                     .stride = stride,
                                     .anchor_wh = pb->anchors[i],
                                     .sig = pb->sig[i],
                                     .ex = pb->ex[i]};
    pb->shapes[i][0] = 1;
    pb->shapes[i][1] = h;
    pb->shapes[i][2] = w;
    pb->shapes[i][3] = 3 * (5 + pb->classes);
}

static tfg_yolo_params_t params_of(const problem_t *pb)
{
    return (tfg_yolo_params_t){.heads = pb->heads,
                               .n_heads = pb->n_heads,
                               .classes = pb->classes,
                               .score_threshold = pb->score_thr,
                               .iou_threshold = pb->iou_thr};
}

/* Runs the decoder with guarded scratch and box array; returns the count
 * (or a negative status) and checks that nothing outside them was written. */
static int32_t run(const problem_t *pb, tfg_yolo_box_t *out, tfg_yolo_stats_t *st)
{
    const tfg_yolo_params_t p = params_of(pb);
    const size_t sb = tfg_yolo_scratch_size(pb->max_cand);
    void *scratch = tt_guarded_alloc(sb, 0xA5);
    tfg_yolo_box_t *boxes = tt_guarded_alloc(sizeof *boxes * (size_t)pb->max_boxes, 0xA5);
    const int32_t n = tfg_yolo_detect(&p, pb->data, scratch, sb, boxes, pb->max_boxes, st);
    TT_CHECK(tt_guards_ok(scratch, sb) && tt_guards_ok(boxes, sizeof *boxes * (size_t)pb->max_boxes));
    if (n > 0) memcpy(out, boxes, sizeof *boxes * (size_t)n);
    tt_guarded_free(scratch);
    tt_guarded_free(boxes);
    return n;
}

static void write_problem(FILE *f, const problem_t *pb, int32_t n, const tfg_yolo_box_t *b,
                          const tfg_yolo_stats_t *st)
{
    fprintf(f, "case %s\nparams %d %d %.9g %.9g %d %d\n", pb->name, pb->n_heads, pb->classes,
            (double)pb->score_thr, (double)pb->iou_thr, pb->max_cand, pb->max_boxes);
    for (int i = 0; i < pb->n_heads; i++) {
        const tfg_yolo_head_t *h = &pb->heads[i];
        fprintf(f, "head %d %d %.9g %d %.9g %d", h->h, h->w, (double)h->stride, h->anchors,
                (double)pb->scale[i], pb->zp[i]);
        for (int a = 0; a < 2 * h->anchors; a++) fprintf(f, " %.9g", (double)h->anchor_wh[a]);
        fprintf(f, "\ndata");
        const int n_data = pb->shapes[i][1] * pb->shapes[i][2] * pb->shapes[i][3];
        for (int k = 0; k < n_data; k++) fprintf(f, " %d", pb->data[i][k]);
        fprintf(f, "\n");
    }
    fprintf(f, "result %d %d %d %d %d\n", n, st->candidates, st->held, st->kept, st->written);
    for (int i = 0; i < n; i++)
        fprintf(f, "box %.9g %.9g %.9g %.9g %.9g %d\n", (double)b[i].x0, (double)b[i].y0, (double)b[i].x1,
                (double)b[i].y1, (double)b[i].score, b[i].cls);
    fprintf(f, "end\n");
}

/* ---- unit cases ---------------------------------------------------------- */

/* A 1-head problem over a caller's tensor with tables given directly. */
static void tiny_problem(problem_t *pb, int h, int w, int classes, const int8_t *data)
{
    memset(pb, 0, sizeof *pb);
    pb->n_heads = 1;
    pb->classes = classes;
    const float anchors[6] = {10, 10, 20, 20, 40, 40};
    set_head(pb, 0, h, w, 8, anchors, 0.1f, 0);
    pb->data[0] = data;
    pb->score_thr = 0.3f;
    pb->iou_thr = 0.45f;
    pb->max_cand = 64;
    pb->max_boxes = 16;
}

static void test_iou(void)
{
    tt_begin();
    const tfg_yolo_box_t a = {0, 0, 2, 2, 1, 0}, b = {1, 0, 3, 2, 1, 0}, c = {5, 5, 6, 6, 1, 0};
    const tfg_yolo_box_t e1 = {1, 1, 1, 1, 1, 0}, e2 = {1, 1, 1, 1, 1, 0}, line = {0, 1, 2, 1, 1, 0};
    TT_CHECK(tfg_yolo_iou(&a, &a) == 1.0f);
    TT_CHECK(tfg_yolo_iou(&a, &b) == 2.0f / 6.0f);
    TT_CHECK(tfg_yolo_iou(&a, &c) == 0.0f);
    TT_CHECK(tfg_yolo_iou(&e1, &e2) == 0.0f);  /* two empty boxes at one point: union 0, guarded */
    TT_CHECK(tfg_yolo_iou(&a, &e1) == 0.0f);   /* an empty box inside a box */
    TT_CHECK(tfg_yolo_iou(&line, &a) == 0.0f); /* a zero-height box across one */
    TT_CHECK(tfg_yolo_iou(&line, &line) == 0.0f);
    if (!tt_end()) TT_LOG("  IoU rules\n");
}

static void test_tie_break_and_truncation(void)
{
    /* 1 x 4 cells, 3 anchors, 1 class, all anchors alike: every candidate
     * scores the same, so order is generation order; anchors 0..2 of a cell
     * differ in size, cells are 8 px apart, boxes overlap a lot. */
    int8_t data[4 * 18];
    for (int i = 0; i < 4 * 3; i++) {
        int8_t *t = data + 6 * i;
        t[0] = t[1] = 0;
        t[2] = t[3] = 0;
        t[4] = 100;
        t[5] = 100;
    }
    problem_t pb;
    tiny_problem(&pb, 1, 4, 1, data);
    tfg_yolo_box_t out[16];
    tfg_yolo_stats_t st;
    tt_begin();
    pb.iou_thr = 1.0f; /* nothing suppressed */
    int32_t n = run(&pb, out, &st);
    TT_CHECK(n == 12 && st.candidates == 12 && st.held == 12 && st.kept == 12 && st.written == 12);
    for (int i = 0; i < n;
         i++) { /* cell i / 3, anchor i % 3: centre x = (0.5 + cell) * 8, size 10 << anchor */
        const float cx = (0.5f + (float)(i / 3)) * 8.0f, hw = (float)(5 << (i % 3));
        TT_CHECK(out[i].x0 == cx - hw && out[i].x1 == cx + hw && out[i].score == out[0].score);
    }
    /* The scratch holds 5: the first five in generation order. */
    pb.max_cand = 5;
    n = run(&pb, out, &st);
    TT_CHECK(n == 5 && st.candidates == 12 && st.held == 5 && st.kept == 5);
    for (int i = 0; i < n; i++) TT_CHECK(out[i].x0 == (0.5f + (float)(i / 3)) * 8.0f - (float)(5 << (i % 3)));
    /* The box array holds 2. */
    pb.max_cand = 64;
    pb.max_boxes = 2;
    n = run(&pb, out, &st);
    TT_CHECK(n == 2 && st.kept == 12 && st.written == 2 && out[1].x1 == 4.0f + 10.0f);
    /* No room at all: nothing written, the counts still say what was there. */
    pb.max_boxes = 0;
    pb.max_cand = 0;
    n = run(&pb, out, &st);
    TT_CHECK(n == 0 && st.candidates == 12 && st.held == 0 && st.kept == 0 && st.written == 0);
    /* Default IoU threshold: cell 0 anchor 0 (10x10 at x=4) suppresses cell 1
     * anchor 0 (at x=12, IoU 2/18), no: it keeps it; the 20x20 of cell 0
     * (IoU with box 0: 100/400 = 0.25) is kept; compare with the IoU rule. */
    pb.max_cand = 64;
    pb.max_boxes = 16;
    pb.iou_thr = 0.45f;
    n = run(&pb, out, &st);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++) TT_CHECK(tfg_yolo_iou(&out[i], &out[j]) <= 0.45f);
    TT_CHECK(n > 0 && n < 12 && st.kept == n);
    if (!tt_end()) TT_LOG("  tie-break and truncation\n");
}

static void test_empty_boxes(void)
{
    /* exp table entries below FLT_MIN are 0: a head with scale 1 and zero
     * point 127 gives zero-size boxes for tw = th = -128. Two anchors of one
     * cell at the same centre, both empty: union 0, both kept. */
    int8_t data[18];
    for (int a = 0; a < 3; a++) {
        int8_t *t = data + 6 * a;
        t[0] = t[1] = 127;
        t[2] = t[3] = -128;
        t[4] = t[5] = 127;
    }
    problem_t pb;
    tiny_problem(&pb, 1, 1, 1, data);
    set_head(&pb, 0, 1, 1, 8, pb.anchors[0], 1.0f, 127);
    tfg_yolo_box_t out[16];
    tfg_yolo_stats_t st;
    tt_begin();
    TT_CHECK(pb.ex[0][0] == 0.0f && pb.sig[0][255] == 0.5f);
    const int32_t n = run(&pb, out, &st); /* score 0.25 < 0.3 */
    TT_CHECK(n == 0 && st.candidates == 0);
    pb.score_thr = 0.25f;
    TT_CHECK(run(&pb, out, &st) == 3 && st.kept == 3);
    TT_CHECK(out[0].x0 == 4.0f && out[0].x1 == 4.0f && out[2].y0 == 4.0f && out[2].y1 == 4.0f);
    if (!tt_end()) TT_LOG("  empty boxes\n");
}

static void test_bad_args(void)
{
    int8_t data[18] = {0};
    problem_t pb;
    tiny_problem(&pb, 1, 1, 1, data);
    const tfg_yolo_params_t p = params_of(&pb);
    uint32_t scratch[64];
    tfg_yolo_box_t boxes[4];
    tfg_yolo_stats_t st;
    tt_begin();
    TT_CHECK(tfg_yolo_scratch_size(0) == 0 && tfg_yolo_scratch_size(-3) == 0 &&
             tfg_yolo_scratch_size(10) == 320);
    TT_CHECK(tfg_yolo_detect(NULL, pb.data, scratch, sizeof scratch, boxes, 4, &st) == TFG_ERR_ARG);
    TT_CHECK(tfg_yolo_detect(&p, NULL, scratch, sizeof scratch, boxes, 4, &st) == TFG_ERR_ARG);
    TT_CHECK(tfg_yolo_detect(&p, pb.data, (uint8_t *)scratch + 1, 64, boxes, 4, &st) == TFG_ERR_ARG);
    TT_CHECK(tfg_yolo_detect(&p, pb.data, NULL, 64, boxes, 4, &st) == TFG_ERR_ARG);
    TT_CHECK(tfg_yolo_detect(&p, pb.data, scratch, sizeof scratch, boxes, -1, &st) == TFG_ERR_ARG);
    TT_CHECK(tfg_yolo_detect(&p, pb.data, scratch, sizeof scratch, NULL, 4, &st) == TFG_ERR_ARG);
    /* Less scratch than one candidate (even none at all) is not an error: nothing is held. */
    TT_CHECK(tfg_yolo_detect(&p, pb.data, NULL, 31, NULL, 0, &st) == 0 && st.held == 0);
    TT_CHECK(tfg_yolo_detect(&p, pb.data, scratch, sizeof scratch, boxes, 4, NULL) >= 0);
    if (!tt_end()) TT_LOG("  bad arguments\n");
}

static void expect_check(const problem_t *pb, const char *want)
{
    tfg_diag_t d = {{0}};
    const tfg_yolo_params_t p = params_of(pb);
    const tfg_status_t st = tfg_yolo_check(&p, pb->shapes, &d);
    TT_CHECK(want ? st == TFG_ERR_INVALID && strstr(d.msg, want) : st == TFG_OK);
    if (want && !strstr(d.msg, want)) TT_LOG("  check: got '%s', want '%s'\n", d.msg, want);
    if (!want && st != TFG_OK) TT_LOG("  check: unexpected '%s'\n", d.msg);
}

static void test_check(void)
{
    problem_t pb;
    memset(&pb, 0, sizeof pb);
    pb.n_heads = 3;
    pb.classes = 1;
    pb.score_thr = 0.3f;
    pb.iou_thr = 0.45f;
    for (int i = 0; i < 3; i++)
        set_head(&pb, i, DETECTOR[i].h, DETECTOR[i].w, DETECTOR[i].stride, DETECTOR[i].anchors, 0.1109f, 43);
    tt_begin();
    expect_check(&pb, NULL);
    pb.shapes[1][3] = 21;
    expect_check(&pb,
                 "YOLO head 1: tensor is [1,8,10,21]; expected [1,8,10,18] = 3 anchors x (5 + 1 classes)");
    pb.shapes[1][3] = 18;
    pb.classes = 2;
    expect_check(&pb, "expected [1,4,5,21]");
    pb.classes = 1;
    pb.heads[2].stride = 0;
    expect_check(&pb, "YOLO head 2: stride 0 must be positive");
    pb.heads[2].stride = 8;
    pb.anchors[0][3] = -1;
    expect_check(&pb, "YOLO head 0: anchor 1 height -1 must be positive");
    pb.anchors[0][3] = 198;
    pb.score_thr = 1.5f;
    expect_check(&pb, "score threshold 1.5 must lie in [0, 1]");
    pb.score_thr = 0.3f;
    pb.iou_thr = -0.1f;
    expect_check(&pb, "IoU threshold");
    pb.iou_thr = 0.45f;
    tfg_yolo_tables(1.0f, -128, pb.sig[1], pb.ex[1]); /* exp(255) overflows float */
    expect_check(&pb, "YOLO head 1: exp table entry -39 is inf");
    tfg_yolo_tables(0.2f, -128, pb.sig[1], pb.ex[1]); /* exp(51) * 119: boxes of 1e24 px */
    expect_check(&pb, "exceeds 1e+15 pixels");
    tfg_yolo_tables(0.1277f, 49, pb.sig[1], pb.ex[1]);
    pb.heads[0].h = 0;
    expect_check(&pb, "YOLO head 0: grid 0 x 5 with 3 anchors; all must be positive");
    pb.heads[0].h = 4;
    pb.classes = 0;
    expect_check(&pb, "0 classes");
    if (!tt_end()) TT_LOG("  tfg_yolo_check\n");
}

/* ---- random problems for the reference ----------------------------------- */

static int8_t clamp8(double v)
{
    return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : lrint(v));
}

/* Kinds: 0 detector, 1 two classes, 2 small scratch, 3 small box array,
 * 4 no candidates, 5 exact ties, 6 empty boxes, 7 edge thresholds. */
#define N_KINDS 8

static void random_problem(tt_rng_t *r, int kind, int index, problem_t *pb, int8_t *buf[MAX_HEADS])
{
    memset(pb, 0, sizeof *pb);
    snprintf(pb->name, sizeof pb->name, "random%d-kind%d", index, kind);
    pb->n_heads = 3;
    pb->classes = kind == 1 || (kind >= 2 && tt_chance(r, 30)) ? 2 : 1;
    pb->score_thr = (float)tt_uniform(r, 0.2, 0.6);
    pb->iou_thr = 0.45f;
    pb->max_cand = 4096;
    pb->max_boxes = 200;
    if (kind == 2) pb->max_cand = tt_int(r, 1, 60);
    if (kind == 3) pb->max_boxes = tt_int(r, 0, 6);
    if (kind == 7) {
        pb->iou_thr = tt_chance(r, 50) ? 0.0f : 1.0f;
        pb->score_thr = tt_chance(r, 50) ? 0.0f : 0.9f;
        pb->max_cand = 150;
    }
    /* Exact ties: every head shares one quantization, objectness and class
     * logits take three values (boxes vary as usual). */
    const float tie_scale = (float)tt_uniform(r, 0.04, 0.07);
    const int32_t tie_zp = tt_int(r, -20, 20);
    const int8_t tie_vals[3] = {(int8_t)tt_int(r, -128, 127), (int8_t)tt_int(r, -128, 127), 127};
    for (int i = 0; i < 3; i++) {
        /* Real values up to 10: sigmoid stays below 1 - 4.5e-5, where float32
         * still tells neighbouring int8 values apart (above it, unequal
         * float64 scores round to one float32 and the reference must skip
         * the problem as a knife edge). */
        int32_t zp = tt_int(r, -20, 60);
        float scale = (float)tt_uniform(r, 0.03, fmin(0.16, 10.0 / (127 - zp)));
        if (kind == 4) scale = 0.02f, zp = 0; /* sigmoid at most 0.927: no score reaches 1 */
        if (kind == 5) scale = tie_scale, zp = tie_zp;
        if (kind == 6) scale = 1.0f, zp = 127; /* real values in [-255, 0] */
        set_head(pb, i, DETECTOR[i].h, DETECTOR[i].w, DETECTOR[i].stride, DETECTOR[i].anchors, scale, zp);
        const int per = 5 + pb->classes, n_cells = DETECTOR[i].h * DETECTOR[i].w * 3;
        buf[i] = malloc((size_t)(n_cells * per));
        /* Sparse objects, as real heads are (and few IoUs to compare): each
         * anchor is active with a per-head chance, its objectness then at
         * least 0.5, else below 0.05; class logits from a per-head bound up. */
        static const int active_pct[4] = {1, 3, 10, 30};
        const int pct = kind == 2 ? 30 : active_pct[tt_int(r, 0, 3)];
        const int obj_on = clamp8(zp), obj_off = clamp8(zp - 3.0 / scale), cls_lo = tt_int(r, -128, 120);
        for (int c = 0; c < n_cells; c++) {
            int8_t *t = buf[i] + c * per;
            const int active = tt_chance(r, pct);
            for (int k = 0; k < per; k++) {
                if (kind == 5 && k == 4) {
                    t[k] = active ? tie_vals[tt_int(r, 1, 2)] : -128;
                } else if (kind == 5 && k > 4) {
                    t[k] = tie_vals[tt_int(r, 0, 2)];
                } else if (kind == 6) {
                    /* Half the anchors empty (exp flushes to 0), the rest small. */
                    if (k == 2 || k == 3)
                        t[k] = (int8_t)((c & 1) ? -128 : tt_int(r, 122, 127));
                    else if (k >= 4)
                        t[k] = (int8_t)tt_int(r, 110, 127);
                    else
                        t[k] = (int8_t)tt_int(r, -128, 127);
                } else if (k == 2 || k == 3) {
                    /* Box sizes around the anchor: exp of [-2.5, 2.5]. */
                    t[k] = clamp8(zp + tt_uniform(r, -2.5, 2.5) / scale);
                } else if (k == 4) {
                    t[k] = (int8_t)(active ? tt_int(r, obj_on, 127) : tt_int(r, -128, obj_off));
                } else if (k >= 5) {
                    t[k] = (int8_t)tt_int(r, cls_lo, 127);
                } else {
                    t[k] = (int8_t)tt_int(r, -128, 127);
                }
            }
        }
        pb->data[i] = buf[i];
    }
    if (kind == 4) pb->score_thr = 1.0f;
    if (kind == 6) pb->score_thr = 0.2f;
    pb->shapes[0][3] = pb->shapes[1][3] = pb->shapes[2][3] = 3 * (5 + pb->classes);
}

static int cmd_random(const char *path, int n_cases)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        return 2;
    }
    tt_rng_t r = {UINT64_C(0x15150015)};
    tfg_yolo_box_t *out = malloc(sizeof *out * 4096);
    long total_boxes = 0, truncated = 0;
    for (int i = 0; i < n_cases; i++) {
        problem_t pb;
        int8_t *buf[MAX_HEADS] = {0};
        random_problem(&r, i % N_KINDS, i, &pb, buf);
        tfg_yolo_stats_t st;
        tt_begin();
        tfg_diag_t d = {{0}};
        const tfg_yolo_params_t p = params_of(&pb);
        TT_CHECK(tfg_yolo_check(&p, pb.shapes, &d) == TFG_OK);
        if (d.msg[0]) TT_LOG("  %s: %s\n", pb.name, d.msg);
        const int32_t n = run(&pb, out, &st);
        TT_CHECK(n >= 0 && n == st.written && st.written <= st.kept && st.kept <= st.held &&
                 st.held <= st.candidates && st.held <= pb.max_cand && n <= pb.max_boxes);
        if (!tt_end()) TT_LOG("  %s\n", pb.name);
        total_boxes += n;
        truncated += st.held < st.candidates || st.written < st.kept;
        write_problem(f, &pb, n, out, &st);
        for (int k = 0; k < MAX_HEADS; k++) free(buf[k]);
    }
    free(out);
    printf("%d random problems, %ld boxes, %ld truncated, written to %s\n", n_cases, total_boxes, truncated,
           path);
    return fclose(f) != 0 ? 2 : 0;
}

/* ---- the real detector --------------------------------------------------- */

static int model_problem(const tfg_model_t *m, const uint8_t *in, const char *name, float score_thr, FILE *f,
                         int print)
{
    problem_t pb;
    memset(&pb, 0, sizeof pb);
    snprintf(pb.name, sizeof pb.name, "%s", name);
    pb.n_heads = 3;
    pb.classes = 1;
    pb.score_thr = score_thr;
    pb.iou_thr = 0.45f;
    pb.max_cand = 512;
    pb.max_boxes = 64;
    uint8_t *outs = tt_run(m, in);
    if (!outs) return -1;
    size_t off = 0;
    tt_begin();
    for (int i = 0; i < m->graph.n_outputs; i++) {
        const tfg_tensor_t *t = &m->graph.tensors[m->graph.outputs[i]];
        TT_CHECK(t->dtype == TFG_DT_INT8 && t->rank == 4 && t->n_q == 1);
        /* Heads in subgraph order: 4x5, 8x10, 16x20. */
        int k = 0;
        while (k < 3 && DETECTOR[k].h != t->dims[1]) k++;
        TT_CHECK(i < 3 && k == i && t->dims[2] == DETECTOR[k].w && t->dims[3] == 18);
        if (i >= 3 || k != i) break;
        set_head(&pb, i, DETECTOR[i].h, DETECTOR[i].w, DETECTOR[i].stride, DETECTOR[i].anchors, t->scale[0],
                 t->zero_point[0]);
        pb.data[i] = (const int8_t *)outs + off;
        off += (size_t)tfg_tensor_bytes(t);
    }
    tfg_diag_t d = {{0}};
    const tfg_yolo_params_t p = params_of(&pb);
    TT_CHECK(tfg_yolo_check(&p, pb.shapes, &d) == TFG_OK);
    tfg_yolo_box_t out[64];
    tfg_yolo_stats_t st;
    const int32_t n = run(&pb, out, &st);
    TT_CHECK(n >= 0 && st.held == st.candidates && st.written == st.kept);
    if (!tt_end()) TT_LOG("  %s: %s\n", name, d.msg);
    write_problem(f, &pb, n, out, &st);
    if (print) {
        printf("%s: %d candidates at score >= %.2f, %d boxes after NMS at IoU 0.45\n", name, st.candidates,
               (double)score_thr, n);
        for (int i = 0; i < n; i++)
            printf("  person %.3f  x %.1f..%.1f  y %.1f..%.1f\n", (double)out[i].score, (double)out[i].x0,
                   (double)out[i].x1, (double)out[i].y0, (double)out[i].y1);
    }
    free(outs);
    return 0;
}

static int cmd_model(const char *path, const char *models, const char *image)
{
    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/tinyengine_detection.tflite", models);
    tfg_pass_opts_t o = {0};
    o.int8_io = true; /* the int8 heads, as the MCU sees them */
    tfg_model_t m;
    tfg_diag_t d = {{0}};
    tt_begin();
    if (tfg_model_load(mpath, &o, &m, &d) < 0) {
        TT_LOG("%s\n", d.msg);
        TT_CHECK(0);
        tt_end();
        return tt_summary();
    }
    const tfg_tensor_t *ti = &m.graph.tensors[m.graph.inputs[0]];
    TT_CHECK(ti->dtype == TFG_DT_INT8 && ti->rank == 4 && ti->dims[1] == 128 && ti->dims[2] == 160 &&
             ti->dims[3] == 3 && m.graph.n_outputs == 3);
    tfg_image_t img = {0};
    if (tfg_image_load(image, 3, &img, &d) < 0) {
        TT_LOG("%s (python3-skimage ships it; scripts/deps.sh installs it)\n", d.msg);
        TT_CHECK(0);
    }
    tt_end();
    FILE *f = fopen(path, "w");
    const size_t n_in = 128 * 160 * 3;
    float *fin = malloc(n_in * sizeof *fin);
    int8_t *qin = malloc(n_in);
    if (f && fin && qin && img.pixels) {
        /* RGB to [-1, 1], quantized by the runtime's QUANTIZE kernel with the
         * stripped QUANTIZE's parameters, as the float model would (the same
         * function prepares images for tinyforge detect). */
        tt_begin();
        TT_CHECK(tfg_image_to_input(&img, ti, -1.0f, 1.0f, (uint8_t *)qin, &d) == TFG_OK);
        tt_end();
        const tfg_affine_params_t q = {(int32_t)n_in, ti->scale[0], ti->zero_point[0]};
        model_problem(&m, (const uint8_t *)qin, "astronaut", 0.3f, f, 1);
        model_problem(&m, (const uint8_t *)qin, "astronaut-low", 0.05f, f, 0);
        /* The golden random inputs (float, as the unstripped model takes them). */
        char tags[8][32];
        const int nt = tt_golden_tags(models, "tinyengine_detection", tags, 8);
        for (int k = 0; k < nt; k++) {
            char gpath[4096], name[48];
            snprintf(gpath, sizeof gpath, "%s/golden/tinyengine_detection.%s.input.bin", models, tags[k]);
            size_t len = 0;
            uint8_t *g = tt_slurp(gpath, &len);
            if (g && len == n_in * 4) {
                memcpy(fin, g, n_in * 4);
                tfg_quantize_f32_s8(&q, fin, qin);
                snprintf(name, sizeof name, "golden-%.31s", tags[k]);
                model_problem(&m, (const uint8_t *)qin, name, 0.05f, f, 0);
            }
            free(g);
        }
    }
    tt_begin();
    TT_CHECK(f && fclose(f) == 0);
    tt_end();
    free(fin);
    free(qin);
    tfg_image_free(&img);
    tfg_model_free(&m);
    return tt_summary();
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "unit")) {
        test_iou();
        test_tie_break_and_truncation();
        test_empty_boxes();
        test_bad_args();
        test_check();
        return tt_summary();
    }
    if (argc >= 3 && !strcmp(argv[1], "random")) {
        const int rc = cmd_random(argv[2], argc >= 4 ? atoi(argv[3]) : 160);
        return rc ? rc : tt_summary();
    }
    if (argc >= 5 && !strcmp(argv[1], "model")) return cmd_model(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: test_yolo unit | random FILE [N] | model FILE MODELS_DIR IMAGE\n");
    return 2;
}
