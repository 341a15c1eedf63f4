/* The code generator's shared pieces (not part of its API; see codegen.h).
 *
 * The generator is split by what it emits:
 *   emit.c         the output file and its plumbing: writing, front matter,
 *                  names, where operands and I/O live
 *   params.c       each layer's constants: weights, biases, requantization
 *                  tables and the parameter struct (and their byte count)
 *   header.c       NAME.h: sizes, I/O geometry and quantization, the API
 *   source.c       NAME.c: one kernel call per layer, the run functions
 *   patch_stage.c  the patch-based stage of a patched schedule
 *   codegen.c      the driver: NAME.mem.json, tinyforge/config.h, the
 *                  runtime files a model needs, and tfg_codegen itself */
#ifndef TFG_CODEGEN_INTERNAL_H
#define TFG_CODEGEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "codegen/codegen.h"

typedef struct {
    FILE *f;
    const char *n; /* symbol prefix of functions and objects (the --name) */
    char N[64];    /* the same in upper case: macros and constants (names are at most 63 chars) */
    const tfg_model_t *m;
    int packed;                 /* conv weights in the packed layout (every MCU target; see kernels.h) */
    const tfg_sched_plan_t *sp; /* a patched schedule, or NULL (layer by layer) */
    tfg_sched_lead_t lead;      /* with sp: the layout ops its tiles' read folds in (not emitted as layers) */
    int err;
    int64_t const_bytes; /* bytes of constant arrays emitted so far (without the parameter structs) */
    const tfg_codegen_detect_t *det; /* --postprocess yolo, or NULL */
    size_t arena;                    /* the arena, with the detector's scratch if any */
    size_t scratch_off;              /* with det: where its scratch starts */
    bool frame_tiles; /* det with a streamed schedule: each tile converts its region of the camera frame */
} out_t;

/* printf to the output file (nothing in a counting pass, f == NULL). */
void tfg_cg_put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void tfg_cg_emit_i8(out_t *o, const char *name, const int8_t *v, size_t n);

/* A float constant that round-trips exactly. */
void tfg_cg_flt(char *buf, size_t n, float v);

/* Step k's kernel variant: the patched schedule's where it sets one, else the model's. */
int32_t tfg_cg_step_variant(const tfg_sched_plan_t *sp, const tfg_model_t *m, int k);

/* Constants of one step: weight, bias and requantization arrays and the
 * parameter struct, always with designated initializers (a field added to a
 * runtime struct can never shift the others' values). */
void tfg_cg_emit_params(out_t *o, int k, const tfg_step_t *s);

/* Operand k of step s as a C expression. */
void tfg_cg_operand(out_t *o, int step, const tfg_step_t *s, int k, char *buf, size_t n);

/* Step k's op index in the model (`tinyforge info`'s op column). Generated
 * code numbers layers by step (L<k>, the hook's `layer`, plan's step) and
 * says each one's op index next to it, as `L3 (op 5)`. */
int tfg_cg_op_index(const out_t *o, int k);

void tfg_cg_layer_comment(out_t *o, int k, const tfg_step_t *s);

/* Start DIR/NAME<suffix> (written as .tmp, renamed by tfg_cg_close_out). */
tfg_status_t tfg_cg_open_out(const tfg_model_t *m, const tfg_codegen_opts_t *co, const char *dir,
                             const char *suffix, out_t *o, char *path, size_t n, tfg_diag_t *d);

/* Close and move the .tmp into place, so a failed run leaves no partial file. */
tfg_status_t tfg_cg_close_out(out_t *o, const char *path_tmp, tfg_diag_t *d);

/* Bytes of every constant array the source holds (weights, biases,
 * requantization tables, constant operands, index tables): tfg_cg_emit_params run
 * with no file, counting. The parameter structs (a few dozen bytes a layer,
 * pointer size dependent) are not included. */
int64_t tfg_cg_constant_bytes(const out_t *like);

/* The patch stage: the per-tile region table and the function that runs
 * layers 0..split on one tile with every layer's parameters patched for it. */
void tfg_cg_emit_patch_stage(out_t *o);

/* Where input i and output i live in the arena (zero copy); input 0 of a
 * streamed patched schedule lives in the caller's buffer instead. */
bool tfg_cg_input_streamed(const out_t *o, int i);

size_t tfg_cg_input_offset(const out_t *o, int i);

size_t tfg_cg_output_offset(const out_t *o, int i);

/* The first lines of NAME.h and NAME.c: what made them, from what (base
 * name and content hash of the model, never a path), so the same model and
 * options give the same bytes on any machine. */
void tfg_cg_front_matter(out_t *o, const tfg_codegen_opts_t *co);

/* --postprocess yolo (detect.c): NAME.h's frame, scratch and detector API;
 * NAME.c's tables and parameters (before the patch stage, whose tiles read
 * the frame through them when streamed), then NAME_frame_to_input or
 * NAME_invoke_frame, NAME_postprocess and NAME_detect (after NAME_exec). */
void tfg_cg_emit_detect_header(out_t *o);
void tfg_cg_emit_detect_tables(out_t *o);
void tfg_cg_emit_detect_source(out_t *o);

tfg_status_t tfg_cg_write_header(const tfg_model_t *m, const char *dir, const tfg_codegen_opts_t *co,
                                 tfg_diag_t *d);

tfg_status_t tfg_cg_write_source(const tfg_model_t *m, const char *dir, const tfg_codegen_opts_t *co,
                                 tfg_diag_t *d);

#endif
