#!/usr/bin/env bash
# Patch-based inference benchmark: for every shared model (int8 I/O) and the
# built-in MobileNetV2 1.0@224, the Pareto front of (peak, MACs) over every
# split and grid (tinyforge plan), the search time, and the chosen schedule
# (lowest peak within 1.2x the MACs and the predicted M4 instructions); then,
# on QEMU Cortex-M4, the instructions of the chosen patched schedule against
# layer by layer (both bit-exact).
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
$models/st_yamnet_256_64x96.tflite $models/st_miniresnetv2_1stacks_64x50.tflite
$models/tflm_micro_speech_quantized.tflite $models/tinyengine_mcunetv2_large.tflite $tmp/mbv2-w1.0-r224.tflite"

echo "Patch-based schedules: Pareto fronts of (peak, MACs). peak = arena with the input image;"
echo "no-input = the image streamed from outside the arena (how MCUNetV2 reports peaks)."
for m in $list; do
  echo
  echo "== $(basename "$m" .tflite)"
  "$cli" plan "$m" --int8-io | sed -n '/^Schedules:/,/^$/p;/^  schedule (grid/,/^$/p'
done

echo
echo "Cortex-M4 (QEMU): the chosen schedule's instructions against layer by layer, and what the"
echo "latency model (src/sched/latency.c: per-layer terms, and per call of a step on a tile) predicted"
echo "for both: 'pred x' is its predicted overhead, 'error' its error on the overhead (pred x / instr x - 1)."
echo "Each model at two choices: the lowest peak within 1.2x (MACs and predicted instructions), and within 1.05x."
printf "%-30s %5s %12s %12s %8s %8s %7s %9s %9s %7s %6s\n" model cap "layer instr" "patch instr" "instr x" "pred x" error "layer B" "patch B" "MACs x" grid
num() { echo "$1" | sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p"; }
for m in $list; do
  case $m in *mbv2*|*mcunetv2_large*) continue ;; esac # no weights / does not fit the 256 KB part either way
  a=$("$cli" bench "$m" --json 2>/dev/null)
  for cap in 1.2 1.05; do
    b=$("$cli" bench "$m" --json --schedule auto --max-overhead $cap 2>"$tmp/err")
    ia=$(num "$a" instructions); ib=$(num "$b" instructions)
    pa=$(num "$a" instructions_predicted); pb=$(num "$b" instructions_predicted)
    ra=$(num "$a" arena_bytes); rb=$(num "$b" arena_bytes)
    ea=$(echo "$a" | grep -c '"bitexact": true'); eb=$(echo "$b" | grep -c '"bitexact": true')
    grid=$(echo "$b" | sed -n 's/.*"grid": \[\([0-9]*\), \([0-9]*\)\].*/\1x\2/p'); grid=${grid:-layer}
    macs=$(sed -n 's/.*, \([0-9.]*\)x MACs.*/\1/p' "$tmp/err" | tail -1)
    if [ -z "$ia" ] || [ -z "$ib" ] || [ "$ea" != 1 ] || [ "$eb" != 1 ]; then
      echo "$(basename "$m" .tflite): bench failed or not bit-exact"; continue
    fi
    awk -v n="$(basename "$m" .tflite)" -v cap="$cap" -v ia="$ia" -v ib="$ib" -v pa="$pa" -v pb="$pb" -v ra="$ra" -v rb="$rb" \
        -v mx="${macs:-1.000}" -v g="$grid" 'BEGIN {
      x = ib / ia; px = pb / pa
      printf "%-30s %5s %12d %12d %7.3fx %7.3fx %+6.1f%% %9d %9d %7s %6s\n", n, cap, ia, ib, x, px, 100 * (px / x - 1), ra, rb, mx, g }'
  done
done
