/* tinyforge eval: a model's accuracy on a dataset, computed by the engine.
 *
 * Every image goes through the same path a deployed model sees: the dataset
 * opener (src/data) converts it to the model's input size and channels, the
 * input convention (tfg_data_to_input) turns pixels into the input tensor's
 * bytes, and the host executor runs the int8 steps, layer by layer or with a
 * patch-based schedule (the same bytes either way, so the same predictions).
 * The prediction is the argmax of the output, the first index on ties. */
#define _POSIX_C_SOURCE 200809L /* isatty, fileno */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/dataset.h"
#include "train/eval.h"

static const char EVAL_HELP[] =
    "usage: tinyforge eval MODEL --data SPEC [--split test|train] [--limit N] [--json] [--quiet]\n"
    "                      [--threads N] [--show N]\n"
    "                      [--schedule S] [--sram LIMIT] [--max-overhead X] [--max-grid N]\n"
    "                      [--stream-input] [--int8-io] [--no-in-place]\n"
    "\n"
    "Runs MODEL over a dataset on the host, with the same int8 kernels that ship to the\n"
    "MCU, and prints the accuracy, the accuracy of each class and the confusion matrix\n"
    "(rows: the true class, columns: the predicted one). The prediction is the argmax of\n"
    "the model's output (the first index on ties), whatever its type.\n"
    "\n"
    "  --data SPEC     fashion-mnist (Debian's dataset-fashion-mnist, the ten named\n"
    "                  classes), a folder of IDX files (train-images-idx3-ubyte and\n"
    "                  train-labels-idx1-ubyte, t10k-... for test, each raw or .gz), or\n"
    "                  an image folder: one folder per class (the class names, sorted\n"
    "                  bytewise, give the labels 0, 1, ...) of PNG, JPEG, PGM or PPM\n"
    "                  files. An image folder with train/ and test/ (or val/) inside\n"
    "                  holds both splits; without them it is one set. Hidden files and\n"
    "                  files not named .png/.jpg/.jpeg/.pgm/.ppm/.pnm are skipped.\n"
    "  --split S       test (default) or train\n"
    "  --limit N       only the first N images of the split (an image folder: class by\n"
    "                  class); only those are decoded and resized\n"
    "  --json          one JSON object: accuracy, correct, total, per_class, confusion\n"
    "  --quiet         no progress line (it is shown only on a terminal anyway)\n"
    "  --threads N     images run on N threads, each with its own arena (default 2;\n"
    "                  the predictions do not depend on it)\n"
    "  --show N        draw the first N images as text with their class and the prediction\n"
    "\n"
    "The model's input shape (1 x H x W x C, C = 1 or 3) sets the image size: images\n"
    "are converted to C channels (grey to RGB repeats the value, RGB to grey is the\n"
    "BT.601 luma) and resized to H x W bilinearly with half-pixel centres (PyTorch's\n"
    "interpolate(mode=\"bilinear\", align_corners=False)). Its output must have one value\n"
    "per class of the dataset.\n"
    "\n"
    "Input convention: a pixel p in 0..255 is the real value p/255. A float input gets\n"
    "p/255; an int8 input with scale s and zero point z gets\n"
    "clamp(round(p/255/s) + z, -128, 127), rounding half away from zero as TFLite's\n"
    "QUANTIZE does (a uint8 input the same, clamped to 0..255). So a float-input model\n"
    "and the same model with --int8-io give the same predictions.\n"
    "\n"
    "--schedule runs a patch-based schedule (auto, or PhxPw@OP; see tinyforge plan)\n"
    "instead of layer by layer (the default); the outputs, hence the predictions, are\n"
    "the same bytes.\n";

typedef struct {
    bool on;
    int32_t total;
    double started, shown;
} progress_t;

static void show_progress(void *ctx, int32_t done, int32_t correct)
{
    progress_t *p = ctx;
    if (!p->on || cli_now() - p->started < 0.25) return;
    p->shown = cli_now();
    fprintf(stderr, "\reval: %d / %d images, accuracy so far %.2f%%   ", done, p->total,
            100.0 * (double)correct / (done ? done : 1));
}

/* The first n images as text (one character per pixel pair, by brightness),
 * with the true class and the prediction. */
static void show_images(const tfg_dataset_t *ds, const uint8_t *pred, int n)
{
    static const char ramp[] = " .:-=+*#%@";
    const int step = ds->w > 40 ? (ds->w + 39) / 40 : 1; /* at most 40 columns of pixels */
    for (int i = 0; i < n; i++) {
        const uint8_t *img = ds->images + (size_t)i * ds->h * ds->w * ds->c;
        const char *truth = ds->class_names ? ds->class_names[ds->labels[i]] : "";
        const char *guess = ds->class_names ? ds->class_names[pred[i]] : "";
        printf("\nimage %d: %s (class %d) -> predicted %s (class %d)%s\n", i, truth, ds->labels[i], guess,
               pred[i], pred[i] == ds->labels[i] ? "" : "   WRONG");
        for (int y = 0; y < ds->h; y += 2 * step) {
            printf("  ");
            for (int x = 0; x < ds->w; x += step) {
                int v = 0;
                for (int k = 0; k < ds->c; k++) v += img[((size_t)y * ds->w + (size_t)x) * ds->c + (size_t)k];
                putchar(ramp[v / ds->c * 10 / 256]);
            }
            putchar('\n');
        }
    }
}

static void print_json(const char *model, const char *data, const char *split, const char *sched,
                       const tfg_dataset_t *ds, int32_t total, const int64_t *conf, double secs)
{
    const int k = ds->classes;
    int64_t correct = 0;
    for (int i = 0; i < k; i++) correct += conf[i * k + i];
    printf("{\n  \"model\": ");
    cli_json_str(stdout, model);
    printf(",\n  \"data\": ");
    cli_json_str(stdout, data);
    printf(",\n  \"split\": ");
    cli_json_str(stdout, split);
    printf(",\n  \"schedule\": ");
    cli_json_str(stdout, sched);
    printf(",\n  \"input\": [%d, %d, %d],\n  \"skipped_files\": %d,\n", ds->h, ds->w, ds->c, ds->skipped);
    printf("  \"total\": %d,\n  \"correct\": %lld,\n  \"accuracy\": %.6f,\n  \"seconds\": %.3f,\n", total,
           (long long)correct, total ? (double)correct / total : 0.0, secs);
    printf("  \"classes\": [");
    for (int i = 0; i < k; i++) {
        cli_json_str(stdout, ds->class_names ? ds->class_names[i] : "");
        printf(i + 1 < k ? ", " : "");
    }
    printf("],\n  \"per_class\": [\n");
    for (int i = 0; i < k; i++) {
        int64_t n = 0;
        for (int j = 0; j < k; j++) n += conf[i * k + j];
        printf("    {\"class\": %d, \"name\": ", i);
        cli_json_str(stdout, ds->class_names ? ds->class_names[i] : "");
        printf(", \"total\": %lld, \"correct\": %lld, \"accuracy\": ", (long long)n,
               (long long)conf[i * k + i]);
        if (n)
            printf("%.6f}", (double)conf[i * k + i] / (double)n);
        else
            printf("null}");
        printf(i + 1 < k ? ",\n" : "\n");
    }
    printf("  ],\n  \"confusion\": [\n");
    for (int i = 0; i < k; i++) {
        printf("    [");
        for (int j = 0; j < k; j++) printf("%lld%s", (long long)conf[i * k + j], j + 1 < k ? ", " : "");
        printf("]%s\n", i + 1 < k ? "," : "");
    }
    printf("  ]\n}\n");
}

static void print_text(const char *model, const char *data, const char *split, const char *sched,
                       const tfg_dataset_t *ds, int32_t total, const int64_t *conf, double secs)
{
    const int k = ds->classes;
    int64_t correct = 0;
    for (int i = 0; i < k; i++) correct += conf[i * k + i];
    printf("%s on %s (%s split): %d images at %dx%dx%d, %s%s, %.2f s\n", model, data, split, total, ds->h,
           ds->w, ds->c, strcmp(sched, "layer") ? "schedule " : "",
           strcmp(sched, "layer") ? sched : "layer by layer", secs);
    if (ds->skipped)
        printf("  (%d file%s skipped: not named .png, .jpg, .jpeg, .pgm, .ppm or .pnm)\n", ds->skipped,
               ds->skipped == 1 ? "" : "s");
    printf("\naccuracy %.2f%% (%lld of %d)\n\n", total ? 100.0 * (double)correct / total : 0.0,
           (long long)correct, total);
    int namew = 5;
    for (int i = 0; i < k; i++)
        if (ds->class_names && (int)strlen(ds->class_names[i]) > namew)
            namew = (int)strlen(ds->class_names[i]);
    if (namew > 24) namew = 24;
    printf("%4s  %-*s %8s %8s %9s\n", "", namew, "class", "images", "correct", "accuracy");
    for (int i = 0; i < k; i++) {
        int64_t n = 0;
        for (int j = 0; j < k; j++) n += conf[i * k + j];
        char acc[16] = "-";
        if (n) snprintf(acc, sizeof acc, "%.1f%%", 100.0 * (double)conf[i * k + i] / (double)n);
        printf("%4d  %-*.*s %8lld %8lld %9s\n", i, namew, namew, ds->class_names ? ds->class_names[i] : "",
               (long long)n, (long long)conf[i * k + i], acc);
    }
    /* Column width: the largest count, at least the widest class index. */
    int64_t most = k;
    for (int i = 0; i < k * k; i++)
        if (conf[i] > most) most = conf[i];
    int cw = 1;
    for (int64_t v = most; v >= 10; v /= 10) cw++;
    printf("\nconfusion matrix (rows: true class, columns: predicted class)\n%4s ", "");
    for (int j = 0; j < k; j++) printf(" %*d", cw, j);
    printf("\n");
    for (int i = 0; i < k; i++) {
        printf("%4d ", i);
        for (int j = 0; j < k; j++) printf(" %*lld", cw, (long long)conf[i * k + j]);
        printf("\n");
    }
}

int cli_eval(int argc, char **argv)
{
    tfg_pass_opts_t o = {0};
    cli_sched_opts_t so = {.schedule = "layer"};
    const char *path = NULL, *data = NULL, *split = "test", *limit_arg = NULL, *threads_arg = NULL,
               *show_arg = NULL;
    bool json = false, quiet = false;
    const cli_opt_t opts[] = {
        {.name = "--data", .value = &data},       {.name = "--split", .value = &split},
        {.name = "--limit", .value = &limit_arg}, {.name = "--json", .flag = &json},
        {.name = "--quiet", .flag = &quiet},      {.name = "--threads", .value = &threads_arg},
        {.name = "--show", .value = &show_arg},   {.name = NULL}};
    const int r = cli_parse_args(argc, argv, "eval", EVAL_HELP, &o, &so, opts, &path);
    if (r >= 0) return r;
    if (!path || !data) {
        fprintf(stderr, "tinyforge: eval needs a MODEL and --data SPEC (e.g. --data fashion-mnist)\n\n%s",
                EVAL_HELP);
        return 2;
    }
    if (strcmp(split, "test") && strcmp(split, "train")) {
        fprintf(stderr, "tinyforge: --split is test or train, not '%s'\n", split);
        return 2;
    }
    long long limit = -1;
    if (limit_arg) {
        char *end;
        limit = strtoll(limit_arg, &end, 10);
        if (*end || !*limit_arg || limit < 1 || limit > INT32_MAX) {
            fprintf(stderr, "tinyforge: --limit takes a count of images from 1, not '%s'\n", limit_arg);
            return 2;
        }
    }
    int threads = 2, show = 0;
    for (int k = 0; k < 2; k++) {
        const char *v = k ? show_arg : threads_arg;
        if (!v) continue;
        char *end;
        const long x = strtol(v, &end, 10);
        if (*end || !*v || x < (k ? 0 : 1) || x > (k ? 1000000 : 256)) {
            fprintf(stderr, "tinyforge: %s takes a number from %d to %d, not '%s'\n",
                    k ? "--show" : "--threads", k ? 0 : 1, k ? 1000000 : 256, v);
            return 2;
        }
        *(k ? &show : &threads) = (int)x;
    }
    tfg_model_t m;
    if (cli_load(path, &o, &m)) return 1;
    int rc = 1;
    tfg_pool_t *pool = NULL;
    tfg_dataset_t ds = {0};
    tfg_sched_plan_t sp;
    memset(&sp, 0, sizeof sp);
    int64_t *conf = NULL;
    const tfg_graph_t *g = &m.graph;
    /* One image input 1 x H x W x C and one output of class scores. */
    if (g->n_inputs < 1 || g->n_outputs != 1) {
        fprintf(stderr,
                "tinyforge: error: %s: eval feeds one image and reads one output of class scores; the model "
                "has %d inputs and %d outputs\n",
                path, g->n_inputs, g->n_outputs);
        goto done;
    }
    const tfg_tensor_t *ti = &g->tensors[g->inputs[0]], *to = &g->tensors[g->outputs[0]];
    char shape[64];
    tfg_shape_str(ti, shape, sizeof shape);
    if (g->n_inputs != 1 || ti->rank != 4 || ti->dims[0] != 1 || (ti->dims[3] != 1 && ti->dims[3] != 3)) {
        fprintf(stderr,
                "tinyforge: error: %s: eval feeds one image input of 1 x H x W x C with C 1 or 3, not %s%s\n",
                path, shape, g->n_inputs > 1 ? " and more inputs" : "");
        goto done;
    }
    const int64_t n_out = tfg_tensor_elems(to);
    if (to->dtype != TFG_DT_INT8 && to->dtype != TFG_DT_UINT8 && to->dtype != TFG_DT_FLOAT32 &&
        to->dtype != TFG_DT_INT16 && to->dtype != TFG_DT_INT32) {
        fprintf(stderr,
                "tinyforge: error: %s: the output is %s; eval takes int8, uint8, int16, int32 or float32\n",
                path, tfg_dtype_name(to->dtype));
        goto done;
    }
    tfg_diag_t d = {{0}};
    const double t_open = cli_now();
    if (tfg_data_open_n(data, split, ti->dims[1], ti->dims[2], ti->dims[3], limit > 0 ? (int32_t)limit : 0,
                        &ds, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        goto done;
    }
    if (n_out != ds.classes) {
        char oshape[64];
        tfg_shape_str(to, oshape, sizeof oshape);
        fprintf(
            stderr,
            "tinyforge: error: %s has %lld outputs (%s) but %s has %d classes: the model was not made for "
            "this dataset\n",
            path, (long long)n_out, oshape, data, ds.classes);
        goto done;
    }
    if (!quiet && !json && isatty(fileno(stderr)))
        fprintf(stderr, "tinyforge: %s: %d images read in %.2f s\n", data, ds.n, cli_now() - t_open);
    bool patched = false;
    if (cli_schedule_plan(&m, &so, &sp, &patched)) goto done;
    char sched[64] = "layer";
    if (patched)
        snprintf(sched, sizeof sched, "%dx%d@%d%s", sp.cost.ph, sp.cost.pw,
                 g->ops[m.prog.steps[sp.cost.split].op].model_index, sp.streamed ? " streamed" : "");
    pool = tfg_pool_create(threads);
    if (!pool) {
        fprintf(stderr, "tinyforge: error: out of memory\n");
        goto done;
    }
    const int32_t total = ds.n; /* the opener kept the first --limit */
    progress_t pr = {!quiet && isatty(fileno(stderr)), total, cli_now(), 0};
    const double t0 = cli_now();
    tfg_eval_t ev;
    if (tfg_eval_model(&m, patched ? &sp : NULL, &ds, total, pool, show_progress, &pr, &ev, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s: %s\n", path, d.msg);
        goto done;
    }
    if (pr.on && pr.shown > 0) fprintf(stderr, "\r%60s\r", "");
    conf = ev.confusion;
    ev.confusion = NULL;
    const double secs = cli_now() - t0;
    if (json)
        print_json(path, data, split, sched, &ds, total, conf, secs);
    else
        print_text(path, data, split, sched, &ds, total, conf, secs);
    if (show > 0 && !json) show_images(&ds, ev.pred, show < total ? show : total);
    tfg_eval_free(&ev);
    rc = 0;
done:
    free(conf);
    tfg_pool_destroy(pool);
    tfg_sched_plan_free(&sp);
    tfg_dataset_free(&ds);
    tfg_model_free(&m);
    return rc;
}
