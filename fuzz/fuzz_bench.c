/* libFuzzer harness for the report's bench data (`tinyforge report --bench`):
 * JSON text -> per-layer counts checked against a model's steps. Every input
 * must either attach or fail with a message and leave the report as it was;
 * sanitizers watch for the rest.
 *
 * The model is built once (the built-in DS-CNN KWS). With TFG_FUZZ_BENCH_SEED
 * set to a path, the harness instead writes a valid bench file for that model
 * there and exits: scripts/fuzz.sh seeds the corpus with it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "report/report.h"
#include "zoo/zoo.h"

static tfg_model_t model;
static tfg_sched_set_t set;

static void write_seed(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) exit(1);
    long long total = 0;
    fprintf(f, "{\"model\": \"dscnn-kws\", \"target\": \"cortex-m4\", \"layers\": [");
    for (int k = 0; k < model.prog.n_steps; k++) {
        const tfg_step_t *s = &model.prog.steps[k];
        const long long ins = 1000 + 3 * (long long)s->macs;
        total += ins;
        fprintf(f, "%s{\"index\": %d, \"op\": \"%s\", \"macs\": %lld, \"instructions\": %lld}", k ? ", " : "",
                k, tfg_op_name(model.graph.ops[s->op].type), (long long)s->macs, ins);
    }
    fprintf(f, "], \"instructions\": %lld}\n", total);
    exit(fclose(f) == 0 ? 0 : 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const tfg_build_opts_t bo = {.seed = 1, .calib_inputs = 1};
    tfg_graph_t g;
    tfg_diag_t d = {{0}};
    tfg_pass_opts_t po = {0};
    po.int8_io = true;
    if (tfg_zoo_build("dscnn-kws", &bo, &g, &d) < 0 || tfg_model_prepare(&model, &g, &po, &d) < 0 ||
        tfg_sched_enumerate(&model, 4, &set, &d) < 0) {
        fprintf(stderr, "fuzz_bench: cannot build the model: %s\n", d.msg);
        abort();
    }
    const char *seed = getenv("TFG_FUZZ_BENCH_SEED");
    if (seed) write_seed(seed);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tfg_report_opts_t o;
    memset(&o, 0, sizeof o);
    o.model = "dscnn-kws";
    o.choice = "fuzz";
    tfg_report_t r;
    tfg_diag_t d = {{0}};
    if (tfg_report_build(&model, &set, 0, &o, &r, &d) < 0) abort();
    tfg_report_layer_t *before = malloc(sizeof *before * (size_t)r.n_layers);
    if (!before) abort();
    memcpy(before, r.layers, sizeof *before * (size_t)r.n_layers);
    if (tfg_report_load_bench_text(&r, (const char *)data, size, "fuzz.json", &d) < 0) {
        if (!d.msg[0]) abort(); /* every refusal says why */
        /* and changes nothing */
        if (r.has_bench || memcmp(before, r.layers, sizeof *before * (size_t)r.n_layers) != 0) abort();
    }
    free(before);
    tfg_report_free(&r);
    return 0;
}
