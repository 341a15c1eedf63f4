/* insn_count: a QEMU TCG plugin that counts executed guest instructions
 * exactly between two marker instructions and prints the count at exit.
 *
 *   qemu-system-arm ... -plugin build-targets/insn_count.so[,outfile=PATH][,verbose=on]
 *
 * Output: one line on stderr, or in PATH instead when outfile= is given:
 *   insn_count: N                      instructions between the markers
 *   insn_count: N (no markers seen: whole run)
 *   insn_count: N (start marker without stop: counted to exit)
 * With verbose=on, one "insn_count_region: I N" line per START..STOP region
 * and an "insn_count_total: N" line (every instruction of the run) come
 * before it.
 *
 * Markers (no-ops on QEMU and on hardware; see targets/common/tfg_target.h):
 *   START  T32 f3af 80f1 `dbg #1`  |  T16 46d2 `mov r10, r10`  |  RV 00102013 `slti x0, x0, 1`
 *   STOP   T32 f3af 80f2 `dbg #2`  |  T16 46db `mov r11, r11`  |  RV 00202013 `slti x0, x0, 2`
 * The guest's target name picks the set: on "arm" both the T32 and the T16
 * forms count (Armv6-M has no DBG; the T16 self-moves of r10/r11 are never
 * emitted by a compiler), on "riscv32"/"riscv64" the RV forms. The sets must
 * not mix: 46d2 is a valid RVC instruction (c.lwsp).
 *
 * How it stays exact: every instruction except the markers gets an inline
 * "add 1" to one 64-bit counter, planted at translation time and run before
 * the instruction, so an instruction is counted once per execution, also
 * when an exception or a semihosting call ends its translation block early.
 * Each marker gets a callback instead, which snapshots the counter: the
 * count of a region is the difference of the snapshots, so the markers
 * themselves are never counted. Multiple START..STOP regions add up; a START
 * while counting and a STOP while stopped are ignored. The count is of
 * executed instructions, including condition-failed ones inside IT blocks;
 * it says nothing about cycles. Single vCPU guests only (all our boards).
 *
 * Debian's QEMU ships no plugin header, so the few declarations needed are
 * below, for plugin API version 1 (QEMU 7.x); QEMU refuses to load a plugin
 * whose qemu_plugin_version it does not support, rather than misbehave.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the subset of include/qemu/qemu-plugin.h (API version 1) we use ---- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#define QEMU_PLUGIN_VERSION 1

typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv);
/* ---- end of the API subset ---- */

enum marker { MARK_NONE, MARK_START, MARK_STOP };

static uint64_t executed;  /* every non-marker instruction so far */
static uint64_t counted;   /* sum of finished START..STOP regions */
static uint64_t region_at; /* value of `executed` at the open region's START */
static bool counting;      /* inside a START..STOP region */
static bool guest_arm;     /* else RISC-V */
static unsigned regions;   /* finished regions */
static bool verbose;
static char *outfile;
static bool reported;

static enum marker classify(const struct qemu_plugin_insn *insn)
{
    size_t n = qemu_plugin_insn_size(insn);
    const uint8_t *b = qemu_plugin_insn_data(insn);
    if (!guest_arm) {
        if (n != 4) return MARK_NONE;
        uint32_t w = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        if (w == 0x00102013u) return MARK_START; /* slti x0, x0, 1 */
        if (w == 0x00202013u) return MARK_STOP;  /* slti x0, x0, 2 */
        return MARK_NONE;
    }
    if (n == 2) {
        /* T16 (bytes in guest memory order, little-endian halfword). */
        uint16_t h = (uint16_t)(b[0] | b[1] << 8);
        if (h == 0x46d2) return MARK_START; /* mov r10, r10 */
        if (h == 0x46db) return MARK_STOP;  /* mov r11, r11 */
    } else if (n == 4) {
        /* T32: two halfwords, first one first. */
        uint16_t h0 = (uint16_t)(b[0] | b[1] << 8), h1 = (uint16_t)(b[2] | b[3] << 8);
        if (h0 == 0xf3af && h1 == 0x80f1) return MARK_START; /* dbg #1 */
        if (h0 == 0xf3af && h1 == 0x80f2) return MARK_STOP;  /* dbg #2 */
    }
    return MARK_NONE;
}

static void on_start(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    if (counting) return;
    counting = true;
    region_at = executed;
}

static void on_stop(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    if (!counting) return;
    counting = false;
    uint64_t n = executed - region_at;
    counted += n;
    regions++;
    if (verbose) fprintf(stderr, "insn_count_region: %u %" PRIu64 "\n", regions, n);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        switch (classify(insn)) {
        case MARK_START:
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
            break;
        case MARK_STOP:
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop, QEMU_PLUGIN_CB_NO_REGS, NULL);
            break;
        case MARK_NONE:
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
            break;
        }
    }
}

static void report(void)
{
    char line[128];
    if (reported) return;
    reported = true;
    if (regions == 0 && !counting)
        snprintf(line, sizeof line, "insn_count: %" PRIu64 " (no markers seen: whole run)\n", executed);
    else if (counting && regions == 0)
        snprintf(line, sizeof line, "insn_count: %" PRIu64 " (start marker without stop: counted to exit)\n",
                 executed - region_at);
    else if (counting)
        snprintf(line, sizeof line,
                 "insn_count: %" PRIu64 " (last start marker without stop: counted to exit)\n",
                 counted + (executed - region_at));
    else
        snprintf(line, sizeof line, "insn_count: %" PRIu64 "\n", counted);
    if (verbose) fprintf(stderr, "insn_count_total: %" PRIu64 "\n", executed);
    FILE *f = outfile ? fopen(outfile, "w") : NULL;
    if (outfile && !f) fprintf(stderr, "insn_count: cannot write %s\n", outfile);
    if (f) {
        fputs(line, f);
        fclose(f);
    } else {
        fputs(line, stderr);
        fflush(stderr);
    }
}

static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    report();
}

/* A guest that exits through semihosting ends QEMU with exit(); report from
 * the C library's exit handlers too, whichever runs first wins. */
static void on_process_exit(void)
{
    report();
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    if (strncmp(info->target_name, "arm", 3) == 0 || strncmp(info->target_name, "aarch64", 7) == 0) {
        guest_arm = true;
    } else if (strncmp(info->target_name, "riscv", 5) == 0) {
        guest_arm = false;
    } else {
        fprintf(stderr, "insn_count: no markers defined for target '%s'\n", info->target_name);
        return -1;
    }
    if (info->system_emulation && info->system.smp_vcpus > 1) {
        fprintf(stderr, "insn_count: needs a single vCPU (got %d)\n", info->system.smp_vcpus);
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "outfile=", 8) == 0) {
            outfile = strdup(argv[i] + 8);
        } else if (strcmp(argv[i], "verbose=on") == 0 || strcmp(argv[i], "verbose=true") == 0) {
            verbose = true;
        } else if (strcmp(argv[i], "verbose=off") == 0 || strcmp(argv[i], "verbose=false") == 0) {
            verbose = false;
        } else {
            fprintf(stderr, "insn_count: unknown option '%s' (outfile=PATH, verbose=on|off)\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
    atexit(on_process_exit);
    return 0;
}
