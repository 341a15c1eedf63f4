/* libFuzzer harness for the training checkpoint reader (src/train/
 * checkpoint.c): the input is a checkpoint for a small net with batch norm,
 * loaded as a float-training checkpoint and as a QAT one. Every input must
 * be loaded or refused with a message, and a refusal must leave the net's
 * values untouched; ASan/UBSan watch for anything read or written out of
 * bounds. With TFG_FUZZ_CKPT_SEED=FILE set, it writes a valid checkpoint
 * there (the seed corpus) and exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/checkpoint.h"
#include "train/optim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static tfg_net_t net;
static tfg_grad_t grad;
static tfg_params_t params;
static float *snapshot;
static size_t snap_n;

static void build(void)
{
    tfg_net_init(&net, "fuzz");
    int x = tfg_net_input(&net, 6, 6, 1);
    x = tfg_net_conv(&net, x, 4, 3, 2, TFG_ACT_RELU6, "c");
    x = tfg_net_dwconv(&net, x, 3, 1, TFG_ACT_RELU6, "d");
    x = tfg_net_avgpool(&net, x, "p");
    x = tfg_net_fc(&net, x, 3, "f");
    tfg_net_softmax(&net, x);
    if (tfg_net_init_train(&net, 1) < 0 || tfg_grad_init(&grad, &net, 2, 1) < 0 ||
        tfg_params_collect(&net, &grad, &params) < 0)
        abort();
    for (int i = 0; i < params.n; i++) snap_n += params.p[i].n;
    snapshot = malloc(sizeof(float) * snap_n);
}

static void snap(float *to)
{
    for (int i = 0, at = 0; i < params.n; at += (int)params.p[i].n, i++)
        memcpy(to + at, params.p[i].p, sizeof(float) * params.p[i].n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    build();
    const char *seed = getenv("TFG_FUZZ_CKPT_SEED");
    if (seed) {
        tfg_epoch_log_t h = {1.0, 0.5, 1.0, 0.5, 0.01, 1.0, 100.0};
        tfg_ckpt_state_t s = {
            .fingerprint = 7, .next_epoch = 1, .hist = &h, .n_hist = 1, .float_test = -1, .ptq_test = -1};
        tfg_diag_t d = {{0}};
        exit(tfg_checkpoint_save(seed, &net, &params, &s, &d) == TFG_OK ? 0 : 1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float mins[8], maxs[8];
    for (int phase = 0; phase < 2; phase++) {
        float *before = malloc(sizeof(float) * snap_n), *after = malloc(sizeof(float) * snap_n);
        snap(before);
        tfg_ckpt_state_t s = {.fingerprint = 7, .mins = phase ? mins : NULL, .maxs = phase ? maxs : NULL};
        tfg_diag_t d = {{0}};
        const tfg_status_t st = tfg_checkpoint_load_mem(data, size, "fuzz.tfgc", &net, &params, &s, &d);
        snap(after);
        if (st == TFG_OK) {
            if (s.n_hist < 0 || (s.n_hist && !s.hist)) __builtin_trap();
            free(s.hist);
        } else if (!d.msg[0] || memcmp(before, after, sizeof(float) * snap_n)) {
            __builtin_trap(); /* a refusal must say why and change nothing */
        }
        free(before);
        free(after);
    }
    return 0;
}
