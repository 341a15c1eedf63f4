/* Helpers shared by the dataset sources (src/data); not part of the API. */
#ifndef TFG_DATA_INTERNAL_H
#define TFG_DATA_INTERNAL_H

#include "data/dataset.h"

/* 1 if path is a directory, 0 if something else, -1 if it cannot be stat'ed. */
int tfg_data_is_dir(const char *path);
/* The class folders of an image folder (visible subfolders, sorted bytewise);
 * free with tfg_data_names_free. */
tfg_status_t tfg_data_list_classes(const char *dir, char ***names, int *n, tfg_diag_t *d);
void tfg_data_names_free(char **names, int n);
/* tfg_image_folder_load decoding only the first max_images (0: all) images,
 * in class then file-name order; every folder is still listed and checked. */
tfg_status_t tfg_image_folder_load_n(const char *dir, int32_t h, int32_t w, int32_t c, int32_t max_images,
                                     tfg_dataset_t *ds, tfg_diag_t *d);
/* Copies n names into ds->class_names (n must equal ds->classes). */
tfg_status_t tfg_dataset_set_class_names(tfg_dataset_t *ds, const char *const *names, int n, tfg_diag_t *d);

#endif
