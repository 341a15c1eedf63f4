/* Datasets for training and evaluation: labelled uint8 images in memory.
 *
 * Sources: IDX files, image folders (one subfolder per class, image.h
 * decodes), and the built-in Fashion-MNIST; tfg_data_open below opens any of
 * them by a spec string and converts it to a model's input size.
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
    /* [classes] names, owned (NULL when unknown: raw IDX files). Fashion-MNIST
     * has its ten, an image folder its class folders' names. */
    char **class_names;
    int32_t skipped; /* image folders: files left out as not named as images (hidden ones not counted) */
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

/* ---- image folders ----
 *
 * DIR holds one folder per class; the class names are the folder names sorted
 * bytewise (strcmp) and a label is the index in that order, as torchvision's
 * ImageFolder does. Each class folder holds images: PNG, JPEG, PGM or PPM
 * (recognised by content; see image.h), read in bytewise file-name order.
 *  - Hidden entries (names starting with '.', e.g. .DS_Store) are skipped.
 *  - Files whose names do not end in .png, .jpg, .jpeg, .pgm, .ppm or .pnm
 *    (any case) are skipped and counted in ds->skipped (README.txt, a CSV of
 *    labels); a file with such a name must decode, or the load fails naming it.
 *  - A folder inside a class folder, an empty class folder, no class folder,
 *    more than 256 classes: refused, naming the folder.
 * Every image is converted to c channels (1 or 3; 0: the first image's) and
 * resized to h x w (0: the first image's size, which every image must then
 * have) with tfg_image_resize. */
tfg_status_t tfg_image_folder_load(const char *dir, int32_t h, int32_t w, int32_t c, tfg_dataset_t *ds,
                                   tfg_diag_t *d);

/* Converts a dataset in place to h x w x c (bilinear resize as
 * tfg_image_resize, channels as tfg_image_channels; c is 1 or 3). */
tfg_status_t tfg_dataset_convert(tfg_dataset_t *ds, int32_t h, int32_t w, int32_t c, tfg_diag_t *d);

/* ---- one opener for train and eval ----
 *
 * spec is one of
 *  - "fashion-mnist": Debian's /usr/share/datasets/fashion-mnist, with its
 *    ten class names (T-shirt/top, Trouser, ..., Ankle boot);
 *  - a directory holding IDX files: train-images-idx3-ubyte and
 *    train-labels-idx1-ubyte for "train", t10k-images-idx3-ubyte and
 *    t10k-labels-idx1-ubyte for "test", each optionally .gz (class names
 *    "0", "1", ...);
 *  - an image folder (see above). The split convention: when DIR has a
 *    train/ or a test/ (or val/) folder, "train" reads DIR/train and "test"
 *    reads DIR/test, else DIR/val; the other entries of DIR are then
 *    ignored, and when both splits exist their class folders must have the
 *    same names (labels would differ otherwise). A folder without train/,
 *    test/ and val/ is one set, read for either split.
 * split is "train" or "test". The images are converted to h x w x c (0
 * keeps the dataset's own value; c is 0, 1 or 3). */
tfg_status_t tfg_data_open(const char *spec, const char *split, int32_t h, int32_t w, int32_t c,
                           tfg_dataset_t *ds, tfg_diag_t *d);
/* The same keeping only the first max_images images (0: all) of the split,
 * in file order (an image folder: class by class, then by file name). Only
 * those are decoded and converted (eval --limit on a large input size); the
 * classes and their names are still the whole dataset's. */
tfg_status_t tfg_data_open_n(const char *spec, const char *split, int32_t h, int32_t w, int32_t c,
                             int32_t max_images, tfg_dataset_t *ds, tfg_diag_t *d);

/* A validation split: hold out `val` images of train, chosen by the seed,
 * into val_out (its own buffers, no class names); train keeps the rest in
 * order. `tinyforge train` and `tinyforge search` hold out the same images
 * for the same seed. -1 when out of memory (train unchanged). */
int tfg_dataset_split(tfg_dataset_t *train, int32_t val, uint64_t seed, tfg_dataset_t *val_out);

/* Fashion-MNIST's ten class names, in label order. */
extern const char *const tfg_fashion_mnist_classes[10];

/* ---- the input convention ----
 *
 * A pixel p in [0, 255] is the real value p / 255 at the model input. What
 * the model's input tensor gets:
 *  - float32: the float p / 255.0f;
 *  - int8 (scale s, zero point z): q = clamp(round(x / s) + z, -128, 127)
 *    where x = p / 255.0f in float and round is half away from zero: TFLite's
 *    QUANTIZE reference (AffineQuantize, TfLiteRound), which our QUANTIZE
 *    kernel also runs, so a float-input model and the same model with
 *    --int8-io see the same int8 values;
 *  - uint8 (s, z): the same with the clamp to [0, 255] (s = 1/255, z = 0,
 *    as converters write it, gives q = p).
 * tfg_data_to_input writes n pixels as the tensor's bytes (n elements of
 * its dtype); anything else (int16, per-axis scales) is refused. */
tfg_status_t tfg_data_to_input(const uint8_t *pixels, size_t n, const tfg_tensor_t *input, uint8_t *out,
                               tfg_diag_t *d);

/* The same with p mapped to lo + p * (hi - lo) / 255 instead of p / 255
 * (tfg_data_to_input is lo = 0, hi = 1): MCUNet's detector and VWW model, and
 * TFLM's person detector, take pixels in [-1, 1]. */
tfg_status_t tfg_data_to_input_range(const uint8_t *pixels, size_t n, const tfg_tensor_t *input, float lo,
                                     float hi, uint8_t *out, tfg_diag_t *d);

struct tfg_image_s;
/* One photograph as a [1, H, W, C] input tensor's bytes: converted to C
 * channels (tfg_image_channels), resized to H x W (tfg_image_resize, bilinear
 * with half-pixel centres, rounded to uint8) and mapped and quantized as
 * tfg_data_to_input_range does. out holds the tensor's bytes. */
tfg_status_t tfg_image_to_input(const struct tfg_image_s *img, const tfg_tensor_t *input, float lo, float hi,
                                uint8_t *out, tfg_diag_t *d);

#endif
