#!/usr/bin/env python3
"""One rnnlite model per series, for many series, on a Dask cluster.

Each task trains a small GRU on one series (all but its last `horizon`
points), backtests it on those held-out points, and returns the model as
bytes (rl_model_save_buffer) with its metrics. The client writes one model
file per series and a summary table. Tasks share nothing, so the result of a
series is the same, bit for bit, on one process or on many machines.

    fleet.py --synthetic 1000 --out fleet-out                 # LocalCluster, one worker per core
    fleet.py --csv series.csv --workers 2 --out fleet-out     # long CSV: series,value rows in time order
    fleet.py --csv series.csv --scheduler tcp://10.0.0.5:8786 --out fleet-out
    fleet.py --synthetic 50 --serial --out fleet-out          # no Dask: the same work in this process

Workers need numpy, the rnnlite module and librnnlite.so.0 (the Debian
packages python3-rnnlite and librnnlite0, or `meson install`); with
--upload-module the client sends its own rnnlite.py to the workers.
"""
import argparse
import csv
import os
import sys
import time

import numpy as np

try:
    import rnnlite
except ImportError:   # running from a source tree: use the binding next door
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                    'bindings', 'python'))
    import rnnlite

DEFAULTS = {'steps': 12, 'units': 8, 'epochs': 100, 'batch': 16, 'horizon': 12,
            'learning_rate': 0.01, 'seed': 7}


def synthetic_series(n_series, length=120, seed=0):
    """{name: float32 array}: seasonal (period 12) series with trend and noise, each
    from its own generator so any subset is reproducible on its own."""
    out = {}
    for i in range(n_series):
        rng = np.random.default_rng([seed, i])
        t = np.arange(length)
        level, trend = rng.uniform(50, 150), rng.uniform(-0.3, 0.3)
        amp, phase = rng.uniform(5, 30), rng.uniform(0, 2 * np.pi)
        y = level + trend * t + amp * np.sin(2 * np.pi * t / 12 + phase) + rng.normal(0, 3, length)
        out[f's{i:05d}'] = y.astype(np.float32)
    return out


def read_long_csv(path):
    """{series: values} from rows `series,value` (a header row first), in file order."""
    series = {}
    with open(path, newline='') as f:
        reader = csv.reader(f)
        header = next(reader)
        if [h.strip() for h in header[:2]] != ['series', 'value']:
            raise SystemExit(f'{path}:1: expected the header "series,value", got {",".join(header)}')
        for line, row in enumerate(reader, start=2):
            try:
                series.setdefault(row[0], []).append(float(row[1]))
            except (IndexError, ValueError):
                raise SystemExit(f'{path}:{line}: expected "name,number", got {",".join(row)}')
    return {k: np.asarray(v, dtype=np.float32) for k, v in series.items()}


def forecast(model, scaler, history, steps, horizon):
    """Recursive multi-step forecast in raw units, the loop rl_forecast() is
    defined by: scale the last `steps` raw points, predict one, unscale, append."""
    if hasattr(model, 'forecast'):
        return np.asarray(model.forecast(history[:, None], horizon), dtype=np.float32).reshape(-1)
    values = list(history[-steps:].astype(np.float32))
    out = []
    for _ in range(horizon):
        window = scaler.transform(np.asarray(values[-steps:], dtype=np.float32)[:, None])
        scaled = model.predict(window[None, :, :])[:, 0]
        raw = scaler.inverse_transform_column(0, scaled)[0]
        out.append(raw)
        values.append(raw)
    return np.asarray(out, dtype=np.float32)


def fit_series(name, values, config):
    """Train and backtest one series; returns (name, model bytes, metrics dict)."""
    c = dict(DEFAULTS, **config)
    start, cpu_start = time.perf_counter(), time.thread_time()
    values = np.asarray(values, dtype=np.float32)
    steps, horizon = c['steps'], c['horizon']
    if len(values) < steps + horizon + 2:
        raise ValueError(f'series {name}: {len(values)} points, at least {steps + horizon + 2} needed')
    train, actual = values[:-horizon], values[-horizon:]
    scaler = rnnlite.Scaler.minmax()
    scaler.fit(train[:, None])
    x, y = rnnlite.window(scaler.transform(train[:, None]), steps)
    with rnnlite.Model(steps, 1) as model:
        model.add_gru(c['units'])
        model.add_dense(1)
        model.set_param('seed', c['seed'])
        model.set_param('learning_rate', c['learning_rate'])
        model.compile('adam', 'mse')
        model.set_scaler(scaler)
        history = model.fit(x, y, epochs=c['epochs'], batch_size=c['batch'])
        predicted = forecast(model, scaler, train, steps, horizon)
        error = predicted.astype(np.float64) - actual
        # Seasonal naive (the value one period earlier) as the bar to beat.
        naive = values[-horizon - 12:-12].astype(np.float64) - actual if len(values) >= horizon + 12 else None
        metrics = {
            'series': name, 'points': len(values),
            'final_loss': float(history['loss'][-1]),
            'mae': float(np.abs(error).mean()), 'rmse': float(np.sqrt((error ** 2).mean())),
            'naive_mae': float(np.abs(naive).mean()) if naive is not None else float('nan'),
            'seconds': time.perf_counter() - start,
            'cpu_seconds': time.thread_time() - cpu_start,   # this task's own CPU time
        }
        return name, model.save_buffer(), metrics


def run_serial(series, config):
    return [fit_series(name, values, config) for name, values in series.items()]


def run_dask(series, config, client):
    """One task per series; results come back as they finish, sorted by name."""
    from distributed import as_completed
    futures = [client.submit(fit_series, name, values, config, key=f'fit-{name}', pure=False)
               for name, values in series.items()]
    results = [f.result() for f in as_completed(futures)]
    return sorted(results, key=lambda r: r[0])


def write_outputs(results, out_dir):
    """models/<series>.rlm for every series and summary.csv (one row each)."""
    models = os.path.join(out_dir, 'models')
    os.makedirs(models, exist_ok=True)
    fields = ['series', 'points', 'final_loss', 'mae', 'rmse', 'naive_mae', 'seconds', 'cpu_seconds',
              'model']
    with open(os.path.join(out_dir, 'summary.csv'), 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for name, blob, metrics in results:
            path = os.path.join(models, f'{name}.rlm')
            with open(path, 'wb') as m:
                m.write(blob)
            w.writerow(dict(metrics, model=os.path.relpath(path, out_dir)))


def make_client(args):
    from distributed import Client, LocalCluster
    if args.scheduler:
        return Client(args.scheduler), None
    cluster = LocalCluster(n_workers=args.workers or os.cpu_count(), threads_per_worker=1,
                           processes=True, dashboard_address=None)
    return Client(cluster), cluster


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--csv', help='long CSV file with rows series,value (header row first)')
    src.add_argument('--synthetic', type=int, metavar='N', help='N synthetic seasonal series')
    where = p.add_mutually_exclusive_group()
    where.add_argument('--scheduler', metavar='ADDRESS', help='Dask scheduler, e.g. tcp://host:8786')
    where.add_argument('--serial', action='store_true', help='no Dask: run every series here')
    p.add_argument('--workers', type=int, help='LocalCluster worker processes (default: cores)')
    p.add_argument('--upload-module', action='store_true', help='send rnnlite.py to the workers')
    p.add_argument('--out', required=True, help='output directory')
    for k, v in DEFAULTS.items():
        p.add_argument('--' + k.replace('_', '-'), type=type(v), default=v, help=f'default {v}')
    args = p.parse_args(argv)
    config = {k: getattr(args, k) for k in DEFAULTS}
    series = synthetic_series(args.synthetic) if args.synthetic else read_long_csv(args.csv)

    startup = 0.0
    if args.serial:
        start = time.perf_counter()
        results = run_serial(series, config)
    else:
        begin = time.perf_counter()
        client, cluster = make_client(args)
        try:
            if args.upload_module:
                client.upload_file(rnnlite.__file__)
            client.wait_for_workers(1)
            startup = time.perf_counter() - begin
            start = time.perf_counter()
            results = run_dask(series, config, client)
        finally:
            elapsed = time.perf_counter() - start
            client.close()
            if cluster is not None:
                cluster.close()
    if args.serial:
        elapsed = time.perf_counter() - start
    write_outputs(results, args.out)
    maes = np.array([r[2]['mae'] for r in results])
    naive = np.array([r[2]['naive_mae'] for r in results])
    better = np.mean(maes < naive) if np.isfinite(naive).all() else float('nan')
    print(f'{len(results)} series in {elapsed:.2f} s ({len(results) / elapsed:.1f} series/s'
          f'{f"; cluster start {startup:.1f} s not counted" if startup else ""}; '
          f'{np.median([r[2]["cpu_seconds"] for r in results]) * 1000:.1f} ms CPU per series); '
          f'median backtest MAE {np.median(maes):.3g}; beats seasonal naive on {100 * better:.0f}% '
          f'of series; models and summary.csv in {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
