"""A PEP 517 build backend for `pip install .` of the rnnlite Python module.

It needs nothing but the standard library, so pip's isolated build
environment has no requirement to download and `pip install .` works
offline (no setuptools, no wheel package). The wheel holds one pure-Python
file, bindings/python/rnnlite.py; the C library it loads (librnnlite.so.0)
comes from `meson install` or the librnnlite0 package.
"""
import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
MODULE = os.path.join(ROOT, 'bindings', 'python', 'rnnlite.py')
NAME = 'rnnlite'


def _version():
    """The version in meson.build's project(): one source of truth."""
    with open(os.path.join(ROOT, 'meson.build')) as f:
        m = re.search(r"version:\s*'([0-9][^']*)'", f.read())
    return m.group(1)


def _metadata():
    return (f'Metadata-Version: 2.1\nName: {NAME}\nVersion: {_version()}\n'
            'Summary: ctypes binding of librnnlite (recurrent networks for time-series forecasting)\n'
            'License: MIT\nRequires-Python: >=3.7\nRequires-Dist: numpy\n')


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
    return f'{path},sha256={digest},{len(data)}'


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    dist_info = f'{NAME}-{version}.dist-info'
    with open(MODULE, 'rb') as f:
        files = {'rnnlite.py': f.read()}
    files[f'{dist_info}/METADATA'] = _metadata().encode()
    files[f'{dist_info}/WHEEL'] = (b'Wheel-Version: 1.0\nGenerator: rnnlite_build\n'
                                   b'Root-Is-Purelib: true\nTag: py3-none-any\n')
    files[f'{dist_info}/top_level.txt'] = b'rnnlite\n'
    record = [_record_line(p, d) for p, d in files.items()] + [f'{dist_info}/RECORD,,']
    files[f'{dist_info}/RECORD'] = ('\n'.join(record) + '\n').encode()
    name = f'{NAME}-{version}-py3-none-any.whl'
    with zipfile.ZipFile(os.path.join(wheel_directory, name), 'w', zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            # Fixed timestamps: the same source gives the same wheel.
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, data, zipfile.ZIP_DEFLATED)
    return name


def build_sdist(sdist_directory, config_settings=None):
    """The module, this backend and pyproject.toml: enough to build the wheel again."""
    version = _version()
    base = f'{NAME}-{version}'
    name = f'{base}.tar.gz'
    members = ['pyproject.toml', 'meson.build', 'bindings/python/rnnlite.py',
               'bindings/python/backend/rnnlite_build.py']
    with tarfile.open(os.path.join(sdist_directory, name), 'w:gz', format=tarfile.PAX_FORMAT) as t:
        for rel in members:
            t.add(os.path.join(ROOT, rel), arcname=f'{base}/{rel}')
        pkg_info = _metadata().encode()
        info = tarfile.TarInfo(f'{base}/PKG-INFO')
        info.size = len(pkg_info)
        t.addfile(info, io.BytesIO(pkg_info))
    return name
