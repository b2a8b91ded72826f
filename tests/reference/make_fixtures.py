#!/usr/bin/python3
"""Reference numbers for tests/test_reference.c, with tf.keras 2.x semantics.

The cell math, the losses and the optimiser steps are written out here in
torch float64 (not nn.LSTM/nn.GRU: their gate order and biases differ from
Keras and they have no relu/linear gates); autograd gives the gradients.
Before writing anything the script cross-checks its own math against torch's
independent implementations (nn.RNN/LSTM/GRU, the torch losses and
optimisers), so a fixture never rests on one piece of code alone.

Inputs and weights are rounded to float32 before the reference is computed,
so that rnnlite (float32) and the reference see the same numbers and differ
only in arithmetic precision. Each case is also run in torch float32; a case
whose float32 run strays from float64 by more than half the C test's
tolerance is ill-conditioned (a relu kink, an Adam step on a near-zero
gradient) and is redrawn with the next seed.

Run:  /usr/bin/python3 tests/reference/make_fixtures.py
Writes forward.txt and train.txt beside this script (format: README.md).
"""
import os
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

# Tolerances of tests/test_reference.c; the float32 proxy run must stay well
# inside them (CONDITION_MARGIN) for a case to be kept.
FWD_RTOL, FWD_ATOL = 5e-6, 5e-7
TRAIN_RTOL, TRAIN_ATOL = 2e-5, 3e-6
CONDITION_MARGIN = 0.5

ACT = {
    'linear': lambda v: v,
    'relu': torch.relu,
    'tanh': torch.tanh,
    'sigmoid': torch.sigmoid,
    # tf.keras 2 / TensorFlow.js hard_sigmoid (not Keras 3's relu6(x + 3) / 6).
    'hard_sigmoid': lambda v: torch.clamp(0.2 * v + 0.5, 0.0, 1.0),
}
GATES = {'dense': 1, 'simple_rnn': 1, 'lstm': 4, 'gru': 3, 'gru_reset_before': 3}


class Layer:
    def __init__(self, kind, units, act, rec_act='-', rs=0):
        self.kind, self.units, self.act, self.rec_act, self.rs = kind, units, act, rec_act, rs

    def shapes(self, n_in):
        """Keras get_weights() shapes."""
        u, g = self.units, GATES[self.kind]
        if self.kind == 'dense':
            return [(n_in, u), (u,)]
        bias = (2, g * u) if self.kind == 'gru' else (g * u,)
        return [(n_in, g * u), (u, g * u), bias]


def f32(t):
    """Round to float32, keep float64 storage: the values rnnlite gets."""
    return t.to(torch.float32).to(torch.float64)


# ---------------------------------------------------------------- model math
def run_recurrent(layer, w, seq):
    """seq [B][T][in] -> [B][T][u] (return_sequences) or [B][u]."""
    kernel, rec, bias = w
    batch, steps, _ = seq.shape
    u = layer.units
    act, ra = ACT[layer.act], ACT[layer.rec_act] if layer.rec_act != '-' else None
    h = seq.new_zeros(batch, u)
    c = seq.new_zeros(batch, u)
    outs = []
    for t in range(steps):
        xt = seq[:, t, :]
        if layer.kind == 'simple_rnn':
            h = act(xt @ kernel + h @ rec + bias)
        elif layer.kind == 'lstm':
            zi, zf, zc, zo = (xt @ kernel + h @ rec + bias).split(u, dim=1)
            i, f = ra(zi), ra(zf)
            c = f * c + i * act(zc)
            h = ra(zo) * act(c)
        elif layer.kind == 'gru_reset_before':   # Keras reset_after=False: one bias
            xz, xr, xh = (xt @ kernel + bias).split(u, dim=1)
            uz, ur, uh = rec.split(u, dim=1)
            z, r = ra(xz + h @ uz), ra(xr + h @ ur)
            cand = act(xh + (r * h) @ uh)
            h = z * h + (1 - z) * cand
        else:  # gru, reset_after=True
            xz, xr, xh = (xt @ kernel + bias[0]).split(u, dim=1)
            hz, hr, hh = (h @ rec + bias[1]).split(u, dim=1)
            z, r = ra(xz + hz), ra(xr + hr)
            cand = act(xh + r * hh)
            h = z * h + (1 - z) * cand
        outs.append(h)
    return torch.stack(outs, dim=1) if layer.rs else h


def forward(layers, weights, x):
    a = x
    for layer, w in zip(layers, weights):
        if layer.kind == 'dense':   # on [B][T][in] too: per step, as Keras
            a = ACT[layer.act](a @ w[0] + w[1])
        else:
            a = run_recurrent(layer, w, a)
    return a


def loss_value(kind, pred, true):
    """Mean over every output element, as Keras' losses on equal-size samples."""
    err = pred - true
    if kind == 'mse':
        return (err * err).mean()
    if kind == 'mae':
        return err.abs().mean()
    a = err.abs()   # huber, delta 1
    return torch.where(a <= 1.0, 0.5 * err * err, a - 0.5).mean()


def clip(g, clipnorm):
    """tf.clip_by_norm on one gradient tensor."""
    if clipnorm <= 0:
        return g
    norm = torch.sqrt((g * g).sum())
    return g * clipnorm / torch.maximum(norm, torch.tensor(clipnorm, dtype=g.dtype))


def optimiser_step(opt, hp, w, g, state, t):
    """One Keras (2.11+) optimiser update of tensor w in place; t counts from 1."""
    lr = hp['learning_rate']
    if opt == 'adam':
        b1, b2, eps = hp['beta1'], hp['beta2'], hp['epsilon']
        m, v = state.setdefault('m', torch.zeros_like(w)), state.setdefault('v', torch.zeros_like(w))
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        alpha = lr * (1 - b2 ** t) ** 0.5 / (1 - b1 ** t)
        w -= alpha * m / (torch.sqrt(v) + eps)
    elif opt == 'sgd':
        mom = hp['momentum']
        if mom > 0:
            v = state.setdefault('v', torch.zeros_like(w))
            v.mul_(mom).sub_(lr * g)
            w += v
        else:
            w -= lr * g
    elif opt == 'rmsprop':
        rho, eps = hp['rho'], hp['epsilon']
        vel = state.setdefault('vel', torch.zeros_like(w))
        vel.mul_(rho).add_((1 - rho) * g * g)
        w -= lr * g / torch.sqrt(vel + eps)
    else:
        raise ValueError(opt)


def train(layers, weights, x, y, tr):
    """Keras model.fit with shuffle=False; returns (weights after, per-epoch losses of the last fit)."""
    ws = [[t.clone() for t in w] for w in weights]
    flat = [t for w in ws for t in w]
    states = [dict() for _ in flat]
    n, step, hist = x.shape[0], 0, []
    for _ in range(tr['fits']):
        hist = []
        for _ in range(tr['epochs']):
            total = 0.0
            for s in range(0, n, tr['batch']):
                xb, yb = x[s:s + tr['batch']], y[s:s + tr['batch']]
                params = [t.detach().requires_grad_(True) for t in flat]
                it = iter(params)
                pw = [[next(it) for _ in w] for w in ws]
                loss = loss_value(tr['loss'], forward(layers, pw, xb), yb)
                grads = torch.autograd.grad(loss, params)
                total += loss.item() * xb.shape[0]
                step += 1
                with torch.no_grad():
                    for w, g, st in zip(flat, grads, states):
                        optimiser_step(tr['opt'], tr['hp'], w, clip(g, tr['hp']['clipnorm']), st, step)
            hist.append(total / n)
    return ws, hist


# ------------------------------------------------------ independent checks
def close(a, b, tol=1e-10):
    return torch.allclose(a, b, rtol=tol, atol=tol)


def self_check():
    """The hand-written math against torch's own implementations."""
    g = torch.Generator().manual_seed(7)
    rnd = lambda *s: torch.rand(*s, generator=g) - 0.5
    B, T, nin, u = 3, 5, 2, 4
    x = rnd(B, T, nin)

    # SimpleRNN vs nn.RNN (tanh and relu); Keras has one bias.
    for act in ('tanh', 'relu'):
        w = [rnd(nin, u), rnd(u, u), rnd(u)]
        ref = torch.nn.RNN(nin, u, nonlinearity=act, batch_first=True)
        with torch.no_grad():
            ref.weight_ih_l0.copy_(w[0].T)
            ref.weight_hh_l0.copy_(w[1].T)
            ref.bias_ih_l0.copy_(w[2])
            ref.bias_hh_l0.zero_()
        out = forward([Layer('simple_rnn', u, act, '-', 1)], [w], x)
        assert close(out, ref(x)[0]), 'SimpleRNN differs from nn.RNN'

    # LSTM vs nn.LSTM: both gate orders are i, f, c(g), o.
    w = [rnd(nin, 4 * u), rnd(u, 4 * u), rnd(4 * u)]
    ref = torch.nn.LSTM(nin, u, batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(w[0].T)
        ref.weight_hh_l0.copy_(w[1].T)
        ref.bias_ih_l0.copy_(w[2])
        ref.bias_hh_l0.zero_()
    out = forward([Layer('lstm', u, 'tanh', 'sigmoid', 1)], [w], x)
    assert close(out, ref(x)[0]), 'LSTM differs from nn.LSTM'

    # GRU vs nn.GRU: torch gates r, z, n with r applied to (W_hn h + b_hn),
    # which is Keras reset_after=True; Keras orders z, r, h.
    w = [rnd(nin, 3 * u), rnd(u, 3 * u), rnd(2, 3 * u)]
    to_torch = lambda m: torch.cat([m[..., u:2 * u], m[..., :u], m[..., 2 * u:]], dim=-1)
    ref = torch.nn.GRU(nin, u, batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(to_torch(w[0]).T)
        ref.weight_hh_l0.copy_(to_torch(w[1]).T)
        ref.bias_ih_l0.copy_(to_torch(w[2][0]))
        ref.bias_hh_l0.copy_(to_torch(w[2][1]))
    out = forward([Layer('gru', u, 'tanh', 'sigmoid', 1)], [w], x)
    assert close(out, ref(x)[0]), 'GRU differs from nn.GRU'

    # Losses.
    p, t = rnd(4, 3, 2) * 4, rnd(4, 3, 2) * 4
    assert close(loss_value('mse', p, t), F.mse_loss(p, t))
    assert close(loss_value('mae', p, t), F.l1_loss(p, t))
    assert close(loss_value('huber', p, t), F.huber_loss(p, t, delta=1.0))

    # Optimisers. Keras and torch put Adam's and RMSprop's epsilon in
    # different places, so compare with epsilon 0 where the formulas agree.
    def run_torch(opt_ctor, steps):
        w0 = rnd(5)
        grads = [rnd(5) for _ in range(steps)]
        p = w0.clone().requires_grad_(True)
        opt = opt_ctor([p])
        for gr in grads:
            p.grad = gr.clone()
            opt.step()
        mine, st = w0.clone(), {}
        return p.detach(), mine, grads, st

    cases = [
        ('adam', dict(learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=0.0),
         lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.9, 0.999), eps=0.0)),
        ('sgd', dict(learning_rate=0.01, momentum=0.0),
         lambda ps: torch.optim.SGD(ps, lr=0.01)),
        ('sgd', dict(learning_rate=0.01, momentum=0.9),
         lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9)),
        ('rmsprop', dict(learning_rate=0.01, rho=0.9, epsilon=0.0),
         lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=0.0)),
    ]
    for name, hp, ctor in cases:
        want, mine, grads, st = run_torch(ctor, 6)
        for t, gr in enumerate(grads, start=1):
            optimiser_step(name, hp, mine, gr, st, t)
        assert close(mine, want), f'{name} {hp} differs from torch.optim'

    # clip_by_norm against torch's clip_grad_norm_ (which adds 1e-6 to the norm).
    gr = rnd(7) * 10
    p = torch.zeros(7, requires_grad=True)
    p.grad = gr.clone()
    torch.nn.utils.clip_grad_norm_([p], 0.5)
    assert close(clip(gr, 0.5), p.grad, 1e-5)
    assert close(clip(gr * 1e-3, 0.5), gr * 1e-3)


# ------------------------------------------------------------- case drawing
def draw(seed, layers, time_steps, n_features, n_samples, train_spec=None):
    """Random float32-exact weights and data; reference outputs in float64."""
    g = torch.Generator().manual_seed(seed)
    uni = lambda *s: f32((torch.rand(*s, generator=g) - 0.5) * 2)
    weights, n_in = [], n_features
    for layer in layers:
        weights.append([uni(*s) * 0.5 for s in layer.shapes(n_in)])
        n_in = layer.units
    x = uni(n_samples, time_steps, n_features)
    case = dict(layers=layers, time_steps=time_steps, n_features=n_features,
                n_samples=n_samples, weights=weights, x=x)
    with torch.no_grad():
        case['y'] = forward(layers, weights, x)
    if train_spec is not None:
        case['train'] = train_spec
        case['y_true'] = uni(*case['y'].shape)
        case['w_after'], case['hist'] = train(layers, weights, x, case['y_true'], train_spec)
    return case


def worst_ratio(got, want, rtol, atol):
    """max |got - want| / (atol + rtol |want|): <= 1 passes the C test."""
    return ((got - want).abs() / (atol + rtol * want.abs())).max().item()


def conditioning(case):
    """How close a float32 run of the same math comes to the C test's limits."""
    to32 = lambda t: t.to(torch.float32)
    w32 = [[to32(t) for t in w] for w in case['weights']]
    x32 = to32(case['x'])
    with torch.no_grad():
        r = worst_ratio(forward(case['layers'], w32, x32).double(), case['y'], FWD_RTOL, FWD_ATOL)
    if 'train' in case:
        after, hist = train(case['layers'], w32, x32, to32(case['y_true']), case['train'])
        for a, b in zip((t for w in after for t in w), (t for w in case['w_after'] for t in w)):
            r = max(r, worst_ratio(a.double(), b, TRAIN_RTOL, TRAIN_ATOL))
        r = max(r, worst_ratio(torch.tensor(hist), torch.tensor(case['hist']), TRAIN_RTOL, TRAIN_ATOL))
    return r


def make_case(name, seed, *args, **kw):
    for attempt in range(20):
        case = draw(seed * 100 + attempt, *args, **kw)
        r = conditioning(case)
        if r <= CONDITION_MARGIN:
            case['name'] = name
            print(f'{name:40s} seed {seed * 100 + attempt:6d} float32/limit {r:.3f}')
            return case
    sys.exit(f'{name}: no well-conditioned draw in 20 attempts')


def sizes(seed):
    """Small shapes that sweep the ranges, including the 1s."""
    g = torch.Generator().manual_seed(10_000 + seed)
    ri = lambda lo, hi: int(torch.randint(lo, hi + 1, (1,), generator=g))
    return ri(1, 7), ri(1, 3), ri(1, 9), ri(1, 5)


def forward_cases():
    cases, seed = [], 1
    acts = ['linear', 'relu', 'tanh', 'sigmoid']
    for act in acts:
        # Dense on a single step: Keras input (1, features).
        _, f, u, b = sizes(seed)
        cases.append(make_case(f'dense_{act}', seed, [Layer('dense', u, act)], 1, f, b))
        seed += 1
    for act in acts:
        for rs in (0, 1):
            t, f, u, b = sizes(seed)
            cases.append(make_case(f'simple_rnn_{act}_rs{rs}', seed,
                                   [Layer('simple_rnn', u, act, '-', rs)], t, f, b))
            seed += 1
    for kind in ('lstm', 'gru'):
        for act in acts:
            for rec in ('sigmoid', 'tanh') + (('relu', 'linear') if act == 'tanh' else ()):
                for rs in (0, 1):
                    t, f, u, b = sizes(seed)
                    cases.append(make_case(f'{kind}_{act}_{rec}_rs{rs}', seed,
                                           [Layer(kind, u, act, rec, rs)], t, f, b))
                    seed += 1
    # Edge sizes: one step, one feature, one unit, one sample.
    for kind in ('simple_rnn', 'lstm', 'gru'):
        rec = '-' if kind == 'simple_rnn' else 'sigmoid'
        cases.append(make_case(f'{kind}_all_ones', seed, [Layer(kind, 1, 'tanh', rec, 1)], 1, 1, 1))
        seed += 1
    stacks = [
        ('stack_lstm_gru_dense', 6, 3, 4,
         [Layer('lstm', 5, 'tanh', 'sigmoid', 1), Layer('gru', 4, 'tanh', 'sigmoid', 0),
          Layer('dense', 2, 'linear')]),
        ('stack_rnn_dense_per_step', 5, 2, 3,
         [Layer('simple_rnn', 6, 'tanh', '-', 1), Layer('dense', 3, 'linear')]),
        ('stack_gru_lstm_rs_dense_relu_dense', 4, 2, 5,
         [Layer('gru', 3, 'relu', 'sigmoid', 1), Layer('lstm', 4, 'tanh', 'sigmoid', 1),
          Layer('dense', 5, 'relu'), Layer('dense', 1, 'linear')]),
        ('stack_three_lstm', 7, 1, 2,
         [Layer('lstm', 8, 'tanh', 'sigmoid', 1), Layer('lstm', 3, 'sigmoid', 'tanh', 1),
          Layer('lstm', 2, 'tanh', 'sigmoid', 0)]),
        ('stack_rnn_relu_gru_sigmoid', 3, 3, 2,
         [Layer('simple_rnn', 9, 'relu', '-', 1), Layer('gru', 2, 'sigmoid', 'sigmoid', 1)]),
        ('stack_dense_dense', 1, 3, 4,
         [Layer('dense', 7, 'tanh'), Layer('dense', 2, 'sigmoid')]),
    ]
    for name, t, f, b, layers in stacks:
        cases.append(make_case(name, seed, layers, t, f, b))
        seed += 1
    # rnnlite 0.2: GRU with reset_after=False and hard_sigmoid (appended, so
    # the cases above keep their seeds and numbers).
    for act in acts + ['hard_sigmoid']:
        for rec in ('sigmoid', 'hard_sigmoid') + (('tanh', 'relu', 'linear') if act == 'tanh' else ()):
            for rs in (0, 1):
                t, f, u, b = sizes(seed)
                cases.append(make_case(f'gru_reset_before_{act}_{rec}_rs{rs}', seed,
                                       [Layer('gru_reset_before', u, act, rec, rs)], t, f, b))
                seed += 1
    for kind in ('lstm', 'gru'):
        for rs in (0, 1):
            t, f, u, b = sizes(seed)
            cases.append(make_case(f'{kind}_tanh_hard_sigmoid_rs{rs}', seed,
                                   [Layer(kind, u, 'tanh', 'hard_sigmoid', rs)], t, f, b))
            seed += 1
    _, f, u, b = sizes(seed)
    cases.append(make_case('dense_hard_sigmoid', seed, [Layer('dense', u, 'hard_sigmoid')], 1, f, b))
    seed += 1
    cases.append(make_case('gru_reset_before_all_ones', seed,
                           [Layer('gru_reset_before', 1, 'tanh', 'sigmoid', 1)], 1, 1, 1))
    seed += 1
    cases.append(make_case('stack_tfjs_defaults', seed,
                           [Layer('gru_reset_before', 5, 'tanh', 'hard_sigmoid', 1),
                            Layer('lstm', 4, 'tanh', 'hard_sigmoid', 0),
                            Layer('dense', 2, 'linear')], 6, 3, 4))
    return cases


def hp(lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-7, momentum=0.0, rho=0.9, clipnorm=0.0):
    return dict(learning_rate=lr, beta1=beta1, beta2=beta2, epsilon=epsilon,
                momentum=momentum, rho=rho, clipnorm=clipnorm)


def train_cases():
    def spec(opt='adam', loss='mse', epochs=2, batch=4, fits=1, **kw):
        return dict(opt=opt, loss=loss, epochs=epochs, batch=batch, fits=fits, hp=hp(**kw))

    lstm = lambda: [Layer('lstm', 4, 'tanh', 'sigmoid', 0), Layer('dense', 1, 'linear')]
    gru = lambda: [Layer('gru', 3, 'tanh', 'sigmoid', 0), Layer('dense', 2, 'linear')]
    rnn = lambda: [Layer('simple_rnn', 5, 'tanh', '-', 0), Layer('dense', 1, 'linear')]
    todo = [
        # name, layers, time_steps, features, samples, spec
        ('train_dense_adam_mse', [Layer('dense', 3, 'tanh'), Layer('dense', 1, 'linear')],
         1, 3, 10, spec()),
        ('train_simple_rnn_adam_mse', rnn(), 5, 2, 10, spec()),
        ('train_lstm_adam_mse', lstm(), 4, 2, 10, spec()),
        ('train_gru_adam_mse', gru(), 4, 3, 10, spec()),
        ('train_lstm_relu_adam_mse', [Layer('lstm', 3, 'relu', 'sigmoid', 0), Layer('dense', 1, 'linear')],
         3, 2, 7, spec(batch=3, epochs=3)),
        ('train_stack_lstm_gru_dense_adam', [Layer('lstm', 4, 'tanh', 'sigmoid', 1),
                                             Layer('gru', 3, 'tanh', 'sigmoid', 0),
                                             Layer('dense', 1, 'linear')], 5, 2, 10, spec()),
        ('train_rnn_dense_per_step_adam', [Layer('simple_rnn', 4, 'tanh', '-', 1), Layer('dense', 2, 'linear')],
         4, 2, 10, spec()),
        ('train_lstm_full_batch_adam', lstm(), 3, 1, 6, spec(batch=6, epochs=4)),
        ('train_lstm_adam_two_fits', lstm(), 4, 2, 10, spec(epochs=1, fits=2)),
        ('train_gru_mae_adam', gru(), 4, 2, 10, spec(loss='mae')),
        ('train_lstm_huber_adam', [Layer('lstm', 4, 'tanh', 'sigmoid', 0), Layer('dense', 1, 'linear')],
         4, 2, 10, spec(loss='huber')),
        ('train_lstm_sgd', lstm(), 4, 2, 10, spec(opt='sgd', momentum=0.0)),
        ('train_gru_sgd_momentum', gru(), 4, 2, 10, spec(opt='sgd', momentum=0.9)),
        ('train_rnn_rmsprop', rnn(), 4, 2, 10, spec(opt='rmsprop')),
        ('train_lstm_rmsprop_mae', lstm(), 3, 2, 9, spec(opt='rmsprop', loss='mae', batch=4)),
        ('train_lstm_adam_clipnorm', lstm(), 4, 2, 10, spec(clipnorm=0.05)),
        ('train_gru_sgd_clipnorm', gru(), 4, 2, 10, spec(opt='sgd', momentum=0.9, clipnorm=0.1)),
        # rnnlite 0.2 (appended: the cases above keep their seeds).
        ('train_gru_reset_before_adam', [Layer('gru_reset_before', 3, 'tanh', 'sigmoid', 0),
                                         Layer('dense', 2, 'linear')], 4, 3, 10, spec()),
        ('train_tfjs_defaults_sgd', [Layer('gru_reset_before', 4, 'tanh', 'hard_sigmoid', 1),
                                     Layer('lstm', 3, 'tanh', 'hard_sigmoid', 0),
                                     Layer('dense', 1, 'linear')], 5, 2, 10,
         spec(opt='sgd', momentum=0.9)),
    ]
    cases = []
    for seed, (name, layers, t, f, n, sp) in enumerate(todo, start=500):
        cases.append(make_case(name, seed, layers, t, f, n, train_spec=sp))
    return cases


# ------------------------------------------------------------------ writing
def values(out, vals):
    vals = [float(v) for v in vals]
    for i in range(0, len(vals), 6):
        out.write(' '.join('%.17g' % v for v in vals[i:i + 6]) + '\n')


def flat(ts):
    return [v for t in ts for v in t.reshape(-1).tolist()]


def write(path, cases):
    with open(path, 'w') as out:
        out.write('# Generated by make_fixtures.py; do not edit. Format: README.md\n')
        for c in cases:
            out.write(f"\ncase {c['name']}\n")
            out.write(f"model {c['time_steps']} {c['n_features']} {c['n_samples']}\n")
            for l in c['layers']:
                out.write(f'layer {l.kind} {l.units} {l.act} {l.rec_act} {l.rs}\n')
            for i, w in enumerate(c['weights']):
                out.write(f'weights {i} {sum(t.numel() for t in w)}\n')
                values(out, flat(w))
            out.write(f"x {c['x'].numel()}\n")
            values(out, flat([c['x']]))
            out.write(f"y {c['y'].numel()}\n")
            values(out, flat([c['y']]))
            if 'train' in c:
                tr = c['train']
                for k in ('learning_rate', 'beta1', 'beta2', 'epsilon', 'momentum', 'rho', 'clipnorm'):
                    out.write(f"param {k} {'%.17g' % tr['hp'][k]}\n")
                out.write(f"train {tr['opt']} {tr['loss']} {tr['epochs']} {tr['batch']} {tr['fits']}\n")
                out.write(f"y_true {c['y_true'].numel()}\n")
                values(out, flat([c['y_true']]))
                out.write(f"loss_history {len(c['hist'])}\n")
                values(out, c['hist'])
                for i, w in enumerate(c['w_after']):
                    out.write(f'weights_after {i} {sum(t.numel() for t in w)}\n')
                    values(out, flat(w))
            out.write('end\n')


def main():
    self_check()
    print('self-check against torch.nn / torch.optim: ok')
    here = os.path.dirname(os.path.abspath(__file__))
    write(os.path.join(here, 'forward.txt'), forward_cases())
    write(os.path.join(here, 'train.txt'), train_cases())


if __name__ == '__main__':
    main()
