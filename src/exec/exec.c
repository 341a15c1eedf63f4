/* Host executor; see exec.h. */
#include "exec/exec.h"

#include <string.h>

#include "lower/kernel_table.h"

const uint8_t *tfg_model_tensor_ptr(const tfg_model_t *m, const uint8_t *arena, int t)
{
    const tfg_tensor_t *x = &m->graph.tensors[t];
    if (x->data) return x->data;
    return arena + tfg_plan_offset(&m->plan, t);
}

void tfg_model_set_inputs(const tfg_model_t *m, uint8_t *arena, const uint8_t *in)
{
    for (int i = 0; i < m->graph.n_inputs; i++) {
        const int t = m->graph.inputs[i];
        const size_t n = (size_t)tfg_tensor_bytes(&m->graph.tensors[t]);
        memcpy(arena + tfg_plan_offset(&m->plan, t), in, n);
        in += n;
    }
}

void tfg_model_get_outputs(const tfg_model_t *m, const uint8_t *arena, uint8_t *out)
{
    for (int i = 0; i < m->graph.n_outputs; i++) {
        const int t = m->graph.outputs[i];
        const size_t n = (size_t)tfg_tensor_bytes(&m->graph.tensors[t]);
        memcpy(out, tfg_model_tensor_ptr(m, arena, t), n);
        out += n;
    }
}

void tfg_step_run(uint8_t *arena, const tfg_step_t *s)
{
    const int8_t *in[TFG_MAX_OP_INPUTS];
    for (int k = 0; k < s->n_in; k++)
        in[k] = (const int8_t *)(s->in_const[k] ? s->in_const[k] : arena + s->in_off[k]);
    void *scratch = s->scratch_bytes ? arena + s->scratch_off : NULL;
    tfg_kernel_info(s->kernel)->run(s, in, (int8_t *)(arena + s->out_off), scratch);
}

void tfg_model_invoke(const tfg_model_t *m, uint8_t *arena)
{
    for (int i = 0; i < m->prog.n_steps; i++) tfg_step_run(arena, &m->prog.steps[i]);
}

void tfg_model_invoke_hooked(const tfg_model_t *m, uint8_t *arena, tfg_step_hook_t hook, void *ctx)
{
    for (int i = 0; i < m->prog.n_steps; i++) {
        tfg_step_run(arena, &m->prog.steps[i]);
        hook(ctx, i);
    }
}
