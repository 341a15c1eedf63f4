/* compile --postprocess yolo: a camera frame in, boxes out.
 *
 * NAME_detect(frame, arena, boxes, max_boxes, stats) is three calls, each
 * also public so a firmware can count or replace one (with a streamed patched
 * schedule, two: NAME_invoke_frame runs the network with each tile converting
 * its own region of the frame, tfg_frame_to_input's rectangles, in the patch
 * stage's read of its input; then NAME_postprocess):
 *   NAME_frame_to_input  the frame into the arena's input, whole, by the
 *                        runtime's camera input (runtime/frame.c) with the
 *                        tables that fold the pixel range and the input
 *                        quantization (tfg_frame_setup, as `detect
 *                        --frame-path` and `bench` prepare it);
 *   NAME_exec            the network, as NAME_invoke runs it;
 *   NAME_postprocess     tfg_yolo_detect on the output heads, in place in the
 *                        arena, with every table and threshold as const data
 *                        (flash) and the candidates' scratch in the arena.
 * The scratch: once the network has run, only its outputs (the heads) must
 * survive, so the scratch takes the first 4-aligned gap between them that
 * holds it, else the room after the last one, growing the arena (said in
 * NAME.h, NAME.mem.json and by compile). Nothing here allocates. */
#include <string.h>

#include "codegen/codegen_internal.h"

void tfg_codegen_detect_layout(const tfg_model_t *m, const tfg_sched_plan_t *sp, int32_t max_candidates,
                               size_t *scratch_off, size_t *arena)
{
    const tfg_graph_t *g = &m->graph;
    const size_t need = tfg_yolo_scratch_size(max_candidates);
    *arena = sp ? sp->arena_bytes : m->plan.peak;
    /* The outputs' byte ranges, sorted by offset (a handful: insertion sort). */
    size_t lo[64], hi[64];
    int n = 0;
    for (int i = 0; i < g->n_outputs && n < 64; i++, n++) {
        const size_t off = sp ? sp->rest_off[g->outputs[i]] : tfg_plan_offset(&m->plan, g->outputs[i]);
        const size_t end = off + (size_t)tfg_tensor_bytes(&g->tensors[g->outputs[i]]);
        int j = n;
        for (; j > 0 && lo[j - 1] > off; j--) lo[j] = lo[j - 1], hi[j] = hi[j - 1];
        lo[j] = off, hi[j] = end;
    }
    size_t at = 0;
    for (int i = 0; i <= n; i++) {
        const size_t start = (at + 3) & ~(size_t)3;
        const size_t stop = i < n ? lo[i] : *arena;
        if (start + need <= stop) {
            *scratch_off = start;
            return;
        }
        if (i < n && hi[i] > at) at = hi[i];
    }
    *scratch_off = (at + 3) & ~(size_t)3; /* after the last output, the arena grows */
    if (*scratch_off + need > *arena) *arena = *scratch_off + need;
}

/* A float literal that reads back as exactly v ("%.9g" round-trips; C needs
 * a '.' or an exponent before the f suffix). */
static void flt(char *buf, size_t n, float v)
{
    snprintf(buf, n, "%.9g", (double)v);
    if (!strpbrk(buf, ".eE")) strncat(buf, ".0", n - strlen(buf) - 1);
    strncat(buf, "f", n - strlen(buf) - 1);
}

static void emit_floats(out_t *o, const char *name, const float *v, int n)
{
    o->const_bytes += (int64_t)n * 4;
    tfg_cg_put(o, "static const float %s[%d] = {", name, n);
    for (int i = 0; i < n; i++) {
        char b[48];
        flt(b, sizeof b, v[i]);
        tfg_cg_put(o, "%s%s%s", i % 6 ? " " : "\n    ", b, i + 1 < n ? "," : "");
    }
    tfg_cg_put(o, "\n};\n");
}

static const char *const FORMAT_NAMES[] = {"TFG_FRAME_GRAY8", "TFG_FRAME_RGB888", "TFG_FRAME_RGB565_LE",
                                           "TFG_FRAME_RGB565_BE"};

void tfg_cg_emit_detect_header(out_t *o)
{
    const tfg_codegen_detect_t *dt = o->det;
    const tfg_frame_params_t *f = &dt->frame;
    const char *n = o->n, *N = o->N;
    const size_t net = o->sp ? o->sp->arena_bytes : o->m->plan.peak;
    char sc[48], io[48];
    flt(sc, sizeof sc, dt->yolo->score_threshold);
    flt(io, sizeof io, dt->yolo->iou_threshold);
    tfg_cg_put(o,
               "/* ---- Camera frame to boxes (compile --postprocess yolo) ----\n"
               " * The frame: %s_FRAME_WIDTH x %s_FRAME_HEIGHT pixels of format %s_FRAME_FORMAT\n"
               " * (tinyforge/frame.h), rows packed (%s_FRAME_STRIDE bytes apart); pixel values\n"
               " * p become %g + p * %g / 255 before the input quantization. */\n",
               N, N, N, N, (double)dt->lo, (double)dt->hi - (double)dt->lo);
    tfg_cg_put(o,
               "#define %s_FRAME_WIDTH %d\n#define %s_FRAME_HEIGHT %d\n#define %s_FRAME_FORMAT %d /* %s */\n"
               "#define %s_FRAME_STRIDE %du\n#define %s_FRAME_SIZE %lldu\n",
               N, (int)f->fw, N, (int)f->fh, N, (int)f->format, FORMAT_NAMES[f->format], N,
               (int)f->frame_stride, N, (long long)f->frame_stride * f->fh);
    tfg_cg_put(
        o,
        "/* YOLO: %d heads, %d classes; a candidate needs score >= %s_SCORE_THRESHOLD, NMS drops\n"
        " * a box whose IoU with a better box of its class is > %s_IOU_THRESHOLD (docs/detection.md). */\n"
        "#define %s_CLASSES %d\n#define %s_SCORE_THRESHOLD %s\n#define %s_IOU_THRESHOLD %s\n",
        (int)dt->yolo->n_heads, (int)dt->yolo->classes, N, N, N, (int)dt->yolo->classes, N, sc, N, io);
    tfg_cg_put(
        o,
        "/* The candidates' scratch: %s_MAX_CANDIDATES of them, in the arena after the network\n"
        " * has run (the heads stay intact)%s. */\n"
        "#define %s_MAX_CANDIDATES %d\n#define %s_SCRATCH_OFFSET %zuu\n#define %s_SCRATCH_SIZE %zuu\n\n",
        N, o->arena > net ? "; the arena grew for it" : "; the arena did not grow for it", N,
        (int)dt->max_candidates, N, o->scratch_off, N, tfg_yolo_scratch_size(dt->max_candidates));
    if (o->frame_tiles)
        tfg_cg_put(o,
                   "/* Frame to boxes, streamed: %s_invoke_frame(frame, arena) runs the network with each\n"
                   " * tile converting its own region of the frame (halos included) into its input, so\n"
                   " * the input image never exists in SRAM; then %s_postprocess(). */\n",
                   n, n);
    else
        tfg_cg_put(o,
                   "/* Frame to boxes: %s_frame_to_input(frame, arena), %s_invoke(arena), then\n"
                   " * %s_postprocess(arena, boxes, max_boxes, stats). */\n",
                   n, n, n);
    tfg_cg_put(
        o,
        "/* %s_detect: frame: %s_FRAME_SIZE bytes as above\n"
        " * (read only; it may be in any memory). boxes: room for max_boxes boxes, best first, in\n"
        " * the model input's pixels (x0, y0, x1, y1; scale by frame size / input size per axis\n"
        " * for the frame's). Returns the number of boxes written (0..max_boxes), or a negative\n"
        " * tfg_status_t for a NULL frame, arena or boxes or a negative max_boxes. Truncation is\n"
        " * not an error: stats (may be NULL) says how many candidates passed the threshold\n"
        " * (`candidates`), how many the scratch held (`held`, the best ones), how many NMS kept\n"
        " * (`kept`) and wrote (`written`); held < candidates means %s_MAX_CANDIDATES was too\n"
        " * small, written < kept that max_boxes was. The boxes written are always the best\n"
        " * ones unlimited memory would give. The heads stay at %s_output_ptr(arena, i). */\n"
        "int32_t %s_detect(const uint8_t *frame, uint8_t *arena, tfg_yolo_box_t *boxes, int32_t max_boxes, "
        "tfg_yolo_stats_t *stats);\n",
        n, N, N, n, n);
    if (o->frame_tiles)
        tfg_cg_put(o,
                   "/* The network on the frame, read tile by tile in place; the heads are then at\n"
                   " * %s_output_ptr(arena, i). TFG_OK or TFG_ERR_ARG. */\n"
                   "tfg_status_t %s_invoke_frame(const uint8_t *frame, uint8_t *arena);\n",
                   n, n);
    else
        tfg_cg_put(
            o,
            "/* The frame into the arena's input (zero copy: no other buffer). TFG_OK or TFG_ERR_ARG. */\n"
            "tfg_status_t %s_frame_to_input(const uint8_t *frame, uint8_t *arena);\n",
            n);
    tfg_cg_put(o,
               "/* The heads left in the arena by the network to boxes, as %s_detect() returns them. */\n"
               "int32_t %s_postprocess(uint8_t *arena, tfg_yolo_box_t *boxes, int32_t max_boxes, "
               "tfg_yolo_stats_t *stats);\n\n",
               n, n);
}

void tfg_cg_emit_detect_tables(out_t *o)
{
    const tfg_codegen_detect_t *dt = o->det;
    const tfg_frame_params_t *f = &dt->frame;
    const tfg_yolo_params_t *y = dt->yolo;
    const char *n = o->n, *N = o->N;
    char name[128];
    tfg_cg_put(o, "/* ---- Camera frame to boxes: tables and parameters in flash (docs/detection.md) */\n");
    snprintf(name, sizeof name, "%s_frame_lut", n);
    tfg_cg_emit_i8(o, name, f->lut, (size_t)f->c * 256);
    tfg_cg_put(
        o,
        "static const tfg_frame_params_t %s_frame = {.format = %s, .fh = %d, .fw = %d, .frame_stride = "
        "%d, .h = %d, .w = %d, .c = %d, .lut = %s_frame_lut};\n",
        n, FORMAT_NAMES[f->format], (int)f->fh, (int)f->fw, (int)f->frame_stride, (int)f->h, (int)f->w,
        (int)f->c, n);
    for (int i = 0; i < y->n_heads; i++) {
        const tfg_yolo_head_t *h = &y->heads[i];
        tfg_cg_put(o, "/* head %d: model output %d, %dx%d cells of %g pixels, %d anchors */\n", i,
                   dt->output[i], (int)h->h, (int)h->w, (double)h->stride, (int)h->anchors);
        snprintf(name, sizeof name, "%s_head%d_anchors", n, i);
        emit_floats(o, name, h->anchor_wh, 2 * h->anchors);
        snprintf(name, sizeof name, "%s_head%d_sig", n, i);
        emit_floats(o, name, h->sig, 256);
        snprintf(name, sizeof name, "%s_head%d_exp", n, i);
        emit_floats(o, name, h->ex, 256);
    }
    tfg_cg_put(o, "static const tfg_yolo_head_t %s_heads[%d] = {\n", n, (int)y->n_heads);
    for (int i = 0; i < y->n_heads; i++) {
        const tfg_yolo_head_t *h = &y->heads[i];
        char st[48];
        flt(st, sizeof st, h->stride);
        tfg_cg_put(
            o,
            "    {.h = %d, .w = %d, .anchors = %d, .stride = %s, .anchor_wh = %s_head%d_anchors, .sig = "
            "%s_head%d_sig, .ex = %s_head%d_exp},\n",
            (int)h->h, (int)h->w, (int)h->anchors, st, n, i, n, i, n, i);
    }
    tfg_cg_put(o,
               "};\nstatic const tfg_yolo_params_t %s_yolo = {.heads = %s_heads, .n_heads = %d, .classes = "
               "%s_CLASSES, .score_threshold = %s_SCORE_THRESHOLD, .iou_threshold = %s_IOU_THRESHOLD};\n\n",
               n, n, (int)y->n_heads, N, N, N);
}

void tfg_cg_emit_detect_source(out_t *o)
{
    const tfg_codegen_detect_t *dt = o->det;
    const tfg_frame_params_t *f = &dt->frame;
    const tfg_yolo_params_t *y = dt->yolo;
    const char *n = o->n, *N = o->N;
    if (o->frame_tiles) /* the patch stage converts each tile's region of the frame (NAME_patch) */
        tfg_cg_put(o,
                   "tfg_status_t %s_invoke_frame(const uint8_t *frame, uint8_t *arena)\n{\n"
                   "    if (!frame || !arena) return TFG_ERR_ARG;\n"
                   "    %s_exec(arena, 0, frame, 0, 0);\n"
                   "    return TFG_OK;\n}\n\n",
                   n, n);
    else
        tfg_cg_put(
            o,
            "tfg_status_t %s_frame_to_input(const uint8_t *frame, uint8_t *arena)\n{\n"
            "    if (!frame || !arena) return TFG_ERR_ARG;\n"
            "    return (tfg_status_t)tfg_frame_to_input(&%s_frame, frame, 0, %d, 0, %d, (int8_t *)(arena + "
            "%s_INPUT0_OFFSET), %d);\n}\n\n",
            n, n, (int)f->h, (int)f->w, N, (int)(f->w * f->c));
    tfg_cg_put(o,
               "int32_t %s_postprocess(uint8_t *arena, tfg_yolo_box_t *boxes, int32_t max_boxes, "
               "tfg_yolo_stats_t *stats)\n{\n"
               "    const int8_t *heads[%d];\n"
               "    if (!arena) return TFG_ERR_ARG;\n",
               n, (int)y->n_heads);
    for (int i = 0; i < y->n_heads; i++)
        tfg_cg_put(o, "    heads[%d] = (const int8_t *)(arena + %s_OUTPUT%d_OFFSET);\n", i, N, dt->output[i]);
    tfg_cg_put(
        o,
        "    return tfg_yolo_detect(&%s_yolo, heads, arena + %s_SCRATCH_OFFSET, %s_SCRATCH_SIZE, boxes, "
        "max_boxes, stats);\n}\n\n",
        n, N, N);
    tfg_cg_put(o,
               "int32_t %s_detect(const uint8_t *frame, uint8_t *arena, tfg_yolo_box_t *boxes, int32_t "
               "max_boxes, tfg_yolo_stats_t *stats)\n{\n"
               "    if (!boxes || max_boxes < 0) return TFG_ERR_ARG;\n",
               n);
    if (o->frame_tiles)
        tfg_cg_put(o,
                   "    const tfg_status_t st = %s_invoke_frame(frame, arena);\n"
                   "    if (st != TFG_OK) return st;\n",
                   n);
    else
        tfg_cg_put(o,
                   "    const tfg_status_t st = %s_frame_to_input(frame, arena);\n"
                   "    if (st != TFG_OK) return st;\n"
                   "    %s_exec(arena, 0, 0);\n",
                   n, n);
    tfg_cg_put(o, "    return %s_postprocess(arena, boxes, max_boxes, stats);\n}\n\n", n);
}
