/* Builder benchmark: how long it takes to turn an architecture into a plan.
 *
 * TinyNAS will build and plan thousands of candidates, so this prints, per
 * spec, the wall time of: building the graph with placeholder weights
 * (shapes only: what the search needs for memory and MACs), validating,
 * running the passes and planning it; and the full build with synthetic
 * weights, calibration and quantization. Median of several runs. Figures
 * only; nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#include "exec/exec.h"
#include "zoo/zoo.h"

/* Median seconds of `runs` builds+plans; peak returned. */
static double time_build(const char *spec, bool shapes_only, int runs, size_t *peak)
{
    double t[32];
    for (int r = 0; r < runs; r++) {
        tfg_build_opts_t o = {.seed = 1, .calib_inputs = 2, .shapes_only = shapes_only};
        tfg_graph_t g;
        tfg_model_t m;
        tfg_pass_opts_t po = {0};
        tfg_diag_t d = {{0}};
        const double t0 = bench_now();
        if (tfg_zoo_build(spec, &o, &g, &d) < 0 || tfg_model_prepare(&m, &g, &po, &d) < 0) {
            fprintf(stderr, "bench_build: %s\n", d.msg);
            return -1.0;
        }
        t[r] = bench_now() - t0;
        *peak = m.plan.peak;
        tfg_model_free(&m);
    }
    return bench_median(t, runs);
}

int main(void)
{
    static const char *archs[] = {"mcunet-320kb-1mb_imagenet.json", "mcunet-512kb-2mb_imagenet.json",
                                  "mcunet-5fps_imagenet.json", "proxyless-w0.3-r176_imagenet.json"};
    static const char *names[] = {"mbv2-w0.35-r144", "mbv2-w1.0-r224", "resnet8-cifar", "dscnn-kws"};
    printf("Build + plan time per architecture (median wall time; shapes only = placeholder weights,\n"
           "as the NAS cost model uses; full = synthetic weights, 2 calibration passes, quantization).\n\n");
    printf("%-38s %10s %14s %14s\n", "spec", "peak KiB", "shapes-only ms", "full ms");
    char spec[2048];
    for (size_t i = 0; i < sizeof archs / sizeof archs[0] + sizeof names / sizeof names[0]; i++) {
        if (i < 4)
            snprintf(spec, sizeof spec, "%s/../shared/archs/%s", TFG_SOURCE_DIR, archs[i]);
        else
            snprintf(spec, sizeof spec, "%s", names[i - 4]);
        size_t peak = 0;
        const double fast = time_build(spec, true, 21, &peak);
        const double full = time_build(spec, false, 3, &peak);
        if (fast < 0 || full < 0) return 1;
        const char *shown = i < 4 ? archs[i] : names[i - 4];
        printf("%-38s %10.1f %14.2f %14.1f\n", shown, peak / 1024.0, 1e3 * fast, 1e3 * full);
    }
    return 0;
}
