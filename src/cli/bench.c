/* tinyforge bench: generated code on a real core, under QEMU.
 *
 * Generates the model's C, writes a firmware main() that runs model_invoke() (zero copy)
 * once between the instruction-count markers and compares the output with
 * the host executor's bytes (embedded as a constant), cross-builds it
 * against the target's budget linker script, runs it under QEMU with the
 * counting plugin, and reports instructions, flash, SRAM and bit-exactness.
 * The cross build and QEMU run are scripts/bench_mcu_build.sh, found next to
 * this executable's source tree (or through TFG_ROOT). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, readlink, popen */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "codegen/codegen.h"
#include "data/image.h"
#include "detect/frame_prepare.h"
#include "detect/yolo_prepare.h"
#include "sched/latency.h"

static const char BENCH_HELP[] =
    "usage: tinyforge bench MODEL [--target T] [--layers] [--json] [--keep DIR]\n"
    "                       [--schedule S] [--sram LIMIT] [--max-overhead X] [--stream-input]\n"
    "\n"
    "Compiles MODEL to C (int8 I/O), cross-builds it with a firmware that runs one\n"
    "inference between instruction-count markers, runs it under QEMU and reports:\n"
    "instructions per inference (exact, counted by our TCG plugin), MACs per\n"
    "instruction, flash (code and constants) and SRAM (arena, other data, stack\n"
    "high-water) from the ELF, and whether the output bytes equal the host executor's.\n"
    "The link uses the target MCU's real memory sizes: a model that does not fit\n"
    "fails here. Targets: cortex-m0plus, cortex-m3, cortex-m4 (default), cortex-m7,\n"
    "cortex-m33, cortex-m55, riscv32. Needs the cross toolchains and QEMU\n"
    "(scripts/deps-targets.sh). --keep DIR keeps the firmware sources and ELF.\n"
    "--layers also counts every layer on its own (a second, hooked inference whose\n"
    "hook stops and restarts the count) and prints a per-layer table: op, shapes,\n"
    "MACs, instructions, MACs/instruction; in JSON a \"layers\" array.\n"
    "--schedule (layer, auto, PhxPw@OP) benchmarks a patch-based schedule, as compile\n"
    "generates it; the output must still equal the host executor's bytes. With\n"
    "--layers the patch stage then counts as one row. --sram LIMIT also picks the\n"
    "kernels as compile does: the fastest wherever the arena stays within LIMIT.\n"
    "--postprocess yolo benchmarks compile --postprocess yolo's model_detect on one camera\n"
    "frame: --image IMG (PNG, JPEG, PPM; the frame is the image at its own size, packed\n"
    "in --frame's format, so --frame's size, if given, must be the image's) or else a\n"
    "deterministic random frame of --frame's size (default: the input size, rgb888).\n"
    "It counts the whole call and, in a second call, the frame conversion, the network\n"
    "and the post-processing apart (with --stream-input the tiles convert the frame as\n"
    "the network runs: those two are one count); checks the heads and the boxes (floats as bits)\n"
    "against the host's executor, camera input and decoder on the same frame, and\n"
    "prints the boxes. --max-candidates, --score, --iou, --anchors, --classes and\n"
    "--range as in compile.\n";

/* The repository root: TFG_ROOT, else two levels above this executable (build/tinyforge). */
static int find_root(char *root, size_t n)
{
    const char *env = getenv("TFG_ROOT");
    if (env) {
        snprintf(root, n, "%s", env);
        return 0;
    }
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) return -1;
    exe[len] = 0;
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash) return -1;
        *slash = 0;
    }
    snprintf(root, n, "%s", exe);
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/scripts/bench_mcu_build.sh", root);
    return access(probe, X_OK) == 0 ? 0 : -1;
}

static void emit_bytes(FILE *f, const char *name, const uint8_t *v, size_t n)
{
    fprintf(f, "static const int8_t %s[%zu] = {", name, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%d%s", i % 24 ? "" : "\n    ", (int8_t)v[i], i + 1 < n ? "," : "");
    fprintf(f, "%s\n};\n", n ? "" : "0");
}

/* The firmware: one counted inference, then a byte comparison, all zero
 * copy as a camera firmware would run it: the arena is the only SRAM buffer.
 * Before the count the input is written where model_input_ptr() points (the
 * sensor's DMA, here a copy from flash); a streamed schedule reads the
 * image in place from flash instead. The outputs are compared where
 * model_output_ptr() points. With layers, a second inference through the
 * hooked entry whose hook closes one count region per layer: region 1 is the
 * whole inference, region 2 + k layer k. */
static int write_main(const char *path, const tfg_model_t *m, bool streamed, const uint8_t *in, size_t n_in,
                      const uint8_t *want, size_t n_out, bool layers)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    const tfg_graph_t *g = &m->graph;
    fprintf(f, "/* tinyforge bench firmware: one counted zero-copy inference, checked against the host "
               "executor. */\n"
               "#include <string.h>\n#include \"model.h\"\n#include \"tfg_target.h\"\n\n");
    emit_bytes(f, "input", in, n_in);
    emit_bytes(f, "expected", want, n_out);
    fprintf(f, "static union { uint32_t align; uint8_t bytes[MODEL_ARENA_SIZE ? MODEL_ARENA_SIZE : 1]; } "
               "arena;\n\n");
    if (layers)
        fprintf(f, "static void bench_count_layer(void *ctx, int layer, int op, const int8_t *data, size_t "
                   "bytes)\n{\n"
                   "    (void)ctx; (void)layer; (void)op; (void)data; (void)bytes;\n"
                   "    TFG_COUNT_STOP();\n    TFG_COUNT_START();\n}\n\n");
    fprintf(f, "static void bench_write_inputs(void)\n{\n");
    size_t at = 0;
    for (int i = 0; i < g->n_inputs; i++) {
        const size_t b = (size_t)tfg_tensor_bytes(&g->tensors[g->inputs[i]]);
        if (!(streamed && i == 0))
            fprintf(f, "    memcpy(model_input_ptr(arena.bytes, %d), input + %zu, %zu);\n", i, at, b);
        at += b;
    }
    fprintf(f, "}\n\nstatic int bench_outputs_equal(void)\n{\n    int eq = 1;\n");
    at = 0;
    for (int i = 0; i < g->n_outputs; i++) {
        const size_t b = (size_t)tfg_tensor_bytes(&g->tensors[g->outputs[i]]);
        fprintf(f, "    eq &= memcmp(model_output_ptr(arena.bytes, %d), expected + %zu, %zu) == 0;\n", i, at,
                b);
        at += b;
    }
    fprintf(f, "    return eq;\n}\n\n");
    const char *invoke = streamed ? "model_invoke_streamed(input, arena.bytes)" : "model_invoke(arena.bytes)";
    const char *hooked = streamed ? "model_invoke_streamed_hooked(input, arena.bytes, bench_count_layer, 0)"
                                  : "model_invoke_hooked(arena.bytes, bench_count_layer, 0)";
    fprintf(f,
            "int main(void)\n{\n"
            "    bench_write_inputs();\n"
            "    TFG_COUNT_START();\n"
            "    tfg_status_t st = %s;\n"
            "    TFG_COUNT_STOP();\n"
            "    int exact = st == TFG_OK && bench_outputs_equal();\n",
            invoke);
    if (layers)
        fprintf(f,
                "    bench_write_inputs();\n"
                "    TFG_COUNT_START();\n"
                "    if (%s != TFG_OK) exact = 0;\n"
                "    TFG_COUNT_STOP();\n"
                "    exact &= bench_outputs_equal();\n",
                hooked);
    fprintf(f, "    tfg_puts(exact ? \"bitexact 1\\n\" : \"bitexact 0\\n\");\n"
               "    tfg_puts(\"stack_high_water \");\n    tfg_print_u32((uint32_t)tfg_stack_high_water());\n"
               "    tfg_puts(\"\\n\");\n    return exact ? 0 : 1;\n}\n");
    return fclose(f);
}

/* The --postprocess firmware: region 1 is one whole model_detect, regions
 * 2, 3, 4 a second call's frame conversion, network and post-processing;
 * streamed, the tiles convert the frame as the network runs, so regions 2
 * and 3 are the two together (model_invoke_frame) and the post-processing.
 * The heads are compared as bytes and the boxes as bits, both calls. */
static int write_detect_main(const char *path, const uint8_t *frame, size_t n_frame, const uint8_t *want,
                             size_t n_out, const tfg_yolo_box_t *boxes, int n_boxes, int max_boxes,
                             const tfg_model_t *m, bool streamed)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "/* tinyforge bench firmware: model_detect on one frame, counted whole and in parts. */\n"
               "#include <string.h>\n#include \"model.h\"\n#include \"tfg_target.h\"\n\n");
    fprintf(f, "static const uint8_t bench_frame[%zu] = {", n_frame);
    for (size_t i = 0; i < n_frame; i++)
        fprintf(f, "%s%u%s", i % 24 ? "" : "\n    ", frame[i], i + 1 < n_frame ? "," : "");
    fprintf(f, "\n};\n");
    emit_bytes(f, "expected", want, n_out);
    fprintf(f,
            "/* The host's boxes: cls, then x0 y0 x1 y1 score as IEEE bits. */\n"
            "static const uint32_t bench_expected_boxes[%d][6] = {",
            n_boxes ? n_boxes : 1);
    for (int i = 0; i < n_boxes; i++) {
        uint32_t u[5];
        const float v[5] = {boxes[i].x0, boxes[i].y0, boxes[i].x1, boxes[i].y1, boxes[i].score};
        memcpy(u, v, sizeof u);
        fprintf(f, "%s\n    {%uu, 0x%08xu, 0x%08xu, 0x%08xu, 0x%08xu, 0x%08xu}", i ? "," : "",
                (unsigned)boxes[i].cls, (unsigned)u[0], (unsigned)u[1], (unsigned)u[2], (unsigned)u[3],
                (unsigned)u[4]);
    }
    fprintf(f, "%s\n};\n", n_boxes ? "" : "{0}");
    fprintf(f,
            "static union { uint32_t align; uint8_t bytes[MODEL_ARENA_SIZE]; } arena;\n"
            "static tfg_yolo_box_t bench_boxes[%d];\n\n",
            max_boxes);
    fprintf(f, "static int bench_equal(int32_t n)\n{\n    int eq = n == %d;\n", n_boxes);
    size_t at = 0;
    for (int i = 0; i < m->graph.n_outputs; i++) {
        const size_t b = (size_t)tfg_tensor_bytes(&m->graph.tensors[m->graph.outputs[i]]);
        fprintf(f, "    eq &= memcmp(model_output_ptr(arena.bytes, %d), expected + %zu, %zu) == 0;\n", i, at,
                b);
        at += b;
    }
    fprintf(f, "    for (int32_t i = 0; eq && i < n; i++) {\n"
               "        uint32_t u[5];\n"
               "        const float v[5] = {bench_boxes[i].x0, bench_boxes[i].y0, bench_boxes[i].x1, "
               "bench_boxes[i].y1, bench_boxes[i].score};\n"
               "        memcpy(u, v, sizeof u);\n"
               "        eq &= (uint32_t)bench_boxes[i].cls == bench_expected_boxes[i][0] && memcmp(u, "
               "bench_expected_boxes[i] + 1, "
               "sizeof u) == 0;\n    }\n    return eq;\n}\n\n");
    fprintf(f,
            "int main(void)\n{\n"
            "    TFG_COUNT_START();\n"
            "    int32_t n = model_detect(bench_frame, arena.bytes, bench_boxes, %d, 0);\n"
            "    TFG_COUNT_STOP();\n"
            "    int exact = bench_equal(n);\n"
            "    memset(arena.bytes, 0, sizeof arena.bytes);\n"
            "    memset(bench_boxes, 0, sizeof bench_boxes);\n"
            "%s"
            "    TFG_COUNT_START();\n"
            "    n = model_postprocess(arena.bytes, bench_boxes, %d, 0);\n"
            "    TFG_COUNT_STOP();\n"
            "    exact &= bench_equal(n);\n"
            "    tfg_puts(\"boxes \");\n    tfg_print_u32((uint32_t)n);\n    tfg_puts(\"\\n\");\n"
            "    tfg_puts(exact ? \"bitexact 1\\n\" : \"bitexact 0\\n\");\n"
            "    tfg_puts(\"stack_high_water \");\n    tfg_print_u32((uint32_t)tfg_stack_high_water());\n"
            "    tfg_puts(\"\\n\");\n    return exact ? 0 : 1;\n}\n",
            max_boxes,
            streamed ? "    TFG_COUNT_START();\n"
                       "    exact &= model_invoke_frame(bench_frame, arena.bytes) == TFG_OK;\n"
                       "    TFG_COUNT_STOP();\n"
                     : "    TFG_COUNT_START();\n"
                       "    exact &= model_frame_to_input(bench_frame, arena.bytes) == TFG_OK;\n"
                       "    TFG_COUNT_STOP();\n"
                       "    TFG_COUNT_START();\n"
                       "    exact &= model_invoke(arena.bytes) == TFG_OK;\n"
                       "    TFG_COUNT_STOP();\n",
            max_boxes);
    return fclose(f);
}

#define MAX_REGIONS 4096

typedef struct {
    long built, text, rodata, data, bss, stack, model_code, model_rodata, gen_code, gen_rodata, exit, insns,
        bitexact, stack_hw;
    long region[MAX_REGIONS + 1]; /* region[i]: instructions of count region i (1-based) */
    int n_regions;
    char error[4096]; /* the first error line and its indented details */
} result_t;

static void parse_result(FILE *p, result_t *r)
{
    char line[1024];
    memset(r, 0, sizeof *r);
    r->insns = r->bitexact = r->stack_hw = r->exit = -1;
    while (fgets(line, sizeof line, p)) {
        char key[64];
        long v;
        if (!strncmp(line, "error ", 6)) {
            if (!r->error[0]) snprintf(r->error, sizeof r->error, "%s", line + 6);
            r->error[strcspn(r->error, "\n")] = 0;
            continue;
        }
        /* Indented lines after an error are its details (the compiler's own
         * messages): keep them, so a failed cross build says why. */
        if (r->error[0] && line[0] == ' ') {
            line[strcspn(line, "\n")] = 0;
            const size_t used = strlen(r->error);
            snprintf(r->error + used, sizeof r->error - used, "\n%s", line);
            continue;
        }
        long i, n;
        if (sscanf(line, "region %ld %ld", &i, &n) == 2) {
            if (i >= 1 && i <= MAX_REGIONS) {
                r->region[i] = n;
                if (i > r->n_regions) r->n_regions = (int)i;
            }
            continue;
        }
        if (sscanf(line, "%63s %ld", key, &v) != 2) continue;
        if (!strcmp(key, "built"))
            r->built = v;
        else if (!strcmp(key, "flash_text"))
            r->text = v;
        else if (!strcmp(key, "flash_rodata"))
            r->rodata = v;
        else if (!strcmp(key, "data"))
            r->data = v;
        else if (!strcmp(key, "bss"))
            r->bss = v;
        else if (!strcmp(key, "stack"))
            r->stack = v;
        else if (!strcmp(key, "model_code"))
            r->model_code = v;
        else if (!strcmp(key, "model_rodata"))
            r->model_rodata = v;
        else if (!strcmp(key, "model_gen_code"))
            r->gen_code = v;
        else if (!strcmp(key, "model_gen_rodata"))
            r->gen_rodata = v;
        else if (!strcmp(key, "exit"))
            r->exit = v;
        else if (!strcmp(key, "insn_count"))
            r->insns = v;
        else if (!strcmp(key, "bitexact"))
            r->bitexact = v;
        else if (!strcmp(key, "stack_high_water"))
            r->stack_hw = v;
    }
}

#define BENCH_MAX_BOXES 64

/* The frame of --postprocess: the image (at its own size) packed in the
 * format, or an LCG frame; its camera-input set-up and the YOLO heads.
 * 0, or -1 with the message printed. */
static int bench_frame(const tfg_model_t *m, const char *model, const char *image, const cli_yolo_opts_t *yo,
                       int32_t format, int32_t fw, int32_t fh, tfg_yolo_setup_t *ys,
                       tfg_codegen_detect_t *det, int8_t *lut, uint8_t **frame, size_t *n_frame)
{
    if (cli_yolo_setup(m, model, yo, ys) < 0) return -1;
    tfg_diag_t d = {{0}};
    const tfg_tensor_t *in = &m->graph.tensors[m->graph.inputs[0]];
    tfg_image_t img = {0};
    if (image) {
        if (tfg_image_load(image, format == TFG_FRAME_GRAY8 ? 1 : 3, &img, &d) < 0) {
            fprintf(stderr, "tinyforge: error: %s\n", d.msg);
            return -1;
        }
        if ((fw || fh) && (fw != img.w || fh != img.h)) {
            fprintf(stderr,
                    "tinyforge: error: %s is %dx%d; --frame asks for %dx%d (the frame is the image)\n", image,
                    img.w, img.h, fw, fh);
            tfg_image_free(&img);
            return -1;
        }
        fw = img.w, fh = img.h;
    }
    if (!fw) fw = in->dims[2], fh = in->dims[1];
    if (tfg_frame_setup(in, format, fw, fh, yo->lo, yo->hi, &det->frame, lut, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        tfg_image_free(&img);
        return -1;
    }
    *n_frame = (size_t)det->frame.frame_stride * (size_t)fh;
    *frame = malloc(*n_frame);
    if (!*frame) {
        tfg_image_free(&img);
        return -1;
    }
    uint32_t s = 12345;
    for (size_t i = 0, px = 0; i < *n_frame; px++) {
        uint8_t rgb[3];
        for (int k = 0; k < 3; k++)
            rgb[k] = image ? img.pixels[px * (size_t)img.c + (size_t)(img.c == 3 ? k : 0)]
                           : (uint8_t)((s = s * 1103515245u + 12345u) >> 24);
        const unsigned v565 = (unsigned)(rgb[0] >> 3) << 11 | (unsigned)(rgb[1] >> 2) << 5 | (rgb[2] >> 3);
        if (format == TFG_FRAME_GRAY8) {
            (*frame)[i++] = rgb[0];
        } else if (format == TFG_FRAME_RGB888) {
            memcpy(*frame + i, rgb, 3);
            i += 3;
        } else {
            (*frame)[i++] = (uint8_t)(format == TFG_FRAME_RGB565_LE ? v565 & 255 : v565 >> 8);
            (*frame)[i++] = (uint8_t)(format == TFG_FRAME_RGB565_LE ? v565 >> 8 : v565 & 255);
        }
    }
    tfg_image_free(&img);
    return 0;
}

static int bench_detect_report(const char *model, const char *target, const result_t *r, const tfg_model_t *m,
                               const tfg_sched_plan_t *sp, const tfg_codegen_detect_t *det,
                               const tfg_yolo_setup_t *ys, const char *image, const tfg_yolo_box_t *b, int n,
                               const tfg_yolo_stats_t *st, bool json)
{
    const bool streamed = sp && sp->streamed;
    if (r->n_regions != (streamed ? 3 : 4)) {
        fprintf(stderr, "tinyforge: error: %s: expected %d count regions from the detect run, got %d\n",
                model, streamed ? 3 : 4, r->n_regions);
        return 1;
    }
    /* Streamed, the frame is converted tile by tile inside the network's run. */
    const long frame_insns = streamed ? -1 : r->region[2], net_insns = r->region[streamed ? 2 : 3],
               post_insns = r->region[streamed ? 3 : 4];
    char frame_json[24] = "null"; /* JSON: not counted apart when streamed */
    if (!streamed) snprintf(frame_json, sizeof frame_json, "%ld", frame_insns);
    size_t scratch_off, arena;
    tfg_codegen_detect_layout(m, sp, det->max_candidates, &scratch_off, &arena);
    const size_t net = sp ? sp->arena_bytes : m->plan.peak;
    const long flash = r->text + r->rodata + r->data, sram = r->data + r->bss;
    const long frame_flash = (long)det->frame.frame_stride * det->frame.fh;
    const bool exact = r->bitexact == 1 && r->exit == 0;
    if (json) {
        printf(
            "{\"model\": \"%s\", \"target\": \"%s\", \"postprocess\": \"yolo\", \"frame\": {\"width\": %d, "
            "\"height\": %d, \"format\": \"%s\", \"source\": \"%s\"}, \"instructions\": %ld, "
            "\"instructions_frame\": %s, \"instructions_network\": %ld, \"instructions_postprocess\": %ld, "
            "\"frame_in_tiles\": %s, "
            "\"flash_bytes\": %ld, \"frame_bytes_in_flash\": %ld, \"model_flash_bytes\": %ld, "
            "\"sram_bytes\": %ld, \"arena_bytes\": %zu, \"network_arena_bytes\": %zu, "
            "\"scratch_bytes\": %zu, \"stack_high_water_bytes\": %ld, \"candidates\": %d, \"held\": %d, "
            "\"kept\": %d, \"bitexact\": %s, \"boxes\": [",
            model, target, (int)det->frame.fw, (int)det->frame.fh, cli_frame_format_name(det->frame.format),
            image ? "image" : "random", r->region[1], frame_json, net_insns, post_insns,
            streamed ? "true" : "false", flash, frame_flash, r->model_code + r->model_rodata, sram, arena,
            net, tfg_yolo_scratch_size(det->max_candidates), r->stack_hw, (int)st->candidates, (int)st->held,
            (int)st->kept, exact ? "true" : "false");
        for (int i = 0; i < n; i++) {
            char bits[96];
            tfg_yolo_box_bits(&b[i], bits, sizeof bits);
            printf("%s\n  {\"class\": %d, \"score\": %.6f, \"x0\": %.2f, \"y0\": %.2f, \"x1\": %.2f, \"y1\": "
                   "%.2f, "
                   "\"bits\": \"%s\"}",
                   i ? "," : "", (int)b[i].cls, (double)b[i].score, (double)b[i].x0, (double)b[i].y0,
                   (double)b[i].x1, (double)b[i].y1, bits);
        }
        printf("]}\n");
    } else {
        printf("%s on %s (QEMU): model_detect on a %dx%d %s frame (%s)\n", model, target, (int)det->frame.fw,
               (int)det->frame.fh, cli_frame_format_name(det->frame.format), image ? image : "random");
        if (streamed)
            printf("  instructions   %12ld model_detect: network with the frame converted tile by tile %ld, "
                   "post-processing %ld\n",
                   r->region[1], net_insns, post_insns);
        else
            printf(
                "  instructions   %12ld model_detect: frame to input %ld, network %ld, post-processing %ld\n",
                r->region[1], frame_insns, net_insns, post_insns);
        printf(
            "  flash          %12ld B: code %ld, constants %ld, data %ld; the model's own %ld B (the frame, "
            "%ld B, is the harness's)\n",
            flash, r->text, r->rodata, r->data, r->model_code + r->model_rodata, frame_flash);
        printf("  SRAM           %12ld B: data+bss (arena %zu B: network %zu B, scratch %zu B at %zu%s), "
               "stack high-water %ld B\n",
               sram, arena, net, tfg_yolo_scratch_size(det->max_candidates), scratch_off,
               arena > net ? ", grown for it" : ", in its free space", r->stack_hw);
        printf(
            "  decoder        %d candidates >= %g, %d held (max %d), %d kept by NMS at IoU %g, %d written\n",
            (int)st->candidates, (double)ys->p.score_threshold, (int)st->held, (int)det->max_candidates,
            (int)st->kept, (double)ys->p.iou_threshold, (int)st->written);
        printf("  bit-exact      %s\n", exact ? "yes (heads and boxes, as bits, equal the host's)" : "NO");
        for (int i = 0; i < n; i++)
            printf("  box %d  class %d  score %.6f  x %.3f..%.3f  y %.3f..%.3f (input pixels)\n", i,
                   (int)b[i].cls, (double)b[i].score, (double)b[i].x0, (double)b[i].x1, (double)b[i].y0,
                   (double)b[i].y1);
    }
    return exact ? 0 : 1;
}

int cli_bench(int argc, char **argv)
{
    const char *model = NULL, *target = "cortex-m4", *keep = NULL;
    bool json = false, layers = false;
    cli_sched_opts_t so = {.schedule = "layer"};
    tfg_pass_opts_t o = {0};
    const char *post = NULL, *image_s = NULL, *frame_s = NULL, *maxc_s = NULL;
    cli_yolo_opts_t yo = {0};
    cli_opt_t opts[14] = {
        {.name = "--target", .value = &target},    {.name = "--keep", .value = &keep},
        {.name = "--json", .flag = &json},         {.name = "--layers", .flag = &layers},
        {.name = "--postprocess", .value = &post}, {.name = "--image", .value = &image_s},
        {.name = "--frame", .value = &frame_s},    {.name = "--max-candidates", .value = &maxc_s}};
    cli_yolo_opt_list(&yo, opts + 8); /* opts[13] stays {NULL}: the end */
    const int parsed = cli_parse_args(argc, argv, "bench", BENCH_HELP, &o, &so, opts, &model);
    if (parsed >= 0) return parsed;
    if (!model) {
        fprintf(stderr, "tinyforge: bench needs a MODEL\n%s", BENCH_HELP);
        return 2;
    }
    if (post && strcmp(post, "yolo")) {
        fprintf(stderr, "tinyforge: bench --postprocess takes yolo, not '%s'\n", post);
        return 2;
    }
    if (!post && (image_s || frame_s || maxc_s || yo.score_s || yo.iou_s || yo.anchors_s || yo.classes_s ||
                  yo.range_s)) {
        fprintf(stderr,
                "tinyforge: --image, --frame, --max-candidates, --score, --iou, --anchors, --classes and "
                "--range need --postprocess yolo\n");
        return 2;
    }
    if (post && layers) {
        fprintf(stderr,
                "tinyforge: bench --postprocess yolo counts frame, network and post-processing apart; "
                "not with --layers\n");
        return 2;
    }
    if (post && cli_yolo_resolve(&yo)) return 2;
    int32_t fw = 0, fh = 0, format = TFG_FRAME_RGB888;
    long maxc = 256;
    if (frame_s) {
        char msg[256];
        if (cli_parse_frame(frame_s, &fw, &fh, &format, msg, sizeof msg) < 0) {
            fprintf(stderr, "tinyforge: %s\n", msg);
            return 2;
        }
    }
    if (cli_parse_max_candidates(maxc_s, &maxc)) return 2;
    bool known = false;
    for (int i = 1; tfg_codegen_targets[i]; i++) known |= !strcmp(tfg_codegen_targets[i], target);
    if (!known) {
        fprintf(stderr, "tinyforge: bench needs an MCU target, not '%s' (see --help)\n", target);
        return 2;
    }
    char root[4096];
    if (find_root(root, sizeof root) < 0) {
        fprintf(
            stderr,
            "tinyforge: error: cannot find the tinyforge source tree (scripts/, targets/); set TFG_ROOT\n");
        return 1;
    }

    o.int8_io = true;
    o.dw = TFG_DW_AUTO_MCU;                         /* the depthwise variants fastest on MCUs (same arena) */
    o.kernel_budget = so.sram ? so.sram : SIZE_MAX; /* the fastest kernels, unless --sram needs others */
    tfg_model_t m;
    if (cli_load(model, &o, &m)) return 1;
    /* Deterministic input (an LCG), and the executor's output for it. */
    const size_t n_in = tfg_model_input_bytes(&m), n_out = tfg_model_output_bytes(&m);
    uint8_t *in = malloc(n_in + 1), *want = malloc(n_out + 1), *arena = malloc(m.plan.peak + 1);
    int rc = 1;
    char work[4200] = "";
    tfg_sched_plan_t sp;
    bool patched = false;
    static tfg_yolo_setup_t ys;
    static int8_t lut[3 * 256];
    static tfg_yolo_box_t hboxes[BENCH_MAX_BOXES];
    tfg_codegen_detect_t det = {
        .yolo = &ys.p, .output = ys.output, .lo = yo.lo, .hi = yo.hi, .max_candidates = (int32_t)maxc};
    tfg_yolo_stats_t hst = {0};
    int n_hboxes = 0;
    uint8_t *frame = NULL;
    size_t n_frame = 0;
    if (!in || !want || !arena) goto done;
    uint32_t s = 12345;
    if (post && bench_frame(&m, model, image_s, &yo, format, fw, fh, &ys, &det, lut, &frame, &n_frame) < 0)
        goto done;
    if (post) /* the camera input, as model_frame_to_input computes it */
        tfg_frame_to_input(&det.frame, frame, 0, det.frame.h, 0, det.frame.w, (int8_t *)in,
                           det.frame.w * det.frame.c);
    else
        for (size_t i = 0; i < n_in; i++) in[i] = (uint8_t)((s = s * 1103515245u + 12345u) >> 24);
    tfg_model_set_inputs(&m, arena, in);
    tfg_model_invoke(&m, arena);
    tfg_model_get_outputs(&m, arena, want);
    if (post) { /* the host's decoder on the executor's heads, with the MCU's scratch size */
        const int8_t *heads[TFG_YOLO_MAX_HEADS];
        size_t at[TFG_YOLO_MAX_HEADS + 1] = {0};
        for (int i = 0; i < m.graph.n_outputs && i < TFG_YOLO_MAX_HEADS; i++)
            at[i + 1] = at[i] + (size_t)tfg_tensor_bytes(&m.graph.tensors[m.graph.outputs[i]]);
        for (int i = 0; i < ys.p.n_heads; i++) heads[i] = (const int8_t *)want + at[ys.output[i]];
        void *scratch = malloc(tfg_yolo_scratch_size((int32_t)maxc));
        n_hboxes = scratch ? tfg_yolo_detect(&ys.p, heads, scratch, tfg_yolo_scratch_size((int32_t)maxc),
                                             hboxes, BENCH_MAX_BOXES, &hst)
                           : -1;
        free(scratch);
        if (n_hboxes < 0) goto done;
    }

    if (keep)
        snprintf(work, sizeof work, "%s", keep);
    else {
        snprintf(work, sizeof work, "%s/tfg-bench-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(work)) {
            fprintf(stderr, "tinyforge: error: cannot create a temporary directory: %s\n", strerror(errno));
            goto done;
        }
    }
    char gen[4300], main_c[4300], cmd[9000];
    snprintf(gen, sizeof gen, "%s/gen", work);
    snprintf(main_c, sizeof main_c, "%s/bench_main.c", work);
    if (cli_schedule_plan(&m, &so, &sp, &patched)) goto done;
    const int first_layer = patched ? sp.cost.split : 0; /* the patch stage reports as one layer */
    const size_t arena_bytes = patched ? sp.arena_bytes : m.plan.peak;
    tfg_codegen_opts_t co = {"model",      target,           "tinyforge bench",    model,
                             m.graph.file, m.graph.file_len, patched ? &sp : NULL, post ? &det : NULL};
    tfg_diag_t d = {{0}};
    if (tfg_codegen(&m, gen, &co, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        goto done;
    }
    if (post ? write_detect_main(main_c, frame, n_frame, want, n_out, hboxes, n_hboxes, BENCH_MAX_BOXES, &m,
                                 patched && sp.streamed) != 0
             : write_main(main_c, &m, patched && sp.streamed, in, n_in, want, n_out, layers) != 0) {
        fprintf(stderr, "tinyforge: error: cannot write %s\n", main_c);
        goto done;
    }
    snprintf(cmd, sizeof cmd, "'%s/scripts/bench_mcu_build.sh' '%s' '%s'%s", root, target, work,
             layers || post ? " layers" : "");
    FILE *p = popen(cmd, "r");
    if (!p) {
        fprintf(stderr, "tinyforge: error: cannot run %s\n", cmd);
        goto done;
    }
    static result_t r;
    parse_result(p, &r);
    pclose(p);
    if (!r.built || r.error[0]) {
        fprintf(stderr, "tinyforge: error: %s: %s\n", model, r.error[0] ? r.error : "cross build failed");
        goto done;
    }
    if (post) {
        rc = bench_detect_report(model, target, &r, &m, patched ? &sp : NULL, &det, &ys, image_s, hboxes,
                                 n_hboxes, &hst, json);
        goto done;
    }
    const int n_steps = m.prog.n_steps, n_rows = n_steps - first_layer;
    if (layers) {
        /* Region 1 is the plain inference; then one per reported layer; then the hooked run's return. */
        if (r.n_regions != n_rows + 2) {
            fprintf(stderr,
                    "tinyforge: error: %s: expected %d count regions from the per-layer run, got %d\n", model,
                    n_rows + 2, r.n_regions);
            goto done;
        }
        r.insns = r.region[1];
    }
    int64_t macs = 0;
    for (int k = 0; k < n_steps; k++) macs += m.prog.steps[k].macs;
    const int64_t macs_lbl = macs;
    if (patched) macs = sp.cost.macs; /* the recomputed halos are work too */
    int64_t stage_macs = macs;
    for (int k = first_layer + 1; k < n_steps; k++) stage_macs -= m.prog.steps[k].macs;
    const long flash = r.text + r.rodata + r.data, sram = r.data + r.bss;
    /* The flash and instructions the search predicts without a cross
     * compiler or QEMU (both models are the Cortex-M4's), next to what the ELF
     * and the count say. */
    const bool m4 = !strcmp(target, "cortex-m4");
    tfg_flash_t fp;
    const bool predicted =
        m4 && tfg_codegen_flash(&m, patched ? sp.cost.split : -1, patched ? sp.cost.ph : 1,
                                patched ? sp.cost.pw : 1, patched ? sp.variant : NULL, &fp, &d) == TFG_OK;
    const long runtime_bytes = r.model_code - r.gen_code + r.model_rodata - r.gen_rodata;
    if (json) {
        printf("{\"model\": \"%s\", \"target\": \"%s\", \"instructions\": %ld, \"macs\": %lld, "
               "\"macs_per_instruction\": %.4f, "
               "\"flash_bytes\": %ld, \"code_bytes\": %ld, \"model_code_bytes\": %ld, \"rodata_bytes\": %ld, "
               "\"model_flash_bytes\": %ld, "
               "\"sram_bytes\": %ld, \"arena_bytes\": %zu, \"stack_reserved_bytes\": %ld, "
               "\"stack_high_water_bytes\": %ld, "
               "\"bitexact\": %s",
               model, target, r.insns, (long long)macs, r.insns > 0 ? (double)macs / (double)r.insns : 0.0,
               flash, r.text, r.model_code, r.rodata, r.model_code + r.model_rodata, sram, arena_bytes,
               r.stack, r.stack_hw, r.bitexact == 1 ? "true" : "false");
        printf(", \"model_flash_parts\": {\"generated_code\": %ld, \"generated_constants\": %ld, "
               "\"runtime\": %ld}",
               r.gen_code, r.gen_rodata, runtime_bytes);
        if (m4)
            printf(", \"instructions_predicted\": %.0f",
                   tfg_latency_m4(&m, patched ? sp.cost.split : -1, patched ? sp.cost.ph : 1,
                                  patched ? sp.cost.pw : 1, patched ? sp.variant : NULL));
        if (predicted)
            printf(", \"model_flash_predicted\": {\"constants\": %lld, \"structs\": %lld, \"runtime\": %lld, "
                   "\"generated\": %lld, \"total\": %lld}",
                   (long long)fp.constants, (long long)fp.structs, (long long)fp.runtime,
                   (long long)fp.generated, (long long)fp.total);
        if (patched)
            printf(", \"schedule\": {\"split_op\": %d, \"grid\": [%d, %d], \"streamed\": %s}",
                   m.graph.ops[m.prog.steps[sp.cost.split].op].model_index, sp.cost.ph, sp.cost.pw,
                   sp.streamed ? "true" : "false");
        if (layers) {
            /* each row with what the latency model (src/sched/latency.c) predicts and is fitted on */
            printf(", \"layers\": [");
            for (int k = first_layer; k < n_steps; k++) {
                const tfg_step_t *st = &m.prog.steps[k];
                const tfg_tensor_t *y = &m.graph.tensors[st->out];
                const int64_t oh = y->rank == 4 ? y->dims[1] : 1, ow = y->rank == 4 ? y->dims[2] : 1;
                const int32_t v = patched ? sp.variant[k] : -1;
                printf("%s\n  {\"index\": %d, \"op_index\": %d, \"op\": \"%s\", \"macs\": %lld, "
                       "\"instructions\": %ld",
                       k > first_layer ? "," : "", k, m.graph.ops[st->op].model_index,
                       patched && k == first_layer ? "PATCH_STAGE" : tfg_op_name(m.graph.ops[st->op].type),
                       (long long)(patched && k == first_layer ? stage_macs : st->macs),
                       r.region[k - first_layer + 2]);
                if (patched && k == first_layer) {
                    double feat[TFG_LAT_COUNT][4];
                    tfg_latency_stage_features(&m, sp.cost.split, sp.cost.ph, sp.cost.pw, sp.variant, feat);
                    double tile_calls = 0; /* each step's calls: one per tile */
                    for (int c = 0; c < TFG_LAT_COUNT; c++) tile_calls += feat[c][3];
                    printf(", \"predicted\": %.0f, \"tiles\": %d, \"tile_calls\": %d, \"features\": {",
                           tfg_latency_stage(&m, sp.cost.split, sp.cost.ph, sp.cost.pw, sp.variant),
                           sp.cost.ph * sp.cost.pw, (int)tile_calls);
                    for (int c = 0, n = 0; c < TFG_LAT_COUNT; c++)
                        if (feat[c][3] > 0)
                            printf("%s\"%s\": [%.0f, %.0f, %.0f, %.0f]", n++ ? ", " : "",
                                   tfg_lat_class_names[c], feat[c][0], feat[c][1], feat[c][2], feat[c][3]);
                    printf("}}");
                } else {
                    double f[4];
                    tfg_latency_step_features(&m, st, oh, ow, f);
                    printf(", \"predicted\": %.0f, \"features\": {\"%s\": [%.0f, %.0f, %.0f, %.0f]}}",
                           tfg_latency_step(&m, st, v, oh, ow), tfg_lat_class_names[tfg_latency_class(st, v)],
                           f[0], f[1], f[2], f[3]);
                }
            }
            printf("]");
        }
        printf("}\n");
    } else {
        printf("%s on %s (QEMU)\n", model, target);
        printf("  instructions   %12ld per inference (%.3f MACs/instruction)\n", r.insns,
               r.insns > 0 ? (double)macs / (double)r.insns : 0.0);
        printf("  flash          %12ld B: code %ld (model kernels %ld), constants %ld, data %ld; the model's "
               "own "
               "%ld B (its code and constants, not the harness's)\n",
               flash, r.text, r.model_code, r.rodata, r.data, r.model_code + r.model_rodata);
        if (predicted)
            printf("  flash model    %12lld B predicted: constants %lld and structs %lld (measured: %ld), "
                   "runtime %lld (measured: %ld), generated code %lld (measured: %ld); %+lld B\n",
                   (long long)fp.total, (long long)fp.constants, (long long)fp.structs, r.gen_rodata,
                   (long long)fp.runtime, runtime_bytes, (long long)fp.generated, r.gen_code,
                   (long long)fp.total - (r.model_code + r.model_rodata));
        printf("  SRAM           %12ld B: data+bss (arena %zu B), plus %ld B stack (high-water %ld B)\n",
               sram, arena_bytes, r.stack, r.stack_hw);
        if (patched)
            printf("  schedule       %dx%d tiles over op %d's output (%.3fx MACs), arena %zu B vs %zu B "
                   "layer by layer%s\n",
                   sp.cost.ph, sp.cost.pw, m.graph.ops[m.prog.steps[sp.cost.split].op].model_index,
                   (double)sp.cost.macs / (double)(macs_lbl ? macs_lbl : 1), arena_bytes, m.plan.peak,
                   sp.streamed ? ", input streamed" : "");
        printf("  bit-exact      %s\n",
               r.bitexact == 1 ? "yes (output bytes equal the host executor's)" : "NO");
        if (layers) {
            printf("\n  %-5s %4s  %-22s %-14s %-14s %12s %12s %8s %6s\n", "layer", "op", "type", "input",
                   "output", "MACs", "instructions", "MAC/ins", "share");
            for (int k = first_layer; k < n_steps; k++) {
                const tfg_step_t *st = &m.prog.steps[k];
                const tfg_op_t *op = &m.graph.ops[st->op];
                const bool stage = patched && k == first_layer;
                char ins[48] = "-", outs[48];
                if (st->n_in > 0) tfg_shape_str(&m.graph.tensors[st->in[0]], ins, sizeof ins);
                tfg_shape_str(&m.graph.tensors[st->out], outs, sizeof outs);
                const long n = r.region[k - first_layer + 2];
                const int64_t lm = stage ? stage_macs : st->macs;
                if (stage) tfg_shape_str(&m.graph.tensors[m.graph.inputs[0]], ins, sizeof ins);
                printf("  %-5d %4d  %-22s %-14s %-14s %12lld %12ld %8.3f %5.1f%%\n", k, op->model_index,
                       stage ? "PATCH STAGE 0.." : tfg_op_name(op->type), ins, outs, (long long)lm, n,
                       n > 0 ? (double)lm / (double)n : 0.0,
                       r.insns > 0 ? 100.0 * (double)n / (double)r.insns : 0.0);
            }
            printf("  (layer: the step, L<layer> in the generated code; op: the op index in the model, as in "
                   "info.\n"
                   "   A layer's count includes its call from the generated code and the hook's return)\n");
        }
    }
    rc = r.bitexact == 1 && r.exit == 0 ? 0 : 1;
done:
    if (patched) tfg_sched_plan_free(&sp);
    if (!keep && work[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
        if (system(cmd) != 0) fprintf(stderr, "tinyforge: warning: could not remove %s\n", work);
    }
    free(in);
    free(want);
    free(arena);
    free(frame);
    tfg_model_free(&m);
    return rc;
}
