/* Image-folder datasets: DIR/<class>/<image>; see dataset.h for the rules.
 *
 * Why two passes: the first lists the class folders and their image files
 * (names only, sorted), so the image count is known and the pixels go into
 * one allocation of n x h x w x c; the second decodes, converts and resizes
 * one image at a time, so memory stays at the converted size whatever the
 * files' own resolution. Sorting with strcmp makes labels and order the same
 * on every machine (readdir's order is the file system's). */
#define _POSIX_C_SOURCE 200809L /* opendir, readdir, stat, strdup */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "data/data_internal.h"
#include "data/image.h"

typedef struct {
    char **v;
    int n, cap;
} names_t;

static void names_free(names_t *s)
{
    for (int i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int names_add(names_t *s, const char *name)
{
    if (s->n == s->cap) {
        const int cap = s->cap ? s->cap * 2 : 16;
        char **v = realloc(s->v, sizeof *v * (size_t)cap);
        if (!v) return -1;
        s->v = v, s->cap = cap;
    }
    if (!(s->v[s->n] = strdup(name))) return -1;
    s->n++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_image_name(const char *name)
{
    static const char *const ext[] = {".png", ".jpg", ".jpeg", ".pgm", ".ppm", ".pnm"};
    const size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        const size_t k = strlen(ext[i]);
        if (n > k && !strcasecmp(name + n - k, ext[i])) return 1;
    }
    return 0;
}

/* 1 if path is a directory, 0 if something else, -1 if it cannot be stat'ed. */
int tfg_data_is_dir(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return -1;
    return S_ISDIR(sb.st_mode) ? 1 : 0;
}

/* The visible entries of dir, sorted; dirs (when not NULL) gets the
 * directories among them and files the rest. */
static tfg_status_t list_dir(const char *dir, names_t *dirs, names_t *files, tfg_diag_t *d)
{
    DIR *dp = opendir(dir);
    if (!dp) return tfg_diag_set(d, TFG_ERR_IO, "%s: cannot open the folder: %s", dir, strerror(errno));
    tfg_status_t st = TFG_OK;
    struct dirent *e;
    char path[4096];
    while (st == TFG_OK && (e = readdir(dp))) {
        if (e->d_name[0] == '.') continue; /* hidden, ".", ".." */
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) {
            st = tfg_diag_set(d, TFG_ERR_ARG, "%s/%s: path too long", dir, e->d_name);
            break;
        }
        const int is_dir = tfg_data_is_dir(path);
        if (is_dir < 0) {
            st = tfg_diag_set(d, TFG_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
        } else if (names_add(is_dir ? dirs : files, e->d_name) < 0) {
            st = tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", dir);
        }
    }
    closedir(dp);
    if (st == TFG_OK) {
        if (dirs->n) qsort(dirs->v, (size_t)dirs->n, sizeof *dirs->v, cmp_names);
        if (files->n) qsort(files->v, (size_t)files->n, sizeof *files->v, cmp_names);
    }
    return st;
}

tfg_status_t tfg_data_list_classes(const char *dir, char ***names, int *n, tfg_diag_t *d)
{
    names_t classes = {0}, files = {0};
    const tfg_status_t st = list_dir(dir, &classes, &files, d);
    names_free(&files);
    if (st < 0) names_free(&classes);
    *names = classes.v, *n = classes.n;
    return st;
}

tfg_status_t tfg_image_folder_load(const char *dir, int32_t h, int32_t w, int32_t c, tfg_dataset_t *ds,
                                   tfg_diag_t *d)
{
    return tfg_image_folder_load_n(dir, h, w, c, 0, ds, d);
}

tfg_status_t tfg_image_folder_load_n(const char *dir, int32_t h, int32_t w, int32_t c, int32_t max_images,
                                     tfg_dataset_t *ds, tfg_diag_t *d)
{
    memset(ds, 0, sizeof *ds);
    if (h < 0 || w < 0 || (c != 0 && c != 1 && c != 3) || (!h) != (!w))
        return tfg_diag_set(d, TFG_ERR_ARG, "%s: cannot convert images to %dx%dx%d (c is 1 or 3)", dir, h, w,
                            c);
    names_t classes = {0}, top_files = {0};
    tfg_status_t st = list_dir(dir, &classes, &top_files, d);
    names_t *per_class = NULL;
    char path[4096];
    int64_t total = 0;
    if (st == TFG_OK && classes.n == 0)
        st = tfg_diag_set(d, TFG_ERR_FORMAT,
                          "%s: no class folders (an image folder holds one folder of images per class%s)",
                          dir, top_files.n ? "; its files are not in one" : "");
    if (st == TFG_OK && classes.n > 256)
        st =
            tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: %d class folders; at most 256 classes", dir, classes.n);
    if (st == TFG_OK) ds->skipped = top_files.n;
    if (st == TFG_OK && !(per_class = calloc((size_t)classes.n, sizeof *per_class)))
        st = tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", dir);
    /* Pass 1: the files of every class. */
    for (int k = 0; st == TFG_OK && k < classes.n; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, classes.v[k]);
        names_t sub = {0}, files = {0};
        st = list_dir(path, &sub, &files, d);
        if (st == TFG_OK && sub.n)
            st = tfg_diag_set(
                d, TFG_ERR_FORMAT,
                "%s/%s: a folder inside class folder '%s'; images must sit directly in their class "
                "folder",
                path, sub.v[0], classes.v[k]);
        for (int i = 0; st == TFG_OK && i < files.n; i++) {
            if (!has_image_name(files.v[i]))
                ds->skipped++;
            else if (names_add(&per_class[k], files.v[i]) < 0)
                st = tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", path);
        }
        if (st == TFG_OK && per_class[k].n == 0)
            st =
                tfg_diag_set(d, TFG_ERR_FORMAT,
                             "%s: empty class folder '%s' (no .png, .jpg, .jpeg, .pgm, .ppm or .pnm files%s)",
                             path, classes.v[k], files.n ? "; its other files were skipped" : "");
        total += per_class[k].n;
        names_free(&sub), names_free(&files);
    }
    if (st == TFG_OK && total > INT32_MAX)
        st = tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "%s: more than 2^31 - 1 images", dir);
    /* Every folder is listed and checked; only the first max_images are decoded. */
    if (max_images > 0 && total > max_images) total = max_images;
    /* Pass 2: decode, convert, resize. */
    tfg_image_t img = {0};
    uint8_t *conv = NULL;
    size_t conv_cap = 0, per_image = 0;
    for (int k = 0; st == TFG_OK && k < classes.n; k++) {
        for (int i = 0; st == TFG_OK && i < per_class[k].n && ds->n < total; i++) {
            snprintf(path, sizeof path, "%s/%s/%s", dir, classes.v[k], per_class[k].v[i]);
            if ((st = tfg_image_load(path, c, &img, d)) < 0) break;
            if (!ds->images) {
                /* The first image fixes what 0 left open. */
                ds->h = h ? h : img.h, ds->w = w ? w : img.w, ds->c = c ? c : img.c;
                per_image = (size_t)ds->h * (size_t)ds->w * (size_t)ds->c;
                if ((uint64_t)per_image * (uint64_t)total > ((uint64_t)1 << 34)) {
                    st = tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                                      "%s: %lld images of %dx%dx%d are more than 16 GiB", dir,
                                      (long long)total, ds->h, ds->w, ds->c);
                } else if (!(ds->images = malloc(per_image * (size_t)total)) ||
                           !(ds->labels = malloc((size_t)total))) {
                    st = tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory for %lld images", dir,
                                      (long long)total);
                }
            }
            if (st == TFG_OK && !h && (img.h != ds->h || img.w != ds->w))
                st = tfg_diag_set(d, TFG_ERR_FORMAT,
                                  "%s: %dx%d, but the first image is %dx%d (give a size to resize them all)",
                                  path, img.h, img.w, ds->h, ds->w);
            if (st == TFG_OK && img.c != ds->c) {
                /* c == 0 and this image has other channels than the first. */
                const size_t px = (size_t)img.h * (size_t)img.w;
                if (px * (size_t)ds->c > conv_cap) {
                    free(conv);
                    conv_cap = px * (size_t)ds->c;
                    if (!(conv = malloc(conv_cap))) {
                        conv_cap = 0;
                        st = tfg_diag_set(d, TFG_ERR_NOMEM, "%s: out of memory", path);
                    }
                }
                if (st == TFG_OK) tfg_image_channels(img.pixels, img.c, conv, ds->c, px);
            }
            if (st == TFG_OK) {
                const uint8_t *src = img.c != ds->c ? conv : img.pixels;
                tfg_image_resize(src, img.h, img.w, ds->c, ds->images + (size_t)ds->n * per_image, ds->h,
                                 ds->w);
                ds->labels[ds->n++] = (uint8_t)k;
            }
            tfg_image_free(&img);
        }
    }
    free(conv);
    if (st == TFG_OK) {
        ds->classes = classes.n;
        st = tfg_dataset_set_class_names(ds, (const char *const *)classes.v, classes.n, d);
    }
    for (int k = 0; per_class && k < classes.n; k++) names_free(&per_class[k]);
    free(per_class);
    names_free(&classes), names_free(&top_files);
    if (st < 0) tfg_dataset_free(ds);
    return st;
}
