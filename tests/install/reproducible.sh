#!/bin/sh
# Build the library twice, from copies of the source at two different paths,
# the way a distro does (debug info on, -ffile-prefix-map of the build root,
# see docs/packaging.md), and require byte-identical results.
#
#   tests/install/reproducible.sh [BUILDTYPE]     (default: debugoptimized)
#
# Takes two library builds (about a minute on 2 cores; JOBS sets ninja -j).
set -eu

buildtype=${1:-debugoptimized}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rnnlite-repro.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Copy both trees first, so they are the same even if the source is edited meanwhile.
roots="$work/a $work/bb/deeper"
mkdir -p "$work/a/src"
(cd "$src" && cp -R meson.build meson_options.txt include lib "$work/a/src/")
mkdir -p "$work/bb/deeper"
cp -R "$work/a/src" "$work/bb/deeper/src"

for root in $roots; do
    if ! CFLAGS="${CFLAGS:-} -ffile-prefix-map=$root=." meson setup "$root/build" "$root/src" \
            -Dbuildtype="$buildtype" -Dtests=false -Dexamples=false -Dbench=false \
            -Ddocs=false >"$root/setup.log" 2>&1; then
        cat "$root/setup.log"
        exit 1
    fi
    if ! ninja -C "$root/build" -j "${JOBS:-1}" >"$root/build.log" 2>&1; then
        cat "$root/build.log"
        exit 1
    fi
done

status=0
so=$(cd "$work/a/build" && find lib -maxdepth 1 -type f -name 'librnnlite.so.*')
for f in $so lib/librnnlite.a meson-private/rnnlite.pc; do
    if cmp "$work/a/build/$f" "$work/bb/deeper/build/$f"; then
        echo "ok - $f is identical"
    else
        echo "not ok - $f differs between the two builds"
        status=1
    fi
done
exit $status
