/* Built-in architecture families and spec-name parsing.
 *
 * Each family writes its layers through the tfg_net_* constructors. Shared
 * building blocks (inverted residual, depthwise-separable) are here too; the
 * JSON reader (arch_json.c) uses the same inverted-residual block so that a
 * JSON spec and a built-in name describing one network build identical nets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zoo/zoo.h"
#include "zoo/zoo_internal.h"

/* MobileNet channel rounding: to a multiple of 8, never dropping more than 10%. */
int tfg_zoo_divisible(double v)
{
    int r = (int)(v + 4.0) / 8 * 8;
    if (r < 8) r = 8;
    if (r < 0.9 * v) r += 8;
    return r;
}

int tfg_zoo_inverted_residual(tfg_net_t *n, int x, int out_c, int k, int stride, int mid, int residual,
                              int se, int blk)
{
    char name[48];
    const int in_c = n->layers[x].c;
    int y = x;
    if (mid != in_c) {
        snprintf(name, sizeof name, "b%d_expand", blk);
        y = tfg_net_conv(n, y, mid, 1, 1, TFG_ACT_RELU6, name);
        if (y < 0) return -1;
    }
    snprintf(name, sizeof name, "b%d_dw%dx%d", blk, k, k);
    y = tfg_net_dwconv(n, y, k, stride, TFG_ACT_RELU6, name);
    if (y < 0) return -1;
    if (se) {
        /* Squeeze-and-excite on the expanded channels: global pool, reduce by 4
         * (rounded to 8) with ReLU, expand back, sigmoid gate, channel-wise scale. */
        snprintf(name, sizeof name, "b%d_se_pool", blk);
        int g = tfg_net_avgpool(n, y, name);
        snprintf(name, sizeof name, "b%d_se_reduce", blk);
        if (g >= 0) g = tfg_net_conv(n, g, tfg_zoo_divisible(mid / 4.0), 1, 1, TFG_ACT_RELU, name);
        snprintf(name, sizeof name, "b%d_se_expand", blk);
        if (g >= 0) g = tfg_net_conv(n, g, mid, 1, 1, TFG_ACT_NONE, name);
        /* the SE convs train with a bias, not batch norm */
        if (g >= 0) n->layers[g].bn = n->layers[n->layers[g].in].bn = false;
        snprintf(name, sizeof name, "b%d_se_gate", blk);
        if (g >= 0) g = tfg_net_sigmoid(n, g, name);
        snprintf(name, sizeof name, "b%d_se_scale", blk);
        y = g >= 0 ? tfg_net_mul(n, y, g, name) : -1;
        if (y < 0) return -1;
    }
    snprintf(name, sizeof name, "b%d_project", blk);
    y = tfg_net_conv(n, y, out_c, 1, 1, TFG_ACT_NONE, name);
    if (y < 0) return -1;
    if (residual < 0) residual = stride == 1 && in_c == out_c;
    if (residual) {
        snprintf(name, sizeof name, "b%d_add", blk);
        y = tfg_net_add(n, y, x, TFG_ACT_NONE, name);
    }
    return y;
}

/* Global pool, optional flatten, classifier and softmax. */
int tfg_zoo_head(tfg_net_t *n, int x, int classes)
{
    x = tfg_net_avgpool(n, x, "pool");
    if (x >= 0) x = tfg_net_fc(n, x, classes, "classifier");
    if (x >= 0) x = tfg_net_softmax(n, x);
    return x;
}

static int build_mbv2(tfg_net_t *n, double w, int res, int classes, int se)
{
    static const int cfg[7][4] = {/* expand t, channels c, repeats n, stride s */
                                  {1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                  {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    int x = tfg_net_input(n, res, res, 3);
    if (x >= 0) x = tfg_net_conv(n, x, tfg_zoo_divisible(32 * w), 3, 2, TFG_ACT_RELU6, "stem");
    int blk = 0;
    for (int s = 0; s < 7 && x >= 0; s++)
        for (int r = 0; r < cfg[s][2] && x >= 0; r++) {
            const int in_c = n->layers[x].c;
            x = tfg_zoo_inverted_residual(n, x, tfg_zoo_divisible(cfg[s][1] * w), 3, r == 0 ? cfg[s][3] : 1,
                                          in_c * cfg[s][0], -1, se, blk++);
        }
    if (x >= 0) x = tfg_net_conv(n, x, tfg_zoo_divisible(1280 * w), 1, 1, TFG_ACT_RELU6, "feature_mix");
    return x >= 0 ? tfg_zoo_head(n, x, classes) : -1;
}

static int build_mbv1(tfg_net_t *n, double w, int res, int classes, int in_c)
{
    static const int cfg[13][2] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1},  {512, 2}, {512, 1},
                                   {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
    int x = tfg_net_input(n, res, res, in_c);
    int c0 = (int)(32 * w);
    if (x >= 0) x = tfg_net_conv(n, x, c0 > 0 ? c0 : 1, 3, 2, TFG_ACT_RELU6, "stem");
    for (int i = 0; i < 13 && x >= 0; i++) {
        char name[48];
        snprintf(name, sizeof name, "b%d_dw", i);
        x = tfg_net_dwconv(n, x, 3, cfg[i][1], TFG_ACT_RELU6, name);
        snprintf(name, sizeof name, "b%d_pw", i);
        const int c = (int)(cfg[i][0] * w);
        if (x >= 0) x = tfg_net_conv(n, x, c > 0 ? c : 1, 1, 1, TFG_ACT_RELU6, name);
    }
    return x >= 0 ? tfg_zoo_head(n, x, classes) : -1;
}

/* MLPerf Tiny IC: three residual stacks (16, 32, 64 channels). */
static int build_resnet8(tfg_net_t *n)
{
    int x = tfg_net_input(n, 32, 32, 3);
    if (x >= 0) x = tfg_net_conv(n, x, 16, 3, 1, TFG_ACT_RELU, "stem");
    static const int stack[3][2] = {{16, 1}, {32, 2}, {64, 2}};
    for (int s = 0; s < 3 && x >= 0; s++) {
        char name[48];
        const int c = stack[s][0], st = stack[s][1];
        snprintf(name, sizeof name, "s%d_conv1", s);
        int y = tfg_net_conv(n, x, c, 3, st, TFG_ACT_RELU, name);
        snprintf(name, sizeof name, "s%d_conv2", s);
        if (y >= 0) y = tfg_net_conv(n, y, c, 3, 1, TFG_ACT_NONE, name);
        int sc = x;
        if (st != 1 && y >= 0) {
            snprintf(name, sizeof name, "s%d_shortcut", s);
            sc = tfg_net_conv(n, x, c, 1, st, TFG_ACT_NONE, name);
        }
        snprintf(name, sizeof name, "s%d_add", s);
        x = (y >= 0 && sc >= 0) ? tfg_net_add(n, y, sc, TFG_ACT_RELU, name) : -1;
    }
    return x >= 0 ? tfg_zoo_head(n, x, 10) : -1;
}

/* MLPerf Tiny KWS: 10x4 stride-2 conv, four depthwise-separable blocks of 64. */
static int build_dscnn(tfg_net_t *n)
{
    int x = tfg_net_input(n, 49, 10, 1);
    if (x >= 0) x = tfg_net_conv_hw(n, x, 64, 10, 4, 2, TFG_ACT_RELU, "stem");
    for (int i = 0; i < 4 && x >= 0; i++) {
        char name[48];
        snprintf(name, sizeof name, "b%d_dw", i);
        x = tfg_net_dwconv(n, x, 3, 1, TFG_ACT_RELU, name);
        snprintf(name, sizeof name, "b%d_pw", i);
        if (x >= 0) x = tfg_net_conv(n, x, 64, 1, 1, TFG_ACT_RELU, name);
    }
    return x >= 0 ? tfg_zoo_head(n, x, 12) : -1;
}

/* A streaming wake-word net of the kind MLPerf Tiny's is: convolutions over
 * time only, on 49 frames of 40 log-mel features held as channels of a
 * width-1 image; tall depthwise kernels (3x1 to 15x1) between pointwise ones. */
static int build_ww1d(tfg_net_t *n)
{
    static const int ks[4] = {3, 5, 9, 15};
    int x = tfg_net_input(n, 49, 1, 40);
    if (x >= 0) x = tfg_net_conv_hw(n, x, 64, 3, 1, 1, TFG_ACT_RELU, "stem3x1");
    for (int i = 0; i < 4 && x >= 0; i++) {
        char name[48];
        snprintf(name, sizeof name, "b%d_dw%dx1", i, ks[i]);
        x = tfg_net_dwconv_hw(n, x, ks[i], 1, 1, TFG_ACT_RELU, name);
        snprintf(name, sizeof name, "b%d_pw", i);
        if (x >= 0) x = tfg_net_conv(n, x, 64, 1, 1, TFG_ACT_RELU, name);
    }
    return x >= 0 ? tfg_zoo_head(n, x, 12) : -1;
}

static const tfg_zoo_entry_t ENTRIES[] = {
    {"mbv2-w1.0-r224", "MobileNetV2, width 1.0, 224x224 RGB, 1000 classes (-w<width> -r<res> [-c<classes>])"},
    {"mbv2-w0.35-r144", "MobileNetV2 0.35 at 144x144 (MCUNet's baseline)"},
    {"mbv2-w0.35-r144-se", "the same with squeeze-and-excite in every block (-se)"},
    {"mbv1-w0.25-r96-g", "MobileNetV1 0.25 at 96x96 grayscale (-g: 1 channel, 2 classes unless -c<n>)"},
    {"resnet8-cifar", "MLPerf Tiny image classification ResNet-8, 32x32 RGB, 10 classes"},
    {"dscnn-kws", "MLPerf Tiny keyword spotting DS-CNN, 49x10 MFCC, 12 classes"},
    {"ww1d-kws", "a streaming wake-word net: 1-D convs over 49 frames x 40 mels, depthwise 3x1 to 15x1"},
    {"PATH.json", "a ProxylessNAS/MCUNet architecture JSON (e.g. ../shared/archs/*.json)"},
};

int tfg_zoo_list(const tfg_zoo_entry_t **entries)
{
    *entries = ENTRIES;
    return (int)(sizeof ENTRIES / sizeof ENTRIES[0]);
}

/* Parse "-w<f>-r<n>[-c<n>][-g][-se]" after a family prefix. */
static int parse_mobilenet(const char *s, double *w, int *res, int *classes, int *gray, int *se)
{
    char *end;
    *classes = 0; /* 0: the family's default */
    *gray = *se = 0;
    if (strncmp(s, "-w", 2)) return -1;
    *w = strtod(s + 2, &end);
    if (end == s + 2 || strncmp(end, "-r", 2)) return -1;
    s = end + 2;
    long r = strtol(s, &end, 10);
    if (end == s) return -1;
    *res = (int)(r > 100000 ? 100000 : r);
    s = end;
    while (*s) {
        if (!strncmp(s, "-c", 2)) {
            long c = strtol(s + 2, &end, 10);
            if (end == s + 2) return -1;
            *classes = (int)(c > 1000000 ? 1000000 : c);
            s = end;
        } else if (!strcmp(s, "-g") || !strncmp(s, "-g-", 3)) {
            *gray = 1;
            s += 2;
        } else if (!strcmp(s, "-se") || !strncmp(s, "-se-", 4)) {
            *se = 1;
            s += 3;
        } else {
            return -1;
        }
    }
    return 0;
}

/* Total stride of a net: the smallest spatial size it may be fed. */
static tfg_status_t check_resolution(const char *spec, int res, int total_stride, tfg_diag_t *d)
{
    if (res < total_stride)
        return tfg_diag_set(d, TFG_ERR_INVALID,
                            "%s: resolution %d is smaller than the network's total stride %d", spec, res,
                            total_stride);
    return TFG_OK;
}

tfg_status_t tfg_zoo_net(const char *spec, tfg_net_t *n, tfg_diag_t *d)
{
    const size_t len = strlen(spec);
    tfg_net_init(n, spec);
    if (len > 5 && !strcmp(spec + len - 5, ".json")) return tfg_zoo_net_json(spec, n, d);
    int ok = -1;
    double w;
    int res, classes, gray, se;
    if (!strncmp(spec, "mbv2", 4) || !strncmp(spec, "mbv1", 4)) {
        const bool v2 = spec[3] == '2';
        if (parse_mobilenet(spec + 4, &w, &res, &classes, &gray, &se) < 0 || (v2 && gray) || (!v2 && se))
            return tfg_diag_set(d, TFG_ERR_ARG, "%s: expected %s-w<width>-r<resolution>[-c<classes>]%s", spec,
                                v2 ? "mbv2" : "mbv1", v2 ? "[-se]" : "[-g]");
        if (!(w > 0.0) || w > 4.0)
            return tfg_diag_set(d, TFG_ERR_ARG, "%s: width %g outside (0, 4]", spec, w);
        if (classes == 0) classes = gray ? 2 : 1000;
        if (classes < 1) return tfg_diag_set(d, TFG_ERR_ARG, "%s: %d classes", spec, classes);
        tfg_status_t st = check_resolution(spec, res, 32, d);
        if (st < 0) return st;
        if (res > 1024) return tfg_diag_set(d, TFG_ERR_ARG, "%s: resolution %d above 1024", spec, res);
        if (!v2 && (int)(32 * w) < 1)
            return tfg_diag_set(d, TFG_ERR_ARG, "%s: width %g leaves zero channels", spec, w);
        ok = v2 ? build_mbv2(n, w, res, classes, se) : build_mbv1(n, w, res, classes, gray ? 1 : 3);
    } else if (!strcmp(spec, "resnet8-cifar")) {
        ok = build_resnet8(n);
    } else if (!strcmp(spec, "dscnn-kws")) {
        ok = build_dscnn(n);
    } else if (!strcmp(spec, "ww1d-kws")) {
        ok = build_ww1d(n);
    } else {
        return tfg_diag_set(d, TFG_ERR_ARG, "%s: unknown model (try 'tinyforge zoo list')", spec);
    }
    if (ok < 0) {
        tfg_net_free(n);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "%s: could not build the network (out of memory)", spec);
    }
    return TFG_OK;
}
