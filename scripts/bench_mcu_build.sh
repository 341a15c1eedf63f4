#!/usr/bin/env bash
# Cross-builds a `tinyforge bench` work directory for one target (under the
# strict flags generated code promises: -std=c99 -Wall -Wextra -Werror
# -pedantic) and runs it
# under QEMU. Called by `tinyforge bench`; prints "key value" lines:
#   built 1 / flash_text N / flash_rodata N / data N / bss N / stack N / model_code N / model_rodata N
#   model_gen_code N / model_gen_rodata N (the generated source's share of the two)
#   exit N / insn_count N / bitexact 0|1 / stack_high_water N
#   region I N  (with "layers": every count region, 1-based)
# usage: scripts/bench_mcu_build.sh TARGET WORKDIR [layers]   (WORKDIR holds gen/ and bench_main.c)
set -u
target=$1; work=$2; mode=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
row=$(awk -F'\t' -v t="$target" '$1 == t' "$root/targets/boards.tsv")
[ -n "$row" ] || { echo "error unknown target $target"; exit 2; }
tc=$(echo "$row" | cut -f2); cflags=$(echo "$row" | cut -f3)
case "$target" in riscv32) start="$root/targets/common/startup_riscv.S";; *) start="$root/targets/common/startup_cortexm.S";; esac
command -v "$tc-gcc" >/dev/null || { echo "error $tc-gcc is not installed (scripts/deps-targets.sh)"; exit 2; }
# shellcheck disable=SC2086
if ! "$tc-gcc" $cflags -O2 -std=c99 -Wall -Wextra -Werror -pedantic -ffunction-sections -fdata-sections --specs=picolibc.specs -nostartfiles \
      -I"$root/targets/common" -I"$work/gen" "$work/bench_main.c" "$work/gen/model.c" "$work"/gen/runtime/*.c \
      "$root/targets/common/tfg_target.c" "$start" -L"$root/targets/common" -T"$root/targets/$target/link.ld" \
      -Wl,--gc-sections -o "$work/fw.elf" > "$work/build.log" 2>&1; then
  if grep -q "model does not fit the" "$work/build.log"; then
    echo "error $(grep -o 'model does not fit the.*' "$work/build.log" | head -1)"
  else
    echo "error cross build failed:"; sed 's/^/  /' "$work/build.log" | head -20
  fi
  exit 1
fi
echo "built 1"
"$tc-size" -A "$work/fw.elf" | awk '$1 == ".text" || $1 == ".rodata" || $1 == ".data" || $1 == ".bss" || $1 == ".stack" {
  sub(/^\./, "", $1); print ($1 == "text" || $1 == "rodata" ? "flash_" $1 : $1), $2 }'
# The model's own code: every function except the harness (main, bench_*), the startup
# and semihosting support (tfg_* from targets/common) and the C library.
# With "layers" the harness also runs the hooked entry, which a firmware that
# only calls model_invoke does not link: it is left out too, so that the
# figure is the same either way.
"$tc-nm" -S --radix=d "$work/fw.elf" | awk -v layers="$mode" '
  NF == 4 && tolower($3) == "t" {
    n = $4
    if (layers == "layers" && n ~ /^model_invoke(_streamed)?_hooked$/) next
    if (n == "main" || n ~ /^bench_/ || n ~ /^tfg_(puts|print_|exit|stack_high_water|c_start|reset_handler|exception_handler|fault|semihost|write)/ ||
        n ~ /^(memcpy|memset|memmove|memcmp|strlen|__aeabi_mem)/) next # memcmp: the harness checks the output
    s += $2
    if (n ~ /^model_/) g += $2 # the generated functions (bench names the model "model")
  }
  END { print "model_code", s + 0; print "model_gen_code", g + 0 }'
# The model's own constants: every read-only or initialized object except the harness's
# (its input and expected output, bench_*) and the target support's (exception_names, hexdigits,
# console).
"$tc-nm" -S --radix=d "$work/fw.elf" | awk '
  NF == 4 && (tolower($3) == "r" || tolower($3) == "d") {
    n = $4
    if (n == "input" || n == "expected" || n ~ /^bench_/ || n == "exception_names" || n == "hexdigits" || n == "console") next
    s += $2
    if (n ~ /^model_/) g += $2 # the generated constants: arrays, parameter structs, the tile table
  }
  END { print "model_rodata", s + 0; print "model_gen_rodata", g + 0 }'
count=--count; [ "$mode" = layers ] && count=--verbose-count
out=$("$root/scripts/qemu_run.sh" "$target" "$work/fw.elf" $count --timeout 600 2>&1); rc=$?
echo "$out" | sed -n 's/^insn_count_region: \([0-9]*\) \([0-9]*\)$/region \1 \2/p'
echo "$out" | sed -n 's/^insn_count: \([0-9]*\).*/insn_count \1/p; s/^bitexact \([01]\)$/bitexact \1/p; s/^stack_high_water \([0-9]*\)$/stack_high_water \1/p'
echo "exit $rc"
