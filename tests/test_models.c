/* Whole-model tests on the shared real models (../shared/models).
 *
 *   test_models golden  every golden input gives byte-identical outputs, with
 *                       the model as written and (float models) with the
 *                       float edges stripped to int8 I/O;
 *   test_models layers  every operator output matches TFLM's per-layer dump
 *                       (layers/), checked right after the step that writes it;
 *   test_models arena   the plan is valid (no two buffers live at the same time
 *                       overlap), within TFLM's arena and the targets;
 *                       a canary-filled arena shows no byte outside the plan is
 *                       touched and no live buffer changes before its last use.
 *
 * Shared data is found at TFG_SOURCE_DIR/../shared; if it is absent the test
 * says so and counts nothing (it cannot pass by accident: see main). */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "golden.h"
#include "tfg_test.h"

static char g_models[1024];

typedef struct {
    const char *name;
    int64_t tflm_arena; /* MODELS.md, x86-64 reference kernels */
} model_info_t;

static const model_info_t MODELS[] = {
    {"tflm_person_detect", 85232},    {"mlperf_vww_96_int8", 103600},
    {"mlperf_kws_ref_model", 24208},  {"mlperf_pretrainedResnet_quant", 55920},
    {"mlperf_ad01_int8", 3632},       {"tflm_micro_speech_quantized", 7520},
    {"tflm_hello_world_int8", 1392},  {"tinyengine_vww", 224912},
    {"tinyengine_detection", 386240}, {"tinyengine_mcunetv2_large", 2614000},
    {"st_yamnet_256_64x96", 163392},  {"st_miniresnetv2_1stacks_64x50", 118160},
};
#define N_MODELS (sizeof MODELS / sizeof MODELS[0])

static int load_opts(const char *name, bool int8_io, bool fuse, tfg_model_t *m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.tflite", g_models, name);
    tfg_pass_opts_t o = {0};
    o.int8_io = int8_io;
    o.no_fuse_residual = !fuse;
    tfg_diag_t d = {{0}};
    if (tfg_model_load(path, &o, m, &d) < 0) {
        TT_LOG("load %s: %s\n", name, d.msg);
        return -1;
    }
    return 0;
}

static int load(const char *name, bool int8_io, tfg_model_t *m)
{
    return load_opts(name, int8_io, true, m);
}

static uint8_t *golden(const char *model, const char *tag, const char *kind, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/golden/%s.%s.%s.bin", g_models, model, tag, kind);
    return tt_slurp(path, len);
}

static void report_diff(const char *what, const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) {
            TT_LOG("%s: first difference at byte %zu (%d vs golden %d)\n", what, i, a[i], b[i]);
            return;
        }
}

/* Float edges stripped: quantize the golden float input with the stripped
 * QUANTIZE's parameters, run the int8 model, dequantize its outputs. */
static void check_int8_io(const char *name, const char *tag, const uint8_t *in, const uint8_t *want,
                          size_t want_len)
{
    tfg_model_t f, q;
    if (load(name, false, &f) < 0) return;
    if (load(name, true, &q) < 0) {
        tfg_model_free(&f);
        return;
    }
    tt_begin();
    TT_CHECK(q.graph.n_inputs == f.graph.n_inputs && q.graph.n_outputs == f.graph.n_outputs);
    uint8_t *qin = malloc(tfg_model_input_bytes(&q) + 1);
    const float *fin = (const float *)(const void *)in;
    size_t qo = 0;
    for (int i = 0; i < q.graph.n_inputs && qin; i++) {
        const tfg_tensor_t *t = &q.graph.tensors[q.graph.inputs[i]];
        tfg_affine_params_t p = {(int32_t)tfg_tensor_elems(t), t->scale[0], t->zero_point[0]};
        if (t->dtype == TFG_DT_INT8 && f.graph.tensors[f.graph.inputs[i]].dtype == TFG_DT_FLOAT32)
            tfg_quantize_f32_s8(&p, fin, (int8_t *)qin + qo);
        else
            memcpy(qin + qo, fin, (size_t)tfg_tensor_bytes(t));
        fin += tfg_tensor_elems(t);
        qo += (size_t)tfg_tensor_bytes(t);
    }
    uint8_t *qout = qin ? tt_run(&q, qin) : NULL;
    float *fout = malloc(want_len + 4);
    size_t fo = 0, qoff = 0;
    for (int i = 0; qout && fout && i < q.graph.n_outputs; i++) {
        const tfg_tensor_t *t = &q.graph.tensors[q.graph.outputs[i]];
        const size_t n = (size_t)tfg_tensor_elems(t);
        if (fo + n * 4 > want_len) break;
        tfg_affine_params_t p = {(int32_t)n, t->scale[0], t->zero_point[0]};
        tfg_dequantize_s8_f32(&p, (const int8_t *)qout + qoff, (float *)(void *)((uint8_t *)fout + fo));
        fo += n * 4;
        qoff += n;
    }
    TT_CHECK(fo == want_len && fout && memcmp(fout, want, want_len) == 0);
    if (!tt_end()) TT_LOG("  %s.%s with int8 I/O differs from golden\n", name, tag);
    free(qin);
    free(qout);
    free(fout);
    tfg_model_free(&f);
    tfg_model_free(&q);
}

static void test_golden(void)
{
    int inputs = 0;
    for (size_t k = 0; k < N_MODELS; k++) {
        const char *name = MODELS[k].name;
        tfg_model_t m;
        tt_begin();
        TT_CHECK(load(name, false, &m) == 0);
        if (!tt_end()) continue;
        char tags[8][32];
        const int n = tt_golden_tags(g_models, name, tags, 8);
        tt_begin();
        TT_CHECK(n >= 2);
        tt_end();
        bool has_float = false;
        for (int i = 0; i < m.graph.n_inputs; i++)
            has_float |= m.graph.tensors[m.graph.inputs[i]].dtype == TFG_DT_FLOAT32;
        for (int i = 0; i < n; i++) {
            size_t in_len, want_len;
            uint8_t *in = golden(name, tags[i], "input", &in_len);
            uint8_t *want = golden(name, tags[i], "output", &want_len);
            tt_begin();
            TT_CHECK(in && want && in_len == tfg_model_input_bytes(&m) &&
                     want_len == tfg_model_output_bytes(&m));
            if (tt_case_ok) {
                uint8_t *out = tt_run(&m, in);
                TT_CHECK(out && memcmp(out, want, want_len) == 0);
                if (!tt_case_ok && out) {
                    char what[512];
                    snprintf(what, sizeof what, "%s.%s", name, tags[i]);
                    report_diff(what, out, want, want_len);
                }
                free(out);
            }
            inputs++;
            tt_end();
            if (has_float && in && want) check_int8_io(name, tags[i], in, want, want_len);
            free(in);
            free(want);
        }
        tfg_model_free(&m);
    }
    printf("golden: %d inputs over %zu models compared byte for byte\n", inputs, N_MODELS);
}

/* ---- per-layer comparison ---- */

typedef struct {
    const tfg_model_t *m;
    const uint8_t *arena;
    const char *dir;
    int compared, failed;
} layer_ctx_t;

static void layer_hook(void *vctx, int step)
{
    layer_ctx_t *c = vctx;
    const tfg_step_t *s = &c->m->prog.steps[step];
    const tfg_op_t *op = &c->m->graph.ops[s->op];
    const tfg_tensor_t *t = &c->m->graph.tensors[s->out];
    char path[4096];
    snprintf(path, sizeof path, "%s/op%03d_%s_t%d.bin", c->dir, op->model_index, tfg_op_name(op->type),
             t->model_index);
    size_t len;
    uint8_t *want = tt_slurp(path, &len);
    if (!want) return;
    const uint8_t *have = tfg_model_tensor_ptr(c->m, c->arena, s->out);
    c->compared++;
    if (len != (size_t)tfg_tensor_bytes(t) || memcmp(have, want, len) != 0) {
        c->failed++;
        TT_LOG("layer %s differs\n", path);
    }
    free(want);
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    int n = 0, ch;
    if (!f) return -1;
    while ((ch = fgetc(f)) != EOF) n += ch == '\n';
    fclose(f);
    return n;
}

static void test_layers(void)
{
    static const struct {
        const char *model, *input;
    } L[] = {
        {"tflm_person_detect", "person"},  {"mlperf_pretrainedResnet_quant", "rand1"},
        {"mlperf_kws_ref_model", "rand1"}, {"tinyengine_vww", "rand1"},
        {"tinyengine_detection", "rand1"},
    };
    for (size_t k = 0; k < sizeof L / sizeof L[0]; k++) {
        tfg_model_t m;
        tt_begin();
        /* Unfused: a fused residual conv never stores the conv output TFLM dumps. */
        TT_CHECK(load_opts(L[k].model, false, false, &m) == 0);
        if (!tt_end()) continue;
        char dir[2048], manifest[2200];
        snprintf(dir, sizeof dir, "%s/layers/%s", g_models, L[k].model);
        snprintf(manifest, sizeof manifest, "%s/manifest.tsv", dir);
        size_t in_len;
        uint8_t *in = golden(L[k].model, L[k].input, "input", &in_len);
        uint8_t *arena = calloc(m.plan.peak + 1, 1);
        layer_ctx_t c = {&m, arena, dir, 0, 0};
        tt_begin();
        TT_CHECK(in && arena && in_len == tfg_model_input_bytes(&m));
        if (tt_case_ok) {
            tfg_model_set_inputs(&m, arena, in);
            tfg_model_invoke_hooked(&m, arena, layer_hook, &c);
        }
        /* Every op with a step has a dump; folded PADs and RESHAPE views do not run. */
        int expected = 0;
        for (int s = 0; s < m.prog.n_steps; s++) expected++;
        TT_CHECK(c.failed == 0);
        TT_CHECK(c.compared == expected);
        const int rows = count_lines(manifest) - 1;
        int skipped = 0;
        for (int i = 0; i < m.graph.n_ops; i++) skipped += m.graph.ops[i].dead || m.graph.ops[i].alias;
        TT_CHECK(rows == expected + skipped);
        printf("layers %s: %d of %d operator outputs compared exactly (%d folded or views)\n", L[k].model,
               c.compared, rows, skipped);
        tt_end();
        free(in);
        free(arena);
        tfg_model_free(&m);
    }
}

/* ---- arena: plan validity, limits, canary and liveness ---- */

#define GUARD 4096
#define CANARY 0xA5

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * UINT64_C(1099511628211);
    return h;
}

typedef struct {
    const tfg_model_t *m;
    uint8_t *base; /* guard + arena + guard */
    uint64_t *hash;
    size_t *hashed_bytes;
    bool *has_hash;
    int guard_hits, clobbered;
} canary_ctx_t;

static void record(canary_ctx_t *c, int t)
{
    const int b = c->m->plan.tensor_buf[t];
    const size_t n = (size_t)tfg_tensor_bytes(&c->m->graph.tensors[t]);
    c->hash[b] = fnv(c->base + GUARD + c->m->plan.bufs[b].offset, n);
    c->hashed_bytes[b] = n;
    c->has_hash[b] = true;
}

static void canary_hook(void *vctx, int step)
{
    canary_ctx_t *c = vctx;
    const tfg_plan_t *p = &c->m->plan;
    for (size_t i = 0; i < GUARD; i++)
        if (c->base[i] != CANARY || c->base[GUARD + p->peak + i] != CANARY) {
            c->guard_hits++;
            break;
        }
    const int written = p->tensor_buf[c->m->prog.steps[step].out];
    for (int b = 0; b < p->n_bufs; b++) {
        if (b == written || !c->has_hash[b] || p->bufs[b].last <= step) continue;
        if (fnv(c->base + GUARD + p->bufs[b].offset, c->hashed_bytes[b]) != c->hash[b]) {
            c->clobbered++;
            TT_LOG("step %d overwrote live buffer %d (needed until step %d)\n", step, b, p->bufs[b].last);
        }
    }
    record(c, c->m->prog.steps[step].out);
}

/* Is one of the two buffers written over the other (an in-place pool)? */
static bool tied(const tfg_buf_t *bufs, int i, int j)
{
    return bufs[i].tie == j + 1 || bufs[j].tie == i + 1;
}

static void check_placement(const tfg_model_t *m)
{
    const tfg_plan_t *p = &m->plan;
    size_t top = 0, lb = 0;
    for (int i = 0; i < p->n_bufs; i++) {
        const tfg_buf_t *a = &p->bufs[i];
        TT_CHECK(a->offset % TFG_ALIGN == 0 && a->offset + a->size <= p->peak);
        if (a->offset + a->size > top) top = a->offset + a->size;
        for (int j = i + 1; j < p->n_bufs; j++) {
            const tfg_buf_t *b = &p->bufs[j];
            const bool same_time = a->first <= b->last && b->first <= a->last;
            const bool same_space = a->offset < b->offset + b->size && b->offset < a->offset + a->size;
            /* tied: the same offset, live together only at the step of the op
             * that writes one over the other (one ends where the other begins) */
            if (tied(p->bufs, i, j))
                TT_CHECK(a->offset == b->offset && (a->last == b->first || b->last == a->first));
            else
                TT_CHECK(!(same_time && same_space));
        }
    }
    /* The lower bound, recounted from the buffers' lifetimes; tied buffers
     * live at the same step hold the larger's bytes. */
    for (int s = 0; s < p->n_steps; s++) {
        size_t live = 0;
        for (int i = 0; i < p->n_bufs; i++) {
            const tfg_buf_t *a = &p->bufs[i];
            if (a->first > s || s > a->last) continue;
            live += a->size;
            const tfg_buf_t *t = a->tie ? &p->bufs[a->tie - 1] : NULL;
            if (t && t->first <= s && s <= t->last) live -= a->size < t->size ? a->size : t->size;
        }
        if (live > lb) lb = live;
    }
    TT_CHECK(top == p->peak);
    TT_CHECK(lb == p->lower_bound);
    TT_CHECK(p->lower_bound <= p->peak);
}

static void test_arena(void)
{
    for (size_t k = 0; k < N_MODELS; k++) {
        for (int io = 0; io < 2; io++) {
            tfg_model_t m;
            tt_begin();
            TT_CHECK(load(MODELS[k].name, io == 1, &m) == 0);
            if (!tt_end()) continue;
            tt_begin();
            check_placement(&m);
            TT_CHECK((int64_t)m.plan.peak < MODELS[k].tflm_arena);
            if (!tt_end())
                TT_LOG("%s: arena %zu vs TFLM %lld\n", MODELS[k].name, m.plan.peak,
                       (long long)MODELS[k].tflm_arena);

            char tags[8][32];
            if (tt_golden_tags(g_models, MODELS[k].name, tags, 8) < 1 || io == 1) {
                tfg_model_free(&m);
                continue;
            }
            size_t in_len, want_len;
            uint8_t *in = golden(MODELS[k].name, tags[0], "input", &in_len);
            uint8_t *want = golden(MODELS[k].name, tags[0], "output", &want_len);
            const int nb = m.plan.n_bufs ? m.plan.n_bufs : 1;
            canary_ctx_t c = {&m,
                              malloc(m.plan.peak + 2 * GUARD),
                              calloc((size_t)nb, 8),
                              calloc((size_t)nb, sizeof(size_t)),
                              calloc((size_t)nb, 1),
                              0,
                              0};
            tt_begin();
            TT_CHECK(in && want && c.base && c.hash && c.hashed_bytes && c.has_hash);
            if (tt_case_ok) {
                memset(c.base, CANARY, m.plan.peak + 2 * GUARD);
                tfg_model_set_inputs(&m, c.base + GUARD, in);
                for (int i = 0; i < m.graph.n_inputs; i++) record(&c, m.graph.inputs[i]);
                tfg_model_invoke_hooked(&m, c.base + GUARD, canary_hook, &c);
                uint8_t *out = malloc(want_len + 1);
                tfg_model_get_outputs(&m, c.base + GUARD, out);
                TT_CHECK(c.guard_hits == 0);
                TT_CHECK(c.clobbered == 0);
                TT_CHECK(memcmp(out, want, want_len) == 0); /* no dependence on a zeroed arena */
                size_t touched = 0;
                for (size_t i = 0; i < m.plan.peak; i++)
                    if (c.base[GUARD + i] != CANARY) touched = i + 1;
                printf(
                    "arena %-32s %9zu B planned, %9zu B lower bound, high-water mark %9zu B, TFLM %9lld B\n",
                    MODELS[k].name, m.plan.peak, m.plan.lower_bound, touched,
                    (long long)MODELS[k].tflm_arena);
                free(out);
            }
            tt_end();
            free(in);
            free(want);
            free(c.base);
            free(c.hash);
            free(c.hashed_bytes);
            free(c.has_hash);
            tfg_model_free(&m);
        }
    }
    /* The targets. */
    static const struct {
        const char *name;
        bool int8_io;
        size_t limit;
    } T[] = {
        {"tflm_person_detect", false, 56 * 1024},
        {"mlperf_vww_96_int8", false, 56 * 1024},
        {"tinyengine_vww", true, 91000},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        tfg_model_t m;
        tt_begin();
        TT_CHECK(load(T[i].name, T[i].int8_io, &m) == 0);
        if (tt_case_ok) {
            TT_CHECK(m.plan.peak <= T[i].limit);
            printf("target %-24s %s arena %zu B <= %zu B\n", T[i].name,
                   T[i].int8_io ? "(int8 I/O)" : "          ", m.plan.peak, T[i].limit);
            tfg_model_free(&m);
        }
        tt_end();
    }
}

int main(int argc, char **argv)
{
    snprintf(g_models, sizeof g_models, "%s/../shared/models", TFG_SOURCE_DIR);
    DIR *d = opendir(g_models);
    if (!d) {
        printf("SKIP: shared models not found at %s\n", g_models);
        return 0;
    }
    closedir(d);
    const char *what = argc > 1 ? argv[1] : "all";
    if (!strcmp(what, "golden") || !strcmp(what, "all")) test_golden();
    if (!strcmp(what, "layers") || !strcmp(what, "all")) test_layers();
    if (!strcmp(what, "arena") || !strcmp(what, "all")) test_arena();
    return tt_summary();
}
