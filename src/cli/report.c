/* tinyforge report: the memory and schedule report of a model (src/report/).
 *
 * Loads and plans the model and resolves the schedule exactly as `plan`
 * does (same options, same choice), then writes the report. Everything that
 * can fail (model, options, target, bench data) is checked before the output
 * file is created, and the file is written under a temporary name and
 * renamed, so a failure never leaves a partial report behind. */
#define _POSIX_C_SOURCE 200809L /* open, fdopen, getpid */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char REPORT_HELP[] =
    "usage: tinyforge report MODEL [-o FILE] [--format html|json|svg|md] [--figure F]\n"
    "                        [--target T] [--sram LIMIT] [--schedule S] [--max-overhead X]\n"
    "                        [--max-grid N] [--stream-input] [--bench FILE.json]\n"
    "                        [--int8-io] [--no-in-place] [--no-pad-fold]\n"
    "\n"
    "Writes what the memory planner and the patch scheduler found, as one page you\n"
    "can open in a browser: a summary (MACs, weights, peak SRAM and where it occurs,\n"
    "the chosen schedule, whether it fits the target), the memory timeline (bytes\n"
    "live at every step, by buffer, with the peak, the SRAM limit and the patched\n"
    "schedule overlaid), the arena map (every buffer's offset and lifetime), the\n"
    "schedule front (peak against MACs for every candidate) and the patch grid\n"
    "(each tile's input region over the image), and a per-layer table.\n"
    "\n"
    "  -o FILE        output file; '-' is stdout. Without -o, json, svg and md go to\n"
    "                 stdout and html to MODEL.report.html in the current directory.\n"
    "  --format F     html (one self-contained file: inline SVG and CSS, no scripts,\n"
    "                 no network), json (every number the figures are drawn from; the\n"
    "                 figures of 'plan --json' under the same names), svg (one\n"
    "                 figure), md (summary and layer table). Default: from FILE's\n"
    "                 extension (.html .json .svg .md), else html.\n"
    "  --figure F     which figure --format svg writes: timeline (default), arena,\n"
    "                 front, grid\n"
    "  --target T     the MCU budget to check against (targets/boards.tsv): cortex-m4\n"
    "                 (default; STM32F412ZG, 256 KiB SRAM, 1 MiB flash), cortex-m0plus,\n"
    "                 cortex-m3, cortex-m7, cortex-m33, cortex-m55, riscv32, or none\n"
    "  --bench FILE   per-layer instruction counts from\n"
    "                 'tinyforge bench MODEL --json --layers > FILE' (bench uses int8\n"
    "                 I/O: give a float model --int8-io here too)\n"
    "  --sram, --max-overhead, --schedule, --max-grid, --stream-input\n"
    "                 choose the schedule as 'tinyforge plan' does (see plan --help);\n"
    "                 --sram also replaces the target's SRAM as the limit drawn\n"
    "\n"
    "example:\n"
    "  tinyforge report model.tflite -o report.html --target cortex-m7\n"
    "  tinyforge report model.tflite --format json | jq .schedule\n";

/* MODEL.report.html: the file name without directory and model extension
 * (a builder spec such as mbv2-w1.0-r224 keeps its dot). */
void cli_report_default_path(const char *model, char *out, size_t n)
{
    const char *base = strrchr(model, '/');
    base = base ? base + 1 : model;
    size_t len = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base && (!strcmp(dot, ".tflite") || !strcmp(dot, ".json"))) len = (size_t)(dot - base);
    snprintf(out, n, "%.*s.report.html", (int)(len < 200 ? len : 200), base);
}

static int format_of(const char *s, tfg_report_format_t *fmt)
{
    if (!strcmp(s, "html") || !strcmp(s, "htm")) return *fmt = TFG_REPORT_HTML, 0;
    if (!strcmp(s, "json")) return *fmt = TFG_REPORT_JSON, 0;
    if (!strcmp(s, "svg")) return *fmt = TFG_REPORT_SVG, 0;
    if (!strcmp(s, "md") || !strcmp(s, "markdown")) return *fmt = TFG_REPORT_MD, 0;
    return -1;
}

static int figure_of(const char *s, tfg_report_figure_t *fig)
{
    if (!strcmp(s, "timeline")) return *fig = TFG_FIG_TIMELINE, 0;
    if (!strcmp(s, "arena")) return *fig = TFG_FIG_ARENA, 0;
    if (!strcmp(s, "front")) return *fig = TFG_FIG_FRONT, 0;
    if (!strcmp(s, "grid")) return *fig = TFG_FIG_GRID, 0;
    return -1;
}

/* Write to a temporary file beside `path`, then rename it over `path`. */
static int write_atomically(const tfg_report_t *r, tfg_report_format_t fmt, tfg_report_figure_t fig,
                            const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    const int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "tinyforge: error: cannot write '%s': %s\n", path, strerror(errno));
        if (fd >= 0) close(fd), unlink(tmp);
        return 1;
    }
    const tfg_status_t st = tfg_report_write(r, fmt, fig, f);
    const int closed = fclose(f);
    if (st < 0 || closed != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "tinyforge: error: writing '%s' failed: %s\n", path, strerror(errno));
        unlink(tmp);
        return 1;
    }
    return 0;
}

int cli_report_write(const tfg_model_t *m, const char *model_name, const cli_sched_opts_t *so,
                     const tfg_sched_set_t *set, int chosen, const cli_report_opts_t *ro)
{
    tfg_budget_t budget;
    tfg_diag_t d = {{0}};
    const bool has_target = ro->target && strcmp(ro->target, "none") != 0;
    if (has_target && tfg_target_budget(ro->target, &budget, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 2;
    }
    const bool by_cap = !so->sram && (!so->schedule || !strcmp(so->schedule, "auto"));
    const tfg_report_opts_t o = {
        model_name,
        cli_schedule_rule(so),
        so->sram     ? "--sram"
        : has_target ? budget.target
                     : NULL,
        so->sram     ? so->sram
        : has_target ? budget.sram
                     : 0,
        so->stream,
        by_cap ? (so->max_overhead > 0 ? so->max_overhead : 1.2) : 0,
        has_target ? &budget : NULL,
    };
    tfg_report_t r;
    if (tfg_report_build(m, set, chosen, &o, &r, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    int rc = 0;
    if (ro->bench && tfg_report_load_bench(&r, ro->bench, &d) < 0) {
        fprintf(stderr, "tinyforge: error: --bench: %s\n", d.msg);
        rc = 1;
    } else if (!ro->out || !strcmp(ro->out, "-")) {
        if (tfg_report_write(&r, ro->format, ro->figure, stdout) < 0 || fflush(stdout) != 0) {
            fprintf(stderr, "tinyforge: error: writing the report to stdout failed\n");
            rc = 1;
        }
    } else {
        rc = write_atomically(&r, ro->format, ro->figure, ro->out);
    }
    tfg_report_free(&r);
    return rc;
}

int cli_report(int argc, char **argv)
{
    tfg_pass_opts_t o = {0};
    cli_sched_opts_t so = {.schedule = NULL};
    cli_report_opts_t ro = {.target = "cortex-m4", .format = TFG_REPORT_HTML, .figure = TFG_FIG_TIMELINE};
    const char *model = NULL, *format = NULL, *figure = NULL;
    const cli_opt_t opts[] = {
        {.name = "-o", .value = &ro.out},        {.name = "--format", .value = &format},
        {.name = "--figure", .value = &figure},  {.name = "--target", .value = &ro.target},
        {.name = "--bench", .value = &ro.bench}, {.name = NULL}};
    const int r = cli_parse_args(argc, argv, "report", REPORT_HELP, &o, &so, opts, &model);
    if (r >= 0) return r;
    if (!model) {
        fprintf(stderr, "tinyforge: report needs a MODEL\n%s", REPORT_HELP);
        return 2;
    }
    if (format && format_of(format, &ro.format) < 0) {
        fprintf(stderr, "tinyforge: --format wants html, json, svg or md, not '%s'\n", format);
        return 2;
    }
    if (!format && ro.out && strcmp(ro.out, "-") != 0) {
        const char *dot = strrchr(ro.out, '.'), *slash = strrchr(ro.out, '/');
        if (!dot || (slash && dot < slash) || format_of(dot + 1, &ro.format) < 0) ro.format = TFG_REPORT_HTML;
    }
    if (figure && (figure_of(figure, &ro.figure) < 0 || ro.format != TFG_REPORT_SVG)) {
        fprintf(stderr,
                "tinyforge: --figure wants timeline, arena, front or grid, with --format svg (not '%s')\n",
                figure);
        return 2;
    }
    char def[256];
    if (!ro.out && ro.format == TFG_REPORT_HTML) {
        cli_report_default_path(model, def, sizeof def);
        ro.out = def;
    }
    if (ro.target && strcmp(ro.target, "none") != 0) { /* a bad target is a usage error, before any work */
        tfg_budget_t b;
        tfg_diag_t d = {{0}};
        if (tfg_target_budget(ro.target, &b, &d) < 0) {
            fprintf(stderr, "tinyforge: %s\n", d.msg);
            return 2;
        }
    }
    tfg_model_t m;
    tfg_sched_set_t set;
    int chosen = 0;
    double secs = 0;
    if (cli_load_scheduled(model, &o, &so, &m, &set, &chosen, &secs)) return 1;
    int rc = cli_report_write(&m, model, &so, &set, chosen, &ro);
    if (rc == 0 && ro.out && strcmp(ro.out, "-") != 0) printf("%s\n", ro.out);
    tfg_sched_set_free(&set);
    tfg_model_free(&m);
    return rc;
}
