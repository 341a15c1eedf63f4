/* tinyforge train: from a dataset and an architecture to an int8 .tflite.
 *
 * The float net is trained by src/train on the batched forward pass of
 * src/nn, quantized by the one quantizer (src/zoo/quantize.c) and written by
 * the .tflite writer; the int8 test accuracy printed at the end is measured
 * on the written file, read back, by the same evaluation `tinyforge eval`
 * runs (src/train/eval.c), so the two agree to the image.
 *
 * The output folder holds the model, the checkpoint (rewritten atomically
 * after every epoch; --resume continues from it), the JSON log, the SVG plot
 * of the curves and the command that made them. */
#define _POSIX_C_SOURCE 200809L /* isatty, fileno, mkdir */

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/dataset.h"
#include "nn/forward.h"
#include "nn/gemm.h"
#include "tflite/writer.h"
#include "train/checkpoint.h"
#include "train/eval.h"
#include "train/export.h"
#include "train/train.h"
#include "zoo/zoo.h"

static const char TRAIN_HELP[] =
    "usage: tinyforge train ARCH --data SPEC -o DIR [options]\n"
    "\n"
    "Trains ARCH on a dataset in float, quantizes it to int8 (TFLite's rules, the same\n"
    "quantizer the model builder uses), fine-tunes it quantization-aware and writes\n"
    "DIR/NAME.tflite, with int8 input and output. At the end it prints the float, PTQ and\n"
    "final int8 accuracies on the test split; the last is measured by the engine on the\n"
    "written file exactly as 'tinyforge eval' measures it.\n"
    "\n"
    "  ARCH            a built-in family name (see 'tinyforge zoo list') or an MCUNet /\n"
    "                  ProxylessNAS JSON spec, e.g. ../shared/archs/fm-mbv2-tiny.json;\n"
    "                  its input channels and classes are set from the dataset, its\n"
    "                  resolution is kept (images are resized to it)\n"
    "  --data SPEC     fashion-mnist, a folder of IDX files, or an image folder (one\n"
    "                  folder per class; train/ and test/ inside for the two splits);\n"
    "                  see 'tinyforge eval --help'\n"
    "  -o DIR          the output folder (created): NAME.tflite, checkpoint.tfgc,\n"
    "                  log.json, curves.svg, command.txt\n"
    "\n"
    "Recipe (defaults: the PyTorch peer's, ../shared/peers/torch_fmnist.py):\n"
    "  --epochs N      float training epochs (default 10)\n"
    "  --batch N       images per step (default 64)\n"
    "  --lr X          peak learning rate (default 0.05), cosine decay to 0\n"
    "  --warmup E      linear warm-up over E epochs first (default 0)\n"
    "  --wd X          weight decay on conv and FC weights (default 4e-5)\n"
    "  --momentum X    Nesterov momentum (default 0.9)\n"
    "  --smoothing X   label smoothing (default 0.1)\n"
    "  --dropout P     dropout before the classifier (default 0)\n"
    "  --translate N   random shifts of up to N pixels (default 2; 0: none)\n"
    "  --no-flip       no random horizontal flips (digits, text)\n"
    "  --erase P       random erasing with probability P (default 0)\n"
    "  --seed N        everything random: init, shuffles, augmentation (default 1)\n"
    "  --init FILE     start from the weights in FILE (a checkpoint.tfgc of the same\n"
    "                  architecture, e.g. another run's, or the weights 'tinyforge search'\n"
    "                  hands its final model) instead of a random initialization\n"
    "\n"
    "Quantization:\n"
    "  --qat-epochs N  quantization-aware fine-tuning epochs after float training\n"
    "                  (default 2; 0: post-training quantization only). Each QAT step's\n"
    "                  forward pass is the int8 engine itself on the freshly quantized\n"
    "                  weights (batch norm folded and frozen), so the exported model\n"
    "                  computes exactly what was trained; the backward pass is float.\n"
    "  --qat-lr X      QAT's peak learning rate (default 0.005), cosine decay to 0\n"
    "  --qat-delay N   QAT's first N steps run the float forward pass while the ranges\n"
    "                  settle, as TensorFlow's quant_delay (default 0: PTQ's ranges are\n"
    "                  a settled start)\n"
    "  --calib N       training images that calibrate the activation ranges (default 1000);\n"
    "                  QAT starts from them and follows their moving average\n"
    "Data:\n"
    "  --limit N       train on the first N training images only (quick looks)\n"
    "  --val N         hold out N training images for validation (default: 5,000, or\n"
    "                  a tenth of a smaller set; 0: none). The test split is used only\n"
    "                  for the accuracies reported at the end.\n"

    "\n"
    "Run:\n"
    "  --threads N     threads (default 2). The same seed and options give bit-identical\n"
    "                  weights for any thread count.\n"
    "  --resume        continue the run in DIR from its last checkpoint (the options\n"
    "                  must be the same; a run killed mid-epoch redoes that epoch and\n"
    "                  ends with the same weights as an uninterrupted one)\n"
    "  --float-io      float input and output (QUANTIZE/DEQUANTIZE at the edges)\n"
    "  --quiet         no progress (a live line on a terminal, a line per epoch otherwise)\n";

typedef struct {
    const char *arch, *data, *out, *init;
    int epochs, batch, threads, limit, val, calib, translate, qat_epochs, qat_delay;
    double lr, warmup, wd, momentum, smoothing, dropout, erase, qat_lr;
    uint64_t seed;
    bool no_flip, resume, float_io, quiet;
} args_t;

static int parse_num(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    const double x = strtod(v, &end);
    if (!*v || *end || errno || !(x >= lo && x <= hi)) {
        fprintf(stderr, "tinyforge: %s takes a number from %g to %g, not '%s'\n", opt, lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_int(const char *opt, const char *v, long lo, long hi, int *out)
{
    double x;
    if (parse_num(opt, v, (double)lo, (double)hi, &x) < 0) return -1;
    if (x != floor(x)) {
        fprintf(stderr, "tinyforge: %s takes a whole number, not '%s'\n", opt, v);
        return -1;
    }
    *out = (int)x;
    return 0;
}

/* ---- progress ---- */

typedef struct {
    bool tty, quiet;
    double t0;
    long steps_at_start; /* global steps done before this process started (resume) */
    int epoch_offset;    /* epochs before this trainer's (the float ones, during QAT) */
    int kill_epoch;      /* TFG_TRAIN_KILL_AT=E:S (tests) */
    long kill_step;
} ui_t;

static void fmt_time(double s, char *buf, size_t n)
{
    if (s < 0 || s > 1e7) s = 0;
    const long t = lround(s);
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static void progress(void *ctx, const tfg_train_progress_t *p)
{
    ui_t *ui = ctx;
    /* Test hook (tests/train.sh): SIGKILL ourselves after step S of overall
     * epoch E, exactly mid-epoch, as `kill -9` from outside would. */
    if (ui->kill_epoch > 0 && p->epoch + 1 + ui->epoch_offset == ui->kill_epoch && p->step == ui->kill_step &&
        !p->epoch_done)
        raise(SIGKILL);
    if (ui->quiet) return;
    const double el = cli_now() - ui->t0;
    const long done = p->global_step - ui->steps_at_start;
    char eta[32];
    fmt_time(done > 0 ? el / (double)done * (double)(p->total_steps - p->global_step) : 0, eta, sizeof eta);
    if (!p->epoch_done) {
        if (ui->tty && (p->step % 5 == 0 || p->step == p->steps))
            fprintf(stderr,
                    "\r%sepoch %d/%d  step %ld/%ld  loss %.4f  acc %.2f%%  %.0f img/s  lr %.4f  ETA %s   ",
                    ui->epoch_offset ? "QAT " : "", p->epoch + 1, p->epochs, p->step, p->steps, p->loss,
                    100.0 * p->accuracy, p->samples_per_s, p->lr, eta);
        return;
    }
    if (ui->tty) fprintf(stderr, "\r%100s\r", "");
    fprintf(stderr, "%sepoch %d/%d  loss %.4f  acc %.2f%%", ui->epoch_offset ? "QAT " : "", p->epoch + 1,
            p->epochs, p->loss, 100.0 * p->accuracy);
    if (p->val_loss >= 0) fprintf(stderr, "  val loss %.4f", p->val_loss);
    if (p->val_accuracy >= 0)
        fprintf(stderr, "  val acc%s %.2f%%", ui->epoch_offset ? " (int8)" : "", 100.0 * p->val_accuracy);
    fprintf(stderr, "  %.0f img/s  ETA %s\n", p->samples_per_s, eta);
}

/* ---- the log and the plot ---- */

static void json_num(FILE *f, double v)
{
    if (v < 0 || v != v)
        fprintf(f, "null");
    else
        fprintf(f, "%.6g", v);
}

typedef struct {
    double float_test, ptq_test;
    int32_t int8_correct, int8_total;
    const char *model;
} final_t;

/* Written whole and renamed over the old one, like the checkpoint. */
static int write_log(const char *dir, const char *command, const args_t *a, const tfg_epoch_log_t *h, int n,
                     const final_t *fin)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/log.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "{\n  \"command\": ");
    cli_json_str(f, command);
    fprintf(f, ",\n  \"arch\": ");
    cli_json_str(f, a->arch);
    fprintf(f, ",\n  \"data\": ");
    cli_json_str(f, a->data);
    fprintf(f, ",\n  \"blas\": ");
    cli_json_str(f,
                 tfg_gemm_backend()); /* its kernels round the products: the same bytes need the same ones */
    fprintf(f, ",\n  \"epochs_planned\": %d,\n  \"batch\": %d,\n  \"lr\": %g,\n  \"seed\": %llu,\n",
            a->epochs, a->batch, a->lr, (unsigned long long)a->seed);
    fprintf(f, "  \"epochs\": [");
    for (int e = 0; e < n; e++) {
        fprintf(f, "%s\n    {\"epoch\": %d, \"loss\": ", e ? "," : "", e + 1);
        json_num(f, h[e].loss);
        fprintf(f, ", \"accuracy\": ");
        json_num(f, h[e].accuracy);
        fprintf(f, ", \"val_loss\": ");
        json_num(f, h[e].val_loss);
        fprintf(f, ", \"val_accuracy\": ");
        json_num(f, h[e].val_accuracy);
        fprintf(f, ", \"lr\": %.6g, \"seconds\": %.3f, \"samples_per_s\": %.1f}", h[e].lr, h[e].seconds,
                h[e].samples_per_s);
    }
    fprintf(f, "\n  ]");
    if (fin) {
        fprintf(f, ",\n  \"float_test_accuracy\": ");
        json_num(f, fin->float_test);
        fprintf(f, ",\n  \"ptq_test_accuracy\": ");
        json_num(f, fin->ptq_test);
        fprintf(f, ",\n  \"int8_test_accuracy\": ");
        json_num(f, fin->int8_total ? (double)fin->int8_correct / fin->int8_total : -1);
        fprintf(f, ",\n  \"int8_test_correct\": %d,\n  \"int8_test_total\": %d,\n  \"model\": ",
                fin->int8_correct, fin->int8_total);
        cli_json_str(f, fin->model);
    }
    fprintf(f, "\n}\n");
    const bool ok = fclose(f) == 0;
    return ok && rename(tmp, path) == 0 ? 0 : -1;
}

/* Two panels: loss and accuracy per epoch, training and validation. */
static int write_plot(const char *dir, const char *title, const tfg_epoch_log_t *h, int n, int float_epochs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/curves.svg", dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    const int W = 420, H = 260, L = 56, R = 16, T = 34, B = 40;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"DejaVu Sans, "
            "sans-serif\" font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            2 * W, H + 24);
    fprintf(f, "<text x=\"%d\" y=\"16\" font-size=\"13\" text-anchor=\"middle\">", W);
    for (const char *s = title; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
    fprintf(f, "</text>\n");
    for (int panel = 0; panel < 2; panel++) {
        const int x0 = panel * W + L, x1 = panel * W + W - R, y0 = T, y1 = H - B + 24;
        double lo = 1e30, hi = -1e30;
        for (int e = 0; e < n; e++) {
            const double v[2] = {panel ? h[e].accuracy * 100 : h[e].loss,
                                 panel ? h[e].val_accuracy * 100 : h[e].val_loss};
            for (int k = 0; k < 2; k++)
                if (v[k] >= 0) lo = v[k] < lo ? v[k] : lo, hi = v[k] > hi ? v[k] : hi;
        }
        if (lo > hi) lo = 0, hi = 1;
        if (hi - lo < 1e-9) hi = lo + 1;
        const double pad = 0.05 * (hi - lo);
        lo -= pad, hi += pad;
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", x0,
                y0, x1 - x0, y1 - y0);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", (x0 + x1) / 2, y0 - 6,
                panel ? "accuracy (%)" : "loss");
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch</text>\n", (x0 + x1) / 2, y1 + 30);
        if (n > float_epochs && n > 1) { /* QAT's epochs: shaded */
            const double xq = x0 + (double)(x1 - x0) * (float_epochs - 0.5) / (n - 1);
            fprintf(
                f,
                "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#f3efe0\"/><text x=\"%.1f\" "
                "y=\"%d\">QAT</text>\n",
                xq, y0 + 1, x1 - xq - 1, y1 - y0 - 2, xq + 3, y1 - 4);
        }
        for (int t = 0; t <= 4; t++) {
            const double v = lo + (hi - lo) * t / 4.0;
            const double y = y1 - (y1 - y0) * t / 4.0;
            fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n", x0, x1, y, y);
            fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n", x0 - 4, y + 4,
                    panel ? 1 : 3, v);
        }
        const int every = (n + 11) / 12; /* at most about 12 epoch labels, the last always */
        for (int e = 0; e < n; e++) {
            const double x = n > 1 ? x0 + (double)(x1 - x0) * e / (n - 1) : (x0 + x1) / 2.0;
            if (e == n - 1 || (e % every == 0 && n - 1 - e > every / 2))
                fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x, y1 + 14, e + 1);
        }
        static const char *colors[2] = {"#1f77b4", "#d62728"};
        static const char *names[2] = {"training", "validation"};
        for (int k = 0; k < 2; k++) {
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colors[k]);
            int shown = 0;
            for (int e = 0; e < n; e++) {
                const double v = k ? (panel ? h[e].val_accuracy * 100 : h[e].val_loss)
                                   : (panel ? h[e].accuracy * 100 : h[e].loss);
                if (v < 0) continue;
                const double x = n > 1 ? x0 + (double)(x1 - x0) * e / (n - 1) : (x0 + x1) / 2.0;
                fprintf(f, "%.1f,%.1f ", x, y1 - (y1 - y0) * (v - lo) / (hi - lo));
                shown++;
            }
            fprintf(f, "\"/>\n");
            if (shown)
                fprintf(f,
                        "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"3\" fill=\"%s\"/><text x=\"%d\" "
                        "y=\"%d\">%s</text>\n",
                        /* loss falls and accuracy rises: the legend goes where the curves are not */
                        x1 - 90, panel ? y1 - 34 + 14 * k : y0 + 12 + 14 * k, colors[k], x1 - 76,
                        panel ? y1 - 30 + 14 * k : y0 + 16 + 14 * k, names[k]);
        }
    }
    fprintf(f, "</svg>\n");
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- data ---- */

/* A loaded history into the run's own array (sized for every epoch). */
static void adopt_history(tfg_epoch_log_t *hist, tfg_ckpt_state_t *cs)
{
    memcpy(hist, cs->hist, sizeof *hist * (size_t)cs->n_hist);
    free(cs->hist);
    cs->hist = hist;
}

static long steps_per_epoch(int n, int batch)
{
    return n / batch + (n % batch >= 2 ? 1 : 0);
}

/* The options that shape the weights (not threads, not output). */
static uint64_t fingerprint(const args_t *a, const tfg_net_t *net)
{
    char buf[512];
    uint64_t h = tfg_fingerprint(0, "tinyforge-train-1");
    for (int i = 0; i < net->n; i++) {
        const tfg_nn_layer_t *l = &net->layers[i];
        snprintf(buf, sizeof buf, "%d %d %d %d %d %d %d %d %d %d %d", l->kind, l->in, l->in2, l->h, l->w,
                 l->c, l->k_h, l->k_w, l->stride, l->act, l->bn);
        h = tfg_fingerprint(h, buf);
    }
    /* Rates at float precision (%.7g): the trainer takes them as floats. */
    snprintf(buf, sizeof buf, "%s|%d|%d|%.7g|%.7g|%.7g|%.7g|%.7g|%.7g|%.7g|%d|%d|%d|%.7g|%d|%llu|%d|%d",
             a->data, a->epochs, a->batch, a->lr, a->warmup, a->wd, a->momentum, a->smoothing, a->dropout,
             a->erase, a->translate, a->no_flip, a->qat_epochs, a->qat_lr, a->calib,
             (unsigned long long)a->seed, a->limit, a->val);
    h = tfg_fingerprint(h, buf);
    if (a->qat_delay) { /* options added later join only when set, so older checkpoints still resume */
        snprintf(buf, sizeof buf, "qat-delay %d", a->qat_delay);
        h = tfg_fingerprint(h, buf);
    }
    if (a->init) h = tfg_fingerprint(h, a->init);
    return h;
}

static const char *base_name(const char *arch, char *buf, size_t n)
{
    const char *s = strrchr(arch, '/');
    s = s ? s + 1 : arch;
    snprintf(buf, n, "%s", s);
    char *dot = strrchr(buf, '.');
    if (dot && !strcmp(dot, ".json")) *dot = 0;
    return buf;
}

int cli_train(int argc, char **argv)
{
    /* The recipe's defaults are the library's (the PyTorch peer's); the rest are the command's. */
    const tfg_train_opts_t def = tfg_train_default_opts();
    args_t a = {.epochs = def.epochs,
                .batch = def.batch,
                .lr = def.lr,
                .wd = def.weight_decay,
                .momentum = def.momentum,
                .smoothing = def.label_smoothing,
                .translate = def.translate,
                .seed = def.seed,
                .threads = 2,
                .val = -1,
                .calib = 1000,
                .qat_epochs = 2,
                .qat_lr = 0.005};
    const char *v_epochs = NULL, *v_batch = NULL, *v_lr = NULL, *v_seed = NULL, *v_threads = NULL,
               *v_limit = NULL, *v_val = NULL, *v_calib = NULL, *v_warmup = NULL, *v_wd = NULL, *v_mom = NULL,
               *v_smooth = NULL, *v_drop = NULL, *v_translate = NULL, *v_erase = NULL, *v_qat = NULL,
               *v_qat_lr = NULL, *v_qat_delay = NULL;
    const cli_opt_t opts[] = {{"--data", &a.data, NULL},
                              {"--init", &a.init, NULL},
                              {"-o", &a.out, NULL},
                              {"--epochs", &v_epochs, NULL},
                              {"--batch", &v_batch, NULL},
                              {"--lr", &v_lr, NULL},
                              {"--seed", &v_seed, NULL},
                              {"--threads", &v_threads, NULL},
                              {"--limit", &v_limit, NULL},
                              {"--val", &v_val, NULL},
                              {"--calib", &v_calib, NULL},
                              {"--warmup", &v_warmup, NULL},
                              {"--wd", &v_wd, NULL},
                              {"--momentum", &v_mom, NULL},
                              {"--smoothing", &v_smooth, NULL},
                              {"--dropout", &v_drop, NULL},
                              {"--translate", &v_translate, NULL},
                              {"--erase", &v_erase, NULL},
                              {"--no-flip", NULL, &a.no_flip},
                              {"--resume", NULL, &a.resume},
                              {"--float-io", NULL, &a.float_io},
                              {"--quiet", NULL, &a.quiet},
                              {"--qat-epochs", &v_qat, NULL},
                              {"--qat-lr", &v_qat_lr, NULL},
                              {"--qat-delay", &v_qat_delay, NULL},
                              {NULL, NULL, NULL}};
    const int pr = cli_parse_args(argc, argv, "train", TRAIN_HELP, NULL, NULL, opts, &a.arch);
    if (pr >= 0) return pr;
    if (!a.arch || !a.data || !a.out) {
        fprintf(stderr, "tinyforge: train needs ARCH, --data SPEC and -o DIR, e.g.\n"
                        "  tinyforge train ../shared/archs/fm-mbv2-tiny.json --data fashion-mnist -o out\n"
                        "(see tinyforge train --help)\n");
        return 2;
    }
    double x;
    if ((v_epochs && parse_int("--epochs", v_epochs, 1, 100000, &a.epochs) < 0) ||
        (v_batch && parse_int("--batch", v_batch, 2, 65536, &a.batch) < 0) ||
        (v_lr && parse_num("--lr", v_lr, 1e-9, 100, &a.lr) < 0) ||
        (v_threads && parse_int("--threads", v_threads, 1, 256, &a.threads) < 0) ||
        (v_limit && parse_int("--limit", v_limit, 2, 2000000000, &a.limit) < 0) ||
        (v_val && parse_int("--val", v_val, 0, 2000000000, &a.val) < 0) ||
        (v_calib && parse_int("--calib", v_calib, 1, 1000000, &a.calib) < 0) ||
        (v_warmup && parse_num("--warmup", v_warmup, 0, 100000, &a.warmup) < 0) ||
        (v_wd && parse_num("--wd", v_wd, 0, 1, &a.wd) < 0) ||
        (v_mom && parse_num("--momentum", v_mom, 0, 0.999, &a.momentum) < 0) ||
        (v_smooth && parse_num("--smoothing", v_smooth, 0, 0.999, &a.smoothing) < 0) ||
        (v_drop && parse_num("--dropout", v_drop, 0, 0.95, &a.dropout) < 0) ||
        (v_translate && parse_int("--translate", v_translate, 0, 64, &a.translate) < 0) ||
        (v_erase && parse_num("--erase", v_erase, 0, 1, &a.erase) < 0) ||
        (v_qat && parse_int("--qat-epochs", v_qat, 0, 100000, &a.qat_epochs) < 0) ||
        (v_qat_lr && parse_num("--qat-lr", v_qat_lr, 1e-9, 100, &a.qat_lr) < 0) ||
        (v_qat_delay && parse_int("--qat-delay", v_qat_delay, 0, 1000000000, &a.qat_delay) < 0) ||
        (v_seed && parse_num("--seed", v_seed, 0, 9007199254740992.0, &x) < 0))
        return 2;
    if (v_seed) a.seed = (uint64_t)x;

    /* The net first: its resolution decides how the images are read. */
    tfg_diag_t d = {{0}};
    tfg_net_t net = {0};
    tfg_dataset_t train = {0}, val = {0}, test = {0};
    tfg_trainer_t *tr = NULL;
    tfg_pool_t *pool = NULL;
    tfg_net_t folded = {0};
    float *mins = NULL, *maxs = NULL;
    tfg_epoch_log_t *hist = NULL;
    int rc = 1;
    char command[8192] = "tinyforge train", name[256], path[4096];
    for (int i = 1; i < argc; i++) {
        const size_t at = strlen(command);
        snprintf(command + at, sizeof command - at, " %s", argv[i]);
    }
    if (tfg_zoo_net(a.arch, &net, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        return 1;
    }
    const tfg_nn_layer_t *in = &net.layers[0];
    if (tfg_data_open(a.data, "train", in->h, in->w, 0, &train, &d) < 0 ||
        tfg_data_open(a.data, "test", in->h, in->w, train.c, &test, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        goto done;
    }
    if (tfg_net_retarget(&net, train.c, train.classes) < 0) {
        fprintf(stderr,
                "tinyforge: error: %s: cannot fit it to %d input channels and %d classes (the net must start "
                "with convs on its input and end in a classifier)\n",
                a.arch, train.c, train.classes);
        goto done;
    }
    if (test.classes > train.classes) {
        fprintf(stderr, "tinyforge: error: %s: the test split has %d classes, the training split %d\n",
                a.data, test.classes, train.classes);
        goto done;
    }
    test.classes = train.classes;
    if (a.limit > 0 && a.limit < train.n) train.n = a.limit;
    if (a.val < 0) a.val = train.n >= 50000 ? 5000 : train.n / 10;
    if (a.val >= train.n - 1) {
        fprintf(stderr, "tinyforge: error: --val %d leaves fewer than 2 of the %d training images\n", a.val,
                train.n);
        goto done;
    }
    if (tfg_dataset_split(&train, a.val, a.seed, &val) < 0) {
        fprintf(stderr, "tinyforge: error: out of memory\n");
        goto done;
    }
    if (tfg_net_init_train(&net, a.seed) < 0) {
        fprintf(stderr, "tinyforge: error: out of memory\n");
        goto done;
    }
    if (a.init && tfg_checkpoint_load_weights(a.init, &net, &d) < 0) {
        fprintf(stderr, "tinyforge: error: --init: %s\n", d.msg);
        goto done;
    }
    const int logits = net.layers[net.n - 1].kind == TFG_NN_SOFTMAX ? net.layers[net.n - 1].in : net.n - 1;
    net.layers[logits].dropout = (float)a.dropout;

    if (mkdir(a.out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "tinyforge: error: cannot create %s: %s\n", a.out, strerror(errno));
        goto done;
    }
    char ckpt[4096];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint.tfgc", a.out);
    const bool have_ckpt = access(ckpt, F_OK) == 0;
    if (have_ckpt && !a.resume) {
        fprintf(stderr,
                "tinyforge: error: %s already holds a training run (checkpoint.tfgc): add --resume to "
                "continue it, or choose another -o\n",
                a.out);
        goto done;
    }
    tfg_train_opts_t o = tfg_train_default_opts();
    o.epochs = a.epochs, o.batch = a.batch, o.lr = (float)a.lr, o.momentum = (float)a.momentum;
    o.weight_decay = (float)a.wd, o.label_smoothing = (float)a.smoothing, o.warmup_epochs = (float)a.warmup;
    o.seed = a.seed, o.translate = a.translate, o.no_flip = a.no_flip, o.erase = (float)a.erase;
    pool = tfg_pool_create(a.threads);
    mins = calloc((size_t)net.n, sizeof(float)), maxs = calloc((size_t)net.n, sizeof(float));
    hist = calloc((size_t)(a.epochs + a.qat_epochs + 1), sizeof *hist);
    if (!pool || !mins || !maxs || !hist || tfg_net_copy(&folded, &net) < 0) {
        fprintf(stderr, "tinyforge: error: out of memory\n");
        goto done;
    }
    const uint64_t fp = fingerprint(&a, &net);
    tfg_ckpt_state_t cs = {.fingerprint = fp, .hist = hist};
    int start = 0;
    bool resume_qat = false;
    if (have_ckpt && tfg_checkpoint_peek(ckpt, &start, &resume_qat, &d) < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        goto done;
    }
    snprintf(path, sizeof path, "%s/command.txt", a.out);
    FILE *cf = fopen(path, "w");
    if (cf) fprintf(cf, "%s\n", command), fclose(cf);
    base_name(a.arch, name, sizeof name);
    if (!a.quiet) {
        fprintf(stderr,
                "%s: %d layers, %d training images (%d held out for validation), %d test images, %dx%dx%d, "
                "%d classes; %d float + %d QAT epochs of %d, %d thread%s\n",
                a.arch, net.n, train.n, val.n, test.n, train.h, train.w, train.c, train.classes, a.epochs,
                a.qat_epochs, a.batch, a.threads, a.threads == 1 ? "" : "s");
        if (have_ckpt)
            fprintf(stderr, "resuming %s after epoch %d\n", a.out, start);
        else if (a.resume)
            fprintf(stderr, "no checkpoint in %s yet: starting from the beginning\n", a.out);
    }
    ui_t ui = {isatty(fileno(stderr)) != 0, a.quiet, cli_now(), 0, 0, 0, 0};
    const char *kill_at = getenv("TFG_TRAIN_KILL_AT");
    if (kill_at && sscanf(kill_at, "%d:%ld", &ui.kill_epoch, &ui.kill_step) != 2) ui.kill_epoch = 0;

    /* 1. Float training (batch norm in training mode). */
    if (!resume_qat) {
        tr = tfg_trainer_create(&net, &train, val.n ? &val : NULL, &o, a.threads, &d);
        if (!tr) {
            fprintf(stderr, "tinyforge: error: %s\n", d.msg);
            goto done;
        }
        if (have_ckpt) {
            if (tfg_checkpoint_load(ckpt, &net, tfg_trainer_params(tr), &cs, &d) < 0) {
                fprintf(stderr, "tinyforge: error: %s\n", d.msg);
                goto done;
            }
            adopt_history(hist, &cs);
            tfg_trainer_set_epoch(tr, start);
        }
        ui.steps_at_start = steps_per_epoch(train.n, a.batch) * start;
        for (int e = start; e < a.epochs; e++) {
            const double t0 = cli_now();
            const tfg_train_progress_t p = tfg_trainer_epoch(tr, progress, &ui);
            hist[cs.n_hist++] = (tfg_epoch_log_t){p.loss, p.accuracy,     p.val_loss,     p.val_accuracy,
                                                  p.lr,   cli_now() - t0, p.samples_per_s};
            cs.next_epoch = e + 1, cs.hist = hist;
            if (tfg_checkpoint_save(ckpt, &net, tfg_trainer_params(tr), &cs, &d) < 0) {
                fprintf(stderr, "tinyforge: error: %s\n", d.msg);
                goto done;
            }
            write_log(a.out, command, &a, hist, cs.n_hist, NULL);
            write_plot(a.out, name, hist, cs.n_hist, a.epochs);
        }
        tfg_trainer_free(tr);
        tr = NULL;
        /* Batch norm folded (running statistics, frozen from here on). */
        tfg_net_free(&folded);
        if (tfg_net_copy(&folded, &net) < 0) {
            fprintf(stderr, "tinyforge: error: out of memory\n");
            goto done;
        }
        tfg_net_fold_bn(&folded);
    } else {
        tfg_net_fold_bn(&folded); /* the shapes; the checkpoint brings the weights */
    }

    /* 2. Post-training quantization: ranges on training images, the graph, its accuracy. */
    float *calib = tfg_train_calibration_images(&train, a.calib);
    const int n_calib = a.calib < train.n ? a.calib : train.n;
    if (!calib || tfg_train_ranges(&folded, calib, n_calib, pool, mins, maxs) < 0) {
        free(calib);
        fprintf(stderr, "tinyforge: error: out of memory in calibration\n");
        goto done;
    }
    free(calib);
    final_t fin = {-1, -1, 0, 0, NULL};
    if (!resume_qat) {
        fin.float_test = tfg_eval_float(&folded, &test, pool, NULL);
        tfg_graph_t pg;
        tfg_model_t pm;
        tfg_eval_t ev;
        const tfg_pass_opts_t po = {0};
        if (tfg_zoo_quantize_trained(&folded, mins, maxs, a.float_io, &pg, &d) < 0 ||
            tfg_model_prepare(&pm, &pg, &po, &d) < 0) {
            fprintf(stderr, "tinyforge: error: quantizing: %s\n", d.msg);
            goto done;
        }
        const tfg_status_t es = tfg_eval_model(&pm, NULL, &test, test.n, pool, NULL, NULL, &ev, &d);
        tfg_model_free(&pm);
        if (es < 0) {
            fprintf(stderr, "tinyforge: error: evaluating the PTQ model: %s\n", d.msg);
            goto done;
        }
        fin.ptq_test = (double)ev.correct / ev.total;
        tfg_eval_free(&ev);
        cs.float_test = fin.float_test, cs.ptq_test = fin.ptq_test;
        if (!a.quiet)
            fprintf(stderr, "float test accuracy %.2f%%, after PTQ %.2f%%%s\n", 100 * fin.float_test,
                    100 * fin.ptq_test, a.qat_epochs ? "; quantization-aware fine-tuning" : "");
    }

    /* 3. Quantization-aware training: the int8 engine's forward pass. */
    tfg_graph_t g;
    if (a.qat_epochs > 0) {
        tfg_train_opts_t oq = o;
        oq.epochs = a.qat_epochs, oq.lr = (float)a.qat_lr, oq.warmup_epochs = 0;
        const tfg_qat_opts_t qo = {.ema = 0.99f, .delay = a.qat_delay};
        tr = tfg_trainer_create(&folded, &train, val.n ? &val : NULL, &oq, a.threads, &d);
        if (!tr || tfg_trainer_start_qat(tr, mins, maxs, &qo, &d) < 0) {
            fprintf(stderr, "tinyforge: error: %s\n", d.msg);
            goto done;
        }
        int qstart = 0;
        if (resume_qat) {
            float *qmax, *qmin = tfg_trainer_qat_ranges(tr, &qmax);
            cs.mins = qmin, cs.maxs = qmax;
            if (tfg_checkpoint_load(ckpt, &folded, tfg_trainer_params(tr), &cs, &d) < 0) {
                fprintf(stderr, "tinyforge: error: %s\n", d.msg);
                goto done;
            }
            adopt_history(hist, &cs);
            fin.float_test = cs.float_test, fin.ptq_test = cs.ptq_test;
            qstart = start - a.epochs;
            tfg_trainer_set_epoch(tr, qstart);
        }
        ui.t0 = cli_now();
        ui.epoch_offset = a.epochs;
        ui.steps_at_start = steps_per_epoch(train.n, a.batch) * qstart;
        for (int e = qstart; e < a.qat_epochs; e++) {
            const double t0 = cli_now();
            const tfg_train_progress_t p = tfg_trainer_epoch(tr, progress, &ui);
            if (tfg_trainer_error(tr)) {
                fprintf(stderr, "tinyforge: error: QAT: %s\n", tfg_trainer_error(tr));
                goto done;
            }
            hist[cs.n_hist++] = (tfg_epoch_log_t){p.loss, p.accuracy,     p.val_loss,     p.val_accuracy,
                                                  p.lr,   cli_now() - t0, p.samples_per_s};
            float *qmax, *qmin = tfg_trainer_qat_ranges(tr, &qmax);
            cs.mins = qmin, cs.maxs = qmax, cs.next_epoch = a.epochs + e + 1, cs.hist = hist;
            if (tfg_checkpoint_save(ckpt, &folded, tfg_trainer_params(tr), &cs, &d) < 0) {
                fprintf(stderr, "tinyforge: error: %s\n", d.msg);
                goto done;
            }
            write_log(a.out, command, &a, hist, cs.n_hist, NULL);
            write_plot(a.out, name, hist, cs.n_hist, a.epochs);
        }
        if (tfg_trainer_qat_graph(tr, a.float_io, &g, &d) < 0) {
            fprintf(stderr, "tinyforge: error: quantizing: %s\n", d.msg);
            goto done;
        }
    } else if (tfg_zoo_quantize_trained(&folded, mins, maxs, a.float_io, &g, &d) < 0) {
        fprintf(stderr, "tinyforge: error: quantizing: %s\n", d.msg);
        goto done;
    }

    /* 4. The file, read back and measured by the engine as `eval` measures it. */
    char model[4096];
    snprintf(model, sizeof model, "%s/%s.tflite", a.out, name);
    fin.model = model;
    const tfg_status_t ws = tfg_tflite_write_file(&g, model, &d);
    tfg_graph_free(&g);
    if (ws < 0) {
        fprintf(stderr, "tinyforge: error: %s\n", d.msg);
        goto done;
    }
    tfg_model_t m;
    const tfg_pass_opts_t po = {0};
    if (tfg_model_load(model, &po, &m, &d) < 0) {
        fprintf(stderr, "tinyforge: error: reading back %s: %s\n", model, d.msg);
        goto done;
    }
    tfg_eval_t ev;
    const tfg_status_t es = tfg_eval_model(&m, NULL, &test, test.n, pool, NULL, NULL, &ev, &d);
    tfg_model_free(&m);
    if (es < 0) {
        fprintf(stderr, "tinyforge: error: evaluating %s: %s\n", model, d.msg);
        goto done;
    }
    fin.int8_correct = ev.correct, fin.int8_total = ev.total;
    tfg_eval_free(&ev);
    write_log(a.out, command, &a, hist, cs.n_hist, &fin);
    write_plot(a.out, name, hist, cs.n_hist, a.epochs); /* also after resuming a finished run */
    printf("%s: float %.2f%%, PTQ %.2f%%, int8%s %.2f%% (%d of %d test images, measured on the file)\n",
           model, 100.0 * fin.float_test, 100.0 * fin.ptq_test, a.qat_epochs ? " after QAT" : "",
           100.0 * fin.int8_correct / fin.int8_total, fin.int8_correct, fin.int8_total);
    rc = 0;
done:
    free(mins);
    free(maxs);
    tfg_net_free(&folded);
    tfg_trainer_free(tr);
    tfg_pool_destroy(pool);
    free(hist);
    tfg_dataset_free(&train);
    tfg_dataset_free(&val);
    tfg_dataset_free(&test);
    tfg_net_free(&net);
    return rc;
}
