/* The kernel table: everything the stages after lowering need to know
 * about a kernel, in one place. The host executor calls `run`, the planner
 * asks `scratch` (and the step's variant field), the patch scheduler reads the `patch` rule
 * and `window`, and the code generator prints `fn`, `params`, `file` and the
 * `call` form. A new kernel is one row here (and its lowering), not a case in
 * every stage's switch. */
#ifndef TFG_KERNEL_TABLE_H
#define TFG_KERNEL_TABLE_H

#include <stdbool.h>

#include "lower/lower.h"

/* The operands after the parameter struct, in the runtime's order. */
typedef enum {
    TFG_CALL_IN_OUT,         /* f(&p, in, out) */
    TFG_CALL_IN_OUT_SCRATCH, /* f(&p, in, out, scratch) */
    TFG_CALL_IN2_OUT,        /* f(&p, a, b, out) */
    TFG_CALL_INS_OUT,        /* f(&p, inputs, out): any number of inputs */
    TFG_CALL_F32_IN,         /* f(&p, (const float *)in, out) */
    TFG_CALL_F32_OUT,        /* f(&p, in, (float *)out) */
} tfg_call_t;

/* How a step runs on one spatial patch (patch-based schedules). */
typedef enum {
    TFG_PATCH_NONE,    /* not spatially local: a stage cannot contain it */
    TFG_PATCH_WINDOW,  /* a window (conv, pool; PAD as a 1x1 window): patch_fn shifts its padding */
    TFG_PATCH_ELTWISE, /* two inputs read through strides (tfg_patch_eltwise) */
    TFG_PATCH_SIZE,    /* pointwise over p.size elements: set to the region's */
} tfg_patch_rule_t;

/* A window's geometry, output rows/columns to input rows/columns. */
typedef struct {
    int32_t k_h, k_w, s_h, s_w, d_h, d_w, pad_top, pad_left;
} tfg_window_t;

typedef struct {
    const char *name;   /* for comments and messages */
    const char *fn;     /* runtime function */
    const char *params; /* its parameter struct type */
    const char *file;   /* runtime source that defines it */
    tfg_call_t call;
    tfg_patch_rule_t patch;
    const char *patch_fn; /* TFG_PATCH_WINDOW: the runtime's per-patch parameter function */
    int n_variants;       /* kernel variants (tfg_conv_variant_t, tfg_dw_variant_t); 1: none */
    /* Scratch bytes of the step's parameters as they are (variant included);
     * SIZE_MAX when that variant cannot run them. NULL: none. */
    size_t (*scratch)(const tfg_step_t *s);
    /* TFG_PATCH_WINDOW: the geometry (false: this step cannot be patched),
     * and the parameters for output region `out` read from region `in`. */
    bool (*window)(const tfg_step_t *s, tfg_window_t *w);
    void (*patch_window)(tfg_step_t *s, const tfg_region_t *in, const tfg_region_t *out);
    /* TFG_PATCH_SIZE: the parameters for n elements. */
    void (*patch_size)(tfg_step_t *s, int32_t n);
    /* Runs the step: in[k] is activation input k (constant or in the arena). */
    void (*run)(const tfg_step_t *s, const int8_t *const *in, int8_t *out, void *scratch);
} tfg_kernel_info_t;

const tfg_kernel_info_t *tfg_kernel_info(tfg_kernel_t k);

/* The step's kernel variant field, or NULL for kernels without variants. */
int32_t *tfg_step_variant_field(tfg_step_t *s);

#endif
