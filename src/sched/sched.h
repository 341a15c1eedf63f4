/* Patch-based inference (MCUNetV2): the schedule search and its exact cost.
 *
 * A patched schedule runs a prefix of the program, the *stage* (steps
 * 0..split, less the layout ops folded into its input read: see
 * tfg_sched_lead_t), once per spatial tile of the stage's last output tensor, then
 * the remaining steps layer by layer. Each tile's computation needs, for
 * every tensor of the stage, the region its receptive field covers: found
 * by walking the stage backwards from the tile through convolutions,
 * depthwise convolutions and pooling (any kernel, stride, dilation and
 * padding) and elementwise ops (a tensor read by several ops needs the
 * union). Tiles overlap in their inputs (the halo), which is the recomputed
 * work. Padding applies only at the true image border: a region is clipped
 * to the tensor, and a window reaching past a clipped edge is inside the
 * image exactly when that edge is the image's.
 *
 * Cost of a candidate (split, grid), exact:
 *  - peak: the memory planner (plan/plan.h) places the buffers one patch
 *    needs (each stage tensor at its largest region over the tiles, the
 *    kernels' scratch for their largest patch), the stage output in full
 *    (assembled tile by tile, live until its last reader), the model input
 *    (in full, or only its region when the input is streamed from outside
 *    the arena), and every later step's buffers as in the layer-by-layer
 *    plan;
 *  - MACs: every stage step's MACs for the output region it computes, over
 *    all tiles, plus the later steps'.
 */
#ifndef TFG_SCHED_H
#define TFG_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec/exec.h"

/* Regions: tfg_region_t (tinyforge/kernels.h). */
typedef struct {
    int split;            /* last step of the patched stage; -1: layer by layer */
    int ph, pw;           /* tile grid over the stage output (1x1 when layer by layer) */
    size_t peak;          /* arena with the model input in it */
    size_t peak_streamed; /* arena when the input is read patch by patch from outside */
    int64_t macs;         /* including the recomputed halos */
    double insns;         /* Cortex-M4 instructions as the latency model predicts them (sched/latency.h),
                             every step in the model's kernel variant: tiles and copies included */
    int peak_step;        /* step at the arena's lower bound (the most live) */
} tfg_schedule_t;

/* Layout ops at the start of the network that a patched stage folds into
 * its input read instead of running them: views of the model input (a
 * RESHAPE to NHWC, which is no step) and then at most one TRANSPOSE step of
 * a 4-D tensor (YAMNet's [1,64,96,1] -> [1,96,64,1]). Together they make the
 * stage's source, the NHWC tensor whose tile regions each tile copies
 * straight out of the image through `view` (tfg_read_region). A model
 * without them has lead steps 0, its input as the source and the plain
 * row-major view. */
#define TFG_SCHED_MAX_LEAD 8
typedef struct {
    int n_steps;                   /* leading steps folded into the read: 0, or 1 (a TRANSPOSE) */
    int src;                       /* the source tensor */
    int chain[TFG_SCHED_MAX_LEAD]; /* the tensors from the model input to the source, both included */
    int n_chain;
    tfg_image_view_t view;
    bool plain; /* the view is the source's own row-major layout (tfg_copy_region does) */
} tfg_sched_lead_t;

/* The model's lead; returns NULL, or why no stage can have a source (no
 * single NHWC input after the layout ops, or the image read elsewhere). */
const char *tfg_sched_lead(const tfg_model_t *m, tfg_sched_lead_t *lead);

/* Why a split point cannot be patched, or NULL when it can. */
const char *tfg_sched_split_problem(const tfg_model_t *m, int split);

/* For a model without patched candidates: what stopped the search, as a
 * sentence naming the step (the CLI prints it so the fallback to layer by
 * layer is never silent). */
void tfg_sched_explain_none(const tfg_model_t *m, char *buf, size_t n);

/* Cost of one candidate. Fails (with the reason in d) when the split cannot
 * be patched or the grid is larger than the stage output. */
tfg_status_t tfg_sched_eval(const tfg_model_t *m, int split, int ph, int pw, tfg_schedule_t *out,
                            tfg_diag_t *d);

/* The layer-by-layer schedule (split -1) with both peaks. */
tfg_status_t tfg_sched_layer(const tfg_model_t *m, tfg_schedule_t *out, tfg_diag_t *d);

/* Every candidate: layer by layer, then each patchable split with each grid
 * up to max_grid x max_grid (tiles of at least one row and column). */
typedef struct {
    tfg_schedule_t *c;
    int n;
    bool *front; /* [n]: on the Pareto front of (peak, macs) */
} tfg_sched_set_t;

tfg_status_t tfg_sched_enumerate(const tfg_model_t *m, int max_grid, tfg_sched_set_t *set, tfg_diag_t *d);
void tfg_sched_set_free(tfg_sched_set_t *set);

/* The choice rule of `tinyforge plan`: with an SRAM limit (> 0), the fewest
 * MACs among candidates whose peak fits (ties: the lower peak); otherwise
 * the lowest peak among candidates within max_overhead x the layer-by-layer
 * MACs and max_overhead x its predicted Cortex-M4 instructions (per-tile
 * setup and region copies included; ties: fewer MACs). `streamed` compares patched candidates by their
 * streamed-input peak (layer by layer always holds the image). Returns the index, or -1 when nothing fits the
 * SRAM limit. */
int tfg_sched_choose(const tfg_sched_set_t *set, size_t sram_limit, double max_overhead, bool streamed);

/* tfg_sched_choose(set, ...) over tfg_sched_enumerate(m, max_grid, set),
 * without the front: the same choice, found by placing only the candidates
 * that can still win (what a search costing many networks needs). best gets
 * both peaks; n_costed (may be NULL) the number of candidates considered.
 * TFG_ERR_BUDGET when nothing fits sram_limit. */
tfg_status_t tfg_sched_best(const tfg_model_t *m, int max_grid, size_t sram_limit, double max_overhead,
                            bool streamed, tfg_schedule_t *best, int *n_costed, tfg_diag_t *d);

/* A patched schedule ready to run: where every buffer lives in the arena. */
typedef struct {
    tfg_schedule_t cost;
    bool streamed;       /* the input is read from the caller's image, not the arena */
    size_t arena_bytes;  /* = cost.peak, or cost.peak_streamed when streamed */
    size_t *stage_off;   /* [n_tensors] region buffer of each stage tensor (and the input's region copy) */
    size_t *rest_off;    /* [n_tensors] buffer of every other tensor, the stage output in full */
    size_t *scratch_off; /* [n_steps] */
    int32_t *variant;   /* [n_steps] kernel variant in this schedule (tfg_dw_variant_t or tfg_conv_variant_t),
                           -1: the model's */
    size_t full_in_off; /* the whole input image (not streamed) */
} tfg_sched_plan_t;

/* Plan a candidate (split -1: layer by layer, ph = pw = 1). */
tfg_status_t tfg_sched_plan(const tfg_model_t *m, int split, int ph, int pw, bool streamed,
                            tfg_sched_plan_t *sp, tfg_diag_t *d);
void tfg_sched_plan_free(tfg_sched_plan_t *sp);

/* One inference with the schedule: reads the model inputs from `in` (copied
 * into the arena, or read tile by tile when streamed) and writes the outputs
 * to `out` (both concatenated in graph order). arena: sp->arena_bytes. */
void tfg_sched_run(const tfg_model_t *m, const tfg_sched_plan_t *sp, uint8_t *arena, const uint8_t *in,
                   uint8_t *out);

/* Tile (i, j) of a ph x pw grid over an h x w tensor: near-equal parts. */
tfg_region_t tfg_sched_tile(int32_t h, int32_t w, int ph, int pw, int i, int j);

/* Regions every stage tensor needs for one tile of the stage output: need is
 * [n_tensors] (empty regions have r1 <= r0). */
void tfg_sched_regions(const tfg_model_t *m, int split, tfg_region_t tile, tfg_region_t *need);

/* The arena layout tfg_sched_plan places for a patched candidate, for
 * reports: p gets the buffers (size, lifetime in steps, offset; a stage step
 * counts once, as every tile reuses its buffers) with step_live, step_top,
 * peak and lower bound; p->tensor_buf stays NULL. stage_buf and rest_buf
 * ([n_tensors], either may be NULL) get the buffer of each stage tensor's
 * region and of each tensor outside the stage (the stage output in full,
 * the whole image when not streamed), -1 where there is none. */
tfg_status_t tfg_sched_layout(const tfg_model_t *m, int split, int ph, int pw, bool streamed, tfg_plan_t *p,
                              int *stage_buf, int *rest_buf, tfg_diag_t *d);

#endif
