#!/usr/bin/env bash
# make demo-detect: person detection and visual wake words on real photographs,
# from the host to a Cortex-M4 under QEMU.
#  1. MCUNet's person detector on scikit-image's astronaut.png and camera.png
#     (people) and coffee.png (none): the boxes, drawn into OUT/ as PNGs.
#  2. The same detector compiled with --postprocess yolo and the patched
#     schedule streaming its input (each tile converts its own region of the
#     camera frame): the photographs halved, as RGB888, gray8 and RGB565
#     cameras would deliver them, run on QEMU's Cortex-M4; the boxes must
#     equal the host's bit for bit, with instructions, SRAM and flash per frame.
#  3. Visual wake words: TFLM's person_detect, MLPerf's VWW and mcunet-vww1
#     on TFLM's two real test images and on the photographs.
# usage: scripts/demo_detect.sh path/to/tinyforge [OUT_DIR]
set -euo pipefail
cli=${1:-build/tinyforge}
out=${2:-build/demo-detect}
root=$(cd "$(dirname "$0")/.." && pwd)
models="$root/../shared/models"
det="$models/tinyengine_detection.tflite"
[ -f "$det" ] || { echo "demo-detect: the shared models are not at $models" >&2; exit 1; }
py=/usr/bin/python3
mkdir -p "$out"
# The photographs (Debian's python3-skimage), halved copies as camera frames,
# and TFLM's two 96x96 test images (int8 in [-1, 1]) as PGM.
"$py" - "$out" "$models/golden" <<'PY' || { echo "demo-detect: needs python3-skimage and numpy (scripts/deps.sh)" >&2; exit 1; }
import sys, os, numpy as np, skimage.data, skimage.io
out, golden = sys.argv[1], sys.argv[2]
for n in ("astronaut", "camera", "coffee"):
    img = getattr(skimage.data, n)()
    skimage.io.imsave(f"{out}/{n}.png", img, check_contrast=False)
    half = img[::2, ::2]
    if half.ndim == 2:
        hdr, data = b"P5\n%d %d\n255\n" % (half.shape[1], half.shape[0]), half
    else:
        hdr, data = b"P6\n%d %d\n255\n" % (half.shape[1], half.shape[0]), half
    open(f"{out}/{n}_frame.ppm" if half.ndim == 3 else f"{out}/{n}_frame.pgm", "wb").write(hdr + data.astype(np.uint8).tobytes())
for n in ("person", "no_person"):
    d = np.fromfile(f"{golden}/tflm_person_detect.{n}.input.bin", dtype=np.int8).astype(np.int16) + 128
    open(f"{out}/{n}.pgm", "wb").write(b"P5\n96 96\n255\n" + d.astype(np.uint8).tobytes())
PY
mkdir -p "$out/drawn"

echo "== 1. tinyforge detect: MCUNet's person detector on three photographs (host, int8 kernels)"
"$cli" detect "$det" "$out/astronaut.png" "$out/camera.png" "$out/coffee.png" -o "$out/drawn"
for f in "$out"/drawn/*.png; do echo "   drawn: $f"; done
echo

echo "== 2. The same detector as generated C on QEMU Cortex-M4: camera frame in, boxes out"
echo "   compile --postprocess yolo --schedule auto --stream-input: the patch stage's tiles"
echo "   convert their own regions of the frame, so the 160x128 input never exists in SRAM"
for frame in astronaut_frame.ppm:256x256:rgb888 camera_frame.pgm:256x256:gray8 coffee_frame.ppm:300x200:rgb565be; do
  IFS=: read -r f size fmt <<<"$frame"
  echo "-- $f: a $size $fmt frame"
  TFG_ROOT="$root" "$cli" bench "$det" --postprocess yolo --image "$out/$f" --frame "$size:$fmt" \
    --schedule auto --stream-input
done
echo

echo "== 3. Visual wake words: person or not, on TFLM's two test images and the photographs"
for m in tflm_person_detect mlperf_vww_96_int8 tinyengine_vww; do
  echo "-- $m"
  "$cli" classify "$models/$m.tflite" "$out/person.pgm" "$out/no_person.pgm" \
    "$out/astronaut.png" "$out/camera.png" "$out/coffee.png" | sed 's/^/   /'
done
echo
echo "demo-detect: drawings in $out/drawn/"
