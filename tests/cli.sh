#!/usr/bin/env bash
# CLI behaviour: help, argument errors, run/plan/info on a real model.
# usage: tests/cli.sh path/to/tinyforge SOURCE_DIR [path/to/test_graph]
# (test_graph writes the uint8-input model of issue 11 for the run checks)
set -u
cli=$1; src=$2; graph=${3:-}
models="$src/../shared/models"
[ -d "$models" ] || { echo "SKIP: shared models not found at $models"; exit 0; }
m="$models/tflm_person_detect.tflite"
. "$(dirname "$0")/lib.sh"

check "top-level --help" status_is 0 "$cli" --help
for c in info run plan demo zoo compile bench eval; do check "$c --help" status_is 0 "$cli" $c --help; done
check "help mentions every command" bash -c "'$cli' --help | grep -q info && '$cli' --help | grep -q plan && '$cli' --help | grep -q run"
check "no arguments -> 2" status_is 2 "$cli"
check "unknown command -> 2" status_is 2 "$cli" frobnicate
check "unknown option -> 2" status_is 2 "$cli" plan "$m" --bogus
# One argument loop for every command (src/cli/common.c): the same messages everywhere.
for c in info plan run compile bench report eval; do
  check "$c: unknown option named -> 2" bash -c "'$cli' $c '$m' --bogus 2>'$tmp/e'; [ \$? -eq 2 ] && grep -q \"unknown option '--bogus' (see tinyforge $c --help)\" '$tmp/e'"
  check "$c: two models -> 2" bash -c "'$cli' $c '$m' '$m' 2>'$tmp/e'; [ \$? -eq 2 ] && grep -q 'more than one model given' '$tmp/e'"
done
for c in "run -i" "compile -o" "bench --target" "report --format" "plan --sram"; do
  check "${c%% *}: ${c#* } without its value -> 2" bash -c "'$cli' $c 2>'$tmp/e'; [ \$? -eq 2 ] && grep -q \"option '${c#* }' needs a value\" '$tmp/e'"
done
check "run without -o -> 2" status_is 2 "$cli" run "$m" -i "$models/golden/tflm_person_detect.person.input.bin"
check "--repeat 0 refused" status_is 2 "$cli" run "$m" -i x -o y --repeat 0
check "missing model file -> 1 with message" bash -c "! '$cli' info '$tmp/none.tflite' 2>'$tmp/e'; grep -q 'cannot open' '$tmp/e'"
check "not a model -> 1 with message" bash -c "echo hello > '$tmp/x.tflite'; ! '$cli' info '$tmp/x.tflite' 2>'$tmp/e'; grep -q 'error:' '$tmp/e'"

# run: exact output, --repeat gives the same bytes, wrong input size is refused and writes nothing.
in="$models/golden/tflm_person_detect.person.input.bin"
check "run matches golden" bash -c "'$cli' run '$m' -i '$in' -o '$tmp/o1' && cmp '$tmp/o1' '$models/golden/tflm_person_detect.person.output.bin'"
check "--repeat 3 same bytes" bash -c "'$cli' run '$m' -i '$in' -o '$tmp/o3' --repeat 3 && cmp '$tmp/o1' '$tmp/o3'"
head -c 100 "$in" > "$tmp/short.bin"
check "short input refused" bash -c "! '$cli' run '$m' -i '$tmp/short.bin' -o '$tmp/o4' 2>'$tmp/e' && grep -q 'bytes but the model' '$tmp/e' && [ ! -e '$tmp/o4' ]"
check "unwritable output reported" bash -c "! '$cli' run '$m' -i '$in' -o '$tmp/nodir/o' 2>'$tmp/e' && grep -q 'cannot write' '$tmp/e'"

# plan: text and JSON agree; JSON has the documented keys and one step per executed op.
check "plan --json keys" bash -c "'$cli' plan '$m' --json > '$tmp/p.json' && for k in peak_bytes lower_bound_bytes macs weights_bytes steps live_bytes buffers; do grep -q \"\\\"\$k\\\"\" '$tmp/p.json' || exit 1; done"
peak_json=$(sed -n 's/^  "peak_bytes": \([0-9]*\).*/\1/p' "$tmp/p.json")
peak_text=$("$cli" plan "$m" | sed -n 's/.*arena (peak) *\([0-9]*\) B.*/\1/p')
check "plan text and json agree ($peak_text)" test -n "$peak_json" -a "$peak_json" = "$peak_text"
# Pointwise convs write over their inputs, so the peak is the depthwise layer
# on the 48x48x16 tensor, in place too and in STRIP (least scratch): the arena
# is that one tensor plus the strip.
strip_scratch=$("$cli" plan "$m" | awk '/STRIP   <- most live/ {print $6}')
check "plan: the peak depthwise runs STRIP over its input, arena = one tensor + scratch" test -n "$strip_scratch" -a "$peak_text" = $((48 * 48 * 16 + ${strip_scratch:-0}))

# plan: patch schedules. JSON has the chosen schedule and every candidate; a
# forced grid is marked; an impossible --sram names the smallest peak; bad
# values are usage errors.
check "plan --json schedule and candidates" bash -c "grep -q '\"schedule\": {\"split_step\"' '$tmp/p.json' && grep -q '\"candidates\": \[' '$tmp/p.json' && grep -q '\"on_front\": true' '$tmp/p.json'"
check "plan prints the Pareto front" bash -c "'$cli' plan '$m' | grep -q 'Pareto front'"
check "plan --schedule 2x2@5 is marked" bash -c "'$cli' plan '$m' --schedule 2x2@5 | grep -q '^\* 2x2@5 '"
check "plan --schedule layer is marked" bash -c "'$cli' plan '$m' --schedule layer | grep -q '^\* layer by layer'"
check "impossible --sram -> 1 naming the smallest peak" bash -c "! '$cli' plan '$m' --sram 1000 2>'$tmp/e' && grep -q 'smallest achievable peak is' '$tmp/e'"
check "--sram picks a schedule that fits" bash -c "'$cli' plan '$m' --sram 30K --json | grep -q '\"schedule\": {\"split_step\": [0-9]'"
check "bad --schedule -> 2" status_is 2 "$cli" plan "$m" --schedule 3by3
check "bad --sram -> 2" status_is 2 "$cli" plan "$m" --sram lots
check "--schedule on an op that is not there -> 1" status_is 1 "$cli" plan "$m" --schedule 2x2@999
check "run --schedule auto matches golden" bash -c "'$cli' run '$m' -i '$in' -o '$tmp/s1' --schedule auto 2>/dev/null && cmp '$tmp/s1' '$models/golden/tflm_person_detect.person.output.bin'"
check "run --schedule 3x2@5 --stream-input same bytes" bash -c "'$cli' run '$m' -i '$in' -o '$tmp/s2' --schedule 3x2@5 --stream-input 2>/dev/null && cmp '$tmp/s2' '$tmp/o1'"
check "json steps = executed ops (30)" test "$(grep -c '"step":' "$tmp/p.json")" -eq 30
check "float model reports int8 I/O figure" bash -c "'$cli' plan '$models/tinyengine_vww.tflite' | grep -q 'with int8 I/O'"
# Float-input models get patched schedules as they are (the QUANTIZE runs per
# tile); a model with none says why, in plan and where a schedule was asked for.
check "float-input model has patched candidates" bash -c "'$cli' plan '$models/tinyengine_vww.tflite' | grep -q 'layer by layer and [1-9][0-9]* patched candidates'"
check "float-input run --schedule auto = layer by layer" bash -c "'$cli' run '$models/tinyengine_vww.tflite' -i '$models/golden/tinyengine_vww.rand1.input.bin' -o '$tmp/f1' --schedule auto --stream-input 2>/dev/null && cmp '$tmp/f1' '$models/golden/tinyengine_vww.rand1.output.bin'"
check "plan says why nothing is patchable" bash -c "'$cli' plan '$models/mlperf_ad01_int8.tflite' | grep -q 'No patched schedule: step 0 (op 0 FULLY_CONNECTED) is not spatially local'"
check "plan --json says why nothing is patchable" bash -c "'$cli' plan '$models/mlperf_ad01_int8.tflite' --json | grep -q '\"no_patched_schedule_because\": \"step 0'"
check "compile --schedule auto says why it runs layer by layer" bash -c "'$cli' compile '$models/mlperf_ad01_int8.tflite' -o '$tmp/c5' --schedule auto 2>&1 >/dev/null | grep -q 'no patched schedule (step 0 (op 0 FULLY_CONNECTED)'"

# info: one row per op and a totals line with the model's MACs.
check "info rows and totals" bash -c "'$cli' info '$m' > '$tmp/i' && [ \$(grep -cE '^ +[0-9]+  [A-Z_]' '$tmp/i') -eq 31 ] && grep -q 'total: 7157888 MACs' '$tmp/i'"

# zoo: list, build to a file that plans; bad specs exit 1 with a message and write nothing.
check "zoo list names the families" bash -c "'$cli' zoo list | grep -q mbv2 && '$cli' zoo list | grep -q resnet8-cifar"
check "zoo build + plan" bash -c "'$cli' zoo build resnet8-cifar -o '$tmp/r8.tflite' --seed 2 && '$cli' plan '$tmp/r8.tflite' | grep -q 'arena (peak)'"
check "zoo build unknown spec -> 1, nothing written" bash -c "! '$cli' zoo build vgg16 -o '$tmp/v.tflite' 2>'$tmp/e' && grep -q 'unknown model' '$tmp/e' && [ ! -e '$tmp/v.tflite' ]"
check "zoo build without -o -> 2" status_is 2 "$cli" zoo build resnet8-cifar
check "demo on a small spec" bash -c "'$cli' demo dscnn-kws | grep -q 'top-1 agrees'"

# compile: refuses bad targets and names, writes nothing partial.
check "compile unknown target -> 2" status_is 2 "$cli" compile "$m" -o "$tmp/c1" --target z80
check "compile bad name -> 1" bash -c "! '$cli' compile '$m' -o '$tmp/c2' --name 9lives 2>'$tmp/e' && grep -q 'not a C identifier' '$tmp/e'"
check "compile writes the model files" bash -c "'$cli' compile '$m' -o '$tmp/c3' --name pd >/dev/null && [ -s '$tmp/c3/pd.c' ] && [ -s '$tmp/c3/pd.h' ] && [ -s '$tmp/c3/pd.mem.json' ] && ! ls '$tmp/c3'/*.tmp 2>/dev/null"
check "bench refuses the host target" status_is 2 "$cli" bench "$m" --target host

# uint8 input (issue 11): run reads uint8 bytes; with --int8-io the model takes
# the int8 bytes of the QUANTIZE's output (here the uint8 bytes XOR 0x80); the
# help says so.
if [ -n "$graph" ]; then
  mkdir -p "$tmp/acc"; "$graph" --write-models "$tmp/acc" > /dev/null 2>&1
  u="$tmp/acc/accept_uint8_input"
  check "run reads uint8 input bytes" bash -c "'$cli' run '$u.tflite' -i '$u.input.bin' -o '$tmp/u1' && cmp '$tmp/u1' '$u.expected.bin'"
  check "run --int8-io on a uint8 model takes int8" bash -c "'$cli' run '$u.tflite' --int8-io -i '$u.int8in.bin' -o '$tmp/u2' && cmp '$tmp/u2' '$u.expected.bin'"
  check "uint8 model reports the int8 I/O figure" bash -c "'$cli' plan '$u.tflite' | grep -q 'with int8 I/O'"
  check "run --help explains uint8 with --int8-io" bash -c "'$cli' run --help | grep -q 'XOR 0x80'"
fi

finish
