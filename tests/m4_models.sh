#!/usr/bin/env bash
# The Cortex-M4 cost models the search prices every candidate by, against
# what `tinyforge bench` measures. The flash model (src/codegen/flash.c),
# against the ELF bench links:
#  - the runtime's table (src/codegen/flash_m4.c) is what scripts/flash_table.sh
#    measures from today's runtime and compiler (and a table changed by one
#    byte is caught);
#  - on sampled subnets (patched as their budget wants, layer by layer, two
#    more patch stages) and on shared models: constants, parameter structs,
#    the tile table and the runtime are exact to the byte, and the generated
#    code's estimate never falls short by more than the search's margin.
# The latency model (src/sched/latency.c), against QEMU's instruction counts
# of the same subnets: within 10% of each (its fit's held-out error is
# 1.8% on average, 5% at worst; the shared models, outside the space it was
# fitted on, are printed but not held to it).
# usage: tests/m4_models.sh BUILD_DIR SOURCE_DIR   (skips without the Cortex-M toolchain and QEMU)
set -u
build=$1; src=$2
. "$(dirname "$0")/lib.sh"
for t in arm-none-eabi-gcc qemu-system-arm; do
  command -v $t >/dev/null || { echo "SKIP: $t not installed (scripts/deps-targets.sh installs the MCU toolchains)"; exit 0; }
done
check "the runtime's flash table is current" "$src/scripts/flash_table.sh" --check
sed 's/{"tfg_conv_s8", "conv", \([0-9]*\),/{"tfg_conv_s8", "conv", 1\1,/' "$src/src/codegen/flash_m4.c" >"$tmp/stale.c"
check "a stale table is caught" bash -c "! cmp -s '$tmp/stale.c' '$src/src/codegen/flash_m4.c' && ! '$src/scripts/flash_table.sh' --check '$tmp/stale.c' >/dev/null 2>&1"
check "predicted against measured: flash exact but the estimate, within the margin; instructions within 10%" bash -c "'$src/scripts/bench_flash.sh' '$build' 2 '$tmp/bf' >'$tmp/bf.out' 2>&1 || { cat '$tmp/bf.out'; exit 1; }"
cat "$tmp/bf.out"
finish
