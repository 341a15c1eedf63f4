#!/usr/bin/env bash
# TinyNAS over SRAM budgets (make bench-search): for each budget, the whole
# search on Fashion-MNIST (tinyforge search ... --baselines) into
# OUT/sram<K>/, then one table from the runs' result.json and baselines.json:
# the search's int8 test accuracy against random search at equal cost and
# MobileNetV2 scaled to the same budget, with the found net's MACs, schedule,
# Cortex-M4 instructions, arena and flash, and the search's wall time.
# A run takes hours (about two for the search, as much again for the
# baselines); each is resumed where it stopped (--resume), so the benchmark
# can be run again after an interruption and only finishes what is missing.
# BUDGETS="8 16 32 64" (KB of SRAM); the flash is 64 KB, 128 KB for 64 KB of SRAM.
# A run outlives neither its machine nor its session, so RECORD=1 copies each
# finished budget's small files (result.json, baselines.json, best.json,
# space_opt.json, supernet.json, the plots, and recorded.json: commit, date,
# CPU, cores) into bench/results/search/sram<K>/, to be committed; a run that
# must move to another machine unfinished is carried by scripts/search_state.sh
# (its state.tar.xz there is restored here when the run folder is missing,
# and is to be deleted once the budget is recorded); the table takes a
# budget from OUT_DIR when it has finished there and from that record
# otherwise, and says which.
# Every search runs with --budget 2h (the evolution stops early when it must
# to keep the whole search within two hours), 8h at 64 KB: its supernet alone
# takes about three hours here, and 8h lets its evolution run the 30
# generations the smaller budgets' ran within 2h; SEARCH_ARGS adds options.
# usage: scripts/bench_search.sh BUILD_DIR OUT_DIR
set -u
build=$1; out=$2
src=$(cd "$(dirname "$0")/.." && pwd)
record_dir="$src/bench/results/search"
cli="$build/tinyforge"
mkdir -p "$out"
for k in ${BUDGETS:-8 16 32 64}; do
  flash=64K budget=2h; [ "$k" -ge 64 ] && flash=128K budget=8h
  dir="$out/sram${k}"
  echo "bench-search: ${k} KB SRAM, $flash flash -> $dir (log: $dir.log)"
  # a run carried from another machine (scripts/search_state.sh save)
  state="$record_dir/sram${k}/state.tar.xz"
  if [ ! -e "$dir" ] && [ -f "$state" ]; then
    "$src/scripts/search_state.sh" restore "$state" "$dir" || exit 1
  fi
  resume=; [ -d "$dir" ] && resume=--resume
  # shellcheck disable=SC2086
  if ! "$cli" search --data fashion-mnist --sram "${k}K" --flash "$flash" -o "$dir" --budget "$budget" --baselines $resume \
      ${SEARCH_ARGS:-} >>"$dir.log" 2>&1; then
    echo "bench-search: the ${k} KB run failed; the end of $dir.log:"; tail -5 "$dir.log"
  elif [ "${RECORD:-0}" = 1 ] && [ -f "$dir/result.json" ] && [ -f "$dir/baselines.json" ]; then
    rec="$record_dir/sram${k}"; mkdir -p "$rec"
    # paths inside the run folder become relative to it: no machine's paths in the repository
    for f in result.json baselines.json best.json space_opt.json supernet.json \
             space_cdf.svg evolution.svg pareto.svg; do
      [ -f "$dir/$f" ] && sed "s|$dir/||g" "$dir/$f" >"$rec/$f"
    done
    cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
    printf '{\n  "commit": "%s",\n  "date": "%s",\n  "cpu": "%s",\n  "cores": %s\n}\n' \
      "$(git -C "$src" rev-parse --short HEAD)" "$(date -u +%Y-%m-%dT%H:%MZ)" "$cpu" "$(nproc)" >"$rec/recorded.json"
    echo "bench-search: recorded the ${k} KB run in $rec (commit it)"
  fi
done
python3 - "$out" "$record_dir" ${BUDGETS:-8 16 32 64} <<'PY'
import json, os, sys
out, record, budgets = sys.argv[1], sys.argv[2], sys.argv[3:]
def load(p):
    try: return json.load(open(p))
    except (OSError, ValueError): return None
def pct(x): return "-" if x is None else f"{100 * x:.2f}%"
print("\n| SRAM | flash | search | random search | MobileNetV2 (scaled) | MACs | schedule | M4 instructions | arena | flash used | search time | run |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for k in budgets:
    d = os.path.join(out, f"sram{k}")
    r, b = load(d + "/result.json"), load(d + "/baselines.json")
    where = "this one"
    if not r:
        d = os.path.join(record, f"sram{k}")
        r, b, rec = load(d + "/result.json"), load(d + "/baselines.json"), load(d + "/recorded.json")
        where = f'recorded {rec["date"][:10]} at {rec["commit"]}' if rec else "recorded"
    if not r:
        print(f"| {k} KB | | (not finished) | | | | | | | | | |"); continue
    rs = b and b.get("random_search"); mb = b and b.get("mobilenetv2")
    s = r["schedule"]
    sched = s if isinstance(s, str) else f'{s["grid"][0]}x{s["grid"][1]} tiles to op {s["split_op"]}'
    acc = [r["int8_test_accuracy"], rs and rs["int8_test_accuracy"], mb and mb["int8_test_accuracy"]]
    top = max(a for a in acc if a is not None)
    cell = lambda i, text: f"**{text}**" if acc[i] == top else text  # the best of the three in bold
    mbs = "none fits" if b and mb is None else (cell(2, f'{pct(mb["int8_test_accuracy"])} ({mb["spec"]})') if mb else "-")
    print(f'| {k} KB | {r["flash_budget"] // 1024} KB | {cell(0, pct(acc[0]))} | {cell(1, pct(acc[1]))} | {mbs} | '
          f'{r["macs"] / 1e6:.2f} M | {sched} | {r["m4_instructions"] / 1e6:.2f} M | {r["arena_bytes"]:,} B | {r["flash_bytes"]:,} B | '
          f'{r["seconds"]["total"] / 60:.0f} min | {where} |')
PY
