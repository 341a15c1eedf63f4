/* Host driver for generated code (tests/codegen.sh): reads raw int8 input,
 * runs it twice, each time in an arena with guard bytes on both sides:
 *  1. model_run(): the copying call;
 *  2. zero copy: the input written where model_input_ptr() points (or, for a
 *     streamed schedule, left in the caller's buffer), model_invoke(), the
 *     output read where model_output_ptr() points, in an arena first filled
 *     with other bytes (nothing may depend on what the arena held).
 * Writes the first output; exits 3 if either run touched memory outside its
 * arena, 4 if the two runs disagree. Built with -DMODEL_HEADER='"model.h"'
 * against code generated with --name model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_HEADER

#define GUARD 64

static int guards_intact(const uint8_t *mem, const uint8_t *arena)
{
    for (size_t i = 0; i < GUARD; i++)
        if (mem[i] != 0xA5 || arena[MODEL_ARENA_SIZE + i] != 0xA5) return 0;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s IN.bin OUT.bin\n", argv[0]);
        return 2;
    }
    static int8_t in[MODEL_INPUT_SIZE], out[MODEL_OUTPUT_SIZE], out2[MODEL_OUTPUT_SIZE];
    FILE *f = fopen(argv[1], "rb");
    if (!f || fread(in, 1, sizeof in, f) != sizeof in) {
        fprintf(stderr, "cannot read %zu bytes from %s\n", sizeof in, argv[1]);
        return 2;
    }
    fclose(f);
    uint8_t *mem = malloc(MODEL_ARENA_SIZE + 2 * GUARD + 4);
    if (!mem) return 2;
    uint8_t *arena = mem + GUARD; /* GUARD is a multiple of MODEL_ARENA_ALIGN: the arena stays aligned */
    memset(mem, 0xA5, MODEL_ARENA_SIZE + 2 * GUARD);
    if (model_run((const int8_t *)in, out, arena) != TFG_OK) return 1;
    if (!guards_intact(mem, arena)) return 3;

    memset(mem, 0xA5, MODEL_ARENA_SIZE + 2 * GUARD);
    memset(arena, 0x5A, MODEL_ARENA_SIZE);
#if defined(MODEL_INPUT0_STREAMED) && MODEL_INPUT0_STREAMED
    if (model_input_ptr(arena, 0) != NULL) return 4;
    if (model_invoke_streamed(in, arena) != TFG_OK) return 1;
#else
    {
        size_t at = 0;
        for (int i = 0; i < MODEL_INPUTS; i++) {
            size_t bytes = 0;
            switch (i) { /* sizes by index, as a firmware would write them */
            case 0: bytes = MODEL_INPUT0_SIZE; break;
#ifdef MODEL_INPUT1_SIZE
            case 1: bytes = MODEL_INPUT1_SIZE; break;
#endif
            default: return 2;
            }
            memcpy(model_input_ptr(arena, i), in + at, bytes);
            at += bytes;
        }
    }
    if (model_input_ptr(arena, MODEL_INPUTS) != NULL) return 4;
    if (model_invoke(arena) != TFG_OK) return 1;
#endif
    {
        size_t at = 0;
        for (int i = 0; i < MODEL_OUTPUTS; i++) {
            size_t bytes = 0;
            switch (i) {
            case 0: bytes = MODEL_OUTPUT0_SIZE; break;
#ifdef MODEL_OUTPUT1_SIZE
            case 1: bytes = MODEL_OUTPUT1_SIZE; break;
#endif
#ifdef MODEL_OUTPUT2_SIZE
            case 2: bytes = MODEL_OUTPUT2_SIZE; break;
#endif
#ifdef MODEL_OUTPUT3_SIZE
            case 3: bytes = MODEL_OUTPUT3_SIZE; break;
#endif
            default: return 2;
            }
            memcpy(out2 + at, model_output_ptr(arena, i), bytes);
            at += bytes;
        }
    }
    if (!guards_intact(mem, arena)) return 3;
    if (memcmp(out, out2, sizeof out) != 0) {
        fprintf(stderr, "zero-copy run differs from model_run()\n");
        return 4;
    }

    f = fopen(argv[2], "wb");
    if (!f || fwrite(out, 1, sizeof out, f) != sizeof out || fclose(f) != 0) return 2;
    free(mem);
    return 0;
}
