#!/usr/bin/env bash
# compile --postprocess yolo end to end: the generated model_detect, built on
# the host (gcc and clang, -std=c99 -pedantic) and run on QEMU Cortex-M4 by
# `bench`, must give bit for bit the boxes of `detect --frame-path` (host
# executor, runtime camera input and decoder) on the same frame: scikit-image's
# astronaut.png halved to 256x256 (one person) and a random 200x150 frame at
# score 0.05 (a box, and with a scratch of 1 candidate: truncation). The
# astronaut again with the patched schedule streaming its input: each tile
# converts its own region of the frame (model_invoke_frame), in the arena the
# schedule has without the decoder, and the boxes must not change.
# Bad input: a classifier, bad --frame strings, --max-candidates 0.
# usage: tests/codegen_detect.sh path/to/tinyforge SOURCE_DIR
set -u
cli=$1; src=$2
. "$src/tests/lib.sh"
det="$src/../shared/models/tinyengine_detection.tflite"
[ -e "$det" ] || { echo "SKIP: $det not found"; exit 0; }
/usr/bin/python3 - "$tmp" <<'PY' || { echo "FAIL: making the frames (python3-skimage, numpy)"; exit 1; }
import sys, numpy as np, skimage.data
d = sys.argv[1]
a = skimage.data.astronaut()[::2, ::2].astype(np.uint8)
r = np.random.RandomState(7).randint(0, 256, (150, 200, 3)).astype(np.uint8)
for name, img in (("ast", a), ("rand", r)):
    open(f"{d}/{name}.raw", "wb").write(img.tobytes())
    open(f"{d}/{name}.ppm", "wb").write(b"P6\n%d %d\n255\n" % (img.shape[1], img.shape[0]) + img.tobytes())
PY
compilers=gcc; command -v clang >/dev/null && compilers="gcc clang"
# frame NAME SIZE OPTS...: host path, generated C on the host, bench on the M4
# ($cg: options for compile and bench only, such as a schedule)
cg=
frame() {
  local name=$1 size=$2; shift 2
  "$cli" detect "$det" "$tmp/$name.ppm" --frame-path --json "$@" > "$tmp/$name.json" || { fail=$((fail+1)); echo "FAIL: detect $name"; return; }
  sed -n 's/.*"input_box_bits": "\([^"]*\)".*/box \1/p' "$tmp/$name.json" > "$tmp/$name.want"
  [ -s "$tmp/$name.want" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: $name: the host path found no boxes (nothing to compare)"; }
  # shellcheck disable=SC2086
  check "compile $name" "$cli" compile "$det" -o "$tmp/g_$name" --name model --postprocess yolo --frame "$size" $cg "$@"
  for cc in $compilers; do
    check "$cc build $name" $cc -std=c99 -O2 -Wall -Wextra -Werror -pedantic -I "$tmp/g_$name" \
      "$src/tests/detect_driver.c" "$tmp/g_$name/model.c" "$tmp/g_$name"/runtime/*.c -lm -o "$tmp/drv_$cc"
    "$tmp/drv_$cc" "$tmp/$name.raw" > "$tmp/$name.$cc.out" || { fail=$((fail+1)); echo "FAIL: $cc $name: driver status $?"; continue; }
    grep '^box' "$tmp/$name.$cc.out" | cmp -s - "$tmp/$name.want" && pass=$((pass+1)) ||
      { fail=$((fail+1)); echo "FAIL: $cc $name: boxes differ from detect --frame-path"; cat "$tmp/$name.$cc.out" "$tmp/$name.want"; }
  done
  if command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null; then
    # shellcheck disable=SC2086
    TFG_ROOT="$src" "$cli" bench "$det" --postprocess yolo --image "$tmp/$name.ppm" --json $cg "$@" > "$tmp/$name.bench" 2>&1
    if grep -q '"bitexact": true' "$tmp/$name.bench" &&
       sed -n 's/.*"bits": "\([^"]*\)".*/box \1/p' "$tmp/$name.bench" | cmp -s - "$tmp/$name.want"; then
      pass=$((pass+1)); echo "cortex-m4 $name: $(grep -o '"instructions_network": [0-9]*, "instructions_postprocess": [0-9]*' "$tmp/$name.bench")"
    else fail=$((fail+1)); echo "FAIL: cortex-m4 $name"; head -5 "$tmp/$name.bench"; fi
  else echo "SKIP: no arm-none-eabi-gcc or qemu-system-arm: the M4 half"; fi
}
frame ast 256x256
frame rand 200x150 --score 0.05
# Streamed: the same boxes from the tiles' conversions; the arena is the
# schedule's (the input is not in it) and holds the decoder's scratch.
cg="--schedule auto --stream-input"
cp "$tmp/ast.raw" "$tmp/ast_s.raw"; cp "$tmp/ast.ppm" "$tmp/ast_s.ppm"
frame ast_s 256x256
check "streamed: no input in the arena" grep -q 'define MODEL_INPUT0_STREAMED 1' "$tmp/g_ast_s/model.h"
check "streamed: model_invoke_frame, no model_frame_to_input" sh -c "grep -q 'model_invoke_frame(const uint8_t' '$tmp/g_ast_s/model.h' && ! grep -q model_frame_to_input '$tmp/g_ast_s/model.h'"
# The decoder costs the streamed schedule no SRAM: its arena is the one the
# same schedule has without --postprocess (the scratch fits its free space).
check "compile streamed without --postprocess" "$cli" compile "$det" -o "$tmp/g_net_s" --name model --schedule auto --stream-input
arena_s=$(sed -n 's/.*"arena_bytes": \([0-9]*\).*/\1/p' "$tmp/g_ast_s/model.mem.json" | head -1)
arena_n=$(sed -n 's/.*"arena_bytes": \([0-9]*\).*/\1/p' "$tmp/g_net_s/model.mem.json" | head -1)
check "streamed arena with the decoder ($arena_s B) = the network's alone ($arena_n B)" test "${arena_s:-x}" = "${arena_n:-y}"
if [ -f "$tmp/ast_s.bench" ]; then
  check "bench: the frame counted inside the tiles" grep -q '"instructions_frame": null, .*"frame_in_tiles": true' "$tmp/ast_s.bench"
  check "bench: the streamed arena" grep -q "\"arena_bytes\": $arena_s," "$tmp/ast_s.bench"
fi
cg=
# A scratch of 1 candidate: truncation is reported, not an error, and the
# boxes are the best ones (a prefix of the full result, here the first).
check "compile small scratch" "$cli" compile "$det" -o "$tmp/g_small" --name model --postprocess yolo --frame 200x150 --score 0.05 --max-candidates 1
check "build small scratch" gcc -std=c99 -O2 -I "$tmp/g_small" "$src/tests/detect_driver.c" "$tmp/g_small/model.c" "$tmp/g_small"/runtime/*.c -lm -o "$tmp/drv_small"
"$tmp/drv_small" "$tmp/rand.raw" 1 > "$tmp/small.out"
check "truncation reported" grep -Eq '^n 1 candidates ([2-9]|[1-9][0-9]+) held 1 ' "$tmp/small.out"
check "best box kept" test "$(grep '^box' "$tmp/small.out")" = "$(head -1 "$tmp/rand.want")"
# Bad input
check "classifier refused" status_is 1 "$cli" compile "$src/../shared/models/tflm_person_detect.tflite" -o "$tmp/bad" --postprocess yolo
check "classifier message" grep -q "not a YOLO detector for these options: the model has 1 output" "$tmp/err"
for f in 160x 0x10 160x128:bgr x128 160x128x3 99999x10; do
  check "bad --frame $f" status_is 2 "$cli" compile "$det" -o "$tmp/bad" --postprocess yolo --frame "$f"
  check "bad --frame $f message" grep -q "bad --frame '$f'" "$tmp/err"
done
check "--max-candidates 0" status_is 2 "$cli" compile "$det" -o "$tmp/bad" --postprocess yolo --max-candidates 0
# NAME_CONSTANT_BYTES counts the frame and decoder tables: 3 channels x 256
# int8, and per head (3 of 3 anchors) 2 x 256 floats and 3 x 2 anchor floats.
check "compile without --postprocess" "$cli" compile "$det" -o "$tmp/g_plain" --name model
cb() { sed -n 's/^#define MODEL_CONSTANT_BYTES \([0-9]*\)u$/\1/p' "$1/model.h"; }
check "CONSTANT_BYTES grows by the tables: $(cb "$tmp/g_ast") - $(cb "$tmp/g_plain") = $((3 * 256 + 3 * (2 * 256 * 4 + 3 * 2 * 4)))" \
  test "$(( $(cb "$tmp/g_ast") - $(cb "$tmp/g_plain") ))" -eq "$((3 * 256 + 3 * (2 * 256 * 4 + 3 * 2 * 4)))"
check "options need --postprocess" status_is 2 "$cli" compile "$det" -o "$tmp/bad" --frame 10x10
finish
