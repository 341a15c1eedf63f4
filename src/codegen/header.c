/* NAME.h: arena size and alignment, constant bytes, I/O geometry and
 * quantization, the zero-copy and copying entry points, C++ guards. */
#include <string.h>

#include "codegen/codegen_internal.h"

tfg_status_t tfg_cg_write_header(const tfg_model_t *m, const char *dir, const tfg_codegen_opts_t *co,
                                 tfg_diag_t *d)
{
    char path[4096];
    out_t o;
    tfg_status_t st = tfg_cg_open_out(m, co, dir, ".h", &o, path, sizeof path, d);
    if (st < 0) return st;
    const tfg_graph_t *g = &m->graph;
    const char *n = co->name, *N = o.N;
    tfg_cg_front_matter(&o, co);
    const bool streamed = o.sp && o.sp->streamed;
    tfg_cg_put(&o,
               " *\n * Integration (docs/codegen.md). The caller owns one arena of %s_ARENA_SIZE bytes,\n"
               " * aligned to %s_ARENA_ALIGN; it need not survive between inferences. Either\n",
               N, N);
    if (streamed)
        tfg_cg_put(&o,
                   " *  - zero copy: keep the input image in your own buffer (it is read in place, tile\n"
                   " *    by tile), call %s_invoke_streamed(image, arena), and read each output at\n"
                   " *    %s_output_ptr(arena, i); or\n",
                   n, n);
    else
        tfg_cg_put(&o,
                   " *  - zero copy: write each input where %s_input_ptr(arena, i) points (a camera's\n"
                   " *    DMA can target it), call %s_invoke(arena), and read each output at\n"
                   " *    %s_output_ptr(arena, i); or\n",
                   n, n, n);
    tfg_cg_put(&o,
               " *  - %s_run(input, output, arena), which copies the input in and the output out.\n"
               " * Opt-in pieces (define the macro to 1 where %s.c is compiled and where this header\n"
               " * is included): %s_WITH_STATIC_ARENA, an arena in .bss and %s_run_static();\n"
               " * %s_WITH_LAYER_NAMES, a table of layer names and %s_layer_name().\n"
               " * Layers are numbered by step (L0, L1, ..., the hook's `layer`, `tinyforge plan`'s\n"
               " * step); each also has its op index in the model (`tinyforge info`'s op column). */\n",
               n, n, N, n, N, n);
    tfg_cg_put(&o,
               "#ifndef %s_H\n#define %s_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n#include "
               "\"tinyforge/status.h\"\n\n",
               N, N);
    if (o.det) tfg_cg_put(&o, "#include \"tinyforge/yolo.h\"\n\n");
    tfg_cg_put(&o, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    tfg_cg_put(&o, "#ifndef %s_WITH_STATIC_ARENA\n#define %s_WITH_STATIC_ARENA 0\n#endif\n", N, N);
    tfg_cg_put(&o, "#ifndef %s_WITH_LAYER_NAMES\n#define %s_WITH_LAYER_NAMES 0\n#endif\n\n", N, N);
    tfg_cg_put(&o,
               "/* Working memory: activations, I/O buffers and kernel scratch. */\n"
               "#define %s_ARENA_SIZE %zuu\n"
               "/* The arena's start must be a multiple of this (int32 scratch and word loads). */\n"
               "#define %s_ARENA_ALIGN 4u\n",
               N, o.arena, N);
    tfg_cg_put(&o,
               "/* Constant arrays in flash: weights, biases, requantization, index tables\n"
               " * (the parameter structs, a few dozen bytes a layer, come on top). */\n"
               "#define %s_CONSTANT_BYTES %lldu\n",
               N, (long long)tfg_cg_constant_bytes(&o));
    tfg_cg_put(&o, "/* Stack: not known when compiling (it depends on the compiler and its flags);\n"
                   " * `tinyforge bench` measures it on a target (stack_high_water). */\n\n");
    tfg_cg_put(&o, "#define %s_LAYERS %d\n#define %s_INPUTS %d\n#define %s_OUTPUTS %d\n\n", N,
               m->prog.n_steps, N, g->n_inputs, N, g->n_outputs);
    if (o.sp)
        tfg_cg_put(&o,
                   "/* Patch-based schedule: L0..L%d run once per tile of a %dx%d grid over L%d (op %d)'s\n"
                   " * output, the rest layer by layer.%s */\n\n",
                   o.sp->cost.split, o.sp->cost.ph, o.sp->cost.pw, o.sp->cost.split,
                   tfg_cg_op_index(&o, o.sp->cost.split),
                   o.sp->streamed ? " The input image is read tile by tile, in place, from the\n"
                                    " * caller's buffer (streamed) and is not part of the arena."
                                  : " The whole input image is in the arena.");
    size_t tin = 0, tout = 0;
    for (int io = 0; io < 2; io++) {
        const int cnt = io ? g->n_outputs : g->n_inputs;
        const char *what = io ? "OUTPUT" : "INPUT";
        for (int i = 0; i < cnt; i++) {
            const tfg_tensor_t *t = &g->tensors[io ? g->outputs[i] : g->inputs[i]];
            char shape[64], sc[32];
            tfg_shape_str(t, shape, sizeof shape);
            tfg_cg_flt(sc, sizeof sc, t->n_q ? t->scale[0] : 1.0f);
            const size_t bytes = (size_t)tfg_tensor_bytes(t);
            tfg_cg_put(&o, "/* %s %d: %s %s '", io ? "output" : "input", i, tfg_dtype_name(t->dtype), shape);
            for (const char *c = t->name; *c; c++)
                tfg_cg_put(&o, (c[0] == '*' && c[1] == '/') ? "?" : "%c", *c);
            tfg_cg_put(&o, "' */\n");
            tfg_cg_put(&o, "#define %s_%s%d_SIZE %zuu\n", N, what, i, bytes);
            if (t->rank == 4 && t->dims[0] == 1)
                tfg_cg_put(
                    &o, "#define %s_%s%d_HEIGHT %d\n#define %s_%s%d_WIDTH %d\n#define %s_%s%d_CHANNELS %d\n",
                    N, what, i, (int)t->dims[1], N, what, i, (int)t->dims[2], N, what, i, (int)t->dims[3]);
            else {
                tfg_cg_put(&o, "#define %s_%s%d_RANK %d\n", N, what, i, t->rank);
                for (int dd = 0; dd < t->rank; dd++)
                    tfg_cg_put(&o, "#define %s_%s%d_DIM%d %d\n", N, what, i, dd, (int)t->dims[dd]);
            }
            tfg_cg_put(&o, "#define %s_%s%d_SCALE %s\n#define %s_%s%d_ZERO_POINT %d\n", N, what, i, sc, N,
                       what, i, t->n_q ? (int)t->zero_point[0] : 0);
            if (!io && tfg_cg_input_streamed(&o, i))
                tfg_cg_put(&o,
                           "#define %s_INPUT%d_STREAMED 1 /* read in place from the caller's buffer, not in "
                           "the arena */\n",
                           N, i);
            else
                tfg_cg_put(&o, "#define %s_%s%d_OFFSET %zuu /* in the arena */\n", N, what, i,
                           io ? tfg_cg_output_offset(&o, i) : tfg_cg_input_offset(&o, i));
            if (io)
                tout += bytes;
            else
                tin += bytes;
        }
    }
    tfg_cg_put(&o,
               "\n/* All inputs (outputs) concatenated in subgraph order, as %s_run() takes them. */\n"
               "#define %s_INPUT_SIZE %zuu\n#define %s_OUTPUT_SIZE %zuu\n\n",
               n, N, tin, N, tout);
    /* Zero-copy pointers: static inline, so nothing links unless called. */
    for (int io = 0; io < 2; io++) {
        const int cnt = io ? g->n_outputs : g->n_inputs;
        const char *what = io ? "OUTPUT" : "INPUT";
        tfg_cg_put(&o,
                   "/* Where %s i lives in the arena (NULL for a bad i%s). */\n"
                   "static inline int8_t *%s_%s_ptr(uint8_t *arena, int i)\n{\n",
                   io ? "output" : "input", !io && o.sp && o.sp->streamed ? ", or the streamed input 0" : "",
                   n, io ? "output" : "input");
        tfg_cg_put(&o, "    (void)i;\n    if (!arena) return (int8_t *)0;\n");
        for (int i = 0; i < cnt; i++)
            if (!(!io && tfg_cg_input_streamed(&o, i)))
                tfg_cg_put(&o, "    if (i == %d) return (int8_t *)(arena + %s_%s%d_OFFSET);\n", i, N, what,
                           i);
        tfg_cg_put(&o, "    return (int8_t *)0;\n}\n\n");
    }
    tfg_cg_put(
        &o,
        "/* Called after every layer (for profiling and tensor dumps): its step number\n"
        " * `layer` (L<layer> in %s.c), its op index in the model, and its output, which is\n"
        " * valid only during the call. */\n"
        "typedef void (*%s_hook_t)(void *ctx, int layer, int op, const int8_t *data, size_t bytes);\n\n",
        n, n);
    if (streamed)
        tfg_cg_put(&o,
                   "/* Zero copy: one inference reading the input image in place from `input`\n"
                   " * (%s_INPUT0_SIZE bytes, read tile by tile), outputs left in the arena at\n"
                   " * %s_output_ptr(). Returns TFG_OK, or TFG_ERR_ARG for a NULL pointer. */\n"
                   "tfg_status_t %s_invoke_streamed(const int8_t *input, uint8_t *arena);\n"
                   "tfg_status_t %s_invoke_streamed_hooked(const int8_t *input, uint8_t *arena, %s_hook_t "
                   "hook, void *ctx);\n\n",
                   N, n, n, n, n);
    else
        tfg_cg_put(&o,
                   "/* Zero copy: one inference on the inputs already at %s_input_ptr(arena, i); the\n"
                   " * outputs are then at %s_output_ptr(arena, i). The inputs are consumed (the\n"
                   " * arena is reused): write them again before the next call. Returns TFG_OK, or\n"
                   " * TFG_ERR_ARG for a NULL arena. */\n"
                   "tfg_status_t %s_invoke(uint8_t *arena);\n"
                   "tfg_status_t %s_invoke_hooked(uint8_t *arena, %s_hook_t hook, void *ctx);\n\n",
                   n, n, n, n, n);
    tfg_cg_put(&o,
               "/* Copying convenience: input, %s_INPUT_SIZE bytes (not inside the arena); output,\n"
               " * %s_OUTPUT_SIZE bytes. Returns TFG_OK, or TFG_ERR_ARG for a NULL pointer. */\n"
               "tfg_status_t %s_run(const int8_t *input, int8_t *output, uint8_t *arena);\n"
               "tfg_status_t %s_run_hooked(const int8_t *input, int8_t *output, uint8_t *arena, %s_hook_t "
               "hook, void *ctx);\n\n",
               N, N, n, n, n);
    if (o.det) tfg_cg_emit_detect_header(&o);
    tfg_cg_put(&o,
               "#if %s_WITH_STATIC_ARENA\n"
               "/* An arena of %s_ARENA_SIZE bytes in .bss, and the copying call on it. */\n"
               "uint8_t *%s_static_arena(void);\n"
               "tfg_status_t %s_run_static(const int8_t *input, int8_t *output);\n#endif\n\n",
               N, N, n, n);
    tfg_cg_put(&o,
               "#if %s_WITH_LAYER_NAMES\n/* Layer `layer`'s name (its output tensor's), or NULL. */\n"
               "const char *%s_layer_name(int layer);\n#endif\n\n",
               N, n);
    tfg_cg_put(&o, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
    return tfg_cg_close_out(&o, path, d);
}
