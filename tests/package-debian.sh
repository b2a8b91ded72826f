#!/usr/bin/env bash
# The Debian packages, as a packager and then a user get them:
#  1. debian/librnnlite0.symbols lists every symbol of lib/rnnlite.map;
#  2. dpkg-buildpackage -us -uc -b in a clean copy of the tree (tracked and
#     new, not ignored files), with DEB_BUILD_OPTIONS=nocheck: run-all.sh ran
#     the suite already, the package build would only repeat it (and
#     noautodbgsym: the -dbgsym packages only cost time here);
#  3. lintian on the result: no error or warning (overrides in
#     debian/*.lintian-overrides, each with its reason);
#  4. the .debs installed with apt, then every test of debian/tests/control
#     run as autopkgtest would (an outside C program against librnnlite-dev,
#     the Python module, the command-line tool), with no environment variable;
#  5. packages this script installed are purged again.
# Before the packages, the README's source install: meson install into
# /usr/local, an outside program, the command and the module used with no
# environment variable (ldconfig ran), then uninstalled.
# Needs root (apt) and the build dependencies (tests/setup-debian.sh).
#
#   tests/package-debian.sh [WORK_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/rnnlite-deb.XXXXXX")}
mkdir -p "$work"
work=$(cd "$work" && pwd)
failures=0
t0=$(date +%s)
step() { echo "-- [$(( $(date +%s) - t0 )) s] $*"; }
fail() { echo "!! $*"; failures=$((failures + 1)); }

step "symbols file against lib/rnnlite.map"
if ! diff -u "$src/debian/librnnlite0.symbols" <(python3 "$src/tests/abi/debian_symbols.py" "$src/lib/rnnlite.map"); then
    fail "debian/librnnlite0.symbols is stale: tests/abi/debian_symbols.py lib/rnnlite.map > debian/librnnlite0.symbols"
fi

step "clean copy"
rm -rf "$work/rnnlite"
mkdir -p "$work/rnnlite"
(cd "$src" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' ) |
    (cd "$src" && tar --null -T - -cf -) | (cd "$work/rnnlite" && tar -xf -)

step "dpkg-buildpackage -us -uc -b (nocheck)"
start=$(date +%s)
if ! (cd "$work/rnnlite" && dpkg-checkbuilddeps && \
      PATH=/usr/sbin:/usr/bin:/sbin:/bin DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$(nproc)" dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
    tail -60 "$work/build.log"
    echo "!! package build failed (log: $work/build.log)"
    exit 1
fi
echo "   built in $(( $(date +%s) - start )) s: $(cd "$work" && ls ./*.deb | xargs -n1 basename | tr '\n' ' ')"
grep -E 'dpkg-gensymbols: warning' "$work/build.log" || true

step "lintian"
changes=$(ls "$work"/rnnlite_*.changes)
if ! lintian --fail-on error,warning --info --display-level '>=warning' "$changes" 2>&1 | tee "$work/lintian.log"; then
    fail "lintian reports warnings or errors"
fi

# The README's source install, before any package is on the system: meson
# install to /usr/local must leave a program that starts (ldconfig ran), the
# rnnlite command and an importable module, with no environment variable.
step "source install to /usr/local (README), then uninstall"
if [ -e /usr/local/lib/"$(dpkg-architecture -qDEB_HOST_MULTIARCH)"/librnnlite.so.0 ]; then
    echo "   skipped: rnnlite is installed in /usr/local already"
else
    srcbuild="$work/source-install"
    if (cd "$work/rnnlite" && PATH=/usr/sbin:/usr/bin:/sbin:/bin &&
            meson setup "$srcbuild" -Dtests=false -Dexamples=false >"$work/source.log" 2>&1 &&
            ninja -C "$srcbuild" >>"$work/source.log" 2>&1 &&
            meson install -C "$srcbuild" >>"$work/source.log" 2>&1); then
        cat >"$work/app.c" <<'C'
#include <stdio.h>
#include <rnnlite/rnnlite.h>
int main(void) { printf("rnnlite %s\n", rl_version_string()); return rl_version_number() == RL_VERSION_NUMBER ? 0 : 1; }
C
        if (cd "$work" && env -i PATH=/usr/local/bin:/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 sh -c '
                cc app.c $(pkg-config --cflags --libs rnnlite) -o app && ./app &&
                ldd ./app | grep -q "librnnlite.so.0 => /usr/local/lib/" &&
                rnnlite --version && test -f /usr/local/share/man/man1/rnnlite.1 &&
                python3 -c "import rnnlite; assert rnnlite.__file__.startswith(\"/usr/local/\"); print(rnnlite.version())"'
        ) >"$work/source-check.log" 2>&1; then
            echo "   ok: $(tr '\n' ' ' <"$work/source-check.log")"
        else
            sed 's/^/   | /' "$work/source-check.log"
            fail "source install: outside program, rnnlite command or Python module"
        fi
        ninja -C "$srcbuild" uninstall >/dev/null 2>&1 || fail "ninja uninstall"
        ldconfig
    else
        tail -30 "$work/source.log"
        fail "source build and meson install"
    fi
fi

step "install the packages"
debs=("$work"/*.deb)
mapfile -t names < <(for d in "${debs[@]}"; do dpkg-deb -f "$d" Package; done)
preinstalled=()
for n in "${names[@]}"; do
    dpkg-query -W -f='${Status}' "$n" 2>/dev/null | grep -q 'install ok installed' && preinstalled+=("$n")
done
cleanup() {
    local remove=()
    for n in "${names[@]}"; do
        [[ " ${preinstalled[*]} " == *" $n "* ]] || remove+=("$n")
    done
    [ ${#remove[@]} -eq 0 ] || dpkg --purge "${remove[@]}" >/dev/null 2>&1 || true
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${debs[@]}" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; echo "!! apt-get install of the .debs failed"; exit 1; }

step "autopkgtest commands (debian/tests/control)"
# Their Depends, as autopkgtest would install them (ours are installed above).
mapfile -t test_deps < <(sed -n 's/^Depends: *//p' "$src/debian/tests/control" | tr ',' '\n' |
    sed 's/(.*)//; s/^ *//; s/ *$//' | grep -v '^$' | sort -u)
apt-get install -y -qq --no-install-recommends "${test_deps[@]}" >>"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; echo "!! installing the test dependencies failed"; exit 1; }
for t in $(sed -n 's/^Tests: *//p' "$src/debian/tests/control"); do
    tmp=$(mktemp -d "$work/autopkgtest-$t.XXXXXX")
    if (cd "$tmp" && env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME="$tmp" AUTOPKGTEST_TMP="$tmp" \
            sh "$src/debian/tests/$t") >"$tmp.log" 2>&1; then
        echo "   ok $t: $(tail -1 "$tmp.log")"
    else
        sed 's/^/   | /' "$tmp.log"
        fail "autopkgtest $t"
    fi
done

step "done"
[ "$failures" -eq 0 ] && echo "packaging: all checks passed"
exit $((failures > 0))
