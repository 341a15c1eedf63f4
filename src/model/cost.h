/* The exact cost of a network, in memory, for the architecture search.
 *
 * TinyNAS asks one question of thousands of candidate networks: does it fit
 * the board, and at what price? The answer must be the one `tinyforge plan`
 * and the generated code would give, never an estimate, so this runs the
 * same pipeline on the same data: the float net is quantized with
 * placeholder values (shapes and MACs do not depend on them), prepared
 * (validation, passes, lowering, the layer-by-layer plan), and the patch
 * scheduler searches every split and grid and picks one with plan's rule.
 * Nothing is written to a file.
 *
 * Figures:
 *  - arena: the bytes the chosen schedule's arena needs (activations, kernel
 *    scratch and the input, or the input's tile when it is streamed), with
 *    the least-memory kernel variants, as `plan` reports;
 *  - macs: that schedule's MACs, the recomputed halos included;
 *  - flash: the model's constant bytes as the code generator emits them for
 *    an MCU (packed conv weights, folded biases, requantization tables);
 *  - m4: the whole model's flash on the Cortex-M4 as `bench` reports it
 *    (constants, parameter structs, the runtime it links, its generated
 *    code), for the chosen schedule with the kernel variants `compile --sram`
 *    would pick; exact but for the generated code (codegen.h);
 *  - m4_instructions: one inference on the Cortex-M4 with that schedule, as
 *    the per-layer cost model predicts it (sched/latency.h). */
#ifndef TFG_MODEL_COST_H
#define TFG_MODEL_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codegen/codegen.h"
#include "exec/exec.h"
#include "nn/net.h"

typedef struct {
    size_t sram;         /* > 0: the fewest MACs among schedules within this arena */
    double max_overhead; /* without sram: the lowest arena within this x layer-by-layer MACs (0: 1.2) */
    int max_grid;        /* largest tile grid per side (0: 8) */
    bool stream_input;   /* the input is read tile by tile from outside the arena */
    bool layer_only;     /* no patch search: layer by layer */
} tfg_cost_opts_t;

typedef struct {
    size_t arena; /* the chosen schedule */
    int64_t macs;
    int split, ph, pw;  /* split step and grid; -1, 1, 1 for layer by layer */
    size_t arena_layer; /* layer by layer, for comparison */
    int64_t macs_layer;
    size_t flash;   /* constant bytes in flash */
    tfg_flash_t m4; /* the whole model in flash on the Cortex-M4 */
    int64_t m4_instructions;
    int64_t params; /* weights and biases, as elements */
    int n_steps;    /* kernel calls of one inference */
    int candidates; /* schedules considered (placed only when they could win) */
    bool fits;      /* sram == 0, or a schedule fits it */
} tfg_cost_t;

/* Cost of a prepared model. */
tfg_status_t tfg_cost_model(const tfg_model_t *m, const tfg_cost_opts_t *o, tfg_cost_t *c, tfg_diag_t *d);

/* Cost of a float network (its weights are neither read nor changed),
 * prepared as `compile --sram` and `bench --sram` prepare it (int8 I/O, the
 * MCU's depthwise variants, the fastest kernels within the sram limit). An
 * sram limit nothing fits is not an error: c->fits is false and c describes
 * the least-arena schedule. */
tfg_status_t tfg_cost_net(const tfg_net_t *net, const tfg_cost_opts_t *o, tfg_cost_t *c, tfg_diag_t *d);

#endif
