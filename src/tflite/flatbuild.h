/* A small FlatBuffer builder: the writing twin of flatbuf.h.
 *
 * The buffer is filled back to front, as the official builders do: children
 * are written before the tables that refer to them, so every reference points
 * forward (uoffsets are unsigned). A reference (fbb_ref_t) is the object's
 * distance from the END of the buffer, which stays valid while the buffer
 * grows at the front. Padding is chosen so that an item whose distance from
 * the end is a multiple of its alignment ends up aligned in the finished
 * buffer: fbb_finish() pads the total size to the largest alignment used
 * (at least 16), so the file's own start is the alignment base.
 *
 * Wire format written (see flatbuf.h for the reading side): little-endian
 * scalars aligned to their size; a vector is a u32 count followed by its
 * elements, its elements aligned to max(4, element size) or more on request
 * (TFLite's Buffer.data wants 16); a string is a u32 length, the bytes and a
 * NUL; a table starts with an soffset to its vtable (vtable = table - soffset;
 * identical vtables are shared); a vtable is {u16 vtable bytes, u16 table
 * bytes, u16 field offsets...}; a field equal to its schema default is left
 * out, as the schema's readers apply the default. The root uoffset is at
 * byte 0 and the 4-byte file identifier at bytes 4..8.
 *
 * Errors are sticky: after an allocation failure or a misuse (a vector
 * started inside a table, a table over 64 KiB, a buffer over 2 GiB) every
 * call is a no-op returning 0 and fbb_ok() is false. Nothing is ever written
 * outside the allocation. */
#ifndef TFG_FLATBUILD_H
#define TFG_FLATBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distance of an object from the end of the buffer; 0 means "no object". */
typedef uint32_t fbb_ref_t;

#define FBB_MAX_FIELDS 32

typedef struct {
    uint8_t *buf; /* used bytes are buf[cap - len .. cap) */
    size_t cap, len;
    size_t minalign;
    bool failed;
    /* Table under construction. */
    bool in_table;
    size_t table_start;                /* len when the table was started */
    uint32_t field_at[FBB_MAX_FIELDS]; /* distance from the end of each field, 0 = absent */
    int n_fields;                      /* highest field id present + 1 */
    /* Vtables written so far (distance from the end), for sharing. */
    uint32_t *vtables;
    size_t n_vtables, cap_vtables;
} fbb_t;

void fbb_init(fbb_t *b);
void fbb_free(fbb_t *b);
bool fbb_ok(const fbb_t *b);

/* Strings and vectors (not while a table is being built). */
fbb_ref_t fbb_string(fbb_t *b, const char *s, size_t n);
fbb_ref_t fbb_vec_i32(fbb_t *b, const int32_t *v, size_t n);
fbb_ref_t fbb_vec_i64(fbb_t *b, const int64_t *v, size_t n);
fbb_ref_t fbb_vec_f32(fbb_t *b, const float *v, size_t n);
/* Bytes with their first element aligned to `align` (a power of two). */
fbb_ref_t fbb_vec_bytes(fbb_t *b, const uint8_t *v, size_t n, size_t align);
/* A vector of references to tables or strings (vector of tables). */
fbb_ref_t fbb_vec_refs(fbb_t *b, const fbb_ref_t *refs, size_t n);

/* Tables: start, add fields (each field id at most once), end. A scalar equal
 * to `def` (its schema default) is left out. */
void fbb_table_start(fbb_t *b);
void fbb_add_u8(fbb_t *b, int field, uint8_t v, uint8_t def);
void fbb_add_i32(fbb_t *b, int field, int32_t v, int32_t def);
void fbb_add_u32(fbb_t *b, int field, uint32_t v, uint32_t def);
void fbb_add_f32(fbb_t *b, int field, float v, float def);
void fbb_add_ref(fbb_t *b, int field, fbb_ref_t ref); /* ref 0: left out */
fbb_ref_t fbb_table_end(fbb_t *b);

/* Write the root reference and the identifier (4 bytes). After this the
 * buffer holds the finished FlatBuffer. */
void fbb_finish(fbb_t *b, fbb_ref_t root, const char ident[4]);
/* The finished bytes (owned by the builder), or NULL if building failed. */
const uint8_t *fbb_data(const fbb_t *b, size_t *len);

#endif
