/* Forecasting with a loaded model on a table, shared by evaluate, forecast
 * and backtest: what the model reads and forecasts, rl_forecast() as an
 * rl_forecaster, and the rolling-origin backtest (the library's
 * rl_backtest_run). Raw units throughout: the model's scaler or transform
 * pipeline is applied inside rl_forecast(). */
#ifndef RNNLITE_CLI_FORECASTING_H
#define RNNLITE_CLI_FORECASTING_H

#include <rnnlite/rnnlite.h>

#include "csv.h"

typedef struct model_view {
    rl_model *m;
    size_t steps;           /* window length */
    size_t features;        /* input columns */
    size_t target;          /* the one target column */
    size_t first_origin;    /* fewest history rows rl_forecast() takes */
    int covariates;         /* some input columns are not forecast */
} model_view;

/* Describes m; fails (message printed) unless the model forecasts exactly
 * one of its columns and the table has the columns it reads. */
int model_view_init(const char *cmd, rl_model *m, const csv_table *t, model_view *v);

/* The rl_forecaster for rl_backtest_run(): user is the model_view. */
rl_status model_forecaster(const float *history, size_t n_points, size_t n_features,
                           const float *future, size_t horizon, int refit, float *out, void *user);

/* rl_backtest_run() of the model and the baselines on the table's target. */
int run_backtest(const char *cmd, const model_view *v, const csv_table *t, size_t initial,
                 size_t step, size_t horizon, size_t season, rl_backtest **out);

#endif
