/* Cost-API benchmark: how fast the search can price a candidate network.
 *
 * TinyNAS costs tens of thousands of candidates, each with the exact figures
 * `tinyforge plan` would give (tfg_cost_net, src/model/cost.h): placeholder
 * quantization, validation, passes, lowering, the layer-by-layer plan, then
 * every patch split and grid up to 8x8 and plan's choice rule. This prints
 * the median wall time per network (and per candidate schedule) for the
 * Fashion-MNIST reference net and a few larger specs. Figures only; nothing
 * is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#include "model/cost.h"
#include "zoo/zoo.h"

int main(int argc, char **argv)
{
    /* bench_cost [SPEC [RUNS]]: one spec only (for profiling). */
    const char *only = argc > 1 ? argv[1] : NULL;
    const int only_runs = argc > 2 ? atoi(argv[2]) : 0;
    static const char *specs[] = {"fm-mbv2-tiny.json", "mcunet-5fps_imagenet.json",
                                  "mcunet-320kb-1mb_imagenet.json", "mbv2-w0.35-r144"};
    printf("Cost API (tfg_cost_net): exact arena of the best patch schedule within 1.2x MACs, flash, MACs,\n"
           "from an in-memory float net; median wall time of repeated calls, one thread.\n\n");
    printf("%-32s %5s %11s %11s %9s %10s %10s %12s\n", "network", "ops", "arena B", "layer B", "schedule",
           "flash B", "candidates", "ms per net");
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        if (only && strcmp(only, specs[i])) continue;
        char spec[2048];
        if (strstr(specs[i], ".json"))
            snprintf(spec, sizeof spec, "%s/../shared/archs/%s", TFG_SOURCE_DIR, specs[i]);
        else
            snprintf(spec, sizeof spec, "%s", specs[i]);
        tfg_net_t net;
        tfg_diag_t d = {{0}};
        if (tfg_zoo_net(spec, &net, &d) < 0) {
            fprintf(stderr, "bench_cost: %s\n", d.msg);
            return 1;
        }
        int runs = i == 0 ? 201 : 11;
        if (only_runs > 0 && only_runs < runs) runs = only_runs;
        double t[201];
        tfg_cost_t c;
        const tfg_cost_opts_t o = {.max_overhead = 1.2};
        for (int r = 0; r < runs; r++) {
            const double t0 = bench_now();
            if (tfg_cost_net(&net, &o, &c, &d) < 0) {
                fprintf(stderr, "bench_cost: %s: %s\n", specs[i], d.msg);
                return 1;
            }
            t[r] = bench_now() - t0;
        }
        char sched[32] = "layer";
        if (c.split >= 0) snprintf(sched, sizeof sched, "%dx%d@%d", c.ph, c.pw, c.split);
        printf("%-32s %5d %11zu %11zu %9s %10zu %10d %12.3f\n", specs[i], c.n_steps, c.arena, c.arena_layer,
               sched, c.flash, c.candidates, 1e3 * bench_median(t, runs));
        tfg_net_free(&net);
    }
    return 0;
}
