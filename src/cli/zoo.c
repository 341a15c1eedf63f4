/* tinyforge zoo: list the built-in families, build a model to a .tflite file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tflite/writer.h"
#include "zoo/zoo.h"

static const char ZOO_HELP[] =
    "usage: tinyforge zoo list\n"
    "       tinyforge zoo build SPEC -o MODEL.tflite [--seed N] [--calib N] [--shapes-only]\n"
    "\n"
    "The model builder. SPEC is a built-in name (see 'zoo list'), e.g. mbv2-w0.35-r144,\n"
    "mbv1-w0.25-r96-g, resnet8-cifar, dscnn-kws, or a ProxylessNAS/MCUNet architecture\n"
    "JSON such as ../shared/archs/mcunet-320kb-1mb_imagenet.json.\n"
    "\n"
    "build writes an int8 .tflite (int8 input and output) with deterministic synthetic\n"
    "weights: He initialisation with batch norm folded, from --seed (default 1).\n"
    "Activation ranges come from --calib float forward passes (default 2) on inputs in\n"
    "[-1, 1], and quantization follows TFLite's converter (per-channel weights, int32\n"
    "bias, per-tensor activations). --shapes-only skips weights and calibration\n"
    "(placeholder quantization): enough for 'plan' and 'info', and much faster.\n"
    "The same SPEC and seed always give the same bytes.\n";

static int zoo_list(void)
{
    const tfg_zoo_entry_t *e;
    const int n = tfg_zoo_list(&e);
    printf("Built-in model families (pass the name, or a variation of it, to 'zoo build'):\n\n");
    for (int i = 0; i < n; i++) printf("  %-20s %s\n", e[i].example, e[i].what);
    return 0;
}

static int zoo_build(int argc, char **argv)
{
    const char *spec = NULL, *out = NULL;
    tfg_build_opts_t o = {.seed = 1, .calib_inputs = 2};
    for (int i = 0; i < argc; i++) {
        const bool has_value = i + 1 < argc;
        if (!strcmp(argv[i], "-o") && has_value)
            out = argv[++i];
        else if ((!strcmp(argv[i], "--seed") || !strcmp(argv[i], "--calib")) && has_value) {
            char *end;
            const unsigned long long v = strtoull(argv[i + 1], &end, 10);
            if (*end || (argv[i][2] == 'c' && (v < 1 || v > 1000))) {
                fprintf(stderr, "tinyforge: %s takes a number%s\n", argv[i],
                        argv[i][2] == 'c' ? " from 1 to 1000" : "");
                return 2;
            }
            if (argv[i][2] == 's')
                o.seed = v;
            else
                o.calib_inputs = (int)v;
            i++;
        } else if (!strcmp(argv[i], "--shapes-only"))
            o.shapes_only = true;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "tinyforge: unknown or incomplete option '%s'\n%s", argv[i], ZOO_HELP);
            return 2;
        } else if (!spec)
            spec = argv[i];
        else {
            fprintf(stderr, "tinyforge: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!spec || !out) {
        fprintf(stderr, "tinyforge: zoo build needs SPEC and -o MODEL.tflite\n%s", ZOO_HELP);
        return 2;
    }
    tfg_graph_t g;
    tfg_diag_t d = {{0}};
    if (tfg_zoo_build(spec, &o, &g, &d) < 0 || tfg_tflite_write_file(&g, out, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        if (g.n_tensors) tfg_graph_free(&g);
        return 1;
    }
    int64_t macs = 0, params = 0;
    for (int i = 0; i < g.n_ops; i++) {
        macs += tfg_op_macs(&g, &g.ops[i]);
        for (int k = 1; k < g.ops[i].n_in; k++)
            if (g.ops[i].in[k] >= 0 && tfg_tensor_is_const(&g.tensors[g.ops[i].in[k]]))
                params += (int64_t)g.tensors[g.ops[i].in[k]].data_bytes;
    }
    printf("%s: %d ops, %.2f M MACs, %.1f KiB of weights -> %s\n", spec, g.n_ops, (double)macs / 1e6,
           (double)params / 1024.0, out);
    tfg_graph_free(&g);
    return 0;
}

int cli_zoo(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(ZOO_HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "list")) return zoo_list();
    if (!strcmp(argv[1], "build")) return zoo_build(argc - 2, argv + 2);
    fprintf(stderr, "tinyforge: unknown zoo command '%s'\n%s", argv[1], ZOO_HELP);
    return 2;
}
