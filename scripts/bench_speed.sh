#!/usr/bin/env bash
# Host speed benchmark: callgrind instruction counts (Ir) of one inference,
# counted inside tfg_model_invoke only (not loading or planning), on each
# shared model's rand1 golden input, next to TFLM's counts inside Invoke()
# from ../shared/models/MODELS.md (x86-64, gcc 12 -O2). Counts, not times:
# they repeat exactly for the same binary and input.
set -euo pipefail
cli=${1:-build/tinyforge}
root=$(cd "$(dirname "$0")/.." && pwd)
models="$root/../shared/models"
command -v valgrind >/dev/null || { echo "bench_speed: valgrind is not installed (scripts/deps.sh)" >&2; exit 1; }
[ -d "$models" ] || { echo "bench_speed: SKIP, no shared models at $models"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# model  MACs  TFLM-reference-Ir  TFLM-CMSIS-NN-portable-C-Ir   (MODELS.md)
table="tflm_person_detect 7.16e6 116.4e6 43.5e6
mlperf_vww_96_int8 7.49e6 121.1e6 46.1e6
mlperf_kws_ref_model 2.66e6 50.0e6 15.6e6
mlperf_pretrainedResnet_quant 12.5e6 132.8e6 69.7e6
mlperf_ad01_int8 0.26e6 2.51e6 1.31e6
tflm_micro_speech_quantized 0.34e6 10.99e6 1.82e6
tflm_hello_world_int8 288 6476 4196
tinyengine_vww 11.6e6 225.1e6 86.0e6
tinyengine_detection 18.3e6 381.4e6 128.3e6
tinyengine_mcunetv2_large 216.8e6 3456e6 1619e6"

echo "Host speed: instructions (callgrind Ir) per inference; TFLM figures from MODELS.md."
while read -r m macs ref cmsis; do
  out=$(valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" --toggle-collect=tfg_model_invoke \
        "$cli" run "$models/$m.tflite" -i "$models/golden/$m.rand1.input.bin" -o "$tmp/out.bin" 2>&1) || {
    echo "bench_speed: $m failed:"; echo "$out" | tail -5; exit 1; }
  ir=$(echo "$out" | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  echo "$m $macs $ref $cmsis $ir"
done <<< "$table" | awk '
  BEGIN { printf "\n%-30s %10s %14s %14s %14s %9s %9s %7s\n", "model", "MACs", "tinyforge Ir", "TFLM ref Ir",
          "TFLM CMSIS Ir", "vs ref", "vs CMSIS", "Ir/MAC" }
  { r1 = $5 / $3; r2 = $5 / $4; lr1 += log(r1); lr2 += log(r2); n++;
    if (r1 > 1) slower++;
    printf "%-30s %10.0f %14d %14.0f %14.0f %8.1f%% %8.1f%% %7.2f\n", $1, $2, $5, $3, $4, 100*r1, 100*r2, $5/$2 }
  END { printf "\ngeometric mean: %.1f%% of TFLM reference kernels, %.1f%% of TFLM CMSIS-NN portable C\n",
        100*exp(lr1/n), 100*exp(lr2/n);
        printf "models slower than TFLM reference kernels: %d\n", slower }'
