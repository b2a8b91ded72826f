/* The multi-step forecast of rl_forecast: predict on the last time_steps raw
 * rows (in model units, through units.h), append the predicted targets with
 * that step's covariates, repeat. Arguments were checked by api_forecast.c.
 * The call owns its working memory: allocated and freed here, once.
 *
 * A round is one window of one sample from the zero state: the same forward
 * a window-mode stream runs (stream.c, rl__stream_run_rows: the layers'
 * one-row steps on U packed once per forecast, a Dense head stepped inside
 * the last recurrent layer), which gives rl_predict's bits. Each raw row is
 * converted to model units once, when it joins the rows, not once per
 * window it sits in. A stateful model (rl_predict carries its states from
 * round to round), a sequence output with units to convert (which a stream
 * refuses) and a step large enough for the pool to split keep the loop of
 * rl__model_predict calls. */
#include "forecast.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "stream.h"
#include "units.h"

/* What rl_forecast was given (checked). */
typedef struct forecast_args {
    const float *history, *future;
    size_t n_points, horizon;
    float *out;
} forecast_args;

/* Working memory of one forecast, one block: the stream engine's block
 * (when it runs the rounds), raw rows (history tail, then the forecast rows
 * appended), the same rows in model units (engine) or one model-unit window
 * (predict loop), one output row twice. One allocation per call. */
typedef struct forecast_work {
    float *block;
    float *rows, *model_rows, *window, *pred, *pred_raw;
    int engine;        /* rounds run by `stream` (else rl__model_predict) */
    rl_stream stream;  /* shape and arrays only: never a handle */
} forecast_work;

/* n floats rounded up to whole cache lines, so each part stays aligned. */
static size_t lines(size_t n)
{
    return (n + 15) / 16 * 16;
}

/* Multiply-adds of a one-row step from which rl_predict's step may be split
 * over the pool (compute.c's row step bound with a pool). */
enum { POOL_ROW_STEP_WORK = 1 << 18 };

/* Whether the rounds can run as a window-mode stream runs them, with
 * rl_predict's bits and at least its speed (see the top of the file). */
static int engine_fits(const rl_model *m)
{
    const rl_layer *last = &m->layers[m->n_layers - 1];
    if (rl__model_stateful(m) || (last->out_steps > 1 && (m->scaler || m->transform)))
        return 0;
    for (size_t i = 0; m->cx.pool && i < m->n_layers; i++) {
        const rl_layer *l = &m->layers[i];
        double k = (double)l->in + (double)(l->ops->recurrent ? l->units : 0);
        if ((double)l->ops->gates * (double)l->units * k >= (double)POOL_ROW_STEP_WORK)
            return 0;
    }
    return 1;
}

static rl_status work_alloc(rl_model *m, size_t need, size_t horizon, forecast_work *w)
{
    int ok = need + horizon >= need;
    size_t nf = m->n_features, n_out = rl__model_out_len(m);
    *w = (forecast_work){ 0 };
    w->engine = engine_fits(m) && rl__stream_shape(&w->stream, m, RL_STREAM_WINDOW) == RL_OK;
    size_t n_engine = w->engine ? lines(rl__stream_block_len(&w->stream)) : 0;
    size_t n_rows = lines(rl__mul(need + horizon, nf, &ok));
    size_t n_window = w->engine ? n_rows : lines(m->time_steps * nf), n_pred = lines(n_out);
    size_t total = n_engine + n_rows + n_window + 2 * n_pred;
    if (!ok || (w->engine && n_engine == 0) || total < n_rows ||
        !(w->block = rl__calloc(total, sizeof(float))))
        return RL_E_NOMEM;
    if (w->engine) {
        w->stream.block = w->block;
        w->stream.block_len = n_engine;
        rl__stream_layout(&w->stream);
    }
    w->rows = w->block + n_engine;
    w->window = w->rows + n_rows;
    w->model_rows = w->window;
    w->pred = w->window + n_window;
    w->pred_raw = w->pred + n_pred;
    return RL_OK;
}

static rl_status not_finite(rl_model *m, size_t have)
{
    return rl__fail(m, RL_E_NUMERIC, "rl_forecast: the forecast is not finite after %zu steps",
                    have);
}

static int all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* Appends the output row's first steps (raw targets in pred_raw) as rows
 * need + have.., with that step's covariates; returns the new `have`. */
static size_t append_rows(const rl_model *m, const forecast_args *a, size_t need, size_t have,
                          const forecast_work *w, size_t out_steps)
{
    size_t nf = m->n_features, nt = rl__units_target_count(m);
    for (size_t k = 0; k < out_steps && have < a->horizon; k++, have++) {
        float *row = w->rows + (need + have) * nf;
        for (size_t c = 0; c < nf; c++)
            row[c] = rl__units_is_target(m, c) ? 0.0f : a->future[have * nf + c];
        for (size_t j = 0; j < nt; j++)
            row[rl__units_target_column(m, j)] = w->pred_raw[k * nt + j];
    }
    return have;
}

/* The loop of the contract through rl__model_predict: predict on the last
 * time_steps raw rows (in model units), append the predicted targets (raw)
 * with that step's covariates, repeat. */
static rl_status predict_loop(rl_model *m, const forecast_args *a, size_t need, forecast_work *w)
{
    size_t nf = m->n_features, T = m->time_steps, out_steps = rl__units_out_steps(m);
    for (size_t have = 0; have < a->horizon;) {
        size_t known = need + have;   /* raw rows so far */
        rl__units_to_model(m, w->rows + (known - T) * nf, known - T, T, w->window);
        if (!all_finite(w->window, T * nf))
            return not_finite(m, have);
        rl_status s = rl__model_predict(m, w->window, 1, w->pred);
        if (s != RL_OK)
            return s;
        rl__units_outputs_to_raw(m, w->rows, known, w->pred, out_steps, w->pred_raw);
        have = append_rows(m, a, need, have, w, out_steps);
    }
    return RL_OK;
}

/* The same loop on the stream engine. Raw row r becomes model-unit row r
 * (read from r - history on) once, when a window first holds it; each
 * round checks the rows new to its window, as the loop above checks its
 * whole window (the others were checked before). */
static rl_status engine_loop(rl_model *m, const forecast_args *a, size_t need, forecast_work *w)
{
    size_t nf = m->n_features, T = m->time_steps, out_steps = rl__units_out_steps(m);
    size_t converted = need - T;   /* model-unit rows are valid from here */
    for (size_t have = 0; have < a->horizon;) {
        size_t known = need + have;
        size_t first = converted > known - T ? converted : known - T;
        rl__units_to_model(m, w->rows + first * nf, first, known - first,
                           w->model_rows + first * nf);
        if (!all_finite(w->model_rows + first * nf, (known - first) * nf))
            return not_finite(m, have);
        converted = known;
        rl__stream_run_rows(&w->stream, w->model_rows + (known - T) * nf, w->pred);
        rl__units_outputs_to_raw(m, w->rows, known, w->pred, out_steps, w->pred_raw);
        have = append_rows(m, a, need, have, w, out_steps);
    }
    return RL_OK;
}

rl_status rl__forecast(rl_model *m, const float *history, size_t n_points, const float *future,
                       size_t horizon, float *out)
{
    forecast_args a = { history, future, n_points, horizon, out };
    size_t need = m->time_steps + rl__units_history_rows(m);
    size_t nf = m->n_features, nt = rl__units_target_count(m);
    forecast_work w;
    if (work_alloc(m, need, horizon, &w) != RL_OK)
        return rl__fail(m, RL_E_NOMEM, "rl_forecast: out of memory for a horizon of %zu", horizon);
    memcpy(w.rows, history + (n_points - need) * nf, need * nf * sizeof(float));
    rl_status s = w.engine ? engine_loop(m, &a, need, &w) : predict_loop(m, &a, need, &w);
    /* Only a finished forecast reaches the caller's buffer. */
    for (size_t i = 0; s == RL_OK && i < horizon; i++)
        for (size_t j = 0; j < nt; j++)
            out[i * nt + j] = w.rows[(need + i) * nf + rl__units_target_column(m, j)];
    rl__free(w.block);
    return s;
}
