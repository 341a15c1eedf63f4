/* What a tinyforge firmware gets from targets/common: console output and exit
 * through semihosting, the stack high-water mark, and the start/stop markers
 * of the instruction-count plugin (targets/qemu/insn_count.c).
 *
 * The startup code (startup_cortexm.S or startup_riscv.S, with tfg_target.c)
 * copies .data, zeroes .bss, fills the stack with TFG_STACK_FILL, calls
 * main() and exits through semihosting with main's return value, so the
 * host sees it as QEMU's exit status. A fault or an unexpected exception or
 * interrupt prints one "tfg: fault: ..." line and exits with TFG_EXIT_FAULT.
 *
 * Everything here is freestanding C99: no malloc, no stdio. Output is plain
 * text on the host's stdout; nothing is buffered, so a line printed before a
 * fault is not lost.
 */
#ifndef TFG_TARGET_H
#define TFG_TARGET_H

/* Exit status of a firmware that faulted (HardFault, an unexpected IRQ on
 * Cortex-M; any trap on RISC-V). Distinct from 0/1 and from timeout's 124. */
#define TFG_EXIT_FAULT 240

/* Every word of the stack is set to this at reset. */
#define TFG_STACK_FILL 0xC0DEC0DE

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Console output (host stdout). */
void tfg_write(const char *s, size_t n);
void tfg_puts(const char *s); /* no newline added */
void tfg_print_u32(uint32_t v);
void tfg_print_i32(int32_t v);
void tfg_print_u64(uint64_t v);
void tfg_print_hex32(uint32_t v);                  /* 0x%08x */
void tfg_print_hex_bytes(const void *p, size_t n); /* two lowercase hex digits a byte, no separator */

/* Ends the firmware; status reaches the host as QEMU's exit status (0..255). */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Noreturn
#endif
    void
    tfg_exit(int status) __attribute__((noreturn));

/* Bytes of the stack that were ever written since reset (deepest use), and
 * the size of the stack the linker script reserved. A high-water mark equal
 * to the size means the stack probably overflowed. */
size_t tfg_stack_high_water(void);
size_t tfg_stack_size(void);

/* One semihosting call: op in r0/a0, arg in r1/a1, returns r0/a0. */
uintptr_t tfg_semihost_call(uintptr_t op, uintptr_t arg);

#ifdef __cplusplus
}
#endif
#endif /* !__ASSEMBLER__ */

/* Instruction-count markers. The plugin counts guest instructions executed
 * after a START and before the next STOP (the markers themselves are not
 * counted), summed over all START..STOP regions. The markers execute as
 * no-ops on QEMU and on real hardware.
 *   Armv7-M, Armv8-M:  dbg #1 / dbg #2          (T32 f3af 80f1 / f3af 80f2)
 *   Armv6-M (no DBG):  mov r10, r10 / mov r11, r11   (T16 46d2 / 46db)
 *   RISC-V:            slti x0, x0, 1 / slti x0, x0, 2 (00102013 / 00202013)
 * The "memory" clobber keeps loads and stores on their side of a marker;
 * register-only arithmetic can still be moved across by the compiler, so put
 * markers around calls to non-inlined functions (e.g. a model's invoke). */
#if defined(__riscv)
#define TFG_MARK_START_ASM "slti x0, x0, 1"
#define TFG_MARK_STOP_ASM "slti x0, x0, 2"
#elif defined(__ARM_ARCH_6M__)
#define TFG_MARK_START_ASM "mov r10, r10"
#define TFG_MARK_STOP_ASM "mov r11, r11"
#elif defined(__arm__)
#define TFG_MARK_START_ASM "dbg #1"
#define TFG_MARK_STOP_ASM "dbg #2"
#else
#error "tfg_target.h: unsupported target architecture"
#endif
#define TFG_COUNT_START() __asm__ volatile(TFG_MARK_START_ASM ::: "memory")
#define TFG_COUNT_STOP() __asm__ volatile(TFG_MARK_STOP_ASM ::: "memory")

#endif /* TFG_TARGET_H */
