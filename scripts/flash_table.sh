#!/usr/bin/env bash
# Writes src/codegen/flash_m4.c: what every runtime function costs in flash on
# the Cortex-M4, so that the search (and `plan`) can price a model's flash
# without a cross compiler. The runtime is compiled exactly as `tinyforge bench`
# compiles it (scripts/bench_mcu_build.sh: the board's flags, -O2,
# -ffunction-sections -fdata-sections, linked with --gc-sections), once per
# kernel-variant configuration (include/tinyforge/config.h's two switches), and
# the table lists each function's and each constant's bytes (symbol sizes, as
# bench counts them) and what it references (relocations), so that the bytes a
# model links are the closure of the functions it calls. Also: the size of every
# parameter struct on the target, and of the C library functions the runtime
# calls that bench counts (memcpy, memset and memmove it does not count).
#
# usage: scripts/flash_table.sh [OUT]        (default src/codegen/flash_m4.c)
#        scripts/flash_table.sh --check [FILE] (exit 1 when the committed table, or FILE, is stale)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/src/codegen/flash_m4.c; check=0
case "${1:-}" in --check) check=1; out=${2:-$out};; "") ;; *) out=$1;; esac
target=cortex-m4
row=$(awk -F'\t' -v t="$target" '$1 == t' "$root/targets/boards.tsv")
tc=$(echo "$row" | cut -f2); cflags=$(echo "$row" | cut -f3)
command -v "$tc-gcc" >/dev/null || { echo "flash_table: $tc-gcc is not installed (scripts/deps-targets.sh)" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

for cfg in 0 1 2 3; do # bit 0: TFG_WITH_DW_STRIP, bit 1: TFG_WITH_CONV_NARROW
  mkdir -p "$work/$cfg/inc/tinyforge"
  cp "$root"/include/tinyforge/*.h "$work/$cfg/inc/tinyforge/"
  printf '#ifndef TINYFORGE_CONFIG_H\n#define TINYFORGE_CONFIG_H\n#define TFG_WITH_DW_STRIP %d\n#define TFG_WITH_CONV_NARROW %d\n#endif\n' \
    $((cfg & 1)) $(((cfg >> 1) & 1)) >"$work/$cfg/inc/tinyforge/config.h"
  for f in "$root"/runtime/*.c; do
    # shellcheck disable=SC2086
    "$tc-gcc" $cflags -O2 -std=c99 -ffunction-sections -fdata-sections -I"$work/$cfg/inc" -c "$f" \
      -o "$work/$cfg/$(basename "$f" .c).o"
  done
done
# the parameter structs: one object of each type, its size read back
{
  echo '#include "tinyforge/kernels.h"'
  sed -n 's/^} \(tfg_[a-z0-9_]*_params_t\);$/\1/p' "$root/include/tinyforge/kernels.h" |
    while read -r t; do echo "const $t sizeof_$t;"; done
} >"$work/structs.c"
# shellcheck disable=SC2086
"$tc-gcc" $cflags -O2 -std=c99 -fdata-sections -I"$work/0/inc" -c "$work/structs.c" -o "$work/structs.o"
# the C library functions the runtime calls, each linked alone (its own closure)
libc=$(for o in "$work"/0/*.o; do "$tc-nm" -u "$o"; done | awk '{print $2}' | sort -u | grep -v -E "^(tfg_|memcpy$|memset$|memmove$)" || true)
for fn in $libc; do
  printf 'extern char %s[];\nvoid *volatile keep;\nint main(void) { keep = %s; return 0; }\n' "$fn" "$fn" >"$work/libc_$fn.c"
  printf 'int main(void) { return 0; }\n' >"$work/libc_none.c"
  for s in "$fn" none; do
    # shellcheck disable=SC2086
    "$tc-gcc" $cflags -O2 --specs=picolibc.specs -ffunction-sections -fdata-sections -Wl,--gc-sections \
      -fno-builtin "$work/libc_$s.c" -o "$work/libc_$s.elf" -lm
  done
done
gccv=$("$tc-gcc" --version | head -1)
python3 - "$work" "$tc" "$gccv" "$cflags" "$libc" >"$work/table.c" <<'PY'
import subprocess, sys, os, re
work, tc, gccv, cflags, libc = sys.argv[1:6]
libc = libc.split()
def run(*a):
    return subprocess.run(a, check=True, capture_output=True, text=True).stdout

def symbols(obj):
    """(name, section index, size, bind, type) of every defined symbol, and section names."""
    secs = {}
    for line in run(tc + "-readelf", "-SW", obj).splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)", line)
        if m: secs[int(m.group(1))] = m.group(2)
    syms = []
    for line in run(tc + "-readelf", "-sW", obj).splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":") and f[6].isdigit():
            syms.append((f[7], int(f[6]), int(f[2]), f[4], f[3]))
    return secs, syms

def relocs(obj):
    """section name -> symbols its relocations name"""
    r, cur = {}, None
    for line in run(tc + "-objdump", "-r", obj).splitlines():
        m = re.match(r"RELOCATION RECORDS FOR \[(.*)\]:", line)
        if m: cur = m.group(1); r.setdefault(cur, []); continue
        f = line.split()
        if cur and len(f) == 3 and f[0] != "OFFSET": r[cur].append(f[2].split("+")[0])
    return r

FLASH = (".text", ".rodata", ".data")
def graph(cfg):
    """nodes: (key, name, bytes, [ref keys]); a node is one section of one object."""
    objs = sorted(f for f in os.listdir(f"{work}/{cfg}") if f.endswith(".o"))
    nodes, glob = {}, {}
    per = {}
    for o in objs:
        path = f"{work}/{cfg}/{o}"
        secs, syms = symbols(path)
        per[o] = (secs, syms, relocs(path))
        for name, ndx, size, bind, typ in syms:
            sec = secs.get(ndx, "")
            if not sec.startswith(FLASH) or sec in FLASH: continue
            key = (o, sec)
            n = nodes.setdefault(key, {"name": None, "bytes": 0, "refs": set()})
            if typ in ("FUNC", "OBJECT"):
                n["bytes"] += size
                if n["name"] is None or bind == "GLOBAL": n["name"] = name
            if bind == "GLOBAL": glob[name] = key
    for o in objs:
        secs, syms, rel = per[o]
        local = {}
        for name, ndx, size, bind, typ in syms:
            local.setdefault(name, (o, secs.get(ndx, "")))
        for sec, targets in rel.items():
            if (o, sec) not in nodes: continue  # .ARM.exidx and the like: not linked into flash here
            for t in targets:
                if t.startswith(FLASH) and (o, t) in nodes: k = (o, t)
                elif t in local and local[t] in nodes: k = local[t]
                elif t in glob: k = glob[t]
                elif t in libc: k = ("libc", t)
                else: continue  # memcpy and friends (bench does not count them), .bss
                nodes[(o, sec)]["refs"].add(k)
    return nodes

def libc_bytes(fn):
    def sizes(elf):
        s = {}
        for line in run(tc + "-nm", "-S", "--radix=d", elf).splitlines():
            f = line.split()
            if len(f) == 4 and f[2].lower() in "trd": s[f[3]] = int(f[1])
        return s
    a, b = sizes(f"{work}/libc_{fn}.elf"), sizes(f"{work}/libc_none.elf")
    skip = re.compile(r"^(main|keep|memcpy|memset|memmove|__aeabi_mem.*)$")
    return sum(v for k, v in a.items() if k not in b and not skip.match(k))

print("/* Generated by scripts/flash_table.sh: do not edit (run `make flash-table`;")
print(" * tests/flash.sh fails when the runtime changed and this did not).")
print(f" * Compiler: {gccv}; flags: {cflags} -O2,")
print(" * each function and constant in its own section, linked with --gc-sections.")
print(" * Bytes are symbol sizes, as bench's model_flash_bytes counts them. */")
print('#include "codegen/flash_table.h"\n')
for cfg in range(4):
    g = graph(cfg)
    for fn in libc: g[("libc", fn)] = {"name": fn, "bytes": libc_bytes(fn), "refs": set()}
    keys = sorted(g, key=lambda k: (k[0], k[1]))
    idx = {k: i for i, k in enumerate(keys)}
    refs, first = [], []
    for k in keys:
        first.append(len(refs)); refs += sorted(idx[r] for r in g[k]["refs"])
    print(f"/* TFG_WITH_DW_STRIP {cfg & 1}, TFG_WITH_CONV_NARROW {cfg >> 1 & 1} */")
    print(f"static const uint16_t refs_{cfg}[] = {{")
    for i in range(0, len(refs), 16): print("    " + ", ".join(str(r) for r in refs[i:i + 16]) + ",")
    print("    0};")
    print(f"static const tfg_flash_sym_t syms_{cfg}[] = {{")
    for k in keys:
        n = g[k]; i = idx[k]
        file = k[0][:-2] if k[0].endswith(".o") else k[0]
        print(f'    {{"{n["name"]}", "{file}", {n["bytes"]}, {first[i]}, {len(n["refs"])}}},')
    print("};")
print("\nconst tfg_flash_table_t tfg_flash_m4[4] = {")
for cfg in range(4):
    print(f"    {{syms_{cfg}, sizeof syms_{cfg} / sizeof syms_{cfg}[0], refs_{cfg}}},")
print("};\n")
print("const tfg_flash_struct_t tfg_flash_m4_structs[] = {")
_, syms = symbols(f"{work}/structs.o")
for name, ndx, size, bind, typ in sorted(syms):
    if name.startswith("sizeof_"): print(f'    {{"{name[7:]}", {size}}},')
print("    {0, 0}};")
PY
# in the tree's own style, so that `make format-check` passes over it as it is written
(cd "$root" && clang-format --assume-filename=src/codegen/flash_m4.c <"$work/table.c" >"$work/table.fmt.c")
mv "$work/table.fmt.c" "$work/table.c"
if [ "$check" = 1 ]; then
  if ! cmp -s "$work/table.c" "$out"; then
    diff "$out" "$work/table.c" | head -20
    echo "flash_table: $out is stale: the runtime or the compiler changed; run 'make flash-table'" >&2
    exit 1
  fi
  echo "flash_table: $out is current"
else
  cp "$work/table.c" "$out"
  echo "flash_table: wrote $out"
fi
