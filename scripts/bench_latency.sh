#!/usr/bin/env bash
# The Cortex-M4 latency model (src/sched/latency.c) against QEMU's counts.
# Samples subnets of the default search space at five budgets (so that their
# schedules are patched and layer by layer, their kernels fast and
# low-memory), benches each with per-layer counts, and benches the shared
# models layer by layer and under every schedule on their Pareto front
# (SHARED: which models; many tiles, as the search's small nets never have).
# Fits the coefficients by least squares on half the subnets (every layer
# row and patch stage row is linear in them: a stage's steps pay their
# per-element and per-pixel terms over the tiles' regions, their per-layer
# term once, and the stage a cost per call of a step on a tile). Prints the
# error of whole inferences on the other half, and for the shared models,
# which the fit never sees, the instruction overhead of each schedule over
# layer by layer, measured against predicted, with the binary's own
# prediction next to both.
# FIT=1 also writes the fitted coefficients into src/sched/latency.c;
# REUSE=1 keeps the benches of an earlier run in OUT_DIR.
# usage: scripts/bench_latency.sh BUILD_DIR [N_PER_BUDGET] [OUT_DIR]   (needs the cross toolchain and QEMU)
set -euo pipefail
build=$1; n=${2:-16}; out=${3:-$build/bench-latency}
root=$(cd "$(dirname "$0")/.." && pwd)
cli=$build/tinyforge
mkdir -p "$out"; : >"$out/rows.tsv"
for pair in "1 4 32K" "0 1 12K" "2 2 48K" "0 4 16K" "3 3 64K"; do
  set -- $pair
  dir=$out/w$1_r$2; [ "${REUSE:-0}" = 1 ] || rm -rf "$dir"; mkdir -p "$dir"
  "$build/sample_subnets" default "$1" "$2" "$n" 2 "$dir"
  for ((i = 0; i < n; i++)); do
    # synthetic weights, calibrated: requantization and clamps as in trained models (placeholder
    # quantization takes slower kernel paths and would bias the fit)
    [ -s "$dir/subnet_$i.tflite" ] || "$cli" zoo build "$dir/subnet_$i.json" -o "$dir/subnet_$i.tflite" >/dev/null
    sched=auto; [ $((i % 4)) -ge 2 ] && sched=layer # layer by layer in both halves
    if { [ "${REUSE:-0}" = 1 ] && [ -s "$dir/subnet_$i.json.out" ]; } ||
      TFG_ROOT=$root "$cli" bench "$dir/subnet_$i.tflite" --schedule $sched --sram "$3" --layers --json \
        >"$dir/subnet_$i.json.out" 2>/dev/null; then
      printf '%s\t%s\n' "$((i % 2))" "$dir/subnet_$i.json.out" >>"$out/rows.tsv"
    else
      echo "bench_latency: $dir/subnet_$i.tflite does not fit $3 (skipped)" >&2
    fi
  done
done
: >"$out/shared.tsv"
models=$root/../shared/models
for name in ${SHARED-tflm_person_detect mlperf_vww_96_int8 tinyengine_vww tinyengine_detection st_yamnet_256_64x96 st_miniresnetv2_1stacks_64x50}; do
  f=$models/$name.tflite
  [ -f "$f" ] || { echo "bench_latency: $f not found (skipped)" >&2; continue; }
  mkdir -p "$out/shared"
  scheds=$("$cli" plan "$f" --schedule auto 2>/dev/null | awk '{sub(/^\*/, "")} $1 ~ /^[0-9]+x[0-9]+@[0-9]+$/ {print $1}')
  for s in layer $scheds; do
    o=$out/shared/$name.$s.json
    { [ "${REUSE:-0}" = 1 ] && [ -s "$o" ]; } ||
      TFG_ROOT=$root "$cli" bench "$f" --target cortex-m4 --schedule "$s" --max-overhead 100 --layers --json >"$o" 2>/dev/null ||
      { echo "bench_latency: $name $s failed (skipped)" >&2; rm -f "$o"; continue; }
    printf '%s\t%s\t%s\n' "$name" "$s" "$o" >>"$out/shared.tsv"
  done
done
python3 - "$out/rows.tsv" "$out/shared.tsv" "$root/src/sched/latency.c" "${FIT:-0}" "$root/scripts" <<'PY'
import json, re, sys
sys.path.insert(0, sys.argv[5])
import lstsq
rows_path, shared_path, src_path, write = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
src = open(src_path).read()
names = src[src.index("tfg_lat_class_names"):src.index("};", src.index("tfg_lat_class_names"))]
classes = re.findall(r'"(\w+)"', names)
def bench_json(path):
    t = open(path).read()
    return json.loads(t[t.index("{"):])
subnets = [(int(a), bench_json(p.strip())) for a, p in (l.split("\t") for l in open(rows_path))]
shared = [(n, s, bench_json(p.strip())) for n, s, p in (l.split("\t") for l in open(shared_path))]
nl = len(classes) * 4
def vec(row):
    """A row's features: a stage pays each step's d once, and a cost per call."""
    v = [0.0] * (nl + 1)
    per_step = 1.0 / row["tiles"] if "tiles" in row else 1.0
    for c, f in row["features"].items():
        for q in range(4): v[classes.index(c) * 4 + q] += f[q] * (per_step if q == 3 else 1)
    if "tiles" in row: v[nl] = row["tile_calls"]
    return v
dot = lambda a, b: sum(x * y for x, y in zip(a, b))
X, y = [], []
for half, b in subnets:
    if half == 0:
        for row in b["layers"]: X.append(vec(row)); y.append(row["instructions"])
coef = lstsq.fit(X, y)  # classes that never occur keep 0
pred = lambda b: sum(dot(coef, vec(r)) for r in b["layers"])
print(f"{len(X)} layer and stage rows of {sum(1 for h, _ in subnets if h == 0)} subnets fitted; "
      f"whole inferences of the other {sum(1 for h, _ in subnets if h == 1)}:\n")
print(f"{'subnet':<44} {'schedule':>9} {'measured':>11} {'fitted':>11} {'error':>7} {'built-in':>11} {'error':>7}")
errs, errs_b = [], []
for half, b in subnets:
    if half != 1: continue
    s = b.get("schedule"); sched = f'{s["grid"][0]}x{s["grid"][1]}@{s["split_op"]}' if s else "layer"
    p, m_, q = pred(b), b["instructions"], b["instructions_predicted"]
    errs.append(p / m_ - 1); errs_b.append(q / m_ - 1)
    print(f"{b['model'][-44:]:<44} {sched:>9} {m_:>11} {p:>11.0f} {100 * (p / m_ - 1):>+6.1f}% {q:>11} {100 * (q / m_ - 1):>+6.1f}%")
ma = lambda e: sum(abs(x) for x in e) / len(e) if e else 0
wo = lambda e: max(e, key=abs) if e else 0
print(f"\nfitted: mean |error| {100 * ma(errs):.1f}%, worst {100 * wo(errs):+.1f}%;"
      f" built-in coefficients: mean |error| {100 * ma(errs_b):.1f}%, worst {100 * wo(errs_b):+.1f}%")
if shared:
    print("\nShared models (not in the fit): instruction overhead of each patched schedule over layer by layer,"
          "\nmeasured on QEMU, predicted by the fit and by this binary's built-in coefficients.\n")
    print(f"{'model':<32} {'schedule':>9} {'measured':>9} {'fitted':>8} {'error':>7} {'built-in':>9} {'error':>7}")
    oe, ob = [], []
    for name in dict.fromkeys(n for n, s, b in shared):
        lbl = [b for n, s, b in shared if n == name and s == "layer"]
        if not lbl: continue
        lbl = lbl[0]
        for n, s, b in shared:
            if n != name or s == "layer": continue
            mx = b["instructions"] / lbl["instructions"]
            fx = pred(b) / pred(lbl)
            bx = b["instructions_predicted"] / lbl["instructions_predicted"]
            oe.append(fx / mx - 1); ob.append(bx / mx - 1)
            print(f"{name[-32:]:<32} {s:>9} {mx:>8.3f}x {fx:>7.3f}x {100 * (fx / mx - 1):>+6.1f}% {bx:>8.3f}x {100 * (bx / mx - 1):>+6.1f}%")
    print(f"\noverhead, fitted: mean |error| {100 * ma(oe):.1f}%, worst {100 * wo(oe):+.1f}%;"
          f" built-in: mean |error| {100 * ma(ob):.1f}%, worst {100 * wo(ob):+.1f}%")
lines = ["/* BEGIN fitted by scripts/bench_latency.sh */", "static const double coef[TFG_LAT_COUNT][4] = {"]
hdr = open(src_path.replace("latency.c", "latency.h")).read()
enum = [e for e in re.findall(r"(TFG_LAT_\w+)", hdr) if e != "TFG_LAT_COUNT"]
for i, e in enumerate(enum):
    lines.append(f"    [{e}] = {{{coef[4 * i]:.4g}, {coef[4 * i + 1]:.4g}, {coef[4 * i + 2]:.4g}, {coef[4 * i + 3]:.4g}}},")
lines += ["};", f"static const double call_coef = {coef[nl]:.4g};", "/* END fitted */"]
block = "\n".join(lines)
if write:
    i, j = src.index("/* BEGIN fitted"), src.index("/* END fitted */") + len("/* END fitted */")
    open(src_path, "w").write(src[:i] + block + src[j:])
    print(f"\nwrote the coefficients into {src_path}")
else:
    print("\n" + block)
PY
