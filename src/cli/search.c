/* tinyforge search: TinyNAS, the most accurate network that fits a board
 * (docs/search.md). Built so far: the search space and its first phase,
 * search-space optimisation; the phases that train (supernet, evolution,
 * the final model) come next, and the command says so instead of
 * pretending. Each phase writes its results to the output folder and is
 * skipped when they are there already (--resume). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "data/dataset.h"
#include "nn/parallel.h"
#include "search/spaceopt.h"
#include "zoo/zoo.h"

static const char SEARCH_HELP[] =
    "usage: tinyforge search --data SPEC --sram SIZE --flash SIZE -o DIR [options]\n"
    "\n"
    "TinyNAS: searches the network that fits a board's SRAM and flash, pricing every\n"
    "candidate exactly with the engine (its arena under its best patch schedule, its\n"
    "flash). The phases, as in MCUNet: (1) search-space optimisation: for every width\n"
    "multiplier and input resolution of the space, sample subnets, keep those that fit,\n"
    "choose the pair whose fitting subnets have the most MACs (among pairs where at\n"
    "least 10% of the subnets fit); (2) supernet training,\n"
    "(3) evolution, (4) the final model. Phase 1 is built; the command stops after it.\n"
    "\n"
    "  --data SPEC       the dataset (as for 'tinyforge train'; default fashion-mnist):\n"
    "                    it sets the input channels and the classes\n"
    "  --sram SIZE       the whole arena, input included (e.g. 32K)\n"
    "  --flash SIZE      the model's constants plus its code (e.g. 64K)\n"
    "  -o DIR            the output folder (created): space.json (the space searched),\n"
    "                    space_opt.json (every pair's sample), space_cdf.svg (the CDFs)\n"
    "\n"
    "Options:\n"
    "  --space FILE      the search space (JSON; default: the built-in space for small\n"
    "                    grayscale inputs, see docs/search.md)\n"
    "  --max-overhead X  patch schedules may cost up to X times the layer-by-layer MACs\n"
    "                    (default 1.2)\n"
    "  --code SIZE       the code's share of flash, counted for every subnet (default\n"
    "                    20K: the kernels of MobileNet-style models measure 11-21 KB on\n"
    "                    the Cortex-M4 in 'make bench')\n"
    "  --samples N       subnets per (width, resolution) pair (default 1000)\n"
    "  --seed N          the sampling's seed (default 1)\n"
    "  --threads N       worker threads (default 2)\n"
    "  --resume          keep the phases already done in DIR\n"
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
            "\"samples\": %d,\n"
            "  \"seed\": %llu,\n  \"seconds\": %.1f,\n",
            o->sram, o->flash, o->code_bytes, o->max_overhead, o->samples, (unsigned long long)o->seed,
            seconds);
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
            "\"over_flash\": %d, \"mean_macs\": %.0f, \"macs_p10\": %lld, \"macs_p50\": %lld, "
            "\"macs_p90\": %lld}",
            i ? "," : "", s->width[c->width], s->res[c->res], c->sampled, c->fit, c->over_sram, c->over_flash,
            c->mean_macs, (long long)pct(c, 0.1), (long long)pct(c, 0.5), (long long)pct(c, 0.9));
    }
    fprintf(f, "\n  ]\n}\n");
    const int bad = ferror(f);
    if (fclose(f) != 0 || bad) return -1;
    return rename(tmp, path);
}

/* MCUNet's Figure 3: per pair, the CDF of the fitting subnets' MACs. */
static int write_svg(const char *path, const tfg_space_t *s, const tfg_spaceopt_t *r,
                     const tfg_spaceopt_opts_t *o)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    const int W = 800, H = 440, L = 70, R = 230, T = 40, B = 50;
    int64_t hi = 1;
    for (int i = 0; i < r->n; i++)
        if (r->cells[i].fit && r->cells[i].macs[r->cells[i].fit - 1] > hi)
            hi = r->cells[i].macs[r->cells[i].fit - 1];
    const double xmax = ceil((double)hi / 1e6);
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"DejaVu Sans, "
            "sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            W, H);
    fprintf(
        f,
        "<text x=\"%d\" y=\"22\" font-size=\"14\">Search-space optimisation: MACs of the subnets that fit "
        "%.0f KB SRAM and %.0f KB flash (CDF)</text>\n",
        L, o->sram / 1024.0, o->flash / 1024.0);
    const int pw = W - L - R, ph = H - T - B;
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", L, T,
            pw, ph);
    for (int t = 0; t <= 4; t++) {
        const double y = T + ph - ph * t / 4.0, x = L + pw * t / 4.0;
        fprintf(f, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%d%%</text>\n", L - 6, y + 4, 25 * t);
        fprintf(f, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%.1f</text>\n", x, T + ph + 16,
                xmax * t / 4.0);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">M MACs</text>\n", L + pw / 2, H - 12);
    /* eligible pairs in colour (hue by width, lightness by resolution), the
     * chosen one black and thick, the others dashed and faint */
    int shown = 0;
    for (int i = 0; i < r->n; i++) {
        const tfg_spaceopt_cell_t *c = &r->cells[i];
        if (!c->fit) continue;
        const bool best = i == r->best, eligible = c->fit >= o->min_fit * c->sampled;
        char stroke[64];
        snprintf(stroke, sizeof stroke, "hsl(%.0f,70%%,%.0f%%)", 360.0 * c->width / s->n_width,
                 30.0 + 35.0 * c->res / (s->n_res > 1 ? s->n_res - 1 : 1));
        if (best) snprintf(stroke, sizeof stroke, "black");
        const char *style = best       ? "stroke-width=\"3\""
                            : eligible ? "stroke-width=\"1.3\""
                                       : "stroke-width=\"1\" stroke-dasharray=\"3,3\" opacity=\"0.6\"";
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" %s points=\"", stroke, style);
        for (int k = 0; k < c->fit; k++) {
            const double x = L + pw * ((double)c->macs[k] / 1e6) / xmax;
            fprintf(f, "%.1f,%.1f %.1f,%.1f ", x, T + ph - ph * (double)k / c->fit, x,
                    T + ph - ph * (double)(k + 1) / c->fit);
        }
        fprintf(f, "\"/>\n");
        if (shown < 26) {
            const int y = T + 10 + 13 * shown++;
            fprintf(f,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" %s/>\n<text x=\"%d\" "
                    "y=\"%d\" font-size=\"11\"%s>w%g r%d: %d%% fit%s</text>\n",
                    L + pw + 10, y - 4, L + pw + 30, y - 4, stroke, style, L + pw + 36, y,
                    best ? " font-weight=\"bold\"" : "", s->width[c->width], s->res[c->res],
                    (int)(100.0 * c->fit / c->sampled + 0.5), best ? " (chosen)" : "");
        }
    }
    fprintf(f, "</svg>\n");
    return fclose(f);
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

int cli_search(int argc, char **argv)
{
    cli_sched_opts_t so = {0};
    const char *data = "fashion-mnist", *out = NULL, *space_path = NULL, *flash_arg = NULL, *code_arg = "20K",
               *samples_arg = "1000", *seed_arg = "1", *threads_arg = "2", *positional = NULL;
    bool resume = false, quiet = false;
    const cli_opt_t opts[] = {{.name = "--data", .value = &data},
                              {.name = "-o", .value = &out},
                              {.name = "--space", .value = &space_path},
                              {.name = "--flash", .value = &flash_arg},
                              {.name = "--code", .value = &code_arg},
                              {.name = "--samples", .value = &samples_arg},
                              {.name = "--seed", .value = &seed_arg},
                              {.name = "--threads", .value = &threads_arg},
                              {.name = "--resume", .flag = &resume},
                              {.name = "--quiet", .flag = &quiet},
                              {.name = NULL}};
    const int r = cli_parse_args(argc, argv, "search", SEARCH_HELP, NULL, &so, opts, &positional);
    if (r >= 0) return r;
    if (positional) {
        fprintf(stderr, "tinyforge: search takes no positional argument ('%s'); see --help\n", positional);
        return 2;
    }
    tfg_spaceopt_opts_t o = {so.sram, 0, 0, so.max_overhead > 0 ? so.max_overhead : 1.2, 0, 0.1, 0};
    long samples, threads, seed;
    if (!out || !so.sram || !flash_arg) {
        fprintf(stderr, "tinyforge: search needs --sram, --flash and -o DIR\n\n%s", SEARCH_HELP);
        return 2;
    }
    if (cli_parse_bytes(flash_arg, &o.flash) || !o.flash) {
        fprintf(stderr, "tinyforge: --flash wants a size in bytes (e.g. 65536, 64K), not '%s'\n", flash_arg);
        return 2;
    }
    if (cli_parse_bytes(code_arg, &o.code_bytes)) {
        fprintf(stderr, "tinyforge: --code wants a size in bytes (e.g. 20K), not '%s'\n", code_arg);
        return 2;
    }
    if (o.code_bytes >= o.flash) {
        fprintf(stderr, "tinyforge: --code (%zu B) leaves nothing of --flash (%zu B) for the weights\n",
                o.code_bytes, o.flash);
        return 2;
    }
    if (parse_count(samples_arg, "--samples", 1, 1000000, &samples) ||
        parse_count(threads_arg, "--threads", 1, 256, &threads) ||
        parse_count(seed_arg, "--seed", 0, 0x7fffffffL, &seed))
        return 2;
    o.samples = (int)samples, o.seed = (uint64_t)seed;

    tfg_diag_t d = {{0}};
    tfg_space_t s;
    if (tfg_space_load(space_path, &s, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    tfg_dataset_t ds;
    if (tfg_data_open_n(data, "train", 0, 0, 0, 1, &ds, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    s.in_channels = ds.c, s.classes = ds.classes;
    tfg_dataset_free(&ds);

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
    /* the space searched, as text beside the results */
    char *space_text = NULL;
    size_t space_len;
    if (space_path &&
        tfg_read_text_file(space_path, 16u << 20, "search space", &space_text, &space_len, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    snprintf(path, sizeof path, "%s/space.json", out);
    if (write_text(path, space_text ? space_text : tfg_space_default_json()) != 0) {
        free(space_text);
        fprintf(stderr, "tinyforge: error: cannot write %s\n", path);
        return 1;
    }
    free(space_text);

    if (!quiet)
        printf(
            "search: space '%s' (%d widths x %d resolutions), %d input channel%s, %d classes; budget %zu B "
            "SRAM, %zu B flash (%zu B of it code), MACs within %gx layer by layer\n"
            "phase 1, search-space optimisation: %d subnets per pair\n",
            s.name, s.n_width, s.n_res, s.in_channels, s.in_channels == 1 ? "" : "s", s.classes, o.sram,
            o.flash, o.code_bytes, o.max_overhead, o.samples);
    snprintf(path, sizeof path, "%s/space_opt.json", out);
    if (resume && !stat(path, &st)) {
        if (!quiet) printf("  done already (%s): kept\n", path);
    } else {
        tfg_pool_t *pool = tfg_pool_create((int)threads);
        tfg_spaceopt_t res;
        progress_t pr = {&s, quiet, cli_now()};
        const tfg_status_t rs = pool ? tfg_spaceopt_run(&s, &o, pool, on_cell, &pr, &res, &d)
                                     : tfg_diag_set(&d, TFG_ERR_NOMEM, "out of memory");
        tfg_pool_destroy(pool);
        if (rs < 0) {
            fprintf(stderr, "tinyforge: error: %s\n", d.msg);
            return 1;
        }
        const double secs = cli_now() - pr.t0;
        char svg[4096];
        snprintf(svg, sizeof svg, "%s/space_cdf.svg", out);
        if (write_svg(svg, &s, &res, &o) != 0 || write_json(path, &s, &o, &res, secs) != 0) {
            fprintf(stderr, "tinyforge: error: cannot write the results in %s\n", out);
            tfg_spaceopt_free(&res);
            return 1;
        }
        printf("\n%-7s %5s %6s %6s %9s %9s %9s %9s\n", "width", "res", "fit", "of", "mean", "p10", "p50",
               "p90");
        for (int i = 0; i < res.n; i++) {
            const tfg_spaceopt_cell_t *c = &res.cells[i];
            printf("%-7g %5d %6d %6d %8.2fM %8.2fM %8.2fM %8.2fM%s\n", s.width[c->width], s.res[c->res],
                   c->fit, c->sampled, c->mean_macs / 1e6, pct(c, 0.1) / 1e6, pct(c, 0.5) / 1e6,
                   pct(c, 0.9) / 1e6, mark(c, i == res.best, o.min_fit));
        }
        if (res.best < 0)
            printf("\nin no pair do %.0f%% of the subnets fit %zu B SRAM and %zu B flash: a smaller space "
                   "(fewer channels, lower widths or resolutions) or a larger budget\n",
                   100.0 * o.min_fit, o.sram, o.flash);
        else
            printf("\nchosen: width %g, resolution %d (the most MACs on average among subnets that fit), in "
                   "%.1f s;"
                   "\n%s/space_opt.json, %s/space_cdf.svg\n",
                   s.width[res.cells[res.best].width], s.res[res.cells[res.best].res], secs, out, out);
        const int none = res.best < 0;
        tfg_spaceopt_free(&res);
        if (none) return 1;
    }
    if (!quiet)
        printf(
            "\nThe next phases (supernet training, evolution, the final model) are not built yet: the search "
            "stops here.\n");
    return 0;
}
