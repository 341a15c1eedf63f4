/* Per-layer instruction counts for the report, from the JSON that
 * `tinyforge bench --json --layers` prints (src/cli/bench.c):
 *
 *   {"model": ..., "target": ..., "instructions": N, ...,
 *    "layers": [{"index": step, "op": "CONV_2D", "macs": M, "instructions": I}, ...]}
 *
 * A patched bench counts its whole stage as one layer, "PATCH_STAGE", at the
 * split step. The data must be for the report's model with the same steps:
 * every layer's op and (outside a patch stage) MACs must equal the step's, or
 * the file is refused. bench always lowers with int8 I/O, so a float model
 * needs --int8-io for its steps to line up; the message says so. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define BENCH_MAX_BYTES (64u << 20)

static tfg_status_t read_text(const char *path, char **out, size_t *len, tfg_diag_t *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) return tfg_diag_set(d, TFG_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        const size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0 || n > BENCH_MAX_BYTES) break;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) free(buf);
            buf = nb;
            cap *= 2;
        }
    }
    const int err = ferror(f);
    fclose(f);
    if (!buf) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory reading '%s'", path);
    if (err || n > BENCH_MAX_BYTES) {
        free(buf);
        return tfg_diag_set(d, TFG_ERR_IO, "'%s': %s", path, err ? "read error" : "too large for bench data");
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return TFG_OK;
}

/* A JSON number that is an integer in [lo, hi]. */
static bool json_int(const cJSON *o, const char *key, double lo, double hi, long long *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(x) || !(x->valuedouble >= lo && x->valuedouble <= hi)) return false;
    *v = (long long)x->valuedouble;
    return (double)*v == x->valuedouble;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static tfg_status_t check_layers(tfg_report_t *r, const cJSON *root, const char *path, long long *insns,
                                 tfg_diag_t *d)
{
    const tfg_model_t *m = r->m;
    const int ns = m->prog.n_steps;
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) == 0)
        return tfg_diag_set(d, TFG_ERR_INVALID,
                            "'%s' has no per-layer counts (no \"layers\" array): make it with "
                            "'tinyforge bench MODEL --json --layers'",
                            path);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "model");
    char other[160] = "";
    if (cJSON_IsString(name) && strcmp(base_name(name->valuestring), base_name(r->o.model)) != 0)
        snprintf(other, sizeof other, " (it was measured on '%.100s')", name->valuestring);
    int expect = -1, n = 0;
    const cJSON *L;
    cJSON_ArrayForEach(L, layers)
    {
        long long idx, macs, ins;
        const cJSON *op = cJSON_GetObjectItemCaseSensitive(L, "op");
        if (!cJSON_IsObject(L) || !json_int(L, "index", 0, 1e9, &idx) || !cJSON_IsString(op) ||
            !json_int(L, "macs", 0, 9e15, &macs) || !json_int(L, "instructions", 0, 9e15, &ins))
            return tfg_diag_set(d, TFG_ERR_INVALID,
                                "'%s': layer %d lacks an integer index, macs or instructions, or a string op",
                                path, n);
        if (expect < 0) expect = (int)idx;
        if (idx != expect || idx >= ns)
            return tfg_diag_set(
                d, TFG_ERR_INVALID,
                "'%s': layer %d has index %lld, expected %d (the model has %d steps)%s: bench data "
                "for another model or other options?",
                path, n, idx, expect, ns, other);
        const tfg_step_t *st = &m->prog.steps[idx];
        const char *want = tfg_op_name(m->graph.ops[st->op].type);
        const bool stage = !strcmp(op->valuestring, "PATCH_STAGE") && n == 0;
        if (n == 0 && !stage && idx != 0)
            return tfg_diag_set(d, TFG_ERR_INVALID, "'%s': the layers start at step %lld, not 0%s", path, idx,
                                other);
        if (!stage && (strcmp(op->valuestring, want) != 0 || macs != st->macs))
            return tfg_diag_set(
                d, TFG_ERR_INVALID,
                "'%s' is not bench data for %s%s: its layer %lld is %.40s with %lld MACs, step %lld of "
                "the model is %s with %lld MACs%s",
                path, r->o.model, other, idx, op->valuestring, macs, idx, want, (long long)st->macs,
                tfg_graph_float_edges(&m->graph)
                    ? " (bench runs the model with int8 I/O: give the report --int8-io)"
                    : "");
        r->layers[idx].insns = ins;
        if (stage) r->bench_stage_step = (int)idx;
        expect++, n++;
    }
    if (expect != ns)
        return tfg_diag_set(d, TFG_ERR_INVALID, "'%s' has layers up to step %d but the model has %d steps%s",
                            path, expect - 1, ns, other);
    if (!json_int(root, "instructions", 0, 9e15, insns))
        return tfg_diag_set(d, TFG_ERR_INVALID, "'%s' lacks the total \"instructions\"", path);
    return TFG_OK;
}

tfg_status_t tfg_report_load_bench(tfg_report_t *r, const char *path, tfg_diag_t *d)
{
    char *text = NULL;
    size_t len = 0;
    tfg_status_t st = read_text(path, &text, &len, d);
    if (st < 0) return st;
    st = tfg_report_load_bench_text(r, text, len, path, d);
    free(text);
    return st;
}

tfg_status_t tfg_report_load_bench_text(tfg_report_t *r, const char *text, size_t len, const char *path,
                                        tfg_diag_t *d)
{
    tfg_status_t st = TFG_OK;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root || !cJSON_IsObject(root)) {
        const char *at = cJSON_GetErrorPtr();
        const long off = root || !at || at < text || at > text + len ? -1 : (long)(at - text);
        cJSON_Delete(root);
        if (off >= 0)
            return tfg_diag_set(d, TFG_ERR_FORMAT, "'%s' is not JSON (error near byte %ld)", path, off);
        return tfg_diag_set(d, TFG_ERR_FORMAT, "'%s' is not a JSON object", path);
    }
    /* Check everything before touching the report, so a bad file changes nothing. */
    tfg_report_layer_t *saved = malloc(sizeof *saved * ((size_t)r->n_layers + 1));
    if (!saved)
        st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    else
        memcpy(saved, r->layers, sizeof *saved * (size_t)r->n_layers);
    long long insns = 0;
    if (st == TFG_OK) st = check_layers(r, root, path, &insns, d);
    if (st == TFG_OK) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "target");
        snprintf(r->bench_target, sizeof r->bench_target, "%s", cJSON_IsString(t) ? t->valuestring : "?");
        r->bench_insns = insns;
        r->has_bench = true;
    } else if (saved) {
        memcpy(r->layers, saved, sizeof *saved * (size_t)r->n_layers);
        r->bench_stage_step = -1;
    }
    free(saved);
    cJSON_Delete(root);
    return st;
}
