"""Command line: rnnlite-convert IN OUT [--from F] [--to F] [--arch A]
[--time-steps N]. Exit status 0 when the conversion is exact (notes about
what does nothing at inference may be printed), 1 when it is refused (the
message names the layer and the reason), 2 for usage errors."""
import argparse
import os
import sys
import tempfile

from . import rlm
from .model import Refused

FORMATS = ('rlm', 'onnx', 'keras', 'h5', 'tfjs', 'torch')


def guess_format(path):
    low = path.lower()
    base = os.path.basename(low)
    if low.endswith('.rlm'):
        return 'rlm'
    if low.endswith('.onnx'):
        return 'onnx'
    if low.endswith('.keras'):
        return 'keras'
    if low.endswith('.h5') or low.endswith('.hdf5'):
        return 'h5'
    if base == 'model.json' or low.endswith('.json'):
        return 'tfjs'
    if low.endswith('.pt') or low.endswith('.pth'):
        return 'torch'
    return None


def read_model(path, fmt, args):
    if fmt == 'rlm':
        with open(path, 'rb') as f:
            return rlm.read(f.read())
    if fmt == 'onnx':
        from . import onnx_fmt
        with open(path, 'rb') as f:
            return onnx_fmt.read(f.read(), args.time_steps)
    if fmt == 'keras':
        from . import keras_files
        with open(path, 'rb') as f:
            return keras_files.read_keras(f.read(), args.time_steps)
    if fmt == 'h5':
        from . import keras_files
        return keras_files.read_h5(path, args.time_steps)
    if fmt == 'tfjs':
        from . import tfjs
        return tfjs.read(path, args.time_steps)
    from . import torch_fmt
    return torch_fmt.read(path, args.arch, args.time_steps)


def write_atomic(path, data):
    """Replaces path with data, or leaves it as it was: a temporary file
    beside it, fsync, rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + '.tmp.', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def encode(model, path, fmt):
    """[(path, bytes)] to write, the main file last (written after the
    files it refers to). Everything is produced before anything is written,
    so a refusal leaves no file behind."""
    if fmt == 'rlm':
        return [(path, rlm.write(model))]
    if fmt == 'onnx':
        from . import onnx_fmt
        return [(path, onnx_fmt.write(model))]
    if fmt == 'keras':
        from . import keras_files
        return [(path, keras_files.write_keras(model))]
    if fmt == 'tfjs':
        from . import tfjs
        doc, bin_name, blob = tfjs.write(model, path)
        return [(os.path.join(os.path.dirname(path), bin_name), blob), (path, doc)]
    if fmt == 'torch':
        from . import torch_fmt
        sd, source = torch_fmt.write(model)
        return [(torch_fmt.module_path(path), source.encode()), (path, sd)]
    raise Refused('writing %s files is not supported (legacy .h5 is read only; write .keras)'
                  % fmt)


def main(argv=None):
    p = argparse.ArgumentParser(
        prog='rnnlite-convert',
        description='Convert models exactly between rnnlite (.rlm), ONNX (.onnx), Keras '
                    '(.keras, .h5), TensorFlow.js (model.json) and PyTorch state_dicts '
                    '(.pt, .pth). Exit status 0 only when the conversion is exact.')
    p.add_argument('input')
    p.add_argument('output')
    p.add_argument('--from', dest='src', choices=FORMATS, help='format of IN (default: by name)')
    p.add_argument('--to', dest='dst', choices=FORMATS, help='format of OUT (default: by name)')
    p.add_argument('--arch', help='layers of a PyTorch state_dict, e.g. lstm:50,dense:1')
    p.add_argument('--time-steps', type=int, help='window length, when IN leaves it free')
    args = p.parse_args(argv)
    src = args.src or guess_format(args.input)
    dst = args.dst or guess_format(args.output)
    for path, fmt, opt in ((args.input, src, '--from'), (args.output, dst, '--to')):
        if fmt is None:
            p.error('cannot tell the format of %s from its name: give %s' % (path, opt))
    try:
        model = read_model(args.input, src, args)
        files = encode(model, args.output, dst)
        for path, data in files:
            write_atomic(path, data)
    except Refused as e:
        print('rnnlite-convert: %s: refused: %s' % (args.input, e), file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError) as e:
        print('rnnlite-convert: %s: %s' % (args.input, e), file=sys.stderr)
        return 1
    for note in model.notes:
        print('rnnlite-convert: note: ' + note, file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
