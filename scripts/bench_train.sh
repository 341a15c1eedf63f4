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
# OpenBLAS picks its kernels for the CPU it finds (AVX-512 ones where the CPU
# has AVX-512), unless OPENBLAS_CORETYPE names a kernel set. Where the
# environment sets it, the table's rows run with OpenBLAS's own choice, as
# on a machine without the variable, and one more row with the variable's.
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

forced=${OPENBLAS_CORETYPE:-}
ours() { # batch steps [qat|blis|forced] -> "img/s rss blas"
  local b=$1 s=$2 mode=${3:-} pre="" qat="" env=(env -u OPENBLAS_CORETYPE)
  [ "$mode" = qat ] && qat=qat
  [ "$mode" = forced ] && env=(env OPENBLAS_CORETYPE="$forced")
  if [ "$mode" = blis ]; then
    pre=$(ls /usr/lib/*/libblis.so.4 2>/dev/null | head -1)
    [ -n "$pre" ] || { echo "- - -"; return; }
  fi
  "${env[@]}" LD_PRELOAD="$pre" "$build/bench_train" "$arch" "$b" "$threads" "$s" $qat 2>&1 |
    sed -n 's/.*: \([0-9]*\) img\/s, peak RSS \([0-9]*\) KiB, BLAS \(.*\)/\1 \2 \3/p'
}
theirs() { # batch -> "img/s rss"
  [ $have_torch = 1 ] || { echo "- -"; return; }
  env -u OPENBLAS_CORETYPE MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 \
    /usr/bin/time -v "$py" "$peer" "$arch" --epochs 1 --limit "$images" --batch "$1" --threads "$threads" \
    >"$tmp/peer.out" 2>"$tmp/peer.err" || { echo "- -"; return; }
  echo "$(sed -n 's/.*train_samples_per_s \([0-9]*\).*/\1/p' "$tmp/peer.out") $(rss "$tmp/peer.err")"
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

echo "Training speed: fm-mbv2-tiny (3.06 M MACs) on Fashion-MNIST, $threads threads"
echo "(images per second over an epoch of $images images; peak RSS of the whole process)"
row() { printf '%-52s %6s %8s %9s KiB' "$1" "$2" "$3" "$4"; }
printf '%-52s %6s %8s %13s %14s %7s\n' "" "batch" "img/s" "peak RSS" "PyTorch" "ratio"
for b in 64 256; do
  s=$(( images / b ))
  read -r ips r blas <<<"$(ours $b $s)"
  read -r tips tr <<<"$(theirs $b)"
  ratio="-"; [ "$tips" != "-" ] && [ -n "$tips" ] && ratio=$(awk -v a="$ips" -v b="$tips" 'BEGIN{printf "%.2fx", a/b}')
  row "tinyforge float ($blas)" "$b" "$ips" "$r"; printf ' %8s img/s %7s\n' "$tips" "$ratio"
  [ "$tr" != "-" ] && { row "PyTorch 1.13 float" "$b" "$tips" "$tr"; echo; }
done
if [ -n "$forced" ]; then
  read -r ips r blas <<<"$(ours 64 $((images / 64)) forced)"
  row "tinyforge float ($blas: OPENBLAS_CORETYPE)" 64 "$ips" "$r"; echo
fi
read -r ips r blas <<<"$(ours 64 $((images / 64)) blis)"
row "tinyforge float (BLIS)" 64 "$ips" "$r"; echo
read -r ips r blas <<<"$(ours 64 $((images / 64 / 6)) qat)"
row "tinyforge QAT (int8 engine forward)" 64 "$ips" "$r"; echo
[ $have_torch = 1 ] || echo "(PyTorch not installed: apt-get install python3-torch for the peer's figures)"
