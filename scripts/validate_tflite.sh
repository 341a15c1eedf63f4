#!/bin/sh
# External check of the .tflite writer with an independent TFLite consumer:
# Arm NN's TfLiteParser (it runs the FlatBuffers verifier generated from
# TFLite's schema.fbs, then decodes every tensor, buffer and operator) and its
# CpuRef backend (runs the model).
#
#   scripts/validate_tflite.sh [build-dir]
#
# 1. build/test_writer --emit writes every round-tripped shared model, the
#    models written after the executor's passes, the hand-built graphs and a
#    few randomized graphs.
# 2. Each written file must pass Arm NN's verifier and parser (files whose only
#    complaint is an Arm NN 20.08 limitation, e.g. an absent optional input
#    given as -1 or RELU_N1_TO_1, are reported, not failed).
# 3. For every shared model and golden input, Arm NN must give the same bytes
#    on the written file as on the original file; agreement with the golden
#    (TFLite) outputs is reported for information (Arm NN's reference kernels
#    are not bit-exact with TFLite's).
#
# Needs g++ and the Debian packages libarmnntfliteparser-dev, libarmnn-dev and
# libarmnn-cpuref-backend22; skips (exit 0) when they are absent. Not part of
# the test suite: it needs packages the product does not.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
models=$root/../shared/models

if ! command -v g++ >/dev/null 2>&1 || [ ! -f /usr/include/armnnTfLiteParser/ITfLiteParser.hpp ]; then
    echo "SKIP: Arm NN not installed (apt-get install g++ libarmnntfliteparser-dev libarmnn-dev libarmnn-cpuref-backend22)"
    exit 0
fi
if [ ! -x "$build/test_writer" ]; then
    echo "SKIP: $build/test_writer not built"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g++ -std=c++14 -O1 "$here/armnn_check.cpp" -larmnn -larmnnTfLiteParser -o "$tmp/armnn_check" || exit 1
"$build/test_writer" --emit "$tmp/out" >/dev/null 2>&1 || { echo "FAIL: test_writer failed"; exit 1; }

fail=0 parsed=0 limited=0 same=0 golden=0 runs=0
for f in "$tmp"/out/*.tflite; do
    r=$("$tmp/armnn_check" "$f" 2>&1 | grep -E '^PARSE-' | tail -1)
    case "$r" in
    PARSE-OK*) parsed=$((parsed + 1)) ;;
    *"must be non-negative, received: -1"* | *"doesn't suppport fused activation"*)
        limited=$((limited + 1)); echo "note (Arm NN limitation): $r" ;;
    *) fail=1; echo "FAIL: $r" ;;
    esac
done

if [ -d "$models/golden" ]; then
    for m in "$models"/*.tflite; do
        name=$(basename "$m" .tflite)
        for in in "$models/golden/$name".*.input.bin; do
            [ -f "$in" ] || continue
            tag=${in%.input.bin}; tag=${tag##*.}
            "$tmp/armnn_check" "$m" "$in" "$tmp/orig.bin" >/dev/null 2>&1; ro=$?
            "$tmp/armnn_check" "$tmp/out/$name.tflite" "$in" "$tmp/ours.bin" >/dev/null 2>&1; rw=$?
            if [ $ro -ne 0 ]; then
                if [ $rw -ne 0 ]; then echo "note: Arm NN cannot run $name (original or written)"; else echo "note: Arm NN runs only the written $name"; fi
                break
            fi
            runs=$((runs + 1))
            if [ $rw -ne 0 ] || ! cmp -s "$tmp/orig.bin" "$tmp/ours.bin"; then
                fail=1; echo "FAIL: $name $tag: Arm NN output differs between the original and the written file"
            else
                same=$((same + 1))
            fi
            if cmp -s "$tmp/ours.bin" "$models/golden/$name.$tag.output.bin"; then golden=$((golden + 1)); fi
        done
    done
fi
echo "Arm NN: $parsed files verified and parsed, $limited hit Arm NN 20.08 limitations;" \
     "$same of $runs golden runs identical on original and written files ($golden also equal to TFLite's golden bytes)"
exit $fail
