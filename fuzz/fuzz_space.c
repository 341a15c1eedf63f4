/* libFuzzer harness for TinyNAS search spaces: JSON text -> space -> the
 * largest and smallest subnets at the first width and resolution -> float
 * nets through the builder. Every input must either parse or fail with a
 * message; every space that parses must give subnets the builder accepts
 * (the space's checks are what keeps its subnets buildable). Nets are
 * capped in size so each input stays fast. */
#include <stdint.h>
#include <stdlib.h>

#include "search/space.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tfg_space_t s;
    tfg_diag_t d = {{0}};
    if (tfg_space_parse((const char *)data, size, "fuzz.json", &s, &d) < 0) {
        if (!d.msg[0]) abort(); /* every failure must say why */
        return 0;
    }
    int64_t width = 0;
    for (int i = 0; i < s.n_stages; i++)
        width += (int64_t)s.stages[i].channels * s.stages[i].depths[s.stages[i].n_depths - 1];
    if (s.res[0] > 64 || width * s.width[0] > 4096) return 0;
    for (int largest = 0; largest < 2; largest++) {
        tfg_subnet_t n;
        tfg_subnet_extreme(&s, 0, 0, largest, &n);
        tfg_net_t net;
        if (tfg_subnet_net(&s, &n, &net, &d) < 0) abort(); /* a parsed space builds */
        tfg_net_free(&net);
    }
    return 0;
}
