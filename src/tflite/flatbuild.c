/* FlatBuffer builder; see flatbuild.h for the layout rules it follows.
 *
 * Invariant: b->buf[b->cap - b->len .. b->cap) holds the bytes written so
 * far, and every push goes through reserve(), which checks the free space
 * (growing the buffer, used tail copied to the new end) before a byte is
 * stored. Sizes are limited to FBB_MAX_SIZE so that every distance fits a
 * uoffset and no size_t sum can wrap. */
#include "tflite/flatbuild.h"

#include <stdlib.h>
#include <string.h>

#define FBB_MAX_SIZE ((size_t)0x7fffffff) /* FlatBuffers' 2 GiB limit */

void fbb_init(fbb_t *b)
{
    memset(b, 0, sizeof *b);
    b->minalign = 1;
}

void fbb_free(fbb_t *b)
{
    free(b->buf);
    free(b->vtables);
    memset(b, 0, sizeof *b);
}

bool fbb_ok(const fbb_t *b)
{
    return !b->failed;
}

static bool reserve(fbb_t *b, size_t n)
{
    if (b->failed) return false;
    if (n > FBB_MAX_SIZE - b->len) {
        b->failed = true;
        return false;
    }
    if (b->cap - b->len >= n) return true;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap - b->len < n) cap = cap > FBB_MAX_SIZE / 2 ? FBB_MAX_SIZE + 1 : cap * 2;
    uint8_t *nb = malloc(cap);
    if (!nb) {
        b->failed = true;
        return false;
    }
    if (b->len) memcpy(nb + cap - b->len, b->buf + b->cap - b->len, b->len);
    free(b->buf);
    b->buf = nb;
    b->cap = cap;
    return true;
}

static void push(fbb_t *b, const void *bytes, size_t n)
{
    if (!reserve(b, n)) return;
    b->len += n;
    if (n) memcpy(b->buf + b->cap - b->len, bytes, n);
}

static void push_zeros(fbb_t *b, size_t n)
{
    if (!reserve(b, n)) return;
    b->len += n;
    memset(b->buf + b->cap - b->len, 0, n);
}

static void push_le(fbb_t *b, uint64_t v, size_t n)
{
    uint8_t p[8];
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
    push(b, p, n);
}

/* Pad so that after `size` more bytes the distance from the end is a multiple
 * of `align`: the item then starts aligned in the finished buffer. */
static void align_for(fbb_t *b, size_t size, size_t align)
{
    if (align > b->minalign) b->minalign = align;
    if (size > FBB_MAX_SIZE) {
        b->failed = true;
        return;
    }
    const size_t mis = (b->len + size) & (align - 1);
    if (mis) push_zeros(b, align - mis);
}

/* Vectors and strings cannot be nested inside a table under construction. */
static bool outside_table(fbb_t *b)
{
    if (b->in_table) b->failed = true;
    return !b->failed;
}

static fbb_ref_t end_vector(fbb_t *b, size_t n)
{
    push_le(b, (uint32_t)n, 4); /* already 4-aligned: elements were aligned to >= 4 */
    return b->failed ? 0 : (fbb_ref_t)b->len;
}

fbb_ref_t fbb_string(fbb_t *b, const char *s, size_t n)
{
    if (!outside_table(b)) return 0;
    align_for(b, n + 1, 4);
    push_zeros(b, 1);
    push(b, s, n);
    return end_vector(b, n);
}

/* Elements of `esz` bytes, value i produced by get(v, i); written last to first. */
static fbb_ref_t vec_scalars(fbb_t *b, const void *v, size_t n, size_t esz,
                             uint64_t (*get)(const void *, size_t))
{
    if (!outside_table(b)) return 0;
    if (n > FBB_MAX_SIZE / esz) {
        b->failed = true;
        return 0;
    }
    align_for(b, n * esz, esz < 4 ? 4 : esz);
    for (size_t i = n; i-- > 0 && !b->failed;) push_le(b, get(v, i), esz);
    return end_vector(b, n);
}

static uint64_t get_i32(const void *v, size_t i)
{
    return (uint32_t)((const int32_t *)v)[i];
}
static uint64_t get_i64(const void *v, size_t i)
{
    return (uint64_t)((const int64_t *)v)[i];
}
static uint64_t get_f32(const void *v, size_t i)
{
    uint32_t bits;
    memcpy(&bits, (const float *)v + i, 4);
    return bits;
}

fbb_ref_t fbb_vec_i32(fbb_t *b, const int32_t *v, size_t n)
{
    return vec_scalars(b, v, n, 4, get_i32);
}
fbb_ref_t fbb_vec_i64(fbb_t *b, const int64_t *v, size_t n)
{
    return vec_scalars(b, v, n, 8, get_i64);
}
fbb_ref_t fbb_vec_f32(fbb_t *b, const float *v, size_t n)
{
    return vec_scalars(b, v, n, 4, get_f32);
}

fbb_ref_t fbb_vec_bytes(fbb_t *b, const uint8_t *v, size_t n, size_t align)
{
    if (!outside_table(b)) return 0;
    if (align < 4 || (align & (align - 1))) align = 4;
    align_for(b, n, align);
    push(b, v, n);
    return end_vector(b, n);
}

/* A uoffset stored at the next 4 bytes, pointing at `ref`. */
static void push_uoffset(fbb_t *b, fbb_ref_t ref)
{
    align_for(b, 4, 4);
    if (ref == 0 || ref > b->len) { /* not an object written before this point */
        b->failed = true;
        return;
    }
    push_le(b, (uint32_t)(b->len + 4 - ref), 4);
}

fbb_ref_t fbb_vec_refs(fbb_t *b, const fbb_ref_t *refs, size_t n)
{
    if (!outside_table(b)) return 0;
    if (n > FBB_MAX_SIZE / 4) {
        b->failed = true;
        return 0;
    }
    align_for(b, 4 * n, 4);
    for (size_t i = n; i-- > 0 && !b->failed;) push_uoffset(b, refs[i]);
    return end_vector(b, n);
}

void fbb_table_start(fbb_t *b)
{
    if (!outside_table(b)) return;
    b->in_table = true;
    b->table_start = b->len;
    memset(b->field_at, 0, sizeof b->field_at);
    b->n_fields = 0;
}

static bool field_ok(fbb_t *b, int field)
{
    if (!b->in_table || field < 0 || field >= FBB_MAX_FIELDS || b->field_at[field]) b->failed = true;
    return !b->failed;
}

static void add_scalar(fbb_t *b, int field, uint64_t v, size_t size)
{
    if (!field_ok(b, field)) return;
    align_for(b, size, size);
    push_le(b, v, size);
    if (b->failed) return;
    b->field_at[field] = (uint32_t)b->len;
    if (field + 1 > b->n_fields) b->n_fields = field + 1;
}

void fbb_add_u8(fbb_t *b, int field, uint8_t v, uint8_t def)
{
    if (v != def) add_scalar(b, field, v, 1);
}

void fbb_add_i32(fbb_t *b, int field, int32_t v, int32_t def)
{
    if (v != def) add_scalar(b, field, (uint32_t)v, 4);
}

void fbb_add_u32(fbb_t *b, int field, uint32_t v, uint32_t def)
{
    if (v != def) add_scalar(b, field, v, 4);
}

void fbb_add_f32(fbb_t *b, int field, float v, float def)
{
    /* Compare bit patterns: -0.0 is not the default 0.0, and NaN is written. */
    uint32_t bv, bd;
    memcpy(&bv, &v, 4);
    memcpy(&bd, &def, 4);
    if (bv != bd) add_scalar(b, field, bv, 4);
}

void fbb_add_ref(fbb_t *b, int field, fbb_ref_t ref)
{
    if (ref == 0 || !field_ok(b, field)) return;
    push_uoffset(b, ref);
    if (b->failed) return;
    b->field_at[field] = (uint32_t)b->len;
    if (field + 1 > b->n_fields) b->n_fields = field + 1;
}

fbb_ref_t fbb_table_end(fbb_t *b)
{
    if (!b->in_table) b->failed = true;
    b->in_table = false;
    if (b->failed) return 0;
    align_for(b, 4, 4);
    push_zeros(b, 4); /* soffset to the vtable, patched below */
    if (b->failed) return 0;
    const size_t obj = b->len, tsize = obj - b->table_start;
    const size_t vt_bytes = 4 + 2 * (size_t)b->n_fields;
    if (tsize > 0xffff) {
        b->failed = true;
        return 0;
    }
    uint8_t vt[4 + 2 * FBB_MAX_FIELDS];
    uint16_t ent[2 + FBB_MAX_FIELDS];
    ent[0] = (uint16_t)vt_bytes;
    ent[1] = (uint16_t)tsize;
    for (int i = 0; i < b->n_fields; i++) ent[2 + i] = b->field_at[i] ? (uint16_t)(obj - b->field_at[i]) : 0;
    for (size_t i = 0; i < vt_bytes / 2; i++) {
        vt[2 * i] = (uint8_t)ent[i];
        vt[2 * i + 1] = (uint8_t)(ent[i] >> 8);
    }
    /* Share an identical vtable written before (it lies after this table, so
     * the soffset is negative, which the format allows). */
    size_t vt_at = 0;
    for (size_t i = 0; i < b->n_vtables && !vt_at; i++) {
        const uint8_t *p = b->buf + b->cap - b->vtables[i];
        if (p[0] == vt[0] && p[1] == vt[1] && memcmp(p, vt, vt_bytes) == 0) vt_at = b->vtables[i];
    }
    if (!vt_at) {
        push(b, vt, vt_bytes); /* len is 4-aligned and vt_bytes even: stays 2-aligned */
        if (b->failed) return 0;
        vt_at = b->len;
        if (b->n_vtables == b->cap_vtables) {
            size_t cap = b->cap_vtables ? 2 * b->cap_vtables : 16;
            uint32_t *nv = realloc(b->vtables, cap * sizeof *nv);
            if (!nv) {
                b->failed = true;
                return 0;
            }
            b->vtables = nv;
            b->cap_vtables = cap;
        }
        b->vtables[b->n_vtables++] = (uint32_t)vt_at;
    }
    /* vtable = table - soffset, so soffset = table address - vtable address. */
    const int64_t soff = (int64_t)vt_at - (int64_t)obj;
    const uint32_t u = (uint32_t)(int32_t)soff;
    uint8_t *p = b->buf + b->cap - obj;
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(u >> (8 * i));
    return (fbb_ref_t)obj;
}

void fbb_finish(fbb_t *b, fbb_ref_t root, const char ident[4])
{
    if (!outside_table(b)) return;
    /* Pad the whole buffer to the largest alignment used (16 at least, for
     * TFLite's tensor data), counting the root offset and identifier. */
    if (b->minalign < 16) b->minalign = 16;
    align_for(b, 8, b->minalign);
    push(b, ident, 4);
    push_uoffset(b, root);
}

const uint8_t *fbb_data(const fbb_t *b, size_t *len)
{
    *len = b->failed ? 0 : b->len;
    return b->failed || !b->buf ? NULL : b->buf + b->cap - b->len;
}
