/* Host driver for code generated with `compile --postprocess yolo --name model`
 * (tests/codegen_detect.sh): reads one camera frame (MODEL_FRAME_SIZE raw
 * bytes), runs model_detect on it and prints what it returned, then each box
 * in the form tfg_yolo_box_bits uses ("cls x0 y0 x1 y1 score", floats as the
 * hex of their IEEE bits), so the test compares bits, not rounded decimals.
 * usage: detect_driver FRAME.raw [MAX_BOXES]
 * Prints "n N candidates C held H kept K written W", then one "box ..." line
 * per box. Also checks that model_detect leaves the heads where
 * model_output_ptr points equal to a plain inference's (model_invoke, or
 * model_invoke_frame when streamed), and that the bytes after
 * max_boxes in the box array are untouched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static union {
    uint32_t align;
    uint8_t bytes[MODEL_ARENA_SIZE];
} arena;
static uint8_t frame[MODEL_FRAME_SIZE];

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f || fread(frame, 1, sizeof frame, f) != sizeof frame) {
        fprintf(stderr, "detect_driver: %s: need %u bytes\n", argv[1], (unsigned)MODEL_FRAME_SIZE);
        return 2;
    }
    fclose(f);
    const int max_boxes = argc > 2 ? atoi(argv[2]) : 64;
    tfg_yolo_box_t boxes[65];
    memset(boxes, 0xA5, sizeof boxes);
    tfg_yolo_stats_t st;
    const int32_t n = model_detect(frame, arena.bytes, boxes, max_boxes, &st);
    if (n < 0 || max_boxes > 64) return 3;
    printf("n %d candidates %d held %d kept %d written %d\n", (int)n, (int)st.candidates, (int)st.held,
           (int)st.kept, (int)st.written);
    for (int i = 0; i < n; i++) {
        uint32_t u[5];
        const float v[5] = {boxes[i].x0, boxes[i].y0, boxes[i].x1, boxes[i].y1, boxes[i].score};
        memcpy(u, v, sizeof u);
        printf("box %d %08x %08x %08x %08x %08x\n", (int)boxes[i].cls, (unsigned)u[0], (unsigned)u[1],
               (unsigned)u[2], (unsigned)u[3], (unsigned)u[4]);
    }
    const unsigned char *rest = (const unsigned char *)&boxes[n];
    for (size_t i = 0; i < sizeof boxes - (size_t)n * sizeof boxes[0]; i++)
        if (rest[i] != 0xA5) return 4; /* written past the boxes it returned */
    /* The heads survived the decoder's scratch: the same bytes as a plain inference. */
    static int8_t heads[MODEL_OUTPUT_SIZE];
    size_t at = 0;
    for (int i = 0; i < MODEL_OUTPUTS; i++) {
        const size_t b = i == 0 ? MODEL_OUTPUT0_SIZE : i == 1 ? MODEL_OUTPUT1_SIZE : MODEL_OUTPUT2_SIZE;
        memcpy(heads + at, model_output_ptr(arena.bytes, i), b);
        at += b;
    }
#ifdef MODEL_INPUT0_STREAMED /* compiled with --stream-input: the tiles convert the frame */
    if (model_invoke_frame(frame, arena.bytes) != TFG_OK) return 5;
#else
    if (model_frame_to_input(frame, arena.bytes) != TFG_OK || model_invoke(arena.bytes) != TFG_OK) return 5;
#endif
    at = 0;
    for (int i = 0; i < MODEL_OUTPUTS; i++) {
        const size_t b = i == 0 ? MODEL_OUTPUT0_SIZE : i == 1 ? MODEL_OUTPUT1_SIZE : MODEL_OUTPUT2_SIZE;
        if (memcmp(heads + at, model_output_ptr(arena.bytes, i), b)) return 6;
        at += b;
    }
    return 0;
}
