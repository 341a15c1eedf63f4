/* Host executor; see exec.h. */
#include "exec/exec.h"

#include <string.h>

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
#define IN(k) ((const int8_t *)(s->in_const[k] ? s->in_const[k] : arena + s->in_off[k]))
    int8_t *out = (int8_t *)(arena + s->out_off);
    void *scratch = s->scratch_bytes ? arena + s->scratch_off : NULL;
    switch (s->kernel) {
    case TFG_K_CONV: tfg_conv_s8(&s->p.conv, IN(0), out, scratch); break;
    case TFG_K_DWCONV: tfg_dwconv_s8(&s->p.dw, IN(0), out, scratch); break;
    case TFG_K_FC: tfg_fc_s8(&s->p.fc, IN(0), out); break;
    case TFG_K_ADD: tfg_add_s8(&s->p.elt, IN(0), IN(1), out); break;
    case TFG_K_MUL: tfg_mul_s8(&s->p.elt, IN(0), IN(1), out); break;
    case TFG_K_AVGPOOL: tfg_avgpool_s8(&s->p.pool, IN(0), out); break;
    case TFG_K_MAXPOOL: tfg_maxpool_s8(&s->p.pool, IN(0), out); break;
    case TFG_K_MEAN: tfg_mean_s8(&s->p.mean, IN(0), out); break;
    case TFG_K_SOFTMAX: tfg_softmax_s8(&s->p.softmax, IN(0), out); break;
    case TFG_K_LOGISTIC: tfg_logistic_s8(&s->p.logistic, IN(0), out); break;
    case TFG_K_QUANTIZE:
        tfg_quantize_f32_s8(&s->p.affine, (const float *)(const void *)IN(0), out);
        break;
    case TFG_K_DEQUANTIZE: tfg_dequantize_s8_f32(&s->p.affine, IN(0), (float *)(void *)out); break;
    case TFG_K_REQUANT: tfg_requantize_s8(&s->p.requant, IN(0), out); break;
    case TFG_K_GATHER: tfg_gather_s8(&s->p.gather, IN(0), out); break;
    case TFG_K_PAD: tfg_pad_s8(&s->p.pad, IN(0), out); break;
    case TFG_K_CONCAT: {
        const int8_t *ins[TFG_MAX_OP_INPUTS];
        for (int k = 0; k < s->n_in; k++) ins[k] = IN(k);
        tfg_concat_s8(&s->p.concat, ins, out);
        break;
    }
    case TFG_K_RESIZE: tfg_resize_nearest_s8(&s->p.resize, IN(0), out); break;
    }
#undef IN
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
