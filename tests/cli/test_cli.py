"""Drives the rnnlite command-line tool as a user would: real series (Nile,
USAccDeaths from R's datasets, see data/export.R), malformed CSV files, usage
errors, progress output on a pipe and on a terminal, Ctrl-C, and the man page
against --help.

  RNNLITE_CLI=build/cli/rnnlite RNNLITE_MAN=cli/rnnlite.1 \
    /usr/bin/python3 -m unittest discover -s tests/cli -p test_cli.py

Numbers are checked against independent computations (numpy on the model's
own predictions through the Python binding when it is importable, layer
parameter formulas), never against values the tool printed before.
"""
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data')
CLI = os.environ.get('RNNLITE_CLI', 'rnnlite')
MAN = os.environ.get('RNNLITE_MAN', os.path.join(HERE, '..', '..', 'cli', 'rnnlite.1'))
COMMANDS = ['train', 'evaluate', 'inspect', 'forecast', 'backtest', 'convert']


def run(*args, stdin=None, check=None):
    p = subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True, timeout=120)
    if check is not None and p.returncode != check:
        raise AssertionError(f'rnnlite {" ".join(args)}: exit {p.returncode}, expected {check}\n'
                             f'stdout: {p.stdout}\nstderr: {p.stderr}')
    return p


def available_commands():
    out = run('--help', check=0).stdout
    return [c for c in COMMANDS if re.search(rf'^  {c} ', out, re.M)]


def help_options(command):
    out = run(command, '--help', check=0).stdout
    return set(re.findall(r'^  (?:-\w, |    )--([a-z][a-z-]*)', out, re.M)) - {'help'}


def man_options():
    """Options under each `.SS rnnlite COMMAND` heading of the man page."""
    sections, current = {}, None
    with open(MAN) as f:
        for line in f:
            m = re.match(r'\.SS rnnlite (\w+)', line)
            if m:
                current = sections.setdefault(m.group(1), set())
                continue
            if line.startswith('.SH'):
                current = None
            if current is not None and line.startswith('.BR'):
                current.update(re.findall(r'\\-\\-([a-z][a-z-]*)', line))
    return sections


class Tmp(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory()
        self.tmp = self._dir.name

    def tearDown(self):
        self._dir.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)


NILE = ['--data', os.path.join(DATA, 'nile.csv'), '--date', 'year', '--columns', 'flow']


class ManPageAndHelp(unittest.TestCase):
    def test_every_command_documented_with_the_same_options(self):
        man = man_options()
        commands = available_commands()
        self.assertIn('train', commands)
        self.assertEqual(set(man), set(commands), 'commands in the man page vs rnnlite --help')
        for c in commands:
            with self.subTest(command=c):
                self.assertEqual(man[c], help_options(c))

    def test_version_names_the_library(self):
        out = run('--version', check=0).stdout
        self.assertRegex(out, r'^rnnlite \d+\.\d+\.\d+ \(library \d+\.\d+\.\d+, kernels \w+\)$')


class Usage(Tmp):
    def test_usage_errors_exit_2_with_a_message(self):
        cases = [
            ([], 'no command'),
            (['frobnicate'], "unknown command 'frobnicate'"),
            (['train', '--model'], "needs a value"),
            (['train', *NILE], '--model is required'),
            (['train', *NILE, '--model', 'x.rlm', '--bogus'], "unknown option '--bogus'"),
            (['train', *NILE, '--model', 'x.rlm', '--epochs', 'ten'], '--epochs'),
            (['train', *NILE, '--model', 'x.rlm', '--epochs', '0'], '--epochs'),
            (['train', *NILE, '--model', 'x.rlm', '--validation-split', '1.5'], '--validation-split'),
            (['train', *NILE, '--model', 'x.rlm', 'stray.csv'], "unexpected argument 'stray.csv'"),
            (['inspect', '--json', '--json', '--model', 'x'], 'given twice'),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                p = run(*args, check=2)
                self.assertIn(message, p.stderr)
                self.assertTrue(p.stderr.startswith('rnnlite: '), p.stderr)
                self.assertEqual(p.stdout, '')

    def test_bad_layer_and_names_fail_before_training(self):
        for extra, message in [(['--layer', 'lstm'], "--layer 'lstm'"),
                               (['--layer', 'conv:3'], "unknown kind 'conv'"),
                               (['--layer', 'lstm:8:softmax'], "'softmax'"),
                               (['--optimizer', 'adamw'], "'adamw'")]:
            with self.subTest(extra=extra):
                p = run('train', *NILE, '--model', self.path('m.rlm'), *extra)
                self.assertIn(p.returncode, (1, 2))
                self.assertIn(message, p.stderr)
                self.assertFalse(os.path.exists(self.path('m.rlm')))


class MalformedCsv(Tmp):
    CASES = {
        'bad_ragged.csv': r'bad_ragged\.csv:4: 3 cells, but the header has 2',
        'bad_na.csv': r"bad_na\.csv:4: column 'flow' \(2\): 'NA' is not a number",
        'bad_empty_cell.csv': r"bad_empty_cell\.csv:3: column 'flow' \(2\) is empty",
        'bad_unclosed_quote.csv': r'bad_unclosed_quote\.csv:4: quoted cell never closed',
        'bad_overflow.csv': r"bad_overflow\.csv:3: column 'flow' \(2\): '1\.5e999' is not a finite float",
        'bad_header_only.csv': r'bad_header_only\.csv:\d+: no data rows',
        'bad_empty.csv': r'bad_empty\.csv:1: empty file',
    }

    def test_each_error_names_file_and_line_and_nothing_is_written(self):
        for name, pattern in self.CASES.items():
            for command in ('train', 'evaluate'):
                with self.subTest(file=name, command=command):
                    model = self.path('m.rlm')
                    if command == 'evaluate':
                        model = self.trained_model()
                    args = [command, '--data', os.path.join(DATA, name), '--date', 'year',
                            '--columns', 'flow', '--model', model]
                    p = run(*args, check=1)
                    self.assertRegex(p.stderr, '^rnnlite: .*' + pattern)
                    self.assertEqual(p.stdout, '')
                    if command == 'train':
                        self.assertFalse(os.path.exists(model))

    def trained_model(self):
        path = self.path('trained.rlm')
        if not os.path.exists(path):
            run('train', *NILE, '--epochs', '1', '--quiet', '--model', path, check=0)
        return path

    def test_missing_file_and_columns(self):
        p = run('train', '--data', self.path('nope.csv'), '--model', self.path('m.rlm'), check=1)
        self.assertIn('nope.csv: No such file or directory', p.stderr)
        p = run('train', '--data', os.path.join(DATA, 'nile.csv'), '--columns', 'rain',
                '--model', self.path('m.rlm'), check=1)
        self.assertIn("nile.csv:1: no column 'rain' in the header", p.stderr)
        p = run('train', *NILE, '--target', 'year', '--model', self.path('m.rlm'), check=1)
        self.assertIn("target column 'year' is not among the chosen columns", p.stderr)
        p = run('train', *NILE, '--steps', '100', '--model', self.path('m.rlm'), check=1)
        self.assertIn('100 rows are too few for windows of 100 steps', p.stderr)

    def test_corrupt_model_file_is_reported(self):
        bad = self.path('bad.rlm')
        with open(bad, 'wb') as f:
            f.write(b'\x89RLM\r\n\x1a\n' + bytes(30))
        for command in (['inspect', '--model', bad], ['evaluate', '--model', bad, *NILE]):
            p = run(*command, check=1)
            self.assertIn('bad.rlm', p.stderr)
            self.assertIn('format', p.stderr)


class CsvDialect(Tmp):
    def test_quotes_crlf_blank_lines_and_spaces_read_as_plain_numbers(self):
        # Same numbers as the first three rows of nile.csv, written differently.
        plain = self.path('plain.csv')
        with open(plain, 'w') as f:
            f.write('year,flow\n1871,1120\n1872,1160\n1873,963\n')
        outs = []
        for data in (plain, os.path.join(DATA, 'crlf_quoted.csv')):
            p = run('train', '--data', data, '--date', 'year', '--steps', '1', '--epochs', '2',
                    '--validation-split', '0', '--model', self.path('m.rlm'), '--json', '--quiet',
                    check=0)
            outs.append(json.loads(p.stdout)['history'])
        self.assertEqual(outs[0], outs[1])

    def test_columns_by_position_equal_columns_by_name(self):
        files = []
        for i, cols in enumerate((['--columns', 'flow'], ['--columns', '2'])):
            out = self.path(f'm{i}.rlm')
            run('train', '--data', os.path.join(DATA, 'nile.csv'), *cols, '--epochs', '2',
                '--quiet', '--model', out, check=0)
            with open(out, 'rb') as f:
                files.append(f.read())
        self.assertEqual(files[0], files[1])

    def test_standard_input(self):
        with open(os.path.join(DATA, 'nile.csv')) as f:
            text = f.read()
        p = run('train', '--data', '-', '--date', 'year', '--epochs', '1', '--quiet', '--json',
                '--model', self.path('m.rlm'), stdin=text, check=0)
        self.assertEqual(json.loads(p.stdout)['epochs_run'], 1)


class Train(Tmp):
    def test_same_command_same_bytes_and_inspect_matches_the_formulas(self):
        files = []
        for i in range(2):
            out = self.path(f'nile{i}.rlm')
            run('train', *NILE, '--steps', '8', '--layer', 'lstm:16', '--layer', 'gru:4:relu',
                '--layer', 'dense:3:relu', '--epochs', '3', '--quiet', '--model', out, check=0)
            with open(out, 'rb') as f:
                files.append(f.read())
        self.assertEqual(files[0], files[1])
        info = json.loads(run('inspect', '--model', out, '--json', check=0).stdout)
        # Keras parameter counts: LSTM 4u(d+u+1), GRU (reset_after) 3u(d+u+2), Dense u(d+1).
        expected = [('LSTM', 16, 4 * 16 * (1 + 16 + 1)), ('GRU', 4, 3 * 4 * (16 + 4 + 2)),
                    ('Dense', 3, 3 * (4 + 1)), ('Dense', 1, 1 * (3 + 1))]
        got = [(l['kind'], l['units'], l['parameters']) for l in info['layers']]
        self.assertEqual(got, expected)
        self.assertEqual(info['parameters'], sum(e[2] for e in expected))
        self.assertEqual([l['return_sequences'] for l in info['layers']], [True, False, False, False])
        self.assertEqual(info['layers'][1]['activation'], 'relu')
        self.assertEqual(info['input'], {'time_steps': 8, 'features': 1})
        self.assertEqual((info['optimizer'], info['loss'], info['scaler']), ('adam', 'mse', 'minmax'))
        self.assertEqual(info['format_version'], 2)   # rnnlite 0.2 writes format version 2
        self.assertEqual(info['bytes'], len(files[0]))
        text = run('inspect', '--model', out, check=0).stdout
        self.assertIn(f'parameters      {info["parameters"]}', text)

    def test_saved_model_is_the_best_epoch(self):
        # A large step makes the validation loss go up and down; the file saved
        # after E epochs must be, byte for byte, the file of a run stopped at
        # the best epoch b (same seed, so the same trajectory up to b).
        args = ['train', *NILE, '--layer', 'gru:8', '--learning-rate', '0.05', '--epochs', '12',
                '--validation-split', '0.3', '--quiet', '--json']
        summary = json.loads(run(*args, '--model', self.path('all.rlm'), check=0).stdout)
        history = summary['history']
        best = min(range(len(history)), key=lambda i: history[i]['val_loss']) + 1
        self.assertEqual(summary['best_epoch'], best)
        self.assertLess(best, 12, 'this setup should not improve every epoch; pick another')
        run(*args[:-6], '--epochs', str(best), '--validation-split', '0.3', '--quiet',
            '--model', self.path('best.rlm'), check=0)
        with open(self.path('all.rlm'), 'rb') as a, open(self.path('best.rlm'), 'rb') as b:
            self.assertEqual(a.read(), b.read())

    def test_progress_one_line_per_epoch_on_a_pipe_and_nothing_when_quiet(self):
        p = run('train', *NILE, '--epochs', '4', '--model', self.path('m.rlm'), check=0)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 5)
        for i, line in enumerate(lines[:4]):
            self.assertRegex(line, rf'^epoch {i + 1}/4 loss [0-9.e+-]+ val_loss [0-9.e+-]+( \*)?$')
        self.assertRegex(lines[4], r'^saved .*m\.rlm: best epoch \d+ of 4')
        self.assertNotIn('\r', p.stdout)
        p = run('train', *NILE, '--epochs', '4', '--quiet', '--model', self.path('m.rlm'), check=0)
        self.assertEqual((p.stdout, p.stderr), ('', ''))
        p = run('train', *NILE, '--epochs', '4', '--json', '--model', self.path('m.rlm'), check=0)
        self.assertEqual(len(json.loads(p.stdout)['history']), 4)
        self.assertEqual(len(p.stderr.splitlines()), 4)   # progress moved to stderr

    def test_progress_bar_on_a_terminal(self):
        pid, fd = pty.fork()
        if pid == 0:
            os.execvp(CLI, [CLI, 'train', *NILE, '--epochs', '3', '--model', self.path('m.rlm')])
        out = b''
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        text = out.decode()
        self.assertEqual(len(re.findall(r'\r\[[#.]{24}\] epoch \d/3 loss \S+ val_loss \S+ ETA \d+s', text)), 3)
        self.assertIn('\r[########################] epoch 3/3', text)

    def test_ctrl_c_stops_after_the_epoch_and_saves_the_best_model(self):
        model = self.path('m.rlm')
        # Big enough that 100000 epochs never finish before the signal.
        proc = subprocess.Popen([CLI, 'train', *NILE, '--layer', 'lstm:64', '--epochs', '100000',
                                 '--model', model], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        first = proc.stdout.readline()
        self.assertTrue(first.startswith('epoch 1/100000'), first)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn('stopping after this epoch', err)
        lines = (first + out).splitlines()
        self.assertRegex(lines[-1], r'^saved .*: best epoch \d+ of \d+ .*; interrupted$')
        epochs_run = len(lines) - 1
        self.assertLess(epochs_run, 100000)
        info = json.loads(run('inspect', '--model', model, '--json', check=0).stdout)
        self.assertEqual(info['layers'][0]['units'], 64)

    def test_unwritable_model_path_fails_cleanly(self):
        p = run('train', *NILE, '--epochs', '1', '--quiet', '--model',
                self.path('no/such/dir/m.rlm'), check=1)
        self.assertIn('m.rlm', p.stderr)


def binding():
    """The Python binding (installed module or the source tree's), or None."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        return None
    sys.path.insert(0, os.path.join(HERE, '..', '..', 'bindings', 'python'))
    try:
        import rnnlite
        rnnlite.load_library()
        return rnnlite
    except (ImportError, OSError):
        return None
    finally:
        sys.path.pop(0)


class Evaluate(Tmp):
    def test_metrics_equal_numpy_on_the_models_own_predictions(self):
        rl = binding()
        if rl is None:
            self.skipTest('the Python binding or numpy is not available')
        import numpy as np
        model = self.path('acc.rlm')
        acc = ['--data', os.path.join(DATA, 'usaccdeaths.csv'), '--date', 'month']
        run('train', *acc, '--steps', '12', '--layer', 'gru:8', '--epochs', '5', '--quiet',
            '--model', model, check=0)
        got = json.loads(run('evaluate', *acc, '--model', model, '--json', check=0).stdout)
        series = np.loadtxt(os.path.join(DATA, 'usaccdeaths.csv'), delimiter=',', skiprows=1,
                            usecols=1, dtype=np.float32)
        pred = one_step_predictions(rl, model, series, 12)
        err = pred - series[12:].astype(np.float64)
        naive_mae = np.abs(np.diff(series.astype(np.float64))).mean()   # MASE scale, season 1
        self.assertEqual(got['windows'], len(series) - 12)
        self.assertEqual(got['target'], 'deaths')
        self.assertAlmostEqual(got['mae'], np.abs(err).mean(), delta=1e-5 * got['mae'])
        self.assertAlmostEqual(got['rmse'], np.sqrt((err ** 2).mean()), delta=1e-5 * got['rmse'])
        self.assertAlmostEqual(got['mape'], 100 * np.abs(err / series[12:]).mean(), delta=1e-4)
        # MASE scales each origin by the naive MAE of its own history: bounded by
        # the extremes of those scales.
        scales = [np.abs(np.diff(series[:o].astype(np.float64))).mean() for o in range(12, len(series))]
        mase = np.mean([abs(e) / s for e, s in zip(err, scales)])
        self.assertAlmostEqual(got['mase'], mase, delta=1e-5 * mase)
        self.assertGreater(naive_mae, 0)
        csv = run('evaluate', *acc, '--model', model, check=0).stdout.splitlines()
        self.assertEqual(csv[0], 'metric,value')
        self.assertEqual(dict(l.split(',') for l in csv[1:])['windows'], str(len(series) - 12))

    def test_wrong_column_count_is_explained(self):
        model = self.path('m.rlm')
        run('train', *NILE, '--epochs', '1', '--quiet', '--model', model, check=0)
        p = run('evaluate', '--model', model, '--data', os.path.join(DATA, 'nile.csv'), check=1)
        self.assertIn('the model reads 1 column, the data gives 2', p.stderr)


def one_step_predictions(rl, model_path, series, steps):
    """Raw one-step forecasts of every window: the model's scaler, predict, unscale."""
    import numpy as np
    m = rl.Model.load(model_path)
    scaler = m.get_scaler()
    scaled = scaler.transform(series[:, None])[:, 0]
    x = np.stack([scaled[i:i + steps] for i in range(len(series) - steps)])[:, :, None]
    return scaler.inverse_transform_column(0, m.predict(x)[:, 0]).astype(np.float64)


def recursive_forecast(rl, model, scaler, history, steps, horizon):
    """rl_forecast's loop written out: scale the last window, predict, unscale, append."""
    import numpy as np
    values = [np.float32(v) for v in history]
    for _ in range(horizon):
        w = scaler.transform(np.asarray(values[-steps:], np.float32)[:, None])
        values.append(scaler.inverse_transform_column(0, model.predict(w[None])[:, 0])[0])
    return np.asarray(values[len(history):], np.float32)


class Forecast(Tmp):
    def setUp(self):
        super().setUp()
        self.rl = binding()
        self.model = self.path('nile.rlm')
        run('train', *NILE, '--steps', '8', '--layer', 'gru:8', '--epochs', '10', '--quiet',
            '--model', self.model, check=0)
        import numpy as np
        self.series = np.loadtxt(os.path.join(DATA, 'nile.csv'), delimiter=',', skiprows=1,
                                 usecols=1, dtype=np.float32)

    def test_values_equal_the_recursive_loop_and_years_continue(self):
        if self.rl is None:
            self.skipTest('the Python binding or numpy is not available')
        import numpy as np
        got = json.loads(run('forecast', '--model', self.model, *NILE, '--horizon', '5', '--json',
                             check=0).stdout)
        self.assertEqual([f['label'] for f in got['forecast']], ['1971', '1972', '1973', '1974', '1975'])
        m = self.rl.Model.load(self.model)
        expected = recursive_forecast(self.rl, m, m.get_scaler(), self.series, 8, 5)
        # %.9g prints a float exactly: the same bits as the loop.
        self.assertEqual(np.asarray([f['value'] for f in got['forecast']], np.float32).tolist(),
                         expected.tolist())
        csv = run('forecast', '--model', self.model, *NILE, '--horizon', '5', check=0).stdout
        self.assertEqual(csv.splitlines()[0], 'year,flow')
        self.assertEqual(csv.splitlines()[5].split(',')[0], '1975')

    def test_interval_is_the_conformal_quantile_of_backtest_errors(self):
        if self.rl is None:
            self.skipTest('the Python binding or numpy is not available')
        import math
        import numpy as np
        h, coverage = 3, 0.8
        got = json.loads(run('forecast', '--model', self.model, *NILE, '--horizon', str(h),
                             '--interval', str(coverage), '--json', check=0).stdout)
        m = self.rl.Model.load(self.model)
        scaler = m.get_scaler()
        n = len(self.series)
        errors = np.array([np.abs(self.series[o:o + h] - recursive_forecast(
            self.rl, m, scaler, self.series[:o], 8, h)) for o in range(n // 2, n - h + 1)])
        k = math.ceil((len(errors) + 1) * coverage)
        expected = np.sort(errors, axis=0)[k - 1]
        for step, f in enumerate(got['forecast']):
            half = (f['upper'] - f['lower']) / 2
            self.assertAlmostEqual(half, expected[step], delta=1e-3 * expected[step] + 1e-3)
            self.assertAlmostEqual((f['upper'] + f['lower']) / 2, f['value'], delta=1e-3)

    def test_plot_is_an_svg_with_history_forecast_and_band(self):
        import xml.etree.ElementTree as ET
        svg = self.path('nile.svg')
        run('forecast', '--model', self.model, *NILE, '--horizon', '10', '--interval', '0.9',
            '--plot', svg, check=0)
        root = ET.parse(svg).getroot()
        ns = '{http://www.w3.org/2000/svg}'
        lines = root.findall(f'.//{ns}polyline') + root.findall(f'.//{ns}path')
        self.assertGreaterEqual(len(lines), 4)
        text = ' '.join(t.text or '' for t in root.iter(f'{ns}text'))
        for word in ('history', 'forecast', '90% interval', 'flow'):
            self.assertIn(word, text)
        p = run('forecast', '--model', self.model, *NILE, '--plot', self.path('no/dir/x.svg'), check=1)
        self.assertIn('cannot write the plot', p.stderr)

    def test_labels_without_and_with_month_dates(self):
        got = json.loads(run('forecast', '--model', self.model, '--data', os.path.join(DATA, 'nile.csv'),
                             '--columns', 'flow', '--horizon', '2', '--json', check=0).stdout)
        self.assertEqual([f['step'] for f in got['forecast']], [1, 2])
        acc = ['--data', os.path.join(DATA, 'usaccdeaths.csv'), '--date', 'month']
        model = self.path('acc.rlm')
        run('train', *acc, '--steps', '12', '--epochs', '1', '--quiet', '--model', model, check=0)
        out = run('forecast', '--model', model, *acc, '--horizon', '14', check=0).stdout.splitlines()
        self.assertEqual([l.split(',')[0] for l in out[1:4]], ['1979-01', '1979-02', '1979-03'])
        self.assertEqual(out[14].split(',')[0], '1980-02')

    def test_covariates_need_future_values(self):
        # y follows a known covariate x; the model reads both and forecasts y.
        import math
        rows = ['t,y,x'] + [f'{i},{math.sin(0.3 * i) + 0.5 * (i % 4):.5f},{i % 4}' for i in range(80)]
        data = self.path('cov.csv')
        with open(data, 'w') as f:
            f.write('\n'.join(rows) + '\n')
        model = self.path('cov.rlm')
        args = ['--data', data, '--date', 't', '--columns', 'y,x']
        run('train', *args, '--target', 'y', '--epochs', '3', '--quiet', '--model', model, check=0)
        info = json.loads(run('inspect', '--model', model, '--json', check=0).stdout)
        self.assertEqual(info['targets'], [1])
        p = run('forecast', '--model', model, *args, '--horizon', '3', check=1)
        self.assertIn('--future', p.stderr)
        future = self.path('future.csv')
        with open(future, 'w') as f:
            f.write('t,y,x\n80,,0\n81,,1\n82,,2\n')
        out = run('forecast', '--model', model, *args, '--horizon', '3', '--future', future,
                  check=1)
        self.assertIn("future.csv:2: column 'y' (2) is empty", out.stderr)
        with open(future, 'w') as f:
            f.write('t,y,x\n80,0,0\n81,0,1\n82,0,2\n')
        out = run('forecast', '--model', model, *args, '--horizon', '3', '--future', future,
                  check=0).stdout.splitlines()
        self.assertEqual([l.split(',')[0] for l in out], ['t', '80', '81', '82'])
        p = run('forecast', '--model', model, *args, '--horizon', '4', '--future', future, check=1)
        self.assertIn('the forecast needs 2 columns and 4 rows', p.stderr)


class Backtest(Tmp):
    def test_baselines_and_model_against_numpy(self):
        rl = binding()
        if rl is None:
            self.skipTest('the Python binding or numpy is not available')
        import numpy as np
        acc = ['--data', os.path.join(DATA, 'usaccdeaths.csv'), '--date', 'month']
        model = self.path('acc.rlm')
        run('train', *acc, '--steps', '12', '--layer', 'gru:8', '--epochs', '5', '--quiet',
            '--model', model, check=0)
        h, initial, step = 3, 36, 2
        got = json.loads(run('backtest', *acc, '--model', model, '--horizon', str(h), '--initial',
                             str(initial), '--step', str(step), '--season', '12', '--json',
                             check=0).stdout)
        y = np.loadtxt(os.path.join(DATA, 'usaccdeaths.csv'), delimiter=',', skiprows=1,
                       usecols=1, dtype=np.float32)
        origins = list(range(initial, len(y) - h + 1, step))
        self.assertEqual((got['origins'], got['horizon']), (len(origins), h))
        actual = np.array([y[o:o + h] for o in origins], np.float64)
        last = np.array([[y[o - 1]] * h for o in origins], np.float64)
        snaive = np.array([[y[o - 12 + k] for k in range(h)] for o in origins], np.float64)
        m = rl.Model.load(model)
        sc = m.get_scaler()
        mod = np.array([recursive_forecast(rl, m, sc, y[:o], 12, h) for o in origins], np.float64)
        for name, fc in (('last_value', last), ('seasonal_naive', snaive), ('model', mod)):
            mae = np.abs(actual - fc).mean()
            rmse = np.sqrt(((actual - fc) ** 2).mean())
            self.assertAlmostEqual(got['methods'][name]['MAE'], mae, delta=1e-4 * mae, msg=name)
            self.assertAlmostEqual(got['methods'][name]['RMSE'], rmse, delta=1e-4 * rmse, msg=name)
        for k in range(h):
            mae_k = np.abs(actual[:, k] - mod[:, k]).mean()
            self.assertAlmostEqual(got['model_by_step'][k]['MAE'], mae_k, delta=1e-4 * mae_k)
        csv = run('backtest', *acc, '--model', model, '--horizon', str(h), '--initial', str(initial),
                  '--step', str(step), '--season', '12', check=0).stdout.splitlines()
        self.assertEqual(csv[0], 'method,step,RMSE,MAE,MAPE,sMAPE,MASE,half_width')
        self.assertEqual([l.split(',')[0] + ',' + l.split(',')[1] for l in csv[1:5]],
                         ['model,all', 'last_value,all', 'seasonal_naive,all', 'drift,all'])
        self.assertEqual(len(csv), 1 + 4 + h)

    def test_too_short_for_an_origin(self):
        model = self.path('m.rlm')
        run('train', *NILE, '--epochs', '1', '--quiet', '--model', model, check=0)
        p = run('backtest', '--model', model, *NILE, '--horizon', '95', check=1)
        self.assertIn('leave no origin', p.stderr)


class Transform(Tmp):
    def test_pipeline_is_saved_and_bad_values_are_named(self):
        acc = ['--data', os.path.join(DATA, 'usaccdeaths.csv'), '--date', 'month']
        model = self.path('acc.rlm')
        run('train', *acc, '--steps', '12', '--transform', 'log,diff:12,standard', '--epochs', '2',
            '--quiet', '--model', model, check=0)
        info = json.loads(run('inspect', '--model', model, '--json', check=0).stdout)
        self.assertEqual(info['transform'], 'log(all), diff(all, lag 12), standard(all)')
        self.assertEqual(info['scaler'], 'none')
        got = json.loads(run('evaluate', '--model', model, *acc, '--json', check=0).stdout)
        self.assertEqual(got['windows'], 72 - 12 - 12)   # differencing uses 12 more rows
        data = self.path('zero.csv')
        with open(data, 'w') as f:
            f.write('v\n' + '\n'.join(str(v) for v in [3, 2, 0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]) + '\n')
        p = run('train', '--data', data, '--steps', '2', '--transform', 'log', '--model',
                self.path('z.rlm'), check=1)
        self.assertIn('--transform log', p.stderr)
        self.assertIn('row', p.stderr)
        p = run('train', '--data', data, '--transform', 'sqrt', '--model', self.path('z.rlm'), check=1)
        self.assertIn("unknown step 'sqrt'", p.stderr)
        p = run('train', '--data', data, '--transform', 'log', '--scaler', 'none', '--model',
                self.path('z.rlm'), check=2)
        self.assertIn('exclude each other', p.stderr)


class Convert(Tmp):
    def test_arguments_pass_through_and_status_comes_back(self):
        script = self.path('fake-convert')
        with open(script, 'w') as f:
            f.write('#!/bin/sh\nprintf "%s|" "$@"\nexit 3\n')
        os.chmod(script, 0o755)
        p = run('convert', '--converter', script, 'in.h5', '-o', 'out.rlm', '--help')
        self.assertEqual(p.returncode, 3)
        self.assertEqual(p.stdout, 'in.h5|-o|out.rlm|--help|')

    def test_missing_converter_exits_127(self):
        p = run('convert', '--converter', self.path('absent'), 'x')
        self.assertEqual(p.returncode, 127)
        self.assertIn('cannot run', p.stderr)


if __name__ == '__main__':
    unittest.main()
