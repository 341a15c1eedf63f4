/* The picolibc services a test written for a hosted C environment needs
 * (printf, fprintf(stderr), malloc, exit, abort, errno), on top of the
 * tinyforge startup, so that such a test runs unchanged as firmware under
 * QEMU (tests/kernels_mcu.sh runs tests/test_kernels.c this way). Link it
 * with targets/common/tfg_target.c, startup_cortexm.S and a
 * targets/test/hosted_<board>.ld linker script (heap and TLS), with
 * --specs=picolibc.specs -nostartfiles and no --oslib.
 *
 *  - stdio: stdin, stdout and stderr are one picolibc FILE. Its put function
 *    collects a line and hands it to tfg_write (semihosting, QEMU's stdout),
 *    so both streams stay in order and a line costs one semihosting call. A
 *    line goes out at '\n', when the buffer is full, on fflush and on exit.
 *  - exit() and _exit(): flush, then tfg_exit(status), so the status reaches
 *    the host as QEMU's exit status. (picolibc's own semihosting crt0 and
 *    exit path hang QEMU; this is why they are not used.) A return from main
 *    goes to tfg_exit without the flush (tfg_c_start): end the output with
 *    '\n'.
 *  - abort() and raise(): picolibc's raise ends in kill(); here that prints
 *    "tfg: fault: signal N" and exits with TFG_EXIT_FAULT, like a fault.
 *  - TLS: picolibc keeps errno in thread-local storage. A constructor (run by
 *    tfg_c_start before main) copies the template into the block the linker
 *    script reserves and points the thread pointer at it, as picolibc's crt0
 *    would. Before that, nothing may touch errno.
 *  - malloc: picolibc's sbrk takes [__heap_start, __heap_end) from the
 *    linker script.
 */
#include <picolibc.h> /* before picotls.h: says that TLS is in use */
#include <picotls.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "tfg_target.h"

static char line[256];
static size_t line_n;

static int flush_line(FILE *f)
{
    (void)f;
    tfg_write(line, line_n);
    line_n = 0;
    return 0;
}

static int put_char(char c, FILE *f)
{
    line[line_n++] = c;
    if (c == '\n' || line_n == sizeof line) flush_line(f);
    return (unsigned char)c;
}

static int get_char(FILE *f)
{
    (void)f;
    return _FDEV_EOF; /* no input */
}

static FILE console = FDEV_SETUP_STREAM(put_char, get_char, flush_line, _FDEV_SETUP_RW);

FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;

/* Called by exit() after the atexit handlers. */
void _exit(int status)
{
    flush_line(&console);
    tfg_exit(status);
}

pid_t getpid(void)
{
    return 1;
}

int kill(pid_t pid, int sig)
{
    (void)pid;
    flush_line(&console);
    tfg_puts("\ntfg: fault: signal ");
    tfg_print_i32(sig);
    tfg_puts(sig == SIGABRT ? " (abort)\n" : "\n");
    tfg_exit(TFG_EXIT_FAULT);
}

extern char __tls_base[];

__attribute__((constructor)) static void init_tls(void)
{
    _init_tls(__tls_base);
    _set_tls(__tls_base);
}
