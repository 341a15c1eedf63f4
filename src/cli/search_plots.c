/* tinyforge search's plots, as SVG files a browser opens: the space
 * optimisation's CDFs (phase 1), the evolution's progress and its
 * accuracy/SRAM front (phase 3). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/search_internal.h"

/* MCUNet's Figure 3: per pair, the CDF of the fitting subnets' MACs. */
int search_plot_cdf(const char *path, const tfg_space_t *s, const tfg_spaceopt_t *r,
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

/* Evolution's progress: the population's best and mean per generation. */
int search_plot_progress(const char *path, const tfg_evolve_t *e)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    const int W = 640, H = 360, L = 60, R = 20, T = 40, B = 45, pw = W - L - R, ph = H - T - B;
    double lo = 1, hi = 0;
    for (int g = 0; g < e->n_gen; g++) {
        lo = e->mean[g] < lo ? e->mean[g] : lo;
        hi = e->best[g] > hi ? e->best[g] : hi;
    }
    lo = floor(lo * 100 - 0.5) / 100, hi = ceil(hi * 100 + 0.5) / 100;
    const int last = e->n_gen > 1 ? e->n_gen - 1 : 1;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"DejaVu Sans, "
            "sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<text x=\"%d\" y=\"22\" font-size=\"14\">Evolution: validation accuracy of the population "
            "(inherited weights)</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
            "stroke=\"#888\"/>\n",
            W, H, L, L, T, pw, ph);
    for (int t = 0; t <= 4; t++)
        fprintf(f, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%.1f%%</text>\n", L - 6,
                T + ph - ph * t / 4.0 + 4, 100 * (lo + (hi - lo) * t / 4.0));
    const int ticks = last < 5 ? last : 5;
    for (int t = 0; t <= ticks; t++) { /* whole generations */
        const int g = (int)lround((double)last * t / ticks);
        fprintf(f, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", L + pw * (double)g / last,
                T + ph + 16, g);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">generation</text>\n", L + pw / 2, H - 10);
    const char *colour[2] = {"#1f6fb4", "#e07b00"}, *label[2] = {"best", "mean"};
    for (int k = 0; k < 2; k++) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour[k]);
        for (int g = 0; g < e->n_gen; g++)
            fprintf(f, "%.1f,%.1f ", L + pw * (double)g / last,
                    T + ph - ph * ((k ? e->mean[g] : e->best[g]) - lo) / (hi - lo));
        fprintf(f, "\"/>\n<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", L + pw - 60, T + 18 + 16 * k,
                colour[k], label[k]);
    }
    fprintf(f, "</svg>\n");
    return fclose(f);
}

/* One panel of the accuracy plot: x is a candidate's arena (axis 0) or its
 * flash as the search priced it (axis 1: tfg_priced_flash, code included);
 * every candidate grey, the final population blue with its Pareto front (the
 * most accurate net within each x), the budget red. */
static void pareto_panel(FILE *f, const tfg_evolve_t *e, int axis, size_t budget, int x0, double lo,
                         double hi)
{
    const int L = x0 + 60, T = 40, pw = 320 - 80, ph = 400 - 40 - 45;
    const double xmax = ceil((double)budget / 1024.0 / 8.0 + 0.01) * 8.0;
#define VAL(c) ((double)(axis ? (c)->flash : (c)->arena))
#define X(bytes) (L + pw * ((double)(bytes) / 1024.0) / xmax)
#define Y(acc) (T + ph - ph * ((acc)-lo) / (hi - lo))
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", L, T,
            pw, ph);
    for (int t = 0; t <= 4; t++) {
        fprintf(f, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%.1f%%</text>\n", L - 6,
                T + ph - ph * t / 4.0 + 4, 100 * (lo + (hi - lo) * t / 4.0));
        fprintf(f, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n", L + pw * t / 4.0,
                T + ph + 16, xmax * t / 4.0);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", L + pw / 2, T + ph + 34,
            axis ? "flash: constants + code (KB)" : "SRAM: arena, input included (KB)");
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c00\" stroke-dasharray=\"4,3\"/>\n",
            X(budget), T, X(budget), T + ph);
    char *in_pop = calloc((size_t)e->n_evaluated + 1, 1);
    for (int i = 0; in_pop && i < e->n_population; i++) in_pop[e->population[i]] = 1;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < e->n_evaluated; i++) {
            const int pop = in_pop && in_pop[i];
            if (pop != pass) continue;
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\"/>\n", X(VAL(&e->evaluated[i])),
                    Y(e->evaluated[i].accuracy), pop ? "3" : "2", pop ? "#1f6fb4" : "#bbb");
        }
    free(in_pop);
    /* the front: in order of x, each candidate more accurate than every one to its left */
    fprintf(f, "<polyline fill=\"none\" stroke=\"#1f6fb4\" stroke-width=\"1.5\" points=\"");
    double best = -1;
    for (;;) {
        int next = -1; /* the smallest x above the front's accuracy so far */
        for (int i = 0; i < e->n_evaluated; i++) {
            const tfg_candidate_t *c = &e->evaluated[i];
            if (c->accuracy > best &&
                (next < 0 || VAL(c) < VAL(&e->evaluated[next]) ||
                 (VAL(c) == VAL(&e->evaluated[next]) && c->accuracy > e->evaluated[next].accuracy)))
                next = i;
        }
        if (next < 0) break;
        best = e->evaluated[next].accuracy;
        fprintf(f, "%.1f,%.1f ", X(VAL(&e->evaluated[next])), Y(best));
    }
    fprintf(f, "\"/>\n");
#undef VAL
#undef X
#undef Y
}

int search_plot_pareto(const char *path, const tfg_evolve_t *e, const tfg_spaceopt_opts_t *budget)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    double lo = 1, hi = 0;
    for (int i = 0; i < e->n_evaluated; i++) {
        lo = e->evaluated[i].accuracy < lo ? e->evaluated[i].accuracy : lo;
        hi = e->evaluated[i].accuracy > hi ? e->evaluated[i].accuracy : hi;
    }
    lo = floor(lo * 100 - 0.5) / 100, hi = ceil(hi * 100 + 0.5) / 100;
    fprintf(
        f,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"400\" font-family=\"DejaVu Sans, "
        "sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
        "<text x=\"60\" y=\"22\" font-size=\"14\">Validation accuracy against SRAM and flash (every "
        "candidate "
        "evaluated)</text>\n");
    pareto_panel(f, e, 0, budget->sram, 0, lo, hi);
    pareto_panel(f, e, 1, budget->flash, 320, lo, hi);
    fprintf(f, "<text x=\"70\" y=\"58\" fill=\"#1f6fb4\">final population</text>\n<text x=\"70\" y=\"74\" "
               "fill=\"#999\">every candidate</text>\n<text x=\"70\" y=\"90\" "
               "fill=\"#c00\">budget</text>\n</svg>\n");
    return fclose(f);
}
