# Shared by the shell tests (cli.sh, report.sh, train.sh): source it to get
#   $tmp          a temporary folder, removed on exit (with any background job)
#   check NAME CMD...       CMD must succeed; a failure prints NAME and CMD's output
#   status_is N CMD...      CMD exits with status N (its stdout/stderr in $tmp/out, $tmp/err)
#   finish                  prints "N passed, N failed"; the script's status
tmp=$(mktemp -d); trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0; fail=0
check() {
  local name=$1; shift
  if "$@" >"$tmp/log" 2>&1; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $name"; sed 's/^/  | /' "$tmp/log" | head -12; fi
}
status_is() { local want=$1; shift; "$@" >"$tmp/out" 2>"$tmp/err"; [ $? -eq "$want" ]; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
