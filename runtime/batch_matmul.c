/* BATCH_MATMUL, int8 x int8 -> int8, as TFLite's reference computes it:
 * the sum over the depth of (l - lhs_zp) * (r - rhs_zp) in int32 (the
 * compiler bounds |bias| + depth * 255 * 255 below 2^31), one
 * requantization. FULLY_CONNECTED with activation weights runs here too. TFLM
 * first copies a transposed side into a persistent buffer; here both sides
 * are read in place through strides, so there is no copy and no scratch. */
#include "tinyforge/kernels.h"

void tfg_batch_matmul_s8(const tfg_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs,
                         int8_t *out)
{
    for (int32_t b0 = 0; b0 < p->batch[0]; b0++)
        for (int32_t b1 = 0; b1 < p->batch[1]; b1++)
            for (int32_t b2 = 0; b2 < p->batch[2]; b2++) {
                const int8_t *l = lhs + (size_t)b0 * (size_t)p->lhs_batch[0] +
                                  (size_t)b1 * (size_t)p->lhs_batch[1] + (size_t)b2 * (size_t)p->lhs_batch[2];
                const int8_t *r = rhs + (size_t)b0 * (size_t)p->rhs_batch[0] +
                                  (size_t)b1 * (size_t)p->rhs_batch[1] + (size_t)b2 * (size_t)p->rhs_batch[2];
                for (int32_t i = 0; i < p->rows; i++) {
                    const int8_t *li = l + (size_t)i * (size_t)p->lhs_row;
                    for (int32_t j = 0; j < p->cols; j++) {
                        const int8_t *rj = r + (size_t)j * (size_t)p->rhs_col;
                        int32_t acc = p->bias ? p->bias[j] : 0;
                        for (int32_t k = 0; k < p->depth; k++)
                            acc += (li[(size_t)k * (size_t)p->lhs_depth] - p->lhs_zp) *
                                   (rj[(size_t)k * (size_t)p->rhs_depth] - p->rhs_zp);
                        *out++ =
                            (int8_t)tfg_clamp(tfg_rq_out(acc, &p->rq, p->out_zp), p->act_min, p->act_max);
                    }
                }
            }
}
