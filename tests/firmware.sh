#!/usr/bin/env bash
# Generated code as it drops into real firmware (docs/codegen.md, "Integrating
# the generated code"):
#  1. C++ callers: a C++ main (as Arduino, mbed, STM32Cube and ESP-IDF have)
#     links against the generated C and the runtime with g++ on the host and
#     with arm-none-eabi-g++ on QEMU Cortex-M4, and gives TFLite's golden bytes.
#  2. Zero copy: person_detect runs with the frame written straight into the
#     arena (model_input_ptr) and the result read from it (model_output_ptr),
#     so arena + frame is the arena alone: 55,360 B. Checked with nm on the
#     host binary and with the section sizes and nm of the M4 firmware.
#  3. Patched schedules: the frame region buffer in the arena (--schedule
#     auto) and the frame read in place from flash (--stream-input) on QEMU.
#  4. Opt-in pieces: a default build has no arena object and no layer-name
#     table (nm); the macros bring them in.
#  5. Reproducible output: two output directories, two working directories,
#     two model paths give identical files, with no path in them.
#  6. One numbering: "L<k> (op <n>)" in the generated code names the op that
#     `tinyforge info` lists as op n, and the hook reports the same pair.
#  7. Every parameter struct is emitted with designated initializers.
# usage: tests/firmware.sh path/to/tinyforge SOURCE_DIR
set -u
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); src=$(cd "$2" && pwd)
models="$src/../shared/models"
[ -d "$models" ] || { echo "SKIP: shared models not found at $models"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); echo "ok: $*"; }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
pd="$models/tflm_person_detect.tflite"
gin="$models/golden/tflm_person_detect.rand1.input.bin"
gout="$models/golden/tflm_person_detect.rand1.output.bin"
strict="-Wall -Wextra -Werror -pedantic"

# A C++ main for person_detect, zero copy: the frame goes straight into the
# arena, the only buffer. Host: frame from a file; firmware: from flash
# (frame.h), copied where a camera's DMA would write.
cat > "$tmp/main_host.cpp" <<'EOF'
#include <cstdio>
#include <cstring>

#include "person_detect.h"
#include "tinyforge/kernels.h" /* the runtime headers must be C++-clean too */

alignas(PERSON_DETECT_ARENA_ALIGN) static uint8_t arena[PERSON_DETECT_ARENA_SIZE];

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    std::FILE *f = std::fopen(argv[1], "rb");
    int8_t *frame = person_detect_input_ptr(arena, 0);
    if (!f || !frame || std::fread(frame, 1, PERSON_DETECT_INPUT0_SIZE, f) != PERSON_DETECT_INPUT0_SIZE) return 2;
    std::fclose(f);
    const tfg_status_t st = person_detect_invoke(arena);
    /* A runtime function called from C++ (tinyforge/status.h's linkage). */
    if (st != TFG_OK || std::strcmp(tfg_status_str(st), tfg_status_str(TFG_ERR_ARG)) == 0) return 1;
    f = std::fopen(argv[2], "wb");
    if (!f || std::fwrite(person_detect_output_ptr(arena, 0), 1, PERSON_DETECT_OUTPUT0_SIZE, f) != PERSON_DETECT_OUTPUT0_SIZE)
        return 2;
    return std::fclose(f) == 0 ? 0 : 2;
}
EOF
cat > "$tmp/main_fw.cpp" <<'EOF'
#include <string.h>

#include "person_detect.h" /* first: frame.h uses its <stdint.h> */
#include "frame.h"
#include "tfg_target.h"

alignas(PERSON_DETECT_ARENA_ALIGN) static uint8_t arena[PERSON_DETECT_ARENA_SIZE];

int main()
{
#if defined(PERSON_DETECT_INPUT0_STREAMED) && PERSON_DETECT_INPUT0_STREAMED
    /* Streamed: the frame is read in place, tile by tile, from flash. */
    const tfg_status_t st = person_detect_invoke_streamed(frame, arena);
#else
    memcpy(person_detect_input_ptr(arena, 0), frame, sizeof frame); /* the camera's DMA */
    const tfg_status_t st = person_detect_invoke(arena);
#endif
    const int exact = st == TFG_OK && memcmp(person_detect_output_ptr(arena, 0), expected, sizeof expected) == 0;
    tfg_puts(exact ? "golden 1\n" : "golden 0\n");
    return exact ? 0 : 1;
}
EOF
c_array() { # NAME FILE
  echo "static const int8_t $1[] = {"
  od -An -v -td1 -w24 "$2" | sed 's/^ *//; s/  */, /g; s/$/,/'
  echo "};"
}
{ c_array frame "$gin"; c_array expected "$gout"; } > "$tmp/frame.h"

# ---- 1 + 2 on the host: g++ links the C code, zero copy, golden bytes, one buffer.
out="$tmp/host"
if "$cli" compile "$pd" -o "$out" --name person_detect > "$tmp/log" 2>&1; then
  arena=$(sed -n 's/^#define PERSON_DETECT_ARENA_SIZE \([0-9]*\)u$/\1/p' "$out/person_detect.h")
  objs=""
  for c in "$out/person_detect.c" "$out"/runtime/*.c; do
    gcc -std=c99 -O2 $strict -I "$out" -c "$c" -o "$tmp/h_$(basename "$c" .c).o" || bad "host: gcc $c"
    objs="$objs $tmp/h_$(basename "$c" .c).o"
  done
  # shellcheck disable=SC2086
  if g++ -std=c++11 -O2 $strict -I "$out" -c "$tmp/main_host.cpp" -o "$tmp/main_host.o" &&
     g++ "$tmp/main_host.o" $objs -o "$tmp/pd_host" 2> "$tmp/link.log"; then
    ok "host: g++ links a C++ main against the generated C"
    if "$tmp/pd_host" "$gin" "$tmp/got.bin" && cmp -s "$tmp/got.bin" "$gout"; then
      ok "host: C++ zero-copy person_detect gives the golden bytes"
    else bad "host: C++ zero-copy output differs from golden"; fi
    # The arena is the only buffer that can hold a frame: every other object is smaller.
    big=$(nm -S --size-sort -t d "$tmp/pd_host" | awk -v f=9216 'tolower($3) ~ /^[bdv]$/ && $2 + 0 >= f')
    if [ "$(echo "$big" | wc -l)" = 1 ] && echo "$big" | grep -q "arena$" && [ "$(echo "$big" | awk '{print $2 + 0}')" = "$arena" ] &&
       [ "$arena" -le 55360 ]; then
      ok "host: arena + frame = $arena B (the arena is the only frame-sized object)"
    else bad "host: objects of frame size or more: $big (arena $arena)"; fi
  else bad "host: g++ build/link"; cat "$tmp/link.log" | head -20; fi
else bad "host: compile"; cat "$tmp/log"; fi

# ---- 1 + 2 + 3 on QEMU Cortex-M4 with arm-none-eabi-g++.
fw() { # LABEL OPTIONS...: build main_fw.cpp + person_detect for the M4, run it, print SRAM
  local label=$1; shift
  local o="$tmp/fw_$label" cflags="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -O2 -ffunction-sections -fdata-sections"
  "$cli" compile "$pd" -o "$o" --name person_detect --target cortex-m4 "$@" > "$tmp/log" 2>&1 || { bad "m4 $label: compile"; cat "$tmp/log"; return 1; }
  local objs="" c
  for c in "$o/person_detect.c" "$o"/runtime/*.c "$src/targets/common/tfg_target.c" "$src/targets/common/startup_cortexm.S"; do
    # shellcheck disable=SC2086
    arm-none-eabi-gcc $cflags -std=c99 --specs=picolibc.specs -I "$o" -I "$src/targets/common" -c "$c" \
      -o "$o/$(basename "$c").o" 2>> "$tmp/fw.log" || { bad "m4 $label: gcc $c"; head "$tmp/fw.log"; return 1; }
    objs="$objs $o/$(basename "$c").o"
  done
  # shellcheck disable=SC2086
  if ! arm-none-eabi-g++ $cflags -std=c++11 $strict -fno-exceptions -fno-rtti --specs=picolibc.specs -I "$o" -I "$tmp" \
       -I "$src/targets/common" -c "$tmp/main_fw.cpp" -o "$o/main.o" 2> "$tmp/fw.log" ||
     ! arm-none-eabi-g++ $cflags --specs=picolibc.specs -nostartfiles "$o/main.o" $objs -L "$src/targets/common" \
       -T "$src/targets/cortex-m4/link.ld" -Wl,--gc-sections -o "$o/fw.elf" 2>> "$tmp/fw.log"; then
    bad "m4 $label: arm-none-eabi-g++ build/link"; head -20 "$tmp/fw.log"; return 1
  fi
  ok "m4 $label: arm-none-eabi-g++ links a C++ firmware main against the generated C"
  local run; run=$("$src/scripts/qemu_run.sh" cortex-m4 "$o/fw.elf" 2>&1)
  if echo "$run" | grep -q "^golden 1"; then ok "m4 $label: golden bytes under QEMU"; else bad "m4 $label: $run"; fi
  local arena; arena=$(sed -n 's/^#define PERSON_DETECT_ARENA_SIZE \([0-9]*\)u$/\1/p' "$o/person_detect.h")
  # SRAM = .data + .bss (+ the stack, reserved apart); the arena is the only
  # frame-sized object in it, the frame itself stays in flash.
  sram=$(arm-none-eabi-size -A "$o/fw.elf" | awk '$1 == ".data" || $1 == ".bss" { s += $2 } END { print s + 0 }')
  big=$(arm-none-eabi-nm -S --size-sort -t d "$o/fw.elf" | awk 'tolower($3) ~ /^[bd]$/ && $2 + 0 >= 9216')
  echo "  m4 $label: arena $arena B, SRAM data+bss $sram B; frame-sized SRAM objects: $(echo "$big" | awk '{print $4 " " $2 + 0}' | tr '\n' ' ')"
  if [ "$(echo "$big" | wc -l)" = 1 ] && [ "$(echo "$big" | awk '{print $2 + 0}')" = "$arena" ] && [ $((sram - arena)) -le 64 ]; then
    ok "m4 $label: SRAM holds the $arena B arena and nothing frame-sized besides ($((sram - arena)) B of other data)"
  else bad "m4 $label: SRAM $sram B for an arena of $arena B"; fi
  last_arena=$arena
}
if command -v arm-none-eabi-g++ >/dev/null && command -v qemu-system-arm >/dev/null; then
  last_arena=0
  fw layer && { [ "$last_arena" -le 55360 ] && ok "m4: person_detect zero copy in $last_arena B (<= 55,360)" || bad "m4: arena $last_arena > 55,360"; }
  fw patched --schedule auto
  fw streamed --schedule auto --stream-input
else
  echo "SKIP: arm-none-eabi-g++ or qemu-system-arm not installed (scripts/deps-targets.sh)"
fi

# ---- 4. Opt-in pieces.
o="$tmp/host"
gcc -std=c99 -O2 $strict -I "$o" -c "$o/person_detect.c" -o "$tmp/default.o"
syms=$(nm "$tmp/default.o")
if echo "$syms" | grep -qE "person_detect_(arena|names|static_arena|run_static|layer_name)"; then
  bad "default build links opt-in pieces: $(echo "$syms" | grep -E 'arena|names|static|layer_name')"
else ok "default build: no static arena, no layer-name table"; fi
gcc -std=c99 -O2 $strict -I "$o" -DPERSON_DETECT_WITH_STATIC_ARENA=1 -DPERSON_DETECT_WITH_LAYER_NAMES=1 \
  -c "$o/person_detect.c" -o "$tmp/optin.o"
syms=$(nm -S "$tmp/optin.o")
if echo "$syms" | grep -q "person_detect_arena$" && echo "$syms" | grep -q "person_detect_names$" &&
   echo "$syms" | grep -q " T person_detect_run_static$" && echo "$syms" | grep -q " T person_detect_layer_name$"; then
  ok "opt-in macros bring the static arena and the layer names"
else bad "opt-in macros: $syms"; fi

# ---- 5. Reproducible: other directories, working directories and model paths, same bytes.
mkdir -p "$tmp/a/deep/er" "$tmp/b" "$tmp/models2"
cp "$pd" "$tmp/models2/"
(cd "$tmp/a/deep/er" && "$cli" compile "$pd" -o out1 --target cortex-m4 --schedule auto > /dev/null) &&
(cd "$tmp/b" && "$cli" compile ../models2/tflm_person_detect.tflite -o "$tmp/b/x/y/out2" --target cortex-m4 --schedule auto > /dev/null) &&
if diff -r "$tmp/a/deep/er/out1" "$tmp/b/x/y/out2" > "$tmp/diff.log"; then
  ok "reproducible: identical files from two directories and model paths"
else bad "reproducible: files differ"; head -20 "$tmp/diff.log"; fi
if grep -rlE "$tmp|$models|/work/|/home/" "$tmp/b/x/y/out2" > /dev/null; then
  bad "a generated file holds a path: $(grep -rlE "$tmp|$models" "$tmp/b/x/y/out2")"
else ok "no build-machine path in the generated files"; fi

# ---- 6. One numbering: generated "L<k> (op <n>) TYPE IN -> OUT" against info's op n.
for name in tinyengine_vww mlperf_kws_ref_model tflm_person_detect; do
  m="$models/$name.tflite"; o="$tmp/num_$name"
  "$cli" compile "$m" -o "$o" --name model > /dev/null 2>&1 || { bad "$name: compile"; continue; }
  "$cli" info "$m" --int8-io > "$tmp/info.txt" 2>&1 || "$cli" info "$m" > "$tmp/info.txt" 2>&1
  n=0; mism=0; differ=0
  while read -r k op type ins outs; do
    n=$((n+1)); [ "$k" != "$op" ] && differ=1
    row=$(awk -v op="$op" '$1 == op' "$tmp/info.txt" | head -1)
    if [ "$(echo "$row" | awk '{print $2}')" != "$type" ] || ! echo "$row" | grep -q -- " $outs "; then
      mism=$((mism+1)); echo "  $name: L$k (op $op) $type -> $outs, but info says: $row"
    fi
  done < <(sed -n 's|^    /\* L\([0-9]*\) (op \([0-9]*\)) \([A-Z_0-9]*\).* \([0-9x-]*\) -> \([0-9x]*\),.*|\1 \2 \3 \4 \5|p' "$o/model.c")
  if [ "$n" -gt 0 ] && [ "$mism" = 0 ]; then
    ok "$name: all $n layers' op index, type and output shape agree with info$([ $differ = 1 ] && echo ' (steps and ops differ here)')"
  else bad "$name: $mism of $n layers disagree with info"; fi
done

# The hook reports the same (layer, op) pairs as the comments, at run time.
o="$tmp/num_tinyengine_vww"
cat > "$tmp/hook.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

static void hook(void *ctx, int layer, int op, const int8_t *data, size_t bytes)
{
    (void)ctx, (void)data, (void)bytes;
    printf("%d %d\n", layer, op);
}

int main(void)
{
    static int8_t in[MODEL_INPUT_SIZE], out[MODEL_OUTPUT_SIZE];
    uint8_t *arena = malloc(MODEL_ARENA_SIZE);
    return arena && model_run_hooked(in, out, arena, hook, 0) == TFG_OK ? 0 : 1;
}
EOF
sed -n 's|^    /\* L\([0-9]*\) (op \([0-9]*\)) .*|\1 \2|p' "$o/model.c" > "$tmp/pairs_code.txt"
# shellcheck disable=SC2086
if gcc -std=c99 -O1 $strict -I "$o" "$tmp/hook.c" "$o/model.c" "$o"/runtime/*.c -lm -o "$tmp/hook" &&
   "$tmp/hook" > "$tmp/pairs_hook.txt" && [ -s "$tmp/pairs_hook.txt" ] && cmp -s "$tmp/pairs_code.txt" "$tmp/pairs_hook.txt"; then
  ok "tinyengine_vww: the hook's (layer, op) pairs are the generated code's L<k> (op <n>)"
else bad "hook numbering differs from the generated comments"; diff "$tmp/pairs_code.txt" "$tmp/pairs_hook.txt" | head -5; fi

# ---- 7. Designated initializers only: no struct or array-of-struct initializer starts positionally.
o="$tmp/num_tinyengine_vww"
if grep -nE "static const tfg_[a-z_]*_t [a-z0-9_]*(\[[0-9]*\])? = \{ *-?[0-9]" "$o/model.c" "$tmp/host/person_detect.c" | head -3 | grep -q .; then
  bad "positional parameter struct initializers in the generated code"
else ok "parameter structs use designated initializers"; fi
if grep -qE "^    \{-?[0-9]" "$tmp/host/person_detect.c"; then bad "positional tfg_rq_t entries"; else ok "tfg_rq_t entries are designated"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
