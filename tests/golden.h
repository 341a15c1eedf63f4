/* Reading the shared test data (../shared/models): whole files and the
 * golden input tags of a model. Shared by the model and writer tests. */
#ifndef TFG_TEST_GOLDEN_H
#define TFG_TEST_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

/* The whole file (malloc'd), or NULL. */
uint8_t *tt_slurp(const char *path, size_t *len);
/* Tags of MODELS/golden/<model>.<tag>.input.bin (e.g. rand1, person); returns the count. */
int tt_golden_tags(const char *models, const char *model, char tags[][32], int cap);

#endif
