/* Graph passes: each takes a validated graph and keeps it valid.
 *
 *  tfg_fold_shape_arithmetic  SHAPE / PACK / STRIDED_SLICE on constants become
 *                             constant tensors (run during validation)
 *  tfg_fold_pad               PAD feeding a convolution or pooling becomes that
 *                             op's explicit padding
 *  tfg_strip_edge_quant       float (or uint8) QUANTIZE / DEQUANTIZE at the model
 *                             edges are dropped so the model's I/O is int8
 *  tfg_mark_aliases           RESHAPE / SQUEEZE / EXPAND_DIMS become views (no data moves)
 *  tfg_mark_in_place          depthwise conv, pools, ADD, MUL and friends reuse an input
 *                             buffer that dies at that op
 * and, after lowering, on the program:
 *  tfg_fuse_residuals         a residual ADD becomes the epilogue of the conv
 *                             that feeds it, writing in place over the shortcut
 */
#ifndef TFG_PASSES_H
#define TFG_PASSES_H

#include "ir/ir.h"
#include "lower/lower.h"

tfg_status_t tfg_fold_shape_arithmetic(tfg_graph_t *g, tfg_diag_t *d);
int tfg_fold_pad(tfg_graph_t *g);
int tfg_strip_edge_quant(tfg_graph_t *g);
int tfg_mark_aliases(tfg_graph_t *g);
/* convs: pointwise convolutions too (see tfg_pass_opts_t.no_conv_in_place) */
int tfg_mark_in_place(tfg_graph_t *g, bool convs);

/* Depthwise variant per layer (runtime/dwconv.c). Both automatic choices
 * give the same arena peak; they differ only in which variant wins a tie:
 *  - TFG_DW_AUTO: ROWS, the faster one on 64-bit hosts (it vectorizes over
 *    channels), unless PLANE lowers the peak;
 *  - TFG_DW_AUTO_MCU: PLANE, the faster one on 32-bit MCUs (word loads,
 *    taps and requantization in registers), unless it raises the peak.
 * Either then takes STRIP (and NARROW for conv) where it lowers the peak.
 * The ONLY_ choices force one depthwise variant everywhere (tests). */
typedef enum {
    TFG_DW_AUTO = 0,
    TFG_DW_ONLY_ROWS,
    TFG_DW_ONLY_PLANE,
    TFG_DW_AUTO_MCU,
    TFG_DW_ONLY_STRIP
} tfg_dw_choice_t;

/* Options for the standard pipeline (passes, lowering, planning). */
typedef struct {
    bool int8_io;     /* strip float/uint8 QUANTIZE/DEQUANTIZE at the edges */
    bool no_in_place; /* keep every op out of place (to measure what in-place saves) */
    /* keep convolutions out of place (MCUNet's analytic whole-tensor peaks
     * assume so; to measure what writing a pointwise conv over its input saves) */
    bool no_conv_in_place;
    bool no_pad_fold;
    bool no_fuse_residual; /* keep a residual ADD as its own step (per-layer dumps need the conv's output) */
    tfg_dw_choice_t dw;
    /* Low-memory kernel variants (depthwise STRIP, conv NARROW: less scratch,
     * slower) for the layers at the peak:
     *  - 0: wherever they lower the arena (the least memory; plan, run);
     *  - SIZE_MAX: never (the fastest kernels);
     *  - else: only as far as needed to bring the arena within this many
     *    bytes (compile and bench with --sram). */
    size_t kernel_budget;
} tfg_pass_opts_t;

/* Fuse residual ADDs into the convolution that feeds them (see
 * fuse_residual.c for when it is safe). groups: the current plan's buffer of
 * each tensor. Returns the number of fusions; *st is set on failure. */
int tfg_fuse_residuals(tfg_graph_t *g, tfg_program_t *pr, const int *groups, tfg_diag_t *d, tfg_status_t *st);

/* Run the passes in order; returns the number of rewrites. */
int tfg_run_passes(tfg_graph_t *g, const tfg_pass_opts_t *o);

#endif
