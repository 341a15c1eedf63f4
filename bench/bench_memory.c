/* Memory benchmark: the arena each shared model needs, against TFLM.
 *
 * For every model in ../shared/models: our planned arena (as written, and
 * with int8 I/O when the model has float edges), the lower bound for the
 * same execution order, the arena without in-place execution (what the
 * in-place passes save), and TFLM's arena_used_bytes() from MODELS.md
 * (x86-64 reference kernels, and 32-bit Cortex-M4). Prints a table; asserts
 * nothing (the limits are asserted by tests/test_models.c arena). */
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"

static const struct {
    const char *name;
    long tflm_x86, tflm_m4;
} M[] = {
    {"tflm_person_detect", 85232, 82388},     {"mlperf_vww_96_int8", 103600, 100756},
    {"mlperf_kws_ref_model", 24208, 22868},   {"mlperf_pretrainedResnet_quant", 55920, 54436},
    {"mlperf_ad01_int8", 3632, 2372},         {"tflm_micro_speech_quantized", 7520, 6900},
    {"tflm_hello_world_int8", 1392, 788},     {"tinyengine_vww", 224912, 219856},
    {"tinyengine_detection", 386240, 380048}, {"tinyengine_mcunetv2_large", 2614000, 2602144},
};

static long plan(const char *path, bool int8_io, bool no_in_place, long *lb)
{
    tfg_pass_opts_t o = {0};
    o.int8_io = int8_io;
    o.no_in_place = no_in_place;
    tfg_model_t m;
    tfg_diag_t d = {{0}};
    if (tfg_model_load(path, &o, &m, &d) < 0) {
        fprintf(stderr, "bench_memory: %s\n", d.msg);
        return -1;
    }
    long peak = (long)m.plan.peak;
    if (lb) *lb = (long)m.plan.lower_bound;
    tfg_model_free(&m);
    return peak;
}

int main(void)
{
    const char *dir = TFG_SOURCE_DIR "/../shared/models";
    printf("Memory: planned arena per model (bytes). int8 I/O: float QUANTIZE/DEQUANTIZE at the edges\n"
           "stripped. TFLM: arena_used_bytes() from MODELS.md, x86-64 reference kernels / Cortex-M4 "
           "32-bit.\n\n");
    printf("%-30s %10s %10s %10s %12s %10s %10s %8s\n", "model", "arena", "int8 I/O", "lower bnd",
           "no in-place", "TFLM x86", "TFLM M4", "vs x86");
    int rc = 0;
    for (size_t i = 0; i < sizeof M / sizeof M[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.tflite", dir, M[i].name);
        long lb = 0, lb8 = 0;
        long a = plan(path, false, false, &lb), a8 = plan(path, true, false, &lb8),
             no_ip = plan(path, false, true, NULL);
        if (a < 0 || a8 < 0 || no_ip < 0) {
            rc = 1;
            continue;
        }
        char a8s[16] = "-";
        if (a8 != a) snprintf(a8s, sizeof a8s, "%ld", a8);
        printf("%-30s %10ld %10s %10ld %12ld %10ld %10ld %7.1f%%\n", M[i].name, a, a8s, lb, no_ip,
               M[i].tflm_x86, M[i].tflm_m4, 100.0 * (double)a / (double)M[i].tflm_x86);
    }
    return rc;
}
