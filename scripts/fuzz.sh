#!/bin/sh
# Build the libFuzzer harness (clang, ASan + UBSan) in build-fuzz/ and run it
# for FUZZ_SECONDS (default 60) seeded with the shared models, the
# committed bad-input corpus and the models test_graph writes. Exits non-zero
# if the fuzzer finds a crash, a leak or a sanitizer report; crash inputs go
# to build-fuzz/artifacts/.
#
#   scripts/fuzz.sh                      # 60 s
#   FUZZ_SECONDS=600 scripts/fuzz.sh     # longer
#   FUZZ_JOBS=2 scripts/fuzz.sh          # parallel workers (libFuzzer -fork)
#   FUZZ_SEED=1 FUZZ_RUNS=20000 scripts/fuzz.sh   # the model target by count, not time
#
# With FUZZ_RUNS the model target does the same amount of work on a fast
# machine as on a slow one, where a timed run does not: CI's 60 s once went
# twice as far as the rehearsal here and found a bug it had not. FUZZ_SECONDS
# x 10 then only caps its time. With FUZZ_SEED too the runs start alike, but
# they drift apart a little (the executor's thread pool varies coverage), so
# fuzz longer with several seeds before landing a change to a parser. The
# other targets stay timed.
#
# The corpus the run grows is kept in build-fuzz/corpus-last/ (not committed).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-fuzz"
SHARED="$ROOT/../shared/models"
SECONDS_TO_RUN=${FUZZ_SECONDS:-60}
# FUZZ_SEED fixes libFuzzer's random seed (CI sets it so a run is reproducible;
# unset, every run explores differently).
SEED_ARG=${FUZZ_SEED:+-seed=$FUZZ_SEED}
JOBS=${FUZZ_JOBS:-1}

die() { echo "fuzz.sh: $*" >&2; exit 2; }

command -v clang >/dev/null 2>&1 || die "clang not found (apt-get install clang libclang-rt-14-dev)"
# The fuzzer runtime lives in compiler-rt; check it exists for this clang.
RT=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
if [ ! -f "$RT" ]; then
    RT=$(ls "$(clang -print-resource-dir 2>/dev/null)"/lib/linux/libclang_rt.fuzzer-*.a 2>/dev/null | head -n 1 || true)
fi
[ -n "$RT" ] && [ -f "$RT" ] || die "libFuzzer runtime (libclang_rt.fuzzer) not found for $(command -v clang); apt-get install libclang-rt-14-dev"

mkdir -p "$BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DTFG_SANITIZE=ON -DTFG_FUZZ=ON >"$BUILD/configure.log" 2>&1 ||
    { tail -n 40 "$BUILD/configure.log" >&2; die "cmake configure failed (see $BUILD/configure.log)"; }
make -C "$BUILD" -j"$(nproc 2>/dev/null || echo 2)" test_graph fuzz_model fuzz_arch fuzz_space fuzz_bench fuzz_idx fuzz_image fuzz_checkpoint >"$BUILD/build.log" 2>&1 ||
    { tail -n 40 "$BUILD/build.log" >&2; die "build of fuzz_model failed (see $BUILD/build.log; is fuzz/fuzz.cmake included under if(TFG_FUZZ)?)"; }
[ -x "$BUILD/fuzz_model" ] || die "no $BUILD/fuzz_model after the build"

# A fresh corpus directory each run: seeds only, so results do not depend on
# what earlier runs accumulated.
CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/tfg-fuzz-corpus.XXXXXX")
trap 'rm -rf "$CORPUS"' EXIT
trap 'exit 130' INT TERM
n_seeds=0
for f in "$SHARED"/*.tflite "$ROOT"/tests/corpus/*.tflite; do
    [ -f "$f" ] || continue
    cp "$f" "$CORPUS/$(basename "$(dirname "$f")")_$(basename "$f")"
    n_seeds=$((n_seeds + 1))
done
# The hand-built models test_graph writes (one per operator family it adds:
# HARD_SWISH, TANH, the slicing ops, uint8 edges...) reach options and
# validation paths no shared model has.
mkdir -p "$CORPUS/graph"
if "$BUILD/test_graph" --write-models "$CORPUS/graph" >/dev/null 2>&1; then
    for f in "$CORPUS"/graph/*.tflite; do
        [ -f "$f" ] || continue
        mv "$f" "$CORPUS/graph_$(basename "$f")"
        n_seeds=$((n_seeds + 1))
    done
fi
rm -rf "$CORPUS/graph"
[ -d "$SHARED" ] || echo "fuzz.sh: warning: $SHARED not found; seeding with tests/corpus only" >&2
[ "$n_seeds" -gt 0 ] || die "no seed files found"

# -max_len must admit the largest seed, or libFuzzer truncates it.
max_len=0
for f in "$CORPUS"/*; do
    s=$(wc -c <"$f")
    [ "$s" -gt "$max_len" ] && max_len=$s
done
max_len=$((max_len + 4096))

ARTIFACTS="$BUILD/artifacts"
mkdir -p "$ARTIFACTS"
LOG="$BUILD/fuzz.log"
LIMIT="-max_total_time=$SECONDS_TO_RUN" BUDGET="${SECONDS_TO_RUN}s"
if [ -n "${FUZZ_RUNS:-}" ]; then
    LIMIT="-runs=$FUZZ_RUNS -max_total_time=$((SECONDS_TO_RUN * 10))" BUDGET="$FUZZ_RUNS runs"
fi
echo "fuzz.sh: $n_seeds seeds, max_len $max_len, $BUDGET, log in $LOG"

FORK=
[ "$JOBS" -gt 1 ] && FORK="-fork=$JOBS"
set +e
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
"$BUILD/fuzz_model" "$CORPUS" \
    $LIMIT -rss_limit_mb=2048 -max_len="$max_len" -timeout=25 \
    -artifact_prefix="$ARTIFACTS/" -print_final_stats=1 $FORK $SEED_ARG >"$LOG" 2>&1
rc=$?
set -e

rm -rf "$BUILD/corpus-last"
cp -r "$CORPUS" "$BUILD/corpus-last"

# libFuzzer's final stats: stat::number_of_executed_units etc.
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOG" | tail -n 1)
[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$LOG" | tail -n 1)
cov=$(grep -E '^#[0-9]+.*cov: ' "$LOG" | tail -n 1 | sed 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*/\1 edges, \2 features/')
corpus_n=$(ls "$CORPUS" | wc -l)
if [ "$rc" -ne 0 ]; then
    grep -E 'ERROR: |runtime error:|SUMMARY: |Test unit written to' "$LOG" | head -n 20 >&2
    echo "fuzz.sh: FAILED (exit $rc) after ${execs:-?} runs; coverage ${cov:-?}; inputs in $ARTIFACTS/, log $LOG" >&2
    exit 1
fi
echo "fuzz.sh: ok: ${execs:-?} runs (limit $BUDGET), coverage ${cov:-?}, corpus $corpus_n files, no crashes"

# run_target LABEL BINARY CORPUS SECONDS MAX_LEN ARTIFACT_PREFIX LOG: one more
# harness, failing the script on any finding.
run_target() {
    label=$1 bin=$2 corpus=$3 secs=$4 maxlen=$5 prefix=$6 log=$7
    set +e
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" "$corpus" -max_total_time="$secs" -rss_limit_mb=2048 -max_len="$maxlen" -timeout=25 \
        -artifact_prefix="$ARTIFACTS/$prefix" -print_final_stats=1 $SEED_ARG >"$log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 | sed 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*/\1 edges, \2 features/')
    if [ "$rc" -ne 0 ]; then
        grep -E 'ERROR: |runtime error:|SUMMARY: |Test unit written to' "$log" | head -n 20 >&2
        echo "fuzz.sh: $label FAILED (exit $rc) after ${execs:-?} runs; inputs in $ARTIFACTS/, log $log" >&2
        exit 1
    fi
    echo "fuzz.sh: $label ok: ${execs:-?} runs in ${secs}s, coverage ${cov:-?}, no crashes"
}

# Second target: architecture JSON specs (builder and planner), seeded with ../shared/archs.
ARCH_CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/tfg-fuzz-arch.XXXXXX")
BENCH_CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/tfg-fuzz-bench.XXXXXX")
IDX_CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/tfg-fuzz-idx.XXXXXX")
IMAGE_CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/tfg-fuzz-image.XXXXXX")
CKPT_CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/tfg-fuzz-ckpt.XXXXXX")
SPACE_CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/tfg-fuzz-space.XXXXXX")
trap 'rm -rf "$CORPUS" "$ARCH_CORPUS" "$BENCH_CORPUS" "$IDX_CORPUS" "$IMAGE_CORPUS" "$CKPT_CORPUS" "$SPACE_CORPUS"' EXIT
for f in "$ROOT"/../shared/archs/*.json; do [ -f "$f" ] && cp "$f" "$ARCH_CORPUS/"; done
echo '{"resolution": 32, "first_conv": {"out_channels": 8, "kernel_size": 3, "stride": 2}, "blocks": [], "classifier": {"in_features": 8, "out_features": 4}}' >"$ARCH_CORPUS/tiny.json"
run_target "arch specs" "$BUILD/fuzz_arch" "$ARCH_CORPUS" "${FUZZ_ARCH_SECONDS:-30}" 65536 arch- "$BUILD/fuzz_arch.log"

# TinyNAS search spaces and subnet choices, seeded with the spaces in docs/, a small one and a subnet.
for f in "$ROOT"/docs/spaces/*.json; do [ -f "$f" ] && cp "$f" "$SPACE_CORPUS/"; done
echo '{"resolutions": [16], "width_multipliers": [0.5], "kernel_sizes": [3, 5], "expand_ratios": [2], "stem": {"channels": 8}, "stages": [{"channels": 8, "stride": 2, "depths": [1, 2], "kernel_sizes": [3]}]}' >"$SPACE_CORPUS/small.json"
echo '{"width": 0.5, "resolution": 36, "stages": [{"depth": 2, "kernels": [3, 5], "expands": [4, 6]}, {"depth": 1, "kernels": [7], "expands": [3]}, {"depth": 3, "kernels": [3, 3, 5], "expands": [6, 6, 4]}, {"depth": 2, "kernels": [5, 7], "expands": [3, 4]}]}' >"$SPACE_CORPUS/subnet.json"
run_target "search spaces" "$BUILD/fuzz_space" "$SPACE_CORPUS" "${FUZZ_SPACE_SECONDS:-15}" 16384 space- "$BUILD/fuzz_space.log"

# Third target: the report's bench data (JSON from `bench --json --layers`),
# seeded with a valid file for the harness's model and two broken ones.
TFG_FUZZ_BENCH_SEED="$BENCH_CORPUS/valid.json" "$BUILD/fuzz_bench" >/dev/null 2>&1 ||
    die "fuzz_bench could not write its seed"
echo '{"model": "x", "layers": [{"index": 0, "op": "PATCH_STAGE", "macs": 1, "instructions": 2}]}' >"$BENCH_CORPUS/stage.json"
echo '{"layers": []}' >"$BENCH_CORPUS/empty.json"
run_target "bench data" "$BUILD/fuzz_bench" "$BENCH_CORPUS" "${FUZZ_BENCH_SECONDS:-20}" 16384 bench- "$BUILD/fuzz_bench.log"

# Fourth target: IDX datasets (src/data), seeded with a small raw and a
# gzipped pair: two bytes of images length, the images, the labels.
python3 - "$IDX_CORPUS" <<'PY'
import gzip, struct, sys
d = sys.argv[1]
images = bytes([0, 0, 8, 3]) + struct.pack('>III', 2, 3, 2) + bytes(range(12))
labels = bytes([0, 0, 8, 1]) + struct.pack('>I', 2) + bytes([1, 0])
for name, im, lb in (('raw', images, labels), ('gz', gzip.compress(images), gzip.compress(labels))):
    open(f'{d}/{name}', 'wb').write(struct.pack('>H', len(im)) + im + lb)
PY
run_target "IDX datasets" "$BUILD/fuzz_idx" "$IDX_CORPUS" "${FUZZ_IDX_SECONDS:-20}" 4096 idx- "$BUILD/fuzz_idx.log"

# Fifth target: images (PNG, JPEG, PGM/PPM), seeded by the harness itself
# (every PNG colour type, baseline and progressive JPEG, binary and ASCII PNM).
TFG_FUZZ_IMAGE_SEEDS="$IMAGE_CORPUS" "$BUILD/fuzz_image" >/dev/null 2>&1 ||
    die "fuzz_image could not write its seeds"
run_target "images" "$BUILD/fuzz_image" "$IMAGE_CORPUS" "${FUZZ_IMAGE_SECONDS:-30}" 16384 image- "$BUILD/fuzz_image.log"

# Sixth target: training checkpoints (src/train/checkpoint.c), seeded with a
# valid checkpoint the harness writes for its own net.
TFG_FUZZ_CKPT_SEED="$CKPT_CORPUS/valid.tfgc" "$BUILD/fuzz_checkpoint" >/dev/null 2>&1 ||
    die "fuzz_checkpoint could not write its seed"
run_target "checkpoints" "$BUILD/fuzz_checkpoint" "$CKPT_CORPUS" "${FUZZ_CKPT_SECONDS:-20}" 16384 ckpt- "$BUILD/fuzz_checkpoint.log"
