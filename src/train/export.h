/* From a trained float net to the int8 model the engine runs.
 *
 * Post-training quantization: batch norm folded into a copy of the net
 * (running statistics), activation ranges measured on training images by
 * the batched forward pass, then the one quantizer (src/zoo/quantize.c,
 * TFLite's rules: per-channel symmetric int8 weights, int32 bias at
 * s_in * s_w, fixed softmax/logistic outputs). */
#ifndef TFG_TRAIN_EXPORT_H
#define TFG_TRAIN_EXPORT_H

#include <stdbool.h>

#include "data/dataset.h"
#include "nn/net.h"
#include "nn/parallel.h"

/* The images PTQ calibrates on: `count` training images spread evenly over
 * the set (every n/count-th), as floats (p / 255); the caller frees. */
float *tfg_train_calibration_images(const tfg_dataset_t *train, int count);

/* Ranges of every layer of the folded net over the calibration images
 * (mins/maxs: one per layer, widened from 0). -1 when out of memory. */
int tfg_train_ranges(const tfg_net_t *folded, const float *images, int count, tfg_pool_t *pool, float *mins,
                     float *maxs);

/* PTQ in one call: fold a copy of net, calibrate on `count` images of
 * train, quantize. */
tfg_status_t tfg_train_ptq(const tfg_net_t *net, const tfg_dataset_t *train, int count, bool float_io,
                           tfg_pool_t *pool, tfg_graph_t *g, tfg_diag_t *d);

#endif
