# Shared by the shell tests (cli.sh, report.sh, train.sh): source it to get
#   $tmp          a temporary folder, removed on exit (with any background job)
#   check NAME CMD...       CMD must succeed; a failure prints NAME and CMD's output
#   status_is N CMD...      CMD exits with status N (its stdout/stderr in $tmp/out, $tmp/err)
#   finish                  prints "N passed, N failed"; the script's status
#   fm_cut DIR NTRAIN NTEST  a small IDX folder cut from Debian's Fashion-MNIST (the first images)
tmp=$(mktemp -d); trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0; fail=0
check() {
  local name=$1; shift
  if "$@" >"$tmp/log" 2>&1; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $name"; sed 's/^/  | /' "$tmp/log" | head -12; fi
}
status_is() { local want=$1; shift; "$@" >"$tmp/out" 2>"$tmp/err"; [ $? -eq "$want" ]; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
fm_cut() {
  local fm=/usr/share/datasets/fashion-mnist
  [ -f "$fm/t10k-labels-idx1-ubyte.gz" ] || { echo "FAIL: $fm not found (dataset-fashion-mnist)"; exit 1; }
  python3 - "$fm" "$1" "$2" "$3" <<'PY'
import gzip, os, struct, sys
src, dst, ntrain, ntest = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(dst)
for split, n in (("train", ntrain), ("t10k", ntest)):
    for kind in ("images-idx3", "labels-idx1"):
        data = gzip.open(f"{src}/{split}-{kind}-ubyte.gz").read()
        nd = data[3]
        dims = list(struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd]))
        per = 1
        for d in dims[1:]: per *= d
        dims[0] = n
        out = data[:4] + struct.pack(">" + "I" * nd, *dims) + data[4 + 4 * nd:4 + 4 * nd + n * per]
        with gzip.open(f"{dst}/{split}-{kind}-ubyte.gz", "wb") as f: f.write(out)
PY
}
