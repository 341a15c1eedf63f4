/* tinyforge eval (src/cli/eval.c) against an independent per-image run.
 *
 * usage: test_eval path/to/tinyforge SOURCE_DIR
 *
 *  - fm-mbv2-tiny (../shared/archs, 28x28x1, int8 input, synthetic weights):
 *    the first 300 Fashion-MNIST test images are quantized here from the
 *    IDX pixels by TFLite's QUANTIZE rule, run one by one through the host
 *    executor, and the argmax taken here; eval --json must give the same
 *    total, correct, per-class counts and confusion matrix, layer by layer
 *    and with --schedule auto (a patched schedule).
 *  - The same model over an image folder of ten classes (PGM and PNG copies
 *    of Fashion-MNIST images written here): the same predictions as those
 *    images give above.
 *  - resnet8-cifar (zoo, 32x32x3): Fashion-MNIST converted by the opener
 *    (grey replicated, resized) equals the images converted here by
 *    tfg_image_resize, run one by one.
 *  - tinyengine_vww (../shared/models: float32 input and output): eval and
 *    eval --int8-io give the same confusion matrix (the input convention
 *    quantizes exactly as the model's own QUANTIZE does).
 *  - Usage errors: no --data, a bad --split or --limit, a class-count
 *    mismatch, a missing dataset, a model without an image input. */
#define _POSIX_C_SOURCE 200809L /* popen, mkdtemp */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/dataset.h"
#include "data/image.h"
#include "exec/exec.h"
#include "tfg_test.h"

static const char *cli, *src;
static char tmp[256];
static char out[1 << 20];

/* Runs `tinyforge ARGS` (stderr into the same buffer unless json_only);
 * returns the exit status. */
static int run_cli(const char *args, int json_only)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s %s", cli, args, json_only ? "2>/dev/null" : "2>&1");
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    const size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    const int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

typedef struct {
    int k, total;
    int64_t conf[16 * 16];
} result_t;

static int argmax(const uint8_t *p, int n, tfg_dtype_t t)
{
    int best = 0;
    for (int i = 1; i < n; i++) {
        if (t == TFG_DT_FLOAT32) {
            float a, b;
            memcpy(&a, p + 4 * i, 4), memcpy(&b, p + 4 * best, 4);
            if (a > b) best = i;
        } else if (t == TFG_DT_INT8 ? (int8_t)p[i] > (int8_t)p[best] : p[i] > p[best]) {
            best = i;
        }
    }
    return best;
}

/* Runs images [n][h][w][c] through the model one at a time; the input is
 * quantized here: float p/255, or round-half-away(p/255/s) + z clamped. */
static void reference(const char *model, const uint8_t *images, const uint8_t *labels, int n, int k,
                      result_t *r, int *pred)
{
    tfg_model_t m;
    tfg_diag_t d = {{0}};
    tfg_pass_opts_t o = {0};
    memset(r, 0, sizeof *r);
    r->k = k, r->total = n;
    if (tfg_model_load(model, &o, &m, &d) < 0) {
        TT_LOG("%s: %s\n", model, d.msg);
        TT_CHECK(0);
        return;
    }
    const tfg_tensor_t *ti = &m.graph.tensors[m.graph.inputs[0]], *to = &m.graph.tensors[m.graph.outputs[0]];
    const size_t px = (size_t)ti->dims[1] * ti->dims[2] * ti->dims[3];
    uint8_t *arena = calloc(m.plan.peak + 1, 1), *in = malloc(px * 4), *o_buf = malloc(4096);
    for (int i = 0; i < n; i++) {
        for (size_t j = 0; j < px; j++) {
            const float x = (float)images[i * px + j] / 255.0f;
            if (ti->dtype == TFG_DT_FLOAT32) {
                memcpy(in + 4 * j, &x, 4);
            } else {
                const float q = roundf(x / ti->scale[0]); /* half away from zero, as TfLiteRound */
                int v = (int)q + ti->zero_point[0];
                v = v < -128 ? -128 : v > 127 ? 127 : v;
                in[j] = (uint8_t)(int8_t)v;
            }
        }
        tfg_model_set_inputs(&m, arena, in);
        tfg_model_invoke(&m, arena);
        tfg_model_get_outputs(&m, arena, o_buf);
        const int p = argmax(o_buf, (int)tfg_tensor_elems(to), to->dtype);
        if (pred) pred[i] = p;
        r->conf[labels[i] * k + p]++;
    }
    free(arena), free(in), free(o_buf);
    tfg_model_free(&m);
}

/* eval --json output against r: total, correct, accuracy, per_class, confusion. */
static int same_as(const char *what, const result_t *r)
{
    cJSON *j = cJSON_Parse(out);
    int ok = j != NULL;
    int64_t correct = 0;
    for (int i = 0; i < r->k; i++) correct += r->conf[i * r->k + i];
    const cJSON *conf = j ? cJSON_GetObjectItem(j, "confusion") : NULL,
                *pc = j ? cJSON_GetObjectItem(j, "per_class") : NULL;
    ok = ok && cJSON_GetObjectItem(j, "total") && cJSON_GetObjectItem(j, "total")->valuedouble == r->total;
    ok = ok && cJSON_GetObjectItem(j, "correct") &&
         cJSON_GetObjectItem(j, "correct")->valuedouble == (double)correct;
    ok = ok && cJSON_GetObjectItem(j, "accuracy") &&
         fabs(cJSON_GetObjectItem(j, "accuracy")->valuedouble - (double)correct / r->total) < 1e-6;
    ok = ok && cJSON_GetArraySize(conf) == r->k && cJSON_GetArraySize(pc) == r->k;
    for (int a = 0; ok && a < r->k; a++) {
        const cJSON *row = cJSON_GetArrayItem(conf, a), *c = cJSON_GetArrayItem(pc, a);
        int64_t n = 0;
        for (int b = 0; ok && b < r->k; b++) {
            ok = cJSON_GetArraySize(row) == r->k &&
                 cJSON_GetArrayItem(row, b)->valuedouble == (double)r->conf[a * r->k + b];
            n += r->conf[a * r->k + b];
        }
        ok = ok && cJSON_GetObjectItem(c, "total")->valuedouble == (double)n &&
             cJSON_GetObjectItem(c, "correct")->valuedouble == (double)r->conf[a * r->k + a];
    }
    if (!ok)
        TT_LOG("%s: eval's JSON differs from the per-image run (correct %lld of %d):\n%.2000s\n", what,
               (long long)correct, r->total, out);
    cJSON_Delete(j);
    return ok;
}

static const char *json_string(const char *key, char *buf, size_t n)
{
    cJSON *j = cJSON_Parse(out);
    const cJSON *v = j ? cJSON_GetObjectItem(j, key) : NULL;
    snprintf(buf, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
    cJSON_Delete(j);
    return buf;
}

static void write_file(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) fwrite(b, 1, n, f), fclose(f);
}

static void test_fm(const tfg_dataset_t *fm)
{
    char model[512], args[2048], sched[64];
    snprintf(model, sizeof model, "%s/fm.tflite", tmp);
    snprintf(args, sizeof args, "zoo build '%s/../shared/archs/fm-mbv2-tiny.json' -o '%s'", src, model);
    tt_begin();
    TT_CHECK(run_cli(args, 0) == 0);
    static result_t r;
    static int pred[300];
    reference(model, fm->images, fm->labels, 300, 10, &r, pred);
    snprintf(args, sizeof args, "eval '%s' --data fashion-mnist --limit 300 --json", model);
    TT_CHECK(run_cli(args, 1) == 0 && same_as("fm-mbv2-tiny, layer by layer", &r));
    TT_CHECK(!strcmp(json_string("schedule", sched, sizeof sched), "layer"));
    snprintf(args, sizeof args, "eval '%s' --data fashion-mnist --limit 300 --json --schedule auto", model);
    TT_CHECK(run_cli(args, 1) == 0 && same_as("fm-mbv2-tiny, --schedule auto", &r));
    TT_CHECK(strcmp(json_string("schedule", sched, sizeof sched), "layer") && strchr(sched, '@'));
    tt_end();
    printf("  fm-mbv2-tiny: 300 Fashion-MNIST images, eval = per-image executor run, layer by layer and %s\n",
           sched);

    /* Text output: the accuracy line and the class names. */
    tt_begin();
    snprintf(args, sizeof args, "eval '%s' --data fashion-mnist --limit 300", model);
    TT_CHECK(run_cli(args, 0) == 0 && strstr(out, "accuracy ") && strstr(out, "Ankle boot") &&
             strstr(out, "confusion matrix (rows: true class, columns: predicted class)"));
    tt_end();

    /* An image folder: class folders c0..c9 with two PGMs and a PNG each. */
    tt_begin();
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/folder", tmp);
    mkdir(dir, 0755);
    static result_t rf;
    memset(&rf, 0, sizeof rf);
    rf.k = 10;
    int per[10] = {0};
    for (int i = 0; i < 300; i++) {
        const int c = fm->labels[i];
        if (per[c] == 3) continue;
        snprintf(path, sizeof path, "%s/c%d", dir, c);
        mkdir(path, 0755);
        uint8_t pgm[32 + 784];
        const int h = snprintf((char *)pgm, 32, "P5 28 28 255\n");
        memcpy(pgm + h, fm->images + (size_t)i * 784, 784);
        snprintf(path, sizeof path, "%s/c%d/img%03d.pgm", dir, c, i);
        write_file(path, pgm, (size_t)h + 784);
        rf.conf[c * 10 + pred[i]]++;
        rf.total++;
        per[c]++;
    }
    snprintf(args, sizeof args, "eval '%s' --data '%s' --json", model, dir);
    TT_CHECK(rf.total == 30 && run_cli(args, 1) == 0 && same_as("fm-mbv2-tiny on an image folder", &rf));
    /* Three classes for a ten-class model: refused, naming both counts. */
    snprintf(args, sizeof args, "eval '%s' --data '%s/three'", model, tmp);
    snprintf(path, sizeof path, "%s/three", tmp), mkdir(path, 0755);
    for (int c = 0; c < 3; c++) {
        snprintf(path, sizeof path, "%s/three/k%d", tmp, c), mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/three/k%d/a.pgm", tmp, c);
        write_file(path, "P5 1 1 255\n\x80", 12);
    }
    TT_CHECK(run_cli(args, 0) == 1 && strstr(out, "has 10 outputs (1x10) but") &&
             strstr(out, "has 3 classes"));
    tt_end();
    printf("  the same model on an image folder (30 PGMs in 10 class folders): the same predictions\n");

    /* Usage errors. */
    tt_begin();
    snprintf(args, sizeof args, "eval '%s'", model);
    TT_CHECK(run_cli(args, 0) == 2 && strstr(out, "eval needs a MODEL and --data SPEC"));
    snprintf(args, sizeof args, "eval '%s' --data fashion-mnist --split validation", model);
    TT_CHECK(run_cli(args, 0) == 2 && strstr(out, "--split is test or train, not 'validation'"));
    snprintf(args, sizeof args, "eval '%s' --data fashion-mnist --limit 0", model);
    TT_CHECK(run_cli(args, 0) == 2 && strstr(out, "--limit takes a count"));
    snprintf(args, sizeof args, "eval '%s' --data", model);
    TT_CHECK(run_cli(args, 0) == 2 && strstr(out, "option '--data' needs a value"));
    snprintf(args, sizeof args, "eval '%s' --data '%s/nowhere'", model, tmp);
    TT_CHECK(run_cli(args, 0) == 1 && strstr(out, "nowhere: no such folder"));
    snprintf(args, sizeof args,
             "eval '%s/../shared/models/tflm_hello_world_int8.tflite' --data fashion-mnist", src);
    TT_CHECK(run_cli(args, 0) == 1 && strstr(out, "eval feeds one image input"));
    TT_CHECK(run_cli("eval --help", 0) == 0 && strstr(out, "Input convention") && strstr(out, "--data SPEC"));
    TT_CHECK(run_cli("--help", 0) == 0 && strstr(out, "eval MODEL --data SPEC"));
    if (!tt_case_ok) TT_LOG("last output:\n%s\n", out);
    tt_end();
    printf("  usage errors: no --data, --split validation, --limit 0, a missing dataset, a non-image model, "
           "10 outputs for 3 classes\n");
}

static void test_rgb32(const tfg_dataset_t *fm)
{
    char model[512], args[2048];
    snprintf(model, sizeof model, "%s/r8.tflite", tmp);
    snprintf(args, sizeof args, "zoo build resnet8-cifar -o '%s'", model);
    tt_begin();
    TT_CHECK(run_cli(args, 0) == 0);
    enum { N = 60 };
    static uint8_t conv[N * 32 * 32 * 3], small[32 * 32];
    for (int i = 0; i < N; i++) {
        tfg_image_resize(fm->images + (size_t)i * 784, 28, 28, 1, small, 32, 32);
        for (int j = 0; j < 32 * 32; j++)
            for (int k = 0; k < 3; k++) conv[((size_t)i * 1024 + j) * 3 + k] = small[j];
    }
    static result_t r;
    reference(model, conv, fm->labels, N, 10, &r, NULL);
    snprintf(args, sizeof args, "eval '%s' --data fashion-mnist --limit %d --json", model, N);
    TT_CHECK(run_cli(args, 1) == 0 && same_as("resnet8-cifar on Fashion-MNIST at 32x32x3", &r));
    snprintf(args, sizeof args, "eval '%s' --data fashion-mnist --limit %d --json --schedule auto", model, N);
    TT_CHECK(run_cli(args, 1) == 0 && same_as("resnet8-cifar, --schedule auto", &r));
    tt_end();
    printf("  resnet8-cifar: Fashion-MNIST converted to 32x32x3 by the opener = converted here, both "
           "schedules\n");
}

static void test_float_io(void)
{
    char model[512], args[2048], dir[512], path[600];
    snprintf(model, sizeof model, "%s/../shared/models/tinyengine_vww.tflite", src);
    if (access(model, R_OK) != 0) {
        printf("  SKIP float I/O: %s not found\n", model);
        return;
    }
    /* Two classes of synthetic RGB images of different sizes (resized to 80x80). */
    snprintf(dir, sizeof dir, "%s/vww", tmp);
    mkdir(dir, 0755);
    tt_rng_t rng = {7};
    for (int c = 0; c < 2; c++) {
        snprintf(path, sizeof path, "%s/%s", dir, c ? "person" : "no_person");
        mkdir(path, 0755);
        for (int i = 0; i < 12; i++) {
            const int w = tt_int(&rng, 20, 120), h = tt_int(&rng, 20, 120);
            uint8_t *ppm = malloc(32 + (size_t)w * h * 3);
            const int n = snprintf((char *)ppm, 32, "P6 %d %d 255\n", w, h);
            for (int j = 0; j < w * h * 3; j++)
                ppm[n + j] = (uint8_t)((j / 3 % w) * (c + 1) * 3 + tt_int(&rng, 0, 60));
            snprintf(path, sizeof path, "%s/%s/%02d.ppm", dir, c ? "person" : "no_person", i);
            write_file(path, ppm, (size_t)n + (size_t)w * h * 3);
            free(ppm);
        }
    }
    tt_begin();
    snprintf(args, sizeof args, "eval '%s' --data '%s' --json", model, dir);
    TT_CHECK(run_cli(args, 1) == 0);
    cJSON *a = cJSON_Parse(out);
    snprintf(args, sizeof args, "eval '%s' --data '%s' --json --int8-io", model, dir);
    TT_CHECK(run_cli(args, 1) == 0);
    cJSON *b = cJSON_Parse(out);
    TT_CHECK(a && b && cJSON_GetObjectItem(a, "total")->valuedouble == 24);
    TT_CHECK(a && b &&
             cJSON_Compare(cJSON_GetObjectItem(a, "confusion"), cJSON_GetObjectItem(b, "confusion"), 1));
    if (!tt_case_ok) TT_LOG("float and --int8-io differ:\n%s\n", out);
    cJSON_Delete(a), cJSON_Delete(b);
    tt_end();
    printf("  tinyengine_vww (float32 I/O): eval = eval --int8-io on 24 images of two classes\n");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_eval path/to/tinyforge SOURCE_DIR\n");
        return 2;
    }
    cli = argv[1], src = argv[2];
    const char *t = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/tfg-eval.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmp)) {
        perror(tmp);
        return 1;
    }
    printf("eval:\n");
    char arch[1024];
    snprintf(arch, sizeof arch, "%s/../shared/archs/fm-mbv2-tiny.json", src);
    if (access(arch, R_OK) != 0) {
        printf("SKIP: %s not found (the shared data next to the repository)\n", arch);
        rmdir(tmp);
        return 0;
    }
    tfg_dataset_t fm;
    tfg_diag_t d = {{0}};
    if (tfg_fashion_mnist_load(NULL, "test", &fm, &d) < 0) {
        printf("SKIP: %s\n", d.msg);
        rmdir(tmp);
        return 0;
    }
    test_fm(&fm);
    test_rgb32(&fm);
    test_float_io();
    tfg_dataset_free(&fm);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
    return tt_summary();
}
