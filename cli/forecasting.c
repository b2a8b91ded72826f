#include "forecasting.h"

#include "args.h"
#include "common.h"

int model_view_init(const char *cmd, rl_model *m, const csv_table *t, model_view *v)
{
    v->m = m;
    rl_model_input_shape(m, &v->steps, &v->features);
    if (check_columns(cmd, m, t) != 0)
        return -1;
    size_t n_targets = 0;
    rl_status s = rl_model_get_targets(m, &v->target, 1, &n_targets);
    if (s != RL_OK || n_targets != 1) {
        cli_error(cmd, "the model forecasts %zu columns; this command takes models with one target "
                  "(rnnlite train makes them)", n_targets);
        return -1;
    }
    v->covariates = v->features > 1;
    size_t lost = 0;
    rl_transform *tr = NULL;
    if (rl_model_get_transform(m, &tr) == RL_OK) {
        rl_transform_lost_rows(tr, &lost);
        rl_transform_destroy(tr);
    }
    v->first_origin = v->steps + lost < 2 ? 2 : v->steps + lost;
    return 0;
}

rl_status model_forecaster(const float *history, size_t n_points, size_t n_features,
                           const float *future, size_t horizon, int refit, float *out, void *user)
{
    (void)n_features;
    (void)refit;   /* the model is fixed: a loaded file is not retrained */
    const model_view *v = user;
    return rl_forecast(v->m, history, n_points, v->covariates ? future : NULL,
                       v->covariates ? horizon : 0, horizon, out, horizon);
}

int run_backtest(const char *cmd, const model_view *v, const csv_table *t, size_t initial,
                 size_t step, size_t horizon, size_t season, rl_backtest **out)
{
    *out = NULL;
    if (initial < v->first_origin)
        initial = v->first_origin;
    if (initial < season)
        initial = season;
    if (initial + horizon > t->n_rows) {
        cli_error(cmd, "%zu rows leave no origin: the model needs %zu rows of history and the "
                  "horizon %zu more", t->n_rows, initial, horizon);
        return -1;
    }
    rl_backtest *b = NULL;
    rl_status s = rl_backtest_create(&b);
    if (s == RL_OK)
        s = rl_backtest_run(b, t->values, t->n_rows, t->n_cols, v->target, initial, step, horizon,
                            season, 0, model_forecaster, (void *)v);
    if (s != RL_OK) {
        cli_error(cmd, "backtest: %s (%s; model: %s)", rl_status_string(s),
                  b ? rl_backtest_last_error(b) : "", rl_model_last_error(v->m));
        rl_backtest_destroy(b);
        return -1;
    }
    *out = b;
    return 0;
}
