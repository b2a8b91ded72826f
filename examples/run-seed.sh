#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and run the seed example
# (SimpleRNN vs LSTM on a sine wave; prints both MSEs, writes sine_forecast.svg).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup-debian.sh
[ -f build/build.ninja ] || meson setup build -Dtests=false >/dev/null
ninja -C build examples/sine_forecast >/dev/null
./build/examples/sine_forecast "${1:-sine_forecast.svg}"
