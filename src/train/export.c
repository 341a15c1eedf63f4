/* Post-training quantization (see export.h). */
#include "train/export.h"

#include <stdlib.h>
#include <string.h>

#include "nn/forward.h"
#include "train/train.h"
#include "zoo/zoo.h"

float *tfg_train_calibration_images(const tfg_dataset_t *train, int count)
{
    if (count > train->n) count = train->n;
    if (count < 1) return NULL;
    const size_t isz = (size_t)train->h * train->w * train->c;
    float *x = malloc(sizeof(float) * isz * (size_t)count);
    if (!x) return NULL;
    for (int i = 0; i < count; i++) {
        const size_t at = (size_t)((int64_t)i * train->n / count);
        tfg_train_pixels(train->images + at * isz, isz, x + (size_t)i * isz);
    }
    return x;
}

int tfg_train_ranges(const tfg_net_t *folded, const float *images, int count, tfg_pool_t *pool, float *mins,
                     float *maxs)
{
    for (int i = 0; i < folded->n; i++) mins[i] = maxs[i] = 0.0f;
    return tfg_nn_ranges(folded, images, count, pool, mins, maxs);
}

tfg_status_t tfg_train_ptq(const tfg_net_t *net, const tfg_dataset_t *train, int count, bool float_io,
                           tfg_pool_t *pool, tfg_graph_t *g, tfg_diag_t *d)
{
    memset(g, 0, sizeof *g);
    if (count > train->n) count = train->n;
    tfg_net_t f;
    if (tfg_net_copy(&f, net) < 0) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    tfg_net_fold_bn(&f);
    float *x = tfg_train_calibration_images(train, count);
    float *mins = calloc((size_t)f.n, sizeof(float)), *maxs = calloc((size_t)f.n, sizeof(float));
    tfg_status_t st = x && mins && maxs ? TFG_OK : tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
    if (st == TFG_OK && tfg_train_ranges(&f, x, count, pool, mins, maxs) < 0)
        st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory in calibration");
    if (st == TFG_OK) st = tfg_zoo_quantize_trained(&f, mins, maxs, float_io, g, d);
    free(x);
    free(mins);
    free(maxs);
    tfg_net_free(&f);
    return st;
}
