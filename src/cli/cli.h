/* Subcommands of the tinyforge CLI and the option parsing they share. */
#ifndef TFG_CLI_H
#define TFG_CLI_H

#include <stdbool.h>

#include "exec/exec.h"

int cli_info(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_plan(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_zoo(int argc, char **argv);
int cli_compile(int argc, char **argv);
int cli_bench(int argc, char **argv);

/* Shared model options; returns 1 if argv[i] was one (and consumed). */
int cli_model_option(const char *arg, tfg_pass_opts_t *o);
/* Load with diagnostics printed to stderr; returns 0 on success. */
int cli_load(const char *path, const tfg_pass_opts_t *o, tfg_model_t *m);

#endif
