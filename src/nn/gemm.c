/* tfg_gemm on the reference BLAS interface (sgemm_), which OpenBLAS, BLIS
 * and netlib all export with the same Fortran calling convention. BLAS is
 * column-major; a row-major product C = A B is the column-major product
 * C^T = B^T A^T, so the operands are passed swapped. */
#include "nn/gemm.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

void sgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k, const float *alpha,
            const float *a, const int *lda, const float *b, const int *ldb, const float *beta, float *c,
            const int *ldc);
/* Thread controls of the two libraries we may be linked with; weak, so a
 * BLAS without them links too. */
void openblas_set_num_threads(int n) __attribute__((weak));
void bli_thread_set_num_threads(long n) __attribute__((weak));
char *openblas_get_config(void) __attribute__((weak));
char *openblas_get_corename(void) __attribute__((weak));

static void keep_to_one_thread(void)
{
    if (openblas_set_num_threads) openblas_set_num_threads(1);
    if (bli_thread_set_num_threads) bli_thread_set_num_threads(1);
}

const char *tfg_gemm_backend(void)
{
    /* OpenBLAS's kernels depend on the CPU it detects (or OPENBLAS_CORETYPE),
     * and so do the rounding of its products and a training run's bytes. */
    static char name[64];
    if (openblas_get_config) {
        const char *core = openblas_get_corename ? openblas_get_corename() : NULL;
        snprintf(name, sizeof name, "OpenBLAS %s", core ? core : "");
        return name;
    }
    if (bli_thread_set_num_threads) return "BLIS";
    return "BLAS";
}

void tfg_gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
              int ldb, float beta, float *c, int ldc)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, keep_to_one_thread);
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[(size_t)i * (size_t)ldc + (size_t)j] *= beta;
        return;
    }
    const char ca = ta ? 'T' : 'N', cb = tb ? 'T' : 'N';
    sgemm_(&cb, &ca, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
}
