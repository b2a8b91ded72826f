#!/usr/bin/env bash
# Installs what building and testing rnnlite needs on Debian 12, only when
# something is missing. Run as root (or with sudo available).
set -euo pipefail

packages=(meson ninja-build gcc g++ pkg-config libcmocka-dev python3 python3-numpy)
if [ "${RNNLITE_FULL_CHECKS:-0}" = 1 ]; then
    # Sanitizers, valgrind, the ABI checker and the API reference.
    packages+=(clang-14 libclang-rt-14-dev valgrind abigail-tools doxygen)
    # Debian packaging (tests/package-debian.sh) and the Dask fleet example.
    packages+=(build-essential dpkg-dev debhelper dh-python lintian python3-distributed)
fi

# The interop peers (tests/interop/): PyTorch, ONNX and HDF5 for Python;
# node and npm, which install TensorFlow.js and ONNX Runtime on first use.
packages+=(python3-torch python3-onnx python3-h5py)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
