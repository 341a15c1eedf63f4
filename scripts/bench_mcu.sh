#!/usr/bin/env bash
# MCU benchmark: generated code on QEMU Cortex-M4 (mps2-an386) per shared
# model, beside TFLM's instruction counts on the same board (MODELS.md:
# reference kernels and CMSIS-NN, 40-instruction granularity). Our counts are
# exact (targets/qemu/insn_count.c). Also MACs per instruction (SMLAD does at
# most 2), flash, the model's own code, SRAM against the planned arena, and
# the stack high-water mark. Figures only; tests/mcu.sh checks bit-exactness.
set -u
cli=${1:-build/tinyforge}
root=$(cd "$(dirname "$0")/.." && pwd)
models="$root/../shared/models"
command -v arm-none-eabi-gcc >/dev/null || { echo "bench_mcu: SKIP, no arm-none-eabi-gcc (scripts/deps-targets.sh)"; exit 0; }
[ -d "$models" ] || { echo "bench_mcu: SKIP, no shared models"; exit 0; }
export TFG_ROOT="$root"
# model  TFLM-ref  TFLM-CMSIS-NN   (Cortex-M4F guest instructions, MODELS.md)
table="tflm_person_detect 95.7e6 22.9e6
mlperf_vww_96_int8 100.3e6 24.1e6
mlperf_kws_ref_model 43.0e6 7.70e6
mlperf_pretrainedResnet_quant 107.4e6 29.9e6
mlperf_ad01_int8 1.95e6 0.58e6
tflm_micro_speech_quantized 9.31e6 1.49e6
tflm_hello_world_int8 5200 3520
tinyengine_vww 189.2e6 48.6e6
tinyengine_detection 323.6e6 76.0e6"
echo "Cortex-M4 (QEMU mps2-an386): instructions per inference; TFLM figures from MODELS.md."
printf "\n%-30s %12s %12s %12s %8s %8s %6s %9s %8s %9s %9s %6s\n" model instructions "TFLM ref" "TFLM CMSIS" "vs ref" "vs CMSIS" "MAC/in" flash code sram arena stack
while read -r m ref cmsis; do
  j=$("$cli" bench "$models/$m.tflite" --target cortex-m4 --json 2>&1) || { echo "$m: $j" | head -3; continue; }
  get() { echo "$j" | sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p"; }
  awk -v m="$m" -v i="$(get instructions)" -v r="$ref" -v c="$cmsis" -v mpi="$(get macs_per_instruction)" \
      -v f="$(get flash_bytes)" -v code="$(get model_code_bytes)" -v s="$(get sram_bytes)" -v a="$(get arena_bytes)" \
      -v st="$(get stack_high_water_bytes)" 'BEGIN {
    printf "%-30s %12d %12.0f %12.0f %7.2fx %7.2fx %6.3f %9d %8d %9d %9d %6d\n", m, i, r, c, r / i, c / i, mpi, f, code, s, a, st }'
done <<< "$table"
echo
echo "vs ref / vs CMSIS: how many times fewer instructions than TFLM (above 1 is faster). MAC/in: the"
echo "DSP limit is 2 (one SMLAD per two MACs). sram = data + bss (the arena, I/O and state), stack = high-water."
