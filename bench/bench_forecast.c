/* Forecast accuracy bench: the recommended recipe (rl_recipe_*) against the
 * naive baselines under one rolling-origin protocol, on the real series of
 * examples/data/. bench/forecast_r.R runs R's ETS and auto.arima under the
 * same protocol; bench/forecast_table.py runs both and prints the table
 * (docs/forecasting.md).
 *
 * Protocol per series (season s, n points): horizon h = s (6 without a
 * season); 12 origins one step apart ending at n - h; expanding history;
 * the recipe refits every 4 origins. MASE divides each origin's errors by
 * the seasonal-naive in-sample MAE of its history; RMSE pools all errors.
 * Interval coverage: 80 % conformal half-widths calibrated on the first
 * half of the origins, checked on the second half.
 *
 *   bench_forecast DATA_DIR [SERIES...]   -> TSV: series method MASE RMSE coverage80 seconds */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../examples/csv_series.h"
#include "rnnlite/rnnlite.h"

typedef struct bench_series {
    const char *name;
    size_t season;
} bench_series;

static const bench_series all_series[] = {
    { "nottem", 12 }, { "UKgas", 4 }, { "USAccDeaths", 12 }, { "ldeaths", 12 },
    { "mdeaths", 12 }, { "fdeaths", 12 }, { "JohnsonJohnson", 4 }, { "UKDriverDeaths", 12 },
    { "Nile", 1 }, { "LakeHuron", 1 }, { "lynx", 1 }, { "BJsales", 1 },
};

enum { ORIGINS = 12, REFIT_EVERY = 4 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* RL_RECIPE="units=8,epochs=60" overrides recipe options (for tuning runs). */
static void apply_overrides(rl_recipe *r)
{
    static const char *const names[RL_RECIPE_OPTION_COUNT] = {
        "season", "window", "units", "epochs", "log", "seed", "ensemble", "learning_rate",
        "trend_diff" };
    const char *env = getenv("RL_RECIPE");
    char buf[256];
    if (!env)
        return;
    snprintf(buf, sizeof buf, "%s", env);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = 0;
        for (int k = 0; k < RL_RECIPE_OPTION_COUNT; k++)
            if (strcmp(tok, names[k]) == 0 && rl_recipe_set(r, (rl_recipe_option)k, atof(eq + 1)) != RL_OK)
                fprintf(stderr, "RL_RECIPE: %s\n", rl_recipe_last_error(r));
    }
}

static int run_one(const char *dir, const bench_series *bs)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.csv", dir, bs->name);
    csv_series s;
    if (csv_series_load(path, &s) != 0)
        return -1;
    size_t h = bs->season > 1 ? bs->season : 6;
    size_t initial = s.n_points - h - (ORIGINS - 1);
    rl_recipe *r = NULL;
    rl_backtest *b = NULL;
    int rc = -1;
    if (rl_recipe_create(&r, 0) != RL_OK || rl_backtest_create(&b) != RL_OK)
        goto done;
    /* The recipe gets the calendar season, as a user who knows the data
     * would give it (rl_detect_season finds the same on these series). */
    rl_recipe_set(r, RL_RECIPE_SEASON, (double)bs->season);
    apply_overrides(r);
    double t0 = now();
    rl_status st = rl_backtest_run(b, s.values, s.n_points, s.n_columns, 0, initial, 1, h,
                                   bs->season, REFIT_EVERY, rl_recipe_forecaster, r);
    double seconds = now() - t0;
    if (st != RL_OK) {
        fprintf(stderr, "%s: %s (%s)\n", bs->name, rl_backtest_last_error(b), rl_recipe_last_error(r));
        goto done;
    }
    for (int m = 0; m < RL_METHOD_COUNT; m++) {
        double mase = NAN, rmse = NAN, cov = NAN;
        rl_backtest_metric(b, (rl_method)m, RL_METRIC_MASE, 0, &mase);
        rl_backtest_metric(b, (rl_method)m, RL_METRIC_RMSE, 0, &rmse);
        rl_backtest_coverage(b, (rl_method)m, 0.8, ORIGINS / 2, &cov);
        printf("%s\t%s\t%.4f\t%.4f\t%.3f\t%.2f\n", bs->name,
               m == RL_METHOD_MODEL ? "recipe" : rl_method_name((rl_method)m), mase, rmse, cov,
               m == RL_METHOD_MODEL ? seconds : 0.0);
    }
    fflush(stdout);
    rc = 0;
done:
    rl_backtest_destroy(b);
    rl_recipe_destroy(r);
    csv_series_free(&s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DATA_DIR [SERIES...]\n", argv[0]);
        return 2;
    }
    printf("series\tmethod\tMASE\tRMSE\tcoverage80\tseconds\n");
    int failures = 0;
    for (size_t i = 0; i < sizeof all_series / sizeof all_series[0]; i++) {
        int wanted = argc == 2;
        for (int a = 2; a < argc; a++)
            wanted |= strcmp(argv[a], all_series[i].name) == 0;
        if (wanted)
            failures += run_one(argv[1], &all_series[i]) != 0;
    }
    return failures ? 1 : 0;
}
