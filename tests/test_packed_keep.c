/* What a forward-only pass (predict, evaluate) skips:
 * - it keeps the fused step's packed weights in the layer's workspace
 *   between calls while the weights do not change (lib/compute.c
 *   rl__step_pack_kept, keyed on the model's weights_gen). Every way the
 *   weights or the workspace change must show in the next predict: each
 *   model below is checked, byte for byte, against a fresh model holding
 *   the same weights, after set_weights, after a fit step and its in-fit
 *   validation pass, after the batch grows (a new workspace), and across
 *   batch-1 calls (the one-row step, which packs nothing);
 * - a first layer that folds its input reads the caller's samples in place
 *   (passes.c reads_samples_in_place; x rows T * I floats apart) instead
 *   of a time-major copy: each row of a batch must equal that sample
 *   predicted alone, on 1 and 2 threads, and evaluate must read the same
 *   rows as predict (its loss against predict's own outputs is exactly 0),
 *   over several chunks. */
#include <stdlib.h>
#include <string.h>

#include <rnnlite/rnnlite.h>

#include "testutil.h"

enum { STEPS = 6, MAX_BATCH = 13, MAX_IN = 80, MAX_UNITS = 40 };

typedef enum { K_LSTM, K_GRU, K_RNN } kind;

static rl_model *make(kind k, size_t in, size_t units, uint64_t seed)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, STEPS, in), RL_OK);
    rl_status st = k == K_LSTM ? rl_model_add_lstm(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0)
                   : k == K_GRU ? rl_model_add_gru(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0)
                                : rl_model_add_simple_rnn(m, units, RL_ACT_TANH, 0);
    assert_int_equal(st, RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, (double)seed), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SHUFFLE, 0), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    return m;
}

/* dst's weights := src's, every layer. */
static void copy_weights(rl_model *dst, const rl_model *src)
{
    static float w[(MAX_IN + MAX_UNITS + 2) * 4 * MAX_UNITS];
    for (size_t i = 0; i < 2; i++) {
        size_t n = 0;
        assert_int_equal(rl_model_weight_count(src, i, &n), RL_OK);
        assert_true(n <= sizeof w / sizeof w[0]);
        assert_int_equal(rl_model_get_weights(src, i, w, n), RL_OK);
        assert_int_equal(rl_model_set_weights(dst, i, w, n), RL_OK);
    }
}

/* m's predict of `batch` samples == a fresh model's with m's weights. */
static void expect_as_fresh(rl_model *m, kind k, size_t in, size_t units, const float *x,
                            size_t batch, const char *what)
{
    float got[MAX_BATCH], want[MAX_BATCH];
    rl_model *fresh = make(k, in, units, 99);
    copy_weights(fresh, m);
    assert_int_equal(rl_predict(m, x, batch, got, batch), RL_OK);
    assert_int_equal(rl_predict(fresh, x, batch, want, batch), RL_OK);
    if (memcmp(got, want, batch * sizeof(float)) != 0)
        fail_msg("%s: predict after the change differs from a fresh model's", what);
    rl_model_destroy(fresh);
}

static void check(kind k, size_t in, size_t units)
{
    static float x[MAX_BATCH * STEPS * MAX_IN], y[MAX_BATCH];
    tu_fill_uniform(x, MAX_BATCH * STEPS * in, 5, -1.0f, 1.0f);
    tu_fill_uniform(y, MAX_BATCH, 6, -0.5f, 0.5f);
    rl_model *m = make(k, in, units, 1), *other = make(k, in, units, 2);
    float first[MAX_BATCH];

    /* packs, then a call that keeps the pack */
    assert_int_equal(rl_predict(m, x, 8, first, 8), RL_OK);
    expect_as_fresh(m, k, in, units, x, 8, "second call");
    /* set_weights: other weights, the same workspace */
    copy_weights(m, other);
    expect_as_fresh(m, k, in, units, x, 8, "set_weights");
    float now[MAX_BATCH];
    assert_int_equal(rl_predict(m, x, 8, now, 8), RL_OK);
    assert_true(memcmp(now, first, 8 * sizeof(float)) != 0);   /* the weights did change */
    /* a fit step with a validation split: its validation pass packs the
     * updated weights, the next train step changes them again */
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.25), RL_OK);
    assert_int_equal(rl_fit(m, x, y, 12, 2, 3), RL_OK);
    expect_as_fresh(m, k, in, units, x, 8, "fit");
    /* the batch grows: a new workspace */
    expect_as_fresh(m, k, in, units, x, MAX_BATCH, "larger batch");
    /* one row (the one-row step packs nothing), weights changed in between */
    copy_weights(m, other);
    expect_as_fresh(m, k, in, units, x, 1, "one row");
    expect_as_fresh(m, k, in, units, x, 8, "one row, then a batch");
    rl_model_destroy(m);
    rl_model_destroy(other);
}

static void test_lstm(void **state)
{
    (void)state;
    check(K_LSTM, 3, 40);    /* input folded into the step */
    check(K_LSTM, 80, 17);   /* one input projection */
}

static void test_gru(void **state)
{
    (void)state;
    check(K_GRU, 3, 40);
    check(K_GRU, 80, 17);
}

static void test_simple_rnn(void **state)
{
    (void)state;
    check(K_RNN, 3, 40);
    check(K_RNN, 80, 17);
}

enum { ROWS = 70 };   /* more than one chunk of evaluate (64) */

static void check_in_place(kind k, size_t in, size_t units, int threads)
{
    static float x[ROWS * STEPS * MAX_IN], pred[ROWS], alone[ROWS];
    tu_fill_uniform(x, ROWS * STEPS * in, 7, -1.0f, 1.0f);
    rl_model *m = make(k, in, units, 3);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_THREADS, threads), RL_OK);
    assert_int_equal(rl_predict(m, x, ROWS, pred, ROWS), RL_OK);
    for (size_t r = 0; r < ROWS; r += 9)
        assert_int_equal(rl_predict(m, x + r * STEPS * in, 1, alone + r, 1), RL_OK);
    for (size_t r = 0; r < ROWS; r += 9)
        if (memcmp(&pred[r], &alone[r], sizeof(float)) != 0)
            fail_msg("in=%zu units=%zu threads=%d: row %zu of the batch %a, alone %a", in,
                     units, threads, r, (double)pred[r], (double)alone[r]);
    rl_model *e = make(k, in, units, 3);   /* a fresh one: evaluate's chunks of 64 */
    assert_int_equal(rl_model_set_param(e, RL_PARAM_THREADS, threads), RL_OK);
    float loss = -1;
    assert_int_equal(rl_evaluate(e, x, pred, ROWS, &loss), RL_OK);
    assert_true(loss == 0.0f);
    rl_model_destroy(m);
    rl_model_destroy(e);
}

static void test_samples_in_place(void **state)
{
    (void)state;
    static const size_t ins[] = {1, 3, 64, 65};   /* 65: not folded, gathered */
    for (int k = K_LSTM; k <= K_RNN; k++)
        for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++)
            for (int threads = 1; threads <= 2; threads++)
                check_in_place((kind)k, ins[i], threads == 1 ? 17 : 40, threads);
}

int main(void)
{
    tu_skip_if_isa_unavailable();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lstm),
        cmocka_unit_test(test_gru),
        cmocka_unit_test(test_simple_rnn),
        cmocka_unit_test(test_samples_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
