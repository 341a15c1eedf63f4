/* The dataset opener shared by train and eval (tfg_data_open), conversion of
 * a whole dataset to a model's input size, class names, and the input
 * convention (tfg_data_to_input); see dataset.h.
 *
 * Why the quantization goes through the runtime's QUANTIZE kernel
 * (tfg_quantize_f32_s8) instead of restating the formula: a float-input model
 * quantizes p / 255 with that kernel inside the graph, so feeding an
 * --int8-io model the bytes computed here gives the same int8 values by
 * construction, not by two copies of one rounding rule agreeing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "data/image.h"
#include "nn/net.h" /* tfg_rng_t */
#include "tinyforge/kernels.h"

const char *const tfg_fashion_mnist_classes[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

void tfg_data_names_free(char **names, int n)
{
    for (int i = 0; names && i < n; i++) free(names[i]);
    free(names);
}

void tfg_dataset_free(tfg_dataset_t *ds)
{
    free(ds->images);
    free(ds->labels);
    tfg_data_names_free(ds->class_names, ds->class_names ? ds->classes : 0);
    memset(ds, 0, sizeof *ds);
}

tfg_status_t tfg_dataset_set_class_names(tfg_dataset_t *ds, const char *const *names, int n, tfg_diag_t *d)
{
    tfg_data_names_free(ds->class_names, ds->class_names ? ds->classes : 0);
    ds->class_names = calloc((size_t)(n > 0 ? n : 1), sizeof *ds->class_names);
    for (int i = 0; ds->class_names && i < n; i++) {
        if (!(ds->class_names[i] = malloc(strlen(names[i]) + 1))) {
            tfg_data_names_free(ds->class_names, i);
            ds->class_names = NULL;
            break;
        }
        strcpy(ds->class_names[i], names[i]);
    }
    if (!ds->class_names) return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory for class names");
    return TFG_OK;
}

tfg_status_t tfg_dataset_convert(tfg_dataset_t *ds, int32_t h, int32_t w, int32_t c, tfg_diag_t *d)
{
    if (h == ds->h && w == ds->w && c == ds->c) return TFG_OK;
    if (h < 1 || w < 1 || h > TFG_IMAGE_MAX_SIDE || w > TFG_IMAGE_MAX_SIDE || (c != 1 && c != 3))
        return tfg_diag_set(d, TFG_ERR_ARG,
                            "cannot convert images to %dx%dx%d: sides 1..%d and 1 (grey) or 3 (RGB) channels",
                            h, w, c, TFG_IMAGE_MAX_SIDE);
    if (ds->c != 1 && ds->c != 3)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "cannot convert images of %d channels (only 1 or 3)",
                            ds->c);
    const size_t per = (size_t)h * (size_t)w * (size_t)c, src_px = (size_t)ds->h * (size_t)ds->w;
    if ((uint64_t)per * (uint64_t)ds->n > ((uint64_t)1 << 34))
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%d images of %dx%dx%d are more than 16 GiB", ds->n, h, w,
                            c);
    uint8_t *out = malloc(per * (size_t)ds->n + 1), *tmp = c != ds->c ? malloc(src_px * (size_t)c) : NULL;
    if (!out || (c != ds->c && !tmp)) {
        free(out), free(tmp);
        return tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory converting %d images to %dx%dx%d", ds->n, h, w,
                            c);
    }
    for (int32_t i = 0; i < ds->n; i++) {
        const uint8_t *src = ds->images + (size_t)i * src_px * (size_t)ds->c;
        if (tmp) tfg_image_channels(src, ds->c, tmp, c, src_px), src = tmp;
        tfg_image_resize(src, ds->h, ds->w, c, out + (size_t)i * per, h, w);
    }
    free(tmp);
    free(ds->images);
    ds->images = out, ds->h = h, ds->w = w, ds->c = c;
    return TFG_OK;
}

static int is_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL && tfg_data_is_dir(path) == 0;
}

/* DIR/NAME or DIR/NAME.gz, whichever exists, into out (1), else 0. */
static int idx_file(const char *dir, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", dir, name);
    if (is_file(out)) return 1;
    snprintf(out, n, "%s/%s.gz", dir, name);
    return is_file(out);
}

static tfg_status_t open_idx_dir(const char *dir, const char *stem, tfg_dataset_t *ds, tfg_diag_t *d)
{
    char name[64], images[4096], labels[4096];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", stem);
    if (!idx_file(dir, name, images, sizeof images))
        return tfg_diag_set(d, TFG_ERR_IO, "%s: holds IDX files, but not %s[.gz] for the %s split", dir, name,
                            !strcmp(stem, "t10k") ? "test" : "train");
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", stem);
    if (!idx_file(dir, name, labels, sizeof labels))
        return tfg_diag_set(d, TFG_ERR_IO, "%s: has %s but no %s[.gz]", dir, images, name);
    tfg_status_t st = tfg_idx_load(images, labels, 0, ds, d);
    if (st < 0) return st;
    /* Raw IDX carries no names: the labels' numbers. */
    char num[256][4];
    const char *names[256];
    for (int k = 0; k < ds->classes && k < 256; k++)
        snprintf(num[k], sizeof num[k], "%d", k), names[k] = num[k];
    return tfg_dataset_set_class_names(ds, names, ds->classes, d);
}

/* The class folders of two splits must match name for name. */
static tfg_status_t same_classes(const char *a, const char *b, tfg_diag_t *d)
{
    char **na = NULL, **nb = NULL;
    int ka = 0, kb = 0;
    tfg_status_t st = tfg_data_list_classes(a, &na, &ka, d);
    if (st == TFG_OK) st = tfg_data_list_classes(b, &nb, &kb, d);
    for (int i = 0; st == TFG_OK && (i < ka || i < kb); i++) {
        if (i < ka && i < kb && !strcmp(na[i], nb[i])) continue;
        st = tfg_diag_set(
            d, TFG_ERR_FORMAT, "%s and %s have different class folders (%s '%s'): the labels would not agree",
            a, b,
            i >= kb || (i < ka && strcmp(na[i], nb[i]) < 0) ? "only the first has" : "only the second has",
            i >= kb || (i < ka && strcmp(na[i], nb[i]) < 0) ? na[i] : nb[i]);
    }
    tfg_data_names_free(na, ka);
    tfg_data_names_free(nb, kb);
    return st;
}

static tfg_status_t open_folder(const char *dir, const char *split, int32_t h, int32_t w, int32_t c,
                                int32_t max_images, tfg_dataset_t *ds, tfg_diag_t *d)
{
    char train[4096], test[4096];
    snprintf(train, sizeof train, "%s/train", dir);
    snprintf(test, sizeof test, "%s/test", dir);
    const int has_train = tfg_data_is_dir(train) == 1;
    int has_test = tfg_data_is_dir(test) == 1;
    if (!has_test) {
        snprintf(test, sizeof test, "%s/val", dir);
        has_test = tfg_data_is_dir(test) == 1;
    }
    if (!has_train && !has_test)
        return tfg_image_folder_load_n(dir, h, w, c, max_images, ds, d); /* one set */
    const int want_train = !strcmp(split, "train");
    if (want_train ? !has_train : !has_test)
        return tfg_diag_set(d, TFG_ERR_IO, "%s: has a %s folder but no %s folder for the %s split", dir,
                            has_train ? "train/" : "test/ (or val/)", want_train ? "train/" : "test/ or val/",
                            split);
    if (has_train && has_test) {
        const tfg_status_t st = same_classes(train, test, d);
        if (st < 0) return st;
    }
    return tfg_image_folder_load_n(want_train ? train : test, h, w, c, max_images, ds, d);
}

tfg_status_t tfg_data_open(const char *spec, const char *split, int32_t h, int32_t w, int32_t c,
                           tfg_dataset_t *ds, tfg_diag_t *d)
{
    return tfg_data_open_n(spec, split, h, w, c, 0, ds, d);
}

tfg_status_t tfg_data_open_n(const char *spec, const char *split, int32_t h, int32_t w, int32_t c,
                             int32_t max_images, tfg_dataset_t *ds, tfg_diag_t *d)
{
    memset(ds, 0, sizeof *ds);
    if (!split) split = "test";
    if (strcmp(split, "train") && strcmp(split, "test"))
        return tfg_diag_set(d, TFG_ERR_ARG, "'%s' is not a split: train or test", split);
    if (h < 0 || w < 0 || (c != 0 && c != 1 && c != 3))
        return tfg_diag_set(d, TFG_ERR_ARG, "%s: cannot give images of %dx%dx%d (channels: 1 or 3)", spec, h,
                            w, c);
    tfg_status_t st;
    if (!strcmp(spec, "fashion-mnist")) {
        st = tfg_fashion_mnist_load(NULL, split, ds, d);
    } else {
        const int dir = tfg_data_is_dir(spec);
        if (dir != 1)
            return tfg_diag_set(
                d, TFG_ERR_IO,
                "%s: %s; a dataset is 'fashion-mnist', a folder of IDX files or an image folder", spec,
                dir == 0 ? "a file, not a dataset folder" : "no such folder");
        const char *stem = !strcmp(split, "train") ? "train" : "t10k";
        char probe[4096];
        if (idx_file(spec, "train-images-idx3-ubyte", probe, sizeof probe) ||
            idx_file(spec, "t10k-images-idx3-ubyte", probe, sizeof probe))
            st = open_idx_dir(spec, stem, ds, d);
        else
            return open_folder(spec, split, h, w, c, max_images, ds, d); /* converted as it is read */
    }
    if (st == TFG_OK && max_images > 0 && max_images < ds->n) ds->n = max_images; /* converts only these */
    if (st == TFG_OK) st = tfg_dataset_convert(ds, h ? h : ds->h, w ? w : ds->w, c ? c : ds->c, d);
    if (st < 0) tfg_dataset_free(ds);
    return st;
}

tfg_status_t tfg_data_to_input(const uint8_t *pixels, size_t n, const tfg_tensor_t *t, uint8_t *out,
                               tfg_diag_t *d)
{
    return tfg_data_to_input_range(pixels, n, t, 0.0f, 1.0f, out, d);
}

tfg_status_t tfg_data_to_input_range(const uint8_t *pixels, size_t n, const tfg_tensor_t *t, float lo,
                                     float hi, uint8_t *out, tfg_diag_t *d)
{
    /* x = lo + p * (hi - lo) / 255 in float, in this order: with [0, 1] it is
     * p / 255.0f and with [-1, 1] p / 127.5f - 1 bit for bit (2p is exact and
     * both quotients are the correctly rounded 2p / 255), so the dataset
     * convention and the detector's are one formula. */
    const float span = hi - lo;
    if (t->dtype == TFG_DT_FLOAT32) {
        for (size_t i = 0; i < n; i++) {
            const float v = (float)pixels[i] * span / 255.0f + lo;
            memcpy(out + 4 * i, &v, 4);
        }
        return TFG_OK;
    }
    if (t->dtype != TFG_DT_INT8 && t->dtype != TFG_DT_UINT8)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                            "input tensor '%s' is %s; images feed float32, int8 or uint8",
                            t->name ? t->name : "?", tfg_dtype_name(t->dtype));
    if (t->n_q != 1 || !(t->scale[0] > 0) || t->scale[0] > 1e30f)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                            "input tensor '%s' (%s) needs one positive scale to take images (it has %d)",
                            t->name ? t->name : "?", tfg_dtype_name(t->dtype), t->n_q);
    /* uint8 runs as int8 with the zero point moved by -128, its bytes XOR 0x80
     * (as the runtime's requantization treats uint8). */
    const int u8 = t->dtype == TFG_DT_UINT8;
    float buf[256];
    for (size_t i = 0; i < n; i += 256) {
        const size_t k = n - i < 256 ? n - i : 256;
        for (size_t j = 0; j < k; j++) buf[j] = (float)pixels[i + j] * span / 255.0f + lo;
        const tfg_affine_params_t p = {
            .size = (int32_t)k, .scale = t->scale[0], .zp = t->zero_point[0] - 128 * u8};
        tfg_quantize_f32_s8(&p, buf, (int8_t *)(out + i));
        if (u8)
            for (size_t j = 0; j < k; j++) out[i + j] ^= 0x80;
    }
    return TFG_OK;
}

tfg_status_t tfg_image_to_input(const tfg_image_t *img, const tfg_tensor_t *t, float lo, float hi,
                                uint8_t *out, tfg_diag_t *d)
{
    if (t->rank != 4 || t->dims[0] != 1 || (t->dims[3] != 1 && t->dims[3] != 3) || t->dims[1] < 1 ||
        t->dims[2] < 1)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                            "input tensor '%s' is not an image: images feed [1, H, W, 1 or 3] (NHWC)",
                            t->name ? t->name : "?");
    const int32_t h = t->dims[1], w = t->dims[2], c = t->dims[3];
    const size_t n = (size_t)h * (size_t)w * (size_t)c;
    uint8_t *conv = NULL, *px = malloc(n);
    const uint8_t *src = img->pixels;
    if (px && img->c != c) {
        conv = malloc((size_t)img->h * (size_t)img->w * (size_t)c);
        if (conv) tfg_image_channels(img->pixels, img->c, conv, c, (size_t)img->h * (size_t)img->w);
        src = conv;
    }
    tfg_status_t st;
    if (!px || !src) {
        st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory preparing a %dx%d image", img->w, img->h);
    } else {
        tfg_image_resize(src, img->h, img->w, c, px, h, w);
        st = tfg_data_to_input_range(px, n, t, lo, hi, out, d);
    }
    free(conv);
    free(px);
    return st;
}

/* See dataset.h. */
int tfg_dataset_split(tfg_dataset_t *train, int32_t val, uint64_t seed, tfg_dataset_t *val_out)
{
    memset(val_out, 0, sizeof *val_out);
    if (val <= 0) return 0;
    const int32_t n = train->n;
    const size_t isz = (size_t)train->h * train->w * train->c;
    int32_t *idx = malloc(sizeof(int32_t) * (size_t)n);
    uint8_t *is_val = calloc((size_t)n, 1);
    *val_out = *train;
    val_out->n = val;
    val_out->class_names = NULL;
    val_out->images = malloc(isz * (size_t)val);
    val_out->labels = malloc((size_t)val);
    if (!idx || !is_val || !val_out->images || !val_out->labels) {
        free(idx), free(is_val), free(val_out->images), free(val_out->labels);
        memset(val_out, 0, sizeof *val_out);
        return -1;
    }
    for (int32_t i = 0; i < n; i++) idx[i] = i;
    tfg_rng_t r = {seed ^ UINT64_C(0x5EED0F0A1)};
    for (int32_t i = 0; i < val; i++) { /* partial Fisher-Yates: the first val are the held-out ones */
        const int32_t j = i + (int32_t)(tfg_rng_next(&r) % (uint64_t)(n - i));
        const int32_t s = idx[i];
        idx[i] = idx[j], idx[j] = s;
        is_val[idx[i]] = 1;
    }
    int32_t v = 0, t = 0;
    for (int32_t i = 0; i < n; i++) {
        const uint8_t *img = train->images + (size_t)i * isz;
        if (is_val[i]) {
            memcpy(val_out->images + (size_t)v * isz, img, isz);
            val_out->labels[v++] = train->labels[i];
        } else {
            memmove(train->images + (size_t)t * isz, img, isz);
            train->labels[t++] = train->labels[i];
        }
    }
    train->n = t;
    free(idx);
    free(is_val);
    return 0;
}
