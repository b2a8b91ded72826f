/* The recommended forecasting recipe (docs/forecasting.md): transforms chosen
 * from the data, a small GRU on windows one season long, a few seeds
 * averaged. Built only from public calls, so a user can copy it and change
 * any step. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "rnnlite/rnnlite.h"

#define MAX_ENSEMBLE 16

struct rl_recipe {
    double opt[RL_RECIPE_OPTION_COUNT];   /* as set; defaults below */
    size_t target;
    /* After fit: */
    size_t n_features, season, window;
    int use_log;
    rl_model *models[MAX_ENSEMBLE];
    size_t n_models;
    char err[256];
};

static const double defaults[RL_RECIPE_OPTION_COUNT] = {
    [RL_RECIPE_SEASON] = 0,      /* detect */
    [RL_RECIPE_WINDOW] = 0,      /* from the season */
    [RL_RECIPE_UNITS] = 8,
    [RL_RECIPE_EPOCHS] = 40,
    [RL_RECIPE_LOG] = -1,        /* when every value is positive */
    [RL_RECIPE_SEED] = 1,
    [RL_RECIPE_ENSEMBLE] = 3,
    [RL_RECIPE_LEARNING_RATE] = 0.003,
    [RL_RECIPE_TREND_DIFF] = 0,
};

static const double lower[RL_RECIPE_OPTION_COUNT] = { 0, 0, 1, 1, -1, 0, 1, 1e-6, -1 };
static const double upper[RL_RECIPE_OPTION_COUNT] = { 100000, 100000, 1024, 100000, 1, 4294967295.0,
                                                      MAX_ENSEMBLE, 1, 1 };

static rl_status fail(const rl_recipe *r, rl_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static rl_status fail(const rl_recipe *r, rl_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(((rl_recipe *)r)->err, sizeof r->err, fmt, ap);
    va_end(ap);
    return s;
}

rl_status rl_recipe_create(rl_recipe **out, size_t target_column)
{
    if (!out)
        return RL_E_INVALID;
    rl_recipe *r = rl__calloc(1, sizeof *r);
    if (!r)
        return RL_E_NOMEM;
    memcpy(r->opt, defaults, sizeof defaults);
    r->target = target_column;
    *out = r;
    return RL_OK;
}

static void drop_models(rl_recipe *r)
{
    for (size_t k = 0; k < r->n_models; k++)
        rl_model_destroy(r->models[k]);
    r->n_models = 0;
}

void rl_recipe_destroy(rl_recipe *r)
{
    if (!r)
        return;
    drop_models(r);
    rl__free(r);
}

const char *rl_recipe_last_error(const rl_recipe *r)
{
    return r ? r->err : "rl_recipe_last_error: the recipe is NULL";
}

rl_status rl_recipe_set(rl_recipe *r, rl_recipe_option option, double value)
{
    if (!r)
        return RL_E_INVALID;
    if ((unsigned)option >= RL_RECIPE_OPTION_COUNT)
        return fail(r, RL_E_INVALID, "rl_recipe_set: unknown option %d", (int)option);
    int integer = option != RL_RECIPE_LEARNING_RATE;
    if (!(value >= lower[option] && value <= upper[option]) || (integer && value != floor(value)))
        return fail(r, RL_E_INVALID, "rl_recipe_set: option %d: %g is outside [%g, %g]%s",
                    (int)option, value, lower[option], upper[option],
                    integer ? " or not an integer" : "");
    r->opt[option] = value;
    return RL_OK;
}

rl_status rl_recipe_get(const rl_recipe *r, rl_recipe_option option, double *value)
{
    if (!r || !value || (unsigned)option >= RL_RECIPE_OPTION_COUNT)
        return RL_E_INVALID;
    /* After fit, the automatic choices read back as what was chosen. */
    if (r->n_models && option == RL_RECIPE_SEASON)
        *value = (double)r->season;
    else if (r->n_models && option == RL_RECIPE_WINDOW)
        *value = (double)r->window;
    else if (r->n_models && option == RL_RECIPE_LOG)
        *value = r->use_log;
    else
        *value = r->opt[option];
    return RL_OK;
}

/* The choices the data make: season, log, window. */
static rl_status choose(rl_recipe *r, const float *y, size_t n)
{
    size_t season = (size_t)r->opt[RL_RECIPE_SEASON];
    if (season == 0) {
        size_t max_period = (n - 2) / 3 < 52 ? (n - 2) / 3 : 52;
        season = 1;
        if (max_period >= 2 && rl_detect_season(y, n, max_period, &season) != RL_OK)
            season = 1;
    }
    int use_log = (int)r->opt[RL_RECIPE_LOG];
    if (use_log < 0) {
        use_log = 1;
        for (size_t i = 0; i < n; i++)
            use_log &= y[i] > 0;
    }
    size_t diff_lag = season > 1 ? season : 1;
    if (n < diff_lag + 8)
        return fail(r, RL_E_INVALID, "rl_recipe_fit: %zu points are too few for season %zu", n,
                    season);
    size_t window = (size_t)r->opt[RL_RECIPE_WINDOW];
    if (window == 0) {
        /* One season of differences sees the seasonal pattern; keep at
         * least three windows per step of window so training has data. */
        window = season > 1 ? season : 8;
        size_t rows = n - diff_lag;
        if (window > rows / 3)
            window = rows / 3 > 2 ? rows / 3 : 2;
    }
    if (n <= diff_lag + window + 1)
        return fail(r, RL_E_INVALID, "rl_recipe_fit: %zu points leave no window of %zu after "
                                     "differencing at lag %zu", n, window, diff_lag);
    r->season = season;
    r->use_log = use_log;
    r->window = window;
    return RL_OK;
}

/* log (target, when chosen) -> difference at the season (or 1) -> standard. */
static rl_status make_transform(const rl_recipe *r, const float *series, size_t n, size_t nf,
                                rl_transform **out)
{
    rl_transform *t = NULL;
    rl_status st = rl_transform_create(&t);
    if (st == RL_OK && r->use_log)
        st = rl_transform_add_log(t, r->target);
    if (st == RL_OK)
        st = rl_transform_add_diff(t, r->target, r->season > 1 ? r->season : 1);
    if (st == RL_OK && r->season > 1 && r->opt[RL_RECIPE_TREND_DIFF] > 0)
        st = rl_transform_add_diff(t, r->target, 1);
    if (st == RL_OK)
        st = rl_transform_add_standard(t);
    if (st == RL_OK)
        st = rl_transform_fit(t, series, n, nf);
    if (st != RL_OK) {
        if (t)
            fail(r, st, "rl_recipe_fit: %s", rl_transform_last_error(t));
        rl_transform_destroy(t);
        return st;
    }
    *out = t;
    return RL_OK;
}

static rl_status train_one(rl_recipe *r, const rl_transform *t, const float *x, const float *y,
                           size_t count, size_t nf, unsigned seed, rl_model **out)
{
    rl_model *m = NULL;
    size_t target = r->target;
    rl_status st = rl_model_create(&m, r->window, nf);
    if (st == RL_OK)
        st = rl_model_set_param(m, RL_PARAM_SEED, seed);
    if (st == RL_OK)
        st = rl_model_set_param(m, RL_PARAM_LEARNING_RATE, r->opt[RL_RECIPE_LEARNING_RATE]);
    if (st == RL_OK)
        st = rl_model_add_gru(m, (size_t)r->opt[RL_RECIPE_UNITS], RL_ACT_TANH, RL_ACT_SIGMOID, 0);
    if (st == RL_OK)
        st = rl_model_add_dense(m, 1, RL_ACT_LINEAR);
    if (st == RL_OK)
        st = rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE);
    if (st == RL_OK)
        st = rl_model_set_targets(m, &target, 1);
    if (st == RL_OK)
        st = rl_fit(m, x, y, count, (size_t)r->opt[RL_RECIPE_EPOCHS], 16);
    if (st == RL_OK)
        st = rl_model_set_transform(m, t);
    if (st != RL_OK) {
        if (m)
            fail(r, st, "rl_recipe_fit: %s", rl_model_last_error(m));
        rl_model_destroy(m);
        return st;
    }
    *out = m;
    return RL_OK;
}

rl_status rl_recipe_fit(rl_recipe *r, const float *series, size_t n_points, size_t n_features)
{
    if (!r)
        return RL_E_INVALID;
    if (!series || n_points == 0 || n_features == 0 || r->target >= n_features)
        return fail(r, RL_E_INVALID, "rl_recipe_fit: NULL series, zero size or target column "
                                     "%zu of %zu", r->target, n_features);
    int ok = 1;
    size_t cells = rl__mul(n_points, n_features, &ok);
    if (!ok)
        return fail(r, RL_E_INVALID, "rl_recipe_fit: sizes overflow");
    /* Gaps are filled by a straight line for training (rl_fill_gaps). */
    float *filled = rl__calloc(cells, sizeof(float));
    float *y = rl__calloc(n_points, sizeof(float));
    float *mu = rl__calloc(cells, sizeof(float));
    if (!filled || !y || !mu) {
        rl__free(filled), rl__free(y), rl__free(mu);
        return fail(r, RL_E_NOMEM, "rl_recipe_fit: no memory");
    }
    rl_status st = rl_fill_gaps(series, filled, n_points, n_features, RL_FILL_LINEAR, NULL);
    if (st != RL_OK)
        fail(r, st, "rl_recipe_fit: a column has no finite value");
    for (size_t i = 0; st == RL_OK && i < n_points; i++)
        y[i] = filled[i * n_features + r->target];
    rl_recipe old = *r;   /* choices of the previous fit, kept on failure */
    if (st == RL_OK)
        st = choose(r, y, n_points);
    rl_transform *t = NULL;
    if (st == RL_OK)
        st = make_transform(r, filled, n_points, n_features, &t);
    size_t lost = 0, rows = 0, count = 0;
    float *x = NULL, *target = NULL;
    if (st == RL_OK) {
        rl_transform_lost_rows(t, &lost);
        rows = n_points - lost;
        st = rl_transform_apply(t, filled, n_points, n_features, mu, cells);
        if (st == RL_OK)
            st = rl_window_count(rows, r->window, 1, &count);
        size_t x_len = rl__mul(rl__mul(count, r->window, &ok), n_features, &ok);
        x = ok ? rl__calloc(x_len ? x_len : 1, sizeof(float)) : NULL;
        target = rl__calloc(count ? count : 1, sizeof(float));
        if (st == RL_OK && (!x || !target))
            st = fail(r, RL_E_NOMEM, "rl_recipe_fit: no memory for %zu windows", count);
        if (st == RL_OK)
            st = rl_window_make(mu, rows, n_features, r->window, 1, r->target, x, x_len, target,
                                count);
    }
    rl_model *models[MAX_ENSEMBLE] = { 0 };
    size_t n_models = (size_t)r->opt[RL_RECIPE_ENSEMBLE];
    for (size_t k = 0; st == RL_OK && k < n_models; k++)
        st = train_one(r, t, x, target, count, n_features,
                       (unsigned)r->opt[RL_RECIPE_SEED] + 1000u * (unsigned)k, &models[k]);
    rl__free(filled), rl__free(y), rl__free(mu), rl__free(x), rl__free(target);
    rl_transform_destroy(t);
    if (st != RL_OK) {
        for (size_t k = 0; k < n_models; k++)
            rl_model_destroy(models[k]);
        char why[sizeof r->err];
        memcpy(why, r->err, sizeof why);
        *r = old;
        memcpy(r->err, why, sizeof why);
        return st;
    }
    drop_models(r);
    memcpy(r->models, models, sizeof models);
    r->n_models = n_models;
    r->n_features = n_features;
    r->err[0] = 0;
    return RL_OK;
}

rl_status rl_recipe_forecast(rl_recipe *r, const float *history, size_t n_points,
                             const float *future, size_t n_future, size_t horizon, float *out,
                             size_t out_len)
{
    if (!r)
        return RL_E_INVALID;
    if (!r->n_models)
        return fail(r, RL_E_STATE, "rl_recipe_forecast: call rl_recipe_fit first");
    if (!history || !out || horizon == 0 || n_points == 0)
        return fail(r, RL_E_INVALID, "rl_recipe_forecast: NULL buffer or zero size");
    if (out_len < horizon)
        return fail(r, RL_E_SHAPE, "rl_recipe_forecast: out holds %zu floats, horizon is %zu",
                    out_len, horizon);
    int ok = 1;
    size_t cells = rl__mul(n_points, r->n_features, &ok);
    float *filled = ok ? rl__calloc(cells, sizeof(float)) : NULL;
    float *one = rl__calloc(horizon, sizeof(float));
    rl_status st = filled && one ? RL_OK : RL_E_NOMEM;
    if (st == RL_OK)
        st = rl_fill_gaps(history, filled, n_points, r->n_features, RL_FILL_LINEAR, NULL);
    for (size_t h = 0; st == RL_OK && h < horizon; h++)
        out[h] = 0;
    /* The ensemble's mean forecast, in raw units. */
    for (size_t k = 0; st == RL_OK && k < r->n_models; k++) {
        st = rl_forecast(r->models[k], filled, n_points, future, n_future, horizon, one, horizon);
        if (st != RL_OK)
            fail(r, st, "rl_recipe_forecast: %s", rl_model_last_error(r->models[k]));
        for (size_t h = 0; st == RL_OK && h < horizon; h++)
            out[h] += one[h] / (float)r->n_models;
    }
    rl__free(filled);
    rl__free(one);
    if (st == RL_E_NOMEM && !r->err[0])
        fail(r, st, "rl_recipe_forecast: no memory");
    return st;
}

rl_status rl_recipe_forecaster(const float *history, size_t n_points, size_t n_features,
                               const float *future, size_t horizon, int refit, float *out,
                               void *user_data)
{
    rl_recipe *r = user_data;
    if (!r)
        return RL_E_INVALID;
    if (refit || !r->n_models) {
        rl_status st = rl_recipe_fit(r, history, n_points, n_features);
        if (st != RL_OK)
            return st;
    }
    if (n_features != r->n_features)
        return fail(r, RL_E_SHAPE, "rl_recipe_forecaster: %zu columns, fitted on %zu", n_features,
                    r->n_features);
    return rl_recipe_forecast(r, history, n_points, future, horizon, horizon, out, horizon);
}

rl_status rl_recipe_model(const rl_recipe *r, size_t index, rl_model **out)
{
    if (!r || !out)
        return RL_E_INVALID;
    if (index >= r->n_models)
        return fail(r, RL_E_INVALID, "rl_recipe_model: model %zu of %zu", index, r->n_models);
    void *buf = NULL;
    size_t size = 0;
    rl_status st = rl_model_save_buffer(r->models[index], &buf, &size);
    if (st == RL_OK)
        st = rl_model_load_buffer(out, buf, size);
    rl_free(buf);
    return st;
}
