/* Training speed: images per second of float training steps (forward,
 * loss, backward, SGD) and of QAT steps, and the process's peak memory.
 * scripts/bench_train.sh runs it per batch size and BLAS, next to the
 * PyTorch peer, and prints the table.
 *
 * usage: bench_train ARCH BATCH THREADS STEPS [qat]
 * prints one line: "tinyforge <float|qat> batch B threads T: S img/s, peak RSS R KiB, BLAS NAME" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_util.h"
#include "data/dataset.h"
#include "nn/gemm.h"
#include "train/export.h"
#include "train/train.h"
#include "zoo/zoo.h"

static double step_time(tfg_trainer_t *t)
{
    const double t0 = bench_now();
    tfg_trainer_epoch(t, NULL, NULL);
    return bench_now() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_train ARCH BATCH THREADS STEPS [qat]\n");
        return 2;
    }
    const int batch = atoi(argv[2]), threads = atoi(argv[3]), steps = atoi(argv[4]);
    const int qat = argc > 5 && !strcmp(argv[5], "qat");
    tfg_diag_t d = {{0}};
    tfg_net_t net;
    tfg_dataset_t ds;
    if (batch < 2 || threads < 1 || steps < 1 || tfg_zoo_net(argv[1], &net, &d) < 0 ||
        tfg_fashion_mnist_load(NULL, "train", &ds, &d) < 0) {
        fprintf(stderr, "bench_train: %s\n", d.msg[0] ? d.msg : "bad arguments");
        return 1;
    }
    if (tfg_net_retarget(&net, 1, 10) < 0 || tfg_net_init_train(&net, 1) < 0) return 1;
    /* One epoch = the measured steps, after a warm-up epoch of 2 steps. */
    tfg_train_opts_t o = tfg_train_default_opts();
    o.epochs = 1, o.batch = batch;
    tfg_dataset_t warm = ds, run = ds;
    warm.n = 2 * batch, run.n = steps * batch;
    if (run.n > ds.n) run.n = ds.n;
    tfg_trainer_t *tw = NULL, *t = NULL;
    float *mins = calloc((size_t)net.n, sizeof(float)), *maxs = calloc((size_t)net.n, sizeof(float));
    if (qat) {
        /* QAT trains the folded net from PTQ's ranges, as `train` does. */
        tfg_net_fold_bn(&net);
        float *x = tfg_train_calibration_images(&ds, 256);
        if (!x || tfg_train_ranges(&net, x, 256, NULL, mins, maxs) < 0) return 1;
        free(x);
    }
    /* The warm-up trainer is gone before the measured one exists, so the
     * peak memory is one trainer's. */
    tw = tfg_trainer_create(&net, &warm, NULL, &o, threads, &d);
    if (tw && qat && tfg_trainer_start_qat(tw, mins, maxs, NULL, &d) < 0) tw = NULL;
    if (!tw) {
        fprintf(stderr, "bench_train: %s\n", d.msg);
        return 1;
    }
    step_time(tw);
    tfg_trainer_free(tw);
    t = tfg_trainer_create(&net, &run, NULL, &o, threads, &d);
    if (t && qat && tfg_trainer_start_qat(t, mins, maxs, NULL, &d) < 0) t = NULL;
    if (!t) {
        fprintf(stderr, "bench_train: %s\n", d.msg);
        return 1;
    }
    const double s = step_time(t);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("tinyforge %s batch %d threads %d: %.0f img/s, peak RSS %ld KiB, BLAS %s\n", qat ? "qat" : "float",
           batch, threads, run.n / s, ru.ru_maxrss, tfg_gemm_backend());
    return 0;
}
