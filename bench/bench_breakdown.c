/* Where the time of one recurrent layer goes, on one thread, through the
 * private layer interface (lib/layer.h). For each cell and size it times
 *   layer_fwd / layer_bwd   the layer's own forward / backward pass
 *   gemm_fwd / gemm_bwd     the same matrix products alone, through rl__gemm
 *                           (shapes as the layers issue them, see below)
 *   transpose_bwd           the weight transposes the backward pass makes
 *   cell_fwd / cell_bwd     the cells' element-wise work alone (compute.h
 *                           cell functions, one call per step)
 *   predict / fit_step      rl_predict / one rl_fit step of the whole model
 *                           (the difference to the layer is gather, scatter,
 *                           loss, gradient checks and the optimiser)
 * so "layer - gemm - cell" is the remaining copying, bias fills and sums.
 *
 * Products (B batch, T steps, I input, H units, G gates):
 *   forward:  [T*B x I] x [I x G*H] once, then T-1 times [B x H] x [H x G*H]
 *   backward: T-1 times [B x G*H] x [G*H x H] (dh), [I x T*B] x [T*B x G*H]
 *             and [H x T*B] x [T*B x G*H] (weight gradients); no dx (first layer).
 *
 * Usage: bench_breakdown [--hidden 64,128,...] [--input 64] [--budget S] [--reps N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "compute.h"
#include "layer.h"

#include "bench_util.h"

enum { BATCH = 64, STEPS = 50, MAX_LIST = 16 };

static const char *const cell_names[] = {"rnn", "lstm", "gru"};
static const rl_layer_kind cell_kinds[] = {RL_LAYER_SIMPLE_RNN, RL_LAYER_LSTM, RL_LAYER_GRU};

typedef struct ctx {
    rl_layer l;
    rl_compute cx;
    size_t in, units, gates;
    float *x, *dy, *dy_copy, *a, *b, *c, *d, *e, *buf;
    rl_model *m;
    float *mx, *my, *mout;
} ctx;

static int run_layer_fwd(void *p)
{
    ctx *c = p;
    c->l.ops->forward(&c->l, &c->cx, c->x, BATCH);
    return 0;
}

static int run_layer_bwd(void *p)
{
    ctx *c = p;
    /* backward may overwrite dy */
    memcpy(c->dy, c->dy_copy, (size_t)BATCH * c->units * sizeof(float));
    c->l.ops->backward(&c->l, &c->cx, c->x, c->dy, NULL, BATCH);
    return 0;
}

static int run_gemm_fwd(void *p)
{
    ctx *c = p;
    size_t g = c->gates * c->units, u = c->units, tb = (size_t)STEPS * BATCH;
    rl__gemm(&c->cx, tb, g, c->in, c->x, c->in, 1, c->l.w, g, c->c, g, 1);
    for (size_t t = 1; t < STEPS; t++)
        rl__gemm(&c->cx, BATCH, g, u, c->a + (t - 1) * BATCH * u, u, 1, c->l.w + c->in * g, g,
                 c->c + t * BATCH * g, g, 1);
    return 0;
}

static int run_gemm_bwd(void *p)
{
    ctx *c = p;
    size_t g = c->gates * c->units, u = c->units, tb = (size_t)STEPS * BATCH;
    for (size_t t = STEPS; t-- > 1;)
        rl__gemm(&c->cx, BATCH, u, g, c->c + t * BATCH * g, g, 1, c->b, u, c->a, u, 0);
    rl__gemm(&c->cx, c->in, g, tb, c->x, 1, c->in, c->c, g, c->l.grad, g, 0);
    rl__gemm(&c->cx, u, g, tb, c->a, 1, u, c->c, g, c->l.grad + c->in * g, g, 0);
    return 0;
}

static int run_transpose(void *p)
{
    ctx *c = p;
    size_t g = c->gates * c->units;
    rl__transpose(c->b, c->l.w + c->in * g, c->units, g);
    return 0;
}

/* The cells' element-wise work alone: one call per step over the batch,
 * as the layers make it (rl__lstm_cell, rl__gru_cell, rl__activate_n and
 * their backward twins in compute.h). */
static int run_cell_fwd(void *p)
{
    ctx *c = p;
    size_t u = c->units, g = c->gates * u, bu = (size_t)BATCH * u;
    float *s0 = c->buf, *s1 = s0 + STEPS * bu, *s2 = s1 + STEPS * bu, *s3 = s2 + STEPS * bu;
    for (size_t t = 0; t < STEPS; t++) {
        float *z = c->c + t * BATCH * g;
        if (c->gates == 4)
            rl__lstm_cell(&c->cx, BATCH, u, z, s0 + t * bu, s1 + t * bu, s2 + t * bu,
                          s3 + t * bu, RL_ACT_TANH, RL_ACT_SIGMOID);
        else if (c->gates == 3)
            rl__gru_cell(&c->cx, BATCH, u, z, c->d + t * BATCH * g, s0 + t * bu, s1 + t * bu,
                         RL_ACT_TANH, RL_ACT_SIGMOID);
        else
            rl__activate_n(&c->cx, RL_ACT_TANH, z, s1 + t * bu, bu);
    }
    return 0;
}

static int run_cell_bwd(void *p)
{
    ctx *c = p;
    size_t u = c->units, g = c->gates * u, bu = (size_t)BATCH * u;
    float *s0 = c->buf, *s1 = s0 + STEPS * bu, *s2 = s1 + STEPS * bu, *dh = s2 + STEPS * bu,
          *dc = dh + bu;
    for (size_t t = STEPS; t-- > 0;) {
        const float *dyt = t == STEPS - 1 ? c->dy_copy : NULL;
        float *gt = c->c + t * BATCH * g, *out = c->e + t * BATCH * g;
        if (c->gates == 4)
            rl__lstm_cell_backward(&c->cx, BATCH, u, gt, s0 + t * bu, s1 + t * bu, dyt, dh, dc,
                                   out, RL_ACT_TANH, RL_ACT_SIGMOID);
        else if (c->gates == 3)
            rl__gru_cell_backward(&c->cx, BATCH, u, gt, c->d + t * BATCH * g, s0 + t * bu, dyt,
                                  dh, out, c->d + t * BATCH * g, RL_ACT_TANH, RL_ACT_SIGMOID);
        else
            rl__act_backward(&c->cx, RL_ACT_TANH, s1 + t * bu, dh, dyt, out, bu);
    }
    return 0;
}

static int run_predict(void *p)
{
    ctx *c = p;
    return rl_predict(c->m, c->mx, BATCH, c->mout, (size_t)BATCH * c->units) != RL_OK;
}

static int run_fit(void *p)
{
    ctx *c = p;
    return rl_fit(c->m, c->mx, c->my, BATCH, 1, BATCH) != RL_OK;
}

static float *filled(size_t n, unsigned long long seed, float scale)
{
    float *v = rl__calloc(n ? n : 1, sizeof(float));
    if (v)
        bench_fill(v, n, seed, scale);
    return v;
}

static rl_model *public_model(int k, size_t in, size_t units)
{
    rl_model *m = NULL;
    if (rl_model_create(&m, STEPS, in) != RL_OK)
        return NULL;
    rl_status st = k == 0   ? rl_model_add_simple_rnn(m, units, RL_ACT_TANH, 0)
                   : k == 1 ? rl_model_add_lstm(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0)
                            : rl_model_add_gru(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0);
    if (st != RL_OK || rl_model_set_param(m, RL_PARAM_SHUFFLE, 0) != RL_OK ||
        rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE) != RL_OK) {
        rl_model_destroy(m);
        return NULL;
    }
    return m;
}

static int breakdown(int k, size_t in, size_t units, double budget, int reps)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.in = in;
    c.units = units;
    if (!rl__layer_init(&c.l, cell_kinds[k], in, STEPS, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0))
        return 1;
    c.gates = c.l.ops->gates;
    size_t g = c.gates * units, tb = (size_t)STEPS * BATCH;
    c.l.w = filled(c.l.n_w, 11, 0.1f);
    c.l.grad = rl__calloc(c.l.n_w, sizeof(float));
    c.x = filled(tb * in, 12, 1.0f);
    c.dy = filled((size_t)BATCH * units, 13, 0.1f);
    c.dy_copy = filled((size_t)BATCH * units, 13, 0.1f);
    c.a = filled(tb * units, 14, 0.5f);   /* stands in for h_all */
    c.b = filled(g * units, 15, 0.1f);    /* stands in for U^T */
    c.c = filled(tb * g, 16, 0.5f);       /* stands in for gates / dZ */
    c.d = filled(tb * g, 20, 0.5f);       /* GRU: recurrent pre-activations */
    c.e = filled(tb * g, 21, 0.5f);       /* dZ of the cell backward */
    c.buf = filled(tb * units * 4 + 2 * (size_t)BATCH * units, 17, 0.5f);
    c.mx = filled(tb * in, 12, 1.0f);
    c.my = filled((size_t)BATCH * units, 18, 0.5f);
    c.mout = filled((size_t)BATCH * units, 19, 0);
    c.m = public_model(k, in, units);
    int r = 1;
    if (!c.l.w || !c.l.grad || !c.x || !c.dy || !c.dy_copy || !c.a || !c.b || !c.c || !c.d ||
        !c.e || !c.buf ||
        !c.mx || !c.my || !c.mout || !c.m || rl__layer_reserve(&c.l, BATCH) != RL_OK)
        goto done;

    static const struct {
        const char *part;
        bench_fn fn;
    } parts[] = {
        {"layer_fwd", run_layer_fwd}, {"gemm_fwd", run_gemm_fwd}, {"cell_fwd", run_cell_fwd},
        {"layer_bwd", run_layer_bwd}, {"gemm_bwd", run_gemm_bwd}, {"cell_bwd", run_cell_bwd},
        {"transpose_bwd", run_transpose}, {"predict", run_predict}, {"fit_step", run_fit},
    };
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        bench_stats s;
        if (i == 3)   /* backward needs this forward's caches */
            run_layer_fwd(&c);
        if (bench_auto(parts[i].fn, &c, budget, reps, &s))
            goto done;
        bench_record rec = {.impl = "rnnlite", .kind = "breakdown", .cell = cell_names[k],
                            .mode = parts[i].part, .hidden = (long)units, .input = (long)in,
                            .batch = BATCH, .steps = STEPS, .threads = 1};
        bench_emit(stdout, &rec, &s);
    }
    r = 0;
done:
    rl_model_destroy(c.m);
    rl__layer_free(&c.l);
    float *bufs[] = {c.x, c.dy, c.dy_copy, c.a, c.b, c.c, c.d, c.e, c.buf, c.mx, c.my, c.mout};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        rl__free(bufs[i]);
    return r;
}

static long parse_list(const char *s, long *out)
{
    long n = 0;
    while (*s && n < MAX_LIST) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v <= 0)
            return -1;
        out[n++] = v;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

int main(int argc, char **argv)
{
    long hidden[MAX_LIST] = {64, 128, 256, 512}, n_hidden = 4;
    long input[MAX_LIST] = {64}, n_input = 1;
    double budget = 0.3;
    int reps = 15;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--hidden"))
            n_hidden = parse_list(argv[i + 1], hidden);
        else if (!strcmp(argv[i], "--input"))
            n_input = parse_list(argv[i + 1], input);
        else if (!strcmp(argv[i], "--budget"))
            budget = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--reps"))
            reps = (int)strtol(argv[i + 1], NULL, 10);
        else
            n_hidden = -1;
    }
    if (argc % 2 == 0 || n_hidden <= 0 || n_input <= 0 || reps < 1) {
        fprintf(stderr, "usage: bench_breakdown [--hidden 64,128] [--input 64] [--budget S] "
                        "[--reps N]\n");
        return 2;
    }
    for (int k = 0; k < 3; k++)
        for (long i = 0; i < n_input; i++)
            for (long h = 0; h < n_hidden; h++)
                if (breakdown(k, (size_t)input[i], (size_t)hidden[h], budget, reps))
                    return 1;
    return 0;
}
