#!/usr/bin/env bash
# The main job until the built-in model builder lands: take a real int8 model
# (TFLM's person detector), show its per-layer table and memory plan, and run
# it on the two real test images, checking the scores against TFLM's.
set -euo pipefail
cli=${1:-build/tinyforge}
root=$(cd "$(dirname "$0")/.." && pwd)
models="$root/../shared/models"
model="$models/tflm_person_detect.tflite"
[ -f "$model" ] || { echo "demo: the shared models are not at $models" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

echo "== tinyforge info: what the model is and what each layer costs"
"$cli" info "$model"
echo
echo "== tinyforge plan: how much SRAM it needs, and why"
"$cli" plan "$model" | head -8
echo "   (TFLite Micro needs 85,232 B of arena for the same model)"
echo
echo "== tinyforge run: the two real test images"
for img in person no_person; do
  "$cli" run "$model" -i "$models/golden/tflm_person_detect.$img.input.bin" -o "$tmp/$img.out"
  read -r no yes < <(od -An -td1 "$tmp/$img.out")
  # Output is int8 with scale 1/256 and zero point -128: p = (q + 128) / 256.
  awk -v img="$img" -v no="$no" -v yes="$yes" 'BEGIN {
    printf "   %-10s person score %.3f, no-person score %.3f -> %s\n", img, (yes + 128) / 256, (no + 128) / 256,
           (yes > no ? "person" : "no person") }'
  if cmp -s "$tmp/$img.out" "$models/golden/tflm_person_detect.$img.output.bin"; then
    echo "              bytes identical to TFLite Micro's output"
  else
    echo "              MISMATCH with TFLite Micro's output" >&2; exit 1
  fi
done
