/* RV32 startup for QEMU's `virt` board run with -bios none.
 *
 * QEMU's reset stub jumps to the start of RAM (0x80000000) in M-mode, so
 * _start is linked there (section .text.start, first in riscv_sections.ld).
 * Hart 0 sets gp and sp, points mtvec at a handler that reports any trap
 * and exits with TFG_EXIT_FAULT, fills the stack with TFG_STACK_FILL (for
 * tfg_stack_high_water), and enters C (tfg_c_start in tfg_target.c), which
 * copies .data, zeroes .bss and calls main. Other harts park.
 *
 * Semihosting on RISC-V is an EBREAK between two marker shifts, all three
 * uncompressed and in one page (QEMU checks the words around the EBREAK):
 * the 16-byte alignment guarantees the page.
 */
#include "tfg_target.h"

    /* GCC 12 splits the CSR instructions off into Zicsr; -march=rv32imac
     * keeps the multilib match, so enable Zicsr for this file only. */
    .option arch, +zicsr

    .section .text.start, "ax", %progbits
    .global _start
    .type _start, %function
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    csrr t0, mhartid
    bnez t0, 3f
    la sp, __tfg_stack_top
    la t0, tfg_trap_entry
    csrw mtvec, t0
    la t0, __tfg_stack_bottom
    la t1, __tfg_stack_top
    li t2, TFG_STACK_FILL
1:  bgeu t0, t1, 2f
    sw t2, 0(t0)
    addi t0, t0, 4
    j 1b
2:  call tfg_c_start
3:  wfi
    j 3b
    .size _start, . - _start

/* Direct-mode trap vector (4-byte aligned). SP goes back to the top of the
 * stack (an overflow may be the cause; the firmware is ending anyway).
 * tfg_trap(mcause, mepc, mtval). */
    .text
    .balign 4
    .global tfg_trap_entry
    .type tfg_trap_entry, %function
tfg_trap_entry:
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    la sp, __tfg_stack_top
    call tfg_trap
1:  j 1b
    .size tfg_trap_entry, . - tfg_trap_entry

/* uintptr_t tfg_semihost_call(uintptr_t op, uintptr_t arg): a0 = op,
 * a1 = arg, result in a0. */
    .balign 16
    .global tfg_semihost_call
    .type tfg_semihost_call, %function
tfg_semihost_call:
    .option push
    .option norvc
    slli x0, x0, 0x1f
    ebreak
    srai x0, x0, 7
    .option pop
    ret
    .size tfg_semihost_call, . - tfg_semihost_call
