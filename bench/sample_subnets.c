/* Writes N subnets of a search space, sampled as the search samples them,
 * as MCUNet JSON files (OUT/subnet_<i>.json): material for measuring what
 * the search predicts against what the engine builds (scripts/bench_flash.sh).
 * usage: sample_subnets SPACE.json|default WIDTH_INDEX RES_INDEX N SEED OUT_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/space.h"

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s SPACE.json WIDTH_INDEX RES_INDEX N SEED OUT_DIR\n", argv[0]);
        return 2;
    }
    tfg_space_t s;
    tfg_diag_t d = {{0}};
    const char *def = tfg_space_default_json();
    const tfg_status_t st = !strcmp(argv[1], "default") ? tfg_space_parse(def, strlen(def), "default", &s, &d)
                                                        : tfg_space_load(argv[1], &s, &d);
    if (st < 0) {
        fprintf(stderr, "%s\n", d.msg);
        return 1;
    }
    const int w = atoi(argv[2]), r = atoi(argv[3]), n = atoi(argv[4]);
    if (w < 0 || w >= s.n_width || r < 0 || r >= s.n_res) {
        fprintf(stderr, "width index 0..%d, resolution index 0..%d\n", s.n_width - 1, s.n_res - 1);
        return 2;
    }
    tfg_rng_t rng = {strtoull(argv[5], NULL, 10)};
    for (int i = 0; i < n; i++) {
        tfg_subnet_t net;
        tfg_subnet_sample(&s, w, r, &rng, &net);
        char *json = tfg_subnet_json(&s, &net), path[4096];
        snprintf(path, sizeof path, "%s/subnet_%d.json", argv[6], i);
        FILE *f = json ? fopen(path, "w") : NULL;
        if (!f || fputs(json, f) < 0 || fclose(f) != 0) {
            fprintf(stderr, "cannot write %s\n", path);
            return 1;
        }
        free(json);
    }
    return 0;
}
