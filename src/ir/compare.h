/* Structural equality of two IR graphs (round-trip tests, tooling).
 *
 * Compared: every tensor (name, dtype, shape, quantization arrays and axis,
 * constant-ness and data bytes), graph inputs and outputs, and the live ops
 * in order (type, inputs, outputs, the options that matter for the op's type,
 * including resolved explicit padding, and the alias / in-place marks).
 * Dead ops compute nothing (their outputs are constants or unused), so they
 * are skipped on both sides: a graph read back from a written file, which
 * leaves dead ops out, equals the graph it was written from. Provenance
 * (model_index, file path and bytes) is not compared. Floats are compared
 * bit for bit. */
#ifndef TFG_IR_COMPARE_H
#define TFG_IR_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/ir.h"

/* True when equal; otherwise false and `why` (if not NULL) names the first difference. */
bool tfg_graph_equal(const tfg_graph_t *a, const tfg_graph_t *b, char *why, size_t why_len);

#endif
