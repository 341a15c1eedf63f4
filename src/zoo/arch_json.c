/* ProxylessNAS / MCUNet architecture JSON -> float net.
 *
 * The format (as published with MCUNet): first_conv (ConvLayer), blocks (each
 * a MobileInvertedResidualBlock with mobile_inverted_conv = MBInvertedConvLayer
 * or ZeroLayer, and shortcut = IdentityLayer or null), feature_mix_layer
 * (ConvLayer or null), classifier (LinearLayer), resolution. mid_channels
 * null means in_channels * expand_ratio; act_func null means relu6 (the
 * layer's default); a ZeroLayer with an identity shortcut is a skipped block;
 * use_se adds squeeze-and-excite after the depthwise convolution.
 * Specs written by hand may leave out the "name" fields, which carry no
 * information the other keys do not: a block's conv without a name is an
 * MBInvertedConvLayer when it has a kernel_size (a ZeroLayer has none, so it
 * must be named), a block may also give the conv's keys itself instead of a
 * mobile_inverted_conv object, a shortcut that is an object (or true) is the
 * identity, and a conv's in_channels defaults to the channels the previous
 * layer gives (the classifier's in_features likewise).
 * Parsing uses Debian's cJSON. Every inconsistency is reported with the block
 * index and the field. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zoo/zoo.h"
#include "zoo/zoo_internal.h"

typedef struct {
    const char *path;
    tfg_diag_t *d;
} jctx_t;

static tfg_status_t jerr(const jctx_t *c, const char *where, const char *what)
{
    return tfg_diag_set(c->d, TFG_ERR_INVALID, "%s: %s: %s", c->path, where, what);
}

/* Integer field: 1 and *out on success, 0 if absent/null (def used), -1 if not an integer. */
static int jint(const cJSON *o, const char *key, int def, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = def;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsNumber(v)) return -1;
    /* Range first: converting an out-of-range double to int is undefined
     * (found by the fuzzer with 8.9e98). NaN fails both comparisons. */
    const double x = v->valuedouble;
    if (!(x >= -2147483648.0 && x <= 2147483647.0) || x != (double)(int)x) return -1;
    *out = (int)x;
    return 1;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int act_of(const cJSON *o, tfg_act_t def, tfg_act_t *act)
{
    const char *a = jstr(o, "act_func");
    if (!a) return *act = def, 0;
    if (!strcmp(a, "relu6")) return *act = TFG_ACT_RELU6, 0;
    if (!strcmp(a, "relu")) return *act = TFG_ACT_RELU, 0;
    return -1;
}

/* A required positive integer field. */
static tfg_status_t need_pos(const jctx_t *c, const cJSON *o, const char *where, const char *key, int *out)
{
    char msg[96];
    int r = jint(o, key, 0, out);
    if (r <= 0 || *out < 1 || *out > 65536) {
        snprintf(msg, sizeof msg, "'%s' must be an integer in 1..65536", key);
        return jerr(c, where, msg);
    }
    return TFG_OK;
}

static tfg_status_t build(const jctx_t *c, const cJSON *root, tfg_net_t *n)
{
    char where[64], msg[160];
    tfg_status_t st;
    int res, x;
    if ((st = need_pos(c, root, "top level", "resolution", &res)) < 0) return st;
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(root, "first_conv");
    if (!cJSON_IsObject(fc)) return jerr(c, "top level", "'first_conv' is missing");
    int oc, k, s, ic = 3;
    tfg_act_t act;
    if ((st = need_pos(c, fc, "first_conv", "out_channels", &oc)) < 0) return st;
    if ((st = need_pos(c, fc, "first_conv", "kernel_size", &k)) < 0) return st;
    if ((st = need_pos(c, fc, "first_conv", "stride", &s)) < 0) return st;
    if (jint(fc, "in_channels", 3, &ic) < 0 || ic < 1) return jerr(c, "first_conv", "bad 'in_channels'");
    if (act_of(fc, TFG_ACT_NONE, &act) < 0) return jerr(c, "first_conv", "unsupported 'act_func'");
    x = tfg_net_input(n, res, res, ic);
    if (x >= 0) x = tfg_net_conv(n, x, oc, k, s, act, "first_conv");
    int total_stride = s;

    const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(root, "blocks");
    if (!cJSON_IsArray(blocks)) return jerr(c, "top level", "'blocks' must be an array");
    int bi = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, blocks)
    {
        snprintf(where, sizeof where, "block %d", bi);
        if (x < 0) break;
        if (!cJSON_IsObject(b)) return jerr(c, where, "not a JSON object");
        const cJSON *mb = cJSON_GetObjectItemCaseSensitive(b, "mobile_inverted_conv");
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(b, "shortcut");
        /* The flat form: the block holds the conv's keys itself. */
        if (!mb && cJSON_GetObjectItemCaseSensitive(b, "kernel_size")) mb = b;
        if (!cJSON_IsObject(mb))
            return jerr(
                c, where,
                "'mobile_inverted_conv' is missing: it must be an object with out_channels, kernel_size, "
                "stride and expand_ratio (an MBInvertedConvLayer), or {\"name\": \"ZeroLayer\"}");
        const char *kind = mb != b ? jstr(mb, "name") : NULL;
        if (!kind && cJSON_GetObjectItemCaseSensitive(mb, "kernel_size")) kind = "MBInvertedConvLayer";
        if (!kind)
            return jerr(c, where,
                        "mobile_inverted_conv has neither a 'name' nor a 'kernel_size': name it "
                        "\"MBInvertedConvLayer\" "
                        "(with out_channels, kernel_size, stride, expand_ratio) or \"ZeroLayer\"");
        const char *sc_kind = NULL;
        if (cJSON_IsObject(sc)) {
            sc_kind = jstr(sc, "name");
            if (!sc_kind) sc_kind = "IdentityLayer"; /* the only shortcut there is */
        } else if (cJSON_IsTrue(sc)) {
            sc_kind = "IdentityLayer";
        } else if (sc && !cJSON_IsNull(sc) && !cJSON_IsFalse(sc)) {
            return jerr(c, where, "'shortcut' must be an object (IdentityLayer), true, false or null");
        }
        if (strcmp(sc_kind ? sc_kind : "IdentityLayer", "IdentityLayer")) {
            snprintf(msg, sizeof msg, "unknown shortcut type '%.60s'", sc_kind);
            return jerr(c, where, msg);
        }
        if (kind && !strcmp(kind, "ZeroLayer")) {
            if (!sc_kind) return jerr(c, where, "a ZeroLayer without a shortcut would output zeros");
            bi++;
            continue; /* identity: the block is skipped */
        }
        if (strcmp(kind, "MBInvertedConvLayer")) {
            snprintf(msg, sizeof msg, "unknown block type '%.60s' (MBInvertedConvLayer or ZeroLayer)", kind);
            return jerr(c, where, msg);
        }
        int in_c, out_c, ks, stride, er, mid;
        /* in_channels defaults to what the previous layer gives. */
        if (!cJSON_GetObjectItemCaseSensitive(mb, "in_channels") ||
            cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(mb, "in_channels")))
            in_c = n->layers[x].c;
        else if ((st = need_pos(c, mb, where, "in_channels", &in_c)) < 0)
            return st;
        if ((st = need_pos(c, mb, where, "out_channels", &out_c)) < 0) return st;
        if ((st = need_pos(c, mb, where, "kernel_size", &ks)) < 0) return st;
        if ((st = need_pos(c, mb, where, "stride", &stride)) < 0) return st;
        if (jint(mb, "expand_ratio", 6, &er) < 0 || er < 1) return jerr(c, where, "bad 'expand_ratio'");
        if (jint(mb, "mid_channels", in_c * er, &mid) < 0 || mid < 1)
            return jerr(c, where, "bad 'mid_channels'");
        if (er == 1) mid = in_c;
        if (act_of(mb, TFG_ACT_RELU6, &act) < 0 || act != TFG_ACT_RELU6)
            return jerr(c, where, "only relu6 inverted residual blocks are supported");
        const int se = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mb, "use_se"));
        if (in_c != n->layers[x].c) {
            snprintf(msg, sizeof msg, "in_channels is %d but the previous layer gives %d", in_c,
                     n->layers[x].c);
            return jerr(c, where, msg);
        }
        if (sc_kind && (stride != 1 || in_c != out_c))
            return jerr(c, where, "an identity shortcut needs stride 1 and equal in/out channels");
        total_stride *= stride;
        x = tfg_zoo_inverted_residual(n, x, out_c, ks, stride, mid, sc_kind ? 1 : 0, se, bi);
        bi++;
    }
    if (x < 0) return tfg_diag_set(c->d, TFG_ERR_NOMEM, "%s: out of memory", c->path);
    if (res < total_stride) {
        snprintf(msg, sizeof msg, "resolution %d is smaller than the network's total stride %d", res,
                 total_stride);
        return jerr(c, "top level", msg);
    }
    const cJSON *fm = cJSON_GetObjectItemCaseSensitive(root, "feature_mix_layer");
    if (cJSON_IsObject(fm)) {
        if ((st = need_pos(c, fm, "feature_mix_layer", "out_channels", &oc)) < 0) return st;
        if (jint(fm, "kernel_size", 1, &k) < 0 || k != 1)
            return jerr(c, "feature_mix_layer", "kernel_size must be 1");
        if (act_of(fm, TFG_ACT_NONE, &act) < 0) return jerr(c, "feature_mix_layer", "unsupported 'act_func'");
        x = tfg_net_conv(n, x, oc, 1, 1, act, "feature_mix");
    }
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(root, "classifier");
    if (!cJSON_IsObject(cl)) return jerr(c, "top level", "'classifier' is missing");
    int in_f, out_f;
    if (!cJSON_GetObjectItemCaseSensitive(cl, "in_features") ||
        cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cl, "in_features")))
        in_f = x >= 0 ? n->layers[x].c : 1; /* defaults to the network's channels */
    else if ((st = need_pos(c, cl, "classifier", "in_features", &in_f)) < 0)
        return st;
    if ((st = need_pos(c, cl, "classifier", "out_features", &out_f)) < 0) return st;
    if (x >= 0 && in_f != n->layers[x].c) {
        snprintf(msg, sizeof msg, "in_features is %d but the network gives %d channels", in_f,
                 n->layers[x].c);
        return jerr(c, "classifier", msg);
    }
    if (x >= 0) x = tfg_zoo_head(n, x, out_f);
    if (x < 0) return tfg_diag_set(c->d, TFG_ERR_NOMEM, "%s: out of memory", c->path);
    return TFG_OK;
}

tfg_status_t tfg_zoo_net_json_text(const char *text, size_t len, const char *name, tfg_net_t *n,
                                   tfg_diag_t *d)
{
    tfg_net_init(n, name);
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        const long off = at && at >= text && at <= text + len ? (long)(at - text) : -1;
        return tfg_diag_set(d, TFG_ERR_INVALID, "%s: malformed JSON near byte %ld", name, off);
    }
    jctx_t c = {name, d};
    tfg_status_t st = cJSON_IsObject(root) ? build(&c, root, n) : jerr(&c, "top level", "not a JSON object");
    cJSON_Delete(root);
    if (st < 0) tfg_net_free(n);
    return st;
}

tfg_status_t tfg_read_text_file(const char *path, size_t max, const char *what, char **text, size_t *len,
                                tfg_diag_t *d)
{
    *text = NULL, *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot open file", path);
    char *t = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *q = cap <= max + 4096 ? realloc(t, cap) : NULL;
            if (!q) {
                free(t);
                fclose(f);
                return tfg_diag_set(d, TFG_ERR_INVALID, "%s: too large for %s", path, what);
            }
            t = q;
        }
        const size_t r = fread(t + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
    }
    const int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(t);
        return tfg_diag_set(d, TFG_ERR_IO, "%s: read error", path);
    }
    t[n] = 0;
    *text = t, *len = n;
    return TFG_OK;
}

tfg_status_t tfg_zoo_net_json(const char *path, tfg_net_t *n, tfg_diag_t *d)
{
    char *text;
    size_t len;
    tfg_status_t st = tfg_read_text_file(path, 64u << 20, "an architecture spec", &text, &len, d);
    if (st < 0) return st;
    st = tfg_zoo_net_json_text(text, len, path, n, d);
    free(text);
    return st;
}
