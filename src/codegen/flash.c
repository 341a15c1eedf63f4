/* The flash a generated model takes on the Cortex-M4, from the model and its
 * schedule alone: what the search prices thousands of candidates by, and what
 * `plan` tells a user before any cross compiler runs. Constants, parameter
 * structs, the tile table and the runtime are exact (the runtime from the
 * table scripts/flash_table.sh measures); only the generated functions'
 * machine code is an estimate, per call, whose error against bench is
 * measured (docs/codegen.md, "Flash"). */
#include <string.h>

#include "codegen/codegen.h"
#include "codegen/flash_table.h"
#include "lower/kernel_table.h"

/* The generated functions' bytes (NAME_exec with the patch stage inlined,
 * NAME_invoke) and the patch stage's struct copies, fitted to
 * arm-none-eabi-gcc 12 -O2 over 40 models (sampled subnets layer by layer and
 * with three kinds of patch stage, and four shared models): residuals -52 to
 * +46 B (scripts/bench_flash.sh prints them). A layer-by-layer call is its
 * pointer arithmetic, the call and the hook's test and call. A stage layer
 * copies its struct and patches the copy per tile: GCC builds a conv's copy
 * from immediates and drops the constant, but copies a depthwise struct from
 * flash, which then stays (other kernels are priced like depthwise, the
 * dearer case). */
enum {
    GEN_BASE = -70, /* the intercept: NAME_invoke, NAME_exec's entry and exit, less what calls share */
    GEN_PER_CALL = 53,
    GEN_PATCH_BASE = 167,      /* the tile loop, the region unpacking, the copy and the paste */
    GEN_PER_PATCHED_CONV = 63, /* its struct built in place, the patch call, the kernel call */
    GEN_PER_PATCHED_OTHER = 225,
};

static int find_sym(const tfg_flash_table_t *t, const char *name)
{
    for (int i = 0; i < t->n_syms; i++)
        if (!strcmp(t->syms[i].name, name) && strcmp(t->syms[i].file, "libc") != 0) return i;
    return -1;
}

static int32_t struct_bytes(const char *type)
{
    for (const tfg_flash_struct_t *s = tfg_flash_m4_structs; s->type; s++)
        if (!strcmp(s->type, type)) return s->bytes;
    return -1;
}

/* Marks fn and everything it references (depth first). Each symbol is pushed
 * once, when it is first marked, so the stack never holds more than the
 * table's symbols (at most 1024, checked by the caller). */
static tfg_status_t link(const tfg_flash_table_t *t, const char *fn, unsigned char *kept, tfg_diag_t *d)
{
    const int root = find_sym(t, fn);
    if (root < 0)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                            "flash: the runtime function %s is not in src/codegen/flash_m4.c (run `make "
                            "flash-table`)",
                            fn);
    int stack[1024], n = 0;
    if (!kept[root]) kept[root] = 1, stack[n++] = root;
    while (n > 0) {
        const tfg_flash_sym_t *s = &t->syms[stack[--n]];
        for (int r = 0; r < s->n; r++) {
            const int j = t->refs[s->first + r];
            if (!kept[j]) kept[j] = 1, stack[n++] = j;
        }
    }
    return TFG_OK;
}

tfg_status_t tfg_codegen_flash(const tfg_model_t *m, int split, int ph, int pw, const int32_t *variant,
                               tfg_flash_t *f, tfg_diag_t *d)
{
    memset(f, 0, sizeof *f);
    bool strip = false, narrow = false;
    for (int k = 0; k < m->prog.n_steps; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        const int32_t v = variant && variant[k] >= 0 ? variant[k] : tfg_step_variant(s);
        strip |= s->kernel == TFG_K_DWCONV && v == TFG_DW_STRIP;
        narrow |= s->kernel == TFG_K_CONV && v == TFG_CONV_NARROW;
    }
    const tfg_flash_table_t *t = &tfg_flash_m4[(strip ? 1 : 0) + (narrow ? 2 : 0)];
    unsigned char kept[1024] = {0};
    if (t->n_syms > (int)sizeof kept)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "flash: the table is too large");
    const int32_t res_bytes = struct_bytes("tfg_eltwise_params_t"); /* a fused residual's NAME_lK_res */
    if (res_bytes < 0)
        return tfg_diag_set(d, TFG_ERR_UNSUPPORTED,
                            "flash: tfg_eltwise_params_t is not in src/codegen/flash_m4.c");
    tfg_status_t st = TFG_OK;
    f->constants = tfg_codegen_constant_bytes(m, true);
    f->generated = GEN_BASE;
    tfg_sched_lead_t lead = {0};
    if (split >= 0) tfg_sched_lead(m, &lead);
    for (int k = lead.n_steps; k < m->prog.n_steps && st == TFG_OK; k++) {
        const tfg_step_t *s = &m->prog.steps[k];
        const tfg_kernel_info_t *info = tfg_kernel_info(s->kernel);
        const int32_t sb = struct_bytes(info->params);
        if (sb < 0)
            return tfg_diag_set(d, TFG_ERR_UNSUPPORTED, "flash: %s is not in src/codegen/flash_m4.c",
                                info->params);
        if (s->kernel == TFG_K_CONV && s->p.conv.res) f->structs += res_bytes;
        st = link(t, info->fn, kept, d);
        if (k > split) {
            f->structs += sb;
            f->generated += GEN_PER_CALL;
            continue;
        }
        /* A stage layer's struct is copied once and patched per tile: the
         * compiler builds the copy from immediates and drops the constant
         * (see GEN_PER_PATCHED_CONV). */
        f->generated += s->kernel == TFG_K_CONV ? GEN_PER_PATCHED_CONV : GEN_PER_PATCHED_OTHER;
        if (st == TFG_OK && info->patch == TFG_PATCH_WINDOW) st = link(t, info->patch_fn, kept, d);
        if (st == TFG_OK && info->patch == TFG_PATCH_WINDOW && s->kernel == TFG_K_CONV && s->p.conv.res)
            st = link(t, "tfg_patch_residual", kept, d);
        if (st == TFG_OK && info->patch == TFG_PATCH_ELTWISE) st = link(t, "tfg_patch_eltwise", kept, d);
        if (st == TFG_OK && info->patch == TFG_PATCH_SIZE) st = link(t, "tfg_region_elems", kept, d);
    }
    if (st == TFG_OK && split >= 0) {
        st = link(t, lead.plain ? "tfg_copy_region" : "tfg_read_region", kept, d);
        if (st == TFG_OK) st = link(t, "tfg_paste_region", kept, d);
        if (!lead.plain) f->structs += 5 * (int64_t)sizeof(int32_t);                 /* NAME_view */
        f->structs += (int64_t)ph * pw * (split + 2) * 4 * (int64_t)sizeof(int16_t); /* NAME_tiles */
        f->generated += GEN_PATCH_BASE;
    }
    if (st < 0) return st;
    for (int i = 0; i < t->n_syms; i++)
        if (kept[i]) f->runtime += t->syms[i].bytes;
    f->total = f->constants + f->structs + f->runtime + f->generated;
    return TFG_OK;
}
