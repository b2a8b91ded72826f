/* The multi-step forecast of rl_forecast: predict on the last time_steps raw
 * rows (in model units, through units.h), append the predicted targets with
 * that step's covariates, repeat. Arguments were checked by api_forecast.c.
 * The call owns its working memory: allocated and freed here, once. */
#include "forecast.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "units.h"

/* What rl_forecast was given (checked). */
typedef struct forecast_args {
    const float *history, *future;
    size_t n_points, horizon;
    float *out;
} forecast_args;

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
 * covariates, repeat. Only a finished forecast reaches out. */
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

rl_status rl__forecast(rl_model *m, const float *history, size_t n_points, const float *future,
                       size_t horizon, float *out)
{
    forecast_args a = { history, future, n_points, horizon, out };
    size_t need = m->time_steps + rl__units_history_rows(m);
    forecast_work w;
    if (work_alloc(m, need, horizon, &w) != RL_OK)
        return rl__fail(m, RL_E_NOMEM, "rl_forecast: out of memory for a horizon of %zu", horizon);
    rl_status s = forecast_loop(m, &a, need, &w);
    rl__free(w.block);
    return s;
}
