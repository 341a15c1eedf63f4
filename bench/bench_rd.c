/* Receptive-field redistribution (MCUNetV2, section 3.2) as our planner sees
 * it: MobileNetV2 at 224x224 with a 4x4 patch stage ending at the first
 * 28x28 output (stride 8: the 32-channel stage's first block), before and
 * after moving receptive field out of the stage (bench/archs/
 * mbv2-rd-w1.0-r224.json: one 24-channel block fewer in the stage, moved
 * past it; 5x5 and 7x7 kernels in the later stages, so the net keeps its
 * MACs). Prints, per network, the largest input patch a tile needs and the
 * stage's MACs layer by layer and per tile (halos recomputed). MCUNetV2
 * reports a 75x75 input patch and +42% stage MACs before, +18% after.
 * Figures only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "sched/sched.h"
#include "zoo/zoo.h"

static int row(const char *label, const char *spec)
{
    tfg_net_t net;
    tfg_graph_t g;
    tfg_model_t m;
    tfg_diag_t d = {{0}};
    const tfg_pass_opts_t po = {.int8_io = true};
    if (tfg_zoo_net(spec, &net, &d) < 0 || tfg_zoo_quantize_placeholder(&net, &g, &d) < 0) {
        fprintf(stderr, "bench_rd: %s: %s\n", spec, d.msg);
        return 1;
    }
    tfg_net_free(&net);
    if (tfg_model_prepare(&m, &g, &po, &d) < 0) {
        fprintf(stderr, "bench_rd: %s: %s\n", spec, d.msg);
        return 1;
    }
    const tfg_tensor_t *in = &m.graph.tensors[m.graph.inputs[0]];
    int split = -1;
    for (int k = 0; k < m.prog.n_steps && split < 0; k++) {
        const tfg_tensor_t *y = &m.graph.tensors[m.prog.steps[k].out];
        if (m.prog.steps[k].kernel == TFG_K_CONV && y->dims[1] * 8 == in->dims[1] && y->dims[3] == 32)
            split = k;
    }
    tfg_schedule_t s;
    if (split < 0 || tfg_sched_eval(&m, split, 4, 4, &s, &d) < 0) {
        fprintf(stderr, "bench_rd: %s: no 4x4 stage at stride 8 (%s)\n", spec, d.msg);
        tfg_model_free(&m);
        return 1;
    }
    int64_t all = 0, stage = 0;
    for (int k = 0; k < m.prog.n_steps; k++)
        all += m.prog.steps[k].macs, stage += k <= split ? m.prog.steps[k].macs : 0;
    const int64_t stage_tiled = s.macs - (all - stage);
    const tfg_tensor_t *y = &m.graph.tensors[m.prog.steps[split].out];
    tfg_region_t *need = malloc(sizeof *need * (size_t)m.graph.n_tensors);
    int ph = 0, pw = 0;
    for (int i = 0; need && i < 4; i++)
        for (int j = 0; j < 4; j++) {
            tfg_sched_regions(&m, split, tfg_sched_tile(y->dims[1], y->dims[2], 4, 4, i, j), need);
            const tfg_region_t r = need[m.graph.inputs[0]];
            if (r.r1 - r.r0 > ph) ph = (int)(r.r1 - r.r0);
            if (r.c1 - r.c0 > pw) pw = (int)(r.c1 - r.c0);
        }
    free(need);
    printf("%-30s %8.2f M %6d %8dx%-4d %10.2f M %10.2f M %+8.1f%% %+8.1f%%\n", label, all / 1e6, split + 1,
           ph, pw, stage / 1e6, stage_tiled / 1e6, 100.0 * ((double)stage_tiled / (double)stage - 1),
           100.0 * ((double)s.macs / (double)all - 1));
    tfg_model_free(&m);
    return 0;
}

int main(void)
{
    printf("MobileNetV2 at 224 with a 4x4 patch stage up to the first 28x28 output (MCUNetV2: 75x75 input\n"
           "patch, stage +42%% MACs before redistribution, +18%% after)\n\n");
    printf("%-30s %10s %6s %13s %12s %12s %9s %9s\n", "network", "MACs", "steps", "input patch", "stage MACs",
           "4x4 tiled", "stage", "whole");
    char rd[4096];
    snprintf(rd, sizeof rd, "%s/bench/archs/mbv2-rd-w1.0-r224.json", TFG_SOURCE_DIR);
    return row("MobileNetV2 (mbv2-w1.0-r224)", "mbv2-w1.0-r224") | row("redistributed (mbv2-rd)", rd);
}
