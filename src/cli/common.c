/* What every subcommand shares: the argument loop, the model options,
 * loading with diagnostics, the YOLO and camera-frame options (detect,
 * compile and bench read them alike), and the clock for the timings it
 * prints. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "tinyforge/frame.h"

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

/* ---- YOLO and camera-frame options ------------------------------------- */

static const float DEFAULT_ANCHORS[] = {116, 90, 156, 198, 373, 326, 30, 61, 62,
                                        45,  59, 119, 10,  13,  16,  30, 33, 23};

/* A finite number at the start of s; the characters read, or -1. */
static int parse_float(const char *s, float *v)
{
    char *end;
    errno = 0;
    const double x = strtod(s, &end);
    if (end == s || errno || !isfinite(x)) return -1;
    *v = (float)x;
    return (int)(end - s);
}

int cli_yolo_setup(const tfg_model_t *m, const char *model, const cli_yolo_opts_t *yo, tfg_yolo_setup_t *ys)
{
    const tfg_tensor_t *in = m->graph.n_inputs == 1 ? &m->graph.tensors[m->graph.inputs[0]] : NULL;
    if (!in || in->rank != 4) {
        fprintf(stderr, "tinyforge: error: %s: --postprocess yolo needs one image input [1, H, W, C]\n",
                model);
        return -1;
    }
    tfg_diag_t d = {{0}};
    if (tfg_yolo_setup(&m->graph, yo->anchors, yo->groups, yo->per, yo->classes, yo->score, yo->iou, ys, &d) <
        0) {
        fprintf(stderr, "tinyforge: error: %s: not a YOLO detector for these options: %s\n", model, d.msg);
        return -1;
    }
    return 0;
}

int cli_parse_max_candidates(const char *s, long *n)
{
    if (!s) return 0;
    char *end;
    *n = strtol(s, &end, 10);
    if (*end || end == s || *n < 1 || *n > (1 << 20)) {
        fprintf(stderr,
                "tinyforge: --max-candidates takes 1 to %d (candidates held for NMS, 32 B each), not '%s'\n",
                1 << 20, s);
        return 2;
    }
    return 0;
}

int cli_parse_range(const char *s, float *lo, float *hi)
{
    const int n = parse_float(s, lo);
    if (n < 0 || s[n] != ',') return -1;
    const int k = parse_float(s + n + 1, hi);
    return k < 0 || s[n + 1 + k] || !(*hi > *lo) ? -1 : 0;
}

/* "w,h,w,h/w,h,w,h": groups of equal size; returns 0 and the counts. */
static int parse_anchors(const char *s, float *out, int max, int *groups, int *per)
{
    int n = 0, in_group = 0;
    *groups = 0, *per = 0;
    for (const char *p = s;;) {
        float v;
        const int k = parse_float(p, &v);
        if (k < 0 || n >= max) return -1;
        out[n++] = v, in_group++;
        p += k;
        if (*p == ',') {
            p++;
        } else if (*p == '/' || !*p) {
            if (in_group % 2 || (*per && in_group / 2 != *per)) return -1;
            *per = in_group / 2, in_group = 0, ++*groups;
            if (!*p++) break;
        } else {
            return -1;
        }
    }
    return 0;
}

void cli_yolo_opt_list(cli_yolo_opts_t *y, cli_opt_t *opts)
{
    opts[0] = (cli_opt_t){.name = "--score", .value = &y->score_s};
    opts[1] = (cli_opt_t){.name = "--iou", .value = &y->iou_s};
    opts[2] = (cli_opt_t){.name = "--anchors", .value = &y->anchors_s};
    opts[3] = (cli_opt_t){.name = "--classes", .value = &y->classes_s};
    opts[4] = (cli_opt_t){.name = "--range", .value = &y->range_s};
}

int cli_yolo_resolve(cli_yolo_opts_t *y)
{
    y->score = 0.3f, y->iou = 0.45f, y->lo = -1.0f, y->hi = 1.0f;
    y->groups = 3, y->per = 3, y->classes = 1;
    memcpy(y->anchors, DEFAULT_ANCHORS, sizeof DEFAULT_ANCHORS);
    const char *sc = y->score_s, *io = y->iou_s;
    if ((sc && (parse_float(sc, &y->score) != (int)strlen(sc) || !(y->score >= 0 && y->score <= 1))) ||
        (io && (parse_float(io, &y->iou) != (int)strlen(io) || !(y->iou >= 0 && y->iou <= 1)))) {
        fprintf(stderr, "tinyforge: --score and --iou take a number in [0, 1]\n");
        return 2;
    }
    if (y->anchors_s &&
        (parse_anchors(y->anchors_s, y->anchors, (int)(sizeof y->anchors / sizeof *y->anchors), &y->groups,
                       &y->per) < 0 ||
         y->groups > TFG_YOLO_MAX_HEADS || y->per > TFG_YOLO_MAX_ANCHORS)) {
        fprintf(
            stderr,
            "tinyforge: bad --anchors '%s': w,h pairs, groups separated by '/', every group of the same size "
            "(at most %d groups of %d)\n",
            y->anchors_s, TFG_YOLO_MAX_HEADS, TFG_YOLO_MAX_ANCHORS);
        return 2;
    }
    if (y->classes_s) {
        char *end;
        const long c = strtol(y->classes_s, &end, 10);
        if (*end || end == y->classes_s || c < 1 || c > CLI_YOLO_MAX_CLASSES) {
            fprintf(stderr, "tinyforge: --classes takes 1 to %d\n", CLI_YOLO_MAX_CLASSES);
            return 2;
        }
        y->classes = (int)c;
    }
    if (y->range_s && cli_parse_range(y->range_s, &y->lo, &y->hi) < 0) {
        fprintf(stderr, "tinyforge: bad --range '%s': two numbers LO,HI with LO < HI\n", y->range_s);
        return 2;
    }
    return 0;
}

static const char *const FRAME_FORMATS[] = {"gray8", "rgb888", "rgb565le", "rgb565be"};

const char *cli_frame_format_name(int32_t format)
{
    return format >= 0 && format < 4 ? FRAME_FORMATS[format] : "?";
}

int cli_parse_frame(const char *s, int32_t *w, int32_t *h, int32_t *format, char *msg, size_t n)
{
    char *end;
    errno = 0;
    const long fw = strtol(s, &end, 10);
    long fh = 0;
    bool ok = end != s && *end == 'x' && s[0] >= '0' && s[0] <= '9';
    if (ok) {
        const char *p = end + 1;
        fh = strtol(p, &end, 10);
        ok = end != p && *p >= '0' && *p <= '9' && (!*end || *end == ':') && !errno;
    }
    if (!ok || fw < 1 || fh < 1 || fw > 8192 || fh > 8192) {
        snprintf(msg, n,
                 "bad --frame '%s': WIDTHxHEIGHT[:FORMAT], sides 1 to 8192 pixels, e.g. 160x128:rgb888", s);
        return -1;
    }
    *format = TFG_FRAME_RGB888;
    if (*end == ':') {
        int k = 0;
        while (k < 4 && strcmp(end + 1, FRAME_FORMATS[k])) k++;
        if (k == 4) {
            snprintf(msg, n, "bad --frame '%s': format '%s' is not one of gray8, rgb888, rgb565le, rgb565be",
                     s, end + 1);
            return -1;
        }
        *format = k;
    }
    *w = (int32_t)fw, *h = (int32_t)fh;
    return 0;
}
