#!/usr/bin/env bash
# Runs a tinyforge firmware ELF on its target's QEMU board (targets/boards.tsv)
# with semihosting, and exits with the firmware's exit status.
#
#   scripts/qemu_run.sh TARGET FIRMWARE.elf [--count] [--verbose-count]
#                       [--timeout SECONDS] [--machine NAME]
#
# The firmware's console output (semihosting) passes through on stdout.
# --count loads the instruction-count plugin (targets/qemu/insn_count.c,
# built into build-targets/ when missing or older than its source) and, after
# the firmware has exited, prints its line as the last line of stdout:
#   insn_count: N
# --verbose-count also prints one "insn_count_region: I N" line per marker
# region and "insn_count_total: N" on stderr.
# A firmware still running after the timeout (default 60 s, or
# $TFG_QEMU_TIMEOUT) is killed: exit status 124. A faulting firmware exits
# with 240 (TFG_EXIT_FAULT); so does a CPU lockup, which QEMU reports by
# aborting (status 134, mapped to 240 here). --machine overrides the board
# (e.g. microbit for cortex-m0plus, see targets/boards.md).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
boards="$root/targets/boards.tsv"

usage() {
  echo "usage: scripts/qemu_run.sh TARGET FIRMWARE.elf [--count] [--verbose-count] [--timeout S] [--machine NAME]" >&2
  echo "targets: $(awk -F'\t' 'NR>1 {printf "%s ", $1}' "$boards")" >&2
  exit 2
}

[ $# -ge 2 ] || usage
target=$1
elf=$2
shift 2
count=0
verbose=0
timeout_s=${TFG_QEMU_TIMEOUT:-60}
machine_override=
while [ $# -gt 0 ]; do
  case $1 in
    --count) count=1 ;;
    --verbose-count) count=1; verbose=1 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift ;;
    --machine) [ $# -ge 2 ] || usage; machine_override=$2; shift ;;
    *) usage ;;
  esac
  shift
done

row=$(awk -F'\t' -v t="$target" 'NR>1 && $1==t' "$boards")
if [ -z "$row" ]; then
  echo "qemu_run: unknown target '$target'" >&2
  usage
fi
IFS=$'\t' read -r _ _ _ qemu machine qemu_args _ <<<"$row"
[ -n "$machine_override" ] && machine=$machine_override
[ -f "$elf" ] || { echo "qemu_run: no such firmware: $elf" >&2; exit 2; }
command -v "$qemu" >/dev/null 2>&1 || {
  echo "qemu_run: $qemu not found; run scripts/deps-targets.sh" >&2
  exit 2
}

# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
args=(-M "$machine" -nographic -monitor none -serial none
      -semihosting-config enable=on,target=native -kernel "$elf")
if [ "$qemu_args" != "-" ]; then
  read -r -a extra <<<"$qemu_args"
  args+=("${extra[@]}")
fi

countfile=
if [ $count = 1 ]; then
  plugin_src="$root/targets/qemu/insn_count.c"
  plugin_dir=${TFG_BUILD_TARGETS:-$root/build-targets}
  plugin="$plugin_dir/insn_count.so"
  if [ ! -f "$plugin" ] || [ "$plugin_src" -nt "$plugin" ]; then
    mkdir -p "$plugin_dir"
    # Built beside its final name, then renamed: parallel runs never load a
    # half-written .so.
    tmp_so=$(mktemp "$plugin_dir/insn_count.XXXXXX.so")
    gcc -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -o "$tmp_so" "$plugin_src"
    mv -f "$tmp_so" "$plugin"
  fi
  countfile=$(mktemp)
  trap 'rm -f "$countfile"' EXIT
  popts="$plugin,outfile=$countfile"
  [ $verbose = 1 ] && popts="$popts,verbose=on"
  args+=(-plugin "$popts")
fi

set +e
timeout -k 5 "$timeout_s" "$qemu" "${args[@]}"
status=$?
set -e

if [ $status = 124 ] || [ $status = 137 ]; then
  echo "qemu_run: $target: $elf still running after ${timeout_s}s: killed" >&2
  exit 124
fi
if [ $status = 134 ]; then
  # "qemu: fatal: Lockup ..." then abort(): on Cortex-M the CPU faulted while
  # entering the fault handler, which a stack overflow off the start of SRAM
  # does on cores without a stack limit register (v6-M, v7-M).
  echo "qemu_run: $target: QEMU aborted (CPU lockup: a fault inside fault entry, typically a stack overflow); reporting it as a fault" >&2
  status=240
fi
if [ $count = 1 ]; then
  if [ -s "$countfile" ]; then
    cat "$countfile"
  else
    echo "qemu_run: $target: the plugin reported no count (QEMU failed to start?)" >&2
    [ $status = 0 ] && status=1
  fi
fi
exit $status
