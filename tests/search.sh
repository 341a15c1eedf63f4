#!/usr/bin/env bash
# tinyforge search, end to end on a small space:
#  - phase 1 alone (--stop-after 1): the space searched, every pair's sample
#    as JSON, the CDF plot; the chosen pair is the eligible one with the most
#    MACs; the same seed gives the same results on one thread and on two; a
#    second run refuses the folder without --resume and keeps the phase with it;
#  - every phase on a small cut of Fashion-MNIST: the supernet, the evolution
#    (every candidate within the budget, none twice, the best kept), the final
#    model (result.json agrees with the training log and with bench, bit-exact
#    on the Cortex-M4 when QEMU is installed), and --resume keeps them all;
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
run() { "$cli" search --space "$tmp/space.json" --sram 12K --flash 24K --code 8K --samples 10 --stop-after 1 "$@"; }
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
check "the same seed on one thread: the same results" bash -c "'$cli' search --space '$tmp/space.json' --sram 12K --flash 24K --code 8K --samples 10 --stop-after 1 -o '$tmp/b' --threads 1 --quiet >/dev/null && diff <(grep -v seconds '$tmp/a/space_opt.json') <(grep -v seconds '$tmp/b/space_opt.json')"
check "the folder is refused without --resume" bash -c "! '$cli' search --space '$tmp/space.json' --sram 12K --flash 24K --code 8K -o '$tmp/a' 2>'$tmp/e' && grep -q -- '--resume' '$tmp/e'"
check "--resume keeps the phase" bash -c "'$cli' search --space '$tmp/space.json' --sram 12K --flash 24K --code 8K --stop-after 1 -o '$tmp/a' --resume | grep -q 'done already'"

# Every phase, on 1,200 training and 300 test images of Fashion-MNIST at 12x12 and 16x16.
fm_cut "$tmp/fm" 1200 300
cat >"$tmp/small.json" <<'JSON'
{"name": "s", "resolutions": [12, 16], "width_multipliers": [0.5, 1.0], "kernel_sizes": [3, 5],
 "expand_ratios": [3, 6], "stem": {"channels": 8}, "first_block": {"channels": 8},
 "stages": [{"channels": 16, "stride": 2, "depths": [1, 2]}, {"channels": 24, "stride": 2, "depths": [1, 2]}]}
JSON
# flash priced as the Cortex-M4 takes it (--code auto, the default)
full=(search --data "$tmp/fm" --space "$tmp/small.json" --sram 8K --flash 48K --samples 20
      --largest-epochs 1 --supernet-epochs 1 --population 6 --parents 3 --mutations 3 --crossovers 3
      --generations 2 --calib 64 --final-epochs 1 --qat-epochs 1 --baselines -o "$tmp/full")
check "every phase runs" bash -c "TFG_ROOT='$src' '$cli' ${full[*]} >'$tmp/full.out' 2>&1 || { tail -20 '$tmp/full.out'; exit 1; }"
check "every phase's outputs" bash -c "for f in command.txt space_opt.json largest.tfgc supernet.tfgc supernet.json evolution.json evolution.svg pareto.svg best.json best_init.tfgc final/best.tflite final/log.json final/bench.json result.json report.html random_search.json final_random/random_best.tflite baselines.json; do [ -s '$tmp/full/'\$f ] || { echo missing \$f; exit 1; }; done"
check "the evolution: within the budget, no subnet twice, the best kept" python3 - "$tmp/full/evolution.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
c = e["candidates"]
assert e["evaluated"] == len(c) and len(c) <= 6 + 2 * 6, len(c)
assert all(x["arena"] <= 8192 and x["flash"] + 128 <= 49152 for x in c)  # 128: the flash model's margin
keys = [json.dumps(x["choices"], sort_keys=True) for x in c]
assert len(set(keys)) == len(keys), "a subnet evaluated twice"
best = max(x["accuracy"] for x in c)
assert e["best"]["accuracy"] == best
g = [x["best"] for x in e["per_generation"]]
assert len(g) == 3 and all(a <= b for a, b in zip(g, g[1:])), g   # the parents are kept
assert all(c[i]["accuracy"] <= e["best"]["accuracy"] for i in e["final_population"])
PY
check "result.json: the model, its accuracy from the log, its cost from bench" python3 - "$tmp/full" <<'PY'
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/result.json")); log = json.load(open(d + "/final/log.json"))
for k in ("tflite", "int8_test_accuracy", "arena_bytes", "flash_bytes", "macs", "m4_instructions", "schedule", "seconds"):
    assert k in r, k
assert r["int8_test_accuracy"] == round(log["int8_test_accuracy"], 4)
assert log["int8_test_total"] == 300
assert set(r["seconds"]) == {"space", "supernet", "evolution", "final", "total"}
best = json.load(open(d + "/evolution.json"))["best"]
assert r["subnet"] == best["choices"]
# benched: the engine's figures, as the search priced them (bench picks the fastest kernel variants
# within the SRAM, which may take a little more than the least-memory arena the search priced)
if r["m4_instructions"] is not None:
    assert r["macs"] == best["macs"] and best["arena"] <= r["arena_bytes"] <= 8192, (r, best)
    assert r["arena_bytes"] <= 8192 and 0 < r["flash_bytes"] <= 49152 and r["fits"] is True
    # the flash the search priced (exact but for the generated code's estimate) against bench's ELF
    assert abs(r["flash_priced"] - r["flash_bytes"]) <= 128, (r["flash_priced"], r["flash_bytes"])
    assert r["flash_priced"] == best["flash"] and r["code_allowance"] is None
PY
check "the baselines: random search at equal cost, MobileNetV2 scaled or none" python3 - "$tmp/full" <<'PY'
import json, sys
d = sys.argv[1]
b = json.load(open(d + "/baselines.json")); e = json.load(open(d + "/evolution.json"))
rs = json.load(open(d + "/random_search.json"))
assert rs["evaluated"] == e["evaluated"] == b["random_search"]["candidates"]
assert all(x["arena"] <= 8192 for x in rs["candidates"])
assert b["random_search"]["best_val_accuracy"] == round(rs["best"]["accuracy"], 4)  # written with 4 decimals
if b["random_search"]["m4_instructions"] is not None:
    assert b["random_search"]["macs"] == rs["best"]["macs"]
    assert rs["best"]["arena"] <= b["random_search"]["arena_bytes"] <= 8192
m = b["mobilenetv2"]
assert m is None or (m["spec"].startswith("mbv2-") and m["int8_test_accuracy"] > 0)
PY
if command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null; then
  check "the found model is bit-exact on the Cortex-M4" grep -q '"bitexact_on_m4": true' "$tmp/full/result.json"
fi
check "--resume keeps every phase" bash -c "TFG_ROOT='$src' '$cli' ${full[*]} --resume >'$tmp/again.out' 2>&1 && [ \$(grep -c 'done already' '$tmp/again.out') -eq 5 ]"
# --budget, from the trained supernet (phases 1 and 2 kept): the evolution stops after its first population
cp -r "$tmp/full" "$tmp/budget" && rm -rf "$tmp/budget"/{evolution.json,result.json,baselines.json,random_search.json,final,final_random,final_mbv2}
check "--budget stops the evolution early, the final model still made" bash -c "TFG_ROOT='$src' '$cli' ${full[*]/--baselines/} -o '$tmp/budget' --resume --budget 1s >'$tmp/budget.out' 2>&1 && grep -q 'stopping after generation 0' '$tmp/budget.out' && grep -q '\"stopped_by_budget\": true' '$tmp/budget/evolution.json' && [ -s '$tmp/budget/result.json' ]"
# killed after the evolution's generation 1 and resumed: the same evolution as the uninterrupted run's
cp -r "$tmp/budget" "$tmp/kill" && rm -rf "$tmp/kill"/{evolution.json,result.json,final}
check "a killed evolution resumes to the same search" bash -c "TFG_SEARCH_KILL_AFTER=1 '$cli' ${full[*]/--baselines/} -o '$tmp/kill' --resume >/dev/null 2>&1; grep -q '\"complete\": false' '$tmp/kill/evolution.json' && TFG_ROOT='$src' '$cli' ${full[*]/--baselines/} -o '$tmp/kill' --resume >'$tmp/kill.out' 2>&1 && grep -q 'resuming .*evolution.json after generation 1' '$tmp/kill.out' && diff <(grep -v seconds '$tmp/full/evolution.json') <(grep -v seconds '$tmp/kill/evolution.json')"
# priced with a fixed allowance (--code 24K) instead: every candidate within the flash, and the plot's flash
# panel puts each where its priced flash is, left of the budget line
cp -r "$tmp/budget" "$tmp/code" && rm -rf "$tmp/code"/{evolution.json,result.json,final}
check "--code SIZE: candidates priced with it, the plot's flash panel within the budget line" bash -c "'$cli' ${full[*]/--baselines/} --code 24K -o '$tmp/code' --resume --stop-after 3 >/dev/null 2>&1 && python3 - '$tmp/code' <<'PY'
import json, re, sys
d = sys.argv[1]
c = json.load(open(d + '/evolution.json'))['candidates']
assert c and all(x['flash'] <= 49152 for x in c)
svg = open(d + '/pareto.svg').read()
line = [float(x) for x in re.findall(r'<line x1=\"([0-9.]+)\"[^>]*stroke=\"#c00\"', svg)][1]
xs = [float(x) for x in re.findall(r'<circle cx=\"([0-9.]+)\"', svg) if float(x) > 380]
assert len(xs) == len(c) and max(xs) <= line, (max(xs), line)
PY"
# killed in the final model's training (TFG_TRAIN_KILL_AT: its QAT epoch, step 3) and resumed: the same model
cp -r "$tmp/full" "$tmp/p4" && rm -rf "$tmp/p4"/{result.json,report.html,baselines.json,random_search.json,final,final_random,final_mbv2}
check "phase 4 killed in its training and resumed: the uninterrupted run's model, byte for byte" bash -c "TFG_TRAIN_KILL_AT=2:3 TFG_ROOT='$src' '$cli' ${full[*]/--baselines/} -o '$tmp/p4' --resume >/dev/null 2>&1; [ \$? -eq 137 ] && [ ! -e '$tmp/p4/result.json' ] && TFG_ROOT='$src' '$cli' ${full[*]/--baselines/} -o '$tmp/p4' --resume >/dev/null 2>&1 && cmp '$tmp/full/final/best.tflite' '$tmp/p4/final/best.tflite' && [ -s '$tmp/p4/result.json' ]"
# killed in phase 2 after the largest's first epoch, then after the sandwich's first, resumed each time: the
# supernet of an uninterrupted run, and its time counts the killed processes' epochs (the largest's included)
p2=(search --data "$tmp/fm" --space "$tmp/small.json" --sram 8K --flash 48K --samples 20 --largest-epochs 2
    --supernet-epochs 2 --calib 64 --stop-after 2 --quiet)
check "phase 2 uninterrupted" "$cli" "${p2[@]}" -o "$tmp/p2"
check "phase 2 killed in the largest's epochs and in the sandwich's, resumed: the same supernet" bash -c "TFG_SEARCH_KILL_EPOCH=largest:1 '$cli' ${p2[*]} -o '$tmp/p2k' >/dev/null 2>&1; [ -s '$tmp/p2k/largest.tfgc' ] && [ ! -e '$tmp/p2k/supernet.tfgc' ] && { TFG_SEARCH_KILL_EPOCH=supernet:1 '$cli' ${p2[*]} -o '$tmp/p2k' --resume >/dev/null 2>&1; [ -s '$tmp/p2k/supernet.tfgc' ] && [ ! -e '$tmp/p2k/supernet.json' ]; } && '$cli' ${p2[*]} -o '$tmp/p2k' --resume >/dev/null && diff <(grep -v seconds '$tmp/p2/supernet.json') <(grep -v seconds '$tmp/p2k/supernet.json')"
check "the resumed phase 2 counts every process's epochs" python3 -c "import json; s = json.load(open('$tmp/p2k/supernet.json')); assert s['largest_epoch_seconds'] > 0 and s['seconds'] > 2 * s['largest_epoch_seconds'], s"
check "bad --budget" bash -c "'$cli' search --sram 8K --flash 64K --budget 2x -o '$tmp/c' 2>&1 | grep -q -- '--budget wants a duration'"
check "bad --stop-after" bash -c "'$cli' search --sram 8K --flash 64K --stop-after 5 -o '$tmp/c' 2>&1 | grep -q -- '--stop-after wants an integer in 1..4'"

# A run carried to another machine (scripts/search_state.sh): the state does
# not hold the run folder's path, and comes back with the new folder's in its
# place (bench-search's runs name no other path: --data fashion-mnist).
check "search_state save" "$src/scripts/search_state.sh" save "$tmp/p2k" "$tmp/state.tar.xz"
check "the state does not hold the run folder's path" bash -c "! tar -xJOf '$tmp/state.tar.xz' | grep -aq '$tmp/p2k'"
check "search_state restore" "$src/scripts/search_state.sh" restore "$tmp/state.tar.xz" "$tmp/moved/p2k"
check "restored: the files, the new path in the command" bash -c "diff -r -x command.txt -x report.html '$tmp/p2k' '$tmp/moved/p2k' && grep -q -- '-o $tmp/moved/p2k' '$tmp/moved/p2k/command.txt'"
check "restore does not overwrite a run" status_is 2 "$src/scripts/search_state.sh" restore "$tmp/state.tar.xz" "$tmp/moved/p2k"

# bad input
check "no --flash" bash -c "'$cli' search --sram 8K -o '$tmp/c' 2>&1 | grep -q 'needs --sram, --flash and -o'"
check "code larger than flash" bash -c "'$cli' search --sram 8K --flash 16K --code 16K -o '$tmp/c' 2>&1 | grep -q 'leaves nothing of --flash'"
check "bad --code" bash -c "'$cli' search --sram 8K --flash 16K --code lots -o '$tmp/c' 2>&1 | grep -q -- '--code wants auto or a size'"
check "a broken space names the file and the key" bash -c "echo '{\"resolutions\": [28], \"width_multipliers\": [1], \"kernel_size\": [3]}' >'$tmp/bad.json'; '$cli' search --space '$tmp/bad.json' --sram 8K --flash 64K -o '$tmp/c' 2>&1 | grep -q \"bad.json: top level: unknown key 'kernel_size'\""
check "a missing space file" bash -c "'$cli' search --space '$tmp/none.json' --sram 8K --flash 64K -o '$tmp/c' 2>&1 | grep -q 'none.json: cannot open'"
check "bad --samples" bash -c "'$cli' search --sram 8K --flash 64K --samples 0 -o '$tmp/c' 2>&1 | grep -q -- '--samples wants an integer'"
check "a latency budget nothing meets" bash -c "! '$cli' search --space '$tmp/space.json' --sram 64K --flash 24K --code 8K --samples 4 --max-instructions 10K -o '$tmp/l' >'$tmp/o' && grep -q 'at most 10000 Cortex-M4 instructions per inference (predicted): a smaller space' '$tmp/o' && python3 -c \"import json; p = json.load(open('$tmp/l/space_opt.json'))['pairs']; assert all(c['over_latency'] == c['sampled'] == 4 for c in p)\""
check "bad --max-instructions" bash -c "'$cli' search --sram 8K --flash 64K --max-instructions lots -o '$tmp/c' 2>&1 | grep -q -- '--max-instructions wants a count'"
check "nothing eligible is an error with a way out" bash -c "! '$cli' search --space '$tmp/space.json' --sram 1K --flash 24K --code 8K --samples 4 -o '$tmp/d' --quiet >'$tmp/o' && grep -q 'a smaller space' '$tmp/o'"
finish
