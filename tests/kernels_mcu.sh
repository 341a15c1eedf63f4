#!/usr/bin/env bash
# The kernel unit tests on emulated microcontrollers: tests/test_kernels.c and
# tests/naive_ref.c, cross-built with every runtime/*.c as firmware and run
# under QEMU, so that the Armv7E-M DSP paths of the kernels (compiled only
# when __ARM_FEATURE_DSP) are checked byte for byte against the naive
# references, as the host's `kernels` test checks the portable paths. Same
# cases, same seeds. Targets: cortex-m4, cortex-m7, cortex-m33 and cortex-m55
# (DSP), and cortex-m3 (the portable path on a 32-bit core without DSP).
# Built with -O2 as shipped: some DSP code (conv.c's inline asm) exists only
# when optimizing.
#
# The firmware is the unchanged test program: targets/test/hosted.c gives it
# picolibc's printf and malloc (output through semihosting) and ends exit()
# in tfg_exit; targets/test/hosted_<board>.ld has the board's whole emulated
# memory and the heap. A target passes when the firmware exits 0 and its last
# line is "N passed, 0 failed"; a DSP build must also contain SXTB16 (the
# int8 idiom of include/tinyforge/dsp.h), so it cannot quietly lose its DSP
# paths to a flag change.
#
# usage: tests/kernels_mcu.sh SOURCE_DIR [TARGET...]
# Builds in a temporary directory, or in $TFG_KERNELS_MCU_DIR (kept) when set.
# Per-target QEMU timeout: $TFG_KERNELS_MCU_TIMEOUT seconds (default 600).
set -u
src=$(cd "${1:?usage: tests/kernels_mcu.sh SOURCE_DIR [TARGET...]}" && pwd) || exit 2
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(cortex-m4 cortex-m7 cortex-m33 cortex-m55 cortex-m3)
for t in arm-none-eabi-gcc qemu-system-arm; do
  command -v $t >/dev/null || { echo "SKIP: $t not installed (scripts/deps-targets.sh installs the MCU toolchains)"; exit 0; }
done
timeout_s=${TFG_KERNELS_MCU_TIMEOUT:-600}
if [ -n "${TFG_KERNELS_MCU_DIR:-}" ]; then
  work=$TFG_KERNELS_MCU_DIR; mkdir -p "$work" || exit 2
else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

pass=0; fail=0
for target in "${targets[@]}"; do
  row=$(awk -F'\t' -v t="$target" 'NR > 1 && $1 == t' "$src/targets/boards.tsv")
  case $target in
    cortex-m33) ld=hosted_mps2_an505.ld ;;
    cortex-m55) ld=hosted_mps3_an547.ld ;;
    cortex-m0plus | cortex-m3 | cortex-m4 | cortex-m7) ld=hosted_mps2.ld ;;
    *) row= ;;
  esac
  if [ -z "$row" ]; then
    fail=$((fail + 1)); echo "FAIL: $target: no such target, or no test linker script for its board"; continue
  fi
  tc=$(echo "$row" | cut -f2); read -r -a cflags <<<"$(echo "$row" | cut -f3)"
  dir=$work/$target; mkdir -p "$dir"; rm -f "$dir"/*.o "$dir/fw.elf"
  t0=$(now)
  # The runtime as it ships (C99); the tests as on the host (C11), except
  # -Wformat: int32_t is long on arm-none-eabi and the tests print it with
  # %d (same size; the host build checks the formats).
  common=("${cflags[@]}" -O2 -Wall -Wextra -Werror -ffunction-sections -fdata-sections --specs=picolibc.specs)
  {
    (cd "$dir" && "$tc-gcc" "${common[@]}" -std=c99 -I"$src/include" -c "$src"/runtime/*.c) &&
    "$tc-gcc" "${common[@]}" -std=c11 -Wno-format -nostartfiles -I"$src/include" -I"$src/tests" \
      -I"$src/targets/common" "$src/tests/test_kernels.c" "$src/tests/naive_ref.c" "$src/targets/test/hosted.c" \
      "$src/targets/common/tfg_target.c" "$src/targets/common/startup_cortexm.S" "$dir"/*.o \
      -L"$src/targets/test" -L"$src/targets/common" -T"$ld" -Wl,--gc-sections -lm -o "$dir/fw.elf"
  } >"$dir/build.log" 2>&1
  if [ ! -f "$dir/fw.elf" ]; then
    fail=$((fail + 1)); echo "FAIL: $target: cross build failed:"; sed 's/^/  /' "$dir/build.log" | head -30; continue
  fi
  t1=$(now)
  dsp=0
  "$tc-gcc" "${cflags[@]}" -dM -E - </dev/null | grep -q '__ARM_FEATURE_DSP 1' && dsp=1
  n_sxtb16=$("$tc-objdump" -d "$dir/fw.elf" | grep -c 'sxtb16')
  if [ $dsp = 1 ] && [ "$n_sxtb16" -eq 0 ]; then
    fail=$((fail + 1)); echo "FAIL: $target has the DSP extension but its build has no DSP code (no SXTB16)"; continue
  fi
  "$src/scripts/qemu_run.sh" "$target" "$dir/fw.elf" --timeout "$timeout_s" >"$dir/run.log" 2>&1
  rc=$?
  t2=$(now)
  last=$(tail -n 1 "$dir/run.log")
  paths=$([ $dsp = 1 ] && echo "DSP paths" || echo "portable paths")
  if [ $rc -eq 0 ] && echo "$last" | grep -Eq '^[1-9][0-9]* passed, 0 failed$'; then
    pass=$((pass + 1))
    echo "$target ($paths): $last; run $(secs "$t1" "$t2") s, build $(secs "$t0" "$t1") s"
  else
    fail=$((fail + 1))
    echo "FAIL: $target ($paths): exit status $rc after $(secs "$t1" "$t2") s; the firmware's output (failures first):"
    sed '$d' "$dir/run.log" | grep -v ' cases, [0-9]* failed$' | head -60 | sed 's/^/  /'
    grep ' cases, [0-9]* failed$' "$dir/run.log" | sed 's/^/  /'
    tail -n 1 "$dir/run.log" | sed 's/^/  /'
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
