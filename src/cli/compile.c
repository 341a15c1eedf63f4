/* tinyforge compile: generate the C code of a model for a microcontroller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "codegen/codegen.h"
#include "detect/frame_prepare.h"
#include "detect/yolo_prepare.h"

static const char COMPILE_HELP[] =
    "usage: tinyforge compile MODEL -o DIR [--target T] [--name N]\n"
    "                         [--schedule S] [--sram LIMIT] [--max-overhead X] [--stream-input]\n"
    "                         [--postprocess yolo[:ANCHORS]] [--frame WxH[:FORMAT]]\n"
    "                         [--max-candidates N] [--score S] [--iou T] [--anchors A]\n"
    "                         [--classes N] [--range LO,HI]\n"
    "\n"
    "Generates plain C99 for MODEL: no interpreter, one kernel call per layer, every\n"
    "constant (weights, folded biases, multipliers) as static const data in flash and one\n"
    "arena of exactly the planned size. DIR receives N.c, N.h, N.mem.json (the memory\n"
    "plan), tinyforge/ (runtime headers) and runtime/ (only the kernels the model uses).\n"
    "Build with:  cc -std=c99 -O2 -I DIR DIR/N.c DIR/runtime/*.c\n"
    "Run in place: write the input at N_input_ptr(arena, 0), call N_invoke(arena),\n"
    "read N_output_ptr(arena, 0); or N_run(in, out, arena), which copies (see N.h).\n"
    "\n"
    "  --target T  host (default), cortex-m0plus, cortex-m3, cortex-m4, cortex-m7,\n"
    "              cortex-m33, cortex-m55, riscv32\n"
    "  --name N    C symbol prefix (default: the model file name, made a C identifier)\n"
    "  --schedule S  layer (default), auto or PhxPw@OP: a patch-based schedule (see\n"
    "              tinyforge plan --help); N_patch() then runs the first layers one\n"
    "              tile at a time, with --sram / --max-overhead guiding auto\n"
    "  --sram LIMIT  also picks the kernels: the fastest wherever the arena stays within\n"
    "              LIMIT, the low-memory ones (depthwise STRIP, conv NARROW) where it\n"
    "              would not. Without it every layer gets the fastest kernel, so the\n"
    "              arena may be a few bytes above the least-memory figure plan prints\n"
    "  --stream-input  read the input image tile by tile from the caller's buffer,\n"
    "              outside the arena (patched schedules)\n"
    "  --postprocess yolo  also emit N_detect(frame, arena, boxes, max_boxes, stats): a\n"
    "              camera frame converted into the arena's input, the network, and the\n"
    "              YOLO decoder and NMS (docs/detection.md) with its tables as const data;\n"
    "              yolo:ANCHORS is --anchors ANCHORS. With --stream-input the frame\n"
    "              never enters the arena: each tile converts its own region of it\n"
    "  --frame WxH[:FORMAT]  the camera frame N_detect takes: width x height, format\n"
    "              gray8, rgb888 (default), rgb565le or rgb565be; default the model's\n"
    "              input size in rgb888\n"
    "  --max-candidates N  candidates the decoder holds (default 256, 32 B each, in the\n"
    "              arena's free space after the network; the arena grows if needed)\n"
    "  --score, --iou, --anchors, --classes, --range  as in tinyforge detect (defaults:\n"
    "              MCUNet's person detector, 0.3, 0.45, pixels in [-1, 1])\n"
    "\n"
    "Model I/O is int8 as on an MCU: float QUANTIZE/DEQUANTIZE at the edges are dropped\n"
    "(see N.h for the input and output scale and zero point).\n";

/* The file name without directory and extension, made a C identifier. */
static void default_name(const char *path, char *out, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t j = 0;
    if (!((*base >= 'a' && *base <= 'z') || (*base >= 'A' && *base <= 'Z') || *base == '_')) out[j++] = 'm';
    for (; *base && *base != '.' && j + 1 < n; base++)
        out[j++] = ((*base >= 'a' && *base <= 'z') || (*base >= 'A' && *base <= 'Z') ||
                    (*base >= '0' && *base <= '9'))
                       ? *base
                       : '_';
    out[j] = 0;
}

int cli_compile(int argc, char **argv)
{
    const char *model = NULL, *dir = NULL, *target = "host", *name = NULL;
    cli_sched_opts_t so = {.schedule = "layer"};
    tfg_pass_opts_t o = {0};
    const char *post = NULL, *frame_s = NULL, *maxc_s = NULL;
    cli_yolo_opts_t yo = {0};
    cli_opt_t opts[12] = {
        {.name = "-o", .value = &dir},          {.name = "--target", .value = &target},
        {.name = "--name", .value = &name},     {.name = "--postprocess", .value = &post},
        {.name = "--frame", .value = &frame_s}, {.name = "--max-candidates", .value = &maxc_s}};
    cli_yolo_opt_list(&yo, opts + 6); /* opts[11] stays {NULL}: the end */
    const int r = cli_parse_args(argc, argv, "compile", COMPILE_HELP, &o, &so, opts, &model);
    if (r >= 0) return r;
    if (!model || !dir) {
        fprintf(stderr, "tinyforge: compile needs MODEL and -o DIR\n%s", COMPILE_HELP);
        return 2;
    }
    if (post && strcmp(post, "yolo") && strncmp(post, "yolo:", 5)) {
        fprintf(stderr, "tinyforge: --postprocess takes yolo or yolo:ANCHORS, not '%s'\n", post);
        return 2;
    }
    if (post && post[4] == ':') {
        if (yo.anchors_s) {
            fprintf(stderr, "tinyforge: anchors given twice (--postprocess yolo:... and --anchors)\n");
            return 2;
        }
        yo.anchors_s = post + 5;
    }
    if (!post &&
        (frame_s || maxc_s || yo.score_s || yo.iou_s || yo.anchors_s || yo.classes_s || yo.range_s)) {
        fprintf(stderr, "tinyforge: --frame, --max-candidates, --score, --iou, --anchors, --classes and "
                        "--range need --postprocess yolo\n");
        return 2;
    }
    if (post && cli_yolo_resolve(&yo)) return 2;
    int32_t fw = 0, fh = 0, format = TFG_FRAME_RGB888;
    char msg[256];
    if (frame_s && cli_parse_frame(frame_s, &fw, &fh, &format, msg, sizeof msg) < 0) {
        fprintf(stderr, "tinyforge: %s\n", msg);
        return 2;
    }
    long maxc = 256;
    if (cli_parse_max_candidates(maxc_s, &maxc)) return 2;
    bool known = false;
    for (int i = 0; tfg_codegen_targets[i]; i++) known |= !strcmp(tfg_codegen_targets[i], target);
    if (!known) {
        fprintf(stderr, "tinyforge: unknown target '%s' (run 'tinyforge compile --help' for the list)\n",
                target);
        return 2;
    }
    char auto_name[128];
    if (!name) {
        default_name(model, auto_name, sizeof auto_name);
        name = auto_name;
    }
    /* The command for the front matter, reproducible: the model by its base
     * name and no -o DIR, so the same model and options give the same bytes
     * whatever the directories (the model's hash is recorded next to it). */
    char command[2048];
    size_t used = (size_t)snprintf(command, sizeof command, "tinyforge");
    for (int i = 0; i < argc && used < sizeof command; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            i++;
            continue;
        }
        const char *arg = argv[i];
        if (arg == model) {
            const char *slash = strrchr(model, '/');
            arg = slash ? slash + 1 : model;
        }
        used += (size_t)snprintf(command + used, sizeof command - used, " %s", arg);
    }
    for (char *c = command; *c; c++)
        if (*c == '*' && c[1] == '/') *c = '?'; /* keep the front-matter comment closed */

    o.int8_io = true;
    /* MCU code gets the depthwise variants that are fastest there (same arena). */
    if (strcmp(target, "host") != 0) o.dw = TFG_DW_AUTO_MCU;
    /* The fastest kernels, unless --sram needs the low-memory ones. */
    o.kernel_budget = so.sram ? so.sram : SIZE_MAX;
    tfg_model_t m;
    if (cli_load(model, &o, &m)) return 1;
    tfg_sched_plan_t sp;
    bool patched = false;
    if (cli_schedule_plan(&m, &so, &sp, &patched)) {
        tfg_model_free(&m);
        return 1;
    }
    tfg_codegen_opts_t co = {
        name, target, command, model, m.graph.file, m.graph.file_len, patched ? &sp : NULL, NULL};
    tfg_diag_t d = {{0}};
    tfg_status_t st = TFG_OK;
    static tfg_yolo_setup_t ys;
    static int8_t lut[3 * 256];
    tfg_codegen_detect_t det = {
        .yolo = &ys.p, .output = ys.output, .lo = yo.lo, .hi = yo.hi, .max_candidates = (int32_t)maxc};
    if (post) {
        if (cli_yolo_setup(&m, model, &yo, &ys) < 0) {
            if (patched) tfg_sched_plan_free(&sp);
            tfg_model_free(&m);
            return 1;
        }
        const tfg_tensor_t *in = &m.graph.tensors[m.graph.inputs[0]];
        if ((st = tfg_frame_setup(in, format, fw ? fw : in->dims[2], fh ? fh : in->dims[1], yo.lo, yo.hi,
                                  &det.frame, lut, &d)) == TFG_OK)
            co.detect = &det;
    }
    if (st == TFG_OK) st = tfg_codegen(&m, dir, &co, &d);
    const size_t net = patched ? sp.arena_bytes : m.plan.peak;
    if (st < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
    } else if (post) {
        size_t scratch_off, arena;
        tfg_codegen_detect_layout(&m, patched ? &sp : NULL, det.max_candidates, &scratch_off, &arena);
        printf(
            "%s -> %s/%s.c: %d layers and %s_detect (frame %dx%d %s, %d heads, up to %ld candidates), arena "
            "%zu B, target %s\n",
            model, dir, name, m.prog.n_steps, name, (int)det.frame.fw, (int)det.frame.fh,
            cli_frame_format_name(det.frame.format), (int)ys.p.n_heads, maxc, arena, target);
        if (arena > net)
            printf("  the arena grew by %zu B for the decoder's scratch (%zu B at %zu; the network needs %zu "
                   "B)\n",
                   arena - net, tfg_yolo_scratch_size(det.max_candidates), scratch_off, net);
        else
            printf(
                "  the decoder's scratch (%zu B at %zu) fits in the arena's free space after the network\n",
                tfg_yolo_scratch_size(det.max_candidates), scratch_off);
    } else {
        printf("%s -> %s/%s.c: %d layers, arena %zu B, target %s\n", model, dir, name, m.prog.n_steps, net,
               target);
    }
    if (patched) tfg_sched_plan_free(&sp);
    tfg_model_free(&m);
    return st < 0 ? 1 : 0;
}
