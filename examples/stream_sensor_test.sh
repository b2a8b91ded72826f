#!/bin/sh
# examples/stream_sensor as a test: train on a real series (nottem), follow
# it in one run and in two runs with a restart in between, and require the
# same output and the same final state file, byte for byte. Then: the
# forecasts beat repeating the last value, and a state saved against
# another model is refused.
#   stream_sensor_test.sh STREAM_SENSOR DATA_DIR
set -eu
exe=$1
data=$2/nottem.csv
other=$2/ldeaths.csv
dir=$(mktemp -d "${TMPDIR:-/tmp}/stream_sensor.XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$exe" train "$data" "$dir/model.rlm"

# Uninterrupted: the whole file.
"$exe" run "$dir/model.rlm" "$dir/whole.state" "$data" >"$dir/whole.out"

# Restarted after 100 lines; the second run reads stdin.
head -n 100 "$data" >"$dir/first"
tail -n +101 "$data" >"$dir/second"
"$exe" run "$dir/model.rlm" "$dir/split.state" "$dir/first" >"$dir/split.out"
"$exe" run "$dir/model.rlm" "$dir/split.state" <"$dir/second" >>"$dir/split.out" 2>"$dir/resume.err"
grep -q "resumed from .* after 98 observations" "$dir/resume.err" || {
    echo "no resume message:"; cat "$dir/resume.err"; exit 1; }
cmp "$dir/whole.out" "$dir/split.out"
cmp "$dir/whole.state" "$dir/split.state"
[ "$(wc -l <"$dir/whole.out")" -eq 240 ]

# One-step forecasts against the naive forecast (the last value), after the
# 12-observation warm-up: mean absolute errors.
awk -F '\t' '
    NR > 1 && prev_pred != "nan" { e += ($1 > prev_pred ? $1 - prev_pred : prev_pred - $1);
                                   d = $1 - prev_obs; naive += (d > 0 ? d : -d); n++ }
    { prev_obs = $1; prev_pred = $2 }
    END { printf "stream_sensor: MAE %.3f, naive %.3f over %d forecasts\n", e / n, naive / n, n;
          exit !(n == 228 && e < naive) }' "$dir/whole.out"

# A state saved against another model: refused with a message.
"$exe" train "$other" "$dir/other.rlm" 2>/dev/null
if "$exe" run "$dir/other.rlm" "$dir/split.state" "$dir/second" >/dev/null 2>"$dir/refused.err"; then
    echo "a state of another model was accepted"; exit 1
fi
grep -q "another model" "$dir/refused.err" || { cat "$dir/refused.err"; exit 1; }
echo "stream_sensor: restart continues identically; foreign state refused"
