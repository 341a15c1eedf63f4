#!/usr/bin/env bash
# The second half of `make demo`: a real model, trained by tinyforge itself.
# models/fm-mbv2-tiny/ holds the int8 model `tinyforge train` wrote for the
# Fashion-MNIST reference net (../shared/archs/fm-mbv2-tiny.json), with the
# command that made it, its log and its curves. This classifies real test
# images with it on the host and measures its accuracy on all 10,000 (no
# training here: the demo stays fast).
# usage: scripts/demo_trained.sh path/to/tinyforge
set -euo pipefail
cli=${1:-build/tinyforge}
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/models/fm-mbv2-tiny"
model="$dir/fm-mbv2-tiny.tflite"
[ -f "$model" ] || { echo "demo: $model is missing" >&2; exit 1; }

echo
echo "== A model trained by tinyforge: Fashion-MNIST, int8"
echo "   made by:  $(cat "$dir/command.txt")"
echo "   (float training, post-training quantization, then quantization-aware fine-tuning"
echo "    whose forward pass is the int8 engine; the curves are in models/fm-mbv2-tiny/curves.svg)"
acc() { sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p" "$dir/log.json" | awk '{printf "%.2f%%", 100 * $1}'; }
echo "   train measured on the test split: float $(acc float_test_accuracy), after PTQ $(acc ptq_test_accuracy),"
echo "   int8 after QAT $(acc int8_test_accuracy) (this file)"
"$cli" plan "$model" | sed -n '2p' | sed 's/^/   /'
echo
echo "== tinyforge eval: three real test images, then all 10,000"
"$cli" eval "$model" --data fashion-mnist --limit 3 --show 3 --quiet | sed -n '/^image /,$p'
echo
"$cli" eval "$model" --data fashion-mnist --quiet | sed -n '1,/^confusion/p' | sed '$d'
