#!/usr/bin/env bash
# Generated code on the host: for every shared model, `tinyforge compile`,
# build the output with gcc and clang under -std=c99 -Wall -Wextra -Werror
# -pedantic, run it, and require the host executor's exact bytes (and, for
# int8 models, the golden output bytes). The executor is the oracle: it is
# itself checked against TFLite's golden data by the models_* tests.
# With a third argument (the test_graph binary), also the models of issue 11
# ("accept what TFLite accepts") that test_graph writes: generated code must
# give the naive reference's bytes on them.
# usage: tests/codegen.sh path/to/tinyforge SOURCE_DIR [path/to/test_graph]
set -u
cli=$1; src=$2; graph=${3:-}
models="$src/../shared/models"
[ -d "$models" ] || { echo "SKIP: shared models not found at $models"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
compilers="gcc"
command -v clang >/dev/null && compilers="gcc clang"
flags="-std=c99 -O2 -Wall -Wextra -Werror -pedantic"

# check_generated NAME OUT LABEL: build OUT's generated code with every
# compiler, run it on NAME's golden input and compare with the executor.
# Leaves the input size in $in_bytes and the last output in $tmp/got.bin.
check_generated() {
  local name=$1 out=$2 label=$3 m="$models/$1.tflite" cc
  # Input: the golden input if it is int8 already, else the same number of
  # bytes of it reinterpreted as int8 (any int8 input is valid).
  in_bytes=$(sed -n 's/^#define MODEL_INPUT_SIZE \([0-9]*\)u$/\1/p' "$out/model.h")
  head -c "$in_bytes" "$models/golden/$name.rand1.input.bin" > "$tmp/in.bin"
  "$cli" run "$m" --int8-io -i "$tmp/in.bin" -o "$tmp/want.bin" || { bad "$label: executor run"; return 1; }
  build_and_compare "$out" "$tmp/in.bin" "$tmp/want.bin" "$label" "the executor"
}

# build_and_compare OUT INPUT WANT LABEL WHAT: build OUT's generated code
# with every compiler, run it on INPUT, require WANT's bytes (from WHAT).
# Leaves the last output in $tmp/got.bin.
build_and_compare() {
  local out=$1 input=$2 want=$3 label=$4 what=$5 cc
  for cc in $compilers; do
    if ! $cc $flags -I "$out" -DMODEL_HEADER='"model.h"' "$src/tests/codegen_driver.c" "$out/model.c" \
         "$out"/runtime/*.c -lm -o "$tmp/run_$cc" 2> "$tmp/cc.log"; then
      bad "$label: $cc build"; head -20 "$tmp/cc.log"; continue
    fi
    ok
    if "$tmp/run_$cc" "$input" "$tmp/got.bin" && cmp -s "$tmp/got.bin" "$want"; then ok
    else bad "$label: $cc output differs from $what"; fi
  done
}

for m in "$models"/*.tflite; do
  name=$(basename "$m" .tflite)
  out="$tmp/$name"
  if ! "$cli" compile "$m" -o "$out" --name model > "$tmp/compile.log" 2>&1; then
    bad "$name: compile"; cat "$tmp/compile.log"; continue
  fi
  check_generated "$name" "$out" "$name" || continue
  # Models whose input is int8 already: the generated code also reproduces
  # TFLite's golden output. Its outputs are int8 (compile drops float edges),
  # so a float golden output is compared after TFLite's DEQUANTIZE of them.
  if [ "$(stat -c %s "$models/golden/$name.rand1.input.bin")" = "$in_bytes" ]; then
    if /usr/bin/python3 "$src/tests/golden_outputs.py" "$out/model.h" "$tmp/got.bin" \
         "$models/golden/$name.rand1.output.bin"; then ok; else bad "$name: differs from golden"; fi
  fi
  # Only the kernels the model uses are shipped.
  if grep -q tfg_mean_s8 "$out/model.c" || [ ! -e "$out/runtime/mean.c" ]; then ok; else bad "$name: unused mean.c shipped"; fi
done
# Patch-based schedules (tinyforge plan): the generated patch stage must give
# the executor's bytes too, with the input in the arena and streamed.
for spec in "tflm_person_detect:--schedule auto" "tflm_person_detect:--schedule 3x2@5 --stream-input" \
            "tinyengine_vww:--schedule auto --stream-input" "tinyengine_vww:--schedule 2x2@12" \
            "mlperf_kws_ref_model:--schedule 2x3@3" "mlperf_pretrainedResnet_quant:--schedule 2x2@3" \
            "tinyengine_vww:--no-pad-fold --schedule auto --stream-input" \
            "st_yamnet_256_64x96:--schedule auto" "st_yamnet_256_64x96:--schedule 3x2@4 --stream-input" \
            "tflm_micro_speech_quantized:--schedule 2x2@1" "st_miniresnetv2_1stacks_64x50:--schedule 2x2@5"; do
  name=${spec%%:*}; opts=${spec#*:}
  out="$tmp/p_$name"; rm -rf "$out"
  # shellcheck disable=SC2086
  if ! "$cli" compile "$models/$name.tflite" -o "$out" --name model $opts > "$tmp/compile.log" 2>&1; then
    bad "$name $opts: compile"; cat "$tmp/compile.log"; continue
  fi
  grep -q "model_patch(" "$out/model.c" && ok || bad "$name $opts: no patch function in the generated code"
  check_generated "$name" "$out" "$name $opts (patched)"
done
# Models TFLite Micro runs and we once refused (tests/test_graph.c section 9):
# negative weight scales, uint8 inputs. Generated code (compile strips the
# input QUANTIZE, so a uint8 model then takes NAME.int8in.bin) must give the
# executor's bytes and the naive reference's (NAME.expected.bin).
if [ -n "$graph" ]; then
  acc="$tmp/accept"; mkdir -p "$acc"
  "$graph" --write-models "$acc" > "$tmp/graph.log" 2>&1 || { bad "test_graph --write-models"; tail -5 "$tmp/graph.log"; }
  for m in "$acc"/*.tflite; do
    [ -e "$m" ] || { bad "test_graph wrote no models"; break; }
    name=$(basename "$m" .tflite); out="$tmp/a_$name"
    input="$acc/$name.input.bin"; [ -e "$acc/$name.int8in.bin" ] && input="$acc/$name.int8in.bin"
    if ! "$cli" compile "$m" -o "$out" --name model > "$tmp/compile.log" 2>&1; then
      bad "$name: compile"; cat "$tmp/compile.log"; continue
    fi
    "$cli" run "$m" --int8-io -i "$input" -o "$tmp/want.bin" || { bad "$name: executor run"; continue; }
    cmp -s "$tmp/want.bin" "$acc/$name.expected.bin" && ok || bad "$name: executor differs from the reference"
    build_and_compare "$out" "$input" "$acc/$name.expected.bin" "$name" "the reference"
  done
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
