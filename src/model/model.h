/* The model pipeline: a model (read from a .tflite file or built in memory)
 * validated, rewritten by the passes, lowered to kernel steps and planned,
 * in one call. Every consumer starts from a tfg_model_t: the host executor
 * (exec/) runs its steps, the scheduler (sched/) patches them, the code
 * generator (codegen/) prints them, the report draws its plan and the cost
 * API (model/cost.h) prices it for the search. None of them re-parses a
 * file or re-runs a stage.
 *
 *   read / build -> validate -> passes -> lower -> plan -> fuse residuals
 *                -> re-plan -> kernel variants -> operand offsets
 */
#ifndef TFG_MODEL_H
#define TFG_MODEL_H

#include "ir/ir.h"
#include "lower/lower.h"
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
tfg_status_t tfg_model_load_mem(const uint8_t *bytes, size_t len, const char *name,
                                const tfg_pass_opts_t *opts, tfg_model_t *m, tfg_diag_t *d);
void tfg_model_free(tfg_model_t *m);

size_t tfg_model_input_bytes(const tfg_model_t *m);  /* all inputs, concatenated */
size_t tfg_model_output_bytes(const tfg_model_t *m); /* all outputs, concatenated */

#endif
