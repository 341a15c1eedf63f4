/* make_corpus: derives the committed bad-input corpus (tests/corpus/) from two
 * small shared models by targeted byte surgery.
 *
 * Regenerate (from the repo root; a dev tool, not run by the test suite):
 *
 *   cc -std=c11 -Isrc -Iinclude tests/make_corpus.c src/tflite/flatbuf.c -o /tmp/make_corpus
 *   find tests/corpus -name '*.tflite' -delete
 *   /tmp/make_corpus ../shared/models tests/corpus

 *
 * It writes tests/corpus/NAME.tflite and tests/corpus/expected.tsv (file name,
 * then a substring the load error must contain; tests/test_corpus.c checks
 * both). Positions are found with the bounds-checked reader of
 * src/tflite/flatbuf.h, never hard-coded, so the surgery stays right if the
 * seed models are re-exported. Each mutant breaks one thing; the expected
 * substring names that thing, so a test passes only if the message points
 * at the actual problem.
 *
 * Wire facts used (see flatbuf.h): references are uoffsets relative to where
 * they are stored, so moving a reference means re-relativizing it; a table's
 * vtable may be shared with other tables of the same layout, so editing a
 * vtable affects them all (harmless here: it still breaks the thing named). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite/flatbuf.h"
#include "tflite/schema.h"

typedef struct {
    uint8_t *b;
    size_t n;
} blob_t;

/* A decoded view of a model's top-level structure. */
typedef struct {
    fb_buf_t fb;
    fb_table_t model, sg;
    fb_vec_t codes, subgraphs, tensors, ops, bufs;
} view_t;

static const char *g_out_dir;
static FILE *g_tsv;
static size_t g_total_bytes;
static int g_count;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "make_corpus: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static blob_t load(const char *dir, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s", path);
    blob_t b = {NULL, 0};
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n <= 0) die("empty %s", path);
    b.n = (size_t)n;
    b.b = malloc(b.n);
    if (!b.b || fread(b.b, 1, b.n, f) != b.n) die("cannot read %s", path);
    fclose(f);
    return b;
}

static blob_t copy(const blob_t *src)
{
    blob_t b = {malloc(src->n), src->n};
    if (!b.b) die("out of memory");
    memcpy(b.b, src->b, src->n);
    return b;
}

/* Write NAME.tflite (first n bytes of b) and its expected.tsv line. */
static void emit(const char *name, const uint8_t *b, size_t n, const char *expect)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.tflite", g_out_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(b, 1, n, f) != n) || fclose(f) != 0) die("cannot write %s", path);
    fprintf(g_tsv, "%s.tflite\t%s\n", name, expect);
    g_total_bytes += n;
    g_count++;
}

static void emit_free(const char *name, blob_t *b, const char *expect)
{
    emit(name, b->b, b->n, expect);
    free(b->b);
    b->b = NULL;
}

static void put16(blob_t *b, size_t pos, uint16_t v)
{
    if (pos + 2 > b->n) die("put16 at %zu out of range", pos);
    b->b[pos] = (uint8_t)v;
    b->b[pos + 1] = (uint8_t)(v >> 8);
}

static void put32(blob_t *b, size_t pos, uint32_t v)
{
    if (pos + 4 > b->n) die("put32 at %zu out of range", pos);
    for (int i = 0; i < 4; i++) b->b[pos + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const blob_t *b, size_t pos)
{
    return fb_le32(b->b + pos);
}

static void must(int st, const char *what)
{
    if (st != FB_OK) die("seed model: cannot read %s", what);
}

/* Scalars may be absent (the default is then stored in *out). */
static void must_read(int st, const char *what)
{
    if (st == FB_BAD) die("seed model: cannot read %s", what);
}

static void decode(const blob_t *b, view_t *v)
{
    memset(v, 0, sizeof *v);
    v->fb.buf = b->b;
    v->fb.len = b->n;
    must(fb_root(&v->fb, &v->model), "Model");
    must(fb_vector(&v->model, TFL_MODEL_OPERATOR_CODES, 4, &v->codes), "operator_codes");
    must(fb_vector(&v->model, TFL_MODEL_SUBGRAPHS, 4, &v->subgraphs), "subgraphs");
    must(fb_vector(&v->model, TFL_MODEL_BUFFERS, 4, &v->bufs), "buffers");
    must(fb_vec_table(&v->subgraphs, 0, &v->sg), "subgraph 0");
    must(fb_vector(&v->sg, TFL_SUBGRAPH_TENSORS, 4, &v->tensors), "tensors");
    must(fb_vector(&v->sg, TFL_SUBGRAPH_OPERATORS, 4, &v->ops), "operators");
}

/* Position of the vtable slot of a field. */
static size_t vt_slot(const fb_table_t *t, int field)
{
    size_t e = t->vt + 4 + 2 * (size_t)field;
    if (4 + 2 * (size_t)field + 2 > t->vt_len) die("field %d not in vtable", field);
    return e;
}

/* Absolute position of a stored field; dies if the seed omits it. */
static size_t field_at(const fb_table_t *t, int field)
{
    uint16_t off = fb_le16(t->fb->buf + vt_slot(t, field));
    if (!off) die("field %d absent in seed", field);
    return t->pos + off;
}

static int field_present(const fb_table_t *t, int field)
{
    size_t e = 4 + 2 * (size_t)field;
    return e + 2 <= t->vt_len && fb_le16(t->fb->buf + t->vt + e) != 0;
}

static fb_table_t tensor(const view_t *v, int i)
{
    fb_table_t t;
    must(fb_vec_table(&v->tensors, (uint32_t)i, &t), "tensor");
    return t;
}

static fb_table_t op(const view_t *v, int i)
{
    fb_table_t t;
    must(fb_vec_table(&v->ops, (uint32_t)i, &t), "operator");
    return t;
}

/* Tensor index of input/output k of op i. */
static int op_tensor(const view_t *v, int i, int field, int k)
{
    fb_table_t o = op(v, i);
    fb_vec_t io;
    must(fb_vector(&o, field, 4, &io), "operator io");
    return fb_vec_i32(&io, (uint32_t)k);
}

/* Position of element k of an operator's inputs/outputs vector. */
static size_t op_io_at(const view_t *v, int i, int field, int k)
{
    fb_table_t o = op(v, i);
    fb_vec_t io;
    must(fb_vector(&o, field, 4, &io), "operator io");
    if ((uint32_t)k >= io.n) die("op %d has no io %d", i, k);
    return io.pos + 4 * (size_t)k;
}

/* Position of the first element of a tensor's shape vector, and its rank. */
static size_t shape_at(const view_t *v, int t, uint32_t *rank)
{
    fb_table_t tt = tensor(v, t);
    fb_vec_t s;
    must(fb_vector(&tt, TFL_TENSOR_SHAPE, 4, &s), "shape");
    *rank = s.n;
    return s.pos;
}

/* Position of the length word of a tensor's constant data vector. */
static size_t data_len_at(const view_t *v, int t, uint32_t *len)
{
    fb_table_t tt = tensor(v, t), b;
    uint32_t buffer;
    must_read(fb_u32(&tt, TFL_TENSOR_BUFFER, 0, &buffer), "tensor buffer");
    must(fb_vec_table(&v->bufs, buffer, &b), "buffer");
    fb_vec_t data;
    must(fb_vector(&b, TFL_BUFFER_DATA, 1, &data), "buffer data");
    if (data.n == 0) die("tensor %d has no data", t);
    *len = data.n;
    return data.pos - 4;
}

/* Swap elements i and j of a vector of references: each uoffset is relative
 * to its own slot, so the targets are recomputed, not the bytes copied. */
static void swap_refs(blob_t *b, const fb_vec_t *vec, uint32_t i, uint32_t j)
{
    size_t pi = vec->pos + 4 * (size_t)i, pj = vec->pos + 4 * (size_t)j;
    size_t ti = pi + get32(b, pi), tj = pj + get32(b, pj);
    put32(b, pi, (uint32_t)(tj - pi));
    put32(b, pj, (uint32_t)(ti - pj));
}

/* ---- corpus from tflm_hello_world_int8 (3 FULLY_CONNECTED ops) ---- */

static void hello_world(const blob_t *seed)
{
    view_t v;
    decode(seed, &v);
    const int in_t = op_tensor(&v, 0, TFL_OP_INPUTS, 0);   /* graph input, 1x1 */
    const int w1_t = op_tensor(&v, 1, TFL_OP_INPUTS, 1);   /* 16x16 weights */
    const int act_t = op_tensor(&v, 0, TFL_OP_OUTPUTS, 0); /* 1x16 activation */
    char name[64];
    blob_t b;

    /* Truncations: inside the header, the root table, vtables, vectors and
     * constant data, and just short of the end. */
    uint32_t w1_len;
    const size_t w1_data = data_len_at(&v, w1_t, &w1_len) + 4;
    const size_t cuts[] = {0,
                           3,
                           7,
                           9,
                           v.model.vt + 2,
                           v.model.pos + 2,
                           v.model.pos + v.model.tab_len - 1,
                           v.sg.vt + 5,
                           v.sg.pos + 6,
                           v.tensors.pos - 2,
                           v.tensors.pos + 4 * (v.tensors.n / 2) + 1,
                           v.ops.pos + 3,
                           v.codes.pos + 1,
                           v.bufs.pos + 4 * (v.bufs.n - 1),
                           w1_data + 1,
                           w1_data + w1_len / 2,
                           w1_data + w1_len - 1,
                           seed->n / 2,
                           seed->n - 16,
                           seed->n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        if (cuts[i] >= seed->n) die("cut %zu beyond file", cuts[i]);
        snprintf(name, sizeof name, "hw_trunc_%04zu", cuts[i]);
        emit(name, seed->b, cuts[i], cuts[i] < 8 ? "file too short" : "corrupt flatbuffer");
    }

    /* Header. */
    b = copy(seed);
    memcpy(b.b + 4, "TFL2", 4);
    emit_free("hw_bad_identifier", &b, "not a TFLite model");
    b = copy(seed);
    put32(&b, field_at(&v.model, TFL_MODEL_VERSION), 2);
    emit_free("hw_schema_version_2", &b, "schema version 2");

    /* Offsets out of bounds or pointing at themselves. */
    b = copy(seed);
    put32(&b, 0, (uint32_t)seed->n + 64);
    emit_free("hw_root_out_of_bounds", &b, "corrupt flatbuffer at Model");
    b = copy(seed);
    put32(&b, 0, 0);
    emit_free("hw_root_self", &b, "corrupt flatbuffer at Model");
    b = copy(seed);
    put32(&b, v.model.pos, (uint32_t) - (int32_t)(seed->n + 16)); /* vtable beyond the end */
    emit_free("hw_model_vtable_out_of_bounds", &b, "corrupt flatbuffer at Model");
    b = copy(seed);
    put32(&b, v.model.pos, 0x7fffff00u); /* vtable before the start */
    emit_free("hw_model_vtable_negative", &b, "corrupt flatbuffer at Model");
    b = copy(seed);
    put32(&b, field_at(&v.model, TFL_MODEL_SUBGRAPHS), 0x7ffffff0u);
    emit_free("hw_subgraphs_offset_huge", &b, "corrupt flatbuffer at Model.subgraphs");
    b = copy(seed);
    put32(&b, v.tensors.pos + 4 * 2, 0); /* tensor 2's table is its own slot */
    emit_free("hw_tensor_offset_self", &b, "SubGraph.tensors[2]");
    b = copy(seed);
    put32(&b, v.tensors.pos + 4 * 3, 0xfffffff0u);
    emit_free("hw_tensor_offset_huge", &b, "SubGraph.tensors[3]");
    b = copy(seed);
    put32(&b, v.ops.pos - 4, 0x40000000u); /* operators count: 4 GiB of offsets */
    emit_free("hw_operators_count_huge", &b, "corrupt flatbuffer at SubGraph.operators");
    /* Found by the fuzzer: this error path in the reader leaked the buffer table. */
    b = copy(seed);
    put32(&b, field_at(&v.sg, TFL_SUBGRAPH_TENSORS), 0x7ffffff0u);
    emit_free("hw_tensors_offset_huge", &b, "corrupt flatbuffer at SubGraph.tensors");
    b = copy(seed);
    {
        fb_table_t tt = tensor(&v, act_t);
        put32(&b, field_at(&tt, TFL_TENSOR_NAME) + get32(seed, field_at(&tt, TFL_TENSOR_NAME)), 0xffffff00u);
    }
    emit_free("hw_tensor_name_length_huge", &b, "corrupt flatbuffer at Tensor.name");
    b = copy(seed);
    put32(&b, data_len_at(&v, w1_t, &w1_len), 0x7fffffffu);
    emit_free("hw_buffer_length_huge", &b, "corrupt flatbuffer at Buffer.data");

    /* Vtables. */
    b = copy(seed);
    put16(&b, v.model.vt, (uint16_t)(v.model.vt_len | 1));
    emit_free("hw_vtable_odd_size", &b, "corrupt flatbuffer at Model");
    b = copy(seed);
    put16(&b, v.model.vt, 2);
    emit_free("hw_vtable_too_small", &b, "corrupt flatbuffer at Model");
    b = copy(seed);
    put16(&b, vt_slot(&v.model, TFL_MODEL_BUFFERS), v.model.tab_len);
    emit_free("hw_field_beyond_table", &b, "corrupt flatbuffer at Model.buffers");

    /* Shapes. */
    uint32_t rank;
    size_t shp = shape_at(&v, in_t, &rank);
    b = copy(seed);
    put32(&b, shp + 4 * (rank - 1), 0);
    /* A zero dimension is refused as such, naming the tensor and its shape. */
    emit_free("hw_dim_zero", &b, "has shape 1x0: empty tensors are not supported");
    b = copy(seed);
    put32(&b, shp + 4 * (rank - 1), (uint32_t)-1);
    emit_free("hw_dim_negative", &b, "dimension 1 is -1");
    /* The last FULLY_CONNECTED's 1x1 output declared a scalar: the value
     * count still matches, but it has no last dimension to hold the units. */
    uint32_t out_rank;
    const size_t out_shp = shape_at(&v, op_tensor(&v, 2, TFL_OP_OUTPUTS, 0), &out_rank);
    b = copy(seed);
    put32(&b, out_shp - 4, 0);
    emit_free("hw_fc_output_scalar", &b, "last dimension is not 1");
    b = copy(seed);
    put32(&b, shp + 4 * (rank - 1), 0x7fffffffu);
    emit_free("hw_dim_huge", &b, "of shape 1x2147483647 would need 2.147e+09 bytes");
    b = copy(seed);
    put32(&b, shp - 4, 7); /* rank 7: the count now spans the next bytes */
    emit_free("hw_rank_7", &b, "rank 7 exceeds");

    /* Constant data. */
    b = copy(seed);
    put32(&b, data_len_at(&v, w1_t, &w1_len), w1_len - 56);
    snprintf(name, sizeof name, "has %u bytes of data but its shape needs %u", w1_len - 56, w1_len);
    emit_free("hw_buffer_short", &b, name);
    b = copy(seed);
    {
        fb_table_t tt = tensor(&v, w1_t);
        put32(&b, field_at(&tt, TFL_TENSOR_BUFFER), 1000);
    }
    emit_free("hw_buffer_index_out_of_range", &b, "buffer index 1000 out of range");

    /* Tensor metadata. */
    b = copy(seed);
    {
        fb_table_t tt = tensor(&v, in_t);
        put16(&b, vt_slot(&tt, TFL_TENSOR_QUANTIZATION), 0);
    }
    emit_free("hw_missing_quantization", &b, "no quantization parameters");
    b = copy(seed);
    {
        fb_table_t tt = tensor(&v, act_t);
        b.b[field_at(&tt, TFL_TENSOR_TYPE)] = 200;
    }
    emit_free("hw_tensor_type_unknown", &b, "element type 200 not supported");

    /* Graph structure. */
    b = copy(seed);
    swap_refs(&b, &v.ops, 0, 1);
    snprintf(name, sizeof name, "reads tensor %d", act_t);
    emit_free("hw_read_before_write", &b, name);
    b = copy(seed);
    put32(&b, op_io_at(&v, 1, TFL_OP_OUTPUTS, 0), (uint32_t)act_t); /* op 1 rewrites op 0's output */
    emit_free("hw_tensor_written_twice", &b, "already has a value");
    b = copy(seed);
    put32(&b, op_io_at(&v, 0, TFL_OP_INPUTS, 0), (uint32_t)-5);
    emit_free("hw_op_input_negative", &b, "refers to tensor -5");
    b = copy(seed);
    put32(&b, op_io_at(&v, 0, TFL_OP_INPUTS, 0), 1000000);
    emit_free("hw_op_input_huge", &b, "refers to tensor 1000000");
    b = copy(seed);
    put32(&b, v.subgraphs.pos - 4, 2);
    emit_free("hw_two_subgraphs", &b, "2 subgraphs");

    /* Operators. */
    {
        fb_table_t oc;
        must(fb_vec_table(&v.codes, 0, &oc), "opcode 0");
        b = copy(seed);
        if (field_present(&oc, TFL_OPCODE_DEPRECATED_BUILTIN_CODE))
            b.b[field_at(&oc, TFL_OPCODE_DEPRECATED_BUILTIN_CODE)] = 15; /* LSH_PROJECTION (TANH runs now) */
        if (field_present(&oc, TFL_OPCODE_BUILTIN_CODE))
            put32(&b, field_at(&oc, TFL_OPCODE_BUILTIN_CODE), 15);
        emit_free("hw_unsupported_op_lsh_projection", &b, "LSH_PROJECTION: operator not supported");
        b = copy(seed);
        if (field_present(&oc, TFL_OPCODE_DEPRECATED_BUILTIN_CODE))
            b.b[field_at(&oc, TFL_OPCODE_DEPRECATED_BUILTIN_CODE)] = TFL_OP_CUSTOM;
        if (field_present(&oc, TFL_OPCODE_BUILTIN_CODE))
            put32(&b, field_at(&oc, TFL_OPCODE_BUILTIN_CODE), TFL_OP_CUSTOM);
        emit_free("hw_custom_op", &b, "custom ops are not supported");
        b = copy(seed);
        if (field_present(&oc, TFL_OPCODE_DEPRECATED_BUILTIN_CODE))
            b.b[field_at(&oc, TFL_OPCODE_DEPRECATED_BUILTIN_CODE)] = 127;
        if (field_present(&oc, TFL_OPCODE_BUILTIN_CODE))
            put32(&b, field_at(&oc, TFL_OPCODE_BUILTIN_CODE), 1000);
        emit_free("hw_unknown_builtin", &b, "not supported");
    }
    {
        fb_table_t o = op(&v, 1);
        b = copy(seed);
        b.b[field_at(&o, TFL_OP_BUILTIN_OPTIONS_TYPE)] = TFL_OPT_CONV2D;
        emit_free("hw_options_type_mismatch", &b, "builtin options of type 1, expected 8");
    }
}

/* ---- corpus from tflm_micro_speech_quantized (RESHAPE, DEPTHWISE_CONV_2D,
 *      FULLY_CONNECTED, SOFTMAX) ---- */

static void micro_speech(const blob_t *seed)
{
    view_t v;
    decode(seed, &v);
    char name[64];
    blob_t b;

    /* A few truncations of a bigger model (more and larger constant data). */
    const size_t cuts[] = {8, seed->n / 4, seed->n / 2, seed->n - 100};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        snprintf(name, sizeof name, "ms_trunc_%05zu", cuts[i]);
        emit(name, seed->b, cuts[i], "corrupt flatbuffer");
    }

    /* Find the depthwise op and an op whose opcode_index is stored (not default 0). */
    int dw = -1, indexed = -1;
    for (uint32_t i = 0; i < v.ops.n; i++) {
        fb_table_t o = op(&v, (int)i), oc;
        uint32_t ci = 0;
        must_read(fb_u32(&o, TFL_OP_OPCODE_INDEX, 0, &ci), "opcode_index");
        if (field_present(&o, TFL_OP_OPCODE_INDEX) && indexed < 0) indexed = (int)i;
        must(fb_vec_table(&v.codes, ci, &oc), "opcode");
        uint8_t dep = 0;
        int32_t code = 0;
        must_read(fb_u8(&oc, TFL_OPCODE_DEPRECATED_BUILTIN_CODE, 0, &dep), "code");
        must_read(fb_i32(&oc, TFL_OPCODE_BUILTIN_CODE, 0, &code), "code");
        if (dep == TFL_OP_DEPTHWISE_CONV_2D || code == TFL_OP_DEPTHWISE_CONV_2D) dw = (int)i;
    }
    if (dw < 0 || indexed < 0) die("micro_speech: expected a depthwise op and a stored opcode_index");

    b = copy(seed);
    {
        fb_table_t o = op(&v, indexed);
        put32(&b, field_at(&o, TFL_OP_OPCODE_INDEX), v.codes.n + 3);
    }
    snprintf(name, sizeof name, "opcode index %u out of range", v.codes.n + 3);
    emit_free("ms_opcode_index_out_of_range", &b, name);

    /* Rank-4 activation with every dimension huge: the element count
     * overflows 64 bits unless it is computed with care. */
    const int dw_out = op_tensor(&v, dw, TFL_OP_OUTPUTS, 0);
    uint32_t rank;
    size_t shp = shape_at(&v, dw_out, &rank);
    b = copy(seed);
    for (uint32_t i = 0; i < rank; i++) put32(&b, shp + 4 * i, 0x7fffffffu);
    emit_free("ms_dims_all_huge", &b, "would need");

    /* The product stays under tfg_tensor_elems's 2^40 cap for three
     * dimensions (2^40 - 2^21 + 1), then one of 2^31 - 1 would overflow 64
     * bits if multiplied before the check (found by the fuzzer). */
    if (rank != 4) die("seed model: the depthwise output has rank %u, not 4", rank);
    b = copy(seed);
    put32(&b, shp + 0, 1);
    put32(&b, shp + 4, 1048575);
    put32(&b, shp + 8, 1048575);
    put32(&b, shp + 12, 0x7fffffffu);
    emit_free("ms_dims_overflow_late", &b, "would need");

    /* Depthwise weights: shape no longer matches the data. */
    const int dw_w = op_tensor(&v, dw, TFL_OP_INPUTS, 1);
    shp = shape_at(&v, dw_w, &rank);
    b = copy(seed);
    put32(&b, shp + 4 * 1, get32(seed, shp + 4 * 1) + 1);
    emit_free("ms_weights_shape_vs_data", &b, "bytes of data but its shape needs");

    /* Depthwise options: stride 0 and an unsupported fused activation. */
    {
        fb_table_t o = op(&v, dw), opt;
        must(fb_table(&o, TFL_OP_BUILTIN_OPTIONS, &opt), "dw options");
        b = copy(seed);
        put32(&b, field_at(&opt, TFL_CONV_STRIDE_W), 0);
        emit_free("ms_dw_stride_zero", &b, "stride 0");
        b = copy(seed);
        if (field_present(&opt, TFL_DWCONV_FUSED_ACT)) {
            b.b[field_at(&opt, TFL_DWCONV_FUSED_ACT)] = 4; /* RELU_N1_TO_1 = 2, RELU6 = 3, TANH = 4 */
            emit_free("ms_dw_fused_tanh", &b, "fused activation 4 not supported");
        } else {
            free(b.b);
        }
    }

    /* Quantization values: zero scale on the depthwise output, non-zero
     * weight zero point. */
    {
        fb_table_t tt = tensor(&v, dw_out), q;
        fb_vec_t scale;
        must(fb_table(&tt, TFL_TENSOR_QUANTIZATION, &q), "quant");
        must(fb_vector(&q, TFL_QUANT_SCALE, 4, &scale), "scale");
        b = copy(seed);
        put32(&b, scale.pos, 0);
        emit_free("ms_scale_zero", &b, "has scale 0");
        fb_table_t wt = tensor(&v, dw_w), wq;
        fb_vec_t zp;
        must(fb_table(&wt, TFL_TENSOR_QUANTIZATION, &wq), "wquant");
        must(fb_vector(&wq, TFL_QUANT_ZERO_POINT, 8, &zp), "zp");
        b = copy(seed);
        put32(&b, zp.pos, 3);
        emit_free("ms_weights_zero_point", &b, "zero point 3 (int8 weights must be symmetric)");
    }

    /* Declared output shape disagrees with what the depthwise computes. */
    shp = shape_at(&v, dw_out, &rank);
    b = copy(seed);
    put32(&b, shp + 4 * 1, get32(seed, shp + 4 * 1) + 1);
    emit_free("ms_output_shape_mismatch", &b, "but the op computes");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: make_corpus SHARED_MODELS_DIR OUT_DIR\n");
        return 2;
    }
    g_out_dir = argv[2];
    char path[1024];
    snprintf(path, sizeof path, "%s/expected.tsv", g_out_dir);
    g_tsv = fopen(path, "w");
    if (!g_tsv) die("cannot write %s", path);
    fprintf(g_tsv, "# file\tsubstring the load error must contain (generated by tests/make_corpus.c)\n");

    blob_t hw = load(argv[1], "tflm_hello_world_int8.tflite");
    blob_t ms = load(argv[1], "tflm_micro_speech_quantized.tflite");
    hello_world(&hw);
    micro_speech(&ms);
    free(hw.b);
    free(ms.b);
    if (fclose(g_tsv) != 0) die("cannot write %s", path);
    printf("make_corpus: %d files, %zu bytes in %s\n", g_count, g_total_bytes, g_out_dir);
    return 0;
}
