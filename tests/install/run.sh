#!/bin/sh
# Install a build into a scratch DESTDIR and use it as an outside project
# would: installed files, rnnlite.pc, the header alone in C99/C11/C++11, and
# a C and a C++ host linked shared and static through pkg-config.
#
#   tests/install/run.sh BUILD_DIR
#
# BUILD_DIR must be built already (default_library=both, no sanitizer).
# CC and CXX choose the compilers (default cc, c++). Exit 0 when all pass.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
here="$src/tests/install"
CC=${CC:-cc}
CXX=${CXX:-c++}
strict="-Wall -Wextra -pedantic -Werror"

work=$(mktemp -d "${TMPDIR:-/tmp}/rnnlite-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest="$work/dest"
failures=0

ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failures=$((failures + 1)); }
check() {  # check DESCRIPTION COMMAND...
    what=$1
    shift
    if "$@" >"$work/out" 2>&1; then ok "$what"; else fail "$what"; sed 's/^/#   /' "$work/out"; fi
}

# --no-rebuild: this may run inside `meson test`, which built everything.
"${MESON:-meson}" install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; echo "Bail out! meson install failed"; exit 1; }

pc=$(find "$dest" -name rnnlite.pc | head -n 1)
header=$(find "$dest" -path '*/include/rnnlite/rnnlite.h' | head -n 1)
[ -n "$pc" ] || { echo "Bail out! no rnnlite.pc installed"; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
version=$(sed -n 's/^Version: *//p' "$pc")
major=${version%%.*}

# --- installed files --------------------------------------------------------
check "header installed as include/rnnlite/rnnlite.h" test -n "$header"
check "shared library librnnlite.so.$version" test -f "$libdir/librnnlite.so.$version"
check "soname link librnnlite.so.$major" test -L "$libdir/librnnlite.so.$major"
check "development link librnnlite.so" test -L "$libdir/librnnlite.so"
check "static library librnnlite.a" test -f "$libdir/librnnlite.a"
check "no RPATH/RUNPATH in the shared library" \
    sh -c "! readelf -d '$libdir/librnnlite.so.$version' | grep -Eq 'RPATH|RUNPATH'"

# --- rnnlite.pc ---------------------------------------------------------------
check "rnnlite.pc carries no rpath" sh -c "! grep -Eiq 'rpath|-Wl,-R' '$pc'"
check "rnnlite.pc Libs.private has -lm and -pthread" \
    sh -c "grep '^Libs.private:' '$pc' | grep -q -- '-lm' && grep '^Libs.private:' '$pc' | grep -q -- '-pthread'"
hv=$(sed -n 's/^#define RL_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9][0-9]*\).*/\2/p' "$src/include/rnnlite/rnnlite.h" | paste -sd.)
check "rnnlite.pc version $version matches the header ($hv)" test "$version" = "$hv"

# Resolve the .pc inside DESTDIR: the sysroot is prefixed to -I/-L, also for
# system directories such as /usr/include, which pkg-config would otherwise drop.
PKG_CONFIG_LIBDIR=$(dirname "$pc")
PKG_CONFIG_PATH=
PKG_CONFIG_SYSROOT_DIR=$dest
PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1
PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR \
    PKG_CONFIG_ALLOW_SYSTEM_CFLAGS PKG_CONFIG_ALLOW_SYSTEM_LIBS
cflags=$(pkg-config --cflags rnnlite)
libs=$(pkg-config --libs rnnlite)
static_libs=$(pkg-config --static --libs rnnlite)

# --- reproducibility: no build paths or dates in what ships ------------------
# Debug info (split into -dbgsym packages) records paths unless
# -ffile-prefix-map is given; see docs/packaging.md.
for f in "$libdir/librnnlite.so.$version" "$libdir/librnnlite.a"; do
    objcopy --strip-debug "$f" "$work/stripped"
    strings -a "$work/stripped" >"$work/strings"
    check "no source/build path in $(basename "$f")" \
        sh -c "! grep -Fq -e '$src' -e '$build' '$work/strings'"
    check "no __DATE__/__TIME__ stamp in $(basename "$f")" \
        sh -c "! grep -Eq '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-3][0-9] [0-9]{4}|[0-2][0-9]:[0-5][0-9]:[0-5][0-9]' '$work/strings'"
done

# --- the public header alone --------------------------------------------------
printf '#include <rnnlite/rnnlite.h>\n' >"$work/alone.c"
cp "$work/alone.c" "$work/alone.cpp"
for std in c99 c11; do
    # shellcheck disable=SC2086
    check "header alone compiles as $std ($CC $strict)" \
        $CC -std=$std $strict $cflags -fsyntax-only "$work/alone.c"
done
# shellcheck disable=SC2086
check "header alone compiles as c++11 ($CXX $strict)" \
    $CXX -std=c++11 $strict $cflags -fsyntax-only "$work/alone.cpp"

# --- outside programs, shared and static --------------------------------------
# The hosts use libm themselves (sinf), hence their own -lm.
# shellcheck disable=SC2086
{
    check "C host links shared" $CC -std=c99 $strict $cflags -o "$work/host_c" "$here/host.c" $libs -lm
    check "C host links static" $CC -std=c99 $strict -static $cflags -o "$work/host_c_static" \
        "$here/host.c" $static_libs
    check "C++ host links shared" $CXX -std=c++11 $strict $cflags -o "$work/host_cpp" \
        "$here/host.cpp" $libs
    check "C++ host links static" $CXX -std=c++11 $strict -static $cflags -o "$work/host_cpp_static" \
        "$here/host.cpp" $static_libs
}
for prog in host_c host_cpp; do
    [ -x "$work/$prog" ] || continue
    check "$prog needs librnnlite.so.$major" \
        sh -c "readelf -d '$work/$prog' | grep -q 'NEEDED.*\\[librnnlite.so.$major\\]'"
    check "$prog runs against the installed library" \
        env LD_LIBRARY_PATH="$libdir" "$work/$prog"
done
for prog in host_c_static host_cpp_static; do
    [ -x "$work/$prog" ] || continue
    check "$prog needs no librnnlite.so" sh -c "! readelf -d '$work/$prog' 2>/dev/null | grep -q librnnlite"
    check "$prog runs" env -u LD_LIBRARY_PATH "$work/$prog"
done

if [ $failures -ne 0 ]; then
    echo "# $failures check(s) failed"
    exit 1
fi
echo "# all install checks passed"
