/* tinyforge search: TinyNAS, the most accurate network that fits a board
 * (docs/search.md). This file: the command, its options and phase 1,
 * search-space optimisation; phases 2 to 4 and the baselines (supernet,
 * evolution, the final model) are in search_train.c, the plots in
 * search_plots.c. Each phase writes its results to the output folder and is
 * kept when they are there already (--resume). */
#define _POSIX_C_SOURCE 200809L /* readlink */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/search_internal.h"
#include "data/dataset.h"
#include "nn/parallel.h"
#include "search/spaceopt.h"
#include "zoo/zoo.h"

static const char SEARCH_HELP[] =
    "usage: tinyforge search --data SPEC --sram SIZE --flash SIZE -o DIR [options]\n"
    "\n"
    "TinyNAS: searches the most accurate network that fits a board's SRAM and flash,\n"
    "pricing every candidate exactly with the engine (its arena under its best patch\n"
    "schedule, its flash). The phases, as in MCUNet:\n"
    "  1. search-space optimisation: for every width multiplier and input resolution of\n"
    "     the space, sample subnets, keep those that fit, choose the pair whose fitting\n"
    "     subnets have the most MACs (among pairs where at least 10% of them fit);\n"
    "  2. the supernet of that pair: its largest subnet trained, channels sorted by\n"
    "     importance, then every subnet trained at once by the sandwich rule (each step:\n"
    "     the largest on the labels, the smallest and random ones distilled from it);\n"
    "  3. evolution over the subnets that fit, by validation accuracy with inherited\n"
    "     weights (held-out training images; never the test set);\n"
    "  4. the best subnet fine-tuned from its inherited weights and quantized by\n"
    "     'tinyforge train', run on the Cortex-M4 under QEMU by 'tinyforge bench'.\n"
    "\n"
    "  --data SPEC       the dataset (as for 'tinyforge train'; default fashion-mnist)\n"
    "  --sram SIZE       the whole arena, input included (e.g. 32K)\n"
    "  --flash SIZE      the model's constants plus its code (e.g. 64K)\n"
    "  -o DIR            the output folder (created), one file or more per phase:\n"
    "                    command.txt; space.json, space_opt.json, space_cdf.svg (1); largest.tfgc,\n"
    "                    supernet.tfgc, supernet.json (2); evolution.json, evolution.svg,\n"
    "                    pareto.svg (3); best.json (the architecture), final/ (the\n"
    "                    training run, best.tflite and bench.json), result.json,\n"
    "                    report.html (its memory, schedule and per-layer M4 counts) (4)\n"
    "\n"
    "Phase 1:\n"
    "  --space FILE      the search space (JSON; default: the built-in space for small\n"
    "                    grayscale inputs, see docs/search.md)\n"
    "  --max-overhead X  patch schedules may cost up to X times the layer-by-layer MACs\n"
    "                    (default 1.2)\n"
    "  --code SIZE|auto  how a subnet's flash is priced. auto (default): as the Cortex-M4\n"
    "                    takes it, what 'tinyforge bench' reports: its constants, parameter\n"
    "                    structs and tile table, the runtime functions it links (all\n"
    "                    exact) and its generated code (estimated per call, 66 B short\n"
    "                    at worst on 41 models; 128 B are kept free for it). SIZE: its constants\n"
    "                    plus SIZE for everything else, for other cores (the final phase\n"
    "                    measures the real figure on the M4 and warns when it is over)\n"
    "  --max-instructions N  a latency budget: at most N Cortex-M4 instructions per\n"
    "                    inference (e.g. 15M), as the per-layer cost model predicts them\n"
    "                    (src/sched/latency.c; its error against QEMU is in docs/search.md);\n"
    "                    the final model is measured under QEMU\n"
    "  --samples N       subnets per (width, resolution) pair (default 1000)\n"
    "  --stop-after N    stop after phase N (1-4; default 4)\n"
    "Phase 2:\n"
    "  --largest-epochs N   the largest subnet's epochs (default 10)\n"
    "  --supernet-epochs N  sandwich-rule epochs (default 15)\n"
    "  --students N      random subnets per step besides the smallest (default 2)\n"
    "  --batch N, --lr X images per step (default 64), peak learning rate (default 0.05)\n"
    "Phase 3:\n"
    "  --population N    (default 100); --parents N (20); --mutations N (50);\n"
    "  --crossovers N    (50); --mutate-prob P (0.1); --generations N (30)\n"
    "  --calib N         training images that recalibrate batch norm (default 1000)\n"
    "Phase 4:\n"
    "  --final-epochs N  fine-tuning epochs (default 15), on every training image (the\n"
    "                    validation split chose the net; it is not held out now);\n"
    "  --qat-epochs N    (default 2)\n"
    "  --final-lr X      fine-tuning's peak learning rate (default 0.02)\n"
    "  --baselines       then the baselines at equal budget, into baselines.json: random\n"
    "                    search over the same supernet with as many candidates as the\n"
    "                    evolution evaluated (random_search.json; its best fine-tuned the\n"
    "                    same way, in final_random/), and MobileNetV2 scaled by width and resolution to\n"
    "                    the budget, trained from scratch for as many epochs as the found\n"
    "                    net's weights had (final_mbv2/)\n"
    "\n"
    "  --budget TIME     the whole search's wall time (e.g. 2h, 90m, 5400s): the evolution\n"
    "                    stops early when another generation and the final model would\n"
    "                    pass it (the training phases' epochs are their options')\n"
    "  --seed N          everything random (default 1); the validation split is\n"
    "                    'tinyforge train's for the same seed\n"
    "  --threads N       worker threads (default 2)\n"
    "  --resume          keep the phases already done in DIR (a training phase continues\n"
    "                    from its last epoch)\n"
    "  --quiet           print nothing but errors and the result\n";

typedef struct {
    const tfg_space_t *s;
    bool quiet;
    double t0;
} progress_t;

static void on_cell(void *ctx, int done, int total, const tfg_spaceopt_cell_t *c)
{
    const progress_t *p = ctx;
    if (p->quiet) return;
    printf("  [%2d/%d] width %-5g resolution %3d: %4d of %d fit", done, total, p->s->width[c->width],
           p->s->res[c->res], c->fit, c->sampled);
    if (c->fit) printf(", mean %.2f M MACs", c->mean_macs / 1e6);
    printf("  (%.0f s)\n", cli_now() - p->t0);
    fflush(stdout);
}

static int64_t pct(const tfg_spaceopt_cell_t *c, double q)
{
    if (!c->fit) return 0;
    int i = (int)floor(q * (c->fit - 1) + 0.5);
    return c->macs[i];
}

static const char *mark(const tfg_spaceopt_cell_t *c, bool chosen, double min_fit)
{
    if (chosen) return "  <- chosen";
    return c->fit && c->fit < min_fit * c->sampled ? "  (too few fit to choose)" : "";
}

static int write_json(const char *path, const tfg_space_t *s, const tfg_spaceopt_opts_t *o,
                      const tfg_spaceopt_t *r, double seconds)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f,
            "{\n  \"sram\": %zu,\n  \"flash\": %zu,\n  \"code\": %zu,\n  \"max_overhead\": %g,\n  "
            "\"max_instructions\": %.0f,\n  \"samples\": %d,\n"
            "  \"seed\": %llu,\n  \"seconds\": %.1f,\n",
            o->sram, o->flash, o->code_bytes, o->max_overhead, o->max_instructions, o->samples,
            (unsigned long long)o->seed, seconds);
    if (r->best >= 0)
        fprintf(f, "  \"chosen\": {\"width\": %g, \"resolution\": %d},\n", s->width[r->cells[r->best].width],
                s->res[r->cells[r->best].res]);
    else
        fprintf(f, "  \"chosen\": null,\n");
    fprintf(f, "  \"pairs\": [");
    for (int i = 0; i < r->n; i++) {
        const tfg_spaceopt_cell_t *c = &r->cells[i];
        fprintf(
            f,
            "%s\n    {\"width\": %g, \"resolution\": %d, \"sampled\": %d, \"fit\": %d, \"over_sram\": %d, "
            "\"over_flash\": %d, \"over_latency\": %d, \"mean_macs\": %.0f, \"patched\": %d, "
            "\"mean_mac_overhead\": %.4f, \"macs_p10\": %lld, \"macs_p50\": %lld, "
            "\"macs_p90\": %lld}",
            i ? "," : "", s->width[c->width], s->res[c->res], c->sampled, c->fit, c->over_sram, c->over_flash,
            c->over_latency, c->mean_macs, c->patched, c->mean_overhead, (long long)pct(c, 0.1),
            (long long)pct(c, 0.5), (long long)pct(c, 0.9));
    }
    fprintf(f, "\n  ]\n}\n");
    const int bad = ferror(f);
    if (fclose(f) != 0 || bad) return -1;
    return rename(tmp, path);
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

static int parse_count(const char *v, const char *what, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    const long x = v ? strtol(v, &end, 10) : 0;
    if (!v || end == v || *end || errno || x < lo || x > hi) {
        fprintf(stderr, "tinyforge: %s wants an integer in %ld..%ld, not '%s'\n", what, lo, hi, v ? v : "");
        return -1;
    }
    *out = x;
    return 0;
}

/* Phase 1, or its kept results: the chosen pair's indices in *w, *r (-1
 * when none is eligible). */
static int phase_space(const search_run_t *run, const char *space_path, tfg_spaceopt_opts_t *o,
                       double *seconds, int *w, int *r)
{
    const tfg_space_t *s = &run->space;
    tfg_diag_t d = {{0}};
    char path[4096];
    *w = *r = -1;
    /* the space searched, as text beside the results */
    char *space_text = NULL;
    size_t space_len;
    if (space_path &&
        tfg_read_text_file(space_path, 16u << 20, "search space", &space_text, &space_len, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    snprintf(path, sizeof path, "%s/space.json", run->out);
    const int wrote = write_text(path, space_text ? space_text : tfg_space_default_json());
    free(space_text);
    if (wrote != 0) {
        fprintf(stderr, "tinyforge: error: cannot write %s\n", path);
        return 1;
    }
    char code[160], latency[96] = "";
    if (o->max_instructions > 0)
        snprintf(latency, sizeof latency, ", at most %.0f Cortex-M4 instructions per inference (predicted)",
                 o->max_instructions);
    if (o->code_bytes)
        snprintf(code, sizeof code, "%zu B of it code", o->code_bytes);
    else
        snprintf(code, sizeof code, "each subnet's as the Cortex-M4 takes it, code included");
    if (!run->quiet)
        printf(
            "search: space '%s' (%d widths x %d resolutions), %d input channel%s, %d classes; budget %zu B "
            "SRAM, %zu B flash (%s), MACs within %gx layer by layer%s\n"
            "phase 1, search-space optimisation: %d subnets per pair\n",
            s->name, s->n_width, s->n_res, s->in_channels, s->in_channels == 1 ? "" : "s", s->classes,
            o->sram, o->flash, code, o->max_overhead, latency, o->samples);
    snprintf(path, sizeof path, "%s/space_opt.json", run->out);
    struct stat st;
    if (run->resume && !stat(path, &st)) {
        char *text = NULL;
        size_t len;
        double width = 0, sec = 0;
        int res = 0;
        if (tfg_read_text_file(path, 64u << 20, "results", &text, &len, &d) < 0) {
            fprintf(stderr, "tinyforge: error: %s\n", d.msg);
            return 1;
        }
        const char *c = strstr(text, "\"chosen\": {\"width\": "), *t = strstr(text, "\"seconds\": ");
        if (t) sscanf(t, "\"seconds\": %lf", &sec);
        if (c && sscanf(c, "\"chosen\": {\"width\": %lf, \"resolution\": %d", &width, &res) == 2)
            for (int i = 0; i < s->n_width; i++)
                for (int k = 0; k < s->n_res; k++)
                    if (fabs(s->width[i] - width) < 1e-9 && s->res[k] == res) *w = i, *r = k;
        free(text);
        *seconds = sec;
        if (!run->quiet) printf("  done already (%s): kept\n", path);
        if (*w < 0) fprintf(stderr, "tinyforge: error: %s chose no pair of this space\n", path);
        return *w < 0;
    }
    tfg_pool_t *pool = tfg_pool_create(run->threads);
    tfg_spaceopt_t res;
    progress_t pr = {s, run->quiet, cli_now()};
    const tfg_status_t rs = pool ? tfg_spaceopt_run(s, o, pool, on_cell, &pr, &res, &d)
                                 : tfg_diag_set(&d, TFG_ERR_NOMEM, "out of memory");
    tfg_pool_destroy(pool);
    if (rs < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    *seconds = cli_now() - pr.t0;
    char svg[4096];
    snprintf(svg, sizeof svg, "%s/space_cdf.svg", run->out);
    if (search_plot_cdf(svg, s, &res, o) != 0 || write_json(path, s, o, &res, *seconds) != 0) {
        fprintf(stderr, "tinyforge: error: cannot write the results in %s\n", run->out);
        tfg_spaceopt_free(&res);
        return 1;
    }
    printf("\n%-7s %5s %6s %6s %9s %9s %9s %9s %8s %9s\n", "width", "res", "fit", "of", "mean", "p10", "p50",
           "p90", "patched", "MAC ovh");
    for (int i = 0; i < res.n; i++) {
        const tfg_spaceopt_cell_t *c = &res.cells[i];
        printf("%-7g %5d %6d %6d %8.2fM %8.2fM %8.2fM %8.2fM %8d %8.3fx%s\n", s->width[c->width],
               s->res[c->res], c->fit, c->sampled, c->mean_macs / 1e6, pct(c, 0.1) / 1e6, pct(c, 0.5) / 1e6,
               pct(c, 0.9) / 1e6, c->patched, c->mean_overhead, mark(c, i == res.best, o->min_fit));
    }
    if (res.best < 0) {
        printf("\nin no pair do %.0f%% of the subnets fit %zu B SRAM and %zu B flash%s: a smaller space "
               "(fewer channels, lower widths or resolutions) or a larger budget\n",
               100.0 * o->min_fit, o->sram, o->flash, latency);
    } else {
        *w = res.cells[res.best].width, *r = res.cells[res.best].res;
        printf("\nchosen: width %g, resolution %d (the most MACs on average among subnets that fit), in "
               "%.1f s;\n%s/space_opt.json, %s/space_cdf.svg\n",
               s->width[*w], s->res[*r], *seconds, run->out, run->out);
    }
    tfg_spaceopt_free(&res);
    return *w < 0;
}

static int parse_real(const char *v, const char *what, double lo, double hi, double *out)
{
    char *end;
    const double x = v ? strtod(v, &end) : NAN;
    if (!v || end == v || *end || !(x >= lo && x <= hi)) {
        fprintf(stderr, "tinyforge: %s wants a number in %g..%g, not '%s'\n", what, lo, hi, v ? v : "");
        return -1;
    }
    *out = x;
    return 0;
}

/* "2h", "90m", "5400s", "5400": seconds; 0 on success. */
static int parse_duration(const char *v, double *out)
{
    char *end;
    const double x = strtod(v, &end);
    const double unit = !strcmp(end, "h")              ? 3600
                        : !strcmp(end, "m")            ? 60
                        : (!*end || !strcmp(end, "s")) ? 1
                                                       : 0;
    if (end == v || !unit || !(x > 0 && x <= 1e6)) return -1;
    *out = x * unit;
    return 0;
}

int cli_search(int argc, char **argv)
{
    cli_sched_opts_t so = {0};
    const char *data = "fashion-mnist", *out = NULL, *space_path = NULL, *flash_arg = NULL,
               *code_arg = "auto", *insns_arg = NULL, *budget_arg = NULL, *positional = NULL;
    /* the numeric options, parsed after the loop */
    const char *v[20] = {"1000", "1",  "2",  "4",   "10", "15",   "2",  "64", "0.05", "100",
                         "20",   "50", "50", "0.1", "30", "1000", "15", "2",  "0.02", NULL};
    enum {
        SAMPLES,
        SEED,
        THREADS,
        STOP,
        LARGEST,
        SUPER,
        STUDENTS,
        BATCH,
        LR,
        POP,
        PARENTS,
        MUT,
        CROSS,
        MPROB,
        GENS,
        CALIB,
        FINAL,
        QAT,
        FINAL_LR
    };
    bool resume = false, quiet = false, baselines = false;
    const cli_opt_t opts[] = {{.name = "--baselines", .flag = &baselines},
                              {.name = "--data", .value = &data},
                              {.name = "-o", .value = &out},
                              {.name = "--space", .value = &space_path},
                              {.name = "--flash", .value = &flash_arg},
                              {.name = "--code", .value = &code_arg},
                              {.name = "--max-instructions", .value = &insns_arg},
                              {.name = "--budget", .value = &budget_arg},
                              {.name = "--samples", .value = &v[SAMPLES]},
                              {.name = "--seed", .value = &v[SEED]},
                              {.name = "--threads", .value = &v[THREADS]},
                              {.name = "--stop-after", .value = &v[STOP]},
                              {.name = "--largest-epochs", .value = &v[LARGEST]},
                              {.name = "--supernet-epochs", .value = &v[SUPER]},
                              {.name = "--students", .value = &v[STUDENTS]},
                              {.name = "--batch", .value = &v[BATCH]},
                              {.name = "--lr", .value = &v[LR]},
                              {.name = "--population", .value = &v[POP]},
                              {.name = "--parents", .value = &v[PARENTS]},
                              {.name = "--mutations", .value = &v[MUT]},
                              {.name = "--crossovers", .value = &v[CROSS]},
                              {.name = "--mutate-prob", .value = &v[MPROB]},
                              {.name = "--generations", .value = &v[GENS]},
                              {.name = "--calib", .value = &v[CALIB]},
                              {.name = "--final-epochs", .value = &v[FINAL]},
                              {.name = "--qat-epochs", .value = &v[QAT]},
                              {.name = "--final-lr", .value = &v[FINAL_LR]},
                              {.name = "--resume", .flag = &resume},
                              {.name = "--quiet", .flag = &quiet},
                              {.name = NULL}};
    const int pr = cli_parse_args(argc, argv, "search", SEARCH_HELP, NULL, &so, opts, &positional);
    if (pr >= 0) return pr;
    if (positional) {
        fprintf(stderr, "tinyforge: search takes no positional argument ('%s'); see --help\n", positional);
        return 2;
    }
    search_run_t run = {
        .data = data, .out = out, .resume = resume, .quiet = quiet, .evo = tfg_evolve_default_opts()};
    tfg_spaceopt_opts_t *o = &run.budget;
    *o = (tfg_spaceopt_opts_t){so.sram, 0, 0, so.max_overhead > 0 ? so.max_overhead : 1.2, 0, 0.1, 0, 0};
    if (!out || !so.sram || !flash_arg) {
        fprintf(stderr, "tinyforge: search needs --sram, --flash and -o DIR\n\n%s", SEARCH_HELP);
        return 2;
    }
    if (cli_parse_bytes(flash_arg, &o->flash) || !o->flash) {
        fprintf(stderr, "tinyforge: --flash wants a size in bytes (e.g. 65536, 64K), not '%s'\n", flash_arg);
        return 2;
    }
    if (strcmp(code_arg, "auto") != 0 && (cli_parse_bytes(code_arg, &o->code_bytes) || !o->code_bytes)) {
        fprintf(stderr, "tinyforge: --code wants auto or a size in bytes (e.g. 25K), not '%s'\n", code_arg);
        return 2;
    }
    if (insns_arg) {
        char *end = NULL;
        double v = strtod(insns_arg, &end);
        if (end && (*end == 'M' || *end == 'K')) v *= *end++ == 'M' ? 1e6 : 1e3;
        if (!end || end == insns_arg || *end || !(v >= 1 && v <= 1e15)) {
            fprintf(stderr, "tinyforge: --max-instructions wants a count (e.g. 15000000 or 15M), not '%s'\n",
                    insns_arg);
            return 2;
        }
        o->max_instructions = v;
    }
    if (o->code_bytes >= o->flash) {
        fprintf(stderr, "tinyforge: --code (%zu B) leaves nothing of --flash (%zu B) for the weights\n",
                o->code_bytes, o->flash);
        return 2;
    }
    long n[FINAL_LR + 1];
    double lr, mprob, final_lr;
    static const struct {
        const char *name;
        long lo, hi;
    } ints[] = {{"--samples", 1, 1000000},
                {"--seed", 0, 0x7fffffffL},
                {"--threads", 1, 256},
                {"--stop-after", 1, 4},
                {"--largest-epochs", 1, 10000},
                {"--supernet-epochs", 0, 10000},
                {"--students", 0, 15},
                {"--batch", 2, 65536},
                {NULL, 0, 0},
                {"--population", 1, 100000},
                {"--parents", 1, 100000},
                {"--mutations", 0, 100000},
                {"--crossovers", 0, 100000},
                {NULL, 0, 0},
                {"--generations", 0, 100000},
                {"--calib", 2, 1000000},
                {"--final-epochs", 1, 10000},
                {"--qat-epochs", 0, 10000}};
    for (int i = 0; i <= QAT; i++)
        if (ints[i].name && parse_count(v[i], ints[i].name, ints[i].lo, ints[i].hi, &n[i])) return 2;
    if (parse_real(v[LR], "--lr", 1e-9, 100, &lr) || parse_real(v[MPROB], "--mutate-prob", 0, 1, &mprob) ||
        parse_real(v[FINAL_LR], "--final-lr", 1e-9, 100, &final_lr))
        return 2;
    if (budget_arg && parse_duration(budget_arg, &run.budget_s)) {
        fprintf(stderr, "tinyforge: --budget wants a duration (e.g. 2h, 90m, 5400s), not '%s'\n", budget_arg);
        return 2;
    }
    if (n[PARENTS] > n[POP]) {
        fprintf(stderr, "tinyforge: --parents (%ld) must not exceed --population (%ld)\n", n[PARENTS],
                n[POP]);
        return 2;
    }
    o->samples = (int)n[SAMPLES], o->seed = (uint64_t)n[SEED];
    run.threads = (int)n[THREADS], run.seed = (uint64_t)n[SEED];
    run.largest_epochs = (int)n[LARGEST], run.supernet_epochs = (int)n[SUPER],
    run.students = (int)n[STUDENTS];
    run.batch = (int)n[BATCH], run.lr = lr, run.calib = (int)n[CALIB];
    run.evo.population = (int)n[POP], run.evo.parents = (int)n[PARENTS], run.evo.mutations = (int)n[MUT];
    run.evo.crossovers = (int)n[CROSS], run.evo.mutate_prob = mprob, run.evo.generations = (int)n[GENS];
    run.final_epochs = (int)n[FINAL], run.qat_epochs = (int)n[QAT], run.final_lr = final_lr;
    char exe[4096];
    const ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[el > 0 ? el : 0] = 0;
    run.exe = el > 0 ? exe : argv[0];

    tfg_diag_t d = {{0}};
    if (tfg_space_load(space_path, &run.space, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    tfg_dataset_t train = {0}, val = {0};
    if (tfg_data_open_n(data, "train", 0, 0, 0, 1, &train, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    run.space.in_channels = train.c, run.space.classes = train.classes;
    tfg_dataset_free(&train);

    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "tinyforge: error: cannot create %s: %s\n", out, strerror(errno));
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/space_opt.json", out);
    struct stat st;
    if (!stat(path, &st) && !resume) {
        fprintf(stderr,
                "tinyforge: error: %s holds a search already: --resume to keep its phases, or another -o\n",
                out);
        return 1;
    }
    /* the command, for the record (appended: a resumed run adds its own line) */
    snprintf(path, sizeof path, "%s/command.txt", out);
    FILE *cf = fopen(path, "a");
    if (cf) {
        fputs("tinyforge", cf);
        for (int i = 0; i < argc; i++) fprintf(cf, " %s", argv[i]);
        fputs("\n", cf);
        fclose(cf);
    }
    const double t0 = cli_now();
    int w, r;
    if (phase_space(&run, space_path, o, &run.seconds[1], &w, &r)) return 1;
    if (n[STOP] == 1) return 0;

    /* The images at the chosen resolution; the validation split as `train` holds it out. */
    const int res = run.space.res[r];
    if (tfg_data_open(data, "train", res, res, 0, &train, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    const int n_val = train.n >= 50000 ? 5000 : train.n / 10;
    tfg_supernet_t sn = {0};
    tfg_subnet_t best;
    int rc = 1;
    if (n_val < 2 || tfg_dataset_split(&train, n_val, run.seed, &val) < 0) {
        fprintf(stderr, "tinyforge: error: %s: too few training images (%d) for a validation split\n", data,
                train.n);
        goto done;
    }
    if (tfg_supernet_init(&sn, &run.space, w, r, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        goto done;
    }
    if (search_phase_supernet(&run, &sn, &train, &val)) goto done;
    if (n[STOP] > 2 && search_phase_evolve(&run, &sn, &train, &val, &best)) goto done;
    if (n[STOP] > 3 && search_phase_final(&run, &sn, &train, &val, &best)) goto done;
    if (n[STOP] > 3 && baselines && search_phase_baselines(&run, &sn, &train, &val)) goto done;
    if (!quiet) printf("\nsearch: %.0f s in this run\n", cli_now() - t0);
    rc = 0;
done:
    tfg_supernet_free(&sn);
    tfg_dataset_free(&train);
    tfg_dataset_free(&val);
    return rc;
}
