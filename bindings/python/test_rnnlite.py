"""Tests of the ctypes binding against the built library.

Run from the source root (meson test runs it as "python_binding"):
  RNNLITE_LIBRARY=build/lib/librnnlite.so \
    /usr/bin/python3 -m unittest discover -s bindings/python -p test_rnnlite.py
"""
import os
import re
import tempfile
import unittest

try:
    import numpy as np
except ImportError:  # the binding needs numpy; nothing to test without it
    raise unittest.SkipTest('numpy is not installed')

import rnnlite
from rnnlite import Model, RnnliteError, Scaler, Status


def sine_windows(n_points=120, steps=8):
    series = np.sin(0.2 * np.arange(n_points, dtype=np.float64)).astype(np.float32)
    x = np.stack([series[i:i + steps] for i in range(n_points - steps)])[:, :, None]
    y = series[steps:, None]
    return x, y


def small_model(steps=8, seed=3):
    m = Model(steps, 1)
    m.add_lstm(8)
    m.add_dense(1)
    m.set_param('seed', seed)
    m.set_param('learning_rate', 0.01)
    m.compile('adam', 'mse')
    return m


class LibraryInfo(unittest.TestCase):
    def test_version_string_matches_number(self):
        major, minor, patch = map(int, re.fullmatch(r'(\d+)\.(\d+)\.(\d+)',
                                                    rnnlite.version()).groups())
        number = rnnlite.load_library().rl_version_number()
        self.assertEqual(number, major * 10000 + minor * 100 + patch)

    def test_runtime_isa_is_a_known_path(self):
        self.assertIn(rnnlite.runtime_isa(), ('scalar', 'avx2', 'avx512'))

    def test_parameters_describe_themselves(self):
        params = rnnlite.param_names()
        self.assertEqual(params['learning_rate'][0], 0)
        self.assertEqual(params['threads'][1:], (1.0, 64.0))
        self.assertEqual(sorted(p[0] for p in params.values()), list(range(len(params))))


class Training(unittest.TestCase):
    def test_fit_reduces_loss_and_evaluate_is_mse_of_predict(self):
        x, y = sine_windows()
        with small_model() as m:
            history = m.fit(x, y, epochs=15, batch_size=16)
            self.assertEqual(len(history['loss']), 15)
            self.assertLess(history['loss'][-1], history['loss'][0] / 2)
            self.assertTrue(np.all(np.isnan(history['val_loss'])))
            pred = m.predict(x)
            self.assertEqual(pred.shape, (len(x), 1))
            self.assertEqual(pred.dtype, np.float32)
            mse = float(np.mean((pred.astype(np.float64) - y) ** 2))
            self.assertAlmostEqual(m.evaluate(x, y), mse, delta=1e-5 * max(mse, 1e-3))

    def test_same_seed_same_model_bit_for_bit(self):
        x, y = sine_windows()
        with small_model(seed=11) as a, small_model(seed=11) as b:
            a.set_param('shuffle', 0)
            b.set_param('shuffle', 0)
            a.fit(x, y, epochs=2, batch_size=16)
            b.fit(x, y, epochs=2, batch_size=16)
            np.testing.assert_array_equal(a.predict(x), b.predict(x))

    def test_predict_matches_numpy_forward_pass(self):
        # SimpleRNN(4, tanh) + Dense(2) with known weights, against numpy.
        rng = np.random.default_rng(5)
        steps, features, units, out = 3, 2, 4, 2
        kernel = rng.normal(size=(features, units)).astype(np.float32)
        recurrent = rng.normal(size=(units, units)).astype(np.float32) * 0.5
        bias = rng.normal(size=units).astype(np.float32)
        dense_k = rng.normal(size=(units, out)).astype(np.float32)
        dense_b = rng.normal(size=out).astype(np.float32)
        x = rng.normal(size=(5, steps, features)).astype(np.float32)
        with Model(steps, features) as m:
            m.add_simple_rnn(units, 'tanh').add_dense(out).compile('sgd', 'mse')
            self.assertEqual(m.weight_count(0), kernel.size + recurrent.size + bias.size)
            m.set_weights(0, np.concatenate([kernel.ravel(), recurrent.ravel(), bias]))
            m.set_weights(1, np.concatenate([dense_k.ravel(), dense_b]))
            np.testing.assert_array_equal(m.get_weights(1), np.concatenate([dense_k.ravel(),
                                                                            dense_b]))
            got = m.predict(x)
        h = np.zeros((5, units))
        for t in range(steps):
            h = np.tanh(x[:, t].astype(np.float64) @ kernel + h @ recurrent + bias)
        np.testing.assert_allclose(got, h @ dense_k + dense_b, rtol=1e-5, atol=1e-5)

    def test_shapes(self):
        with Model(6, 3) as m:
            m.add_gru(5, return_sequences=True).add_dense(2)
            self.assertEqual(m.layer_count, 2)
            self.assertEqual(m.input_shape, (6, 3))
            self.assertEqual(m.output_shape, (6, 2))
            m.compile('rmsprop', 'huber')
            self.assertEqual(m.predict(np.zeros((4, 6, 3))).shape, (4, 6, 2))

    def test_epoch_callback_sees_every_epoch_and_can_stop(self):
        x, y = sine_windows()
        seen = []
        with small_model() as m:
            m.set_epoch_callback(lambda epoch, loss, val: seen.append((epoch, loss)) or epoch == 3)
            history = m.fit(x, y, epochs=10, batch_size=16)
        self.assertEqual([e for e, _ in seen], [1, 2, 3])
        np.testing.assert_array_equal(history['loss'], np.float32([l for _, l in seen]))

    def test_exception_in_callback_stops_fit_and_propagates(self):
        x, y = sine_windows()

        def boom(epoch, loss, val):
            raise KeyError('from the callback')

        with small_model() as m:
            m.set_epoch_callback(boom)
            with self.assertRaises(KeyError):
                m.fit(x, y, epochs=5, batch_size=16)
            self.assertEqual(len(m.history()['loss']), 1)
            m.set_epoch_callback(None)
            self.assertEqual(len(m.fit(x, y, epochs=2, batch_size=16)['loss']), 2)


class ScalerAndWindow(unittest.TestCase):
    data = np.array([[1.0, 10.0], [3.0, 30.0], [2.0, 50.0]], dtype=np.float32)

    def test_minmax_matches_numpy_and_inverts(self):
        with Scaler.minmax(-1.0, 1.0) as s:
            s.fit(self.data)
            self.assertEqual(s.n_features, 2)
            lo, hi = self.data.min(axis=0), self.data.max(axis=0)
            scaled = s.transform(self.data)
            np.testing.assert_allclose(scaled, (self.data - lo) / (hi - lo) * 2 - 1, atol=1e-6)
            np.testing.assert_allclose(s.inverse_transform(scaled), self.data, rtol=1e-6)
            np.testing.assert_allclose(s.inverse_transform_column(1, scaled[:, 1]),
                                       self.data[:, 1], rtol=1e-6)

    def test_standard_matches_numpy(self):
        with Scaler.standard() as s:
            got = s.fit(self.data).transform(self.data)
        want = (self.data - self.data.mean(axis=0)) / self.data.std(axis=0)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)

    def test_window_matches_slicing(self):
        series = np.arange(20, dtype=np.float32).reshape(10, 2)
        x, y = rnnlite.window(series, time_steps=3, horizon=2, target_column=1)
        self.assertEqual(x.shape, (6, 3, 2))
        for i in range(6):
            np.testing.assert_array_equal(x[i], series[i:i + 3])
            self.assertEqual(y[i, 0], series[i + 3 + 1, 1])
        _, y_all = rnnlite.window(series, 3, target_column='all')
        np.testing.assert_array_equal(y_all, series[3:])


class Errors(unittest.TestCase):
    def assertStatus(self, status, fn, *args):
        with self.assertRaises(RnnliteError) as caught:
            fn(*args)
        self.assertEqual(caught.exception.status, status)
        self.assertTrue(caught.exception.message)
        return caught.exception

    def test_statuses_carry_the_library_message(self):
        x, y = sine_windows()
        with Model(8, 1) as m:
            self.assertStatus(Status.INVALID, m.add_dense, 0)
            m.add_lstm(4).add_dense(1)
            err = self.assertStatus(Status.STATE, m.fit, x, y)
            self.assertEqual(err.message, m.last_error)
            self.assertIn('STATE', str(err))
            self.assertStatus(Status.INVALID, m.set_param, 'learning_rate', -1.0)
            m.compile()
            self.assertStatus(Status.STATE, m.add_dense, 1)
            self.assertStatus(Status.STATE, m.set_param, 'seed', 1)
            bad = x.copy()
            bad[3, 2, 0] = np.nan
            self.assertStatus(Status.NUMERIC, m.predict, bad)
            self.assertStatus(Status.INVALID, m.get_weights, 7)

    def test_failing_create_and_load_report_status(self):
        self.assertStatus(Status.INVALID, Model, 0, 1)
        self.assertStatus(Status.INVALID, Scaler.minmax, 1.0, 0.0)
        self.assertStatus(Status.IO, Model.load, '/nonexistent/dir/model.rnnl')

    def test_binding_refuses_wrong_shapes_before_calling_c(self):
        with small_model() as m:
            with self.assertRaises(ValueError):
                m.predict(np.zeros((4, 7, 1)))
            with self.assertRaises(ValueError):
                m.fit(np.zeros((4, 8, 1)), np.zeros((3, 1)))
            with self.assertRaises(ValueError):
                m.add_dense(1, activation='swish')

    def test_closed_handles_refuse_use_and_close_twice_is_harmless(self):
        m = small_model()
        m.close()
        m.close()
        with self.assertRaises(ValueError):
            m.predict(np.zeros((1, 8, 1)))


class Files(unittest.TestCase):
    def test_save_and_load_give_the_same_predictions(self):
        x, y = sine_windows()
        with small_model() as m, tempfile.TemporaryDirectory() as tmp:
            m.fit(x, y, epochs=3, batch_size=16)
            path = os.path.join(tmp, 'model.rnnl')
            m.save(path)
            with Model.load(path) as loaded:
                self.assertEqual(loaded.input_shape, (8, 1))
                np.testing.assert_array_equal(loaded.predict(x), m.predict(x))
                for layer in range(m.layer_count):
                    np.testing.assert_array_equal(loaded.get_weights(layer),
                                                  m.get_weights(layer))

    def test_buffer_round_trip_keeps_weights_and_scaler(self):
        x, y = sine_windows()
        with small_model() as m, Scaler.minmax() as s:
            m.fit(x, y, epochs=2, batch_size=16)
            m.set_scaler(s.fit(np.float32([[0.0], [4.0]])))
            data = m.save_buffer()
            self.assertIsInstance(data, bytes)
            with Model.load_buffer(data) as loaded, loaded.get_scaler() as back:
                np.testing.assert_array_equal(loaded.predict(x), m.predict(x))
                np.testing.assert_allclose(back.transform([[1.0]]), [[0.25]])

    def test_corrupt_buffers_are_refused(self):
        with small_model() as m:
            data = bytearray(m.save_buffer())
        for bad in (b'', b'not a model', bytes(data[:len(data) // 2])):
            with self.assertRaises(RnnliteError) as caught:
                Model.load_buffer(bad)
            self.assertIn(caught.exception.status, (Status.FORMAT, Status.INVALID))
        data[len(data) // 2] ^= 0x40
        with self.assertRaises(RnnliteError) as caught:
            Model.load_buffer(data)
        self.assertEqual(caught.exception.status, Status.FORMAT)


if __name__ == '__main__':
    unittest.main()


# ---- 0.2: forecasting ------------------------------------------------------

def covariate_model(seed=5):
    """GRU model on 2 columns forecasting column 1, two steps per call."""
    m = Model(6, 2)
    m.add_gru(5)
    m.add_dense(2)
    m.set_param('seed', seed)
    m.compile('adam', 'mse')
    rng = np.random.default_rng(seed)
    for layer in range(m.layer_count):
        m.set_weights(layer, rng.uniform(-0.6, 0.6, m.weight_count(layer)))
    return m.set_targets([1])


def two_columns(n=60):
    t = np.arange(n, dtype=np.float64)
    return np.stack([np.cos(0.3 * t) * 5 + 20, np.sin(0.2 * t) * 3 + 7], axis=1).astype(np.float32)


class Forecasting(unittest.TestCase):
    def loop(self, m, scaler, history, future, horizon):
        """The contract's loop, written with predict() and the scaler in numpy."""
        steps, features = m.input_shape
        targets = m.targets
        rows = [r.copy() for r in history]
        out = []
        while len(out) < horizon:
            window = np.array(rows[-steps:], dtype=np.float32)
            pred = m.predict(scaler.transform(window)[None])[0].reshape(-1, len(targets))
            for k in range(pred.shape[0]):
                if len(out) == horizon:
                    break
                raw = [scaler.inverse_transform_column(c, pred[k, j:j + 1])[0]
                       for j, c in enumerate(targets)]
                row = future[len(out)].copy()
                for j, c in enumerate(targets):
                    row[c] = raw[j]
                rows.append(row)
                out.append(raw)
        return np.array(out, dtype=np.float32)

    def test_forecast_equals_the_predict_loop_with_covariates_and_scaler(self):
        series = two_columns()
        scaler = Scaler.minmax(-1, 1).fit(series[:40])
        with covariate_model() as m:
            m.set_scaler(scaler)
            future = series[40:47].copy()
            got = m.forecast(series[:40], 7, future=future)
            self.assertEqual(got.shape, (7, 1))
            want = self.loop(m, scaler, series[:40], future, 7)
            self.assertTrue(np.array_equal(got, want), (got, want))
            future[:, 1] = np.nan  # target columns of future are never read
            self.assertTrue(np.array_equal(m.forecast(series[:40], 7, future=future), got))
            with self.assertRaises(RnnliteError) as e:
                m.forecast(series[:40], 7)  # covariates missing
            self.assertEqual(e.exception.status, Status.INVALID)
            self.assertIn('covariate', e.exception.message)
            with self.assertRaises(RnnliteError) as e:
                m.forecast(series[:3], 7, future=future)  # history too short
            self.assertIn('history has 3 rows', e.exception.message)
            with self.assertRaises(ValueError):
                m.forecast(series[:40, :1], 7, future=future)

    def test_univariate_forecast_is_one_dimensional_and_recursive(self):
        x, y = sine_windows()
        with small_model() as m:
            m.fit(x, y, epochs=3, batch_size=16)
            series = np.sin(0.2 * np.arange(120)).astype(np.float32)
            got = m.forecast(series, 5)
            self.assertEqual(got.shape, (5,))
            window = list(series[-8:])
            for k in range(5):  # recursive: each prediction feeds the next window
                p = m.predict(np.array(window[-8:], dtype=np.float32)[None, :, None])[0, 0]
                self.assertEqual(p, got[k])
                window.append(p)

    def test_targets_round_trip_and_bad_columns(self):
        with covariate_model() as m:
            self.assertEqual(m.targets, [1])
            with self.assertRaises(RnnliteError) as e:
                m.set_targets([0, 2])
            self.assertEqual(e.exception.status, Status.INVALID)
            self.assertEqual(m.targets, [1])
            m.set_targets([1, 0])
            self.assertEqual(m.targets, [1, 0])
            with self.assertRaises(RnnliteError) as e:
                m2 = Model(4, 3)
                m2.add_dense(2).compile()
                m2.set_targets([0, 1, 2])  # 2 outputs per step are not a multiple of 3
            self.assertEqual(e.exception.status, Status.SHAPE)
            restored = Model.load_buffer(m.save_buffer())
            self.assertEqual(restored.targets, [1, 0])

    def test_window_targets_matches_slicing(self):
        series = two_columns(20)
        x, y = rnnlite.window_targets(series, 4, 3, [1, 0])
        self.assertEqual(x.shape, (14, 4, 2))
        self.assertEqual(y.shape, (14, 3, 2))
        for i in range(14):
            self.assertTrue(np.array_equal(x[i], series[i:i + 4]))
            self.assertTrue(np.array_equal(y[i], series[i + 4:i + 7][:, [1, 0]]))

    def test_direct_model_trained_on_window_targets_forecasts_the_sine(self):
        series = np.sin(0.3 * np.arange(300)).astype(np.float32)
        x, y = rnnlite.window_targets(series[:260], 12, 6, [0])
        with Model(12, 1) as m:
            m.add_lstm(16).add_dense(6).set_param('seed', 1).set_param('learning_rate', 0.01)
            m.compile('adam', 'mse')
            m.fit(x, y, epochs=40, batch_size=32)
            got = m.forecast(series[:260], 6)
        err = np.sqrt(np.mean((got - series[260:266]) ** 2))
        naive = np.sqrt(np.mean((series[259] - series[260:266]) ** 2))
        self.assertLess(err, naive / 2)

    def test_inference_only_save_is_a_third_and_predicts_the_same(self):
        x, y = sine_windows()
        with small_model() as m:
            m.fit(x, y, epochs=2, batch_size=16)
            full, lean = m.save_buffer(), m.save_buffer(inference_only=True)
            self.assertLess(len(lean), 0.4 * len(full))
            with Model.load_buffer(lean) as m2:
                self.assertTrue(np.array_equal(m2.predict(x), m.predict(x)))
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, 'lean.rlm')
                m.save(path, inference_only=True)
                self.assertEqual(os.path.getsize(path), len(lean))


class KerasFitKeywords(unittest.TestCase):
    def test_verbose_prints_one_line_per_epoch(self):
        import contextlib
        import io
        x, y = sine_windows()
        with small_model() as m:
            seen = []
            m.set_epoch_callback(lambda e, loss, val: seen.append(e))
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                m.fit(x, y, epochs=4, batch_size=32, validation_split=0.25, verbose=1)
            lines = out.getvalue().splitlines()
            self.assertEqual(len(lines), 4)
            for k, line in enumerate(lines, 1):
                self.assertRegex(line, rf'^Epoch {k}/4 - [0-9.]+s - loss: \S+ - val_loss: \S+$')
            self.assertEqual(seen, [1, 2, 3, 4])  # the user's callback still runs
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                m.fit(x, y, epochs=2, batch_size=32)
            self.assertEqual(out.getvalue(), '')
            self.assertEqual(seen, [1, 2, 3, 4, 1, 2])

    def test_keywords_apply_to_the_call_only(self):
        x, y = sine_windows()
        with small_model() as m:
            history = m.fit(x, y, epochs=3, batch_size=16, validation_split=0.25)
            self.assertTrue(np.all(np.isfinite(history['val_loss'])))
            self.assertEqual(m.get_param('validation_split'), 0.0)
            history = m.fit(x, y, epochs=2, batch_size=16)
            self.assertTrue(np.all(np.isnan(history['val_loss'])))

    def test_patience_stops_early(self):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(64, 8, 1)).astype(np.float32)
        y = rng.normal(size=(64, 1)).astype(np.float32)  # nothing to learn: val_loss stalls
        with small_model() as m:
            history = m.fit(x, y, epochs=300, batch_size=16, validation_split=0.25, patience=2)
            self.assertLess(len(history['loss']), 300)
            self.assertEqual(m.get_param('patience'), 0.0)

    def test_shuffle_false_is_the_shuffle_parameter(self):
        x, y = sine_windows()
        with small_model() as a, small_model() as b, small_model() as c:
            a.fit(x, y, epochs=2, batch_size=16, shuffle=False)
            b.set_param('shuffle', 0)
            b.fit(x, y, epochs=2, batch_size=16)
            c.fit(x, y, epochs=2, batch_size=16)
            self.assertTrue(np.array_equal(a.get_weights(0), b.get_weights(0)))
            self.assertFalse(np.array_equal(a.get_weights(0), c.get_weights(0)))
            self.assertEqual(a.get_param('shuffle'), 1.0)


class Streaming(unittest.TestCase):
    """Stream against predict on the same windows (bit for bit), state
    carried like a stateful model's, clone, save/load, forecast, errors."""

    def model(self, stateful=False, steps=6):
        m = Model(steps, 2)
        m.add_gru(5, return_sequences=True)
        m.add_lstm(4)
        m.add_dense(2)
        m.set_param('seed', 5)
        if stateful:
            m.set_param('stateful', 1)
        m.compile()
        return m

    def series(self, n=40):
        t = np.arange(n, dtype=np.float32)
        return np.stack([np.sin(0.3 * t) * 10 + 20, np.cos(0.2 * t) * 3], axis=1)

    def test_window_push_equals_predict_on_the_window_in_raw_units(self):
        series = self.series()
        scaler = Scaler.minmax().fit(series)
        with self.model() as m:
            m.set_scaler(scaler)
            s = m.stream('window')
            outs = s.push(series)
            self.assertEqual(outs.shape, (40, 2))
            self.assertTrue(np.isnan(outs[:5]).all())
            x = np.stack([scaler.transform(series[i:i + 6]) for i in range(35)])
            want = np.stack([scaler.inverse_transform(r[None])[0] for r in m.predict(x)])
            np.testing.assert_array_equal(outs[5:], want)
            self.assertEqual(s.seen, 40)

    def test_stateful_stream_equals_stateful_predict_over_consecutive_windows(self):
        series = self.series(36)
        with self.model(stateful=True) as m:
            s = m.stream('stateful')
            outs = s.push(series)
            m.reset_states()
            for k in range(6):
                got = m.predict(series[None, 6 * k:6 * k + 6])[0]
                np.testing.assert_array_equal(outs[6 * k + 5], got)

    def test_clone_save_load_continue_identically(self):
        series = self.series()
        with self.model() as m:
            s = m.stream('stateful')
            s.push(series[:20])
            c = s.clone()
            data = s.save()
            want = s.push(series[20:])
            np.testing.assert_array_equal(c.push(series[20:]), want)
            s.close()
            r = rnnlite.Stream.load(m, data)
            self.assertEqual(r.seen, 20)
            np.testing.assert_array_equal(r.push(series[20:]), want)
            r.reset()
            self.assertEqual(r.seen, 0)
        with self.model() as m, self.model() as other:
            other.set_weights(0, other.get_weights(0) * 0.5)
            data = m.stream().save()
            with self.assertRaises(RnnliteError) as e:
                rnnlite.Stream.load(other, data)
            self.assertEqual(e.exception.status, Status.FORMAT)
            self.assertIn('another model', e.exception.message)
            with self.assertRaises(RnnliteError) as e:
                rnnlite.Stream.load(m, data[:-3])
            self.assertEqual(e.exception.status, Status.FORMAT)

    def test_forecast_equals_model_forecast_and_leaves_the_stream(self):
        series = self.series()
        with self.model() as m:
            m.set_scaler(Scaler.standard().fit(series))
            s = m.stream()
            s.push(series[:30])
            twin = s.clone()
            np.testing.assert_array_equal(s.forecast(9), m.forecast(series[24:30], 9))
            np.testing.assert_array_equal(s.push(series[30]), twin.push(series[30]))

    def test_errors_carry_the_stream_message(self):
        with self.model() as m:
            s = m.stream()
            with self.assertRaises(ValueError):
                s.push([1.0, 2.0, 3.0])
            with self.assertRaises(RnnliteError) as e:
                s.push([1.0, float('nan')])
            self.assertEqual(e.exception.status, Status.NUMERIC)
            self.assertIn('obs[1]', e.exception.message)
            self.assertEqual(s.seen, 0)
            with self.assertRaises(RnnliteError) as e:
                s.forecast(3)
            self.assertEqual(e.exception.status, Status.STATE)
            with self.assertRaises(ValueError):
                m.stream('sideways')
            with self.assertRaises(RnnliteError) as e:
                m.stream(7)
            self.assertEqual(e.exception.status, Status.INVALID)
            self.assertIn('mode', e.exception.message)


class ForecastQuality(unittest.TestCase):
    """Transforms, gaps, baselines, backtest and recipe through the binding,
    checked against numpy formulas."""

    @staticmethod
    def monthly(n=96):
        t = np.arange(n, dtype=np.float64)
        return (100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12)).astype(np.float32)

    def test_transform_against_numpy_and_inverse(self):
        y = self.monthly()
        t = rnnlite.Transform().log().diff(lag=12).standard().fit(y[:72])
        self.assertEqual(t.lost_rows, 12)
        d = np.log(y.astype(np.float64))
        d = d[12:] - d[:-12]
        mean, sd = d[:60].mean(), d[:60].std()
        np.testing.assert_allclose(t.apply(y), (d - mean) / sd, rtol=1e-5, atol=1e-5)
        # model units of rows 72..95 inverted after the first 72 rows: the raw rows back
        back = t.invert(y[:72], t.apply(y)[60:])
        np.testing.assert_allclose(back, y[72:], rtol=1e-5)
        m = Model(12, 1).add_gru(4).add_dense(1).compile()
        m.set_transform(t)
        self.assertEqual(m.get_transform().lost_rows, 12)
        with self.assertRaises(RnnliteError) as e:
            rnnlite.Transform().log().fit(np.array([1.0, 2.0, -1.0, 4.0]))
        self.assertIn('row 2, column 0', e.exception.message)

    def test_gaps_baselines_metrics(self):
        filled = rnnlite.fill_gaps(np.array([1.0, np.nan, 3.0, np.nan]), 'linear')
        np.testing.assert_array_equal(filled, [1, 2, 3, 3])
        y = self.monthly()
        np.testing.assert_array_equal(rnnlite.baseline_forecast('seasonal_naive', y, 14, 12),
                                      np.concatenate([y[-12:], y[-12:-10]]))
        drift = y[-1] + np.arange(1, 4) * (y[-1] - y[0]) / (len(y) - 1)
        np.testing.assert_allclose(rnnlite.baseline_forecast('drift', y, 3), drift, rtol=1e-6)
        a, f = y[:10], y[:10] + 2
        self.assertAlmostEqual(rnnlite.metric('rmse', a, f), 2.0, places=5)
        scale = rnnlite.mase_scale(y, 12)
        self.assertAlmostEqual(scale, np.mean(np.abs(y[12:] - y[:-12])), places=4)
        self.assertEqual(rnnlite.detect_season(y), 12)

    def test_backtest_with_python_forecaster_and_recipe(self):
        y = self.monthly()
        seen = []

        def last_plus_one(history, future, horizon, refit):
            seen.append((len(history), refit))
            return np.full(horizon, history[-1, 0] + 1)

        bt = rnnlite.Backtest(y, initial=72, horizon=6, step=3, season=12, refit_every=2,
                              forecaster=last_plus_one)
        self.assertEqual(bt.shape, (7, 6))
        self.assertEqual(seen[0], (72, True))
        self.assertEqual([r for _, r in seen], [True, False, True, False, True, False, True])
        np.testing.assert_allclose(bt.errors('model'),
                                   bt.errors('last_value') - 1, rtol=1e-5, atol=1e-4)
        table = bt.table()
        self.assertLess(table['seasonal_naive']['mase'], table['last_value']['mase'])
        recipe = rnnlite.Recipe(ensemble=1, epochs=5)
        bt2 = rnnlite.Backtest(y, initial=72, horizon=12, step=4, season=12, forecaster=recipe)
        self.assertTrue(np.all(np.isfinite(bt2.forecasts())))
        self.assertEqual(recipe.get('season'), 12)
        self.assertEqual(len(bt2.interval(0.8)), 12)
        fc = recipe.forecast(y, 12)
        np.testing.assert_allclose(recipe.model(0).forecast(y, 12), fc, rtol=1e-6)
