#!/usr/bin/env python3
"""pair_builds in several processes, the two builds' order swapped every
other run: the paired figure of a change when one process is not enough.

    bench/pair_runs.py OLD.so NEW.so [--runs 6] [--pair-builds PATH]
                       [any pair_builds option: --cell lstm --hidden 512
                        --input 64 --pairs 30 --mode fwd ...]

Why (docs/performance.md, "The input part at I = 64 (eighth session)"):
one pair_builds process has a bias of about 1 % of its own -- which build
was loaded and built its model first, where the process's mappings fell --
that its 40-200 pairs do not average out, so two runs of the same pair of
builds can read 0.97 and 1.00. Swapping OLD and NEW every other run (the
swapped run's ratio inverted, so every figure is new/old) cancels the
order's share, and the spread of the runs shows what is left.

Prints one JSON record: each run's median ratio new/old, their median,
mean and extremes, and same_bits (true when every run's predictions were
equal byte for byte)."""
import argparse
import json
import os
import statistics
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--pair-builds", default=os.path.join("build-bench", "bench", "pair_builds"),
                    help="the pair_builds binary (default: build-bench/bench/pair_builds)")
    args, rest = ap.parse_known_args()
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    ratios, same, record = [], True, None
    for r in range(args.runs):
        swapped = r % 2 == 1
        first, second = (args.new, args.old) if swapped else (args.old, args.new)
        out = subprocess.run([args.pair_builds, first, second] + rest, check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        record = json.loads(out)
        ratio = record["ratio"]
        ratios.append(round(1.0 / ratio if swapped else ratio, 4))
        same = same and record["same_bits"]
    keep = {k: record[k] for k in ("cell", "mode", "hidden", "input", "steps", "batch",
                                   "threads", "pairs")}
    json.dump(dict(keep, kind="pair_runs", runs=ratios, median=round(statistics.median(ratios), 4),
                   mean=round(statistics.mean(ratios), 4), min=min(ratios), max=max(ratios),
                   same_bits=same), sys.stdout)
    print()


if __name__ == "__main__":
    main()
