/* Training TinyNAS's supernet by the sandwich rule (BigNAS; the rule MCUNet
 * trains its supernets with): every step runs the largest subnet on the
 * labels, then the smallest and a few random subnets, each distilled from
 * the largest's outputs on the same batch (in-place distillation: the
 * student's targets are the teacher's softmax, held constant), and takes
 * one SGD step on the sum of their gradients. The largest and smallest
 * bound the space, so every subnet between them keeps improving; the
 * teacher gives the small ones softer, easier targets than the labels.
 *
 * It runs inside the ordinary trainer (src/train/train.c) as a step
 * function: the trainer's net is the supernet, whose own forward and
 * backward pass is the largest subnet's; each student is a standalone net
 * holding its slice of the shared weights (tfg_supernet_extract), trained
 * through the same forward and backward passes, its gradients added back
 * into the supernet's slice (tfg_supernet_add). Augmentation, shuffles,
 * the learning-rate schedule, SGD, checkpoints and determinism are the
 * trainer's. The students of a step are drawn from (seed, step), so a
 * resumed or rethreaded run trains the same subnets. */
#ifndef TFG_SEARCH_SNTRAIN_H
#define TFG_SEARCH_SNTRAIN_H

#include "search/supernet.h"
#include "train/train.h"

typedef struct {
    int n_random;  /* random students per step besides the smallest (default 2) */
    uint64_t seed; /* the students' draws */
} tfg_sntrain_opts_t;

typedef struct tfg_sntrain tfg_sntrain_t;

/* Make t's steps the sandwich rule's. t must have been created on sn->net;
 * sn must outlive the attachment. NULL with a message on error. */
tfg_sntrain_t *tfg_sntrain_attach(tfg_supernet_t *sn, tfg_trainer_t *t, const tfg_sntrain_opts_t *o,
                                  tfg_diag_t *d);
/* Detach (t's steps are its own again) and free. */
void tfg_sntrain_free(tfg_sntrain_t *st);

/* The students of step `step`: the smallest subnet, then n_random random
 * ones (of the supernet's width and resolution). Returns how many (at most cap). */
int tfg_sntrain_students(const tfg_sntrain_t *st, long step, tfg_subnet_t *out, int cap);

/* One sandwich step's gradients for the batch in the trainer (what the step
 * function runs, with the students of its step): the largest subnet's loss
 * on the labels, plus each student's distillation loss, their gradients
 * summed into the trainer's. Returns the largest's loss and hits (what the
 * trainer reports); a student that fails (out of memory) is skipped and
 * the message kept (tfg_sntrain_error). */
double tfg_sntrain_grad(tfg_sntrain_t *st, const tfg_subnet_t *students, int n, int batch, long step,
                        int *correct);

/* The students' mean distillation loss since the last call (resets it). */
double tfg_sntrain_student_loss(tfg_sntrain_t *st);

/* The first failure of a step, or NULL. */
const char *tfg_sntrain_error(const tfg_sntrain_t *st);

#endif
