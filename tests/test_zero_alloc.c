/* Once a model has run rl_predict / rl_fit at a size, running them again
 * at that size allocates nothing: the buffers are grown on demand and kept
 * (a counting allocation hook proves it). Covers every recurrent kind, a
 * stacked model, validation with early stopping, and worker threads. */
#include "testutil.h"

#include <string.h>

#include "alloc.h"
#include "rnnlite/rnnlite.h"

#define T 6
#define F 3
#define N 50

typedef enum arch { A_RNN, A_LSTM, A_GRU, A_STACK, A_COUNT } arch;

static int count_hook(size_t bytes, void *user)
{
    (void)bytes;
    ++*(size_t *)user;
    return 0;   /* count only, never fail */
}

static rl_model *build(arch a, double threads, int validate)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 1), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_THREADS, threads), RL_OK);
    if (validate) {
        assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.2), RL_OK);
        assert_int_equal(rl_model_set_param(m, RL_PARAM_PATIENCE, 1), RL_OK);
    }
    switch (a) {
    case A_RNN: assert_int_equal(rl_model_add_simple_rnn(m, 8, RL_ACT_TANH, 0), RL_OK); break;
    case A_LSTM:
        assert_int_equal(rl_model_add_lstm(m, 8, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
        break;
    case A_GRU:
        assert_int_equal(rl_model_add_gru(m, 8, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
        break;
    default:
        assert_int_equal(rl_model_add_lstm(m, 8, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 4, RL_ACT_RELU), RL_OK);
        assert_int_equal(rl_model_add_gru(m, 6, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
        assert_int_equal(rl_model_add_simple_rnn(m, 5, RL_ACT_TANH, 0), RL_OK);
        break;
    }
    assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    return m;
}

static void check_second_calls_allocate_nothing(arch a, double threads, int validate)
{
    static float x[2 * N * T * F], y[2 * N * 2], out[2 * N * 2];
    tu_fill_uniform(x, 2 * N * T * F, 1, -1, 1);
    tu_fill_uniform(y, 2 * N * 2, 2, -1, 1);
    rl_model *m = build(a, threads, validate);
    size_t count = 0;
    float loss;

    /* First calls: allocations allowed (and expected: buffers grow). */
    rl__set_alloc_hook(count_hook, &count);
    assert_int_equal(rl_predict(m, x, N, out, N * 2), RL_OK);
    assert_int_equal(rl_fit(m, x, y, N, 3, 8), RL_OK);
    rl__set_alloc_hook(NULL, NULL);
    assert_true(count > 0);

    /* Second calls at the same sizes: none. */
    count = 0;
    rl__set_alloc_hook(count_hook, &count);
    rl_status p = rl_predict(m, x, N, out, N * 2);
    rl_status f1 = rl_fit(m, x, y, N, 3, 8);
    rl_status f2 = rl_fit(m, x, y, N, 1, 8);         /* fewer epochs */
    rl_status f3 = rl_fit(m, x, y, N - 7, 2, 8);     /* fewer samples */
    rl_status f4 = rl_fit(m, x, y, N, 2, 5);         /* smaller batches */
    rl_status e = rl_evaluate(m, x, y, N, &loss);
    rl_status p2 = rl_predict(m, x, 3, out, N * 2);  /* fewer samples */
    rl__set_alloc_hook(NULL, NULL);
    assert_int_equal(p, RL_OK);
    assert_int_equal(f1, RL_OK);
    assert_int_equal(f2, RL_OK);
    assert_int_equal(f3, RL_OK);
    assert_int_equal(f4, RL_OK);
    assert_int_equal(e, RL_OK);
    assert_int_equal(p2, RL_OK);
    if (count != 0) {
        print_error("arch %d, %g threads, validation %d: %zu allocations in repeated calls\n",
                    (int)a, threads, validate, count);
        fail();
    }

    /* The counter does see growth: more samples than ever before allocate. */
    count = 0;
    rl__set_alloc_hook(count_hook, &count);
    assert_int_equal(rl_predict(m, x, 2 * N, out, 2 * N * 2), RL_OK);
    rl__set_alloc_hook(NULL, NULL);
    assert_true(count > 0);
    rl_model_destroy(m);
}

static void test_single_thread(void **state)
{
    (void)state;
    for (int a = 0; a < A_COUNT; a++) {
        check_second_calls_allocate_nothing((arch)a, 1, 0);
        check_second_calls_allocate_nothing((arch)a, 1, 1);
    }
}

static void test_two_threads(void **state)
{
    (void)state;
    for (int a = 0; a < A_COUNT; a++) {
        check_second_calls_allocate_nothing((arch)a, 2, 0);
        check_second_calls_allocate_nothing((arch)a, 2, 1);
    }
}

/* After rl_stream_create, pushes, forecasts, resets and a save allocate
 * nothing but the save's own buffer: in both modes, every kind, with a
 * scaler (raw units in and out), on a model with worker threads. */
static void test_streams(void **state)
{
    (void)state;
    static float series[N * F], pred[2 * T], out[8 * 2];
    tu_fill_uniform(series, N * F, 3, -2, 2);
    for (int a = 0; a < A_COUNT; a++)
        for (int mode = 0; mode < 2; mode++) {
            rl_model *m = build((arch)a, 2, 0);
            rl_scaler *sc = NULL;
            assert_int_equal(rl_scaler_create_minmax(&sc, 0, 1), RL_OK);
            assert_int_equal(rl_scaler_fit(sc, series, N, F), RL_OK);
            assert_int_equal(rl_model_set_scaler(m, sc), RL_OK);
            const size_t targets[2] = { 0, 2 };
            assert_int_equal(rl_model_set_targets(m, targets, 2), RL_OK);
            rl_stream *s = NULL;
            assert_int_equal(rl_stream_create(&s, m, (rl_stream_mode)mode), RL_OK);
            size_t count = 0;
            rl__set_alloc_hook(count_hook, &count);
            int ok = 1;
            for (int rep = 0; rep < 2; rep++) {
                for (size_t i = 0; i < N; i++)
                    ok &= rl_stream_push(s, series + i * F, F, pred, 2) == RL_OK;
                ok &= rl_stream_forecast(s, series, N, 8, out, 8 * 2) == RL_OK;
                ok &= rl_stream_reset(s) == RL_OK;
            }
            rl__set_alloc_hook(NULL, NULL);
            assert_true(ok);
            if (count != 0) {
                print_error("arch %d, mode %d: %zu allocations by a stream after create\n",
                            (int)a, mode, count);
                fail();
            }
            rl_stream_destroy(s);
            rl_scaler_destroy(sc);
            rl_model_destroy(m);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_thread),
        cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
