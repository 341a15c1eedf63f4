/* The exact cost of a network: the model pipeline and the patch scheduler,
 * run in memory (see cost.h for what each figure means). */
#include "model/cost.h"

#include <string.h>

#include "codegen/codegen.h"
#include "sched/latency.h"
#include "sched/sched.h"
#include "zoo/zoo.h"

tfg_status_t tfg_cost_model(const tfg_model_t *m, const tfg_cost_opts_t *o, tfg_cost_t *c, tfg_diag_t *d)
{
    memset(c, 0, sizeof *c);
    const tfg_cost_opts_t defaults = {0};
    if (!o) o = &defaults;
    const double cap = o->max_overhead > 0 ? o->max_overhead : 1.2;
    const int grid = o->layer_only ? 0 : o->max_grid > 0 ? o->max_grid : 8;
    tfg_schedule_t lbl, s;
    tfg_status_t st = tfg_sched_layer(m, &lbl, d);
    if (st == TFG_OK) st = tfg_sched_best(m, grid, o->sram, cap, o->stream_input, &s, &c->candidates, d);
    c->fits = st != TFG_ERR_BUDGET;
    /* Nothing fits the limit: the least arena at any MACs, to say by how much. */
    if (st == TFG_ERR_BUDGET) st = tfg_sched_best(m, grid, 0, 1e300, o->stream_input, &s, &c->candidates, d);
    if (st < 0) return st;
    c->arena = o->stream_input && s.split >= 0 ? s.peak_streamed : s.peak;
    c->macs = s.macs;
    c->split = s.split, c->ph = s.ph, c->pw = s.pw;
    c->arena_layer = lbl.peak;
    c->macs_layer = lbl.macs;
    c->flash = (size_t)tfg_codegen_constant_bytes(m, true);
    /* The whole flash needs the kernel variants the generated code will run:
     * a patched schedule's are its plan's (traded for the fastest within the
     * model's kernel budget), layer by layer the model's own. */
    if (c->split < 0) {
        st = tfg_codegen_flash(m, -1, 1, 1, NULL, &c->m4, d);
        c->m4_instructions = (int64_t)tfg_latency_m4(m, -1, 1, 1, NULL);
    } else {
        tfg_sched_plan_t sp;
        st = tfg_sched_plan(m, c->split, c->ph, c->pw, o->stream_input, &sp, d);
        if (st == TFG_OK) {
            st = tfg_codegen_flash(m, c->split, c->ph, c->pw, sp.variant, &c->m4, d);
            c->m4_instructions = (int64_t)tfg_latency_m4(m, c->split, c->ph, c->pw, sp.variant);
            tfg_sched_plan_free(&sp);
        }
    }
    if (st < 0) return st;
    if (c->m4_instructions < 0) return tfg_diag_set(d, TFG_ERR_NOMEM, "cost: out of memory");
    for (int t = 0; t < m->graph.n_tensors; t++) {
        const tfg_tensor_t *x = &m->graph.tensors[t];
        if (tfg_tensor_is_const(x) && (x->dtype == TFG_DT_INT8 || x->dtype == TFG_DT_INT32))
            c->params += tfg_tensor_elems(x);
    }
    c->n_steps = m->prog.n_steps;
    return TFG_OK;
}

tfg_status_t tfg_cost_net(const tfg_net_t *net, const tfg_cost_opts_t *o, tfg_cost_t *c, tfg_diag_t *d)
{
    memset(c, 0, sizeof *c);
    tfg_graph_t g;
    tfg_status_t st = tfg_zoo_quantize_placeholder(net, &g, d);
    if (st < 0) return st;
    tfg_model_t m;
    /* as compile and bench prepare it with --sram (without one: the least memory, as plan) */
    const tfg_pass_opts_t po = {.int8_io = true, .dw = TFG_DW_AUTO_MCU, .kernel_budget = o ? o->sram : 0};
    if ((st = tfg_model_prepare(&m, &g, &po, d)) < 0) return st; /* g is freed on failure too */
    st = tfg_cost_model(&m, o, c, d);
    tfg_model_free(&m);
    return st;
}
