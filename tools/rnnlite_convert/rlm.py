"""rnnlite model files (.rlm), read and written from docs/format.md alone,
so the converter runs where the C library is not installed (a machine that
serves the ONNX file, a CI job that only converts)."""
import binascii
import struct

import numpy as np

from .model import Layer, Model, Refused

MAGIC = b'\x89RLM\r\n\x1a\n'
VERSIONS = (1, 2)   # 2: rnnlite 0.2 (TRGT; new kinds and activations)
REQUIRED = 1

# Numbers stored in the file (docs/format.md); never renumbered.
KIND_NUMBERS = {'dense': 0, 'simple_rnn': 1, 'lstm': 2, 'gru': 3, 'gru_reset_before': 4}
ACT_NUMBERS = {'linear': 0, 'relu': 1, 'tanh': 2, 'sigmoid': 3, 'hard_sigmoid': 4}
KIND_NAMES = {v: k for k, v in KIND_NUMBERS.items()}
ACT_NAMES = {v: k for k, v in ACT_NUMBERS.items()}

# A model that comes from another format is saved with the library's
# defaults: 12 parameters, none set by the user (docs/format.md, PARM), Adam
# and MSE (what rl_model_compile() is most often given; predictions do not
# depend on it).
PARAM_DEFAULTS = (0.001, 0.9, 0.999, 1e-7, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.9)
SCALER_KINDS = {1: 'minmax', 2: 'standard'}


class BadFile(Refused):
    pass


def _need(cond, what):
    if not cond:
        raise BadFile('not a valid rnnlite model file: ' + what)


def _sections(data):
    _need(len(data) >= 24 and data[:8] == MAGIC, 'bad magic')
    version, size = struct.unpack_from('<IQ', data, 8)
    _need(version in VERSIONS, 'format version %d is not known to this converter' % version)
    _need(size == len(data), 'size field %d, file %d bytes' % (size, len(data)))
    _need(binascii.crc32(data[:-4]) == struct.unpack_from('<I', data, size - 4)[0],
          'CRC mismatch')
    out, at = [], 20
    while at < size - 4:
        _need(at + 16 <= size - 4, 'section header past the end')
        tag, flags, length = struct.unpack_from('<4sIQ', data, at)
        _need(at + 16 + length <= size - 4, 'section past the end')
        out.append((tag.decode('latin-1'), flags, bytes(data[at + 16:at + 16 + length])))
        at += 16 + length
    tags = [t for t, _, _ in out]
    _need(len(set(tags)) == len(tags), 'a section twice')
    for t in ('ARCH', 'WGHT'):
        _need(t in tags, 'no ' + t)
    return out


def read(data):
    """Model from the bytes of an .rlm file. The sections other than ARCH,
    WGHT and OPTS (the training state, which no other format carries) go
    into model.meta unchanged."""
    secs = _sections(data)
    by_tag = {t: p for t, _, p in secs}
    arch = by_tag['ARCH']
    steps, features, n_layers = struct.unpack_from('<QQQ', arch, 0)
    _need(len(arch) == 24 + 32 * n_layers, 'ARCH length')
    model = Model(steps, features)
    width = features
    for i in range(n_layers):
        kind, act, rec, seq, inw, units = struct.unpack_from('<IIIIQQ', arch, 24 + 32 * i)
        _need(kind in KIND_NAMES, 'layer %d has kind %d, unknown to this converter' % (i, kind))
        _need(act in ACT_NAMES and rec in ACT_NAMES, 'layer %d activation unknown' % i)
        _need(inw == width, 'layer %d input width' % i)
        model.layers.append(Layer(KIND_NAMES[kind], units, ACT_NAMES[act], ACT_NAMES[rec], seq))
        width = units
    wght, at = by_tag['WGHT'], 0
    width = features
    for i, l in enumerate(model.layers):
        shapes = l.weight_shapes(width)
        n = sum(int(np.prod(s)) for s in shapes)
        _need(at + 8 <= len(wght) and struct.unpack_from('<Q', wght, at)[0] == n,
              'layer %d weight count' % i)
        flat = np.frombuffer(wght, dtype='<f4', count=n, offset=at + 8).astype(np.float32)
        at += 8 + 4 * n
        ws, k = [], 0
        for s in shapes:
            c = int(np.prod(s))
            ws.append(flat[k:k + c].reshape(s).copy())
            k += c
        l.weights = ws
        width = l.units
    _need(at == len(wght), 'WGHT length')
    model.meta = {t: (f, p) for t, f, p in secs if t not in ('ARCH', 'WGHT', 'OPTS')}
    return model.check()


def _section(tag, flags, payload):
    return struct.pack('<4sIQ', tag.encode('latin-1'), flags, len(payload)) + payload


def write(model):
    """Bytes of an .rlm file: ARCH, PARM, COMP, WGHT, then the other sections
    model.meta carries (SCAL, targets, transforms...) in their order."""
    model.check()
    if not model.time_steps:
        raise Refused('the input has a free time axis; give the window length with '
                      '--time-steps N')
    arch = struct.pack('<QQQ', model.time_steps, model.n_features, len(model.layers))
    width = model.n_features
    for l in model.layers:
        arch += struct.pack('<IIIIQQ', KIND_NUMBERS[l.kind], ACT_NUMBERS[l.activation],
                            ACT_NUMBERS[l.recurrent_activation] if l.kind not in
                            ('dense', 'simple_rnn') else 0,
                            int(l.return_sequences), width, l.units)
        width = l.units
    wght = b''
    for l in model.layers:
        flat = np.concatenate([w.astype('<f4').ravel() for w in l.weights])
        wght += struct.pack('<Q', flat.size) + flat.tobytes()
    meta = dict(model.meta)
    parm = meta.pop('PARM', (REQUIRED, struct.pack('<IQ', len(PARAM_DEFAULTS), 0) +
                             struct.pack('<%dd' % len(PARAM_DEFAULTS), *PARAM_DEFAULTS)))
    comp = meta.pop('COMP', (REQUIRED, struct.pack('<II', 1, 0)))
    body = _section('ARCH', REQUIRED, arch) + _section('PARM', *parm) + \
        _section('COMP', *comp) + _section('WGHT', REQUIRED, wght)
    for tag, (flags, payload) in meta.items():
        body += _section(tag, flags, payload)
    size = 20 + len(body) + 4
    head = MAGIC + struct.pack('<IQ', VERSIONS[-1], size)
    data = head + body
    return data + struct.pack('<I', binascii.crc32(data))


def scaler_description(meta):
    """The attached scaler as plain numbers (for other formats' metadata,
    where a reader without rnnlite can use them), or None."""
    if 'SCAL' not in meta:
        return None
    p = meta['SCAL'][1]
    kind, n, lo, hi = struct.unpack_from('<IQdd', p, 0)
    a = list(struct.unpack_from('<%dd' % n, p, 28))
    b = list(struct.unpack_from('<%dd' % n, p, 28 + 8 * n))
    if kind == 1:
        return {'kind': 'minmax', 'feature_range': [lo, hi], 'data_min': a, 'data_max': b}
    return {'kind': 'standard', 'mean': a, 'scale': b}
