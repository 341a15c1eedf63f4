/* Memory planner: every byte the model needs at run time, placed in one arena.
 *
 * Buffers: tensors that share storage (RESHAPE views, in-place outputs of
 * their input's size) form one buffer whose size is the largest member; a
 * smaller in-place output gets its own buffer tied to the input's (same
 * offset, see tfg_buf_t.tie); each step that needs scratch
 * gets a buffer live only during that step. A buffer is live from the step
 * that writes it (step 0 for graph inputs) to the last step that reads it
 * (the last step for graph outputs).
 *
 * Placement assigns offsets so that buffers live at the same time never
 * overlap. The arena size (peak) is compared with the lower bound for the
 * same order of execution: the largest sum of sizes live at any one step. No
 * placement can beat the lower bound; when the peak exceeds it, the plan
 * names the step where the arena top is reached and the bytes of holes there.
 * All offsets and sizes are multiples of TFG_ALIGN. */
#ifndef TFG_PLAN_H
#define TFG_PLAN_H

#include "ir/ir.h"
#include "lower/lower.h"
#include "passes/passes.h"

#define TFG_ALIGN 4

typedef enum { TFG_BUF_ACT, TFG_BUF_SCRATCH } tfg_buf_kind_t;

typedef struct {
    tfg_buf_kind_t kind;
    int tensor; /* representative tensor (activation) or -1 */
    int step;   /* owning step (scratch) or -1 */
    int first, last;
    size_t size;
    size_t offset;
    /* 1 + the buffer this one is written over (0: none): an in-place op
     * whose output is smaller than its input (a strided pool) writes it from
     * the input's start. The two share their offset and may overlap at the
     * step where one ends and the other begins; each keeps its own size and
     * lifetime, so the big input is not held as long as the small output. */
    int tie;
} tfg_buf_t;

typedef struct {
    tfg_buf_t *bufs;
    int n_bufs;
    int *tensor_buf; /* [n_tensors]: buffer of each activation tensor, -1 for constants/unused */
    int n_steps;
    size_t *step_live; /* [n_steps]: bytes that must be live during the step */
    size_t *step_top;  /* [n_steps]: highest arena byte in use during the step */
    size_t peak;
    size_t lower_bound;
    int lower_bound_step;
    int peak_step;
    const char *strategy; /* placement ordering that won */
} tfg_plan_t;

tfg_status_t tfg_plan_build(const tfg_graph_t *g, const tfg_program_t *prog, tfg_plan_t *plan, tfg_diag_t *d);

/* The placement half of tfg_plan_build, for callers that derive buffers
 * themselves (the patch scheduler): plan->bufs[0..n_bufs) must have kind,
 * size (a multiple of TFG_ALIGN), first and last filled in (tensor_buf may be
 * NULL). Sets offsets, peak, per-step live and top bytes and the lower bound.
 * On failure the plan is freed. */
tfg_status_t tfg_plan_place(tfg_plan_t *plan, int n_steps, tfg_diag_t *d);
void tfg_plan_free(tfg_plan_t *plan);

/* The lower bound of any placement of these buffers: the most bytes live at
 * one step (what tfg_plan_place reports as lower_bound), without placing. */
size_t tfg_plan_bound(const tfg_buf_t *bufs, int n_bufs, int n_steps);

/* Kernel variants (see tfg_dw_choice_t and tfg_conv_variant_t), each step's
 * chosen by real plans: every depthwise layer starts as ROWS and is tried
 * as PLANE, which it keeps if the peak drops, or, preferring PLANE
 * (TFG_DW_AUTO_MCU), if it does not rise. Then the low-memory variants,
 * slower, where they lower the peak (STRIP for depthwise, NARROW for conv),
 * as opts->kernel_budget allows. Tests may force one depthwise variant
 * everywhere instead. *plan is replaced by the final plan. */
tfg_status_t tfg_plan_choose_variants(const tfg_graph_t *g, tfg_program_t *prog, tfg_plan_t *plan,
                                      const tfg_pass_opts_t *opts, tfg_diag_t *d);

/* Offset of a tensor's data in the arena (tensor must have a buffer). */
size_t tfg_plan_offset(const tfg_plan_t *plan, int tensor);

/* One-paragraph explanation of peak vs lower bound, for reports. */
void tfg_plan_explain(const tfg_graph_t *g, const tfg_program_t *prog, const tfg_plan_t *plan, char *buf,
                      size_t n);

#endif
