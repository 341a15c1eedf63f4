/* The report's four figures as SVG: memory timeline, arena map, schedule
 * front and patch grid.
 *
 * Each figure is a standalone <svg> element with its namespace and only
 * presentation attributes (no stylesheet, no script), so the same bytes work
 * inline in the HTML page and as a file of their own. Every mark carries a
 * <title>, which browsers show as a tooltip. All text goes through
 * tfg_report_xml_text so tensor names cannot break the XML. Sizes on axes are
 * in KiB (1024 B) like the rest of tinyforge; exact byte counts are in the
 * tooltips and tables. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define FIG_W 960.0
#define FONT "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

/* Colours: one per role (timeline), one per buffer kind (arena map). */
static const char *const ROLE_FILL[TFG_ROLES] = {"#ffffff", "#8cc084", "#4e79a7", "#f28e2b", "#b07aa1"};
static const char *const ROLE_LABEL[TFG_ROLES] = {"", "kept alive", "read (inputs)", "written (output)",
                                                  "scratch"};
#define C_PATCHED "#d62728"
#define C_LIMIT "#333333"
#define C_AXIS "#555555"
#define C_GRID "#e6e6e6"
#define C_FRONT "#1f5f99"
#define C_OTHER "#b8b8b8"

typedef struct {
    double x0, y0, w, h; /* plot area in pixels */
    double xmin, xmax, ymin, ymax;
} frame_t;

static double fx(const frame_t *f, double v)
{
    return f->x0 + (v - f->xmin) / (f->xmax - f->xmin) * f->w;
}
static double fy(const frame_t *f, double v)
{
    return f->y0 + f->h - (v - f->ymin) / (f->ymax - f->ymin) * f->h;
}

/* 1, 2 or 5 times a power of ten, near range / n. */
static double nice_step(double range, int n)
{
    if (!(range > 0)) return 1;
    const double raw = range / n, mag = pow(10, floor(log10(raw))), norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/* Width of text in pixels, roughly (proportional font at `size`). */
static double text_w(const char *s, double size)
{
    return 0.58 * size * (double)strlen(s);
}

static void text(FILE *f, double x, double y, const char *anchor, double size, const char *fill,
                 const char *weight, const char *s)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%.0f\" fill=\"%s\"%s%s%s>", x, y,
            anchor, size, fill, weight ? " font-weight=\"" : "", weight ? weight : "", weight ? "\"" : "");
    tfg_report_xml_text(f, s);
    fputs("</text>\n", f);
}

/* An annotation over marks: text with a white halo, so it stays readable. */
static void note(FILE *f, double x, double y, const char *anchor, double size, const char *fill,
                 const char *s)
{
    fprintf(
        f,
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%.0f\" fill=\"%s\" font-weight=\"700\" "
        "stroke=\"#ffffff\" stroke-width=\"3.5\" stroke-linejoin=\"round\" paint-order=\"stroke\">",
        x, y, anchor, size, fill);
    tfg_report_xml_text(f, s);
    fputs("</text>\n", f);
}

static void title(FILE *f, const char *s)
{
    fputs("<title>", f);
    tfg_report_xml_text(f, s);
    fputs("</title>", f);
}

static void svg_open(FILE *f, const char *id, double h, const char *what)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" class=\"figure\" viewBox=\"0 0 %.0f %.0f\" "
            "width=\"%.0f\" height=\"%.0f\" font-family=\"%s\" role=\"img\">\n",
            id, FIG_W, h, FIG_W, h, FONT);
    title(f, what);
    fprintf(f, "\n<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", FIG_W, h);
}

/* Bytes on an axis: B below 2 KiB, KiB below 4 MiB, else MiB. */
static double axis_unit(double max, const char **name)
{
    if (max < 2048) return *name = "B", 1;
    if (max < 4.0 * 1048576) return *name = "KiB", 1024;
    return *name = "MiB", 1048576;
}

static void fmt_num(double v, char *buf, size_t n)
{
    if (fabs(v - round(v)) < 1e-9) {
        tfg_report_thousands((long long)round(v), buf, n);
    } else {
        snprintf(buf, n, "%.1f", v);
    }
}

/* Horizontal grid lines and labels for a byte axis (ymin = 0). */
static void y_axis_bytes(FILE *f, const frame_t *fr, const char *label)
{
    const char *unit;
    const double u = axis_unit(fr->ymax, &unit), step = nice_step(fr->ymax / u, 6);
    for (double v = 0; v <= fr->ymax / u + 1e-9; v += step) {
        const double y = fy(fr, v * u);
        char num[48], lab[64];
        fmt_num(v, num, sizeof num);
        snprintf(lab, sizeof lab, "%s %s", num, unit);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>\n",
                fr->x0, y, fr->x0 + fr->w, y, v == 0 ? C_AXIS : C_GRID);
        text(f, fr->x0 - 6, y + 4, "end", 11, C_AXIS, NULL, lab);
    }
    fprintf(f,
            "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" "
            "fill=\"%s\">",
            fr->x0 - 62, fr->y0 + fr->h / 2, C_AXIS);
    tfg_report_xml_text(f, label);
    fputs("</text>\n", f);
}

/* Step ticks under band centres: every k-th step, k in 1, 2, 5, 10, ... */
static void x_axis_steps(FILE *f, const frame_t *fr, int n_steps, const char *label)
{
    int k = 1;
    while (n_steps / k > 24) k = k == 1 ? 2 : k == 2 ? 5 : k * 2;
    for (int s = 0; s < n_steps; s += k) {
        const double x = fx(fr, s + 0.5);
        char lab[16];
        snprintf(lab, sizeof lab, "%d", s);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x,
                fr->y0 + fr->h, x, fr->y0 + fr->h + 4, C_AXIS);
        text(f, x, fr->y0 + fr->h + 16, "middle", 11, C_AXIS, NULL, lab);
    }
    text(f, fr->x0 + fr->w / 2, fr->y0 + fr->h + 34, "middle", 12, C_AXIS, NULL, label);
}

/* A row of legend entries from x, y; kind 0 swatch, 1 solid line, 2 dashed line. */
static double legend(FILE *f, double x, double y, int kind, const char *colour, const char *label)
{
    if (kind == 0)
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" rx=\"2\" fill=\"%s\"/>\n", x,
                y - 10, colour);
    else
        fprintf(
            f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
            x, y - 4, x + 18, y - 4, colour, kind == 2 ? " stroke-dasharray=\"6 4\"" : "");
    text(f, x + (kind == 0 ? 17 : 23), y, "start", 12, "#333333", NULL, label);
    return x + (kind == 0 ? 17 : 23) + text_w(label, 12) + 18;
}

static void op_label(const tfg_report_t *r, int step, char *buf, size_t n)
{
    const tfg_report_layer_t *L = &r->layers[step];
    snprintf(buf, n, "step %d (op %d %s)", step, L->op, L->type);
}

/* The SRAM limit as a dashed line, or a note when it is far above the data. */
static void limit_line(FILE *f, const tfg_report_t *r, const frame_t *fr, bool horizontal_bytes)
{
    if (!r->o.sram_limit || !horizontal_bytes) return;
    char num[32], lab[160];
    tfg_report_thousands((long long)r->o.sram_limit, num, sizeof num);
    if ((double)r->o.sram_limit <= fr->ymax) {
        const double y = fy(fr, (double)r->o.sram_limit);
        snprintf(lab, sizeof lab, "SRAM limit %s B (%s)", num, r->o.sram_from ? r->o.sram_from : "");
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\" "
                "stroke-dasharray=\"6 4\">",
                fr->x0, y, fr->x0 + fr->w, y, C_LIMIT);
        title(f, lab);
        fputs("</line>\n", f);
        text(f, fr->x0 + fr->w - 4, y - 5, "end", 11, C_LIMIT, "600", lab);
    } else {
        snprintf(lab, sizeof lab, "SRAM limit %s B (%s) is above the chart", num,
                 r->o.sram_from ? r->o.sram_from : "");
        text(f, fr->x0 + fr->w - 4, fr->y0 - 6, "end", 11, C_LIMIT, "600", lab);
    }
}

/* y range for byte plots: the data, and the limit when it is not far above. */
static double bytes_top(const tfg_report_t *r, double data_max)
{
    double top = data_max * 1.14; /* room for the peak's label */
    if (r->o.sram_limit && (double)r->o.sram_limit <= 2.5 * data_max && (double)r->o.sram_limit * 1.05 > top)
        top = (double)r->o.sram_limit * 1.05;
    return top > 0 ? top : 1;
}

/* The patch stage's steps, shaded, with a label. */
static void stage_band(FILE *f, const tfg_report_t *r, const tfg_report_layout_t *l, const frame_t *fr)
{
    if (!l->valid || l->split < 0) return;
    char lab[160];
    const int lead = tfg_report_lead_steps(r->m);
    snprintf(lab, sizeof lab, "patch stage: steps %d-%d run once per tile (%dx%d = %d tiles)%s", lead,
             l->split, l->ph, l->pw, l->ph * l->pw,
             lead ? "; the layout op before them is folded into each tile's read" : "");
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" fill-opacity=\"0.06\">",
            fr->x0, fr->y0, fx(fr, l->split + 1) - fr->x0, fr->h, C_PATCHED);
    title(f, lab);
    fputs("</rect>\n", f);
    (void)r;
    text(f, fr->x0, fr->y0 - 6, "start", 11, C_PATCHED, NULL, lab);
}

/* ---- memory timeline --------------------------------------------------------- */

static void fig_timeline(const tfg_report_t *r, FILE *f)
{
    const tfg_report_layout_t *L = &r->lbl, *P = &r->patched;
    const int ns = r->m->prog.n_steps;
    const double H = 430;
    frame_t fr = {80, 70, FIG_W - 80 - 24, H - 70 - 56, 0, ns > 0 ? ns : 1, 0, 1};
    double max = 0;
    for (int s = 0; s < ns; s++) {
        if ((double)L->step_live[s] > max) max = (double)L->step_live[s];
        if (P->valid && (double)P->step_live[s] > max) max = (double)P->step_live[s];
    }
    if ((double)L->peak > max) max = (double)L->peak;
    fr.ymax = bytes_top(r, max);
    svg_open(f, "fig-timeline", H, "Memory timeline: bytes live at each execution step, by role");
    /* Legend. */
    double lx = fr.x0;
    for (int k = TFG_ROLE_KEPT; k < TFG_ROLES; k++) lx = legend(f, lx, 22, 0, ROLE_FILL[k], ROLE_LABEL[k]);
    lx = fr.x0;
    char pname[64] = "";
    if (P->valid) {
        tfg_report_schedule_name(r, r->patched_index, pname, sizeof pname);
        char lab[128];
        snprintf(lab, sizeof lab, "%s %s (live bytes per step)",
                 r->patched_chosen ? "chosen patched" : "best patched", pname);
        lx = legend(f, lx, 44, 1, C_PATCHED, lab);
    }
    if (r->o.sram_limit) legend(f, lx, 44, 2, C_LIMIT, "SRAM limit");
    y_axis_bytes(f, &fr, "bytes live");
    stage_band(f, r, P, &fr);
    /* Bars: one per step, a segment per live buffer, stacked by role. */
    const double band = fx(&fr, 1) - fx(&fr, 0), gap0 = band * 0.15 > 2 ? 2 : band * 0.15;
    const double gap = band - 2 * gap0 > 56 ? (band - 56) / 2 : gap0; /* few steps: bars, not walls */
    for (int s = 0; s < ns; s++) {
        const size_t *rb = L->role_bytes + (size_t)s * TFG_ROLES;
        char what[160], sum[400], a[32], b[32], c[32], d[32], e[32];
        op_label(r, s, what, sizeof what);
        tfg_report_thousands((long long)L->step_live[s], a, sizeof a);
        tfg_report_thousands((long long)rb[TFG_ROLE_READ], b, sizeof b);
        tfg_report_thousands((long long)rb[TFG_ROLE_WRITTEN], c, sizeof c);
        tfg_report_thousands((long long)rb[TFG_ROLE_SCRATCH], d, sizeof d);
        tfg_report_thousands((long long)rb[TFG_ROLE_KEPT], e, sizeof e);
        snprintf(sum, sizeof sum,
                 "%s: %s B live layer by layer (read %s, written %s, scratch %s, kept alive %s)", what, a, b,
                 c, d, e);
        fprintf(f,
                "<g data-step=\"%d\" data-live-bytes=\"%zu\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\" fill=\"#000000\" fill-opacity=\"0\">",
                s, L->step_live[s], fx(&fr, s), fr.y0, band, fr.h);
        title(f, sum);
        fputs("</rect>\n", f);
        double acc = 0;
        for (int role = TFG_ROLE_KEPT; role < TFG_ROLES; role++)
            for (int bi = 0; bi < L->n_bufs; bi++) {
                if (L->role[(size_t)s * (size_t)L->n_bufs + (size_t)bi] != role) continue;
                const tfg_report_buf_t *B = &L->bufs[bi];
                const double y1 = fy(&fr, acc), y2 = fy(&fr, acc + (double)B->size);
                acc += (double)B->size;
                char t[400], sz[32];
                tfg_report_thousands((long long)B->size, sz, sizeof sz);
                snprintf(t, sizeof t, "%s: %s, %s B %s (live steps %d-%d)", what, B->name, sz,
                         ROLE_LABEL[role], B->first, B->last);
                fprintf(f,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.2f\" fill=\"%s\" "
                        "stroke=\"#ffffff\" "
                        "stroke-width=\"0.5\">",
                        fx(&fr, s) + gap, y2, band - 2 * gap, y1 - y2, ROLE_FILL[role]);
                title(f, t);
                fputs("</rect>\n", f);
            }
        fputs("</g>\n", f);
    }
    /* The patched schedule's live bytes per step, as a step line. */
    if (P->valid) {
        fputs("<path fill=\"none\" stroke=\"" C_PATCHED
              "\" stroke-width=\"2\" stroke-linejoin=\"round\" d=\"",
              f);
        for (int s = 0; s < ns; s++) {
            const double y = fy(&fr, (double)P->step_live[s]);
            if (s == 0)
                fprintf(f, "M%.1f %.1f", fx(&fr, 0), y);
            else
                fprintf(f, "V%.1f", y);
            fprintf(f, "H%.1f", fx(&fr, s + 1));
        }
        char t[200], pk[32];
        tfg_report_thousands((long long)P->peak, pk, sizeof pk);
        snprintf(t, sizeof t, "%s: live bytes per step (stage steps: one tile's buffers); arena %s B", pname,
                 pk);
        fputs("\">", f);
        title(f, t);
        fputs("</path>\n", f);
        const double px = fx(&fr, P->peak_step + 0.5), py = fy(&fr, (double)P->step_live[P->peak_step]);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#ffffff\"/>\n", px, py,
                C_PATCHED);
        snprintf(t, sizeof t, "%s peak %s B", pname, pk);
        const bool right = px + text_w(t, 11) + 10 < fr.x0 + fr.w;
        note(f, right ? px + 7 : px - 7, py - 7, right ? "start" : "end", 11, C_PATCHED, t);
    }
    limit_line(f, r, &fr, true);
    /* The layer-by-layer peak. */
    if (ns > 0) {
        const int p = L->peak_step;
        const double px = fx(&fr, p + 0.5), py = fy(&fr, (double)L->peak);
        char t[200], pk[32], where[96];
        tfg_report_thousands((long long)L->peak, pk, sizeof pk);
        op_label(r, p, where, sizeof where);
        snprintf(t, sizeof t, "peak %s B at %s", pk, where);
        fprintf(f, "<path d=\"M%.1f %.1fl-6 -9h12z\" fill=\"#222222\"/>\n", px, py - 2);
        const bool right = px + text_w(t, 12) + 12 < fr.x0 + fr.w;
        note(f, right ? px + 9 : px - 9, py - 6, right ? "start" : "end", 12, "#222222", t);
    }
    x_axis_steps(f, &fr, ns, "execution step (bars: layer by layer)");
    fputs("</svg>\n", f);
}

/* ---- arena map ------------------------------------------------------------------ */

static const char *buf_fill(const tfg_report_buf_t *b)
{
    if (b->scratch) return "#b07aa1";
    if (b->region) return "#edc948";
    if (b->image) return "#76b7b2";
    if (b->output) return "#f28e2b";
    if (strstr(b->name, " (whole stage output)")) return "#59a14f";
    return "#4e79a7";
}

static void fig_arena(const tfg_report_t *r, const tfg_report_layout_t *l, FILE *f)
{
    const int ns = r->m->prog.n_steps;
    const double H = 430;
    frame_t fr = {80, 70, FIG_W - 80 - 24, H - 70 - 56, 0, ns > 0 ? ns : 1, 0, 1};
    fr.ymax = l->peak > 0 ? (double)l->peak * 1.06 : 1;
    char name[64], head[200];
    if (l->split < 0)
        snprintf(name, sizeof name, "layer by layer");
    else
        snprintf(name, sizeof name, "%dx%d@%d", l->ph, l->pw, r->layers[l->split].op);
    snprintf(head, sizeof head, "Arena map (%s): every buffer's offset against its lifetime", name);
    char id[32];
    snprintf(id, sizeof id, "fig-arena-%s", l->split < 0 ? "layer" : "patched");
    svg_open(f, id, H, head);
    static const struct {
        const char *fill, *label;
    } keys[] = {{"#4e79a7", "activation"}, {"#76b7b2", "model input"}, {"#f28e2b", "model output"},
                {"#b07aa1", "scratch"},    {"#edc948", "tile region"}, {"#59a14f", "whole stage output"}};
    double lx = fr.x0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        bool used = false;
        for (int b = 0; b < l->n_bufs && !used; b++)
            used = l->bufs[b].size && !strcmp(buf_fill(&l->bufs[b]), keys[k].fill);
        if (used) lx = legend(f, lx, 22, 0, keys[k].fill, keys[k].label);
    }
    y_axis_bytes(f, &fr, "arena offset");
    stage_band(f, r, l, &fr);
    for (int b = 0; b < l->n_bufs; b++) {
        const tfg_report_buf_t *B = &l->bufs[b];
        if (!B->size) continue;
        const double x1 = fx(&fr, B->first), x2 = fx(&fr, B->last + 1);
        const double y1 = fy(&fr, (double)(B->offset + B->size)), y2 = fy(&fr, (double)B->offset);
        char t[400], sz[32], o1[32], o2[32];
        tfg_report_thousands((long long)B->size, sz, sizeof sz);
        tfg_report_thousands((long long)B->offset, o1, sizeof o1);
        tfg_report_thousands((long long)(B->offset + B->size - 1), o2, sizeof o2);
        if (B->scratch)
            snprintf(t, sizeof t, "scratch of step %d (op %d %s): %s B at offset %s-%s", B->step,
                     r->layers[B->step].op, r->layers[B->step].type, sz, o1, o2);
        else
            snprintf(t, sizeof t, "%s: %s B at offset %s-%s, live steps %d-%d", B->name, sz, o1, o2, B->first,
                     B->last);
        fprintf(
            f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.2f\" fill=\"%s\" fill-opacity=\"0.85\" "
            "stroke=\"#ffffff\" stroke-width=\"0.75\" data-offset=\"%zu\" data-bytes=\"%zu\">",
            x1, y1, x2 - x1, y2 - y1 > 0.6 ? y2 - y1 : 0.6, buf_fill(B), B->offset, B->size);
        title(f, t);
        fputs("</rect>\n", f);
        /* A label when the name fits inside. */
        /* The end of a tensor name says most ("MobilenetV1/.../Relu6"). */
        char lab[32] = "scratch";
        if (!B->scratch) {
            const char *nm = B->name, *cut = strchr(nm, ' ');
            size_t n = cut ? (size_t)(cut - nm) : strlen(nm);
            for (size_t i = n; i-- > 0;)
                if (nm[i] == '/' && i + 1 < n) {
                    n -= i + 1, nm += i + 1;
                    break;
                }
            if (n < sizeof lab)
                memcpy(lab, nm, n), lab[n] = 0;
            else
                memcpy(lab, nm, 25), strcpy(lab + 25, "...");
        }
        if (y2 - y1 >= 14 && text_w(lab, 10) + 6 < x2 - x1)
            text(f, (x1 + x2) / 2, (y1 + y2) / 2 + 3.5, "middle", 10, "#ffffff", NULL, lab);
    }
    /* The arena's size. */
    {
        char t[96], pk[32];
        tfg_report_thousands((long long)l->peak, pk, sizeof pk);
        snprintf(t, sizeof t, "arena %s B", pk);
        const double y = fy(&fr, (double)l->peak);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222222\" "
                "stroke-dasharray=\"3 3\"/>\n",
                fr.x0, y, fr.x0 + fr.w, y);
        text(f, fr.x0 + fr.w - 4, y - 5, "end", 11, "#222222", "700", t);
    }
    x_axis_steps(f, &fr, ns, "execution step (a buffer spans the steps it is live)");
    fputs("</svg>\n", f);
}

/* ---- schedule front -------------------------------------------------------------- */

static void fig_front(const tfg_report_t *r, FILE *f)
{
    const tfg_sched_set_t *S = &r->set;
    const double H = 430;
    frame_t fr = {80, 70, FIG_W - 80 - 24, H - 70 - 56, 0, 1, 0, 1};
    /* x covers the front, the choice and the cap; costlier candidates are
     * counted off the right edge instead of squeezing the interesting part. */
    double mn = 1e300, mx = 0, pmax = 0;
    for (int i = 0; i < S->n; i++) {
        const double m = (double)S->c[i].macs;
        if (m < mn) mn = m;
        if ((S->front[i] || i == r->chosen) && m > mx) mx = m;
        if ((double)S->c[i].peak > pmax) pmax = (double)S->c[i].peak;
    }
    const double base = (double)S->c[0].macs;
    const bool cap = r->o.max_overhead > 0;
    if (cap && base * r->o.max_overhead > mx) mx = base * r->o.max_overhead;
    const double pad = (mx - mn) * 0.06 + mn * 0.01 + 1;
    fr.xmin = mn - pad, fr.xmax = mx + pad;
    fr.ymax = bytes_top(r, pmax);
    svg_open(f, "fig-front", H, "Schedule front: peak SRAM against MACs for every candidate schedule");
    double lx = fr.x0;
    fprintf(f, "<circle cx=\"%.1f\" cy=\"18\" r=\"3\" fill=\"%s\"/>\n", lx + 6, C_OTHER);
    text(f, lx + 14, 22, "start", 12, "#333333", NULL, "candidate");
    lx += 14 + text_w("candidate", 12) + 18;
    fprintf(f, "<circle cx=\"%.1f\" cy=\"18\" r=\"4.5\" fill=\"%s\"/>\n", lx + 6, C_FRONT);
    text(f, lx + 14, 22, "start", 12, "#333333", NULL, "Pareto front");
    lx += 14 + text_w("Pareto front", 12) + 18;
    fprintf(f, "<circle cx=\"%.1f\" cy=\"18\" r=\"7\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"/>\n",
            lx + 8, C_PATCHED);
    text(f, lx + 20, 22, "start", 12, "#333333", NULL, "chosen");
    lx += 20 + text_w("chosen", 12) + 18;
    if (cap) lx = legend(f, lx, 22, 2, "#888888", "MAC cap");
    if (r->o.sram_limit) legend(f, lx, 22, 2, C_LIMIT, "SRAM limit");
    y_axis_bytes(f, &fr, "peak SRAM (arena)");
    /* x axis: MACs in M, K or units, with as many decimals as the step needs. */
    {
        const double span = fr.xmax - fr.xmin, top = fr.xmax;
        const double unit = top >= 1e6 ? 1e6 : top >= 1e3 ? 1e3 : 1;
        const char *uname = unit == 1e6 ? " M" : unit == 1e3 ? " K" : "";
        const double step = nice_step(span, 8);
        int dec = (int)ceil(-log10(step / unit) - 1e-9);
        dec = dec < 0 ? 0 : dec > 6 ? 6 : dec;
        for (double v = ceil(fr.xmin / step) * step; v <= fr.xmax; v += step) {
            const double x = fx(&fr, v);
            char lab[48];
            snprintf(lab, sizeof lab, "%.*f%s", dec, v / unit, uname);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x, fr.y0, x,
                    fr.y0 + fr.h, C_GRID);
            text(f, x, fr.y0 + fr.h + 16, "middle", 11, C_AXIS, NULL, lab);
        }
        text(f, fr.x0, fr.y0 + fr.h + 34, "start", 12, C_AXIS, NULL,
             "MACs per inference (recomputed halos included)");
    }
    if (cap) {
        const double x = fx(&fr, base * r->o.max_overhead);
        char t[64];
        snprintf(t, sizeof t, "%.2fx layer-by-layer MACs", r->o.max_overhead);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888888\" "
                "stroke-dasharray=\"6 4\"/>\n",
                x, fr.y0, x, fr.y0 + fr.h);
        /* Along the line, top down, out of the way of horizontal labels. */
        fprintf(f,
                "<text transform=\"translate(%.1f %.1f) rotate(90)\" font-size=\"11\" fill=\"#666666\" "
                "stroke=\"#ffffff\" stroke-width=\"3.5\" stroke-linejoin=\"round\" paint-order=\"stroke\">",
                x + 4, fr.y0 + 24);
        tfg_report_xml_text(f, t);
        fputs("</text>\n", f);
    }
    limit_line(f, r, &fr, true);
    /* Every candidate off the front, one dot per pixel position. */
    fputs("<g fill=\"" C_OTHER "\" fill-opacity=\"0.7\">\n", f);
    int beyond = 0;
    for (int i = 0; i < S->n; i++) {
        if (S->front[i]) continue;
        const double x = fx(&fr, (double)S->c[i].macs), y = fy(&fr, (double)S->c[i].peak);
        if (x > fr.x0 + fr.w) {
            beyond++;
            continue;
        }
        bool dup = false;
        for (int j = 0; j < i && !dup; j++)
            dup = !S->front[j] && fabs(fx(&fr, (double)S->c[j].macs) - x) < 1 &&
                  fabs(fy(&fr, (double)S->c[j].peak) - y) < 1;
        if (!dup) fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>\n", x, y);
    }
    fputs("</g>\n", f);
    if (beyond) {
        char t[96];
        snprintf(t, sizeof t, "%d of %d candidates need more MACs (off the chart) \u2192", beyond, S->n);
        text(f, fr.x0 + fr.w, fr.y0 + fr.h + 34, "end", 11, "#888888", NULL, t);
    }
    /* The front, by MACs, as a staircase: no point between two front
     * schedules beats both. */
    int *fi = malloc(sizeof(int) * ((size_t)S->n + 1)), nf = 0;
    for (int i = 0; fi && i < S->n; i++) {
        if (!S->front[i]) continue;
        int k = nf++;
        for (; k > 0 && S->c[fi[k - 1]].macs > S->c[i].macs; k--) fi[k] = fi[k - 1];
        fi[k] = i;
    }
    fputs("<path fill=\"none\" stroke=\"" C_FRONT "\" stroke-width=\"1.5\" d=\"", f);
    for (int k = 0; k < nf; k++)
        fprintf(f, k ? "H%.1fV%.1f" : "M%.1f %.1f", fx(&fr, (double)S->c[fi[k]].macs),
                fy(&fr, (double)S->c[fi[k]].peak));
    fputs("\"/>\n", f);
    free(fi);
    for (int i = 0; i < S->n; i++) {
        if (!S->front[i]) continue;
        const double x = fx(&fr, (double)S->c[i].macs), y = fy(&fr, (double)S->c[i].peak);
        char nm[64], t[256], pk[32], mc[32];
        tfg_report_schedule_name(r, i, nm, sizeof nm);
        tfg_report_thousands((long long)S->c[i].peak, pk, sizeof pk);
        tfg_report_thousands((long long)S->c[i].macs, mc, sizeof mc);
        snprintf(t, sizeof t, "%s: peak %s B, %s MACs (%.3fx)", nm, pk, mc, (double)S->c[i].macs / base);
        fprintf(
            f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"1\">",
            x, y, C_FRONT);
        title(f, t);
        fputs("</circle>\n", f);
    }
    /* Layer by layer, labelled; then the chosen one. */
    {
        const double x = fx(&fr, base), y = fy(&fr, (double)S->c[0].peak);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"#222222\"/>\n", x - 4.5,
                y - 4.5);
        note(f, x + 9, y - 8, "start", 12, "#222222", "layer by layer");
    }
    {
        const tfg_schedule_t *c = &S->c[r->chosen];
        const double x = fx(&fr, (double)c->macs), y = fy(&fr, (double)c->peak);
        char nm[64], t[200], pk[32];
        tfg_report_schedule_name(r, r->chosen, nm, sizeof nm);
        tfg_report_thousands((long long)c->peak, pk, sizeof pk);
        snprintf(t, sizeof t, "chosen: %s, %s B, %.3fx MACs", nm, pk, (double)c->macs / base);
        fprintf(f,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"8\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\">",
                x, y, C_PATCHED);
        title(f, t);
        fputs("</circle>\n", f);
        const bool right = x + text_w(t, 12) + 14 < fr.x0 + fr.w;
        note(f, right ? x + 12 : x - 12, y + 18, right ? "start" : "end", 12, C_PATCHED, t);
        if (r->o.stream && c->split >= 0) {
            const double ys = fy(&fr, (double)c->peak_streamed);
            fprintf(f,
                    "<path d=\"M%.1f %.1fl6 6l-6 6l-6 -6z\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\">",
                    x, ys - 6, C_PATCHED);
            tfg_report_thousands((long long)c->peak_streamed, pk, sizeof pk);
            snprintf(t, sizeof t, "chosen, image streamed: %s B", pk);
            title(f, t);
            fputs("</path>\n", f);
        }
    }
    fputs("</svg>\n", f);
}

/* ---- patch grid ------------------------------------------------------------------ */

static void region_rect(FILE *f, double x0, double y0, double sc, tfg_region_t g, const char *fill,
                        double opacity, const char *stroke, const char *dash)
{
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" fill-opacity=\"%.2f\" "
            "stroke=\"%s\" "
            "stroke-width=\"1.2\"%s%s%s>",
            x0 + g.c0 * sc, y0 + g.r0 * sc, (g.c1 - g.c0) * sc, (g.r1 - g.r0) * sc, fill, opacity, stroke,
            dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
}

static void fig_grid(const tfg_report_t *r, FILE *f)
{
    const double H = 470;
    const tfg_report_layout_t *l = &r->patched;
    svg_open(f, "fig-grid", H, "Patch grid: each tile's input region (halo included) over the input image");
    const tfg_model_t *m = r->m;
    const tfg_tensor_t *x = &m->graph.tensors[tfg_report_source(m)];
    if (!l->valid || x->rank != 4) {
        text(f, FIG_W / 2, H / 2, "middle", 14, "#555555", NULL,
             "No patch-based schedule for this model: it runs layer by layer.");
        fputs("</svg>\n", f);
        return;
    }
    const tfg_tensor_t *y = &m->graph.tensors[m->prog.steps[l->split].out];
    const int ih = x->dims[1], iw = x->dims[2], oh = y->dims[1], ow = y->dims[2];
    /* Input image on the left, the stage output on the right. */
    const double box = 380, sc = box / (ih > iw ? ih : iw), x0 = 40, y0 = 56;
    const double osc = 200.0 / (oh > ow ? oh : ow), ox0 = x0 + box + 90, oy0 = y0;
    char t[320], nm[64];
    tfg_report_schedule_name(r, r->patched_index, nm, sizeof nm);
    const int lead = tfg_report_lead_steps(m);
    if (lead)
        snprintf(t, sizeof t, "input image %dx%dx%d, as read through op %d (%s)", ih, iw, x->dims[3],
                 r->layers[0].op, tfg_op_name(m->graph.ops[m->prog.steps[0].op].type));
    else
        snprintf(t, sizeof t, "input image %dx%dx%d", ih, iw, x->dims[3]);
    text(f, x0, y0 - 14, "start", 13, "#222222", "700", t);
    text(f, x0, y0 + ih * sc + 20, "start", 12, "#555555", NULL,
         "tile regions (halo included): darker where more tiles read the same pixels");
    region_rect(f, x0, y0, sc, (tfg_region_t){0, ih, 0, iw}, "#f4f4f4", 1, "#444444", NULL);
    fputs("</rect>\n", f);
    static const char *const fills[2] = {"#4e79a7", "#f28e2b"};
    for (int k = 0; k < r->n_tiles; k++) {
        const tfg_report_tile_t *T = &r->tiles[k];
        const int i = k / l->pw, j = k % l->pw;
        snprintf(
            t, sizeof t,
            "tile (%d, %d): output rows %d-%d, columns %d-%d of the stage output; reads input rows %d-%d, "
            "columns %d-%d (%dx%d pixels)",
            i, j, T->tile.r0, T->tile.r1 - 1, T->tile.c0, T->tile.c1 - 1, T->input.r0, T->input.r1 - 1,
            T->input.c0, T->input.c1 - 1, T->input.r1 - T->input.r0, T->input.c1 - T->input.c0);
        region_rect(f, x0, y0, sc, T->input, "#4e79a7", 0.16, "#4e79a7", NULL);
        title(f, t);
        fputs("</rect>\n", f);
    }
    /* The first tile's region, outlined: one patch's whole receptive field. */
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#d62728\" "
            "stroke-width=\"2.5\"/>\n",
            x0 + r->tiles[0].input.c0 * sc, y0 + r->tiles[0].input.r0 * sc,
            (r->tiles[0].input.c1 - r->tiles[0].input.c0) * sc,
            (r->tiles[0].input.r1 - r->tiles[0].input.r0) * sc);
    /* The tile boundaries where they fall on the input (scaled from the stage output). */
    for (int k = 0; k < r->n_tiles; k++) {
        const tfg_region_t g = r->tiles[k].tile;
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#222222\" "
                "stroke-width=\"0.8\" stroke-dasharray=\"3 3\"/>\n",
                x0 + (double)g.c0 * iw / ow * sc, y0 + (double)g.r0 * ih / oh * sc,
                (double)(g.c1 - g.c0) * iw / ow * sc, (double)(g.r1 - g.r0) * ih / oh * sc);
    }
    /* The stage output, tiled without overlap. */
    snprintf(t, sizeof t, "stage output %dx%dx%d (step %d, op %d)", oh, ow, y->dims[3], l->split,
             r->layers[l->split].op);
    text(f, ox0, oy0 - 14, "start", 13, "#222222", "700", t);
    for (int k = 0; k < r->n_tiles; k++) {
        const int i = k / l->pw, j = k % l->pw;
        region_rect(f, ox0, oy0, osc, r->tiles[k].tile, fills[(i + j) % 2], 0.55, "#ffffff", NULL);
        snprintf(t, sizeof t, "tile (%d, %d): rows %d-%d, columns %d-%d", i, j, r->tiles[k].tile.r0,
                 r->tiles[k].tile.r1 - 1, r->tiles[k].tile.c0, r->tiles[k].tile.c1 - 1);
        title(f, t);
        fputs("</rect>\n", f);
    }
    /* Facts: how much the halos cost. */
    long long read = 0, largest = 0;
    for (int k = 0; k < r->n_tiles; k++) {
        const tfg_region_t g = r->tiles[k].input;
        const long long px = (long long)(g.r1 - g.r0) * (g.c1 - g.c0);
        read += px;
        if (px > largest) largest = px;
    }
    const tfg_schedule_t *c = &r->set.c[r->patched_index];
    double ty = oy0 + 200 + 40;
    char a[32], b[32];
    snprintf(t, sizeof t, "%s%s: %dx%d tiles over the output of op %d",
             r->patched_chosen ? "chosen " : "best patched ", nm, l->ph, l->pw, r->layers[l->split].op);
    text(f, ox0, ty, "start", 13, "#222222", "700", t);
    snprintf(t, sizeof t, "steps %d-%d run once per tile, the rest layer by layer", lead, l->split);
    text(f, ox0, ty += 20, "start", 12, "#333333", NULL, t);
    snprintf(t, sizeof t, "input pixels read: %.2fx the image (halos overlap)",
             (double)read / ((double)ih * iw));
    text(f, ox0, ty += 18, "start", 12, "#333333", NULL, t);
    snprintf(t, sizeof t, "largest tile region: %lld pixels (%.0f%% of the image)", largest,
             100.0 * (double)largest / ((double)ih * iw));
    text(f, ox0, ty += 18, "start", 12, "#333333", NULL, t);
    snprintf(t, sizeof t, "red outline: tile (0, 0)'s region, rows %d-%d, columns %d-%d",
             r->tiles[0].input.r0, r->tiles[0].input.r1 - 1, r->tiles[0].input.c0, r->tiles[0].input.c1 - 1);
    text(f, ox0, ty += 18, "start", 12, "#d62728", NULL, t);
    tfg_report_thousands((long long)c->peak, a, sizeof a);
    tfg_report_thousands((long long)c->peak_streamed, b, sizeof b);
    snprintf(t, sizeof t, "arena %s B (%s B with the image streamed)", a, b);
    text(f, ox0, ty += 18, "start", 12, "#333333", NULL, t);
    snprintf(t, sizeof t, "MACs %.3fx layer by layer", (double)c->macs / (double)r->set.c[0].macs);
    text(f, ox0, ty += 18, "start", 12, "#333333", NULL, t);
    fputs("</svg>\n", f);
}

void tfg_report_svg(const tfg_report_t *r, tfg_report_figure_t fig, FILE *f)
{
    switch (fig) {
    case TFG_FIG_TIMELINE: fig_timeline(r, f); break;
    case TFG_FIG_ARENA: fig_arena(r, tfg_report_chosen_layout(r), f); break;
    case TFG_FIG_FRONT: fig_front(r, f); break;
    case TFG_FIG_GRID: fig_grid(r, f); break;
    }
}

void tfg_report_svg_arena(const tfg_report_t *r, const tfg_report_layout_t *l, FILE *f)
{
    fig_arena(r, l, f);
}
