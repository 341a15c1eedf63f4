/* tinyforge search, phases 2 to 4 (docs/search.md): the supernet, the
 * evolution, the final model; and the baselines. Each phase leaves its results in the output
 * folder and, with --resume, is kept when they are there (a phase killed
 * midway continues from its last checkpoint or is redone). */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/search_internal.h"
#include "search/sntrain.h"
#include "train/checkpoint.h"
#include "train/optim.h"
#include "train/train.h"
#include "zoo/zoo.h"

/* ---- small helpers ---- */

static const char *in_out(const search_run_t *r, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", r->out, name);
    return buf;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A JSON file of ours, parsed (NULL with a message when it is missing or broken). */
static cJSON *read_json(const char *path)
{
    tfg_diag_t d = {{0}};
    char *text = NULL;
    size_t len;
    if (tfg_read_text_file(path, 64u << 20, "results", &text, &len, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return NULL;
    }
    cJSON *j = cJSON_Parse(text);
    free(text);
    if (!j) fprintf(stderr, "tinyforge: error: %s is not valid JSON: remove it to redo its phase\n", path);
    return j;
}

static double json_number(const cJSON *o, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* A whole number in [lo, hi] (an edited file may hold anything; a value out
 * of range must not reach a cast), else def. */
static double json_whole(const cJSON *o, const char *key, double lo, double hi, double def)
{
    const double x = json_number(o, key, def);
    return x >= lo && x <= hi && x == floor(x) ? x : def;
}

/* Written to NAME.tmp and renamed: a reader never sees half a file. */
static FILE *open_atomic(const char *path, char *tmp, size_t n)
{
    snprintf(tmp, n, "%s.tmp", path);
    return fopen(tmp, "w");
}

static int close_atomic(FILE *f, const char *tmp, const char *path)
{
    const int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        fprintf(stderr, "tinyforge: error: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

/* The options that shape a training phase's weights (not threads, not output). */
static uint64_t fingerprint(const search_run_t *r, const tfg_supernet_t *sn, const char *phase)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s|%s|%s|w%g r%d|%d %d %d %d|%.7g|%llu", phase, r->space.name, r->data,
             r->space.width[sn->width], r->space.res[sn->res], r->largest_epochs, r->supernet_epochs,
             r->batch, r->students, r->lr, (unsigned long long)r->seed);
    return tfg_fingerprint(tfg_fingerprint(0, "tinyforge-search-1"), buf);
}

/* ---- training progress ---- */

typedef struct {
    const search_run_t *r;
    const char *what;
    bool tty;
    tfg_sntrain_t *st; /* the sandwich phase: its students' loss too */
    double t0;
    tfg_train_progress_t last; /* the last epoch's figures, for the checkpoint's history */
} ui_t;

static void on_step(void *ctx, const tfg_train_progress_t *p)
{
    ui_t *ui = ctx;
    if (p->epoch_done) ui->last = *p;
    if (ui->r->quiet) return;
    if (!p->epoch_done) {
        if (ui->tty && (p->step % 10 == 0 || p->step == p->steps))
            fprintf(stderr, "\r  %s epoch %d/%d  step %ld/%ld  loss %.4f  acc %.2f%%  %.0f img/s   ",
                    ui->what, p->epoch + 1, p->epochs, p->step, p->steps, p->loss, 100.0 * p->accuracy,
                    p->samples_per_s);
        return;
    }
    if (ui->tty) fprintf(stderr, "\r%110s\r", "");
    printf("  %s epoch %d/%d: loss %.4f, training accuracy %.2f%%", ui->what, p->epoch + 1, p->epochs,
           p->loss, 100.0 * p->accuracy);
    if (ui->st) printf(", students' distillation loss %.4f", tfg_sntrain_student_loss(ui->st));
    if (p->val_accuracy >= 0) printf(", validation %.2f%%", 100.0 * p->val_accuracy);
    printf(" (%.0f img/s, %.0f s)\n", p->samples_per_s, cli_now() - ui->t0);
    fflush(stdout);
}

/* The wall time of a phase's epochs so far, and of its last one, from its
 * checkpoint's history (a killed and resumed run counts every process's). */
static void history_seconds(const tfg_epoch_log_t *h, int n, double *total, double *last)
{
    *total = 0, *last = 0;
    for (int e = 0; e < n; e++) *total += h[e].seconds, *last = h[e].seconds;
}

/* Train sn->net for `epochs` epochs with a checkpoint after each (resumed
 * from it when it is there); sandwich: by the sandwich rule. *seconds: the
 * epochs' wall time, earlier processes' included. */
static int train_phase(search_run_t *r, tfg_supernet_t *sn, const tfg_dataset_t *train,
                       const tfg_dataset_t *val, const char *ckpt, const char *what, int epochs,
                       bool sandwich, double *seconds)
{
    tfg_train_opts_t o = tfg_train_default_opts();
    o.epochs = epochs, o.batch = r->batch, o.lr = (float)r->lr, o.seed = r->seed;
    tfg_diag_t d = {{0}};
    tfg_trainer_t *t = tfg_trainer_create(&sn->net, train, val, &o, r->threads, &d);
    tfg_sntrain_t *st = NULL;
    int rc = 1;
    if (!t) goto fail;
    if (sandwich) {
        const tfg_sntrain_opts_t so = {r->students, r->seed};
        if (!(st = tfg_sntrain_attach(sn, t, &so, &d))) goto fail;
    }
    tfg_ckpt_state_t cs = {.fingerprint = fingerprint(r, sn, what)};
    if (exists(ckpt)) {
        if (tfg_checkpoint_load(ckpt, &sn->net, tfg_trainer_params(t), &cs, &d) < 0) goto fail;
        tfg_trainer_set_epoch(t, cs.next_epoch);
        if (!r->quiet && cs.next_epoch < epochs)
            printf("  resuming %s after epoch %d of %d\n", ckpt, cs.next_epoch, epochs);
    }
    ui_t ui = {r, what, isatty(fileno(stderr)) != 0, st, cli_now(), {0}};
    for (int e = tfg_trainer_next_epoch(t); e < epochs; e++) {
        const double e0 = cli_now();
        tfg_trainer_epoch(t, on_step, &ui);
        if (st && tfg_sntrain_error(st)) {
            fprintf(stderr, "tinyforge: error: %s\n", tfg_sntrain_error(st));
            goto done;
        }
        tfg_epoch_log_t *h = realloc(cs.hist, sizeof *h * (size_t)(cs.n_hist + 1));
        if (!h) {
            tfg_diag_set(&d, TFG_ERR_NOMEM, "out of memory");
            goto fail;
        }
        const tfg_train_progress_t *p = &ui.last;
        h[cs.n_hist++] = (tfg_epoch_log_t){p->loss, p->accuracy,    p->val_loss,     p->val_accuracy,
                                           p->lr,   cli_now() - e0, p->samples_per_s};
        cs.hist = h, cs.next_epoch = e + 1;
        if (tfg_checkpoint_save(ckpt, &sn->net, tfg_trainer_params(t), &cs, &d) < 0) goto fail;
        /* TFG_SEARCH_KILL_EPOCH=largest:N or supernet:N (tests): die after that epoch's checkpoint */
        const char *kill_at = getenv("TFG_SEARCH_KILL_EPOCH");
        const size_t wl = strlen(what);
        if (kill_at && !strncmp(kill_at, what, wl) && kill_at[wl] == ':' && atoi(kill_at + wl + 1) == e + 1)
            raise(SIGKILL);
    }
    double last;
    history_seconds(cs.hist, cs.n_hist, seconds, &last);
    if (!sandwich) r->largest_epoch_s = last;
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "tinyforge: error: %s\n", d.msg);
done:
    free(cs.hist);
    tfg_sntrain_free(st);
    tfg_trainer_free(t);
    return rc;
}

/* ---- phase 2: the supernet ---- */

int search_phase_supernet(search_run_t *r, tfg_supernet_t *sn, const tfg_dataset_t *train,
                          const tfg_dataset_t *val)
{
    char largest[4096], super[4096], summary[4096], tmp[4200];
    in_out(r, "largest.tfgc", largest, sizeof largest);
    in_out(r, "supernet.tfgc", super, sizeof super);
    in_out(r, "supernet.json", summary, sizeof summary);
    tfg_diag_t d = {{0}};
    if (!r->quiet)
        printf("\nphase 2, the supernet (width %g, resolution %d): the largest subnet for %d epochs, then %d "
               "epochs by the sandwich rule (largest, smallest and %d random subnets per step)\n",
               r->space.width[sn->width], r->space.res[sn->res], r->largest_epochs, r->supernet_epochs,
               r->students);
    if (r->resume && exists(summary)) {
        cJSON *j = read_json(summary);
        if (!j) return 1;
        r->seconds[2] = json_number(j, "seconds", 0);
        r->largest_epoch_s = json_number(j, "largest_epoch_seconds", 0);
        cJSON_Delete(j);
        if (tfg_checkpoint_load_weights(super, &sn->net, &d) < 0) {
            fprintf(stderr, "tinyforge: error: %s\n", d.msg);
            return 1;
        }
        if (!r->quiet) printf("  done already (%s): kept\n", summary);
        return 0;
    }
    if (tfg_net_init_train(&sn->net, r->seed) < 0) {
        fprintf(stderr, "tinyforge: error: out of memory\n");
        return 1;
    }
    /* The largest net first, then its channels sorted by importance: the
     * sandwich phase starts from them (redone from largest.tfgc when it was
     * killed before its first checkpoint). */
    double largest_s = 0, sort_s = 0, super_s = 0;
    if (!exists(super)) {
        if (train_phase(r, sn, train, val, largest, "largest", r->largest_epochs, false, &largest_s))
            return 1;
        const double t_sort = cli_now();
        if (tfg_supernet_sort_channels(sn, &d) < 0) {
            fprintf(stderr, "tinyforge: error: %s\n", d.msg);
            return 1;
        }
        sort_s = cli_now() - t_sort;
    } else { /* resumed in the sandwich phase: the largest's time from its checkpoint */
        tfg_epoch_log_t *h;
        int n;
        if (tfg_checkpoint_history(largest, &h, &n, &d) < 0) {
            fprintf(stderr, "tinyforge: error: %s\n", d.msg);
            return 1;
        }
        history_seconds(h, n, &largest_s, &r->largest_epoch_s);
        free(h);
    }
    if (train_phase(r, sn, train, val, super, "supernet", r->supernet_epochs, true, &super_s)) return 1;
    const double t_eval = cli_now();

    /* How the extremes came out, measured as the evolution will measure them. */
    tfg_pool_t *pool = tfg_pool_create(r->threads);
    tfg_fitness_t *f = pool ? tfg_fitness_create(sn, train, val, r->calib, r->seed, pool, &d) : NULL;
    double acc[2] = {-1, -1};
    for (int k = 0; f && k < 2; k++) {
        tfg_subnet_t n;
        tfg_subnet_extreme(&r->space, sn->width, sn->res, 1 - k, &n);
        if (tfg_fitness_eval(f, &n, &acc[k], &d) < 0) break;
    }
    tfg_fitness_free(f);
    tfg_pool_destroy(pool);
    if (acc[1] < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg[0] ? d.msg : "out of memory");
        return 1;
    }
    /* the epochs' time from their checkpoints (every process's), the rest this one's */
    r->seconds[2] = largest_s + sort_s + super_s + (cli_now() - t_eval);
    FILE *out = open_atomic(summary, tmp, sizeof tmp);
    if (!out) return fprintf(stderr, "tinyforge: error: cannot write %s\n", summary), 1;
    fprintf(
        out,
        "{\n  \"width\": %g,\n  \"resolution\": %d,\n  \"largest_epochs\": %d,\n  \"supernet_epochs\": %d,\n"
        "  \"batch\": %d,\n  \"lr\": %g,\n  \"students_per_step\": %d,\n  \"largest_val_accuracy\": %.4f,\n"
        "  \"smallest_val_accuracy\": %.4f,\n  \"largest_epoch_seconds\": %.1f,\n  \"seconds\": %.1f\n}\n",
        r->space.width[sn->width], r->space.res[sn->res], r->largest_epochs, r->supernet_epochs, r->batch,
        r->lr, r->students + 1, acc[0], acc[1], r->largest_epoch_s, r->seconds[2]);
    if (close_atomic(out, tmp, summary)) return 1;
    if (!r->quiet)
        printf("  supernet trained in %.0f s: validation accuracy %.2f%% (largest), %.2f%% (smallest), with "
               "inherited weights and recalibrated batch norm\n",
               r->seconds[2], 100.0 * acc[0], 100.0 * acc[1]);
    return 0;
}

/* ---- phase 3: evolution ---- */

typedef struct {
    const search_run_t *r;
    double t0, last;
    int generations;
    bool budgeted;       /* --budget may stop it (the evolution, not the baseline) */
    const char *path;    /* the state after every generation: evolution.json or random_search.json */
    int n_val;           /* validation images, for the record */
    double seconds0;     /* spent in earlier runs (resumed) */
    int failed_write;    /* the state could not be written */
    double largest_macs; /* the largest subnet's (layer by layer), to scale its epoch time to the best's */
} evo_ui_t;

static int write_evolution(const search_run_t *r, const char *path, const tfg_evolve_t *e, int n_val,
                           double seconds, bool complete);

/* The final model's expected wall time: the largest subnet's epoch time
 * scaled by the MACs of the net it will be (per image, the training work
 * follows the MACs, with a floor for what does not: the data, the
 * optimizer), on every training image; a QAT epoch about 2.5 float ones
 * (bench-train: 1,000-1,300 against 3,500 img/s, and 4,100 against 9,700 on
 * the search test's nets); and a few minutes for the evaluations and the
 * bench. The 32 KB run's final net, 0.4x the largest's MACs, trained at
 * 0.45x its epoch time. */
static double final_estimate(const search_run_t *r, double best_macs, double largest_macs)
{
    const double all_images = 60.0 / 55.0; /* the final model trains on the validation split too */
    double scale = largest_macs > 0 ? best_macs / largest_macs : 1.0;
    scale = scale < 0.3 ? 0.3 : scale > 1.0 ? 1.0 : scale;
    return r->largest_epoch_s * scale * all_images * (r->final_epochs + 2.5 * r->qat_epochs) + 180.0;
}

static int on_generation(void *ctx, int g, const tfg_evolve_t *e)
{
    evo_ui_t *ui = ctx;
    const double now = cli_now(), gen = now - ui->last;
    ui->last = now;
    const tfg_candidate_t *b = &e->evaluated[e->top];
    if (!ui->r->quiet) {
        printf("  generation %2d/%d: best %.2f%%, population mean %.2f%%, %d evaluated (best: %.2f M MACs, "
               "arena %zu B, flash %zu B) %.0f s\n",
               g, ui->generations, 100.0 * e->best[g], 100.0 * e->mean[g], e->n_evaluated, b->macs / 1e6,
               b->arena, b->flash, now - ui->t0);
        fflush(stdout);
    }
    /* the state after every generation, so a killed run resumes here (TFG_SEARCH_KILL_AFTER: tests) */
    if (write_evolution(ui->r, ui->path, e, ui->n_val, ui->seconds0 + now - ui->t0, false)) {
        ui->failed_write = 1;
        return 1;
    }
    const char *kill_at = getenv("TFG_SEARCH_KILL_AFTER");
    if (kill_at && atoi(kill_at) == g) raise(SIGKILL);
    /* --budget: another generation like this one, then the final model, must end in time */
    const double spent = ui->r->seconds[1] + ui->r->seconds[2] + ui->seconds0 + (now - ui->t0);
    const double final_s = final_estimate(ui->r, (double)b->macs_layer, ui->largest_macs);
    if (ui->budgeted && ui->r->budget_s > 0 && g < ui->generations &&
        spent + gen + final_s > ui->r->budget_s) {
        printf(
            "  stopping after generation %d: another (%.0f s) and the final model (about %.0f s) would pass "
            "--budget (%.0f s; %.0f s spent)\n",
            g, gen, final_s, ui->r->budget_s, spent);
        return 1;
    }
    return 0;
}

static void write_candidate(FILE *f, const tfg_space_t *s, const tfg_candidate_t *c)
{
    char *ch = tfg_subnet_choices(s, &c->net);
    fprintf(
        f,
        "{\"accuracy\": %.17g, \"macs\": %lld, \"macs_layer\": %lld, \"arena\": %zu, \"flash\": %zu, "
        "\"m4_instructions\": %lld, \"split\": %d, \"grid\": [%d, %d], \"generation\": %d, \"choices\": %s}",
        c->accuracy, (long long)c->macs, (long long)c->macs_layer, c->arena, c->flash, (long long)c->insns,
        c->split, c->ph, c->pw, c->generation, ch ? ch : "null");
    free(ch);
}

/* A search's state and results (the accuracies at full precision: a
 * resumed search must rank them as the uninterrupted one did). */
static int write_evolution(const search_run_t *r, const char *path, const tfg_evolve_t *e, int n_val,
                           double seconds, bool complete)
{
    char tmp[4200];
    FILE *f = open_atomic(path, tmp, sizeof tmp);
    if (!f) return fprintf(stderr, "tinyforge: error: cannot write %s\n", path), 1;
    const tfg_evolve_opts_t *o = &r->evo;
    fprintf(f,
            "{\n  \"complete\": %s,\n  \"population\": %d,\n  \"parents\": %d,\n  \"mutations\": %d,\n"
            "  \"crossovers\": %d,\n  \"mutate_prob\": %g,\n  \"generations\": %d,\n  "
            "\"calibration_images\": %d,\n"
            "  \"validation_images\": %d,\n  \"evaluated\": %d,\n  \"rejected_draws\": %ld,\n"
            "  \"generations_run\": %d,\n  \"stopped_by_budget\": %s,\n  \"seconds\": %.1f,\n  \"best\": ",
            complete ? "true" : "false", o->population, o->parents, o->mutations, o->crossovers,
            o->mutate_prob, o->generations, r->calib, n_val, e->n_evaluated, e->rejected, e->n_gen - 1,
            complete && e->stopped ? "true" : "false", seconds);
    write_candidate(f, &r->space, &e->evaluated[e->top]);
    fprintf(f, ",\n  \"per_generation\": [");
    for (int g = 0; g < e->n_gen; g++)
        fprintf(f, "%s{\"best\": %.17g, \"mean\": %.17g}", g ? ", " : "", e->best[g], e->mean[g]);
    double fl[TFG_LIMIT_BANDS], ar[TFG_LIMIT_BANDS];
    tfg_evolve_limits(e, &r->budget, fl, ar);
    fprintf(f, "],\n  \"limits\": {\"edges\": [");
    for (int i = 0; i < TFG_LIMIT_BANDS; i++) fprintf(f, "%s%g", i ? ", " : "", tfg_limit_edges[i]);
    for (int k = 0; k < 2; k++) {
        fprintf(f, "], \"%s\": [", k ? "arena" : "flash");
        for (int i = 0; i < TFG_LIMIT_BANDS; i++) {
            const double a = k ? ar[i] : fl[i];
            if (a < 0)
                fprintf(f, "%snull", i ? ", " : "");
            else
                fprintf(f, "%s%.4f", i ? ", " : "", a);
        }
    }
    fprintf(f, "]}");
    fprintf(f, ",\n  \"final_population\": [");
    for (int i = 0; i < e->n_population; i++) fprintf(f, "%s%d", i ? ", " : "", e->population[i]);
    fprintf(f, "],\n  \"candidates\": [");
    for (int i = 0; i < e->n_evaluated; i++) {
        fprintf(f, "%s\n    ", i ? "," : "");
        write_candidate(f, &r->space, &e->evaluated[i]);
    }
    fprintf(f, "\n  ]\n}\n");
    return close_atomic(f, tmp, path);
}

/* The best accuracy by the share of each budget a candidate uses
 * (tfg_evolve_limits), as a small table. */
static void print_limits(const search_run_t *r, const tfg_evolve_t *e)
{
    double fl[TFG_LIMIT_BANDS], ar[TFG_LIMIT_BANDS];
    tfg_evolve_limits(e, &r->budget, fl, ar);
    printf("  what limits it: the best validation accuracy by the share of the budget a subnet uses\n"
           "    %-6s",
           "share");
    for (int i = 0; i < TFG_LIMIT_BANDS; i++) {
        char b[48];
        if (i == 0)
            snprintf(b, sizeof b, "<%g%%", 100 * tfg_limit_edges[0]);
        else
            snprintf(b, sizeof b, "%g-%g%%", 100 * tfg_limit_edges[i - 1], 100 * tfg_limit_edges[i]);
        printf(" %8s", b);
    }
    for (int k = 0; k < 2; k++) {
        printf("\n    %-6s", k ? "arena" : "flash");
        for (int i = 0; i < TFG_LIMIT_BANDS; i++) {
            const double a = k ? ar[i] : fl[i];
            if (a < 0)
                printf(" %8s", "-");
            else
                printf(" %7.2f%%", 100 * a);
        }
    }
    printf("\n");
}

/* A search's state back from its file: every candidate, the population,
 * the figures per generation. */
static int load_evolution(const search_run_t *r, const char *path, tfg_evolve_t *e, bool *complete,
                          double *seconds)
{
    cJSON *j = read_json(path);
    if (!j) return 1;
    tfg_diag_t d = {{0}};
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(j, "candidates"),
                *pop = cJSON_GetObjectItemCaseSensitive(j, "final_population"),
                *gens = cJSON_GetObjectItemCaseSensitive(j, "per_generation"), *v;
    const int n = cJSON_GetArraySize(cs), np = cJSON_GetArraySize(pop), ng = cJSON_GetArraySize(gens);
    tfg_candidate_t *c = calloc((size_t)(n ? n : 1), sizeof *c);
    int *p = calloc((size_t)(np ? np : 1), sizeof *p);
    double *best = calloc((size_t)(ng ? ng : 1), sizeof *best),
           *mean = calloc((size_t)(ng ? ng : 1), sizeof *mean);
    tfg_status_t st = c && p && best && mean ? TFG_OK : tfg_diag_set(&d, TFG_ERR_NOMEM, "out of memory");
    if (st == TFG_OK &&
        (!cJSON_IsArray(cs) || !cJSON_IsArray(pop) || !cJSON_IsArray(gens) || !n || !np || !ng))
        st = tfg_diag_set(&d, TFG_ERR_INVALID, "%s: no candidates, population or generations", path);
    int i = 0;
    if (st == TFG_OK) cJSON_ArrayForEach(v, cs)
        {
            const cJSON *grid = cJSON_GetObjectItemCaseSensitive(v, "grid");
            char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(v, "choices"));
            st = text ? tfg_subnet_choices_parse(&r->space, text, path, &c[i].net, &d)
                      : tfg_diag_set(&d, TFG_ERR_INVALID, "%s: candidate %d has no choices", path, i);
            free(text);
            if (st < 0) break;
            c[i].accuracy = json_number(v, "accuracy", 0);
            c[i].macs = (int64_t)json_whole(v, "macs", 0, 1e15, 0),
            c[i].macs_layer = (int64_t)json_whole(v, "macs_layer", 0, 1e15, 0);
            c[i].arena = (size_t)json_whole(v, "arena", 0, 1e12, 0);
            c[i].flash = (size_t)json_whole(v, "flash", 0, 1e12, 0);
            c[i].insns = (int64_t)json_whole(v, "m4_instructions", 0, 1e15, 0);
            c[i].split = (int)json_whole(v, "split", -1, 1e6, -1);
            c[i].generation = (int)json_whole(v, "generation", 0, 1e6, 0);
            c[i].ph = cJSON_IsNumber(cJSON_GetArrayItem(grid, 0)) ? cJSON_GetArrayItem(grid, 0)->valueint : 1;
            c[i].pw = cJSON_IsNumber(cJSON_GetArrayItem(grid, 1)) ? cJSON_GetArrayItem(grid, 1)->valueint : 1;
            tfg_subnet_canonical(&r->space, &c[i].net);
            i++;
        }
    i = 0;
    if (st == TFG_OK) cJSON_ArrayForEach(v, pop) p[i++] = cJSON_IsNumber(v) ? v->valueint : -1;
    i = 0;
    if (st == TFG_OK) cJSON_ArrayForEach(v, gens)
        {
            best[i] = json_number(v, "best", 0), mean[i] = json_number(v, "mean", 0);
            i++;
        }
    if (st == TFG_OK)
        st = tfg_evolve_restore(e, c, n, p, np, best, mean, ng,
                                (long)json_whole(j, "rejected_draws", 0, 1e15, 0), &d);
    /* "complete": false marks a search in progress; files written before it existed are finished ones */
    *complete = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "complete"));
    *seconds = json_number(j, "seconds", 0);
    if (st == TFG_OK) e->stopped = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "stopped_by_budget"));
    free(c), free(p), free(best), free(mean);
    cJSON_Delete(j);
    if (st < 0) fprintf(stderr, "tinyforge: error: %s (remove it to redo its phase)\n", d.msg);
    return st < 0;
}

/* The evolution (count 0) or random search over count subnets: resumed
 * from `path` when it holds an unfinished one, kept when it holds a
 * finished one (*kept), else run; the state written after every generation. */
static int run_search(search_run_t *r, const tfg_supernet_t *sn, const tfg_dataset_t *train,
                      const tfg_dataset_t *val, const char *path, int count, tfg_evolve_t *e, double *seconds,
                      bool *kept)
{
    bool complete = false;
    double before = 0;
    *kept = false;
    *e = (tfg_evolve_t){.top = -1};
    if (r->resume && exists(path)) {
        if (load_evolution(r, path, e, &complete, &before)) return 1;
        if (complete) {
            *kept = true, *seconds = before;
            return 0;
        }
        if (!r->quiet) printf("  resuming %s after generation %d\n", path, e->n_gen - 1);
    }
    tfg_diag_t d = {{0}};
    const double t0 = cli_now();
    tfg_pool_t *pool = tfg_pool_create(r->threads);
    tfg_fitness_t *f = pool ? tfg_fitness_create(sn, train, val, r->calib, r->seed, pool, &d) : NULL;
    evo_ui_t ui = {
        r,      t0,
        t0,     count ? (count + r->evo.population - 1) / r->evo.population - 1 : r->evo.generations,
        !count, path,
        val->n, before,
        0,      0};
    tfg_cost_t largest;
    unsigned over;
    if (tfg_subnet_price(&r->space, &sn->largest, &r->budget, &largest, &over, &d) == TFG_OK)
        ui.largest_macs = (double)largest.macs_layer;
    tfg_evolve_opts_t eo = r->evo;
    eo.budget = r->budget, eo.seed = count ? r->seed ^ UINT64_C(0x5A5D) : r->seed;
    const bool resume = e->n_gen > 0;
    tfg_status_t st = TFG_ERR_NOMEM;
    if (f && !count)
        st = resume ? tfg_evolve_resume(f, sn, &eo, on_generation, &ui, e, &d)
                    : tfg_evolve_run(f, sn, &eo, on_generation, &ui, e, &d);
    else if (f)
        st = resume ? tfg_random_search_resume(f, sn, &eo, count, on_generation, &ui, e, &d)
                    : tfg_random_search(f, sn, &eo, count, on_generation, &ui, e, &d);
    tfg_fitness_free(f);
    tfg_pool_destroy(pool);
    if (st < 0) return fprintf(stderr, "tinyforge: error: %s\n", d.msg[0] ? d.msg : "out of memory"), 1;
    if (ui.failed_write) return tfg_evolve_free(e), 1;
    *seconds = before + cli_now() - t0;
    if (write_evolution(r, path, e, val->n, *seconds, true)) return tfg_evolve_free(e), 1;
    return 0;
}

int search_phase_evolve(search_run_t *r, const tfg_supernet_t *sn, const tfg_dataset_t *train,
                        const tfg_dataset_t *val, tfg_subnet_t *best)
{
    char path[4096], svg[4096];
    in_out(r, "evolution.json", path, sizeof path);
    const tfg_evolve_opts_t *o = &r->evo;
    if (!r->quiet)
        printf(
            "\nphase 3, evolution: population %d, %d parents kept, %d mutations (rate %g) and %d crossovers "
            "per generation, %d generations; fitness: accuracy on %d validation images after batch-norm "
            "recalibration on %d training images\n",
            o->population, o->parents, o->mutations, o->mutate_prob, o->crossovers, o->generations, val->n,
            r->calib);
    tfg_evolve_t e;
    bool kept;
    if (run_search(r, sn, train, val, path, 0, &e, &r->seconds[3], &kept)) return 1;
    *best = e.evaluated[e.top].net;
    if (kept && !r->quiet) printf("  done already (%s): kept\n", path);
    int rc = 0; /* the plots are drawn again from the kept results too */
    if ((search_plot_progress(in_out(r, "evolution.svg", svg, sizeof svg), &e) != 0 ||
         search_plot_pareto(in_out(r, "pareto.svg", svg, sizeof svg), &e, &r->budget) != 0))
        rc = fprintf(stderr, "tinyforge: error: cannot write the plots in %s\n", r->out) > 0;
    if (!rc && !kept && !r->quiet)
        printf("  best: %.2f%% validation accuracy, %.2f M MACs, arena %zu B, flash %zu B%s, in %.0f s; "
               "%s, evolution.svg, pareto.svg\n",
               100.0 * e.evaluated[e.top].accuracy, e.evaluated[e.top].macs / 1e6, e.evaluated[e.top].arena,
               e.evaluated[e.top].flash, r->budget.code_bytes ? " (with --code)" : " (predicted)",
               r->seconds[3], path);
    if (!rc && !r->quiet) print_limits(r, &e);
    tfg_evolve_free(&e);
    return rc;
}

/* ---- phase 4: the final model ---- */

/* `tinyforge bench` on the model, its JSON parsed (NULL with a message). */
/* `tinyforge bench --layers` on the model (the schedule chosen as the
 * search chose it), its JSON also kept in `save` for the report; NULL with
 * a message when it cannot run. */
static cJSON *bench(const search_run_t *r, const char *model, const char *save)
{
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "'%s' bench '%s' --sram %zu --max-overhead %g --schedule auto --json --layers",
             r->exe, model, r->budget.sram, r->budget.max_overhead);
    FILE *p = popen(cmd, "r");
    if (!p) return fprintf(stderr, "tinyforge: error: cannot run %s\n", cmd), NULL;
    static char buf[1 << 20];
    const size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = 0;
    const int status = pclose(p);
    cJSON *j = status == 0 ? cJSON_Parse(buf) : NULL;
    if (!j) fprintf(stderr, "tinyforge: error: %s failed (exit status %d)\n", cmd, status);
    FILE *f = j ? fopen(save, "w") : NULL;
    if (f) fputs(buf, f), fclose(f);
    return j;
}

/* What a trained model measures: int8 test accuracy from its training log
 * (measured there on the file, as eval does), the rest from bench (-1 and
 * "null" when bench could not run). */
typedef struct {
    char tflite[4200], schedule[256];
    double acc, arena, flash, macs, insns;
    int bitexact; /* 1, 0; -1: not benched */
} figures_t;

static int measure(const search_run_t *r, const char *dir, const char *name, figures_t *fig)
{
    char log[4200];
    snprintf(fig->tflite, sizeof fig->tflite, "%s/%s.tflite", dir, name);
    snprintf(log, sizeof log, "%s/log.json", dir);
    cJSON *lj = read_json(log);
    if (!lj) return 1;
    fig->acc = json_number(lj, "int8_test_accuracy", -1);
    cJSON_Delete(lj);
    char saved[4200];
    snprintf(saved, sizeof saved, "%s/bench.json", dir);
    cJSON *bj = bench(r, fig->tflite, saved);
    if (!bj) /* the model stands; only its figures on the core are missing */
        fprintf(stderr,
                "tinyforge: warning: no Cortex-M4 figures for %s (the cross toolchain and QEMU come with "
                "scripts/deps-targets.sh): they are null\n",
                fig->tflite);
    const bool benched = bj && json_number(bj, "instructions", -1) >= 0;
    fig->arena = benched ? json_number(bj, "arena_bytes", -1) : -1;
    fig->flash = benched ? json_number(bj, "model_flash_bytes", -1) : -1; /* code and constants, no harness */
    fig->macs = benched ? json_number(bj, "macs", -1) : -1;
    fig->insns = benched ? json_number(bj, "instructions", -1) : -1;
    fig->bitexact = !benched ? -1 : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(bj, "bitexact")) ? 1 : 0;
    const cJSON *sched = bj ? cJSON_GetObjectItemCaseSensitive(bj, "schedule") : NULL;
    char *st = sched ? cJSON_PrintUnformatted(sched) : NULL;
    snprintf(fig->schedule, sizeof fig->schedule, "%s", st ? st : benched ? "\"layer by layer\"" : "null");
    free(st);
    cJSON_Delete(bj);
    return 0;
}

static void put_num(FILE *f, const char *indent, const char *key, double x)
{
    fprintf(f, ",\n%s  \"%s\": ", indent, key);
    if (x >= 0)
        fprintf(f, "%.0f", x);
    else
        fprintf(f, "null");
}

/* The figures as JSON members (after "tflite"; the caller closes the object). */
static void put_figures(FILE *f, const figures_t *g, const char *indent)
{
    fprintf(f, "{\n%s  \"tflite\": ", indent);
    cli_json_str(f, g->tflite);
    fprintf(f, ",\n%s  \"int8_test_accuracy\": %.4f", indent, g->acc);
    const char *keys[4] = {"arena_bytes", "flash_bytes", "macs", "m4_instructions"};
    const double v[4] = {g->arena, g->flash, g->macs, g->insns};
    for (int k = 0; k < 4; k++) put_num(f, indent, keys[k], v[k]);
    fprintf(f, ",\n%s  \"bitexact_on_m4\": %s,\n%s  \"schedule\": %s", indent,
            g->bitexact < 0 ? "null"
            : g->bitexact   ? "true"
                            : "false",
            indent, g->schedule);
}

/* `tinyforge train ARCH` into dir: the same pipeline as every model. init
 * (may be NULL) holds the starting weights. */
static int run_train(const search_run_t *r, const char *arch, const char *dir, const char *init, int epochs,
                     double lr)
{
    char e[16], q[16], l[32], threads[16], seed[32];
    snprintf(e, sizeof e, "%d", epochs);
    snprintf(q, sizeof q, "%d", r->qat_epochs);
    snprintf(l, sizeof l, "%g", lr);
    snprintf(threads, sizeof threads, "%d", r->threads);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
    /* --val 0: the validation split has done its work (it chose the net);
     * the final model learns from every training image. The test split is
     * still never seen before the end. */
    char *argv[24] = {
        "train", (char *)arch, "--data", (char *)r->data, "-o", (char *)dir, "--epochs", e,       "--lr",
        l,       "--threads",  threads,  "--qat-epochs",  q,    "--seed",    seed,       "--val", "0"};
    int argc = 18;
    if (init) argv[argc++] = "--init", argv[argc++] = (char *)init;
    if (r->resume) argv[argc++] = "--resume";
    if (r->quiet) argv[argc++] = "--quiet";
    argv[argc] = NULL;
    fflush(stdout);
    return cli_train(argc, argv) != 0;
}

/* A subnet fine-tuned from its inherited weights (batch norm recalibrated):
 * NAME.json (its architecture), NAME_init.tfgc (the weights), then
 * `tinyforge train` into dir. */
static int train_subnet(const search_run_t *r, const tfg_supernet_t *sn, const tfg_dataset_t *train,
                        const tfg_dataset_t *val, const tfg_subnet_t *n, const char *name, const char *dir,
                        figures_t *fig)
{
    char arch[4096], init[4096], file[300], tmp[4200];
    snprintf(file, sizeof file, "%s.json", name);
    in_out(r, file, arch, sizeof arch);
    snprintf(file, sizeof file, "%s_init.tfgc", name);
    in_out(r, file, init, sizeof init);
    char *json = tfg_subnet_json(&r->space, n);
    FILE *f = json ? open_atomic(arch, tmp, sizeof tmp) : NULL;
    if (!f) return free(json), fprintf(stderr, "tinyforge: error: cannot write %s\n", arch), 1;
    fputs(json, f);
    free(json);
    if (close_atomic(f, tmp, arch)) return 1;
    tfg_diag_t d = {{0}};
    tfg_pool_t *pool = tfg_pool_create(r->threads);
    tfg_fitness_t *fit = pool ? tfg_fitness_create(sn, train, val, r->calib, r->seed, pool, &d) : NULL;
    tfg_net_t net = {0};
    const tfg_params_t none = {0};
    const tfg_ckpt_state_t cs = {0};
    const tfg_status_t st = fit ? tfg_fitness_net(fit, n, &net, &d) : TFG_ERR_NOMEM;
    const tfg_status_t ws = st < 0 ? st : tfg_checkpoint_save(init, &net, &none, &cs, &d);
    tfg_net_free(&net);
    tfg_fitness_free(fit);
    tfg_pool_destroy(pool);
    if (ws < 0) return fprintf(stderr, "tinyforge: error: %s\n", d.msg[0] ? d.msg : "out of memory"), 1;
    if (run_train(r, arch, dir, init, r->final_epochs, r->final_lr)) return 1;
    return measure(r, dir, name, fig);
}

int search_phase_final(search_run_t *r, const tfg_supernet_t *sn, const tfg_dataset_t *train,
                       const tfg_dataset_t *val, const tfg_subnet_t *best)
{
    char dir[4096], result[4096], tmp[4200];
    in_out(r, "final", dir, sizeof dir);
    in_out(r, "result.json", result, sizeof result);
    if (!r->quiet)
        printf("\nphase 4, the final model: fine-tuned from the supernet's weights for %d epochs, %d of QAT, "
               "exported, compiled and run on the Cortex-M4 under QEMU\n",
               r->final_epochs, r->qat_epochs);
    if (r->resume && exists(result)) {
        cJSON *j = read_json(result);
        if (!j) return 1;
        r->seconds[4] = json_number(cJSON_GetObjectItemCaseSensitive(j, "seconds"), "final", 0);
        cJSON_Delete(j);
        if (!r->quiet) printf("  done already (%s): kept\n", result);
        return 0;
    }
    const double t0 = cli_now();
    figures_t fig;
    if (train_subnet(r, sn, train, val, best, "best", dir, &fig)) return 1;
    r->seconds[4] = cli_now() - t0;
    FILE *o = open_atomic(result, tmp, sizeof tmp);
    if (!o) return fprintf(stderr, "tinyforge: error: cannot write %s\n", result), 1;
    put_figures(o, &fig, "");
    char *choices = tfg_subnet_choices(&r->space, best);
    /* the flash and instructions the search priced it at, next to bench's measured figures */
    tfg_cost_t cost;
    unsigned over;
    tfg_diag_t d = {{0}};
    const bool priced = tfg_subnet_price(&r->space, best, &r->budget, &cost, &over, &d) == TFG_OK;
    put_num(o, "", "flash_priced", priced ? (double)tfg_priced_flash(&cost, &r->budget) : -1);
    put_num(o, "", "m4_instructions_predicted", priced ? (double)cost.m4_instructions : -1);
    char code[32] = "null";
    if (r->budget.code_bytes) snprintf(code, sizeof code, "%zu", r->budget.code_bytes);
    fprintf(o,
            ",\n  \"fits\": %s,\n  \"sram_budget\": %zu,\n  \"flash_budget\": %zu,\n  \"code_allowance\": "
            "%s,\n  \"subnet\": %s,\n"
            "  \"seconds\": {\"space\": %.1f, \"supernet\": %.1f, \"evolution\": %.1f, \"final\": %.1f, "
            "\"total\": %.1f}\n}\n",
            fig.bitexact < 0                                                              ? "null"
            : fig.arena <= (double)r->budget.sram && fig.flash <= (double)r->budget.flash ? "true"
                                                                                          : "false",
            r->budget.sram, r->budget.flash, code, choices ? choices : "null", r->seconds[1], r->seconds[2],
            r->seconds[3], r->seconds[4], r->seconds[1] + r->seconds[2] + r->seconds[3] + r->seconds[4]);
    free(choices);
    if (close_atomic(o, tmp, result)) return 1;
    /* the model's memory and schedule report, with bench's per-layer counts */
    char report[4096], bench_json[4200], sram[32], ovh[32];
    in_out(r, "report.html", report, sizeof report);
    snprintf(bench_json, sizeof bench_json, "%s/bench.json", dir);
    snprintf(sram, sizeof sram, "%zu", r->budget.sram);
    snprintf(ovh, sizeof ovh, "%g", r->budget.max_overhead);
    char *rargv[16] = {"report", fig.tflite,       "-o", report,       "--sram",
                       sram,     "--max-overhead", ovh,  "--schedule", "auto"};
    int rargc = 10;
    if (fig.bitexact >= 0) rargv[rargc++] = "--bench", rargv[rargc++] = bench_json;
    rargv[rargc] = NULL;
    fflush(stdout);
    if (cli_report(rargc, rargv) != 0) fprintf(stderr, "tinyforge: warning: no report for %s\n", fig.tflite);
    if (fig.flash > (double)r->budget.flash)
        fprintf(
            stderr,
            "tinyforge: warning: the model's flash, %.0f B (its code and constants as bench measures them), "
            "is over the %zu B budget by %.0f B: %s\n",
            fig.flash, r->budget.flash, fig.flash - (double)r->budget.flash,
            r->budget.code_bytes ? "its code and parameter structs took more than --code allowed for; search "
                                   "again with a larger --code, or --code auto"
                                 : "the flash model erred by more than its margin; please report it");
    printf("\nfound: %s: int8 test accuracy %.2f%%", fig.tflite, 100.0 * fig.acc);
    if (fig.bitexact >= 0)
        printf(", arena %.0f B of %zu, flash %.0f B of %zu (constants + model code), %.2f M MACs, %.0f "
               "Cortex-M4 "
               "instructions per inference (%s)",
               fig.arena, r->budget.sram, fig.flash, r->budget.flash, fig.macs / 1e6, fig.insns,
               fig.bitexact ? "bit-exact" : "NOT bit-exact");
    printf("; %s, %s\n", result, report);
    return 0;
}

/* ---- phase 5: the baselines ---- */

/* MobileNetV2 scaled by width and resolution to the budget: of the widths
 * and resolutions below (and the space's resolutions), the one that fits
 * with the most MACs, as phase 1 chooses. */
static int pick_mbv2(const search_run_t *r, char *spec, size_t n, double *macs)
{
    static const double widths[] = {0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.75, 1.0};
    int res[TFG_SPACE_MAX_CHOICES + 6], nres = 0;
    static const int more[] = {48, 64, 80, 96, 112, 128};
    for (int i = 0; i < r->space.n_res; i++) res[nres++] = r->space.res[i];
    for (int i = 0; i < 6; i++) res[nres++] = more[i];
    *macs = -1;
    for (size_t w = 0; w < sizeof widths / sizeof *widths; w++)
        for (int k = 0; k < nres; k++) {
            char name[64];
            snprintf(name, sizeof name, "mbv2-w%g-r%d-c%d", widths[w], res[k], r->space.classes);
            tfg_net_t net;
            tfg_diag_t d = {{0}};
            tfg_cost_t c;
            unsigned over = 1;
            if (tfg_zoo_net(name, &net, &d) < 0) continue;
            if (tfg_net_retarget(&net, r->space.in_channels, r->space.classes) == 0 &&
                tfg_net_price(&net, &r->budget, &c, &over, &d) == TFG_OK && !over && (double)c.macs > *macs) {
                *macs = (double)c.macs;
                snprintf(spec, n, "%s", name);
            }
            tfg_net_free(&net);
        }
    return *macs < 0;
}

int search_phase_baselines(search_run_t *r, const tfg_supernet_t *sn, const tfg_dataset_t *train,
                           const tfg_dataset_t *val)
{
    char path[4096], rpath[4096], dir[4096], tmp[4200];
    in_out(r, "evolution.json", path, sizeof path);
    cJSON *ej = read_json(path);
    if (!ej) return 1;
    const int count = (int)json_whole(ej, "evaluated", 0, 1e8, 0);
    const double evo_best = json_number(cJSON_GetObjectItemCaseSensitive(ej, "best"), "accuracy", -1);
    cJSON_Delete(ej);
    const int mb_epochs = r->largest_epochs + r->supernet_epochs + r->final_epochs;
    if (!r->quiet)
        printf(
            "\nbaselines at equal budget: random search over the same supernet (%d subnets, as many as the "
            "evolution evaluated), and MobileNetV2 scaled to the budget, trained from scratch for %d epochs "
            "(as many as the found net's weights had)\n",
            count, mb_epochs);
    /* random search: its best subnet, fine-tuned as the evolution's */
    in_out(r, "random_search.json", rpath, sizeof rpath);
    tfg_evolve_t e;
    bool kept;
    double rs_seconds;
    if (run_search(r, sn, train, val, rpath, count, &e, &rs_seconds, &kept)) return 1;
    const tfg_subnet_t best = e.evaluated[e.top].net;
    const double rs_val = e.evaluated[e.top].accuracy;
    tfg_evolve_free(&e);
    if (kept && !r->quiet) printf("  random search done already (%s): kept\n", rpath);
    figures_t rs, mb;
    if (train_subnet(r, sn, train, val, &best, "random_best", in_out(r, "final_random", dir, sizeof dir),
                     &rs))
        return 1;
    /* MobileNetV2, when a scaled one fits at all */
    char spec[64] = "";
    double mb_macs;
    const bool mb_fits = pick_mbv2(r, spec, sizeof spec, &mb_macs) == 0;
    if (!r->quiet && mb_fits)
        printf("  MobileNetV2 scaled to the budget: %s (%.2f M MACs)\n", spec, mb_macs / 1e6);
    if (!mb_fits)
        printf("  no MobileNetV2 of widths 0.1-1.0 at these resolutions fits %zu B SRAM and %zu B flash: no "
               "such "
               "baseline\n",
               r->budget.sram, r->budget.flash);
    if (mb_fits && (run_train(r, spec, in_out(r, "final_mbv2", dir, sizeof dir), NULL, mb_epochs, r->lr) ||
                    measure(r, dir, spec, &mb)))
        return 1;
    in_out(r, "baselines.json", path, sizeof path);
    FILE *o = open_atomic(path, tmp, sizeof tmp);
    if (!o) return fprintf(stderr, "tinyforge: error: cannot write %s\n", path), 1;
    fprintf(o, "{\n  \"evolution_best_val_accuracy\": %.4f,\n  \"random_search\": ", evo_best);
    put_figures(o, &rs, "  ");
    fprintf(o,
            ",\n    \"candidates\": %d,\n    \"best_val_accuracy\": %.4f\n  },\n  \"mobilenetv2\": ", count,
            rs_val);
    if (mb_fits) {
        put_figures(o, &mb, "  ");
        fprintf(o, ",\n    \"spec\": \"%s\",\n    \"epochs\": %d\n  }\n}\n", spec, mb_epochs);
    } else {
        fprintf(o, "null\n}\n");
    }
    if (close_atomic(o, tmp, path)) return 1;
    printf("\nbaselines (%s): random search %.2f%% int8 test accuracy (its best subnet %.2f%% on validation, "
           "the "
           "evolution's %.2f%%)",
           path, 100.0 * rs.acc, 100.0 * rs_val, 100.0 * evo_best);
    if (mb_fits)
        printf("; %s %.2f%%\n", spec, 100.0 * mb.acc);
    else
        printf("; no MobileNetV2 fits\n");
    return 0;
}
