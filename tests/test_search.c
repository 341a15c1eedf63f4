/* TinyNAS's search space and its space optimisation (src/search):
 * parsing and its errors, sampling, subnets against an independent count
 * of their layers, channels and MACs, and the phase's bookkeeping against
 * a recount from the engine's cost of the same subnets; the supernet's
 * slicing, and its sandwich-rule training against finite differences. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/cost.h"
#include "nn/forward.h"
#include "sched/latency.h"
#include "sched/sched.h"
#include "search/evolve.h"
#include "search/sntrain.h"
#include "search/spaceopt.h"
#include "search/supernet.h"
#include "tfg_test.h"
#include "train/optim.h"
#include "zoo/zoo.h"

static void test_default(void)
{
    tt_begin();
    tfg_space_t s, file;
    tfg_diag_t d = {{0}};
    TT_CHECK(tfg_space_load(NULL, &s, &d) == TFG_OK);
    TT_CHECK(s.n_res == 5 && s.res[0] == 20 && s.res[4] == 36);
    TT_CHECK(s.n_width == 5 && s.width[0] == 0.35 && s.width[4] == 1.0);
    TT_CHECK(s.n_stages == 4 && s.stem_channels == 16 && s.stem_stride == 1 && s.first_channels == 8);
    TT_CHECK(s.stages[3].channels == 64 && s.stages[3].n_depths == 2 && s.stages[0].n_kernels == 3 &&
             s.stages[0].kernels[2] == 7 && s.stages[0].n_expands == 3 && s.stages[0].expands[0] == 3);
    /* the copy users edit says what the built-in says */
    TT_CHECK(tfg_space_load(TFG_SOURCE_DIR "/docs/spaces/small-gray.json", &file, &d) == TFG_OK);
    TT_CHECK(!memcmp(&s, &file, sizeof s));
    printf(
        "  default space: %d resolutions x %d widths, %d stages; docs/spaces/small-gray.json is the same\n",
        s.n_res, s.n_width, s.n_stages);
    tt_end();
}

static void test_bad_spaces(void)
{
    static const struct {
        const char *json, *expect;
    } cases[] = {
        {"{", "malformed JSON"},
        {"[1]", "not a JSON object"},
        {"{\"name\": \"a\\\"b\"}", "'name' must be 1 to 63 letters"},
        {"{\"resolutions\": [28]}", "'width_multipliers' must be"},
        {"{\"resolutions\": [], \"width_multipliers\": [1]}", "'resolutions' must be an array of 1 to"},
        {"{\"resolutions\": [28, 28], \"width_multipliers\": [1]}", "lists 28 twice"},
        {"{\"resolutions\": [2], \"width_multipliers\": [1]}", "integer in 8..1024"},
        {"{\"resolutions\": [28], \"width_multipliers\": [0], \"kernel_sizes\": [3]}", "in 0.05..4"},
        {"{\"resolutions\": [8, 28], \"width_multipliers\": [1], \"kernel_sizes\": [3], \"expand_ratios\": "
         "[3], "
         "\"stem\": {\"channels\": 8, \"stride\": 2}, \"stages\": [{\"channels\": 8, \"depths\": [1], "
         "\"stride\": "
         "2}, {\"channels\": 8, \"depths\": [1], \"stride\": 2}, {\"channels\": 8, \"depths\": [1], "
         "\"stride\": 2}]}",
         "resolution 8 is smaller than the network's total stride 16"},
        {"{\"resolutions\": [28], \"width_multipliers\": [1], \"kernel_sizes\": [4], \"expand_ratios\": [3]}",
         "must be odd"},
        {"{\"resolutions\": [28], \"width_multipliers\": [1], \"kernel_size\": [3]}",
         "unknown key 'kernel_size'"},
        {"{\"resolutions\": [28], \"width_multipliers\": [1], \"kernel_sizes\": [3], \"expand_ratios\": [3], "
         "\"stem\": {\"channels\": 8}, \"stages\": [{\"channels\": 8, \"depths\": [7]}]}",
         "stage 0: every entry of 'depths' must be an integer in 1..6"},
        {"{\"resolutions\": [28], \"width_multipliers\": [1], \"kernel_sizes\": [3], \"expand_ratios\": [3], "
         "\"stem\": {\"channels\": 8}, \"stages\": [{\"channels\": 8, \"depths\": [1], \"stride\": 3}]}",
         "stage 0: 'stride' must be an integer in 1..2"},
        {"{\"resolutions\": [28], \"width_multipliers\": [1], \"kernel_sizes\": [3], \"expand_ratios\": [3], "
         "\"stem\": {}, \"stages\": []}",
         "stem: 'channels' is missing"},
        {"{\"resolutions\": [28], \"width_multipliers\": [1], \"kernel_sizes\": [3], \"expand_ratios\": [3], "
         "\"stem\": {\"channels\": 8}, \"stages\": []}",
         "'stages' must be an array of 1 to"},
    };
    int ok = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tt_begin();
        tfg_space_t s;
        tfg_diag_t d = {{0}};
        TT_CHECK(tfg_space_parse(cases[i].json, strlen(cases[i].json), "t.json", &s, &d) == TFG_ERR_INVALID);
        TT_CHECK(strstr(d.msg, cases[i].expect) != NULL && !strncmp(d.msg, "t.json: ", 8));
        if (!tt_case_ok) TT_LOG("  case %zu: got '%s'\n", i, d.msg);
        ok += tt_case_ok;
        tt_end();
    }
    tt_begin();
    tfg_space_t s;
    tfg_diag_t d = {{0}};
    TT_CHECK(tfg_space_load("/nonexistent/space.json", &s, &d) == TFG_ERR_IO &&
             strstr(d.msg, "/nonexistent"));
    tt_end();
    printf("  %d broken spaces refused, each naming its problem; a missing file names itself\n", ok);
}

/* Channels by MobileNet's rounding, written out: the multiple of 8 nearest
 * base * width, at least 8, bumped by 8 when that is 10% short. */
static int round8(double x)
{
    int c = 8;
    for (int k = 8; k <= 4096; k += 8)
        if (k - x <= 4.0 && k - x > -4.0) c = k; /* nearest, ties upward */
    if (x < 4.0) c = 8;
    if (c < 0.9 * x) c += 8;
    return c;
}

static long long conv_macs(int h, int w, int k, int cin, int cout)
{
    return (long long)h * w * k * k * cin * cout;
}

static int out_size(int in, int stride)
{
    return (in + stride - 1) / stride; /* SAME */
}

static void test_subnets(void)
{
    tt_begin();
    tfg_space_t s;
    tfg_diag_t d = {{0}};
    TT_CHECK(tfg_space_load(NULL, &s, &d) == TFG_OK);
    s.in_channels = 1, s.classes = 10;
    tfg_rng_t a = {7}, b = {7};
    int seen_k[8] = {0}, seen_e[8] = {0}, seen_depth[4][4] = {{0}}, checked = 0;
    for (int t = 0; t < 60 && tt_case_ok; t++) {
        tfg_subnet_t x, y;
        const int w = t % s.n_width, r = (t / s.n_width) % s.n_res;
        tfg_subnet_sample(&s, w, r, &a, &x);
        tfg_subnet_sample(&s, w, r, &b, &y);
        TT_CHECK(!memcmp(&x, &y, sizeof x)); /* the same seed, the same subnet */
        /* Independent count: layers, channels and MACs from the choices. */
        int h = s.res[r], ch = round8(16 * s.width[w]), convs = 1, adds = 0;
        long long macs = conv_macs(h, h, 3, 1, ch);
        int c8 = round8(8 * s.width[w]);
        macs += conv_macs(h, h, 3, 1, ch) + conv_macs(h, h, 1, ch, c8); /* first block: dw 3x3, project */
        convs += 2, adds += c8 == ch;
        ch = c8;
        for (int i = 0; i < s.n_stages; i++) {
            const int out = round8(s.stages[i].channels * s.width[w]);
            seen_depth[i][x.depth[i] - 1]++;
            for (int k = 0; k < x.depth[i]; k++) {
                const int st = k ? 1 : s.stages[i].stride, mid = ch * x.expand[i][k], oh = out_size(h, st);
                seen_k[x.kernel[i][k]]++, seen_e[x.expand[i][k]]++;
                macs += conv_macs(h, h, 1, ch, mid) +
                        (long long)oh * oh * x.kernel[i][k] * x.kernel[i][k] * mid +
                        conv_macs(oh, oh, 1, mid, out);
                convs += 3, adds += st == 1 && out == ch;
                h = oh, ch = out;
            }
        }
        macs += (long long)ch * s.classes; /* the classifier */
        tfg_net_t n;
        TT_CHECK(tfg_subnet_net(&s, &x, &n, &d) == TFG_OK);
        if (!tt_case_ok) {
            TT_LOG("  subnet %d: %s\n", t, d.msg);
            break;
        }
        long long got = 0;
        int got_convs = 0, got_adds = 0;
        for (int i = 0; i < n.n; i++) {
            got += tfg_nn_macs(&n, i);
            got_convs += n.layers[i].kind == TFG_NN_CONV || n.layers[i].kind == TFG_NN_DWCONV;
            got_adds += n.layers[i].kind == TFG_NN_ADD;
        }
        TT_CHECK(got == macs && got_convs == convs && got_adds == adds);
        TT_CHECK(n.layers[0].h == s.res[r] && n.layers[0].c == 1 && n.layers[n.n - 1].c == 10);
        if (!tt_case_ok)
            TT_LOG("  subnet %d: MACs %lld vs %lld, convs %d vs %d, adds %d vs %d\n", t, got, macs, got_convs,
                   convs, got_adds, adds);
        checked++;
        tfg_net_free(&n);
    }
    /* every choice is drawn */
    for (int k = 3; k <= 7; k += 2) TT_CHECK(seen_k[k] > 0);
    TT_CHECK(seen_e[3] > 0 && seen_e[4] > 0 && seen_e[6] > 0);
    for (int i = 0; i < 3; i++) TT_CHECK(seen_depth[i][0] && seen_depth[i][1] && seen_depth[i][2]);
    TT_CHECK(seen_depth[3][0] && seen_depth[3][1] && !seen_depth[3][2]);
    printf("  %d sampled subnets: layers, shortcuts and MACs as counted from their choices\n", checked);
    tt_end();
}

/* The phase on a small space: each pair's counts and MACs equal a recount
 * that prices the same subnets (same seed rule) with the engine. */
static void test_spaceopt(void)
{
    tt_begin();
    static const char small[] =
        "{\"name\": \"t\", \"resolutions\": [16, 24], \"width_multipliers\": [0.5, 1.0], "
        "\"kernel_sizes\": [3, 5], \"expand_ratios\": [2, 4], \"stem\": {\"channels\": 16}, "
        "\"first_block\": {\"channels\": 8}, \"stages\": [{\"channels\": 16, \"stride\": 2, \"depths\": [1, "
        "2]}, "
        "{\"channels\": 32, \"stride\": 2, \"depths\": [1, 2]}]}";
    tfg_space_t s;
    tfg_diag_t d = {{0}};
    TT_CHECK(tfg_space_parse(small, sizeof small - 1, "small", &s, &d) == TFG_OK);
    const tfg_spaceopt_opts_t o = {12 * 1024, 24 * 1024, 8 * 1024, 1.2, 12, 0.1, 5, 0};
    tfg_pool_t *pool = tfg_pool_create(2);
    tfg_spaceopt_t r;
    TT_CHECK(pool && tfg_spaceopt_run(&s, &o, pool, NULL, NULL, &r, &d) == TFG_OK);
    tfg_pool_destroy(pool);
    if (!tt_case_ok) {
        TT_LOG("  %s\n", d.msg);
        tt_end();
        return;
    }
    TT_CHECK(r.n == 4);
    int fit_total = 0, best = -1, patched_total = 0;
    double best_mean = 0;
    for (int c = 0; c < r.n; c++) {
        const tfg_spaceopt_cell_t *cell = &r.cells[c];
        tfg_rng_t rng = tfg_spaceopt_rng(&o, cell->width, cell->res);
        int fit = 0, patched = 0;
        double sum = 0, overhead = 0;
        int64_t lo = INT64_MAX;
        for (int i = 0; i < o.samples; i++) {
            tfg_subnet_t x;
            tfg_subnet_sample(&s, cell->width, cell->res, &rng, &x);
            tfg_net_t n;
            tfg_cost_t cost;
            const tfg_cost_opts_t co = {.sram = o.sram};
            TT_CHECK(tfg_subnet_net(&s, &x, &n, &d) == TFG_OK && tfg_cost_net(&n, &co, &cost, &d) == TFG_OK);
            tfg_net_free(&n);
            if (!tt_case_ok) break;
            const size_t flash =
                o.code_bytes ? cost.flash + o.code_bytes : (size_t)cost.m4.total + TFG_FLASH_MARGIN;
            if (cost.fits && cost.macs <= 1.2 * cost.macs_layer && flash <= o.flash) {
                fit++, sum += (double)cost.macs;
                patched += cost.split >= 0, overhead += (double)cost.macs / (double)cost.macs_layer;
                if (cost.macs < lo) lo = cost.macs;
            }
        }
        TT_CHECK(cell->sampled == o.samples && cell->fit == fit);
        TT_CHECK(!fit || (cell->macs[0] == lo && cell->mean_macs == sum / fit));
        TT_CHECK(cell->patched == patched && fabs(cell->mean_overhead - (fit ? overhead / fit : 0)) < 1e-12);
        patched_total += patched;
        TT_CHECK(!fit ||
                 (tfg_spaceopt_cdf(cell, cell->macs[fit - 1]) == 1.0 && tfg_spaceopt_cdf(cell, lo - 1) == 0));
        for (int i = 1; i < cell->fit; i++) TT_CHECK(cell->macs[i - 1] <= cell->macs[i]);
        if (fit >= 2 && (best < 0 || sum / fit > best_mean)) best = c, best_mean = sum / fit;
        fit_total += fit;
    }
    TT_CHECK(r.best == best);
    TT_CHECK(patched_total > 0);
    printf(
        "  space optimisation on 4 pairs x %d subnets: %d fit (%d patched), counts, MACs, MAC overheads and "
        "the choice as recounted\n",
        o.samples, fit_total, patched_total);
    tfg_spaceopt_free(&r);
    tt_end();
}

/* A block's layers found by walking the layer list (not by name):
 * [expand conv] depthwise conv, project conv [add]. */
typedef struct {
    int expand, dw, project;
} block_t;

static int blocks_of(const tfg_net_t *n, block_t *b, int max)
{
    int nb = 0;
    for (int i = 2; i < n->n && nb < max; i++) { /* after the input and the stem */
        const tfg_nn_layer_t *l = &n->layers[i];
        if (l->kind == TFG_NN_DWCONV) {
            const int prev = l->in;
            b[nb].expand = n->layers[prev].kind == TFG_NN_CONV && prev > 1 ? prev : -1;
            b[nb].dw = i, b[nb].project = i + 1;
            nb++;
        }
    }
    return nb;
}

static float frand(tfg_rng_t *r)
{
    return tfg_rng_uniform(r) * 2.0f - 1.0f;
}

/* Random shared weights, biases and batch norm (gamma, beta, running
 * mean and a positive running variance). */
static void randomize_supernet(tfg_supernet_t *sn, tfg_rng_t *r)
{
    for (int i = 0; i < sn->net.n; i++) {
        tfg_nn_layer_t *l = &sn->net.layers[i];
        for (size_t e = 0; e < tfg_nn_weight_count(&sn->net, i); e++) l->weights[e] = 0.4f * frand(r);
        for (size_t e = 0; e < tfg_nn_bias_count(&sn->net, i); e++) l->bias[e] = 0.1f * frand(r);
        for (int c = 0; l->bn_params && c < l->c; c++) {
            l->bn_params[c] = 1.0f + 0.3f * frand(r), l->bn_params[l->c + c] = 0.2f * frand(r);
            l->bn_params[2 * l->c + c] = 0.2f * frand(r),
                                    l->bn_params[3 * l->c + c] = 0.5f + tfg_rng_uniform(r);
        }
    }
}

/* Slicing written out by index: the subnet's weights from the supernet's,
 * layer by layer along both nets' blocks (stage by stage, leading blocks). */
static void slice_by_hand(const tfg_net_t *sup, const tfg_subnet_t *big, const tfg_space_t *s,
                          const tfg_subnet_t *n, tfg_net_t *sub)
{
    block_t bs[64], bb[64];
    blocks_of(sub, bs, 64);
    blocks_of(sup, bb, 64);
    int map[64], k = 0, K = 0;
    if (s->first_channels) map[k++] = K++;
    for (int i = 0; i < s->n_stages; i++) {
        for (int d = 0; d < n->depth[i]; d++) map[k + d] = K + d;
        k += n->depth[i], K += big->depth[i];
    }
    /* the stem and the classifier: same shapes */
    const int same[2][2] = {{1, 1}, {sub->n - 2, sup->n - 2}};
    for (int t = 0; t < 2; t++) {
        const tfg_nn_layer_t *a = &sub->layers[same[t][0]], *A = &sup->layers[same[t][1]];
        memcpy(a->weights, A->weights, sizeof(float) * tfg_nn_weight_count(sub, same[t][0]));
        memcpy(a->bias, A->bias, sizeof(float) * (size_t)a->c);
        if (a->bn_params) memcpy(a->bn_params, A->bn_params, sizeof(float) * 4 * (size_t)a->c);
    }
    for (int i = 0; i < k; i++) {
        const block_t *b = &bs[i], *B = &bb[map[i]];
        const int roles[3][2] = {{b->expand, B->expand}, {b->dw, B->dw}, {b->project, B->project}};
        for (int r = 0; r < 3; r++) {
            if (roles[r][0] < 0) continue;
            tfg_nn_layer_t *a = &sub->layers[roles[r][0]];
            const tfg_nn_layer_t *A = &sup->layers[roles[r][1]];
            const int in = sub->layers[a->in].c, IN = sup->layers[A->in].c;
            for (int c = 0; c < a->c; c++) {
                a->bias[c] = A->bias[c];
                a->bn_params[c] = A->bn_params[c];
                a->bn_params[a->c + c] = A->bn_params[A->c + c];
                a->bn_params[2 * a->c + c] = 0.0f, a->bn_params[3 * a->c + c] = 1.0f;
            }
            if (a->kind == TFG_NN_DWCONV) {
                const int o = (A->k_h - a->k_h) / 2;
                for (int y = 0; y < a->k_h; y++)
                    for (int x = 0; x < a->k_w; x++)
                        for (int c = 0; c < a->c; c++)
                            a->weights[(y * a->k_w + x) * a->c + c] =
                                A->weights[((y + o) * A->k_w + x + o) * A->c + c];
            } else {
                for (int c = 0; c < a->c; c++)
                    for (int e = 0; e < in; e++) a->weights[c * in + e] = A->weights[c * IN + e];
            }
        }
    }
}

static void test_supernet(void)
{
    tt_begin();
    static const char text[] =
        "{\"name\": \"t\", \"resolutions\": [16], \"width_multipliers\": [1.0], \"kernel_sizes\": [3, 5, 7], "
        "\"expand_ratios\": [2, 3, 4], \"stem\": {\"channels\": 16}, \"first_block\": {\"channels\": 8}, "
        "\"stages\": [{\"channels\": 16, \"stride\": 2, \"depths\": [1, 2, 3]}, {\"channels\": 24, "
        "\"stride\": 1, "
        "\"depths\": [1, 2]}]}";
    tfg_space_t s;
    tfg_diag_t d = {{0}};
    tfg_supernet_t sn;
    TT_CHECK(tfg_space_parse(text, sizeof text - 1, "t", &s, &d) == TFG_OK);
    TT_CHECK(tfg_supernet_init(&sn, &s, 0, 0, &d) == TFG_OK);
    if (!tt_case_ok) {
        TT_LOG("  %s\n", d.msg);
        tt_end();
        return;
    }
    tfg_rng_t r = {11};
    randomize_supernet(&sn, &r);
    float x[2 * 16 * 16];
    for (int e = 0; e < 2 * 16 * 16; e++) x[e] = tfg_rng_uniform(&r);
    int checked = 0;
    for (int t = 0; t < 12 && tt_case_ok; t++) {
        tfg_subnet_t n;
        tfg_subnet_sample(&s, 0, 0, &r, &n);
        if (t == 0) n = sn.largest;
        tfg_net_t a, b;
        TT_CHECK(tfg_supernet_extract(&sn, &n, &a, &d) == TFG_OK);
        TT_CHECK(tfg_subnet_net(&s, &n, &b, &d) == TFG_OK && tfg_net_alloc_bn(&b) == 0);
        if (!tt_case_ok) break;
        slice_by_hand(&sn.net, &sn.largest, &s, &n, &b);
        for (int i = 0; i < a.n; i++) {
            if (tfg_nn_weight_count(&a, i))
                TT_CHECK(!memcmp(a.layers[i].weights, b.layers[i].weights,
                                 sizeof(float) * tfg_nn_weight_count(&a, i)));
            if (a.layers[i].bn_params)
                TT_CHECK(
                    !memcmp(a.layers[i].bn_params, b.layers[i].bn_params, sizeof(float) * 2 * a.layers[i].c));
        }
        /* the same outputs in training mode (batch statistics), through the engine's forward pass */
        tfg_nn_tape_t ta, tb;
        TT_CHECK(tfg_nn_tape_init(&ta, &a, 2, 1, true) == 0 && tfg_nn_tape_init(&tb, &b, 2, 1, true) == 0);
        tfg_nn_forward(&a, &ta, NULL, x, 2, true, 1);
        tfg_nn_forward(&b, &tb, NULL, x, 2, true, 1);
        TT_CHECK(!memcmp(ta.out[a.n - 1], tb.out[b.n - 1], sizeof(float) * 2 * (size_t)a.layers[a.n - 1].c));
        tfg_nn_tape_free(&ta);
        tfg_nn_tape_free(&tb);
        /* adding the subnet's weights into a zeroed supernet puts them back where they came from */
        tfg_supernet_t z;
        TT_CHECK(tfg_supernet_init(&z, &s, 0, 0, &d) == TFG_OK);
        tfg_layer_arrays_t from = {calloc((size_t)a.n, sizeof(float *)), NULL, NULL, NULL},
                           to = {calloc((size_t)z.net.n, sizeof(float *)), NULL, NULL, NULL};
        double sum_sub = 0, sum_super = 0;
        for (int i = 0; i < a.n; i++) {
            from.w[i] = a.layers[i].weights;
            for (size_t e = 0; e < tfg_nn_weight_count(&a, i); e++) sum_sub += a.layers[i].weights[e];
        }
        for (int i = 0; i < z.net.n; i++) to.w[i] = z.net.layers[i].weights;
        tfg_supernet_add(&z, &n, &a, &from, &to);
        for (int i = 0; i < z.net.n; i++)
            for (size_t e = 0; e < tfg_nn_weight_count(&z.net, i); e++)
                sum_super += z.net.layers[i].weights[e];
        TT_CHECK(sum_sub == sum_super);
        tfg_net_t back;
        TT_CHECK(tfg_supernet_extract(&z, &n, &back, &d) == TFG_OK);
        for (int i = 0; tt_case_ok && i < a.n; i++)
            if (tfg_nn_weight_count(&a, i))
                TT_CHECK(!memcmp(a.layers[i].weights, back.layers[i].weights,
                                 sizeof(float) * tfg_nn_weight_count(&a, i)));
        tfg_net_free(&back);
        free(from.w), free(to.w);
        tfg_supernet_free(&z);
        tfg_net_free(&a);
        tfg_net_free(&b);
        checked++;
    }
    printf("  supernet: %d subnets sliced (kernel centre, leading channels, leading blocks) as written out "
           "by hand,\n"
           "  the same outputs through the forward pass, and their weights added back where they came from\n",
           checked);
    tfg_supernet_free(&sn);
    tt_end();
}

/* Importance sorting reorders channels, not the function: the largest
 * net's outputs (evaluation mode: running statistics) stay the same up to
 * the rounding of sums taken in another order, every block's importance
 * is descending, and sorting again moves nothing. */
static void test_sort(void)
{
    tt_begin();
    static const char text[] =
        "{\"name\": \"t\", \"resolutions\": [12], \"width_multipliers\": [1.0], \"kernel_sizes\": [3, 5], "
        "\"expand_ratios\": [3, 6], \"stem\": {\"channels\": 8}, \"first_block\": {\"channels\": 8}, "
        "\"stages\": [{\"channels\": 16, \"stride\": 2, \"depths\": [1, 2]}]}";
    tfg_space_t s;
    tfg_diag_t d = {{0}};
    tfg_supernet_t sn;
    TT_CHECK(tfg_space_parse(text, sizeof text - 1, "t", &s, &d) == TFG_OK &&
             tfg_supernet_init(&sn, &s, 0, 0, &d) == TFG_OK);
    if (!tt_case_ok) {
        tt_end();
        return;
    }
    tfg_rng_t r = {5};
    randomize_supernet(&sn, &r);
    float x[3 * 12 * 12], before[3 * 10];
    for (int e = 0; e < 3 * 12 * 12; e++) x[e] = tfg_rng_uniform(&r);
    tfg_nn_tape_t t;
    TT_CHECK(tfg_nn_tape_init(&t, &sn.net, 3, 1, false) == 0);
    tfg_nn_forward(&sn.net, &t, NULL, x, 3, false, 0);
    memcpy(before, t.out[sn.net.n - 1], sizeof before);
    tfg_net_t copy;
    TT_CHECK(tfg_net_copy(&copy, &sn.net) == 0);
    TT_CHECK(tfg_supernet_sort_channels(&sn, &d) == TFG_OK);
    tfg_nn_forward(&sn.net, &t, NULL, x, 3, false, 0);
    double worst = 0;
    for (int e = 0; e < 3 * 10; e++) {
        const double diff = fabs((double)t.out[sn.net.n - 1][e] - before[e]);
        worst = diff > worst ? diff : worst;
    }
    TT_CHECK(worst < 1e-6);
    int blocks = 0, moved = 0;
    for (int i = 0; i < sn.net.n; i++) {
        const tfg_nn_layer_t *l = &sn.net.layers[i];
        if (!strstr(l->name, "_project") || !strstr(sn.net.layers[sn.net.layers[l->in].in].name, "_expand"))
            continue;
        const int m = sn.net.layers[l->in].c;
        float last = INFINITY;
        for (int k = 0; k < m; k++) {
            float imp = 0;
            for (int o = 0; o < l->c; o++) imp += fabsf(l->weights[o * m + k]);
            TT_CHECK(imp <= last);
            last = imp;
        }
        moved +=
            memcmp(l->weights, copy.layers[i].weights, sizeof(float) * tfg_nn_weight_count(&sn.net, i)) != 0;
        blocks++;
    }
    TT_CHECK(blocks == 2 && moved == 2);
    tfg_net_t sorted;
    TT_CHECK(tfg_net_copy(&sorted, &sn.net) == 0 && tfg_supernet_sort_channels(&sn, &d) == TFG_OK);
    for (int i = 0; i < sn.net.n; i++)
        if (tfg_nn_weight_count(&sn.net, i))
            TT_CHECK(!memcmp(sorted.layers[i].weights, sn.net.layers[i].weights,
                             sizeof(float) * tfg_nn_weight_count(&sn.net, i)));
    printf("  importance sorting: %d blocks reordered, outputs within %.1e, descending, stable\n", blocks,
           worst);
    tfg_net_free(&sorted);
    tfg_net_free(&copy);
    tfg_nn_tape_free(&t);
    tfg_supernet_free(&sn);
    tt_end();
}

/* ---- sandwich-rule supernet training ---- */

static const char SANDWICH_SPACE[] =
    "{\"name\": \"t\", \"resolutions\": [12], \"width_multipliers\": [1.0], \"kernel_sizes\": [3, 5], "
    "\"expand_ratios\": [2, 4], \"stem\": {\"channels\": 8}, \"first_block\": {\"channels\": 8}, "
    "\"stages\": [{\"channels\": 16, \"stride\": 2, \"depths\": [1, 2]}, {\"channels\": 16, \"stride\": 1, "
    "\"depths\": [1, 2]}]}";

/* n random 12x12 grayscale images with labels 0..9. */
static void tiny_dataset(tfg_dataset_t *ds, int n, uint64_t seed)
{
    tfg_rng_t r = {seed};
    memset(ds, 0, sizeof *ds);
    ds->n = n, ds->h = 12, ds->w = 12, ds->c = 1, ds->classes = 10;
    ds->images = malloc((size_t)n * 144), ds->labels = malloc((size_t)n);
    for (int e = 0; e < n * 144; e++) ds->images[e] = (uint8_t)(tfg_rng_next(&r) >> 56);
    for (int b = 0; b < n; b++) ds->labels[b] = (uint8_t)(tfg_rng_next(&r) % 10);
}

/* The sandwich space's supernet: shared weights random (randomize_supernet,
 * drawn from `seed`) or, for seed 0, initialized for training. */
static bool small_supernet(tfg_supernet_t *sn, uint64_t seed)
{
    tfg_space_t s;
    tfg_diag_t d = {{0}};
    memset(sn, 0, sizeof *sn);
    TT_CHECK(tfg_space_parse(SANDWICH_SPACE, sizeof SANDWICH_SPACE - 1, "t", &s, &d) == TFG_OK &&
             tfg_supernet_init(sn, &s, 0, 0, &d) == TFG_OK);
    if (!tt_case_ok) return false;
    tfg_rng_t r = {seed};
    if (seed)
        randomize_supernet(sn, &r);
    else
        TT_CHECK(tfg_net_init_train(&sn->net, 3) == 0);
    return tt_case_ok;
}

typedef struct {
    tfg_supernet_t *sn;
    tfg_sntrain_t *st;
    tfg_subnet_t students[3];
    int compared;
    double worst;
} sandwich_t;

/* Where each value of a subnet lives in the supernet, from slice_by_hand
 * (written out by index, independent of tfg_supernet_add): the supernet's
 * values are set to codes layer * 65536 + part * 16384 + index (part 0
 * weights, 1 bias, 2 gamma, 3 beta; exact in a float below 2^24), and the
 * hand-sliced subnet then holds the codes of its values. */
static void code_map(const tfg_supernet_t *sn, const tfg_subnet_t *n, tfg_net_t *map)
{
    tfg_diag_t d = {{0}};
    tfg_net_t codes;
    TT_CHECK(tfg_net_copy(&codes, &sn->net) == 0);
    for (int i = 0; i < codes.n; i++) {
        tfg_nn_layer_t *l = &codes.layers[i];
        for (size_t e = 0; e < tfg_nn_weight_count(&codes, i); e++) l->weights[e] = (float)(i * 65536 + e);
        for (size_t e = 0; e < tfg_nn_bias_count(&codes, i); e++) l->bias[e] = (float)(i * 65536 + 16384 + e);
        for (int c = 0; l->bn_params && c < l->c; c++)
            l->bn_params[c] = (float)(i * 65536 + 2 * 16384 + c),
            l->bn_params[l->c + c] = (float)(i * 65536 + 3 * 16384 + c);
    }
    TT_CHECK(tfg_subnet_net(&sn->space, n, map, &d) == TFG_OK && tfg_net_alloc_bn(map) == 0);
    slice_by_hand(&codes, &sn->largest, &sn->space, n, map);
    tfg_net_free(&codes);
}

/* Add a subnet's gradient array (count values, their codes beside) into
 * the expected supernet gradients. */
static void scatter(const tfg_params_t *ps, float **expect, const float *grad, const float *codes,
                    size_t count, size_t stride)
{
    static const char *parts[4] = {"weights", "bias", "gamma", "beta"};
    for (size_t e = 0; grad && e < count; e++) {
        const long code = lroundf(codes[e * stride]);
        const int layer = (int)(code / 65536), part = (int)(code % 65536 / 16384);
        const size_t at = (size_t)(code % 16384);
        for (int i = 0; i < ps->n; i++)
            if (ps->p[i].layer == layer && !strcmp(ps->p[i].what, parts[part])) expect[i][at] += grad[e];
    }
}

/* As the trainer's step: the largest net's gradient alone, then the
 * sandwich gradient; meanwhile each student is run on its own and its
 * gradient scattered by the hand-made map onto the largest's. The two must
 * agree. */
static double sandwich_step(void *ctx, tfg_trainer_t *t, int batch, long step, int *correct)
{
    sandwich_t *f = ctx;
    const tfg_params_t *ps = tfg_trainer_params(t);
    float **expect = calloc((size_t)ps->n, sizeof(float *));
    tfg_sntrain_grad(f->st, f->students, 0, batch, step, correct);
    for (int i = 0; i < ps->n; i++) {
        expect[i] = malloc(sizeof(float) * ps->p[i].n);
        memcpy(expect[i], ps->p[i].g, sizeof(float) * ps->p[i].n);
    }
    const double loss = tfg_sntrain_grad(f->st, f->students, 3, batch, step, correct);
    const tfg_trainer_batch_t tb = tfg_trainer_batch(t);
    const float *targets = tb.tape->out[f->sn->net.n - 1];
    for (int k = 0; k < 3 && tt_case_ok; k++) {
        tfg_diag_t d = {{0}};
        tfg_net_t n, map;
        tfg_nn_tape_t tape;
        tfg_grad_t g;
        TT_CHECK(tfg_supernet_extract(f->sn, &f->students[k], &n, &d) == TFG_OK);
        TT_CHECK(tfg_nn_tape_init(&tape, &n, batch, 1, true) == 0 && tfg_grad_init(&g, &n, batch, 1) == 0);
        tfg_nn_forward(&n, &tape, NULL, tb.x, batch, true, tfg_trainer_step_seed(t, step));
        tfg_nn_loss_soft(&n, &tape, &g, targets, tb.y, NULL);
        tfg_nn_backward(&n, &tape, &g, NULL);
        code_map(f->sn, &f->students[k], &map);
        for (int i = 0; i < n.n; i++) {
            const tfg_nn_layer_t *l = &map.layers[i];
            scatter(ps, expect, g.dw[i], l->weights, tfg_nn_weight_count(&n, i), 1);
            if (!tfg_nn_has_bn(l)) scatter(ps, expect, g.db[i], l->bias, tfg_nn_bias_count(&n, i), 1);
            if (l->bn_params) {
                scatter(ps, expect, g.dgamma[i], l->bn_params, (size_t)l->c, 1);
                scatter(ps, expect, g.dbeta[i], l->bn_params + l->c, (size_t)l->c, 1);
            }
        }
        tfg_net_free(&map);
        tfg_grad_free(&g);
        tfg_nn_tape_free(&tape);
        tfg_net_free(&n);
    }
    for (int i = 0; i < ps->n; i++) {
        for (size_t e = 0; e < ps->p[i].n; e++) {
            const double diff = fabs((double)expect[i][e] - ps->p[i].g[e]);
            f->worst = diff > f->worst ? diff : f->worst;
            f->compared++;
        }
        free(expect[i]);
    }
    free(expect);
    return loss;
}

/* The supernet's gradient after a sandwich step is the largest net's plus
 * each student's, every student's at the slice it used. Checked against
 * the students run on their own, their gradients scattered by a map made
 * by hand (a gradient added at the wrong place, or not added, fails it);
 * the students' own gradients are the engine's, checked against finite
 * differences in test_train. */
static void test_sandwich_gradient(void)
{
    tt_begin();
    tfg_supernet_t sn;
    tfg_diag_t d = {{0}};
    if (!small_supernet(&sn, 17)) {
        tfg_supernet_free(&sn);
        tt_end();
        return;
    }
    const tfg_space_t *s = &sn.space;
    tfg_dataset_t ds;
    tiny_dataset(&ds, 6, 5);
    tfg_train_opts_t o = tfg_train_default_opts();
    o.epochs = 1, o.batch = 6;
    tfg_trainer_t *t = tfg_trainer_create(&sn.net, &ds, NULL, &o, 2, &d);
    const tfg_sntrain_opts_t so = {2, 9};
    tfg_sntrain_t *st = t ? tfg_sntrain_attach(&sn, t, &so, &d) : NULL;
    TT_CHECK(st != NULL);
    if (st) {
        sandwich_t f = {&sn, st, {{0}}, 0, 0.0};
        TT_CHECK(tfg_sntrain_students(st, 0, f.students, 3) == 3);
        tfg_subnet_t smallest; /* the smallest first, then random ones */
        tfg_subnet_extreme(s, 0, 0, 0, &smallest);
        TT_CHECK(!memcmp(&f.students[0], &smallest, sizeof smallest));
        TT_CHECK(memcmp(&f.students[1], &f.students[2], sizeof smallest) != 0);
        tfg_trainer_set_step(t, sandwich_step, &f);
        tfg_trainer_epoch(t, NULL, NULL);
        TT_CHECK(tfg_sntrain_error(st) == NULL);
        TT_CHECK(f.compared > 1000 && f.worst <= 1e-6);
        printf("  sandwich step: the supernet's gradient is the largest's plus each distilled student's "
               "(smallest, 2 random)\n  at the slice it used: %d values within %.1e\n",
               f.compared, f.worst);
    }
    tfg_sntrain_free(st);
    tfg_trainer_free(t);
    tfg_dataset_free(&ds);
    tfg_supernet_free(&sn);
    tt_end();
}

/* Two sandwich epochs on 1 and on 2 threads give bit-identical shared
 * weights (the students of a step come from (seed, step)), and the
 * weights move. */
static void train_supernet(int threads, tfg_net_t *out)
{
    tfg_diag_t d = {{0}};
    tfg_supernet_t sn;
    small_supernet(&sn, 0);
    tfg_dataset_t ds;
    tiny_dataset(&ds, 40, 6);
    tfg_train_opts_t o = tfg_train_default_opts();
    o.epochs = 2, o.batch = 16;
    tfg_trainer_t *t = tfg_trainer_create(&sn.net, &ds, NULL, &o, threads, &d);
    const tfg_sntrain_opts_t so = {2, 4};
    tfg_sntrain_t *st = t ? tfg_sntrain_attach(&sn, t, &so, &d) : NULL;
    TT_CHECK(st != NULL);
    for (int e = 0; st && e < 2; e++) tfg_trainer_epoch(t, NULL, NULL);
    TT_CHECK(st && tfg_sntrain_error(st) == NULL && tfg_sntrain_student_loss(st) > 0.0);
    TT_CHECK(tfg_net_copy(out, &sn.net) == 0);
    tfg_sntrain_free(st);
    tfg_trainer_free(t);
    tfg_dataset_free(&ds);
    tfg_supernet_free(&sn);
}

static void test_sandwich_threads(void)
{
    tt_begin();
    tfg_net_t a = {0}, b = {0}, init = {0};
    train_supernet(1, &a);
    train_supernet(2, &b);
    tfg_supernet_t sn;
    TT_CHECK(small_supernet(&sn, 0) && tfg_net_copy(&init, &sn.net) == 0);
    int same = 0, moved = 0, tensors = 0;
    for (int i = 0; tt_case_ok && i < a.n; i++) {
        const size_t nw = tfg_nn_weight_count(&a, i);
        if (!nw) continue;
        tensors++;
        same += !memcmp(a.layers[i].weights, b.layers[i].weights, sizeof(float) * nw);
        moved += memcmp(a.layers[i].weights, init.layers[i].weights, sizeof(float) * nw) != 0;
    }
    TT_CHECK(tensors > 10 && same == tensors && moved == tensors);
    printf("  sandwich training: %d shared tensors bit-identical on 1 and 2 threads, all trained\n", tensors);
    tfg_supernet_free(&sn);
    tfg_net_free(&init);
    tfg_net_free(&a);
    tfg_net_free(&b);
    tt_end();
}

/* ---- fitness and evolution ---- */

/* Batch-norm recalibration: the stem's running mean is the mean of its
 * conv output over every calibration image (the batches' means averaged;
 * the stem's input does not depend on the batching), computed here by one
 * forward pass over all of them; every other batch norm is recomputed too. */
static void test_recalibration(void)
{
    tt_begin();
    tfg_diag_t d = {{0}};
    tfg_supernet_t sn;
    if (!small_supernet(&sn, 21)) {
        tfg_supernet_free(&sn);
        tt_end();
        return;
    }
    for (int i = 0; i < sn.net.n; i++) /* a bias before batch norm would shift the mean: none */
        for (size_t e = 0; e < tfg_nn_bias_count(&sn.net, i); e++) sn.net.layers[i].bias[e] = 0.0f;
    tfg_dataset_t ds;
    tiny_dataset(&ds, 500, 8);
    tfg_fitness_t *f = tfg_fitness_create(&sn, &ds, &ds, 500, 3, NULL, &d);
    TT_CHECK(f != NULL);
    tfg_net_t net;
    TT_CHECK(f && tfg_fitness_net(f, &sn.largest, &net, &d) == TFG_OK);
    if (tt_case_ok) {
        float *x = malloc(sizeof(float) * 500 * 144);
        tfg_train_pixels(ds.images, 500 * 144, x);
        tfg_nn_tape_t t;
        TT_CHECK(tfg_nn_tape_init(&t, &net, 500, 1, true) == 0);
        tfg_nn_forward(&net, &t, NULL, x, 500, true, 0);
        const tfg_nn_layer_t *stem = &net.layers[1];
        double worst = 0;
        for (int c = 0; c < stem->c; c++) {
            const double diff = fabs((double)stem->bn_params[2 * stem->c + c] - t.mean[1][c]);
            worst = diff > worst ? diff : worst;
        }
        TT_CHECK(tfg_nn_has_bn(stem) && worst < 1e-5);
        int recalibrated = 0, bn = 0;
        for (int i = 0; i < net.n; i++) {
            const tfg_nn_layer_t *l = &net.layers[i], *L = &sn.net.layers[i];
            if (!tfg_nn_has_bn(l)) continue;
            bn++;
            bool moved = true, positive = true;
            for (int c = 0; c < l->c; c++) {
                moved &= l->bn_params[2 * l->c + c] != L->bn_params[2 * L->c + c];
                positive &= l->bn_params[3 * l->c + c] > 0.0f;
            }
            recalibrated += moved && positive;
        }
        TT_CHECK(bn > 5 && recalibrated == bn);
        printf(
            "  batch-norm recalibration: the stem's running mean is the mean over 500 images (within %.1e); "
            "all %d batch norms recomputed\n",
            worst, bn);
        tfg_nn_tape_free(&t);
        free(x);
        tfg_net_free(&net);
    }
    tfg_fitness_free(f);
    tfg_dataset_free(&ds);
    tfg_supernet_free(&sn);
    tt_end();
}

static int stop_after_1(void *ctx, int generation, const tfg_evolve_t *e)
{
    (void)ctx, (void)e;
    return generation == 1;
}

/* The evolution's bookkeeping on a small supernet: every candidate is
 * canonical, fits the budget as the engine prices it again, is evaluated
 * once, has the accuracy the fitness gives it again; the population is
 * sorted, its best never drops (the parents stay), and each generation adds
 * its mutations and crossovers; stopped, restored and resumed, it is the
 * same search. Random search evaluates as many distinct fitting subnets as
 * asked, and resumes the same way. */
static void test_evolution(void)
{
    tt_begin();
    tfg_diag_t d = {{0}};
    tfg_supernet_t sn;
    if (!small_supernet(&sn, 23)) {
        tfg_supernet_free(&sn);
        tt_end();
        return;
    }
    const tfg_space_t *s = &sn.space;
    tfg_dataset_t train, val;
    tiny_dataset(&train, 64, 9);
    tiny_dataset(&val, 50, 10);
    tfg_fitness_t *f = tfg_fitness_create(&sn, &train, &val, 32, 3, NULL, &d);
    TT_CHECK(f != NULL);
    /* a flash budget that some subnets exceed: halfway between the smallest's
     * and the largest's whole flash on the M4 (--code auto) */
    tfg_cost_t big, small;
    unsigned over;
    tfg_spaceopt_opts_t b = {1 << 20, 1 << 20, 0, 1.2, 0, 0.1, 0, 0};
    TT_CHECK(tfg_subnet_price(s, &sn.largest, &b, &big, &over, &d) == TFG_OK && over == 0);
    tfg_subnet_t smallest;
    tfg_subnet_extreme(s, sn.largest.width, sn.largest.res, 0, &smallest);
    TT_CHECK(tfg_subnet_price(s, &smallest, &b, &small, &over, &d) == TFG_OK && over == 0);
    b.flash = (size_t)(big.m4.total + small.m4.total) / 2;
    tfg_evolve_opts_t o = tfg_evolve_default_opts();
    o.population = 8, o.parents = 3, o.mutations = 4, o.crossovers = 4, o.generations = 3, o.budget = b;
    tfg_evolve_t e;
    TT_CHECK(f && tfg_evolve_run(f, &sn, &o, NULL, NULL, &e, &d) == TFG_OK);
    if (tt_case_ok) {
        /* a generation adds its 4 mutations and up to 4 crossovers (3 parents may have fewer new children) */
        int per_gen[4] = {0};
        for (int i = 0; i < e.n_evaluated; i++) per_gen[e.evaluated[i].generation]++;
        TT_CHECK(per_gen[0] == 8 && e.n_gen == 4 && e.rejected > 0);
        for (int g = 1; g < 4; g++) TT_CHECK(per_gen[g] >= 4 && per_gen[g] <= 8);
        int bad = 0;
        for (int i = 0; i < e.n_evaluated; i++) {
            const tfg_candidate_t *c = &e.evaluated[i];
            tfg_subnet_t canon = c->net;
            tfg_subnet_canonical(s, &canon);
            bad += memcmp(&canon, &c->net, sizeof canon) != 0;
            tfg_cost_t cost;
            bad += tfg_subnet_price(s, &c->net, &b, &cost, &over, &d) != TFG_OK || over != 0 ||
                   cost.macs != c->macs || cost.arena != c->arena || (size_t)cost.m4.total != c->flash ||
                   c->flash + TFG_FLASH_MARGIN > b.flash;
            for (int k = 0; k < i; k++) bad += !memcmp(&e.evaluated[k].net, &c->net, sizeof canon);
            if (i % 8 == 0) {
                double acc = -1;
                bad += tfg_fitness_eval(f, &c->net, &acc, &d) != TFG_OK || acc != c->accuracy;
            }
        }
        TT_CHECK(bad == 0);
        for (int i = 1; i < e.n_population; i++)
            TT_CHECK(e.evaluated[e.population[i - 1]].accuracy >= e.evaluated[e.population[i]].accuracy);
        for (int g = 1; g < e.n_gen; g++) TT_CHECK(e.best[g] >= e.best[g - 1]);
        TT_CHECK(e.n_population == 3 + per_gen[3] && e.top == e.population[0]);
        /* stopped after generation 1, restored from its figures and resumed: the same search */
        tfg_evolve_t part, resumed;
        TT_CHECK(tfg_evolve_run(f, &sn, &o, stop_after_1, NULL, &part, &d) == TFG_OK && part.n_gen == 2);
        TT_CHECK(tfg_evolve_restore(&resumed, part.evaluated, part.n_evaluated, part.population,
                                    part.n_population, part.best, part.mean, part.n_gen, part.rejected,
                                    &d) == TFG_OK);
        TT_CHECK(tfg_evolve_resume(f, &sn, &o, NULL, NULL, &resumed, &d) == TFG_OK);
        TT_CHECK(resumed.n_evaluated == e.n_evaluated && resumed.n_population == e.n_population &&
                 resumed.rejected == e.rejected && resumed.n_gen == e.n_gen);
        for (int i = 0; tt_case_ok && i < e.n_evaluated; i++)
            TT_CHECK(!memcmp(&resumed.evaluated[i], &e.evaluated[i], sizeof *e.evaluated));
        for (int i = 0; tt_case_ok && i < e.n_population; i++)
            TT_CHECK(resumed.population[i] == e.population[i]);
        tfg_evolve_free(&part);
        tfg_evolve_free(&resumed);
        printf("  evolution: %d distinct subnets evaluated over 3 generations, each within the budget as "
               "priced again\n  (%ld draws over it), its accuracy reproduced; the best never drops; resumed "
               "after "
               "generation 1, the same search\n",
               e.n_evaluated, e.rejected);
        tfg_evolve_free(&e);
    }
    tfg_evolve_t rs, rpart;
    TT_CHECK(f && tfg_random_search(f, &sn, &o, 20, NULL, NULL, &rs, &d) == TFG_OK);
    if (tt_case_ok) {
        TT_CHECK(rs.n_evaluated == 20 && rs.n_population == 20);
        for (int i = 1; i < rs.n_population; i++)
            TT_CHECK(rs.evaluated[rs.population[i - 1]].accuracy >= rs.evaluated[rs.population[i]].accuracy);
        /* in groups of the population's size (8): stopped after the second, resumed, the same */
        TT_CHECK(tfg_random_search(f, &sn, &o, 20, stop_after_1, NULL, &rpart, &d) == TFG_OK &&
                 rpart.n_evaluated == 16);
        TT_CHECK(tfg_random_search_resume(f, &sn, &o, 20, NULL, NULL, &rpart, &d) == TFG_OK &&
                 rpart.n_evaluated == 20);
        for (int i = 0; tt_case_ok && i < 20; i++)
            TT_CHECK(!memcmp(&rpart.evaluated[i], &rs.evaluated[i], sizeof *rs.evaluated) &&
                     rpart.population[i] == rs.population[i]);
        tfg_evolve_free(&rpart);
        tfg_evolve_free(&rs);
    }
    tfg_fitness_free(f);
    tfg_dataset_free(&train);
    tfg_dataset_free(&val);
    tfg_supernet_free(&sn);
    tt_end();
}

/* A subnet's choices as text and back (how --resume reads evolution.json's
 * best): 40 sampled subnets round-trip canonically; broken choices are
 * refused naming their problem. */
static void test_choices(void)
{
    tt_begin();
    tfg_space_t s;
    tfg_diag_t d = {{0}};
    TT_CHECK(tfg_space_load(NULL, &s, &d) == TFG_OK);
    tfg_rng_t r = {31};
    int same = 0;
    for (int i = 0; i < 40; i++) {
        tfg_subnet_t n, back;
        tfg_subnet_sample(&s, i % s.n_width, i % s.n_res, &r, &n);
        tfg_subnet_canonical(&s, &n);
        char *text = tfg_subnet_choices(&s, &n);
        TT_CHECK(text && tfg_subnet_choices_parse(&s, text, "t", &back, &d) == TFG_OK);
        same += text && !memcmp(&n, &back, sizeof n);
        free(text);
    }
    TT_CHECK(same == 40);
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"[1]", "not a JSON object"},
        {"{\"width\": 0.3, \"resolution\": 28, \"stages\": []}", "'width' is not one of"},
        {"{\"width\": 0.5, \"resolution\": 30, \"stages\": []}", "resolution 30 is not one of"},
        {"{\"width\": 0.5, \"resolution\": 28, \"stages\": []}", "must be an array of the space's 4 stages"},
        {"{\"width\": 0.5, \"resolution\": 28, \"depth\": 2}", "unknown key 'depth'"},
        {"{\"width\": 0.5, \"resolution\": 28, \"stages\": [{\"depth\": 4, \"kernels\": [3,3,3,3], "
         "\"expands\": "
         "[3,3,3,3]}, {}, {}, {}]}",
         "stage 0: depth 4 is not one of"},
        {"{\"width\": 0.5, \"resolution\": 28, \"stages\": [{\"depth\": 1, \"kernels\": [3, 5], \"expands\": "
         "[3]}, "
         "{}, {}, {}]}",
         "stage 0: 'kernels' must list one choice per block"},
        {"{\"width\": 0.5, \"resolution\": 28, \"stages\": [{\"depth\": 1, \"kernels\": [9], \"expands\": "
         "[3]}, {}, "
         "{}, {}]}",
         "stage 0: block 0's kernel size is not one of"},
        {"{\"width\": 0.5, \"resolution\": 28, \"stages\": [{\"depth\": 1, \"kernels\": [3], \"expands\": "
         "[4.5]}, "
         "{}, {}, {}]}",
         "stage 0: block 0's expansion is not one of"},
        {"{\"width\": 0.5", "not valid JSON"},
        {"{\"width\": 0.5, \"resolution\": 28, \"stages\": [{\"depth\": 1, \"kernels\": [7555555555555], "
         "\"expands\": [3]}, {}, {}, {}]}",
         "stage 0: block 0's kernel size is not one of"}, /* the fuzzer's: no cast of a huge value */
    };
    int named = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tfg_subnet_t n;
        tfg_diag_t e = {{0}};
        const bool refused = tfg_subnet_choices_parse(&s, bad[i].text, "c.json", &n, &e) < 0;
        const bool says = strstr(e.msg, bad[i].want) && strstr(e.msg, "c.json");
        if (!refused || !says) TT_LOG("  choices %zu: '%s' (wanted '%s')\n", i, e.msg, bad[i].want);
        named += refused && says;
    }
    TT_CHECK(named == (int)(sizeof bad / sizeof *bad));
    printf("  subnet choices: 40 round trips; %d broken ones refused, each naming its problem\n", named);
    tt_end();
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The latency model's bookkeeping and the latency budget:
 *  - a patch stage sums its steps' features over the tiles: the MACs it sums
 *    are the scheduler's own recount of the stage with its halos, and on
 *    one tile its features are the steps' own (MACs, output elements,
 *    pixels, one call each), and on a 2x2 grid one call per step per tile;
 *  - tfg_subnet_price flags a subnet over --max-instructions exactly when
 *    the prediction exceeds it, and space optimisation counts those. */
static void test_latency(void)
{
    tt_begin();
    tfg_diag_t d = {{0}};
    tfg_net_t net;
    tfg_graph_t g;
    tfg_model_t m;
    const tfg_pass_opts_t po = {.int8_io = true};
    char spec[4096];
    snprintf(spec, sizeof spec, "%s/../shared/archs/fm-mbv2-tiny.json", TFG_SOURCE_DIR);
    TT_CHECK(tfg_zoo_net(spec, &net, &d) == TFG_OK);
    if (!tt_case_ok) {
        tt_end();
        return;
    }
    TT_CHECK(tfg_zoo_quantize_placeholder(&net, &g, &d) == TFG_OK &&
             tfg_model_prepare(&m, &g, &po, &d) == TFG_OK);
    tfg_net_free(&net);
    if (!tt_case_ok) {
        tt_end();
        return;
    }
    const int split = 5;
    double f1[TFG_LAT_COUNT][4], f4[TFG_LAT_COUNT][4], want[TFG_LAT_COUNT][4] = {{0}};
    TT_CHECK(tfg_latency_stage_features(&m, split, 1, 1, NULL, f1) == TFG_OK);
    TT_CHECK(tfg_latency_stage_features(&m, split, 2, 2, NULL, f4) == TFG_OK);
    for (int k = 0; k <= split; k++) {
        const tfg_step_t *st = &m.prog.steps[k];
        const tfg_tensor_t *y = &m.graph.tensors[st->out];
        double *w = want[tfg_latency_class(st, -1)];
        w[0] += (double)st->macs, w[1] += (double)(y->dims[1] * y->dims[2] * y->dims[3]);
        w[2] += (double)(y->dims[1] * y->dims[2]), w[3] += 1;
    }
    int bad = 0;
    double macs4 = 0, calls4 = 0;
    for (int c = 0; c < TFG_LAT_COUNT; c++) {
        for (int q = 0; q < 4; q++) bad += f1[c][q] != want[c][q];
        macs4 += f4[c][0], calls4 += f4[c][3];
    }
    TT_CHECK(bad == 0);
    tfg_schedule_t sc;
    int64_t rest = 0;
    for (int k = split + 1; k < m.prog.n_steps; k++) rest += m.prog.steps[k].macs;
    TT_CHECK(tfg_sched_eval(&m, split, 2, 2, &sc, &d) == TFG_OK);
    TT_CHECK(macs4 == (double)(sc.macs - rest) && calls4 == 4.0 * (split + 1));
    TT_CHECK(tfg_latency_m4(&m, split, 2, 2, NULL) > 0 && tfg_latency_m4(&m, -1, 1, 1, NULL) > 0);
    tfg_model_free(&m);

    /* the budget: a subnet exactly at it fits, one instruction less does not */
    static const char small[] =
        "{\"name\": \"t\", \"resolutions\": [24], \"width_multipliers\": [0.5], \"kernel_sizes\": [3, 5], "
        "\"expand_ratios\": [2, 4], \"stem\": {\"channels\": 16}, \"first_block\": {\"channels\": 8}, "
        "\"stages\": [{\"channels\": 16, \"stride\": 2, \"depths\": [1, 2]}, {\"channels\": 32, \"stride\": "
        "2, "
        "\"depths\": [1, 2]}]}";
    tfg_space_t s;
    TT_CHECK(tfg_space_parse(small, sizeof small - 1, "small", &s, &d) == TFG_OK);
    tfg_spaceopt_opts_t o = {1 << 20, 1 << 20, 0, 1.2, 16, 0.1, 5, 0};
    tfg_rng_t rng = tfg_spaceopt_rng(&o, 0, 0);
    double insns[16];
    for (int i = 0; i < 16 && tt_case_ok; i++) {
        tfg_subnet_t n;
        tfg_subnet_sample(&s, 0, 0, &rng, &n);
        tfg_cost_t c;
        unsigned over = 0;
        TT_CHECK(tfg_subnet_price(&s, &n, &o, &c, &over, &d) == TFG_OK && over == 0);
        insns[i] = (double)c.m4_instructions;
        if (i == 0) {
            tfg_spaceopt_opts_t at = o;
            at.max_instructions = insns[0];
            TT_CHECK(tfg_subnet_price(&s, &n, &at, &c, &over, &d) == TFG_OK && over == 0);
            at.max_instructions = insns[0] - 1;
            TT_CHECK(tfg_subnet_price(&s, &n, &at, &c, &over, &d) == TFG_OK && over == 8);
        }
    }
    double sorted[16];
    memcpy(sorted, insns, sizeof sorted);
    qsort(sorted, 16, sizeof *sorted, cmp_double);
    o.max_instructions = sorted[8];
    int over_want = 0;
    for (int i = 0; i < 16; i++) over_want += insns[i] > o.max_instructions;
    tfg_pool_t *pool = tfg_pool_create(2);
    tfg_spaceopt_t r;
    TT_CHECK(pool && tfg_spaceopt_run(&s, &o, pool, NULL, NULL, &r, &d) == TFG_OK);
    tfg_pool_destroy(pool);
    if (tt_case_ok) {
        TT_CHECK(r.n == 1 && r.cells[0].over_latency == over_want && over_want > 0 &&
                 r.cells[0].fit == 16 - over_want);
        printf(
            "  latency model: a stage's per-tile MACs are the scheduler's recount (%.0f on 2x2), one tile's\n"
            "  features the steps' own; --max-instructions at the median: %d of 16 subnets over it, "
            "counted\n",
            macs4, over_want);
        tfg_spaceopt_free(&r);
    }
    tt_end();
}

/* What limits the accuracy: each candidate counted in the band of each
 * budget its flash and arena fall in, against bands worked out by hand. */
static void test_limits(void)
{
    tt_begin();
    const tfg_spaceopt_opts_t b = {.sram = 1000, .flash = 2000};
    /* {accuracy, arena, flash}; the bands start at 0, 50, 70, 80, 90 and 95% */
    static const struct {
        double acc;
        size_t arena, flash;
    } c[] = {{0.80, 100, 100},   /* arena band 0, flash band 0 */
             {0.85, 499, 1000},  /* 0 (just under 50%), 1 (50% exactly) */
             {0.90, 700, 1900},  /* 2 (70% exactly), 5 (95% exactly) */
             {0.70, 949, 2000},  /* 4 (just under 95%), 5 (the whole budget) */
             {0.88, 1000, 1599}, /* 5, 2 (just under 80%) */
             {0.60, 950, 1799}}; /* 5, 3 (just under 90%) */
    tfg_candidate_t cand[6];
    memset(cand, 0, sizeof cand);
    for (int i = 0; i < 6; i++)
        cand[i].accuracy = c[i].acc, cand[i].arena = c[i].arena, cand[i].flash = c[i].flash;
    tfg_evolve_t e = {.evaluated = cand, .n_evaluated = 6};
    double fl[TFG_LIMIT_BANDS], ar[TFG_LIMIT_BANDS];
    tfg_evolve_limits(&e, &b, fl, ar);
    /* the best of each band's candidates, -1 for an empty band */
    const double want_ar[TFG_LIMIT_BANDS] = {0.85, -1, 0.90, -1, 0.70, 0.88};
    const double want_fl[TFG_LIMIT_BANDS] = {0.80, 0.85, 0.88, 0.60, -1, 0.90};
    for (int i = 0; i < TFG_LIMIT_BANDS; i++) {
        TT_CHECK(ar[i] == want_ar[i]);
        TT_CHECK(fl[i] == want_fl[i]);
    }
    printf("  what limits it: 6 candidates in the bands of both budgets as worked out by hand\n");
    tt_end();
}

int main(void)
{
    printf("search space and space optimisation:\n");
    test_default();
    test_bad_spaces();
    test_subnets();
    test_spaceopt();
    test_supernet();
    test_sort();
    test_sandwich_gradient();
    test_sandwich_threads();
    test_recalibration();
    test_evolution();
    test_choices();
    test_latency();
    test_limits();
    return tt_summary();
}
