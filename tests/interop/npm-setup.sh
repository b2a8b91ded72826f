#!/bin/sh
# Installs the JavaScript peers of the interop tests into DIR (under the
# build directory), once: @tensorflow/tfjs and onnxruntime-node, the latter
# with --ignore-scripts since its install script fetches GPU binaries from
# outside while the CPU build ships in the package.
#   tests/interop/npm-setup.sh DIR   -> exit 0 ready, 77 npm missing, 1 failed
set -eu
dir=$1
TFJS=4.22.0
ORT=1.30.0
if [ -f "$dir/ready-$TFJS-$ORT" ]; then exit 0; fi
command -v npm >/dev/null 2>&1 || { echo "npm is not installed"; exit 77; }
command -v node >/dev/null 2>&1 || { echo "node is not installed"; exit 77; }
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"private": true}' > package.json
npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
    "@tensorflow/tfjs@$TFJS" "onnxruntime-node@$ORT" >npm.log 2>&1 || { cat npm.log; exit 1; }
touch "ready-$TFJS-$ORT"
