/* Graph rewrites that make the model cheaper to run and to hold in memory.
 * Each pass preserves the IR invariants (see ir.h) and the model's results
 * bit for bit; tests compare outputs with every pass on against the golden
 * files, and the planner's canary test checks the in-place decisions. */
#include <string.h>

#include "passes/passes.h"

static int single_consumer(const tfg_graph_t *g, int t)
{
    int found = -1;
    for (int i = 0; i < g->n_ops; i++) {
        if (g->ops[i].dead) continue;
        for (int j = 0; j < g->ops[i].n_in; j++)
            if (g->ops[i].in[j] == t) {
                if (found >= 0 && found != i) return -1;
                found = i;
            }
    }
    return found;
}

/* PAD (of H and W only) feeding one convolution: fold into its padding. The
 * padded cells hold the zero point, which is what the convolution's own
 * padding reads, so the result is unchanged.
 *
 * PAD feeding a MAX_POOL_2D without padding of its own folds too, with the
 * pool told that cells outside the image hold the PAD's value and count in
 * the max (pad_fill): TFLite's own pool padding is left out of the window,
 * an explicit PAD's cells are not. The padded copy, the largest tensor of
 * models such as MiniResNetV2 (a PAD before the stem's max pool), is then
 * never made. */
int tfg_fold_pad(tfg_graph_t *g)
{
    int n = 0;
    for (int i = 0; i < g->n_ops; i++) {
        tfg_op_t *pad = &g->ops[i];
        if (pad->dead || pad->type != TFG_OP_PAD) continue;
        const int t = pad->out[0];
        if (tfg_is_graph_output(g, t)) continue;
        const int ci = single_consumer(g, t);
        if (ci < 0) continue;
        tfg_op_t *conv = &g->ops[ci];
        const bool pool = conv->type == TFG_OP_MAX_POOL_2D;
        if ((conv->type != TFG_OP_CONV_2D && conv->type != TFG_OP_DEPTHWISE_CONV_2D && !pool) ||
            conv->in[0] != t)
            continue;
        if (pool && (conv->sp.pad_top || conv->sp.pad_left || conv->sp.pad_bottom || conv->sp.pad_right))
            continue; /* its own padding is left out of the max; the PAD's is not */
        const tfg_tensor_t *p = &g->tensors[pad->in[1]], *x = &g->tensors[pad->in[0]];
        /* The convolution then reads the PAD's input with the PAD output's
         * quantization: only the same one keeps the bytes (TFLM's PAD does
         * not require it). */
        const tfg_tensor_t *xp = &g->tensors[t];
        if (x->n_q < 1 || xp->n_q < 1 || x->scale[0] != xp->scale[0] || x->zero_point[0] != xp->zero_point[0])
            continue;
        if (x->rank != 4 || tfg_tensor_int(p, 0) || tfg_tensor_int(p, 1) || tfg_tensor_int(p, 6) ||
            tfg_tensor_int(p, 7))
            continue;
        conv->sp.pad_top += (int32_t)tfg_tensor_int(p, 2);
        conv->sp.pad_bottom += (int32_t)tfg_tensor_int(p, 3);
        conv->sp.pad_left += (int32_t)tfg_tensor_int(p, 4);
        conv->sp.pad_right += (int32_t)tfg_tensor_int(p, 5);
        if (pool) conv->sp.pad_fill = true, conv->sp.pad_value = xp->zero_point[0];
        conv->in[0] = pad->in[0];
        pad->dead = true;
        n++;
    }
    return n;
}

/* A QUANTIZE right after a float32 or uint8 graph input, a DEQUANTIZE (to
 * float32) or a QUANTIZE to uint8 right before a graph output: drop them and
 * expose the int8 tensors, as an MCU feeds int8 data. The model then takes
 * and gives int8 in the quantization of those int8 tensors: for a uint8
 * input that is the QUANTIZE's output scale and zero point (TFLite's
 * converter gives it the same scale and a zero point 128 lower, so the
 * caller feeds u - 128, the uint8 bytes XOR 0x80). */
int tfg_strip_edge_quant(tfg_graph_t *g)
{
    int n = 0;
    for (int k = 0; k < g->n_inputs; k++) {
        const int t = g->inputs[k];
        if (g->tensors[t].dtype != TFG_DT_FLOAT32 && g->tensors[t].dtype != TFG_DT_UINT8) continue;
        const int qi = single_consumer(g, t);
        if (qi < 0 || g->ops[qi].type != TFG_OP_QUANTIZE || tfg_is_graph_output(g, t)) continue;
        if (g->tensors[g->ops[qi].out[0]].dtype != TFG_DT_INT8) continue;
        g->inputs[k] = g->ops[qi].out[0];
        g->ops[qi].dead = true;
        n++;
    }
    for (int k = 0; k < g->n_outputs; k++) {
        const int t = g->outputs[k];
        const int pi = tfg_producer(g, t);
        const bool to_u8 =
            pi >= 0 && g->ops[pi].type == TFG_OP_QUANTIZE && g->tensors[t].dtype == TFG_DT_UINT8;
        if (pi < 0 || (g->ops[pi].type != TFG_OP_DEQUANTIZE && !to_u8) || single_consumer(g, t) >= 0)
            continue;
        if (g->tensors[g->ops[pi].in[0]].dtype != TFG_DT_INT8) continue;
        if (tfg_is_graph_input(g, g->ops[pi].in[0])) continue;
        g->outputs[k] = g->ops[pi].in[0];
        g->ops[pi].dead = true;
        n++;
    }
    return n;
}

int tfg_mark_aliases(tfg_graph_t *g)
{
    int n = 0;
    for (int i = 0; i < g->n_ops; i++) {
        tfg_op_t *op = &g->ops[i];
        if (op->dead ||
            (op->type != TFG_OP_RESHAPE && op->type != TFG_OP_SQUEEZE && op->type != TFG_OP_EXPAND_DIMS))
            continue;
        tfg_tensor_t *x = &g->tensors[op->in[0]], *y = &g->tensors[op->out[0]];
        if (x->data) { /* reshape of a constant is a constant */
            y->data = x->data;
            y->data_bytes = x->data_bytes;
            op->dead = true;
        } else {
            op->alias = true;
        }
        n++;
    }
    return n;
}

/* Collect every tensor that shares storage with t through alias ops. */
static int alias_group(const tfg_graph_t *g, int t, int *group, int cap)
{
    int n = 1;
    group[0] = t;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < g->n_ops; i++) {
            const tfg_op_t *op = &g->ops[i];
            if (op->dead || !op->alias) continue;
            int other = -1;
            if (op->in[0] == group[k])
                other = op->out[0];
            else if (op->out[0] == group[k])
                other = op->in[0];
            if (other < 0) continue;
            bool seen = false;
            for (int j = 0; j < n; j++) seen |= group[j] == other;
            if (!seen && n < cap) group[n++] = other;
        }
    return n;
}

/* May op i overwrite the storage of tensor t? Only if nothing reads any
 * alias of t after op i and none of them is a graph output. */
static bool dies_at(const tfg_graph_t *g, int t, int i)
{
    int group[64];
    const int n = alias_group(g, t, group, 64);
    if (n == 64) return false;
    for (int k = 0; k < n; k++) {
        if (tfg_is_graph_output(g, group[k])) return false;
        if (tfg_last_use(g, group[k]) > i) return false;
        for (int j = i + 1; j < g->n_ops; j++) /* alias ops reading it later count as uses */
            if (!g->ops[j].dead && g->ops[j].in[0] == group[k]) return false;
    }
    return true;
}

static bool same_shape(const tfg_tensor_t *a, const tfg_tensor_t *b)
{
    if (tfg_tensor_elems(a) != tfg_tensor_elems(b)) return false;
    return true;
}

int tfg_mark_in_place(tfg_graph_t *g, bool convs)
{
    int n = 0;
    for (int i = 0; i < g->n_ops; i++) {
        tfg_op_t *op = &g->ops[i];
        if (op->dead || op->alias) continue;
        int slot = -1;
        switch (op->type) {
        case TFG_OP_DEPTHWISE_CONV_2D:
            if (op->sp.depth_mult == 1 && dies_at(g, op->in[0], i)) slot = 0;
            break;
        case TFG_OP_ADD:
        case TFG_OP_SUB:
        case TFG_OP_MUL:
        case TFG_OP_MINIMUM:
        case TFG_OP_MAXIMUM:
            /* Reuse an input that is not broadcast (same element count as the output). */
            for (int s = 0; s < 2 && slot < 0; s++)
                if (!tfg_tensor_is_const(&g->tensors[op->in[s]]) &&
                    same_shape(&g->tensors[op->in[s]], &g->tensors[op->out[0]]) && dies_at(g, op->in[s], i) &&
                    !tfg_is_graph_input(g, op->in[s]))
                    slot = s;
            break;
        case TFG_OP_LOGISTIC:
        case TFG_OP_RELU:
        case TFG_OP_RELU6:
        case TFG_OP_LEAKY_RELU:
        case TFG_OP_HARD_SWISH:
        case TFG_OP_TANH:
            if (dies_at(g, op->in[0], i)) slot = 0;
            break;
        case TFG_OP_QUANTIZE:
            if (g->tensors[op->in[0]].dtype == TFG_DT_INT8 && dies_at(g, op->in[0], i)) slot = 0;
            break;
        case TFG_OP_CONV_2D: {
            /* Pointwise (1x1, stride 1, the same pixels in and out): each
             * output pixel reads only its own input pixel, so runtime/conv.c
             * can write over the input in one direction or the other. */
            const tfg_tensor_t *w = &g->tensors[op->in[1]], *x = &g->tensors[op->in[0]],
                               *y = &g->tensors[op->out[0]];
            if (convs && w->dims[1] == 1 && w->dims[2] == 1 && op->sp.stride_h == 1 && op->sp.stride_w == 1 &&
                x->dims[0] == 1 && x->dims[1] == y->dims[1] && x->dims[2] == y->dims[2] &&
                dies_at(g, op->in[0], i))
                slot = 0;
            break;
        }
        case TFG_OP_AVERAGE_POOL_2D:
        case TFG_OP_MAX_POOL_2D: {
            tfg_pool_params_t p;
            tfg_pool_params(g, op, &p);
            if (tfg_pool_in_place_ok(&p) && dies_at(g, op->in[0], i)) slot = 0;
            break;
        }
        default: break;
        }
        if (slot >= 0 && !tfg_tensor_is_const(&g->tensors[op->in[slot]])) {
            op->in_place = true;
            op->in_place_slot = slot;
            n++;
        }
    }
    return n;
}

int tfg_run_passes(tfg_graph_t *g, const tfg_pass_opts_t *o)
{
    int n = 0;
    if (o->int8_io) n += tfg_strip_edge_quant(g);
    if (!o->no_pad_fold) n += tfg_fold_pad(g);
    n += tfg_mark_aliases(g);
    if (!o->no_in_place) n += tfg_mark_in_place(g, !o->no_conv_in_place);
    return n;
}
