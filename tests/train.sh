#!/usr/bin/env bash
# tinyforge train, end to end on small subsets of Fashion-MNIST:
#  - the output folder (model, checkpoint, JSON log, SVG plot, command);
#  - the int8 test accuracy train prints equals, to the image, what
#    `tinyforge eval` measures on the file (layer by layer and patched);
#  - killed (SIGKILL) mid-epoch in the float phase and again in the QAT
#    phase, --resume each time (once on one thread): the final model is
#    byte-identical to an uninterrupted two-thread run's. The kills land at exact steps through a test hook
#    (TFG_TRAIN_KILL_AT=EPOCH:STEP makes train SIGKILL itself there), so the
#    test never depends on timing; one more kill comes from outside;
#  - bad input: clear messages and non-zero exits, nothing overwritten.
# usage: tests/train.sh path/to/tinyforge SOURCE_DIR
set -u
cli=$1; src=$2
arch="$src/../shared/archs/fm-mbv2-tiny.json"
[ -f "$arch" ] || { echo "SKIP: $arch not found"; exit 0; }
. "$(dirname "$0")/lib.sh"
epochs_logged() { # DIR -> number of epochs in DIR/log.json (0 when none yet)
  python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['epochs']))" "$1/log.json" 2>/dev/null || echo 0
}

# A small IDX folder cut from Debian's Fashion-MNIST: 800 training and 300
# test images (train's final evaluation runs over the whole test split).
fm_cut "$tmp/fm" 800 300

small=(--data "$tmp/fm" --epochs 2 --qat-epochs 1 --val 100 --batch 64 --quiet)
check "train --help" status_is 0 "$cli" train --help
check "train --help teaches QAT and resume" bash -c "'$cli' train --help | grep -q -- --qat-epochs && '$cli' train --help | grep -q -- --resume"
check "small run" bash -c "'$cli' train '$arch' ${small[*]} -o '$tmp/a' > '$tmp/a.out'"
check "output folder" bash -c "for f in fm-mbv2-tiny.tflite checkpoint.tfgc log.json curves.svg command.txt; do [ -s '$tmp/a/'\$f ] || { echo missing \$f; exit 1; }; done"
check "log.json: 3 epochs and the accuracies" python3 - "$tmp/a/log.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
assert len(j["epochs"]) == 3, j["epochs"]
for k in ("float_test_accuracy", "ptq_test_accuracy", "int8_test_accuracy", "int8_test_correct", "command"):
    assert k in j, k
assert j["int8_test_total"] == 300
assert all(0 <= e["accuracy"] <= 1 and e["loss"] > 0 for e in j["epochs"])
EOF
if command -v xmllint >/dev/null; then
  check "curves.svg is well-formed SVG" xmllint --noout "$tmp/a/curves.svg"
fi
correct=$(sed -n 's/.*(\([0-9]*\) of 300 test images.*/\1/p' "$tmp/a.out")
check "train printed its int8 accuracy" test -n "$correct"
check "eval on the file agrees to the image" bash -c "'$cli' eval '$tmp/a/fm-mbv2-tiny.tflite' --data '$tmp/fm' --json | grep -q '\"correct\": $correct,'"
check "eval patched agrees too" bash -c "'$cli' eval '$tmp/a/fm-mbv2-tiny.tflite' --data '$tmp/fm' --json --schedule auto | grep -q '\"correct\": $correct,'"
check "log.json's count is the printed one" grep -q "\"int8_test_correct\": $correct," "$tmp/a/log.json"

# Killed mid-epoch, twice (float phase, QAT phase), resuming each time.
long=(--data "$tmp/fm" --epochs 2 --qat-epochs 1 --val 100 --batch 64 --quiet)
"$cli" train "$arch" "${long[@]}" -o "$tmp/ref" >/dev/null 2>&1
killed() { # DIR EPOCH:STEP [--resume]: the run must die of SIGKILL (status 137)
  local dir=$1 at=$2; shift 2
  TFG_TRAIN_KILL_AT=$at "$cli" train "$arch" "${long[@]}" -o "$dir" "$@" >/dev/null 2>&1
  [ $? -eq 137 ]
}
check "killed at epoch 2, step 5 (float)" killed "$tmp/k" 2:5
check "checkpoint of epoch 1 kept" test "$(epochs_logged "$tmp/k")" -eq 1
check "resumed on one thread, killed at epoch 3, step 4 (QAT)" killed "$tmp/k" 3:4 --resume --threads 1
check "no model yet after the kills" test ! -e "$tmp/k/fm-mbv2-tiny.tflite"
check "resumed to the end" "$cli" train "$arch" "${long[@]}" -o "$tmp/k" --resume
check "resumed model (threads 2, 1, 2) = uninterrupted model (2 threads), byte for byte" cmp "$tmp/ref/fm-mbv2-tiny.tflite" "$tmp/k/fm-mbv2-tiny.tflite"
check "resumed log has every epoch once" test "$(epochs_logged "$tmp/k")" -eq 3
# And kill -9 from outside, whenever it lands (before, during or after an
# epoch): resuming must still end with the same model.
outside() {
  "$cli" train "$arch" "${long[@]}" -o "$tmp/o" >/dev/null 2>&1 &
  local pid=$! n=0
  while [ ! -e "$tmp/o/command.txt" ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done
  sleep 0.5
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  "$cli" train "$arch" "${long[@]}" -o "$tmp/o" --resume >/dev/null 2>&1 && cmp "$tmp/ref/fm-mbv2-tiny.tflite" "$tmp/o/fm-mbv2-tiny.tflite"
}
check "kill -9 from outside, then --resume: the same model" outside

# Bad input.
check "missing ARCH/--data/-o -> 2" status_is 2 "$cli" train "$arch" --data fashion-mnist
check "unknown option -> 2" bash -c "'$cli' train '$arch' --bogus 2>'$tmp/e'; [ \$? -eq 2 ] && grep -q \"unknown option '--bogus'\" '$tmp/e'"
check "--epochs 0 -> 2" bash -c "'$cli' train '$arch' ${small[*]} --epochs 0 -o '$tmp/z' 2>'$tmp/e'; [ \$? -eq 2 ] && grep -q -- '--epochs takes a number' '$tmp/e'"
check "--lr abc -> 2" status_is 2 "$cli" train "$arch" "${small[@]}" --lr abc -o "$tmp/z"
check "unknown architecture -> 1, named" bash -c "'$cli' train nosuch-net ${small[*]} -o '$tmp/z' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'nosuch-net' '$tmp/e'"
check "missing data folder -> 1, named" bash -c "'$cli' train '$arch' --data '$tmp/nodata' -o '$tmp/z' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q '$tmp/nodata' '$tmp/e'"
check "an existing run is not overwritten without --resume" bash -c "cp '$tmp/a/fm-mbv2-tiny.tflite' '$tmp/keep'; '$cli' train '$arch' ${small[*]} -o '$tmp/a' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q -- '--resume' '$tmp/e' && cmp '$tmp/keep' '$tmp/a/fm-mbv2-tiny.tflite'"
check "resume with other options refused" bash -c "'$cli' train '$arch' ${small[*]} --lr 0.1 --resume -o '$tmp/a' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'other options' '$tmp/e'"
check "damaged checkpoint refused" bash -c "printf 'XXXX' | dd of='$tmp/a/checkpoint.tfgc' bs=1 seek=64 conv=notrunc 2>/dev/null; '$cli' train '$arch' ${small[*]} --resume -o '$tmp/a' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'damaged' '$tmp/e'"
check "--init from a missing file -> 1, named" bash -c "'$cli' train '$arch' ${small[*]} --init '$tmp/none.tfgc' -o '$tmp/i' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q -- \"--init: .*none.tfgc\" '$tmp/e'"
check "--init from another net's weights -> 1" bash -c "'$cli' train mbv1-w0.25-r32-g ${small[*]} --epochs 1 -o '$tmp/other' >/dev/null 2>&1; '$cli' train '$arch' ${small[*]} --init '$tmp/other/checkpoint.tfgc' -o '$tmp/i2' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q -- '--init: .*tensor' '$tmp/e'"
check "--val too large -> 1" bash -c "'$cli' train '$arch' --data '$tmp/fm' --limit 100 --val 99 -o '$tmp/v' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q -- '--val' '$tmp/e'"

finish
