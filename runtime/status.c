/* Human-readable names for tfg_status_t; no stdio, just a table. */
#include "tinyforge/status.h"

const char *tfg_status_str(tfg_status_t st)
{
    switch (st) {
    case TFG_OK: return "ok";
    case TFG_ERR_IO: return "i/o error";
    case TFG_ERR_FORMAT: return "malformed file";
    case TFG_ERR_INVALID: return "invalid model";
    case TFG_ERR_UNSUPPORTED: return "unsupported";
    case TFG_ERR_NOMEM: return "out of memory";
    case TFG_ERR_BUDGET: return "over memory budget";
    case TFG_ERR_ARG: return "bad argument";
    }
    return "unknown status";
}
