/* libFuzzer harness for architecture specs: JSON text -> float net -> int8
 * graph (placeholder weights) -> passes, lowering and plan. Every input must
 * either build or fail with a message; sanitizers watch for the rest.
 * Nets are capped in size so each input stays fast (a hostile spec can ask
 * for a 65536-channel layer; that is legal, just slow). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec/exec.h"
#include "zoo/zoo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tfg_net_t net;
    tfg_diag_t d = {{0}};
    if (tfg_zoo_net_json_text((const char *)data, size, "fuzz.json", &net, &d) < 0) {
        if (!d.msg[0]) abort(); /* every failure must say why */
        return 0;
    }
    int64_t weights = 0, acts = 0;
    for (int i = 0; i < net.n; i++) {
        weights += (int64_t)tfg_nn_weight_count(&net, i);
        acts += (int64_t)net.layers[i].h * net.layers[i].w * net.layers[i].c;
    }
    if (weights < (4 << 20) && acts < (16 << 20)) {
        tfg_build_opts_t o = {.seed = 1, .calib_inputs = 1, .shapes_only = true};
        tfg_graph_t g;
        if (tfg_zoo_quantize(&net, &o, &g, &d) == TFG_OK) {
            tfg_model_t m;
            tfg_pass_opts_t po = {0};
            if (tfg_model_prepare(&m, &g, &po, &d) == TFG_OK)
                tfg_model_free(&m);
            else if (!d.msg[0])
                abort();
        } else if (!d.msg[0]) {
            abort();
        }
    }
    tfg_net_free(&net);
    return 0;
}
