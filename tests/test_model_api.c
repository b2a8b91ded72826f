/* The public model API on well-formed calls: shapes, weight counts (Keras'
 * parameter counts), weight round trips and layouts, seeded Keras
 * initialisers, parameters, and library facts (version, ISA). */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

static rl_model *new_model(size_t steps, size_t features)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, steps, features), RL_OK);
    assert_non_null(m);
    return m;
}

static float *layer_weights(const rl_model *m, size_t layer, size_t *count)
{
    assert_int_equal(rl_model_weight_count(m, layer, count), RL_OK);
    float *w = malloc(*count * sizeof(float));
    assert_non_null(w);
    assert_int_equal(rl_model_get_weights(m, layer, w, *count), RL_OK);
    return w;
}

/* ---- shapes ------------------------------------------------------------- */

static void test_shapes(void **state)
{
    (void)state;
    rl_model *m = new_model(7, 3);
    size_t steps = 0, units = 0, n = 99, ts = 0, nf = 0;
    assert_int_equal(rl_model_layer_count(m, &n), RL_OK);
    assert_int_equal(n, 0);
    assert_int_equal(rl_model_input_shape(m, &ts, &nf), RL_OK);
    assert_int_equal(ts, 7);
    assert_int_equal(nf, 3);
    assert_int_equal(rl_model_output_shape(m, &steps, &units), RL_E_STATE);

    assert_int_equal(rl_model_add_lstm(m, 5, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_output_shape(m, &steps, &units), RL_OK);
    assert_int_equal(steps, 7);
    assert_int_equal(units, 5);
    assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_LINEAR), RL_OK);   /* per step */
    assert_int_equal(rl_model_output_shape(m, &steps, &units), RL_OK);
    assert_int_equal(steps, 7);
    assert_int_equal(units, 2);
    assert_int_equal(rl_model_add_gru(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_output_shape(m, &steps, &units), RL_OK);
    assert_int_equal(steps, 1);
    assert_int_equal(units, 4);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_output_shape(m, &steps, &units), RL_OK);
    assert_int_equal(steps, 1);
    assert_int_equal(units, 1);
    assert_int_equal(rl_model_layer_count(m, &n), RL_OK);
    assert_int_equal(n, 4);
    rl_model_destroy(m);
}

/* Keras model.count_params() per layer, for in = 3 features. */
static void test_weight_counts_are_keras_param_counts(void **state)
{
    (void)state;
    const size_t in = 3;
    rl_model *m = new_model(4, in);
    assert_int_equal(rl_model_add_simple_rnn(m, 5, RL_ACT_TANH, 1), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, 6, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 7, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_RELU), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 8, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 9, RL_ACT_LINEAR), RL_OK);
    const size_t want[6] = {
        (in + 5 + 1) * 5,            /* SimpleRNN: 45 */
        4 * (5 + 6 + 1) * 6,         /* LSTM: 288 */
        3 * (6 + 7 + 2) * 7,         /* GRU, reset_after: 315 */
        7 * 2 + 2,                   /* Dense: 16 */
        3 * (2 + 8 + 2) * 8,         /* GRU: 288 */
        8 * 9 + 9,                   /* Dense: 81 */
    };
    const size_t keras[6] = { 45, 288, 315, 16, 288, 81 };   /* printed by model.summary() */
    for (size_t i = 0; i < 6; i++) {
        size_t c = 0;
        assert_int_equal(rl_model_weight_count(m, i, &c), RL_OK);
        assert_int_equal(c, want[i]);
        assert_int_equal(c, keras[i]);
    }
    /* The same counts after compile. */
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    for (size_t i = 0; i < 6; i++) {
        size_t c = 0;
        assert_int_equal(rl_model_weight_count(m, i, &c), RL_OK);
        assert_int_equal(c, want[i]);
    }
    rl_model_destroy(m);
}

/* ---- weights ------------------------------------------------------------ */

static void test_set_get_round_trip(void **state)
{
    (void)state;
    rl_model *m = new_model(3, 2);
    assert_int_equal(rl_model_add_gru(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    for (size_t layer = 0; layer < 2; layer++) {
        size_t c = 0;
        assert_int_equal(rl_model_weight_count(m, layer, &c), RL_OK);
        float *w = malloc(c * sizeof(float)), *back = malloc(c * sizeof(float));
        tu_fill_uniform(w, c, 11 + layer, -2, 2);
        w[0] = -0.0f;
        w[c - 1] = 1e-40f;   /* subnormal: copied as is */
        assert_int_equal(rl_model_set_weights(m, layer, w, c), RL_OK);
        assert_int_equal(rl_model_get_weights(m, layer, back, c), RL_OK);
        assert_memory_equal(w, back, c * sizeof(float));
        free(w);
        free(back);
    }
    rl_model_destroy(m);
}

/* Dense: y = x W + b with W [in][units] row-major. */
static void test_dense_weight_layout(void **state)
{
    (void)state;
    rl_model *m = new_model(1, 3);
    assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
    const float w[8] = { 1, 2, 3, 4, 5, 6, /* bias */ 0.5f, -0.25f };
    assert_int_equal(rl_model_set_weights(m, 0, w, 8), RL_OK);
    const float x[6] = { 1, 0, 0, 0.5f, -1, 2 };
    float y[4];
    assert_int_equal(rl_predict(m, x, 2, y, 4), RL_OK);
    const double want[4] = { 1 + 0.5, 2 - 0.25, 0.5 * 1 - 3 + 2 * 5 + 0.5,
                             0.5 * 2 - 4 + 2 * 6 - 0.25 };
    tu_assert_close(y, want, 4, 1e-6, 1e-6, "dense");
    rl_model_destroy(m);
}

/* SimpleRNN by hand: kernel [in][u], recurrent [u][u], bias [u]. */
static void test_simple_rnn_weight_layout(void **state)
{
    (void)state;
    rl_model *m = new_model(2, 1);
    assert_int_equal(rl_model_add_simple_rnn(m, 2, RL_ACT_TANH, 0), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
    const float w[8] = { 0.5f, -1.0f, /* U */ 0.25f, 0.75f, -0.5f, 1.0f, /* b */ 0.1f, 0.2f };
    assert_int_equal(rl_model_set_weights(m, 0, w, 8), RL_OK);
    const float x[2] = { 1.0f, -2.0f };
    float y[2];
    assert_int_equal(rl_predict(m, x, 1, y, 2), RL_OK);
    double h0[2] = { tanh(0.5 + 0.1), tanh(-1.0 + 0.2) };
    double h1[2] = { tanh(-2 * 0.5 + h0[0] * 0.25 + h0[1] * -0.5 + 0.1),
                     tanh(-2 * -1.0 + h0[0] * 0.75 + h0[1] * 1.0 + 0.2) };
    tu_assert_close(y, h1, 2, 1e-6, 1e-6, "simple rnn");
    rl_model_destroy(m);
}

/* ---- initialisers ------------------------------------------------------- */

static rl_model *seeded_stack(double seed)
{
    rl_model *m = new_model(5, 3);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, seed), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, 6, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_simple_rnn(m, 3, RL_ACT_TANH, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    return m;
}

static void test_seeded_init_reproducible(void **state)
{
    (void)state;
    rl_model *a = seeded_stack(42), *b = seeded_stack(42), *c = seeded_stack(43);
    for (size_t layer = 0; layer < 4; layer++) {
        size_t na, nb, nc;
        float *wa = layer_weights(a, layer, &na), *wb = layer_weights(b, layer, &nb);
        float *wc = layer_weights(c, layer, &nc);
        assert_memory_equal(wa, wb, na * sizeof(float));
        /* Kernels differ with the seed, element by element (biases are
         * constant by design). */
        size_t kernel_len = layer == 0 ? 3 * 4 * 6 : 0;
        for (size_t i = 0; i < kernel_len; i++)
            assert_true(wa[i] != wc[i]);
        assert_true(memcmp(wa, wc, na * sizeof(float)) != 0);
        free(wa);
        free(wb);
        free(wc);
    }
    rl_model_destroy(a);
    rl_model_destroy(b);
    rl_model_destroy(c);
}

static void check_glorot(const float *w, size_t fan_in, size_t fan_out, int check_variance)
{
    double limit = sqrt(6.0 / (double)(fan_in + fan_out)), sum = 0, sq = 0;
    size_t n = fan_in * fan_out;
    for (size_t i = 0; i < n; i++) {
        assert_true(fabs(w[i]) <= limit);
        sum += w[i];
        sq += (double)w[i] * w[i];
    }
    if (!check_variance)
        return;
    double mean = sum / (double)n, var = sq / (double)n - mean * mean;
    double want_var = limit * limit / 3;
    /* n = 65536: the sample variance of a uniform has a relative standard
     * error of sqrt(0.8 / n) = 0.35%; the mean a standard error of 0.2% of limit. */
    assert_true(fabs(var / want_var - 1) < 0.03);
    assert_true(fabs(mean) < 0.02 * limit);
}

static void test_glorot_uniform_kernels(void **state)
{
    (void)state;
    rl_model *m = new_model(1, 256);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 7), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 256, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    size_t n;
    float *w = layer_weights(m, 0, &n);
    check_glorot(w, 256, 256, 1);
    for (size_t i = 256 * 256; i < n; i++)
        assert_true(w[i] == 0);
    free(w);
    rl_model_destroy(m);

    /* Recurrent kernels: fan_out is gates * units (Keras computes fans from
     * the [in][G*u] shape). A big LSTM kernel [64][4*64]. */
    m = new_model(2, 64);
    assert_int_equal(rl_model_add_lstm(m, 64, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    w = layer_weights(m, 0, &n);
    check_glorot(w, 64, 256, 0);
    double limit = sqrt(6.0 / (64 + 256)), max_abs = 0;
    for (size_t i = 0; i < 64 * 256; i++)
        max_abs = fabs(w[i]) > max_abs ? fabs(w[i]) : max_abs;
    assert_true(max_abs > 0.95 * limit);   /* the full range is used, not a narrower one */
    free(w);
    rl_model_destroy(m);
}

/* U [u][G*u] has orthonormal rows: U U^T = I. */
static void check_orthogonal_rows(const float *u_mat, size_t u, size_t cols)
{
    for (size_t i = 0; i < u; i++)
        for (size_t j = 0; j < u; j++) {
            double dot = 0;
            for (size_t k = 0; k < cols; k++)
                dot += (double)u_mat[i * cols + k] * u_mat[j * cols + k];
            if (fabs(dot - (i == j)) > 1e-5) {
                print_error("(U U^T)[%zu][%zu] = %.9g\n", i, j, dot);
                fail();
            }
        }
}

static void test_recurrent_init(void **state)
{
    (void)state;
    const size_t in = 3;
    const size_t units[3] = { 5, 8, 16 };
    const size_t gates[3] = { 1, 4, 3 };
    for (size_t kind = 0; kind < 3; kind++) {
        size_t u = units[kind], g = gates[kind];
        rl_model *m = new_model(2, in);
        assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 100 + kind), RL_OK);
        rl_status s = kind == 0   ? rl_model_add_simple_rnn(m, u, RL_ACT_TANH, 0)
                      : kind == 1 ? rl_model_add_lstm(m, u, RL_ACT_TANH, RL_ACT_SIGMOID, 0)
                                  : rl_model_add_gru(m, u, RL_ACT_TANH, RL_ACT_SIGMOID, 0);
        assert_int_equal(s, RL_OK);
        assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
        size_t n;
        float *w = layer_weights(m, 0, &n);
        size_t gu = g * u, bias_rows = kind == 2 ? 2 : 1;
        assert_int_equal(n, (in + u + bias_rows) * gu);
        check_glorot(w, in, gu, 0);
        check_orthogonal_rows(w + in * gu, u, gu);
        const float *bias = w + (in + u) * gu;
        for (size_t i = 0; i < bias_rows * gu; i++) {
            /* LSTM gates i, f, c, o: unit_forget_bias sets f to 1. */
            float want = (kind == 1 && i >= u && i < 2 * u) ? 1.0f : 0.0f;
            assert_true(bias[i] == want);
        }
        free(w);
        rl_model_destroy(m);
    }
}

/* ---- parameters --------------------------------------------------------- */

static void test_param_defaults(void **state)
{
    (void)state;
    static const struct { rl_param p; double v; } defaults[] = {
        { RL_PARAM_LEARNING_RATE, 0.001 }, { RL_PARAM_BETA1, 0.9 },
        { RL_PARAM_BETA2, 0.999 },         { RL_PARAM_EPSILON, 1e-7 },
        { RL_PARAM_MOMENTUM, 0 },          { RL_PARAM_CLIPNORM, 0 },
        { RL_PARAM_SHUFFLE, 1 },           { RL_PARAM_VALIDATION_SPLIT, 0 },
        { RL_PARAM_PATIENCE, 0 },          { RL_PARAM_THREADS, 1 },
        { RL_PARAM_RHO, 0.9 },
    };
    rl_model *m = new_model(2, 1);
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        double v = -1;
        assert_int_equal(rl_model_get_param(m, defaults[i].p, &v), RL_OK);
        assert_true(v == defaults[i].v);
    }
    rl_model_destroy(m);
}

static double lr_after_compile(rl_optimizer opt, double set_lr)
{
    rl_model *m = new_model(2, 1);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    if (set_lr >= 0)
        assert_int_equal(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, set_lr), RL_OK);
    assert_int_equal(rl_model_compile(m, opt, RL_LOSS_MSE), RL_OK);
    double lr = -1;
    assert_int_equal(rl_model_get_param(m, RL_PARAM_LEARNING_RATE, &lr), RL_OK);
    rl_model_destroy(m);
    return lr;
}

static void test_default_learning_rate_per_optimizer(void **state)
{
    (void)state;
    assert_true(lr_after_compile(RL_OPT_ADAM, -1) == 0.001);
    assert_true(lr_after_compile(RL_OPT_RMSPROP, -1) == 0.001);
    assert_true(lr_after_compile(RL_OPT_SGD, -1) == 0.01);
    /* A rate the user set is kept, even when it equals another default. */
    assert_true(lr_after_compile(RL_OPT_SGD, 0.001) == 0.001);
    assert_true(lr_after_compile(RL_OPT_ADAM, 0.01) == 0.01);
    assert_true(lr_after_compile(RL_OPT_RMSPROP, 0.25) == 0.25);
}

static void test_param_set_get(void **state)
{
    (void)state;
    rl_model *m = new_model(2, 1);
    static const struct { rl_param p; double v; } values[] = {
        { RL_PARAM_LEARNING_RATE, 0.125 }, { RL_PARAM_BETA1, 0.5 },
        { RL_PARAM_BETA2, 0.75 },          { RL_PARAM_EPSILON, 1e-4 },
        { RL_PARAM_MOMENTUM, 0.9 },        { RL_PARAM_CLIPNORM, 2.5 },
        { RL_PARAM_SEED, 12345 },          { RL_PARAM_SHUFFLE, 0 },
        { RL_PARAM_VALIDATION_SPLIT, 0.2 }, { RL_PARAM_PATIENCE, 3 },
        { RL_PARAM_THREADS, 2 },           { RL_PARAM_RHO, 0.8 },
        { RL_PARAM_STATEFUL, 1 },
    };
    assert_int_equal(sizeof values / sizeof values[0], RL_PARAM_COUNT);
    for (size_t i = 0; i < RL_PARAM_COUNT; i++) {
        assert_int_equal(rl_model_set_param(m, values[i].p, values[i].v), RL_OK);
        assert_string_equal(rl_model_last_error(m), "");
    }
    for (size_t i = 0; i < RL_PARAM_COUNT; i++) {
        double v = -1;
        assert_int_equal(rl_model_get_param(m, values[i].p, &v), RL_OK);
        assert_true(v == values[i].v);
    }
    /* Parameters other than SEED can still change after compile. */
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 0.5), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_THREADS, 1), RL_OK);
    double v;
    assert_int_equal(rl_model_get_param(m, RL_PARAM_LEARNING_RATE, &v), RL_OK);
    assert_true(v == 0.5);
    rl_model_destroy(m);
}

static void test_param_names_and_bounds(void **state)
{
    (void)state;
    static const char *const names[RL_PARAM_COUNT] = {
        "learning_rate", "beta1", "beta2", "epsilon", "momentum", "clipnorm", "seed",
        "shuffle", "validation_split", "patience", "threads", "rho", "stateful",
    };
    for (int p = 0; p < RL_PARAM_COUNT; p++)
        assert_string_equal(rl_param_name((rl_param)p), names[p]);
    assert_string_equal(rl_param_name((rl_param)RL_PARAM_COUNT), "unknown");
    assert_string_equal(rl_param_name((rl_param)-1), "unknown");

    double lo, hi;
    assert_int_equal(rl_param_bounds(RL_PARAM_THREADS, &lo, &hi), RL_OK);
    assert_true(lo == 1 && hi == 64);
    assert_int_equal(rl_param_bounds(RL_PARAM_SHUFFLE, &lo, &hi), RL_OK);
    assert_true(lo == 0 && hi == 1);
    assert_int_equal(rl_param_bounds(RL_PARAM_BETA1, &lo, &hi), RL_OK);
    assert_true(lo == 0 && hi < 1 && hi > 0.999999);
    assert_int_equal(rl_param_bounds(RL_PARAM_LEARNING_RATE, &lo, &hi), RL_OK);
    assert_true(lo == 0 && hi >= 1);
    assert_int_equal(rl_param_bounds(RL_PARAM_EPSILON, &lo, &hi), RL_OK);
    assert_true(lo > 0);

    /* Every default lies inside its bounds, and both ends are accepted while
     * the next double outside is not. */
    rl_model *m = new_model(2, 1);
    for (int p = 0; p < RL_PARAM_COUNT; p++) {
        double v;
        assert_int_equal(rl_param_bounds((rl_param)p, &lo, &hi), RL_OK);
        assert_true(lo <= hi);
        assert_int_equal(rl_model_get_param(m, (rl_param)p, &v), RL_OK);
        assert_true(v >= lo && v <= hi);
        if (p == RL_PARAM_THREADS)
            continue;   /* 64 threads would start 64 threads; checked in bad_input */
        assert_int_equal(rl_model_set_param(m, (rl_param)p, lo), RL_OK);
        assert_int_equal(rl_model_set_param(m, (rl_param)p, hi), RL_OK);
        assert_int_equal(rl_model_set_param(m, (rl_param)p, nextafter(hi, INFINITY)),
                         RL_E_INVALID);
        assert_int_equal(rl_model_set_param(m, (rl_param)p, nextafter(lo, -INFINITY)),
                         RL_E_INVALID);
        assert_int_equal(rl_model_get_param(m, (rl_param)p, &v), RL_OK);
        assert_true(v == hi);
    }
    rl_model_destroy(m);
}

/* ---- library facts ------------------------------------------------------ */

static void test_version(void **state)
{
    (void)state;
    assert_int_equal(rl_version_number(), RL_VERSION_NUMBER);
    assert_int_equal(RL_VERSION_NUMBER,
                     RL_VERSION_MAJOR * 10000 + RL_VERSION_MINOR * 100 + RL_VERSION_PATCH);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", RL_VERSION_MAJOR, RL_VERSION_MINOR,
             RL_VERSION_PATCH);
    assert_non_null(rl_version_string());
    assert_string_equal(rl_version_string(), want);
}

static void test_runtime_isa(void **state)
{
    (void)state;
    const char *isa = rl_runtime_isa();
    assert_non_null(isa);
    assert_true(strcmp(isa, "scalar") == 0 || strcmp(isa, "avx2") == 0 ||
                strcmp(isa, "avx512") == 0 || strcmp(isa, "neon") == 0);
    assert_ptr_equal(isa, rl_runtime_isa());   /* chosen once */
}

/* ---- sequence outputs --------------------------------------------------- */

#define SEQ_T 6
#define SEQ_F 2
#define SEQ_U 3

static rl_model *sequence_stack(size_t steps)
{
    rl_model *m = new_model(steps, SEQ_F);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 5), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 5, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_simple_rnn(m, 4, RL_ACT_TANH, 1), RL_OK);
    assert_int_equal(rl_model_add_dense(m, SEQ_U, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    return m;
}

/* Output [n][T][u]: step t of sample s equals the last step of the same
 * weights run on the first t+1 steps of that sample alone (recurrent layers
 * are causal), which pins down both the sample-major order and the steps. */
static void test_stacked_sequence_output_layout(void **state)
{
    (void)state;
    const size_t n = 3;
    rl_model *m = sequence_stack(SEQ_T);
    size_t steps, units;
    assert_int_equal(rl_model_output_shape(m, &steps, &units), RL_OK);
    assert_int_equal(steps, SEQ_T);
    assert_int_equal(units, SEQ_U);

    float x[3 * SEQ_T * SEQ_F];
    tu_fill_uniform(x, sizeof x / sizeof x[0], 3, -1, 1);
    const size_t out_len = n * SEQ_T * SEQ_U;
    float y[3 * SEQ_T * SEQ_U + 1];
    y[out_len] = 12345.0f;   /* sentinel: nothing written past the output */
    assert_int_equal(rl_predict(m, x, n, y, out_len), RL_OK);
    assert_true(y[out_len] == 12345.0f);

    for (size_t t = 1; t <= SEQ_T; t++) {
        rl_model *p = sequence_stack(t);
        for (size_t layer = 0; layer < 4; layer++) {
            size_t c;
            float *w = layer_weights(m, layer, &c);
            assert_int_equal(rl_model_set_weights(p, layer, w, c), RL_OK);
            free(w);
        }
        for (size_t s = 0; s < n; s++) {
            float xs[SEQ_T * SEQ_F], ys[SEQ_T * SEQ_U];
            memcpy(xs, x + s * SEQ_T * SEQ_F, t * SEQ_F * sizeof(float));
            assert_int_equal(rl_predict(p, xs, 1, ys, t * SEQ_U), RL_OK);
            double want[SEQ_U];
            for (size_t j = 0; j < SEQ_U; j++)
                want[j] = ys[(t - 1) * SEQ_U + j];
            tu_assert_close(y + (s * SEQ_T + t - 1) * SEQ_U, want, SEQ_U, 1e-5, 1e-6,
                            "step of a shorter run");
        }
        rl_model_destroy(p);
    }
    rl_model_destroy(m);
}

/* Predicting samples one by one gives what the batch gives, and a batch
 * larger than the internal chunk is cut without seams. */
static void test_predict_batch_independence(void **state)
{
    (void)state;
    rl_model *m = sequence_stack(SEQ_T);
    const size_t n = 300;
    float *x = malloc(n * SEQ_T * SEQ_F * sizeof(float));
    float *y = malloc(n * SEQ_T * SEQ_U * sizeof(float));
    tu_fill_uniform(x, n * SEQ_T * SEQ_F, 9, -2, 2);
    assert_int_equal(rl_predict(m, x, n, y, n * SEQ_T * SEQ_U), RL_OK);
    for (size_t s = 0; s < n; s += 37) {
        float one[SEQ_T * SEQ_U];
        assert_int_equal(rl_predict(m, x + s * SEQ_T * SEQ_F, 1, one, SEQ_T * SEQ_U), RL_OK);
        double want[SEQ_T * SEQ_U];
        for (size_t j = 0; j < SEQ_T * SEQ_U; j++)
            want[j] = one[j];
        tu_assert_close(y + s * SEQ_T * SEQ_U, want, SEQ_T * SEQ_U, 1e-6, 1e-7, "sample");
    }
    free(x);
    free(y);
    rl_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_weight_counts_are_keras_param_counts),
        cmocka_unit_test(test_set_get_round_trip),
        cmocka_unit_test(test_dense_weight_layout),
        cmocka_unit_test(test_simple_rnn_weight_layout),
        cmocka_unit_test(test_seeded_init_reproducible),
        cmocka_unit_test(test_glorot_uniform_kernels),
        cmocka_unit_test(test_recurrent_init),
        cmocka_unit_test(test_param_defaults),
        cmocka_unit_test(test_default_learning_rate_per_optimizer),
        cmocka_unit_test(test_param_set_get),
        cmocka_unit_test(test_param_names_and_bounds),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_runtime_isa),
        cmocka_unit_test(test_stacked_sequence_output_layout),
        cmocka_unit_test(test_predict_batch_independence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
