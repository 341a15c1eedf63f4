#!/usr/bin/env bash
# tinyforge report: the numbers agree with `plan --json`, every SVG is
# well-formed XML, headless Chromium renders the page (screenshot not blank,
# DOM shows plan's peak and MACs), bench data attaches, bad input fails
# cleanly and leaves no file, and the demo writes its report.
# usage: tests/report.sh path/to/tinyforge SOURCE_DIR
# Screenshots go to $REPORT_SHOTS (default ./report-screenshots); their paths are printed.
set -u
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); src=$2
models="$src/../shared/models"
[ -d "$models" ] || { echo "SKIP: shared models not found at $models"; exit 0; }
models=$(cd "$models" && pwd)
for t in python3 xmllint chromium; do
  command -v "$t" >/dev/null 2>&1 || { echo "FAIL: $t not found (scripts/deps.sh installs it)"; exit 1; }
done
check_py="$src/tests/report_check.py"
. "$(dirname "$0")/lib.sh"
shots=${REPORT_SHOTS:-$PWD/report-screenshots}
mkdir -p "$shots" && shots=$(cd "$shots" && pwd)
# Headless Chromium with nothing that reaches the network; one fresh profile per run.
browse() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d "$tmp/profile.XXXXXX")" "$@"
}
shot() { browse --screenshot="$1" --window-size=1280,2400 "file://$2" >/dev/null 2>&1; [ -s "$1" ]; }
dump_dom() { browse --dump-dom "file://$2" >"$1" 2>/dev/null; [ -s "$1" ]; }

check "report --help" bash -c "'$cli' report --help | grep -q 'example:'"
check "top-level help lists report" bash -c "'$cli' --help | grep -q '^  report '"

# name | model | schedule and model options (plan takes them too) | report-only options.
# Three models in full, then other schedules of them (JSON, HTML and one figure).
cases="person_detect|tflm_person_detect.tflite||
vww|mlperf_vww_96_int8.tflite||
tinyengine_vww|tinyengine_vww.tflite|--int8-io|--target cortex-m7
person_detect_2x2|tflm_person_detect.tflite|--schedule 2x2@5|
person_detect_layer|tflm_person_detect.tflite|--schedule layer|--target none
vww_streamed|mlperf_vww_96_int8.tflite|--stream-input --sram 40K|
yamnet_transpose_folded|st_yamnet_256_64x96.tflite|--schedule auto|"
n=0
while IFS='|' read -r name model opts ropts; do
  n=$((n+1)); full=$([ $n -le 3 ] && echo 1 || echo 0)
  m="$models/$model"; d="$tmp/$name"; mkdir -p "$d"
  # shellcheck disable=SC2086
  "$cli" plan "$m" $opts --json >"$d/plan.json" 2>/dev/null || { fail=$((fail+1)); echo "FAIL: plan $name"; continue; }
  opts="$opts $ropts"
  check "$name: json written" bash -c "'$cli' report '$m' $opts -o '$d/r.json' >/dev/null"
  check "$name: json numbers = plan --json" python3 "$check_py" json "$d/r.json" "$d/plan.json"
  check "$name: html written, path printed" bash -c "[ \"\$('$cli' report '$m' $opts -o '$d/report.html')\" = '$d/report.html' ] && [ -s '$d/report.html' ]"
  check "$name: html is well-formed XML" xmllint --noout "$d/report.html"
  mkdir -p "$d/inline"
  check "$name: html self-contained, inline SVGs extracted" python3 "$check_py" svgs "$d/report.html" "$d/inline"
  check "$name: inline SVGs well-formed" bash -c "ls '$d/inline'/*.svg >/dev/null && xmllint --noout '$d/inline'/*.svg"
  figs=$([ "$full" = 1 ] && echo "timeline arena front grid" || echo timeline)
  for fig in $figs; do
    check "$name: svg $fig" bash -c "'$cli' report '$m' $opts --format svg --figure $fig -o '$d/$fig.svg' >/dev/null && head -c 5 '$d/$fig.svg' | grep -q '<svg' && xmllint --noout '$d/$fig.svg'"
  done
  [ "$full" = 1 ] || continue
  check "$name: json to stdout = to file" bash -c "'$cli' report '$m' $opts --format json | cmp - '$d/r.json'"
  check "$name: .svg extension means svg" bash -c "'$cli' report '$m' $opts -o '$d/x.svg' >/dev/null && cmp '$d/x.svg' '$d/timeline.svg'"
  peak=$(python3 -c "import json,sys; print(f\"{json.load(open(sys.argv[1]))['peak_bytes']:,}\")" "$d/plan.json")
  check "$name: md summary ($peak B) and table" bash -c "'$cli' report '$m' $opts --format md > '$d/r.md' && grep -q '^| step | op | type' '$d/r.md' && grep -q 'Peak SRAM, layer by layer: $peak B' '$d/r.md'"
done <<<"$cases"

# Chromium: the three models' pages render (screenshot not blank) and the
# rendered DOM carries plan's exact peak and MACs.
for name in person_detect vww tinyengine_vww; do
  d="$tmp/$name"; png="$shots/report-$name.png"
  rm -f "$png"
  check "$name: chromium screenshot" shot "$png" "$d/report.html"
  check "$name: screenshot not blank" python3 "$check_py" png "$png" 1280 2400
  [ -s "$png" ] && echo "screenshot: $png ($(tail -1 "$tmp/log"))"
  check "$name: chromium --dump-dom" dump_dom "$d/dom.html" "$d/report.html"
  check "$name: DOM has plan's peak and MACs" python3 "$check_py" dom "$d/dom.html" "$d/plan.json"
done

# Bench data: a synthetic file for the report's steps, then (with the cross
# toolchain and QEMU) a real one from tinyforge bench.
pd="$models/tflm_person_detect.tflite"; d="$tmp/person_detect"
python3 "$check_py" bench "$d/r.json" "$d/bench.json"
check "--bench attaches per-layer instructions" bash -c "'$cli' report '$pd' --bench '$d/bench.json' --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); b=json.load(open(\"$d/bench.json\")); assert r[\"bench\"][\"instructions\"]==b[\"instructions\"]; assert [s[\"instructions\"] for s in r[\"steps\"]]==[l[\"instructions\"] for l in b[\"layers\"]]'"
check "--bench adds the html columns" bash -c "'$cli' report '$pd' --bench '$d/bench.json' -o '$d/b.html' >/dev/null && grep -q '<th>instructions</th>' '$d/b.html' && xmllint --noout '$d/b.html'"
if command -v arm-none-eabi-gcc >/dev/null 2>&1 && command -v qemu-system-arm >/dev/null 2>&1; then
  check "real bench --json --layers attaches" bash -c "'$cli' bench '$pd' --json --layers > '$d/real.json' && '$cli' report '$pd' --bench '$d/real.json' --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); b=json.load(open(\"$d/real.json\")); assert [s[\"instructions\"] for s in r[\"steps\"]]==[l[\"instructions\"] for l in b[\"layers\"]]'"
  check "patched bench: the stage is one row" bash -c "'$cli' bench '$pd' --json --layers --schedule auto > '$d/real2.json' 2>/dev/null && '$cli' report '$pd' --bench '$d/real2.json' --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r[\"bench\"][\"stage_step\"]==r[\"schedule\"][\"split_step\"]'"
else
  echo "note: no arm-none-eabi-gcc/qemu-system-arm: real bench data not tried (scripts/deps-targets.sh)"
fi

# Bad input: a clear message, a non-zero exit, and no output file (not even a temporary one).
out="$tmp/bad"; mkdir -p "$out"
none_left() { [ -z "$(ls -A "$out")" ]; }
check "unknown option -> 2, names it" bash -c "'$cli' report '$pd' --bogus -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 2 ] && grep -q \"unknown option '--bogus'\" '$tmp/e'"
check "no model -> 2" status_is 2 "$cli" report -o "$out/r.html"
check "missing model -> 1, names it" bash -c "'$cli' report '$tmp/none.tflite' -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'none.tflite' '$tmp/e' && grep -q 'cannot open' '$tmp/e'"
check "not a model -> 1" bash -c "echo hello > '$tmp/x.tflite'; '$cli' report '$tmp/x.tflite' -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'error:' '$tmp/e'"
check "unwritable -o -> 1" bash -c "'$cli' report '$pd' -o '$tmp/nodir/r.html' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q \"cannot write '$tmp/nodir/r.html'\" '$tmp/e'"
check "bad --format -> 2" bash -c "'$cli' report '$pd' --format pdf -o '$out/r.pdf' 2>'$tmp/e'; [ \$? -eq 2 ] && grep -q 'html, json, svg or md' '$tmp/e'"
check "--figure without svg -> 2" status_is 2 "$cli" report "$pd" --figure arena -o "$out/r.html"
check "bad --figure -> 2" status_is 2 "$cli" report "$pd" --format svg --figure pie -o "$out/r.svg"
check "unknown --target -> 2, lists targets" bash -c "'$cli' report '$pd' --target z80 -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 2 ] && grep -q 'cortex-m4' '$tmp/e'"
check "impossible --sram -> 1" bash -c "'$cli' report '$pd' --sram 1000 -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'smallest achievable peak' '$tmp/e'"
check "--bench missing file -> 1" bash -c "'$cli' report '$pd' --bench '$tmp/nobench.json' -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q \"cannot open '$tmp/nobench.json'\" '$tmp/e'"
echo '{"model": "x", "layers": [' > "$tmp/trunc.json"
check "--bench not JSON -> 1" bash -c "'$cli' report '$pd' --bench '$tmp/trunc.json' -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'is not JSON' '$tmp/e'"
echo '{"model": "x", "instructions": 5}' > "$tmp/nolayers.json"
check "--bench without layers -> 1" bash -c "'$cli' report '$pd' --bench '$tmp/nolayers.json' -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'no per-layer counts' '$tmp/e'"
check "--bench of another model -> 1" bash -c "'$cli' report '$models/mlperf_vww_96_int8.tflite' --bench '$d/bench.json' -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'is not bench data for' '$tmp/e'"
python3 -c "import json,sys; b=json.load(open(sys.argv[1])); b['layers']=b['layers'][:5]; json.dump(b, open(sys.argv[2],'w'))" "$d/bench.json" "$tmp/short.json"
check "--bench missing layers -> 1" bash -c "'$cli' report '$pd' --bench '$tmp/short.json' -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'has layers up to step 4' '$tmp/e'"
check "float model's bench needs --int8-io, says so" bash -c "'$cli' report '$models/tinyengine_vww.tflite' --bench '$d/bench.json' -o '$out/r.html' 2>'$tmp/e'; [ \$? -eq 1 ] && grep -q 'give the report --int8-io' '$tmp/e'"
check "no partial output left by any failure" none_left

# Defaults: html to MODEL.report.html in the working directory; json and md to stdout.
check "default html path" bash -c "cd '$tmp' && [ \"\$('$cli' report '$pd')\" = tflm_person_detect.report.html ] && xmllint --noout tflm_person_detect.report.html"
check "-o - writes html to stdout" bash -c "'$cli' report '$pd' -o - | head -1 | grep -q '<!DOCTYPE html>'"

# The demo writes its model's report and prints the path.
check "demo writes its report" bash -c "'$cli' demo dscnn-kws --report '$tmp/demo.html' > '$tmp/demo.log' && grep -qF '$tmp/demo.html' '$tmp/demo.log' && xmllint --noout '$tmp/demo.html' && grep -q 'fig-timeline' '$tmp/demo.html'"

finish
