/* A recurrent layer whose forward-only steps run split by rows keeps each
 * share's rows of every step in a region of its own (compute.h rl_shares)
 * and copies what the next layer and the state read back to the dense
 * arrays; a fit splits by rows on the dense arrays. The layout changes
 * where the numbers lie, never how they are computed: a fit, a predict
 * and a stateful run give the bytes of one thread on two, three threads
 * and the host's parallel-for, for every recurrent kind, an input folded
 * into the step or projected over all steps, a layer that returns its
 * sequence and one that returns its last state. */
#include <string.h>

#include "compute.h"
#include "model.h"
#include "pool.h"
#include "rnnlite/rnnlite.h"
#include "testutil.h"

#define N 96      /* one batch: 48 rows for each of two threads, 32 for each of three */
#define STEPS 6
#define UNITS 24
#define MAX_W 16384
#define HOST_HOOK 4   /* `threads` value: the host's parallel-for instead */

typedef enum kind { KIND_RNN, KIND_LSTM, KIND_GRU } kind;
static const char *const kind_names[] = { "simple_rnn", "lstm", "gru" };

typedef struct run {
    float weights[3][MAX_W];
    size_t counts[3];
    float pred[2 * N];
    size_t shares;       /* the first layer's shares in the predict */
    size_t fit_shares;   /* ... and in the fit */
    size_t pool_threads;   /* the threads the pool runs (at most the CPUs it may use) */
} run;

static void add_layer(rl_model *m, kind k, int seq_out)
{
    rl_status s = k == KIND_RNN ? rl_model_add_simple_rnn(m, UNITS, RL_ACT_TANH, seq_out)
                  : k == KIND_LSTM
                      ? rl_model_add_lstm(m, UNITS, RL_ACT_TANH, RL_ACT_SIGMOID, seq_out)
                      : rl_model_add_gru(m, UNITS, RL_ACT_TANH, RL_ACT_SIGMOID, seq_out);
    assert_int_equal(s, RL_OK);
}

/* kind(seq) -> kind(last state) -> Dense(1) on `features` inputs, trained
 * two epochs of one batch (stateful: two batches of N / 2 rows, the second
 * starting from the first's states), then a predict of every sample. */
static void train(kind k, size_t features, int stateful, unsigned threads, run *out)
{
    static float x[N * STEPS * 80], y[N];
    tu_fill_uniform(x, N * STEPS * features, 31 + features, -1, 1);
    tu_fill_uniform(y, N, 32, -1, 1);
    rl_model *m;
    assert_int_equal(rl_model_create(&m, STEPS, features), RL_OK);
    add_layer(m, k, 1);
    add_layer(m, k, 0);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 5), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SHUFFLE, 0), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_STATEFUL, stateful), RL_OK);
    if (threads == HOST_HOOK)
        assert_int_equal(rl_model_set_parallel_for(m, tu_host_for, NULL, 3), RL_OK);
    else
        assert_int_equal(rl_model_set_param(m, RL_PARAM_THREADS, threads), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    if (m->cx.pool)
        rl__pool_set_min_work(m->cx.pool, 0);   /* split however small the step */
    const size_t batch = stateful ? N / 2 : N;
    assert_int_equal(rl_fit(m, x, y, N, 2, batch), RL_OK);
    out->fit_shares = m->layers[0].shares_used;
    out->pool_threads = m->cx.pool ? rl__pool_threads(m->cx.pool) : 1;
    for (size_t l = 0; l < 3; l++) {
        assert_int_equal(rl_model_weight_count(m, l, &out->counts[l]), RL_OK);
        assert_true(out->counts[l] <= MAX_W);
        assert_int_equal(rl_model_get_weights(m, l, out->weights[l], out->counts[l]), RL_OK);
    }
    /* stateful: two predicts of N / 2 rows, the second from the first's states */
    for (size_t part = 0; part < (stateful ? 2u : 1u); part++)
        assert_int_equal(rl_predict(m, x + part * batch * STEPS * features, batch,
                                    out->pred + part * batch, batch),
                         RL_OK);
    out->shares = m->layers[0].shares_used;
    rl_model_destroy(m);
}

static void same_bytes_on_every_thread_count(int stateful)
{
    static run ref, got;
    const size_t features[2] = { 3, 70 };   /* folded into the step; projected (> 64) */
    const size_t n_features = stateful ? 1 : 2;   /* the states' copies are the same either way */
    for (kind k = KIND_RNN; k <= KIND_GRU; k++)
        for (size_t f = 0; f < n_features; f++) {
            train(k, features[f], stateful, 1, &ref);
            assert_int_equal(ref.shares, 1);
            for (unsigned threads = 2; threads <= HOST_HOOK; threads++) {
                train(k, features[f], stateful, threads, &got);
                /* the regions are the point: on a path with the fused step,
                   the pool's threads each took a share of their own in the
                   predict; the fit kept the dense arrays */
                assert_int_equal(got.fit_shares, 1);
                rl_compute fused = { NULL, NULL };
                if (rl__step_fused(&fused) && threads < HOST_HOOK)
                    assert_int_equal(got.shares, got.pool_threads);
                else if (rl__step_fused(&fused))
                    assert_true(got.shares > 1);
                for (size_t l = 0; l < 3; l++) {
                    assert_int_equal(got.counts[l], ref.counts[l]);
                    if (memcmp(got.weights[l], ref.weights[l], ref.counts[l] * sizeof(float))) {
                        print_error("%s, %zu inputs, stateful %d: layer %zu differs on %u "
                                    "threads\n", kind_names[k], features[f], stateful, l,
                                    threads);
                        fail();
                    }
                }
                if (memcmp(got.pred, ref.pred, N * sizeof(float))) {
                    print_error("%s, %zu inputs, stateful %d: predictions differ on %u threads\n",
                                kind_names[k], features[f], stateful, threads);
                    fail();
                }
            }
        }
}

static void test_fit_and_predict_by_regions(void **state)
{
    (void)state;
    same_bytes_on_every_thread_count(0);
}

static void test_stateful_by_regions(void **state)
{
    (void)state;
    same_bytes_on_every_thread_count(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_and_predict_by_regions),
        cmocka_unit_test(test_stateful_by_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
