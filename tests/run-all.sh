#!/usr/bin/env bash
# Quick start 2: install what is missing, then build and run the whole test
# suite: every kernel path, gcc and clang with -Werror, ASan+UBSan, valgrind,
# the install/ABI checks and the seed example. Ends with "N passed, N failed".
#
#   bash tests/run-all.sh          # everything (needs root for apt-get on a fresh machine)
#   RNNLITE_QUICK=1 bash tests/run-all.sh   # one build, one kernel path
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
out=${RNNLITE_BUILD_ROOT:-$top/build-tests}
quick=${RNNLITE_QUICK:-0}
[ "$quick" = 1 ] || export RNNLITE_FULL_CHECKS=1
bash tests/setup-debian.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
failures=()

# Adds the Ok/Fail/Skip counts of a `meson test` log to the totals.
count_meson() {
    local log=$1 ok fail
    ok=$(sed -n 's/^Ok:[[:space:]]*\([0-9]*\).*/\1/p' "$log" | tail -1)
    fail=$(sed -n 's/^Fail:[[:space:]]*\([0-9]*\).*/\1/p' "$log" | tail -1)
    timeout=$(sed -n 's/^Timeout:[[:space:]]*\([0-9]*\).*/\1/p' "$log" | tail -1)
    passed=$((passed + ${ok:-0}))
    failed=$((failed + ${fail:-0} + ${timeout:-0}))
}

# stage NAME COMMAND...: runs a step that is one check of its own.
stage() {
    local name=$1
    shift
    echo "== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "!! $name failed"
    fi
}

# suite NAME BUILDDIR MESON-TEST-ARGS...: meson test, counted per test.
suite() {
    local name=$1 dir=$2
    shift 2
    echo "== $name"
    local log
    log=$(mktemp)
    meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$log" | grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Skipped|Timeout):'
    local status=${PIPESTATUS[0]}
    count_meson "$log"
    if [ "$status" -ne 0 ]; then
        failures+=("$name")
        grep -q '^Fail:' "$log" || failed=$((failed + 1))
    fi
    rm -f "$log"
}

setup() {   # setup DIR ARGS...: configure once (with $SETUP_CC if set), then build
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        CC=${SETUP_CC:-cc} CXX=${SETUP_CXX:-c++} meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 ||
            { cat "$dir.setup.log"; return 1; }
    fi
    ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -40 "$dir.build.log"; return 1; }
}

mkdir -p "$out"
stage "build gcc -Werror" setup "$out/gcc" --werror -Dbuildtype=debugoptimized
suite "tests (best kernel path)" "$out/gcc"

if [ "$quick" != 1 ]; then
    for isa in scalar avx2; do
        if meson test -C "$out/gcc" --list --setup="$isa" >/dev/null 2>&1; then
            # The interop peers run once (above): every path gives the same
            # bits (test_determinism), and the peers cost a minute or two.
            suite "tests (RNNLITE_ISA=$isa)" "$out/gcc" --setup="$isa" --no-suite=interop
        fi
    done

    if command -v clang-14 >/dev/null; then
        SETUP_CC=clang-14 SETUP_CXX=clang++-14 stage "build clang -Werror + ASan/UBSan" setup "$out/asan" \
            --werror -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
            -Dc_args=-fno-sanitize-recover=all
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            suite "tests under ASan/UBSan" "$out/asan" --timeout-multiplier=4
    fi

    # libFuzzer on the model loader, the stream loader and API call
    # sequences (fuzz/run.sh). CI time budget for all fuzzing: 3 minutes,
    # build included (about 40 s to build, 3 x 40 s to fuzz).
    if command -v clang-14 >/dev/null; then
        stage "fuzz harnesses (libFuzzer, ${RNNLITE_FUZZ_SECONDS:-40} s each)" \
            bash fuzz/run.sh "${RNNLITE_FUZZ_SECONDS:-40}" "$out/fuzz"
    fi

    if command -v valgrind >/dev/null; then
        suite "tests under valgrind" "$out/gcc" --timeout-multiplier=20 \
            --wrap='valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --quiet' \
            --no-suite=slow --no-suite=python
    fi

    # The install check (outside C/C++ programs via pkg-config) and the
    # exported-symbols check run inside `meson test` above.
    stage "ABI check against abi/ baseline" abi/check.sh "$out/gcc"
    stage "API reference (doxygen, warnings are errors)" setup "$out/docs" -Ddocs=true -Dtests=false -Dexamples=false

    # Debian packages: dpkg-buildpackage (nocheck: the suite ran above),
    # lintian, install, autopkgtest commands. Budget: 6 minutes. Needs root.
    if [ "$(id -u)" -eq 0 ] && command -v dpkg-buildpackage >/dev/null; then
        stage "Debian packages (build, lintian, install, autopkgtest)" bash tests/package-debian.sh "$out/deb"
    else
        echo "== Debian packages: skipped (needs root and dpkg-dev)"
    fi

    # Cross builds under qemu-user (docs/portability.md). Budget: 10 minutes
    # with their installs on 2 cores; measured there, with packages
    # installed: 11.6 min while eight other builds shared the two cores, from
    # about 3.5 min of CPU, before the two cuts below. Each builds, runs the
    # unit suite (the subset below) and compares samebits' files with x86's.
    # One apt transaction for the three targets (the per-target builds then
    # find everything installed).
    stage "cross toolchains and multiarch CMocka (tests/setup-cross.sh)" bash tests/setup-cross.sh
    stage "samebits on every x86 kernel path" tests/cross-check.sh reference "$out/gcc" "$out/samebits-x86"
    for arch in aarch64 s390x i686; do
        stage "$arch: cross build gcc -Werror" tests/cross-check.sh build "$arch" "$out/$arch"
        case $arch in
        aarch64) paths=(scalar neon) ;;     # NEON is the default there; scalar forced too
        i686) paths=(scalar avx2 avx512) ;; # natively by an x86-64 kernel (else what qemu has)
        *) paths=(default) ;;
        esac
        # The unit suite, once, on the target's default path. Left out:
        # - the 'python' and 'install' suites (they need the host's Python or
        #   compiler);
        # - on s390x, `threads`: Linux affinity calls, the same code on every
        #   target, run natively and on aarch64; under s390x emulation it alone
        #   takes a third of the stage (120 s of 350 s measured).
        # The scalar path of aarch64 is checked by the suite's own
        # NEON-versus-scalar tests (kernels, activation, determinism) and by
        # samebits forced to scalar, not by a second whole run.
        tests=($(meson test -C "$out/$arch" --list --no-suite=python --no-suite=install 2>/dev/null |
            sed -n 's|^[^ ]* / ||p' | { if [ "$arch" = s390x ]; then grep -vx threads; else cat; fi; }))
        suite "$arch: tests under qemu" "$out/$arch" "${tests[@]}"
        stage "$arch: the same bytes as x86" tests/cross-check.sh samebits "$arch" "$out/$arch" \
            "$out/samebits-x86" "${paths[@]}"
    done
fi

stage "seed example runs" "$out/gcc/examples/sine_forecast" "$out/sine_forecast.svg"

echo
[ ${#failures[@]} -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
