/* The model builder: architecture specs -> float nets -> int8 IR graphs.
 *
 * A spec is a built-in name or an architecture JSON file:
 *   mbv2-w<width>-r<res>[-c<classes>][-se]  MobileNetV2 (MCUNet's variant: the last
 *                                       1x1 conv is 1280 * width, rounded to 8;
 *                                       -se: squeeze-and-excite in every block)
 *   mbv1-w<width>-r<res>[-c<classes>][-g]  MobileNetV1 (-g: grayscale input)
 *   resnet8-cifar                       MLPerf Tiny image classification ResNet-8
 *   dscnn-kws                           MLPerf Tiny keyword spotting DS-CNN
 *   PATH.json                           ProxylessNAS / MCUNet JSON (first_conv,
 *                                       blocks, feature_mix_layer, classifier, resolution)
 * Building is deterministic: the same spec and seed give the same bytes. */
#ifndef TFG_ZOO_H
#define TFG_ZOO_H

#include <stdbool.h>

#include "ir/ir.h"
#include "nn/net.h"

typedef struct {
    const char *example; /* a name to pass to tfg_zoo_net */
    const char *what;
} tfg_zoo_entry_t;

/* The built-in families, one example name each. */
int tfg_zoo_list(const tfg_zoo_entry_t **entries);

/* Spec -> float net (shapes only; weights are zero until initialised). */
tfg_status_t tfg_zoo_net(const char *spec, tfg_net_t *net, tfg_diag_t *d);
/* An architecture JSON already in memory (name is for messages; used by the fuzzer). */
tfg_status_t tfg_zoo_net_json_text(const char *text, size_t len, const char *name, tfg_net_t *net,
                                   tfg_diag_t *d);

/* A whole text file (NUL-terminated, malloc'd) of at most max bytes, for
 * the JSON specs (architectures, search spaces); `what` names it in
 * messages ("an architecture spec"). */
tfg_status_t tfg_read_text_file(const char *path, size_t max, const char *what, char **text, size_t *len,
                                tfg_diag_t *d);

typedef struct {
    uint64_t seed;    /* weights and calibration inputs */
    int calib_inputs; /* float forward passes for activation ranges (0: a default) */
    bool shapes_only; /* skip weights and calibration: quantization is a placeholder
                         (for memory planning and NAS, where values do not matter) */
} tfg_build_opts_t;

/* Float net -> int8 IR graph (validated). Initialises the weights from the seed,
 * calibrates activation ranges with a float forward pass over synthetic inputs
 * in [-1, 1], and quantizes as TFLite's converter does: per-channel symmetric
 * weights, int32 bias, per-tensor asymmetric activations. I/O is int8. */
tfg_status_t tfg_zoo_quantize(tfg_net_t *net, const tfg_build_opts_t *o, tfg_graph_t *g, tfg_diag_t *d);

/* The same with placeholder quantization (shapes_only) for a net that is
 * only read: what memory planning and the search's cost need. */
tfg_status_t tfg_zoo_quantize_placeholder(const tfg_net_t *net, tfg_graph_t *g, tfg_diag_t *d);

/* A trained float net (batch norm folded: tfg_net_fold_bn) -> int8 graph by
 * the same rules, from activation ranges the caller measured: mins[i] and
 * maxs[i] for every layer i, layer 0 being the input (PTQ: calibration on
 * training images, tfg_nn_ranges; QAT: the moving averages it tracked).
 * float_io puts a QUANTIZE before the input and a DEQUANTIZE after the
 * output (float I/O); otherwise I/O is int8. The net is not modified. */
tfg_status_t tfg_zoo_quantize_trained(const tfg_net_t *net, const float *mins, const float *maxs,
                                      bool float_io, tfg_graph_t *g, tfg_diag_t *d);

/* Both steps. */
tfg_status_t tfg_zoo_build(const char *spec, const tfg_build_opts_t *o, tfg_graph_t *g, tfg_diag_t *d);

#endif
