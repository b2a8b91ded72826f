#!/usr/bin/env bash
# Installs what the cross test stages need on Debian 12 (tests/run-all.sh,
# cross/*.ini): the cross compilers, qemu's user-mode emulators, and CMocka
# for each target architecture through Debian multiarch. Only when something
# is missing. Run as root (or with sudo available).
#
#   bash tests/setup-cross.sh            # aarch64, s390x and i686
#   bash tests/setup-cross.sh s390x      # one of them
set -euo pipefail

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(aarch64 s390x i686)

# meson target name -> Debian architecture and GNU triplet.
debian_arch() {
    case $1 in
    aarch64) echo arm64 ;;
    s390x) echo s390x ;;
    i686) echo i386 ;;
    *) echo "unknown cross target: $1" >&2; return 1 ;;
    esac
}
triplet() {
    case $1 in
    aarch64) echo aarch64-linux-gnu ;;
    s390x) echo s390x-linux-gnu ;;
    i686) echo i686-linux-gnu ;;
    esac
}
# Debian's name for the cross C library package (i686 -> i386).
cross_libc() {
    case $1 in
    aarch64) echo libc6-dev-arm64-cross ;;
    s390x) echo libc6-dev-s390x-cross ;;
    i686) echo libc6-dev-i386-cross ;;
    esac
}

packages=(qemu-user meson ninja-build pkg-config)
foreign=()
for a in "${arches[@]}"; do
    d=$(debian_arch "$a")
    # The cross libc (crt files, headers) is only a Recommends of the cross gcc.
    packages+=("gcc-$(triplet "$a")" "$(cross_libc "$a")" "libcmocka-dev:$d")
    foreign+=("$d")
done

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
need_update=0
for d in "${foreign[@]}"; do
    if ! dpkg --print-foreign-architectures | grep -qx "$d"; then
        $sudo dpkg --add-architecture "$d"
        need_update=1
    fi
done

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ $need_update = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    # A mirror caught mid-sync fails one index now and then: retry, then go
    # on with what was fetched (the install below says if it is not enough).
    for try in 1 2 3; do
        $sudo apt-get update -qq && break
        sleep 5
    done
fi
if [ ${#missing[@]} -gt 0 ]; then
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
