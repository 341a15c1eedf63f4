/* libFuzzer harness for the IDX dataset reader (src/data/idx.c): the input's
 * first two bytes (big-endian, clamped) are the length of the images file;
 * the rest is the labels file (each raw or gzipped). Every input must be loaded or refused with a
 * message; ASan/UBSan watch for anything read or written out of bounds. */
#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    const size_t rest = size - 2, want = (size_t)data[0] << 8 | data[1], cut = want < rest ? want : rest;
    tfg_dataset_t ds;
    tfg_diag_t d = {{0}};
    if (tfg_idx_load_mem(data + 2, cut, "images", data + 2 + cut, rest - cut, "labels", 0, &ds, &d) ==
        TFG_OK) {
        if (ds.n < 1 || ds.h < 1 || ds.w < 1 || ds.classes < 1 || ds.classes > 256) __builtin_trap();
        tfg_dataset_free(&ds);
    } else if (!d.msg[0]) {
        __builtin_trap(); /* a refusal must say why */
    }
    return 0;
}
