"""ONNX (opset 14) to and from a Model; the onnx package is imported only here.

Export: one graph input [batch, time_steps, n_features] with a free batch
axis; RNN / LSTM / GRU run time-major, so Transposes inside the graph turn
the input and a sequence output around. Keras gate order i, f, c, o (LSTM)
becomes ONNX's i, o, f, c; GRU z, r, h is ONNX's order; reset_after=True is
linear_before_reset=1. Keras activations are the ops' activations attribute
(linear is Affine(1, 0); hard_sigmoid is HardSigmoid(0.2, 0.5), ONNX's own
default and the Keras 2 / TF.js definition).

Import: graphs of those ops plus Gemm / MatMul + Add and Relu / Tanh /
Sigmoid / HardSigmoid heads, and the shape plumbing torch.onnx.export puts
around them (Shape, Gather, Slice, Squeeze, Unsqueeze, Transpose, Expand,
ConstantOfShape, Concat, Cast) for zero initial states and the last time
step. The graph is evaluated symbolically: every tensor is either a
constant, a shape-derived integer, all zeros, or the model's activation
with a known order of axes; anything else is refused, naming the node.
"""
import json

import numpy as np

from . import meta as meta_mod
from .model import Layer, Model, Refused

OPSET = 14
ONNX_ACTS = {'linear': ('Affine', 1.0, 0.0), 'relu': ('Relu',), 'tanh': ('Tanh',),
             'sigmoid': ('Sigmoid',), 'hard_sigmoid': ('HardSigmoid', 0.2, 0.5)}
F32 = np.float32


def _onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise Refused('the onnx package is needed for .onnx files (Debian: python3-onnx)')
    return onnx, helper, numpy_helper


def _lstm_keras_to_onnx(a, u):
    """Gate blocks along axis 0: i, f, c, o -> i, o, f, c."""
    i, f, c, o = (a[k * u:(k + 1) * u] for k in range(4))
    return np.concatenate([i, o, f, c], axis=0)


def _lstm_onnx_to_keras(a, u):
    i, o, f, c = (a[k * u:(k + 1) * u] for k in range(4))
    return np.concatenate([i, f, c, o], axis=0)


# ---------------------------------------------------------------- export

def write(model):
    onnx, helper, numpy_helper = _onnx()
    model.check()
    nodes, inits = [], []
    counter = [0]

    def name(base):
        counter[0] += 1
        return '%s_%d' % (base, counter[0])

    def const(base, array):
        n = name(base)
        inits.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def node(op, inputs, n_out=1, **attrs):
        outs = [name(op.lower()) for _ in range(n_out)]
        nodes.append(helper.make_node(op, inputs, outs, name=name(op), **attrs))
        return outs if n_out > 1 else outs[0]

    def act_attrs(acts):
        names, alpha, beta = [], [], []
        for a in acts:
            spec = ONNX_ACTS[a]
            names.append(spec[0])
            if len(spec) > 1:
                alpha.append(spec[1])
                beta.append(spec[2])
        attrs = {'activations': names}
        if alpha:
            attrs['activation_alpha'] = alpha
            attrs['activation_beta'] = beta
        return attrs

    x, layout = 'input', 'btf'
    width = model.n_features
    for i, l in enumerate(model.layers):
        u = l.units
        if l.kind == 'dense':
            kernel, bias = l.weights
            if layout == 'bf':
                x = node('Gemm', [x, const('kernel', kernel), const('bias', bias)])
            else:
                x = node('MatMul', [x, const('kernel', kernel)])
                x = node('Add', [x, const('bias', bias)])
            if l.activation != 'linear':
                spec = ONNX_ACTS[l.activation]
                attrs = {'alpha': spec[1], 'beta': spec[2]} if len(spec) > 1 else {}
                x = node(spec[0], [x], **attrs)
        else:
            if layout == 'btf':
                x = node('Transpose', [x], perm=[1, 0, 2])
                layout = 'tbf'
            k, r, b = l.weights
            if l.kind == 'lstm':
                W, R = _lstm_keras_to_onnx(k.T, u), _lstm_keras_to_onnx(r.T, u)
                B = np.concatenate([_lstm_keras_to_onnx(b, u), np.zeros(4 * u, F32)])
                op, attrs = 'LSTM', act_attrs([l.recurrent_activation, l.activation,
                                               l.activation])
            elif l.kind in ('gru', 'gru_reset_before'):
                W, R = k.T, r.T
                B = np.concatenate([b[0], b[1]]) if l.kind == 'gru' else \
                    np.concatenate([b, np.zeros(3 * u, F32)])
                op, attrs = 'GRU', act_attrs([l.recurrent_activation, l.activation])
                attrs['linear_before_reset'] = 1 if l.kind == 'gru' else 0
            else:
                W, R, B = k.T, r.T, np.concatenate([b, np.zeros(u, F32)])
                op, attrs = 'RNN', act_attrs([l.activation])
            y, y_h = node(op, [x, const('W', W[None]), const('R', R[None]), const('B', B[None])],
                          n_out=2, hidden_size=u, direction='forward', **attrs)
            if l.return_sequences:
                x = node('Squeeze', [y, const('axes', np.array([1], np.int64))])
                layout = 'tbf'
            else:
                x = node('Squeeze', [y_h, const('axes', np.array([0], np.int64))])
                layout = 'bf'
        width = u
    if layout == 'tbf':
        x = node('Transpose', [x], perm=[1, 0, 2])
        layout = 'btf'
    nodes[-1].output[0] = 'output'
    out_steps = model.time_steps if not model.output_is_sequence() is False else None
    out_shape = ['batch', width] if layout == 'bf' else ['batch', model.time_steps, width]
    graph = helper.make_graph(
        nodes, 'rnnlite',
        [helper.make_tensor_value_info('input', onnx.TensorProto.FLOAT,
                                       ['batch', model.time_steps, model.n_features])],
        [helper.make_tensor_value_info('output', onnx.TensorProto.FLOAT, out_shape)],
        inits)
    m = helper.make_model(graph, producer_name='rnnlite-convert',
                          opset_imports=[helper.make_opsetid('', OPSET)])
    m.ir_version = 7   # the IR version of opset 14
    carried = meta_mod.to_json(model.meta)
    if carried:
        helper.set_model_props(m, {meta_mod.KEY: json.dumps(carried)})
    onnx.checker.check_model(m)
    del out_steps
    return m.SerializeToString()


# ---------------------------------------------------------------- import

class _Act:
    """The model's activation: axes names in order ('b', 't', 'f', 'd' for
    num_directions, 'i0'/'i1' for input axes not yet known as batch or time,
    'T1' for a time axis sliced to its last step), and how many layers made it."""

    def __init__(self, axes, depth, last=False):
        self.axes = list(axes)
        self.depth = depth
        self.last = last   # a recurrent layer's final state (Y_h)


class _Zeros:
    pass


class _ShapeVal:
    pass


def _attrs(node, helper):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def read(data, time_steps=None):
    onnx, helper, numpy_helper = _onnx()
    m = onnx.load_from_string(data)
    g = m.graph
    vals = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    inputs = [i for i in g.input if i.name not in vals]
    if len(inputs) != 1:
        raise Refused('the ONNX graph has %d inputs; one is supported' % len(inputs))
    dims = [d.dim_value if d.HasField('dim_value') else None
            for d in inputs[0].type.tensor_type.shape.dim]
    if len(dims) not in (2, 3):
        raise Refused('the graph input has rank %d; [batch, time, features] is supported'
                      % len(dims))
    axes0 = ['i0', 'i1', 'f'] if len(dims) == 3 else ['b', 'f']
    vals[inputs[0].name] = _Act(axes0, 0)
    layers, notes = [], []
    rename = {}   # 'i0'/'i1' -> 't'/'b' once a recurrent op tells

    def axes_of(a):
        return [rename.get(x, x) for x in a.axes]

    def fail(k, n, why):
        raise Refused('node %d (%s %r): %s' % (k, n.op_type, n.name, why))

    def need_const(k, n, name, what):
        v = vals.get(name)
        if not isinstance(v, np.ndarray):
            fail(k, n, '%s must be a constant' % what)
        return v

    def frontier(k, n, a):
        if a.depth != len(layers):
            fail(k, n, 'the graph is not a linear chain of layers')

    def make_last(k, n):
        """The last recurrent layer hands on only its final step (allowed when
        only Dense layers, which act per step, follow it)."""
        rec = [i for i, l in enumerate(layers) if l.recurrent]
        if not rec or any(not l.kind == 'dense' for l in layers[rec[-1] + 1:]):
            fail(k, n, 'takes one time step of something that is not a recurrent output')
        layers[rec[-1]].return_sequences = False

    for k, n in enumerate(g.node):
        op, a = n.op_type, _attrs(n, helper)
        ins = [vals.get(i) if i else None for i in n.input]
        acts = [v for v in ins if isinstance(v, _Act)]
        out = None
        if op == 'Constant':
            out = numpy_helper.to_array(a['value']) if 'value' in a else \
                np.array(a.get('value_float', a.get('value_int', a.get('value_ints'))))
        elif op in ('Identity', 'Dropout'):
            out = ins[0]
            if op == 'Dropout':
                notes.append('node %d (Dropout) is the identity at inference' % k)
        elif op == 'Shape':
            out = _ShapeVal()
        elif not acts:
            out = _fold(op, a, ins, k, n, fail)
        elif op == 'Transpose':
            x = ins[0]
            out = _Act([x.axes[p] for p in a['perm']], x.depth, x.last)
        elif op in ('RNN', 'LSTM', 'GRU'):
            x = ins[0]
            frontier(k, n, x)
            if len(acts) != 1 or x is not ins[0]:
                fail(k, n, 'only X may come from the model; weights must be constants')
            ax = axes_of(x)
            want = ['t', 'b', 'f'] if not a.get('layout', 0) else ['b', 't', 'f']
            if len(ax) != 3 or ax[2] != 'f' or any(
                    p not in ('i0', 'i1', w) for p, w in zip(ax[:2], want[:2])):
                fail(k, n, 'input axes %s, expected %s' % (ax, want))
            for p, w in zip(x.axes[:2], want[:2]):
                if p in ('i0', 'i1'):
                    rename[p] = w
            layers.append(_recurrent_layer(op, a, ins, n.input, k, n, fail, len(layers)))
            lay = a.get('layout', 0)
            y_axes = ['t', 'd', 'b', 'f'] if not lay else ['b', 't', 'd', 'f']
            h_axes = ['d', 'b', 'f'] if not lay else ['b', 'd', 'f']
            outs = [_Act(y_axes, len(layers)), _Act(h_axes, len(layers), last=True)]
            for o, v in zip(n.output, outs):
                if o:
                    vals[o] = v
            if len(n.output) > 2 and n.output[2]:
                vals[n.output[2]] = None   # Y_c: using it is refused below
            continue
        elif op == 'Squeeze':
            x = ins[0]
            sq = list(need_const(k, n, n.input[1], 'axes')) if len(n.input) > 1 else \
                list(a.get('axes', []))
            sq = [s % len(x.axes) for s in sq]
            keep = [ax for i, ax in enumerate(x.axes) if i not in sq]
            for s in sq:
                if x.axes[s] == 'T1':
                    make_last(k, n)
                elif x.axes[s] != 'd':
                    fail(k, n, 'squeezes axis %r' % x.axes[s])
            if x.last:
                frontier(k, n, x)
                make_last(k, n)
            out = _Act(keep, x.depth)
        elif op == 'Gather':
            x = ins[0]
            idx = need_const(k, n, n.input[1], 'indices')
            axis = a.get('axis', 0) % len(x.axes)
            steps = _time_dim(dims, axes_of(x)[axis], rename) or time_steps
            if axes_of(x)[axis] != 't' or idx.ndim != 0 or \
                    not (int(idx) == -1 or (steps and int(idx) == steps - 1)):
                fail(k, n, 'only the last time step can be taken from the sequence')
            frontier(k, n, x)
            make_last(k, n)
            out = _Act([ax for i, ax in enumerate(x.axes) if i != axis], x.depth)
        elif op == 'Slice':
            x = ins[0]
            starts, ends = (need_const(k, n, n.input[i], 'starts/ends') for i in (1, 2))
            sl_axes = need_const(k, n, n.input[3], 'axes') if len(n.input) > 3 and \
                n.input[3] else np.arange(len(starts))
            steps_in = need_const(k, n, n.input[4], 'steps') if len(n.input) > 4 and \
                n.input[4] else np.ones(len(starts), np.int64)
            if len(starts) != 1 or int(steps_in[0]) != 1:
                fail(k, n, 'only a slice of the last time step is supported')
            axis = int(sl_axes[0]) % len(x.axes)
            steps = _time_dim(dims, axes_of(x)[axis], rename) or time_steps
            if axes_of(x)[axis] != 't' or not (int(starts[0]) == -1 or
                                               (steps and int(starts[0]) == steps - 1)) \
                    or int(ends[0]) < (steps or 2 ** 31):
                fail(k, n, 'only a slice of the last time step is supported')
            out = _Act(['T1' if i == axis else ax for i, ax in enumerate(x.axes)], x.depth)
        elif op in ('Gemm', 'MatMul'):
            x = ins[0]
            frontier(k, n, x)
            if x is not ins[0] or len(acts) != 1:
                fail(k, n, 'only the first operand may come from the model')
            if x.last or axes_of(x)[-1] != 'f' or 'T1' in x.axes:
                fail(k, n, 'input axes %s: the features must be last' % axes_of(x))
            w = need_const(k, n, n.input[1], 'the weight').astype(np.float64)
            if op == 'Gemm':
                if len(x.axes) != 2 or a.get('transA', 0) or a.get('alpha', 1.0) != 1.0 \
                        or a.get('beta', 1.0) != 1.0:
                    fail(k, n, 'only Gemm(x, W, b) with alpha = beta = 1 on [batch, '
                         'features] is supported')
                if a.get('transB', 0):
                    w = w.T
                b = need_const(k, n, n.input[2], 'the bias').reshape(-1) \
                    if len(n.input) > 2 and n.input[2] else np.zeros(w.shape[1])
                if b.size == 1 and w.shape[1] > 1:
                    b = np.full(w.shape[1], b[0])
                layer = Layer('dense', w.shape[1], weights=[w, b])
                layer.bias_open = False
            else:
                layer = Layer('dense', w.shape[1], weights=[w, np.zeros(w.shape[1])])
                layer.bias_open = True
            layer.act_open = True
            layers.append(layer)
            out = _Act(x.axes, len(layers))
        elif op == 'Add':
            x = acts[0]
            other = ins[1] if ins[0] is x else ins[0]
            l = layers[-1] if layers else None
            if len(acts) != 1 or x.depth != len(layers) or not getattr(l, 'bias_open', False) \
                    or not isinstance(other, np.ndarray):
                fail(k, n, 'only a constant bias right after MatMul is supported')
            b = np.broadcast_to(other, (l.units,)) if other.size in (1, l.units) else None
            if b is None or other.shape[-1:] not in ((l.units,), (1,), ()):
                fail(k, n, 'bias of shape %s' % (other.shape,))
            l.weights[1] = np.array(b, dtype=np.float64)
            l.bias_open = False
            out = _Act(x.axes, x.depth)
        elif op in ('Relu', 'Tanh', 'Sigmoid', 'HardSigmoid'):
            x = ins[0]
            l = layers[-1] if layers else None
            if x.depth != len(layers) or not getattr(l, 'act_open', False):
                fail(k, n, 'an activation is supported only right after a Dense layer '
                     '(Gemm, MatMul + Add)')
            if op == 'HardSigmoid' and (F32(a.get('alpha', 0.2)) != F32(0.2) or
                                        F32(a.get('beta', 0.5)) != F32(0.5)):
                fail(k, n, 'HardSigmoid with alpha %g, beta %g (only 0.2, 0.5 maps)'
                     % (a.get('alpha', 0.2), a.get('beta', 0.5)))
            l.activation = {'Relu': 'relu', 'Tanh': 'tanh', 'Sigmoid': 'sigmoid',
                            'HardSigmoid': 'hard_sigmoid'}[op]
            l.act_open = l.bias_open = False
            out = _Act(x.axes, x.depth)
        else:
            fail(k, n, 'operator not supported on the model\'s data')
        for o in n.output:
            if o:
                vals[o] = out
    outs = [vals.get(o.name) for o in g.output]
    if not isinstance(outs[0], _Act):
        raise Refused('the graph output does not come from the input')
    y = outs[0]
    if y.depth != len(layers) or not layers:
        raise Refused('the graph output is not the end of a chain of layers')
    if len(outs) > 1:
        notes.append('only the first graph output (%s) is converted' % g.output[0].name)
    for l in layers:
        for attr in ('bias_open', 'act_open'):
            if hasattr(l, attr):
                delattr(l, attr)
    ax = axes_of(y)
    if ax[-1] != 'f' or ax[:-1] not in (['b'], ['b', 't'], ['t', 'b'], ['i0', 'i1'],
                                         ['b', 'T1'], ['T1', 'b']):
        raise Refused('graph output axes %s are not [batch, (time,) features]' % ax)
    # The input's time axis: known from the recurrent op, else the second.
    t_label = next((lbl for lbl, v in rename.items() if v == 't'), 'i1')
    if len(axes0) == 2:
        steps = 1
    else:
        steps = dims[axes0.index(t_label)] or time_steps
        if t_label == 'i0':
            notes.append('the graph input is time-major [time, batch, features]; the rnnlite '
                         'model takes [batch, time, features]')
    if ax[:-1] == ['t', 'b']:
        notes.append('the graph output is time-major; the rnnlite model gives [batch, time, '
                     'units]')
    n_features = dims[-1]
    model = Model(steps, n_features, layers)
    model.notes = notes
    for p in m.metadata_props:
        if p.key == meta_mod.KEY:
            model.meta = meta_mod.from_json(p.value)
    for l in layers:
        l.weights = [_to_f32(w) for w in l.weights]
    return model.check()


def _to_f32(w):
    w = np.asarray(w)
    f = w.astype(np.float32)
    return f if w.dtype in (np.float32, np.float64) else w


def _time_dim(dims, label, rename):
    src = {v: k for k, v in rename.items()}.get(label)
    if src in ('i0', 'i1'):
        return dims[int(src[1])]
    return None


def _fold(op, a, ins, k, n, fail):
    """Nodes on constants, shape-derived integers and zero tensors."""
    if any(isinstance(v, _Zeros) for v in ins):
        if op in ('Expand', 'Slice', 'Squeeze', 'Unsqueeze', 'Reshape', 'Cast', 'Transpose',
                  'Identity', 'Gather'):
            return _Zeros() if isinstance(ins[0], _Zeros) else _ShapeVal()
        fail(k, n, 'an operation on a zero tensor that is not shape plumbing')
    if op == 'ConstantOfShape':
        v = a.get('value')
        if v is not None:
            from onnx import numpy_helper
            v = numpy_helper.to_array(v)
        if v is not None and np.any(v != 0):
            fail(k, n, 'a constant state other than zero')
        if isinstance(ins[0], np.ndarray):
            return np.zeros(tuple(int(d) for d in ins[0]),
                            v.dtype if v is not None else np.float32)
        return _Zeros()
    if any(isinstance(v, _ShapeVal) for v in ins):
        if op in ('Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Slice', 'Cast', 'Add', 'Sub',
                  'Mul', 'Div', 'Reshape', 'Equal', 'Where', 'Range', 'Expand'):
            return _ShapeVal()
        fail(k, n, 'shape arithmetic not supported')
    if any(v is None for v in ins if v is not None) or any(
            not isinstance(v, np.ndarray) for v in ins if v is not None):
        fail(k, n, 'uses a tensor this converter cannot follow')
    try:
        if op == 'Unsqueeze':
            x = ins[0]
            for ax in sorted(int(v) for v in ins[1]):
                x = np.expand_dims(x, ax)
            return x
        if op == 'Squeeze':
            return np.squeeze(ins[0], tuple(int(v) for v in ins[1])) if len(ins) > 1 \
                else np.squeeze(ins[0])
        if op == 'Concat':
            return np.concatenate(ins, axis=a['axis'])
        if op == 'Gather':
            return np.take(ins[0], ins[1], axis=a.get('axis', 0))
        if op == 'Cast':
            from onnx import helper
            return ins[0].astype(helper.tensor_dtype_to_np_dtype(a['to']))
        if op == 'Transpose':
            return np.transpose(ins[0], a.get('perm'))
        if op == 'Reshape':
            return ins[0].reshape(ins[1])
        if op == 'Expand':
            return ins[0] * np.ones(ins[1], ins[0].dtype)
        if op == 'Slice':
            x = ins[0]
            axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(ins[1]))
            steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(ins[1])
            idx = [slice(None)] * x.ndim
            for s, e, ax, st in zip(ins[1], ins[2], axes, steps):
                idx[int(ax)] = slice(int(s), int(e), int(st))
            return x[tuple(idx)]
        if op in ('Add', 'Sub', 'Mul', 'Div'):
            return {'Add': np.add, 'Sub': np.subtract, 'Mul': np.multiply,
                    'Div': np.divide}[op](ins[0], ins[1])
    except Exception as e:   # malformed constants
        fail(k, n, 'cannot evaluate: %s' % e)
    fail(k, n, 'operator not supported')


def _recurrent_layer(op, a, ins, names, k, n, fail, index):
    for key, bad in (('direction', lambda v: v not in (None, 'forward', b'forward')),
                     ('clip', lambda v: v is not None),
                     ('input_forget', lambda v: bool(v))):
        if bad(a.get(key)):
            fail(k, n, '%s=%r cannot be mapped' % (key, a.get(key)))
    u = int(a['hidden_size'])
    G = {'RNN': 1, 'LSTM': 4, 'GRU': 3}[op]
    W, R = (np.asarray(ins[i], np.float64) if isinstance(ins[i], np.ndarray) else
            fail(k, n, '%s must be a constant' % ('WR'[i - 1])) for i in (1, 2))
    if W.shape[0] != 1:
        fail(k, n, 'only one direction is supported')
    W, R = W[0], R[0]
    B = np.zeros(2 * G * u)
    if len(ins) > 3 and names[3]:
        if not isinstance(ins[3], np.ndarray):
            fail(k, n, 'B must be a constant')
        B = np.asarray(ins[3], np.float64)[0]
    if len(ins) > 4 and names[4]:
        fail(k, n, 'sequence_lens is not supported (every window has all its steps)')
    for i, what in ((5, 'initial_h'), (6, 'initial_c')):
        if len(ins) > i and names[i]:
            v = ins[i]
            if not (isinstance(v, _Zeros) or (isinstance(v, np.ndarray) and not np.any(v))):
                fail(k, n, '%s must be zero (rnnlite starts every window from zero state)'
                     % what)
    if op == 'LSTM' and len(ins) > 7 and names[7]:
        if not (isinstance(ins[7], np.ndarray) and not np.any(ins[7])):
            fail(k, n, 'peephole weights are not supported')
    defaults = {'RNN': ['Tanh'], 'LSTM': ['Sigmoid', 'Tanh', 'Tanh'], 'GRU': ['Sigmoid', 'Tanh']}
    acts = [x.decode() if isinstance(x, bytes) else x for x in a.get('activations',
                                                                    defaults[op])]
    alphas, betas = list(a.get('activation_alpha', [])), list(a.get('activation_beta', []))
    names_out = []
    for act in acts:
        low = act.lower()
        if low in ('affine', 'hardsigmoid'):
            dflt = (1.0, 0.0) if low == 'affine' else (0.2, 0.5)
            al = alphas.pop(0) if alphas else dflt[0]
            be = betas.pop(0) if betas else dflt[1]
            if (F32(al), F32(be)) != (F32(dflt[0]), F32(dflt[1])):
                fail(k, n, '%s(%g, %g) has no rnnlite equivalent' % (act, al, be))
            names_out.append('linear' if low == 'affine' else 'hard_sigmoid')
        elif low in ('tanh', 'sigmoid', 'relu'):
            names_out.append(low)
        else:
            fail(k, n, 'activation %s has no rnnlite equivalent' % act)
    if op == 'LSTM' and names_out[1] != names_out[2]:
        fail(k, n, 'LSTM with different cell and output activations (%s, %s)'
             % (names_out[1], names_out[2]))
    wb, rb = B[:G * u], B[G * u:]
    if op == 'LSTM':
        kernel, rec = _lstm_onnx_to_keras(W, u).T, _lstm_onnx_to_keras(R, u).T
        bias = _lstm_onnx_to_keras(wb + rb, u)
        return Layer('lstm', u, names_out[1], names_out[0], True, [kernel, rec, bias])
    if op == 'GRU':
        if a.get('linear_before_reset', 0):
            return Layer('gru', u, names_out[1], names_out[0], True,
                         [W.T, R.T, np.stack([wb, rb])])
        return Layer('gru_reset_before', u, names_out[1], names_out[0], True,
                     [W.T, R.T, wb + rb])
    return Layer('simple_rnn', u, names_out[0], 'linear', True, [W.T, R.T, wb + rb])
