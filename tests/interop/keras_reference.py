"""Keras' layer equations in float64 numpy, written from the Keras
documentation and keras/src/layers/rnn/{simple_rnn,lstm,gru}.py (call of each
cell), independently of rnnlite: the reference for files no peer can run
here (.keras and .h5 without TensorFlow)."""
import numpy as np

ACTS = {
    'linear': lambda x: x,
    'relu': lambda x: np.maximum(x, 0),
    'tanh': np.tanh,
    'sigmoid': lambda x: 1 / (1 + np.exp(-x)),
    'hard_sigmoid': lambda x: np.clip(0.2 * x + 0.5, 0, 1),   # tf.keras 2 / TF.js
}


def forward(layers, x):
    """layers: [(kind, units, act, rec_act, return_sequences, weights)];
    x [batch, time, features] -> output as Keras gives it."""
    h_seq = np.asarray(x, np.float64)
    for kind, u, act, rec, seq, w in layers:
        w = [np.asarray(a, np.float64) for a in w]
        f, g = ACTS[act], ACTS[rec]
        if kind == 'dense':
            h_seq = f(h_seq @ w[0] + w[1])
            continue
        B, T, _ = h_seq.shape
        h = np.zeros((B, u))
        c = np.zeros((B, u))
        outs = []
        for t in range(T):
            xt = h_seq[:, t]
            if kind == 'simple_rnn':
                h = f(xt @ w[0] + h @ w[1] + w[2])
            elif kind == 'lstm':
                z = xt @ w[0] + h @ w[1] + w[2]
                i, fg, cc, o = (z[:, k * u:(k + 1) * u] for k in range(4))
                c = g(fg) * c + g(i) * f(cc)
                h = g(o) * f(c)
            elif kind == 'gru':   # reset_after=True, bias [2][3u]
                xp = xt @ w[0] + w[2][0]
                hp = h @ w[1] + w[2][1]
                z = g(xp[:, :u] + hp[:, :u])
                r = g(xp[:, u:2 * u] + hp[:, u:2 * u])
                hh = f(xp[:, 2 * u:] + r * hp[:, 2 * u:])
                h = z * h + (1 - z) * hh
            elif kind == 'gru_reset_before':   # reset_after=False, bias [3u]
                xp = xt @ w[0] + w[2]
                z = g(xp[:, :u] + h @ w[1][:, :u])
                r = g(xp[:, u:2 * u] + h @ w[1][:, u:2 * u])
                hh = f(xp[:, 2 * u:] + (r * h) @ w[1][:, 2 * u:])
                h = z * h + (1 - z) * hh
            outs.append(h)
        h_seq = np.stack(outs, 1) if seq else h
    return h_seq
