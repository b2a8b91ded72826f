/* Transform pipelines: forward steps against the formulas written out
 * independently here (log, seasonal and first differences, sklearn's
 * population-std scaling), exact inversion from a history (also of a
 * model's forecast trained on differenced data), bit-identity with the
 * 0.1 scaler, positions in error messages, the model file round trip and
 * every documented status. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rnnlite/rnnlite.h"
#include "transform.h"

#include "reference/forecast_fixtures.h"

#define N 72   /* USAccDeaths, monthly */

static const float *deaths(void)
{
    assert_string_equal(fx_cases[2].name, "USAccDeaths");
    return fx_cases[2].series;
}

/* log -> diff 12 -> diff 1 -> standard, the recipe for a trending seasonal series. */
static rl_transform *seasonal_pipeline(const float *data, size_t rows)
{
    rl_transform *t = NULL;
    assert_int_equal(rl_transform_create(&t), RL_OK);
    assert_int_equal(rl_transform_add_log(t, RL_ALL_COLUMNS), RL_OK);
    assert_int_equal(rl_transform_add_diff(t, 0, 12), RL_OK);
    assert_int_equal(rl_transform_add_diff(t, RL_ALL_COLUMNS, 1), RL_OK);
    assert_int_equal(rl_transform_add_standard(t), RL_OK);
    assert_int_equal(rl_transform_fit(t, data, rows, 1), RL_OK);
    return t;
}

static void test_forward_matches_formulas(void **state)
{
    (void)state;
    const float *y = deaths();
    rl_transform *t = seasonal_pipeline(y, 60);
    size_t lost = 0;
    assert_int_equal(rl_transform_lost_rows(t, &lost), RL_OK);
    assert_int_equal(lost, 13);
    /* Reference: the same chain, written out. */
    double d[N], mean = 0, var = 0;
    for (int i = 13; i < 60; i++) {
        d[i] = (log(y[i]) - log(y[i - 12])) - (log(y[i - 1]) - log(y[i - 13]));
        mean += d[i];
    }
    mean /= 47;
    for (int i = 13; i < 60; i++)
        var += (d[i] - mean) * (d[i] - mean);
    double sd = sqrt(var / 47);
    float out[N];
    assert_int_equal(rl_transform_apply(t, y, N, 1, out, N), RL_OK);
    for (int i = 13; i < N; i++) {
        double want = ((log(y[i]) - log(y[i - 12])) - (log(y[i - 1]) - log(y[i - 13])) - mean) / sd;
        assert_true(fabs(out[i - 13] - want) <= 1e-5 * fabs(want) + 1e-6);
    }
    /* The training part has mean 0 and std 1 in model units. */
    double m2 = 0;
    for (int i = 0; i < 47; i++)
        m2 += out[i];
    assert_true(fabs(m2 / 47) < 1e-5);
    rl_transform_destroy(t);
}

/* Applying then inverting the continuation of a history gives the raw values back. */
static void test_invert_round_trip(void **state)
{
    (void)state;
    const float *y = deaths();
    rl_transform *t = seasonal_pipeline(y, 60);
    float model_units[N], back[12];
    assert_int_equal(rl_transform_apply(t, y, N, 1, model_units, N), RL_OK);
    /* Rows 60..71 follow a history of rows 0..59: model rows 47..58. */
    assert_int_equal(rl_transform_invert(t, y, 60, 1, model_units + 47, 12, back, 12), RL_OK);
    for (int i = 0; i < 12; i++)
        assert_true(fabsf(back[i] - y[60 + i]) <= 1e-4f * y[60 + i]);
    /* In place, by column subset, on a two-column series (covariate untouched). */
    float two[N * 2], two_mu[N * 2], cols_out[12];
    for (int i = 0; i < N; i++) {
        two[2 * i] = (float)i - 5.0f;   /* may be negative: no log on it */
        two[2 * i + 1] = y[i];
    }
    rl_transform *t2 = NULL;
    assert_int_equal(rl_transform_create(&t2), RL_OK);
    assert_int_equal(rl_transform_add_log(t2, 1), RL_OK);
    assert_int_equal(rl_transform_add_diff(t2, 1, 12), RL_OK);
    assert_int_equal(rl_transform_add_minmax(t2, -1, 1), RL_OK);
    assert_int_equal(rl_transform_fit(t2, two, 60, 2), RL_OK);
    assert_int_equal(rl_transform_apply(t2, two, N, 2, two_mu, N * 2), RL_OK);
    /* column 0 only shifted by the lost rows and scaled */
    size_t col = 1;
    for (int i = 0; i < 12; i++)
        cols_out[i] = two_mu[(48 + i) * 2 + 1];
    assert_int_equal(rl_transform_invert_columns(t2, two, 60, 2, &col, 1, cols_out, 12, cols_out, 12), RL_OK);
    for (int i = 0; i < 12; i++)
        assert_true(fabsf(cols_out[i] - y[60 + i]) <= 1e-4f * y[60 + i]);
    rl_transform_destroy(t);
    rl_transform_destroy(t2);
}

/* A forecast past the end of the data: differencing is undone recursively
 * (step 13 adds back the inverted step 1), checked against the formula. */
static void test_invert_recursive_horizon(void **state)
{
    (void)state;
    const float *y = deaths();
    rl_transform *t = NULL;
    assert_int_equal(rl_transform_create(&t), RL_OK);
    assert_int_equal(rl_transform_add_diff(t, 0, 12), RL_OK);
    assert_int_equal(rl_transform_fit(t, y, N, 1), RL_OK);
    float in[24], out[24];
    for (int i = 0; i < 24; i++)
        in[i] = (float)(i + 1);
    assert_int_equal(rl_transform_invert(t, y, N, 1, in, 24, out, 24), RL_OK);
    for (int i = 0; i < 24; i++) {
        double want = i < 12 ? (double)y[N - 12 + i] + (i + 1) : (double)y[N - 12 + i - 12] + (i - 11) + (i + 1);
        assert_true(fabs(out[i] - want) < 1e-3);
    }
    rl_transform_destroy(t);
}

/* A one-step MinMax or Standard pipeline is the 0.1 scaler, bit for bit. */
static void test_scaler_is_one_step_pipeline(void **state)
{
    (void)state;
    float data[40 * 3];
    tu_fill_uniform(data, 120, 7, -50, 900);
    for (int kind = 0; kind < 2; kind++) {
        rl_scaler *s = NULL;
        rl_transform *t = NULL;
        assert_int_equal(rl_transform_create(&t), RL_OK);
        if (kind == 0) {
            assert_int_equal(rl_scaler_create_minmax(&s, -1, 1), RL_OK);
            assert_int_equal(rl_transform_add_minmax(t, -1, 1), RL_OK);
        } else {
            assert_int_equal(rl_scaler_create_standard(&s), RL_OK);
            assert_int_equal(rl_transform_add_standard(t), RL_OK);
        }
        assert_int_equal(rl_scaler_fit(s, data, 30, 3), RL_OK);
        assert_int_equal(rl_transform_fit(t, data, 30, 3), RL_OK);
        float a[120], b[120], c[120];
        assert_int_equal(rl_scaler_transform(s, data, a, 40, 3), RL_OK);
        assert_int_equal(rl_transform_apply(t, data, 40, 3, b, 120), RL_OK);
        assert_memory_equal(a, b, sizeof a);
        /* The model's view of an attached scaler is the same pipeline. */
        rl_model *m = NULL;
        rl_transform *from_model = NULL;
        assert_int_equal(rl_model_create(&m, 4, 3), RL_OK);
        assert_int_equal(rl_model_set_scaler(m, s), RL_OK);
        assert_int_equal(rl_model_get_transform(m, &from_model), RL_OK);
        assert_int_equal(rl_transform_apply(from_model, data, 40, 3, c, 120), RL_OK);
        assert_memory_equal(a, c, sizeof a);
        assert_int_equal(rl_scaler_inverse_transform(s, a, a, 40, 3), RL_OK);
        assert_int_equal(rl_transform_invert(t, data, 1, 3, b, 40, b, 120), RL_OK);
        assert_memory_equal(a, b, sizeof a);
        rl_transform_destroy(from_model);
        rl_model_destroy(m);
        rl_scaler_destroy(s);
        rl_transform_destroy(t);
    }
}

static void test_bad_values_named_by_position(void **state)
{
    (void)state;
    float data[10 * 2];
    for (int i = 0; i < 20; i++)
        data[i] = 1.0f + (float)i;
    rl_transform *t = NULL;
    assert_int_equal(rl_transform_create(&t), RL_OK);
    assert_int_equal(rl_transform_add_log(t, 1), RL_OK);
    assert_int_equal(rl_transform_add_standard(t), RL_OK);
    data[5 * 2 + 1] = 0.0f;
    assert_int_equal(rl_transform_fit(t, data, 10, 2), RL_E_INVALID);
    assert_non_null(strstr(rl_transform_last_error(t), "row 5, column 1"));
    assert_non_null(strstr(rl_transform_last_error(t), "log"));
    size_t nf = 9;
    assert_int_equal(rl_transform_feature_count(t, &nf), RL_OK);
    assert_int_equal(nf, 0);   /* unchanged: not fitted */
    data[5 * 2 + 1] = 3.0f;
    data[3 * 2 + 0] = NAN;
    assert_int_equal(rl_transform_fit(t, data, 10, 2), RL_E_NUMERIC);
    assert_non_null(strstr(rl_transform_last_error(t), "row 3, column 0"));
    data[3 * 2 + 0] = 2.0f;
    assert_int_equal(rl_transform_fit(t, data, 10, 2), RL_OK);
    assert_string_equal(rl_transform_last_error(t), "");
    float out[20];
    data[7 * 2 + 1] = -4.0f;
    assert_int_equal(rl_transform_apply(t, data, 10, 2, out, 20), RL_E_NUMERIC);
    assert_non_null(strstr(rl_transform_last_error(t), "row 7, column 1"));
    data[7 * 2 + 1] = INFINITY;
    assert_int_equal(rl_transform_apply(t, data, 10, 2, out, 20), RL_E_NUMERIC);
    assert_non_null(strstr(rl_transform_last_error(t), "row 7, column 1"));
    size_t col = 1;
    assert_int_equal(rl_transform_invert_columns(t, data, 10, 2, &col, 1, out, 2, out, 2), RL_E_NUMERIC);
    assert_non_null(strstr(rl_transform_last_error(t), "row 7, column 1"));
    rl_transform_destroy(t);
}

static void test_statuses(void **state)
{
    (void)state;
    float data[20], out[20];
    for (int i = 0; i < 20; i++)
        data[i] = (float)i;
    rl_transform *t = NULL;
    assert_int_equal(rl_transform_create(NULL), RL_E_INVALID);
    assert_int_equal(rl_transform_create(&t), RL_OK);
    assert_int_equal(rl_transform_add_diff(t, 0, 0), RL_E_INVALID);
    assert_int_equal(rl_transform_add_minmax(t, 1, 1), RL_E_INVALID);
    assert_int_equal(rl_transform_add_minmax(t, NAN, 1), RL_E_INVALID);
    assert_int_equal(rl_transform_apply(t, data, 20, 1, out, 20), RL_E_STATE);
    assert_int_equal(rl_transform_add_diff(t, 3, 5), RL_OK);
    assert_int_equal(rl_transform_fit(t, data, 20, 1), RL_E_INVALID);   /* column 3 of 1 */
    rl_transform_destroy(t);
    assert_int_equal(rl_transform_create(&t), RL_OK);
    assert_int_equal(rl_transform_add_diff(t, 0, 5), RL_OK);
    assert_int_equal(rl_transform_fit(t, data, 5, 1), RL_E_INVALID);    /* nothing left */
    assert_int_equal(rl_transform_fit(t, data, 20, 1), RL_OK);
    assert_int_equal(rl_transform_fit(t, data, 20, 1), RL_E_STATE);
    assert_int_equal(rl_transform_add_log(t, 0), RL_E_STATE);
    assert_int_equal(rl_transform_apply(t, data, 10, 2, out, 20), RL_E_SHAPE);
    assert_int_equal(rl_transform_apply(t, data, 20, 1, out, 14), RL_E_SHAPE);
    assert_int_equal(rl_transform_apply(t, data, 20, 1, out, 15), RL_OK);
    assert_int_equal(rl_transform_apply(t, data, 5, 1, out, 15), RL_E_INVALID);
    assert_int_equal(rl_transform_invert(t, data, 5, 1, data, 2, out, 2), RL_E_INVALID);
    assert_int_equal(rl_transform_invert(t, data, 6, 1, data, 2, out, 1), RL_E_SHAPE);
    size_t bad_col = 4;
    assert_int_equal(rl_transform_invert_columns(t, data, 6, 1, &bad_col, 1, data, 2, out, 2), RL_E_INVALID);
    assert_int_equal(rl_transform_apply(NULL, data, 20, 1, out, 20), RL_E_INVALID);
    assert_non_null(rl_transform_last_error(NULL));
    /* A model takes only a fitted pipeline of its own width. */
    rl_model *m = NULL;
    rl_transform *u = NULL, *got = NULL;
    assert_int_equal(rl_transform_create(&u), RL_OK);
    assert_int_equal(rl_model_create(&m, 3, 2), RL_OK);
    assert_int_equal(rl_model_set_transform(m, u), RL_E_STATE);
    assert_int_equal(rl_model_set_transform(m, t), RL_E_SHAPE);
    assert_int_equal(rl_model_get_transform(m, &got), RL_E_STATE);
    assert_null(got);
    rl_model_destroy(m);
    rl_transform_destroy(u);
    rl_transform_destroy(t);
    rl_transform_destroy(NULL);
}

/* Model file: the pipeline survives save/load exactly; a scaler and a
 * pipeline replace each other; a file with both is refused. */
static rl_model *tiny_model(size_t time_steps)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, time_steps, 1), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 3), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SHUFFLE, 0), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 6, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    return m;
}

static void test_model_file_round_trip(void **state)
{
    (void)state;
    const float *y = deaths();
    rl_transform *t = seasonal_pipeline(y, 60);
    rl_model *m = tiny_model(12);
    assert_int_equal(rl_model_set_transform(m, t), RL_OK);
    void *buf = NULL;
    size_t size = 0;
    assert_int_equal(rl_model_save_buffer(m, &buf, &size), RL_OK);
    rl_model *back = NULL;
    assert_int_equal(rl_model_load_buffer(&back, buf, size), RL_OK);
    rl_transform *t2 = NULL;
    assert_int_equal(rl_model_get_transform(back, &t2), RL_OK);
    float a[N], b[N];
    assert_int_equal(rl_transform_apply(t, y, N, 1, a, N), RL_OK);
    assert_int_equal(rl_transform_apply(t2, y, N, 1, b, N), RL_OK);
    assert_memory_equal(a, b, (N - 13) * sizeof(float));
    /* Every truncation and every flipped byte of the pipeline section is refused. */
    for (size_t cut = 0; cut < size; cut += 97) {
        rl_model *x = NULL;
        assert_int_equal(rl_model_load_buffer(&x, buf, cut), RL_E_FORMAT);
    }
    /* The scaler replaces the pipeline and the other way round. */
    rl_scaler *s = NULL;
    assert_int_equal(rl_scaler_create_standard(&s), RL_OK);
    assert_int_equal(rl_scaler_fit(s, y, 60, 1), RL_OK);
    assert_int_equal(rl_model_set_scaler(back, s), RL_OK);
    rl_transform *t3 = NULL;
    assert_int_equal(rl_model_get_transform(back, &t3), RL_OK);
    size_t lost = 9;
    assert_int_equal(rl_transform_lost_rows(t3, &lost), RL_OK);
    assert_int_equal(lost, 0);
    assert_int_equal(rl_model_set_transform(back, t), RL_OK);
    rl_scaler *s2 = NULL;
    assert_int_equal(rl_model_get_scaler(back, &s2), RL_E_STATE);
    rl_free(buf);
    rl_scaler_destroy(s);
    rl_transform_destroy(t3);
    rl_transform_destroy(t2);
    rl_transform_destroy(t);
    rl_model_destroy(back);
    rl_model_destroy(m);
}

/* A model trained on differenced, scaled data: its forecast in raw units,
 * as rl_transform_invert_columns gives it, equals the inversion written
 * out by hand (unscale, then add the value one season back). */
static void test_forecast_of_differenced_model_inverts_exactly(void **state)
{
    (void)state;
    const float *y = deaths();
    rl_transform *t = NULL;
    assert_int_equal(rl_transform_create(&t), RL_OK);
    assert_int_equal(rl_transform_add_diff(t, 0, 12), RL_OK);
    assert_int_equal(rl_transform_add_standard(t), RL_OK);
    assert_int_equal(rl_transform_fit(t, y, 60, 1), RL_OK);
    float mu[60], x[60 * 12], target[60];
    assert_int_equal(rl_transform_apply(t, y, 60, 1, mu, 60), RL_OK);   /* 48 rows */
    size_t count = 0;
    assert_int_equal(rl_window_count(48, 12, 1, &count), RL_OK);
    assert_int_equal(rl_window_make(mu, 48, 1, 12, 1, 0, x, sizeof x / 4, target, 60), RL_OK);
    rl_model *m = tiny_model(12);
    assert_int_equal(rl_fit(m, x, target, count, 5, 8), RL_OK);
    assert_int_equal(rl_model_set_transform(m, t), RL_OK);
    /* One step after the 60-point history. */
    float pred = 0, raw = 0;
    assert_int_equal(rl_predict(m, mu + 48 - 12, 1, &pred, 1), RL_OK);
    size_t col = 0;
    rl_transform *mt = NULL;
    assert_int_equal(rl_model_get_transform(m, &mt), RL_OK);
    assert_int_equal(rl_transform_invert_columns(mt, y, 60, 1, &col, 1, &pred, 1, &raw, 1), RL_OK);
    double mean = 0, var = 0;
    for (int i = 12; i < 60; i++)
        mean += (double)y[i] - y[i - 12];
    mean /= 48;
    for (int i = 12; i < 60; i++)
        var += ((double)y[i] - y[i - 12] - mean) * ((double)y[i] - y[i - 12] - mean);
    double by_hand = (double)pred * sqrt(var / 48) + mean + y[60 - 12];
    assert_true(fabs(raw - by_hand) <= 1e-6 * fabs(by_hand));
    rl_transform_destroy(mt);
    rl_model_destroy(m);
    rl_transform_destroy(t);
}

/* rl_forecast of a model trained on log + seasonally differenced + scaled
 * data equals, bit for bit, the contract's loop written out by hand: each
 * round transforms the last window of raw rows with the formulas, predicts
 * with rl_predict, undoes the scaling, the difference (adding the raw value
 * one season back, itself a forecast past step 12) and the log, and appends
 * the raw value. */
static void test_rl_forecast_inverts_differencing(void **state)
{
    (void)state;
    const float *y = deaths();
    enum { HIST = 60, T = 12, H = 24 };
    rl_transform *t = NULL;
    assert_int_equal(rl_transform_create(&t), RL_OK);
    assert_int_equal(rl_transform_add_log(t, 0), RL_OK);
    assert_int_equal(rl_transform_add_diff(t, 0, 12), RL_OK);
    assert_int_equal(rl_transform_add_standard(t), RL_OK);
    assert_int_equal(rl_transform_fit(t, y, HIST, 1), RL_OK);
    float mu[HIST], x[HIST * T], target[HIST];
    assert_int_equal(rl_transform_apply(t, y, HIST, 1, mu, HIST), RL_OK);
    size_t count = 0;
    assert_int_equal(rl_window_count(HIST - 12, T, 1, &count), RL_OK);
    assert_int_equal(rl_window_make(mu, HIST - 12, 1, T, 1, 0, x, sizeof x / 4, target, HIST), RL_OK);
    rl_model *m = tiny_model(T);
    assert_int_equal(rl_fit(m, x, target, count, 5, 8), RL_OK);
    assert_int_equal(rl_model_set_transform(m, t), RL_OK);
    float fc[H];
    assert_int_equal(rl_forecast(m, y, HIST, NULL, 0, H, fc, H), RL_OK);
    /* The statistics, as the formulas define them. */
    double mean = 0, var = 0;
    for (int i = 12; i < HIST; i++)
        mean += log(y[i]) - log(y[i - 12]);
    mean /= HIST - 12;
    for (int i = 12; i < HIST; i++) {
        double d = log(y[i]) - log(y[i - 12]) - mean;
        var += d * d;
    }
    double sd = sqrt(var / (HIST - 12));
    float rows[HIST + H], window[T];
    memcpy(rows, y, HIST * sizeof(float));
    for (int k = 0; k < H; k++) {
        int n = HIST + k;
        for (int i = 0; i < T; i++) {
            int r = n - T + i;
            window[i] = (float)((log(rows[r]) - log(rows[r - 12]) - mean) / sd);
        }
        float pred = 0;
        assert_int_equal(rl_predict(m, window, 1, &pred, 1), RL_OK);
        rows[n] = (float)exp((double)pred * sd + mean + log(rows[n - 12]));
    }
    for (int k = 0; k < H; k++)
        if (fc[k] != rows[HIST + k]) {
            print_error("step %d: rl_forecast %.9g, by hand %.9g\n", k + 1, fc[k], rows[HIST + k]);
            fail();
        }
    /* A history too short for window + differencing is refused. */
    assert_int_equal(rl_forecast(m, y, T + 11, NULL, 0, H, fc, H), RL_E_INVALID);
    rl_model_destroy(m);
    rl_transform_destroy(t);
}

/* A window-mode stream of a model with a differencing pipeline keeps the
 * lags it needs: after each push its prediction equals rl_forecast of one
 * step from the observations so far, bit for bit; a saved stream does not
 * load against the same weights with another pipeline. */
static void test_stream_inverts_differencing(void **state)
{
    (void)state;
    const float *y = deaths();
    enum { T = 6 };
    rl_transform *t = NULL, *t2 = NULL;
    assert_int_equal(rl_transform_create(&t), RL_OK);
    assert_int_equal(rl_transform_add_log(t, 0), RL_OK);
    assert_int_equal(rl_transform_add_diff(t, 0, 12), RL_OK);
    assert_int_equal(rl_transform_add_diff(t, 0, 1), RL_OK);
    assert_int_equal(rl_transform_add_standard(t), RL_OK);
    assert_int_equal(rl_transform_fit(t, y, 60, 1), RL_OK);
    rl_model *m = tiny_model(T);
    assert_int_equal(rl_model_set_transform(m, t), RL_OK);
    rl_stream *s = NULL;
    assert_int_equal(rl_stream_create(&s, m, RL_STREAM_WINDOW), RL_OK);
    for (size_t i = 0; i < N; i++) {
        float pred = 0, fc = 0;
        assert_int_equal(rl_stream_push(s, &y[i], 1, &pred, 1), RL_OK);
        if (i + 1 < T + 13) {
            assert_true(isnan(pred));
            continue;
        }
        assert_int_equal(rl_forecast(m, y, i + 1, NULL, 0, 1, &fc, 1), RL_OK);
        assert_true(pred == fc);
    }
    void *buf = NULL;
    size_t size = 0;
    assert_int_equal(rl_stream_save_buffer(s, &buf, &size), RL_OK);
    assert_int_equal(rl_transform_create(&t2), RL_OK);
    assert_int_equal(rl_transform_add_diff(t2, 0, 12), RL_OK);
    assert_int_equal(rl_transform_fit(t2, y, 60, 1), RL_OK);
    assert_int_equal(rl_model_set_transform(m, t2), RL_OK);
    rl_stream *s2 = NULL;
    assert_int_equal(rl_stream_load_buffer(&s2, m, buf, size), RL_E_FORMAT);
    rl_free(buf);
    rl_stream_destroy(s);
    rl_model_destroy(m);
    rl_transform_destroy(t);
    rl_transform_destroy(t2);
}

static void test_parts_validation(void **state)
{
    (void)state;
    double a[2] = { 0, 1 }, b[2] = { 1, 2 }, bad[2] = { 1, -1 };
    rl_transform_step_parts p = { .kind = RL__STEP_STANDARD, .column = RL_ALL_COLUMNS, .a = a, .b = b };
    rl_transform *t = NULL;
    assert_int_equal(rl__transform_from_parts(&t, 2, &p, 1), RL_OK);
    rl_transform_destroy(t);
    p.b = bad;
    assert_int_equal(rl__transform_from_parts(&t, 2, &p, 1), RL_E_INVALID);
    p = (rl_transform_step_parts){ .kind = RL__STEP_DIFF, .column = 2, .lag = 1 };
    assert_int_equal(rl__transform_from_parts(&t, 2, &p, 1), RL_E_INVALID);
    p = (rl_transform_step_parts){ .kind = RL__STEP_DIFF, .column = 1, .lag = 0 };
    assert_int_equal(rl__transform_from_parts(&t, 2, &p, 1), RL_E_INVALID);
    p = (rl_transform_step_parts){ .kind = 99, .column = 1 };
    assert_int_equal(rl__transform_from_parts(&t, 2, &p, 1), RL_E_INVALID);
    p = (rl_transform_step_parts){ .kind = RL__STEP_MINMAX, .column = RL_ALL_COLUMNS, .range_min = 0,
                                   .range_max = 1, .a = a, .b = b };
    assert_int_equal(rl__transform_from_parts(&t, 2, &p, 1), RL_OK);
    rl_transform_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_matches_formulas),
        cmocka_unit_test(test_invert_round_trip),
        cmocka_unit_test(test_invert_recursive_horizon),
        cmocka_unit_test(test_scaler_is_one_step_pipeline),
        cmocka_unit_test(test_bad_values_named_by_position),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_model_file_round_trip),
        cmocka_unit_test(test_forecast_of_differenced_model_inverts_exactly),
        cmocka_unit_test(test_rl_forecast_inverts_differencing),
        cmocka_unit_test(test_stream_inverts_differencing),
        cmocka_unit_test(test_parts_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
