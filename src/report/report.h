/* Memory and schedule report: one data model, several renderings.
 *
 * tfg_report_build collects what `tinyforge plan` knows about a planned
 * model and its patch-schedule candidates into plain numbers: per-step live
 * bytes split by the role each buffer plays at that step, every buffer's
 * place in the arena, the candidates' (peak, MACs), the chosen schedule's
 * tile grid and a per-layer table. The renderers (report_html.c,
 * report_svg.c, report_json.c) only draw these numbers.
 *
 * Invariants: the layer-by-layer layout is the model's own plan (m->plan),
 * and a patched layout is the scheduler's (tfg_sched_layout), so every figure
 * shows the bytes the executor and the generated code use. At every step the
 * role totals add up to the layout's step_live. */
#ifndef TFG_REPORT_H
#define TFG_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "exec/exec.h"
#include "sched/sched.h"

/* What a live buffer is doing at one step. */
typedef enum {
    TFG_ROLE_NONE,    /* not live */
    TFG_ROLE_KEPT,    /* live but untouched: a residual, the image, a stage output being assembled */
    TFG_ROLE_READ,    /* an input of the step */
    TFG_ROLE_WRITTEN, /* the step's output (in place: also its input) */
    TFG_ROLE_SCRATCH, /* the step's kernel scratch */
    TFG_ROLES
} tfg_role_t;

const char *tfg_role_name(tfg_role_t r); /* "kept", "read", ... */

typedef struct {
    char name[96];   /* the tensor's name, "scratch" */
    int tensor;      /* representative tensor, -1 for scratch */
    int step;        /* scratch: the step it serves; else -1 */
    bool scratch;    /* kernel scratch */
    bool region;     /* one tile's region of a patch-stage tensor */
    bool image;      /* holds the model input */
    bool output;     /* holds a model output */
    int first, last; /* live steps, inclusive */
    size_t offset, size;
    int tie; /* 1 + the buffer this one is written over (an in-place pool: same offset), 0: none */
} tfg_report_buf_t;

/* One arena layout: layer by layer, or a patched schedule (stage steps are
 * per patch: every tile reuses the same buffers). */
typedef struct {
    bool valid;
    int split, ph, pw; /* split -1: layer by layer */
    bool streamed;     /* the image is read from outside the arena */
    tfg_report_buf_t *bufs;
    int n_bufs;
    size_t *step_live, *step_top; /* [n_steps] */
    size_t *role_bytes;           /* [n_steps * TFG_ROLES] */
    uint8_t *role;                /* [n_steps * n_bufs]: tfg_role_t */
    size_t peak, lower_bound;
    int peak_step; /* the most live step; where the arena top is reached when fragmented */
    const char *placement;
} tfg_report_layout_t;

typedef struct {
    char target[32], mcu[48]; /* "cortex-m4", "STM32F412ZG" */
    size_t flash, sram;       /* bytes */
} tfg_budget_t;

/* The MCU budget of a target (targets/boards.tsv, embedded at build time);
 * TFG_ERR_ARG naming the known targets when there is none. */
tfg_status_t tfg_target_budget(const char *target, tfg_budget_t *b, tfg_diag_t *d);
/* The known targets, space-separated. */
void tfg_target_list(char *buf, size_t n);

typedef struct {
    int step, op;     /* step index, model op index */
    const char *type; /* op name */
    char in_shape[48], out_shape[48];
    int64_t macs, params; /* params: bytes of the constants the op reads */
    size_t scratch;
    bool in_place;
    long long insns; /* from bench data, -1 when none */
} tfg_report_layer_t;

typedef struct {
    tfg_region_t tile;  /* on the stage output */
    tfg_region_t input; /* the image region it reads, halo included */
} tfg_report_tile_t;

typedef struct {
    const char *model;          /* name shown (the path given) */
    const char *choice;         /* how the schedule was chosen (text) */
    const char *sram_from;      /* "--sram" or the target's name; NULL: no limit */
    size_t sram_limit;          /* 0: none */
    bool stream;                /* --stream-input */
    double max_overhead;        /* the MAC cap of the choice (for the front's marker); 0: none */
    const tfg_budget_t *budget; /* NULL: no target */
} tfg_report_opts_t;

typedef struct {
    const tfg_model_t *m;
    tfg_report_opts_t o;
    tfg_budget_t budget;
    bool has_budget;
    int64_t macs, weights;
    tfg_sched_set_t set; /* a copy of the candidates */
    int chosen;
    tfg_report_layout_t lbl; /* layer by layer: the model's plan */
    tfg_report_layout_t
        patched; /* the chosen schedule when patched, else the front's lowest peak; may be invalid */
    bool patched_chosen;
    int patched_index;          /* candidate index of `patched`, -1 */
    tfg_report_layer_t *layers; /* [n_steps] */
    int n_layers;
    tfg_report_tile_t *tiles; /* [ph * pw] of `patched`, row-major */
    int n_tiles;
    /* bench data */
    bool has_bench;
    char bench_target[32];
    long long bench_insns;
    int bench_stage_step; /* the step carrying a patched bench's stage count, -1 */
} tfg_report_t;

/* Build the report for a planned model and its candidates (copied; `chosen`
 * indexes them). On failure everything is freed. */
tfg_status_t tfg_report_build(const tfg_model_t *m, const tfg_sched_set_t *set, int chosen,
                              const tfg_report_opts_t *o, tfg_report_t *r, tfg_diag_t *d);
void tfg_report_free(tfg_report_t *r);

/* Per-layer instruction counts from `tinyforge bench --json --layers`
 * output; fails with a message naming the file and the mismatch when the
 * data is not for this model (a layer's op or MACs differ) or has no layers. */
tfg_status_t tfg_report_load_bench(tfg_report_t *r, const char *path, tfg_diag_t *d);
/* The same from JSON text in memory (`path` names it in messages). */
tfg_status_t tfg_report_load_bench_text(tfg_report_t *r, const char *text, size_t len, const char *path,
                                        tfg_diag_t *d);

typedef enum { TFG_REPORT_HTML, TFG_REPORT_JSON, TFG_REPORT_SVG, TFG_REPORT_MD } tfg_report_format_t;
typedef enum { TFG_FIG_TIMELINE, TFG_FIG_ARENA, TFG_FIG_FRONT, TFG_FIG_GRID } tfg_report_figure_t;

/* Write the report; TFG_ERR_IO when the stream fails. The SVG format writes
 * one figure; the others ignore `fig`. */
tfg_status_t tfg_report_write(const tfg_report_t *r, tfg_report_format_t fmt, tfg_report_figure_t fig,
                              FILE *f);

/* The tensor a patched stage's tiles read their input regions of: the model
 * input, or what the layout ops at its start make of it (tfg_sched_lead_t). */
int tfg_report_source(const tfg_model_t *m);
/* How many steps at the start those layout ops are (they do not run per tile: 0 or 1). */
int tfg_report_lead_steps(const tfg_model_t *m);

/* Renderers (report_*.c). */
void tfg_report_html(const tfg_report_t *r, FILE *f);
void tfg_report_md(const tfg_report_t *r, FILE *f);
void tfg_report_json(const tfg_report_t *r, FILE *f);
/* One figure as a standalone SVG element (with its xmlns). */
void tfg_report_svg(const tfg_report_t *r, tfg_report_figure_t fig, FILE *f);
/* The arena map of one layout (the HTML shows layer by layer beside a chosen
 * patched schedule). */
void tfg_report_svg_arena(const tfg_report_t *r, const tfg_report_layout_t *l, FILE *f);

/* The model-wide figures `plan`, `info` and the report print: the MACs of
 * every op, and the bytes of the constants live ops read (flash). */
int64_t tfg_graph_macs(const tfg_graph_t *g);
int64_t tfg_graph_weights_bytes(const tfg_graph_t *g);
/* A float32 or uint8 model input or output (what --int8-io drops). */
bool tfg_graph_float_edges(const tfg_graph_t *g);

/* Helpers shared by the renderers. */
/* The layout's figure: its peak (the chosen schedule's arena). */
const tfg_report_layout_t *tfg_report_chosen_layout(const tfg_report_t *r);
/* "layer by layer", "4x4@7" (grid over op 7's output). */
void tfg_report_schedule_name(const tfg_report_t *r, int candidate, char *buf, size_t n);
/* 55360 -> "55,360" */
void tfg_report_thousands(long long v, char *buf, size_t n);
/* Text with &, <, >, " escaped for XML/HTML. */
void tfg_report_xml_text(FILE *f, const char *s);

#endif
