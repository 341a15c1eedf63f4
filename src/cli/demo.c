/* tinyforge demo: the README's main job.
 *
 * Builds a network with the model builder (MobileNetV2 1.0 at 224x224 by
 * default: the network whose ~1.4 MB peak is the textbook reason CNNs do not
 * fit on MCUs), shows its per-layer memory profile as a bar chart with the
 * peak marked, compares the peak with common MCU SRAM sizes, runs it on the
 * host and prints the top-5 classes next to the float model's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "zoo/zoo.h"

static const char DEMO_HELP[] =
    "usage: tinyforge demo [SPEC] [--seed N] [--report FILE | --no-report]\n"
    "\n"
    "Builds SPEC with the model builder (default mbv2-w1.0-r224; see 'tinyforge zoo list'),\n"
    "prints its memory profile per layer with the peak marked, how the peak compares\n"
    "with common MCU SRAM sizes, then runs it on the host on a synthetic image and\n"
    "prints the top-5 classes of the int8 model beside the float model's. Weights are\n"
    "synthetic (seeded), so the classes mean nothing; the numbers are real.\n"
    "It also writes the model's memory and schedule report (tinyforge report --help) to\n"
    "FILE, by default SPEC.report.html in the current directory, and prints its path.\n";

static void bar(size_t v, size_t max, int width, char *out)
{
    const int n = max ? (int)((double)v / (double)max * width + 0.5) : 0;
    for (int i = 0; i < width; i++) out[i] = i < n ? '#' : ' ';
    out[width] = 0;
}

/* Indices of the k largest values. */
static void top_k(const float *v, int n, int k, int *idx)
{
    for (int j = 0; j < k; j++) idx[j] = -1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            if (idx[j] < 0 || v[i] > v[idx[j]]) {
                memmove(idx + j + 1, idx + j, sizeof(int) * (size_t)(k - 1 - j));
                idx[j] = i;
                break;
            }
}

int cli_demo(int argc, char **argv)
{
    const char *spec = "mbv2-w1.0-r224";
    tfg_build_opts_t bo = {.seed = 1, .calib_inputs = 2};
    const char *report = NULL;
    bool no_report = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(DEMO_HELP, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--report") && i + 1 < argc) {
            report = argv[++i];
        } else if (!strcmp(argv[i], "--no-report")) {
            no_report = true;
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            char *end;
            bo.seed = strtoull(argv[++i], &end, 10);
            if (*end) {
                fprintf(stderr, "tinyforge: --seed takes a number\n");
                return 2;
            }
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "tinyforge: unknown option '%s'\n%s", argv[i], DEMO_HELP);
            return 2;
        } else {
            spec = argv[i];
        }
    }

    tfg_diag_t d = {{0}};
    tfg_net_t net;
    tfg_graph_t g;
    double t0 = cli_now();
    if (tfg_zoo_net(spec, &net, &d) < 0 || tfg_zoo_quantize(&net, &bo, &g, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    const double t_build = cli_now() - t0;
    tfg_model_t m;
    tfg_pass_opts_t po = {0};
    t0 = cli_now();
    if (tfg_model_prepare(&m, &g, &po, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        tfg_net_free(&net);
        return 1;
    }
    const double t_plan = cli_now() - t0;
    int64_t macs = 0, params = 0;
    for (int i = 0; i < net.n; i++) {
        macs += tfg_nn_macs(&net, i);
        params += (int64_t)(tfg_nn_weight_count(&net, i) + tfg_nn_bias_count(&net, i));
    }
    printf("== %s: %d layers, %.1f M MACs, %.2f M parameters\n", spec, m.graph.n_ops, (double)macs / 1e6,
           (double)params / 1e6);
    printf("   built (synthetic weights, calibrated, int8-quantized) in %.2f s; planned in %.1f ms\n\n",
           t_build, 1e3 * t_plan);

    /* Memory profile: bytes live at each step, bars scaled to the peak. */
    const tfg_plan_t *p = &m.plan;
    printf("== Memory profile: SRAM live during each layer (whole tensors, layer by layer, int8,\n"
           "   depthwise in place; bar = live bytes, scaled to the peak)\n\n");
    printf("%4s  %-22s %-14s %10s  %s\n", "step", "layer", "output", "live KiB", "");
    for (int s = 0; s < m.prog.n_steps; s++) {
        const tfg_step_t *st = &m.prog.steps[s];
        char b[48], shape[32];
        bar(p->step_live[s], p->peak, 40, b);
        tfg_shape_str(&m.graph.tensors[st->out], shape, sizeof shape);
        printf("%4d  %-22.22s %-14s %10.1f  |%s|%s\n", s, m.graph.tensors[st->out].name, shape,
               p->step_live[s] / 1024.0, b, s == p->lower_bound_step ? "  <- peak" : "");
    }
    printf("\n   peak %.1f KiB (%zu B) at step %d; arena %zu B (lower bound %zu B)\n\n", p->peak / 1024.0,
           p->peak, p->lower_bound_step, p->peak, p->lower_bound);

    static const int sram_kib[] = {128, 256, 320, 512, 1024};
    printf("== Against common MCU SRAM (the arena alone; code, stack and buffers come on top)\n\n");
    for (size_t i = 0; i < sizeof sram_kib / sizeof sram_kib[0]; i++) {
        const double have = sram_kib[i] * 1024.0;
        if (p->peak <= have)
            printf("   %5d KB SRAM: fits, %.1f KiB to spare\n", sram_kib[i],
                   (have - (double)p->peak) / 1024.0);
        else
            printf("   %5d KB SRAM: does not fit, %.2fx over (needs %.1f KiB more)\n", sram_kib[i],
                   (double)p->peak / have, ((double)p->peak - have) / 1024.0);
    }

    /* Patch-based inference: the front of (peak, MACs) and the choice. */
    printf("\n== Patch-based inference (MCUNetV2): the first layers one tile at a time\n");
    cli_sched_opts_t so = {.schedule = "auto"};
    tfg_sched_set_t set;
    int chosen = 0;
    double secs = 0;
    tfg_sched_plan_t sp;
    bool patched = false;
    memset(&sp, 0, sizeof sp);
    char report_path[256];
    int report_rc = -1; /* -1: not written */
    if (!no_report && !report)
        cli_report_default_path(spec, report_path, sizeof report_path), report = report_path;
    if (cli_schedule_resolve(&m, &so, &set, &chosen, &secs) == 0) {
        cli_schedule_print(&m, &so, &set, chosen, secs, false);
        if (!no_report) {
            const cli_report_opts_t ro = {
                .out = report, .target = "cortex-m4", .format = TFG_REPORT_HTML, .figure = TFG_FIG_TIMELINE};
            report_rc = cli_report_write(&m, spec, &so, &set, chosen, &ro);
        }
        const tfg_schedule_t c = set.c[chosen];
        const int64_t base_macs = set.c[0].macs; /* candidate 0 is layer by layer */
        tfg_sched_set_free(&set);
        if (c.split >= 0 && tfg_sched_plan(&m, c.split, c.ph, c.pw, false, &sp, &d) == TFG_OK) {
            patched = true;
            printf(
                "\n   chosen: %dx%d tiles over step %d's output: %.1f KiB with the image in SRAM, %.1f KiB\n"
                "   with the image streamed from the camera buffer (was %.1f KiB), for %.1f%% more MACs\n",
                c.ph, c.pw, c.split, c.peak / 1024.0, c.peak_streamed / 1024.0, p->peak / 1024.0,
                100.0 * ((double)c.macs / (double)base_macs - 1.0));
        }
    }

    /* Run: a deterministic synthetic image in [-1, 1], int8 model vs float model. */
    const tfg_nn_layer_t *in = &net.layers[0];
    const size_t n_in = (size_t)in->h * (size_t)in->w * (size_t)in->c;
    const int classes = net.layers[net.n - 1].c;
    float *x = malloc(sizeof(float) * n_in), *probs = malloc(sizeof(float) * (size_t)classes);
    int8_t *xq = malloc(n_in), *yq = malloc((size_t)classes);
    uint8_t *arena = malloc(p->peak ? p->peak : 1);
    float **acts = calloc((size_t)net.n, sizeof(float *));
    int rc = 1;
    if (!x || !probs || !xq || !yq || !arena || !acts) {
        fprintf(stderr, "tinyforge: error: out of memory\n");
        goto done;
    }
    for (int yy = 0; yy < in->h; yy++)
        for (int xx = 0; xx < in->w; xx++)
            for (int c = 0; c < in->c; c++) /* smooth colour gradients */
                x[((size_t)yy * (size_t)in->w + (size_t)xx) * (size_t)in->c + (size_t)c] =
                    (float)(yy + xx * (c + 1)) / (float)(in->h + in->w * in->c) * 2.0f - 1.0f;
    const tfg_tensor_t *it = &m.graph.tensors[m.graph.inputs[0]], *ot = &m.graph.tensors[m.graph.outputs[0]];
    tfg_affine_params_t qa = {(int32_t)n_in, it->scale[0], it->zero_point[0]};
    tfg_quantize_f32_s8(&qa, x, xq);
    t0 = cli_now();
    tfg_model_set_inputs(&m, arena, (const uint8_t *)xq);
    tfg_model_invoke(&m, arena);
    tfg_model_get_outputs(&m, arena, (uint8_t *)yq);
    const double t_run = cli_now() - t0;
    if (patched) {
        uint8_t *pa = malloc(sp.arena_bytes + 1);
        int8_t *yp = malloc((size_t)classes);
        if (pa && yp) {
            const double t1 = cli_now();
            tfg_sched_run(&m, &sp, pa, (const uint8_t *)xq, (uint8_t *)yp);
            printf("\n== Patched run on the host (%.1f ms, arena %zu B): output bytes %s layer by layer\n",
                   1e3 * (cli_now() - t1), sp.arena_bytes,
                   memcmp(yp, yq, (size_t)classes) ? "DIFFER from" : "identical to");
        }
        free(pa), free(yp);
        tfg_sched_plan_free(&sp);
    }
    tfg_affine_params_t da = {classes, ot->scale[0], ot->zero_point[0]};
    tfg_dequantize_s8_f32(&da, yq, probs);
    if (tfg_net_forward(&net, x, acts) < 0) {
        fprintf(stderr, "tinyforge: error: out of memory\n");
        goto done;
    }
    int top[5], ftop[5];
    const int k = classes < 5 ? classes : 5;
    top_k(probs, classes, k, top);
    top_k(acts[net.n - 1], classes, k, ftop);
    printf("\n== Host run (int8 kernels, %.1f ms) on a synthetic image: top-%d\n\n", 1e3 * t_run, k);
    printf("   %-4s %-18s %-18s\n", "rank", "int8 class (p)", "float class (p)");
    for (int j = 0; j < k; j++)
        printf("   %-4d %5d (%.3f)      %5d (%.3f)\n", j + 1, top[j], probs[top[j]], ftop[j],
               acts[net.n - 1][ftop[j]]);
    printf("\n   top-1 %s between the int8 and float models\n", top[0] == ftop[0] ? "agrees" : "DIFFERS");
    rc = 0;
    if (report_rc == 0)
        printf("\n== Report (memory timeline, arena map, schedule front, patch grid; open it in a "
               "browser):\n   %s\n",
               report);
    else if (!no_report)
        rc = 1; /* the reason is printed above */
done:
    if (acts) tfg_net_free_acts(&net, acts);
    free(acts);
    free(x);
    free(probs);
    free(xq);
    free(yq);
    free(arena);
    tfg_model_free(&m);
    tfg_net_free(&net);
    return rc;
}
