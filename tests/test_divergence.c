/* Training that goes non-finite (issue 10, item 3): a step is applied to
 * every tensor or to none, so a refused step leaves the model -- weights,
 * optimiser slots, step count -- exactly as after the last finite step
 * (compared as saved bytes); and early stopping restores only weights it
 * saved in this fit, as tf.keras' EarlyStopping(restore_best_weights=True)
 * (with a NaN first validation loss, the first epoch's weights). */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

static unsigned char *bytes_of(const rl_model *m, size_t *size)
{
    void *buf = NULL;
    assert_int_equal(rl_model_save_buffer(m, &buf, size), RL_OK);
    return buf;
}

/* Dense(1) on one feature: a benign fit, then one sample whose gradient is
 * finite (2e36) but whose update is not (SGD: lr * g = 2e42; Adam and
 * RMSprop: g^2 overflows the second moment). */
static void refused_step_changes_nothing(void **state)
{
    (void)state;
    const rl_optimizer opts[3] = { RL_OPT_SGD, RL_OPT_ADAM, RL_OPT_RMSPROP };
    for (int o = 0; o < 3; o++) {
        rl_model *m = NULL;
        assert_int_equal(rl_model_create(&m, 1, 1), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
        assert_int_equal(rl_model_set_param(m, RL_PARAM_SHUFFLE, 0), RL_OK);
        assert_int_equal(rl_model_set_param(m, RL_PARAM_MOMENTUM, 0.5), RL_OK);
        assert_int_equal(rl_model_compile(m, opts[o], RL_LOSS_MSE), RL_OK);
        const float x_ok[2] = { 0.5f, -0.25f }, y_ok[2] = { 0.2f, 0.1f };
        assert_int_equal(rl_fit(m, x_ok, y_ok, 2, 2, 1), RL_OK);
        if (opts[o] == RL_OPT_SGD)
            assert_int_equal(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 1e6), RL_OK);
        size_t n_before, n_after;
        unsigned char *before = bytes_of(m, &n_before);

        const float x_bad[1] = { 1e18f }, y_bad[1] = { -1e18f };
        float loss = 0;
        assert_int_equal(rl_evaluate(m, x_bad, y_bad, 1, &loss), RL_OK);
        assert_true(isfinite(loss));   /* the loss is fine: only the update is not */
        assert_int_equal(rl_fit(m, x_bad, y_bad, 1, 1, 1), RL_E_NUMERIC);
        assert_non_null(strstr(rl_model_last_error(m), "not applied"));
        unsigned char *after = bytes_of(m, &n_after);
        assert_int_equal(n_before, n_after);
        assert_memory_equal(before, after, n_before);
        rl_free(before);
        rl_free(after);
        rl_model_destroy(m);
    }
}

/* Dense(2) -> Dense(1), weights (10, -10) then (1, 1): the training inputs
 * are small, the one validation input 1e38 overflows to (+inf, -inf) and
 * the validation loss is NaN from the first epoch. With patience 1 the fit
 * stops after epoch 2 and must restore epoch 1's weights -- 0.1 restored
 * buffers it never filled (zeros, or an earlier fit's weights). */
static rl_model *nan_val_model(size_t patience)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, 1, 1), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SHUFFLE, 0), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.25), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_PATIENCE, (double)patience), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
    const float w1[4] = { 10, -10, 0, 0 }, w2[3] = { 1, 1, 0 };
    assert_int_equal(rl_model_set_weights(m, 0, w1, 4), RL_OK);
    assert_int_equal(rl_model_set_weights(m, 1, w2, 3), RL_OK);
    return m;
}

static void early_stopping_restores_only_saved_weights(void **state)
{
    (void)state;
    const float x[4] = { 0.1f, 0.2f, 0.3f, 1e38f }, y[4] = { 0.5f, 0.25f, 0.0f, 0.0f };
    rl_model *stopped = nan_val_model(1);
    assert_int_equal(rl_fit(stopped, x, y, 4, 5, 3), RL_OK);
    float val[5];
    size_t epochs = 0;
    assert_int_equal(rl_model_history(stopped, NULL, val, 5, &epochs), RL_OK);
    assert_int_equal(epochs, 2);
    assert_true(isnan(val[0]) && isnan(val[1]));

    rl_model *one_epoch = nan_val_model(0);
    assert_int_equal(rl_fit(one_epoch, x, y, 4, 1, 3), RL_OK);
    for (size_t l = 0; l < 2; l++) {
        float a[4], b[4];
        size_t n = l == 0 ? 4 : 3;
        assert_int_equal(rl_model_get_weights(stopped, l, a, n), RL_OK);
        assert_int_equal(rl_model_get_weights(one_epoch, l, b, n), RL_OK);
        assert_memory_equal(a, b, n * sizeof(float));
    }
    /* A second fit does not bring back the first fit's copies either. */
    assert_int_equal(rl_fit(stopped, x, y, 4, 5, 3), RL_OK);
    assert_int_equal(rl_fit(one_epoch, x, y, 4, 1, 3), RL_OK);
    float a[4], b[4];
    assert_int_equal(rl_model_get_weights(stopped, 0, a, 4), RL_OK);
    assert_int_equal(rl_model_get_weights(one_epoch, 0, b, 4), RL_OK);
    assert_memory_equal(a, b, sizeof a);
    rl_model_destroy(stopped);
    rl_model_destroy(one_epoch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refused_step_changes_nothing),
        cmocka_unit_test(early_stopping_restores_only_saved_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
