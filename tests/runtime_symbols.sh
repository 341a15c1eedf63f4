#!/usr/bin/env bash
# The runtime ships to MCUs: no malloc, no stdio, no mutable globals. Check
# the compiled library: the only external functions it may call are the
# freestanding memory primitives and float rounding (edge quantization), and
# it may define no writable data (.data/.bss symbols).
# usage: tests/runtime_symbols.sh path/to/libtinyforge_rt.a
set -u
lib=$1
allowed='^(memcpy|memset|memmove|roundf|floorf)$'
bad=$(nm -u --format=posix "$lib" | awk 'NF >= 2 {print $1}' | sort -u | grep -Ev "$allowed")
writable=$(nm --format=posix "$lib" | awk '$2 ~ /^[bBdD]$/ {print $1}' | sort -u)
fail=0
if [ -n "$bad" ]; then echo "FAIL: runtime calls functions outside the allow-list:"; echo "$bad" | sed 's/^/  /'; fail=1; fi
if [ -n "$writable" ]; then echo "FAIL: runtime defines writable globals:"; echo "$writable" | sed 's/^/  /'; fail=1; fi
echo "$(( fail ? 0 : 2 )) passed, $fail failed"
exit $fail
