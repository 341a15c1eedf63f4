/* Host driver for generated code (tests/codegen.sh): reads raw int8 input,
 * runs model_run() in an arena with guard bytes on both sides, writes the
 * output. Exits 3 if the model touched memory outside its arena. Built with
 * -DMODEL_HEADER='"model.h"' against code generated with --name model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_HEADER

#define GUARD 64

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s IN.bin OUT.bin\n", argv[0]);
        return 2;
    }
    static int8_t in[model_INPUT_SIZE], out[model_OUTPUT_SIZE];
    FILE *f = fopen(argv[1], "rb");
    if (!f || fread(in, 1, sizeof in, f) != sizeof in) {
        fprintf(stderr, "cannot read %zu bytes from %s\n", sizeof in, argv[1]);
        return 2;
    }
    fclose(f);
    uint8_t *mem = malloc(model_ARENA_SIZE + 2 * GUARD + 4);
    if (!mem) return 2;
    uint8_t *arena = mem + GUARD; /* GUARD is a multiple of 4: the arena stays aligned */
    memset(mem, 0xA5, model_ARENA_SIZE + 2 * GUARD);
    if (model_run((const int8_t *)in, out, arena) != TFG_OK) return 1;
    for (size_t i = 0; i < GUARD; i++)
        if (mem[i] != 0xA5 || arena[model_ARENA_SIZE + i] != 0xA5) return 3;
    f = fopen(argv[2], "wb");
    if (!f || fwrite(out, 1, sizeof out, f) != sizeof out || fclose(f) != 0) return 2;
    free(mem);
    return 0;
}
