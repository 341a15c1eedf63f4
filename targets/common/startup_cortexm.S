/* Cortex-M startup for every tinyforge Arm target (Armv6-M to Armv8.1-M).
 *
 * The vector table goes first in flash (section .vectors): the initial stack
 * pointer, the reset handler, then every other exception and 32 interrupts
 * pointing at one handler that reports the exception and exits with
 * TFG_EXIT_FAULT (no firmware here enables an interrupt, so any entry is a
 * fault or a bug).
 *
 * Reset: set SP, point VTOR at our table (v7-M/v8-M only: the M55 board
 * boots through an 8-byte stub, see targets/cortex-m55/link.ld), set MSPLIM
 * on v8-M Mainline so a stack overflow faults instead of corrupting .data,
 * fill the stack with TFG_STACK_FILL (for tfg_stack_high_water), give the
 * FPU/MVE access when the build uses them, then C (tfg_c_start in
 * tfg_target.c) copies .data, zeroes .bss and calls main.
 *
 * Only Armv6-M instructions are used outside the #if blocks, so one file
 * serves the M0+ as well. The symbols __tfg_* come from the linker scripts.
 */
#include "tfg_target.h"

    .syntax unified
    .thumb

    .section .vectors, "a", %progbits
    .align 8                /* VTOR: 48 entries need 256-byte alignment */
    .global __tfg_vectors
__tfg_vectors:
    .word __tfg_stack_top
    .word tfg_reset_handler
    .rept 14                /* NMI .. SysTick */
    .word tfg_exception_handler
    .endr
    .rept 32                /* external interrupts 0..31 */
    .word tfg_exception_handler
    .endr

    .text

    .align 2
    .global tfg_reset_handler
    .type tfg_reset_handler, %function
    .thumb_func
tfg_reset_handler:
    ldr r0, =__tfg_stack_top
    mov sp, r0
#if __ARM_ARCH >= 7
    ldr r0, =0xE000ED08         /* SCB->VTOR */
    ldr r1, =__tfg_vectors
    str r1, [r0]
#endif
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
    ldr r0, =__tfg_stack_bottom
    msr msplim, r0
#endif
    /* Fill [bottom, top) with the pattern; nothing is on the stack yet. */
    ldr r0, =__tfg_stack_bottom
    ldr r1, =__tfg_stack_top
    ldr r2, =TFG_STACK_FILL
1:  cmp r0, r1
    bhs 2f
    str r2, [r0]
    adds r0, r0, #4
    b 1b
2:
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    /* CPACR: full access to CP10 and CP11 (FPU and MVE). */
    ldr r0, =0xE000ED88
    ldr r1, [r0]
    ldr r2, =(0xF << 20)
    orrs r1, r1, r2
    str r1, [r0]
    dsb
    isb
#endif
    bl tfg_c_start
3:  b 3b
    .size tfg_reset_handler, . - tfg_reset_handler
    .pool

/* Every exception but reset. The stacked frame is read only when it lies
 * inside the stack (a stack overflow leaves no usable frame), then SP goes
 * back to the top of the stack so the C reporter has room even after an
 * overflow: the firmware is ending anyway.
 * tfg_fault(stacked_pc, stacked_lr, ipsr, frame_address). */
    .align 2
    .global tfg_exception_handler
    .type tfg_exception_handler, %function
    .thumb_func
tfg_exception_handler:
    movs r0, #4
    mov r1, lr
    tst r0, r1
    beq 1f
    mrs r3, psp
    b 2f
1:  mrs r3, msp
2:  movs r0, #0
    movs r1, #0
    ldr r2, =__tfg_stack_bottom
    cmp r3, r2
    blo 3f
    ldr r2, =__tfg_stack_top - 32
    cmp r3, r2
    bhi 3f
    ldr r0, [r3, #24]           /* stacked PC */
    ldr r1, [r3, #20]           /* stacked LR */
3:  mrs r2, ipsr
    ldr r4, =__tfg_stack_top
    mov sp, r4
    bl tfg_fault
4:  b 4b
    .size tfg_exception_handler, . - tfg_exception_handler
    .pool

/* uintptr_t tfg_semihost_call(uintptr_t op, uintptr_t arg): r0 = op,
 * r1 = arg, result in r0. BKPT 0xAB is the M-profile semihosting trap. */
    .align 2
    .global tfg_semihost_call
    .type tfg_semihost_call, %function
    .thumb_func
tfg_semihost_call:
    bkpt 0xab
    bx lr
    .size tfg_semihost_call, . - tfg_semihost_call
