/* libFuzzer harness for TinyNAS's JSON inputs.
 *  - Search spaces: JSON text -> space -> the largest and smallest subnets
 *    at the first width and resolution -> float nets through the builder.
 *    Every input must either parse or fail with a message; every space that
 *    parses must give subnets the builder accepts (the space's checks are
 *    what keeps its subnets buildable). Nets are capped in size so each
 *    input stays fast.
 *  - A subnet's choices (evolution.json's "best", read back by --resume),
 *    against the default space: accepted choices must build and write back
 *    to text that parses to the same subnet. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "search/space.h"

static void choices(const uint8_t *data, size_t size)
{
    static tfg_space_t s;
    static int loaded;
    tfg_diag_t d = {{0}};
    if (!loaded && tfg_space_load(NULL, &s, &d) < 0) abort();
    loaded = 1;
    char *text = malloc(size + 1);
    if (!text) return;
    memcpy(text, data, size);
    text[size] = 0;
    tfg_subnet_t n, back;
    if (tfg_subnet_choices_parse(&s, text, "fuzz.json", &n, &d) < 0) {
        free(text);
        if (!d.msg[0]) abort();
        return;
    }
    free(text);
    tfg_net_t net;
    if (tfg_subnet_net(&s, &n, &net, &d) < 0) abort(); /* accepted choices build */
    tfg_net_free(&net);
    char *again = tfg_subnet_choices(&s, &n);
    if (!again) return;
    if (tfg_subnet_choices_parse(&s, again, "again", &back, &d) < 0 || memcmp(&n, &back, sizeof n)) abort();
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    choices(data, size);
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
