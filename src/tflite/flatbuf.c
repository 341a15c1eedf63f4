/* Bounds-checked FlatBuffer access; see flatbuf.h for the invariants. */
#include "tflite/flatbuf.h"

#include <string.h>

uint16_t fb_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t fb_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint64_t fb_le64(const uint8_t *p)
{
    return (uint64_t)fb_le32(p) | ((uint64_t)fb_le32(p + 4) << 32);
}

/* Is [pos, pos + n) inside the buffer? Computed without overflow. */
static int in_bounds(const fb_buf_t *fb, uint64_t pos, uint64_t n)
{
    return pos <= fb->len && n <= fb->len - pos;
}

static int open_table(const fb_buf_t *fb, uint64_t pos, fb_table_t *out)
{
    memset(out, 0, sizeof *out);
    if (!in_bounds(fb, pos, 4)) return FB_BAD;
    int64_t vt = (int64_t)pos - (int64_t)(int32_t)fb_le32(fb->buf + pos);
    if (vt < 0 || !in_bounds(fb, (uint64_t)vt, 4)) return FB_BAD;
    uint16_t vt_len = fb_le16(fb->buf + vt), tab_len = fb_le16(fb->buf + vt + 2);
    if (vt_len < 4 || (vt_len & 1) || !in_bounds(fb, (uint64_t)vt, vt_len)) return FB_BAD;
    if (tab_len < 4 || !in_bounds(fb, pos, tab_len)) return FB_BAD;
    out->fb = fb;
    out->pos = (size_t)pos;
    out->vt = (size_t)vt;
    out->vt_len = vt_len;
    out->tab_len = tab_len;
    return FB_OK;
}

int fb_root(const fb_buf_t *fb, fb_table_t *out)
{
    if (!in_bounds(fb, 0, 8)) return FB_BAD;
    return open_table(fb, fb_le32(fb->buf), out);
}

/* Locate a field of `size` bytes; FB_ABSENT if not stored. */
static int field_pos(const fb_table_t *t, int field, size_t size, size_t *pos)
{
    if (!t->fb) return FB_ABSENT;
    size_t entry = 4 + 2 * (size_t)field;
    if (entry + 2 > t->vt_len) return FB_ABSENT;
    uint16_t off = fb_le16(t->fb->buf + t->vt + entry);
    if (off == 0) return FB_ABSENT;
    if ((size_t)off + size > t->tab_len) return FB_BAD;
    *pos = t->pos + off;
    return FB_OK;
}

#define SCALAR_GETTER(name, type, size, decode)                                                              \
    int name(const fb_table_t *t, int field, type def, type *out)                                            \
    {                                                                                                        \
        size_t pos;                                                                                          \
        int st = field_pos(t, field, size, &pos);                                                            \
        *out = def;                                                                                          \
        if (st != FB_OK) return st;                                                                          \
        const uint8_t *p = t->fb->buf + pos;                                                                 \
        decode;                                                                                              \
        return FB_OK;                                                                                        \
    }

SCALAR_GETTER(fb_u8, uint8_t, 1, *out = p[0])
SCALAR_GETTER(fb_i32, int32_t, 4, *out = (int32_t)fb_le32(p))
SCALAR_GETTER(fb_u32, uint32_t, 4, *out = fb_le32(p))
SCALAR_GETTER(fb_u64, uint64_t, 8, *out = fb_le64(p))
SCALAR_GETTER(fb_f32, float, 4, {
    uint32_t bits = fb_le32(p);
    memcpy(out, &bits, 4);
})

/* Follow the uoffset stored in a field. */
static int follow(const fb_table_t *t, int field, uint64_t *target)
{
    size_t pos;
    int st = field_pos(t, field, 4, &pos);
    if (st != FB_OK) return st;
    *target = (uint64_t)pos + fb_le32(t->fb->buf + pos);
    return FB_OK;
}

int fb_table(const fb_table_t *t, int field, fb_table_t *out)
{
    uint64_t target;
    memset(out, 0, sizeof *out);
    int st = follow(t, field, &target);
    if (st != FB_OK) return st;
    return open_table(t->fb, target, out);
}

static int open_vector(const fb_buf_t *fb, uint64_t target, size_t elem_size, fb_vec_t *out)
{
    if (!in_bounds(fb, target, 4)) return FB_BAD;
    uint32_t n = fb_le32(fb->buf + target);
    if (!in_bounds(fb, target + 4, (uint64_t)n * elem_size)) return FB_BAD;
    out->fb = fb;
    out->pos = (size_t)target + 4;
    out->n = n;
    return FB_OK;
}

int fb_vector(const fb_table_t *t, int field, size_t elem_size, fb_vec_t *out)
{
    uint64_t target;
    memset(out, 0, sizeof *out);
    int st = follow(t, field, &target);
    if (st != FB_OK) return st;
    return open_vector(t->fb, target, elem_size, out);
}

int fb_string(const fb_table_t *t, int field, const char **s, uint32_t *len)
{
    fb_vec_t v;
    *s = "";
    *len = 0;
    int st = fb_vector(t, field, 1, &v);
    if (st != FB_OK) return st;
    *s = (const char *)(t->fb->buf + v.pos);
    *len = v.n;
    return FB_OK;
}

int fb_vec_table(const fb_vec_t *v, uint32_t i, fb_table_t *out)
{
    memset(out, 0, sizeof *out);
    if (i >= v->n) return FB_BAD;
    uint64_t at = (uint64_t)v->pos + 4 * (uint64_t)i;
    return open_table(v->fb, at + fb_le32(v->fb->buf + at), out);
}

int32_t fb_vec_i32(const fb_vec_t *v, uint32_t i)
{
    return i < v->n ? (int32_t)fb_le32(v->fb->buf + v->pos + 4 * (size_t)i) : 0;
}

int64_t fb_vec_i64(const fb_vec_t *v, uint32_t i)
{
    return i < v->n ? (int64_t)fb_le64(v->fb->buf + v->pos + 8 * (size_t)i) : 0;
}

float fb_vec_f32(const fb_vec_t *v, uint32_t i)
{
    float f = 0.0f;
    if (i < v->n) {
        uint32_t bits = fb_le32(v->fb->buf + v->pos + 4 * (size_t)i);
        memcpy(&f, &bits, 4);
    }
    return f;
}

uint8_t fb_vec_u8(const fb_vec_t *v, uint32_t i)
{
    return i < v->n ? v->fb->buf[v->pos + i] : 0;
}
