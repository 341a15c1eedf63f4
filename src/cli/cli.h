/* Subcommands of the tinyforge CLI and the option parsing they share. */
#ifndef TFG_CLI_H
#define TFG_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "detect/yolo_prepare.h"
#include "exec/exec.h"
#include "report/report.h"
#include "sched/sched.h"

int cli_info(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_plan(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_zoo(int argc, char **argv);
int cli_compile(int argc, char **argv);
int cli_bench(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_train(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_search(int argc, char **argv);
int cli_detect(int argc, char **argv);
int cli_classify(int argc, char **argv);

/* A command's own option: a flag (flag set to true) or an option taking
 * one value (value set to it). Lists end with {NULL}. */
typedef struct {
    const char *name;
    const char **value;
    bool *flag;
} cli_opt_t;

struct cli_sched_opts_s;
/* The argument loop every command shares (common.c): --help prints `help`;
 * then the model options (o, may be NULL), the schedule options (so, may be
 * NULL), the command's own (opts); one positional argument, the model (NULL
 * when none was given). Returns -1 to go on, else the exit status (0 after
 * --help, 2 after a usage error, with the message printed). */
int cli_parse_args(int argc, char **argv, const char *cmd, const char *help, tfg_pass_opts_t *o,
                   struct cli_sched_opts_s *so, const cli_opt_t *opts, const char **model);

/* The same with up to max_pos positional arguments (the model, then files)
 * stored in pos[0..*n_pos); pos[0] is NULL when none was given. */
int cli_parse_args_list(int argc, char **argv, const char *cmd, const char *help, tfg_pass_opts_t *o,
                        struct cli_sched_opts_s *so, const cli_opt_t *opts, const char **pos, int max_pos,
                        int *n_pos);

/* Shared model options; returns 1 if argv[i] was one (and consumed). */
int cli_model_option(const char *arg, tfg_pass_opts_t *o);
/* A JSON string literal: quoted, with quotes, backslashes and control
 * characters escaped. */
void cli_json_str(FILE *f, const char *s);

/* "262144", "256K", "256KiB", "1M": bytes, with binary suffixes; 0 on success. */
int cli_parse_bytes(const char *s, size_t *out);

/* The YOLO post-processing options that detect, compile and bench share, so
 * that they mean the same everywhere: the strings the argument loop set
 * (NULL: not given) and, after cli_yolo_resolve, their values. Defaults are
 * MCUNet's person detector: its anchors, one class, score 0.3, IoU 0.45,
 * pixels in [-1, 1]. */
#define CLI_YOLO_MAX_CLASSES 256
typedef struct {
    const char *score_s, *iou_s, *anchors_s, *classes_s, *range_s;
    float score, iou, lo, hi;
    float anchors[2 * TFG_YOLO_MAX_HEADS * TFG_YOLO_MAX_ANCHORS];
    int groups, per, classes;
} cli_yolo_opts_t;

/* The options as cli_opt_t entries: --score, --iou, --anchors, --classes,
 * --range (5 entries written at opts). */
void cli_yolo_opt_list(cli_yolo_opts_t *y, cli_opt_t *opts);

/* Parses what was given over the defaults; 0, or 2 with the message printed. */
int cli_yolo_resolve(cli_yolo_opts_t *y);

/* The model's YOLO heads for the options (tfg_yolo_setup), once it has one
 * image input [1, H, W, C]; 0, or -1 with the reason printed after the
 * model's name. detect, compile and bench refuse a model in the same words. */
int cli_yolo_setup(const tfg_model_t *m, const char *model, const cli_yolo_opts_t *yo, tfg_yolo_setup_t *ys);

/* --max-candidates N: 1 to 2^20 into *n (left alone when s is NULL); 0, or
 * 2 with the message printed. compile and bench take it alike. */
int cli_parse_max_candidates(const char *s, long *n);

/* "LO,HI" with LO < HI; 0 or -1. */
int cli_parse_range(const char *s, float *lo, float *hi);

/* A camera frame "WxH[:FORMAT]" (FORMAT gray8, rgb888 (the default), rgb565le,
 * rgb565be; width first, as cameras state it); 0, or -1 with a message in msg. */
int cli_parse_frame(const char *s, int32_t *w, int32_t *h, int32_t *format, char *msg, size_t n);
/* The option's name of a tfg_frame_format_t. */
const char *cli_frame_format_name(int32_t format);

/* Wall-clock seconds, for the timings the commands print. */
double cli_now(void);

/* Load with diagnostics printed to stderr; returns 0 on success. */
int cli_load(const char *path, const tfg_pass_opts_t *o, tfg_model_t *m);

/* Patch-schedule options (--sram, --max-overhead, --schedule, --max-grid, --stream-input). */
typedef struct cli_sched_opts_s {
    size_t sram;          /* 0: no limit */
    double max_overhead;  /* 0: the default 1.2 */
    const char *schedule; /* layer | auto | PhxPw@OP; NULL = auto */
    int max_grid;         /* 0: the default 8 */
    bool stream;          /* --stream-input: the image is read tile by tile from outside the arena */
} cli_sched_opts_t;

/* 1 when argv[*i] (and its value) was a schedule option, 0 when it is not
 * one, -1 (message printed) for a bad value. */
int cli_schedule_option(int argc, char **argv, int *i, cli_sched_opts_t *so);
/* Enumerate the candidates and pick one by the options; 0 on success
 * (message printed otherwise, e.g. an impossible --sram). */
int cli_schedule_resolve(const tfg_model_t *m, const cli_sched_opts_t *so, tfg_sched_set_t *set, int *chosen,
                         double *seconds);
/* cli_load, then cli_schedule_resolve; 0 on success (both to be freed),
 * else a message was printed and nothing is left to free. */
int cli_load_scheduled(const char *path, const tfg_pass_opts_t *o, const cli_sched_opts_t *so, tfg_model_t *m,
                       tfg_sched_set_t *set, int *chosen, double *seconds);
/* The front and the choice: a text table, or JSON members "schedule",
 * "search_seconds" and "candidates" (each followed by a comma). */
void cli_schedule_print(const tfg_model_t *m, const cli_sched_opts_t *so, const tfg_sched_set_t *set,
                        int chosen, double seconds, bool json);

/* How the options choose the schedule, in words ("lowest peak within --max-overhead", ...). */
const char *cli_schedule_rule(const cli_sched_opts_t *so);

/* What to write and where (report.c). */
typedef struct {
    const char *out;    /* NULL or "-": stdout */
    const char *target; /* an MCU budget of targets/boards.tsv, or "none" */
    const char *bench;  /* bench --json --layers output, or NULL */
    tfg_report_format_t format;
    tfg_report_figure_t figure;
} cli_report_opts_t;

/* Build the report of a planned model and its resolved candidates and write
 * it (to a temporary file renamed into place); 0 on success, else a message
 * was printed. */
int cli_report_write(const tfg_model_t *m, const char *model_name, const cli_sched_opts_t *so,
                     const tfg_sched_set_t *set, int chosen, const cli_report_opts_t *ro);
/* "dir/net.tflite" -> "net.report.html" */
void cli_report_default_path(const char *model, char *out, size_t n);

/* The schedule the options ask for, planned; *patched false means layer by
 * layer (sp untouched). Prints the choice on stderr; 0 on success. */
int cli_schedule_plan(const tfg_model_t *m, const cli_sched_opts_t *so, tfg_sched_plan_t *sp, bool *patched);

#endif
