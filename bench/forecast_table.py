#!/usr/bin/env python3
"""The forecast-accuracy table of docs/forecasting.md: runs bench_forecast
(the recipe and the naive baselines) and bench/forecast_r.R (R's ETS and
auto.arima, when Rscript and r-cran-forecast are installed) on one protocol
and prints a Markdown table, MASE and RMSE per series and method, and the
held-out coverage of 80 % conformal intervals.

    python3 bench/forecast_table.py build/bench/bench_forecast examples/data
    python3 bench/forecast_table.py --from-tsv rnnlite.tsv r.tsv   # reuse runs
"""
import csv
import io
import shutil
import subprocess
import sys

ORDER = ['recipe', 'seasonal_naive', 'last_value', 'drift', 'ets', 'auto.arima']


def rows(tsv_text):
    return list(csv.DictReader(io.StringIO(tsv_text), delimiter='\t'))


def run(cmd):
    print('running', ' '.join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def table(records):
    series = list(dict.fromkeys(r['series'] for r in records))
    methods = [m for m in ORDER if any(r['method'] == m for r in records)]
    by = {(r['series'], r['method']): r for r in records}
    out = ['| series | ' + ' | '.join(f'{m} MASE' for m in methods) + ' | '
           + ' | '.join(f'{m} RMSE' for m in methods) + ' |',
           '|---|' + '---:|' * (2 * len(methods))]
    wins = 0
    for s in series:
        mase = [float(by[(s, m)]['MASE']) if (s, m) in by else float('nan') for m in methods]
        best = min(v for v in mase if v == v)
        cells = [f'**{v:.3f}**' if v == best else f'{v:.3f}' for v in mase]
        rmse = [by[(s, m)]['RMSE'] if (s, m) in by else '' for m in methods]
        out.append(f'| {s} | ' + ' | '.join(cells) + ' | '
                   + ' | '.join(f'{float(v):.4g}' if v else '' for v in rmse) + ' |')
        naive = [float(by[(s, m)]['MASE']) for m in ('seasonal_naive', 'last_value') if (s, m) in by]
        if (s, 'recipe') in by and all(float(by[(s, 'recipe')]['MASE']) < v for v in naive):
            wins += 1
    out.append('')
    out.append(f'The recipe beats both the seasonal-naive and the last-value forecast (MASE) on '
               f'{wins} of {len(series)} series.')
    out.append('')
    out.append('| series | ' + ' | '.join(f'{m} cover80' for m in methods) + ' |')
    out.append('|---|' + '---:|' * len(methods))
    for s in series:
        out.append(f'| {s} | ' + ' | '.join(
            by[(s, m)]['coverage80'] if (s, m) in by else '' for m in methods) + ' |')
    return '\n'.join(out)


def main(argv):
    if len(argv) >= 2 and argv[1] == '--from-tsv':
        records = [r for path in argv[2:] for r in rows(open(path).read())]
    else:
        bench, data = argv[1], argv[2]
        records = rows(run([bench, data]))
        if shutil.which('Rscript'):
            try:
                records += rows(run(['Rscript', 'bench/forecast_r.R', data]))
            except subprocess.CalledProcessError as e:
                print('R peers skipped:', e.stderr.strip()[-200:], file=sys.stderr)
    print(table(records))


if __name__ == '__main__':
    main(sys.argv)
