/* Host executor: a loaded, lowered and planned model, and the loop that runs
 * it over a caller-provided arena. It is the oracle for generated code, so it
 * does nothing the generated code will not do: the same kernels, the same
 * parameters, the same arena offsets. */
#ifndef TFG_EXEC_H
#define TFG_EXEC_H

#include "exec/lower.h"
#include "ir/ir.h"
#include "passes/passes.h"
#include "plan/plan.h"

typedef struct {
    tfg_graph_t graph;
    tfg_program_t prog;
    tfg_plan_t plan;
    tfg_pass_opts_t opts;
} tfg_model_t;

/* Read, validate, run the passes, lower and plan. */
tfg_status_t tfg_model_load(const char *path, const tfg_pass_opts_t *opts, tfg_model_t *m, tfg_diag_t *d);
/* Take ownership of a graph built in memory (*g is emptied), validate it,
 * then run the passes, lower and plan. On failure everything is freed. */
tfg_status_t tfg_model_prepare(tfg_model_t *m, tfg_graph_t *g, const tfg_pass_opts_t *opts, tfg_diag_t *d);
/* The same from bytes in memory (used by the fuzzer). */
tfg_status_t tfg_model_load_mem(const uint8_t *bytes, size_t len, const char *name, const tfg_pass_opts_t *opts,
                                tfg_model_t *m, tfg_diag_t *d);
void tfg_model_free(tfg_model_t *m);

size_t tfg_model_input_bytes(const tfg_model_t *m);  /* all inputs, concatenated */
size_t tfg_model_output_bytes(const tfg_model_t *m); /* all outputs, concatenated */

/* Copy inputs (concatenated in subgraph order) into the arena. */
void tfg_model_set_inputs(const tfg_model_t *m, uint8_t *arena, const uint8_t *in);
/* Run every step. */
void tfg_model_invoke(const tfg_model_t *m, uint8_t *arena);
/* Run with a callback after each step (tests: canary and liveness checks). */
/* Run one lowered step against an arena (its offsets are relative to it). */
void tfg_step_run(uint8_t *arena, const tfg_step_t *s);

typedef void (*tfg_step_hook_t)(void *ctx, int step);
void tfg_model_invoke_hooked(const tfg_model_t *m, uint8_t *arena, tfg_step_hook_t hook, void *ctx);
/* Copy outputs (concatenated in subgraph order) out of the arena. */
void tfg_model_get_outputs(const tfg_model_t *m, const uint8_t *arena, uint8_t *out);

/* Pointer to a tensor's data: constant data or its arena slot. */
const uint8_t *tfg_model_tensor_ptr(const tfg_model_t *m, const uint8_t *arena, int t);

#endif
