/* Model builder tests.
 *
 *  - Every architecture JSON in ../shared/archs rebuilds with exactly the
 *    layers the JSON describes. The expected layer list, MACs and parameter
 *    counts are derived here from the JSON (parsed with cJSON in this file),
 *    not from the builder; the built graph is read back from the IR.
 *  - The built-in mbv2-w0.35-r144 and mbv2-w0.3-r80 equal their MCUNet JSONs.
 *  - Analytic MobileNetV2 peaks (whole tensors, layer by layer, int8 I/O,
 *    depthwise in place) are reproduced by the planner.
 *  - Quantization is realistic: int8 and float outputs agree within a few
 *    output steps, and so do their winners.
 *  - read(write(g)) == g for every built-in family and every shared JSON.
 *  - Same spec and seed give identical bytes; another seed changes them.
 *  - Bad specs get clear errors. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/exec.h"
#include "ir/compare.h"
#include "tfg_test.h"
#include "tflite/reader.h"
#include "tflite/writer.h"
#include "zoo/zoo.h"

/* One expected layer: op type, output h/w/c, kernel, and its MACs and parameters. */
typedef struct {
    tfg_op_type_t type;
    int h, w, c, k;
    int64_t macs, params;
} want_t;

typedef struct {
    want_t v[256];
    int n;
    int h, w, c; /* running shape */
} wantlist_t;

static int geti(const cJSON *o, const char *k, int def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valueint : def;
}

static void push(wantlist_t *L, tfg_op_type_t t, int k, int stride, int oc)
{
    want_t *w = &L->v[L->n++];
    const int ic = L->c;
    w->type = t;
    w->k = k;
    w->h = (L->h + stride - 1) / stride; /* SAME */
    w->w = (L->w + stride - 1) / stride;
    w->c = oc;
    if (t == TFG_OP_CONV_2D) {
        w->macs = (int64_t)w->h * w->w * oc * k * k * ic;
        w->params = (int64_t)oc * k * k * ic + oc;
    } else if (t == TFG_OP_DEPTHWISE_CONV_2D) {
        w->macs = (int64_t)w->h * w->w * oc * k * k;
        w->params = (int64_t)oc * k * k + oc;
    }
    L->h = w->h, L->w = w->w, L->c = oc;
}

/* The layer list an MCUNet/ProxylessNAS JSON describes, per its published semantics. */
static int expect_from_json(const char *path, wantlist_t *L)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    cJSON *root = cJSON_Parse(text);
    if (!root) return -1;
    memset(L, 0, sizeof *L);
    L->h = L->w = geti(root, "resolution", 0);
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(root, "first_conv");
    L->c = geti(fc, "in_channels", 3); /* MCUNet's specs omit it: RGB */
    push(L, TFG_OP_CONV_2D, geti(fc, "kernel_size", 0), geti(fc, "stride", 0), geti(fc, "out_channels", 0));
    const cJSON *b;
    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(root, "blocks"))
    {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(b, "mobile_inverted_conv");
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(b, "shortcut");
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(m, "name");
        if (cJSON_IsString(nm) && !strcmp(nm->valuestring, "ZeroLayer")) continue;
        const int in = geti(m, "in_channels", 0), er = geti(m, "expand_ratio", 1),
                  k = geti(m, "kernel_size", 0);
        const int mid = er == 1 ? in : geti(m, "mid_channels", in * er);
        if (er != 1) push(L, TFG_OP_CONV_2D, 1, 1, mid);
        push(L, TFG_OP_DEPTHWISE_CONV_2D, k, geti(m, "stride", 1), mid);
        push(L, TFG_OP_CONV_2D, 1, 1, geti(m, "out_channels", 0));
        if (cJSON_IsObject(sc)) push(L, TFG_OP_ADD, 0, 1, L->c);
    }
    const cJSON *fm = cJSON_GetObjectItemCaseSensitive(root, "feature_mix_layer");
    if (cJSON_IsObject(fm)) push(L, TFG_OP_CONV_2D, 1, 1, geti(fm, "out_channels", 0));
    push(L, TFG_OP_AVERAGE_POOL_2D, 0, L->h, L->c);
    L->h = L->w = 1;
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(root, "classifier");
    const int in_f = geti(cl, "in_features", 0), out_f = geti(cl, "out_features", 0);
    want_t *w = &L->v[L->n++];
    *w = (want_t){TFG_OP_FULLY_CONNECTED,       1, 1, out_f, 0, (int64_t)in_f * out_f,
                  (int64_t)in_f * out_f + out_f};
    L->v[L->n++] = (want_t){TFG_OP_SOFTMAX, 1, 1, out_f, 0, 0, 0};
    cJSON_Delete(root);
    return 0;
}

/* Compare a built graph with the expected layer list; returns 0 when equal. */
static int compare(const tfg_graph_t *g, const wantlist_t *L, const char *what)
{
    int64_t macs = 0, params = 0, want_macs = 0, want_params = 0;
    if (g->n_ops != L->n) {
        TT_LOG("%s: %d ops built, %d expected\n", what, g->n_ops, L->n);
        return -1;
    }
    for (int i = 0; i < g->n_ops; i++) {
        const tfg_op_t *op = &g->ops[i];
        const want_t *w = &L->v[i];
        const tfg_tensor_t *y = &g->tensors[op->out[0]];
        const int yh = y->rank == 4 ? y->dims[1] : 1, yw = y->rank == 4 ? y->dims[2] : 1;
        const int yc = y->dims[y->rank - 1];
        if (op->type != w->type || yh != w->h || yw != w->w || yc != w->c) {
            TT_LOG("%s: layer %d is %s %dx%dx%d, expected %s %dx%dx%d\n", what, i, tfg_op_name(op->type), yh,
                   yw, yc, tfg_op_name(w->type), w->h, w->w, w->c);
            return -1;
        }
        if ((op->type == TFG_OP_CONV_2D || op->type == TFG_OP_DEPTHWISE_CONV_2D) &&
            g->tensors[op->in[1]].dims[1] != w->k) {
            TT_LOG("%s: layer %d kernel %d, expected %d\n", what, i, g->tensors[op->in[1]].dims[1], w->k);
            return -1;
        }
        macs += tfg_op_macs(g, op);
        for (int k = 1; k < op->n_in; k++)
            if (op->in[k] >= 0 && tfg_tensor_is_const(&g->tensors[op->in[k]]))
                params += tfg_tensor_elems(&g->tensors[op->in[k]]);
        want_macs += w->macs;
        want_params += w->params;
    }
    if (macs != want_macs || params != want_params) {
        TT_LOG("%s: %lld MACs / %lld params, expected %lld / %lld\n", what, (long long)macs,
               (long long)params, (long long)want_macs, (long long)want_params);
        return -1;
    }
    printf("  %-40s %3d layers %8.2f M MACs %8.3f M params\n", what, g->n_ops, (double)macs / 1e6,
           (double)params / 1e6);
    return 0;
}

static const tfg_build_opts_t SHAPES = {.seed = 1, .shapes_only = true};

static void test_archs(const char *archs)
{
    DIR *dp = opendir(archs);
    if (!dp) {
        printf("SKIP: no architecture specs at %s\n", archs);
        return;
    }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(dp))) {
        const size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json")) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", archs, e->d_name);
        wantlist_t L;
        tfg_graph_t g;
        tfg_diag_t d = {{0}};
        tt_begin();
        TT_CHECK(expect_from_json(path, &L) == 0);
        TT_CHECK(tfg_zoo_build(path, &SHAPES, &g, &d) == TFG_OK);
        if (tt_case_ok) {
            TT_CHECK(compare(&g, &L, e->d_name) == 0);
            tfg_graph_free(&g);
        } else {
            TT_LOG("%s: %s\n", e->d_name, d.msg);
        }
        tt_end();
        n++;
    }
    closedir(dp);
    tt_begin();
    TT_CHECK(n >= 13);
    tt_end();

    /* The Fashion-MNIST reference net has a one-channel input: the figures
     * counted by hand from its JSON, which the independent count must give. */
    char fm[2048];
    snprintf(fm, sizeof fm, "%s/fm-mbv2-tiny.json", archs);
    wantlist_t L;
    tt_begin();
    TT_CHECK(expect_from_json(fm, &L) == 0);
    if (tt_case_ok) {
        int64_t macs = 0, params = 0;
        for (int i = 0; i < L.n; i++) macs += L.v[i].macs, params += L.v[i].params;
        if (macs != 3056176 || params != 53274)
            TT_LOG("fm-mbv2-tiny.json: counted %lld MACs / %lld params\n", (long long)macs,
                   (long long)params);
        TT_CHECK(macs == 3056176 && params == 53274);
    }
    tt_end();

    /* The built-in names match MCUNet's published MobileNetV2 configs. */
    static const char *pairs[][2] = {{"mbv2-w0.35-r144", "mbv2-w0.35-r144_imagenet.json"},
                                     {"mbv2-w0.3-r80", "mbv2-w0.3-r80_imagenet.json"}};
    for (size_t i = 0; i < 2; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", archs, pairs[i][1]);
        wantlist_t L;
        tfg_graph_t g;
        tfg_diag_t d = {{0}};
        tt_begin();
        TT_CHECK(expect_from_json(path, &L) == 0 && tfg_zoo_build(pairs[i][0], &SHAPES, &g, &d) == TFG_OK);
        if (tt_case_ok) {
            TT_CHECK(compare(&g, &L, pairs[i][0]) == 0);
            tfg_graph_free(&g);
        }
        tt_end();
    }
}

/* The arena of a zoo spec; ip: 0 every in-place rule, 1 none, 2 all but
 * pointwise convolutions written over their input. */
static size_t peak_of(const char *spec, int ip, size_t *scratch_at_peak)
{
    tfg_graph_t g;
    tfg_model_t m;
    tfg_diag_t d = {{0}};
    tfg_pass_opts_t o = {0};
    o.no_in_place = ip == 1;
    o.no_conv_in_place = ip == 2;
    if (tfg_zoo_build(spec, &SHAPES, &g, &d) < 0 || tfg_model_prepare(&m, &g, &o, &d) < 0) {
        TT_LOG("%s: %s\n", spec, d.msg);
        return 0;
    }
    const size_t peak = m.plan.peak;
    if (scratch_at_peak) {
        *scratch_at_peak = 0;
        for (int b = 0; b < m.plan.n_bufs; b++)
            if (m.plan.bufs[b].kind == TFG_BUF_SCRATCH && m.plan.bufs[b].first == m.plan.lower_bound_step)
                *scratch_at_peak += m.plan.bufs[b].size;
    }
    tfg_model_free(&m);
    return peak;
}

static void test_peaks(void)
{
    /* Analytic whole-tensor peaks (KiB, from ../shared/archs/README.md):
     * depthwise in place, every other layer's input and output whole. */
    static const struct {
        const char *spec;
        double kib;
    } P[] = {{"mbv2-w1.0-r224", 1372.0},
             {"mbv2-w1.0-r144", 567.0},
             {"mbv2-w0.35-r224", 686.0},
             {"mbv2-w0.35-r144", 283.5}};
    for (size_t i = 0; i < sizeof P / sizeof P[0]; i++) {
        tt_begin();
        size_t scratch;
        const size_t peak = peak_of(P[i].spec, 2, &scratch);
        /* The activations are exactly the analytic figure, and the pointwise
         * convolution at the peak runs NARROW, reading its int8 columns in
         * place (runtime/conv.c): no scratch on top. */
        TT_CHECK(peak == (size_t)(P[i].kib * 1024) && scratch == 0);
        /* Pointwise convs written over their input go below it: the
         * expansion of a block without a residual no longer holds its input
         * beside its output. */
        const size_t over = peak_of(P[i].spec, 0, NULL);
        TT_CHECK(over < peak);
        printf("  %-16s peak %8zu B = %6.1f KiB (analytic %.1f KiB + %zu B kernel scratch); %zu B with "
               "pointwise convs over their input\n",
               P[i].spec, peak, peak / 1024.0, P[i].kib, scratch, over);
        tt_end();
    }
    /* Without in-place depthwise: the analytic 1470.0 KiB plus the kernel's scratch at that step. */
    tt_begin();
    size_t scratch;
    const size_t peak = peak_of("mbv2-w1.0-r224", 1, &scratch);
    TT_CHECK(peak == 1470 * 1024 + scratch && scratch > 0 && scratch < 8192);
    printf("  %-16s peak %8zu B = %6.1f KiB without in-place (analytic 1470.0 KiB + %zu B scratch)\n",
           "mbv2-w1.0-r224", peak, peak / 1024.0, scratch);
    tt_end();
}

/* Int8 vs float on a random input: same top-1, probabilities close. */
static void test_quantization(void)
{
    static const char *specs[] = {"mbv2-w0.35-r144", "mbv2-w0.35-r144-se", "mbv1-w0.25-r96-g",
                                  "resnet8-cifar", "dscnn-kws"};
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        tfg_net_t net;
        tfg_graph_t g;
        tfg_model_t m;
        tfg_diag_t d = {{0}};
        tfg_build_opts_t o = {.seed = 7, .calib_inputs = 2};
        tfg_pass_opts_t po = {0};
        tt_begin();
        TT_CHECK(tfg_zoo_net(specs[s], &net, &d) == TFG_OK);
        if (!tt_case_ok) {
            tt_end();
            continue;
        }
        TT_CHECK(tfg_zoo_quantize(&net, &o, &g, &d) == TFG_OK &&
                 tfg_model_prepare(&m, &g, &po, &d) == TFG_OK);
        if (tt_case_ok) {
            const tfg_nn_layer_t *in = &net.layers[0];
            const size_t n = (size_t)in->h * (size_t)in->w * (size_t)in->c;
            const int classes = net.layers[net.n - 1].c;
            float *x = malloc(n * sizeof(float)), **acts = calloc((size_t)net.n, sizeof(float *));
            int8_t *xq = malloc(n), *yq = malloc((size_t)classes);
            uint8_t *arena = malloc(m.plan.peak);
            tt_rng_t r = {99};
            for (size_t i = 0; i < n; i++) x[i] = (float)tt_int(&r, -1000, 1000) / 1000.0f;
            const tfg_tensor_t *it = &m.graph.tensors[m.graph.inputs[0]];
            tfg_affine_params_t qa = {(int32_t)n, it->scale[0], it->zero_point[0]};
            tfg_quantize_f32_s8(&qa, x, xq);
            tfg_model_set_inputs(&m, arena, (uint8_t *)xq);
            tfg_model_invoke(&m, arena);
            tfg_model_get_outputs(&m, arena, (uint8_t *)yq);
            TT_CHECK(tfg_net_forward(&net, x, acts) == 0);
            const float *fp = acts[net.n - 1];
            int qb = 0, fb = 0;
            float worst = 0.0f;
            for (int i = 0; i < classes; i++) {
                if (yq[i] > yq[qb]) qb = i;
                if (fp[i] > fp[fb]) fb = i;
                worst = fmaxf(worst, fabsf((float)(yq[i] + 128) / 256.0f - fp[i]));
            }
            /* With 1,000 near-equal classes (synthetic weights: the top scores
             * are 0.05 apart at most) int8 rounding reorders the top few: the
             * float winner's int8 score must be within 4 steps (1/64) of the
             * int8 maximum. A wrong layer moves it by far more. */
            TT_CHECK(yq[fb] >= yq[qb] - 4);
            TT_CHECK(worst < 0.05f);
            printf(
                "  %-16s int8 top-1 %4d (q %4d), float top-1 %4d (int8 q %4d), largest |p| difference %.4f\n",
                specs[s], qb, yq[qb], fb, yq[fb], worst);
            tfg_net_free_acts(&net, acts);
            free(acts);
            free(x);
            free(xq);
            free(yq);
            free(arena);
            tfg_model_free(&m);
        }
        tfg_net_free(&net);
        tt_end();
    }
}

static int graphs_equal(const tfg_graph_t *a, const tfg_graph_t *b)
{
    if (a->n_tensors != b->n_tensors || a->n_ops != b->n_ops) return 0;
    for (int i = 0; i < a->n_tensors; i++) {
        const tfg_tensor_t *x = &a->tensors[i], *y = &b->tensors[i];
        if (x->dtype != y->dtype || x->rank != y->rank || memcmp(x->dims, y->dims, sizeof x->dims) ||
            x->n_q != y->n_q)
            return 0;
        if (x->n_q && (memcmp(x->scale, y->scale, sizeof(float) * (size_t)x->n_q) ||
                       memcmp(x->zero_point, y->zero_point, sizeof(int32_t) * (size_t)x->n_q)))
            return 0;
        if (x->data_bytes != y->data_bytes || (x->data && memcmp(x->data, y->data, x->data_bytes))) return 0;
    }
    return 1;
}

static void test_determinism(void)
{
    tfg_graph_t a, b, c;
    tfg_diag_t d = {{0}};
    tfg_build_opts_t o1 = {5, 2, false}, o2 = {6, 2, false};
    tt_begin();
    TT_CHECK(tfg_zoo_build("resnet8-cifar", &o1, &a, &d) == TFG_OK);
    TT_CHECK(tfg_zoo_build("resnet8-cifar", &o1, &b, &d) == TFG_OK);
    TT_CHECK(tfg_zoo_build("resnet8-cifar", &o2, &c, &d) == TFG_OK);
    TT_CHECK(graphs_equal(&a, &b));
    TT_CHECK(!graphs_equal(&a, &c));
    tfg_graph_free(&a);
    tfg_graph_free(&b);
    tfg_graph_free(&c);
    tt_end();
}

/* Build, write, read back: the graph must come back equal; a second build
 * with the same seed must give the same bytes. */
static void roundtrip(const char *spec, const char *shown, bool shapes_only)
{
    tfg_build_opts_t o = {.seed = 3, .calib_inputs = 1, .shapes_only = shapes_only};
    tfg_graph_t g, g2, back;
    tfg_diag_t d = {{0}};
    uint8_t *bytes = NULL, *bytes2 = NULL;
    size_t len = 0, len2 = 0;
    char why[256] = "";
    tt_begin();
    TT_CHECK(tfg_zoo_build(spec, &o, &g, &d) == TFG_OK);
    if (!tt_case_ok) {
        TT_LOG("%s: %s\n", shown, d.msg);
        tt_end();
        return;
    }
    TT_CHECK(tfg_tflite_write(&g, &bytes, &len, &d) == TFG_OK);
    TT_CHECK(bytes && tfg_tflite_load_mem(bytes, len, spec, &back, &d) == TFG_OK);
    if (tt_case_ok) {
        TT_CHECK(tfg_graph_equal(&g, &back, why, sizeof why));
        if (why[0]) TT_LOG("%s: read(write(g)) differs: %s\n", shown, why);
        tfg_graph_free(&back);
    }
    TT_CHECK(tfg_zoo_build(spec, &o, &g2, &d) == TFG_OK &&
             tfg_tflite_write(&g2, &bytes2, &len2, &d) == TFG_OK);
    TT_CHECK(bytes2 && len2 == len && memcmp(bytes, bytes2, len) == 0);
    if (g2.n_tensors) tfg_graph_free(&g2);
    free(bytes);
    free(bytes2);
    tfg_graph_free(&g);
    tt_end();
}

static void test_roundtrips(const char *archs)
{
    const tfg_zoo_entry_t *e;
    const int n = tfg_zoo_list(&e);
    int done = 0;
    for (int i = 0; i < n; i++) {
        if (strstr(e[i].example, ".json")) continue;
        /* MobileNetV2 1.0@224 is checked with placeholder weights only: same structure, 30x faster. */
        roundtrip(e[i].example, e[i].example, !strcmp(e[i].example, "mbv2-w1.0-r224"));
        done++;
    }
    DIR *dp = opendir(archs);
    struct dirent *de;
    while (dp && (de = readdir(dp))) {
        const size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json")) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", archs, de->d_name);
        roundtrip(path, de->d_name, true);
        done++;
    }
    if (dp) closedir(dp);
    printf("  read(write(g)) == g and deterministic bytes for %d specs\n", done);
}

static void expect_error(const char *spec, const char *json, const char *needle)
{
    char path[64] = "";
    if (json) {
        snprintf(path, sizeof path, "/tmp/tfg_zoo_test_%d.json", (int)(needle[0]));
        FILE *f = fopen(path, "w");
        if (f) {
            fputs(json, f);
            fclose(f);
        }
        spec = path;
    }
    tfg_graph_t g;
    tfg_diag_t d = {{0}};
    tt_begin();
    const tfg_status_t st = tfg_zoo_build(spec, &SHAPES, &g, &d);
    TT_CHECK(st < 0);
    TT_CHECK(strstr(d.msg, needle) != NULL);
    if (!tt_case_ok) TT_LOG("  spec %s: got \"%s\", wanted \"%s\"\n", spec, d.msg, needle);
    if (st == TFG_OK) tfg_graph_free(&g);
    tt_end();
    if (json) remove(path);
}

#define HEAD                                                                                                 \
    "{\"resolution\": 64, \"first_conv\": {\"out_channels\": 8, \"kernel_size\": 3, \"stride\": 2, "         \
    "\"act_func\": \"relu6\"}, "
#define TAIL ", \"feature_mix_layer\": null, \"classifier\": {\"in_features\": 8, \"out_features\": 10}}"
#define BLOCK(name, in, out)                                                                                 \
    "{\"mobile_inverted_conv\": {\"name\": \"" name "\", \"in_channels\": " #in ", \"out_channels\": " #out  \
    ", \"kernel_size\": 3, \"stride\": 1, \"expand_ratio\": 3}, \"shortcut\": null}"

static void test_bad_specs(void)
{
    expect_error(NULL, HEAD "\"blocks\": [" BLOCK("MBInvertedConvLayer", 8, 0) "]" TAIL,
                 "'out_channels' must be an integer in 1..65536");
    expect_error(NULL, HEAD "\"blocks\": [" BLOCK("FancyLayer", 8, 8) "]" TAIL,
                 "unknown block type 'FancyLayer'");
    expect_error(NULL, HEAD "\"blocks\": [" BLOCK("MBInvertedConvLayer", 16, 8) "]" TAIL,
                 "in_channels is 16 but the previous layer gives 8");
    expect_error(NULL, "{\"resolution\": 64, \"first_conv\": {", "malformed JSON near byte");
    /* Found by the fuzzer: a number far outside int must be refused, not converted. */
    expect_error(NULL, "{\"resolution\": 8.88889e+98, \"first_conv\": {}}",
                 "'resolution' must be an integer in 1..65536");
    expect_error(NULL, "{\"resolution\": 64.5, \"first_conv\": {}}",
                 "'resolution' must be an integer in 1..65536");
    expect_error(
        NULL,
        "{\"resolution\": 1, \"first_conv\": {\"out_channels\": 8, \"kernel_size\": 3, \"stride\": 2}, "
        "\"blocks\": []" TAIL,
        "resolution 1 is smaller than the network's total stride 2");
    expect_error("mbv2-w1.0-r16", NULL, "resolution 16 is smaller than the network's total stride 32");
    expect_error("mbv2-w0-r224", NULL, "width 0 outside");
    expect_error("mbv2-wide", NULL, "expected mbv2-w<width>-r<resolution>");
    expect_error("vgg16", NULL, "unknown model");
    expect_error("/nonexistent/arch.json", NULL, "cannot open file");
}

/* ---- hand-written specs without the MCUNet "name" fields (issue 11) ----
 * Kept apart from the helpers above (others edit those). */

static int build_text(const char *json, const char *tag, tfg_graph_t *g, tfg_diag_t *d)
{
    char path[96];
    snprintf(path, sizeof path, "/tmp/tfg_zoo_unnamed_%s_%d.json", tag, (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(json, f);
    fclose(f);
    const tfg_status_t st = tfg_zoo_build(path, &SHAPES, g, d);
    remove(path);
    return st;
}

static void test_unnamed_specs(void)
{
    /* The same net four ways: fully named (MCUNet's form), without any
     * names, in the flat form (conv keys on the block, shortcut true), and
     * with in_channels / in_features left to default. */
    static const char *named =
        "{\"name\": \"ProxylessNASNets\", \"resolution\": 32, \"first_conv\": {\"name\": \"ConvLayer\", "
        "\"in_channels\": 3, "
        "\"out_channels\": 8, \"kernel_size\": 3, \"stride\": 2, \"act_func\": \"relu6\"}, \"blocks\": ["
        "{\"name\": \"MobileInvertedResidualBlock\", \"mobile_inverted_conv\": {\"name\": "
        "\"MBInvertedConvLayer\", "
        "\"in_channels\": 8, \"out_channels\": 16, \"kernel_size\": 3, \"stride\": 2, \"expand_ratio\": 3}, "
        "\"shortcut\": null},"
        "{\"name\": \"MobileInvertedResidualBlock\", \"mobile_inverted_conv\": {\"name\": "
        "\"MBInvertedConvLayer\", "
        "\"in_channels\": 16, \"out_channels\": 16, \"kernel_size\": 5, \"stride\": 1, \"expand_ratio\": 4}, "
        "\"shortcut\": {\"name\": \"IdentityLayer\", \"in_channels\": [16], \"out_channels\": [16]}},"
        "{\"name\": \"MobileInvertedResidualBlock\", \"mobile_inverted_conv\": {\"name\": \"ZeroLayer\", "
        "\"stride\": 1}, "
        "\"shortcut\": {\"name\": \"IdentityLayer\"}}], "
        "\"feature_mix_layer\": {\"name\": \"ConvLayer\", \"out_channels\": 32, \"kernel_size\": 1, "
        "\"act_func\": \"relu6\"}, "
        "\"classifier\": {\"name\": \"LinearLayer\", \"in_features\": 32, \"out_features\": 10}}";
    static const char *unnamed = "{\"resolution\": 32, \"first_conv\": {\"out_channels\": 8, "
                                 "\"kernel_size\": 3, \"stride\": 2, \"act_func\": \"relu6\"}, "
                                 "\"blocks\": ["
                                 "{\"mobile_inverted_conv\": {\"in_channels\": 8, \"out_channels\": 16, "
                                 "\"kernel_size\": 3, \"stride\": 2, "
                                 "\"expand_ratio\": 3}},"
                                 "{\"mobile_inverted_conv\": {\"in_channels\": 16, \"out_channels\": 16, "
                                 "\"kernel_size\": 5, \"stride\": 1, "
                                 "\"expand_ratio\": 4}, \"shortcut\": {}},"
                                 "{\"mobile_inverted_conv\": {\"name\": \"ZeroLayer\"}, \"shortcut\": {}}], "
                                 "\"feature_mix_layer\": {\"out_channels\": 32, \"act_func\": \"relu6\"}, "
                                 "\"classifier\": {\"in_features\": 32, \"out_features\": 10}}";
    static const char *flat =
        "{\"resolution\": 32, \"first_conv\": {\"out_channels\": 8, \"kernel_size\": 3, \"stride\": 2, "
        "\"act_func\": \"relu6\"}, "
        "\"blocks\": ["
        "{\"out_channels\": 16, \"kernel_size\": 3, \"stride\": 2, \"expand_ratio\": 3},"
        "{\"out_channels\": 16, \"kernel_size\": 5, \"stride\": 1, \"expand_ratio\": 4, \"shortcut\": "
        "true}], "
        "\"feature_mix_layer\": {\"out_channels\": 32, \"act_func\": \"relu6\"}, "
        "\"classifier\": {\"out_features\": 10}}";
    tfg_graph_t a, b, c;
    tfg_diag_t d = {{0}};
    tt_begin();
    const int ra = build_text(named, "a", &a, &d);
    TT_CHECK(ra == TFG_OK);
    if (ra != TFG_OK) TT_LOG("  named spec: %s\n", d.msg);
    const int rb = build_text(unnamed, "b", &b, &d);
    TT_CHECK(rb == TFG_OK);
    if (rb != TFG_OK) TT_LOG("  unnamed spec: %s\n", d.msg);
    const int rc = build_text(flat, "c", &c, &d);
    TT_CHECK(rc == TFG_OK);
    if (rc != TFG_OK) TT_LOG("  flat spec: %s\n", d.msg);
    if (ra == TFG_OK && rb == TFG_OK) TT_CHECK(graphs_equal(&a, &b));
    if (ra == TFG_OK && rc == TFG_OK) TT_CHECK(graphs_equal(&a, &c));
    if (ra == TFG_OK) tfg_graph_free(&a);
    if (rb == TFG_OK) tfg_graph_free(&b);
    if (rc == TFG_OK) tfg_graph_free(&c);
    printf("  specs without names (and flat blocks, default in_channels) build the named spec's graph\n");
    tt_end();
    /* What cannot be guessed is named, with what it must hold. */
    expect_error(
        NULL, HEAD "\"blocks\": [{\"mobile_inverted_conv\": {\"stride\": 1}}]" TAIL,
        "mobile_inverted_conv has neither a 'name' nor a 'kernel_size': name it \"MBInvertedConvLayer\"");
    expect_error(
        NULL, HEAD "\"blocks\": [{\"shortcut\": null}]" TAIL,
        "block 0: 'mobile_inverted_conv' is missing: it must be an object with out_channels, kernel_size");
    expect_error(NULL,
                 HEAD "\"blocks\": [{\"mobile_inverted_conv\": {\"kernel_size\": 3, \"out_channels\": 8, "
                      "\"stride\": 1}, \"shortcut\": 7}]" TAIL,
                 "'shortcut' must be an object (IdentityLayer), true, false or null");
    expect_error(NULL, HEAD "\"blocks\": [7]" TAIL, "block 0: not a JSON object");
}

int main(void)
{
    char archs[1024];
    snprintf(archs, sizeof archs, "%s/../shared/archs", TFG_SOURCE_DIR);
    printf("architecture specs:\n");
    test_archs(archs);
    printf("analytic peaks:\n");
    test_peaks();
    printf("quantization:\n");
    test_quantization();
    test_determinism();
    printf("round trip:\n");
    test_roundtrips(archs);
    test_bad_specs();
    test_unnamed_specs();
    return tt_summary();
}
