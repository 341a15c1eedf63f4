/* The runtime sources and headers, embedded in the tool at build time
 * (cmake/embed_runtime.cmake) so generated code can ship with them. */
#ifndef TFG_EMBEDDED_H
#define TFG_EMBEDDED_H

#include <stddef.h>

typedef struct {
    const char *path; /* "runtime/conv.c", "include/tinyforge/kernels.h", ... */
    const unsigned char *data;
    size_t size;
} tfg_embedded_file_t;

extern const tfg_embedded_file_t tfg_embedded_files[];
extern const int tfg_embedded_count;

#endif
