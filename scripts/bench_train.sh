#!/usr/bin/env bash
# Training speed against PyTorch 1.13 (Debian's python3-torch) on the same
# net, threads and batch sizes, measured in this run (make bench-train).
# Both train fm-mbv2-tiny on Fashion-MNIST for one whole epoch of 60,000
# images (TRAIN_IMAGES), so that start-up costs (first-touch page faults)
# are amortized alike. PyTorch runs with glibc's malloc told to keep freed
# memory (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_): by default each
# step's multi-megabyte tensors are mapped and unmapped again, and the page
# faults halve its speed until some larger allocation (the peer's first test
# pass) raises glibc's dynamic thresholds: 415 img/s in its first epoch,
# 1,000 from the third on. The figure here is that faster steady state.
# The peer is ../shared/peers/torch_fmnist.py; tinyforge also runs with BLIS in place of
# OpenBLAS (LD_PRELOAD), which is how the BLAS was chosen, and its QAT steps
# (the int8 engine's forward pass) on a sixth of the images.
# usage: scripts/bench_train.sh BUILD_DIR [SOURCE_DIR]
set -u
build=$1; src=${2:-$(cd "$(dirname "$0")/.." && pwd)}
arch="$src/../shared/archs/fm-mbv2-tiny.json"
peer="$src/../shared/peers/torch_fmnist.py"
threads=${TRAIN_THREADS:-2}
images=${TRAIN_IMAGES:-60000}
[ -f "$arch" ] || { echo "bench-train: $arch not found"; exit 1; }
py=/usr/bin/python3
have_torch=1
"$py" -c "import torch" 2>/dev/null || have_torch=0
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }

ours() { # batch steps [qat|blis] -> "img/s rss"
  local b=$1 s=$2 mode=${3:-} pre=""
  [ "$mode" = blis ] && pre=$(ls /usr/lib/*/libblis.so.4 2>/dev/null | head -1)
  if [ "$mode" = blis ] && [ -z "$pre" ]; then echo "- -"; return; fi
  LD_PRELOAD=$pre "$build/bench_train" "$arch" "$b" "$threads" "$s" ${mode/blis/} 2>&1 |
    sed -n 's/.*: \([0-9]*\) img\/s, peak RSS \([0-9]*\) KiB.*/\1 \2/p'
}
theirs() { # batch -> "img/s rss"
  [ $have_torch = 1 ] || { echo "- -"; return; }
  MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 \
    /usr/bin/time -v "$py" "$peer" "$arch" --epochs 1 --limit "$images" --batch "$1" --threads "$threads" \
    >"$tmp/peer.out" 2>"$tmp/peer.err" || { echo "- -"; return; }
  echo "$(sed -n 's/.*train_samples_per_s \([0-9]*\).*/\1/p' "$tmp/peer.out") $(rss "$tmp/peer.err")"
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

echo "Training speed: fm-mbv2-tiny (3.06 M MACs) on Fashion-MNIST, $threads threads"
echo "(images per second over an epoch of $images images; peak RSS of the whole process)"
printf '%-34s %10s %10s %12s %12s %8s\n' "" "batch" "img/s" "peak RSS" "PyTorch" "ratio"
for b in 64 256; do
  s=$(( images / b ))
  read -r ips r <<<"$(ours $b $s)"
  read -r tips tr <<<"$(theirs $b)"
  ratio="-"; [ "$tips" != "-" ] && [ -n "$tips" ] && ratio=$(awk -v a="$ips" -v b="$tips" 'BEGIN{printf "%.2fx", a/b}')
  printf '%-34s %10d %10s %9s KiB %8s img/s %8s\n' "tinyforge float (OpenBLAS)" "$b" "$ips" "$r" "$tips" "$ratio"
  [ "$tr" != "-" ] && printf '%-34s %10d %10s %9s KiB\n' "PyTorch 1.13 float" "$b" "$tips" "$tr"
done
read -r ips r <<<"$(ours 64 $((images / 64)) blis)"
printf '%-34s %10d %10s %9s KiB\n' "tinyforge float (BLIS)" 64 "$ips" "$r"
read -r ips r <<<"$(ours 64 $((images / 64 / 6)) qat)"
printf '%-34s %10d %10s %9s KiB\n' "tinyforge QAT (int8 engine forward)" 64 "$ips" "$r"
[ $have_torch = 1 ] || echo "(PyTorch not installed: apt-get install python3-torch for the peer's figures)"
