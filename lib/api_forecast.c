/* Forecasting API: what the outputs forecast (targets) and the multi-step
 * forecast loop over rl_predict's path, in raw units through units.h. */
#include <math.h>
#include <string.h>

#include "alloc.h"
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

/* Working memory of one forecast, one block: raw rows (history tail, then
 * the forecast rows appended), one model-unit window, one output row twice.
 * One allocation per call: the forecast is timed against rl_predict. */
typedef struct forecast_work {
    float *block;
    float *rows, *window, *pred, *pred_raw;
} forecast_work;

/* n floats rounded up to whole cache lines, so each part stays aligned. */
static size_t lines(size_t n)
{
    return (n + 15) / 16 * 16;
}

static rl_status work_alloc(const rl_model *m, size_t need, size_t horizon, forecast_work *w)
{
    int ok = need + horizon >= need;
    size_t nf = m->n_features, n_out = rl__model_out_len(m);
    size_t n_rows = lines(rl__mul(need + horizon, nf, &ok));
    size_t n_window = lines(m->time_steps * nf), n_pred = lines(n_out);
    size_t total = n_rows + n_window + 2 * n_pred;
    *w = (forecast_work){ 0 };
    if (!ok || total < n_rows || !(w->block = rl__calloc(total, sizeof(float))))
        return RL_E_NOMEM;
    w->rows = w->block;
    w->window = w->rows + n_rows;
    w->pred = w->window + n_window;
    w->pred_raw = w->pred + n_pred;
    return RL_OK;
}

/* The loop of the contract: predict on the last time_steps raw rows (in
 * model units), append the predicted targets (raw) with that step's
 * covariates, repeat. */
static rl_status forecast_loop(rl_model *m, const forecast_args *a, size_t need, forecast_work *w)
{
    size_t nf = m->n_features, nt = rl__units_target_count(m), T = m->time_steps;
    size_t out_steps = rl__units_out_steps(m);
    memcpy(w->rows, a->history + (a->n_points - need) * nf, need * nf * sizeof(float));
    for (size_t have = 0; have < a->horizon;) {
        size_t known = need + have;   /* raw rows so far */
        rl__units_to_model(m, w->rows + (known - T) * nf, known - T, T, w->window);
        for (size_t i = 0; i < T * nf; i++)
            if (!isfinite(w->window[i]))
                return rl__fail(m, RL_E_NUMERIC,
                                "rl_forecast: the forecast is not finite after %zu steps", have);
        rl_status s = rl__model_predict(m, w->window, 1, w->pred);
        if (s != RL_OK)
            return s;
        rl__units_outputs_to_raw(m, w->rows, known, w->pred, out_steps, w->pred_raw);
        for (size_t k = 0; k < out_steps && have < a->horizon; k++, have++) {
            float *row = w->rows + (need + have) * nf;
            for (size_t c = 0; c < nf; c++)
                row[c] = rl__units_is_target(m, c) ? 0.0f : a->future[have * nf + c];
            for (size_t j = 0; j < nt; j++)
                row[rl__units_target_column(m, j)] = w->pred_raw[k * nt + j];
        }
    }
    /* Only a finished forecast reaches the caller's buffer. */
    for (size_t i = 0; i < a->horizon; i++)
        for (size_t j = 0; j < nt; j++)
            a->out[i * nt + j] = w->rows[(need + i) * nf + rl__units_target_column(m, j)];
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
    size_t need = m->time_steps + rl__units_history_rows(m);
    forecast_work w;
    if (work_alloc(m, need, horizon, &w) != RL_OK)
        return rl__fail(m, RL_E_NOMEM, "rl_forecast: out of memory for a horizon of %zu", horizon);
    s = forecast_loop(m, &a, need, &w);
    rl__free(w.block);
    return s;
}
