/* Code generator: a planned model -> plain C99 for a microcontroller.
 *
 * Output in DIR:
 *   NAME.h          upper-case macros (arena size and alignment, constant
 *                   bytes, I/O sizes, geometry, quantization and arena
 *                   offsets), NAME_input_ptr/NAME_output_ptr and
 *                   NAME_invoke() (zero copy), NAME_run() (copying); C and C++
 *   NAME.c          every constant (weights, folded biases, multipliers) as
 *                   static const data, one parameter struct and one kernel
 *                   call per layer, arena offsets as named constants
 *   NAME.mem.json   the memory plan: arena, buffers, per-layer live bytes
 *   tinyforge/      the runtime headers
 *   runtime/        the runtime kernels this model uses, and no others
 * Build with: cc -std=c99 -I DIR DIR/NAME.c DIR/runtime/ *.c
 * There is no interpreter: NAME_invoke() is a straight sequence of calls whose
 * parameters the host executor uses too, so both give identical bytes. */
#ifndef TFG_CODEGEN_H
#define TFG_CODEGEN_H

#include "exec/exec.h"
#include "sched/sched.h"
#include "tinyforge/frame.h"
#include "tinyforge/yolo.h"

#define TFG_VERSION "0.1.0"

typedef struct {
    const char *name;    /* C identifier used as the symbol prefix */
    const char *target;  /* host, cortex-m4, ... (recorded; selects kernel paths later) */
    const char *command; /* the command line, for the front matter */
    const char *model_path;
    const uint8_t *model_bytes; /* for the model hash */
    size_t model_len;
    const tfg_sched_plan_t *sched; /* a patched schedule (sched/sched.h), or NULL: layer by layer */
    const struct tfg_codegen_detect_s *detect; /* NULL, or emit NAME_detect (below) */
} tfg_codegen_opts_t;

/* compile --postprocess yolo: NAME_detect(frame, arena, boxes, max_boxes,
 * stats) converts a camera frame into the arena's input (tfg_frame_to_input),
 * runs the network and decodes the heads (tfg_yolo_detect) with its tables
 * and thresholds as const data, the candidates' scratch in the arena's free
 * space after the network (the outputs stay intact; the arena grows when
 * there is not enough). Not with a streamed input. */
typedef struct tfg_codegen_detect_s {
    const tfg_yolo_params_t *yolo; /* checked by tfg_yolo_setup */
    const int *output;             /* head i is model output output[i] */
    tfg_frame_params_t frame;      /* checked by tfg_frame_setup; lut [c][256] */
    float lo, hi;                  /* the pixel range the tables fold in (recorded in comments) */
    int32_t max_candidates;        /* the scratch holds this many (>= 1) */
} tfg_codegen_detect_t;

/* Where NAME_detect's scratch goes for max_candidates: the first 4-aligned
 * gap between the outputs (the rest of the arena is free once the network
 * has run) that holds it, else after the last output, growing the arena.
 * arena_in: the network's arena; *arena: the arena with the scratch. */
void tfg_codegen_detect_layout(const tfg_model_t *m, const tfg_sched_plan_t *sp, int32_t max_candidates,
                               size_t *scratch_off, size_t *arena);

tfg_status_t tfg_codegen(const tfg_model_t *m, const char *out_dir, const tfg_codegen_opts_t *o,
                         tfg_diag_t *d);

/* The bytes of constant arrays the generated source holds (what its header
 * states as flash constants), without writing it: conv weights packed as
 * for 32-bit MCUs when `packed`. */
int64_t tfg_codegen_constant_bytes(const tfg_model_t *m, bool packed);

/* The flash a model generated with a schedule takes on the Cortex-M4, as
 * `bench` reports it (model_flash_bytes: the model's constants and code, not
 * the test harness), without a cross compiler. Every part is exact but the
 * generated functions' machine code, estimated per call (docs/codegen.md). */
typedef struct {
    int64_t constants; /* weight, bias, requantization and index arrays */
    int64_t structs;   /* the layers' parameter structs and the patch stage's tile table */
    int64_t runtime;   /* the runtime functions the model links and their tables */
    int64_t generated; /* the model's own functions (estimated) */
    int64_t total;
} tfg_flash_t;

/* split, ph, pw: the schedule (split -1, 1, 1: layer by layer); variant: each
 * step's kernel variant in it, or NULL for the model's own. */
tfg_status_t tfg_codegen_flash(const tfg_model_t *m, int split, int ph, int pw, const int32_t *variant,
                               tfg_flash_t *f, tfg_diag_t *d);

/* The targets `compile` accepts (NULL-terminated). */
extern const char *const tfg_codegen_targets[];

#endif
