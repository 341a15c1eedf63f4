#!/usr/bin/env bash
# make demo-detect runs (scripts/demo_detect.sh): its three parts finish, the
# drawings exist, and on QEMU's Cortex-M4 each of the three camera frames
# (RGB888, gray8, RGB565) gives the host's heads and boxes bit for bit, in the
# streamed schedule's arena, and the expected answers: one person on the
# astronaut frame, two boxes on the cameraman's (0.880 and 0.303), none on
# the coffee cup. usage: tests/demo_detect.sh path/to/tinyforge SOURCE_DIR
set -u
cli=$1; src=$2
. "$src/tests/lib.sh"
[ -f "$src/../shared/models/tinyengine_detection.tflite" ] || { echo "SKIP: shared models not found"; exit 0; }
command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null ||
  { echo "SKIP: no arm-none-eabi-gcc or qemu-system-arm (scripts/deps-targets.sh)"; exit 0; }
TFG_ROOT="$src" "$src/scripts/demo_detect.sh" "$cli" "$tmp/out" > "$tmp/demo.log" 2>&1
check "demo-detect finishes" test $? -eq 0
for f in astronaut camera coffee; do
  check "drawn $f.png is a PNG" sh -c "head -c 8 '$tmp/out/drawn/$f.png' | od -An -tx1 | grep -q '89 50 4e 47'"
done
check "three M4 runs, all bit-exact" test "$(grep -c 'bit-exact      yes' "$tmp/demo.log")" -eq 3
# one streamed arena for all three frames, with the decoder's scratch in its free space
check "the same arena in each, not grown for the decoder" test "$(sed -n 's/.*(arena \([0-9]*\) B: network \1 B, .*in its free space.*/\1/p' "$tmp/demo.log" | sort -u | wc -l)" -eq 1 -a "$(grep -c 'in its free space' "$tmp/demo.log")" -eq 3
awk '/on a 256x256 rgb888/{s="a"} /on a 256x256 gray8/{s="c"} /on a 300x200 rgb565be/{s="k"} /^  decoder/{print s, $0}' "$tmp/demo.log" > "$tmp/dec"
check "astronaut: 1 box written" grep -q '^a .* 1 written' "$tmp/dec"
check "cameraman: 2 boxes written" grep -q '^c .* 2 written' "$tmp/dec"
check "coffee: none" grep -q '^k .* 0 written' "$tmp/dec"
check "cameraman's boxes: 0.880205 and 0.303274" sh -c "sed -n '/256x256 gray8/,/^--/p' '$tmp/demo.log' | grep -q 'box 0  class 0  score 0.880205' && sed -n '/256x256 gray8/,/^--/p' '$tmp/demo.log' | grep -q 'box 1  class 0  score 0.303274'"
check "VWW: three models on five images" test "$(grep -c '\.p[ng][gm]: \(no-\)\{0,1\}person ' "$tmp/demo.log")" -eq 15
[ "$fail" -eq 0 ] || tail -30 "$tmp/demo.log"
finish
