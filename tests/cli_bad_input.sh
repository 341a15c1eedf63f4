#!/bin/sh
# The CLI on bad input: for a few corpus files, `tinyforge info|plan|run`
# must exit with status 1 (model error) and print "error:" on stderr, never
# crash (a signal gives a status above 128) and never succeed. Sanitizer
# reports also exit with 1, so stderr must hold the CLI's own message and no
# sanitizer output.
#   tests/cli_bad_input.sh path/to/tinyforge path/to/repo
set -u
CLI=$1
SRC=$2
C="$SRC/tests/corpus"
pass=0
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tfg-cli-bad.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

expect_error() { # expect_error DESCRIPTION CMD...
    what=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "^tinyforge: error:" "$tmp/err" &&
        ! grep -q -E "Sanitizer|runtime error:" "$tmp/err"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $what: exit $rc, stderr: $(head -c 300 "$tmp/err")"
    fi
}

printf '\001\002\003\004' >"$tmp/in.bin"
for f in hw_trunc_0003 hw_trunc_1350 hw_root_out_of_bounds hw_vtable_odd_size hw_dim_huge hw_buffer_short \
         hw_missing_quantization hw_read_before_write hw_unsupported_op_lsh_projection hw_two_subgraphs \
         ms_opcode_index_out_of_range ms_dims_all_huge; do
    [ -f "$C/$f.tflite" ] || { fail=$((fail + 1)); echo "FAIL: $C/$f.tflite missing"; continue; }
    expect_error "info $f" "$CLI" info "$C/$f.tflite"
    expect_error "plan $f --int8-io" "$CLI" plan --int8-io "$C/$f.tflite"
    expect_error "run $f" "$CLI" run "$C/$f.tflite" -i "$tmp/in.bin" -o "$tmp/out.bin"
done
expect_error "info on a missing file" "$CLI" info "$tmp/does-not-exist.tflite"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
