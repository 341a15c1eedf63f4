/* A read-only, bounds-checked view of a FlatBuffer.
 *
 * Every access goes through these functions, which check each offset, vtable
 * entry and vector length against the buffer before reading, in 64-bit
 * arithmetic so that no sum can wrap. A malformed file therefore yields
 * FB_BAD from some accessor, never an out-of-bounds read. Values are decoded
 * byte by byte as little-endian, so alignment and host byte order do not
 * matter.
 *
 * Wire format facts used: the root is a uoffset at byte 0; a table starts
 * with an soffset to its vtable (vtable = table - soffset); a vtable is
 * {u16 vtable_bytes, u16 table_bytes, u16 field_offset[]}; an absent field
 * has offset 0 or lies beyond the vtable; references (tables, vectors,
 * strings) are uoffsets relative to where they are stored; a vector is a u32
 * count followed by its elements. */
#ifndef TFG_FLATBUF_H
#define TFG_FLATBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *buf;
    size_t len;
} fb_buf_t;

typedef struct {
    const fb_buf_t *fb;
    size_t pos;       /* table start */
    size_t vt;        /* vtable start */
    uint16_t vt_len;  /* vtable size in bytes */
    uint16_t tab_len; /* table size in bytes */
} fb_table_t;

typedef struct {
    const fb_buf_t *fb;
    size_t pos; /* first element */
    uint32_t n;
} fb_vec_t;

enum { FB_OK = 0, FB_ABSENT = 1, FB_BAD = -1 };

int fb_root(const fb_buf_t *fb, fb_table_t *out);

/* Scalars: FB_OK (value read), FB_ABSENT (default stored), FB_BAD. */
int fb_u8(const fb_table_t *t, int field, uint8_t def, uint8_t *out);
int fb_i32(const fb_table_t *t, int field, int32_t def, int32_t *out);
int fb_u32(const fb_table_t *t, int field, uint32_t def, uint32_t *out);
int fb_u64(const fb_table_t *t, int field, uint64_t def, uint64_t *out);
int fb_f32(const fb_table_t *t, int field, float def, float *out);

/* References. An absent field gives FB_ABSENT and an empty result. */
int fb_table(const fb_table_t *t, int field, fb_table_t *out);
int fb_vector(const fb_table_t *t, int field, size_t elem_size, fb_vec_t *out);
int fb_string(const fb_table_t *t, int field, const char **s, uint32_t *len);

/* Elements of vectors (index must be < n; checked). */
int fb_vec_table(const fb_vec_t *v, uint32_t i, fb_table_t *out);
int32_t fb_vec_i32(const fb_vec_t *v, uint32_t i);
int64_t fb_vec_i64(const fb_vec_t *v, uint32_t i);
float fb_vec_f32(const fb_vec_t *v, uint32_t i);
uint8_t fb_vec_u8(const fb_vec_t *v, uint32_t i);

/* Little-endian decoding of already bounds-checked bytes. */
uint16_t fb_le16(const uint8_t *p);
uint32_t fb_le32(const uint8_t *p);
uint64_t fb_le64(const uint8_t *p);

#endif
