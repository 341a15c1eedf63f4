/* Cortex-M4 instructions of one inference, without running it: a per-layer
 * cost model for the architecture search's optional latency budget
 * (`tinyforge search --max-instructions`).
 *
 * Each step costs a * MACs + b * output elements + c * output pixels + d,
 * with (a, b, c, d) per class of kernel: convolution 1x1 (fast or NARROW,
 * with a fused residual or not), other convolutions, depthwise by kernel
 * size and stride (STRIP apart), fully connected, pooling, softmax. The
 * coefficients are fitted to QEMU's counts of every layer of sampled
 * subnets (scripts/bench_latency.sh fits them and prints the model's error
 * on other subnets). A patched stage runs each of its steps once per tile on
 * the tile's region: the per-element and per-pixel terms over the tiles'
 * regions, d once per step (as the whole layer), plus a cost per call of a
 * step on a tile, which covers the call's setup and the tile's region
 * copies; all fitted together. */
#ifndef TFG_SCHED_LATENCY_H
#define TFG_SCHED_LATENCY_H

#include "model/model.h"

typedef enum {
    TFG_LAT_CONV1X1,
    TFG_LAT_CONV1X1_NARROW,
    TFG_LAT_CONV1X1_RES, /* a residual ADD fused into its output */
    TFG_LAT_CONV,        /* any other convolution (the stem) */
    TFG_LAT_DW3_S1,
    TFG_LAT_DW3_S2,
    TFG_LAT_DW5_S1,
    TFG_LAT_DW5_S2,
    TFG_LAT_DW7_S1,
    TFG_LAT_DW7_S2,
    TFG_LAT_DW_OTHER, /* other kernel sizes, strides and dilations */
    TFG_LAT_DW_STRIP,
    TFG_LAT_FC,
    TFG_LAT_POOL,
    TFG_LAT_SOFTMAX,
    TFG_LAT_OTHER, /* everything else: per output element */
    TFG_LAT_COUNT
} tfg_lat_class_t;

extern const char *const tfg_lat_class_names[TFG_LAT_COUNT];

/* Step s's class, with `variant` its kernel variant (-1: the step's own). */
tfg_lat_class_t tfg_latency_class(const tfg_step_t *s, int32_t variant);

/* Step s's features on an out_h x out_w region of its output: MACs, output
 * elements, output pixels, calls (1). */
void tfg_latency_step_features(const tfg_model_t *m, const tfg_step_t *s, int64_t out_h, int64_t out_w,
                               double f[4]);

/* Instructions of step s producing an out_h x out_w region of its output. */
double tfg_latency_step(const tfg_model_t *m, const tfg_step_t *s, int32_t variant, int64_t out_h,
                        int64_t out_w);

/* Instructions of step s on its whole output (a layer outside the patch stage). */
double tfg_latency_layer(const tfg_model_t *m, const tfg_step_t *s, int32_t variant);

/* Instructions of step s over all the tiles of a patch stage, which produce
 * `pixels` output pixels in all (every feature but the per-layer constant d
 * is linear in the pixels; d is paid once, as by the whole layer: the cost
 * of each further call is the stage's, below). */
double tfg_latency_stage_step(const tfg_model_t *m, const tfg_step_t *s, int32_t variant, double pixels);

/* A patch stage's own cost besides its steps' work: `calls` calls of a step
 * on a tile (tiles x the stage's steps). Each call pays its setup and its
 * share of the region copies (the tile's input region in, its stage output
 * out); fits with separate per-tile and per-byte terms were worse on models
 * they had not seen (docs/patches.md). */
double tfg_latency_stage_calls(double calls);

/* The patch stage of a split/ph/pw schedule as the model sees it: per
 * class, the sums over every tile of its steps' features (MACs, output
 * elements, output pixels, calls). */
tfg_status_t tfg_latency_stage_features(const tfg_model_t *m, int split, int ph, int pw,
                                        const int32_t *variant, double feat[TFG_LAT_COUNT][4]);

/* Instructions of that patch stage (0 for split < 0; -1: out of memory). */
double tfg_latency_stage(const tfg_model_t *m, int split, int ph, int pw, const int32_t *variant);

/* One inference with the schedule (split -1: layer by layer); variant: the
 * schedule's kernel variants, or NULL for the model's. */
double tfg_latency_m4(const tfg_model_t *m, int split, int ph, int pw, const int32_t *variant);

#endif
