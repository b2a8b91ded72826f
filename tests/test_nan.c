/* NaN propagates through every activation on every kernel path (issue 10,
 * item 3). 0.1 clamped the argument of exp (and took max(x, 0) with x
 * first), so sigmoid(NaN) was 1, tanh(NaN) 1 and relu(NaN) 0: a NaN from an
 * overflowing product was squashed into a finite output and the divergence
 * check of rl_fit could not fire. Checked per path the CPU runs (scalar,
 * AVX2, AVX-512):
 * - the activation kernel, NaN at every lane position of full vectors and
 *   of the masked tail, for linear, relu, tanh and sigmoid; infinities
 *   still give the limits (no NaN made from nothing);
 * - the LSTM and GRU cells, NaN in each gate's pre-activation;
 * - the public API: a Dense layer whose product overflows to inf - inf
 *   predicts NaN for every activation, and rl_fit stops with RL_E_NUMERIC. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/pointwise.h"
#include "model.h"
#include "rnnlite/rnnlite.h"

enum { LEN = 37 };   /* 2 AVX-512 vectors + a tail of 5; 4 AVX2 vectors + 5 */

static const rl_kernels *paths[3];
static size_t n_paths;

static int find_paths(void **state)
{
    (void)state;
    const rl_kernels *all[3] = { rl__kernels_scalar(), rl__kernels_avx2(), rl__kernels_avx512() };
    for (int i = 0; i < 3; i++)
        if (all[i])
            paths[n_paths++] = all[i];
    return 0;
}

static void activations_propagate_nan(void **state)
{
    (void)state;
    for (size_t p = 0; p < n_paths; p++) {
        const rl_pointwise *pw = rl__pointwise_for(paths[p]->name);
        assert_non_null(pw);
        for (int act = RL_ACT_LINEAR; act <= RL_ACT_SIGMOID; act++)
            for (size_t at = 0; at < LEN; at++) {
                float x[LEN], y[LEN];
                for (size_t i = 0; i < LEN; i++)
                    x[i] = (float)i / 8.0f - 2.0f;
                x[at] = NAN;
                pw->activate(act, x, y, LEN);
                if (!isnan(y[at]))
                    fail_msg("%s: activation %d of NaN at %zu gave %g", pw->name, act, at, y[at]);
                for (size_t i = 0; i < LEN; i++)
                    if (i != at && isnan(y[i]))
                        fail_msg("%s: activation %d made NaN at %zu", pw->name, act, i);
            }
        /* Infinities give the limits, not NaN. */
        float inf[4] = { INFINITY, -INFINITY, INFINITY, -INFINITY }, y[4];
        pw->activate(RL_ACT_SIGMOID, inf, y, 4);
        assert_true(y[0] == 1.0f && y[1] >= 0.0f && y[1] < 1e-30f);
        pw->activate(RL_ACT_TANH, inf, y, 4);
        assert_true(y[0] == 1.0f && y[1] == -1.0f);
        pw->activate(RL_ACT_RELU, inf, y, 4);
        assert_true(y[0] == INFINITY && y[1] == 0.0f);
    }
}

static void cells_propagate_nan(void **state)
{
    (void)state;
    enum { U = 11, B = 2 };
    for (size_t p = 0; p < n_paths; p++) {
        const rl_pointwise *pw = rl__pointwise_for(paths[p]->name);
        for (int act = RL_ACT_RELU; act <= RL_ACT_SIGMOID; act++)
            for (int gate = 0; gate < 4; gate++) {
                float z[B * 4 * U], cp[B * U], c[B * U], ac[B * U], h[B * U];
                for (size_t i = 0; i < B * 4 * U; i++)
                    z[i] = 0.25f;
                for (size_t i = 0; i < B * U; i++)
                    cp[i] = 0.5f;
                const size_t j = 7;
                z[4 * U + gate * U + j] = NAN;   /* batch row 1, unit 7 */
                pw->lstm_cell(B, U, z, cp, c, ac, h, act, RL_ACT_SIGMOID);
                if (!isnan(h[U + j]))
                    fail_msg("%s: LSTM act %d, NaN in gate %d gave h = %g", pw->name, act, gate,
                             h[U + j]);
                assert_false(isnan(h[j]));   /* the other row is untouched */
            }
        for (int act = RL_ACT_RELU; act <= RL_ACT_SIGMOID; act++)
            for (int gate = 0; gate < 3; gate++) {
                float z[B * 3 * U], rec[B * 3 * U], hp[B * U], h[B * U];
                for (size_t i = 0; i < B * 3 * U; i++)
                    z[i] = rec[i] = 0.25f;
                for (size_t i = 0; i < B * U; i++)
                    hp[i] = 0.5f;
                const size_t j = 3;
                rec[3 * U + gate * U + j] = NAN;
                pw->gru_cell(B, U, z, rec, hp, h, act, RL_ACT_SIGMOID);
                if (!isnan(h[U + j]))
                    fail_msg("%s: GRU act %d, NaN in gate %d gave h = %g", pw->name, act, gate,
                             h[U + j]);
            }
    }
}

/* Dense(2) then Dense(1, act): the first layer's weights 1e30 and -1e30
 * overflow to (+inf, -inf), whose sum in the second layer is NaN. (Inside
 * one layer an fma chain cannot make NaN from finite numbers: each product
 * is exact before it is added.) */
static void overflow_reaches_the_output(void **state)
{
    (void)state;
    const float w1[4] = { 1e30f, -1e30f, 0.0f, 0.0f };   /* kernel [1][2], bias [2] */
    const float w2[3] = { 1.0f, 1.0f, 0.0f };            /* kernel [2][1], bias [1] */
    const float x[1] = { 1e10f }, target[1] = { 0.5f };
    for (size_t p = 0; p < n_paths; p++)
        for (int act = RL_ACT_LINEAR; act <= RL_ACT_SIGMOID; act++) {
            rl_model *m = NULL;
            assert_int_equal(rl_model_create(&m, 1, 1), RL_OK);
            assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_LINEAR), RL_OK);
            assert_int_equal(rl_model_add_dense(m, 1, (rl_activation)act), RL_OK);
            assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
            assert_int_equal(rl_model_set_weights(m, 0, w1, 4), RL_OK);
            assert_int_equal(rl_model_set_weights(m, 1, w2, 3), RL_OK);
            m->cx.kernels = paths[p];
            float y = 0;
            assert_int_equal(rl_predict(m, x, 1, &y, 1), RL_OK);
            if (!isnan(y))
                fail_msg("%s: activation %d of inf - inf predicted %g", paths[p]->name, act, y);
            assert_int_equal(rl_fit(m, x, target, 1, 1, 1), RL_E_NUMERIC);
            rl_model_destroy(m);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(activations_propagate_nan),
        cmocka_unit_test(cells_propagate_nan),
        cmocka_unit_test(overflow_reaches_the_output),
    };
    return cmocka_run_group_tests(tests, find_paths, NULL);
}
