/* Smoke test firmware for every target in targets/boards.tsv.
 *
 * It checks what the startup promises (initialised .data, zeroed .bss, the
 * FPU usable on hard-float builds, libgcc helpers), computes a CRC-32 with a
 * known result, runs two hand-counted loops between the instruction-count
 * markers, reports its stack high-water mark, and returns 0 only if all
 * checks passed. scripts/target_smoke.sh compares the plugin's count with
 * the "expect insn_count" line printed here.
 *
 * Build variants (-D): TFG_SMOKE_FAULT executes an undefined instruction
 * (the run must exit with TFG_EXIT_FAULT); TFG_SMOKE_NO_MARKERS skips the
 * markers (the plugin must report the whole run); TFG_SMOKE_BIG_SRAM and
 * TFG_SMOKE_BIG_FLASH add a static array larger than any budget's SRAM or
 * flash (the link must fail); TFG_SMOKE_STACK_OVERFLOW recurses until the
 * stack runs out (the run must end in a fault, not hang or go on).
 */
#include "tfg_target.h"

#ifndef TFG_TARGET_NAME
#define TFG_TARGET_NAME "unknown"
#endif

/* Each iteration of the marker loop is exactly two instructions:
 * a subtract that sets flags and a conditional branch back. */
#define LOOP_A 100000u
#define LOOP_B 2345u

static unsigned failures;

static void check(int ok, const char *what)
{
    tfg_puts(ok ? "smoke: ok   " : "smoke: FAIL ");
    tfg_puts(what);
    tfg_puts("\n");
    if (!ok) failures++;
}

/* noinline: the markers then bracket exactly the loop below. */
static __attribute__((noinline)) uint32_t marker_loop(uint32_t n)
{
#if defined(TFG_SMOKE_NO_MARKERS)
#define START_ ""
#define STOP_ ""
#else
#define START_ TFG_MARK_START_ASM
#define STOP_ TFG_MARK_STOP_ASM
#endif
#if defined(__riscv)
    __asm__ volatile(START_ "\n"
                            "1: addi %0, %0, -1\n"
                            "   bnez %0, 1b\n" STOP_
                     : "+r"(n)
                     :
                     : "memory");
#else
    /* GCC hands Armv6-M inline asm to gas in divided syntax; say unified
     * (it switches back to unified after the block on every Arm target). */
    __asm__ volatile(".syntax unified\n" START_ "\n"
                     "1: subs %0, %0, #1\n"
                     "   bne 1b\n" STOP_
                     : "+l"(n)
                     :
                     : "cc", "memory");
#endif
    return n;
}

static uint32_t crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* Uses about 1 KiB of stack, so the high-water mark must exceed that. */
static __attribute__((noinline)) uint32_t stack_user(uint32_t seed)
{
    volatile uint8_t buf[1024];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(seed + i);
    uint32_t s = 0;
    for (size_t i = 0; i < sizeof buf; i++) s += buf[i];
    return s;
}

static const char crc_input[] = "123456789";
uint32_t data_word = 0x12345678u; /* .data */
uint32_t bss_words[64];           /* .bss */
volatile float fa = 1.5f, fb = 2.25f;
volatile uint64_t u64a = 1000000000000ull;
volatile uint32_t u32b = 7u;

#if defined(TFG_SMOKE_BIG_SRAM)
/* 4 MiB: over every budget's SRAM. */
volatile uint8_t too_big[4u << 20];
#endif
#if defined(TFG_SMOKE_BIG_FLASH)
/* 8 MiB of constants: over every budget's flash. */
const uint8_t too_big_const[8u << 20] = {1};
#endif

#if defined(TFG_SMOKE_STACK_OVERFLOW)
/* The call goes through a volatile pointer so that GCC can neither see the
 * recursion (it would warn) nor turn it into a loop. */
static uint32_t recurse(uint32_t depth);
static uint32_t (*volatile recurse_ptr)(uint32_t) = recurse;
static __attribute__((noinline)) uint32_t recurse(uint32_t depth)
{
    volatile uint32_t frame[64];
    frame[depth & 63] = depth;
    return frame[(depth * 7) & 63] + recurse_ptr(depth + 1) + 1;
}
#endif

int main(void)
{
    tfg_puts("smoke: hello from " TFG_TARGET_NAME "\n");

    check(data_word == 0x12345678u, ".data initialised from flash");
    uint32_t z = 0;
    for (unsigned i = 0; i < 64; i++) z |= bss_words[i];
    check(z == 0, ".bss zeroed");
    check(crc32((const unsigned char *)crc_input, 9) == 0xCBF43926u, "crc32(\"123456789\") == 0xcbf43926");
    check(fa * fb == 3.375f, "float multiply (FPU on hard-float builds)");
    check(u64a / u32b == 142857142857ull, "64-bit division (libgcc)");
    check(stack_user(3) == 130560u, "1 KiB stack buffer: each byte value 4 times, sum 130560");

#if defined(TFG_SMOKE_BIG_SRAM)
    too_big[1] = 1;
#endif
#if defined(TFG_SMOKE_BIG_FLASH)
    tfg_print_u32(((const volatile uint8_t *)too_big_const)[u32b]);
#endif
#if defined(TFG_SMOKE_STACK_OVERFLOW)
    tfg_puts("smoke: recursing until the stack overflows\n");
    tfg_print_u32(recurse(0));
    tfg_puts("smoke: FAIL still running after the overflow\n");
    return 1;
#endif

#if defined(TFG_SMOKE_FAULT)
    tfg_puts("smoke: executing an undefined instruction\n");
#if defined(__riscv)
    __asm__ volatile("unimp");
#else
    __asm__ volatile("udf #0");
#endif
    tfg_puts("smoke: FAIL still running after the fault\n");
    return 1;
#endif

    uint32_t r = marker_loop(LOOP_A) + marker_loop(LOOP_B);
    check(r == 0, "marker loops ran to zero");
    tfg_puts("smoke: expect insn_count ");
    tfg_print_u32(2u * (LOOP_A + LOOP_B));
    tfg_puts("\n");

    size_t hw = tfg_stack_high_water();
    tfg_puts("smoke: stack high-water ");
    tfg_print_u32((uint32_t)hw);
    tfg_puts(" of ");
    tfg_print_u32((uint32_t)tfg_stack_size());
    tfg_puts(" bytes\n");
    check(hw > 1024 && hw < tfg_stack_size(), "stack high-water between 1 KiB and the stack size");

    tfg_puts(failures ? "smoke: FAILED\n" : "smoke: PASS\n");
    return failures ? 1 : 0;
}
