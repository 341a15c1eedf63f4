/* Search spaces and subnets (see space.h). */
#include "search/space.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zoo/zoo.h"

/* The default, for small grayscale inputs (Fashion-MNIST's 28x28): the stem
 * keeps the full resolution (an ImageNet stem's stride 2 would leave 14x14
 * before the first block), and the stages step down to 14, 7 and 4 pixels
 * as the reference net fm-mbv2-tiny does. At width 1 and resolution 28 its
 * largest subnet is about 12 M MACs, its smallest about 1.5 M. */
static const char default_space[] = "{\n"
                                    "  \"name\": \"small-gray\",\n"
                                    "  \"resolutions\": [20, 24, 28, 32, 36],\n"
                                    "  \"width_multipliers\": [0.35, 0.5, 0.65, 0.8, 1.0],\n"
                                    "  \"kernel_sizes\": [3, 5, 7],\n"
                                    "  \"expand_ratios\": [3, 4, 6],\n"
                                    "  \"stem\": {\"channels\": 16, \"kernel_size\": 3, \"stride\": 1},\n"
                                    "  \"first_block\": {\"channels\": 8},\n"
                                    "  \"stages\": [\n"
                                    "    {\"channels\": 16, \"stride\": 2, \"depths\": [1, 2, 3]},\n"
                                    "    {\"channels\": 24, \"stride\": 2, \"depths\": [1, 2, 3]},\n"
                                    "    {\"channels\": 40, \"stride\": 1, \"depths\": [1, 2, 3]},\n"
                                    "    {\"channels\": 64, \"stride\": 2, \"depths\": [1, 2]}\n"
                                    "  ],\n"
                                    "  \"feature_mix\": 0\n"
                                    "}\n";

const char *tfg_space_default_json(void)
{
    return default_space;
}

typedef struct {
    const char *name;
    tfg_diag_t *d;
} ctx_t;

static tfg_status_t err(const ctx_t *c, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tfg_diag_set(c->d, TFG_ERR_INVALID, "%s: %s", c->name, msg);
}

/* Every key of o must be one of `keys` (NULL-terminated). */
static tfg_status_t known_keys(const ctx_t *c, const cJSON *o, const char *where, const char *const *keys)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, o)
    {
        int ok = 0;
        for (const char *const *k = keys; *k && !ok; k++) ok = !strcmp(v->string, *k);
        if (!ok) return err(c, "%s: unknown key '%.40s'", where, v->string);
    }
    return TFG_OK;
}

/* An integer in [lo, hi]; absent: def (def < lo: required). */
static tfg_status_t get_int(const ctx_t *c, const cJSON *o, const char *where, const char *key, int lo,
                            int hi, int def, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        if (def < lo) return err(c, "%s: '%s' is missing", where, key);
        return *out = def, TFG_OK;
    }
    const double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!(x >= lo && x <= hi) || x != floor(x))
        return err(c, "%s: '%s' must be an integer in %d..%d", where, key, lo, hi);
    *out = (int)x;
    return TFG_OK;
}

/* A non-empty array of distinct integers in [lo, hi], sorted ascending. */
static tfg_status_t get_ints(const ctx_t *c, const cJSON *o, const char *where, const char *key, int lo,
                             int hi, int *n, int *out)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *v;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 || cJSON_GetArraySize(a) > TFG_SPACE_MAX_CHOICES)
        return err(c, "%s: '%s' must be an array of 1 to %d integers", where, key, TFG_SPACE_MAX_CHOICES);
    *n = 0;
    cJSON_ArrayForEach(v, a)
    {
        const double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        if (!(x >= lo && x <= hi) || x != floor(x))
            return err(c, "%s: every entry of '%s' must be an integer in %d..%d", where, key, lo, hi);
        int at = *n;
        while (at > 0 && out[at - 1] > (int)x) out[at] = out[at - 1], at--;
        if (at > 0 && out[at - 1] == (int)x) return err(c, "%s: '%s' lists %d twice", where, key, (int)x);
        out[at] = (int)x, (*n)++;
    }
    return TFG_OK;
}

static tfg_status_t get_odd(const ctx_t *c, const char *where, const char *key, int n, const int *k)
{
    for (int i = 0; i < n; i++)
        if (k[i] % 2 == 0)
            return err(c, "%s: '%s' must be odd (SAME padding centres the kernel)", where, key);
    return TFG_OK;
}

#define TRY(x)                                                                                               \
    do {                                                                                                     \
        const tfg_status_t st_ = (x);                                                                        \
        if (st_ < 0) return st_;                                                                             \
    } while (0)

static tfg_status_t parse(const ctx_t *c, const cJSON *root, tfg_space_t *s)
{
    static const char *const top[] = {"name",          "resolutions", "width_multipliers", "kernel_sizes",
                                      "expand_ratios", "stem",        "first_block",       "stages",
                                      "feature_mix",   NULL};
    static const char *const stem_keys[] = {"channels", "kernel_size", "stride", NULL};
    static const char *const first_keys[] = {"channels", NULL};
    static const char *const stage_keys[] = {"channels",     "stride",        "depths",
                                             "kernel_sizes", "expand_ratios", NULL};
    if (!cJSON_IsObject(root)) return err(c, "the top level is not a JSON object");
    TRY(known_keys(c, root, "top level", top));
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (name && !cJSON_IsString(name)) return err(c, "top level: 'name' must be a string");
    const char *nm = name ? name->valuestring : "space";
    /* it names subnets and files: letters, digits, '-', '_' and '.' */
    size_t len = strlen(nm), ok = len >= 1 && len < sizeof s->name;
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)nm[i]) || nm[i] == '-' || nm[i] == '_' || nm[i] == '.';
    if (!ok)
        return err(c, "top level: 'name' must be 1 to %zu letters, digits, '-', '_' or '.'",
                   sizeof s->name - 1);
    snprintf(s->name, sizeof s->name, "%s", nm);
    TRY(get_ints(c, root, "top level", "resolutions", 8, 1024, &s->n_res, s->res));
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "width_multipliers"), *v;
    if (!cJSON_IsArray(w) || cJSON_GetArraySize(w) < 1 || cJSON_GetArraySize(w) > TFG_SPACE_MAX_CHOICES)
        return err(c, "top level: 'width_multipliers' must be an array of 1 to %d numbers",
                   TFG_SPACE_MAX_CHOICES);
    s->n_width = 0;
    cJSON_ArrayForEach(v, w)
    {
        const double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        if (!(x >= 0.05 && x <= 4.0)) return err(c, "top level: every width multiplier must be in 0.05..4");
        for (int i = 0; i < s->n_width; i++)
            if (s->width[i] == x) return err(c, "top level: 'width_multipliers' lists %g twice", x);
        s->width[s->n_width++] = x;
    }
    int nk, kernels[TFG_SPACE_MAX_CHOICES] = {0}, ne, expands[TFG_SPACE_MAX_CHOICES] = {0};
    TRY(get_ints(c, root, "top level", "kernel_sizes", 1, 11, &nk, kernels));
    TRY(get_odd(c, "top level", "kernel_sizes", nk, kernels));
    TRY(get_ints(c, root, "top level", "expand_ratios", 1, 8, &ne, expands));

    const cJSON *stem = cJSON_GetObjectItemCaseSensitive(root, "stem");
    if (!cJSON_IsObject(stem)) return err(c, "top level: 'stem' must be an object");
    TRY(known_keys(c, stem, "stem", stem_keys));
    TRY(get_int(c, stem, "stem", "channels", 1, 1024, 0, &s->stem_channels));
    TRY(get_int(c, stem, "stem", "kernel_size", 1, 11, 3, &s->stem_kernel));
    TRY(get_int(c, stem, "stem", "stride", 1, 2, 1, &s->stem_stride));
    if (s->stem_kernel % 2 == 0) return err(c, "stem: 'kernel_size' must be odd");
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(root, "first_block");
    s->first_channels = 0;
    if (first && !cJSON_IsNull(first)) {
        if (!cJSON_IsObject(first)) return err(c, "top level: 'first_block' must be an object or null");
        TRY(known_keys(c, first, "first_block", first_keys));
        TRY(get_int(c, first, "first_block", "channels", 1, 1024, 0, &s->first_channels));
    }
    TRY(get_int(c, root, "top level", "feature_mix", 0, 4096, 0, &s->mix_channels));

    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(root, "stages"), *st;
    if (!cJSON_IsArray(stages) || cJSON_GetArraySize(stages) < 1 ||
        cJSON_GetArraySize(stages) > TFG_SPACE_MAX_STAGES)
        return err(c, "top level: 'stages' must be an array of 1 to %d stages", TFG_SPACE_MAX_STAGES);
    s->n_stages = 0;
    cJSON_ArrayForEach(st, stages)
    {
        char where[32];
        snprintf(where, sizeof where, "stage %d", s->n_stages);
        tfg_space_stage_t *g = &s->stages[s->n_stages++];
        if (!cJSON_IsObject(st)) return err(c, "%s: not a JSON object", where);
        TRY(known_keys(c, st, where, stage_keys));
        TRY(get_int(c, st, where, "channels", 1, 1024, 0, &g->channels));
        TRY(get_int(c, st, where, "stride", 1, 2, 1, &g->stride));
        TRY(get_ints(c, st, where, "depths", 1, TFG_SPACE_MAX_DEPTH, &g->n_depths, g->depths));
        if (cJSON_GetObjectItemCaseSensitive(st, "kernel_sizes")) {
            TRY(get_ints(c, st, where, "kernel_sizes", 1, 11, &g->n_kernels, g->kernels));
            TRY(get_odd(c, where, "kernel_sizes", g->n_kernels, g->kernels));
        } else {
            g->n_kernels = nk, memcpy(g->kernels, kernels, sizeof kernels);
        }
        if (cJSON_GetObjectItemCaseSensitive(st, "expand_ratios"))
            TRY(get_ints(c, st, where, "expand_ratios", 1, 8, &g->n_expands, g->expands));
        else
            g->n_expands = ne, memcpy(g->expands, expands, sizeof expands);
    }
    /* every resolution must survive the strides (the builder's rule) */
    int stride = s->stem_stride;
    for (int i = 0; i < s->n_stages; i++) stride *= s->stages[i].stride;
    if (s->res[0] < stride)
        return err(c, "resolution %d is smaller than the network's total stride %d", s->res[0], stride);
    s->in_channels = 1, s->classes = 10;
    return TFG_OK;
}

tfg_status_t tfg_space_parse(const char *text, size_t len, const char *name, tfg_space_t *s, tfg_diag_t *d)
{
    memset(s, 0, sizeof *s);
    cJSON *root = cJSON_ParseWithLength(text, len);
    const ctx_t c = {name, d};
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        const long off = at && at >= text && at <= text + len ? (long)(at - text) : -1;
        return err(&c, "malformed JSON near byte %ld", off);
    }
    const tfg_status_t st = parse(&c, root, s);
    cJSON_Delete(root);
    return st;
}

tfg_status_t tfg_space_load(const char *path, tfg_space_t *s, tfg_diag_t *d)
{
    if (!path || !strcmp(path, "default"))
        return tfg_space_parse(default_space, sizeof default_space - 1, "default space", s, d);
    char *text;
    size_t len;
    tfg_status_t st = tfg_read_text_file(path, 16u << 20, "search space", &text, &len, d);
    if (st >= 0) st = tfg_space_parse(text, len, path, s, d);
    free(text);
    return st;
}

int tfg_space_channels(const tfg_space_t *s, int w, int base)
{
    const double x = base * s->width[w];
    int c = (int)(x + 4.0) / 8 * 8;
    if (c < 8) c = 8;
    if (c < 0.9 * x) c += 8;
    return c;
}

static int pick(tfg_rng_t *r, int n)
{
    return (int)(tfg_rng_next(r) % (uint64_t)n);
}

void tfg_subnet_sample(const tfg_space_t *s, int w, int r, tfg_rng_t *rng, tfg_subnet_t *n)
{
    memset(n, 0, sizeof *n);
    n->width = w, n->res = r;
    for (int i = 0; i < s->n_stages; i++) {
        const tfg_space_stage_t *g = &s->stages[i];
        n->depth[i] = g->depths[pick(rng, g->n_depths)];
        /* every block of the deepest choice is drawn, so that a subnet's
         * draws do not depend on its depth (a supernet's blocks) */
        for (int b = 0; b < g->depths[g->n_depths - 1]; b++) {
            n->kernel[i][b] = g->kernels[pick(rng, g->n_kernels)];
            n->expand[i][b] = g->expands[pick(rng, g->n_expands)];
        }
    }
}

void tfg_subnet_extreme(const tfg_space_t *s, int w, int r, int largest, tfg_subnet_t *n)
{
    memset(n, 0, sizeof *n);
    n->width = w, n->res = r;
    for (int i = 0; i < s->n_stages; i++) {
        const tfg_space_stage_t *g = &s->stages[i];
        n->depth[i] = largest ? g->depths[g->n_depths - 1] : g->depths[0];
        for (int b = 0; b < g->depths[g->n_depths - 1]; b++) {
            n->kernel[i][b] = largest ? g->kernels[g->n_kernels - 1] : g->kernels[0];
            n->expand[i][b] = largest ? g->expands[g->n_expands - 1] : g->expands[0];
        }
    }
}

/* A growing string. */
typedef struct {
    char *p;
    size_t len, cap;
    int failed;
} buf_t;

static void put(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    for (int pass = 0; pass < 2 && !b->failed; pass++) {
        va_start(ap, fmt);
        const int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        const size_t cap = (b->len + (size_t)n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p, b->cap = cap;
    }
}

char *tfg_subnet_json(const tfg_space_t *s, const tfg_subnet_t *n)
{
    buf_t b = {0};
    const int w = n->width;
    int ch = tfg_space_channels(s, w, s->stem_channels);
    put(&b, "{\n  \"name\": \"%s-w%g-r%d\",\n  \"resolution\": %d,\n", s->name, s->width[w], s->res[n->res],
        s->res[n->res]);
    put(&b,
        "  \"first_conv\": {\"name\": \"ConvLayer\", \"in_channels\": %d, \"out_channels\": %d, "
        "\"kernel_size\": %d, \"stride\": %d, \"act_func\": \"relu6\"},\n  \"blocks\": [",
        s->in_channels, ch, s->stem_kernel, s->stem_stride);
    const char *sep = "\n";
    if (s->first_channels) {
        const int out = tfg_space_channels(s, w, s->first_channels);
        put(&b,
            "%s    {\"in_channels\": %d, \"out_channels\": %d, \"kernel_size\": 3, \"stride\": 1, "
            "\"expand_ratio\": 1, \"shortcut\": %s}",
            sep, ch, out, out == ch ? "true" : "null");
        ch = out, sep = ",\n";
    }
    for (int i = 0; i < s->n_stages; i++) {
        const tfg_space_stage_t *g = &s->stages[i];
        const int out = tfg_space_channels(s, w, g->channels);
        for (int k = 0; k < n->depth[i]; k++) {
            const int stride = k == 0 ? g->stride : 1;
            /* MobileNetV2: the identity shortcut where shapes allow it */
            const int shortcut = stride == 1 && out == ch;
            put(&b,
                "%s    {\"in_channels\": %d, \"out_channels\": %d, \"kernel_size\": %d, \"stride\": %d, "
                "\"expand_ratio\": %d, \"shortcut\": %s}",
                sep, ch, out, n->kernel[i][k], stride, n->expand[i][k], shortcut ? "true" : "null");
            ch = out, sep = ",\n";
        }
    }
    put(&b, "\n  ],\n");
    if (s->mix_channels) {
        const int mix = tfg_space_channels(s, w, s->mix_channels);
        put(&b,
            "  \"feature_mix_layer\": {\"name\": \"ConvLayer\", \"in_channels\": %d, \"out_channels\": %d, "
            "\"kernel_size\": 1, \"stride\": 1, \"act_func\": \"relu6\"},\n",
            ch, mix);
        ch = mix;
    } else {
        put(&b, "  \"feature_mix_layer\": null,\n");
    }
    put(&b, "  \"classifier\": {\"name\": \"LinearLayer\", \"in_features\": %d, \"out_features\": %d}\n}\n",
        ch, s->classes);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

tfg_status_t tfg_subnet_net(const tfg_space_t *s, const tfg_subnet_t *n, tfg_net_t *net, tfg_diag_t *d)
{
    char *json = tfg_subnet_json(s, n);
    if (!json) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory writing a subnet");
    const tfg_status_t st = tfg_zoo_net_json_text(json, strlen(json), "subnet", net, d);
    free(json);
    return st;
}

char *tfg_subnet_choices(const tfg_space_t *s, const tfg_subnet_t *n)
{
    buf_t b = {0};
    put(&b, "{\"width\": %g, \"resolution\": %d, \"stages\": [", s->width[n->width], s->res[n->res]);
    for (int i = 0; i < s->n_stages; i++) {
        put(&b, "%s{\"depth\": %d, \"kernels\": [", i ? ", " : "", n->depth[i]);
        for (int k = 0; k < n->depth[i]; k++) put(&b, "%s%d", k ? ", " : "", n->kernel[i][k]);
        put(&b, "], \"expands\": [");
        for (int k = 0; k < n->depth[i]; k++) put(&b, "%s%d", k ? ", " : "", n->expand[i][k]);
        put(&b, "]}");
    }
    put(&b, "]}");
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* The index of v in list (n entries), or -1. */
static int index_of(const int *list, int n, int v)
{
    for (int i = 0; i < n; i++)
        if (list[i] == v) return i;
    return -1;
}

static tfg_status_t choices(const ctx_t *c, const tfg_space_t *s, const cJSON *root, tfg_subnet_t *n)
{
    static const char *const top[] = {"width", "resolution", "stages", NULL};
    static const char *const stage_keys[] = {"depth", "kernels", "expands", NULL};
    memset(n, 0, sizeof *n);
    if (!cJSON_IsObject(root)) return err(c, "the top level is not a JSON object");
    TRY(known_keys(c, root, "top level", top));
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "width");
    n->width = -1;
    for (int i = 0; cJSON_IsNumber(w) && i < s->n_width; i++)
        if (fabs(s->width[i] - w->valuedouble) < 1e-9) n->width = i;
    if (n->width < 0) return err(c, "'width' is not one of the space's width multipliers");
    int res = 0;
    TRY(get_int(c, root, "top level", "resolution", 1, 100000, 0, &res));
    if ((n->res = index_of(s->res, s->n_res, res)) < 0)
        return err(c, "resolution %d is not one of the space's", res);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "stages"), *g;
    if (!cJSON_IsArray(st) || cJSON_GetArraySize(st) != s->n_stages)
        return err(c, "'stages' must be an array of the space's %d stages", s->n_stages);
    int i = 0;
    cJSON_ArrayForEach(g, st)
    {
        char where[32];
        snprintf(where, sizeof where, "stage %d", i);
        const tfg_space_stage_t *sg = &s->stages[i];
        if (!cJSON_IsObject(g)) return err(c, "%s is not an object", where);
        TRY(known_keys(c, g, where, stage_keys));
        TRY(get_int(c, g, where, "depth", 1, TFG_SPACE_MAX_DEPTH, 0, &n->depth[i]));
        if (index_of(sg->depths, sg->n_depths, n->depth[i]) < 0)
            return err(c, "%s: depth %d is not one of the stage's", where, n->depth[i]);
        const char *keys[2] = {"kernels", "expands"};
        for (int k = 0; k < 2; k++) {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(g, keys[k]), *v;
            if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n->depth[i])
                return err(c, "%s: '%s' must list one choice per block (%d)", where, keys[k], n->depth[i]);
            int b = 0;
            cJSON_ArrayForEach(v, a)
            {
                /* a value outside every choice's range is no choice (and must not be cast to int) */
                const int x = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1024
                                  ? (int)v->valuedouble
                                  : -1;
                const int ok =
                    k ? index_of(sg->expands, sg->n_expands, x) : index_of(sg->kernels, sg->n_kernels, x);
                if (ok < 0 || !cJSON_IsNumber(v) || v->valuedouble != x)
                    return err(c, "%s: block %d's %s is not one of the stage's choices", where, b,
                               k ? "expansion" : "kernel size");
                (k ? n->expand : n->kernel)[i][b++] = x;
            }
        }
        i++;
    }
    return TFG_OK;
}

tfg_status_t tfg_subnet_choices_parse(const tfg_space_t *s, const char *text, const char *name,
                                      tfg_subnet_t *n, tfg_diag_t *d)
{
    const ctx_t c = {name, d};
    cJSON *root = cJSON_Parse(text);
    if (!root) return err(&c, "not valid JSON");
    const tfg_status_t st = choices(&c, s, root, n);
    cJSON_Delete(root);
    return st;
}
