/* The tinyforge command line: dispatches to one function per subcommand.
 * The library never prints; everything the user sees is formatted here. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
    fprintf(f, "tinyforge: put int8 neural networks on microcontrollers\n"
               "\n"
               "usage: tinyforge <command> [options]\n"
               "\n"
               "commands:\n"
               "  info MODEL              per-layer table: op, shapes, MACs, parameters, live bytes\n"
               "  run MODEL -i IN -o OUT  run on the host (bit-exact with TFLite reference kernels)\n"
               "  plan MODEL [--json]     memory plan: arena size, lower bound, per-step live bytes\n"
               "  compile MODEL -o DIR    generate plain C for a microcontroller (no interpreter)\n"
               "  bench MODEL --target T  run the generated code under QEMU: instructions, flash, SRAM\n"
               "  report MODEL -o F.html  memory timeline, arena map, schedule front, patch grid (one page)\n"
               "  eval MODEL --data SPEC  accuracy (overall, per class, confusion matrix) on a dataset\n"
               "  detect MODEL IMAGE...   YOLO boxes on photographs (PNG, JPEG, PPM); -o DIR draws them\n"
               "  classify MODEL IMAGE... label and score per photograph (e.g. visual wake words)\n"
               "  demo [SPEC]             build MobileNetV2 (or SPEC), show its memory profile, run it\n"
               "  zoo list|build          the model builder: built-in families, MCUNet JSON specs\n"
               "  train ARCH --data D -o DIR  train on a dataset in C, quantize, write the int8 model\n"
               "  search --data D --sram S --flash F -o DIR  TinyNAS: the network that fits a board\n"
               "\n"
               "Run 'tinyforge <command> --help' for a command's options.\n"
               "Model options shared by all commands:\n"
               "  --int8-io        drop float QUANTIZE/DEQUANTIZE at the model edges (I/O as int8,\n"
               "                   as on an MCU fed by a sensor); a uint8 input's QUANTIZE too: the\n"
               "                   model then takes int8 in that QUANTIZE's output quantization\n"
               "                   (usually zero point - 128: feed the uint8 bytes XOR 0x80)\n"
               "  --no-in-place    run every op out of place (shows what in-place execution saves)\n"
               "  --no-conv-in-place  keep pointwise convolutions out of place (MCUNet's analytic\n"
               "                   whole-tensor peaks assume so)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "info")) return cli_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "run")) return cli_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "plan")) return cli_plan(argc - 1, argv + 1);
    if (!strcmp(cmd, "demo")) return cli_demo(argc - 1, argv + 1);
    if (!strcmp(cmd, "zoo")) return cli_zoo(argc - 1, argv + 1);
    if (!strcmp(cmd, "compile")) return cli_compile(argc - 1, argv + 1);
    if (!strcmp(cmd, "bench")) return cli_bench(argc - 1, argv + 1);
    if (!strcmp(cmd, "report")) return cli_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "train")) return cli_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "eval")) return cli_eval(argc - 1, argv + 1);
    if (!strcmp(cmd, "search")) return cli_search(argc - 1, argv + 1);
    if (!strcmp(cmd, "detect")) return cli_detect(argc - 1, argv + 1);
    if (!strcmp(cmd, "classify")) return cli_classify(argc - 1, argv + 1);
    fprintf(stderr, "tinyforge: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
