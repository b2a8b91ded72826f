/* The recommended recipe: its choices on a real series (season 12 and log
 * for nottem), that its forecast is the mean of its models' rl_forecast
 * (bit for bit with one model), that over a rolling-origin backtest it
 * beats the seasonal-naive and last-value forecasts on nottem (MASE), that
 * it trains through gaps, and its statuses. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

#include "reference/forecast_fixtures.h"

static const struct fx_case *nottem(void)
{
    assert_string_equal(fx_cases[0].name, "nottem");
    return &fx_cases[0];
}

static void test_choices_and_forecast_equal_models(void **state)
{
    (void)state;
    const struct fx_case *fx = nottem();
    rl_recipe *r = NULL;
    assert_int_equal(rl_recipe_create(&r, 0), RL_OK);
    assert_int_equal(rl_recipe_set(r, RL_RECIPE_ENSEMBLE, 1), RL_OK);
    assert_int_equal(rl_recipe_fit(r, fx->series, 192, 1), RL_OK);
    double season = 0, log_used = 0, window = 0;
    assert_int_equal(rl_recipe_get(r, RL_RECIPE_SEASON, &season), RL_OK);
    assert_int_equal(rl_recipe_get(r, RL_RECIPE_LOG, &log_used), RL_OK);
    assert_int_equal(rl_recipe_get(r, RL_RECIPE_WINDOW, &window), RL_OK);
    assert_true(season == 12 && log_used == 1 && window == 12);
    float a[24], b[24];
    assert_int_equal(rl_recipe_forecast(r, fx->series, 192, NULL, 0, 24, a, 24), RL_OK);
    rl_model *m = NULL;
    assert_int_equal(rl_recipe_model(r, 0, &m), RL_OK);
    assert_int_equal(rl_forecast(m, fx->series, 192, NULL, 0, 24, b, 24), RL_OK);
    assert_memory_equal(a, b, sizeof a);
    /* The model carries its pipeline: 13 rows of context are needed beyond the window. */
    rl_transform *t = NULL;
    size_t lost = 0;
    assert_int_equal(rl_model_get_transform(m, &t), RL_OK);
    assert_int_equal(rl_transform_lost_rows(t, &lost), RL_OK);
    assert_int_equal(lost, 12);
    assert_int_equal(rl_forecast(m, fx->series, 12 + 11, NULL, 0, 24, b, 24), RL_E_INVALID);
    rl_transform_destroy(t);
    rl_model_destroy(m);
    rl_recipe_destroy(r);
}

/* The bar: over a rolling-origin backtest on the project's example
 * series, the recipe's MASE is below both naive baselines'. */
static void test_recipe_beats_naive_on_nottem(void **state)
{
    (void)state;
    const struct fx_case *fx = nottem();
    rl_recipe *r = NULL;
    rl_backtest *b = NULL;
    assert_int_equal(rl_recipe_create(&r, 0), RL_OK);
    assert_int_equal(rl_backtest_create(&b), RL_OK);
    assert_int_equal(rl_backtest_run(b, fx->series, fx->n, 1, 0, 192, 2, 12, 12, 0,
                                     rl_recipe_forecaster, r), RL_OK);
    double recipe = 0, snaive = 0, last = 0;
    assert_int_equal(rl_backtest_metric(b, RL_METHOD_MODEL, RL_METRIC_MASE, 0, &recipe), RL_OK);
    assert_int_equal(rl_backtest_metric(b, RL_METHOD_SEASONAL_NAIVE, RL_METRIC_MASE, 0, &snaive), RL_OK);
    assert_int_equal(rl_backtest_metric(b, RL_METHOD_LAST_VALUE, RL_METRIC_MASE, 0, &last), RL_OK);
    print_message("# nottem MASE: recipe %.3f, seasonal naive %.3f, last value %.3f\n", recipe,
                  snaive, last);
    assert_true(recipe < snaive && recipe < last);
    rl_backtest_destroy(b);
    rl_recipe_destroy(r);
}

static void test_gaps_and_statuses(void **state)
{
    (void)state;
    const struct fx_case *fx = nottem();
    float y[192];
    memcpy(y, fx->series, sizeof y);
    y[50] = NAN;
    y[51] = NAN;
    rl_recipe *r = NULL;
    assert_int_equal(rl_recipe_create(&r, 0), RL_OK);
    float out[6];
    assert_int_equal(rl_recipe_forecast(r, y, 192, NULL, 0, 6, out, 6), RL_E_STATE);
    assert_int_equal(rl_recipe_set(r, RL_RECIPE_ENSEMBLE, 1), RL_OK);
    assert_int_equal(rl_recipe_set(r, RL_RECIPE_EPOCHS, 5), RL_OK);
    assert_int_equal(rl_recipe_fit(r, y, 192, 1), RL_OK);   /* gaps filled for training */
    assert_int_equal(rl_recipe_forecast(r, y, 192, NULL, 0, 6, out, 6), RL_OK);
    for (int h = 0; h < 6; h++)
        assert_true(isfinite(out[h]));
    assert_int_equal(rl_recipe_forecast(r, y, 192, NULL, 0, 6, out, 5), RL_E_SHAPE);
    assert_int_equal(rl_recipe_set(r, RL_RECIPE_ENSEMBLE, 17), RL_E_INVALID);
    assert_int_equal(rl_recipe_set(r, RL_RECIPE_UNITS, 2.5), RL_E_INVALID);
    assert_int_equal(rl_recipe_set(r, (rl_recipe_option)99, 1), RL_E_INVALID);
    assert_int_equal(rl_recipe_fit(r, y, 5, 1), RL_E_INVALID);   /* too short: old models stay */
    assert_true(strlen(rl_recipe_last_error(r)) > 0);
    assert_int_equal(rl_recipe_forecast(r, y, 192, NULL, 0, 6, out, 6), RL_OK);
    rl_model *m = NULL;
    assert_int_equal(rl_recipe_model(r, 1, &m), RL_E_INVALID);
    rl_recipe_destroy(r);
    rl_recipe_destroy(NULL);
    assert_int_equal(rl_recipe_create(&r, 3), RL_OK);
    assert_int_equal(rl_recipe_fit(r, y, 192, 1), RL_E_INVALID);   /* target column 3 of 1 */
    rl_recipe_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choices_and_forecast_equal_models),
        cmocka_unit_test(test_recipe_beats_naive_on_nottem),
        cmocka_unit_test(test_gaps_and_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
