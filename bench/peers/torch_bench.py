#!/usr/bin/python3
"""PyTorch peer: the rnnlite bench workloads in PyTorch, JSON records on stdout.

Run with Debian's interpreter (/usr/bin/python3, python3-torch). The caller
(bench/run.py) sets the OpenBLAS environment; this script only reports it.

  cells    nn.RNN (tanh) / nn.LSTM / nn.GRU, batch 64, 50 steps, time-major.
           fwd: forward under torch.inference_mode().
           fwdbwd: forward, MSE of the last step's output, backward (the
           gradients of one batch; no optimiser step).
  seed     990 sine windows of 10 -> next value; RNN(50, relu) / LSTM(50) /
           GRU(50) + Linear(1); Adam(lr=1e-3), MSE, batch 64, 10 epochs,
           shuffled each epoch (index tensors, no DataLoader); predict all 990.
  latency  one-sample predict, LSTM(50) + Linear(1), 10 steps.

Repeat policy as bench/bench_util.c: one timed warm-up call decides; slow
cases get 3 samples (> 0.25 s) or 1 (> 1 s), others one more warm-up and
5..reps samples within the budget.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
from torch import nn

BATCH, STEPS = 64, 50


def stats(samples):
    s = sorted(samples)
    n = len(s)
    med = s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
    rank = max(1, (99 * n + 99) // 100)
    return {"median_s": med, "min_s": s[0], "max_s": s[-1], "p99_s": s[rank - 1], "reps": n}


def measure(fn, budget, max_reps):
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    if first > 0.25:   # the first call was the warm-up
        warmup, min_reps = 0, (1 if first > 1.0 else 3)
        max_reps = min_reps
    else:
        warmup, min_reps = 1, 5
        max_reps = max(max_reps, min_reps)
    for _ in range(warmup):
        fn()
    samples, spent = [], 0.0
    while len(samples) < max_reps and (len(samples) < min_reps or spent < budget):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        samples.append(dt)
        spent += dt
    return stats(samples)


def emit(rec, st):
    rec = dict(rec)
    rec.update(st)
    print(json.dumps(rec), flush=True)


def make_cell(kind, inp, hidden, activation="tanh", batch_first=False):
    if kind == "rnn":
        return nn.RNN(inp, hidden, nonlinearity=activation, batch_first=batch_first)
    if kind == "lstm":
        return nn.LSTM(inp, hidden, batch_first=batch_first)
    return nn.GRU(inp, hidden, batch_first=batch_first)


def bench_cell(args, kind, inp, hidden, base):
    torch.manual_seed(0)
    cell = make_cell(kind, inp, hidden)
    x = torch.rand(STEPS, BATCH, inp) * 2 - 1
    y = torch.rand(BATCH, hidden) - 0.5

    def fwd():
        with torch.inference_mode():
            cell(x)

    def fwdbwd():
        out, _ = cell(x)
        loss = torch.mean((out[-1] - y) ** 2)
        loss.backward()
        cell.zero_grad(set_to_none=True)

    rec = dict(base, kind="cell", cell=kind, hidden=hidden, input=inp, batch=BATCH, steps=STEPS)
    emit(dict(rec, mode="fwd"), measure(fwd, args.budget, args.reps))
    emit(dict(rec, mode="fwdbwd"), measure(fwdbwd, args.budget, args.reps))


class Forecaster(nn.Module):
    def __init__(self, kind, units, activation):
        super().__init__()
        self.rnn = make_cell(kind, 1, units, activation, batch_first=True)
        self.dense = nn.Linear(units, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.dense(out[:, -1, :])


def seed_data():
    n, steps = 1000, 10
    s = torch.sin(torch.linspace(0, 100, n, dtype=torch.float64))
    s = ((s - s.min()) / (s.max() - s.min())).float()
    x = torch.stack([s[i:i + steps] for i in range(n - steps)]).unsqueeze(-1)
    y = s[steps:].unsqueeze(-1)
    return x, y


def bench_seed(args, kind, base, reps=3):
    x, y = seed_data()
    activation = "relu" if kind == "rnn" else "tanh"
    fit_t, pred_t = [], []
    for rep in range(-1, reps):   # rep -1: warm-up, one epoch
        torch.manual_seed(42 + rep)
        model = Forecaster(kind, 50, activation)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.MSELoss()
        t0 = time.perf_counter()
        for _ in range(10 if rep >= 0 else 1):
            perm = torch.randperm(len(x))
            for at in range(0, len(x), 64):
                idx = perm[at:at + 64]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                opt.step()
        dt = time.perf_counter() - t0
        if rep >= 0:
            fit_t.append(dt)
        for _ in range(8):
            t0 = time.perf_counter()
            with torch.inference_mode():
                model(x)
            dt = time.perf_counter() - t0
            if rep >= 0:
                pred_t.append(dt)
    rec = dict(base, kind="seed", cell=kind, hidden=50, input=1, batch=64, steps=10,
               note=activation)
    emit(dict(rec, mode="fit"), stats(fit_t))
    emit(dict(rec, mode="predict", batch=len(x)), stats(pred_t))


def bench_latency(args, base, samples=3000):
    torch.manual_seed(0)
    model = Forecaster("lstm", 50, "tanh")
    x = torch.rand(1, 10, 1)
    t = []
    with torch.inference_mode():
        for i in range(-300, samples):
            t0 = time.perf_counter()
            model(x)
            dt = time.perf_counter() - t0
            if i >= 0:
                t.append(dt)
    emit(dict(base, kind="latency", cell="lstm", mode="predict1", hidden=50, input=1, batch=1,
              steps=10, note="LSTM(50)+Linear(1), inference_mode, timed per call"), stats(t))


def int_list(s):
    return [int(v) for v in s.split(",") if v]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", default="pytorch", help="label of the records")
    ap.add_argument("--what", default="cells,seed,latency")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--hidden", type=int_list, default=[32, 64, 128, 256, 512])
    ap.add_argument("--input", type=int_list, default=[1, 64])
    ap.add_argument("--budget", type=float, default=0.4)
    ap.add_argument("--reps", type=int, default=25)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    base = {"impl": args.impl, "threads": args.threads,
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "")}
    print("torch %s, %d thread(s), OPENBLAS_CORETYPE=%r" %
          (torch.__version__, torch.get_num_threads(), base["openblas_coretype"]),
          file=sys.stderr)
    what = args.what.split(",")
    if "cells" in what:
        for kind in ("rnn", "lstm", "gru"):
            for inp in args.input:
                for hidden in args.hidden:
                    bench_cell(args, kind, inp, hidden, base)
    if "seed" in what:
        for kind in ("rnn", "lstm", "gru"):
            bench_seed(args, kind, base, reps=min(3, args.reps))
    if "latency" in what:
        bench_latency(args, base)


if __name__ == "__main__":
    main()
