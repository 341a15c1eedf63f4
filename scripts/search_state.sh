#!/usr/bin/env bash
# Carry an unfinished `tinyforge search` run to another machine. A budget of
# make bench-search takes longer than a machine may live (the 64 KB one about
# five hours on two cores), and every phase resumes from the files in its run
# folder (--resume), so the folder is all there is to carry:
#   scripts/search_state.sh save RUN_DIR STATE.tar.xz     # the folder and its log (RUN_DIR.log)
#   scripts/search_state.sh restore STATE.tar.xz RUN_DIR  # where bench-search will resume it
# The HTML report is left out (the last phase writes it again).
# scripts/bench_search.sh restores bench/results/search/sram<K>/state.tar.xz by
# itself when the run folder is missing, and says so.
set -euo pipefail
die() { echo "search_state: $*" >&2; exit 2; }
[ $# -eq 3 ] || die "usage: $0 save RUN_DIR STATE.tar.xz | restore STATE.tar.xz RUN_DIR"
case $1 in
save)
  run=$(cd "${2%/}" 2>/dev/null && pwd) || die "$2 not found"; state=$3
  [ -f "$run/command.txt" ] || die "$run is not a search run folder (no command.txt)"
  tmpd=$(mktemp -d); trap 'rm -rf "$tmpd"' EXIT
  name=$(basename "$run")
  cp -r "$run" "$tmpd/$name"; rm -f "$tmpd/$name/report.html"
  find "$tmpd/$name" -name '*.tmp' -delete # a checkpoint being written (it is renamed into place when whole)
  [ -f "$run.log" ] && cp "$run.log" "$tmpd/$name.log"
  # no machine's paths in the repository: the run folder's own path becomes a mark
  find "$tmpd" -type f \( -name '*.json' -o -name '*.txt' -o -name '*.log' \) -exec sed -i "s|$run|@RUN_DIR@|g" {} +
  tar -C "$tmpd" -cJf "$state.tmp" .
  mv "$state.tmp" "$state"
  echo "search_state: $run saved in $state ($(wc -c < "$state") B)";;
restore)
  state=$2; run=${3%/}
  [ -f "$state" ] || die "$state not found"
  [ -e "$run" ] && die "$run exists: not overwritten (remove it to restore)"
  tmpd=$(mktemp -d); trap 'rm -rf "$tmpd"' EXIT
  tar -C "$tmpd" -xJf "$state"
  dirs=("$tmpd"/*/); [ ${#dirs[@]} -eq 1 ] && [ -f "${dirs[0]}command.txt" ] || die "$state does not hold one search run folder"
  mkdir -p "$(dirname "$run")"
  run=$(cd "$(dirname "$run")" && pwd)/$(basename "$run")
  find "$tmpd" -type f \( -name '*.json' -o -name '*.txt' -o -name '*.log' \) -exec sed -i "s|@RUN_DIR@|$run|g" {} +
  mv "${dirs[0]%/}" "$run"
  for l in "$tmpd"/*.log; do [ -f "$l" ] && mv "$l" "$run.log"; done
  echo "search_state: $state restored into $run";;
*) die "first argument: save or restore, not '$1'";;
esac
