/* The report as one self-contained HTML page (inline CSS and SVG; no script,
 * no network) and as Markdown (the summary and the layer table).
 *
 * The page is also well-formed XML (every element closed, every text
 * escaped), so tests can pull its SVGs out and check them with xmllint. The
 * summary's figures carry their exact values in data-* attributes next to
 * the formatted text. */
#include <string.h>

#include "report/report.h"

static const char CSS[] =
    ":root{--ink:#1d2433;--muted:#5b6473;--line:#e3e6eb;--bg:#f6f7f9;--ok:#2e7d32;--bad:#c62828;}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,'Segoe "
    "UI',Roboto,"
    "'Helvetica Neue',Arial,sans-serif}\n"
    "main{max-width:1040px;margin:0 auto;padding:28px 24px 48px}\n"
    "header h1{margin:0;font-size:26px;letter-spacing:-0.01em;word-break:break-all}\n"
    "header p{margin:4px 0 0;color:var(--muted)}\n"
    "section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px "
    "22px;margin-top:20px}\n"
    "h2{margin:0 0 4px;font-size:19px}\n"
    "h3{margin:14px 0 0;font-size:15px;color:var(--muted)}\n"
    "p.how{margin:0 0 12px;color:var(--muted);font-size:14px}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(175px,1fr));gap:12px;margin-top:20px}\n"
    ".card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px 16px}\n"
    ".card .k{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}\n"
    ".card .v{font-size:22px;font-weight:700;font-variant-numeric:tabular-nums}\n"
    ".card .d{font-size:13px;color:var(--muted)}\n"
    ".verdict{border-left:6px solid var(--ok)}.verdict.no{border-left-color:var(--bad)}\n"
    ".ok{color:var(--ok);font-weight:700}.bad{color:var(--bad);font-weight:700}\n"
    "svg.figure{width:100%;height:auto;display:block;margin:6px 0}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}\n"
    "th{position:sticky;top:0;background:#fff;color:var(--muted);font-weight:600}\n"
    "td.l,th.l{text-align:left}\n"
    "tr.peak td{background:#fff3e0;font-weight:700}\n"
    "tr.stage td:first-child{box-shadow:inset 4px 0 0 #d62728}\n"
    ".scroll{overflow-x:auto}\n"
    "footer{margin-top:20px;color:var(--muted);font-size:13px;text-align:center}\n";

static void esc(FILE *f, const char *s)
{
    tfg_report_xml_text(f, s);
}

/* 55360 -> "54.1 KiB", 262144 -> "256 KiB", 1048576 -> "1 MiB". */
static void kib(size_t v, char *buf, size_t n)
{
    const bool mib = v >= 1048576u;
    const double x = (double)v / (mib ? 1048576.0 : 1024.0);
    snprintf(buf, n,
             x == (double)(long long)x ? "%.0f %s"
             : mib                     ? "%.2f %s"
                                       : "%.1f %s",
             x, mib ? "MiB" : "KiB");
}

/* The facts the summary states, computed once for HTML and Markdown. */
typedef struct {
    char peak[32], peak_kib[32], lb[32], macs[32], weights[32], weights_kib[32];
    char where[128], sched[64], sched_peak[32], sched_macs[32], limit[32], limit_kib[32], flash_kib[32];
    double overhead;
    size_t arena;
    bool sram_ok, flash_ok;
} facts_t;

static void facts(const tfg_report_t *r, facts_t *x)
{
    const tfg_report_layout_t *L = &r->lbl, *C = tfg_report_chosen_layout(r);
    const tfg_schedule_t *ch = &r->set.c[r->chosen];
    memset(x, 0, sizeof *x);
    tfg_report_thousands((long long)L->peak, x->peak, sizeof x->peak);
    kib(L->peak, x->peak_kib, sizeof x->peak_kib);
    tfg_report_thousands((long long)L->lower_bound, x->lb, sizeof x->lb);
    tfg_report_thousands((long long)r->macs, x->macs, sizeof x->macs);
    tfg_report_thousands((long long)r->weights, x->weights, sizeof x->weights);
    kib((size_t)r->weights, x->weights_kib, sizeof x->weights_kib);
    if (r->n_layers > 0) {
        const tfg_report_layer_t *Y = &r->layers[L->peak_step];
        snprintf(x->where, sizeof x->where, "step %d, op %d %s (%s)", Y->step, Y->op, Y->type, Y->out_shape);
    }
    tfg_report_schedule_name(r, r->chosen, x->sched, sizeof x->sched);
    x->arena = C->peak;
    tfg_report_thousands((long long)C->peak, x->sched_peak, sizeof x->sched_peak);
    tfg_report_thousands((long long)ch->macs, x->sched_macs, sizeof x->sched_macs);
    x->overhead = (double)ch->macs / (double)r->set.c[0].macs;
    tfg_report_thousands((long long)r->o.sram_limit, x->limit, sizeof x->limit);
    kib(r->o.sram_limit, x->limit_kib, sizeof x->limit_kib);
    kib(r->budget.flash, x->flash_kib, sizeof x->flash_kib);
    x->sram_ok = !r->o.sram_limit || C->peak <= r->o.sram_limit;
    x->flash_ok = !r->has_budget || (r->weights >= 0 && (size_t)r->weights <= r->budget.flash);
}

/* "cortex-m4 (STM32F412ZG)" */
static void budget_name(const tfg_report_t *r, FILE *f)
{
    esc(f, r->budget.target);
    fputs(" (", f);
    esc(f, r->budget.mcu);
    fputs(")", f);
}

static void card_open(FILE *f, const char *id, const char *key, const char *cls)
{
    fprintf(f, "<div class=\"card%s%s\" id=\"%s\"><div class=\"k\">%s</div>\n", cls ? " " : "",
            cls ? cls : "", id, key);
}

static void summary(const tfg_report_t *r, const facts_t *x, FILE *f)
{
    const tfg_schedule_t *ch = &r->set.c[r->chosen];
    fputs("<div class=\"cards\">\n", f);
    card_open(f, "macs", "MACs per inference", NULL);
    fprintf(f,
            "<div class=\"v\" data-macs=\"%lld\">%s</div><div class=\"d\">%.2f M multiply-accumulates, %d "
            "steps</div></div>\n",
            (long long)r->macs, x->macs, (double)r->macs / 1e6, r->n_layers);
    card_open(f, "weights", "Weights (flash)", NULL);
    fprintf(f, "<div class=\"v\" data-bytes=\"%lld\">%s B</div><div class=\"d\">%s of constants",
            (long long)r->weights, x->weights, x->weights_kib);
    if (r->has_budget)
        fprintf(f, "; %.0f%% of the %s flash", 100.0 * (double)r->weights / (double)r->budget.flash,
                x->flash_kib);
    fputs("</div></div>\n", f);
    card_open(f, "peak", "Peak SRAM, layer by layer", NULL);
    fprintf(f,
            "<div class=\"v\" data-bytes=\"%zu\" data-lower-bound=\"%zu\">%s B</div><div class=\"d\">%s at ",
            r->lbl.peak, r->lbl.lower_bound, x->peak, x->peak_kib);
    esc(f, x->where);
    fprintf(f, "; lower bound %s B</div></div>\n", x->lb);
    card_open(f, "schedule", "Chosen schedule", NULL);
    fprintf(f, "<div class=\"v\" data-schedule=\"%s\" data-bytes=\"%zu\" data-macs=\"%lld\">", x->sched,
            x->arena, (long long)ch->macs);
    esc(f, x->sched);
    fprintf(f, "</div><div class=\"d\">arena %s B%s, %s MACs (%.3fx); ", x->sched_peak,
            r->o.stream && ch->split >= 0 ? " (image streamed)" : "", x->sched_macs, x->overhead);
    esc(f, r->o.choice ? r->o.choice : "");
    fputs("</div></div>\n", f);
    const bool ok = x->sram_ok && x->flash_ok;
    card_open(f, "verdict", r->has_budget ? "Fits the target?" : "Fits the SRAM limit?",
              ok ? "verdict" : "verdict no");
    fprintf(f, "<div class=\"v %s\" data-fits=\"%s\">%s</div><div class=\"d\">", ok ? "ok" : "bad",
            ok ? "true" : "false",
            !r->o.sram_limit && !r->has_budget ? "no limit given"
            : ok                               ? "fits"
                                               : "does not fit");
    if (r->has_budget) {
        budget_name(r, f);
        fputs(": ", f);
    }
    if (r->o.sram_limit)
        fprintf(f, "arena %s B %s %s SRAM (%s, %.0f%%)", x->sched_peak, x->sram_ok ? "within" : "exceeds",
                x->limit_kib, r->o.sram_from ? r->o.sram_from : "",
                100.0 * (double)x->arena / (double)r->o.sram_limit);
    if (r->has_budget) fprintf(f, "; constants %s %s flash", x->flash_ok ? "within" : "exceed", x->flash_kib);
    fputs(". Code and stack come on top.</div></div>\n</div>\n", f);
}

static void layer_table(const tfg_report_t *r, FILE *f)
{
    const bool P = r->patched.valid, B = r->has_bench;
    fputs("<div class=\"scroll\"><table>\n<thead><tr><th>step</th><th>op</th><th class=\"l\">type</th>"
          "<th class=\"l\">input</th><th class=\"l\">output</th><th>MACs</th><th>params B</th><th>scratch "
          "B</th>"
          "<th>live B</th>",
          f);
    if (P) fputs("<th>live B patched</th>", f);
    if (B) fputs("<th>instructions</th><th>MACs/instr</th>", f);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (int s = 0; s < r->n_layers; s++) {
        const tfg_report_layer_t *Y = &r->layers[s];
        const bool stage = P && s <= r->patched.split;
        char a[32], b[32], c[32], d[32];
        tfg_report_thousands((long long)Y->macs, a, sizeof a);
        tfg_report_thousands((long long)Y->params, b, sizeof b);
        tfg_report_thousands((long long)Y->scratch, c, sizeof c);
        tfg_report_thousands((long long)r->lbl.step_live[s], d, sizeof d);
        fprintf(f,
                "<tr%s%s%s data-step=\"%d\"><td>%d</td><td>%d</td><td class=\"l\">%s%s</td><td "
                "class=\"l\">%s</td>"
                "<td class=\"l\">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>",
                s == r->lbl.peak_step || stage ? " class=\"" : "",
                s == r->lbl.peak_step ? (stage ? "peak stage" : "peak")
                : stage               ? "stage"
                                      : "",
                s == r->lbl.peak_step || stage ? "\"" : "", s, s, Y->op, Y->type,
                Y->in_place ? " (in place)" : "", Y->in_shape, Y->out_shape, a, b, c, d);
        if (P) {
            tfg_report_thousands((long long)r->patched.step_live[s], a, sizeof a);
            fprintf(f, "<td>%s</td>", a);
        }
        if (B) {
            if (Y->insns >= 0) {
                tfg_report_thousands(Y->insns, a, sizeof a);
                /* A patched bench's stage row counts the whole stage: no per-layer ratio. */
                const bool whole_stage = s == r->bench_stage_step;
                fprintf(f, "<td>%s%s</td><td>", a, whole_stage ? " (stage)" : "");
                if (!whole_stage && Y->insns > 0) fprintf(f, "%.3f", (double)Y->macs / (double)Y->insns);
                fputs("</td>", f);
            } else {
                fputs("<td></td><td></td>", f);
            }
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table></div>\n", f);
}

void tfg_report_html(const tfg_report_t *r, FILE *f)
{
    facts_t x;
    facts(r, &x);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>tinyforge "
          "report: ",
          f);
    esc(f, r->o.model);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header><h1>", CSS);
    esc(f, r->o.model);
    fputs("</h1><p>tinyforge memory and schedule report", f);
    if (r->has_budget) {
        fputs(" for ", f);
        budget_name(r, f);
    }
    fputs("</p></header>\n", f);
    summary(r, &x, f);

    fputs("<section id=\"timeline\"><h2>Memory timeline</h2>\n<p class=\"how\">One bar per execution step: "
          "the bytes "
          "that must be in SRAM while it runs, layer by layer. Each segment is one buffer, coloured by what "
          "the step "
          "does with it: <b>read</b> (its inputs), <b>written</b> (its output; in place, the same buffer), "
          "<b>scratch</b> (kernel workspace) and <b>kept alive</b> (untouched but needed later: residuals, "
          "the image). "
          "The tallest bar is the peak. The red line is a patch-based schedule: during the shaded stage it "
          "holds one "
          "tile's buffers plus the stage output being assembled. Hover for exact bytes.</p>\n",
          f);
    tfg_report_svg(r, TFG_FIG_TIMELINE, f);
    fputs("</section>\n", f);

    fputs(
        "<section id=\"arena\"><h2>Arena map</h2>\n<p class=\"how\">How the planner packed the arena: time "
        "(steps) "
        "to the right, arena offset up. Each rectangle is one buffer, as tall as its size and as wide as its "
        "lifetime; rectangles that share a column never overlap, so the highest edge is the arena size. "
        "Gaps are bytes no buffer uses at that step.</p>\n",
        f);
    if (r->patched_chosen) {
        char nm[64];
        tfg_report_schedule_name(r, r->chosen, nm, sizeof nm);
        fprintf(f, "<h3>Chosen schedule, %s</h3>\n", nm);
        tfg_report_svg(r, TFG_FIG_ARENA, f);
        fputs("<h3>Layer by layer</h3>\n", f);
        tfg_report_svg_arena(r, &r->lbl, f);
    } else {
        tfg_report_svg(r, TFG_FIG_ARENA, f);
    }
    fputs("</section>\n", f);

    fputs("<section id=\"front\"><h2>Schedule front</h2>\n<p class=\"how\">Every candidate schedule "
          "tinyforge costed: "
          "layer by layer, and each patch-stage split with each tile grid. Lower is less SRAM, further right "
          "is more "
          "computation (halos recomputed by neighbouring tiles). The blue staircase is the Pareto front: no "
          "schedule is better in both. The ringed point is the one chosen.</p>\n",
          f);
    tfg_report_svg(r, TFG_FIG_FRONT, f);
    fputs("</section>\n", f);

    fputs("<section id=\"grid\"><h2>Patch grid</h2>\n<p class=\"how\">The tiles of the patched schedule "
          "drawn over "
          "the input image. Each tinted rectangle is the part of the image one tile reads (its receptive "
          "field, "
          "clipped to the image); where tints overlap, neighbouring tiles read the same pixels and recompute "
          "the "
          "same work. Dashed lines are the tile boundaries of the stage output, scaled to the image.</p>\n",
          f);
    tfg_report_svg(r, TFG_FIG_GRID, f);
    fputs("</section>\n", f);

    fputs("<section id=\"layers\"><h2>Layers</h2>\n<p class=\"how\">One row per execution step. Params: "
          "bytes of the "
          "constants the op reads. Live: bytes in SRAM during the step (layer by layer; patched: one tile's "
          "worth "
          "during the stage). The peak row is highlighted; a red edge marks patch-stage steps.",
          f);
    if (r->has_bench) {
        char t[32];
        tfg_report_thousands(r->bench_insns, t, sizeof t);
        fputs(" Instructions: counted under QEMU on ", f);
        esc(f, r->bench_target);
        fprintf(f, " by tinyforge bench (%s per inference).", t);
    }
    fputs("</p>\n", f);
    layer_table(r, f);
    fputs("</section>\n<footer>Generated by tinyforge report. Self-contained: no scripts, no "
          "network.</footer>\n"
          "</main>\n</body>\n</html>\n",
          f);
}

void tfg_report_md(const tfg_report_t *r, FILE *f)
{
    facts_t x;
    facts(r, &x);
    const tfg_schedule_t *ch = &r->set.c[r->chosen];
    fprintf(f, "# %s\n\n", r->o.model);
    fprintf(f, "- MACs: %s\n", x.macs);
    fprintf(f, "- Weights (flash): %s B (%s)\n", x.weights, x.weights_kib);
    fprintf(f, "- Peak SRAM, layer by layer: %s B (%s) at %s; lower bound %s B\n", x.peak, x.peak_kib,
            x.where, x.lb);
    fprintf(f, "- Chosen schedule: %s, arena %s B%s, %s MACs (%.3fx); %s\n", x.sched, x.sched_peak,
            r->o.stream && ch->split >= 0 ? " (image streamed)" : "", x.sched_macs, x.overhead,
            r->o.choice ? r->o.choice : "");
    if (r->o.sram_limit || r->has_budget) {
        fprintf(f, "- Fits: %s", x.sram_ok && x.flash_ok ? "yes" : "no");
        if (r->has_budget) fprintf(f, " (%s, %s)", r->budget.target, r->budget.mcu);
        if (r->o.sram_limit)
            fprintf(f, "; arena %s B %s %s SRAM (%s)", x.sched_peak, x.sram_ok ? "within" : "exceeds",
                    x.limit_kib, r->o.sram_from ? r->o.sram_from : "");
        if (r->has_budget)
            fprintf(f, "; constants %s %s flash", x.flash_ok ? "within" : "exceed", x.flash_kib);
        fputs("\n", f);
    }
    const bool P = r->patched.valid, B = r->has_bench;
    fputs("\n| step | op | type | input | output | MACs | params B | scratch B | live B |", f);
    if (P) fputs(" live B patched |", f);
    if (B) fputs(" instructions |", f);
    fputs("\n|---:|---:|---|---|---|---:|---:|---:|---:|", f);
    if (P) fputs("---:|", f);
    if (B) fputs("---:|", f);
    fputs("\n", f);
    for (int s = 0; s < r->n_layers; s++) {
        const tfg_report_layer_t *Y = &r->layers[s];
        const bool peak = s == r->lbl.peak_step;
        fprintf(f, "| %d | %d | %s%s | %s | %s | %lld | %lld | %zu | %s%zu%s |", s, Y->op, Y->type,
                Y->in_place ? " (in place)" : "", Y->in_shape, Y->out_shape, (long long)Y->macs,
                (long long)Y->params, Y->scratch, peak ? "**" : "", r->lbl.step_live[s], peak ? "**" : "");
        if (P) fprintf(f, " %zu |", r->patched.step_live[s]);
        if (B) {
            if (Y->insns >= 0)
                fprintf(f, " %lld%s |", Y->insns, s == r->bench_stage_step ? " (stage)" : "");
            else
                fputs(" |", f);
        }
        fputs("\n", f);
    }
    if (P) {
        char nm[64];
        tfg_report_schedule_name(r, r->patched_index, nm, sizeof nm);
        fprintf(f, "\n\"live B patched\": the %s %s, whose steps 0-%d run once per tile.\n",
                r->patched_chosen ? "chosen schedule" : "best patched schedule (not chosen)", nm,
                r->patched.split);
    }
}
