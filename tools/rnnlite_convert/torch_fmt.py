"""PyTorch state_dicts (.pt/.pth) to and from a Model; torch is imported
only here.

PyTorch computes, per layer l of nn.RNN / nn.LSTM / nn.GRU,
  gates = x W_ih^T + b_ih + h W_hh^T + b_hh
with the gates stacked i, f, g, o (LSTM) and r, z, n (GRU), and for GRU
  n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))
which is Keras' GRU with reset_after=True. So: kernels are transposed; LSTM
gates keep their order (g is Keras' c); GRU blocks go r, z, n -> z, r, h,
and b_ih, b_hh become the GRU's input and recurrent bias rows exactly; for
RNN and LSTM the two biases are one sum (computed in double, rounded once to
float32). nn.Linear: kernel = weight^T.
"""
import io
import os
import re

import numpy as np

from . import meta as meta_mod
from .model import Layer, Model, Refused, refuse_layer


def _torch():
    try:
        import torch
    except ImportError:
        raise Refused('the torch package is needed for .pt files (Debian: python3-torch)')
    return torch


ARCH_KINDS = {'rnn': 'simple_rnn', 'lstm': 'lstm', 'gru': 'gru', 'dense': 'dense',
              'linear': 'dense'}


def parse_arch(text):
    """'lstm:50,dense:1' -> [(kind, units, options)]. Options: an activation
    (rnn: tanh|relu; dense: linear|relu|tanh|sigmoid) and 'seq' (a recurrent
    module whose whole sequence goes on; by default the last recurrent module
    before a dense head hands on its last step)."""
    out = []
    for item in filter(None, (s.strip() for s in text.split(','))):
        parts = item.split(':')
        if parts[0].lower() not in ARCH_KINDS or len(parts) < 2 or not parts[1].isdigit():
            raise Refused('--arch item %r: expected KIND:UNITS[:OPTION...] with KIND one of '
                          'rnn, lstm, gru, dense' % item)
        out.append((ARCH_KINDS[parts[0].lower()], int(parts[1]), [p.lower() for p in parts[2:]]))
    if not out:
        raise Refused('--arch is empty')
    return out


def _reorder_gru(a, u):
    """Blocks r, z, n (axis 0) -> z, r, h; the map is its own inverse."""
    return np.concatenate([a[u:2 * u], a[:u], a[2 * u:]], axis=0)


def _modules(sd):
    """Module prefixes in state_dict order."""
    order = []
    for k in sd:
        if k.endswith('_metadata'):
            continue
        prefix = re.sub(r'\.?(weight|bias)(_(ih|hh|hr)_l\d+(_reverse)?)?$', '', k)
        if prefix not in order:
            order.append(prefix)
    return order


def read(path, arch, time_steps=None):
    torch = _torch()
    obj = torch.load(path, map_location='cpu')
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise Refused('%s holds a %s, not a state_dict' % (path, type(obj).__name__))
    sd = {k: v.detach().double().numpy() if hasattr(v, 'detach') else v for k, v in obj.items()}
    carried = getattr(obj, '_metadata', None) or {}
    if arch is None:
        raise Refused('a state_dict does not say what the layers are: give --arch, '
                      'e.g. --arch lstm:50,dense:1')
    spec = parse_arch(arch)
    prefixes = _modules(sd)
    if len(prefixes) != len(spec):
        raise Refused('--arch lists %d modules, the state_dict has %d (%s)'
                      % (len(spec), len(prefixes), ', '.join(prefixes)))
    layers, n_features, index = [], None, 0
    last_rec = max([i for i, (k, _, _) in enumerate(spec) if k != 'dense'], default=-1)
    for m, ((kind, units, opts), prefix) in enumerate(zip(spec, prefixes)):
        p = prefix + '.' if prefix else ''
        if kind == 'dense':
            w = sd.get(p + 'weight')
            if w is None or w.ndim != 2 or w.shape[0] != units:
                refuse_layer(index, 'Linear', 'module %r: no weight of %d rows' % (prefix, units))
            b = sd.get(p + 'bias', np.zeros(units))
            act = next((o for o in opts if o in ('linear', 'relu', 'tanh', 'sigmoid')), 'linear')
            layers.append(Layer('dense', units, act, weights=[w.T, b]))
            n_features = n_features or w.shape[1]
            index += 1
            continue
        cls = {'simple_rnn': 'RNN', 'lstm': 'LSTM', 'gru': 'GRU'}[kind]
        for k in sd:
            if k.startswith(p) and ('_reverse' in k or 'weight_hr' in k):
                refuse_layer(index, cls, 'bidirectional or proj_size modules are not supported')
        n_layers = len([k for k in sd if re.fullmatch(re.escape(p) + r'weight_ih_l\d+', k)])
        if n_layers == 0:
            refuse_layer(index, cls, 'module %r has no weight_ih_l0' % prefix)
        for li in range(n_layers):
            wih, whh = sd[p + 'weight_ih_l%d' % li], sd[p + 'weight_hh_l%d' % li]
            g = wih.shape[0]
            bih = sd.get(p + 'bias_ih_l%d' % li, np.zeros(g))
            bhh = sd.get(p + 'bias_hh_l%d' % li, np.zeros(g))
            if whh.shape[1] != units:
                refuse_layer(index, cls, 'hidden size %d, --arch says %d' % (whh.shape[1], units))
            seq = li < n_layers - 1 or 'seq' in opts or m != last_rec
            if kind == 'gru':
                wih, whh = _reorder_gru(wih, units), _reorder_gru(whh, units)
                bias = np.stack([_reorder_gru(bih, units), _reorder_gru(bhh, units)])
                layer = Layer('gru', units, 'tanh', 'sigmoid', seq)
            else:
                bias = bih + bhh   # in double: one rounding to float32
                if kind == 'lstm':
                    layer = Layer('lstm', units, 'tanh', 'sigmoid', seq)
                else:
                    act = 'relu' if 'relu' in opts else 'tanh'
                    layer = Layer('simple_rnn', units, act, return_sequences=seq)
            layer.weights = [wih.T, whh.T, bias]
            layers.append(layer)
            n_features = n_features or wih.shape[1]
            index += 1
    model = Model(time_steps, n_features, layers)
    if meta_mod.KEY in carried:
        model.meta = meta_mod.from_json(carried[meta_mod.KEY])
    for l in layers:   # float64 state_dicts must hold float32 values exactly
        l.weights = [np.asarray(w) for w in l.weights]
    return _check_float32(model, sd)


def _check_float32(model, sd):
    for l in model.layers:
        l.weights = [w.astype(np.float32) if w.dtype == np.float64 and
                     np.array_equal(w.astype(np.float32).astype(np.float64), w) else w
                     for w in l.weights]
    # Summed biases are rounded once on purpose (documented above).
    for l in model.layers:
        if l.kind in ('lstm', 'simple_rnn'):
            l.weights[2] = l.weights[2].astype(np.float32)
    return model.check()


TORCH_ACTS = {'linear': None, 'relu': 'torch.relu(x)', 'tanh': 'torch.tanh(x)',
              'sigmoid': 'torch.sigmoid(x)',
              'hard_sigmoid': 'torch.clamp(0.2 * x + 0.5, 0.0, 1.0)'}


def write(model):
    """(state_dict bytes, nn.Module source)."""
    torch = _torch()
    from collections import OrderedDict
    sd = OrderedDict()
    init, body = [], []
    width = model.n_features
    for i, l in enumerate(model.layers):
        name = 'layer%d' % i
        if l.kind == 'dense':
            init.append('self.%s = torch.nn.Linear(%d, %d)' % (name, width, l.units))
            sd[name + '.weight'] = torch.from_numpy(np.ascontiguousarray(l.weights[0].T))
            sd[name + '.bias'] = torch.from_numpy(l.weights[1].copy())
            body.append('x = self.%s(x)' % name)
            if TORCH_ACTS[l.activation]:
                body.append('x = ' + TORCH_ACTS[l.activation])
        else:
            cls = {'simple_rnn': 'RNN', 'lstm': 'LSTM', 'gru': 'GRU'}.get(l.kind)
            if l.kind == 'gru_reset_before':
                refuse_layer(i, 'GRU', 'PyTorch has no GRU with reset_after=False')
            if l.kind == 'simple_rnn':
                if l.activation not in ('tanh', 'relu'):
                    refuse_layer(i, 'SimpleRNN', "nn.RNN has only tanh and relu, not %r"
                                 % l.activation)
                extra = ", nonlinearity='%s'" % l.activation
            else:
                if (l.activation, l.recurrent_activation) != ('tanh', 'sigmoid'):
                    refuse_layer(i, cls, 'nn.%s has only tanh / sigmoid, not %s / %s'
                                 % (cls, l.activation, l.recurrent_activation))
                extra = ''
            init.append('self.%s = torch.nn.%s(%d, %d, batch_first=True%s)'
                        % (name, cls, width, l.units, extra))
            k, r, b = l.weights
            if l.kind == 'gru':
                wih, whh = _reorder_gru(k.T, l.units), _reorder_gru(r.T, l.units)
                bih, bhh = _reorder_gru(b[0], l.units), _reorder_gru(b[1], l.units)
            else:
                wih, whh, bih, bhh = k.T, r.T, b, np.zeros_like(b)
            for key, v in (('weight_ih_l0', wih), ('weight_hh_l0', whh), ('bias_ih_l0', bih),
                           ('bias_hh_l0', bhh)):
                sd['%s.%s' % (name, key)] = torch.from_numpy(np.ascontiguousarray(v))
            body.append('x, _ = self.%s(x)' % name)
            if not l.return_sequences:
                body.append('x = x[:, -1, :]')
        width = l.units
    sd._metadata = OrderedDict()
    carried = meta_mod.to_json(model.meta)
    if carried:
        sd._metadata[meta_mod.KEY] = carried
    buf = io.BytesIO()
    torch.save(sd, buf)
    source = MODULE_TEMPLATE.format(
        steps=model.time_steps, features=model.n_features,
        init='\n'.join('        ' + s for s in init),
        body='\n'.join('        ' + s for s in body))
    return buf.getvalue(), source


MODULE_TEMPLATE = '''"""Written by rnnlite-convert: the nn.Module whose state_dict is beside this
file. Input [batch, {steps}, {features}] (batch first), as rnnlite's.

    model = RnnliteModel()
    model.load_state_dict(torch.load(STATE_DICT_PATH))
"""
import torch


class RnnliteModel(torch.nn.Module):
    time_steps = {steps}
    n_features = {features}

    def __init__(self):
        super().__init__()
{init}

    def forward(self, x):
{body}
        return x
'''


def module_path(out_path):
    return os.path.splitext(out_path)[0] + '.py'
