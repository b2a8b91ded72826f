/* Forecasting a real monthly series the recommended way (docs/forecasting.md):
 *
 *   1. load a CSV (examples/data/, exported from R's datasets package);
 *   2. split it chronologically: the first 80 % trains, the rest tests;
 *   3. fit the recipe (rl_recipe_*: season detected, log, seasonal
 *      differencing, scaling, a small GRU ensemble) on the first 80 % and
 *      backtest it over the test part (rolling origin, 24 steps ahead),
 *      next to the last-value, seasonal-naive and drift baselines;
 *   4. print the metrics table and the held-out coverage of 80 % conformal
 *      intervals;
 *   5. forecast 24 months past the end of the data with intervals, and plot
 *      history, truth, forecast and interval band from the first test origin
 *      to an SVG file.
 *
 * Usage: forecast_monthly [series.csv [out.svg]]
 *        (defaults: examples/data/nottem.csv, forecast_monthly.svg) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <rnnlite/rnnlite.h>

#include "csv_series.h"
#include "svg_plot.h"

enum { HORIZON = 24 };
#define COVERAGE 0.8

/* Stops with a message when a call fails. */
static void check(rl_status st, const char *what, const char *detail)
{
    if (st != RL_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, rl_status_string(st), detail);
        exit(1);
    }
}

static void print_table(const rl_backtest *b)
{
    static const rl_metric metrics[] = { RL_METRIC_MASE, RL_METRIC_RMSE, RL_METRIC_MAE,
                                         RL_METRIC_SMAPE, RL_METRIC_MAPE };
    printf("\n%-16s", "method");
    for (size_t k = 0; k < sizeof metrics / sizeof metrics[0]; k++)
        printf("%10s", rl_metric_name(metrics[k]));
    printf("%12s\n", "cover 80%");
    for (int m = 0; m < RL_METHOD_COUNT; m++) {
        printf("%-16s", m == RL_METHOD_MODEL ? "recipe (GRU)" : rl_method_name((rl_method)m));
        for (size_t k = 0; k < sizeof metrics / sizeof metrics[0]; k++) {
            double v = NAN;
            rl_backtest_metric(b, (rl_method)m, metrics[k], 0, &v);
            printf("%10.3f", v);
        }
        size_t n_origins = 0, horizon = 0;
        rl_backtest_shape(b, &n_origins, &horizon);
        double cov = NAN;   /* calibrated on the first half of the origins, checked on the rest */
        rl_backtest_coverage(b, (rl_method)m, COVERAGE, n_origins / 2, &cov);
        printf("%12.2f\n", cov);
    }
}

int main(int argc, char **argv)
{
    const char *csv = argc > 1 ? argv[1] : "examples/data/nottem.csv";
    const char *svg = argc > 2 ? argv[2] : "forecast_monthly.svg";
    csv_series data;
    if (csv_series_load(csv, &data) != 0)
        return 1;
    const float *y = data.values;   /* first value column */
    size_t n = data.n_points, nf = data.n_columns;

    size_t n_train = 0;
    check(rl_split_chronological(n, 0.8, &n_train), "split", "series too short");
    if (n - n_train < HORIZON + 2) {
        fprintf(stderr, "%s: %zu test points are too few for a %d-step backtest\n", csv,
                n - n_train, HORIZON);
        return 1;
    }

    /* The recipe: every choice automatic (season, log, window). */
    rl_recipe *recipe = NULL;
    check(rl_recipe_create(&recipe, 0), "rl_recipe_create", "");

    /* Backtest over the test part: origins n_train, n_train + 1, ...; the
     * recipe is fitted once, at the first origin, i.e. on the first 80 %. */
    size_t season = 1;
    check(rl_detect_season(y, n_train, 24, &season), "rl_detect_season", "");
    rl_backtest *bt = NULL;
    check(rl_backtest_create(&bt), "rl_backtest_create", "");
    check(rl_backtest_run(bt, y, n, nf, 0, n_train, 1, HORIZON, season, 0, rl_recipe_forecaster,
                          recipe),
          "rl_backtest_run", rl_backtest_last_error(bt));
    double chosen_log = 0, chosen_window = 0;
    rl_recipe_get(recipe, RL_RECIPE_LOG, &chosen_log);
    rl_recipe_get(recipe, RL_RECIPE_WINDOW, &chosen_window);
    size_t n_origins = 0, horizon = 0;
    rl_backtest_shape(bt, &n_origins, &horizon);
    printf("%s: %zu points, trained on the first %zu; season %zu, log %s, window %g\n", csv, n,
           n_train, season, chosen_log > 0 ? "yes" : "no", chosen_window);
    printf("backtest: %zu origins, %d steps ahead each, errors in raw units", n_origins, HORIZON);
    print_table(bt);

    /* Interval half-widths per step from the recipe's backtest errors. */
    float half[HORIZON];
    check(rl_backtest_interval(bt, RL_METHOD_MODEL, COVERAGE, 0, 0, half, HORIZON),
          "rl_backtest_interval", rl_backtest_last_error(bt));

    /* 24 months past the end of the data. */
    float future[HORIZON];
    check(rl_recipe_forecast(recipe, y, n, NULL, 0, HORIZON, future, HORIZON),
          "rl_recipe_forecast", rl_recipe_last_error(recipe));
    printf("\nforecast past the end of the data (%.0f %% conformal interval):\n", 100 * COVERAGE);
    for (int h = 0; h < HORIZON; h++)
        printf("  t+%-2d %9.2f  [%9.2f, %9.2f]\n", h + 1, future[h], future[h] - half[h],
               future[h] + half[h]);

    /* Plot: the forecast from the first test origin against the truth. The
     * band there is calibrated on the other origins (1..end), not on this one. */
    float *fc = malloc(n_origins * HORIZON * sizeof(float));
    float band_half[HORIZON];
    if (!fc)
        return 1;
    check(rl_backtest_forecasts(bt, RL_METHOD_MODEL, fc, n_origins * HORIZON), "forecasts", "");
    check(rl_backtest_interval(bt, RL_METHOD_MODEL, COVERAGE, 1, 0, band_half, HORIZON),
          "rl_backtest_interval", rl_backtest_last_error(bt));
    size_t shown = n_train < 72 ? n_train : 72;   /* the last six years of history */
    float hx[72], hy[72], tx[HORIZON], ty[HORIZON], lo[HORIZON], hi[HORIZON];
    for (size_t i = 0; i < shown; i++) {
        hx[i] = data.time[n_train - shown + i];
        hy[i] = y[(n_train - shown + i) * nf];
    }
    for (int h = 0; h < HORIZON; h++) {
        tx[h] = data.time[n_train + h];
        ty[h] = y[(n_train + h) * nf];
        lo[h] = fc[h] - band_half[h];
        hi[h] = fc[h] + band_half[h];
    }
    svg_series lines[] = {
        { hx, hy, shown, "history (training part)", "#333333", NULL, 1.5 },
        { tx, ty, HORIZON, "truth", "#009E73", NULL, 1.5 },
        { tx, fc, HORIZON, "recipe forecast", "#D55E00", NULL, 2.0 },
        { tx, lo, HORIZON, "80 % interval", "#0072B2", "4 3", 1.0 },
        { tx, hi, HORIZON, "", "#0072B2", "4 3", 1.0 },
    };
    svg_chart chart = { "24-month forecast from the first test origin", "year", "value", 900, 420 };
    if (svg_line_chart(svg, &chart, lines, sizeof lines / sizeof lines[0]) != 0)
        perror(svg);
    else
        printf("\nplot written to %s\n", svg);

    free(fc);
    rl_backtest_destroy(bt);
    rl_recipe_destroy(recipe);
    csv_series_free(&data);
    return 0;
}
