/* .tflite (schema v3) writer: IR graph -> file bytes that TFLite, TFLite
 * Micro and our own reader load.
 *
 * It writes what the graph says, whether or not passes have run: every
 * tensor in graph order (names, shapes, types, quantization, constant data),
 * the graph inputs and outputs, and every live op with its options. Dead ops
 * (folded shape arithmetic, stripped edges) are left out; their outputs are
 * constants or unused by then. Alias and in-place marks are execution
 * details and are not written. An op whose explicit padding is neither its
 * SAME nor its VALID padding (a PAD folded into it) cannot be expressed in
 * TFLite's options and is refused. */
#ifndef TFG_TFLITE_WRITER_H
#define TFG_TFLITE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"

/* On success *bytes (malloc'd, free with free()) holds *len bytes. */
tfg_status_t tfg_tflite_write(const tfg_graph_t *g, uint8_t **bytes, size_t *len, tfg_diag_t *d);

/* Write to path via path.tmp and a rename, so a failure never leaves a
 * truncated file at path. */
tfg_status_t tfg_tflite_write_file(const tfg_graph_t *g, const char *path, tfg_diag_t *d);

#endif
