#!/usr/bin/env bash
# The YOLO decoder and NMS (runtime/yolo.c) against the independent numpy
# reference (tests/yolo_ref.py) on the same int8 heads.
# usage: tests/yolo.sh random|model TEST_YOLO SOURCE_DIR
#   random: test_yolo's random problems (seeded);
#   model:  the MCUNet detector's heads on skimage's astronaut.png and on the
#           golden random inputs (shared models at $TFG_ROOT/../shared).
set -u
mode=$1 bin=$2 src=$3
py=/usr/bin/python3 # Debian's Python, where python3-numpy lives
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! "$py" -c "import numpy" 2>/dev/null; then
  echo "FAIL: $py cannot import numpy (Debian's python3-numpy; scripts/deps.sh installs it)"; exit 1
fi
case $mode in
  random)
    "$bin" random "$tmp/cases.txt" || exit 1 ;;
  model)
    models="${TFG_ROOT:-$src}/../shared/models"
    if [ ! -f "$models/tinyengine_detection.tflite" ]; then echo "SKIP: shared models not found at $models"; exit 0; fi
    image=$("$py" -c "import skimage.data, os; print(os.path.dirname(skimage.data.__file__))" 2>/dev/null)/astronaut.png
    [ -f "$image" ] || { echo "FAIL: astronaut.png not found (Debian's python3-skimage; scripts/deps.sh installs it)"; exit 1; }
    "$bin" model "$tmp/cases.txt" "$models" "$image" || exit 1 ;;
  *) echo "usage: $0 random|model TEST_YOLO SOURCE_DIR"; exit 2 ;;
esac
exec "$py" "$src/tests/yolo_ref.py" "$tmp/cases.txt"
