#!/usr/bin/env bash
# tinyforge detect and classify on scikit-image's photographs (src/cli/detect.c).
# usage: tests/detect_cli.sh path/to/tinyforge SOURCE_DIR path/to/test_yolo
#
# What the models find (checked before writing these tests, at the defaults):
# the MCUNet detector finds a person on astronaut.png (0.660, and 0.375 on the
# left edge) and on camera.png (0.855) and nothing on coffee.png; TFLM's
# person detector says person, person, no-person. The JSON boxes must equal
# the boxes test_yolo decodes from the same heads (its own head set-up, checked
# against the numpy reference tests/yolo_ref.py here too), scaled to the image.
set -u
cli=$1; src=$2; ty=$3
py=/usr/bin/python3
models="${TFG_ROOT:-$src}/../shared/models"
[ -f "$models/tinyengine_detection.tflite" ] || { echo "SKIP: shared models not found at $models"; exit 0; }
sk=$("$py" -c "import skimage.data, os; print(os.path.dirname(skimage.data.__file__))" 2>/dev/null)
[ -f "$sk/astronaut.png" ] || { echo "FAIL: skimage photographs not found (Debian's python3-skimage; scripts/deps.sh)"; exit 1; }
. "$(dirname "$0")/lib.sh"
det="$models/tinyengine_detection.tflite" vww="$models/tflm_person_detect.tflite"
a="$sk/astronaut.png" c="$sk/camera.png" k="$sk/coffee.png"

check "detect --help" status_is 0 "$cli" detect --help
check "classify --help" status_is 0 "$cli" classify --help
check "top-level help lists detect and classify" bash -c "'$cli' --help | grep -q '^  detect' && '$cli' --help | grep -q '^  classify'"
check "detect without images -> 2" status_is 2 "$cli" detect "$det"
check "bad --score -> 2" status_is 2 "$cli" detect "$det" "$a" --score 2
check "bad --anchors -> 2" status_is 2 "$cli" detect "$det" "$a" --anchors 1,2,3
check "--labels count must match --classes -> 2" status_is 2 "$cli" detect "$det" "$a" --labels a,b

# The photographs: text, JSON and drawings.
check "detect runs on the three photographs" bash -c "'$cli' detect '$det' '$a' '$c' '$k' -o '$tmp/draw' > '$tmp/d.txt'"
check "detect --json" bash -c "'$cli' detect '$det' '$a' '$c' '$k' --json > '$tmp/d.json'"
check "a person on astronaut.png and camera.png, nothing on coffee.png" "$py" - "$tmp/d.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = [len(i["boxes"]) for i in r]
assert [i["image"].rsplit("/", 1)[1] for i in r] == ["astronaut.png", "camera.png", "coffee.png"], r
assert n[0] >= 1 and n[1] >= 1 and n[2] == 0, n
for i in r:
    for b in i["boxes"]:
        assert set(b) == {"score", "class", "x0", "y0", "x1", "y1"} and b["class"] == "person", b
        assert 0 <= b["x0"] <= b["x1"] <= i["width"] and 0 <= b["y0"] <= b["y1"] <= i["height"], b
        assert b["score"] >= 0.3
PY
check "text and JSON give the same boxes" "$py" - "$tmp/d.txt" "$tmp/d.json" <<'PY'
import json, sys
text = [l.split() for l in open(sys.argv[1]) if l.startswith("  ")]
boxes = [b for i in json.load(open(sys.argv[2])) for b in i["boxes"]]
assert len(text) == len(boxes) > 0, (text, boxes)
for t, b in zip(text, boxes):
    assert t[0] == b["class"] and abs(float(t[1]) - b["score"]) < 6e-4, (t, b)
    assert all(abs(float(v) - b[k]) < 0.06 for v, k in zip(t[2:], ("x0", "y0", "x1", "y1"))), (t, b)
PY
check "drawings written, readable, the image's size, boxes drawn" "$py" - "$tmp/draw" "$a" "$c" "$k" <<'PY'
import sys
import numpy as np
from PIL import Image
for p in sys.argv[2:]:
    name = p.rsplit("/", 1)[1]
    src = np.asarray(Image.open(p).convert("RGB"))
    out = np.asarray(Image.open(sys.argv[1] + "/" + name))
    assert out.shape == src.shape, (name, out.shape, src.shape)
    changed = (out != src).any(axis=2).sum()
    # coffee.png has no box: untouched; the others have outlines in red.
    assert (changed == 0) == (name == "coffee.png"), (name, changed)
PY

# The JSON boxes are the decoder's boxes (test_yolo's own set-up of the heads
# on the same image, checked by the numpy reference) times 512/160 and 512/128.
check "test_yolo model + numpy reference" bash -c "'$ty' model '$tmp/cases.txt' '$models' '$a' > /dev/null && '$py' '$src/tests/yolo_ref.py' '$tmp/cases.txt'"
"$cli" detect "$det" "$a" --json > "$tmp/a.json" 2>/dev/null
check "astronaut JSON = decoder boxes scaled to the image and clipped" "$py" - "$tmp/cases.txt" "$tmp/a.json" <<'PY'
import json, sys
boxes, case = [], None
for line in open(sys.argv[1]):
    w = line.split()
    if w[0] == "case": case = w[1]
    if w[0] == "box" and case == "astronaut": boxes.append([float(v) for v in w[1:6]])
got = json.load(open(sys.argv[2]))[0]["boxes"]
assert len(got) == len(boxes) > 0, (got, boxes)
clip = lambda v, hi: min(max(v, 0.0), hi)
for g, (x0, y0, x1, y1, s) in zip(got, boxes):
    want = [clip(x0 * 3.2, 512), clip(y0 * 4, 512), clip(x1 * 3.2, 512), clip(y1 * 4, 512)]
    assert abs(g["score"] - s) < 1e-6, (g, s)
    assert all(abs(g[k] - v) <= 0.006 for k, v in zip(("x0", "y0", "x1", "y1"), want)), (g, want)
PY

# Bad input: named, skipped, the next image still runs, status 1; never a crash.
head -c 3000 "$a" > "$tmp/trunc.png"
echo "hello" > "$tmp/text.png"
check "truncated PNG, text file, missing file: named, others still run, status 1" bash -c "
  '$cli' detect '$det' '$tmp/trunc.png' '$tmp/text.png' '$tmp/none.png' '$a' > '$tmp/o' 2> '$tmp/e'; [ \$? -eq 1 ] &&
  grep -q 'trunc.png: truncated or corrupt PNG' '$tmp/e' && grep -q 'text.png' '$tmp/e' && grep -q 'none.png: cannot open' '$tmp/e' &&
  grep -q 'astronaut.png (512x512): 2 boxes' '$tmp/o'"
check "failed images in --json carry an error" bash -c "'$cli' detect '$det' '$tmp/trunc.png' '$a' --json 2>/dev/null | '$py' -c 'import json,sys; r=json.load(sys.stdin); assert \"error\" in r[0] and len(r[1][\"boxes\"]) == 2'"
check "a classifier given to detect: clear error" bash -c "! '$cli' detect '$vww' '$a' 2> '$tmp/e' && grep -q 'not a YOLO detector for these options: the model has 1 output; the anchors give 3 heads' '$tmp/e'"
check "wrong --classes for the detector: channel count named" bash -c "! '$cli' detect '$det' '$a' --classes 2 --labels a,b 2> '$tmp/e' && grep -q 'expected \[1,4,5,21\] = 3 anchors x (5 + 2 classes)' '$tmp/e'"
check "missing model: status 1" bash -c "! '$cli' detect '$tmp/none.tflite' '$a' 2> '$tmp/e' && grep -q 'cannot open' '$tmp/e'"
check "unwritable -o: status 1" bash -c "! '$cli' detect '$det' '$a' -o /proc/none 2> '$tmp/e' && grep -q 'cannot create' '$tmp/e'"

# classify: TFLM's person detector (documented labels, [-1, 1] from its input quantization).
check "classify: person, person, no-person" bash -c "'$cli' classify '$vww' '$a' '$c' '$k' > '$tmp/c.txt' &&
  sed -n 1p '$tmp/c.txt' | grep -q 'astronaut.png: person ' && sed -n 2p '$tmp/c.txt' | grep -q 'camera.png: person ' &&
  sed -n 3p '$tmp/c.txt' | grep -q 'coffee.png: no-person '"
check "classify --json agrees with the text" bash -c "'$cli' classify '$vww' '$a' '$c' '$k' --json | '$py' -c '
import json, sys
r = json.load(sys.stdin)
t = [l.split() for l in open(\"$tmp/c.txt\")]
assert [i[\"class\"] for i in r] == [x[1] for x in t]
assert all(abs(i[\"score\"] - float(x[2])) < 6e-4 and abs(sum(i[\"scores\"]) - 1) < 1e-3 for i, x in zip(r, t))
assert r[0][\"scores_are\"] == \"softmax output\"'"
check "classify: logits are said to be logits (tinyengine_vww)" bash -c "'$cli' classify '$models/tinyengine_vww.tflite' '$k' | grep -q 'softmax of logits'"
check "classify: wrong --labels count -> 1" bash -c "! '$cli' classify '$vww' '$a' --labels a,b,c 2> '$tmp/e' && grep -q '3 names' '$tmp/e'"
check "classify: a detector is not a classifier" bash -c "! '$cli' classify '$det' '$a' 2> '$tmp/e' && grep -q 'has 3 outputs' '$tmp/e'"
# The shared 96x96 person / no-person test images (TFLM's, int8 in [-1, 1]) as PGM:
# all three VWW models must agree with their labels (index 1 = person).
for im in person no_person; do
  "$py" -c "import sys; d = open(sys.argv[1], 'rb').read(); open(sys.argv[2], 'wb').write(b'P5\\n96 96\\n255\\n' + bytes((b ^ 0x80) for b in d))" \
    "$models/golden/tflm_person_detect.$im.input.bin" "$tmp/$im.pgm"
done
for m in tflm_person_detect mlperf_vww_96_int8 tinyengine_vww; do
  check "classify $m: the shared person image is person, the other no-person" bash -c "'$cli' classify '$models/$m.tflite' '$tmp/person.pgm' '$tmp/no_person.pgm' > '$tmp/v.txt' &&
    sed -n 1p '$tmp/v.txt' | grep -q 'person.pgm: person ' && sed -n 2p '$tmp/v.txt' | grep -q 'no_person.pgm: no-person '"
done
check "classify: truncated image named, status 1" bash -c "'$cli' classify '$vww' '$tmp/trunc.png' '$a' > '$tmp/o' 2> '$tmp/e'; [ \$? -eq 1 ] && grep -q 'trunc.png' '$tmp/e' && grep -q 'astronaut.png: person' '$tmp/o'"
finish
