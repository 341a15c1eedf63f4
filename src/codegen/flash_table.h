/* What the runtime costs in flash on the Cortex-M4, measured from the
 * runtime compiled for it (src/codegen/flash_m4.c, written by
 * scripts/flash_table.sh): each function and constant with its bytes and
 * what it references, so that a model's runtime bytes are the closure of the
 * functions its generated code calls, as the linker's --gc-sections keeps
 * them. One table per kernel-variant configuration (tinyforge/config.h). */
#ifndef TFG_FLASH_TABLE_H
#define TFG_FLASH_TABLE_H

#include <stdint.h>

typedef struct {
    const char *name; /* a function or constant; static ones are unique only within their file */
    const char *file; /* runtime/<file>.c, or "libc" */
    int32_t bytes;    /* its symbol size, as bench counts it */
    int32_t first, n; /* its references: refs[first .. first + n - 1], indices into syms */
} tfg_flash_sym_t;

typedef struct {
    const tfg_flash_sym_t *syms;
    int n_syms;
    const uint16_t *refs;
} tfg_flash_table_t;

typedef struct {
    const char *type; /* a parameter struct type (tinyforge/kernels.h) */
    int32_t bytes;    /* its size on the target */
} tfg_flash_struct_t;

/* Index: TFG_WITH_DW_STRIP + 2 * TFG_WITH_CONV_NARROW. */
extern const tfg_flash_table_t tfg_flash_m4[4];
extern const tfg_flash_struct_t tfg_flash_m4_structs[]; /* ends with {NULL, 0} */

#endif
