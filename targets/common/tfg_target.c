/* The C half of the tinyforge startup and its semihosting helpers, shared by
 * the Cortex-M and RISC-V targets (the assembly halves are startup_*.S).
 *
 * tfg_c_start runs on the filled stack with nothing initialised: it copies
 * .data from its load address in flash, zeroes .bss, runs .init_array, calls
 * main and exits with main's return value. The copy loops must not become
 * memcpy/memset calls (a firmware may link no C library), hence the GCC
 * attribute below.
 *
 * Exit: SYS_EXIT_EXTENDED (0x20) with {ADP_Stopped_ApplicationExit, status}
 * makes QEMU exit with `status`; the plain SYS_EXIT (0x18) on A32/T32 can
 * only say "success" or "failure", so it is the fallback.
 *
 * Output: SYS_WRITE to the handle SYS_OPEN gives for ":tt" in write mode,
 * which QEMU connects to its stdout; SYS_WRITEC character by character if
 * that open fails. The handle is the only mutable global here.
 */
#include "tfg_target.h"

#define SYS_OPEN 0x01
#define SYS_WRITEC 0x03
#define SYS_WRITE 0x05
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define ADP_STOPPED_RUNTIME_ERROR_UNKNOWN 0x20023

#if defined(__GNUC__) && !defined(__clang__)
#define TFG_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define TFG_NO_LIBCALLS
#endif

/* Linker-script symbols (cortexm_sections.ld, riscv_sections.ld). */
extern uint32_t __tfg_data_start[], __tfg_data_end[], __tfg_data_load[];
extern uint32_t __tfg_bss_start[], __tfg_bss_end[];
extern uint32_t __tfg_stack_bottom[], __tfg_stack_top[];
extern void (*__tfg_init_array_start[])(void), (*__tfg_init_array_end[])(void);

int main(void);
void tfg_c_start(void) __attribute__((noreturn, used));

TFG_NO_LIBCALLS void tfg_c_start(void)
{
    /* Word loops: the linker script aligns these sections to 8 bytes. */
    const uint32_t *src = __tfg_data_load;
    for (uint32_t *dst = __tfg_data_start; dst < __tfg_data_end;) *dst++ = *src++;
    for (uint32_t *dst = __tfg_bss_start; dst < __tfg_bss_end;) *dst++ = 0;
    for (void (**f)(void) = __tfg_init_array_start; f < __tfg_init_array_end; f++) (*f)();
    tfg_exit(main());
}

void tfg_exit(int status)
{
    uintptr_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)(uint32_t)status};
    tfg_semihost_call(SYS_EXIT_EXTENDED, (uintptr_t)block);
    /* Only reached if the host does not know SYS_EXIT_EXTENDED. */
#if defined(__riscv)
    tfg_semihost_call(SYS_EXIT, (uintptr_t)block);
#else
    tfg_semihost_call(SYS_EXIT,
                      status == 0 ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUNTIME_ERROR_UNKNOWN);
#endif
    for (;;) {
    }
}

static intptr_t console = -2; /* -2: not opened yet, -1: open failed */

void tfg_write(const char *s, size_t n)
{
    if (n == 0) return;
    if (console == -2) {
        uintptr_t args[3] = {(uintptr_t) ":tt", 4 /* "w" */, 3 /* strlen(":tt") */};
        console = (intptr_t)tfg_semihost_call(SYS_OPEN, (uintptr_t)args);
    }
    if (console >= 0) {
        uintptr_t args[3] = {(uintptr_t)console, (uintptr_t)s, n};
        tfg_semihost_call(SYS_WRITE, (uintptr_t)args);
        return;
    }
    for (size_t i = 0; i < n; i++) tfg_semihost_call(SYS_WRITEC, (uintptr_t)&s[i]);
}

void tfg_puts(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    tfg_write(s, n);
}

void tfg_print_u64(uint64_t v)
{
    char buf[20];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tfg_write(buf + i, sizeof buf - i);
}

void tfg_print_u32(uint32_t v)
{
    char buf[10];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tfg_write(buf + i, sizeof buf - i);
}

void tfg_print_i32(int32_t v)
{
    if (v < 0) {
        tfg_write("-", 1);
        tfg_print_u32(0u - (uint32_t)v);
    } else {
        tfg_print_u32((uint32_t)v);
    }
}

static const char hexdigits[] = "0123456789abcdef";

void tfg_print_hex32(uint32_t v)
{
    char buf[10] = {'0', 'x'};
    for (int i = 0; i < 8; i++) buf[2 + i] = hexdigits[(v >> (28 - 4 * i)) & 0xF];
    tfg_write(buf, sizeof buf);
}

void tfg_print_hex_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    char buf[64];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        buf[k++] = hexdigits[b[i] >> 4];
        buf[k++] = hexdigits[b[i] & 0xF];
        if (k == sizeof buf) {
            tfg_write(buf, k);
            k = 0;
        }
    }
    tfg_write(buf, k);
}

size_t tfg_stack_size(void)
{
    return (size_t)((uintptr_t)__tfg_stack_top - (uintptr_t)__tfg_stack_bottom);
}

size_t tfg_stack_high_water(void)
{
    /* The stack grows down: the deepest write is the lowest word that no
     * longer holds the pattern. */
    const volatile uint32_t *w = __tfg_stack_bottom;
    while (w < __tfg_stack_top && *w == TFG_STACK_FILL) w++;
    return (size_t)((uintptr_t)__tfg_stack_top - (uintptr_t)w);
}

#if defined(__arm__)
static const char *const exception_names[16] = {
    "thread",   "reset",    "NMI",      "HardFault", "MemManage",    "BusFault", "UsageFault", "SecureFault",
    "reserved", "reserved", "reserved", "SVCall",    "DebugMonitor", "reserved", "PendSV",     "SysTick"};

void tfg_fault(uint32_t pc, uint32_t lr, uint32_t ipsr, uint32_t frame) __attribute__((noreturn, used));

void tfg_fault(uint32_t pc, uint32_t lr, uint32_t ipsr, uint32_t frame)
{
    uint32_t exc = ipsr & 0x1FF;
    tfg_puts("\ntfg: fault: exception ");
    tfg_print_u32(exc);
    tfg_puts(" (");
    tfg_puts(exc < 16 ? exception_names[exc] : "interrupt");
    tfg_puts(")");
    if (pc == 0 && lr == 0) {
        tfg_puts(" sp=");
        tfg_print_hex32(frame);
        tfg_puts(" outside the stack (overflow?)");
    } else {
        tfg_puts(" pc=");
        tfg_print_hex32(pc);
        tfg_puts(" lr=");
        tfg_print_hex32(lr);
    }
#if __ARM_ARCH >= 7
    /* Configurable/HardFault status and fault addresses (v7-M and v8-M). */
    tfg_puts(" cfsr=");
    tfg_print_hex32(*(volatile uint32_t *)0xE000ED28u);
    tfg_puts(" hfsr=");
    tfg_print_hex32(*(volatile uint32_t *)0xE000ED2Cu);
    tfg_puts(" bfar=");
    tfg_print_hex32(*(volatile uint32_t *)0xE000ED38u);
#endif
    tfg_puts("\n");
    tfg_exit(TFG_EXIT_FAULT);
}
#endif

#if defined(__riscv)
void tfg_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval) __attribute__((noreturn, used));

void tfg_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    tfg_puts("\ntfg: fault: trap mcause=");
    tfg_print_hex32(mcause);
    tfg_puts(" mepc=");
    tfg_print_hex32(mepc);
    tfg_puts(" mtval=");
    tfg_print_hex32(mtval);
    tfg_puts("\n");
    tfg_exit(TFG_EXIT_FAULT);
}
#endif
