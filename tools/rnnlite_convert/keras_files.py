"""Keras files: the Keras 3 .keras archive (read and write) and the legacy
HDF5 .h5 file (read). h5py is imported only here.

Layouts followed (keras-team/keras, commit 3422977a, keras/src/saving/):
- .keras (saving_lib.py, _save_model_to_fileobj): a zip, entries
  metadata.json ({"keras_version", "date_saved"}), config.json
  (serialize_keras_object(model)) and model.weights.h5. In the HDF5 file
  (H5IOStore) every saveable's variables are datasets "0", "1", ... of a
  group "<path>/vars" whose attribute "name" is the saveable's name; the
  paths come from _save_state / _save_container_state: the model itself is
  "" (group "vars"), its layers "layers/<snake_case(class)>[_N]" (N counts
  repeats of a class; Sequential.layers leaves out the InputLayer,
  Functional.layers keeps it) and a recurrent layer's weights belong to its
  cell, "layers/lstm/cell/vars".
- .h5 (legacy/saving/legacy_h5_format.py, save_model_to_hdf5): attributes
  keras_version, backend and model_config (JSON) on the file, group
  "model_weights" with attribute layer_names; one group per layer, whose
  attribute weight_names lists its datasets (kernel, recurrent kernel, bias)
  in get_weights() order.
"""
import io
import json
import re
import zipfile

import numpy as np

from . import keras_config, meta as meta_mod
from .model import Refused

# The Keras whose saving code was followed (keras-team/keras 3422977a).
KERAS_VERSION = "3.16.0"


def _h5py():
    try:
        import h5py
    except ImportError:
        raise Refused('the h5py package is needed for Keras files (Debian: python3-h5py)')
    return h5py


def _snake(name):
    name = re.sub(r'\W+', '', name)
    name = re.sub('(.)([A-Z][a-z]+)', r'\1_\2', name)
    return re.sub('([a-z])([A-Z])', r'\1_\2', name).lower()


def _container_paths(config):
    """Weight paths of the config's layers, as _save_container_state names them."""
    layers, _ = keras_config._layer_list(config)
    skip_input = config.get('class_name') == 'Sequential'
    used, paths = {}, []
    for lc in layers:
        if skip_input and lc['class_name'] == 'InputLayer':
            paths.append(None)
            continue
        base = _snake(lc['class_name'])
        if base in used:
            used[base] += 1
            paths.append('layers/%s_%d' % (base, used[base]))
        else:
            used[base] = 0
            paths.append('layers/' + base)
    return paths


def _vars(h5, path):
    for p in (path + '/vars', path + '/cell/vars'):
        if p in h5 and len(h5[p]):
            g = h5[p]
            return [np.array(g[str(i)]) for i in range(len(g))]
    return []


def read_keras(data, time_steps=None):
    h5py = _h5py()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        config = json.loads(zf.read('config.json'))
        metadata = json.loads(zf.read('metadata.json')) if 'metadata.json' in zf.namelist() \
            else {}
        if 'model.weights.h5' not in zf.namelist():
            raise Refused('the .keras archive has no model.weights.h5 (npz weights are not '
                          'supported)')
        weights = zf.read('model.weights.h5')
    paths = _container_paths(config)
    with h5py.File(io.BytesIO(weights), 'r') as h5:
        model = keras_config.parse(config, lambda i, lc: _vars(h5, paths[i]), 'keras3',
                                   time_steps)
    if meta_mod.KEY in metadata:
        model.meta = meta_mod.from_json(metadata[meta_mod.KEY])
    return model


def write_keras(model):
    h5py = _h5py()
    config = keras_config.emit(model, 'keras3')
    buf = io.BytesIO()
    with h5py.File(buf, 'w') as h5:
        h5.create_group('vars').attrs['name'] = 'sequential'
        paths = _container_paths(config)
        names = keras_config.layer_names(model, 'keras3')
        for path, l, name in zip([p for p in paths if p], model.layers, names):
            if l.recurrent:
                h5.create_group(path).create_group('vars').attrs['name'] = name
                g = h5.create_group(path + '/cell').create_group('vars')
                g.attrs['name'] = name + '_cell'
            else:
                g = h5.create_group(path).create_group('vars')
                g.attrs['name'] = name
            for i, w in enumerate(l.weights):
                g.create_dataset(str(i), data=w.astype(np.float32))
    metadata = {'keras_version': KERAS_VERSION, 'date_saved': '2026-01-01@00:00:00'}
    carried = meta_mod.to_json(model.meta)
    if carried:
        metadata[meta_mod.KEY] = carried
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as zf:
        zf.writestr('metadata.json', json.dumps(metadata))
        zf.writestr('config.json', json.dumps(config))
        zf.writestr('model.weights.h5', buf.getvalue())
    return out.getvalue()


def _text(v):
    return v.decode('utf8') if isinstance(v, bytes) else str(v)


def read_h5(path, time_steps=None):
    h5py = _h5py()
    with h5py.File(path, 'r') as f:
        if 'model_config' not in f.attrs:
            raise Refused('the .h5 file has no model_config (a weights-only file): save the '
                          'whole model, or give its config')
        config = json.loads(_text(f.attrs['model_config']))
        version = _text(f.attrs.get('keras_version', '2'))
        dialect = 'keras3' if version.startswith('3') else 'keras2'
        mw = f['model_weights'] if 'model_weights' in f else f

        def weights_of(index, lc):
            name = lc['config'].get('name', lc.get('name'))
            if name not in mw:
                return []
            g = mw[name]
            wn = [_text(n) for n in g.attrs.get('weight_names', [])]
            return [np.array(g[n]) for n in wn]

        model = keras_config.parse(config, weights_of, dialect, time_steps)
        if meta_mod.KEY in f.attrs:
            model.meta = meta_mod.from_json(_text(f.attrs[meta_mod.KEY]))
    return model
