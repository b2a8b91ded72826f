"""Keras model configurations (the JSON of a Keras 3 .keras archive, of a
legacy .h5 file's model_config attribute and of a TensorFlow.js model.json's
modelTopology) to and from a Model.

Followed: keras-team/keras keras/src/models/sequential.py (get_config,
InputLayer first), keras/src/models/functional.py (inbound_nodes),
keras/src/layers/rnn/{simple_rnn,lstm,gru}.py and core/dense.py (get_config);
tfjs-layers' serialization as @tensorflow/tfjs 4.22 writes it (snake_case
keys, batch_input_shape on the first layer, GRU without reset_after).
"""
import numpy as np

from .model import ACTIVATIONS, CLASS_NAMES, Layer, Model, Refused, refuse_layer

# Layers that do nothing at inference: dropped, and the notes say so.
INFERENCE_NOOPS = ('Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout',
                   'AlphaDropout', 'ActivityRegularization')
RECURRENT = {'SimpleRNN': 'simple_rnn', 'LSTM': 'lstm', 'GRU': 'gru'}
REASONS = {
    'Masking': 'masking is not supported (rnnlite windows have no padding steps)',
    'Bidirectional': 'bidirectional layers are not supported',
    'TimeDistributed': 'TimeDistributed is not supported (use Dense, which acts per step)',
    'RNN': 'generic RNN layers (custom cells) are not supported',
    'ConvLSTM1D': 'convolutional recurrent layers are not supported',
    'Embedding': 'embeddings are not supported (inputs are real-valued series)',
}


def _activation(value, index, cls, dialect, what='activation'):
    """Keras activation config -> rnnlite name. dialect 'keras3' reads
    'hard_sigmoid' as Keras 3's relu6(x + 3) / 6, which rnnlite does not have."""
    if value is None:
        return 'linear'
    if isinstance(value, dict):   # {"class_name": "function", "config": "tanh", ...}
        value = value.get('config', value.get('class_name'))
        if isinstance(value, dict):
            value = value.get('name')
    name = {'hardSigmoid': 'hard_sigmoid', 'hard_sigmoid': 'hard_sigmoid'}.get(value, value)
    if name == 'hard_sigmoid' and dialect == 'keras3':
        refuse_layer(index, cls, "%s 'hard_sigmoid' of Keras 3 is relu6(x + 3) / 6; rnnlite "
                     "has only the Keras 2 / TF.js clip(0.2 x + 0.5, 0, 1)" % what)
    if name not in ACTIVATIONS:
        refuse_layer(index, cls, '%s %r has no rnnlite equivalent' % (what, value))
    return name


def _input_shape(layer_cfg):
    c = layer_cfg.get('config', {})
    for key in ('batch_shape', 'batch_input_shape'):
        if c.get(key):
            return list(c[key])[1:]
    bc = layer_cfg.get('build_config') or {}
    if bc.get('input_shape'):
        return list(bc['input_shape'])[1:]
    return None


def _inbound_names(layer_cfg):
    """Names of the layers feeding a functional model's layer."""
    names = []
    for node in layer_cfg.get('inbound_nodes') or []:
        if isinstance(node, dict):   # Keras 3
            for arg in node.get('args', []):
                hist = (arg.get('config') or {}).get('keras_history') if isinstance(arg, dict) \
                    else None
                if hist:
                    names.append(hist[0])
        else:                        # Keras 2 / TF.js: [[name, node, tensor, kwargs], ...]
            for item in node:
                names.append(item[0])
    return names


def _layer_list(config):
    """The layers of a Sequential model, or of a functional model that is a
    linear chain, in order."""
    cls = config.get('class_name')
    cfg = config.get('config', {})
    if cls == 'Sequential':
        layers = cfg['layers'] if isinstance(cfg, dict) else cfg
        return layers, cfg.get('build_input_shape') if isinstance(cfg, dict) else None
    if cls in ('Functional', 'Model'):
        layers = cfg['layers']
        for k in range(1, len(layers)):
            inbound = _inbound_names(layers[k])
            if inbound != [layers[k - 1]['config'].get('name', layers[k - 1].get('name'))] and \
                    inbound != [layers[k - 1].get('name')]:
                raise Refused('layer %d (%s): the functional model is not a linear chain '
                              '(inputs %s)' % (k, layers[k]['class_name'], inbound))
        if len(cfg.get('input_layers', [[]])) > 1 and isinstance(cfg['input_layers'][0], list):
            raise Refused('the functional model has several inputs')
        return layers, None
    raise Refused('model class %r is not supported (Sequential or a linear functional chain)'
                  % cls)


def parse(config, weights_of, dialect, time_steps=None):
    """Model from a Keras model config.

    weights_of(index, layer_cfg) gives the layer's weight arrays in
    get_weights() order; dialect is 'keras2', 'keras3' or 'tfjs'."""
    layers_cfg, build_shape = _layer_list(config)
    shape = None
    model_layers, notes = [], []
    for index, lc in enumerate(layers_cfg):
        cls, c = lc['class_name'], lc.get('config', {})
        if shape is None:
            shape = _input_shape(lc)
        if cls == 'InputLayer':
            continue
        if cls in INFERENCE_NOOPS:
            notes.append('layer %d (%s) dropped: it does nothing at inference' % (index, cls))
            continue
        if cls == 'Activation':
            prev = model_layers[-1] if model_layers else None
            if prev is None or prev.kind != 'dense' or prev.activation != 'linear':
                refuse_layer(index, cls, 'an Activation layer is supported only right after '
                             'a linear Dense layer')
            prev.activation = _activation(c.get('activation'), index, cls, dialect)
            continue
        if cls in REASONS:
            refuse_layer(index, cls, REASONS[cls])
        if cls == 'Dense':
            layer = Layer('dense', c['units'], _activation(c.get('activation'), index, cls,
                                                           dialect))
        elif cls in RECURRENT:
            for key, why in (('go_backwards', 'go_backwards=True is not supported'),
                             ('stateful', 'stateful=True is not supported'),
                             ('return_state', 'return_state=True is not supported'),
                             ('time_major', 'time_major=True is not supported')):
                if c.get(key):
                    refuse_layer(index, cls, why)
            if c.get('dropout') or c.get('recurrent_dropout'):
                notes.append('layer %d (%s): dropout dropped (it does nothing at inference)'
                             % (index, cls))
            kind = RECURRENT[cls]
            if kind == 'gru':
                reset_after = c.get('reset_after', dialect == 'keras3')
                if dialect == 'tfjs':
                    reset_after = False   # the only GRU TF.js implements
                kind = 'gru' if reset_after else 'gru_reset_before'
            act = _activation(c.get('activation', 'tanh'), index, cls, dialect)
            rec = _activation(c.get('recurrent_activation', 'sigmoid'), index, cls, dialect,
                              'recurrent_activation') if kind != 'simple_rnn' else 'linear'
            layer = Layer(kind, c['units'], act, rec, c.get('return_sequences', False))
        else:
            refuse_layer(index, cls, 'layer class not supported')
        ws = [np.asarray(w) for w in weights_of(index, lc)]
        if not c.get('use_bias', True):   # no bias is a zero bias
            width = model_layers[-1].units if model_layers else None
            gu = layer.gates * layer.units
            ws.append(np.zeros((gu,) if layer.bias_rows == 1 else (layer.bias_rows, gu),
                               np.float32))
        layer.weights = ws
        layer.source_index = index
        model_layers.append(layer)
    if shape is None:
        shape = list(build_shape)[1:] if build_shape else None
    if not shape or len(shape) != 2 or shape[1] is None:
        raise Refused('the model does not state its input shape [time_steps, n_features]')
    steps = shape[0] or time_steps
    model = Model(steps, shape[1], model_layers)
    model.notes = notes
    return model.check()


def activation_name(name, dialect):
    if name == 'hard_sigmoid' and dialect == 'keras3':
        raise Refused("hard_sigmoid (Keras 2 / TF.js definition) has no Keras 3 equivalent: "
                      "Keras 3's hard_sigmoid is relu6(x + 3) / 6")
    return name


def layer_names(model, dialect):
    """Unique layer names as Keras would generate them."""
    used, names = {}, []
    base = {'dense': 'dense', 'simple_rnn': 'simple_rnn', 'lstm': 'lstm', 'gru': 'gru',
            'gru_reset_before': 'gru'}
    for l in model.layers:
        b = base[l.kind]
        n = used.get(b, 0)
        used[b] = n + 1
        names.append(b if n == 0 else '%s_%d' % (b, n))
    return names


def _initializers(dialect, recurrent):
    if dialect == 'keras3':
        def init(cls, cfg):
            return {'module': 'keras.initializers', 'class_name': cls, 'config': cfg,
                    'registered_name': None}
    else:
        def init(cls, cfg):
            return {'class_name': cls, 'config': cfg}
    out = {'kernel_initializer': init('GlorotUniform', {'seed': None}),
           'bias_initializer': init('Zeros', {})}
    if recurrent:
        out['recurrent_initializer'] = init('Orthogonal', {'gain': 1.0, 'seed': None})
    return out


def emit(model, dialect):
    """Sequential config of the model: dialect 'keras3' (what Keras 3's
    Sequential.get_config() gives, wrapped by serialize_keras_object) or
    'tfjs' (what tfjs-layers writes)."""
    names = layer_names(model, dialect)
    shape = [None, model.time_steps, model.n_features]
    layers = []
    if dialect == 'keras3':
        layers.append({'module': 'keras.layers', 'class_name': 'InputLayer',
                       'config': {'batch_shape': shape, 'dtype': 'float32', 'sparse': False,
                                  'name': 'input_layer'},
                       'registered_name': None})
    width = model.n_features
    steps = model.time_steps
    for i, (l, name) in enumerate(zip(model.layers, names)):
        cls = CLASS_NAMES[l.kind]
        c = {'name': name, 'trainable': True}
        if dialect == 'keras3':
            c['dtype'] = {'module': 'keras', 'class_name': 'DTypePolicy',
                          'config': {'name': 'float32'}, 'registered_name': None}
        else:
            c['dtype'] = 'float32'
            if i == 0:
                c['batch_input_shape'] = shape
        c['units'] = l.units
        c['activation'] = activation_name(l.activation, dialect)
        if l.kind != 'dense':
            if l.kind != 'simple_rnn':
                c['recurrent_activation'] = activation_name(l.recurrent_activation, dialect)
        c['use_bias'] = True
        c.update(_initializers(dialect, l.recurrent))
        for k in ('kernel_regularizer', 'bias_regularizer', 'activity_regularizer',
                  'kernel_constraint', 'bias_constraint'):
            c[k] = None
        if l.recurrent:
            c.update({'recurrent_regularizer': None, 'recurrent_constraint': None,
                      'dropout': 0.0, 'recurrent_dropout': 0.0})
            if l.kind == 'lstm':
                c['unit_forget_bias'] = True
            if l.kind in ('gru', 'gru_reset_before'):
                if dialect == 'tfjs' and l.kind == 'gru':
                    raise Refused('layer %d (GRU): TensorFlow.js implements only GRU with '
                                  'reset_after=False' % i)
                if dialect != 'tfjs':
                    c['reset_after'] = l.kind == 'gru'
            c.update({'return_sequences': l.return_sequences, 'return_state': False,
                      'go_backwards': False, 'stateful': False, 'unroll': False})
            if dialect == 'keras3':
                c['seed'] = None
        entry = {'class_name': cls, 'config': c}
        if dialect == 'keras3':
            in_shape = [None, steps, width] if steps is not None else [None, width]
            entry = {'module': 'keras.layers', 'class_name': cls, 'config': c,
                     'registered_name': None, 'build_config': {'input_shape': in_shape}}
        layers.append(entry)
        width = l.units
        if l.recurrent and not l.return_sequences:
            steps = None
    if dialect == 'keras3':
        return {'module': 'keras', 'class_name': 'Sequential',
                'config': {'name': 'sequential', 'trainable': True,
                           'dtype': {'module': 'keras', 'class_name': 'DTypePolicy',
                                     'config': {'name': 'float32'}, 'registered_name': None},
                           'layers': layers},
                'registered_name': None, 'build_config': {'input_shape': shape},
                'compile_config': None}
    return {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': layers}}
