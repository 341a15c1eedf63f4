/* Status codes shared by the runtime, the host library and generated code.
 *
 * One enum for the whole project: TFG_OK is zero, every error is negative, so
 * `if (st < 0)` is the universal failure test. The library never prints; the
 * CLI turns a status plus the library's diagnostic text into a message. */
#ifndef TINYFORGE_STATUS_H
#define TINYFORGE_STATUS_H

/* C linkage for C++ callers (Arduino, mbed, STM32Cube, ESP-IDF mains). */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TFG_OK = 0,
    TFG_ERR_IO = -1,          /* file could not be read or written */
    TFG_ERR_FORMAT = -2,      /* malformed flatbuffer / out-of-bounds offset */
    TFG_ERR_INVALID = -3,     /* well-formed but inconsistent model */
    TFG_ERR_UNSUPPORTED = -4, /* valid model using something we do not run */
    TFG_ERR_NOMEM = -5,       /* host allocation failed */
    TFG_ERR_BUDGET = -6,      /* does not fit the requested memory budget */
    TFG_ERR_ARG = -7          /* bad argument from the caller */
} tfg_status_t;

const char *tfg_status_str(tfg_status_t st);

#ifdef __cplusplus
}
#endif

#endif
