/* TinyNAS's weight-sharing supernet: the largest subnet of a space at one
 * width, whose weights every subnet of that width slices (MCUNet, after
 * Once-for-All):
 *  - elastic kernel: a block's k x k depthwise kernel is the centre of the
 *    largest kernel;
 *  - elastic expansion: a block's expansion uses the leading channels of
 *    the largest expansion (the expand conv's first rows, the depthwise
 *    conv's first channels, the project conv's first columns);
 *  - elastic depth: a stage of depth d uses its first d blocks.
 * Batch norm's gamma and beta are sliced like the channels they scale.
 *
 * A subnet trains and runs as a standalone net: tfg_supernet_get copies its
 * slice out, and tfg_supernet_add adds arrays shaped like its weights (its
 * gradients) back into the supernet's slice. So the supernet's steps use
 * the training engine unchanged, one standalone subnet at a time. */
#ifndef TFG_SEARCH_SUPERNET_H
#define TFG_SEARCH_SUPERNET_H

#include "search/space.h"

typedef struct {
    tfg_space_t space;
    int width, res;       /* indices into the space */
    tfg_subnet_t largest; /* every choice at its maximum */
    tfg_net_t net;        /* the largest subnet: the shared weights */
} tfg_supernet_t;

/* The supernet of space s at width index w and resolution index r, with
 * zero weights and batch-norm parameters allocated (tfg_net_alloc_bn).
 * Refused when an expansion choice is 1 beside larger ones (a block
 * without an expand conv is no slice of one with it). */
tfg_status_t tfg_supernet_init(tfg_supernet_t *sn, const tfg_space_t *s, int w, int r, tfg_diag_t *d);
void tfg_supernet_free(tfg_supernet_t *sn);

/* Elastic expansion keeps the leading channels, so they should be the ones
 * that matter most: after the largest net is trained, each block's
 * expanded channels are reordered by importance, the L1 norm of the project
 * conv's weights on the channel (Once-for-All's rule), descending, ties in
 * index order. The expand conv's rows, the depthwise conv's channels, the
 * project conv's columns and both batch norms move together, so the
 * largest net computes the same function. */
tfg_status_t tfg_supernet_sort_channels(tfg_supernet_t *sn, tfg_diag_t *d);

/* Subnet n (of the supernet's width and resolution) as a standalone net
 * (built by the model builder) holding its slice of the shared weights,
 * biases and batch-norm parameters. */
tfg_status_t tfg_supernet_extract(const tfg_supernet_t *sn, const tfg_subnet_t *n, tfg_net_t *out,
                                  tfg_diag_t *d);

/* Per-layer arrays shaped like a standalone subnet's weights (w[i]) and
 * biases or batch-norm gamma and beta (b[i], g[i], bt[i]; any may be NULL
 * per layer): add them into the same-shaped arrays of the supernet
 * (sw, sb, sg, sbt, indexed by the supernet's layers) at the subnet's
 * slice. With the gradients of tfg_nn_backward this accumulates a
 * subnet's step into the supernet's. `sub` is subnet n's standalone net,
 * which the arrays belong to (tfg_supernet_extract). -1, with nothing
 * added, when a layer of it is no slice of the supernet. */
typedef struct {
    float **w, **b, **g, **bt;
} tfg_layer_arrays_t;
int tfg_supernet_add(const tfg_supernet_t *sn, const tfg_subnet_t *n, const tfg_net_t *sub,
                     const tfg_layer_arrays_t *from, const tfg_layer_arrays_t *to);

#endif
