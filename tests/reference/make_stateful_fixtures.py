#!/usr/bin/python3
"""Reference numbers for stateful training (Keras stateful=True), for
tests/test_reference.c.

Keras semantics written out in torch float64: model.fit(shuffle=False) on a
stateful model with batch B runs the batches in order; every recurrent
layer starts batch k from the final state (h, and c for LSTM) that batch
k-1 left in the same batch row, detached (no gradient flows back across
batches: truncated backpropagation); the states are reset to zero at the
start of every epoch (the usual reset_states() callback, and rnnlite's
contract). The state a batch leaves is computed with the weights before
that batch's update.

The cell math, losses and optimiser steps are make_fixtures.py's (already
checked there against torch.nn and torch.optim); here the carried state is
checked against torch's own nn.RNN / nn.LSTM / nn.GRU given (h0, c0) batch
after batch. As in make_fixtures.py, inputs and weights are float32-exact
and a case whose torch float32 run strays from float64 by more than half
the C test's tolerance is redrawn.

Run:  /usr/bin/python3 tests/reference/make_stateful_fixtures.py
Writes stateful.txt beside this script (format: README.md).
"""
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (the shared Keras math)

torch.set_default_dtype(torch.float64)

# Tolerances of tests/test_reference.c for stateful cases (keep in step).
STATEFUL_RTOL, STATEFUL_ATOL = 1e-5, 1e-6
CONDITION_MARGIN = 0.5


# ------------------------------------------------------------ stateful math
def zero_state(layer, batch, dtype=torch.float64):
    """The state a recurrent layer carries per batch row: (h, c) or (h,)."""
    z = torch.zeros(batch, layer.units, dtype=dtype)
    return (z, z.clone()) if layer.kind == 'lstm' else (z,)


def run_recurrent(layer, w, seq, state):
    """seq [B][T][in] from `state`; returns (output, final state)."""
    kernel, rec, bias = w
    u = layer.units
    act, ra = mf.ACT[layer.act], mf.ACT[layer.rec_act] if layer.rec_act != '-' else None
    h = state[0]
    c = state[1] if layer.kind == 'lstm' else None
    outs = []
    for t in range(seq.shape[1]):
        xt = seq[:, t, :]
        if layer.kind == 'simple_rnn':
            h = act(xt @ kernel + h @ rec + bias)
        elif layer.kind == 'lstm':
            zi, zf, zc, zo = (xt @ kernel + h @ rec + bias).split(u, dim=1)
            c = ra(zf) * c + ra(zi) * act(zc)
            h = ra(zo) * act(c)
        else:
            xz, xr, xh = (xt @ kernel + bias[0]).split(u, dim=1)
            hz, hr, hh = (h @ rec + bias[1]).split(u, dim=1)
            z, r = ra(xz + hz), ra(xr + hr)
            h = z * h + (1 - z) * act(xh + r * hh)
        outs.append(h)
    out = torch.stack(outs, dim=1) if layer.rs else h
    return out, ((h, c) if layer.kind == 'lstm' else (h,))


def forward(layers, weights, x, states):
    """Returns (output, the layers' final states); Dense layers carry None."""
    a, finals = x, []
    for layer, w, st in zip(layers, weights, states):
        if layer.kind == 'dense':
            a = mf.ACT[layer.act](a @ w[0] + w[1])
            finals.append(None)
        else:
            a, fin = run_recurrent(layer, w, a, st)
            finals.append(fin)
    return a, finals


def train(layers, weights, x, y, tr):
    """Keras stateful fit, shuffle off, states reset per epoch."""
    ws = [[t.clone() for t in w] for w in weights]
    flat = [t for w in ws for t in w]
    opt_states = [dict() for _ in flat]
    n, b, step, hist = x.shape[0], tr['batch'], 0, []
    assert n % b == 0, 'Keras stateful fit needs whole batches'
    for _ in range(tr['fits']):
        hist = []
        for _ in range(tr['epochs']):
            states = [None if l.kind == 'dense' else zero_state(l, b, x.dtype) for l in layers]
            total = 0.0
            for s in range(0, n, b):
                xb, yb = x[s:s + b], y[s:s + b]
                params = [t.detach().requires_grad_(True) for t in flat]
                it = iter(params)
                pw = [[next(it) for _ in w] for w in ws]
                out, finals = forward(layers, pw, xb, states)
                loss = mf.loss_value(tr['loss'], out, yb)
                grads = torch.autograd.grad(loss, params)
                states = [None if f is None else tuple(t.detach() for t in f) for f in finals]
                total += loss.item() * b
                step += 1
                with torch.no_grad():
                    for w, g, st in zip(flat, grads, opt_states):
                        mf.optimiser_step(tr['opt'], tr['hp'], w, mf.clip(g, tr['hp']['clipnorm']),
                                          st, step)
            hist.append(total / n)
    return ws, hist


# ------------------------------------------------------ independent checks
def self_check():
    """State carried between batches against torch.nn given (h0, c0)."""
    g = torch.Generator().manual_seed(11)
    rnd = lambda *s: torch.rand(*s, generator=g) - 0.5
    B, T, nin, u = 3, 4, 2, 5
    xs = [rnd(B, T, nin) for _ in range(3)]

    def carried(layer, w, ref, to_torch_state, from_torch):
        st, h_ref = zero_state(layer, B), None
        for x in xs:
            out, st = run_recurrent(layer, w, x, st)
            want, h_ref = ref(x, h_ref)
            assert mf.close(out, want), f'{layer.kind}: carried state differs from torch.nn'

    w = [rnd(nin, u), rnd(u, u), rnd(u)]
    ref = torch.nn.RNN(nin, u, batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(w[0].T)
        ref.weight_hh_l0.copy_(w[1].T)
        ref.bias_ih_l0.copy_(w[2])
        ref.bias_hh_l0.zero_()
    carried(mf.Layer('simple_rnn', u, 'tanh', '-', 1), w, ref, None, None)

    w = [rnd(nin, 4 * u), rnd(u, 4 * u), rnd(4 * u)]
    ref = torch.nn.LSTM(nin, u, batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(w[0].T)
        ref.weight_hh_l0.copy_(w[1].T)
        ref.bias_ih_l0.copy_(w[2])
        ref.bias_hh_l0.zero_()
    carried(mf.Layer('lstm', u, 'tanh', 'sigmoid', 1), w, ref, None, None)

    w = [rnd(nin, 3 * u), rnd(u, 3 * u), rnd(2, 3 * u)]
    to_torch = lambda m: torch.cat([m[..., u:2 * u], m[..., :u], m[..., 2 * u:]], dim=-1)
    ref = torch.nn.GRU(nin, u, batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(to_torch(w[0]).T)
        ref.weight_hh_l0.copy_(to_torch(w[1]).T)
        ref.bias_ih_l0.copy_(to_torch(w[2][0]))
        ref.bias_hh_l0.copy_(to_torch(w[2][1]))
    carried(mf.Layer('gru', u, 'tanh', 'sigmoid', 1), w, ref, None, None)

    # A zero state gives make_fixtures' stateless forward, and carrying state
    # changes the training (else these fixtures would prove nothing new).
    layers = [mf.Layer('lstm', 3, 'tanh', 'sigmoid', 0), mf.Layer('dense', 1, 'linear')]
    weights = [[rnd(2, 12), rnd(3, 12), rnd(12)], [rnd(3, 1), rnd(1)]]
    x, y = rnd(8, 3, 2), rnd(8, 1)
    out, _ = forward(layers, weights, x, [zero_state(layers[0], 8), None])
    assert mf.close(out, mf.forward(layers, weights, x))
    tr = dict(opt='adam', loss='mse', epochs=2, batch=4, fits=1, hp=mf.hp())
    a, _ = train(layers, weights, x, y, tr)
    b, _ = mf.train(layers, weights, x, y, tr)
    assert not mf.close(a[0][1], b[0][1], 1e-6), 'state carrying made no difference'


# ------------------------------------------------------------- case drawing
def draw(seed, layers, time_steps, n_features, n_samples, spec):
    g = torch.Generator().manual_seed(seed)
    uni = lambda *s: mf.f32((torch.rand(*s, generator=g) - 0.5) * 2)
    weights, n_in = [], n_features
    for layer in layers:
        weights.append([uni(*s) * 0.5 for s in layer.shapes(n_in)])
        n_in = layer.units
    x = uni(n_samples, time_steps, n_features)
    case = dict(layers=layers, time_steps=time_steps, n_features=n_features,
                n_samples=n_samples, weights=weights, x=x, train=spec)
    with torch.no_grad():
        case['y'] = mf.forward(layers, weights, x)   # predict from the zero state
    case['y_true'] = uni(*case['y'].shape)
    case['w_after'], case['hist'] = train(layers, weights, x, case['y_true'], spec)
    return case


def conditioning(case):
    to32 = lambda t: t.to(torch.float32)
    w32 = [[to32(t) for t in w] for w in case['weights']]
    after, hist = train(case['layers'], w32, to32(case['x']), to32(case['y_true']), case['train'])
    r = 0.0
    for a, b in zip((t for w in after for t in w), (t for w in case['w_after'] for t in w)):
        r = max(r, mf.worst_ratio(a.double(), b, STATEFUL_RTOL, STATEFUL_ATOL))
    return max(r, mf.worst_ratio(torch.tensor(hist), torch.tensor(case['hist']),
                                 STATEFUL_RTOL, STATEFUL_ATOL))


def make_case(name, seed, *args):
    for attempt in range(40):
        torch.set_default_dtype(torch.float64)
        case = draw(seed * 100 + attempt, *args)
        r = conditioning(case)
        torch.set_default_dtype(torch.float64)
        if r <= CONDITION_MARGIN:
            case['name'] = name
            case['stateful'] = 1
            print(f'{name:40s} seed {seed * 100 + attempt:6d} float32/limit {r:.3f}')
            return case
    sys.exit(f'{name}: no well-conditioned draw in 40 attempts')


def cases():
    L = mf.Layer
    spec = lambda **kw: dict(opt=kw.pop('opt', 'adam'), loss='mse', epochs=3,
                             batch=kw.pop('batch', 4), fits=kw.pop('fits', 1), hp=mf.hp(**kw))
    todo = [
        ('stateful_simple_rnn_adam', [L('simple_rnn', 5, 'tanh', '-', 0), L('dense', 1, 'linear')],
         4, 2, 12, spec()),
        ('stateful_lstm_adam', [L('lstm', 4, 'tanh', 'sigmoid', 0), L('dense', 1, 'linear')],
         4, 2, 12, spec()),
        ('stateful_gru_adam', [L('gru', 3, 'tanh', 'sigmoid', 0), L('dense', 2, 'linear')],
         4, 3, 12, spec()),
        ('stateful_stack_lstm_gru_dense', [L('lstm', 4, 'tanh', 'sigmoid', 1),
                                           L('gru', 3, 'tanh', 'sigmoid', 0), L('dense', 1, 'linear')],
         3, 2, 9, spec(batch=3)),
        ('stateful_rnn_sequence_sgd', [L('simple_rnn', 4, 'tanh', '-', 1), L('dense', 1, 'linear')],
         3, 1, 8, spec(opt='sgd', lr=0.05, momentum=0.9, batch=2)),
        ('stateful_lstm_batch1_two_fits', [L('lstm', 3, 'tanh', 'sigmoid', 0), L('dense', 1, 'linear')],
         2, 1, 5, spec(batch=1, fits=2)),
    ]
    return [make_case(name, seed, layers, t, f, n, sp)
            for seed, (name, layers, t, f, n, sp) in enumerate(todo, start=900)]


def main():
    mf.self_check()
    self_check()
    print('self-check of the carried state against torch.nn: ok')
    here = os.path.dirname(os.path.abspath(__file__))
    cs = cases()
    path = os.path.join(here, 'stateful.txt')
    mf.write(path, cs)
    # One more keyword per case: the model is stateful (README.md).
    text = open(path).read().replace('# Generated by make_fixtures.py',
                                     '# Generated by make_stateful_fixtures.py')
    for c in cs:
        text = re.sub(rf"(case {c['name']}\nmodel [^\n]*\n)", r"\1stateful 1\n", text, count=1)
    with open(path, 'w') as out:
        out.write(text)


if __name__ == '__main__':
    main()
