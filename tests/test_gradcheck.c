/* Finite-difference gradient checks, in double: the layer sources are
 * compiled a second time with RL_REAL_DOUBLE (lib/meson.build), so central
 * differences (eps 1e-6) are accurate to ~1e-9 and the tolerances of
 * PyTorch's gradcheck (atol 1e-5, rtol 1e-3) apply. Every parameter of every
 * layer, and the input gradient that stacking relies on, is checked for each
 * layer kind, activation, return_sequences setting and a deep stack. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "layer.h"
#include "loss.h"
#include "testutil.h"

#define EPS 1e-6
#define ATOL 1e-5
#define RTOL 1e-3
#define BATCH 3
#define STEPS 4
#define FEATURES 2
#define MAX_LAYERS 4

typedef struct spec {
    rl_layer_kind kind;
    size_t units;
    rl_activation act, rec_act;
    int return_sequences;
} spec;

typedef struct net {
    rl_layer layers[MAX_LAYERS];
    size_t n;
    double x[BATCH * STEPS * FEATURES];
    double *target;
    double *state0[MAX_LAYERS];   /* initial state per recurrent layer, or NULL (zero) */
    size_t out_len;
    rl_loss loss;
} net;

static double uniform(uint64_t *s, double lo, double hi)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return lo + (hi - lo) * (double)(*s >> 11) * 0x1.0p-53;
}

static void net_build(net *nt, const spec *specs, size_t n, rl_loss loss, uint64_t seed,
                      int initial_state)
{
    uint64_t s = seed * 2654435761u + 7;
    size_t in = FEATURES, steps = STEPS;
    memset(nt, 0, sizeof *nt);
    nt->n = n;
    nt->loss = loss;
    for (size_t i = 0; i < n; i++) {
        rl_layer *l = &nt->layers[i];
        assert_true(rl__layer_init(l, specs[i].kind, in, steps, specs[i].units, specs[i].act,
                                   specs[i].rec_act, specs[i].return_sequences));
        l->w = rl__calloc(l->n_w, sizeof(double));
        l->grad = rl__calloc(l->n_w, sizeof(double));
        assert_non_null(l->w);
        assert_non_null(l->grad);
        for (size_t k = 0; k < l->n_w; k++)
            l->w[k] = uniform(&s, -0.6, 0.6);
        assert_int_equal(rl__layer_reserve(l, BATCH, 0), RL_OK);
        size_t state_len = rl__layer_state_len(l) * BATCH;
        if (initial_state && state_len) {   /* a stateful batch: a carried, constant state */
            nt->state0[i] = rl__calloc(state_len, sizeof(double));
            assert_non_null(nt->state0[i]);
            for (size_t k = 0; k < state_len; k++)
                nt->state0[i][k] = uniform(&s, -0.8, 0.8);
        }
        in = l->units;
        steps = l->out_steps;
    }
    for (size_t k = 0; k < BATCH * STEPS * FEATURES; k++)
        nt->x[k] = uniform(&s, -1, 1);
    nt->out_len = steps * in * BATCH;
    nt->target = rl__calloc(nt->out_len, sizeof(double));
    for (size_t k = 0; k < nt->out_len; k++)
        nt->target[k] = uniform(&s, -0.5, 0.5);
}

static void net_free(net *nt)
{
    for (size_t i = 0; i < nt->n; i++) {
        rl__layer_free(&nt->layers[i]);
        rl__free(nt->state0[i]);
    }
    rl__free(nt->target);
}

static double net_loss(net *nt)
{
    const double *x = nt->x;
    for (size_t i = 0; i < nt->n; i++) {
        nt->layers[i].ops->forward(&nt->layers[i], NULL, x, BATCH, nt->state0[i]);
        x = nt->layers[i].out;
    }
    return rl__loss_value(nt->loss, x, nt->target, nt->out_len);
}

/* Analytic gradients of every layer's weights, and of the input into dx0. */
static void net_backward(net *nt, double *dx0)
{
    static double bufs[2][4096];
    net_loss(nt);
    const rl_layer *last = &nt->layers[nt->n - 1];
    assert_true(nt->out_len <= 4096);
    rl__loss_grad(nt->loss, last->out, nt->target, bufs[0], nt->out_len);
    double *dy = bufs[0], *dx = bufs[1];
    for (size_t i = nt->n; i-- > 0;) {
        rl_layer *l = &nt->layers[i];
        const double *x = i > 0 ? nt->layers[i - 1].out : nt->x;
        assert_true(l->in_steps * BATCH * l->in <= 4096);
        l->ops->backward(l, NULL, x, dy, i > 0 ? dx : dx0, BATCH);
        double *t = dy;
        dy = dx;
        dx = t;
    }
}

static void expect_close(double analytic, double numeric, const char *what, size_t layer,
                         size_t index)
{
    if (fabs(analytic - numeric) > ATOL + RTOL * fabs(numeric)) {
        print_error("%s: layer %zu index %zu: analytic %.10g numeric %.10g\n", what, layer, index,
                    analytic, numeric);
        fail();
    }
}

static void check_net_from(const spec *specs, size_t n, rl_loss loss, uint64_t seed,
                           int initial_state)
{
    net nt;
    net_build(&nt, specs, n, loss, seed, initial_state);
    double dx0[BATCH * STEPS * FEATURES];
    net_backward(&nt, dx0);

    for (size_t i = 0; i < n; i++) {
        rl_layer *l = &nt.layers[i];
        for (size_t k = 0; k < l->n_w; k++) {
            double keep = l->w[k];
            l->w[k] = keep + EPS;
            double up = net_loss(&nt);
            l->w[k] = keep - EPS;
            double down = net_loss(&nt);
            l->w[k] = keep;
            expect_close(l->grad[k], (up - down) / (2 * EPS), "weight gradient", i, k);
        }
    }
    for (size_t k = 0; k < BATCH * STEPS * FEATURES; k++) {
        double keep = nt.x[k];
        nt.x[k] = keep + EPS;
        double up = net_loss(&nt);
        nt.x[k] = keep - EPS;
        double down = net_loss(&nt);
        nt.x[k] = keep;
        expect_close(dx0[k], (up - down) / (2 * EPS), "input gradient", 0, k);
    }
    net_free(&nt);
}

static void check_net(const spec *specs, size_t n, rl_loss loss, uint64_t seed)
{
    check_net_from(specs, n, loss, seed, 0);
}

static const rl_activation all_acts[] = { RL_ACT_LINEAR, RL_ACT_RELU, RL_ACT_TANH, RL_ACT_SIGMOID,
                                          RL_ACT_HARD_SIGMOID };
#define N_ACTS (sizeof all_acts / sizeof all_acts[0])

/* One recurrent layer of each activation pair, returning sequences or not,
 * followed by a Dense head. */
static void check_recurrent_kind(rl_layer_kind kind)
{
    uint64_t seed = 1;
    for (size_t a = 0; a < N_ACTS; a++) {
        for (size_t r = 0; r < N_ACTS; r++) {
            if (kind == RL_LAYER_SIMPLE_RNN && r > 0)
                break;   /* SimpleRNN has no recurrent activation */
            for (int rs = 0; rs <= 1; rs++) {
                spec s[2] = {
                    { kind, 3, all_acts[a], all_acts[r], rs },
                    { RL_LAYER_DENSE, 2, RL_ACT_LINEAR, RL_ACT_LINEAR, 0 },
                };
                check_net(s, 2, RL_LOSS_MSE, seed++);
                check_net(s, 1, RL_LOSS_MSE, seed++);
            }
        }
    }
}

static void test_simple_rnn(void **state)
{
    (void)state;
    check_recurrent_kind(RL_LAYER_SIMPLE_RNN);
}

static void test_lstm(void **state)
{
    (void)state;
    check_recurrent_kind(RL_LAYER_LSTM);
}

static void test_gru(void **state)
{
    (void)state;
    check_recurrent_kind(RL_LAYER_GRU);
}

static void test_gru_reset_before(void **state)
{
    (void)state;
    check_recurrent_kind(RL_LAYER_GRU_RESET_BEFORE);
}

/* Dense on a sequence (per step) and on its own, every activation. */
static void test_dense(void **state)
{
    (void)state;
    for (size_t a = 0; a < N_ACTS; a++) {
        spec one[1] = { { RL_LAYER_DENSE, 3, all_acts[a], RL_ACT_LINEAR, 0 } };
        check_net(one, 1, RL_LOSS_MSE, 100 + a);
        spec two[2] = {
            { RL_LAYER_DENSE, 4, all_acts[a], RL_ACT_LINEAR, 0 },
            { RL_LAYER_DENSE, 2, all_acts[(a + 1) % N_ACTS], RL_ACT_LINEAR, 0 },
        };
        check_net(two, 2, RL_LOSS_MSE, 200 + a);
    }
}

/* Every recurrent kind stacked, so gradients cross layer boundaries through
 * whole sequences. */
static void test_stacked(void **state)
{
    (void)state;
    spec s[4] = {
        { RL_LAYER_LSTM, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 1 },
        { RL_LAYER_GRU, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 1 },
        { RL_LAYER_SIMPLE_RNN, 3, RL_ACT_TANH, RL_ACT_LINEAR, 0 },
        { RL_LAYER_DENSE, 1, RL_ACT_LINEAR, RL_ACT_LINEAR, 0 },
    };
    check_net(s, 4, RL_LOSS_MSE, 300);
    spec seq[3] = {
        { RL_LAYER_SIMPLE_RNN, 3, RL_ACT_RELU, RL_ACT_LINEAR, 1 },
        { RL_LAYER_LSTM, 2, RL_ACT_RELU, RL_ACT_SIGMOID, 1 },
        { RL_LAYER_DENSE, 2, RL_ACT_TANH, RL_ACT_LINEAR, 0 },
    };
    check_net(seq, 3, RL_LOSS_MSE, 301);
    spec tfjs[3] = {   /* TensorFlow.js' defaults */
        { RL_LAYER_GRU_RESET_BEFORE, 3, RL_ACT_TANH, RL_ACT_HARD_SIGMOID, 1 },
        { RL_LAYER_LSTM, 2, RL_ACT_TANH, RL_ACT_HARD_SIGMOID, 0 },
        { RL_LAYER_DENSE, 2, RL_ACT_HARD_SIGMOID, RL_ACT_LINEAR, 0 },
    };
    check_net(tfjs, 3, RL_LOSS_MSE, 302);
}

/* From a nonzero initial state, as a stateful model's batches start (the
 * state is a constant input: gradients stop at it, as Keras' truncated
 * backpropagation); every kind, alone and stacked with return_sequences. */
static void test_initial_state(void **state)
{
    (void)state;
    const rl_layer_kind kinds[4] = { RL_LAYER_SIMPLE_RNN, RL_LAYER_LSTM, RL_LAYER_GRU,
                                     RL_LAYER_GRU_RESET_BEFORE };
    for (size_t k = 0; k < 4; k++)
        for (int rs = 0; rs <= 1; rs++) {
            spec s[2] = {
                { kinds[k], 3, RL_ACT_TANH, RL_ACT_SIGMOID, rs },
                { RL_LAYER_DENSE, 2, RL_ACT_LINEAR, RL_ACT_LINEAR, 0 },
            };
            check_net_from(s, 2, RL_LOSS_MSE, 500 + 2 * k + (uint64_t)rs, 1);
        }
    spec stack[3] = {
        { RL_LAYER_LSTM, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 1 },
        { RL_LAYER_GRU, 2, RL_ACT_TANH, RL_ACT_SIGMOID, 0 },
        { RL_LAYER_DENSE, 1, RL_ACT_LINEAR, RL_ACT_LINEAR, 0 },
    };
    check_net_from(stack, 3, RL_LOSS_MSE, 510, 1);
}

/* The smooth losses' gradients through the same path (MAE and Huber have
 * kinks only where an error is exactly 0 or 1, which random data avoids). */
static void test_losses(void **state)
{
    (void)state;
    spec s[2] = {
        { RL_LAYER_GRU, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0 },
        { RL_LAYER_DENSE, 2, RL_ACT_LINEAR, RL_ACT_LINEAR, 0 },
    };
    check_net(s, 2, RL_LOSS_MAE, 400);
    check_net(s, 2, RL_LOSS_HUBER, 401);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense),
        cmocka_unit_test(test_simple_rnn),
        cmocka_unit_test(test_lstm),
        cmocka_unit_test(test_gru),
        cmocka_unit_test(test_gru_reset_before),
        cmocka_unit_test(test_stacked),
        cmocka_unit_test(test_initial_state),
        cmocka_unit_test(test_losses),
    };
    return cmocka_run_group_tests_name("gradcheck", tests, NULL, NULL);
}
