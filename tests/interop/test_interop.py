"""Interop tests of tools/rnnlite-convert against the real peers.

  python3 -m unittest test_interop.TorchTests       (PyTorch, python3-torch)
  python3 -m unittest test_interop.KerasFileTests   (.keras / .h5, python3-h5py)
  python3 -m unittest test_interop.TfjsTests        (TensorFlow.js from npm, node)
  python3 -m unittest test_interop.OnnxRuntimeTests (onnxruntime-node from npm, node)
  python3 -m unittest test_interop.CommandLineTests (exit status, refusals, files)

Every check converts a model made by one side, runs it on the other, and
compares predictions on fresh inputs: |rnnlite - peer| <= 1e-5 * max(|peer|,
1e-2) element by element (1e-5 relative, with values under 0.01 compared at
1e-7 absolute). The largest errors seen are appended to
$RNNLITE_INTEROP_DIR/max-errors.txt.

Environment: RNNLITE_LIBRARY (the built librnnlite.so), RNNLITE_INTEROP_DIR
(work folder, under the build directory; the npm packages go in its
node_modules).
"""
import contextlib
import copy
import fcntl
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, 'tools', 'rnnlite-convert')
sys.path[:0] = [os.path.join(ROOT, 'bindings', 'python'), os.path.join(ROOT, 'tools'), HERE]

import rnnlite  # noqa: E402
from rnnlite_convert import cli, rlm  # noqa: E402
from rnnlite_convert.model import Layer, Model  # noqa: E402
import keras_reference  # noqa: E402

WORK = os.environ.get('RNNLITE_INTEROP_DIR') or tempfile.mkdtemp(prefix='rnnlite-interop-')
os.makedirs(WORK, exist_ok=True)
RTOL, FLOOR = 1e-5, 1e-2
_rng = np.random.default_rng(20261130)


def rel_err(got, want):
    """The largest |got - want| / max(|want|, FLOOR) over the elements."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return float((np.abs(got - want.reshape(got.shape)) / np.maximum(np.abs(want), FLOOR)).max())


def has(module):
    return importlib.util.find_spec(module) is not None


def record(peer, err):
    with open(os.path.join(WORK, 'max-errors.txt'), 'a') as f:
        f.write('%s %.3g\n' % (peer, err))


class Case(unittest.TestCase):
    peer = None
    worst = 0.0

    @classmethod
    def tearDownClass(cls):
        if cls.peer:
            record(cls.peer, cls.worst)
            print('\n%s: largest relative error %.3g' % (cls.peer, cls.worst), file=sys.stderr)

    def dir(self, name):
        d = os.path.join(WORK, type(self).__name__, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    def assert_close(self, got, want, what, rtol=RTOL):
        got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
        self.assertEqual(got.size, want.size, what)
        got = got.reshape(want.shape)
        err = np.abs(got - want) / np.maximum(np.abs(want), FLOOR)
        if os.environ.get('RNNLITE_INTEROP_VERBOSE'):
            i = int(err.argmax())
            print('%s %s: max rel %.3g at %g vs %g' % (self.peer, what, err.max(),
                  got.ravel()[i], want.ravel()[i]), file=sys.stderr)
        type(self).worst = max(type(self).worst, float(err.max()))
        self.assertLessEqual(float(err.max()), rtol, '%s: max relative error %g (allowed %g)' %
                             (what, err.max(), rtol))
        self.assertGreater(float(np.abs(want).max()), 1e-3, what + ': degenerate output')

    def convert(self, src, dst, *extra, ok=True):
        """The command line, in-process (the same main() the script runs)."""
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = cli.main([src, dst] + list(extra))
        if ok:
            self.assertEqual(status, 0, err.getvalue())
        return status, err.getvalue()

    def rnnlite_predict(self, path, x):
        with rnnlite.Model.load(path) as m:
            return m.predict(x)


def random_model(steps, features, spec, scale=0.6):
    """An rnnlite Model with random weights; spec: [(kind, units, act,
    rec_act, return_sequences)]."""
    layers, width = [], features
    for kind, units, act, rec, seq in spec:
        l = Layer(kind, units, act, rec, seq)
        l.weights = [(_rng.standard_normal(s) * scale / np.sqrt(s[0] if len(s) > 1 else 4)
                      ).astype(np.float32) for s in l.weight_shapes(width)]
        layers.append(l)
        width = units
    return Model(steps, features, layers).check()


def write_rlm(path, model):
    with open(path, 'wb') as f:
        f.write(rlm.write(model))


def fresh_inputs(n, steps, features):
    return _rng.standard_normal((n, steps, features)).astype(np.float32)


def save_tensor(path, a):
    with open(path, 'w') as f:
        json.dump({'shape': list(a.shape), 'data': a.ravel().tolist()}, f)


def load_tensor(path):
    with open(path) as f:
        j = json.load(f)
    return np.array(j['data'], np.float32).reshape(j['shape'])


# Models rnnlite exports; kinds and activations each peer has.
EXPORTS = {
    'lstm_dense': (12, 3, [('lstm', 8, 'tanh', 'sigmoid', False), ('dense', 1, 'linear', '', 0)]),
    'gru_stack': (10, 2, [('gru', 6, 'tanh', 'sigmoid', True), ('gru', 4, 'tanh', 'sigmoid',
                                                                  False),
                          ('dense', 2, 'relu', '', 0)]),
    'rnn_relu_seq': (7, 4, [('simple_rnn', 5, 'relu', '', True), ('dense', 3, 'tanh', '', 0)]),
    'mixed': (9, 3, [('simple_rnn', 6, 'tanh', '', True), ('lstm', 5, 'tanh', 'sigmoid', True),
                     ('gru', 4, 'tanh', 'sigmoid', False), ('dense', 3, 'sigmoid', '', 0),
                     ('dense', 1, 'linear', '', 0)]),
}
# Activations rnnlite has that PyTorch's recurrent modules lack: ONNX and
# TF.js take them.
EXPORTS_WIDE = {
    'lstm_relu_linear': (8, 2, [('lstm', 5, 'relu', 'tanh', True),
                                ('simple_rnn', 4, 'linear', '', False),
                                ('dense', 2, 'tanh', '', 0)]),
    # Keras 2.2 / TF.js style: GRU reset_after=False, hard_sigmoid gates.
    'keras2_hard_sigmoid': (6, 2, [('gru_reset_before', 5, 'tanh', 'hard_sigmoid', True),
                                   ('lstm', 3, 'tanh', 'hard_sigmoid', False),
                                   ('dense', 1, 'linear', '', 0)]),
}


@unittest.skipUnless(has('torch'), 'PyTorch is not installed (Debian: python3-torch)')
class TorchTests(Case):
    peer = 'pytorch'

    @classmethod
    def setUpClass(cls):
        import torch
        cls.torch = torch
        torch.manual_seed(5)

    def modules(self):
        nn = self.torch.nn

        class Net(nn.Module):
            def __init__(self, rnn, head, seq=False, act=None):
                super().__init__()
                self.rnn, self.head, self.seq, self.act = rnn, head, seq, act

            def forward(self, x):
                y, _ = self.rnn(x)
                if not self.seq:
                    y = y[:, -1] if self.rnn.batch_first else y[-1]
                y = self.head(y)
                return self.act(y) if self.act else y

        return [
            ('rnn_tanh', Net(nn.RNN(3, 8, batch_first=True), nn.Linear(8, 1)), 'rnn:8,dense:1'),
            ('rnn_relu_stacked', Net(nn.RNN(3, 6, num_layers=2, nonlinearity='relu',
                                            batch_first=True), nn.Linear(6, 2)),
             'rnn:6:relu,dense:2'),
            ('lstm', Net(nn.LSTM(3, 10, batch_first=True), nn.Linear(10, 1)), 'lstm:10,dense:1'),
            ('lstm_stacked_time_major', Net(nn.LSTM(3, 5, num_layers=2), nn.Linear(5, 1)),
             'lstm:5,dense:1'),
            ('gru', Net(nn.GRU(3, 7, batch_first=True), nn.Linear(7, 3), act=self.torch.relu),
             'gru:7,dense:3:relu'),
            ('gru_stacked_seq', Net(nn.GRU(3, 4, num_layers=2, batch_first=True),
                                    nn.Linear(4, 2), seq=True), 'gru:4:seq,dense:2'),
        ]

    def torch_out(self, net, x, batch_first=None):
        with self.torch.no_grad():
            xt = self.torch.from_numpy(x)
            if not (net.rnn.batch_first if batch_first is None else batch_first):
                xt = xt.transpose(0, 1)
            return net(xt).numpy()

    def assert_close_to_torch(self, got, net, x, what, batch_first=None):
        """rnnlite against the same net run by PyTorch in float64, allowed
        4x the error PyTorch's own float32 run makes against that where it
        exceeds RTOL. A net whose output cancels (rnn_relu_seq: relu states
        summing to 0.005) leaves both float32 implementations about 1e-5 off
        the float64 value, and which one lands nearer the other depends on
        the order PyTorch's kernels sum in on the CPU at hand (Zen 4 and the
        Xeon differ); a wrong weight, gate or layout is off by 1e-3 or
        more either way."""
        want32 = self.torch_out(net, x, batch_first)
        want64 = self.torch_out(copy.deepcopy(net).double(), x.astype(np.float64), batch_first)
        self.assert_close(got, want64, what, rtol=max(RTOL, 4 * rel_err(want32, want64)))

    def test_state_dict_to_rnnlite(self):
        T = 9
        for name, net, arch in self.modules():
            with self.subTest(name):
                d = self.dir('sd_' + name)
                self.torch.save(net.state_dict(), os.path.join(d, 'net.pt'))
                self.convert(os.path.join(d, 'net.pt'), os.path.join(d, 'net.rlm'),
                             '--arch', arch, '--time-steps', str(T))
                x = fresh_inputs(16, T, 3)
                self.assert_close_to_torch(self.rnnlite_predict(os.path.join(d, 'net.rlm'), x),
                                           net, x, name)

    def test_onnx_export_to_rnnlite(self):
        T = 11
        for name, net, _ in self.modules():
            with self.subTest(name):
                d = self.dir('onnx_' + name)
                batch_axis = 0 if net.rnn.batch_first else 1
                dummy = self.torch.zeros((2, T, 3) if batch_axis == 0 else (T, 2, 3))
                with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
                    warnings.simplefilter('ignore')
                    self.torch.onnx.export(net, dummy, os.path.join(d, 'net.onnx'),
                                           opset_version=14, input_names=['x'],
                                           output_names=['y'],
                                           dynamic_axes={'x': {batch_axis: 'batch'}})
                self.convert(os.path.join(d, 'net.onnx'), os.path.join(d, 'net.rlm'))
                x = fresh_inputs(16, T, 3)
                self.assert_close_to_torch(self.rnnlite_predict(os.path.join(d, 'net.rlm'), x),
                                           net, x, name)

    def test_rnnlite_to_state_dict(self):
        for name, (T, F, spec) in EXPORTS.items():
            with self.subTest(name):
                d = self.dir('to_' + name)
                write_rlm(os.path.join(d, 'm.rlm'), random_model(T, F, spec, scale=1.0))
                self.convert(os.path.join(d, 'm.rlm'), os.path.join(d, 'out', 'm.pt'))
                src = importlib.util.spec_from_file_location('m_' + name,
                                                             os.path.join(d, 'out', 'm.py'))
                mod = importlib.util.module_from_spec(src)
                src.loader.exec_module(mod)
                net = mod.RnnliteModel()
                net.load_state_dict(self.torch.load(os.path.join(d, 'out', 'm.pt')))
                x = fresh_inputs(16, T, F)
                self.assert_close_to_torch(self.rnnlite_predict(os.path.join(d, 'm.rlm'), x),
                                           net, x, name, batch_first=True)


def keras2_layer_config(kind, units, act, rec, seq, name, first_shape=None):
    """A layer's config as tf.keras 2.x get_config() writes it (the keys that
    matter, with tf.keras' defaults for the rest)."""
    cls = {'dense': 'Dense', 'simple_rnn': 'SimpleRNN', 'lstm': 'LSTM', 'gru': 'GRU',
           'gru_reset_before': 'GRU'}[kind]
    c = {'name': name, 'trainable': True, 'dtype': 'float32', 'units': units,
         'activation': act, 'use_bias': True}
    if kind != 'dense':
        c.update({'return_sequences': seq, 'return_state': False, 'go_backwards': False,
                  'stateful': False, 'unroll': False, 'time_major': False, 'dropout': 0.0,
                  'recurrent_dropout': 0.0})
        if kind != 'simple_rnn':
            c['recurrent_activation'] = rec
        if kind.startswith('gru'):
            c['reset_after'] = kind == 'gru'
    return {'class_name': cls, 'config': c}


def write_legacy_h5(path, model, keras_version='2.15.0'):
    """An .h5 file laid out as keras/src/legacy/saving/legacy_h5_format.py
    (save_model_to_hdf5, save_weights_to_hdf5_group) and tf.keras 2 write it:
    file attributes keras_version, backend, model_config; group model_weights
    with layer_names; per layer a group, weight_names, and the datasets under
    tf.keras 2's variable names (lstm/lstm_cell/kernel:0)."""
    import h5py
    names = {}
    layers = [{'class_name': 'InputLayer',
               'config': {'batch_input_shape': [None, model.time_steps, model.n_features],
                          'dtype': 'float32', 'sparse': False, 'ragged': False,
                          'name': 'input_1'}}]
    entries = []
    for l in model.layers:
        base = {'gru_reset_before': 'gru'}.get(l.kind, l.kind)
        n = names.get(base, 0)
        names[base] = n + 1
        name = base if n == 0 else '%s_%d' % (base, n)
        layers.append(keras2_layer_config(l.kind, l.units, l.activation, l.recurrent_activation,
                                          l.return_sequences, name))
        cell = '' if l.kind == 'dense' else '/%s_cell' % base
        leaves = ['kernel', 'recurrent_kernel', 'bias'] if l.recurrent else ['kernel', 'bias']
        entries.append((name, ['%s%s/%s:0' % (name, cell, leaf) for leaf in leaves], l.weights))
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': layers}}
    with h5py.File(path, 'w') as f:
        f.attrs['backend'] = 'tensorflow'
        f.attrs['keras_version'] = keras_version
        f.attrs['model_config'] = json.dumps(config).encode('utf8')
        mw = f.create_group('model_weights')
        mw.attrs['layer_names'] = np.array([e[0].encode('utf8') for e in entries])
        mw.attrs['backend'] = b'tensorflow'
        mw.attrs['keras_version'] = keras_version.encode('utf8')
        for name, wnames, ws in sorted(entries):
            g = mw.create_group(name)
            g.attrs['weight_names'] = np.array([w.encode('utf8') for w in wnames])
            for wn, w in zip(wnames, ws):
                g.create_dataset(wn, data=w)


def reference_of(model):
    return [(l.kind, l.units, l.activation, l.recurrent_activation or 'linear',
             l.return_sequences, l.weights) for l in model.layers]


@unittest.skipUnless(has('h5py'), 'h5py is not installed (Debian: python3-h5py)')
class KerasFileTests(Case):
    peer = 'keras-equations'

    def test_legacy_h5_to_rnnlite(self):
        for name, (T, F, spec) in list(EXPORTS.items()) + list(EXPORTS_WIDE.items()):
            with self.subTest(name):
                d = self.dir('h5_' + name)
                model = random_model(T, F, spec)
                write_legacy_h5(os.path.join(d, 'm.h5'), model)
                self.convert(os.path.join(d, 'm.h5'), os.path.join(d, 'm.rlm'))
                x = fresh_inputs(8, T, F)
                self.assert_close(self.rnnlite_predict(os.path.join(d, 'm.rlm'), x),
                                  keras_reference.forward(reference_of(model), x), name)

    def test_keras_archive_layout_and_back(self):
        import h5py
        T, F, spec = EXPORTS['mixed']
        d = self.dir('keras_mixed')
        model = random_model(T, F, spec)
        write_rlm(os.path.join(d, 'm.rlm'), model)
        self.convert(os.path.join(d, 'm.rlm'), os.path.join(d, 'm.keras'))
        with zipfile.ZipFile(os.path.join(d, 'm.keras')) as zf:
            self.assertEqual(zf.namelist(), ['metadata.json', 'config.json', 'model.weights.h5'])
            config = json.loads(zf.read('config.json'))
            with h5py.File(io.BytesIO(zf.read('model.weights.h5')), 'r') as h5:
                # saving_lib._save_container_state: snake_case class names,
                # numbered repeats, a recurrent layer's variables under cell/.
                for path, n in (('layers/simple_rnn/cell/vars', 3), ('layers/lstm/cell/vars', 3),
                                ('layers/gru/cell/vars', 3), ('layers/dense/vars', 2),
                                ('layers/dense_1/vars', 2)):
                    self.assertEqual(len(h5[path]), n, path)
                np.testing.assert_array_equal(h5['layers/lstm/cell/vars/1'][()],
                                              model.layers[1].weights[1])
        self.assertEqual(config['class_name'], 'Sequential')
        self.assertEqual(config['config']['layers'][0]['config']['batch_shape'], [None, T, F])
        self.assertEqual(config['config']['layers'][3]['config']['reset_after'], True)
        self.convert(os.path.join(d, 'm.keras'), os.path.join(d, 'back.rlm'))
        with open(os.path.join(d, 'm.rlm'), 'rb') as a, open(os.path.join(d, 'back.rlm'),
                                                             'rb') as b:
            self.assertEqual(a.read(), b.read())

    def test_functional_keras3_archive(self):
        """A functional model as Keras 3 serialises it (inbound_nodes with
        __keras_tensor__ histories; the InputLayer is among the layers the
        weights are numbered by)."""
        import h5py
        T, F = 6, 2
        model = random_model(T, F, [('gru', 5, 'tanh', 'sigmoid', False),
                                    ('dense', 1, 'linear', '', 0)])

        def tensor(src):
            return {'class_name': '__keras_tensor__',
                    'config': {'shape': [None, T, F], 'dtype': 'float32',
                               'keras_history': [src, 0, 0]}}
        layers = [
            {'module': 'keras.layers', 'class_name': 'InputLayer', 'name': 'input_layer',
             'config': {'batch_shape': [None, T, F], 'dtype': 'float32', 'sparse': False,
                        'name': 'input_layer'}, 'registered_name': None, 'inbound_nodes': []},
            {'module': 'keras.layers', 'class_name': 'GRU', 'name': 'gru',
             'config': {'name': 'gru', 'units': 5, 'activation': 'tanh',
                        'recurrent_activation': 'sigmoid', 'use_bias': True,
                        'return_sequences': False, 'reset_after': True},
             'inbound_nodes': [{'args': [tensor('input_layer')], 'kwargs': {'training': False,
                                                                            'mask': None}}]},
            {'module': 'keras.layers', 'class_name': 'Dense', 'name': 'dense',
             'config': {'name': 'dense', 'units': 1, 'activation': 'linear', 'use_bias': True},
             'inbound_nodes': [{'args': [tensor('gru')], 'kwargs': {}}]},
        ]
        config = {'module': 'keras.src.models.functional', 'class_name': 'Functional',
                  'config': {'name': 'functional', 'layers': layers,
                             'input_layers': ['input_layer', 0, 0],
                             'output_layers': ['dense', 0, 0]}}
        d = self.dir('functional')
        buf = io.BytesIO()
        with h5py.File(buf, 'w') as h5:
            for path, ws in (('layers/gru/cell/vars', model.layers[0].weights),
                             ('layers/dense/vars', model.layers[1].weights)):
                g = h5.create_group(path)
                for i, w in enumerate(ws):
                    g.create_dataset(str(i), data=w)
        with zipfile.ZipFile(os.path.join(d, 'f.keras'), 'w') as zf:
            zf.writestr('metadata.json', json.dumps({'keras_version': '3.16.0'}))
            zf.writestr('config.json', json.dumps(config))
            zf.writestr('model.weights.h5', buf.getvalue())
        self.convert(os.path.join(d, 'f.keras'), os.path.join(d, 'f.rlm'))
        x = fresh_inputs(8, T, F)
        self.assert_close(self.rnnlite_predict(os.path.join(d, 'f.rlm'), x),
                          keras_reference.forward(reference_of(model), x), 'functional')


class NodeCase(Case):
    """Peers that run under node, installed from npm on first use."""

    @classmethod
    def setUpClass(cls):
        cls.modules_dir = os.path.join(WORK, 'npm')
        with open(os.path.join(WORK, 'npm.lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)   # the node tests may start together
            r = subprocess.run(['sh', os.path.join(HERE, 'npm-setup.sh'), cls.modules_dir],
                               capture_output=True, text=True)
        if r.returncode == 77:
            raise unittest.SkipTest('npm is not installed: ' + r.stdout.strip())
        if r.returncode != 0:
            raise RuntimeError('npm install failed:\n' + r.stdout + r.stderr)

    def node(self, jobs):
        path = os.path.join(WORK, 'jobs-%s-%d.json' % (type(self).__name__, os.getpid()))
        with open(path, 'w') as f:
            json.dump(jobs, f)
        env = dict(os.environ, NODE_PATH=os.path.join(self.modules_dir, 'node_modules'))
        r = subprocess.run(['node', os.path.join(HERE, 'peers.js'), path], env=env,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def peer_predictions_match(self, jobs, cases):
        """Runs the peer's predict jobs, then checks each case's rnnlite
        prediction of m.rlm against the peer's y.json in its folder."""
        self.node(jobs)
        for name, d, x in cases:
            with self.subTest(name):
                self.assert_close(self.rnnlite_predict(os.path.join(d, 'm.rlm'), x),
                                  load_tensor(os.path.join(d, 'y.json')), name)


class TfjsTests(NodeCase):
    peer = 'tensorflow.js'
    MODELS = ['lstm_default', 'gru_default', 'rnn_relu', 'stacked_sigmoid', 'sequence_head']

    def test_tfjs_models_to_rnnlite(self):
        T, F = 8, 3
        x = fresh_inputs(12, T, F)
        base = self.dir('made')
        save_tensor(os.path.join(base, 'x.json'), x)
        self.node([{'op': 'tfjs-make', 'dir': os.path.join(base, n), 'name': n,
                    'inputs': os.path.join(base, 'x.json')} for n in self.MODELS])
        for n in self.MODELS:
            with self.subTest(n):
                d = os.path.join(base, n)
                self.convert(os.path.join(d, 'model.json'), os.path.join(d, 'm.rlm'))
                self.assert_close(self.rnnlite_predict(os.path.join(d, 'm.rlm'), x),
                                  load_tensor(os.path.join(d, 'outputs.json')), n)

    def test_rnnlite_to_tfjs(self):
        models = {k: v for k, v in list(EXPORTS.items()) + list(EXPORTS_WIDE.items())
                  if not any(s[0] == 'gru' for s in v[2])}
        models['hard_sigmoid_gru'] = (7, 2, [
            ('gru_reset_before', 5, 'tanh', 'hard_sigmoid', True),
            ('lstm', 4, 'tanh', 'hard_sigmoid', False), ('dense', 1, 'hard_sigmoid', '', 0)])
        jobs, cases = [], []
        for name, (T, F, spec) in models.items():
            d = self.dir('to_' + name)
            # Larger weights where hard_sigmoid is, so that its clipped ends are reached.
            scale = 1.5 if 'hard_sigmoid' in name else 1.0
            write_rlm(os.path.join(d, 'm.rlm'), random_model(T, F, spec, scale=scale))
            self.convert(os.path.join(d, 'm.rlm'), os.path.join(d, 'tfjs', 'model.json'))
            x = fresh_inputs(12, T, F)
            save_tensor(os.path.join(d, 'x.json'), x)
            jobs.append({'op': 'tfjs-predict', 'model': os.path.join(d, 'tfjs', 'model.json'),
                         'inputs': os.path.join(d, 'x.json'),
                         'out': os.path.join(d, 'y.json')})
            cases.append((name, d, x))
        self.peer_predictions_match(jobs, cases)


class OnnxRuntimeTests(NodeCase):
    peer = 'onnxruntime'

    def test_rnnlite_to_onnxruntime(self):
        models = dict(EXPORTS, **EXPORTS_WIDE)
        models['reset_before_hard_sigmoid'] = (6, 3, [
            ('gru_reset_before', 5, 'relu', 'hard_sigmoid', True),
            ('lstm', 4, 'tanh', 'hard_sigmoid', True), ('dense', 2, 'hard_sigmoid', '', 0)])
        jobs, cases = [], []
        for name, (T, F, spec) in models.items():
            d = self.dir(name)
            # Larger weights where hard_sigmoid is, so that its clipped ends are reached.
            scale = 1.5 if 'hard_sigmoid' in name else 1.0
            write_rlm(os.path.join(d, 'm.rlm'), random_model(T, F, spec, scale=scale))
            self.convert(os.path.join(d, 'm.rlm'), os.path.join(d, 'm.onnx'))
            x = fresh_inputs(12, T, F)
            save_tensor(os.path.join(d, 'x.json'), x)
            jobs.append({'op': 'ort-predict', 'model': os.path.join(d, 'm.onnx'),
                         'inputs': os.path.join(d, 'x.json'), 'out': os.path.join(d, 'y.json')})
            cases.append((name, d, x))
        self.peer_predictions_match(jobs, cases)


class CommandLineTests(Case):
    def run_tool(self, *args):
        return subprocess.run([sys.executable, TOOL] + list(args), capture_output=True,
                              text=True)

    def test_refusals_name_the_layer_and_leave_files_alone(self):
        d = self.dir('refuse')
        write_rlm(os.path.join(d, 'relu_lstm.rlm'),
                  random_model(5, 2, [('dense', 3, 'relu', '', 0),
                                      ('lstm', 4, 'relu', 'sigmoid', False)]))
        target = os.path.join(d, 'old.pt')
        with open(target, 'wb') as f:
            f.write(b'previous')
        r = self.run_tool(os.path.join(d, 'relu_lstm.rlm'), target)
        self.assertEqual(r.returncode, 1)
        self.assertIn('layer 1 (LSTM)', r.stderr)
        self.assertIn('tanh / sigmoid', r.stderr)
        with open(target, 'rb') as f:
            self.assertEqual(f.read(), b'previous')
        self.assertEqual(sorted(os.listdir(d)), ['old.pt', 'relu_lstm.rlm'])

    @unittest.skipUnless(has('h5py'), 'h5py is not installed')
    def test_keras_refusals(self):
        d = self.dir('keras_refuse')
        model = random_model(5, 2, [('lstm', 4, 'tanh', 'sigmoid', False),
                                    ('dense', 1, 'linear', '', 0)])
        cases = {
            'bidirectional': ({'class_name': 'Bidirectional', 'config': {'name': 'bidirectional',
                                                                        'layer': {}}},
                              'layer 1 (Bidirectional)'),
            'masking': ({'class_name': 'Masking', 'config': {'name': 'masking'}},
                        'layer 1 (Masking)'),
        }
        for name, (extra, message) in cases.items():
            with self.subTest(name):
                path = os.path.join(d, name + '.h5')
                write_legacy_h5(path, model)
                import h5py
                with h5py.File(path, 'a') as f:
                    cfg = json.loads(f.attrs['model_config'])
                    cfg['config']['layers'].insert(1, extra)
                    f.attrs['model_config'] = json.dumps(cfg).encode()
                r = self.run_tool(path, os.path.join(d, name, 'out.rlm'))
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(message, r.stderr)
                self.assertFalse(os.path.exists(os.path.join(d, name)))
        # Keras 3's hard_sigmoid is another function: refused, not mapped.
        m3 = random_model(5, 2, [('lstm', 4, 'tanh', 'hard_sigmoid', False)])
        path = os.path.join(d, 'keras3.h5')
        write_legacy_h5(path, m3, keras_version='3.16.0')
        r = self.run_tool(path, os.path.join(d, 'k3.rlm'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('layer 1 (LSTM)', r.stderr)
        self.assertIn('relu6', r.stderr)

    def test_dropout_is_dropped_with_a_note(self):
        if not has('h5py'):
            self.skipTest('h5py is not installed')
        import h5py
        d = self.dir('dropout')
        path = os.path.join(d, 'm.h5')
        write_legacy_h5(path, random_model(5, 2, [('lstm', 4, 'tanh', 'sigmoid', False),
                                                 ('dense', 1, 'linear', '', 0)]))
        with h5py.File(path, 'a') as f:
            cfg = json.loads(f.attrs['model_config'])
            cfg['config']['layers'].insert(2, {'class_name': 'Dropout',
                                               'config': {'name': 'dropout', 'rate': 0.5}})
            f.attrs['model_config'] = json.dumps(cfg).encode()
        r = self.run_tool(path, os.path.join(d, 'new', 'deep', 'm.rlm'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('layer 2 (Dropout) dropped', r.stderr)
        self.assertTrue(os.path.exists(os.path.join(d, 'new', 'deep', 'm.rlm')))

    @unittest.skipUnless(has('onnx') and has('h5py'), 'onnx or h5py missing')
    def test_scaler_travels_in_metadata(self):
        d = self.dir('meta')
        T, F, spec = EXPORTS['lstm_dense']
        write_rlm(os.path.join(d, 'plain.rlm'), random_model(T, F, spec))
        with rnnlite.Model.load(os.path.join(d, 'plain.rlm')) as m, \
                rnnlite.Scaler.minmax(-1, 1) as s:
            s.fit(_rng.standard_normal((50, F)).astype(np.float32) * 3 + 1)
            m.set_scaler(s)
            m.set_targets([2])
            m.save(os.path.join(d, 'm.rlm'))
        with open(os.path.join(d, 'm.rlm'), 'rb') as f:
            meta = rlm.read(f.read()).meta
        self.assertEqual(sorted(meta), ['COMP', 'PARM', 'SCAL', 'TRGT'])
        for ext in ('onnx', 'keras', 'json', 'pt'):
            if ext == 'pt' and not has('torch'):
                continue
            with self.subTest(ext):
                out = os.path.join(d, ext, 'model.' + ext)
                self.assertEqual(self.run_tool(os.path.join(d, 'm.rlm'), out).returncode, 0)
                r = self.run_tool(out, os.path.join(d, ext, 'back.rlm'), '--arch',
                                  'lstm:8,dense:1', '--time-steps', str(T)) if ext == 'pt' \
                    else self.run_tool(out, os.path.join(d, ext, 'back.rlm'))
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.join(d, ext, 'back.rlm'), 'rb') as f:
                    self.assertEqual(rlm.read(f.read()).meta, meta)
                with rnnlite.Model.load(os.path.join(d, ext, 'back.rlm')) as m:
                    self.assertEqual(m.get_scaler().n_features, F)
                    self.assertEqual(list(m.targets), [2])


if __name__ == '__main__':
    unittest.main()
