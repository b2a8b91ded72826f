/* Forecasting API: argument checks and messages for the targets (what the
 * outputs forecast) and rl_forecast, whose loop is in forecast.c. */
#include <math.h>

#include "alloc.h"
#include "forecast.h"
#include "model.h"
#include "units.h"

rl_status rl_model_set_targets(rl_model *m, const size_t *columns, size_t n_columns)
{
    if (!m)
        return RL_E_INVALID;
    rl__clear_error(m);
    if (!columns || n_columns == 0)
        return rl__fail(m, RL_E_INVALID, "rl_model_set_targets: %s",
                        columns ? "n_columns is 0" : "columns is NULL");
    if (n_columns > m->n_features)
        return rl__fail(m, RL_E_INVALID,
                        "rl_model_set_targets: %zu columns, but the model has only %zu input "
                        "columns", n_columns, m->n_features);
    for (size_t j = 0; j < n_columns; j++) {
        if (columns[j] >= m->n_features)
            return rl__fail(m, RL_E_INVALID,
                            "rl_model_set_targets: columns[%zu] = %zu is out of range (the model "
                            "has %zu input columns)", j, columns[j], m->n_features);
        for (size_t k = 0; k < j; k++)
            if (columns[k] == columns[j])
                return rl__fail(m, RL_E_INVALID,
                                "rl_model_set_targets: column %zu is listed twice (columns[%zu] "
                                "and columns[%zu])", columns[j], k, j);
    }
    /* Once compiled the output count is final; before, layers may follow. */
    if (m->compiled && rl__model_out_len(m) % n_columns != 0)
        return rl__fail(m, RL_E_SHAPE,
                        "rl_model_set_targets: the model outputs %zu values per sample, not a "
                        "multiple of %zu columns", rl__model_out_len(m), n_columns);
    if (rl__model_set_targets(m, columns, n_columns) != RL_OK)
        return rl__fail(m, RL_E_NOMEM, "rl_model_set_targets: out of memory");
    return RL_OK;
}

rl_status rl_model_get_targets(const rl_model *m, size_t *columns, size_t capacity,
                               size_t *n_columns)
{
    if (!m)
        return RL_E_INVALID;
    if (!n_columns)
        return rl__fail(m, RL_E_INVALID, "rl_model_get_targets: n_columns is NULL");
    if (!columns && capacity != 0)
        return rl__fail(m, RL_E_INVALID, "rl_model_get_targets: columns is NULL but capacity is %zu",
                        capacity);
    size_t n = rl__units_target_count(m);
    if (columns && capacity < n)
        return rl__fail(m, RL_E_SHAPE, "rl_model_get_targets: room for %zu columns, %zu needed",
                        capacity, n);
    for (size_t j = 0; columns && j < n; j++)
        columns[j] = rl__units_target_column(m, j);
    *n_columns = n;
    return RL_OK;
}

/* ---- rl_forecast --------------------------------------------------------- */

/* The arguments of one forecast, checked. */
typedef struct forecast_args {
    const float *history, *future;
    size_t n_points, n_future, horizon;
    float *out;
    size_t out_len;
} forecast_args;

static int any_covariate(const rl_model *m)
{
    for (size_t c = 0; c < m->n_features; c++)
        if (!rl__units_is_target(m, c))
            return 1;
    return 0;
}

static rl_status check_forecast(rl_model *m, const forecast_args *a)
{
    const char *fn = "rl_forecast";
    if (!a->history || !a->out)
        return rl__fail(m, RL_E_INVALID, "%s: %s is NULL", fn, a->history ? "out" : "history");
    if (a->horizon == 0)
        return rl__fail(m, RL_E_INVALID, "%s: horizon is 0", fn);
    if (!m->compiled)
        return rl__fail(m, RL_E_STATE, "%s: call rl_model_compile (or load a model) first", fn);
    rl_status s = rl__units_check(m, fn);
    if (s != RL_OK)
        return s;
    size_t need = m->time_steps + rl__units_history_rows(m);
    if (a->n_points < need)
        return rl__fail(m, RL_E_INVALID,
                        "%s: the history has %zu rows, the model needs at least %zu", fn,
                        a->n_points, need);
    int ok = 1;
    size_t nt = rl__units_target_count(m), nf = m->n_features;
    size_t out_need = rl__mul(a->horizon, nt, &ok);
    rl__mul(rl__mul(a->n_points, nf, &ok), sizeof(float), &ok);
    if (!ok)
        return rl__fail(m, RL_E_INVALID, "%s: sizes overflow the address space", fn);
    if (a->out_len < out_need)
        return rl__fail(m, RL_E_SHAPE, "%s: out holds %zu floats, %zu needed (horizon %zu x %zu "
                        "targets)", fn, a->out_len, out_need, a->horizon, nt);
    if (any_covariate(m)) {
        if (!a->future)
            return rl__fail(m, RL_E_INVALID,
                            "%s: the model has covariate (non-target) columns: future must hold "
                            "their values for the %zu forecast steps", fn, a->horizon);
        if (a->n_future < a->horizon)
            return rl__fail(m, RL_E_INVALID,
                            "%s: future has %zu rows of covariates, the horizon needs %zu", fn,
                            a->n_future, a->horizon);
        rl__mul(rl__mul(a->n_future, nf, &ok), sizeof(float), &ok);
        if (!ok)
            return rl__fail(m, RL_E_INVALID, "%s: n_future overflows the address space", fn);
    }
    /* Only what the loop reads must be finite: the last `need` history rows
     * and the covariate columns of the first `horizon` future rows. */
    const float *h = a->history + (a->n_points - need) * nf;
    for (size_t i = 0; i < need * nf; i++)
        if (!isfinite(h[i]))
            return rl__fail(m, RL_E_NUMERIC, "%s: history row %zu, column %zu is not finite", fn,
                            a->n_points - need + i / nf, i % nf);
    for (size_t i = 0; a->future && i < a->horizon; i++)
        for (size_t c = 0; c < nf; c++)
            if (!rl__units_is_target(m, c) && !isfinite(a->future[i * nf + c]))
                return rl__fail(m, RL_E_NUMERIC, "%s: future row %zu, column %zu is not finite",
                                fn, i, c);
    return RL_OK;
}

rl_status rl_forecast(rl_model *m, const float *history, size_t n_points, const float *future,
                      size_t n_future, size_t horizon, float *out, size_t out_len)
{
    if (!m)
        return RL_E_INVALID;
    rl__clear_error(m);
    forecast_args a = { history, future, n_points, n_future, horizon, out, out_len };
    rl_status s = check_forecast(m, &a);
    if (s != RL_OK)
        return s;
    return rl__forecast(m, history, n_points, future, horizon, out);
}
