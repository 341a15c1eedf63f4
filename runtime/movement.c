/* Data-movement kernels: strided gather (TRANSPOSE, SLICE, SPLIT, TILE), PAD
 * and CONCATENATION. No arithmetic on values, so they are exact by
 * construction; they exist to keep layouts NHWC-dense. The resizes are in
 * resize.c. */
#include <string.h>

#include "tinyforge/kernels.h"

void tfg_gather_s8(const tfg_gather_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t idx[TFG_MAX_DIMS] = {0};
    const int r = p->rank;
    in += p->offset;
    if (r == 0) {
        *out = *in;
        return;
    }
    size_t total = 1;
    for (int d = 0; d < r; d++) total *= (size_t)p->dims[d];
    if (total == 0) return;
    /* Odometer over all but the last axis; the last axis is a strided run.
     * Offsets are signed: a step may be negative (STRIDED_SLICE) or zero (TILE),
     * and every element read lies inside the input, which is below 2^31 bytes. */
    const int32_t last = p->dims[r - 1], last_stride = p->in_stride[r - 1];
    for (;;) {
        int32_t src = 0;
        for (int d = 0; d < r - 1; d++) src += idx[d] * p->in_stride[d];
        if (last_stride == 1) {
            memcpy(out, in + src, (size_t)last);
        } else {
            for (int32_t i = 0; i < last; i++) out[i] = in[src + i * last_stride];
        }
        out += last;
        int d = r - 2;
        while (d >= 0 && ++idx[d] == p->dims[d]) idx[d--] = 0;
        if (d < 0) break;
    }
}

void tfg_pad_s8(const tfg_pad_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t od[4];
    for (int d = 0; d < 4; d++) od[d] = p->before[d] + p->in_dims[d] + p->after[d];
    const size_t row = (size_t)p->in_dims[3];
    const size_t orow = (size_t)od[3];
    for (int32_t i0 = 0; i0 < od[0]; i0++)
        for (int32_t i1 = 0; i1 < od[1]; i1++)
            for (int32_t i2 = 0; i2 < od[2]; i2++) {
                int8_t *o =
                    out + (((size_t)i0 * (size_t)od[1] + (size_t)i1) * (size_t)od[2] + (size_t)i2) * orow;
                const int32_t j0 = i0 - p->before[0], j1 = i1 - p->before[1], j2 = i2 - p->before[2];
                if (j0 < 0 || j0 >= p->in_dims[0] || j1 < 0 || j1 >= p->in_dims[1] || j2 < 0 ||
                    j2 >= p->in_dims[2]) {
                    memset(o, p->value, orow);
                    continue;
                }
                const int8_t *s =
                    in +
                    (((size_t)j0 * (size_t)p->in_dims[1] + (size_t)j1) * (size_t)p->in_dims[2] + (size_t)j2) *
                        row;
                memset(o, p->value, (size_t)p->before[3]);
                memcpy(o + p->before[3], s, row);
                memset(o + p->before[3] + row, p->value, (size_t)p->after[3]);
            }
}

void tfg_concat_s8(const tfg_concat_params_t *p, const int8_t *const *inputs, int8_t *out)
{
    for (int32_t o = 0; o < p->outer; o++)
        for (int32_t i = 0; i < p->n_inputs; i++) {
            const size_t n = (size_t)p->inner[i];
            memcpy(out, inputs[i] + (size_t)o * n, n);
            out += n;
        }
}
