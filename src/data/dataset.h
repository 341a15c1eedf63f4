/* Datasets for training and evaluation: labelled uint8 images in memory.
 *
 * The first source is IDX, the format of MNIST and Fashion-MNIST (Debian's
 * dataset-fashion-mnist ships it gzipped in /usr/share/datasets/). A file is
 * a 4-byte magic (two zero bytes, the element type 0x08 = uint8, the number
 * of dimensions), one big-endian uint32 per dimension, then the elements in
 * row-major order. Images are 3-D (count, rows, columns), labels 1-D.
 *
 * Every reader here treats its input as hostile: the magic, each dimension,
 * the byte count, the image and label counts agreeing and each label being a
 * class are checked, and a refusal names the file and what is wrong with it
 * (a truncated gzip stream included). Nothing is read out of bounds; the
 * readers are fuzzed (fuzz/fuzz_idx.c). */
#ifndef TFG_DATA_DATASET_H
#define TFG_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"

typedef struct {
    int32_t n;       /* images */
    int32_t h, w, c; /* each image: h x w x c uint8, HWC */
    uint8_t *images; /* [n][h][w][c] */
    uint8_t *labels; /* [n], each < classes */
    int32_t classes; /* one more than the largest label (at least 1) */
} tfg_dataset_t;

/* The two files of an IDX dataset (each gzipped or raw), checked to agree.
 * max_classes bounds the labels (0: 256). */
tfg_status_t tfg_idx_load(const char *images_path, const char *labels_path, int32_t max_classes,
                          tfg_dataset_t *ds, tfg_diag_t *d);

/* The same from bytes in memory (names are for messages; used by the fuzzer). */
tfg_status_t tfg_idx_load_mem(const uint8_t *images, size_t images_len, const char *images_name,
                              const uint8_t *labels, size_t labels_len, const char *labels_name,
                              int32_t max_classes, tfg_dataset_t *ds, tfg_diag_t *d);

/* Fashion-MNIST's train (60,000) or test (10,000) split from dir (NULL:
 * /usr/share/datasets/fashion-mnist, where Debian's dataset-fashion-mnist puts
 * it); split is "train" or "test". */
tfg_status_t tfg_fashion_mnist_load(const char *dir, const char *split, tfg_dataset_t *ds, tfg_diag_t *d);

void tfg_dataset_free(tfg_dataset_t *ds);

#endif
