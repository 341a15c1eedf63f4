/* Host executor: runs a prepared model's steps (model/model.h) over a
 * caller-provided arena. It is the oracle for generated code, so it does
 * nothing the generated code will not do: the same kernels, the same
 * parameters, the same arena offsets. */
#ifndef TFG_EXEC_H
#define TFG_EXEC_H

#include "model/model.h"

/* Copy inputs (concatenated in subgraph order) into the arena. */
void tfg_model_set_inputs(const tfg_model_t *m, uint8_t *arena, const uint8_t *in);
/* Run every step. */
void tfg_model_invoke(const tfg_model_t *m, uint8_t *arena);
/* Run one lowered step against an arena (its offsets are relative to it). */
void tfg_step_run(uint8_t *arena, const tfg_step_t *s);

/* Run with a callback after each step (tests: canary and liveness checks). */
typedef void (*tfg_step_hook_t)(void *ctx, int step);
void tfg_model_invoke_hooked(const tfg_model_t *m, uint8_t *arena, tfg_step_hook_t hook, void *ctx);
/* Copy outputs (concatenated in subgraph order) out of the arena. */
void tfg_model_get_outputs(const tfg_model_t *m, const uint8_t *arena, uint8_t *out);

/* Pointer to a tensor's data: constant data or its arena slot. */
const uint8_t *tfg_model_tensor_ptr(const tfg_model_t *m, const uint8_t *arena, int t);

#endif
