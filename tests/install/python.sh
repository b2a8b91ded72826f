#!/bin/sh
# The Python module as users install it, tested where it lands:
#  1. `meson install` puts rnnlite.py into python3's site directory under
#     the prefix (bindings/python/site_dir.py);
#  2. `pip install .` from the source tree, offline (--no-index), with the
#     in-tree backend (pyproject.toml).
# Each time the binding's own tests run from a scratch directory against the
# installed file, which finds librnnlite.so.0 by soname (LD_LIBRARY_PATH
# stands in for ldconfig here; RNNLITE_LIBRARY is unset).
#
#   tests/install/python.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/rnnlite-python.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
unset RNNLITE_LIBRARY

"$python" -c 'import numpy' 2>/dev/null || { echo "1..0 # SKIP numpy is not installed"; exit 0; }

"${MESON:-meson}" install -C "$build" --no-rebuild --quiet --destdir "$work/dest" >"$work/log" 2>&1 ||
    { cat "$work/log"; echo "Bail out! meson install failed"; exit 1; }
lib=$(dirname "$(find "$work/dest" -name 'librnnlite.so.0' | head -n 1)")
module=$(find "$work/dest" -name rnnlite.py | head -n 1)

# run_tests NAME SITE_DIR: the binding's tests, importing rnnlite from SITE_DIR only.
run_tests() {
    mkdir -p "$work/run-$1"
    cp "$src/bindings/python/test_rnnlite.py" "$work/run-$1/"
    if (cd "$work/run-$1" &&
        PYTHONPATH="$2" LD_LIBRARY_PATH="$lib" PYTHONDONTWRITEBYTECODE=1 "$python" -c "
import os, sys, rnnlite
assert os.path.dirname(rnnlite.__file__) == sys.argv[1], rnnlite.__file__
rnnlite.load_library()
" "$2" &&
        PYTHONPATH="$2" LD_LIBRARY_PATH="$lib" PYTHONDONTWRITEBYTECODE=1 \
            "$python" -m unittest -q test_rnnlite) >"$work/out" 2>&1; then
        echo "ok - $1: binding tests pass against the installed module"
    else
        echo "not ok - $1"
        sed 's/^/#   /' "$work/out"
        failures=$((failures + 1))
    fi
}

if [ -n "$module" ]; then
    echo "ok - meson install: ${module#"$work/dest"}"
    run_tests meson-install "$(dirname "$module")"
else
    echo "not ok - meson install put no rnnlite.py under the prefix"
    failures=$((failures + 1))
fi

# pip builds in its own directory; a copy keeps the source tree clean.
mkdir -p "$work/src/bindings/python/backend"
cp "$src/pyproject.toml" "$src/meson.build" "$work/src/"
cp "$src/bindings/python/rnnlite.py" "$work/src/bindings/python/"
cp "$src/bindings/python/backend/rnnlite_build.py" "$work/src/bindings/python/backend/"
if (cd "$work/src" && "$python" -m pip install --quiet --no-index --no-deps --no-cache-dir \
        --target "$work/pip" . ) >"$work/log" 2>&1 && [ -f "$work/pip/rnnlite.py" ]; then
    echo "ok - pip install . (offline, in-tree backend)"
    run_tests pip "$work/pip"
else
    echo "not ok - pip install ."
    sed 's/^/#   /' "$work/log"
    failures=$((failures + 1))
fi
[ "$failures" -eq 0 ]
