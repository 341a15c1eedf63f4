/* libFuzzer harness over the whole load path: reader, validator, passes,
 * lowering and planner (tfg_model_load_mem), and, for models small enough to
 * run quickly, the host executor and its kernels.
 *
 * Each input is loaded twice, with the default pass options and with int8
 * I/O (the edge-quantization stripping pass changes the graph the planner
 * sees). A model that loads gets an arena of exactly plan.peak bytes, so an
 * out-of-arena access by a kernel is an ASan report, and inputs derived
 * deterministically from the fuzz data. Only one of the two loads is run (which
 * one is picked from the data hash), and invoke is skipped above the arena and
 * MAC limits below, so each execution stays in the millisecond range.
 *
 * Invariants: everything allocated here is freed on every path (libFuzzer's
 * leak detection is on); the library must never crash, whatever the bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"

#define FUZZ_MAX_ARENA ((size_t)4 << 20)
#define FUZZ_MAX_IO ((size_t)4 << 20)
/* Under ASan a MAC costs ~10 ns; 4 M keeps an execution under ~50 ms and
 * still runs the small shared models (hello_world, micro_speech, ad01, kws)
 * and most of their mutants. */
#define FUZZ_MAX_MACS (INT64_C(4) * 1000 * 1000)

/* FNV-1a over the data: seed for the input generator, so the same fuzz
 * input always runs with the same model inputs (reproducible crashes). */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * UINT64_C(0x100000001b3);
    return h;
}

static void fill_bytes(uint8_t *dst, size_t n, uint64_t seed)
{
    uint64_t s = seed | 1;
    for (size_t i = 0; i < n; i++) {
        /* xorshift64 */
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        dst[i] = (uint8_t)(s >> 24);
    }
}

static void run_model(const tfg_model_t *m, uint64_t seed)
{
    int64_t macs = 0;
    for (int i = 0; i < m->prog.n_steps; i++) macs += m->prog.steps[i].macs;
    if (m->plan.peak > FUZZ_MAX_ARENA || macs > FUZZ_MAX_MACS) return;
    const size_t in_bytes = tfg_model_input_bytes(m), out_bytes = tfg_model_output_bytes(m);
    if (in_bytes > FUZZ_MAX_IO || out_bytes > FUZZ_MAX_IO) return;

    /* Exactly peak bytes: any access past the arena is caught by ASan. */
    uint8_t *arena = malloc(m->plan.peak ? m->plan.peak : 1);
    uint8_t *in = malloc(in_bytes ? in_bytes : 1);
    uint8_t *out = malloc(out_bytes ? out_bytes : 1);
    if (arena && in && out) {
        /* Poison-like fill so reads of never-written arena bytes are at least deterministic. */
        memset(arena, 0xA5, m->plan.peak);
        fill_bytes(in, in_bytes, seed);
        tfg_model_set_inputs(m, arena, in);
        tfg_model_invoke(m, arena);
        tfg_model_get_outputs(m, arena, out);
    }
    free(out);
    free(in);
    free(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint64_t seed = hash_bytes(data, size);
    for (int pass = 0; pass < 2; pass++) {
        tfg_pass_opts_t opts;
        memset(&opts, 0, sizeof opts);
        opts.int8_io = pass == 1;
        tfg_model_t m;
        tfg_diag_t d;
        d.msg[0] = 0;
        tfg_status_t st = tfg_model_load_mem(data, size, "fuzz.tflite", &opts, &m, &d);
        if (st < 0) {
            /* A failure must come with a message; a silent one is a bug too. */
            if (d.msg[0] == 0) abort();
            continue;
        }
        if ((int)(seed & 1) == pass) run_model(&m, seed >> 1);
        tfg_model_free(&m);
    }
    return 0;
}
