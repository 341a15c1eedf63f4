/* tinyforge detect and tinyforge classify: a model on photographs, on the
 * host, through the same int8 kernels and YOLO decoder that ship to the MCU.
 *
 * Each image is decoded (PNG, JPEG, PGM/PPM), prepared by the library
 * (tfg_image_to_input: channels, bilinear resize to the input size, pixels
 * mapped to --range and quantized by the runtime's QUANTIZE kernel), and run
 * by the host executor with int8 I/O (the float QUANTIZE/DEQUANTIZE at the
 * edges stripped, as on the MCU). detect decodes the int8 heads with
 * tfg_yolo_detect; classify dequantizes the int8 output. A bad image is
 * reported with its name and the next one runs; the exit status says
 * whether any failed. */
#define _POSIX_C_SOURCE 200809L /* mkdir */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "data/dataset.h"
#include "data/image.h"
#include "detect/frame_prepare.h"
#include "detect/yolo_prepare.h"
#include "model/model.h"
#include "tinyforge/frame.h"
#include "tinyforge/yolo.h"

#define MAX_FILES 4096
#define MAX_LABELS CLI_YOLO_MAX_CLASSES

static const char DETECT_HELP[] =
    "usage: tinyforge detect MODEL IMAGE... [-o DIR] [--json] [--score S] [--iou T]\n"
    "                        [--anchors A] [--classes N] [--labels L] [--range LO,HI]\n"
    "                        [--frame-path]\n"
    "\n"
    "Runs a YOLOv3-style detector on each IMAGE (PNG, JPEG, PGM or PPM) on the host, with\n"
    "the int8 kernels and the YOLO decoder that ship to the MCU, and prints the boxes\n"
    "after non-maximum suppression, best first: one line per box with the class, the\n"
    "score and x0 y0 x1 y1 in the image's pixels (the model's boxes scaled by the\n"
    "image-to-input size ratio per axis, then clipped to the image).\n"
    "\n"
    "  -o DIR          also write DIR/<image name>.png: the image with the boxes drawn\n"
    "                  (a colour per class; DIR is created if missing; images with the\n"
    "                  same name overwrite each other)\n"
    "  --json          a JSON list, one object per image: {\"image\", \"width\", \"height\",\n"
    "                  \"boxes\": [{\"score\", \"class\", \"x0\", \"y0\", \"x1\", \"y1\"}]}, class\n"
    "                  being the label (see --labels); a failed image has \"error\" instead\n"
    "  --score S       keep boxes with score >= S (default 0.3, MCUNet's demo)\n"
    "  --iou T         NMS: drop a box whose IoU with a better box of its class is > T\n"
    "                  (default 0.45)\n"
    "  --anchors A     anchor (width, height) pairs in input pixels, comma-separated, one\n"
    "                  group per head separated by '/', the largest anchors first. Heads\n"
    "                  are the model's outputs ordered by grid size, smallest grid (largest\n"
    "                  stride) first: group 1 goes to the smallest grid. Default, MCUNet's\n"
    "                  person detector (grids 4x5, 8x10, 16x20 on 128x160):\n"
    "                  116,90,156,198,373,326/30,61,62,45,59,119/10,13,16,30,33,23\n"
    "  --classes N     classes per anchor (default 1); each head must have\n"
    "                  anchors x (5 + N) channels: tx, ty, tw, th, objectness, N logits\n"
    "  --labels L      comma-separated class names (default: person for one class, else\n"
    "                  the class index)\n"
    "  --range LO,HI   pixel p (0..255) becomes LO + p (HI - LO) / 255 before the model's\n"
    "                  input quantization (default -1,1: MCUNet's detector takes RGB in\n"
    "                  [-1, 1])\n"
    "  --frame-path    prepare each image as the code of `compile --postprocess yolo` does:\n"
    "                  as an RGB888 camera frame of the image's size, converted by the\n"
    "                  runtime's fixed-point camera input (tfg_frame_to_input; within one\n"
    "                  8-bit step of the default resize). The boxes are then bit for bit\n"
    "                  those of <NAME>_detect on that frame; --json adds each box's\n"
    "                  \"input_box_bits\": class and x0 y0 x1 y1 score in input pixels as\n"
    "                  IEEE bits in hex\n"
    "\n"
    "Images are converted to the input's channels (grey repeated to RGB, RGB to grey by\n"
    "BT.601 luma) and resized to its H x W bilinearly with half-pixel centres. An image\n"
    "that cannot be read is reported and skipped; the exit status is then 1.\n"
    "\n"
    "Example (the face-mask variant has two classes):\n"
    "  tinyforge detect tinyengine_detection.tflite photo.jpg -o boxes/\n"
    "  tinyforge detect mask.tflite a.png --classes 2 --labels mask,no-mask --score 0.5\n";

static const char CLASSIFY_HELP[] =
    "usage: tinyforge classify MODEL IMAGE... [--json] [--labels L] [--range LO,HI]\n"
    "\n"
    "Runs an image classifier (e.g. a visual-wake-words model) on each IMAGE (PNG, JPEG,\n"
    "PGM or PPM) on the host with the int8 kernels that ship to the MCU, and prints one\n"
    "line per image: the best class, its score and all scores.\n"
    "\n"
    "  --json          a JSON list, one object per image: {\"image\", \"class\", \"index\",\n"
    "                  \"score\", \"scores\", \"scores_are\"}; a failed image has \"error\"\n"
    "  --labels L      comma-separated class names, in output order. Default: the class\n"
    "                  index, except for the visual-wake-words models tflm_person_detect\n"
    "                  (person_detect), mlperf_vww_96_int8 (vww_96_int8) and tinyengine_vww\n"
    "                  (mcunet-vww1): no-person,person (docs/detection.md says why)\n"
    "  --range LO,HI   pixel p (0..255) becomes LO + p (HI - LO) / 255 before the model's\n"
    "                  input quantization. Default: the real range of the int8 input,\n"
    "                  s (-128 - z) .. s (127 - z), rounded to integers when within 0.02:\n"
    "                  [-1, 1] for tflm_person_detect and tinyengine_vww, [0, 1] for\n"
    "                  mlperf_vww_96_int8 (so -128..127 spans the pixel range); [0, 1] for a\n"
    "                  float input\n"
    "\n"
    "Scores: a SOFTMAX output is dequantized (probabilities); other outputs are logits,\n"
    "and the score is their softmax (\"scores_are\": \"softmax of logits\"). Images are\n"
    "converted to the input's channels (RGB to grey by BT.601 luma) and resized to its\n"
    "H x W bilinearly with half-pixel centres. An image that cannot be read is reported\n"
    "and skipped; the exit status is then 1.\n"
    "\n"
    "Example:\n"
    "  tinyforge classify tflm_person_detect.tflite photo.jpg\n";

/* "a,b,c" into at most max items (the string is copied into buf); -1 when
 * there are more or one is empty. */
static int split_labels(const char *s, char *buf, size_t n, const char **out, int max)
{
    snprintf(buf, n, "%s", s);
    int k = 0;
    for (char *p = buf;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = 0;
        if (!*p || k >= max) return -1;
        out[k++] = p;
        if (!comma) break;
        p = comma + 1;
    }
    return k;
}

/* The common part: load, then for each image prepare and run; `each` gets
 * the outputs (int8 as the runtime leaves them). */
typedef struct {
    const tfg_model_t *m;
    uint8_t *arena, *in, *out;
    size_t *out_off; /* byte offset of each output in out */
    bool frame_path; /* prepare images as the generated detector does (tfg_frame_to_input) */
} runner_t;

static int runner_init(runner_t *r, const tfg_model_t *m)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->arena = calloc(m->plan.peak + 1, 1);
    r->in = malloc(tfg_model_input_bytes(m) + 1);
    r->out = malloc(tfg_model_output_bytes(m) + 1);
    r->out_off = calloc((size_t)m->graph.n_outputs + 1, sizeof *r->out_off);
    if (!r->arena || !r->in || !r->out || !r->out_off) return -1;
    for (int i = 1; i <= m->graph.n_outputs; i++)
        r->out_off[i] = r->out_off[i - 1] + tfg_tensor_bytes(&m->graph.tensors[m->graph.outputs[i - 1]]);
    return 0;
}

static void runner_free(runner_t *r)
{
    free(r->arena), free(r->in), free(r->out), free(r->out_off);
}

/* Loads path as 3 channels (for drawing; the model's own channels come
 * from tfg_image_to_input) and runs the model; 0 on success, else the
 * message is in d. */
static int run_image(runner_t *r, const char *path, float lo, float hi, tfg_image_t *img, tfg_diag_t *d)
{
    if (tfg_image_load(path, 3, img, d) < 0) return -1;
    const tfg_tensor_t *t = &r->m->graph.tensors[r->m->graph.inputs[0]];
    if (r->frame_path) {
        /* The image as an RGB888 camera frame of its own size, converted by
         * the runtime's camera input: what <NAME>_detect computes from it. */
        tfg_frame_params_t fp;
        int8_t lut[3 * 256];
        if (tfg_frame_setup(t, TFG_FRAME_RGB888, img->w, img->h, lo, hi, &fp, lut, d) < 0 ||
            tfg_frame_to_input(&fp, img->pixels, 0, fp.h, 0, fp.w, (int8_t *)r->in, fp.w * fp.c) != TFG_OK) {
            if (!d->msg[0]) tfg_diag_set(d, TFG_ERR_INVALID, "%s: camera input refused the image", path);
            tfg_image_free(img);
            return -1;
        }
    } else if (tfg_image_to_input(img, t, lo, hi, r->in, d) < 0) {
        return -1;
    }
    tfg_model_set_inputs(r->m, r->arena, r->in);
    tfg_model_invoke(r->m, r->arena);
    tfg_model_get_outputs(r->m, r->arena, r->out);
    return 0;
}

static int check_image_input(const tfg_model_t *m, const char *path)
{
    const tfg_tensor_t *t = m->graph.n_inputs == 1 ? &m->graph.tensors[m->graph.inputs[0]] : NULL;
    if (!t || t->rank != 4 || t->dims[0] != 1 || (t->dims[3] != 1 && t->dims[3] != 3)) {
        fprintf(stderr, "tinyforge: error: %s: needs one image input [1, H, W, 1 or 3]\n", path);
        return -1;
    }
    return 0;
}

static void json_error(bool *first, const char *image, const char *msg)
{
    printf("%s\n  {\"image\": ", *first ? "" : ",");
    cli_json_str(stdout, image);
    printf(", \"error\": ");
    cli_json_str(stdout, msg);
    printf("}");
    *first = false;
}

/* Runs one image; on failure names it on stderr (and in the JSON list),
 * frees it and returns -1, so the caller goes on with the next image. */
static int run_or_report(runner_t *r, const char *path, float lo, float hi, bool json, bool *first,
                         tfg_image_t *img, tfg_diag_t *d)
{
    if (run_image(r, path, lo, hi, img, d) == 0) return 0;
    fprintf(stderr, "tinyforge: error: %s\n", d->msg);
    if (json) json_error(first, path, d->msg);
    tfg_image_free(img);
    return -1;
}

/* ---- detect -------------------------------------------------------------- */

static const uint8_t PALETTE[8][3] = {{255, 40, 40}, {40, 220, 40}, {40, 120, 255}, {255, 200, 0},
                                      {255, 0, 255}, {0, 230, 230}, {255, 128, 0},  {255, 255, 255}};

/* Outline of the pixels [x0, x1) x [y0, y1), t pixels thick, inward. */
static void draw_rect(tfg_image_t *img, int x0, int y0, int x1, int y1, int t, const uint8_t rgb[3])
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            if (x >= x0 + t && x < x1 - t && y >= y0 + t && y < y1 - t) continue;
            memcpy(img->pixels + ((size_t)y * (size_t)img->w + (size_t)x) * 3, rgb, 3);
        }
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int write_drawing(const char *dir, const char *path, tfg_image_t *img, const tfg_yolo_box_t *b, int n)
{
    const int t = (img->w < img->h ? img->w : img->h) >= 400 ? 3 : 2;
    for (int i = n - 1; i >= 0; i--) /* the best box drawn last, on top */
        draw_rect(img, (int)floorf(b[i].x0), (int)floorf(b[i].y0), (int)ceilf(b[i].x1), (int)ceilf(b[i].y1),
                  t, PALETTE[b[i].cls % 8]);
    const char *name = base_name(path);
    const char *dot = strrchr(name, '.');
    const int len = dot && dot != name ? (int)(dot - name) : (int)strlen(name);
    char out[4096];
    snprintf(out, sizeof out, "%s/%.*s.png", dir, len, name);
    tfg_diag_t d = {{0}};
    if (tfg_image_save_png(out, img, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return -1;
    }
    return 0;
}

int cli_detect(int argc, char **argv)
{
    const char *out_dir = NULL, *labels_s = NULL;
    bool json = false, frame_path = false;
    cli_yolo_opts_t yo = {0};
    cli_opt_t opts[10] = {{"-o", &out_dir, NULL},
                          {"--labels", &labels_s, NULL},
                          {"--json", NULL, &json},
                          {"--frame-path", NULL, &frame_path}};
    cli_yolo_opt_list(&yo, opts + 4); /* opts[9] stays {NULL}: the end */
    tfg_pass_opts_t o = {0};
    static const char *pos[MAX_FILES + 1];
    int n_pos = 0;
    const int rc =
        cli_parse_args_list(argc, argv, "detect", DETECT_HELP, &o, NULL, opts, pos, MAX_FILES + 1, &n_pos);
    if (rc >= 0) return rc;
    if (n_pos < 2) {
        fprintf(stderr,
                "tinyforge: detect needs a model and at least one image (see tinyforge detect --help)\n");
        return 2;
    }
    if (cli_yolo_resolve(&yo)) return 2;
    const float score = yo.score, iou = yo.iou, lo = yo.lo, hi = yo.hi;
    const int groups = yo.groups, per = yo.per, classes = yo.classes;
    char label_buf[4096];
    const char *labels[MAX_LABELS] = {"person"};
    int n_labels = classes == 1 ? 1 : 0;
    if (labels_s &&
        (n_labels = split_labels(labels_s, label_buf, sizeof label_buf, labels, MAX_LABELS)) != classes) {
        fprintf(stderr, "tinyforge: --labels gives %d names for %d classes (comma-separated, none empty)\n",
                n_labels < 0 ? 0 : n_labels, classes);
        return 2;
    }
    if (out_dir && mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "tinyforge: error: %s: cannot create the directory: %s\n", out_dir, strerror(errno));
        return 1;
    }

    const char *model_path = pos[0];
    o.int8_io = true; /* the int8 heads the decoder reads on the MCU */
    tfg_model_t m;
    if (cli_load(model_path, &o, &m)) return 1;
    tfg_yolo_setup_t *y = malloc(sizeof *y);
    tfg_diag_t d = {{0}};
    if (!y || check_image_input(&m, model_path) < 0) {
        free(y);
        tfg_model_free(&m);
        return 1;
    }
    if (cli_yolo_setup(&m, model_path, &yo, y) < 0) {
        free(y);
        tfg_model_free(&m);
        return 1;
    }
    /* Room for every (cell, anchor, class) triple: nothing is truncated. */
    int64_t triples = 0;
    for (int i = 0; i < groups; i++) triples += (int64_t)y->heads[i].h * y->heads[i].w * per * classes;
    runner_t r;
    const int32_t max_cand = (int32_t)(triples < (1 << 22) ? triples : (1 << 22));
    void *scratch = malloc(tfg_yolo_scratch_size(max_cand) + 4);
    tfg_yolo_box_t *boxes = malloc(sizeof *boxes * (size_t)(max_cand + 1));
    int failed = 0;
    const int init = runner_init(&r, &m);
    r.frame_path = frame_path;
    if (init < 0 || !scratch || !boxes) {
        fprintf(stderr, "tinyforge: error: out of memory\n");
        failed = 1;
    }
    const tfg_tensor_t *in = &m.graph.tensors[m.graph.inputs[0]];
    bool first = true;
    if (json && !failed) printf("[");
    for (int k = 1; k < n_pos && !(failed && !r.arena); k++) {
        const char *path = pos[k];
        tfg_image_t img = {0};
        if (run_or_report(&r, path, lo, hi, json, &first, &img, &d) < 0) {
            failed = 1;
            continue;
        }
        const int8_t *heads[TFG_YOLO_MAX_HEADS];
        for (int i = 0; i < groups; i++) heads[i] = (const int8_t *)r.out + r.out_off[y->output[i]];
        tfg_yolo_stats_t st;
        const int32_t n =
            tfg_yolo_detect(&y->p, heads, scratch, tfg_yolo_scratch_size(max_cand), boxes, max_cand, &st);
        /* The boxes as the decoder wrote them (input pixels), for --frame-path's
         * bit-for-bit comparison with the generated detector. */
        tfg_yolo_box_t *raw = frame_path && n > 0 ? malloc(sizeof *raw * (size_t)n) : NULL;
        if (raw) memcpy(raw, boxes, sizeof *raw * (size_t)n);
        /* Input pixels to image pixels: the resize's scale per axis. */
        const float sx = (float)img.w / (float)in->dims[2], sy = (float)img.h / (float)in->dims[1];
        for (int i = 0; i < n; i++) {
            tfg_yolo_box_t *b = &boxes[i];
            b->x0 = fminf(fmaxf(b->x0 * sx, 0.0f), (float)img.w),
            b->x1 = fminf(fmaxf(b->x1 * sx, 0.0f), (float)img.w);
            b->y0 = fminf(fmaxf(b->y0 * sy, 0.0f), (float)img.h),
            b->y1 = fminf(fmaxf(b->y1 * sy, 0.0f), (float)img.h);
        }
        if (json) {
            printf("%s\n  {\"image\": ", first ? "" : ",");
            cli_json_str(stdout, path);
            printf(", \"width\": %d, \"height\": %d, \"boxes\": [", img.w, img.h);
            for (int i = 0; i < n; i++) {
                printf("%s\n    {\"score\": %.6f, \"class\": ", i ? "," : "", (double)boxes[i].score);
                cli_json_str(stdout, boxes[i].cls < n_labels ? labels[boxes[i].cls] : "?");
                printf(", \"x0\": %.2f, \"y0\": %.2f, \"x1\": %.2f, \"y1\": %.2f", (double)boxes[i].x0,
                       (double)boxes[i].y0, (double)boxes[i].x1, (double)boxes[i].y1);
                if (raw) {
                    char bits[96];
                    tfg_yolo_box_bits(&raw[i], bits, sizeof bits);
                    printf(", \"input_box_bits\": \"%s\"", bits);
                }
                printf("}");
            }
            printf(n ? "\n  ]}" : "]}");
            first = false;
        } else {
            printf("%s (%dx%d): %d box%s at score >= %g, NMS IoU %g\n", path, img.w, img.h, n,
                   n == 1 ? "" : "es", (double)score, (double)iou);
            for (int i = 0; i < n; i++) {
                char idx[16];
                snprintf(idx, sizeof idx, "%d", boxes[i].cls);
                printf("  %-10s %.3f  %7.1f %7.1f %7.1f %7.1f\n",
                       boxes[i].cls < n_labels ? labels[boxes[i].cls] : idx, (double)boxes[i].score,
                       (double)boxes[i].x0, (double)boxes[i].y0, (double)boxes[i].x1, (double)boxes[i].y1);
            }
        }
        free(raw);
        if (out_dir && write_drawing(out_dir, path, &img, boxes, n) < 0) failed = 1;
        tfg_image_free(&img);
    }
    if (json && r.arena) printf("\n]\n");
    runner_free(&r);
    free(scratch);
    free(boxes);
    free(y);
    tfg_model_free(&m);
    return failed;
}

/* ---- classify ------------------------------------------------------------ */

/* Labels known for a model file. The three visual-wake-words models share
 * one order, index 0 no person and 1 person:
 *  - TFLM's person detector: its documentation (../shared/models/MODELS.md);
 *  - MLPerf Tiny's VWW: trained from the folders non_person and person, which
 *    Keras numbers in sorted order;
 *  - MCUNet's mcunet-vww1 (tinyengine_vww): no file states it; on the two
 *    real 96x96 test images of TFLM's person detector it gives index 1 0.981
 *    on the person and index 0 0.924 on the other (docs/detection.md), and so
 *    does MLPerf's model (0.871, 0.883). */
static int known_labels(const char *path, const char **labels)
{
    static const char *const vww[] = {"tflm_person_detect.tflite", "person_detect.tflite",
                                      "mlperf_vww_96_int8.tflite", "vww_96_int8.tflite",
                                      "tinyengine_vww.tflite",     "mcunet-vww1.tflite"};
    const char *b = base_name(path);
    for (size_t i = 0; i < sizeof vww / sizeof vww[0]; i++)
        if (!strcmp(b, vww[i])) {
            labels[0] = "no-person", labels[1] = "person";
            return 2;
        }
    return 0;
}

/* A pixel range from the input quantization: the reals that -128..127 (0..255
 * for uint8) stand for, so that the pixel range spans the integer range. */
static void default_range(const tfg_tensor_t *t, float *lo, float *hi)
{
    *lo = 0.0f, *hi = 1.0f;
    if (t->dtype == TFG_DT_FLOAT32 || t->n_q != 1) return;
    const int32_t qmin = t->dtype == TFG_DT_UINT8 ? 0 : -128;
    const double a = (double)t->scale[0] * (qmin - t->zero_point[0]);
    const double b = (double)t->scale[0] * (qmin + 255 - t->zero_point[0]);
    *lo = (float)(fabs(a - round(a)) <= 0.02 ? round(a) : a);
    *hi = (float)(fabs(b - round(b)) <= 0.02 ? round(b) : b);
}

int cli_classify(int argc, char **argv)
{
    const char *labels_s = NULL, *range_s = NULL;
    bool json = false;
    const cli_opt_t opts[] = {{"--labels", &labels_s, NULL},
                              {"--range", &range_s, NULL},
                              {"--json", NULL, &json},
                              {NULL, NULL, NULL}};
    tfg_pass_opts_t o = {0};
    static const char *pos[MAX_FILES + 1];
    int n_pos = 0;
    const int rc = cli_parse_args_list(argc, argv, "classify", CLASSIFY_HELP, &o, NULL, opts, pos,
                                       MAX_FILES + 1, &n_pos);
    if (rc >= 0) return rc;
    if (n_pos < 2) {
        fprintf(stderr,
                "tinyforge: classify needs a model and at least one image (see tinyforge classify --help)\n");
        return 2;
    }
    float lo = 0, hi = 1;
    if (range_s && cli_parse_range(range_s, &lo, &hi) < 0) {
        fprintf(stderr, "tinyforge: bad --range '%s': two numbers LO,HI with LO < HI\n", range_s);
        return 2;
    }
    char label_buf[4096];
    const char *labels[MAX_LABELS];
    int n_labels = 0;
    if (labels_s &&
        (n_labels = split_labels(labels_s, label_buf, sizeof label_buf, labels, MAX_LABELS)) < 0) {
        fprintf(stderr, "tinyforge: bad --labels '%s': comma-separated names, none empty, at most %d\n",
                labels_s, MAX_LABELS);
        return 2;
    }
    const char *model_path = pos[0];
    if (!labels_s) n_labels = known_labels(model_path, labels);
    o.int8_io = true;
    tfg_model_t m;
    if (cli_load(model_path, &o, &m)) return 1;
    if (check_image_input(&m, model_path) < 0) {
        tfg_model_free(&m);
        return 1;
    }
    const tfg_tensor_t *in = &m.graph.tensors[m.graph.inputs[0]];
    const tfg_tensor_t *ot = &m.graph.tensors[m.graph.outputs[0]];
    int64_t n_cls = 1;
    for (int i = 0; i < ot->rank; i++) n_cls *= ot->dims[i];
    if (m.graph.n_outputs != 1 || (ot->dtype != TFG_DT_INT8 && ot->dtype != TFG_DT_FLOAT32) ||
        (ot->dtype == TFG_DT_INT8 && ot->n_q != 1) || n_cls < 1 || n_cls > 1 << 20) {
        fprintf(stderr,
                "tinyforge: error: %s: a classifier has one output of class scores (int8 with one scale, or "
                "float32); this model has %d outputs, the first %s\n",
                model_path, m.graph.n_outputs, tfg_dtype_name(ot->dtype));
        tfg_model_free(&m);
        return 1;
    }
    if (labels_s && n_labels != n_cls) {
        fprintf(stderr, "tinyforge: error: --labels gives %d names; %s has %lld classes\n", n_labels,
                model_path, (long long)n_cls);
        tfg_model_free(&m);
        return 1;
    }
    if (n_labels != n_cls) n_labels = 0;
    if (!range_s) default_range(in, &lo, &hi);
    /* The output's producer says what its numbers are. */
    bool softmax = false;
    for (int i = 0; i < m.graph.n_ops; i++)
        if (!m.graph.ops[i].dead && m.graph.ops[i].out[0] == m.graph.outputs[0])
            softmax = m.graph.ops[i].type == TFG_OP_SOFTMAX;
    const char *kind = softmax ? "softmax output" : "softmax of logits";
    runner_t r;
    double *p = malloc(sizeof *p * (size_t)n_cls);
    int failed = 0;
    if (runner_init(&r, &m) < 0 || !p) {
        fprintf(stderr, "tinyforge: error: out of memory\n");
        runner_free(&r);
        free(p);
        tfg_model_free(&m);
        return 1;
    }
    bool first = true;
    if (json) printf("[");
    for (int k = 1; k < n_pos; k++) {
        const char *path = pos[k];
        tfg_image_t img = {0};
        tfg_diag_t d = {{0}};
        if (run_or_report(&r, path, lo, hi, json, &first, &img, &d) < 0) {
            failed = 1;
            continue;
        }
        tfg_image_free(&img);
        double mx = -INFINITY, sum = 0;
        for (int64_t i = 0; i < n_cls; i++) {
            float f;
            if (ot->dtype == TFG_DT_FLOAT32)
                memcpy(&f, r.out + 4 * i, 4);
            else
                f = ot->scale[0] * (float)((int8_t)r.out[i] - ot->zero_point[0]);
            p[i] = f;
            mx = fmax(mx, p[i]);
        }
        int64_t best = 0;
        for (int64_t i = 0; i < n_cls; i++) {
            if (!softmax) sum += (p[i] = exp(p[i] - mx));
            if (p[i] > p[best]) best = i;
        }
        if (!softmax)
            for (int64_t i = 0; i < n_cls; i++) p[i] /= sum;
        char idx[24];
        snprintf(idx, sizeof idx, "%lld", (long long)best);
        const char *label = n_labels ? labels[best] : idx;
        if (json) {
            printf("%s\n  {\"image\": ", first ? "" : ",");
            cli_json_str(stdout, path);
            printf(", \"class\": ");
            cli_json_str(stdout, label);
            printf(", \"index\": %lld, \"score\": %.6f, \"scores\": [", (long long)best, p[best]);
            for (int64_t i = 0; i < n_cls; i++) printf("%s%.6f", i ? ", " : "", p[i]);
            printf("], \"scores_are\": \"%s\"}", kind);
            first = false;
        } else {
            printf("%s: %s %.3f  (", path, label, p[best]);
            for (int64_t i = 0; i < n_cls && i < 10; i++) {
                if (n_labels)
                    printf("%s%s %.3f", i ? ", " : "", labels[i], p[i]);
                else
                    printf("%s%lld %.3f", i ? ", " : "", (long long)i, p[i]);
            }
            printf("%s; %s)\n", n_cls > 10 ? ", ..." : "", kind);
        }
    }
    if (json) printf("\n]\n");
    runner_free(&r);
    free(p);
    tfg_model_free(&m);
    return failed;
}
