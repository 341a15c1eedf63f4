/* Reading the shared test data (../shared/models): whole files and the
 * golden input tags of a model, and one host inference. Shared by the model
 * and writer tests. */
#ifndef TFG_TEST_GOLDEN_H
#define TFG_TEST_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

#include "exec/exec.h"

/* The whole file (malloc'd), or NULL. */
uint8_t *tt_slurp(const char *path, size_t *len);
/* Tags of MODELS/golden/<model>.<tag>.input.bin (e.g. rand1, person); returns the count. */
int tt_golden_tags(const char *models, const char *model, char tags[][32], int cap);
/* One inference on the host executor in a fresh zeroed arena; the outputs (malloc'd), or NULL. */
uint8_t *tt_run(const tfg_model_t *m, const uint8_t *in);

#endif
