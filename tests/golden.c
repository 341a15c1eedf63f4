/* Shared test data access; see golden.h. */
#include "golden.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *tt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Golden inputs of a model: names like <model>.<tag>.input.bin. */
int tt_golden_tags(const char *models, const char *model, char tags[][32], int cap)
{
    char dir[2048];
    snprintf(dir, sizeof dir, "%s/golden", models);
    DIR *dp = opendir(dir);
    if (!dp) return 0;
    int n = 0;
    struct dirent *e;
    const size_t ml = strlen(model);
    while ((e = readdir(dp)) && n < cap) {
        const char *s = e->d_name;
        const char *suffix = strstr(s, ".input.bin");
        if (strncmp(s, model, ml) || s[ml] != '.' || !suffix) continue;
        const size_t tl = (size_t)(suffix - (s + ml + 1));
        if (tl == 0 || tl >= 32 || strchr(s + ml + 1, '.') != suffix) continue;
        memcpy(tags[n], s + ml + 1, tl);
        tags[n][tl] = 0;
        n++;
    }
    closedir(dp);
    return n;
}

uint8_t *tt_run(const tfg_model_t *m, const uint8_t *in)
{
    uint8_t *arena = calloc(m->plan.peak + 1, 1), *out = malloc(tfg_model_output_bytes(m) + 1);
    if (arena && out) {
        tfg_model_set_inputs(m, arena, in);
        tfg_model_invoke(m, arena);
        tfg_model_get_outputs(m, arena, out);
    }
    free(arena);
    return out;
}
