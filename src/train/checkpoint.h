/* Checkpoints: everything a training run needs to continue exactly where it
 * stopped (the net's parameters and batch-norm running statistics, the
 * momentum buffers, the next epoch, the per-epoch history), plus a
 * fingerprint of the options that shape the result, so that resuming with
 * other options is refused instead of silently mixing two runs.
 *
 * File layout (little-endian):
 *   "TFGCKPT1", u32 version (1), u64 fingerprint, u32 next epoch, u32 range
 *   count (0 in float training; during QAT the layer count: a min and a max
 *   each, stored at the end), u32 history count, f64 float and PTQ test
 *   accuracies (measured when float training ended; -1 before), history records
 *   (TFG_EPOCH_FIELDS doubles each),
 *   u32 tensor count, per tensor: u32 layer, u32 part (0 weights, 1 bias,
 *   2 batch norm), u64 count, count floats; then every momentum buffer in
 *   parameter order as u64 count + floats; the ranges (every min, then every
 *   max); u32 CRC-32 of all bytes before it.
 * Saving writes NAME.tmp, syncs it and renames it over NAME, so a run killed
 * at any moment leaves the previous checkpoint or the new one, never half of
 * one. Loading checks every count against the net and the CRC, and is
 * fuzzed (fuzz/fuzz_checkpoint.c). */
#ifndef TFG_TRAIN_CHECKPOINT_H
#define TFG_TRAIN_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "nn/net.h"
#include "train/optim.h"

/* One epoch's record in the history and the JSON log. */
typedef struct {
    double loss, accuracy;         /* training (augmented images) */
    double val_loss, val_accuracy; /* -1 without a validation set */
    double lr, seconds, samples_per_s;
} tfg_epoch_log_t;
#define TFG_EPOCH_FIELDS 7

/* What a checkpoint holds besides the net and the momentum. */
typedef struct {
    uint64_t fingerprint;
    int next_epoch;
    tfg_epoch_log_t *hist; /* loading allocates it (free it) */
    int n_hist;
    float *mins, *maxs;          /* QAT's ranges (one per layer), or NULL in float training */
    double float_test, ptq_test; /* accuracies measured between the phases (QAT checkpoints keep them) */
} tfg_ckpt_state_t;

tfg_status_t tfg_checkpoint_save(const char *path, const tfg_net_t *net, const tfg_params_t *ps,
                                 const tfg_ckpt_state_t *s, tfg_diag_t *d);

/* Restores into net (the same architecture in the same phase: batch norm
 * allocated in float training, folded in QAT) and ps (its parameters,
 * collected from it). s->fingerprint must match the file's; s->mins/maxs
 * must be given exactly when the file has ranges (they are filled). */
tfg_status_t tfg_checkpoint_load(const char *path, tfg_net_t *net, tfg_params_t *ps, tfg_ckpt_state_t *s,
                                 tfg_diag_t *d);
tfg_status_t tfg_checkpoint_load_mem(const uint8_t *bytes, size_t len, const char *name, tfg_net_t *net,
                                     tfg_params_t *ps, tfg_ckpt_state_t *s, tfg_diag_t *d);
/* The net's tensors alone (weights, biases, batch norm) from any
 * checkpoint of the same architecture in the same phase, whatever options
 * wrote it: a starting point (train --init; the search's final model
 * starts from its supernet's weights). The net is unchanged on error. */
tfg_status_t tfg_checkpoint_load_weights(const char *path, tfg_net_t *net, tfg_diag_t *d);

/* The next epoch and whether the file holds QAT ranges, from a whole,
 * undamaged checkpoint (to build the net of the right phase first). */
tfg_status_t tfg_checkpoint_peek(const char *path, int *next_epoch, bool *qat, tfg_diag_t *d);

/* The epochs' history alone (allocated: free it), from a whole, undamaged
 * checkpoint: a resumed run's earlier epochs, their time included. */
tfg_status_t tfg_checkpoint_history(const char *path, tfg_epoch_log_t **hist, int *n, tfg_diag_t *d);

/* FNV-1a over a string, for fingerprints. */
uint64_t tfg_fingerprint(uint64_t h, const char *s);

#endif
