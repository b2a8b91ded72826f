#!/bin/sh
# Compare the ABI of a built librnnlite.so with the committed baseline
# abi/librnnlite.so.0.abi (libabigail; exit-status reading as DPDK's
# devtools/check-abi.sh).
#
#   abi/check.sh BUILD_DIR            pass: same ABI, or functions added only
#   abi/check.sh --update BUILD_DIR   rewrite the baseline from BUILD_DIR
#
# abidw/abidiff read DWARF: BUILD_DIR must be configured with debug info and
# gcc, as the baseline was: meson setup BUILD_DIR -Dbuildtype=debugoptimized
# (see docs/packaging.md, "ABI").
set -eu

update=0
if [ "${1:-}" = "--update" ]; then
    update=1
    shift
fi
if [ $# -ne 1 ]; then
    echo "usage: $0 [--update] BUILD_DIR" >&2
    exit 2
fi

src=$(cd "$(dirname "$0")/.." && pwd)
baseline="$src/abi/librnnlite.so.0.abi"
headers="$src/include/rnnlite"
lib="$1/lib/librnnlite.so.0"

for tool in abidw abidiff readelf; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool not found (Debian: apt-get install abigail-tools binutils)" >&2
        exit 2
    fi
done
if [ ! -e "$lib" ]; then
    echo "error: $lib not found; build the shared library first" >&2
    exit 2
fi
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
    echo "error: $lib has no DWARF; configure with -Dbuildtype=debugoptimized" >&2
    exit 2
fi

if [ $update = 1 ]; then
    # Only the types of the public header, no paths or line numbers, ids
    # by hash: the file depends on the ABI, not on where it was built.
    abidw --headers-dir "$headers" --drop-private-types \
          --no-corpus-path --no-comp-dir-path --no-show-locs --short-locs \
          --type-id-style hash --out-file "$baseline" "$lib"
    echo "wrote $baseline"
    exit 0
fi

report=$(mktemp)
trap 'rm -f "$report"' EXIT
rc=0
abidiff --fail-no-debug-info --hd2 "$headers" "$baseline" "$lib" >"$report" 2>&1 || rc=$?
cat "$report"

# abidiff's exit status is a bitmask: 1 error, 2 usage error,
# 4 ABI change (to review), 8 incompatible change.
if [ $((rc & 3)) -ne 0 ]; then
    echo "error: abidiff failed (status $rc)" >&2
    exit 1
fi
if [ $((rc & 8)) -ne 0 ]; then
    echo "FAIL: incompatible ABI change (removed symbol, soname ...)" >&2
    exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
    # A changed type or signature is only bit 4: refuse anything but additions.
    if grep -Eq '(^|[^0-9])[1-9][0-9]* (Removed|Changed)' "$report"; then
        echo "FAIL: existing functions or types changed" >&2
        exit 1
    fi
    if ! grep -Eq '(^|[^0-9])[1-9][0-9]* Added' "$report"; then
        echo "FAIL: ABI change abidiff could not classify; review the report" >&2
        exit 1
    fi
    echo "ok: functions added only (each must be in a new version node of lib/rnnlite.map)"
    exit 0
fi
echo "ok: ABI identical to the baseline"
