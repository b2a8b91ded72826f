/* Where the time of one recurrent layer goes, through the
 * private interfaces (lib/layer.h, lib/compute.h). For each cell and size:
 *   layer_fwd / layer_bwd   the layer's own forward / backward pass
 *   gemm_*                  the layer's matrix products alone, through
 *                           rl__gemm, with the shapes the layers issue:
 *     gemm_fwd_in   [T*B x I] x [I x G*H] once (input projection)
 *     gemm_fwd_rec  T-1 times [B x H] x [H x G*H] (recurrent product)
 *     gemm_bwd_dh   T-1 times [B x G*H] x [G*H x H] (dh = dZ U^T, U^T packed;
 *                   rl__gemm_narrow_pf as the layers call it: at H = 50
 *                   the narrow kernel, else the packed panels)
 *     gemm_bwd_w    [I x T*B] x [T*B x G*H] and [H x T*B] x [T*B x G*H]
 *                   (rl__gemm_at: x^T, h^T packed per k block)
 *   cell_fwd / cell_bwd     the cells' element-wise work alone (compute.h
 *                           cell functions, one call per step)
 *   fill_fwd                the bias broadcast before the products
 *   pack_bwd                U^T packed once per backward, straight from U
 *                           (what replaced the transpose)
 *   colsum_bwd              the bias gradient (column sums of dZ as a product
 *                           by a row of ones; with I = 1 the layer folds it
 *                           into the kernel-gradient product instead)
 *   adam                    one Adam update of the layer's weights
 *   predict / fit_step      rl_predict / one rl_fit step of the same model
 *                           through the public API
 * (B = 64 batch, T steps (--steps, default 50), I input, H units, G gates;
 * no dx: a first layer.)
 * A layer pass minus its parts is what is left: loops, zeroing, copies.
 *
 * With --threads N the products run on a pool of N threads, as the layers'
 * do with RL_PARAM_THREADS = N (the cell functions stay on one thread).
 *
 * Usage: bench_breakdown [--hidden 64,128,...] [--input 64] [--steps 50]
 *                        [--threads N] [--budget S] [--reps N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "compute.h"
#include "layer.h"
#include "optim.h"
#include "pool.h"

#include "bench_util.h"

enum { BATCH = 64, MAX_LIST = 16 };

static const char *const cell_names[] = {"rnn", "lstm", "gru"};
static const rl_layer_kind cell_kinds[] = {RL_LAYER_SIMPLE_RNN, RL_LAYER_LSTM, RL_LAYER_GRU};

typedef struct ctx {
    rl_layer l;
    rl_compute cx;
    size_t in, units, gates, steps;
    float *x, *dy, *dy_copy;
    float *h;      /* [T*B][H], stands in for the stored states */
    float *ut;     /* U^T packed ([G*H] x [H]), stands in for the backward's */
    float *z;      /* [T*B][G*H], gates / dZ */
    float *z2;     /* [T*B][G*H], GRU recurrent half */
    float *dz;     /* [T*B][G*H], cell backward output */
    float *state;  /* 4 x [T*B][H] + 2 x [B][H]: cell inputs and outputs */
    float *s0, *s1;
    float *at_work;   /* rl__gemm_at's, for the larger of I and H rows */
    rl_model *m;
    float *mx, *my, *mout;
} ctx;

static size_t gu(const ctx *c)
{
    return c->gates * c->units;
}

static int run_layer_fwd(void *p)
{
    ctx *c = p;
    c->l.ops->forward(&c->l, &c->cx, c->x, BATCH, NULL);
    return 0;
}

static int run_layer_bwd(void *p)
{
    ctx *c = p;
    memcpy(c->dy, c->dy_copy, (size_t)BATCH * c->units * sizeof(float));   /* may be overwritten */
    c->l.ops->backward(&c->l, &c->cx, c->x, c->dy, NULL, BATCH);
    return 0;
}

static int run_gemm_fwd_in(void *p)
{
    ctx *c = p;
    size_t g = gu(c);
    rl__gemm(&c->cx, (size_t)c->steps * BATCH, g, c->in, c->x, c->in, 1, c->l.w, g, c->z, g, 1);
    return 0;
}

static int run_gemm_fwd_rec(void *p)
{
    ctx *c = p;
    size_t g = gu(c), u = c->units;
    for (size_t t = 1; t < c->steps; t++)
        rl__gemm(&c->cx, BATCH, g, u, c->h + (t - 1) * BATCH * u, u, 1, c->l.w + c->in * g, g,
                 c->z + t * BATCH * g, g, 1);
    return 0;
}

static int run_gemm_bwd_dh(void *p)
{
    ctx *c = p;
    size_t g = gu(c), u = c->units;
    for (size_t t = c->steps; t-- > 1;)
        rl__gemm_narrow_pf(&c->cx, BATCH, u, g, c->z + t * BATCH * g, g, c->ut, c->h, u, 0,
                           NULL);
    return 0;
}

static int run_gemm_bwd_w(void *p)
{
    ctx *c = p;
    size_t g = gu(c), u = c->units, tb = (size_t)c->steps * BATCH;
    rl__gemm_at(&c->cx, c->in, g, tb, c->x, c->in, c->z, g, c->l.grad, g, 0, c->at_work);
    rl__gemm_at(&c->cx, u, g, tb, c->h, u, c->z, g, c->l.grad + c->in * g, g, 0, c->at_work);
    return 0;
}

static int run_cell_fwd(void *p)
{
    ctx *c = p;
    size_t u = c->units, g = gu(c), bu = (size_t)BATCH * u, n = c->steps * bu;
    float *s0 = c->state, *s1 = s0 + n, *s2 = s1 + n, *s3 = s2 + n;
    for (size_t t = 0; t < c->steps; t++) {
        float *z = c->z + t * BATCH * g;
        if (c->gates == 4)
            rl__lstm_cell(&c->cx, BATCH, u, z, s0 + t * bu, s1 + t * bu, s2 + t * bu,
                          s3 + t * bu, RL_ACT_TANH, RL_ACT_SIGMOID);
        else if (c->gates == 3)
            rl__gru_cell(&c->cx, BATCH, u, z, c->z2 + t * BATCH * g, s0 + t * bu, s1 + t * bu,
                         RL_ACT_TANH, RL_ACT_SIGMOID);
        else
            rl__activate_n(&c->cx, RL_ACT_TANH, z, s1 + t * bu, bu);
    }
    return 0;
}

static int run_cell_bwd(void *p)
{
    ctx *c = p;
    size_t u = c->units, g = gu(c), bu = (size_t)BATCH * u, n = c->steps * bu;
    float *s0 = c->state, *s1 = s0 + n, *dh = s0 + 4 * n, *dc = dh + bu;
    for (size_t t = c->steps; t-- > 0;) {
        const float *dyt = t == c->steps - 1 ? c->dy_copy : NULL;
        const float *gt = c->z + t * BATCH * g;
        float *out = c->dz + t * BATCH * g;
        if (c->gates == 4)
            rl__lstm_cell_backward(&c->cx, BATCH, u, gt, s0 + t * bu, s1 + t * bu, dyt, dh, dc,
                                   out, RL_ACT_TANH, RL_ACT_SIGMOID);
        else if (c->gates == 3)
            rl__gru_cell_backward(&c->cx, BATCH, u, gt, c->z2 + t * BATCH * g, s0 + t * bu, dyt,
                                  dh, out, c->z2 + t * BATCH * g, RL_ACT_TANH, RL_ACT_SIGMOID);
        else
            rl__act_backward(&c->cx, RL_ACT_TANH, s1 + t * bu, dh, dyt, out, bu);
    }
    return 0;
}

static int run_fill(void *p)
{
    ctx *c = p;
    size_t g = gu(c), tb = (size_t)c->steps * BATCH;
    rl__fill_rows(&c->cx, c->z, c->l.w, tb, g);
    if (c->gates == 3)   /* GRU also fills the recurrent half, step by step */
        rl__fill_rows(&c->cx, c->z2, c->l.w, tb, g);
    return 0;
}

static int run_pack(void *p)
{
    ctx *c = p;
    rl__pack_narrow(&c->cx, c->ut, gu(c), c->units, c->l.w + c->in * gu(c), 1, gu(c));
    return 0;
}

static int run_colsum(void *p)
{
    ctx *c = p;
    size_t g = gu(c), tb = (size_t)c->steps * BATCH;
    rl__col_sums(&c->cx, c->l.grad, c->z, tb, g);
    if (c->gates == 3)   /* input and recurrent bias */
        rl__col_sums(&c->cx, c->l.grad + g, c->z2, tb, g);
    return 0;
}

static int run_adam(void *p)
{
    ctx *c = p;
    rl_optim_config cfg = {.kind = RL_OPT_ADAM, .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999,
                           .epsilon = 1e-7};
    rl__optim_apply_on(&c->cx, &cfg, 1, c->l.w, c->l.grad, c->s0, c->s1, c->l.n_w);
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

static rl_model *public_model(int k, size_t steps, size_t in, size_t units, long threads)
{
    rl_model *m = NULL;
    if (rl_model_create(&m, steps, in) != RL_OK)
        return NULL;
    rl_status st = k == 0   ? rl_model_add_simple_rnn(m, units, RL_ACT_TANH, 0)
                   : k == 1 ? rl_model_add_lstm(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0)
                            : rl_model_add_gru(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0);
    if (st != RL_OK || rl_model_set_param(m, RL_PARAM_SHUFFLE, 0) != RL_OK ||
        rl_model_set_param(m, RL_PARAM_THREADS, (double)threads) != RL_OK ||
        rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE) != RL_OK) {
        rl_model_destroy(m);
        return NULL;
    }
    return m;
}

static const struct {
    const char *part;
    bench_fn fn;
} parts[] = {
    {"layer_fwd", run_layer_fwd},     {"gemm_fwd_in", run_gemm_fwd_in},
    {"gemm_fwd_rec", run_gemm_fwd_rec}, {"cell_fwd", run_cell_fwd},
    {"fill_fwd", run_fill},           {"layer_bwd", run_layer_bwd},
    {"gemm_bwd_dh", run_gemm_bwd_dh}, {"gemm_bwd_w", run_gemm_bwd_w},
    {"cell_bwd", run_cell_bwd},       {"pack_bwd", run_pack},
    {"colsum_bwd", run_colsum},       {"adam", run_adam},
    {"predict", run_predict},         {"fit_step", run_fit},
};

static int breakdown(int k, size_t steps, size_t in, size_t units, long threads, double budget,
                     int reps)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.steps = steps;
    c.in = in;
    c.units = units;
    if (!rl__layer_init(&c.l, cell_kinds[k], in, c.steps, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0))
        return 1;
    c.gates = c.l.ops->gates;
    size_t g = gu(&c), tb = (size_t)c.steps * BATCH, bu = (size_t)BATCH * units;
    c.l.w = filled(c.l.n_w, 11, 0.1f);
    c.l.grad = filled(c.l.n_w, 22, 0.01f);
    c.s0 = rl__calloc(c.l.n_w, sizeof(float));
    c.s1 = rl__calloc(c.l.n_w, sizeof(float));
    c.x = filled(tb * in, 12, 1.0f);
    c.dy = filled(bu, 13, 0.1f);
    c.dy_copy = filled(bu, 13, 0.1f);
    c.h = filled(tb * units, 14, 0.5f);
    int size_ok = 1;
    c.ut = filled(rl__packed_size(g, units, &size_ok), 15, 0.1f);
    c.at_work = filled(rl__gemm_at_size(in > units ? in : units, &size_ok), 23, 0);
    c.z = filled(tb * g, 16, 0.5f);
    c.z2 = filled(tb * g, 20, 0.5f);
    c.dz = filled(tb * g, 21, 0.5f);
    c.state = filled(4 * tb * units + 2 * bu, 17, 0.5f);
    c.mx = filled(tb * in, 12, 1.0f);
    c.my = filled(bu, 18, 0.5f);
    c.mout = filled(bu, 19, 0);
    c.m = public_model(k, c.steps, in, units, threads);
    float *bufs[] = {c.l.w, c.l.grad, c.s0, c.s1, c.x, c.dy, c.dy_copy, c.h, c.ut,
                     c.z,   c.z2,     c.dz, c.state, c.mx, c.my, c.mout, c.at_work};
    int r = 1;
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        if (!bufs[i])
            goto done;
    if (!c.m || rl__layer_reserve(&c.l, BATCH, 0) != RL_OK)
        goto done;
    if (threads > 1 && rl__pool_create((unsigned)threads, RL_PLACE_FREE, &c.cx.pool) != RL_OK)
        goto done;
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        bench_stats s;
        int failed;
        if (parts[i].fn == run_layer_bwd)   /* needs this forward's caches */
            run_layer_fwd(&c);
        /* as the API does around fit and predict */
        rl__pool_bind_caller(c.cx.pool);
        failed = bench_auto(parts[i].fn, &c, budget, reps, &s);
        rl__pool_unbind_caller(c.cx.pool);
        if (failed)
            goto done;
        bench_record rec = {.impl = "rnnlite", .kind = "breakdown", .cell = cell_names[k],
                            .mode = parts[i].part, .hidden = (long)units, .input = (long)in,
                            .batch = BATCH, .steps = c.steps, .threads = threads};
        bench_emit(stdout, &rec, &s);
    }
    r = 0;
done:
    rl__pool_destroy(c.cx.pool);
    rl_model_destroy(c.m);
    rl__free(c.l.ws);   /* w and grad are in bufs */
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        rl__free(bufs[i]);
    return r;
}


int main(int argc, char **argv)
{
    long hidden[MAX_LIST] = {64, 128, 256, 512}, n_hidden = 4;
    long input[MAX_LIST] = {64}, n_input = 1, threads = 1, steps = 50;
    double budget = 0.3;
    int reps = 15;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--hidden"))
            n_hidden = bench_parse_list(argv[i + 1], hidden, MAX_LIST);
        else if (!strcmp(argv[i], "--input"))
            n_input = bench_parse_list(argv[i + 1], input, MAX_LIST);
        else if (!strcmp(argv[i], "--budget"))
            budget = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--reps"))
            reps = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--threads"))
            threads = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--steps"))
            steps = strtol(argv[i + 1], NULL, 10);
        else
            n_hidden = -1;
    }
    if (argc % 2 == 0 || n_hidden <= 0 || n_input <= 0 || reps < 1 || threads < 1 ||
        threads > 64 || steps < 2) {
        fprintf(stderr, "usage: bench_breakdown [--hidden 64,128] [--input 64] [--steps 50] "
                        "[--threads N] [--budget S] [--reps N]\n");
        return 2;
    }
    for (int k = 0; k < 3; k++)
        for (long i = 0; i < n_input; i++)
            for (long h = 0; h < n_hidden; h++)
                if (breakdown(k, (size_t)steps, (size_t)input[i], (size_t)hidden[h], threads,
                              budget, reps))
                    return 1;
    return 0;
}
