/* What every subcommand shares: the argument loop, the model options,
 * loading with diagnostics, and the clock for the timings it prints. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

double cli_now(void)
{
    struct timespec t;
    timespec_get(&t, TIME_UTC); /* C11 */
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int cli_model_option(const char *arg, tfg_pass_opts_t *o)
{
    if (!strcmp(arg, "--int8-io")) return o->int8_io = true, 1;
    if (!strcmp(arg, "--no-in-place")) return o->no_in_place = true, 1;
    if (!strcmp(arg, "--no-conv-in-place")) return o->no_conv_in_place = true, 1;
    if (!strcmp(arg, "--no-pad-fold")) return o->no_pad_fold = true, 1;
    return 0;
}

int cli_load(const char *path, const tfg_pass_opts_t *o, tfg_model_t *m)
{
    tfg_diag_t d = {{0}};
    tfg_status_t st = tfg_model_load(path, o, m, &d);
    if (st < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg[0] ? d.msg : tfg_status_str(st));
        return 1;
    }
    return 0;
}

int cli_parse_args(int argc, char **argv, const char *cmd, const char *help, tfg_pass_opts_t *o,
                   cli_sched_opts_t *so, const cli_opt_t *opts, const char **model)
{
    int n = 0;
    return cli_parse_args_list(argc, argv, cmd, help, o, so, opts, model, 1, &n);
}

int cli_parse_args_list(int argc, char **argv, const char *cmd, const char *help, tfg_pass_opts_t *o,
                        cli_sched_opts_t *so, const cli_opt_t *opts, const char **pos, int max_pos,
                        int *n_pos)
{
    const char **model = pos;
    *model = NULL;
    *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(help, stdout);
            return 0;
        }
        if (o && cli_model_option(a, o)) continue;
        if (so) {
            const int k = cli_schedule_option(argc, argv, &i, so);
            if (k < 0) return 2;
            if (k) continue;
        }
        const cli_opt_t *opt = opts;
        while (opt && opt->name && strcmp(opt->name, a)) opt++;
        if (opt && opt->name) {
            if (opt->flag) {
                *opt->flag = true;
            } else if (i + 1 >= argc) {
                fprintf(stderr, "tinyforge: option '%s' needs a value (see tinyforge %s --help)\n", a, cmd);
                return 2;
            } else {
                *opt->value = argv[++i];
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tinyforge: unknown option '%s' (see tinyforge %s --help)\n", a, cmd);
            return 2;
        } else if (*n_pos >= max_pos) {
            if (max_pos == 1)
                fprintf(stderr, "tinyforge: more than one model given ('%s', '%s')\n", *model, a);
            else
                fprintf(stderr, "tinyforge: more than %d files given (see tinyforge %s --help)\n", max_pos,
                        cmd);
            return 2;
        } else {
            pos[(*n_pos)++] = a;
        }
    }
    return -1;
}
