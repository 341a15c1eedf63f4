/* Single-precision matrix multiply for the training engine, row-major:
 *   C[M][N] = alpha * op(A)[M][K] * op(B)[K][N] + beta * C
 * where op(X) is X or its transpose (ta, tb) and lda/ldb/ldc are row strides.
 *
 * Backed by the BLAS the build found (OpenBLAS from Debian; see
 * CMakeLists.txt and bench/bench_train.c for the measurement that chose it),
 * always called single-threaded: the trainer splits work across its own
 * threads (parallel.h) by the data, so results do not depend on the thread
 * count. The first multiply tells the BLAS to keep to one thread (a
 * threaded OpenBLAS otherwise starts its own threads, which spin in
 * sched_yield beside ours: phase 3 of a resumed search, whose first multiply
 * did not come through the trainer, once spent a third of its time there). */
#ifndef TFG_NN_GEMM_H
#define TFG_NN_GEMM_H

#include <stdbool.h>

void tfg_gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
              int ldb, float beta, float *c, int ldc);
/* What backs tfg_gemm, for the benchmark's table and the training log:
 * "OpenBLAS <its kernel set>", "BLIS" or "BLAS". */
const char *tfg_gemm_backend(void);

#endif
