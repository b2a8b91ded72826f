"""The converter's own picture of a model: what an rnnlite model file holds,
in Keras' weight layout (which is also rnnlite's). Every format module reads
into a Model and writes from one, so each mapping is written once.

A Layer's weights are numpy float32 arrays in Keras get_weights() order:
kernel [in][G*units], recurrent kernel [units][G*units] (recurrent layers),
bias [G*units] (GRU reset_after=True: [2][G*units], input bias then recurrent).
Gate order: LSTM i, f, c, o; GRU z, r, h.
"""
import numpy as np

# Layer kinds: name -> (gates, bias rows, recurrent).
KINDS = {
    'dense': (1, 1, False),
    'simple_rnn': (1, 1, True),
    'lstm': (4, 1, True),
    'gru': (3, 2, True),               # Keras reset_after=True (the TF2 default)
    'gru_reset_before': (3, 1, True),  # Keras reset_after=False (TF.js, Keras 2.2)
}

# rnnlite's activations. 'hard_sigmoid' is the tf.keras 2 / TF.js one,
# clip(0.2 x + 0.5, 0, 1); Keras 3 gave the same name to relu6(x + 3) / 6,
# which rnnlite does not have: the Keras readers tell the two apart.
ACTIVATIONS = ('linear', 'relu', 'tanh', 'sigmoid', 'hard_sigmoid')

CLASS_NAMES = {'dense': 'Dense', 'simple_rnn': 'SimpleRNN', 'lstm': 'LSTM', 'gru': 'GRU',
               'gru_reset_before': 'GRU'}


class Refused(Exception):
    """The input cannot be converted exactly. The message names the layer
    (class and index) and the reason."""


def refuse_layer(index, class_name, reason):
    raise Refused('layer %d (%s): %s' % (index, class_name, reason))


class Layer:
    def __init__(self, kind, units, activation='linear', recurrent_activation='linear',
                 return_sequences=False, weights=None):
        self.kind = kind
        self.units = int(units)
        self.activation = activation
        self.recurrent_activation = recurrent_activation if kind not in ('dense', 'simple_rnn') \
            else 'linear'
        self.return_sequences = bool(return_sequences) if KINDS[kind][2] else False
        self.weights = weights or []

    @property
    def gates(self):
        return KINDS[self.kind][0]

    @property
    def bias_rows(self):
        return KINDS[self.kind][1]

    @property
    def recurrent(self):
        return KINDS[self.kind][2]

    def weight_shapes(self, width):
        gu = self.gates * self.units
        shapes = [(width, gu)]
        if self.recurrent:
            shapes.append((self.units, gu))
        shapes.append((gu,) if self.bias_rows == 1 else (self.bias_rows, gu))
        return shapes

    def __repr__(self):
        return 'Layer(%s, %d, %s/%s, seq=%d)' % (self.kind, self.units, self.activation,
                                               self.recurrent_activation, self.return_sequences)


class Model:
    """time_steps may be None while a reader does not know it (a free time
    axis); the writers of .rlm need it.

    meta: what the rnnlite file carries besides the architecture and the
    weights (scaler, targets, transforms, training settings), as
    {tag: (flags, payload bytes)} of its sections, so that it travels
    through another format's metadata and comes back byte for byte."""

    def __init__(self, time_steps, n_features, layers=None, meta=None):
        self.time_steps = time_steps
        self.n_features = int(n_features)
        self.layers = layers or []
        self.meta = meta or {}
        self.notes = []   # exact but worth saying (dropout dropped, input layout)

    def check(self):
        """Shapes and chaining, as rnnlite's own loader checks them."""
        width, seq = self.n_features, True
        if not self.layers:
            raise Refused('the model has no layers')
        for i, l in enumerate(self.layers):
            cls = CLASS_NAMES[l.kind]
            for a in (l.activation, l.recurrent_activation):
                if a not in ACTIVATIONS:
                    refuse_layer(i, cls, 'activation %r has no rnnlite equivalent' % a)
            if l.recurrent and not seq:
                refuse_layer(i, cls, 'a recurrent layer after one that returns only its last '
                             'state')
            shapes = l.weight_shapes(width)
            if len(l.weights) != len(shapes):
                refuse_layer(i, cls, '%d weight arrays, expected %d' % (len(l.weights),
                                                                       len(shapes)))
            ws = []
            for w, s in zip(l.weights, shapes):
                w = np.asarray(w)
                if w.shape != s:
                    refuse_layer(i, cls, 'weight of shape %s, expected %s' % (w.shape, s))
                w32 = w.astype(np.float32)
                if not np.all(np.isfinite(w32)):
                    refuse_layer(i, cls, 'a weight is NaN or infinite')
                if w.dtype != np.float32 and not np.array_equal(w32.astype(w.dtype), w):
                    refuse_layer(i, cls, 'weights of type %s do not fit float32 exactly'
                                 % w.dtype)
                ws.append(w32)
            l.weights = ws
            width = l.units
            if l.recurrent:
                seq = l.return_sequences
        return self

    def output_is_sequence(self):
        seq = True
        for l in self.layers:
            if l.recurrent:
                seq = l.return_sequences
        return seq
