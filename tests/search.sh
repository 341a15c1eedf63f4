#!/usr/bin/env bash
# tinyforge search, end to end on a small space (phase 1, search-space
# optimisation, is what the command runs so far):
#  - the output folder: the space searched, every pair's sample as JSON,
#    the CDF plot; the chosen pair is the eligible one with the most MACs;
#  - a second run refuses the folder without --resume and keeps the phase with it;
#  - the same seed gives the same results on one thread and on two;
#  - bad input: clear messages and non-zero exits.
# usage: tests/search.sh path/to/tinyforge SOURCE_DIR
set -u
cli=$1; src=$2
. "$(dirname "$0")/lib.sh"
cat >"$tmp/space.json" <<'JSON'
{"name": "t", "resolutions": [16, 24], "width_multipliers": [0.5, 1.0], "kernel_sizes": [3, 5],
 "expand_ratios": [2, 4], "stem": {"channels": 16}, "first_block": {"channels": 8},
 "stages": [{"channels": 16, "stride": 2, "depths": [1, 2]}, {"channels": 32, "stride": 2, "depths": [1, 2]}]}
JSON
run() { "$cli" search --space "$tmp/space.json" --sram 12K --flash 24K --code 8K --samples 10 "$@"; }
check "a search runs" run -o "$tmp/a" --threads 2
check "its outputs" bash -c "for f in space.json space_opt.json space_cdf.svg; do [ -s '$tmp/a/'\$f ] || { echo missing \$f; exit 1; }; done"
check "space.json is the space searched" cmp "$tmp/space.json" "$tmp/a/space.json"
check "the chosen pair: the eligible one with the most MACs on average" python3 - "$tmp/a/space_opt.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["pairs"]) == 4 and all(p["sampled"] == 10 for p in r["pairs"])
ok = [p for p in r["pairs"] if p["fit"] >= max(1, 0.1 * p["sampled"])]
best = max(ok, key=lambda p: p["mean_macs"])
assert r["chosen"] == {"width": best["width"], "resolution": best["resolution"]}, (r["chosen"], best)
assert all(p["macs_p10"] <= p["macs_p50"] <= p["macs_p90"] for p in r["pairs"])
PY
check "the plot is SVG with a curve per pair that fits" python3 - "$tmp/a/space_cdf.svg" "$tmp/a/space_opt.json" <<'PY'
import json, sys, xml.dom.minidom
d = xml.dom.minidom.parse(sys.argv[1])
fits = sum(1 for p in json.load(open(sys.argv[2]))["pairs"] if p["fit"])
assert len(d.getElementsByTagName("polyline")) == fits
PY
check "the same seed on one thread: the same results" bash -c "'$cli' search --space '$tmp/space.json' --sram 12K --flash 24K --code 8K --samples 10 -o '$tmp/b' --threads 1 --quiet >/dev/null && diff <(grep -v seconds '$tmp/a/space_opt.json') <(grep -v seconds '$tmp/b/space_opt.json')"
check "the folder is refused without --resume" bash -c "! '$cli' search --space '$tmp/space.json' --sram 12K --flash 24K --code 8K -o '$tmp/a' 2>'$tmp/e' && grep -q -- '--resume' '$tmp/e'"
check "--resume keeps the phase" bash -c "'$cli' search --space '$tmp/space.json' --sram 12K --flash 24K --code 8K -o '$tmp/a' --resume | grep -q 'done already'"

# bad input
check "no --flash" bash -c "'$cli' search --sram 8K -o '$tmp/c' 2>&1 | grep -q 'needs --sram, --flash and -o'"
check "code larger than flash" bash -c "'$cli' search --sram 8K --flash 16K -o '$tmp/c' 2>&1 | grep -q 'leaves nothing of --flash'"
check "a broken space names the file and the key" bash -c "echo '{\"resolutions\": [28], \"width_multipliers\": [1], \"kernel_size\": [3]}' >'$tmp/bad.json'; '$cli' search --space '$tmp/bad.json' --sram 8K --flash 64K -o '$tmp/c' 2>&1 | grep -q \"bad.json: top level: unknown key 'kernel_size'\""
check "a missing space file" bash -c "'$cli' search --space '$tmp/none.json' --sram 8K --flash 64K -o '$tmp/c' 2>&1 | grep -q 'none.json: cannot open'"
check "bad --samples" bash -c "'$cli' search --sram 8K --flash 64K --samples 0 -o '$tmp/c' 2>&1 | grep -q -- '--samples wants an integer'"
check "nothing eligible is an error with a way out" bash -c "! '$cli' search --space '$tmp/space.json' --sram 1K --flash 24K --code 8K --samples 4 -o '$tmp/d' --quiet >'$tmp/o' && grep -q 'a smaller space' '$tmp/o'"
finish
