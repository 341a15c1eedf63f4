#!/usr/bin/env bash
# Patch-based inference benchmark: for every shared model (int8 I/O) and the
# built-in MobileNetV2 1.0@224, the Pareto front of (peak, MACs) over every
# split and grid (tinyforge plan), the search time, and the chosen schedule
# (lowest peak within 1.2x MACs); then, on QEMU Cortex-M4, the instructions of
# the chosen patched schedule against layer by layer (both bit-exact).
# usage: scripts/bench_patches.sh [path/to/tinyforge]
set -uo pipefail
cli=${1:-build/tinyforge}
root=$(cd "$(dirname "$0")/.." && pwd)
models="$root/../shared/models"
[ -d "$models" ] || { echo "bench_patches: SKIP, no shared models at $models"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$cli" zoo build mbv2-w1.0-r224 -o "$tmp/mbv2-w1.0-r224.tflite" --shapes-only > /dev/null || exit 1

list="$models/tflm_person_detect.tflite $models/mlperf_vww_96_int8.tflite $models/mlperf_kws_ref_model.tflite
$models/mlperf_pretrainedResnet_quant.tflite $models/tinyengine_vww.tflite $models/tinyengine_detection.tflite
$models/tinyengine_mcunetv2_large.tflite $tmp/mbv2-w1.0-r224.tflite"

echo "Patch-based schedules: Pareto fronts of (peak, MACs). peak = arena with the input image;"
echo "no-input = the image streamed from outside the arena (how MCUNetV2 reports peaks)."
for m in $list; do
  echo
  echo "== $(basename "$m" .tflite)"
  "$cli" plan "$m" --int8-io | sed -n '/^Schedules:/,/^$/p;/^  schedule (grid/,/^$/p'
done

echo
echo "Cortex-M4 (QEMU): the chosen schedule's instructions against layer by layer"
printf "%-30s %12s %12s %9s %10s %10s %8s %8s\n" model "layer instr" "patch instr" "instr x" "layer B" "patch B" "MACs x" grid
for m in $list; do
  case $m in *mbv2*|*mcunetv2_large*) continue ;; esac # no weights / does not fit the 256 KB part either way
  a=$("$cli" bench "$m" --json 2>/dev/null)
  b=$("$cli" bench "$m" --json --schedule auto 2>"$tmp/err")
  ia=$(echo "$a" | sed -n 's/.*"instructions": \([0-9]*\).*/\1/p'); ib=$(echo "$b" | sed -n 's/.*"instructions": \([0-9]*\).*/\1/p')
  ra=$(echo "$a" | sed -n 's/.*"arena_bytes": \([0-9]*\).*/\1/p'); rb=$(echo "$b" | sed -n 's/.*"arena_bytes": \([0-9]*\).*/\1/p')
  ea=$(echo "$a" | grep -c '"bitexact": true'); eb=$(echo "$b" | grep -c '"bitexact": true')
  grid=$(echo "$b" | sed -n 's/.*"grid": \[\([0-9]*\), \([0-9]*\)\].*/\1x\2/p'); grid=${grid:-layer}
  macs=$(sed -n 's/.*MACs\(.*\)x MACs.*/\1/p; s/.*, \([0-9.]*\)x MACs.*/\1/p' "$tmp/err" | tail -1)
  if [ -z "$ia" ] || [ -z "$ib" ] || [ "$ea" != 1 ] || [ "$eb" != 1 ]; then
    echo "$(basename "$m" .tflite): bench failed or not bit-exact"; continue
  fi
  awk -v n="$(basename "$m" .tflite)" -v ia="$ia" -v ib="$ib" -v ra="$ra" -v rb="$rb" -v mx="${macs:-1.000}" -v g="$grid" \
    'BEGIN { printf "%-30s %12d %12d %8.3fx %10d %10d %8s %8s\n", n, ia, ib, ib / ia, ra, rb, mx, g }'
done
