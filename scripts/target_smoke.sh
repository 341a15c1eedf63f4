#!/usr/bin/env bash
# Smoke test of the target infrastructure (targets/), for every target in
# targets/boards.tsv:
#  1. cross-compile targets/test/smoke.c with -O2 and link it with the
#     target's linker script; check the budget regions the script set against
#     boards.tsv;
#  2. run it under QEMU with the instruction-count plugin (qemu_run.sh
#     --count): exit status 0, and the count equal to the hand-counted loops;
#  3. a variant that executes an undefined instruction must exit with 240;
#  4. variants with a static array over the SRAM or over the flash budget
#     must fail to link with "model does not fit the <MCU> budget: ...".
# Then: the cortex-m0plus firmware again on the micro:bit board (a real
# Armv6-M core) with the same count; a firmware without markers (whole-run
# count); stack overflows on v7-M (lockup) and v8-M (MSPLIM).
# Prints a table; exits non-zero if anything failed. Builds go to
# build-targets/smoke/.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
bash scripts/deps-targets.sh || exit 1

boards=targets/boards.tsv
out=build-targets/smoke
mkdir -p "$out"
# The per-target loop runs in a pipeline subshell: failures go to a file.
rm -f "$out/failures" "$out/passed" "$out/failed"
nfail() { if [ -f "$out/failures" ]; then wc -l <"$out/failures"; else echo 0; fi; }

cflags_common=(-O2 -std=c99 -Wall -Wextra -Werror -ffunction-sections -fdata-sections
               --specs=picolibc.specs -nostartfiles -Itargets/common)

row_of() { awk -F'\t' -v t="$1" 'NR>1 && $1==t' "$boards"; }

# build TARGET OUT.elf [extra cc flags...]: compiler output to OUT.log.
build() {
  local t=$1 elf=$2
  shift 2
  local row tc cf startup
  row=$(row_of "$t")
  IFS=$'\t' read -r _ tc cf _ <<<"$row"
  case $tc in riscv*) startup=startup_riscv.S ;; *) startup=startup_cortexm.S ;; esac
  # shellcheck disable=SC2086 # cf is a list of flags
  "$tc-gcc" $cf "${cflags_common[@]}" -DTFG_TARGET_NAME="\"$t\"" "$@" \
    targets/common/$startup targets/common/tfg_target.c targets/test/smoke.c \
    -Ltargets/common -T"targets/$t/link.ld" -Wl,--gc-sections -o "$elf" >"${elf%.elf}.log" 2>&1
}

sym() { "$1-nm" "$2" | awk -v s="$3" '$3==s {print $1}'; }
sect() { "$1-size" -A "$2" | awk -v s="$3" '$1==s {print $2+0; f=1} END {if (!f) print 0}'; }

printf '%-14s %-11s %-20s %4s %9s %5s %15s %17s %6s %5s %6s\n' \
  target board "budget (MCU)" exit insn_count ok "flash B (budget)" "SRAM B (budget)" stk_hw fault budget
tail -n +2 "$boards" | while IFS=$'\t' read -r t tc _cflags _qemu machine _qargs _cbase _ck _dbase _dk mcu fo fk so sk _markers; do
  elf=$out/smoke-$t.elf
  before=$(nfail)
  if ! build "$t" "$elf"; then
    cat "${elf%.elf}.log" >&2
    echo "FAIL $t: smoke firmware does not build" >&2
    echo 1 >>"$out/failures"
    printf '%-14s build failed\n' "$t"
    echo 1 >>"$out/failed"
    continue
  fi
  # The linker script's regions must be those of boards.tsv.
  for pair in "__tfg_flash_origin $fo" "__tfg_flash_length $((fk * 1024))" \
              "__tfg_sram_origin $so" "__tfg_sram_length $((sk * 1024))"; do
    # shellcheck disable=SC2086 # split "symbol value"
    set -- $pair
    got=$(sym "$tc" "$elf" "$1")
    if [ -z "$got" ] || [ $((16#$got)) -ne $(($2)) ]; then
      echo "FAIL $t: $1 is 0x$got in targets/$t/link.ld, boards.tsv says $2" >&2
      echo 1 >>"$out/failures"
    fi
  done

  log=$out/smoke-$t.run
  scripts/qemu_run.sh "$t" "$elf" --count --timeout 30 >"$log" 2>&1
  status=$?
  expect=$(sed -n 's/^smoke: expect insn_count \([0-9]*\).*/\1/p' "$log")
  got=$(sed -n 's/^insn_count: \([0-9]*\).*/\1/p' "$log")
  hw=$(sed -n 's/^smoke: stack high-water \([0-9]*\).*/\1/p' "$log")
  match=no
  [ -n "$got" ] && [ "$got" = "$expect" ] && match=yes
  if [ $status -ne 0 ] || [ $match != yes ] || ! grep -q '^smoke: PASS' "$log"; then
    echo "FAIL $t: exit $status, insn_count '${got}' vs expected '${expect}'; log $log:" >&2
    sed 's/^/    /' "$log" >&2
    echo 1 >>"$out/failures"
  fi
  text=$(sect "$tc" "$elf" .text); rodata=$(sect "$tc" "$elf" .rodata)
  data=$(sect "$tc" "$elf" .data); bss=$(sect "$tc" "$elf" .bss); stack=$(sect "$tc" "$elf" .stack)
  flash=$((text + rodata + data))
  sram=$((data + bss + stack))

  # Fault variant: undefined instruction -> TFG_EXIT_FAULT (240).
  felf=$out/fault-$t.elf
  fault=FAIL
  if build "$t" "$felf" -DTFG_SMOKE_FAULT; then
    scripts/qemu_run.sh "$t" "$felf" --timeout 30 >"$out/fault-$t.run" 2>&1
    fstatus=$?
    if [ $fstatus -eq 240 ] && grep -q '^tfg: fault:' "$out/fault-$t.run"; then fault=240; fi
  fi
  if [ $fault != 240 ]; then
    echo "FAIL $t: the faulting firmware did not exit with 240; see $out/fault-$t.run" >&2
    echo 1 >>"$out/failures"
  fi

  # Budget variants: must fail to link, with our message.
  budget=ok
  for kind in SRAM FLASH; do
    belf=$out/big-$kind-$t.elf
    case $kind in SRAM) want="model does not fit the $mcu budget: SRAM" ;;
                  FLASH) want="model does not fit the $mcu budget: flash" ;; esac
    if build "$t" "$belf" -DTFG_SMOKE_BIG_$kind; then
      echo "FAIL $t: a firmware over the $kind budget linked" >&2
      budget=FAIL
    elif ! grep -q "$want" "${belf%.elf}.log"; then
      echo "FAIL $t: over-$kind link failed without \"$want\":" >&2
      sed 's/^/    /' "${belf%.elf}.log" >&2
      budget=FAIL
    fi
  done
  [ $budget = ok ] || echo 1 >>"$out/failures"

  printf '%-14s %-11s %-20s %4s %9s %5s %7s (%5sK) %8s (%4sK) %6s %5s %6s\n' \
    "$t" "$machine" "$mcu" "$status" "${got:-?}" "$match" "$flash" "$fk" "$sram" "$sk" "${hw:-?}" "$fault" "$budget"
  if [ "$(nfail)" = "$before" ]; then echo 1 >>"$out/passed"; else echo 1 >>"$out/failed"; fi
done

echo
echo "extra checks:"
extra() { # name, then a command that must succeed
  local name=$1
  shift
  if "$@"; then echo "  ok    $name"; echo 1 >>"$out/passed"; else echo "  FAIL  $name"; echo 1 >>"$out/failures"; echo 1 >>"$out/failed"; fi
}

# 1. The M0+ firmware on micro:bit (nRF51, a real Cortex-M0: Armv6-M only,
#    256 KB flash, 16 KB RAM at the same addresses as our M0+ layout).
m0_microbit() {
  local log=$out/smoke-cortex-m0plus.microbit.run
  scripts/qemu_run.sh cortex-m0plus "$out/smoke-cortex-m0plus.elf" --count --machine microbit --timeout 30 \
    >"$log" 2>&1 || return 1
  local a b
  a=$(sed -n 's/^insn_count: //p' "$out/smoke-cortex-m0plus.run")
  b=$(sed -n 's/^insn_count: //p' "$log")
  [ -n "$b" ] && [ "$a" = "$b" ] && grep -q '^smoke: PASS' "$log"
}
extra "cortex-m0plus firmware on microbit (Cortex-M0): PASS, same insn_count" m0_microbit

# 2. No markers: the plugin counts the whole run and says so.
no_markers() {
  local elf=$out/nomarkers-cortex-m3.elf
  build cortex-m3 "$elf" -DTFG_SMOKE_NO_MARKERS || return 1
  scripts/qemu_run.sh cortex-m3 "$elf" --count --timeout 30 >"${elf%.elf}.run" 2>&1 || return 1
  grep -q '^insn_count: [0-9]* (no markers seen: whole run)$' "${elf%.elf}.run"
}
extra "firmware without markers: whole-run count, flagged as such" no_markers

# 3. Stack overflow: v7-M locks up (QEMU aborts; qemu_run.sh reports 240),
#    v8-M faults on MSPLIM (240 from the fault handler).
overflow() {
  local t=$1 elf=$out/overflow-$1.elf
  build "$t" "$elf" -DTFG_SMOKE_STACK_OVERFLOW || return 1
  scripts/qemu_run.sh "$t" "$elf" --timeout 30 >"${elf%.elf}.run" 2>&1
  [ $? -eq 240 ]
}
extra "stack overflow on cortex-m4 (lockup) exits 240" overflow cortex-m4
extra "stack overflow on cortex-m33 (MSPLIM fault) exits 240" overflow cortex-m33

# 4. One budget failure, shown in full.
echo
echo "budget check, cortex-m4 with a 4 MiB static array (must fail to link):"
sed 's/^/  /' "$out/big-SRAM-cortex-m4.log"

# One line per target (all its checks) and per extra check.
npass=0
nf=0
[ -f "$out/passed" ] && npass=$(wc -l <"$out/passed")
[ -f "$out/failed" ] && nf=$(wc -l <"$out/failed")
rm -f "$out/failures" "$out/passed" "$out/failed"
echo
echo "target_smoke: $npass passed, $nf failed"
[ "$nf" -eq 0 ]
