/* .tflite (schema v3) reader: file bytes -> IR graph.
 *
 * The reader only decodes; tfg_graph_validate() (called at the end of a
 * successful load) checks that the decoded graph makes sense. Both report
 * through tfg_diag_t with the op index and type where one is involved. */
#ifndef TFG_TFLITE_READER_H
#define TFG_TFLITE_READER_H

#include "ir/ir.h"

/* Load from a file. On failure the graph is left empty (safe to free). */
tfg_status_t tfg_tflite_load(const char *path, tfg_graph_t *g, tfg_diag_t *d);

/* Load from memory; the bytes are copied, so the caller keeps ownership. */
tfg_status_t tfg_tflite_load_mem(const uint8_t *bytes, size_t len, const char *name, tfg_graph_t *g,
                                 tfg_diag_t *d);

#endif
