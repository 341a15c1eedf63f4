#!/usr/bin/env bash
# The flash the search predicts (src/codegen/flash.c, no cross compiler)
# against the flash bench measures in the Cortex-M4 ELF, part by part, and
# the instructions it predicts (src/sched/latency.c) against QEMU's count, on
# sampled subnets of the default search space (the search's own candidates,
# patched where their budget wants it) and on the shared models. Prints a
# table and the error of the one estimated part, the generated functions.
# usage: scripts/bench_flash.sh BUILD_DIR [N_SUBNETS] [OUT_DIR]   (needs the cross toolchain and QEMU)
set -euo pipefail
build=$1; n=${2:-12}; out=${3:-$build/bench-flash}
root=$(cd "$(dirname "$0")/.." && pwd)
cli=$build/tinyforge
mkdir -p "$out"
rows=$out/rows.tsv; : >"$rows"
one() { # name model sram [schedule]
  rm -rf "$out/$1"
  TFG_ROOT=$root "$cli" bench "$2" --schedule "${4:-auto}" --sram "$3" --json --keep "$out/$1" 2>/dev/null |
    tail -1 >"$out/$1.json" ||
    { echo "bench_flash: bench failed on $2" >&2; return 0; }
  printf '%s\t%s\t%s\n' "$1" "$3" "$out/$1.json" >>"$rows"
}
# subnets at the 32 KB budget's chosen pair (width 0.5, resolution 36) and at a small one (0.35, 24),
# each with the schedule the budget picks, and also layer by layer and with a deeper patch stage
for pair in "1 4 32K" "0 1 12K"; do
  set -- $pair
  dir=$out/subnets_w$1_r$2; rm -rf "$dir"; mkdir -p "$dir"
  "$build/sample_subnets" default "$1" "$2" "$n" 1 "$dir"
  for ((i = 0; i < n; i++)); do
    "$cli" zoo build "$dir/subnet_$i.json" -o "$dir/subnet_$i.tflite" >/dev/null # calibrated, as trained models
    one "w$1r$2_$i" "$dir/subnet_$i.tflite" "$3"
    case $((i % 3)) in
      0) one "w$1r$2_${i}_layer" "$dir/subnet_$i.tflite" 256K layer ;;
      1) one "w$1r$2_${i}_2x2@3" "$dir/subnet_$i.tflite" 256K 2x2@3 ;;
      2) one "w$1r$2_${i}_3x3@9" "$dir/subnet_$i.tflite" 256K 3x3@9 ;;
    esac
  done
done
for m in tflm_person_detect mlperf_vww_96_int8 mlperf_kws_ref_model tinyengine_vww; do
  one "$m" "$root/../shared/models/$m.tflite" 256K
done
python3 - "$rows" "$out" "$root/scripts" <<'PY'
import json, re, subprocess, sys
sys.path.insert(0, sys.argv[3])
import lstsq
rows, out = sys.argv[1:3]
def elf_symbols(elf):
    s = {}
    for line in subprocess.run(["arm-none-eabi-nm", "-S", "--radix=d", elf], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        f = line.split()
        if len(f) == 4: s[f[3]] = (f[2].lower(), int(f[1]))
    return s
print(f"{'model':<22} {'SRAM':>5} {'sched':>9} {'steps':>5} | {'exact: constants+structs':>24} {'runtime':>13} | "
      f"{'estimated: code+stage':>21} | {'total predicted':>15} {'measured':>9} {'error':>6} | "
      f"{'M4 instructions predicted':>25} {'measured':>10} {'error':>7}")
lat_bad = []
errs, exact, feats = [], True, []
for line in open(rows):
    name, sram, path = line.rstrip("\n").split("\t"); b = json.load(open(path))
    p = b["model_flash_predicted"]
    src = open(f"{out}/{name}/gen/model.c").read()
    stage = [int(k) for k in re.findall(r"\bp = model_l(\d+);", src)]
    kinds = {k: t for t, k in re.findall(r"static const (tfg_\w+_params_t) model_l(\d+) = ", src)}
    syms = elf_symbols(f"{out}/{name}/fw.elf")
    gen_code = sum(v[1] for k, v in syms.items() if k.startswith("model_") and v[0] == "t")
    stage_structs = sum(syms[f"model_l{k}"][1] for k in stage if f"model_l{k}" in syms)
    gen_const = sum(v[1] for k, v in syms.items() if k.startswith("model_") and v[0] in "rd") - stage_structs
    runtime = b["model_flash_bytes"] - gen_code - gen_const - stage_structs
    s = b.get("schedule"); sched = f'{s["grid"][0]}x{s["grid"][1]}@{s["split_op"]}' if s else "layer"
    cs = p["constants"] + p["structs"]; exact &= cs == gen_const and p["runtime"] == runtime
    est_m = gen_code + stage_structs
    err = p["total"] - b["model_flash_bytes"]; errs.append((err, p["generated"], est_m))
    n_steps = len(kinds)
    feats.append((n_steps - len(stage), sum(kinds[str(k)] == "tfg_conv_params_t" for k in stage),
                  sum(kinds[str(k)] == "tfg_dwconv_params_t" for k in stage), 1 if stage else 0, est_m))
    print(f"{name:<22} {sram:>5} {sched:>9} {n_steps:>5} | {cs:>11}/{gen_const:<12} "
          f"{p['runtime']:>6}/{runtime:<6} | {p['generated']:>10}/{est_m:<10} | "
          f"{p['total']:>15} {b['model_flash_bytes']:>9} {err:>+6} | "
          f"{b['instructions_predicted']:>25} {b['instructions']:>10} "
          f"{100 * (b['instructions_predicted'] / b['instructions'] - 1):>+6.1f}%")
    if name.startswith("w") and abs(b["instructions_predicted"] / b["instructions"] - 1) > 0.10: lat_bad.append(name)
print(f"\n{len(errs)} models: constants, layer structs and runtime {'exact on every one' if exact else 'NOT exact'}; "
      f"total error {min(e[0] for e in errs):+d} .. {max(e[0] for e in errs):+d} B, all of it the estimate of the "
      f"generated functions and the patch stage's struct copies")
# the generated code's constants (src/codegen/flash.c GEN_*), fitted again on these models
k = lstsq.fit([[1, a, b, c, d] for a, b, c, d, _ in feats], [m for *_, m in feats])
print("generated code, fitted on these models: base %+.0f, per call %.0f, per stage conv %.0f, per other stage "
      "layer %.0f, per patch stage %.0f B" % tuple(k))
margin = 128  # TFG_FLASH_MARGIN (src/search/spaceopt.h): the search keeps this much free for the estimate
under = [e[0] for e in errs if -e[0] > margin]
if under: print(f"the estimate fell short by more than the search's {margin} B margin on {len(under)} models")
if lat_bad: print(f"the latency model erred by more than 10% on {', '.join(lat_bad)}")
if not exact or under or lat_bad: sys.exit(1)
PY
