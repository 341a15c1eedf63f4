#!/usr/bin/env bash
# The Cortex-M4 latency model (src/sched/latency.c) against QEMU's counts.
# Samples subnets of the default search space at five budgets (so that their
# schedules are patched and layer by layer, their kernels fast and
# low-memory), benches each with per-layer counts, fits the model's
# coefficients by least squares on half of them (every layer row and patch
# stage row is linear in the coefficients) and prints the error of whole
# inferences on the other half, with the binary's own prediction next to
# it. FIT=1 also writes the fitted coefficients into src/sched/latency.c;
# REUSE=1 keeps the benches of an earlier run in OUT_DIR (the same subnets).
# usage: scripts/bench_latency.sh BUILD_DIR [N_PER_BUDGET] [OUT_DIR]   (needs the cross toolchain and QEMU)
set -euo pipefail
build=$1; n=${2:-8}; out=${3:-$build/bench-latency}
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
python3 - "$out/rows.tsv" "$root/src/sched/latency.c" "${FIT:-0}" "$root/scripts" <<'PY'
import json, re, sys
sys.path.insert(0, sys.argv[4])
import lstsq
rows_path, src_path, write = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
src = open(src_path).read()
classes = re.findall(r'"(\w+)"', src[src.index("tfg_lat_class_names"):src.index("};", src.index("tfg_lat_class_names"))])
def bench_json(path):
    t = open(path).read()
    return json.loads(t[t.index("{"):])
models = [(int(a), bench_json(p.strip())) for a, p in (l.split("\t") for l in open(rows_path))]
nv = len(classes) * 4 + 2
def vec(row):
    v = [0.0] * nv
    for c, f in row["features"].items():
        for q in range(4): v[classes.index(c) * 4 + q] += f[q]
    if "tiles" in row: v[-2] += row["tiles"]; v[-1] += row["tile_bytes"]
    return v
X, y = [], []
for half, b in models:
    if half == 0:
        for row in b["layers"]: X.append(vec(row)); y.append(row["instructions"])
coef = lstsq.fit(X, y)  # classes that never occur keep 0
pred = lambda b: sum(sum(c * x for c, x in zip(coef, vec(r))) for r in b["layers"])
print(f"{len(X)} layer and stage rows of {sum(1 for h, _ in models if h == 0)} subnets fitted; "
      f"whole inferences of the other {sum(1 for h, _ in models if h == 1)}:\n")
print(f"{'subnet':<44} {'schedule':>9} {'measured':>11} {'fitted':>11} {'error':>7} {'built-in':>11} {'error':>7}")
errs, errs_b = [], []
for half, b in models:
    if half != 1: continue
    s = b.get("schedule"); sched = f'{s["grid"][0]}x{s["grid"][1]}@{s["split_op"]}' if s else "layer"
    p, m_, q = pred(b), b["instructions"], b["instructions_predicted"]
    errs.append(p / m_ - 1); errs_b.append(q / m_ - 1)
    print(f"{b['model'][-44:]:<44} {sched:>9} {m_:>11} {p:>11.0f} {100 * (p / m_ - 1):>+6.1f}% {q:>11} {100 * (q / m_ - 1):>+6.1f}%")
ma = lambda e: sum(abs(x) for x in e) / len(e)
print(f"\nfitted: mean |error| {100 * ma(errs):.1f}%, worst {100 * max(errs, key=abs):+.1f}%;"
      f" built-in coefficients: mean |error| {100 * ma(errs_b):.1f}%, worst {100 * max(errs_b, key=abs):+.1f}%")
lines = ["/* BEGIN fitted by scripts/bench_latency.sh */", "static const double coef[TFG_LAT_COUNT][4] = {"]
hdr = open(src_path.replace("latency.c", "latency.h")).read()
enum = [e for e in re.findall(r"(TFG_LAT_\w+)", hdr) if e != "TFG_LAT_COUNT"]
for i, e in enumerate(enum):
    lines.append(f"    [{e}] = {{{coef[4 * i]:.4g}, {coef[4 * i + 1]:.4g}, {coef[4 * i + 2]:.4g}, {coef[4 * i + 3]:.4g}}},")
lines += ["};", f"static const double tile_coef[2] = {{{coef[-2]:.4g}, {coef[-1]:.4g}}};", "/* END fitted */"]
block = "\n".join(lines)
if write:
    i, j = src.index("/* BEGIN fitted"), src.index("/* END fitted */") + len("/* END fitted */")
    open(src_path, "w").write(src[:i] + block + src[j:])
    print(f"\nwrote the coefficients into {src_path}")
else:
    print("\n" + block)
PY
