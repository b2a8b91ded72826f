"""Thin ctypes binding of librnnlite (recurrent networks for time series).

Every C call is one Python call; arrays go in and out as C-contiguous
numpy float32; a failing status raises RnnliteError carrying the status and
the library's message (rl_model_last_error). Handles are freed by close(),
the context manager or garbage collection.

The library is found, in this order, from the `path` given to
load_library(), the environment variable RNNLITE_LIBRARY, then
ctypes.util.find_library("rnnlite") and the soname librnnlite.so.0.

    import numpy as np, rnnlite
    x, y = rnnlite.window(np.sin(np.arange(200) * 0.1), time_steps=8)
    with rnnlite.Model(8, 1) as m:
        m.add_lstm(32)
        m.add_dense(1)
        m.compile("adam", "mse")
        m.fit(x, y, epochs=20, batch_size=32)
        forecast = m.predict(x[-1:])
"""
import ctypes
import ctypes.util
import enum
import os
import weakref

import numpy as np

__all__ = ['RnnliteError', 'Status', 'Model', 'Scaler', 'Stream', 'window', 'window_targets',
           'load_library', 'version', 'runtime_isa', 'param_names']

# Binding written against this API version; the library must be the same
# major version and at least this minor version (new minors only add).
_API_MAJOR, _API_MINOR = 0, 2


class Status(enum.IntEnum):
    """rl_status: values fixed by the C header."""
    OK = 0
    INVALID = 1
    NOMEM = 2
    SHAPE = 3
    STATE = 4
    IO = 5
    FORMAT = 6
    NUMERIC = 7
    UNSUPPORTED = 8


class RnnliteError(Exception):
    """A call returned a status other than RL_OK.

    status:  the Status (or int for a value this binding does not know)
    message: rl_model_last_error() of the handle, or the status name
    """

    def __init__(self, status, message):
        try:
            status = Status(status)
        except ValueError:
            pass
        self.status = status
        self.message = message
        super().__init__(f'{getattr(status, "name", status)}: {message}')


_ACTIVATIONS = {'linear': 0, 'relu': 1, 'tanh': 2, 'sigmoid': 3, 'hard_sigmoid': 4}
_OPTIMIZERS = {'sgd': 0, 'adam': 1, 'rmsprop': 2}
_LOSSES = {'mse': 0, 'mae': 1, 'huber': 2}
_ALL_COLUMNS = ctypes.c_size_t(-1).value  # RL_ALL_COLUMNS

_size = ctypes.c_size_t
_handle = ctypes.c_void_p
_floats = ctypes.POINTER(ctypes.c_float)
_status = ctypes.c_int
_EPOCH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, _size, ctypes.c_float, ctypes.c_float,
                                   ctypes.c_void_p)
_out = ctypes.POINTER

# name: (restype, argtypes), as declared in include/rnnlite/rnnlite.h.
_PROTOTYPES = {
    'rl_version_number': (ctypes.c_uint, []),
    'rl_version_string': (ctypes.c_char_p, []),
    'rl_status_string': (ctypes.c_char_p, [ctypes.c_int]),
    'rl_runtime_isa': (ctypes.c_char_p, []),
    'rl_param_name': (ctypes.c_char_p, [ctypes.c_int]),
    'rl_param_bounds': (_status, [ctypes.c_int, _out(ctypes.c_double), _out(ctypes.c_double)]),
    'rl_model_create': (_status, [_out(_handle), _size, _size]),
    'rl_model_destroy': (None, [_handle]),
    'rl_model_set_param': (_status, [_handle, ctypes.c_int, ctypes.c_double]),
    'rl_model_get_param': (_status, [_handle, ctypes.c_int, _out(ctypes.c_double)]),
    'rl_model_compile': (_status, [_handle, ctypes.c_int, ctypes.c_int]),
    'rl_model_set_epoch_callback': (_status, [_handle, _EPOCH_CALLBACK, ctypes.c_void_p]),
    'rl_model_layer_count': (_status, [_handle, _out(_size)]),
    'rl_model_input_shape': (_status, [_handle, _out(_size), _out(_size)]),
    'rl_model_output_shape': (_status, [_handle, _out(_size), _out(_size)]),
    'rl_model_weight_count': (_status, [_handle, _size, _out(_size)]),
    'rl_model_set_weights': (_status, [_handle, _size, _floats, _size]),
    'rl_model_get_weights': (_status, [_handle, _size, _floats, _size]),
    'rl_model_history': (_status, [_handle, _floats, _floats, _size, _out(_size)]),
    'rl_model_last_error': (ctypes.c_char_p, [_handle]),
    'rl_fit': (_status, [_handle, _floats, _floats, _size, _size, _size]),
    'rl_predict': (_status, [_handle, _floats, _size, _floats, _size]),
    'rl_evaluate': (_status, [_handle, _floats, _floats, _size, _out(ctypes.c_float)]),
    'rl_model_save': (_status, [_handle, ctypes.c_char_p]),
    'rl_model_load': (_status, [_out(_handle), ctypes.c_char_p]),
    'rl_model_save_buffer': (_status, [_handle, _out(ctypes.c_void_p), _out(_size)]),
    'rl_model_load_buffer': (_status, [_out(_handle), ctypes.c_char_p, _size]),
    'rl_free': (None, [ctypes.c_void_p]),
    'rl_model_set_scaler': (_status, [_handle, _handle]),
    'rl_model_get_scaler': (_status, [_handle, _out(_handle)]),
    'rl_scaler_create_minmax': (_status, [_out(_handle), ctypes.c_float, ctypes.c_float]),
    'rl_scaler_create_standard': (_status, [_out(_handle)]),
    'rl_scaler_destroy': (None, [_handle]),
    'rl_scaler_fit': (_status, [_handle, _floats, _size, _size]),
    'rl_scaler_transform': (_status, [_handle, _floats, _floats, _size, _size]),
    'rl_scaler_inverse_transform': (_status, [_handle, _floats, _floats, _size, _size]),
    'rl_scaler_inverse_transform_column': (_status, [_handle, _size, _floats, _floats, _size]),
    'rl_scaler_feature_count': (_status, [_handle, _out(_size)]),
    'rl_window_count': (_status, [_size, _size, _size, _out(_size)]),
    'rl_window_make': (_status, [_floats, _size, _size, _size, _size, _size,
                                 _floats, _size, _floats, _size]),
    # 0.2: forecasting
    'rl_model_set_targets': (_status, [_handle, _out(_size), _size]),
    'rl_model_get_targets': (_status, [_handle, _out(_size), _size, _out(_size)]),
    'rl_forecast': (_status, [_handle, _floats, _size, _floats, _size, _size, _floats, _size]),
    'rl_window_make_targets': (_status, [_floats, _size, _size, _size, _size, _out(_size), _size,
                                         _floats, _size, _floats, _size]),
    'rl_model_save_flags': (_status, [_handle, ctypes.c_char_p, ctypes.c_uint]),
    'rl_model_save_buffer_flags': (_status, [_handle, _out(ctypes.c_void_p), _out(_size),
                                             ctypes.c_uint]),
    # 0.2: stateful models and streams
    'rl_model_reset_states': (_status, [_handle]),
    'rl_stream_create': (_status, [_out(_handle), _handle, ctypes.c_int]),
    'rl_stream_destroy': (None, [_handle]),
    'rl_stream_reset': (_status, [_handle]),
    'rl_stream_push': (_status, [_handle, _floats, _size, _floats, _size]),
    'rl_stream_forecast': (_status, [_handle, _floats, _size, _size, _floats, _size]),
    'rl_stream_clone': (_status, [_handle, _out(_handle)]),
    'rl_stream_save_buffer': (_status, [_handle, _out(ctypes.c_void_p), _out(_size)]),
    'rl_stream_load_buffer': (_status, [_out(_handle), _handle, ctypes.c_char_p, _size]),
    'rl_stream_seen': (_status, [_handle, _out(_size)]),
    'rl_stream_last_error': (ctypes.c_char_p, [_handle]),
}

# The layer kinds, as lib/layer_table.h lists them: name -> (recurrent, has a
# recurrent activation, default activation). Each gives Model.add_<name> and
# the prototype of rl_model_add_<name>(model, units, activation
# [, recurrent_activation] [, return_sequences]).
_LAYER_KINDS = {
    'simple_rnn': (True, False, 'tanh'),
    'lstm': (True, True, 'tanh'),
    'gru': (True, True, 'tanh'),
    'gru_reset_before': (True, True, 'tanh'),
    'dense': (False, False, 'linear'),
}
for _kind, (_recurrent, _has_rec_act, _default) in _LAYER_KINDS.items():
    _PROTOTYPES['rl_model_add_' + _kind] = (
        _status, [_handle, _size, ctypes.c_int] + [ctypes.c_int] * (_has_rec_act + _recurrent))

# 0.2: forecast quality (issue 9): transforms, gaps, evaluation, recipe
_FORECASTER = ctypes.CFUNCTYPE(_status, _floats, _size, _size, _floats, _size, ctypes.c_int,
                               _floats, ctypes.c_void_p)
_PROTOTYPES.update({
    'rl_transform_create': (_status, [_out(_handle)]),
    'rl_transform_destroy': (None, [_handle]),
    'rl_transform_add_log': (_status, [_handle, _size]),
    'rl_transform_add_log1p': (_status, [_handle, _size]),
    'rl_transform_add_diff': (_status, [_handle, _size, _size]),
    'rl_transform_add_minmax': (_status, [_handle, ctypes.c_float, ctypes.c_float]),
    'rl_transform_add_standard': (_status, [_handle]),
    'rl_transform_fit': (_status, [_handle, _floats, _size, _size]),
    'rl_transform_lost_rows': (_status, [_handle, _out(_size)]),
    'rl_transform_feature_count': (_status, [_handle, _out(_size)]),
    'rl_transform_apply': (_status, [_handle, _floats, _size, _size, _floats, _size]),
    'rl_transform_invert': (_status, [_handle, _floats, _size, _size, _floats, _size, _floats,
                                      _size]),
    'rl_transform_last_error': (ctypes.c_char_p, [_handle]),
    'rl_model_set_transform': (_status, [_handle, _handle]),
    'rl_model_get_transform': (_status, [_handle, _out(_handle)]),
    'rl_fill_gaps': (_status, [_floats, _floats, _size, _size, ctypes.c_int, _out(_size)]),
    'rl_metric_compute': (_status, [ctypes.c_int, _floats, _floats, _size, ctypes.c_double,
                                    _out(ctypes.c_double)]),
    'rl_mase_scale': (_status, [_floats, _size, _size, _out(ctypes.c_double)]),
    'rl_baseline_forecast': (_status, [ctypes.c_int, _floats, _size, _size, _size, _floats,
                                       _size]),
    'rl_detect_season': (_status, [_floats, _size, _size, _out(_size)]),
    'rl_backtest_create': (_status, [_out(_handle)]),
    'rl_backtest_destroy': (None, [_handle]),
    'rl_backtest_run': (_status, [_handle, _floats, _size, _size, _size, _size, _size, _size,
                                  _size, _size, _FORECASTER, ctypes.c_void_p]),
    'rl_backtest_shape': (_status, [_handle, _out(_size), _out(_size)]),
    'rl_backtest_forecasts': (_status, [_handle, ctypes.c_int, _floats, _size]),
    'rl_backtest_errors': (_status, [_handle, ctypes.c_int, _floats, _size]),
    'rl_backtest_metric': (_status, [_handle, ctypes.c_int, ctypes.c_int, _size,
                                     _out(ctypes.c_double)]),
    'rl_backtest_interval': (_status, [_handle, ctypes.c_int, ctypes.c_double, _size, _size,
                                       _floats, _size]),
    'rl_backtest_coverage': (_status, [_handle, ctypes.c_int, ctypes.c_double, _size,
                                       _out(ctypes.c_double)]),
    'rl_backtest_last_error': (ctypes.c_char_p, [_handle]),
    'rl_recipe_create': (_status, [_out(_handle), _size]),
    'rl_recipe_destroy': (None, [_handle]),
    'rl_recipe_set': (_status, [_handle, ctypes.c_int, ctypes.c_double]),
    'rl_recipe_get': (_status, [_handle, ctypes.c_int, _out(ctypes.c_double)]),
    'rl_recipe_fit': (_status, [_handle, _floats, _size, _size]),
    'rl_recipe_forecast': (_status, [_handle, _floats, _size, _floats, _size, _size, _floats,
                                     _size]),
    'rl_recipe_model': (_status, [_handle, _size, _out(_handle)]),
    'rl_recipe_last_error': (ctypes.c_char_p, [_handle]),
})

_SAVE_INFERENCE_ONLY = 1  # RL_SAVE_INFERENCE_ONLY

_lib = None


def load_library(path=None):
    """Load librnnlite (see the module doc for the search order) and return it.

    Later calls without a path return the library already loaded.
    """
    global _lib
    if path is None and _lib is not None:
        return _lib
    candidates = [path] if path else []
    if not candidates and os.environ.get('RNNLITE_LIBRARY'):
        candidates.append(os.environ['RNNLITE_LIBRARY'])
    if not candidates:
        candidates += [ctypes.util.find_library('rnnlite'), 'librnnlite.so.0']
    errors = []
    for name in filter(None, candidates):
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError as e:
            errors.append(str(e))
    else:
        raise OSError('librnnlite not found (set RNNLITE_LIBRARY): ' + '; '.join(errors))
    for fn, (restype, argtypes) in _PROTOTYPES.items():
        f = getattr(lib, fn)
        f.restype, f.argtypes = restype, argtypes
    number = lib.rl_version_number()
    if number // 10000 != _API_MAJOR or number // 100 % 100 < _API_MINOR:
        raise OSError(f'{name} is rnnlite {lib.rl_version_string().decode()}; '
                      f'this binding needs {_API_MAJOR}.{_API_MINOR} or a later {_API_MAJOR}.x')
    _lib = lib
    return lib


def _check(status, model_handle=None, lib=None):
    if status != Status.OK:
        lib = lib or load_library()
        if model_handle is not None:
            message = lib.rl_model_last_error(model_handle).decode()
        else:
            message = lib.rl_status_string(status).decode()
        raise RnnliteError(status, message)


def _f32(a, name):
    """a as a C-contiguous float32 array (a copy only when a is not one)."""
    arr = np.ascontiguousarray(a, dtype=np.float32)
    if arr.size == 0:
        raise ValueError(f'{name} is empty')
    return arr


def _ptr(arr):
    return arr.ctypes.data_as(_floats)


def _enum(table, value, what):
    if isinstance(value, str):
        try:
            return table[value.lower()]
        except KeyError:
            raise ValueError(f'unknown {what} {value!r}; one of {sorted(table)}') from None
    return int(value)


def version():
    """The library's version string, e.g. "0.1.0"."""
    return load_library().rl_version_string().decode()


def runtime_isa():
    """Kernel path in use: "scalar", "avx2" or "avx512" (RNNLITE_ISA forces one)."""
    return load_library().rl_runtime_isa().decode()


def param_names():
    """{name: (id, lower, upper)} of every parameter this library knows."""
    lib = load_library()
    params = {}
    p = 0
    while True:
        lower, upper = ctypes.c_double(), ctypes.c_double()
        if lib.rl_param_bounds(p, ctypes.byref(lower), ctypes.byref(upper)) != Status.OK:
            return params
        params[lib.rl_param_name(p).decode()] = (p, lower.value, upper.value)
        p += 1


def _param_id(param):
    if isinstance(param, str):
        known = param_names()
        if param not in known:
            raise ValueError(f'unknown parameter {param!r}; one of {sorted(known)}')
        return known[param][0]
    return int(param)


class _Handle:
    """Owns one C handle; freed once by close(), `with` or the collector."""
    _destroy = None  # name of the C destructor

    def __init__(self, handle):
        self._h = handle
        self._lib = load_library()

    def close(self):
        h, self._h = getattr(self, '_h', None), None
        if h:
            getattr(self._lib, self._destroy)(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    @property
    def _handle(self):
        if not self._h:
            raise ValueError(f'{type(self).__name__} is closed')
        return self._h


class Scaler(_Handle):
    """A per-column MinMax or Standard scaler (sklearn semantics)."""
    _destroy = 'rl_scaler_destroy'

    @classmethod
    def minmax(cls, range_min=0.0, range_max=1.0):
        lib, h = load_library(), _handle()
        _check(lib.rl_scaler_create_minmax(ctypes.byref(h), range_min, range_max))
        return cls(h)

    @classmethod
    def standard(cls):
        lib, h = load_library(), _handle()
        _check(lib.rl_scaler_create_standard(ctypes.byref(h)))
        return cls(h)

    @staticmethod
    def _rows(data):
        arr = _f32(data, 'data')
        return arr.reshape(-1, 1) if arr.ndim == 1 else arr

    def fit(self, data):
        """Learn per-column statistics of data [n_rows, n_features] (1-D: one column)."""
        arr = self._rows(data)
        if arr.ndim != 2:
            raise ValueError('data must be [n_rows, n_features]')
        _check(self._lib.rl_scaler_fit(self._handle, _ptr(arr), arr.shape[0], arr.shape[1]))
        return self

    def _apply(self, fn, data):
        arr = self._rows(data)
        if arr.ndim != 2:
            raise ValueError('data must be [n_rows, n_features]')
        out = np.empty_like(arr)
        _check(fn(self._handle, _ptr(arr), _ptr(out), arr.shape[0], arr.shape[1]))
        return out.reshape(np.shape(data))

    def transform(self, data):
        return self._apply(self._lib.rl_scaler_transform, data)

    def inverse_transform(self, data):
        return self._apply(self._lib.rl_scaler_inverse_transform, data)

    def inverse_transform_column(self, column, values):
        """Unscale values of one fitted column (e.g. a model's forecasts of it)."""
        arr = _f32(values, 'values')
        out = np.empty_like(arr)
        _check(self._lib.rl_scaler_inverse_transform_column(self._handle, column, _ptr(arr),
                                                            _ptr(out), arr.size))
        return out

    @property
    def n_features(self):
        n = _size()
        _check(self._lib.rl_scaler_feature_count(self._handle, ctypes.byref(n)))
        return n.value


def _series_rows(series):
    """series [n_points] or [n_points, n_features] as float32 rows, and its shape."""
    arr = _f32(series, 'series')
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError('series must be [n_points] or [n_points, n_features]')
    return arr, arr.shape[0], arr.shape[1]


def window(series, time_steps, horizon=1, target_column=None):
    """Cut series [n_points] or [n_points, n_features] into (x, y) windows.

    x is [count, time_steps, n_features]; y is [count, 1] holding
    target_column (default 0), or [count, n_features] when target_column is
    "all".
    """
    lib = load_library()
    arr, n_points, n_features = _series_rows(series)
    count = _size()
    _check(lib.rl_window_count(n_points, time_steps, horizon, ctypes.byref(count)))
    column = _ALL_COLUMNS if target_column == 'all' else (target_column or 0)
    y_cols = n_features if column == _ALL_COLUMNS else 1
    x = np.empty((count.value, time_steps, n_features), dtype=np.float32)
    y = np.empty((count.value, y_cols), dtype=np.float32)
    _check(lib.rl_window_make(_ptr(arr), n_points, n_features, time_steps, horizon, column,
                              _ptr(x), x.size, _ptr(y), y.size))
    return x, y


def _columns(columns):
    cols = [int(c) for c in np.atleast_1d(columns)]
    if any(c < 0 for c in cols):
        raise ValueError(f'columns must be >= 0, got {cols}')
    return (_size * len(cols))(*cols), len(cols)


def window_targets(series, time_steps, out_steps, columns):
    """Cut series [n_points] or [n_points, n_features] into (x, y) samples for a
    model that forecasts out_steps future rows of the given columns:
    x is [count, time_steps, n_features], y is [count, out_steps, len(columns)]
    (rl_window_make_targets)."""
    lib = load_library()
    arr, n_points, n_features = _series_rows(series)
    cols, n_cols = _columns(columns)
    count = _size()
    _check(lib.rl_window_count(n_points, time_steps, out_steps, ctypes.byref(count)))
    x = np.empty((count.value, time_steps, n_features), dtype=np.float32)
    y = np.empty((count.value, out_steps, n_cols), dtype=np.float32)
    _check(lib.rl_window_make_targets(_ptr(arr), n_points, n_features, time_steps, out_steps,
                                      cols, n_cols, _ptr(x), x.size, _ptr(y), y.size))
    return x, y


class Model(_Handle):
    """A sequential stack of SimpleRNN/LSTM/GRU/Dense layers (Keras semantics)."""
    _destroy = 'rl_model_destroy'

    def __init__(self, time_steps, n_features, _from_handle=None):
        if _from_handle is not None:
            super().__init__(_from_handle)
        else:
            lib, h = load_library(), _handle()
            _check(lib.rl_model_create(ctypes.byref(h), time_steps, n_features))
            super().__init__(h)
        self._callback = None  # keeps the ctypes thunk alive while C holds it
        self._user_callback = None  # the Python function of set_epoch_callback
        self._callback_error = None

    def _call(self, fn, *args):
        _check(fn(self._handle, *args), self._handle, self._lib)

    # --- building -----------------------------------------------------------
    def add_layer(self, kind, units, activation=None, recurrent_activation='sigmoid',
                  return_sequences=False):
        """Add a layer of a kind of _LAYER_KINDS ('lstm', 'dense', ...); the
        add_<kind> methods call this."""
        recurrent, has_rec_act, default = _LAYER_KINDS[kind]
        args = [units, _enum(_ACTIVATIONS, activation or default, 'activation')]
        if has_rec_act:
            args.append(_enum(_ACTIVATIONS, recurrent_activation, 'activation'))
        if recurrent:
            args.append(int(bool(return_sequences)))
        self._call(getattr(self._lib, 'rl_model_add_' + kind), *args)
        return self

    def set_param(self, param, value):
        """Set a parameter by name ("learning_rate", "seed", ...) or id."""
        self._call(self._lib.rl_model_set_param, _param_id(param), float(value))
        return self

    def get_param(self, param):
        value = ctypes.c_double()
        self._call(self._lib.rl_model_get_param, _param_id(param), ctypes.byref(value))
        return value.value

    def compile(self, optimizer='adam', loss='mse'):
        self._call(self._lib.rl_model_compile, _enum(_OPTIMIZERS, optimizer, 'optimizer'),
                   _enum(_LOSSES, loss, 'loss'))
        return self

    def set_epoch_callback(self, fn):
        """fn(epoch, loss, val_loss) after each epoch of fit(); a true result
        stops training. None removes it. An exception stops training and is
        raised again by fit()."""
        self._install_callback(fn)
        self._user_callback = fn
        return self

    def _install_callback(self, fn):
        if fn is None:
            self._call(self._lib.rl_model_set_epoch_callback, _EPOCH_CALLBACK(), None)
            self._callback = None
            return

        owner = weakref.ref(self)  # no cycle: the model stays collectable

        def thunk(epoch, loss, val_loss, _user):
            try:
                return 1 if fn(epoch, loss, val_loss) else 0
            except BaseException as e:  # cannot unwind through C
                owner()._callback_error = e
                return 1

        callback = _EPOCH_CALLBACK(thunk)
        self._call(self._lib.rl_model_set_epoch_callback, callback, None)
        self._callback = callback

    # --- shapes and weights ---------------------------------------------------
    @property
    def layer_count(self):
        n = _size()
        self._call(self._lib.rl_model_layer_count, ctypes.byref(n))
        return n.value

    @property
    def input_shape(self):
        t, f = _size(), _size()
        self._call(self._lib.rl_model_input_shape, ctypes.byref(t), ctypes.byref(f))
        return t.value, f.value

    @property
    def output_shape(self):
        """(steps, units) of one sample's output."""
        s, u = _size(), _size()
        self._call(self._lib.rl_model_output_shape, ctypes.byref(s), ctypes.byref(u))
        return s.value, u.value

    def weight_count(self, layer):
        n = _size()
        self._call(self._lib.rl_model_weight_count, layer, ctypes.byref(n))
        return n.value

    def get_weights(self, layer):
        """Layer weights as one flat float32 array in Keras get_weights() order."""
        w = np.empty(self.weight_count(layer), dtype=np.float32)
        self._call(self._lib.rl_model_get_weights, layer, _ptr(w), w.size)
        return w

    def set_weights(self, layer, weights):
        w = _f32(weights, 'weights')
        self._call(self._lib.rl_model_set_weights, layer, _ptr(w), w.size)
        return self

    @property
    def last_error(self):
        return self._lib.rl_model_last_error(self._handle).decode()

    # --- data -----------------------------------------------------------------
    # The C API takes n_samples, not array sizes: the shapes are checked here
    # so that a wrong array can never make the library read past its end.
    def _x(self, x):
        arr = _f32(x, 'x')
        steps, features = self.input_shape
        if arr.ndim == 2 and features == 1:
            arr = arr.reshape(arr.shape[0], arr.shape[1], 1)
        if arr.ndim != 3 or arr.shape[1:] != (steps, features):
            raise ValueError(f'x has shape {np.shape(x)}; expected (n, {steps}, {features})')
        return arr

    def _y(self, y, n):
        arr = _f32(y, 'y')
        steps, units = self.output_shape
        if arr.ndim == 0 or arr.shape[0] != n or arr.size != n * steps * units:
            want = (n, units) if steps == 1 else (n, steps, units)
            raise ValueError(f'y has shape {np.shape(y)}; expected {want}')
        return arr

    def fit(self, x, y, epochs=1, batch_size=32, validation_split=None, patience=None,
            shuffle=None, verbose=0):
        """Train; returns history() (per-epoch loss and val_loss).

        Keras-style keywords, for this call only (the model's parameters are
        restored afterwards): validation_split (fraction held out from the
        end), patience (early stopping on val_loss, best weights restored),
        shuffle (bool), verbose=1 (one line per epoch on stdout).
        """
        xa = self._x(x)
        ya = self._y(y, xa.shape[0])
        overrides = {name: value for name, value in (('validation_split', validation_split),
                                                     ('patience', patience),
                                                     ('shuffle', shuffle))
                     if value is not None}
        saved = {name: self.get_param(name) for name in overrides}
        printer = self._epoch_printer(epochs) if verbose else None
        try:
            for name, value in overrides.items():
                self.set_param(name, float(value))
            if printer is not None:
                self._install_callback(printer)
            self._callback_error = None
            self._call(self._lib.rl_fit, _ptr(xa), _ptr(ya), xa.shape[0], epochs, batch_size)
        finally:
            for name, value in saved.items():
                self.set_param(name, value)
            if printer is not None:
                self._install_callback(self._user_callback)
        if self._callback_error is not None:
            error, self._callback_error = self._callback_error, None
            raise error
        return self.history()

    def _epoch_printer(self, epochs):
        """An epoch callback printing Keras' one line per epoch, then calling
        the user's callback (set_epoch_callback) if there is one."""
        import sys
        import time
        user = self._user_callback
        start = [time.perf_counter()]

        def show(epoch, loss, val_loss):
            now = time.perf_counter()
            line = f'Epoch {epoch}/{epochs} - {now - start[0]:.2f}s - loss: {loss:.4g}'
            if val_loss == val_loss:  # not NaN: there is a validation split
                line += f' - val_loss: {val_loss:.4g}'
            print(line, file=sys.stdout, flush=True)
            start[0] = now
            return user(epoch, loss, val_loss) if user is not None else False
        return show

    def predict(self, x):
        """Outputs [n, units], or [n, steps, units] for a sequence output."""
        xa = self._x(x)
        steps, units = self.output_shape
        n = xa.shape[0]
        y = np.empty((n, steps, units) if steps > 1 else (n, units), dtype=np.float32)
        self._call(self._lib.rl_predict, _ptr(xa), n, _ptr(y), y.size)
        return y

    def evaluate(self, x, y):
        """The compiled loss on (x, y)."""
        xa = self._x(x)
        ya = self._y(y, xa.shape[0])
        loss = ctypes.c_float()
        self._call(self._lib.rl_evaluate, _ptr(xa), _ptr(ya), xa.shape[0], ctypes.byref(loss))
        return loss.value

    def history(self):
        """{"loss": array, "val_loss": array} of the last fit()."""
        n = _size()
        self._call(self._lib.rl_model_history, None, None, 0, ctypes.byref(n))
        loss = np.empty(n.value, dtype=np.float32)
        val = np.empty(n.value, dtype=np.float32)
        self._call(self._lib.rl_model_history, _ptr(loss), _ptr(val), n.value, ctypes.byref(n))
        return {'loss': loss, 'val_loss': val}

    # --- files, buffers, scaler ---------------------------------------------
    def save(self, path, inference_only=False):
        """Save atomically; inference_only=True leaves out the optimiser state
        (about a third of an Adam model's file; predicts the same)."""
        self._call(self._lib.rl_model_save_flags, os.fsencode(path),
                   _SAVE_INFERENCE_ONLY if inference_only else 0)

    @classmethod
    def load(cls, path):
        lib, h = load_library(), _handle()
        _check(lib.rl_model_load(ctypes.byref(h), os.fsencode(path)))
        return cls(0, 0, _from_handle=h)

    def save_buffer(self, inference_only=False):
        """The saved model as bytes (inference_only as in save())."""
        buf, size = ctypes.c_void_p(), _size()
        self._call(self._lib.rl_model_save_buffer_flags, ctypes.byref(buf), ctypes.byref(size),
                   _SAVE_INFERENCE_ONLY if inference_only else 0)
        try:
            return ctypes.string_at(buf, size.value)
        finally:
            self._lib.rl_free(buf)

    @classmethod
    def load_buffer(cls, data):
        data = bytes(data)
        lib, h = load_library(), _handle()
        _check(lib.rl_model_load_buffer(ctypes.byref(h), data, len(data)))
        return cls(0, 0, _from_handle=h)

    def set_scaler(self, scaler):
        """Attach a copy of a fitted Scaler (saved with the model); None detaches."""
        self._call(self._lib.rl_model_set_scaler, scaler._handle if scaler is not None else None)
        return self

    def get_scaler(self):
        """A copy of the attached Scaler."""
        h = _handle()
        self._call(self._lib.rl_model_get_scaler, ctypes.byref(h))
        return Scaler(h)

    # --- stateful models and streams (0.2) ------------------------------------
    def reset_states(self):
        """Zero the states a stateful model (set_param('stateful', 1)) carries."""
        self._call(self._lib.rl_model_reset_states)
        return self

    def stream(self, mode='window'):
        """A new Stream of this model ('window' or 'stateful')."""
        return Stream(self, mode)

    # --- forecasting (0.2) ---------------------------------------------------
    def set_targets(self, columns):
        """Input columns the output row forecasts, in output order
        (rl_model_set_targets): out_steps = outputs / len(columns) rows of them."""
        cols, n = _columns(columns)
        self._call(self._lib.rl_model_set_targets, cols, n)
        return self

    @property
    def targets(self):
        """The target columns (every input column unless set_targets was called)."""
        n = _size()
        self._call(self._lib.rl_model_get_targets, None, 0, ctypes.byref(n))
        cols = (_size * n.value)()
        self._call(self._lib.rl_model_get_targets, cols, n.value, ctypes.byref(n))
        return list(cols)

    def forecast(self, history, horizon, future=None):
        """Forecast horizon rows of the target columns from raw history
        (rl_forecast: the attached scaler is applied and inverted inside).

        history: [n_points, n_features] raw rows, or [n_points] for one feature
        future:  [>= horizon, n_features] known future covariates (non-target
                 columns), or None when every column is a target
        Returns [horizon, n_targets] raw units, or [horizon] when history is 1-D.
        """
        steps, features = self.input_shape
        h = _f32(history, 'history')
        flat = h.ndim == 1
        if flat and features == 1:
            h = h.reshape(-1, 1)
        if h.ndim != 2 or h.shape[1] != features:
            raise ValueError(f'history has shape {np.shape(history)}; expected (n, {features})')
        fut, n_future = None, 0
        if future is not None:
            f = _f32(future, 'future')
            if f.ndim == 1 and features == 1:
                f = f.reshape(-1, 1)
            if f.ndim != 2 or f.shape[1] != features:
                raise ValueError(f'future has shape {np.shape(future)}; expected (n, {features})')
            fut, n_future = f, f.shape[0]
        n_targets = len(self.targets)
        out = np.empty((int(horizon), n_targets), dtype=np.float32)
        self._call(self._lib.rl_forecast, _ptr(h), h.shape[0],
                   _ptr(fut) if fut is not None else None, n_future, int(horizon),
                   _ptr(out), out.size)
        return out.reshape(-1) if flat and n_targets == 1 else out


_STREAM_MODES = {'window': 0, 'stateful': 1}


class Stream(_Handle):
    """A model following a series one observation at a time (rl_stream_*).

    mode 'window' keeps the last time_steps observations, and each push
    returns exactly what Model.predict gives on that window; 'stateful'
    carries the recurrent state one step per push (a stateful model's
    predictions, O(1) per step). Observations go in and forecasts come out in
    raw units (the model's attached scaler is applied inside). The stream
    holds a reference to its model, which must not change while streams
    follow it.
    """
    _destroy = 'rl_stream_destroy'

    def __init__(self, model, mode='window', _from_handle=None):
        lib = load_library()
        h = _from_handle
        if h is None:
            h = _handle()
            _check(lib.rl_stream_create(ctypes.byref(h), model._handle,
                                        _enum(_STREAM_MODES, mode, 'stream mode')), model._handle)
        super().__init__(h)
        self._model = model   # the model must outlive the stream
        steps, units = model.output_shape
        self._n_out = steps * units
        self._n_features = model.input_shape[1]

    def _call(self, fn, *args):
        status = fn(self._handle, *args)
        if status != Status.OK:
            raise RnnliteError(status, self._lib.rl_stream_last_error(self._h).decode())

    def push(self, obs):
        """Push one raw observation [n_features] (a number when n_features is 1)
        and return the model's output row (NaN until enough were seen).

        A 2-D array [n, n_features] pushes its rows in order and returns [n, outputs].
        """
        arr = np.ascontiguousarray(obs, dtype=np.float32)
        rows = arr if arr.ndim == 2 else arr.reshape(1, -1) if arr.ndim <= 1 else None
        if rows is None or rows.shape[1] != self._n_features:
            raise ValueError(f'obs has shape {np.shape(obs)}; expected ({self._n_features},) '
                             f'or (n, {self._n_features})')
        out = np.empty((rows.shape[0], self._n_out), dtype=np.float32)
        for i in range(rows.shape[0]):
            self._call(self._lib.rl_stream_push, _ptr(rows[i:]), self._n_features,
                       _ptr(out[i:]), self._n_out)
        return out if arr.ndim == 2 else out[0]

    def forecast(self, horizon, future=None):
        """Forecast horizon rows of the target columns from what the stream has
        seen, without changing it (rl_stream_forecast). future: [>= horizon,
        n_features] known future covariates, or None when every column is a target.
        Returns [horizon, n_targets] raw units."""
        fut, n_future = None, 0
        if future is not None:
            fut = _f32(future, 'future').reshape(-1, self._n_features)
            n_future = fut.shape[0]
        out = np.empty((int(horizon), len(self._model.targets)), dtype=np.float32)
        self._call(self._lib.rl_stream_forecast, _ptr(fut) if fut is not None else None,
                   n_future, int(horizon), _ptr(out), out.size)
        return out

    def reset(self):
        """Forget every observation (back to a new stream)."""
        self._call(self._lib.rl_stream_reset)
        return self

    def clone(self):
        """An independent copy: pushing into one never moves the other."""
        h = _handle()
        self._call(self._lib.rl_stream_clone, ctypes.byref(h))
        return Stream(self._model, _from_handle=h)

    @property
    def seen(self):
        """Observations pushed since creation or reset."""
        n = _size()
        self._call(self._lib.rl_stream_seen, ctypes.byref(n))
        return n.value

    def save(self):
        """The stream's state as bytes (with its model's fingerprint)."""
        buf, size = ctypes.c_void_p(), _size()
        self._call(self._lib.rl_stream_save_buffer, ctypes.byref(buf), ctypes.byref(size))
        try:
            return ctypes.string_at(buf, size.value)
        finally:
            self._lib.rl_free(buf)

    @classmethod
    def load(cls, model, data):
        """A stream saved by save(), continuing exactly; RnnliteError(FORMAT)
        for a damaged buffer or one saved against another model."""
        data = bytes(data)
        lib, h = load_library(), _handle()
        _check(lib.rl_stream_load_buffer(ctypes.byref(h), model._handle, data, len(data)),
               model._handle)
        return cls(model, _from_handle=h)


def _layer_adder(kind, recurrent, has_rec_act, default):
    """Model.add_<kind> with the positional order of rl_model_add_<kind>."""
    if has_rec_act:
        def add(self, units, activation=default, recurrent_activation='sigmoid',
                return_sequences=False):
            return self.add_layer(kind, units, activation, recurrent_activation,
                                  return_sequences)
    elif recurrent:
        def add(self, units, activation=default, return_sequences=False):
            return self.add_layer(kind, units, activation, return_sequences=return_sequences)
    else:
        def add(self, units, activation=default):
            return self.add_layer(kind, units, activation)
    add.__name__ = add.__qualname__ = 'add_' + kind
    add.__doc__ = f'Add a {kind} layer (rl_model_add_{kind}); returns the model.'
    return add


for _kind, _spec in _LAYER_KINDS.items():
    setattr(Model, 'add_' + _kind, _layer_adder(_kind, *_spec))


# ---- forecast quality (issue 9): transforms, gaps, evaluation, recipe ----

_ALL_COLUMNS = ctypes.c_size_t(-1).value   # RL_ALL_COLUMNS
METHODS = {'model': 0, 'last_value': 1, 'seasonal_naive': 2, 'drift': 3}
METRICS = {'rmse': 0, 'mae': 1, 'mape': 2, 'smape': 3, 'mase': 4}
_FILLS = {'linear': 0, 'locf': 1}
_RECIPE_OPTIONS = {'season': 0, 'window': 1, 'units': 2, 'epochs': 3, 'log': 4, 'seed': 5,
                   'ensemble': 6, 'learning_rate': 7, 'trend_diff': 8}


def _check_handle(status, handle, last_error):
    if status != Status.OK:
        raise RnnliteError(status, last_error(handle).decode())


class Transform(_Handle):
    """A transform pipeline (rl_transform_*): chain steps, fit on the
    training part, apply to raw rows, invert model-unit rows after a history.

        t = Transform().log().diff(lag=12).standard().fit(train)
    """
    _destroy = 'rl_transform_destroy'

    def __init__(self, _from_handle=None):
        if _from_handle is None:
            lib, _from_handle = load_library(), _handle()
            _check(lib.rl_transform_create(ctypes.byref(_from_handle)))
        super().__init__(_from_handle)

    def _call(self, fn, *args):
        _check_handle(fn(self._handle, *args), self._handle, self._lib.rl_transform_last_error)
        return self

    @staticmethod
    def _col(column):
        return _ALL_COLUMNS if column is None else int(column)

    def log(self, column=None):
        return self._call(self._lib.rl_transform_add_log, self._col(column))

    def log1p(self, column=None):
        return self._call(self._lib.rl_transform_add_log1p, self._col(column))

    def diff(self, lag=1, column=None):
        return self._call(self._lib.rl_transform_add_diff, self._col(column), int(lag))

    def minmax(self, range_min=0.0, range_max=1.0):
        return self._call(self._lib.rl_transform_add_minmax, range_min, range_max)

    def standard(self):
        return self._call(self._lib.rl_transform_add_standard)

    def fit(self, data):
        arr, n, f = _series_rows(data)
        return self._call(self._lib.rl_transform_fit, _ptr(arr), n, f)

    @property
    def lost_rows(self):
        n = _size()
        self._call(self._lib.rl_transform_lost_rows, ctypes.byref(n))
        return n.value

    def apply(self, data):
        """Raw [n, f] (or [n]) -> model units [n - lost_rows, f] (or [n - lost_rows])."""
        arr, n, f = _series_rows(data)
        out = np.empty((max(n - self.lost_rows, 0), f), dtype=np.float32)
        self._call(self._lib.rl_transform_apply, _ptr(arr), n, f, _ptr(out), out.size)
        return out.reshape(-1) if np.ndim(data) == 1 else out

    def invert(self, history, values):
        """Model-unit rows that follow the raw history -> raw rows."""
        h, n, f = _series_rows(history)
        v = _f32(values, 'values').reshape(-1, f)
        out = np.empty_like(v)
        self._call(self._lib.rl_transform_invert, _ptr(h), n, f, _ptr(v), v.shape[0],
                   _ptr(out), out.size)
        return out.reshape(np.shape(values))


def _model_set_transform(self, transform):
    """Attach a copy of a fitted Transform (None detaches); replaces a scaler."""
    self._call(self._lib.rl_model_set_transform, transform._handle if transform else None)
    return self


def _model_get_transform(self):
    h = _handle()
    self._call(self._lib.rl_model_get_transform, ctypes.byref(h))
    return Transform(_from_handle=h)


Model.set_transform = _model_set_transform
Model.get_transform = _model_get_transform


def fill_gaps(series, method='linear'):
    """A copy of series with NaN/Inf filled (rl_fill_gaps: 'linear' or 'locf')."""
    arr, n, f = _series_rows(series)
    out = np.empty_like(arr)
    _check(load_library().rl_fill_gaps(_ptr(arr), _ptr(out), n, f, _enum(_FILLS, method, 'fill'),
                                       None))
    return out.reshape(np.shape(series))


def metric(name, actual, forecast, mase_scale=1.0):
    """One accuracy metric ('rmse', 'mae', 'mape', 'smape', 'mase')."""
    a, fc = _f32(actual, 'actual').ravel(), _f32(forecast, 'forecast').ravel()
    if a.size != fc.size:
        raise ValueError('actual and forecast differ in length')
    v = ctypes.c_double()
    _check(load_library().rl_metric_compute(_enum(METRICS, name, 'metric'), _ptr(a), _ptr(fc),
                                            a.size, mase_scale, ctypes.byref(v)))
    return v.value


def mase_scale(train, season=1):
    """In-sample seasonal-naive MAE of train (the MASE denominator)."""
    y, v = _f32(train, 'train').ravel(), ctypes.c_double()
    _check(load_library().rl_mase_scale(_ptr(y), y.size, int(season), ctypes.byref(v)))
    return v.value


def baseline_forecast(method, history, horizon, season=1):
    """'last_value', 'seasonal_naive' or 'drift' forecast of a 1-D history."""
    y = _f32(history, 'history').ravel()
    out = np.empty(int(horizon), dtype=np.float32)
    _check(load_library().rl_baseline_forecast(_enum(METHODS, method, 'method'), _ptr(y), y.size,
                                               int(season), int(horizon), _ptr(out), out.size))
    return out


def detect_season(series, max_period=24):
    """Seasonal period of a 1-D series (rl_detect_season); 1 when none."""
    y, p = _f32(series, 'series').ravel(), _size()
    _check(load_library().rl_detect_season(_ptr(y), y.size, int(max_period), ctypes.byref(p)))
    return p.value


class Recipe(_Handle):
    """The recommended forecasting recipe (rl_recipe_*, docs/forecasting.md).

        r = Recipe(season=12).fit(train)
        forecast = r.forecast(history, 24)
    """
    _destroy = 'rl_recipe_destroy'

    def __init__(self, target_column=0, **options):
        lib, h = load_library(), _handle()
        _check(lib.rl_recipe_create(ctypes.byref(h), int(target_column)))
        super().__init__(h)
        for name, value in options.items():
            self.set(name, value)

    def _call(self, fn, *args):
        _check_handle(fn(self._handle, *args), self._handle, self._lib.rl_recipe_last_error)
        return self

    def set(self, option, value):
        return self._call(self._lib.rl_recipe_set, _enum(_RECIPE_OPTIONS, option, 'option'),
                          float(value))

    def get(self, option):
        v = ctypes.c_double()
        self._call(self._lib.rl_recipe_get, _enum(_RECIPE_OPTIONS, option, 'option'),
                   ctypes.byref(v))
        return v.value

    def fit(self, series):
        arr, n, f = _series_rows(series)
        return self._call(self._lib.rl_recipe_fit, _ptr(arr), n, f)

    def forecast(self, history, horizon, future=None):
        arr, n, f = _series_rows(history)
        fut = None if future is None else _series_rows(future)[0]
        out = np.empty(int(horizon), dtype=np.float32)
        self._call(self._lib.rl_recipe_forecast, _ptr(arr), n,
                   _ptr(fut) if fut is not None else None, 0 if fut is None else fut.shape[0],
                   int(horizon), _ptr(out), out.size)
        return out

    def model(self, index=0):
        """A copy of fitted model `index` with its pipeline attached."""
        h = _handle()
        self._call(self._lib.rl_recipe_model, int(index), ctypes.byref(h))
        return Model(0, 0, _from_handle=h)


class Backtest(_Handle):
    """Rolling-origin backtest (rl_backtest_*) of a forecaster and the naive
    baselines. forecaster: a Recipe (runs in C), a Python callable
    f(history [n, f], future [h, f], horizon, refit) -> [horizon], or None
    (baselines only)."""
    _destroy = 'rl_backtest_destroy'

    def __init__(self, series, initial, horizon, step=1, season=1, refit_every=0,
                 forecaster=None, target_column=0):
        lib, h = load_library(), _handle()
        _check(lib.rl_backtest_create(ctypes.byref(h)))
        super().__init__(h)
        arr, n, f = _series_rows(series)
        errors = []
        if isinstance(forecaster, Recipe):
            fn = ctypes.cast(lib.rl_recipe_forecaster, _FORECASTER)
            user = forecaster._handle
        elif forecaster is not None:
            def thunk(hist, n_points, n_features, fut, hor, refit, out, _user):
                try:
                    hist_a = np.ctypeslib.as_array(hist, (n_points, n_features)).copy()
                    fut_a = np.ctypeslib.as_array(fut, (hor, n_features)).copy()
                    values = np.asarray(forecaster(hist_a, fut_a, hor, bool(refit)),
                                        dtype=np.float32).ravel()
                    np.ctypeslib.as_array(out, (hor,))[:] = values[:hor]
                    return Status.OK
                except Exception as e:   # reported after the run
                    errors.append(e)
                    return Status.INVALID
            fn, user = _FORECASTER(thunk), None
        else:
            fn, user = ctypes.cast(None, _FORECASTER), None
        status = lib.rl_backtest_run(h, _ptr(arr), n, f, int(target_column), int(initial),
                                     int(step), int(horizon), int(season), int(refit_every),
                                     fn, user)
        if errors:
            raise errors[0]
        _check_handle(status, h, lib.rl_backtest_last_error)
        self.has_model = forecaster is not None

    def _call(self, fn, *args):
        _check_handle(fn(self._handle, *args), self._handle, self._lib.rl_backtest_last_error)

    @property
    def shape(self):
        o, hz = _size(), _size()
        self._call(self._lib.rl_backtest_shape, ctypes.byref(o), ctypes.byref(hz))
        return o.value, hz.value

    def _grid(self, fn, method):
        out = np.empty(self.shape, dtype=np.float32)
        self._call(fn, _enum(METHODS, method, 'method'), _ptr(out), out.size)
        return out

    def forecasts(self, method='model'):
        return self._grid(self._lib.rl_backtest_forecasts, method)

    def errors(self, method='model'):
        return self._grid(self._lib.rl_backtest_errors, method)

    def metric(self, name, method='model', step=0):
        v = ctypes.c_double()
        self._call(self._lib.rl_backtest_metric, _enum(METHODS, method, 'method'),
                   _enum(METRICS, name, 'metric'), int(step), ctypes.byref(v))
        return v.value

    def interval(self, coverage=0.8, method='model', first=0, count=0):
        """Conformal half-widths per horizon step."""
        out = np.empty(self.shape[1], dtype=np.float32)
        self._call(self._lib.rl_backtest_interval, _enum(METHODS, method, 'method'), coverage,
                   int(first), int(count), _ptr(out), out.size)
        return out

    def coverage(self, coverage=0.8, method='model', n_calibration=None):
        v = ctypes.c_double()
        n_cal = self.shape[0] // 2 if n_calibration is None else int(n_calibration)
        self._call(self._lib.rl_backtest_coverage, _enum(METHODS, method, 'method'), coverage,
                   n_cal, ctypes.byref(v))
        return v.value

    def table(self, metrics=('mase', 'rmse', 'mae', 'smape')):
        """{method: {metric: value}} for every method the run has."""
        methods = [m for m in METHODS if m != 'model' or self.has_model]
        return {m: {k: self.metric(k, m) for k in metrics} for m in methods}
