"""TensorFlow.js layers models: model.json (format "layers-model") with its
weight files beside it, as tfjs-layers 4.x saves them (the file handler of
@tensorflow/tfjs-node writes weights.bin; weightsManifest lists, per group,
the shard files, concatenated in order, and the float32 tensors in them).
rnnlite's metadata goes into userDefinedMetadata, the place tfjs keeps for it."""
import json
import os

import numpy as np

from . import keras_config, meta as meta_mod
from .model import Refused

TFJS_VERSION = '4.22.0'


def read(path, time_steps=None):
    with open(path, 'rb') as f:
        doc = json.load(f)
    if doc.get('format') not in (None, 'layers-model'):
        raise Refused('%s is a TensorFlow.js %s, not a layers model' % (path, doc.get('format')))
    topo = doc['modelTopology']
    config = topo.get('model_config', topo)
    base = os.path.dirname(path)
    tensors = {}
    for group in doc.get('weightsManifest', []):
        blob = b''.join(open(os.path.join(base, p), 'rb').read() for p in group['paths'])
        at = 0
        for spec in group['weights']:
            if spec.get('quantization'):
                raise Refused('weight %s is quantized: not exact' % spec['name'])
            if spec.get('dtype', 'float32') != 'float32':
                raise Refused('weight %s has dtype %s' % (spec['name'], spec['dtype']))
            n = int(np.prod(spec['shape'])) if spec['shape'] else 1
            tensors[spec['name']] = np.frombuffer(blob, '<f4', n, at).reshape(spec['shape'])
            at += 4 * n
        if at != len(blob):
            raise Refused('weight files of %s hold %d bytes, the manifest lists %d'
                          % (path, len(blob), at))

    def weights_of(index, lc):
        name = lc['config'].get('name', lc.get('name'))
        mine = [k for k in tensors if k.startswith(name + '/')]

        def rank(k):
            leaf = k.rsplit('/', 1)[-1].split(':')[0]
            return {'kernel': 0, 'recurrent_kernel': 1, 'bias': 2}.get(leaf, 3)
        return [tensors[k] for k in sorted(mine, key=rank) if rank(k) < 3]

    model = keras_config.parse(config, weights_of, 'tfjs', time_steps)
    if meta_mod.KEY in doc.get('userDefinedMetadata', {}):
        model.meta = meta_mod.from_json(doc['userDefinedMetadata'][meta_mod.KEY])
    return model


def write(model, path):
    """(model.json bytes, weight file name, weight bytes)."""
    config = keras_config.emit(model, 'tfjs')
    names = keras_config.layer_names(model, 'tfjs')
    stem = os.path.basename(path)[:-len('.json')] if path.endswith('.json') else 'model'
    bin_name = 'weights.bin' if stem == 'model' else stem + '.weights.bin'
    specs, blob = [], b''
    for l, name in zip(model.layers, names):
        leaves = ['kernel', 'recurrent_kernel', 'bias'] if l.recurrent else ['kernel', 'bias']
        for leaf, w in zip(leaves, l.weights):
            specs.append({'name': '%s/%s' % (name, leaf), 'shape': list(w.shape),
                          'dtype': 'float32'})
            blob += w.astype('<f4').tobytes()
    topo = dict(config)
    topo['keras_version'] = 'tfjs-layers ' + TFJS_VERSION
    topo['backend'] = 'tensor_flow.js'
    doc = {'modelTopology': topo, 'format': 'layers-model',
           'generatedBy': 'rnnlite-convert', 'convertedBy': None,
           'weightsManifest': [{'paths': ['./' + bin_name], 'weights': specs}]}
    carried = meta_mod.to_json(model.meta)
    if carried:
        doc['userDefinedMetadata'] = {meta_mod.KEY: carried}
    return json.dumps(doc).encode(), bin_name, blob
