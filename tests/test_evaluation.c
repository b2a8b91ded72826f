/* Metrics, baselines and the rolling-origin backtest against R's forecast
 * package (fixtures from reference/make_forecast_fixtures.R: naive(),
 * snaive(), rwf(drift=TRUE), accuracy() and a rolling-origin loop over
 * them, on real series); conformal intervals and held-out coverage against
 * hand-counted cases; season detection on real series; every status. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

#include "reference/forecast_fixtures.h"

static void assert_rel(double got, double want, double rtol, const char *what)
{
    if (!(fabs(got - want) <= rtol * fabs(want) + 1e-9)) {
        print_error("%s: got %.10g, want %.10g\n", what, got, want);
        fail();
    }
}

/* Baseline forecasts and all five metrics on a chronological split equal R's. */
static void test_baselines_and_metrics_match_r(void **state)
{
    (void)state;
    for (int c = 0; c < FX_CASES; c++) {
        const struct fx_case *fx = &fx_cases[c];
        size_t n_train = 0;
        assert_int_equal(rl_split_chronological(fx->n, (double)fx->n_train / (double)fx->n, &n_train), RL_OK);
        assert_int_equal(n_train, fx->n_train);
        double scale = 0;
        assert_int_equal(rl_mase_scale(fx->series, fx->n_train, fx->season, &scale), RL_OK);
        assert_rel(scale, fx->scale, 1e-6, fx->name);
        const float *test = fx->series + fx->n_train;
        for (int k = 0; k < 3; k++) {
            float fc[64];
            rl_method method = (rl_method)(RL_METHOD_LAST_VALUE + k);
            assert_int_equal(rl_baseline_forecast(method, fx->series, fx->n_train, fx->season,
                                                  fx->horizon, fc, 64), RL_OK);
            for (size_t h = 0; h < fx->horizon; h++)
                assert_rel(fc[h], fx->fc[k * fx->horizon + h], 1e-5, rl_method_name(method));
            for (int metric = 0; metric < RL_METRIC_COUNT; metric++) {
                double v = 0;
                assert_int_equal(rl_metric_compute((rl_metric)metric, test, fc, fx->horizon, scale, &v), RL_OK);
                assert_rel(v, fx->metrics[k * RL_METRIC_COUNT + metric], 1e-5,
                           rl_metric_name((rl_metric)metric));
            }
        }
    }
}

/* The backtest's baseline errors and MASE equal R's rolling-origin loop. */
static void test_backtest_baselines_match_r(void **state)
{
    (void)state;
    const struct fx_case *fx = &fx_cases[2];   /* USAccDeaths */
    assert_string_equal(fx->name, "USAccDeaths");
    rl_backtest *b = NULL;
    assert_int_equal(rl_backtest_create(&b), RL_OK);
    assert_int_equal(rl_backtest_run(b, fx->series, fx->n, 1, 0, FX_BT_INITIAL, FX_BT_STEP,
                                     FX_BT_HORIZON, 12, 0, NULL, NULL), RL_OK);
    size_t n_origins = 0, horizon = 0;
    assert_int_equal(rl_backtest_shape(b, &n_origins, &horizon), RL_OK);
    assert_int_equal(n_origins, FX_BT_ORIGINS);
    assert_int_equal(horizon, FX_BT_HORIZON);
    float e[FX_BT_ORIGINS * FX_BT_HORIZON];
    for (int k = 0; k < 3; k++) {
        rl_method method = (rl_method)(RL_METHOD_LAST_VALUE + k);
        assert_int_equal(rl_backtest_errors(b, method, e, sizeof e / sizeof e[0]), RL_OK);
        for (size_t i = 0; i < FX_BT_ORIGINS * FX_BT_HORIZON; i++)
            assert_rel(e[i], fx_bt_errors[k * FX_BT_ORIGINS * FX_BT_HORIZON + i], 1e-4, "error");
        double mase = 0;
        assert_int_equal(rl_backtest_metric(b, method, RL_METRIC_MASE, 0, &mase), RL_OK);
        assert_rel(mase, fx_bt_mase[k], 1e-5, "backtest MASE");
    }
    /* Without a forecaster there is no model column. */
    double v;
    assert_int_equal(rl_backtest_metric(b, RL_METHOD_MODEL, RL_METRIC_MAE, 0, &v), RL_E_STATE);
    assert_true(strlen(rl_backtest_last_error(b)) > 0);
    rl_backtest_destroy(b);
}

/* A forecaster that records what it was given and forecasts history[-1] + 1. */
typedef struct spy {
    size_t calls, refits, last_n;
    int saw_target_in_future;
} spy;

static rl_status spy_forecaster(const float *history, size_t n_points, size_t n_features,
                                const float *future, size_t horizon, int refit, float *out,
                                void *user)
{
    spy *s = user;
    s->calls++;
    s->refits += refit != 0;
    s->last_n = n_points;
    for (size_t h = 0; h < horizon; h++) {
        if (!isnan(future[h * n_features + 0]))
            s->saw_target_in_future = 1;
        out[h] = history[(n_points - 1) * n_features] + 1.0f;
    }
    return RL_OK;
}

static void test_backtest_protocol(void **state)
{
    (void)state;
    /* Two columns: the target 0..29 and a covariate 100 + t. */
    float series[30 * 2];
    for (int t = 0; t < 30; t++) {
        series[2 * t] = (float)t;
        series[2 * t + 1] = 100.0f + (float)t;
    }
    rl_backtest *b = NULL;
    assert_int_equal(rl_backtest_create(&b), RL_OK);
    spy s = { 0 };
    /* origins 10, 14, 18, 22, 26 (26 + 4 = 30) */
    assert_int_equal(rl_backtest_run(b, series, 30, 2, 0, 10, 4, 4, 1, 2, spy_forecaster, &s), RL_OK);
    assert_int_equal(s.calls, 5);
    assert_int_equal(s.refits, 3);   /* origins 0, 2, 4 */
    assert_int_equal(s.last_n, 26);
    assert_false(s.saw_target_in_future);
    float fc[20], err[20];
    assert_int_equal(rl_backtest_forecasts(b, RL_METHOD_MODEL, fc, 20), RL_OK);
    assert_int_equal(rl_backtest_errors(b, RL_METHOD_MODEL, err, 20), RL_OK);
    for (int o = 0; o < 5; o++)
        for (int h = 0; h < 4; h++) {
            int origin = 10 + 4 * o;
            assert_true(fc[o * 4 + h] == (float)origin);               /* last value + 1 */
            assert_true(err[o * 4 + h] == (float)(origin + h) - (float)origin);
        }
    /* Per-step MAE: step h error is h (0-based), for every origin. */
    for (size_t step = 1; step <= 4; step++) {
        double mae = 0;
        assert_int_equal(rl_backtest_metric(b, RL_METHOD_MODEL, RL_METRIC_MAE, step, &mae), RL_OK);
        assert_true(fabs(mae - (double)(step - 1)) < 1e-12);
    }
    double mase = 0;   /* scale of a unit-slope line with season 1 is 1 */
    assert_int_equal(rl_backtest_metric(b, RL_METHOD_MODEL, RL_METRIC_MASE, 0, &mase), RL_OK);
    assert_true(fabs(mase - 1.5) < 1e-12);
    /* The drift baseline is exact on a line. */
    assert_int_equal(rl_backtest_metric(b, RL_METHOD_DRIFT, RL_METRIC_RMSE, 0, &mase), RL_OK);
    assert_true(mase < 1e-5);
    /* Bad arguments and a failing forecaster leave the results alone. */
    assert_int_equal(rl_backtest_run(b, series, 30, 2, 2, 10, 4, 4, 1, 0, NULL, NULL), RL_E_INVALID);
    assert_int_equal(rl_backtest_run(b, series, 30, 2, 0, 28, 4, 4, 1, 0, NULL, NULL), RL_E_INVALID);
    assert_int_equal(rl_backtest_run(b, series, 30, 2, 0, 10, 0, 4, 1, 0, NULL, NULL), RL_E_INVALID);
    series[2 * 7] = NAN;
    assert_int_equal(rl_backtest_run(b, series, 30, 2, 0, 10, 4, 4, 1, 0, NULL, NULL), RL_E_INVALID);
    assert_non_null(strstr(rl_backtest_last_error(b), "row 7, column 0"));
    size_t n_origins = 0, horizon = 0;
    assert_int_equal(rl_backtest_shape(b, &n_origins, &horizon), RL_OK);
    assert_int_equal(n_origins, 5);
    assert_int_equal(rl_backtest_forecasts(b, RL_METHOD_MODEL, fc, 19), RL_E_SHAPE);
    assert_int_equal(rl_backtest_forecasts(b, (rl_method)9, fc, 20), RL_E_INVALID);
    rl_backtest_destroy(b);
    rl_backtest_destroy(NULL);
}

/* Errors e = 1..N at every step: the conformal half-width is the
 * ceil((N+1) q)-th smallest; held-out coverage is counted by hand. */
static rl_status counting_forecaster(const float *history, size_t n_points, size_t n_features,
                                     const float *future, size_t horizon, int refit, float *out,
                                     void *user)
{
    (void)history; (void)n_features; (void)future; (void)refit; (void)user;
    /* The series is 0 everywhere; origin n_points gets error -(n_points - 9). */
    for (size_t h = 0; h < horizon; h++)
        out[h] = (float)(n_points - 9);
    return RL_OK;
}

static void test_conformal_intervals(void **state)
{
    (void)state;
    float zeros[40] = { 0 };
    zeros[0] = 1;   /* a non-zero MASE scale; the baselines do not matter here */
    rl_backtest *b = NULL;
    assert_int_equal(rl_backtest_create(&b), RL_OK);
    /* origins 10..37, horizon 3: 28 origins, |error| = 1..28 */
    assert_int_equal(rl_backtest_run(b, zeros, 40, 1, 0, 10, 1, 3, 1, 0, counting_forecaster, NULL), RL_OK);
    float hw[3];
    /* 19 calibration origins, coverage 0.8: rank ceil(20 * 0.8) = 16 -> |e| = 16 */
    assert_int_equal(rl_backtest_interval(b, RL_METHOD_MODEL, 0.8, 0, 19, hw, 3), RL_OK);
    for (int h = 0; h < 3; h++)
        assert_true(hw[h] == 16.0f);
    /* coverage 0.99 with 19 origins: rank 20 > 19 -> unbounded */
    assert_int_equal(rl_backtest_interval(b, RL_METHOD_MODEL, 0.99, 0, 19, hw, 3), RL_OK);
    assert_true(isinf(hw[0]));
    /* Held out: origins 19..27 have |e| 20..28, all > 16: coverage 0. */
    double cov = -1;
    assert_int_equal(rl_backtest_coverage(b, RL_METHOD_MODEL, 0.8, 19, &cov), RL_OK);
    assert_true(cov == 0.0);
    /* Calibrating on the last origins (|e| 10..28) instead: rank ceil(20*0.5)=10 -> 19 */
    assert_int_equal(rl_backtest_interval(b, RL_METHOD_MODEL, 0.5, 9, 0, hw, 3), RL_OK);
    assert_true(hw[2] == 19.0f);
    assert_int_equal(rl_backtest_interval(b, RL_METHOD_MODEL, 1.0, 0, 0, hw, 3), RL_E_INVALID);
    assert_int_equal(rl_backtest_interval(b, RL_METHOD_MODEL, 0.5, 0, 0, hw, 2), RL_E_SHAPE);
    assert_int_equal(rl_backtest_coverage(b, RL_METHOD_MODEL, 0.5, 28, &cov), RL_E_INVALID);
    rl_backtest_destroy(b);
}

/* Coverage of seasonal-naive intervals on a real series is near nominal. */
static void test_coverage_on_real_series(void **state)
{
    (void)state;
    const struct fx_case *fx = &fx_cases[0];   /* nottem, 240 months */
    rl_backtest *b = NULL;
    assert_int_equal(rl_backtest_create(&b), RL_OK);
    assert_int_equal(rl_backtest_run(b, fx->series, fx->n, 1, 0, 48, 1, 12, 12, 0, NULL, NULL), RL_OK);
    double cov = 0;
    assert_int_equal(rl_backtest_coverage(b, RL_METHOD_SEASONAL_NAIVE, 0.9, 90, &cov), RL_OK);
    assert_true(cov > 0.8 && cov < 0.98);
    rl_backtest_destroy(b);
}

static void test_metric_statuses(void **state)
{
    (void)state;
    float a[3] = { 1, 2, 3 }, f[3] = { 1, 2, NAN };
    double v;
    assert_int_equal(rl_metric_compute(RL_METRIC_RMSE, a, f, 3, 1, &v), RL_E_NUMERIC);
    assert_int_equal(rl_metric_compute(RL_METRIC_RMSE, a, a, 0, 1, &v), RL_E_INVALID);
    assert_int_equal(rl_metric_compute(RL_METRIC_MASE, a, a, 3, 0, &v), RL_E_INVALID);
    assert_int_equal(rl_metric_compute((rl_metric)7, a, a, 3, 1, &v), RL_E_INVALID);
    assert_int_equal(rl_metric_compute(RL_METRIC_SMAPE, a, a, 3, 1, &v), RL_OK);
    assert_true(v == 0);
    float flat[4] = { 2, 2, 2, 2 };
    assert_int_equal(rl_mase_scale(flat, 4, 1, &v), RL_E_NUMERIC);
    assert_int_equal(rl_mase_scale(flat, 4, 4, &v), RL_E_INVALID);
    float out[4];
    assert_int_equal(rl_baseline_forecast(RL_METHOD_MODEL, a, 3, 1, 2, out, 4), RL_E_INVALID);
    assert_int_equal(rl_baseline_forecast(RL_METHOD_SEASONAL_NAIVE, a, 3, 4, 2, out, 4), RL_E_INVALID);
    assert_int_equal(rl_baseline_forecast(RL_METHOD_DRIFT, a, 1, 1, 2, out, 4), RL_E_INVALID);
    assert_int_equal(rl_baseline_forecast(RL_METHOD_LAST_VALUE, a, 3, 1, 5, out, 4), RL_E_SHAPE);
    assert_int_equal(rl_baseline_forecast(RL_METHOD_LAST_VALUE, f, 3, 1, 2, out, 4), RL_E_NUMERIC);
    size_t n;
    assert_int_equal(rl_split_chronological(10, 1.0, &n), RL_E_INVALID);
    assert_int_equal(rl_split_chronological(1, 0.5, &n), RL_E_INVALID);
    assert_string_equal(rl_metric_name(RL_METRIC_SMAPE), "sMAPE");
    assert_string_equal(rl_method_name(RL_METHOD_SEASONAL_NAIVE), "seasonal_naive");
    assert_string_equal(rl_method_name((rl_method)-1), "unknown");
}

/* Season detection finds the calendar period of real seasonal series and
 * none in an annual one. */
static void test_detect_season(void **state)
{
    (void)state;
    size_t p = 0;
    assert_int_equal(rl_detect_season(fx_cases[0].series, fx_cases[0].n, 24, &p), RL_OK);
    assert_int_equal(p, 12);   /* nottem */
    assert_int_equal(rl_detect_season(fx_cases[1].series, fx_cases[1].n, 12, &p), RL_OK);
    assert_int_equal(p, 4);    /* UKgas */
    assert_int_equal(rl_detect_season(fx_cases[2].series, fx_cases[2].n, 24, &p), RL_OK);
    assert_int_equal(p, 12);   /* USAccDeaths */
    assert_int_equal(rl_detect_season(fx_cases[3].series, fx_cases[3].n, 20, &p), RL_OK);
    assert_int_equal(p, 1);    /* Nile: annual, no season */
    assert_int_equal(rl_detect_season(fx_cases[2].series, 40, 24, &p), RL_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baselines_and_metrics_match_r),
        cmocka_unit_test(test_backtest_baselines_match_r),
        cmocka_unit_test(test_backtest_protocol),
        cmocka_unit_test(test_conformal_intervals),
        cmocka_unit_test(test_coverage_on_real_series),
        cmocka_unit_test(test_metric_statuses),
        cmocka_unit_test(test_detect_season),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
