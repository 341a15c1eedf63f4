#!/usr/bin/env bash
# The flash model (src/codegen/flash.c), which the search prices every
# candidate by, against the Cortex-M4 ELF that `tinyforge bench` links:
#  - the runtime's table (src/codegen/flash_m4.c) is what scripts/flash_table.sh
#    measures from today's runtime and compiler (and a table changed by one
#    byte is caught);
#  - on sampled subnets (patched as their budget wants, layer by layer, two
#    more patch stages) and on shared models: constants, parameter structs,
#    the tile table and the runtime are exact to the byte, and the generated
#    code's estimate never falls short by more than the search's margin.
# usage: tests/flash.sh BUILD_DIR SOURCE_DIR   (skips without the Cortex-M toolchain and QEMU)
set -u
build=$1; src=$2
. "$(dirname "$0")/lib.sh"
for t in arm-none-eabi-gcc qemu-system-arm; do
  command -v $t >/dev/null || { echo "SKIP: $t not installed (scripts/deps-targets.sh installs the MCU toolchains)"; exit 0; }
done
check "the runtime's flash table is current" "$src/scripts/flash_table.sh" --check
sed 's/{"tfg_conv_s8", "conv", \([0-9]*\),/{"tfg_conv_s8", "conv", 1\1,/' "$src/src/codegen/flash_m4.c" >"$tmp/stale.c"
check "a stale table is caught" bash -c "! cmp -s '$tmp/stale.c' '$src/src/codegen/flash_m4.c' && ! '$src/scripts/flash_table.sh' --check '$tmp/stale.c' >/dev/null 2>&1"
check "predicted against measured: exact parts exact, the estimate within the margin" bash -c "'$src/scripts/bench_flash.sh' '$build' 2 '$tmp/bf' >'$tmp/bf.out' 2>&1 || { cat '$tmp/bf.out'; exit 1; }"
cat "$tmp/bf.out"
finish
