/* Building blocks shared by the built-in families and the JSON reader. */
#ifndef TFG_ZOO_INTERNAL_H
#define TFG_ZOO_INTERNAL_H

#include "nn/net.h"

/* MobileNet channel rounding: a multiple of 8, never more than 10% below v. */
int tfg_zoo_divisible(double v);
/* Inverted residual: [1x1 expand to mid] -> k x k depthwise -> [squeeze-and-
 * excite if se] -> 1x1 project, plus the identity shortcut if residual is 1
 * (-1: whenever shapes allow). No expand conv when mid == in. */
int tfg_zoo_inverted_residual(tfg_net_t *n, int x, int out_c, int k, int stride, int mid, int residual,
                              int se, int blk);
/* Global average pool, classifier, softmax. */
int tfg_zoo_head(tfg_net_t *n, int x, int classes);
/* ProxylessNAS/MCUNet JSON -> net. */
tfg_status_t tfg_zoo_net_json(const char *path, tfg_net_t *n, tfg_diag_t *d);

#endif
