/* Graph-level tests: graphs built in memory (no .tflite file) and pushed
 * through validation, the passes, lowering, planning and the executor.
 *
 * Each case checks what a pass decided (dead ops, views, in-place marks,
 * folded constants, arena offsets), that the executed result is exact, and
 * that refused graphs say why. Expected values come from the test itself:
 * written out by hand, or from tests/naive_ref.c fed with multipliers the
 * test computes from the scales the way TFLite's Prepare functions do; never
 * from the library's own helpers. Deterministic (fixed seeds) and fast. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "graph_builder.h"
#include "naive_ref.h"
#include "tfg_test.h"
#include "tflite/writer.h"

/* Depthwise variant to force in every prepare() (TFG_DW_AUTO: the library's
 * own choice by arena size), so that both kernels get exercised. */
static tfg_dw_choice_t g_dw = TFG_DW_AUTO;

/* The library's pipeline for in-memory graphs. The model takes ownership of
 * the graph in every case; free with tfg_model_free. */
static tfg_status_t prepare(tfg_graph_t *g, tfg_pass_opts_t opts, tfg_model_t *m, tfg_diag_t *d)
{
    d->msg[0] = 0;
    opts.dw = g_dw;
    return tfg_model_prepare(m, g, &opts, d);
}

/* Run over an arena of exactly the planned size (ASan sees any overflow). */
static void run(const tfg_model_t *m, const void *in, void *out)
{
    const size_t n = m->plan.peak ? m->plan.peak : 1;
    uint8_t *arena = malloc(n);
    memset(arena, 0xA5, n);
    tfg_model_set_inputs(m, arena, in);
    tfg_model_invoke(m, arena);
    tfg_model_get_outputs(m, arena, out);
    free(arena);
}

static const tfg_step_t *step_for(const tfg_model_t *m, int op)
{
    for (int s = 0; s < m->prog.n_steps; s++)
        if (m->prog.steps[s].op == op) return &m->prog.steps[s];
    return NULL;
}

/* prepare() that must succeed; on failure the case fails and m is already freed. */
static bool prepare_ok(tfg_graph_t *g, tfg_pass_opts_t opts, tfg_model_t *m)
{
    tfg_diag_t d;
    const tfg_status_t st = prepare(g, opts, m, &d);
    TT_CHECK(st == TFG_OK);
    if (st == TFG_OK) return true;
    TT_LOG("  unexpected error: %s\n", d.msg);
    tfg_model_free(m);
    return false;
}

static void check_fails_with(tfg_status_t st, const tfg_diag_t *d, const char *needle)
{
    TT_CHECK(st < 0);
    TT_CHECK(strstr(d->msg, needle) != NULL);
    if (st >= 0 || !strstr(d->msg, needle))
        TT_LOG("  wanted an error containing \"%s\", got: \"%s\"\n", needle, d->msg);
}

/* Prepare g (consumed) and check that it is refused with both substrings. */
static void check_refused(tfg_graph_t *g, const char *needle, const char *needle2)
{
    tfg_model_t m;
    tfg_diag_t d;
    const tfg_status_t st = prepare(g, (tfg_pass_opts_t){0}, &m, &d);
    check_fails_with(st, &d, needle);
    if (needle2) check_fails_with(st, &d, needle2);
    tfg_model_free(&m);
}

static void check_i32(const tfg_tensor_t *t, const int32_t *want, int n)
{
    TT_CHECK(t->data != NULL && t->dtype == TFG_DT_INT32 && tfg_tensor_elems(t) == n);
    for (int i = 0; t->data && i < n; i++) {
        int32_t v;
        memcpy(&v, t->data + 4 * i, 4);
        TT_CHECK(v == want[i]);
    }
}

static void check_bytes(const void *got, const void *want, size_t n, const char *what)
{
    const long i = tt_first_diff(got, want, n);
    TT_CHECK(i < 0);
    if (i >= 0)
        TT_LOG("  %s: byte %ld is %d, expected %d\n", what, i, ((const int8_t *)got)[i],
               ((const int8_t *)want)[i]);
}

static const char *g_case = "";
static void begin(const char *name)
{
    g_case = name;
    tt_begin();
}
static void end(void)
{
    if (!tt_end()) fprintf(stderr, "FAILED: %s\n", g_case);
}

/* ---- references -------------------------------------------------------- */

/* Convolution (or depthwise, multiplier 1) the way TFLite prepares it: one
 * per-tensor multiplier in * w / out formed in double. */
typedef struct {
    bool dw;
    int ih, iw, ic, oh, ow, oc, k, stride, pad_top, pad_left;
    float in_s, w_s, out_s;
    int32_t in_zp, out_zp;
    const int8_t *w;
    const int32_t *bias;
} ref_conv_t;

static void ref_conv(const ref_conv_t *c, const int8_t *in, int8_t *out)
{
    int32_t mult[16], shift[16]; /* the cases here have at most 16 output channels */
    TT_CHECK(c->oc <= 16);
    if (c->oc > 16) return;
    for (int i = 0; i < c->oc; i++)
        nr_quantize_multiplier((double)c->in_s * (double)c->w_s / (double)c->out_s, &mult[i], &shift[i]);
    nr_conv_t p = {c->ih,     c->iw,     c->ic, c->oh, c->ow,      c->oc,       c->k, c->k,
                   c->stride, c->stride, 1,     1,     c->pad_top, c->pad_left, 1,    c->in_zp,
                   c->out_zp, -128,      127,   c->w,  c->bias,    mult,        shift};
    if (c->dw)
        nr_dwconv(&p, in, out);
    else
        nr_conv(&p, in, out);
}

/* Same-shape ADD, TFLite Prepare: left shift 20, inputs rescaled to twice the larger scale. */
static void ref_add(int n, float sa, int32_t za, float sb, int32_t zb, float so, int32_t zo, const int8_t *a,
                    const int8_t *b, int8_t *out)
{
    const double twice = 2.0 * (double)(sa > sb ? sa : sb);
    nr_eltwise_t p = {{1, 1, 1, n}, {1, 1, 1, n}, za, zb, zo, -128, 127, 20, 0, 0, 0, 0, 0, 0};
    nr_quantize_multiplier((double)sa / twice, &p.a_mult, &p.a_shift);
    nr_quantize_multiplier((double)sb / twice, &p.b_mult, &p.b_shift);
    nr_quantize_multiplier(twice / ((double)(1 << 20) * (double)so), &p.out_mult, &p.out_shift);
    nr_add(&p, a, b, out);
}

static void fill(tt_rng_t *r, int8_t *p, size_t n)
{
    tt_fill_s8(r, p, n, -128, 127);
}

/* ---- 1. constant shape arithmetic ------------------------------------- */

typedef struct {
    const char *what;
    int32_t x[4];
    int32_t begin, end, stride, begin_mask, end_mask, shrink;
    bool pack; /* PACK(sliced scalar, pack_with) feeds the RESHAPE */
    int32_t pack_with;
    int yrank;
    int32_t y[4];
    int n_shape; /* the folded new shape the RESHAPE sees */
    int32_t shape[4];
} fold_t;

/* x -> SHAPE -> STRIDED_SLICE [-> PACK] -> RESHAPE(x, .) -> y. Ops 0..3. */
static void build_fold(tfg_graph_t *g, const fold_t *f, bool begin_is_input, int *sliced, int *newshape)
{
    g_init(g);
    const int x = add_act(g, "x", f->x, 4, 0.1f, 0);
    const int shp = add_tensor(g, "shape", TFG_DT_INT32, DIMS(4));
    int b = begin_is_input ? add_tensor(g, "begin", TFG_DT_INT32, DIMS(1))
                           : add_const_i32(g, "begin", DIMS(1), &f->begin);
    const int e = add_const_i32(g, "end", DIMS(1), &f->end);
    const int s = add_const_i32(g, "strides", DIMS(1), &f->stride);
    const int n_sl = f->pack ? 1 : f->n_shape;
    *sliced = f->shrink ? add_tensor(g, "sliced", TFG_DT_INT32, NULL, 0)
                        : add_tensor(g, "sliced", TFG_DT_INT32, DIMS(n_sl));
    *newshape = *sliced;
    const int y = add_act(g, "y", f->y, f->yrank, 0.1f, 0);
    add_op(g, TFG_OP_SHAPE, IDS(x), IDS(shp));
    tfg_op_t *sl = add_op(g, TFG_OP_STRIDED_SLICE, IDS(shp, b, e, s), IDS(*sliced));
    sl->begin_mask = f->begin_mask;
    sl->end_mask = f->end_mask;
    sl->shrink_axis_mask = f->shrink;
    if (f->pack) {
        const int c = add_scalar_i32(g, "c", f->pack_with);
        *newshape = add_tensor(g, "packed", TFG_DT_INT32, DIMS(2));
        add_op(g, TFG_OP_PACK, IDS(*sliced, c), IDS(*newshape))->axis = 0;
    }
    add_op(g, TFG_OP_RESHAPE, IDS(x, *newshape), IDS(y));
    if (begin_is_input)
        set_io(g, IDS(x, b), IDS(y));
    else
        set_io(g, IDS(x), IDS(y));
}

static void test_fold(const fold_t *f)
{
    begin(f->what);
    tfg_graph_t g;
    tfg_model_t m;
    int sliced, newshape;
    build_fold(&g, f, false, &sliced, &newshape);
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        const tfg_graph_t *G = &m.graph;
        const int n_ops = G->n_ops, reshape = n_ops - 1;
        for (int i = 0; i < n_ops - 1; i++) TT_CHECK(G->ops[i].dead);
        check_i32(&G->tensors[newshape], f->shape, f->n_shape);
        check_i32(&G->tensors[1], f->x, 4); /* SHAPE's output: the input dims */
        TT_CHECK(!G->ops[reshape].dead && G->ops[reshape].alias);
        TT_CHECK(m.prog.n_steps == 0 && !step_for(&m, reshape));
        int8_t in[64], out[64];
        tt_rng_t r = {11};
        const size_t n = (size_t)tfg_model_input_bytes(&m);
        fill(&r, in, n);
        TT_CHECK(n == 32 || n == 64);
        TT_CHECK(tfg_model_output_bytes(&m) == n);
        run(&m, in, out);
        check_bytes(out, in, n, "reshape view");
        /* A validated graph with folded ops validates again (the writer's reader
         * and repeated preparation rely on it). */
        tfg_diag_t d2 = {{0}};
        TT_CHECK(tfg_graph_validate(&m.graph, &d2) == TFG_OK);
        tfg_model_free(&m);
    }
    end();
}

static void test_fold_refusals(void)
{
    const fold_t base = {"", {1, 4, 4, 2}, 0, 1, 1, 0, 0, 1, true, 32, 2, {1, 32}, 2, {1, 32}};
    tfg_graph_t g;
    int sliced, newshape;

    begin("fold: STRIDED_SLICE with a run-time begin is refused");
    build_fold(&g, &base, true, &sliced, &newshape);
    check_refused(&g, "op 1 STRIDED_SLICE", "not constant");
    end();

    begin("fold: folded shape disagreeing with the RESHAPE output is refused");
    fold_t bad = base;
    bad.pack_with = 16; /* new shape [1,16], output declared [1,32] */
    build_fold(&g, &bad, false, &sliced, &newshape);
    check_refused(&g, "op 3 RESHAPE", "disagrees with output 'y'");
    end();

    /* House style: a diagnostic names the op. Fails until fold_shape.c's
     * set_const() says which op computed the value count. */
    begin("fold: PACK output declared with 3 values but computing 2 is refused, naming the op");
    build_fold(&g, &base, false, &sliced, &newshape);
    g.tensors[newshape].dims[0] = 3;
    check_refused(&g, "'packed' is declared with 3 values but computes 2", "op 2 PACK");
    end();
}

/* ---- 2. CONCATENATION --------------------------------------------------- */

static void test_concat(const char *what, int n, const int32_t (*dims)[4], int axis, bool bad_quant)
{
    begin(what);
    const int ax = axis < 0 ? axis + 4 : axis;
    tfg_graph_t g;
    g_init(&g);
    int in[3];
    int32_t yd[4] = {dims[0][0], dims[0][1], dims[0][2], dims[0][3]};
    yd[ax] = 0;
    static const char *names[3] = {"a", "b", "c"};
    for (int k = 0; k < n; k++) {
        in[k] = add_act(&g, names[k], dims[k], 4, 0.25f, (bad_quant && k == 1) ? 1 : -5);
        yd[ax] += dims[k][ax];
    }
    const int y = add_act(&g, "y", yd, 4, 0.25f, -5);
    add_op(&g, TFG_OP_CONCATENATION, in, n, IDS(y))->axis = axis;
    set_io(&g, in, n, IDS(y));
    tfg_model_t m;
    if (bad_quant) {
        check_refused(&g, "op 0 CONCATENATION", "different quantization");
    } else if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        int8_t src[256], out[256], want[256];
        tt_rng_t r = {(uint64_t)(100 + n + ax)};
        const size_t no = (size_t)(yd[0] * yd[1] * yd[2] * yd[3]);
        fill(&r, src, tfg_model_input_bytes(&m));
        /* Expected: each outer index takes the inputs' inner blocks in turn. */
        const int8_t *ins[3];
        int inner[3], outer = 1;
        for (int i = 0; i < ax; i++) outer *= dims[0][i];
        for (int k = 0, off = 0; k < n; k++) {
            ins[k] = src + off;
            inner[k] = 1;
            for (int i = ax; i < 4; i++) inner[k] *= dims[k][i];
            off += outer * inner[k];
        }
        nr_concat(outer, n, inner, ins, want);
        TT_CHECK(tfg_model_output_bytes(&m) == no);
        run(&m, src, out);
        check_bytes(out, want, no, "concat");
        tfg_model_free(&m);
    }
    end();
}

/* ---- 3. LOGISTIC ------------------------------------------------------- */

static void build_logistic(tfg_graph_t *g, float out_scale, int32_t out_zp, bool x_is_output)
{
    g_init(g);
    const int x = add_act(g, "x", DIMS(1, 256), 0.05f, 3);
    const int y = add_act(g, "y", DIMS(1, 256), out_scale, out_zp);
    add_op(g, TFG_OP_LOGISTIC, IDS(x), IDS(y));
    if (x_is_output)
        set_io(g, IDS(x), IDS(y, x));
    else
        set_io(g, IDS(x), IDS(y));
}

static void test_logistic(void)
{
    begin("logistic: all 256 inputs, scale 0.05 zp 3, in place");
    tfg_graph_t g;
    tfg_model_t m;
    /* TFLite's Prepare: input to Q4.27 with frexp; radius = floor(15 * 2^27 / 2^e). */
    int e;
    const double q = frexp((double)0.05f * (double)(1 << 27), &e);
    const int32_t mult = (int32_t)round(q * 2147483648.0);
    const int32_t radius = (int32_t)floor(15.0 * (double)(1 << 27) / ldexp(1.0, e));
    int32_t nm, ns, nrad;
    nr_logistic_prepare((double)0.05f, &nm, &ns, &nrad);
    TT_CHECK(nm == mult && ns == e && nrad == radius);
    int8_t in[256], out[256], want[256];
    for (int i = 0; i < 256; i++) in[i] = (int8_t)(i - 128);
    nr_logistic(256, 3, radius, mult, e, in, want);
    TT_CHECK(want[0] == -128 && want[255] == 127); /* the sweep reaches both saturations */
    build_logistic(&g, 1.0f / 256, -128, false);
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        const tfg_step_t *s = step_for(&m, 0);
        TT_CHECK(s && s->kernel == TFG_K_LOGISTIC);
        if (s)
            TT_CHECK(s->p.logistic.in_mult == mult && s->p.logistic.in_left_shift == e &&
                     s->p.logistic.in_range_radius == radius && s->p.logistic.in_zp == 3);
        TT_CHECK(m.graph.ops[0].in_place && m.graph.ops[0].in_place_slot == 0);
        TT_CHECK(tfg_plan_offset(&m.plan, 0) == tfg_plan_offset(&m.plan, 1));
        run(&m, in, out);
        check_bytes(out, want, 256, "logistic");
        tfg_model_free(&m);
    }
    end();

    begin("logistic: input that is also a graph output is not overwritten");
    build_logistic(&g, 1.0f / 256, -128, true);
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        int8_t out2[512];
        TT_CHECK(!m.graph.ops[0].in_place);
        run(&m, in, out2);
        check_bytes(out2, want, 256, "logistic y");
        check_bytes(out2 + 256, in, 256, "logistic x");
        tfg_model_free(&m);
    }
    end();

    /* tflm-audit row LOGISTIC: TFLM checks only the output zero point; its
     * kernel writes 1/256 steps whatever scale the output declares. */
    begin("audit LOGISTIC: output scale 1/128 runs as TFLM runs it (1/256 steps)");
    build_logistic(&g, 1.0f / 128, -128, false);
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        run(&m, in, out);
        check_bytes(out, want, 256, "logistic, output scale 1/128");
        tfg_model_free(&m);
    }
    end();
    const char *why = "op 0 LOGISTIC: output zero point must be -128";
    begin("logistic: output zero point 0 refused");
    build_logistic(&g, 1.0f / 256, 0, false);
    check_refused(&g, why, NULL);
    end();
    /* Found by the fuzzer: floor(15 * 2^27 / 2^e) past INT32_MAX was cast
     * to int (undefined behaviour, in TFLM too). */
    begin("logistic: an input scale so small that the saturation radius overflows is refused");
    build_logistic(&g, 1.0f / 256, -128, false);
    g.tensors[0].scale[0] = 1e-12f;
    check_refused(&g, "op 0 LOGISTIC: input scale out of range (the saturation radius overflows)", NULL);
    end();
}

/* ---- 4. SQUEEZE / RESHAPE views feeding FULLY_CONNECTED --------------- */

static void test_view_fc(bool squeeze)
{
    begin(squeeze ? "view: SQUEEZE [1,1,1,8] -> [1,8] -> FULLY_CONNECTED"
                  : "view: RESHAPE [1,2,2,2] -> [1,8] -> FULLY_CONNECTED");
    tt_rng_t r = {squeeze ? 21u : 22u};
    int8_t w[3 * 8], in[8], out[3], want[3];
    const int32_t bias[3] = {100, -250, 7};
    fill(&r, w, sizeof w);
    fill(&r, in, sizeof in);
    tfg_graph_t g;
    g_init(&g);
    const int x = squeeze ? add_act(&g, "x", DIMS(1, 1, 1, 8), 0.04f, -7)
                          : add_act(&g, "x", DIMS(1, 2, 2, 2), 0.04f, -7);
    const int v = add_act(&g, "v", DIMS(1, 8), 0.04f, -7);
    const int wt = add_weights(&g, "w", DIMS(3, 8), w, 0.015f);
    const int b = add_const_i32(&g, "b", DIMS(3), bias);
    const int y = add_act(&g, "y", DIMS(1, 3), 0.09f, 4);
    if (squeeze)
        add_op(&g, TFG_OP_SQUEEZE, IDS(x), IDS(v));
    else
        add_op(&g, TFG_OP_RESHAPE, IDS(x, add_const_i32(&g, "shape", DIMS(2), (const int32_t[]){1, 8})),
               IDS(v));
    add_op(&g, TFG_OP_FULLY_CONNECTED, IDS(v, wt, b), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    /* TFLite FC (per-tensor): the scale product is formed in float, then widened. */
    int32_t mult[3], shift[3];
    for (int i = 0; i < 3; i++)
        nr_quantize_multiplier((double)(0.04f * 0.015f) / (double)0.09f, &mult[i], &shift[i]);
    nr_fc_t p = {1, 8, 3, -7, 4, -128, 127, w, bias, mult, shift};
    nr_fc(&p, in, want);
    tfg_model_t m;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        TT_CHECK(m.graph.ops[0].alias && !m.graph.ops[0].dead);
        TT_CHECK(m.prog.n_steps == 1 && !step_for(&m, 0) && step_for(&m, 1));
        TT_CHECK(tfg_plan_offset(&m.plan, x) == tfg_plan_offset(&m.plan, v));
        run(&m, in, out);
        check_bytes(out, want, 3, "fc");
        tfg_model_free(&m);
    }
    end();
}

/* ---- 5. PAD folding ----------------------------------------------------- */

/* x[1,5,5,3] -> PAD -> CONV 3x3 VALID -> y. chan: pad the channel axis too. */
static void build_pad_conv(tfg_graph_t *g, bool chan, const int8_t *w, const int32_t *bias)
{
    g_init(g);
    const int cin = chan ? 5 : 3;
    const int32_t pads[8] = {0, 0, 1, 1, 1, 2, 0, chan ? 2 : 0};
    const int x = add_act(g, "x", DIMS(1, 5, 5, 3), 0.03f, 9);
    const int p = add_const_i32(g, "paddings", DIMS(4, 2), pads);
    const int xp = add_act(g, "xp", DIMS(1, 7, 8, cin), 0.03f, 9);
    const int wt = add_weights(g, "w", (const int32_t[]){4, 3, 3, cin}, 4, w, 0.02f);
    const int b = add_const_i32(g, "b", DIMS(4), bias);
    const int y = add_act(g, "y", DIMS(1, 5, 6, 4), 0.05f, -3);
    add_op(g, TFG_OP_PAD, IDS(x, p), IDS(xp));
    add_op(g, TFG_OP_CONV_2D, IDS(xp, wt, b), IDS(y));
    set_io(g, IDS(x), IDS(y));
}

static void test_pad_fold(bool chan)
{
    begin(chan ? "pad: channel padding is not folded and runs via PAD"
               : "pad: H/W padding folds into VALID conv");
    tt_rng_t r = {chan ? 31u : 32u};
    const int cin = chan ? 5 : 3;
    int8_t w[4 * 9 * 5], in[75], xp[7 * 8 * 5], want[120], got[2][120] = {{0}};
    const int32_t bias[4] = {300, -120, 0, 55};
    fill(&r, w, sizeof w);
    fill(&r, in, sizeof in);
    /* Reference: pad explicitly with the zero point, then an unpadded conv. */
    nr_pad((const int[]){1, 5, 5, 3}, (const int[]){0, 1, 1, 0}, (const int[]){0, 1, 2, chan ? 2 : 0}, 9, in,
           xp);
    const ref_conv_t rc = {false, 7, 8, cin, 5, 6, 4, 3, 1, 0, 0, 0.03f, 0.02f, 0.05f, 9, -3, w, bias};
    ref_conv(&rc, xp, want);
    for (int fold = 0; fold < 2; fold++) {
        tfg_graph_t g;
        tfg_model_t m;
        build_pad_conv(&g, chan, w, bias);
        if (!prepare_ok(&g, (tfg_pass_opts_t){.no_pad_fold = !fold}, &m)) continue;
        const tfg_op_t *pad = &m.graph.ops[0], *conv = &m.graph.ops[1];
        const bool folded = fold && !chan;
        TT_CHECK(pad->dead == folded);
        TT_CHECK(m.prog.n_steps == (folded ? 1 : 2));
        if (folded) {
            TT_CHECK(conv->in[0] == 0);
            TT_CHECK(conv->sp.pad_top == 1 && conv->sp.pad_bottom == 1);
            TT_CHECK(conv->sp.pad_left == 1 && conv->sp.pad_right == 2);
        } else {
            TT_CHECK(conv->sp.pad_top == 0 && conv->sp.pad_left == 0 && conv->in[0] == 2);
            TT_CHECK(step_for(&m, 0) && step_for(&m, 0)->kernel == TFG_K_PAD);
        }
        run(&m, in, got[fold]);
        check_bytes(got[fold], want, 120, fold ? "pad+conv (fold pass on)" : "pad+conv (fold pass off)");
        tfg_model_free(&m);
    }
    check_bytes(got[1], got[0], 120, "folded vs unfolded");
    end();
}

/* ---- 6. int8 I/O: strip float QUANTIZE / DEQUANTIZE ------------------- */

/* xf -> QUANTIZE -> q -> CONV 3x3 SAME -> c -> ADD(c, q) -> s -> DEQUANTIZE -> yf. */
static void build_edge(tfg_graph_t *g, const int8_t *w, const int32_t *bias)
{
    g_init(g);
    const int xf = add_tensor(g, "xf", TFG_DT_FLOAT32, DIMS(1, 4, 4, 2));
    const int q = add_act(g, "q", DIMS(1, 4, 4, 2), 0.05f, -3);
    const int wt = add_weights(g, "w", DIMS(2, 3, 3, 2), w, 0.02f);
    const int b = add_const_i32(g, "b", DIMS(2), bias);
    const int c = add_act(g, "c", DIMS(1, 4, 4, 2), 0.08f, 2);
    const int s = add_act(g, "s", DIMS(1, 4, 4, 2), 0.1f, -1);
    const int yf = add_tensor(g, "yf", TFG_DT_FLOAT32, DIMS(1, 4, 4, 2));
    add_op(g, TFG_OP_QUANTIZE, IDS(xf), IDS(q));
    add_op(g, TFG_OP_CONV_2D, IDS(q, wt, b), IDS(c))->sp.same = true;
    add_op(g, TFG_OP_ADD, IDS(c, q), IDS(s));
    add_op(g, TFG_OP_DEQUANTIZE, IDS(s), IDS(yf));
    set_io(g, IDS(xf), IDS(yf));
}

static void test_edge_quant(void)
{
    begin("int8 io: QUANTIZE/DEQUANTIZE stripped, results match the float path");
    tt_rng_t r = {41};
    int8_t w[36], q[32], c[32], want[32], got8[32];
    const int32_t bias[2] = {-400, 250};
    float xf[32], yf[32], deq[32];
    fill(&r, w, sizeof w);
    for (int i = 0; i < 32; i++) xf[i] = (float)tt_uniform(&r, -7.0, 7.0); /* some saturate */
    nr_quantize(32, 0.05f, -3, xf, q);
    const ref_conv_t rc = {false, 4, 4, 2, 4, 4, 2, 3, 1, 1, 1, 0.05f, 0.02f, 0.08f, -3, 2, w, bias};
    ref_conv(&rc, q, c);
    ref_add(32, 0.08f, 2, 0.05f, -3, 0.1f, -1, c, q, want);

    tfg_graph_t g;
    tfg_model_t m;
    build_edge(&g, w, bias);
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        TT_CHECK(!m.graph.ops[0].dead && !m.graph.ops[3].dead);
        TT_CHECK(tfg_model_input_bytes(&m) == sizeof xf && tfg_model_output_bytes(&m) == sizeof yf);
        run(&m, xf, yf);
        tfg_model_free(&m);
    }
    build_edge(&g, w, bias);
    if (prepare_ok(&g, (tfg_pass_opts_t){.int8_io = true}, &m)) {
        const tfg_graph_t *G = &m.graph;
        TT_CHECK(G->ops[0].dead && G->ops[3].dead && !G->ops[1].dead && !G->ops[2].dead);
        TT_CHECK(G->n_inputs == 1 && G->inputs[0] == 1 && G->n_outputs == 1 && G->outputs[0] == 5);
        TT_CHECK(m.prog.n_steps == 2 && tfg_model_input_bytes(&m) == 32 && tfg_model_output_bytes(&m) == 32);
        run(&m, q, got8);
        check_bytes(got8, want, 32, "int8 path vs reference");
        nr_dequantize(32, 0.1f, -1, got8, deq);
        TT_CHECK(memcmp(deq, yf, sizeof yf) == 0);
        tfg_model_free(&m);
    }
    end();
}

/* ---- 7. in-place ---------------------------------------------------------- */

enum { IP_ADD, IP_ADD_A_OUTPUT, IP_ADD_A_LATER, IP_ADD_CONST_FIRST, IP_DW, IP_DW_READ_LATER };

/* The constant operand of IP_ADD_CONST_FIRST. */
static int8_t g_const48[48];

/* x[1,4,4,3] -> CONV 1x1 -> a, then per variant:
 *   IP_ADD           y = ADD(a, x)                       a dies at the ADD
 *   IP_ADD_A_OUTPUT  y = ADD(a, x); outputs y and a
 *   IP_ADD_A_LATER   y = ADD(a, x); z = ADD(y, a)
 *   IP_DW            y = DW3x3(a)                        a dies at the DW
 *   IP_DW_READ_LATER u = DW3x3(a); y = ADD(u, a) */
static void build_in_place(tfg_graph_t *g, int variant, const int8_t *w1, const int8_t *wd)
{
    g_init(g);
    const int x = add_act(g, "x", DIMS(1, 4, 4, 3), 0.05f, 1);
    const int w = add_weights(g, "w1", DIMS(3, 1, 1, 3), w1, 0.03f);
    const int a = add_act(g, "a", DIMS(1, 4, 4, 3), 0.06f, -2);
    const int y = add_act(g, "y", DIMS(1, 4, 4, 3), 0.1f, 0);
    add_op(g, TFG_OP_CONV_2D, IDS(x, w), IDS(a));
    if (variant == IP_DW || variant == IP_DW_READ_LATER) {
        const int k = add_weights(g, "wd", DIMS(1, 3, 3, 3), wd, 0.04f);
        const int u = variant == IP_DW ? y : add_act(g, "u", DIMS(1, 4, 4, 3), 0.07f, 3);
        add_op(g, TFG_OP_DEPTHWISE_CONV_2D, IDS(a, k), IDS(u))->sp.same = true;
        if (variant == IP_DW_READ_LATER) add_op(g, TFG_OP_ADD, IDS(u, a), IDS(y));
        set_io(g, IDS(x), IDS(y));
        return;
    }
    if (variant == IP_ADD_CONST_FIRST) { /* y = ADD(c, a): the reusable input is in slot 1 */
        const int c = add_weights(g, "c", DIMS(1, 4, 4, 3), g_const48, 0.03f);
        add_op(g, TFG_OP_ADD, IDS(c, a), IDS(y));
        set_io(g, IDS(x), IDS(y));
        return;
    }
    add_op(g, TFG_OP_ADD, IDS(a, x), IDS(y));
    if (variant == IP_ADD_A_LATER) {
        const int z = add_act(g, "z", DIMS(1, 4, 4, 3), 0.12f, 5);
        add_op(g, TFG_OP_ADD, IDS(y, a), IDS(z));
        set_io(g, IDS(x), IDS(z));
    } else if (variant == IP_ADD_A_OUTPUT) {
        set_io(g, IDS(x), IDS(y, a));
    } else {
        set_io(g, IDS(x), IDS(y));
    }
}

static void test_in_place(int variant, const char *what)
{
    begin(what);
    tt_rng_t r = {(uint64_t)(51 + variant)};
    int8_t w1[9], wd[27], in[48], got[2][96] = {{0}}, a[48], want[48];
    fill(&r, w1, sizeof w1);
    fill(&r, wd, sizeof wd);
    fill(&r, in, sizeof in);
    fill(&r, g_const48, sizeof g_const48);
    size_t n_out = 0;
    for (int no_ip = 0; no_ip < 2; no_ip++) {
        tfg_graph_t g;
        tfg_model_t m;
        build_in_place(&g, variant, w1, wd);
        if (!prepare_ok(&g, (tfg_pass_opts_t){.no_in_place = no_ip}, &m)) continue;
        const tfg_op_t *op1 = &m.graph.ops[1];
        if (no_ip) {
            for (int i = 0; i < m.graph.n_ops; i++) TT_CHECK(!m.graph.ops[i].in_place);
        } else if (variant == IP_ADD || variant == IP_DW) {
            TT_CHECK(op1->in_place && op1->in_place_slot == 0);
            TT_CHECK(tfg_plan_offset(&m.plan, op1->in[0]) == tfg_plan_offset(&m.plan, op1->out[0]));
        } else if (variant == IP_ADD_CONST_FIRST) {
            TT_CHECK(op1->in_place && op1->in_place_slot == 1);
            TT_CHECK(tfg_plan_offset(&m.plan, op1->in[1]) == tfg_plan_offset(&m.plan, op1->out[0]));
        } else {
            TT_CHECK(!op1->in_place);
            TT_CHECK(tfg_plan_offset(&m.plan, op1->in[0]) != tfg_plan_offset(&m.plan, op1->out[0]));
            if (variant == IP_ADD_A_LATER) /* y dies at the second ADD: that one may reuse it */
                TT_CHECK(m.graph.ops[2].in_place && m.graph.ops[2].in_place_slot == 0);
        }
        n_out = tfg_model_output_bytes(&m);
        run(&m, in, got[no_ip]);
        tfg_model_free(&m);
    }
    TT_CHECK(n_out == 48 || n_out == 96);
    check_bytes(got[0], got[1], n_out, "in place vs out of place");
    /* The two simple chains against the reference too. */
    const ref_conv_t c1 = {false, 4, 4, 3, 4, 4, 3, 1, 1, 0, 0, 0.05f, 0.03f, 0.06f, 1, -2, w1, NULL};
    ref_conv(&c1, in, a);
    if (variant == IP_ADD) {
        ref_add(48, 0.06f, -2, 0.05f, 1, 0.1f, 0, a, in, want);
        check_bytes(got[0], want, 48, "conv+add vs reference");
    } else if (variant == IP_ADD_CONST_FIRST) {
        ref_add(48, 0.03f, 0, 0.06f, -2, 0.1f, 0, g_const48, a, want);
        check_bytes(got[0], want, 48, "conv+add(const, a) vs reference");
    } else if (variant == IP_DW) {
        const ref_conv_t dw = {true, 4, 4, 3, 4, 4, 3, 3, 1, 1, 1, 0.06f, 0.04f, 0.1f, -2, 0, wd, NULL};
        ref_conv(&dw, a, want);
        check_bytes(got[0], want, 48, "conv+depthwise vs reference");
    }
    end();
}

/* x[1,8,8,8] -MAX_POOL 2x2/2-> b[1,4,4,8] -AVERAGE_POOL 2x2/2-> y[1,2,2,8]:
 * both pools may write over their input (strided windows never read what
 * an earlier output overwrote), each output in a buffer of its own tied to
 * the input's offset, so the arena is the input's 512 B where out of place
 * it is 512 + 128. A 3x3 stride-1 SAME max pool would overwrite input its
 * next window reads: out of place, whatever the lifetimes. */
static void test_pool_in_place(void)
{
    begin("in place: strided pools write over their dying input; a stride-1 SAME pool does not");
    tt_rng_t r = {77};
    int8_t in[512], mid[128], want[32], got[2][32];
    fill(&r, in, sizeof in);
    const nr_pool_t p1 = {8, 8, 8, 4, 4, 2, 2, 2, 2, 0, 0, -128, 127},
                    p2 = {4, 4, 8, 2, 2, 2, 2, 2, 2, 0, 0, -128, 127};
    nr_maxpool(&p1, in, mid);
    nr_avgpool(&p2, mid, want);
    for (int no_ip = 0; no_ip < 2; no_ip++) {
        tfg_graph_t g;
        g_init(&g);
        const int x = add_act(&g, "x", DIMS(1, 8, 8, 8), 0.05f, 2),
                  b = add_act(&g, "b", DIMS(1, 4, 4, 8), 0.05f, 2),
                  y = add_act(&g, "y", DIMS(1, 2, 2, 8), 0.05f, 2);
        tfg_op_t *op = add_op(&g, TFG_OP_MAX_POOL_2D, IDS(x), IDS(b));
        op->sp.k_h = op->sp.k_w = op->sp.stride_h = op->sp.stride_w = 2;
        op = add_op(&g, TFG_OP_AVERAGE_POOL_2D, IDS(b), IDS(y));
        op->sp.k_h = op->sp.k_w = op->sp.stride_h = op->sp.stride_w = 2;
        set_io(&g, IDS(x), IDS(y));
        tfg_model_t m;
        if (!prepare_ok(
                &g, (tfg_pass_opts_t){.no_in_place = no_ip, .kernel_budget = getenv("DBGW") ? SIZE_MAX : 0},
                &m))
            continue;
        TT_CHECK(m.graph.ops[0].in_place == !no_ip && m.graph.ops[1].in_place == !no_ip);
        TT_CHECK(m.plan.peak == (no_ip ? 640u : 512u) && m.plan.lower_bound == m.plan.peak);
        if (!no_ip) {
            TT_CHECK(tfg_plan_offset(&m.plan, x) == tfg_plan_offset(&m.plan, b));
            TT_CHECK(tfg_plan_offset(&m.plan, b) == tfg_plan_offset(&m.plan, y));
            TT_CHECK(m.plan.tensor_buf[x] != m.plan.tensor_buf[b]); /* tied, not shared */
        }
        run(&m, in, got[no_ip]);
        check_bytes(got[no_ip], want, sizeof want, "pools vs reference");
        tfg_model_free(&m);
    }
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 4, 4, 2), 0.05f, 0),
              y = add_act(&g, "y", DIMS(1, 4, 4, 2), 0.05f, 0);
    tfg_op_t *op = add_op(&g, TFG_OP_MAX_POOL_2D, IDS(x), IDS(y));
    op->sp.k_h = op->sp.k_w = 3;
    op->sp.same = true;
    set_io(&g, IDS(x), IDS(y));
    tfg_model_t m;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        TT_CHECK(!m.graph.ops[0].in_place && m.plan.peak == 64);
        tfg_model_free(&m);
    }
    end();
}

/* x[1,5,3,8] -CONV 1x1 (8 -> 16)-> a[1,5,3,16] -CONV 1x1 (16 -> 4)-> y: each
 * pointwise conv writes over its dying input (the first last pixel pair
 * first, as it grows the channels; the second first pair first), in a
 * buffer tied to its input's, so the arena is the widest tensor (240 B) and
 * the larger scratch, not the two tensors of a step side by side. */
static void test_conv_in_place(void)
{
    begin("in place: pointwise convs write over their dying input, growing and shrinking the channels");
    tt_rng_t r = {78};
    int8_t w1[16 * 8], w2[4 * 16], in[120], a[240], want[60], got[2][60];
    fill(&r, w1, sizeof w1);
    fill(&r, w2, sizeof w2);
    fill(&r, in, sizeof in);
    const ref_conv_t c1 = {false, 5, 3, 8, 5, 3, 16, 1, 1, 0, 0, 0.05f, 0.03f, 0.06f, 1, -2, w1, NULL};
    const ref_conv_t c2 = {false, 5, 3, 16, 5, 3, 4, 1, 1, 0, 0, 0.06f, 0.02f, 0.1f, -2, 3, w2, NULL};
    ref_conv(&c1, in, a);
    ref_conv(&c2, a, want);
    size_t peak[2] = {0, 0};
    for (int no_ip = 0; no_ip < 2; no_ip++) {
        tfg_graph_t g;
        g_init(&g);
        const int x = add_act(&g, "x", DIMS(1, 5, 3, 8), 0.05f, 1),
                  t = add_act(&g, "a", DIMS(1, 5, 3, 16), 0.06f, -2),
                  y = add_act(&g, "y", DIMS(1, 5, 3, 4), 0.1f, 3);
        add_op(&g, TFG_OP_CONV_2D, IDS(x, add_weights(&g, "w1", DIMS(16, 1, 1, 8), w1, 0.03f)), IDS(t));
        add_op(&g, TFG_OP_CONV_2D, IDS(t, add_weights(&g, "w2", DIMS(4, 1, 1, 16), w2, 0.02f)), IDS(y));
        set_io(&g, IDS(x), IDS(y));
        tfg_model_t m;
        if (!prepare_ok(&g, (tfg_pass_opts_t){.no_in_place = no_ip}, &m)) continue;
        TT_CHECK(m.graph.ops[0].in_place == !no_ip && m.graph.ops[1].in_place == !no_ip);
        TT_CHECK(m.prog.steps[0].p.conv.in_place == !no_ip && m.prog.steps[1].p.conv.in_place == !no_ip);
        if (!no_ip) {
            TT_CHECK(tfg_plan_offset(&m.plan, x) == tfg_plan_offset(&m.plan, t));
            TT_CHECK(tfg_plan_offset(&m.plan, t) == tfg_plan_offset(&m.plan, y));
            const size_t sc = m.prog.steps[0].scratch_bytes > m.prog.steps[1].scratch_bytes
                                  ? m.prog.steps[0].scratch_bytes
                                  : m.prog.steps[1].scratch_bytes;
            TT_CHECK(m.plan.peak == 240 + sc && m.plan.peak == m.plan.lower_bound);
        }
        peak[no_ip] = m.plan.peak;
        run(&m, in, got[no_ip]);
        check_bytes(got[no_ip], want, sizeof want,
                    no_ip ? "out of place vs reference" : "in place vs reference");
        tfg_model_free(&m);
    }
    TT_CHECK(peak[0] < peak[1]);
    end();
}

/* ---- 9. models TFLite Micro runs that we used to refuse (issue 11) -------
 *
 * Each case builds a model, checks the host executor against the naive
 * reference and, with --write-models DIR, also leaves DIR/NAME.tflite with
 * NAME.input.bin and NAME.expected.bin (the reference's bytes), so that
 * tests/codegen.sh and tests/mcu.sh check the same model in generated C on
 * the host and under QEMU. */
static const char *g_write_dir;

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    TT_CHECK(f != NULL);
    if (!f) return;
    TT_CHECK(fwrite(p, 1, n, f) == n);
    fclose(f);
}

/* g must not have been prepared yet (the writer writes what the graph says). */
static void write_model(const tfg_graph_t *g, const char *name, const void *in, size_t in_n, const void *want,
                        size_t want_n)
{
    if (!g_write_dir) return;
    char path[512];
    tfg_diag_t d = {0};
    snprintf(path, sizeof path, "%s/%s.tflite", g_write_dir, name);
    const tfg_status_t st = tfg_tflite_write_file(g, path, &d);
    TT_CHECK(st == TFG_OK);
    if (st != TFG_OK) TT_LOG("  writing %s: %s\n", path, d.msg);
    snprintf(path, sizeof path, "%s/%s.input.bin", g_write_dir, name);
    write_file(path, in, in_n);
    snprintf(path, sizeof path, "%s/%s.expected.bin", g_write_dir, name);
    write_file(path, want, want_n);
}

/* Per-channel multipliers the way TFLM's PopulateConvolutionQuantizationParams
 * forms them: (double)in * (double)w[c] / (double)out, sign kept. */
static void chan_mults(float in_s, const float *w_s, float out_s, int n, int32_t *mult, int32_t *shift)
{
    for (int i = 0; i < n; i++)
        nr_quantize_multiplier((double)in_s * (double)w_s[i] / (double)out_s, &mult[i], &shift[i]);
}

/* x[1,8,8,4] -> CONV 3x3 SAME (RELU6) -> a[1,8,8,8] -> DEPTHWISE 3x3/2 SAME
 * -> b[1,4,4,8] -> CONV 1x1 -> c[1,4,4,8] -> FULLY_CONNECTED (per channel)
 * -> y[1,6]. Every layer has per-channel weight scales with negative ones
 * (the MCUNet zoo's -0.0203871 among them) and the first conv one zero scale. */
enum { NS_IN = 256, NS_A = 512, NS_B = 128, NS_Y = 6 };
static const float ns_w1[8] = {0.012f, -0.02f, 0.007f, -0.0203871f, 0.0f, 0.015f, -0.009f, 0.011f};
static const float ns_wd[8] = {-0.03f, 0.021f, -0.0125f, 0.04f, -0.018f, -0.05f, 0.027f, 0.033f};
static const float ns_w2[8] = {0.019f, -0.023f, -0.0203871f, 0.008f, -0.031f, 0.014f, 0.026f, -0.011f};
static const float ns_wf[6] = {-0.006f, 0.004f, -0.0035f, 0.005f, -0.0071f, 0.0042f};

static void build_neg_scales(tfg_graph_t *g, const int8_t *w1, const int8_t *wd, const int8_t *w2,
                             const int8_t *wf, const int32_t *bias)
{
    g_init(g);
    const int x = add_act(g, "x", DIMS(1, 8, 8, 4), 0.05f, -5);
    const int k1 = add_tensor(g, "w1", TFG_DT_INT8, DIMS(8, 3, 3, 4));
    set_quant_n(g, k1, 8, ns_w1, 0, 0);
    set_data(g, k1, w1);
    const int b1 = add_const_i32(g, "b1", DIMS(8), bias);
    const int a = add_act(g, "a", DIMS(1, 8, 8, 8), 0.04f, -128);
    const int kd = add_tensor(g, "wd", TFG_DT_INT8, DIMS(1, 3, 3, 8));
    set_quant_n(g, kd, 8, ns_wd, 0, 3);
    set_data(g, kd, wd);
    const int bd = add_const_i32(g, "bd", DIMS(8), bias + 8);
    const int b = add_act(g, "b", DIMS(1, 4, 4, 8), 0.08f, 6);
    const int k2 = add_tensor(g, "w2", TFG_DT_INT8, DIMS(8, 1, 1, 8));
    set_quant_n(g, k2, 8, ns_w2, 0, 0);
    set_data(g, k2, w2);
    const int b2 = add_const_i32(g, "b2", DIMS(8), bias + 16);
    const int c = add_act(g, "c", DIMS(1, 4, 4, 8), 0.06f, -2);
    const int kf = add_tensor(g, "wf", TFG_DT_INT8, DIMS(6, 128));
    set_quant_n(g, kf, 6, ns_wf, 0, 0);
    set_data(g, kf, wf);
    const int bf = add_const_i32(g, "bf", DIMS(6), bias + 24);
    const int y = add_act(g, "y", DIMS(1, 6), 0.1f, 3);
    tfg_op_t *op = add_op(g, TFG_OP_CONV_2D, IDS(x, k1, b1), IDS(a));
    op->sp.same = true;
    op->act = TFG_ACT_RELU6;
    op = add_op(g, TFG_OP_DEPTHWISE_CONV_2D, IDS(a, kd, bd), IDS(b));
    op->sp.same = true;
    op->sp.stride_h = op->sp.stride_w = 2;
    op->sp.depth_mult = 1;
    add_op(g, TFG_OP_CONV_2D, IDS(b, k2, b2), IDS(c));
    add_op(g, TFG_OP_FULLY_CONNECTED, IDS(c, kf, bf), IDS(y));
    set_io(g, IDS(x), IDS(y));
}

static void test_negative_scales(void)
{
    begin("accept: negative (and zero) per-channel weight scales on CONV_2D, DEPTHWISE_CONV_2D, "
          "FULLY_CONNECTED");
    tt_rng_t r = {91};
    static int8_t w1[8 * 36], wd[72], w2[64], wf[6 * 128], in[NS_IN];
    int32_t bias[30];
    fill(&r, w1, sizeof w1);
    fill(&r, wd, sizeof wd);
    fill(&r, w2, sizeof w2);
    fill(&r, wf, sizeof wf);
    fill(&r, in, sizeof in);
    for (int i = 0; i < 30; i++) bias[i] = tt_int(&r, -3000, 3000);
    /* Reference, layer by layer. */
    int8_t a[NS_A], b[NS_B], c[NS_B], want[NS_Y], got[NS_Y];
    int32_t m[8], sh[8];
    int32_t lo6 = -128, hi6 = -128 + (int32_t)roundf(6.0f / 0.04f);
    if (hi6 > 127) hi6 = 127;
    chan_mults(0.05f, ns_w1, 0.04f, 8, m, sh);
    TT_CHECK(m[1] < 0 && m[3] < 0 && m[4] == 0); /* the premise: negative and zero multipliers */
    nr_conv_t p1 = {8, 8, 4, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, -5, -128, lo6, hi6, w1, bias, m, sh};
    nr_conv(&p1, in, a);
    chan_mults(0.04f, ns_wd, 0.08f, 8, m, sh);
    nr_conv_t pd = {8, 8, 8, 4, 4, 8, 3, 3, 2, 2, 1, 1, 0, 0, 1, -128, 6, -128, 127, wd, bias + 8, m, sh};
    nr_dwconv(&pd, a, b);
    chan_mults(0.08f, ns_w2, 0.06f, 8, m, sh);
    nr_conv_t p2 = {4, 4, 8, 4, 4, 8, 1, 1, 1, 1, 1, 1, 0, 0, 1, 6, -2, -128, 127, w2, bias + 16, m, sh};
    nr_conv(&p2, b, c);
    chan_mults(0.06f, ns_wf, 0.1f, 6, m, sh);
    nr_fc_t pf = {1, 128, 6, -2, 3, -128, 127, wf, bias + 24, m, sh};
    nr_fc(&pf, c, want);

    static const tfg_dw_choice_t dws[] = {TFG_DW_ONLY_ROWS, TFG_DW_ONLY_PLANE, TFG_DW_ONLY_STRIP};
    for (int v = 0; v < 3; v++) {
        tfg_graph_t g;
        tfg_model_t mdl;
        build_neg_scales(&g, w1, wd, w2, wf, bias);
        if (v == 0) write_model(&g, "accept_negative_scales", in, sizeof in, want, sizeof want);
        g_dw = dws[v];
        if (prepare_ok(&g, (tfg_pass_opts_t){0}, &mdl)) {
            const tfg_step_t *s0 = step_for(&mdl, 0);
            /* Channel 1's negative multiplier keeps the general form (shift 0). */
            TT_CHECK(s0 && tfg_rq_mult(&s0->p.conv.rq[1]) < 0 && s0->p.conv.rq[1].shift == 0 &&
                     tfg_rq_mult(&s0->p.conv.rq[4]) == 0);
            run(&mdl, in, got);
            check_bytes(got, want, NS_Y, v == 0 ? "ROWS" : v == 1 ? "PLANE" : "STRIP");
            tfg_model_free(&mdl);
        }
    }
    g_dw = TFG_DW_AUTO;
    end();

    begin("accept: negative per-tensor FULLY_CONNECTED scale refused as TFLM refuses it");
    {
        tfg_graph_t g;
        g_init(&g);
        const int x = add_act(&g, "x", DIMS(1, 128), 0.06f, -2);
        const int kf = add_weights(&g, "wf", DIMS(6, 128), wf, -0.005f);
        const int y = add_act(&g, "y", DIMS(1, 6), 0.1f, 3);
        add_op(&g, TFG_OP_FULLY_CONNECTED, IDS(x, kf), IDS(y));
        set_io(&g, IDS(x), IDS(y));
        check_refused(&g, "op 0 FULLY_CONNECTED: weights 'wf' have the negative per-tensor scale",
                      "input scale * weight scale >= 0");
    }
    end();
}

/* ---- 8. validation errors ------------------------------------------------ */

enum { V_WEIGHT_ZP, V_BIAS_LEN, V_DECLARED, V_READ_BEFORE_WRITE, V_BATCH2, V_BIAS_OVERFLOW };

static void test_invalid_conv(int variant, const char *what, const char *needle)
{
    begin(what);
    static const int8_t w[3 * 9 * 2] = {1, 2, 3};
    /* V_BIAS_OVERFLOW: 2^31 - 100 leaves no room for 128 * sum|w| = 768 of channel 0. */
    const int32_t bias[4] = {variant == V_BIAS_OVERFLOW ? INT32_MAX - 100 : 0};
    tfg_graph_t g;
    g_init(&g);
    const int batch = variant == V_BATCH2 ? 2 : 1, oh = variant == V_DECLARED ? 4 : 2;
    const int x = add_act(&g, "x", (const int32_t[]){batch, 4, 4, 2}, 4, 0.1f, 0);
    const int wt = add_weights(&g, "w", DIMS(3, 3, 3, 2), w, 0.02f);
    if (variant == V_WEIGHT_ZP) g.tensors[wt].zero_point[0] = 1;
    const int b = add_const_i32(&g, "b", (const int32_t[]){variant == V_BIAS_LEN ? 4 : 3}, 1, bias);
    const int y = add_act(&g, "y", (const int32_t[]){batch, oh, oh, 3}, 4, 0.1f, 0);
    if (variant == V_READ_BEFORE_WRITE) { /* the ADD reads y, which the CONV after it writes */
        const int z = add_act(&g, "z", DIMS(1, 2, 2, 3), 0.1f, 0);
        add_op(&g, TFG_OP_ADD, IDS(y, y), IDS(z));
        add_op(&g, TFG_OP_CONV_2D, IDS(x, wt, b), IDS(y));
        set_io(&g, IDS(x), IDS(z));
    } else {
        add_op(&g, TFG_OP_CONV_2D, IDS(x, wt, b), IDS(y));
        set_io(&g, IDS(x), IDS(y));
    }
    check_refused(&g, needle, NULL);
    end();
}

/* MEAN over non-adjacent axes (H and C of NHWC): TFLM's integer path
 * reduces any two axes; the reference here is its arithmetic written out:
 * M, shift from in/out scale, k = min(floor(log2 n), 32, 31 + shift), M' =
 * (M << k) / n, out = clamp(MBQM(sum - in_zp * n, M', shift - k) + out_zp). */
/* c: the channels (axis 3, reduced with axis 1); 1 makes the second reduced
 * group one element wide, which once fell back to a view that lost axis 2. */
static void mean_axes_1_3(int c, const char *model)
{
    tt_rng_t r = {106};
    int8_t in[3 * 4 * 5 * 2], got[3 * 5], want[3 * 5];
    fill(&r, in, sizeof in);
    const float si = 0.1f, so = 0.03f;
    const int32_t zi = 4, zo = -6, n = 4 * c;
    int32_t m, sh;
    nr_quantize_multiplier((double)si / (double)so, &m, &sh);
    int k = 0;
    while ((2 << k) <= n) k++;
    if (k > 31 + sh) k = 31 + sh;
    const int32_t mm = (int32_t)(((int64_t)m << k) / n), ms = sh - k;
    for (int b = 0; b < 3; b++)
        for (int w = 0; w < 5; w++) {
            int32_t sum = 0;
            for (int h = 0; h < 4; h++)
                for (int ch = 0; ch < c; ch++) sum += in[((b * 4 + h) * 5 + w) * c + ch];
            want[b * 5 + w] = (int8_t)nr_clamp((int64_t)nr_mbqm(sum - zi * n, mm, ms) + zo, -128, 127);
        }
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", (const int32_t[]){3, 4, 5, c}, 4, si, zi);
    const int ax = add_const_i32(&g, "axes", DIMS(2), (const int32_t[]){1, 3});
    const int y = add_act(&g, "y", DIMS(3, 5), so, zo);
    add_op(&g, TFG_OP_MEAN, IDS(x, ax), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    if (model) write_model(&g, model, in, (size_t)3 * 4 * 5 * c, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t mdl;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &mdl)) {
        run(&mdl, in, got);
        check_bytes(got, want, sizeof want,
                    c == 1 ? "mean over axes 1 and 3 (one channel)" : "mean over axes 1 and 3");
        tfg_model_free(&mdl);
    }
}

static void test_mean_not_adjacent(void)
{
    begin("audit MEAN: non-adjacent axes {1, 3} run (two reduced groups, the second one wide or not), three "
          "groups refused");
    mean_axes_1_3(2, "accept_mean_axes_1_3");
    mean_axes_1_3(1, NULL);
    tfg_graph_t g;
    g_init(&g);
    const float si = 0.1f, so = 0.03f;
    const int32_t zi = 4, zo = -6;
    const int x3 = add_act(&g, "x", DIMS(2, 2, 2, 2, 2), si, zi);
    const int ax3 = add_const_i32(&g, "axes", DIMS(3), (const int32_t[]){0, 2, 4});
    const int y3 = add_act(&g, "y", DIMS(2, 2), so, zo);
    add_op(&g, TFG_OP_MEAN, IDS(x3, ax3), IDS(y3));
    set_io(&g, IDS(x3), IDS(y3));
    check_refused(&g, "op 0 MEAN: reduced axes form more than two groups of adjacent axes", NULL);
    end();
}

/* EfficientNet-lite's hard-sigmoid clip as TFLite writes it: MINIMUM with a
 * per-channel constant, MAXIMUM with a scalar one, then MAXIMUM of two
 * activations (the first of which dies there: in place). TFLM compares the
 * raw int8 values. */
static void test_minmax(void)
{
    begin("MINIMUM / MAXIMUM: constants broadcast per channel and as a scalar, two activations");
    tt_rng_t r = {107};
    enum { N = 4 * 5 * 3 };
    int8_t in[N], hi[3], t1[N], t2[N], want[N], got[N];
    const int8_t lo[1] = {-20};
    fill(&r, in, sizeof in);
    fill(&r, hi, sizeof hi);
    nr_eltwise_t q = {.a_dims = {1, 4, 5, 3}, .b_dims = {1, 1, 1, 3}};
    nr_minmax(&q, in, hi, t1, 0);
    q.b_dims[3] = 1;
    nr_minmax(&q, t1, lo, t2, 1);
    for (int k = 0; k < 4; k++) q.b_dims[k] = q.a_dims[k];
    nr_minmax(&q, t2, in, want, 1);
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 4, 5, 3), 0.05f, 3);
    const int h = add_tensor(&g, "hi", TFG_DT_INT8, DIMS(3));
    set_quant(&g, h, 0.05f, 3);
    set_data(&g, h, hi);
    const int l = add_tensor(&g, "lo", TFG_DT_INT8, DIMS(1));
    set_quant(&g, l, 0.05f, 3);
    set_data(&g, l, lo);
    const int y1 = add_act(&g, "y1", DIMS(1, 4, 5, 3), 0.05f, 3);
    const int y2 = add_act(&g, "y2", DIMS(1, 4, 5, 3), 0.05f, 3);
    const int y = add_act(&g, "y", DIMS(1, 4, 5, 3), 0.05f, 3);
    add_op(&g, TFG_OP_MINIMUM, IDS(x, h), IDS(y1));
    add_op(&g, TFG_OP_MAXIMUM, IDS(y1, l), IDS(y2));
    add_op(&g, TFG_OP_MAXIMUM, IDS(y2, x), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    write_model(&g, "accept_minmax", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        TT_CHECK(m.prog.n_steps == 3 && m.prog.steps[0].kernel == TFG_K_MINIMUM &&
                 m.prog.steps[2].kernel == TFG_K_MAXIMUM);
        TT_CHECK(m.graph.ops[2].in_place); /* y2 dies at the last MAXIMUM */
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "min/max");
        tfg_model_free(&m);
    }
    end();
}

/* Standalone RELU between two quantizations (TFLM requantizes), then RELU6
 * (TFLM clamps the bytes to the input's zero point and quantized six). */
static void test_relu(void)
{
    begin("RELU (requantized) and RELU6 (clamped bytes) as standalone ops");
    tt_rng_t r = {108};
    enum { N = 3 * 7 * 4 };
    int8_t in[N], mid[N], want[N], got[N];
    fill(&r, in, sizeof in);
    const float sx = 0.11f, sm = 0.047f;
    nr_relu(N, sx, 9, sm, -128, in, mid);
    nr_relu6(N, sm, -128, mid, want);
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 3, 7, 4), sx, 9);
    const int m = add_act(&g, "m", DIMS(1, 3, 7, 4), sm, -128);
    const int y = add_act(&g, "y", DIMS(1, 3, 7, 4), sm, -128);
    add_op(&g, TFG_OP_RELU, IDS(x), IDS(m));
    add_op(&g, TFG_OP_RELU6, IDS(m), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    write_model(&g, "accept_relu", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t mdl;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &mdl)) {
        TT_CHECK(mdl.prog.n_steps == 2 && mdl.prog.steps[1].kernel == TFG_K_RELU &&
                 mdl.graph.ops[1].in_place);
        run(&mdl, in, got);
        check_bytes(got, want, sizeof want, "relu, relu6");
        tfg_model_free(&mdl);
    }
    end();
}

/* LEAKY_RELU (alpha 0.2) between two quantizations, written, read back
 * and run. */
static void test_leaky_relu(void)
{
    begin("LEAKY_RELU: alpha 0.2 between two quantizations, through the written file");
    tt_rng_t r = {109};
    enum { N = 2 * 9 * 5 };
    int8_t in[N], want[N], got[N];
    fill(&r, in, sizeof in);
    const float sx = 0.083f, sy = 0.061f, alpha = 0.2f;
    nr_leaky_relu(N, sx, -7, alpha, sy, 11, in, want);
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 2, 9, 5), sx, -7);
    const int y = add_act(&g, "y", DIMS(1, 2, 9, 5), sy, 11);
    add_op(&g, TFG_OP_LEAKY_RELU, IDS(x), IDS(y))->alpha = alpha;
    set_io(&g, IDS(x), IDS(y));
    write_model(&g, "accept_leaky_relu", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        TT_CHECK(m.prog.n_steps == 1 && m.prog.steps[0].kernel == TFG_K_LEAKY_RELU);
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "leaky relu");
        tfg_model_free(&m);
    }
    end();
}

/* SUB with a per-channel constant broadcast and a fused RELU, written, read
 * back and run. */
static void test_sub(void)
{
    begin("SUB: per-channel constant, fused RELU, through the written file");
    tt_rng_t r = {110};
    enum { N = 3 * 4 * 6 };
    int8_t in[N], c[6], want[N], got[N];
    fill(&r, in, sizeof in);
    fill(&r, c, sizeof c);
    const float sa = 0.07f, sb = 0.03f, so = 0.09f;
    nr_eltwise_t q = {.a_dims = {1, 3, 4, 6}, .b_dims = {1, 1, 1, 6}, .a_zp = 5, .b_zp = -3, .out_zp = -20};
    q.act_min = -20, q.act_max = 127; /* the fused RELU floors at the output zero point */
    q.left_shift = 20;
    const double twice_max = 2.0 * (double)(sa > sb ? sa : sb);
    nr_quantize_multiplier((double)sa / twice_max, &q.a_mult, &q.a_shift);
    nr_quantize_multiplier((double)sb / twice_max, &q.b_mult, &q.b_shift);
    nr_quantize_multiplier(twice_max / ((double)(1 << 20) * (double)so), &q.out_mult, &q.out_shift);
    nr_sub(&q, in, c, want);
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 3, 4, 6), sa, 5);
    const int k = add_tensor(&g, "c", TFG_DT_INT8, DIMS(6));
    set_quant(&g, k, sb, -3);
    set_data(&g, k, c);
    const int y = add_act(&g, "y", DIMS(1, 3, 4, 6), so, -20);
    add_op(&g, TFG_OP_SUB, IDS(x, k), IDS(y))->act = TFG_ACT_RELU;
    set_io(&g, IDS(x), IDS(y));
    write_model(&g, "accept_sub", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        TT_CHECK(m.prog.n_steps == 1 && m.prog.steps[0].kernel == TFG_K_SUB);
        size_t floored = 0; /* the RELU matters in this case */
        for (int i = 0; i < N; i++) floored += want[i] == -20;
        TT_CHECK(floored > 5);
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "sub");
        tfg_model_free(&m);
    }
    end();
}

/* PRELU with a per-channel alpha constant (as converters write it: shape
 * [1, 1, C]), written, read back and run. */
static void test_prelu(void)
{
    begin("PRELU: per-channel alpha, through the written file");
    tt_rng_t r = {112};
    enum { N = 4 * 3 * 5 };
    int8_t in[N], al[5], want[N], got[N];
    fill(&r, in, sizeof in);
    fill(&r, al, sizeof al);
    const float si = 0.05f, sa = 0.004f, so = 0.04f;
    nr_eltwise_t q = {.a_dims = {1, 4, 3, 5}, .b_dims = {1, 1, 1, 5}, .a_zp = -2, .b_zp = 10, .out_zp = 7};
    nr_prelu(&q, si, sa, so, in, al, want);
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 4, 3, 5), si, -2);
    const int a = add_tensor(&g, "alpha", TFG_DT_INT8, DIMS(1, 1, 5));
    set_quant(&g, a, sa, 10);
    set_data(&g, a, al);
    const int y = add_act(&g, "y", DIMS(1, 4, 3, 5), so, 7);
    add_op(&g, TFG_OP_PRELU, IDS(x, a), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    write_model(&g, "accept_prelu", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        TT_CHECK(m.prog.n_steps == 1 && m.prog.steps[0].kernel == TFG_K_PRELU);
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "prelu");
        tfg_model_free(&m);
    }
    end();
}

/* Write g (consumed) as a .tflite into memory and load it back through the
 * reader and the whole pipeline. */
static bool load_written(tfg_graph_t *g, const char *name, tfg_model_t *m)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    tfg_diag_t d = {{0}};
    tfg_status_t st = tfg_tflite_write(g, &bytes, &len, &d);
    tfg_graph_free(g);
    if (st == TFG_OK) st = tfg_model_load_mem(bytes, len, name, &(tfg_pass_opts_t){0}, m, &d);
    free(bytes);
    TT_CHECK(st == TFG_OK);
    if (st != TFG_OK) TT_LOG("  %s: %s\n", name, d.msg);
    return st == TFG_OK;
}

/* HARD_SWISH between two quantizations as a converter writes it (the output
 * range from -3/8 up), written, read back and run; every int8 input value
 * twice. Then what TFLM refuses, refused by name: a non-int8 input or
 * output, a shape change, an input scale at 128 output scales. */
static void test_hard_swish(void)
{
    begin("HARD_SWISH: between two quantizations, through the written file");
    enum { N = 2 * 16 * 16 };
    int8_t in[N], want[N], got[N];
    for (int i = 0; i < N; i++) in[i] = (int8_t)(i * 37 % 256 - 128);
    const float sx = 0.047f, sy = 0.025f;
    nr_hard_swish_t q;
    TT_CHECK(nr_hard_swish_prepare(sx, 5, sy, -113, &q));
    nr_hard_swish(N, &q, in, want);
    tfg_graph_t g;
    g_init(&g);
    int x = add_act(&g, "x", DIMS(1, 2, 16, 16), sx, 5);
    int y = add_act(&g, "y", DIMS(1, 2, 16, 16), sy, -113);
    add_op(&g, TFG_OP_HARD_SWISH, IDS(x), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    write_model(&g, "accept_hard_swish", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (load_written(&g, "hard_swish.tflite", &m)) {
        TT_CHECK(m.prog.n_steps == 1 && m.prog.steps[0].kernel == TFG_K_HARD_SWISH);
        const tfg_hard_swish_params_t *p = &m.prog.steps[0].p.hswish;
        TT_CHECK(p->out_mult == q.out_mult && p->out_shift == q.out_exp && p->relu_mult == q.relu_mult &&
                 p->relu_shift == q.relu_exp);
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "hard swish");
        tfg_model_free(&m);
    }
    end();

    begin("HARD_SWISH: int16 input, int16 output, a shape change and in >= 128 out refused by name");
    g_init(&g);
    x = add_tensor(&g, "x", TFG_DT_INT16, DIMS(1, 8));
    set_quant(&g, x, 0.1f, 0);
    y = add_act(&g, "y", DIMS(1, 8), 0.1f, 0);
    add_op(&g, TFG_OP_HARD_SWISH, IDS(x), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    check_refused(&g, "op 0 HARD_SWISH: input 'x' is int16, expected int8", NULL);
    g_init(&g);
    x = add_act(&g, "x", DIMS(1, 8), 0.1f, 0);
    y = add_tensor(&g, "y", TFG_DT_INT16, DIMS(1, 8));
    set_quant(&g, y, 0.1f, 0);
    add_op(&g, TFG_OP_HARD_SWISH, IDS(x), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    check_refused(&g, "op 0 HARD_SWISH: output 'y' is int16, expected int8", NULL);
    g_init(&g);
    x = add_act(&g, "x", DIMS(1, 8), 0.1f, 0);
    y = add_act(&g, "y", DIMS(1, 4), 0.1f, 0);
    add_op(&g, TFG_OP_HARD_SWISH, IDS(x), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    check_refused(&g, "op 0 HARD_SWISH: output 'y' is declared 1x4 but the op computes 1x8", NULL);
    g_init(&g);
    x = add_act(&g, "x", DIMS(1, 8), 0.5f, 0);
    y = add_act(&g, "y", DIMS(1, 8), 0.5f / 128, 0);
    add_op(&g, TFG_OP_HARD_SWISH, IDS(x), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    TT_CHECK(!nr_hard_swish_prepare(0.5f, 0, 0.5f / 128, 0, &q)); /* TFLM refuses it too */
    check_refused(&g, "op 0 HARD_SWISH: input scale / (128 * output scale) must be below 1", NULL);
    end();
}

/* x[1, 256] -> TANH -> y[1, 256] */
static void build_tanh(tfg_graph_t *g, float in_scale, int32_t in_zp, float out_scale, int32_t out_zp)
{
    g_init(g);
    const int x = add_act(g, "x", DIMS(1, 256), in_scale, in_zp);
    const int y = add_act(g, "y", DIMS(1, 256), out_scale, out_zp);
    add_op(g, TFG_OP_TANH, IDS(x), IDS(y));
    set_io(g, IDS(x), IDS(y));
}

/* TANH on every int8 input value, written, read back and run; an output
 * quantization other than the (1/128, 0) TFLM's kernel writes runs as TFLM
 * runs it; a non-int8 input or output and a shape change refused by name. */
static void test_tanh(void)
{
    begin("TANH: all 256 inputs, scale 0.1 zp 40 (both saturations), through the written file");
    int8_t in[256], want[256], got[256];
    for (int i = 0; i < 256; i++) in[i] = (int8_t)(i - 128);
    /* TFLM's Prepare: the input to Q4.27 with frexp; radius = floor(15 * 2^27 / 2^e) */
    int e;
    const double q = frexp((double)0.1f * (double)(1 << 27), &e);
    const int32_t mult = (int32_t)round(q * 2147483648.0);
    const int32_t radius = (int32_t)floor(15.0 * (double)(1 << 27) / ldexp(1.0, e));
    int32_t nm, ns, nrad;
    nr_tanh_prepare((double)0.1f, &nm, &ns, &nrad);
    TT_CHECK(nm == mult && ns == e && nrad == radius);
    TT_CHECK(-128 - 40 <= -radius); /* the low end goes through the radius test */
    nr_tanh(256, 40, radius, mult, e, in, want);
    TT_CHECK(want[0] == -128 && want[255] == 127 && want[128 + 40] == 0);
    tfg_graph_t g;
    build_tanh(&g, 0.1f, 40, 1.0f / 128, 0);
    write_model(&g, "accept_tanh", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (load_written(&g, "tanh.tflite", &m)) {
        TT_CHECK(m.prog.n_steps == 1 && m.prog.steps[0].kernel == TFG_K_TANH);
        const tfg_tanh_params_t *p = &m.prog.steps[0].p.tanh;
        TT_CHECK(p->in_mult == mult && p->in_left_shift == e && p->in_range_radius == radius &&
                 p->in_zp == 40);
        TT_CHECK(m.graph.ops[0].in_place);
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "tanh");
        tfg_model_free(&m);
    }
    end();

    /* tflm-audit row TANH: TFLM checks only the types; its kernel writes
     * 1/128 steps around 0 whatever the output declares. */
    begin("audit TANH: output scale 0.02, zero point 5 runs as TFLM runs it (1/128 steps around 0)");
    build_tanh(&g, 0.1f, 40, 0.02f, 5);
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "tanh, output 0.02 / 5");
        tfg_model_free(&m);
    }
    end();

    begin("TANH: int16 input, int16 output and a shape change refused by name");
    g_init(&g);
    int x = add_tensor(&g, "x", TFG_DT_INT16, DIMS(1, 8));
    set_quant(&g, x, 1.0f / 4096, 0);
    int y = add_act(&g, "y", DIMS(1, 8), 1.0f / 128, 0);
    add_op(&g, TFG_OP_TANH, IDS(x), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    check_refused(&g, "op 0 TANH: input 'x' is int16, expected int8", NULL);
    g_init(&g);
    x = add_act(&g, "x", DIMS(1, 8), 0.1f, 0);
    y = add_tensor(&g, "y", TFG_DT_INT16, DIMS(1, 8));
    set_quant(&g, y, 1.0f / 32768, 0);
    add_op(&g, TFG_OP_TANH, IDS(x), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    check_refused(&g, "op 0 TANH: output 'y' is int16, expected int8", NULL);
    g_init(&g);
    x = add_act(&g, "x", DIMS(1, 2, 4), 0.1f, 0);
    y = add_act(&g, "y", DIMS(1, 8), 1.0f / 128, 0);
    add_op(&g, TFG_OP_TANH, IDS(x), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    check_refused(&g, "op 0 TANH: output 'y' is declared 1x8 but the op computes 1x2x4", NULL);
    end();
}

/* ---- SLICE, STRIDED_SLICE, SPLIT, SPLIT_V and TILE --------------------- */

/* x[1,6,8,12] -SPLIT(axis -1, 3)-> p,q,r [1,6,8,4];
 * p -SPLIT_V(axis 1, sizes 2,-1)-> p1[1,2,8,4], p2[1,4,8,4];
 * q -SLICE(begin 0,1,2,1, size 1,4,-1,2)-> s[1,4,6,2];
 * r -STRIDED_SLICE(begin 0,5,1,0 end 1,0,8,4 strides 1,-2,3,1, shrink axis 0)-> t[3,3,4];
 * p1 -TILE(1,2,1,3)-> u[1,4,8,12].
 * Outputs p2, s, t, u. The outputs' quantizations differ from the input's:
 * TFLM copies the bytes whatever they declare, and so do we. */
static void build_slicing(tfg_graph_t *g)
{
    g_init(g);
    const int x = add_act(g, "x", DIMS(1, 6, 8, 12), 0.05f, 3);
    const int p = add_act(g, "p", DIMS(1, 6, 8, 4), 0.05f, 3),
              q = add_act(g, "q", DIMS(1, 6, 8, 4), 0.05f, 3),
              r = add_act(g, "r", DIMS(1, 6, 8, 4), 0.05f, 3);
    add_op(g, TFG_OP_SPLIT, IDS(add_scalar_i32(g, "axis", -1), x), IDS(p, q, r))->num_splits = 3;
    const int p1 = add_act(g, "p1", DIMS(1, 2, 8, 4), 0.05f, 3),
              p2 = add_act(g, "p2", DIMS(1, 4, 8, 4), 0.1f, 0);
    add_op(
        g, TFG_OP_SPLIT_V,
        IDS(p, add_const_i32(g, "sizes", DIMS(2), (const int32_t[]){2, -1}), add_scalar_i32(g, "axis1", 1)),
        IDS(p1, p2))
        ->num_splits = 2;
    const int s = add_act(g, "s", DIMS(1, 4, 6, 2), 0.05f, 3);
    add_op(g, TFG_OP_SLICE,
           IDS(q, add_const_i32(g, "begin", DIMS(4), (const int32_t[]){0, 1, 2, 1}),
               add_const_i32(g, "size", DIMS(4), (const int32_t[]){1, 4, -1, 2})),
           IDS(s));
    const int t = add_act(g, "t", DIMS(3, 3, 4), 0.05f, 3);
    add_op(g, TFG_OP_STRIDED_SLICE,
           IDS(r, add_const_i32(g, "sb", DIMS(4), (const int32_t[]){0, 5, 1, 0}),
               add_const_i32(g, "se", DIMS(4), (const int32_t[]){1, 0, 8, 4}),
               add_const_i32(g, "ss", DIMS(4), (const int32_t[]){1, -2, 3, 1})),
           IDS(t))
        ->shrink_axis_mask = 1;
    const int u = add_act(g, "u", DIMS(1, 4, 8, 12), 0.05f, 3);
    add_op(g, TFG_OP_TILE, IDS(p1, add_const_i32(g, "mult", DIMS(4), (const int32_t[]){1, 2, 1, 3})), IDS(u));
    set_io(g, IDS(x), IDS(p2, s, t, u));
}

static void test_slicing(void)
{
    begin("SPLIT, SPLIT_V, SLICE, STRIDED_SLICE, TILE: strided copies, through the written file");
    enum { NX = 6 * 8 * 12, NP2 = 4 * 8 * 4, NS = 4 * 6 * 2, NT = 3 * 3 * 4, NU = 4 * 8 * 12 };
    int8_t in[NX], want[NP2 + NS + NT + NU], got[sizeof want];
    for (int i = 0; i < NX; i++) in[i] = (int8_t)(i * 53 % 256 - 128);
    /* p, q, r: channels 0-3, 4-7, 8-11 of x; then each op on its part */
    static const int xd[4] = {1, 6, 8, 12}, pd[4] = {1, 6, 8, 4}, one[4] = {1, 1, 1, 1};
    int8_t part[3][6 * 8 * 4], p1[2 * 8 * 4];
    for (int k = 0; k < 3; k++) nr_slice(4, xd, (const int[]){0, 0, 0, 4 * k}, one, pd, in, part[k]);
    nr_slice(4, pd, (const int[]){0, 0, 0, 0}, one, (const int[]){1, 2, 8, 4}, part[0], p1);
    nr_slice(4, pd, (const int[]){0, 2, 0, 0}, one, (const int[]){1, 4, 8, 4}, part[0], want);
    nr_slice(4, pd, (const int[]){0, 1, 2, 1}, one, (const int[]){1, 4, 6, 2}, part[1], want + NP2);
    nr_slice(4, pd, (const int[]){0, 5, 1, 0}, (const int[]){1, -2, 3, 1}, (const int[]){1, 3, 3, 4}, part[2],
             want + NP2 + NS);
    nr_tile(4, (const int[]){1, 2, 8, 4}, (const int[]){1, 2, 1, 3}, p1, want + NP2 + NS + NT);
    tfg_graph_t g;
    build_slicing(&g);
    write_model(&g, "accept_slicing", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (load_written(&g, "slicing.tflite", &m)) {
        /* one step per output: SPLIT 3, SPLIT_V 2, SLICE, STRIDED_SLICE, TILE */
        TT_CHECK(m.prog.n_steps == 8);
        for (int k = 0; k < m.prog.n_steps; k++) TT_CHECK(m.prog.steps[k].kernel == TFG_K_GATHER);
        /* SPLIT's second output starts 4 channels in and copies runs of 4 */
        const tfg_gather_params_t *gp = &m.prog.steps[1].p.gather;
        TT_CHECK(gp->offset == 4 && gp->rank == 2 && gp->dims[0] == 48 && gp->dims[1] == 4 &&
                 gp->in_stride[0] == 12 && gp->in_stride[1] == 1);
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "slicing");
        tfg_model_free(&m);
    }
    end();

    begin("TILE of constants folds, whatever their type (SSD's anchors)");
    g_init(&g);
    const float anchors[2][2] = {{0.25f, -1.5f}, {3.0f, 0.125f}};
    const int fa = add_tensor(&g, "anchors", TFG_DT_FLOAT32, DIMS(2, 2));
    set_data(&g, fa, anchors);
    const int ft = add_tensor(&g, "tiled", TFG_DT_FLOAT32, DIMS(4, 6));
    add_op(&g, TFG_OP_TILE, IDS(fa, add_const_i32(&g, "m", DIMS(2), (const int32_t[]){2, 3})), IDS(ft));
    const int8_t bias[4] = {-7, 0, 5, 100};
    const int cb = add_weights(&g, "bias", DIMS(1, 1, 1, 4), bias, 0.05f);
    const int ct = add_act(&g, "ct", DIMS(1, 2, 3, 4), 0.05f, 0);
    add_op(&g, TFG_OP_TILE, IDS(cb, add_const_i32(&g, "m2", DIMS(4), (const int32_t[]){1, 2, 3, 1})),
           IDS(ct));
    const int x = add_act(&g, "x", DIMS(1, 2, 3, 4), 0.05f, 0),
              y = add_act(&g, "y", DIMS(1, 2, 3, 4), 0.1f, 0);
    add_op(&g, TFG_OP_ADD, IDS(x, ct), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        TT_CHECK(m.graph.ops[0].dead && m.graph.ops[1].dead && m.prog.n_steps == 1);
        const tfg_tensor_t *tt = &m.graph.tensors[ft];
        float fw[4][6];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 6; j++) fw[i][j] = anchors[i % 2][j % 2];
        TT_CHECK(tt->data && tt->data_bytes == sizeof fw && memcmp(tt->data, fw, sizeof fw) == 0);
        const tfg_tensor_t *ti = &m.graph.tensors[ct];
        TT_CHECK(ti->data && ti->data_bytes == 24);
        for (int i = 0; ti->data && i < 24; i++) TT_CHECK((int8_t)ti->data[i] == bias[i % 4]);
        tfg_model_free(&m);
    }
    end();

    begin("a graph output that folding makes constant, and a constant input, are refused by name");
    /* Found by the fuzzer: the plan gave such a tensor no buffer and wrote
     * before the start of its buffer array. */
    g_init(&g);
    {
        const int b = add_weights(&g, "bias", DIMS(1, 1, 1, 4), bias, 0.05f);
        const int t = add_act(&g, "tiled", DIMS(1, 2, 1, 4), 0.05f, 0);
        add_op(&g, TFG_OP_TILE, IDS(b, add_const_i32(&g, "m", DIMS(4), (const int32_t[]){1, 2, 1, 1})),
               IDS(t));
        const int xi = add_act(&g, "x", DIMS(1, 2, 1, 4), 0.05f, 0),
                  yo = add_act(&g, "y", DIMS(1, 2, 1, 4), 0.1f, 0);
        add_op(&g, TFG_OP_ADD, IDS(xi, t), IDS(yo));
        set_io(&g, IDS(xi), IDS(yo, t));
        check_refused(&g, "graph output 1 'tiled' is a constant", NULL);
    }
    g_init(&g);
    {
        const int xi = add_weights(&g, "x", DIMS(1, 1, 1, 4), bias, 0.05f);
        const int yo = add_act(&g, "y", DIMS(1, 1, 1, 4), 0.1f, 0);
        add_op(&g, TFG_OP_RELU, IDS(xi), IDS(yo));
        set_io(&g, IDS(xi), IDS(yo));
        check_refused(&g, "graph input 0 'x' is a constant (it has data)", NULL);
    }
    end();

    begin("slicing ops: what TFLite refuses, refused by name");
    /* each case: build_slicing, then break one thing */
    build_slicing(&g);
    g.ops[0].num_splits = 2;
    check_refused(&g, "op 0 SPLIT: has 3 outputs but num_splits 2", NULL);
    build_slicing(&g);
    {
        static const int32_t two = 2;
        g.tensors[g.ops[0].in[0]].data = (const uint8_t *)&two;
        check_refused(&g, "op 0 SPLIT: axis 2 of size 8 does not split into 3 equal parts", NULL);
    }
    build_slicing(&g);
    {
        static const int32_t five = 5;
        g.tensors[g.ops[0].in[0]].data = (const uint8_t *)&five;
        check_refused(&g, "op 0 SPLIT: axis 5 is outside a rank-4 input", NULL);
    }
    build_slicing(&g);
    {
        static const int32_t sizes[2] = {3, 4};
        g.tensors[g.ops[1].in[1]].data = (const uint8_t *)sizes;
        check_refused(&g, "op 1 SPLIT_V: size_splits add up to 7, but axis 1 has 6 values", NULL);
    }
    build_slicing(&g);
    {
        static const int32_t size[4] = {1, 4, 7, 2};
        g.tensors[g.ops[2].in[2]].data = (const uint8_t *)size;
        check_refused(&g, "op 2 SLICE: begin 2, size 7 on axis 2 of size 8: outside the input", NULL);
    }
    build_slicing(&g);
    {
        static const int32_t strides[4] = {1, 0, 3, 1};
        g.tensors[g.ops[3].in[3]].data = (const uint8_t *)strides;
        check_refused(&g, "op 3 STRIDED_SLICE: axis 1 has stride 0", NULL);
    }
    build_slicing(&g);
    g.ops[3].ellipsis_mask = 2;
    check_refused(&g, "op 3 STRIDED_SLICE: ellipsis_mask and new_axis_mask are not supported", NULL);
    build_slicing(&g);
    g.ops[3].shrink_axis_mask = 0;
    check_refused(&g, "op 3 STRIDED_SLICE: output 't' is declared 3x3x4 but the op computes 1x3x3x4", NULL);
    build_slicing(&g);
    {
        static const int32_t mult[4] = {1, 0, 1, 3};
        g.tensors[g.ops[4].in[1]].data = (const uint8_t *)mult;
        check_refused(&g, "op 4 TILE: multiple 0 on axis 1 (of size 2) is out of range", NULL);
    }
    end();
}

/* x[1,4,6,8] -SPACE_TO_DEPTH 2-> s[1,2,3,32] -EXPAND_DIMS -1-> e[1,2,3,32,1];
 * x -DEPTH_TO_SPACE 2-> d[1,8,12,2] -SPACE_TO_DEPTH 2-> x2[1,4,6,8].
 * Outputs e, d, x2 (x2 is x again). */
static void build_depth_space(tfg_graph_t *g)
{
    g_init(g);
    const int x = add_act(g, "x", DIMS(1, 4, 6, 8), 0.1f, 2);
    const int s = add_act(g, "s", DIMS(1, 2, 3, 32), 0.1f, 2),
              e = add_act(g, "e", DIMS(1, 2, 3, 32, 1), 0.1f, 2);
    const int d = add_act(g, "d", DIMS(1, 8, 12, 2), 0.2f, 0),
              x2 = add_act(g, "x2", DIMS(1, 4, 6, 8), 0.1f, 2);
    add_op(g, TFG_OP_SPACE_TO_DEPTH, IDS(x), IDS(s))->block_size = 2;
    add_op(g, TFG_OP_EXPAND_DIMS, IDS(s, add_scalar_i32(g, "axis", -1)), IDS(e));
    add_op(g, TFG_OP_DEPTH_TO_SPACE, IDS(x), IDS(d))->block_size = 2;
    add_op(g, TFG_OP_SPACE_TO_DEPTH, IDS(d), IDS(x2))->block_size = 2;
    set_io(g, IDS(x), IDS(e, d, x2));
}

static void test_depth_space(void)
{
    begin("DEPTH_TO_SPACE, SPACE_TO_DEPTH, EXPAND_DIMS: through the written file");
    enum { N = 4 * 6 * 8 };
    int8_t in[N], want[3 * N], got[3 * N];
    for (int i = 0; i < N; i++) in[i] = (int8_t)(i * 29 % 256 - 128);
    nr_space_to_depth(4, 6, 8, 2, in, want);
    nr_depth_to_space(4, 6, 8, 2, in, want + N);
    memcpy(want + 2 * N, in, N); /* the round trip */
    int8_t back[N];
    nr_space_to_depth(8, 12, 2, 2, want + N, back);
    TT_CHECK(memcmp(back, in, N) == 0); /* the two references are inverses */
    tfg_graph_t g;
    build_depth_space(&g);
    write_model(&g, "accept_depth_space", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (load_written(&g, "depth_space.tflite", &m)) {
        TT_CHECK(m.prog.n_steps == 3 && m.graph.ops[1].alias); /* EXPAND_DIMS is a view */
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "depth/space");
        tfg_model_free(&m);
    }
    end();

    begin("DEPTH_TO_SPACE, SPACE_TO_DEPTH, EXPAND_DIMS: bad blocks and axes refused by name");
    build_depth_space(&g);
    g.ops[2].block_size = 3;
    check_refused(&g, "op 2 DEPTH_TO_SPACE: 8 channels do not divide into blocks of 3 x 3", NULL);
    build_depth_space(&g);
    g.ops[0].block_size = 4;
    check_refused(&g, "op 0 SPACE_TO_DEPTH: 4x6 does not divide into blocks of 4 x 4", NULL);
    build_depth_space(&g);
    g.ops[0].block_size = 0;
    check_refused(&g, "op 0 SPACE_TO_DEPTH: block size 0 (must be >= 1)", NULL);
    build_depth_space(&g);
    {
        static const int32_t five = 5;
        g.tensors[g.ops[1].in[1]].data = (const uint8_t *)&five;
        check_refused(&g, "op 1 EXPAND_DIMS: axis must be one value in [-5, 4]", NULL);
    }
    build_depth_space(&g);
    {
        static const int32_t zero = 0;
        g.tensors[g.ops[1].in[1]].data = (const uint8_t *)&zero;
        check_refused(
            &g, "op 1 EXPAND_DIMS: output 'e' is declared 1x2x3x32x1 but the op computes 1x1x2x3x32", NULL);
    }
    end();
}

/* RESIZE_NEAREST_NEIGHBOR in its four corner conventions, from one input
 * x[1,5,7,3]: 11x3 with half-pixel centres, 9x13 with align_corners, 4x10
 * with both (TFLite allows both here), 13x2 with neither. Written, read
 * back and run against the naive reference (codegen.sh and mcu.sh run the
 * written model too); then 400 random sizes and flags, each lowered alone,
 * its index tables equal to the reference's and its bytes equal. */
static void test_resize_nearest_modes(void)
{
    begin("RESIZE_NEAREST_NEIGHBOR: half-pixel, align_corners, both and plain, through the written file");
    static const int oh[4] = {11, 9, 4, 13}, ow[4] = {3, 13, 10, 2};
    static const bool al[4] = {false, true, true, false}, hp[4] = {true, false, true, false};
    enum { NX = 5 * 7 * 3 };
    int8_t in[NX], want[(11 * 3 + 9 * 13 + 4 * 10 + 13 * 2) * 3], got[sizeof want];
    tt_rng_t r = {131};
    fill(&r, in, sizeof in);
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 5, 7, 3), 0.02f, -3);
    int outs[4], n = 0;
    for (int k = 0; k < 4; k++) {
        char name[8];
        snprintf(name, sizeof name, "y%d", k);
        outs[k] = add_act(&g, name, DIMS(1, oh[k], ow[k], 3), 0.02f, -3);
        snprintf(name, sizeof name, "s%d", k);
        tfg_op_t *op =
            add_op(&g, TFG_OP_RESIZE_NEAREST_NEIGHBOR,
                   IDS(x, add_const_i32(&g, name, DIMS(2), (const int32_t[]){oh[k], ow[k]})), IDS(outs[k]));
        op->align_corners = al[k];
        op->half_pixel_centers = hp[k];
        nr_resize_nearest(5, 7, 3, oh[k], ow[k], al[k], hp[k], in, want + n);
        n += oh[k] * ow[k] * 3;
    }
    set_io(&g, IDS(x), outs, 4);
    write_model(&g, "accept_resize_nearest", in, sizeof in, want, sizeof want);
    tfg_model_t m;
    if (load_written(&g, "resize_nearest.tflite", &m)) {
        TT_CHECK(m.prog.n_steps == 4);
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "resize nearest, four conventions");
        tfg_model_free(&m);
    }
    end();

    begin("RESIZE_NEAREST_NEIGHBOR: 400 random sizes and flags, tables and bytes against the reference");
    for (int t = 0; t < 400; t++) {
        const int ih = tt_int(&r, 1, 12), iw = tt_int(&r, 1, 12), c = tt_int(&r, 1, 4);
        const int h = tt_int(&r, 1, 30), w = tt_int(&r, 1, 30);
        const bool align = tt_chance(&r, 50), half = tt_chance(&r, 50);
        g_init(&g);
        const int xi = add_act(&g, "x", DIMS(1, ih, iw, c), 0.02f, 0),
                  y = add_act(&g, "y", DIMS(1, h, w, c), 0.02f, 0);
        tfg_op_t *op = add_op(&g, TFG_OP_RESIZE_NEAREST_NEIGHBOR,
                              IDS(xi, add_const_i32(&g, "s", DIMS(2), (const int32_t[]){h, w})), IDS(y));
        op->align_corners = align;
        op->half_pixel_centers = half;
        set_io(&g, IDS(xi), IDS(y));
        if (!prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) break;
        const tfg_resize_nearest_params_t *p = &m.prog.steps[0].p.resize;
        bool same = true;
        for (int i = 0; i < h; i++) same &= p->src_y[i] == nr_resize_src(i, ih, h, align, half);
        for (int i = 0; i < w; i++) same &= p->src_x[i] == nr_resize_src(i, iw, w, align, half);
        int8_t xin[12 * 12 * 4], yw[30 * 30 * 4], yg[30 * 30 * 4];
        fill(&r, xin, (size_t)ih * iw * c);
        nr_resize_nearest(ih, iw, c, h, w, align, half, xin, yw);
        run(&m, xin, yg);
        same &= memcmp(yg, yw, (size_t)h * w * c) == 0;
        if (!same) {
            TT_LOG("  case %d: %dx%d -> %dx%d, align %d, half %d\n", t, ih, iw, h, w, align, half);
            TT_CHECK(same);
        }
        tfg_model_free(&m);
        if (!same) break;
    }
    end();
}

/* x[1,5,7,6] -RESIZE_BILINEAR 10x14 (half-pixel centres)-> a; x -RESIZE_BILINEAR
 * 9x4 (align_corners)-> b; x -RESIZE_BILINEAR 3x11-> c. Outputs a, b, c. */
static void build_bilinear(tfg_graph_t *g, bool both_flags, bool size_i64)
{
    g_init(g);
    const int x = add_act(g, "x", DIMS(1, 5, 7, 6), 0.02f, -3);
    const int a = add_act(g, "a", DIMS(1, 10, 14, 6), 0.02f, -3),
              b = add_act(g, "b", DIMS(1, 9, 4, 6), 0.04f, 1),
              c = add_act(g, "c", DIMS(1, 3, 11, 6), 0.02f, -3);
    int sa = add_const_i32(g, "sa", DIMS(2), (const int32_t[]){10, 14});
    if (size_i64) {
        sa = add_tensor(g, "sa64", TFG_DT_INT64, DIMS(2));
        set_data(g, sa, (const int64_t[]){10, 14});
    }
    tfg_op_t *op = add_op(g, TFG_OP_RESIZE_BILINEAR, IDS(x, sa), IDS(a));
    op->half_pixel_centers = true;
    op->align_corners = both_flags;
    add_op(g, TFG_OP_RESIZE_BILINEAR, IDS(x, add_const_i32(g, "sb", DIMS(2), (const int32_t[]){9, 4})),
           IDS(b))
        ->align_corners = true;
    add_op(g, TFG_OP_RESIZE_BILINEAR, IDS(x, add_const_i32(g, "sc", DIMS(2), (const int32_t[]){3, 11})),
           IDS(c));
    set_io(g, IDS(x), IDS(a, b, c));
}

/* RESIZE_BILINEAR as TFLM runs int8 (ResizeBilinearInteger): three ratios and
 * the three corner conventions, written, read back and run against the naive
 * reference, with lowering's tables equal to the reference's; then what TFLM
 * refuses, and the upscaling where TFLite's fixed-point index runs past the
 * input, refused by name. */
static void test_resize_bilinear(void)
{
    begin("RESIZE_BILINEAR: half-pixel, align_corners and plain, through the written file");
    enum { NX = 5 * 7 * 6, NA = 10 * 14 * 6, NB = 9 * 4 * 6, NC = 3 * 11 * 6 };
    int8_t in[NX], want[NA + NB + NC], got[sizeof want];
    for (int i = 0; i < NX; i++) in[i] = (int8_t)(i * 71 % 256 - 128);
    TT_CHECK(nr_resize_bilinear(5, 7, 6, 10, 14, false, true, in, want));
    TT_CHECK(nr_resize_bilinear(5, 7, 6, 9, 4, true, false, in, want + NA));
    TT_CHECK(nr_resize_bilinear(5, 7, 6, 3, 11, false, false, in, want + NA + NB));
    tfg_graph_t g;
    build_bilinear(&g, false, false);
    write_model(&g, "accept_resize_bilinear", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (load_written(&g, "resize_bilinear.tflite", &m)) {
        TT_CHECK(m.prog.n_steps == 3);
        const tfg_resize_bilinear_params_t *p = &m.prog.steps[0].p.bilinear;
        TT_CHECK(m.prog.steps[0].kernel == TFG_K_RESIZE_BILINEAR && p->out_h == 10 && p->out_w == 14);
        for (int y = 0; y < 10; y++) { /* the tables are the reference's index rule */
            int32_t pos, lo, hi;
            TT_CHECK(nr_bilinear_src(y, 5, 10, false, true, &pos, &lo, &hi));
            TT_CHECK(p->y[3 * y] == lo && p->y[3 * y + 1] == hi && p->y[3 * y + 2] == pos - 1024 * lo);
        }
        TT_CHECK(p->y[2] == -256); /* half a step above the first row, in 1/1024 */
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "resize bilinear");
        tfg_model_free(&m);
    }
    end();

    begin("RESIZE_BILINEAR: both corner flags, an int64 size and a past-the-end upscaling refused by name");
    build_bilinear(&g, true, false);
    check_refused(&g, "op 0 RESIZE_BILINEAR: align_corners and half_pixel_centers are both set", NULL);
    build_bilinear(&g, false, true);
    check_refused(&g, "op 0 RESIZE_BILINEAR: size 'sa64' is int64, expected int32", NULL);
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 1, 4, 2), 0.02f, 0),
              y = add_act(&g, "y", DIMS(1, 55, 4, 2), 0.02f, 0);
    add_op(&g, TFG_OP_RESIZE_BILINEAR, IDS(x, add_const_i32(&g, "s", DIMS(2), (const int32_t[]){55, 4})),
           IDS(y));
    set_io(&g, IDS(x), IDS(y));
    int32_t pos, lo, hi;
    TT_CHECK(!nr_bilinear_src(54, 1, 55, false, false, &pos, &lo, &hi)); /* row 54 would read row 1 of 1 */
    check_refused(
        &g, "op 0 RESIZE_BILINEAR: TFLite's fixed-point scale rounds a source row or column past the input",
        NULL);
    end();
}

/* x[1,4,5,6] -TRANSPOSE_CONV 3x3 s2 SAME, per-channel, bias, RELU-> a[1,8,10,8];
 * x -2x2 s2 VALID, per-tensor, no bias-> b[1,8,10,3] (YOLO's upsampling);
 * x -3x3 s2 VALID-> c[1,9,11,3]. A nonzero `bad` breaks one thing: 1 an
 * output shape that disagrees with c, 2 an int64 output shape, 3 weights of
 * 5 input channels, 4 batch 2. */
enum { TC_IN = 4 * 5 * 6, TC_A = 8 * 10 * 8, TC_B = 8 * 10 * 3, TC_C = 9 * 11 * 3 };
static const float tc_wa_scale[8] = {0.011f, 0.02f, 0.007f, 0.016f, 0.03f, 0.012f, 0.009f, 0.025f};
static void build_tconv(tfg_graph_t *g, const int8_t *wa, const int32_t *ba, const int8_t *wb,
                        const int8_t *wc, int bad)
{
    g_init(g);
    const int x = add_act(g, "x", DIMS(bad == 4 ? 2 : 1, 4, 5, 6), 0.05f, -7);
    const int a = add_act(g, "a", DIMS(1, 8, 10, 8), 0.09f, -20),
              b = add_act(g, "b", DIMS(1, 8, 10, 3), 0.1f, 4),
              c = add_act(g, "c", DIMS(1, 9, 11, 3), 0.12f, 0);
    const int wat = add_weights(g, "wa", DIMS(8, 3, 3, 6), wa, 0.01f);
    set_quant_n(g, wat, 8, tc_wa_scale, 0, 0);
    const int bat = add_const_i32(g, "ba", DIMS(8), ba);
    tfg_op_t *op =
        add_op(g, TFG_OP_TRANSPOSE_CONV,
               IDS(add_const_i32(g, "sa", DIMS(4), (const int32_t[]){1, 8, 10, 8}), wat, x, bat), IDS(a));
    op->sp.stride_h = op->sp.stride_w = 2;
    op->sp.same = true;
    op->act = TFG_ACT_RELU;
    op = add_op(g, TFG_OP_TRANSPOSE_CONV,
                IDS(add_const_i32(g, "sb", DIMS(4), (const int32_t[]){1, 8, 10, 3}),
                    add_weights(g, "wb", DIMS(3, 2, 2, 6), wb, 0.02f), x),
                IDS(b));
    op->sp.stride_h = op->sp.stride_w = 2;
    int sc = add_const_i32(g, "sc", DIMS(4), (const int32_t[]){1, 9, bad == 1 ? 12 : 11, 3});
    if (bad == 2) {
        sc = add_tensor(g, "sc64", TFG_DT_INT64, DIMS(4));
        set_data(g, sc, (const int64_t[]){1, 9, 11, 3});
    }
    op = add_op(g, TFG_OP_TRANSPOSE_CONV,
                IDS(sc, add_weights(g, "wc", (const int32_t[]){3, 3, 3, bad == 3 ? 5 : 6}, 4, wc, 0.015f), x),
                IDS(c));
    op->sp.stride_h = op->sp.stride_w = 2;
    set_io(g, IDS(x), IDS(a, b, c));
}

/* One output of build_tconv by the reference's scatter. */
static void ref_tconv(const int8_t *in, int h, int w, int oc, int k, bool same, const int8_t *wt,
                      const int32_t *bias, const float *ws, float out_scale, int32_t out_zp, int32_t act_min,
                      int8_t *out)
{
    int32_t mult[8], shift[8];
    for (int c = 0; c < oc; c++)
        nr_quantize_multiplier((double)0.05f * (double)ws[c] / (double)out_scale, &mult[c], &shift[c]);
    const nr_conv_t q = {.in_h = 4,
                         .in_w = 5,
                         .in_c = 6,
                         .out_h = h,
                         .out_w = w,
                         .out_c = oc,
                         .k_h = k,
                         .k_w = k,
                         .stride_h = 2,
                         .stride_w = 2,
                         .dil_h = 1,
                         .dil_w = 1,
                         .pad_top = nr_tconv_pad(h, k, 2, same),
                         .pad_left = nr_tconv_pad(w, k, 2, same),
                         .in_zp = -7,
                         .out_zp = out_zp,
                         .act_min = act_min,
                         .act_max = 127,
                         .weights = wt,
                         .bias = bias,
                         .mult = mult,
                         .shift = shift};
    nr_transpose_conv(&q, in, out);
}

/* TRANSPOSE_CONV as TFLM runs int8: three layers (SAME with per-channel
 * weights, bias and RELU; YOLO's 2x2 stride-2 upsampling; VALID 3x3 with
 * taps cut at the edges), written, read back and run against the scatter
 * reference; the MACs are the (input pixel, tap) pairs landing in the
 * output, counted here by brute force; then the refusals. */
static void test_transpose_conv(void)
{
    begin("TRANSPOSE_CONV: SAME/VALID, per-channel and per-tensor, with and without bias, through the file");
    tt_rng_t r = {77u};
    int8_t in[TC_IN], wa[8 * 9 * 6], wb[3 * 4 * 6], wc[3 * 9 * 6], want[TC_A + TC_B + TC_C], got[sizeof want];
    const int32_t ba[8] = {900, -4000, 0, 15000, -777, 2500, 31, -12000};
    fill(&r, in, sizeof in);
    fill(&r, wa, sizeof wa);
    fill(&r, wb, sizeof wb);
    fill(&r, wc, sizeof wc);
    const float wb_s[3] = {0.02f, 0.02f, 0.02f}, wc_s[3] = {0.015f, 0.015f, 0.015f};
    ref_tconv(in, 8, 10, 8, 3, true, wa, ba, tc_wa_scale, 0.09f, -20, -20,
              want); /* RELU: from the zero point */
    ref_tconv(in, 8, 10, 3, 2, false, wb, NULL, wb_s, 0.1f, 4, -128, want + TC_A);
    ref_tconv(in, 9, 11, 3, 3, false, wc, NULL, wc_s, 0.12f, 0, -128, want + TC_A + TC_B);
    tfg_graph_t g;
    build_tconv(&g, wa, ba, wb, wc, 0);
    write_model(&g, "accept_transpose_conv", in, sizeof in, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (load_written(&g, "transpose_conv.tflite", &m)) {
        TT_CHECK(m.prog.n_steps == 3 && m.prog.steps[0].kernel == TFG_K_TRANSPOSE_CONV);
        const tfg_transpose_conv_params_t *p = &m.prog.steps[0].p.tconv;
        TT_CHECK(p->pad_top == nr_tconv_pad(8, 3, 2, 1) && p->pad_left == nr_tconv_pad(10, 3, 2, 1));
        const int ks[3] = {3, 2, 3}, oh[3] = {8, 8, 9}, ow[3] = {10, 10, 11}, oc[3] = {8, 3, 3};
        for (int l = 0; l < 3; l++) { /* MACs: taps landing inside the output, by brute force */
            const tfg_transpose_conv_params_t *q = &m.prog.steps[l].p.tconv;
            int64_t pairs = 0;
            for (int iy = 0; iy < 4; iy++)
                for (int ix = 0; ix < 5; ix++)
                    for (int fy = 0; fy < ks[l]; fy++)
                        for (int fx = 0; fx < ks[l]; fx++) {
                            const int y = iy * 2 - q->pad_top + fy, x = ix * 2 - q->pad_left + fx;
                            pairs += y >= 0 && y < oh[l] && x >= 0 && x < ow[l];
                        }
            TT_CHECK(m.prog.steps[l].macs == pairs * 6 * oc[l]);
        }
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "transpose conv");
        tfg_model_free(&m);
    }
    end();

    begin(
        "TRANSPOSE_CONV: a disagreeing or int64 output shape, mismatched channels, batch 2 refused by name");
    build_tconv(&g, wa, ba, wb, wc, 1);
    check_refused(&g, "op 2 TRANSPOSE_CONV: output shape [1,9,12,3] disagrees with output 'c'", NULL);
    build_tconv(&g, wa, ba, wb, wc, 2);
    check_refused(&g, "op 2 TRANSPOSE_CONV: output shape 'sc64' is int64, expected int32", NULL);
    build_tconv(&g, wa, ba, wb, wc, 3);
    check_refused(&g, "op 2 TRANSPOSE_CONV: weights have 5 input channels but the input has 6", NULL);
    build_tconv(&g, wa, ba, wb, wc, 4);
    check_refused(&g, "TRANSPOSE_CONV: batch 2 (only batch 1 is supported)", NULL);
    end();
}

/* Attention as YOLO11n's block computes it, on x[1,2,6,8] (2 heads, 6
 * tokens, 8 features): s = x.x^T (adj_y) [1,2,6,6]; o = s.x [1,2,6,8];
 * t = x^T.x (adj_x) [1,2,8,8]; c = x.W with a constant W[8,5], broadcast
 * over both batch axes [1,2,6,5]; and FULLY_CONNECTED with weights the graph
 * computes: xr = x as [12,8], u = xr^T.xr [8,8], f = FC(xr, u, bias, RELU)
 * [12,8]. Outputs o, t, c, f. `bad`: 1 depths that differ, 2 batch axes that
 * do not broadcast, 3 a per-channel constant. */
static const float bmm_scale[8] = {0.04f, 0.05f, 0.3f, 0.2f, 0.25f, 0.03f, 0.5f, 0.6f}; /* x W s o t c u f */
static const int32_t bmm_zp[8] = {-5, 3, 10, -2, -60, 7, -100, 12};
static const int32_t bmm_fc_bias[8] = {5000, -3000, 120, 0, -77, 20000, -15000, 400};
static void build_bmm(tfg_graph_t *g, const int8_t *wv, int bad)
{
    g_init(g);
    const int x = add_act(g, "x", DIMS(1, 2, 6, 8), bmm_scale[0], bmm_zp[0]);
    const int w = add_act(g, "W", (const int32_t[]){bad == 1 ? 7 : 8, 5}, 2, bmm_scale[1], bmm_zp[1]);
    set_data(g, w, wv);
    if (bad == 3) set_quant_n(g, w, 5, (const float[]){0.05f, 0.05f, 0.05f, 0.05f, 0.05f}, 0, 1);
    const int s = add_act(g, "s", DIMS(1, 2, 6, 6), bmm_scale[2], bmm_zp[2]),
              o = add_act(g, "o", DIMS(1, 2, 6, 8), bmm_scale[3], bmm_zp[3]),
              t = add_act(g, "t", DIMS(1, 2, 8, 8), bmm_scale[4], bmm_zp[4]),
              c = add_act(g, "c", DIMS(1, 2, 6, 5), bmm_scale[5], bmm_zp[5]);
    add_op(g, TFG_OP_BATCH_MATMUL, IDS(x, x), IDS(s))->adj_y = true;
    int xs = x;
    if (bad == 2) xs = add_act(g, "x3", DIMS(1, 3, 6, 8), bmm_scale[0], bmm_zp[0]);
    add_op(g, TFG_OP_BATCH_MATMUL, IDS(s, xs), IDS(o));
    add_op(g, TFG_OP_BATCH_MATMUL, IDS(x, x), IDS(t))->adj_x = true;
    add_op(g, TFG_OP_BATCH_MATMUL, IDS(x, w), IDS(c));
    const int xr = add_act(g, "xr", DIMS(12, 8), bmm_scale[0], bmm_zp[0]),
              u = add_act(g, "u", DIMS(8, 8), bmm_scale[6], bmm_zp[6]),
              f = add_act(g, "f", DIMS(12, 8), bmm_scale[7], bmm_zp[7]);
    add_op(g, TFG_OP_RESHAPE, IDS(x, add_const_i32(g, "shape", DIMS(2), (const int32_t[]){12, 8})), IDS(xr));
    add_op(g, TFG_OP_BATCH_MATMUL, IDS(xr, xr), IDS(u))->adj_x = true;
    add_op(g, TFG_OP_FULLY_CONNECTED, IDS(xr, u, add_const_i32(g, "fb", DIMS(8), bmm_fc_bias)), IDS(f))->act =
        TFG_ACT_RELU;
    if (bad == 2)
        set_io(g, IDS(x, xs), IDS(o, t, c, f));
    else
        set_io(g, IDS(x), IDS(o, t, c, f));
}

/* One BATCH_MATMUL of build_bmm by the reference, quantization l, r -> o. */
static void ref_bmm(const int8_t *lhs, const int *ld, int lr, const int8_t *rhs, const int *rd, int rr,
                    bool ax, bool ay, int l, int r, int o, int8_t *out)
{
    nr_bmm_t q = {.lhs_rank = lr, .rhs_rank = rr, .adj_x = ax, .adj_y = ay, .act_min = -128, .act_max = 127};
    if (o == 7) /* f: FULLY_CONNECTED's bias and RELU (from the zero point) */
        q.bias = bmm_fc_bias, q.act_min = bmm_zp[7];
    memcpy(q.lhs_dims, ld, sizeof(int) * (size_t)lr);
    memcpy(q.rhs_dims, rd, sizeof(int) * (size_t)rr);
    q.lhs_zp = bmm_zp[l], q.rhs_zp = bmm_zp[r], q.out_zp = bmm_zp[o];
    nr_quantize_multiplier((double)(bmm_scale[l] * bmm_scale[r]) / (double)bmm_scale[o], &q.mult, &q.shift);
    int od[5];
    nr_batch_matmul(&q, lhs, rhs, out, od);
}

/* BATCH_MATMUL as TFLM runs int8: attention's Q.K^T and .V with both sides
 * activations, the lhs transposed, a constant rhs broadcast over the
 * batch, and a FULLY_CONNECTED whose weights the graph computes (the other
 * form the converter may give attention; run on the same kernel, with its
 * bias and activation), written, read back and run against the reference;
 * MACs are the output's elements times the depth; then the refusals. */
static void test_batch_matmul(void)
{
    begin("BATCH_MATMUL: Q.K^T, .V, adj_x, a broadcast constant, and FULLY_CONNECTED with computed weights, "
          "through the file");
    tt_rng_t r = {78u};
    enum { NX = 2 * 6 * 8, NS = 2 * 6 * 6, NO = 2 * 6 * 8, NT = 2 * 8 * 8, NC = 2 * 6 * 5, NF = 12 * 8 };
    int8_t x[NX], w[8 * 5], s[NS], u[64], want[NO + NT + NC + NF], got[sizeof want];
    fill(&r, x, sizeof x);
    fill(&r, w, sizeof w);
    const int xd[4] = {1, 2, 6, 8}, sd[4] = {1, 2, 6, 6}, wd[2] = {8, 5};
    ref_bmm(x, xd, 4, x, xd, 4, false, true, 0, 0, 2, s);
    ref_bmm(s, sd, 4, x, xd, 4, false, false, 2, 0, 3, want);
    ref_bmm(x, xd, 4, x, xd, 4, true, false, 0, 0, 4, want + NO);
    ref_bmm(x, xd, 4, w, wd, 2, false, false, 0, 1, 5, want + NO + NT);
    const int rd[2] = {12, 8}, ud[2] = {8, 8};
    ref_bmm(x, rd, 2, x, rd, 2, true, false, 0, 0, 6, u);
    ref_bmm(x, rd, 2, u, ud, 2, false, true, 0, 6, 7, want + NO + NT + NC); /* FC: x . u^T */
    tfg_graph_t g;
    build_bmm(&g, w, 0);
    write_model(&g, "accept_batch_matmul", x, sizeof x, want, sizeof want); /* codegen.sh, mcu.sh */
    tfg_model_t m;
    if (load_written(&g, "batch_matmul.tflite", &m)) {
        /* six steps (the RESHAPE is a view), all on the BATCH_MATMUL kernel */
        TT_CHECK(m.prog.n_steps == 6);
        const int64_t macs[6] = {NS * 8, NO * 6, NT * 6, NC * 8, 64 * 12, NF * 8};
        for (int k = 0; k < 6 && k < m.prog.n_steps; k++)
            TT_CHECK(m.prog.steps[k].kernel == TFG_K_BATCH_MATMUL && m.prog.steps[k].macs == macs[k]);
        run(&m, x, got);
        check_bytes(got, want, sizeof want, "batch matmul");
        tfg_model_free(&m);
    }
    end();

    begin("BATCH_MATMUL: differing depths, batch axes that do not broadcast, a per-channel operand refused");
    build_bmm(&g, w, 1);
    check_refused(&g, "op 3 BATCH_MATMUL: lhs depth 8 differs from rhs depth 7", NULL);
    build_bmm(&g, w, 2);
    check_refused(&g, "op 1 BATCH_MATMUL: batch dimension 1 (2 and 3) does not broadcast", NULL);
    build_bmm(&g, w, 3);
    check_refused(&g, "op 3 BATCH_MATMUL: per-channel operands", NULL);
    end();
}

/* REDUCE_MAX over every subset of the four axes of random shapes, with and
 * without keep_dims; a quantization change refused as TFLM refuses it. */
static void test_reduce_max(void)
{
    begin("REDUCE_MAX: every axis subset of 4-D shapes, keep_dims both ways; unequal quantization refused");
    tt_rng_t r = {111};
    for (int mask = 1; mask < 16; mask++)
        for (int keep = 0; keep < 2; keep++) {
            int dims[4], red[4], od[4], rank = 0;
            for (int k = 0; k < 4; k++) dims[k] = tt_int(&r, 1, k == 0 ? 2 : 6), red[k] = (mask >> k) & 1;
            int32_t axes[4], n_ax = 0, odims[4];
            for (int k = 0; k < 4; k++) {
                if (red[k]) axes[n_ax++] = tt_chance(&r, 50) ? k : k - 4; /* negative axes too */
                od[k] = red[k] ? 1 : dims[k];
                if (keep || !red[k]) odims[rank++] = od[k];
            }
            const size_t n = (size_t)dims[0] * dims[1] * dims[2] * dims[3];
            const size_t n_out = (size_t)od[0] * od[1] * od[2] * od[3];
            int8_t *in = malloc(n), *want = malloc(n_out), *got = malloc(n_out);
            fill(&r, in, n);
            nr_reduce_max(dims, red, in, want);
            tfg_graph_t g;
            g_init(&g);
            const int x =
                add_act(&g, "x", (const int32_t[]){dims[0], dims[1], dims[2], dims[3]}, 4, 0.02f, 3);
            const int ax = add_const_i32(&g, "axes", (const int32_t[]){n_ax}, 1, axes);
            const int y = add_act(&g, "y", odims, rank ? rank : 1, 0.02f, 3);
            if (rank == 0) g.tensors[y].rank = 0;
            add_op(&g, TFG_OP_REDUCE_MAX, IDS(x, ax), IDS(y))->keep_dims = keep;
            set_io(&g, IDS(x), IDS(y));
            if (mask == 6 && keep)
                write_model(&g, "accept_reduce_max", in, n, want, n_out); /* codegen.sh, mcu.sh */
            tfg_model_t m;
            if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
                run(&m, in, got);
                check_bytes(got, want, n_out, "reduce_max");
                if (!tt_case_ok)
                    TT_LOG("  axes mask %d keep_dims %d dims %dx%dx%dx%d\n", mask, keep, dims[0], dims[1],
                           dims[2], dims[3]);
                tfg_model_free(&m);
            }
            free(in), free(want), free(got);
        }
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 4, 4, 2), 0.02f, 3);
    const int ax = add_const_i32(&g, "axes", DIMS(2), (const int32_t[]){1, 2});
    const int y = add_act(&g, "y", DIMS(1, 1, 1, 2), 0.03f, 3);
    add_op(&g, TFG_OP_REDUCE_MAX, IDS(x, ax), IDS(y))->keep_dims = true;
    set_io(&g, IDS(x), IDS(y));
    check_refused(&g, "op 0 REDUCE_MAX: input and output quantization differ", NULL);
    end();
}

/* ---- 10. the TFLM audit (docs/tflm-audit.md): rows where we used to differ ---- */

static void test_audit_pool(void)
{
    begin("audit AVERAGE_POOL_2D: scales within 1e-6 run, as TFLM's ENSURE_NEAR allows");
    tt_rng_t r = {101};
    int8_t in[4 * 4 * 3], out[2 * 2 * 3], want[2 * 2 * 3];
    fill(&r, in, sizeof in);
    const nr_pool_t pp = {4, 4, 3, 2, 2, 2, 2, 2, 2, 0, 0, -128, 127};
    nr_avgpool(&pp, in, want);
    for (int bad = 0; bad < 2; bad++) {
        tfg_graph_t g;
        g_init(&g);
        const int x = add_act(&g, "x", DIMS(1, 4, 4, 3), 0.05f, 2);
        const int y = add_act(&g, "y", DIMS(1, 2, 2, 3), bad ? 0.05f + 2e-6f : 0.05f + 5e-7f, 2);
        tfg_op_t *op = add_op(&g, TFG_OP_AVERAGE_POOL_2D, IDS(x), IDS(y));
        op->sp.k_h = op->sp.k_w = op->sp.stride_h = op->sp.stride_w = 2;
        set_io(&g, IDS(x), IDS(y));
        if (bad) {
            check_refused(&g, "op 0 AVERAGE_POOL_2D: input and output quantization differ", "within 1e-6");
            continue;
        }
        tfg_model_t m;
        if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
            run(&m, in, out);
            check_bytes(out, want, sizeof want, "avgpool");
            tfg_model_free(&m);
        }
    }
    end();
}

/* x -> PAD (output quantization differs) -> CONV 3x3 VALID: TFLM's PAD copies
 * bytes and pads with the output zero point; the fold into the conv must not
 * happen (the conv would read x with the wrong zero point). */
static void test_audit_pad(void)
{
    begin("audit PAD: input and output quantization may differ (bytes copied); not folded");
    tt_rng_t r = {102};
    int8_t w[2 * 9 * 2], in[3 * 3 * 2], xp[5 * 5 * 2], want[3 * 3 * 2], got[18];
    const int32_t bias[2] = {500, -200};
    fill(&r, w, sizeof w);
    fill(&r, in, sizeof in);
    nr_pad((const int[]){1, 3, 3, 2}, (const int[]){0, 1, 1, 0}, (const int[]){0, 1, 1, 0}, -7, in, xp);
    const ref_conv_t rc = {false, 5, 5, 2, 3, 3, 2, 3, 1, 0, 0, 0.06f, 0.02f, 0.1f, -7, 1, w, bias};
    ref_conv(&rc, xp, want);
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 3, 3, 2), 0.04f, 5);
    const int p = add_const_i32(&g, "paddings", DIMS(4, 2), (const int32_t[]){0, 0, 1, 1, 1, 1, 0, 0});
    const int xq = add_act(&g, "xp", DIMS(1, 5, 5, 2), 0.06f, -7);
    const int wt = add_weights(&g, "w", DIMS(2, 3, 3, 2), w, 0.02f);
    const int b = add_const_i32(&g, "b", DIMS(2), bias);
    const int y = add_act(&g, "y", DIMS(1, 3, 3, 2), 0.1f, 1);
    add_op(&g, TFG_OP_PAD, IDS(x, p), IDS(xq));
    add_op(&g, TFG_OP_CONV_2D, IDS(xq, wt, b), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    tfg_model_t m;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        TT_CHECK(!m.graph.ops[0].dead && m.prog.n_steps == 2);
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "pad + conv");
        tfg_model_free(&m);
    }
    end();
}

/* RESHAPE, TRANSPOSE and RESIZE_NEAREST_NEIGHBOR whose output declares
 * another quantization: TFLM copies the bytes; so do we. */
static void test_audit_copies(void)
{
    begin("audit RESHAPE/TRANSPOSE/RESIZE_NEAREST_NEIGHBOR: output quantization may differ (bytes copied)");
    tt_rng_t r = {103};
    int8_t in[2 * 3 * 2], t[12], want[4 * 6 * 2], got[48];
    fill(&r, in, sizeof in);
    /* x[1,2,3,2] -RESHAPE-> [1,3,2,2] -TRANSPOSE(0,2,1,3)-> [1,2,3,2] -RESIZE 4x6-> y */
    nr_transpose(4, (const int[]){1, 3, 2, 2}, (const int[]){0, 2, 1, 3}, in, t);
    nr_resize_nearest(2, 3, 2, 4, 6, false, false, t, want);
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 2, 3, 2), 0.05f, 0);
    const int a = add_act(&g, "a", DIMS(1, 3, 2, 2), 0.07f, 3);
    const int bt = add_act(&g, "b", DIMS(1, 2, 3, 2), 0.09f, -4);
    const int y = add_act(&g, "y", DIMS(1, 4, 6, 2), 0.11f, 6);
    add_op(&g, TFG_OP_RESHAPE, IDS(x, add_const_i32(&g, "shape", DIMS(4), (const int32_t[]){1, 3, 2, 2})),
           IDS(a));
    add_op(&g, TFG_OP_TRANSPOSE, IDS(a, add_const_i32(&g, "perm", DIMS(4), (const int32_t[]){0, 2, 1, 3})),
           IDS(bt));
    add_op(&g, TFG_OP_RESIZE_NEAREST_NEIGHBOR,
           IDS(bt, add_const_i32(&g, "size", DIMS(2), (const int32_t[]){4, 6})), IDS(y));
    set_io(&g, IDS(x), IDS(y));
    tfg_model_t m;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "reshape/transpose/resize");
        tfg_model_free(&m);
    }
    end();
}

static void test_audit_refusals(void)
{
    /* TFLM takes up to 10 inputs (kMaxInputNum); the reader used to stop at 8.
     * Through a file: write, read back, run. */
    begin("audit CONCATENATION: 10 inputs run (TFLM's kMaxInputNum), through a .tflite file");
    {
        tfg_graph_t g;
        g_init(&g);
        int ins[10];
        char name[8];
        int8_t in[20], got[20];
        tt_rng_t r = {107};
        fill(&r, in, sizeof in);
        for (int i = 0; i < 10; i++) {
            snprintf(name, sizeof name, "x%d", i);
            ins[i] = add_act(&g, name, DIMS(1, 2), 0.1f, 0);
        }
        const int y = add_act(&g, "y", DIMS(1, 20), 0.1f, 0);
        add_op(&g, TFG_OP_CONCATENATION, ins, 10, IDS(y))->axis = 1;
        set_io(&g, ins, 10, IDS(y));
        uint8_t *bytes = NULL;
        size_t len = 0;
        tfg_diag_t d = {{0}};
        TT_CHECK(tfg_tflite_write(&g, &bytes, &len, &d) == TFG_OK);
        tfg_graph_free(&g);
        tfg_model_t m;
        const tfg_pass_opts_t o = {0};
        const tfg_status_t st =
            bytes ? tfg_model_load_mem(bytes, len, "concat10.tflite", &o, &m, &d) : TFG_ERR_INVALID;
        TT_CHECK(st == TFG_OK);
        if (st == TFG_OK) {
            run(&m, in, got); /* inputs concatenated in order: the output is the input bytes */
            check_bytes(got, in, sizeof in, "concat of 10 inputs");
            tfg_model_free(&m);
        } else {
            TT_LOG("  %s\n", d.msg);
        }
        free(bytes);
    }
    end();

    begin("audit SOFTMAX: beta * input scale * 2^26 <= 1 refused (TFLM CHECK-fails)");
    {
        tfg_graph_t g;
        g_init(&g);
        const int x = add_act(&g, "x", DIMS(1, 8), 1e-9f, 0);
        const int y = add_act(&g, "y", DIMS(1, 8), 1.0f / 256, -128);
        add_op(&g, TFG_OP_SOFTMAX, IDS(x), IDS(y))->beta = 1.0f;
        set_io(&g, IDS(x), IDS(y));
        check_refused(&g, "op 0 SOFTMAX: beta * input scale * 2^26 must exceed 1", NULL);
    }
    end();

    begin("audit FULLY_CONNECTED: bias scale far from input * weight scale refused (TFLM's 0.02 check)");
    tt_rng_t r = {104};
    int8_t w[3 * 8], in[8], out[3], want[3];
    const int32_t bias[3] = {100, -250, 7};
    fill(&r, w, sizeof w);
    fill(&r, in, sizeof in);
    int32_t mult[3], shift[3];
    for (int i = 0; i < 3; i++)
        nr_quantize_multiplier((double)(0.04f * 0.015f) / (double)0.09f, &mult[i], &shift[i]);
    nr_fc_t pf = {1, 8, 3, -7, 4, -128, 127, w, bias, mult, shift};
    nr_fc(&pf, in, want);
    for (int bad = 0; bad < 2; bad++) {
        tfg_graph_t g;
        g_init(&g);
        const int x = add_act(&g, "x", DIMS(1, 8), 0.04f, -7);
        const int wt = add_weights(&g, "w", DIMS(3, 8), w, 0.015f);
        const int b = add_const_i32(&g, "b", DIMS(3), bias);
        set_quant(&g, b, bad ? 0.01f : 0.04f * 0.015f, 0);
        const int y = add_act(&g, "y", DIMS(1, 3), 0.09f, 4);
        add_op(&g, TFG_OP_FULLY_CONNECTED, IDS(x, wt, b), IDS(y));
        set_io(&g, IDS(x), IDS(y));
        if (bad) {
            check_refused(&g, "op 0 FULLY_CONNECTED: bias 'b' has scale 0.01", "within 0.02 output scales");
            continue;
        }
        tfg_model_t m;
        if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
            run(&m, in, out);
            check_bytes(out, want, 3, "fc with a matching bias scale");
            tfg_model_free(&m);
        }
    }
    end();
}

/* Per-channel weights whose declared quantized axis is not the output
 * channel axis but has the right length: TFLM takes scale[c] per output
 * channel (it checks only the length), and so do we. */
static void test_audit_qdim(void)
{
    begin("audit CONV_2D: per-channel scales on another axis of the right length run as TFLM runs them");
    tt_rng_t r = {105};
    int8_t w[3 * 3 * 3 * 2], in[4 * 4 * 2], got[4 * 4 * 3], want[4 * 4 * 3];
    const int32_t bias[3] = {300, -100, 50};
    const float ws[3] = {0.01f, -0.02f, 0.015f};
    fill(&r, w, sizeof w);
    fill(&r, in, sizeof in);
    int32_t m3[3], s3[3];
    chan_mults(0.05f, ws, 0.07f, 3, m3, s3);
    nr_conv_t pc = {4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, -2, -128, 127, w, bias, m3, s3};
    nr_conv(&pc, in, want);
    tfg_graph_t g;
    g_init(&g);
    const int x = add_act(&g, "x", DIMS(1, 4, 4, 2), 0.05f, 1);
    const int wt = add_tensor(&g, "w", TFG_DT_INT8, DIMS(3, 3, 3, 2));
    set_quant_n(&g, wt, 3, ws, 0, 1); /* axis 1 (kernel height 3) instead of 0 */
    set_data(&g, wt, w);
    const int b = add_const_i32(&g, "b", DIMS(3), bias);
    const int y = add_act(&g, "y", DIMS(1, 4, 4, 3), 0.07f, -2);
    add_op(&g, TFG_OP_CONV_2D, IDS(x, wt, b), IDS(y))->sp.same = true;
    set_io(&g, IDS(x), IDS(y));
    tfg_model_t m;
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &m)) {
        run(&m, in, got);
        check_bytes(got, want, sizeof want, "conv, scales declared on axis 1");
        tfg_model_free(&m);
    }
    end();
}

/* TFLM's Requantize for one value between integer types: MBQM(x - in_zp) +
 * out_zp, clamped to the output type's range (written out here, not taken
 * from the library). */
static int32_t ref_requant1(int32_t x, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift, int32_t lo,
                            int32_t hi)
{
    return nr_clamp((int64_t)nr_mbqm(x - in_zp, mult, shift) + out_zp, lo, hi);
}

/* u[1,6,6,3] uint8 -> QUANTIZE -> q int8 -> CONV 3x3 SAME -> c -> [QUANTIZE -> yu uint8].
 * same_scale: the converter's form (equal scales, zero point 128 lower);
 * else a general rescale. out_u8 adds the int8 -> uint8 QUANTIZE at the output. */
static void build_u8(tfg_graph_t *g, bool same_scale, bool out_u8, const int8_t *w, const int32_t *bias)
{
    g_init(g);
    const int u = add_tensor(g, "u", TFG_DT_UINT8, DIMS(1, 6, 6, 3));
    set_quant(g, u, same_scale ? 1.0f / 255 : 0.02f, same_scale ? 128 : 100);
    const int q = add_act(g, "q", DIMS(1, 6, 6, 3), same_scale ? 1.0f / 255 : 0.05f, same_scale ? 0 : -10);
    const int wt = add_weights(g, "w", DIMS(4, 3, 3, 3), w, 0.01f);
    const int b = add_const_i32(g, "b", DIMS(4), bias);
    const int c = add_act(g, "c", DIMS(1, 6, 6, 4), 0.03f, 5);
    add_op(g, TFG_OP_QUANTIZE, IDS(u), IDS(q));
    add_op(g, TFG_OP_CONV_2D, IDS(q, wt, b), IDS(c))->sp.same = true;
    if (out_u8) {
        const int yu = add_tensor(g, "yu", TFG_DT_UINT8, DIMS(1, 6, 6, 4));
        set_quant(g, yu, 0.03f, 133);
        add_op(g, TFG_OP_QUANTIZE, IDS(c), IDS(yu));
        set_io(g, IDS(u), IDS(yu));
    } else {
        set_io(g, IDS(u), IDS(c));
    }
}

static void test_uint8_io(bool same_scale, bool out_u8)
{
    char what[160];
    snprintf(what, sizeof what, "accept: uint8 input QUANTIZE (%s)%s, host and --int8-io",
             same_scale ? "converter form: same scale, zero point - 128" : "general rescale",
             out_u8 ? " and int8 -> uint8 output QUANTIZE" : "");
    begin(what);
    tt_rng_t r = {same_scale ? 95u : 96u};
    int8_t w[108], q[108], c[144], qin[108];
    uint8_t u[108], yu[144], want[144], got[144];
    const int32_t bias[4] = {900, -1300, 40, 2500};
    fill(&r, w, sizeof w);
    for (int i = 0; i < 108; i++) u[i] = (uint8_t)tt_int(&r, 0, 255);
    /* Reference: QUANTIZE uint8 -> int8 with M from in/out scale in double. */
    const float si = same_scale ? 1.0f / 255 : 0.02f, so = same_scale ? 1.0f / 255 : 0.05f;
    const int32_t zi = same_scale ? 128 : 100, zo = same_scale ? 0 : -10;
    int32_t m, sh;
    nr_quantize_multiplier((double)si / (double)so, &m, &sh);
    for (int i = 0; i < 108; i++) q[i] = (int8_t)ref_requant1(u[i], zi, zo, m, sh, -128, 127);
    if (same_scale)
        for (int i = 0; i < 108; i++)
            TT_CHECK((uint8_t)q[i] == (u[i] ^ 0x80)); /* TFLM's XOR shortcut agrees */
    const ref_conv_t rc = {false, 6,     6,  3, 6, 6,   4, 3, 1, 1, 1, si == so ? 1.0f / 255 : 0.05f,
                           0.01f, 0.03f, zo, 5, w, bias};
    ref_conv(&rc, q, c);
    size_t out_n = 144;
    if (out_u8) {
        nr_quantize_multiplier(1.0, &m, &sh); /* 0.03 / 0.03 */
        for (int i = 0; i < 144; i++) want[i] = (uint8_t)ref_requant1(c[i], 5, 133, m, sh, 0, 255);
    } else {
        memcpy(want, c, out_n);
    }
    if (same_scale && !out_u8) {
        /* The model codegen.sh and mcu.sh also check; stripped, it takes q. */
        tfg_graph_t g;
        build_u8(&g, same_scale, out_u8, w, bias);
        write_model(&g, "accept_uint8_input", u, sizeof u, want, out_n);
        tfg_graph_free(&g);
        if (g_write_dir) {
            char path[512];
            snprintf(path, sizeof path, "%s/accept_uint8_input.int8in.bin", g_write_dir);
            write_file(path, q, sizeof q);
        }
    }
    tfg_graph_t g;
    tfg_model_t mdl;
    build_u8(&g, same_scale, out_u8, w, bias);
    if (prepare_ok(&g, (tfg_pass_opts_t){0}, &mdl)) {
        TT_CHECK(tfg_model_input_bytes(&mdl) == 108 && tfg_model_output_bytes(&mdl) == out_n);
        run(&mdl, u, got);
        check_bytes(got, want, out_n, "uint8 model on the host");
        tfg_model_free(&mdl);
    }
    /* --int8-io: the QUANTIZEs at both edges go; the caller feeds q (int8 in
     * q's quantization) and gets c. */
    build_u8(&g, same_scale, out_u8, w, bias);
    if (prepare_ok(&g, (tfg_pass_opts_t){.int8_io = true}, &mdl)) {
        TT_CHECK(mdl.graph.ops[0].dead && mdl.graph.inputs[0] == 1 && mdl.prog.n_steps == 1);
        memcpy(qin, q, sizeof q);
        run(&mdl, qin, yu);
        check_bytes(yu, c, 144, "uint8 model with --int8-io");
        tfg_model_free(&mdl);
    }
    end();
}

/* x int8 -> QUANTIZE -> u uint8 -> QUANTIZE -> y int8: both integer
 * directions inside the graph, where --int8-io (and so compile) keeps them,
 * so the generated code runs the uint8 requantizations too. */
static void test_uint8_midgraph(void)
{
    begin("accept: int8 -> uint8 -> int8 QUANTIZE inside the graph");
    tt_rng_t r = {97};
    int8_t x[64], y[64], want[64];
    uint8_t u[64];
    fill(&r, x, sizeof x);
    int32_t m, sh;
    nr_quantize_multiplier((double)0.04f / (double)0.07f, &m, &sh);
    for (int i = 0; i < 64; i++) u[i] = (uint8_t)ref_requant1(x[i], 9, 140, m, sh, 0, 255);
    nr_quantize_multiplier((double)0.07f / (double)0.05f, &m, &sh);
    for (int i = 0; i < 64; i++) want[i] = (int8_t)ref_requant1(u[i], 140, -3, m, sh, -128, 127);
    for (int pass = 0; pass < 2; pass++) {
        tfg_graph_t g;
        g_init(&g);
        const int xt = add_act(&g, "x", DIMS(1, 64), 0.04f, 9);
        const int ut = add_tensor(&g, "u", TFG_DT_UINT8, DIMS(1, 64));
        set_quant(&g, ut, 0.07f, 140);
        const int yt = add_act(&g, "y", DIMS(1, 64), 0.05f, -3);
        add_op(&g, TFG_OP_QUANTIZE, IDS(xt), IDS(ut));
        add_op(&g, TFG_OP_QUANTIZE, IDS(ut), IDS(yt));
        set_io(&g, IDS(xt), IDS(yt));
        if (pass == 0) {
            write_model(&g, "accept_uint8_midgraph", x, sizeof x, want, sizeof want);
            tfg_graph_free(&g);
            continue;
        }
        tfg_model_t mdl;
        if (prepare_ok(&g, (tfg_pass_opts_t){.int8_io = true}, &mdl)) {
            TT_CHECK(mdl.prog.n_steps == 2);
            run(&mdl, x, y);
            check_bytes(y, want, 64, "int8 -> uint8 -> int8");
            tfg_model_free(&mdl);
        }
    }
    end();
}

static void test_quantize_refusals(void)
{
    begin("accept: QUANTIZE uint8 -> uint8 and int16 input refused by name");
    tfg_graph_t g;
    g_init(&g);
    int u = add_tensor(&g, "u", TFG_DT_UINT8, DIMS(1, 4));
    set_quant(&g, u, 0.1f, 128);
    int v = add_tensor(&g, "v", TFG_DT_UINT8, DIMS(1, 4));
    set_quant(&g, v, 0.2f, 128);
    add_op(&g, TFG_OP_QUANTIZE, IDS(u), IDS(v));
    set_io(&g, IDS(u), IDS(v));
    check_refused(&g, "op 0 QUANTIZE: uint8 -> uint8", "supported: float32 -> int8, int8 <-> uint8");
    g_init(&g);
    u = add_tensor(&g, "u", TFG_DT_INT16, DIMS(1, 4));
    set_quant(&g, u, 0.1f, 0);
    v = add_act(&g, "v", DIMS(1, 4), 0.1f, 0);
    add_op(&g, TFG_OP_QUANTIZE, IDS(u), IDS(v));
    set_io(&g, IDS(u), IDS(v));
    check_refused(&g, "op 0 QUANTIZE: input type int16", NULL);
    end();
}

int main(int argc, char **argv)
{
    /* --write-models DIR: also write the issue-11 models for codegen.sh / mcu.sh. */
    if (argc == 3 && strcmp(argv[1], "--write-models") == 0) g_write_dir = argv[2];

    /* 1. shape arithmetic folding */
    /* what, x, begin, end, stride, begin_mask, end_mask, shrink, pack?, pack_with, y, folded new shape */
    // clang-format off
    static const fold_t folds[] = {
        {"fold: SHAPE -> STRIDED_SLICE(shrink [0]) -> PACK [b,32] -> RESHAPE",
         {1, 4, 4, 2}, 0, 1, 1, 0, 0, 1, true, 32, 2, {1, 32}, 2, {1, 32}},
        {"fold: STRIDED_SLICE [1:3]", {1, 4, 8, 1}, 1, 3, 1, 0, 0, 0, false, 0, 2, {4, 8}, 2, {4, 8}},
        {"fold: STRIDED_SLICE begin_mask [:3]", {1, 4, 8, 1}, 2, 3, 1, 1, 0, 0, false, 0, 3, {1, 4, 8}, 3, {1, 4, 8}},
        {"fold: STRIDED_SLICE end_mask [1:]", {1, 4, 8, 1}, 1, 0, 1, 0, 1, 0, false, 0, 3, {4, 8, 1}, 3, {4, 8, 1}},
        {"fold: STRIDED_SLICE negative [-3:-1]", {1, 4, 8, 1}, -3, -1, 1, 0, 0, 0, false, 0, 2, {4, 8}, 2, {4, 8}},
        {"fold: STRIDED_SLICE shrink [-2] -> PACK [8,-1]",
         {1, 4, 8, 2}, -2, -1, 1, 0, 0, 1, true, -1, 2, {8, 8}, 2, {8, -1}},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof folds / sizeof folds[0]; i++) test_fold(&folds[i]);
    test_fold_refusals();

    /* 2. concatenation */
    static const int32_t c2[2][4] = {{1, 2, 2, 1}, {1, 2, 2, 2}};
    static const int32_t c3[3][4] = {{1, 2, 3, 2}, {1, 2, 3, 1}, {1, 2, 3, 3}};
    static const int32_t c1[3][4] = {{1, 1, 2, 2}, {1, 2, 2, 2}, {1, 1, 2, 2}};
    test_concat("concat: 2 inputs, axis 3", 2, c2, 3, false);
    test_concat("concat: 3 inputs, axis -1", 3, c3, -1, false);
    test_concat("concat: 3 inputs, axis 1", 3, c1, 1, false);
    test_concat("concat: different quantization refused", 2, c2, 3, true);

    /* 3. logistic */
    test_logistic();

    /* 4. views */
    test_view_fc(true);
    test_view_fc(false);

    /* 5. pad folding */
    test_pad_fold(false);
    test_pad_fold(true);

    /* 6. int8 I/O */
    test_edge_quant();

    /* 7. in place */
    test_in_place(IP_ADD, "in place: ADD reuses the input that dies there");
    test_in_place(IP_ADD_A_OUTPUT, "in place: ADD input that is a graph output is kept");
    test_in_place(IP_ADD_A_LATER, "in place: ADD input read later is kept");
    test_in_place(IP_ADD_CONST_FIRST, "in place: ADD(constant, a) reuses a from slot 1");
    static const tfg_dw_choice_t forced[] = {TFG_DW_ONLY_ROWS, TFG_DW_ONLY_PLANE, TFG_DW_ONLY_STRIP};
    static const char *const reuse_names[] = {"in place: depthwise (ROWS) reuses its dying input",
                                              "in place: depthwise (PLANE) reuses its dying input",
                                              "in place: depthwise (STRIP) reuses its dying input"};
    static const char *const kept_names[] = {"in place: depthwise (ROWS) input read later is kept",
                                             "in place: depthwise (PLANE) input read later is kept",
                                             "in place: depthwise (STRIP) input read later is kept"};
    for (int v = 0; v < 3; v++) {
        g_dw = forced[v];
        test_in_place(IP_DW, reuse_names[v]);
        test_in_place(IP_DW_READ_LATER, kept_names[v]);
    }
    g_dw = TFG_DW_AUTO;
    test_pool_in_place();
    test_conv_in_place();

    test_minmax();
    test_relu();
    test_leaky_relu();
    test_sub();
    test_reduce_max();
    test_prelu();
    test_hard_swish();
    test_tanh();
    test_slicing();
    test_resize_bilinear();
    test_resize_nearest_modes();
    test_transpose_conv();
    test_batch_matmul();
    test_depth_space();

    /* 8. validation errors */
    test_invalid_conv(V_BIAS_OVERFLOW, "invalid: bias that could overflow the int32 accumulator",
                      "op 0 CONV_2D: bias and weights of a channel could overflow the int32 accumulator");
    test_invalid_conv(V_WEIGHT_ZP, "invalid: conv weights with zero point 1",
                      "op 0 CONV_2D: weights 'w' have zero point 1");
    test_invalid_conv(V_BIAS_LEN, "invalid: bias with 4 values for 3 channels",
                      "op 0 CONV_2D: bias 'b' has 4 values for 3 output channels");
    test_invalid_conv(V_DECLARED, "invalid: declared output shape differs",
                      "output 'y' is declared 1x4x4x3 but the op computes 1x2x2x3");
    test_invalid_conv(V_READ_BEFORE_WRITE, "invalid: op reads a tensor before it is written",
                      "op 0 ADD reads tensor 3 'y' before any op writes it");
    test_invalid_conv(V_BATCH2, "invalid: batch 2 conv", "op 0 CONV_2D: batch 2");
    test_mean_not_adjacent();

    /* 9. what TFLite Micro accepts (issue 11) */
    test_negative_scales();
    test_uint8_io(true, false);
    test_uint8_io(false, false);
    test_uint8_io(true, true);
    test_uint8_io(false, true);
    test_uint8_midgraph();
    test_quantize_refusals();

    /* 10. the TFLM audit */
    test_audit_pool();
    test_audit_pad();
    test_audit_copies();
    test_audit_refusals();
    test_audit_qdim();

    return tt_summary();
}
