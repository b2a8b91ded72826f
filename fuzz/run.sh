#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang-14 with ASan and UBSan, the library
# instrumented for coverage) and runs each for a bounded time, starting
# from the committed corpus (read only: new inputs go to a temporary
# directory). Prints each harness's executions and coverage; a crash, leak,
# sanitizer report or timeout fails the run and leaves the input in
# BUILD_DIR/crash-<harness>-*: copy it into fuzz/corpus/<harness>/ once
# fixed, and the normal suite replays it from then on.
#
#   bash fuzz/run.sh [SECONDS_PER_HARNESS] [BUILD_DIR]
#   (default: $RNNLITE_FUZZ_SECONDS or 40 s each, build-fuzz)
#
# A CI gate must give the same verdict on the same code, so by default each
# harness runs a fixed number of inputs from a fixed seed (the time is only
# a cap): the same code explores the same inputs on any machine. For
# exploration, RNNLITE_FUZZ_SEED=0 (random seed) and RNNLITE_FUZZ_RUNS=-1
# (until the time cap) fuzz anew; copy what they find into the corpus.
#
# CI budget (tests/run-all.sh): 3 minutes for all fuzzing, build included:
# about 40 s to build, 3 x 40 s to fuzz.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-${RNNLITE_FUZZ_SECONDS:-40}}
dir=${2:-build-fuzz}
harnesses=(load stream api)
seed=${RNNLITE_FUZZ_SEED:-1}
declare -A runs=([load]=400000 [stream]=400000 [api]=30000)   # 10-30 s each on a 2-core machine

mkdir -p "$dir"
if [ ! -f "$dir/build.ninja" ]; then
    CC=clang-14 CXX=clang++-14 meson setup "$dir" -Dfuzz=true -Dtests=false -Dexamples=false \
        -Dcli=false -Dpython=disabled -Dbuildtype=debugoptimized \
        -Db_sanitize=address,undefined -Db_lundef=false \
        "-Dc_args=-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" >"$dir/setup.log" 2>&1 ||
        { cat "$dir/setup.log"; exit 1; }
fi
ninja -C "$dir" "${harnesses[@]/#/fuzz/fuzz_}" >"$dir/build.log" 2>&1 || { tail -30 "$dir/build.log"; exit 1; }

status=0
for h in "${harnesses[@]}"; do
    work=$(mktemp -d)
    log="$dir/fuzz_$h.log"
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$dir/fuzz/fuzz_$h" -max_total_time="$secs" -seed="$seed" -runs="${RNNLITE_FUZZ_RUNS:-${runs[$h]}}" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$dir/crash-$h-" "$work" "fuzz/corpus/$h" \
        >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(ls "$work" | wc -l)
    echo "fuzz_$h: ${execs:-0} executions (seed $seed, cap ${secs} s), coverage ${cov:-0} edges (${ft:-0} features), $corpus new inputs, exit $rc"
    if [ "$rc" -ne 0 ]; then
        status=1
        grep -E 'ERROR|SUMMARY|==[0-9]+==|runtime error|Test unit written|#0 |#1 |#2 |#3 ' "$log" | head -30
    fi
    rm -rf "$work"
done
exit $status
