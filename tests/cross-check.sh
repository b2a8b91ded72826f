#!/usr/bin/env bash
# Cross builds that test themselves (docs/portability.md). Used by
# tests/run-all.sh; each step also works by hand.
#
#   tests/cross-check.sh build ARCH BUILD_DIR
#       installs what ARCH needs (tests/setup-cross.sh), configures with
#       cross/ARCH.ini (gcc, -Werror) and builds. ARCH: aarch64 s390x i686.
#   tests/cross-check.sh reference NATIVE_BUILD_DIR OUT_DIR
#       runs samebits (tests/samebits.c) natively on every x86 kernel path the
#       CPU has, checks that they agree byte for byte, keeps the scalar
#       path's files in OUT_DIR as the reference.
#   tests/cross-check.sh samebits ARCH BUILD_DIR REFERENCE_DIR [ISA...]
#       runs the ARCH build's samebits under qemu (once per forced kernel path
#       ISA, default: the path it chooses) and compares every file with the
#       x86 reference, byte for byte.
#
# `meson test -C BUILD_DIR` runs the unit suite of a cross build under qemu
# (meson adds the exe_wrapper of the cross file); run-all.sh leaves out the
# suites that cannot run there: 'python' (loads the library into the host's
# Python, or drives the CLI from it) and 'install' (builds against the
# installed library with the host's compiler).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

compare_dirs() {   # compare_dirs WHAT REF_DIR GOT_DIR
    local what=$1 ref=$2 got=$3 bad=0 n=0
    for f in "$ref"/*; do
        n=$((n + 1))
        if ! cmp -s "$f" "$got/$(basename "$f")"; then
            echo "$what: $(basename "$f") differs from the x86 reference"
            cmp "$f" "$got/$(basename "$f")" 2>&1 | head -1 || true
            bad=1
        fi
    done
    [ "$n" -gt 0 ] || { echo "$what: the reference has no files"; return 1; }
    [ "$(ls "$got" | wc -l)" -eq "$n" ] || { echo "$what: file count differs"; bad=1; }
    [ $bad = 0 ] && echo "$what: $n files, the same bytes as x86"
    return $bad
}

# Whether this kernel runs i686 programs itself: an x86-64 kernel usually
# does (IA32 emulation), but not every one (seen: a microVM's kernel,
# "Exec format error"); then they run under qemu-i386 like the others.
runs_i686() {
    [ "$(uname -m)" = x86_64 ] || return 1
    local tmp status=0
    tmp=$(mktemp -d)
    echo 'int main(void) { return 0; }' >"$tmp/t.c"
    i686-linux-gnu-gcc "$tmp/t.c" -o "$tmp/t" 2>/dev/null && "$tmp/t" 2>/dev/null || status=1
    rm -rf "$tmp"
    return $status
}

case ${1:-} in
build)
    arch=$2 dir=$3
    bash tests/setup-cross.sh "$arch"
    if [ ! -f "$dir/build.ninja" ]; then
        cross=(--cross-file "cross/$arch.ini")
        if [ "$arch" = i686 ] && ! runs_i686; then
            echo "i686: this kernel does not run i686 programs; the tests run under qemu-i386"
            cross+=(--cross-file cross/i686-qemu.ini)
        fi
        # Examples, CLI and docs add nothing the unit suite and samebits need.
        meson setup "$dir" "${cross[@]}" --werror -Dbuildtype=debugoptimized \
            -Dexamples=false -Dcli=false >"$dir.setup.log" 2>&1 ||
            { cat "$dir.setup.log"; exit 1; }
    fi
    ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -40 "$dir.build.log"; exit 1; }
    ;;
reference)
    build=$2 out=$3
    rm -rf "$out" "$out.paths"
    mkdir -p "$out" "$out.paths"
    RNNLITE_ISA=scalar "$build/tests/samebits" "$out" tests/golden
    for isa in avx2 avx512; do
        # Only the paths this CPU runs (samebits reports the one it used).
        mkdir -p "$out.paths/$isa"
        used=$(RNNLITE_ISA=$isa "$build/tests/samebits" "$out.paths/$isa" tests/golden)
        case $used in
        *" $isa path"*) compare_dirs "x86 $isa" "$out" "$out.paths/$isa" ;;
        *) echo "x86 $isa: not on this CPU, skipped" ;;
        esac
    done
    ;;
samebits)
    arch=$2 dir=$3 ref=$4
    shift 4
    isas=("$@")
    [ ${#isas[@]} -gt 0 ] || isas=(default)
    wrapper=$(sed -n "s/^exe_wrapper = \['\([^']*\)'.*/\1/p" "cross/$arch.ini")
    # An x86-64 kernel runs i686 programs itself, on the real CPU: every x86
    # path is then checked in 32-bit mode (qemu-i386 would emulate them).
    [ "$arch" = i686 ] && runs_i686 && wrapper=env
    status=0
    for isa in "${isas[@]}"; do
        got="$dir/samebits-$isa"
        rm -rf "$got"
        mkdir -p "$got"
        env_isa=()
        [ "$isa" = default ] || env_isa=(RNNLITE_ISA="$isa")
        used=$(env "${env_isa[@]}" "$wrapper" "$dir/tests/samebits" "$got" tests/golden) ||
            { status=1; continue; }
        case $isa:$used in
        default:* | *:*" $isa path"*) ;;
        *) echo "$arch: RNNLITE_ISA=$isa not available here, skipped"; continue ;;
        esac
        compare_dirs "$arch ($isa path)" "$ref" "$got" || status=1
    done
    exit $status
    ;;
*)
    sed -n '2,20p' "$0"
    exit 2
    ;;
esac
