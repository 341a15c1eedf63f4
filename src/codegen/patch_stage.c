/* The patch-based stage of a patched schedule: the per-tile region table
 * and the function that runs the stage's layers on one tile, each with its
 * parameters patched for the tile by the runtime's own patch functions. */
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen_internal.h"
#include "lower/kernel_table.h"

/* Index of a stage tensor in the per-tile region table: 0 the source (the
 * input after the lead's layout ops), k + 1 step k's output. */
static int region_index(const out_t *o, int t)
{
    if (t == o->lead.src) return 0;
    for (int k = 0; k <= o->sp->cost.split; k++)
        if (o->m->prog.steps[k].out == t) return k + 1;
    return -1;
}

/* The patch stage: the per-tile region table and the function that runs
 * layers 0..split on one tile with every layer's parameters patched for it. */
void tfg_cg_emit_patch_stage(out_t *o)
{
    const char *n = o->n;
    const tfg_model_t *m = o->m;
    const tfg_graph_t *g = &m->graph;
    const int split = o->sp->cost.split, ph = o->sp->cost.ph, pw = o->sp->cost.pw, nr = split + 2;
    const tfg_sched_lead_t *lead = &o->lead;
    const tfg_tensor_t *x = &g->tensors[lead->src], *y = &g->tensors[m->prog.steps[split].out];
    tfg_region_t *need = malloc(sizeof(tfg_region_t) * (size_t)g->n_tensors);
    if (!need) {
        o->err = 1;
        return;
    }
    tfg_cg_put(o,
               "/* ---- patch stage: a %dx%d grid over L%d (op %d)'s %dx%d output. Per tile, the region\n"
               " * (rows r0..r1, columns c0..c1, exclusive ends) of the input and of every layer's\n"
               " * output up to L%d: each tile's receptive field, halos included. */\n",
               ph, pw, split, tfg_cg_op_index(o, split), y->dims[1], y->dims[2], split);
    if (lead->n_steps)
        tfg_cg_put(
            o,
            "/* L0..L%d (layout ops at the start) do not run: each tile reads its region of\n"
            " * L%d's output straight from the image through %s_view. Region 0 is that region. */\n"
            "static const tfg_image_view_t %s_view = {.row = %d, .col = %d, .chan = %d, .channels = %d, "
            ".elem = %d};\n\n",
            lead->n_steps - 1, lead->n_steps - 1, n, n, (int)lead->view.row, (int)lead->view.col,
            (int)lead->view.chan, (int)lead->view.channels, (int)lead->view.elem);
    tfg_cg_put(o, "static const int16_t %s_tiles[%d][%d][4] = {\n", n, ph * pw, nr);
    for (int i = 0; i < ph; i++)
        for (int j = 0; j < pw; j++) {
            tfg_sched_regions(m, split, tfg_sched_tile(y->dims[1], y->dims[2], ph, pw, i, j), need);
            tfg_cg_put(o, "    {");
            for (int r = 0; r < nr; r++) {
                const int t = r == 0 ? lead->src : m->prog.steps[r - 1].out;
                tfg_cg_put(o, "%s{%d, %d, %d, %d}", r ? ", " : "", (int)need[t].r0, (int)need[t].r1,
                           (int)need[t].c0, (int)need[t].c1);
            }
            tfg_cg_put(o, "}%s\n", i * pw + j + 1 < ph * pw ? "," : "");
        }
    tfg_cg_put(o, "};\n\n");
    free(need);
    tfg_cg_put(o,
               "static void %s_patch(uint8_t *arena, const int8_t *image%s, const int16_t (*tile)[4])\n{\n",
               n, o->frame_tiles ? ", const uint8_t *frame" : "");
    tfg_cg_put(o, "    tfg_region_t r[%d];\n", nr);
    tfg_cg_put(
        o,
        "    for (int i = 0; i < %d; i++) r[i].r0 = tile[i][0], r[i].r1 = tile[i][1], r[i].c0 = tile[i][2], "
        "r[i].c1 = tile[i][3];\n",
        nr);
    /* Bytes per pixel: channels times the element size (the input is int8
     * here, as generated code takes int8 input; kept general like the executor). */
    if (o->frame_tiles) /* a plain lead (codegen.c checks): the tile's region of the frame, converted */
        tfg_cg_put(
            o,
            "    if (frame) /* the region's rectangle of the camera frame, converted (cannot fail:\n"
            "                * the parameters are constants and the region is inside the input) */\n"
            "        (void)tfg_frame_to_input(&%s_frame, frame, r[0].r0, r[0].r1, r[0].c0, r[0].c1,\n"
            "                                 (int8_t *)(arena + %s_TILE_IN), (r[0].c1 - r[0].c0) * %d);\n"
            "    else\n"
            "        tfg_copy_region(image, %d, %d, &r[0], (int8_t *)(arena + %s_TILE_IN));\n",
            n, o->N, (int)x->dims[3], (int)x->dims[2], (int)x->dims[3], o->N);
    else if (lead->plain)
        tfg_cg_put(o, "    tfg_copy_region(image, %d, %d, &r[0], (int8_t *)(arena + %s_TILE_IN));\n",
                   (int)x->dims[2], (int)(x->dims[3] * (int32_t)tfg_dtype_size(x->dtype)), o->N);
    else
        tfg_cg_put(o, "    tfg_read_region(&%s_view, image, &r[0], (int8_t *)(arena + %s_TILE_IN));\n", n,
                   o->N);
    for (int k = lead->n_steps; k <= split; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        const int ri = region_index(o, s->in[0]), ro = k + 1;
        const int32_t c = g->tensors[s->out].dims[3];
        tfg_cg_layer_comment(o, k, s);
        char in0[192], in1[192], out[160], scratch[160];
        tfg_cg_operand(o, k, s, 0, in0, sizeof in0);
        if (s->n_in > 1) tfg_cg_operand(o, k, s, 1, in1, sizeof in1);
        snprintf(out, sizeof out, "(int8_t *)(arena + %s_L%d_OUT)", o->N, k);
        snprintf(scratch, sizeof scratch, "arena + %s_L%d_SCRATCH", o->N, k);
        /* The layer's parameters, patched for the tile by the rule the kernel
         * table gives, then the call with them. */
        const tfg_kernel_info_t *info = tfg_kernel_info(s->kernel);
        tfg_cg_put(o, "    {\n        %s p = %s_l%d;\n", info->params, n, k);
        switch (info->patch) {
        case TFG_PATCH_WINDOW:
            tfg_cg_put(o, "        %s(&p, &r[%d], &r[%d]);\n", info->patch_fn, ri, ro);
            if (s->kernel == TFG_K_CONV && s->p.conv.res)
                tfg_cg_put(o, "        tfg_patch_residual(&p, &r[%d], &r[%d]);\n", region_index(o, s->in[1]),
                           ro);
            break;
        case TFG_PATCH_ELTWISE: {
            char ra[16] = "NULL", rb[16] = "NULL"; /* a constant input is held whole */
            if (!s->in_const[0]) snprintf(ra, sizeof ra, "&r[%d]", region_index(o, s->in[0]));
            if (!s->in_const[1]) snprintf(rb, sizeof rb, "&r[%d]", region_index(o, s->in[1]));
            tfg_cg_put(o,
                       "        size_t a, b;\n        tfg_patch_eltwise(&p, %s, %s, &r[%d], %d, &a, &b);\n",
                       ra, rb, ro, (int)c);
        }
            snprintf(in0 + strlen(in0), sizeof in0 - strlen(in0), " + a");
            snprintf(in1 + strlen(in1), sizeof in1 - strlen(in1), " + b");
            break;
        case TFG_PATCH_SIZE:
            tfg_cg_put(o, "        p.size = (int32_t)tfg_region_elems(&r[%d], %d);\n", ro, (int)c);
            break;
        case TFG_PATCH_NONE: o->err = 1; break; /* the scheduler admits no such step */
        }
        switch (info->call) {
        case TFG_CALL_IN_OUT: tfg_cg_put(o, "        %s(&p, %s, %s);\n    }\n", info->fn, in0, out); break;
        case TFG_CALL_IN_OUT_SCRATCH:
            tfg_cg_put(o, "        %s(&p, %s, %s, %s);\n    }\n", info->fn, in0, out, scratch);
            break;
        case TFG_CALL_IN2_OUT:
            tfg_cg_put(o, "        %s(&p, %s, %s, %s);\n    }\n", info->fn, in0, in1, out);
            break;
        /* A float QUANTIZE (which the scheduler admits) never gets here:
         * generated code takes int8 input, so compile strips it first. */
        default: o->err = 1; break;
        }
    }
    tfg_cg_put(o,
               "    tfg_paste_region((const int8_t *)(arena + %s_L%d_OUT), %d, %d, &r[%d], (int8_t *)(arena "
               "+ %s_STAGE_OUT));\n",
               o->N, split, (int)y->dims[2], (int)y->dims[3], nr - 1, o->N);
    tfg_cg_put(o, "}\n\n");
}
