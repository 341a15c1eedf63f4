/* Bad-input corpus test: every file listed in tests/corpus/expected.tsv must
 * fail to load, with both the default pass options and int8 I/O, and the
 * diagnostic must contain the substring given there (so the message names
 * the actual problem, not just "error"). Every shared model must load, so
 * the test cannot pass by rejecting everything.
 *
 * Paths come from TFG_SOURCE_DIR (the repo root, set by CMake); shared data
 * is TFG_SOURCE_DIR/../shared. Output: one line per failed check, then
 * "N passed, N failed"; exit status 1 on any failure. Run it under ASan/UBSan
 * (-DTFG_SANITIZE=ON) to also prove that no corpus file makes the library
 * touch memory it should not. */
#define _POSIX_C_SOURCE 200809L /* opendir, strdup */

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"

#ifndef TFG_SOURCE_DIR
#error "compile with -DTFG_SOURCE_DIR=\"/path/to/repo\""
#endif

static int n_pass, n_fail;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Count one check; print the formatted reason if it failed. */
static void check(int ok, const char *fmt, ...)
{
    if (ok) {
        n_pass++;
        return;
    }
    n_fail++;
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    fclose(f);
    *len = n;
    return buf;
}

static void check_bad_file(const char *dir, const char *file, const char *expect)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    check(bytes != NULL, "%s: cannot read %s", file, path);
    if (!bytes) return;
    for (int io = 0; io < 2; io++) {
        tfg_pass_opts_t opts;
        memset(&opts, 0, sizeof opts);
        opts.int8_io = io;
        tfg_model_t m;
        tfg_diag_t d;
        d.msg[0] = 0;
        tfg_status_t st = tfg_model_load_mem(bytes, len, file, &opts, &m, &d);
        const char *mode = io ? " (int8 io)" : "";
        if (st >= 0) {
            check(0, "%s%s: loaded, expected an error containing '%s'", file, mode, expect);
            tfg_model_free(&m);
            continue;
        }
        check(strstr(d.msg, expect) != NULL, "%s%s: error '%s' does not contain '%s'", file, mode, d.msg,
              expect);
    }
    free(bytes);
}

static void check_good_file(const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    check(bytes != NULL, "%s: cannot read %s", file, path);
    if (!bytes) return;
    for (int io = 0; io < 2; io++) {
        tfg_pass_opts_t opts;
        memset(&opts, 0, sizeof opts);
        opts.int8_io = io;
        tfg_model_t m;
        tfg_diag_t d;
        d.msg[0] = 0;
        tfg_status_t st = tfg_model_load_mem(bytes, len, file, &opts, &m, &d);
        check(st >= 0, "%s%s: shared model does not load: %s", file, io ? " (int8 io)" : "", d.msg);
        if (st >= 0) tfg_model_free(&m);
    }
    free(bytes);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    const char *corpus = TFG_SOURCE_DIR "/tests/corpus";
    const char *shared = TFG_SOURCE_DIR "/../shared/models";
    char path[4096];

    /* 1. The corpus: every listed file fails with the expected message. */
    snprintf(path, sizeof path, "%s/expected.tsv", corpus);
    FILE *tsv = fopen(path, "r");
    check(tsv != NULL, "cannot open %s", path);
    int listed = 0;
    if (tsv) {
        char line[1024];
        while (fgets(line, sizeof line, tsv)) {
            line[strcspn(line, "\r\n")] = 0;
            if (line[0] == '#' || line[0] == 0) continue;
            char *tab = strchr(line, '\t');
            if (!tab || tab[1] == 0) {
                check(0, "expected.tsv: malformed line '%s'", line);
                continue;
            }
            *tab = 0;
            check_bad_file(corpus, line, tab + 1);
            listed++;
        }
        fclose(tsv);
        check(listed > 0, "expected.tsv lists no files");
    }

    /* Every .tflite in the corpus must be listed (an unlisted file is untested). */
    DIR *dir = opendir(corpus);
    if (dir) {
        struct dirent *e;
        int on_disk = 0;
        while ((e = readdir(dir)) != NULL)
            if (ends_with(e->d_name, ".tflite")) on_disk++;
        closedir(dir);
        check(on_disk == listed, "tests/corpus holds %d .tflite files but expected.tsv lists %d", on_disk,
              listed);
    }

    /* 2. The shared models: all must load. */
    dir = opendir(shared);
    if (!dir) {
        printf("note: %s not found; skipping the shared-model checks\n", shared);
    } else {
        char *names[256];
        int n = 0;
        struct dirent *e;
        while ((e = readdir(dir)) != NULL && n < 256)
            if (ends_with(e->d_name, ".tflite")) names[n++] = strdup(e->d_name);
        closedir(dir);
        qsort(names, (size_t)n, sizeof names[0], cmp_str);
        check(n > 0, "no .tflite models in %s", shared);
        for (int i = 0; i < n; i++) {
            if (names[i]) check_good_file(shared, names[i]);
            free(names[i]);
        }
    }

    printf("%d passed, %d failed\n", n_pass, n_fail);
    return n_fail ? 1 : 0;
}
