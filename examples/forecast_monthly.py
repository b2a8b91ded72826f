#!/usr/bin/env python3
"""examples/forecast_monthly.c in Python: the recipe on a real monthly series,
backtested against the naive baselines, with conformal intervals.

    RNNLITE_LIBRARY=build/lib/librnnlite.so.0 PYTHONPATH=bindings/python \
        python3 examples/forecast_monthly.py examples/data/nottem.csv
"""
import sys

import numpy as np

import rnnlite

path = sys.argv[1] if len(sys.argv) > 1 else 'examples/data/nottem.csv'
y = np.loadtxt(path, delimiter=',', comments='#', skiprows=2, usecols=1, dtype=np.float32)
n_train = int(round(0.8 * len(y)))
season = rnnlite.detect_season(y[:n_train])

recipe = rnnlite.Recipe()   # every choice automatic: season, log, window
bt = rnnlite.Backtest(y, initial=n_train, horizon=24, season=season, forecaster=recipe)
print(f'{path}: season {season}, {bt.shape[0]} origins, 24 steps ahead')
for method, row in bt.table().items():
    cells = '  '.join(f'{k} {v:8.3f}' for k, v in row.items())
    print(f'{method:>15}: {cells}  coverage80 {bt.coverage(0.8, method):.2f}')

half = bt.interval(0.8)                     # per-step 80 % half-widths
forecast = recipe.forecast(y, 24)           # 24 months past the data
for h in range(24):
    print(f't+{h + 1:<2} {forecast[h]:8.2f}  [{forecast[h] - half[h]:8.2f}, {forecast[h] + half[h]:8.2f}]')
